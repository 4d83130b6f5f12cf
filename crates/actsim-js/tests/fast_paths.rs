//! The fast-path switch (`InstanceConfig::fast_paths`) is real: with it off, an instance takes
//! none of them (here: the lazy globals are loaded when the instance is created), and an
//! action's results are the same either way (the binary's tests compare whole simulations).

use crate::common;

use actsim_js::{FastPaths, InstanceConfig};
use common::{expect_completed, instance_with, no_network, post_login, run_to_end};

const PROBE: &str = r#"
    exports.onExecutePostLogin = async (event, api) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, 'URL');
      console.log('get' in d ? 'accessor' : 'data');
      const cached = api.cache.get('k');
      if (!cached) api.cache.set('k', 'v' + Object.keys(event).length);
      api.idToken.setCustomClaim('https://x/u', event.user.user_id);
      console.log(String(cached && cached.value), Object.keys(event.secrets).length);
    };
"#;

fn run_three(fast: FastPaths) -> Vec<Vec<String>> {
    let config = InstanceConfig {
        fast_paths: fast,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("action.js", PROBE, config);
    let cache = common::new_cache();
    (0..3)
        .map(|_| {
            let mut spec = post_login();
            spec.cache = cache.clone();
            let report = run_to_end(&mut inst, &clock, spec, no_network);
            expect_completed(&report);
            let mut lines: Vec<String> = report.console.iter().map(|l| l.text.clone()).collect();
            lines.push(serde_json::to_string(&report.commands).unwrap());
            lines.push(serde_json::to_string(&report.cache_ops).unwrap());
            lines
        })
        .collect()
}

#[test]
fn with_fast_paths_off_lazy_globals_are_loaded_at_creation_and_results_do_not_change() {
    let on = run_three(FastPaths::On);
    let off = run_three(FastPaths::Off);
    // The one visible difference, before the first read: an accessor (lazy) or a data property.
    assert_eq!(on[0][0], "accessor");
    assert_eq!(off[0][0], "data");
    for (a, b) in on.iter().zip(&off) {
        assert_eq!(a[1..], b[1..]);
    }
    assert_eq!(on[1][1], "v5 0");
}

#[test]
fn the_switch_reads_on_and_off_and_refuses_anything_else() {
    assert_eq!(FastPaths::parse_env(None), Ok(None));
    assert_eq!(FastPaths::parse_env(Some("OFF")), Ok(Some(FastPaths::Off)));
    assert_eq!(FastPaths::parse_env(Some("on")), Ok(Some(FastPaths::On)));
    assert!(FastPaths::parse_env(Some("1")).is_err());
    assert_eq!(InstanceConfig::default().fast_paths, FastPaths::On);
}

/// Run `code`'s post-login handler once with the fast paths `fast`, answering every fetch
/// with `respond`; returns the requests it sent (method, URL, headers, body) and its console.
fn requests_and_console(
    fast: FastPaths,
    code: &str,
    respond: fn(&actsim_js::FetchRequest) -> actsim_js::OpResult,
) -> (Vec<String>, Vec<String>) {
    let config = InstanceConfig {
        fast_paths: fast,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("action.js", code, config);
    let mut sent = Vec::new();
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        sent.push(format!(
            "{} {} {:?} {:?}",
            req.method, req.url, req.headers, req.body
        ));
        respond(req)
    });
    expect_completed(&report);
    (sent, common::console_texts(&report))
}

/// URLs that the prefix fast path (prelude/fetch.js, `hrefByPrefix`) takes, and URLs next to
/// them that it must leave to the whole parser: dot segments, ports, user info, backslashes,
/// queries, fragments, spaces, non-ASCII, IPv4 hosts, invalid ones. Each is fetched twice (the
/// second time from the cache of parsed URLs).
const URL_PROBE: &str = r#"
    const urls = [
      'https://Tenant.Example.COM/api/v2/users/auth0%7C123', 'https://tenant.example.com/api/v2/users/auth0%7C456',
      'https://tenant.example.com/api/v2/users/a.b', 'https://tenant.example.com/api/v2/users/..',
      'https://tenant.example.com/api/v2/users/%2E%2e', 'https://tenant.example.com/api/v2/users/.',
      'https://tenant.example.com/api/v2/users/.%2E', 'https://tenant.example.com/a/./b/x',
      'https://tenant.example.com/a/../x', 'https://tenant.example.com:443/p/x',
      'https://tenant.example.com:8443/p/y', 'https://user:pw@tenant.example.com/p/z',
      'https://tenant.example.com\\p\\w', 'https://0x7f.1/p/x', 'https://tenant.example.com/p/x?q=1',
      'https://tenant.example.com/p?q=/x', 'https://tenant.example.com/p/x#frag',
      'https://tenant.example.com/p/a b', 'https://tenant.example.com/p/é',
      "https://tenant.example.com/p/!$&'()*+,;=:@~_-", 'http://tenant.example.com/p/x',
      'https://xn--bcher-kva.example/p/x', 'https://münchen.example/p/x',
      '  https://tenant.example.com/p/x  ', 'https://tenant.example.com/p/x\t',
      'https:///p/x', 'https://tenant.example.com', 'https://tenant.example.com/',
      'https://[::1]/p/x', 'https://tenant.example.com/p%2Fq/x', 'https://tenant.example.com/%2e/x',
      'https://tenant.example.com//x', 'https:/tenant.example.com/p/x', 'HTTPS://tenant.example.com/p/%zz',
    ];
    exports.onExecutePostLogin = async () => {
      for (const url of urls.concat(urls)) {
        try {
          const res = await fetch(url);
          console.log(res.url);
        } catch (e) {
          console.log(`${url}: ${e.message}`);
        }
      }
    };
"#;

fn empty_ok(_: &actsim_js::FetchRequest) -> actsim_js::OpResult {
    common::json_response(200, serde_json::json!({}))
}

#[test]
fn urls_parsed_by_their_known_prefix_are_the_urls_the_whole_parser_gives() {
    let (sent_on, console_on) = requests_and_console(FastPaths::On, URL_PROBE, empty_ok);
    let (sent_off, console_off) = requests_and_console(FastPaths::Off, URL_PROBE, empty_ok);
    assert_eq!(sent_on, sent_off);
    assert_eq!(console_on, console_off);
    // Checked by reason: the host is lowercased, the rest of the path kept; `..` and its
    // percent-encoded forms remove the segment before; a port that is https's default goes.
    assert_eq!(
        console_on[0],
        "https://tenant.example.com/api/v2/users/auth0%7C123"
    );
    assert_eq!(
        console_on[1],
        "https://tenant.example.com/api/v2/users/auth0%7C456"
    );
    assert_eq!(console_on[3], "https://tenant.example.com/api/v2/");
    assert_eq!(console_on[4], "https://tenant.example.com/api/v2/");
    assert_eq!(console_on[9], "https://tenant.example.com/p/x");
    // Special schemes skip any slashes before the host (WHATWG URL).
    assert_eq!(console_on[25], "https://p/x");
    assert_eq!(console_on.len(), 68);
}

/// The `auth0` stand-in's requests, successful and failing, with and without a body.
const AUTH0_PROBE: &str = r#"
    const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async (event) => {
      const management = new ManagementClient({ domain: 'https://Tenant.Example.com/', token: 'tok en ' });
      for (const id of ['auth0|1', 'auth0|2', 'missing', 'empty']) {
        try {
          const res = await management.users.update({ id }, { app_metadata: { a: 'é\u2028' } });
          console.log(res.status, res.statusText, JSON.stringify(res.data), JSON.stringify([...res.headers]));
          const user = await management.getUser({ id });
          console.log(JSON.stringify(user));
        } catch (e) {
          console.log(e.name, e.message, e.statusCode, JSON.stringify(e.body));
        }
      }
    };
"#;

fn tenant(req: &actsim_js::FetchRequest) -> actsim_js::OpResult {
    if req.url.ends_with("/missing") {
        return common::json_response(
            404,
            serde_json::json!({ "statusCode": 404, "message": "The user does not exist." }),
        );
    }
    if req.url.ends_with("/empty") {
        return actsim_js::OpResult::Fetch(actsim_js::FetchResponse {
            status: 204,
            headers: vec![("x-empty".to_string(), "1".to_string())],
            body: String::new(),
        });
    }
    common::json_response(
        200,
        serde_json::json!({ "user_id": req.url, "method": req.method }),
    )
}

#[test]
fn the_auth0_stand_in_sends_and_reads_the_same_with_fast_paths_on_and_off() {
    let (sent_on, console_on) = requests_and_console(FastPaths::On, AUTH0_PROBE, tenant);
    let (sent_off, console_off) = requests_and_console(FastPaths::Off, AUTH0_PROBE, tenant);
    assert_eq!(sent_on, sent_off);
    assert_eq!(console_on, console_off);
    assert_eq!(sent_on.len(), 7, "{sent_on:#?}");
    // Checked by reason: a PATCH with the JSON body, its content type and the bearer token
    // (trimmed, as Headers trims values), to the normalised domain's user path.
    assert!(
        sent_on[0].starts_with(
            r#"PATCH https://tenant.example.com/api/v2/users/auth0%7C1 [("authorization", "Bearer tok en"), ("content-type", "application/json")]"#
        ),
        "{}",
        sent_on[0]
    );
    assert!(
        console_on
            .iter()
            .any(|l| l.starts_with("ManagementApiError The user does not exist. 404")),
        "{console_on:#?}"
    );
}

/// Prints every field of the event as a dump that tells apart what `JSON.parse` could make
/// differently: -0, key order, own `__proto__` keys, prototypes, property attributes and each
/// UTF-16 unit of a string (so a lone surrogate shows). Setters on the prototypes log if an
/// event read assigned instead of defining.
const EVENT_DUMP: &str = r#"
    function dump(v) {
      if (v === null) return 'null';
      if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
      if (typeof v === 'string') return 's(' + Array.from({ length: v.length }, (_, i) => v.charCodeAt(i).toString(16)).join(',') + ')';
      if (typeof v !== 'object') return typeof v + ':' + String(v);
      const isArray = Array.isArray(v);
      const proto = Object.getPrototypeOf(v) === (isArray ? Array.prototype : Object.prototype) ? '' : '!proto';
      const parts = Reflect.ownKeys(v).map((k) => {
        const d = Object.getOwnPropertyDescriptor(v, k);
        const attrs = (d.writable ? 'w' : '') + (d.enumerable ? 'e' : '') + (d.configurable ? 'c' : '');
        return dump(String(k)) + ':' + attrs + '=' + (isArray && k === 'length' ? d.value : dump(d.value));
      });
      return (isArray ? '[' : '{') + proto + parts.join(';') + (isArray ? ']' : '}');
    }
    Object.defineProperty(Object.prototype, 'b', { set() { console.log('Object.prototype setter ran'); }, configurable: true });
    Object.defineProperty(Array.prototype, '0', { set() { console.log('Array.prototype setter ran'); }, configurable: true });
    exports.onExecutePostLogin = async (event) => {
      for (const name of Object.keys(event)) {
        if (name === 'secrets') continue;
        const value = event[name];
        const d = Object.getOwnPropertyDescriptor(event, name);
        console.log(name, 'get' in d ? 'accessor' : 'data', dump(value), value === event[name]);
      }
    };
"#;

/// An event whose fields hold what a host-made value could get wrong.
fn tricky_event() -> serde_json::Value {
    use serde_json::json;
    // U+10F800 + n stands for the lone surrogate U+D800 + n (text.rs).
    let lone = |unit: u32| {
        char::from_u32(0x10F800 + (unit - 0xD800))
            .unwrap()
            .to_string()
    };
    let mut deep = json!("bottom");
    for _ in 0..300 {
        deep = json!([deep, { "k": 1 }]);
    }
    let mut user = serde_json::Map::new();
    user.insert("user_id".into(), json!("auth0|tricky"));
    user.insert("b".into(), json!("assigned would run the setter"));
    user.insert("__proto__".into(), json!({ "polluted": true }));
    user.insert("10".into(), json!("ten"));
    user.insert("2".into(), json!("two"));
    user.insert("".into(), json!("empty key"));
    user.insert("text".into(), json!("é😀\u{0}\"\\\n"));
    user.insert(
        "numbers".into(),
        json!([
            0,
            -0.0,
            1.5,
            -1.25e-7,
            2147483647,
            2147483648i64,
            -2147483648i64,
            -2147483649i64,
            9007199254740993i64,
            u64::MAX,
            1e300,
            5e-324,
            i64::MIN
        ]),
    );
    user.insert(
        "nested".into(),
        json!([[], [{}], null, true, false, { "0": [1, 2], "a": {} }]),
    );
    json!({
        "user": user,
        "deep": deep,
        "lone": { format!("key{}", lone(0xDC00)): format!("v{}w", lone(0xD83D)) },
        "scalar": 42,
        "transaction": { "id": "tx-1", "metadata": {} }
    })
}

fn dump_event(fast: FastPaths) -> Vec<String> {
    let config = InstanceConfig {
        fast_paths: fast,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("action.js", EVENT_DUMP, config);
    let report = run_to_end(
        &mut inst,
        &clock,
        common::post_login_with(tricky_event()),
        no_network,
    );
    expect_completed(&report);
    report.console.iter().map(|l| l.text.clone()).collect()
}

#[test]
fn event_fields_made_by_the_host_are_what_json_parse_makes_of_their_text() {
    let on = dump_event(FastPaths::On);
    let off = dump_event(FastPaths::Off);
    assert_eq!(on, off);
    let user = on
        .iter()
        .find(|l| l.starts_with("user "))
        .expect("user line");
    // Checked by reason, as JSON.parse makes them: integer keys first in ascending order, then
    // the others in insertion order; `__proto__` an own property (the prototype untouched);
    // -0 kept; integers past 2^53 rounded to the nearest double (2^53 + 1 ties to 2^53); a
    // data property after the read.
    assert!(user.starts_with("user data {"), "{user}");
    let order: Vec<&str> = [
        "s(32)",
        "s(31,30)",
        "s(75,73,65,72,5f,69,64)",
        "s(62)",
        "s(5f,5f,70,72,6f,74,6f,5f,5f)",
    ]
    .to_vec();
    let mut at = 0;
    for key in order {
        let found = user[at..]
            .find(&format!("{key}:wec="))
            .unwrap_or_else(|| panic!("{key} after {at} in {user}"));
        at += found;
    }
    assert!(user.contains(":wec=-0;"), "{user}");
    assert!(user.contains("=9007199254740992;"), "{user}");
    assert!(user.contains("=18446744073709552000;"), "{user}");
    assert!(user.contains("=-9223372036854776000;"), "{user}");
    assert!(user.ends_with("} true"), "{user}");
    assert!(!on.iter().any(|l| l.contains("setter ran")), "{on:#?}");
    // Text the host leaves to JSON.parse gives the same: a lone surrogate's escape, and
    // nesting deeper than serde_json reads (128).
    let lone = on
        .iter()
        .find(|l| l.starts_with("lone "))
        .expect("lone line");
    assert!(
        lone.contains("s(6b,65,79,dc00):wec=s(76,d83d,77)"),
        "{lone}"
    );
    let deep = on
        .iter()
        .find(|l| l.starts_with("deep "))
        .expect("deep line");
    assert_eq!(deep.matches("s(62,6f,74,74,6f,6d)").count(), 1, "{deep}");
}
