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

/// An instance running `code` (as action.js) with the fast paths `fast`.
fn instance_for(fast: FastPaths, code: &str) -> (actsim_js::Instance, actsim_js::Clock) {
    let config = InstanceConfig {
        fast_paths: fast,
        ..InstanceConfig::default()
    };
    instance_with("action.js", code, config)
}

/// Three runs of `code`'s post-login handler on one instance with one cache: each run's
/// console, then its outcome, commands and cache operations.
fn run_three(fast: FastPaths, code: &str) -> Vec<Vec<String>> {
    let (mut inst, clock) = instance_for(fast, code);
    let cache = common::new_cache();
    (0..3)
        .map(|_| {
            let mut spec = post_login();
            spec.cache = cache.clone();
            let report = run_to_end(&mut inst, &clock, spec, no_network);
            expect_completed(&report);
            let mut lines = common::console_texts(&report);
            lines.push(format!("{:?}", report.outcome));
            lines.push(serde_json::to_string(&report.commands).unwrap());
            lines.push(serde_json::to_string(&report.cache_ops).unwrap());
            lines
        })
        .collect()
}

#[test]
fn with_fast_paths_off_lazy_globals_are_loaded_at_creation_and_results_do_not_change() {
    let on = run_three(FastPaths::On, PROBE);
    let off = run_three(FastPaths::Off, PROBE);
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
    let (mut inst, clock) = instance_for(fast, code);
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

/// [`requests_and_console`] of `code` with the fast paths on, checked to be what it is with
/// them off.
fn same_on_and_off(
    code: &str,
    respond: fn(&actsim_js::FetchRequest) -> actsim_js::OpResult,
) -> (Vec<String>, Vec<String>) {
    let on = requests_and_console(FastPaths::On, code, respond);
    let off = requests_and_console(FastPaths::Off, code, respond);
    assert_eq!(on.0, off.0, "requests sent");
    assert_eq!(on.1, off.1, "console");
    on
}

#[test]
fn urls_parsed_by_their_known_prefix_are_the_urls_the_whole_parser_gives() {
    let (_, console_on) = same_on_and_off(URL_PROBE, empty_ok);
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
    let (sent_on, console_on) = same_on_and_off(AUTH0_PROBE, tenant);
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

/// The stand-in's Management API requests (prelude/fetch.js, `clientRequest`): tokens whose
/// bearer value Headers keeps or trims (a tab, a newline), a token from a function that is
/// not a string, long tokens (whose header value `fetchStart` keeps between requests: the same
/// string, then another, one with a lone surrogate), GET and PATCH, a body with text JSON
/// escapes, a domain that is no URL host, and a `fetch` the action replaced (which must then
/// see every request).
const REQUEST_PROBE: &str = r#"
    const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async () => {
      const tokens = ['tok', '\ttok', 'tok\n', () => 42, () => 'fn', 'a'.repeat(70), () => 'b'.repeat(70) + '\ud800'];
      const clients = tokens.map((token) => new ManagementClient({ domain: 'tenant.example.com', token }));
      clients.push(new ManagementClient({ domain: 'bad host.example', token: 'tok' }));
      async function round(label) {
        for (const m of clients) {
          for (const call of [() => m.users.get({ id: 'auth0|1' }), () => m.users.update({ id: 'auth0|2' }, { t: '\u2028"\\' })]) {
            try {
              const res = await call();
              console.log(label, res.status, JSON.stringify(res.data), JSON.stringify([...res.headers]));
            } catch (e) {
              console.log(label, e.name, e.message);
            }
          }
        }
      }
      await round('own');
      const realFetch = globalThis.fetch;
      globalThis.fetch = function fetch(url, init) {
        console.log('fetch', url, init.method, JSON.stringify(init.headers), init.body);
        return realFetch(url, init);
      };
      await round('replaced');
    };
"#;

#[test]
fn the_stand_in_s_management_requests_are_sent_the_same_without_their_headers_object() {
    let (sent_on, console_on) = same_on_and_off(REQUEST_PROBE, tenant);
    // Checked by reason: seven clients with a URL host send two requests in each round (the
    // one with a space in its domain fails before sending); the bearer value as Headers keeps
    // it (a tab inside) or trims it (a newline at its end), each long token its own, the lone
    // surrogate as U+FFFD; the replaced fetch sees each request of its round, the failing ones
    // too.
    assert_eq!(sent_on.len(), 28, "{sent_on:#?}");
    let a = format!("(\"authorization\", \"Bearer {}\")", "a".repeat(70));
    let b = format!("(\"authorization\", \"Bearer {}\u{fffd}\")", "b".repeat(70));
    for (index, want) in [(10, &a), (11, &a), (12, &b), (13, &b), (24, &a), (27, &b)] {
        assert!(
            sent_on[index].contains(want.as_str()),
            "{index}: {sent_on:#?}"
        );
    }
    assert!(
        sent_on[2].starts_with(
            r#"GET https://tenant.example.com/api/v2/users/auth0%7C1 [("authorization", "Bearer \ttok")] None"#
        ),
        "{sent_on:#?}"
    );
    assert!(
        sent_on[4].starts_with(
            r#"GET https://tenant.example.com/api/v2/users/auth0%7C1 [("authorization", "Bearer tok")] None"#
        ),
        "{sent_on:#?}"
    );
    assert!(
        sent_on[7]
            .contains(r#"[("authorization", "Bearer 42"), ("content-type", "application/json")]"#),
        "{sent_on:#?}"
    );
    let replaced = console_on
        .iter()
        .filter(|l| l.starts_with("fetch "))
        .count();
    assert_eq!(replaced, 16, "{console_on:#?}");
}

/// What actions see of the stand-in's answers, which the fast paths build with `data` and
/// `headers` made when first read: the same keys in the same order, the same values read
/// twice, writes, a frozen answer, an inherited one, bodies that are not JSON or empty,
/// header names and values that Headers changes, a replaced JSON.parse, and failing requests.
const ANSWER_PROBE: &str = r#"
    const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async () => {
      const m = new ManagementClient({ domain: 'tenant.example.com', token: 'tok' });
      const a = await m.users.update({ id: 'auth0|1' }, { x: 1 });
      console.log('get' in Object.getOwnPropertyDescriptor(a, 'data') ? 'accessor' : 'data');
      console.log(Object.keys(a).join(), JSON.stringify(Object.keys(Object.getOwnPropertyDescriptors(a))));
      console.log(a.data === a.data, a.headers === a.headers, a.headers.get('content-type'), JSON.stringify(a));
      const d = Object.getOwnPropertyDescriptor(a, 'data');
      console.log(Object.keys(d).join(), d.value === a.data, d.enumerable, d.writable, d.configurable);
      console.log(JSON.stringify(Object.getOwnPropertyDescriptor(a, 'headers').value === a.headers));
      const b = await m.users.update({ id: 'auth0|2' }, { x: 2 });
      b.data = 'mine';
      b.headers = null;
      console.log(JSON.stringify(b), Object.keys(b).join(), Object.getOwnPropertyDescriptor(b, 'data').writable);
      const c = await m.users.update({ id: 'auth0|3' }, {});
      Object.freeze(c);
      console.log(c.data === c.data, c.headers === c.headers, JSON.stringify(c.data), Object.isFrozen(c), [...c.headers].length);
      const e = await m.users.update({ id: 'auth0|4' }, {});
      const child = Object.create(e);
      console.log(JSON.stringify(child.data), child.data === e.data, Object.keys(child).length, JSON.stringify({ ...e }));
      const odd = await m.users.update({ id: 'odd' }, {});
      console.log(JSON.stringify([...odd.headers]), odd.headers.get('X-Odd'));
      for (const id of ['badjson', 'empty']) {
        const r = await m.users.get({ id });
        console.log(r.status, r.statusText, JSON.stringify(r.data), typeof r.data, Object.keys(r).join());
      }
      const realParse = JSON.parse;
      // (Logging the bodies only: with the fast paths off, the prelude parses the host's answer
      // with the global JSON.parse too, which is another fast path's business.)
      JSON.parse = function parse(text) {
        if (text.startsWith('{"user_id"')) console.log('parse', text.length);
        return realParse(text);
      };
      const h = await m.users.update({ id: 'auth0|5' }, {});
      console.log('read');
      console.log(h.data.user_id);
      JSON.parse = realParse;
      for (const id of ['missing', 'broken', 'down']) {
        try {
          await m.users.update({ id }, { y: 1 });
        } catch (err) {
          console.log(err.name, err.message, err.statusCode, JSON.stringify(err.body), String(err.cause));
        }
      }
      console.log(await m.getUser({ id: 'auth0|6' }).then((u) => u.user_id));
    };
"#;

fn answers(req: &actsim_js::FetchRequest) -> actsim_js::OpResult {
    use actsim_js::{FetchResponse, OpResult};
    let text = |status: u16, headers: &[(&str, &str)], body: &str| {
        OpResult::Fetch(FetchResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
        })
    };
    let last = req.url.rsplit('/').next().unwrap_or_default();
    match last {
        "badjson" => text(200, &[("content-type", "text/plain")], "not {json"),
        "empty" => text(204, &[], ""),
        "odd" => text(
            200,
            &[("X-Odd", " spaced "), ("content-type", "application/json")],
            "{}",
        ),
        "missing" => common::json_response(
            404,
            serde_json::json!({ "statusCode": 404, "message": "The user does not exist." }),
        ),
        "broken" => text(500, &[], "oops"),
        "down" => OpResult::NetworkError("connection refused".to_string()),
        _ => common::json_response(
            200,
            serde_json::json!({ "user_id": last, "method": req.method, "n": [1, 2] }),
        ),
    }
}

#[test]
fn the_stand_in_s_answers_read_the_same_when_made_on_first_read() {
    let (sent_on, console_on) = requests_and_console(FastPaths::On, ANSWER_PROBE, answers);
    let (sent_off, console_off) = requests_and_console(FastPaths::Off, ANSWER_PROBE, answers);
    assert_eq!(sent_on, sent_off);
    // The one visible difference, before the first read: an accessor (made on first read).
    assert_eq!(console_on[0], "accessor");
    assert_eq!(console_off[0], "data");
    assert_eq!(console_on[1..], console_off[1..]);
    // Checked by reason: the keys in the order the stand-in writes them; a read makes `data`
    // an ordinary data property; a body that is not JSON is kept as text, an empty one is
    // undefined; a replaced JSON.parse runs when the answer arrives, before the read.
    assert_eq!(
        console_on[1],
        r#"data,headers,status,statusText ["data","headers","status","statusText"]"#
    );
    assert_eq!(
        console_on[3],
        "value,writable,enumerable,configurable true true true true"
    );
    let text = console_on.join("\n");
    assert!(
        text.contains(r#"200 OK "not {json" string data,headers,status,statusText"#),
        "{text}"
    );
    assert!(
        text.contains("204 No Content undefined undefined"),
        "{text}"
    );
    assert!(text.contains("parse 50\nread\nauth0%7C5"), "{text}");
    assert!(
        text.contains("ManagementApiError The user does not exist. 404"),
        "{text}"
    );
    assert!(
        text.contains(r#"ManagementApiError Request failed with status 500 500 "oops""#),
        "{text}"
    );
    assert!(text.contains("TypeError fetch failed: connection refused undefined undefined Error: connection refused"), "{text}");
}

/// `fetch` itself reads the host's answer (its parts with the fast paths, its JSON text
/// without): status, status text, headers (a name and a value `Headers` changes, none at all),
/// bodies that are JSON, text, empty, and a failure of the network.
const FETCH_PROBE: &str = r#"
    exports.onExecutePostLogin = async () => {
      for (const id of ['auth0|1', 'badjson', 'empty', 'odd', 'missing', 'broken', 'down']) {
        try {
          const res = await fetch(`https://tenant.example.com/api/v2/users/${id}`, { method: 'PATCH', body: '{}' });
          const text = await res.text();
          console.log(id, res.status, res.statusText, res.ok, JSON.stringify([...res.headers]), JSON.stringify(text), res.type);
        } catch (e) {
          console.log(id, e.name, e.message, String(e.cause));
        }
      }
    };
"#;

#[test]
fn fetch_reads_the_host_s_answer_in_parts_as_it_read_its_json_text() {
    let (_, console_on) = same_on_and_off(FETCH_PROBE, answers);
    // Checked by reason: the answers of `answers` as a Response shows them (header names in
    // lower case and sorted, the value trimmed; no headers at all for the empty body).
    assert_eq!(console_on.len(), 7, "{console_on:#?}");
    assert!(
        console_on[3].starts_with(
            r#"odd 200 OK true [["content-type","application/json"],["x-odd","spaced"]] "{}""#
        ),
        "{console_on:#?}"
    );
    assert!(
        console_on[2].starts_with(r#"empty 204 No Content true [] """#),
        "{console_on:#?}"
    );
    assert!(
        console_on[6]
            == "down TypeError fetch failed: connection refused Error: connection refused",
        "{console_on:#?}"
    );
}

/// Turns: a chain of promise reactions (twenty turns) started by the prelude when the host
/// answers (its lookup of the pending operation, `Map.prototype.get` with the operation's
/// number) and, for the turns before the request, one started with the call (read when the
/// prelude records the pending operation, the last `Map.prototype.set` with a number). Each line gives the turn at
/// which the request went out and the turn at which the action's `await` resumed.
const TURNS_PROBE: &str = r#"
    const { ManagementClient } = require('auth0');
    const realGet = Map.prototype.get;
    const realSet = Map.prototype.set;
    let tick = 0;
    let armed = false;
    let sentAt = null;
    let recording = false;
    let chain = 0;
    function ticker() {
      tick = 0;
      const mine = ++chain;
      const step = () => {
        if (chain !== mine) return; // (A newer chain counts from here.)
        tick += 1;
        if (tick < 20) Promise.resolve().then(step);
      };
      Promise.resolve().then(step);
    }
    Map.prototype.get = function get(key) {
      if (armed && typeof key === 'number') { armed = false; recording = false; ticker(); }
      return realGet.call(this, key);
    };
    Map.prototype.set = function set(key, value) {
      // (The last one before the answer: the pending operation.)
      if (recording && typeof key === 'number') sentAt = tick;
      return realSet.call(this, key, value);
    };
    async function turns(label, call) {
      recording = true;
      ticker();
      const pending = call();
      armed = true;
      let outcome = 'ok';
      try { await pending; } catch (e) { outcome = e.message; }
      console.log(label, sentAt, tick, outcome);
    }
    exports.onExecutePostLogin = async () => {
      const byString = new ManagementClient({ domain: 'tenant.example.com', token: 'tok' });
      const byFunction = new ManagementClient({ domain: 'tenant.example.com', token: () => 'tok' });
      for (const [kind, m] of [['string', byString], ['function', byFunction]]) {
        for (const id of ['auth0|1', 'empty', 'missing', 'broken', 'down']) {
          await turns(`${kind} update ${id}`, () => m.users.update({ id }, { a: 1 }));
          await turns(`${kind} get ${id}`, () => m.users.get({ id }));
        }
        await turns(`${kind} getUser`, () => m.getUser({ id: 'auth0|2' }));
      }
    };
"#;

#[test]
fn the_stand_in_s_requests_take_the_same_turns_with_fast_paths_on_and_off() {
    let (_, console_on) = same_on_and_off(TURNS_PROBE, answers);
    assert_eq!(console_on.len(), 22, "{console_on:#?}");
    // A token given as a string takes the turns of one given as a function (as it must: the
    // stand-in awaits getAccessToken() for both).
    for (by_string, by_function) in console_on[..11].iter().zip(&console_on[11..]) {
        assert_eq!(
            by_string.strip_prefix("string"),
            by_function.strip_prefix("function")
        );
    }
    // Checked by reason: the request goes out one turn after the call (the await of
    // getAccessToken's promise, fulfilled already); a success
    // resumes the action four turns after the answer (send's two awaits, its settling,
    // _request's settling), a failure of the network three (send's await throws at once).
    assert_eq!(console_on[0], "string update auth0|1 1 4 ok");
    assert!(
        console_on[8].starts_with("string update down 1 3 fetch failed"),
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
    // More names than the host's table of names keeps (256), one too long to keep, and the
    // same names again in a nested object.
    let mut many = serde_json::Map::new();
    for i in 0..300 {
        many.insert(format!("k{i}"), json!(i));
    }
    many.insert("x".repeat(100), json!("long"));
    many.insert("again".into(), serde_json::Value::Object(many.clone()));
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
        "many": many,
        "lone": { format!("key{}", lone(0xDC00)): format!("v{}w", lone(0xD83D)) },
        "scalar": 42,
        "transaction": { "id": "tx-1", "metadata": {} }
    })
}

fn dump_event(fast: FastPaths) -> Vec<String> {
    let (mut inst, clock) = instance_for(fast, EVENT_DUMP);
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
    let many = on
        .iter()
        .find(|l| l.starts_with("many "))
        .expect("many line");
    assert_eq!(many.matches("s(6b,32,39,39):wec=299;").count(), 2, "{many}");
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

/// `tricky_event()` prepared once, with a field whose text repeats names: JSON.parse keeps each
/// name's first place and last value (`__proto__` twice, as an own property).
fn tricky_prepared_event() -> actsim_js::PreparedEvent {
    actsim_js::PreparedEvent::from(tricky_event()).with_field_json(
        "dup",
        r#"{"a":1,"b":[2],"a":{"c":3},"__proto__":{"x":1},"__proto__":[5],"b":null,"7":0}"#.into(),
    )
}

/// The console of `code`'s post-login handler run `runs` times on one instance with the same
/// prepared event (the same field texts, as the simulator passes a returning user's).
fn runs_with_one_event(fast: FastPaths, code: &str, runs: usize) -> Vec<Vec<String>> {
    let (mut inst, clock) = instance_for(fast, code);
    let mut spec = common::post_login();
    spec.event = tricky_prepared_event();
    (0..runs)
        .map(|_| {
            let report = run_to_end(&mut inst, &clock, spec.clone(), no_network);
            expect_completed(&report);
            report.console.iter().map(|l| l.text.clone()).collect()
        })
        .collect()
}

/// Fields of the same prepared event read again on one instance (as a returning user's are):
/// each read gives what JSON.parse makes of the text (names, order, attributes, prototypes,
/// -0, rounded integers, repeated names, `__proto__`), no setter an action put on a prototype
/// runs, and a value the action changed is not what the next execution gets.
#[test]
fn event_fields_read_again_are_what_json_parse_makes_of_their_text() {
    let off = runs_with_one_event(FastPaths::Off, EVENT_DUMP, 1).remove(0);
    let on = runs_with_one_event(FastPaths::On, EVENT_DUMP, 4);
    for (i, run) in on.iter().enumerate() {
        assert_eq!(run, &off, "execution {}", i + 1);
    }
    // By reason, as JSON.parse makes it: the integer name first, then `a` in its first place
    // with its last value, `b` null, `__proto__` an own property holding the array.
    let dup = off
        .iter()
        .find(|l| l.starts_with("dup "))
        .expect("dup line");
    assert_eq!(
        dup,
        "dup data {s(37):wec=0;s(61):wec={s(63):wec=3};s(62):wec=null;s(5f,5f,70,72,6f,74,6f,5f,5f):wec=[s(30):wec=5;s(6c,65,6e,67,74,68):w=1]} true"
    );
    let changer = r#"
      exports.onExecutePostLogin = async (event) => {
        const u = event.user;
        console.log(JSON.stringify(u), JSON.stringify(event.dup));
        u.nested[1].push('changed');
        u.nested[1][0].added = 1;
        u.numbers.length = 0;
        u.user_id = 'changed';
        delete u.text;
        event.dup.a.c = 4;
      };
    "#;
    let off = runs_with_one_event(FastPaths::Off, changer, 1).remove(0);
    let on = runs_with_one_event(FastPaths::On, changer, 4);
    for (i, run) in on.iter().enumerate() {
        assert_eq!(run, &off, "execution {}", i + 1);
    }
    assert!(off[0].contains(r#""user_id":"auth0|tricky""#), "{off:?}");
}

/// Bodies the `auth0` stand-in sends, whose text the host writes for plain data
/// (plain_json.rs) and leaves to the engine's JSON.stringify for anything else: numbers the
/// engine formats (-0, NaN, fractions, 1e21), strings with escapes and lone surrogates,
/// `__proto__` and integer keys, members with no JSON text, holes, toJSON (own, nested, on
/// Object.prototype and Array.prototype), getters, proxies, boxed primitives, class instances,
/// objects without a prototype, deep nesting, cycles, BigInt, and a replaced JSON.stringify.
/// Each line logs what JSON.stringify gives (or throws) before the request.
const STRINGIFY_PROBE: &str = r#"
    const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async () => {
      const m = new ManagementClient({ domain: 'tenant.example.com', token: 'tok' });
      const cyclic = { a: 1 };
      cyclic.self = cyclic;
      const cyclicArray = [1];
      cyclicArray.push([cyclicArray]);
      let getterReads = 0;
      let trapCalls = 0;
      const withGetter = { a: 1, get b() { getterReads += 1; return 2; } };
      const hidden = Object.defineProperty({ a: 1 }, 'h', { value: 2, enumerable: false });
      hidden[Symbol('s')] = 3;
      const proxy = new Proxy({ a: 1 }, { ownKeys(t) { trapCalls += 1; return Reflect.ownKeys(t); } });
      let deep = { end: true };
      for (let i = 0; i < 100; i += 1) deep = { d: [deep] };
      const shared = { s: 1 };
      const bodies = [
        ['plain', { app_metadata: { terms_accepted: true }, n: 1, s: 'x', f: false }],
        ['numbers', { z: -0, nan: NaN, inf: -Infinity, f: 1.5, big: 1e21, small: 1e-7, max: 2 ** 53, int: -42, under: 2 ** 53 - 1, neg: -(2 ** 31), e: 1e20 }],
        ['strings', { s: 'é"\\\n\r\t\b\f\u0001\u001f\u007f\u2028/😀', lone: '\ud800x', low: 'a\udc00' }],
        ['lone key', { ['\ud83d']: 1 }],
        ['keys', JSON.parse('{"__proto__": {"x": 1}, "b": 1, "2": 2, "1": 1, "é": 3, "a\\nb": 4, "": 5}')],
        ['skipped', { u: undefined, f() {}, sym: Symbol('q'), n: null, arr: [undefined, () => 1, Symbol('r'), null] }],
        ['holes', { arr: [1, , 3] }],
        ['array props', Object.assign([1, 2], { extra: 3 })],
        ['nested', { a: [[[{ b: [] }]]], e: {}, twice: [shared, shared] }],
        ['toJSON own', { a: 1, toJSON() { return { replaced: true }; } }],
        ['toJSON nested', { d: new Date(0), inner: { toJSON: (key) => `inner ${key}` } }],
        ['getter', withGetter],
        ['hidden', hidden],
        ['proxy', { p: proxy }],
        ['boxed', { s: new String('s'), n: new Number(1), b: new Boolean(false) }],
        ['class', new (class Point { constructor() { this.x = 1; } })()],
        ['null proto', Object.assign(Object.create(null), { a: 1 })],
        ['map', { m: new Map([[1, 2]]), r: /x/g, e: new Error('e') }],
        ['deep', deep],
        ['cycle', cyclic],
        ['cycle array', cyclicArray],
        ['bigint', { b: 10n }],
        ['string top', 'text'],
        ['number top', 5],
        ['array top', [1, 'a']],
        ['null top', null],
      ];
      async function send(label, body) {
        let expected;
        try { expected = JSON.stringify(body); } catch (e) { expected = `throws ${e.name}: ${e.message}`; }
        try {
          await m.users.update({ id: 'auth0|1' }, body);
          console.log(`${label}|${expected}`);
        } catch (e) {
          console.log(`${label}|${expected}|${e.name}: ${e.message}`);
        }
      }
      for (const [label, body] of bodies) await send(label, body);
      console.log('getter reads', getterReads, 'trap calls', trapCalls);
      Object.prototype.toJSON = function toJSON() { return 'from Object.prototype'; };
      await send('Object.prototype.toJSON', { a: 1 });
      delete Object.prototype.toJSON;
      let protoReads = 0;
      Object.defineProperty(Array.prototype, 'toJSON', { get() { protoReads += 1; return undefined; }, configurable: true });
      await send('Array.prototype getter', { a: [1] });
      delete Array.prototype.toJSON;
      console.log('Array.prototype reads', protoReads);
      const realStringify = JSON.stringify;
      JSON.stringify = function stringify(v) { console.log('replaced stringify'); return realStringify(v).toUpperCase(); };
      await send('replaced', { a: 'b' });
      JSON.stringify = realStringify;
      await send('restored', { a: 'b' });
    };
"#;

/// Run `code`'s post-login handler with the fast paths `fast` (every request answered 200);
/// returns the bodies it sent and its console.
fn bodies_and_console(fast: FastPaths, code: &str) -> (Vec<Option<String>>, Vec<String>) {
    let (mut inst, clock) = instance_for(fast, code);
    let mut sent = Vec::new();
    let report = run_to_end(&mut inst, &clock, post_login(), |req| {
        sent.push(req.body.clone());
        common::json_response(200, serde_json::json!({}))
    });
    expect_completed(&report);
    (sent, common::console_texts(&report))
}

#[test]
fn request_bodies_written_by_the_host_are_what_json_stringify_writes() {
    let (sent_on, console_on) = bodies_and_console(FastPaths::On, STRINGIFY_PROBE);
    let (sent_off, console_off) = bodies_and_console(FastPaths::Off, STRINGIFY_PROBE);
    assert_eq!(sent_on, sent_off);
    assert_eq!(console_on, console_off);
    // Each body sent is the text JSON.stringify gave in the action (the replaced one's
    // uppercase text is what the stand-in sent: it calls the global, as before); the values
    // it cannot write failed the request with the engine's error.
    let mut bodies = sent_on.iter();
    for line in console_on.iter().filter(|l| l.contains('|')) {
        let parts: Vec<&str> = line.split('|').collect();
        if parts.len() == 3 {
            assert!(parts[1].starts_with("throws TypeError"), "{line}");
            assert_eq!(parts[1], format!("throws {}", parts[2]), "{line}");
            continue;
        }
        let body = bodies.next().expect("a request per body").as_deref();
        if parts[0] == "replaced" {
            assert_eq!(body, Some(r#"{"A":"B"}"#));
        } else {
            assert_eq!(body, Some(parts[1]), "{line}");
        }
    }
    assert!(bodies.next().is_none());
    // Checked by reason: the getter ran once for the action's JSON.stringify and once for the
    // stand-in's; the proxy's trap likewise; the getter on Array.prototype likewise.
    assert!(
        console_on.contains(&"getter reads 2 trap calls 2".to_string()),
        "{console_on:#?}"
    );
    assert!(console_on.contains(&"Array.prototype reads 2".to_string()));
    let text = console_on.join("\n");
    assert!(text.contains(r#"numbers|{"z":0,"nan":null,"inf":null,"f":1.5,"big":1e+21,"small":1e-7,"max":9007199254740992,"int":-42,"under":9007199254740991,"neg":-2147483648,"e":100000000000000000000}"#), "{text}");
    assert!(
        text.contains(r#"strings|{"s":"é\"\\\n\r\t\b\f\u0001\u001f"#),
        "{text}"
    );
    assert!(
        text.contains(r#""lone":"\ud800x","low":"a\udc00"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"keys|{"1":1,"2":2,"__proto__":{"x":1},"b":1,"é":3,"a\nb":4,"":5}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"skipped|{"n":null,"arr":[null,null,null,null]}"#),
        "{text}"
    );
    assert!(text.contains(r#"cycle|throws TypeError"#), "{text}");
    assert!(text.contains(r#"bigint|throws TypeError"#), "{text}");
    assert!(
        text.contains(r#"Object.prototype.toJSON|"from Object.prototype""#),
        "{text}"
    );
    assert!(text.contains("replaced stringify"), "{text}");
}

/// A redirect's query, which the prelude writes as JSON when the execution ends: written by the
/// host for plain data, by JSON.stringify otherwise (a toJSON, a getter, none at all).
const QUERY_CASES: &[&str] = &[
    "api.redirect.sendUserTo('https://x.example.com/a');",
    "api.redirect.sendUserTo('https://x.example.com/a', { query: { a: '1', n: 2, list: [1, 'two', null], nested: { b: true }, u: undefined } });",
    "const q = { a: '1' }; api.redirect.sendUserTo('HTTPS://x.example.com/a', { query: q }); q.late = 'added after';",
    "let reads = 0; api.redirect.sendUserTo('https://x.example.com/a', { query: { get g() { reads += 1; return reads; } } });",
    "api.redirect.sendUserTo('https://x.example.com/a', { query: { toJSON() { return { from: 'toJSON' }; } } });",
    "api.redirect.sendUserTo('https://x.example.com/a', { query: { lone: '\\ud800', f: 0.5 } });",
    // Without a query: `{}`, unless Object.prototype has a `toJSON` or JSON.stringify is not
    // the engine's (which then gets a new, ordinary, empty object).
    "Object.prototype.toJSON = function () { return { from: 'Object.prototype' }; }; api.redirect.sendUserTo('https://x.example.com/a');",
    "const s = JSON.stringify; JSON.stringify = (v) => s({ keys: Object.keys(v).length, plain: Object.getPrototypeOf(v) === Object.prototype, frozen: Object.isFrozen(v) }); api.redirect.sendUserTo('https://x.example.com/a');",
    "Object.defineProperty(Object.prototype, 'toJSON', { get() { return undefined; }, configurable: true }); api.redirect.sendUserTo('https://x.example.com/a');",
];

fn redirect_outcomes(fast: FastPaths) -> Vec<String> {
    QUERY_CASES
        .iter()
        .map(|body| {
            let code = common::cjs_handler(body);
            let (mut inst, clock) = instance_for(fast, &code);
            let report = run_to_end(&mut inst, &clock, post_login(), no_network);
            format!("{:?} {:?}", report.outcome, report.commands)
        })
        .collect()
}

#[test]
fn redirect_queries_written_by_the_host_are_what_json_stringify_writes() {
    let on = redirect_outcomes(FastPaths::On);
    let off = redirect_outcomes(FastPaths::Off);
    assert_eq!(on, off);
    // Checked by reason: no query is `{}`; a member added after sendUserTo is in it (the query
    // is written when the execution ends); the getter ran once, for the query's text.
    assert!(on[0].contains("query: Object {}"), "{}", on[0]);
    assert!(
        on[2].contains(r#""late": String("added after")"#),
        "{}",
        on[2]
    );
    assert!(on[3].contains(r#""g": Number(1)"#), "{}", on[3]);
    assert!(on[4].contains(r#""from": String("toJSON")"#), "{}", on[4]);
    assert!(
        on[6].contains(r#""from": String("Object.prototype")"#),
        "{}",
        on[6]
    );
    assert!(
        on[7].contains(r#""keys": Number(0), "plain": Bool(true), "frozen": Bool(false)"#),
        "{}",
        on[7]
    );
    assert!(on[8].contains("query: Object {}"), "{}", on[8]);
}

#[test]
fn send_user_to_takes_the_urls_its_former_pattern_took() {
    // sendUserTo checks its URL without a regular expression; the pattern it replaced,
    // /^https?:\/\/[^\s/]+/i, runs here beside it on URLs at every edge.
    let report = common::run_handler(
        r#"
  const urls = ['https://a', 'HtTpS://a/b', 'http://a', 'http://', 'https://', 'https:///a', 'https:// a',
    'https://\u00a0a', 'https://\ufeffa', 'https://\u2028a', 'https://\u3000a', 'https://\u0085a', 'https://\u180ea',
    'httpss://a', 'ftp://a', 'https:/a', ' https://a', 'https://é', 'https:\\\\a', 'hTTp://x', 'https:/', 'http:',
    'https://\ud800', 'ſttps://a', 'https://\ta', 'https://\u000ba', 'https://\u200ba', 'https://\u205fa'];
  for (const url of urls) {
    let accepted = true;
    try { api.redirect.sendUserTo(url); } catch (e) { accepted = false; }
    console.log(JSON.stringify(url), /^https?:\/\/[^\s/]+/i.test(url), accepted);
  }
"#,
    );
    let texts = common::console_texts(&report);
    assert_eq!(texts.len(), 28, "{texts:#?}");
    for line in &texts {
        assert!(
            line.ends_with("true true") || line.ends_with("false false"),
            "{line}"
        );
    }
    assert!(texts.iter().any(|l| l.ends_with("true true")));
    assert!(texts.iter().any(|l| l.ends_with("false false")));
}

/// `event.secrets` read every way an action can: destructured, twice (the same object), through
/// an object that inherits from the event, from a frozen event (the accessor stays, the view is
/// kept), assigned over, with a missing name (reported) and with the global `Proxy` replaced
/// (the view is made as the prelude makes it either way: the replacement throws).
const SECRETS_PROBE: &str = r#"
    exports.onExecutePostLogin = async (event) => {
      const before = Object.getOwnPropertyDescriptor(event, 'secrets');
      console.log('before', 'get' in before ? 'accessor' : 'data', before.enumerable, before.configurable);
      const { domain, missing } = event.secrets;
      const first = event.secrets;
      console.log('read', domain, String(missing), first === event.secrets, Object.isFrozen(first));
      console.log('keys', JSON.stringify(Object.keys(first)), 'domain' in first, 'nope' in first);
      const after = Object.getOwnPropertyDescriptor(event, 'secrets');
      console.log('after', 'get' in after ? 'accessor' : 'data', after.writable, after.enumerable);
      console.log('json', JSON.stringify(event.secrets));
      const child = Object.create(event);
      console.log('child', child.secrets === first, Object.getOwnPropertyNames(child).length);
      event.secrets = 'replaced';
      console.log('assigned', event.secrets);
    };
    exports.onContinuePostLogin = async (event) => {
      if (globalThis.third) {
        globalThis.Proxy = function () { throw new Error('replaced Proxy'); };
        try {
          console.log('no proxy', event.secrets.domain);
        } catch (e) {
          console.log('threw', e.message);
        }
        return;
      }
      globalThis.third = true;
      Object.freeze(event);
      const viaChild = Object.create(event).secrets;
      console.log('frozen', viaChild.domain, viaChild === event.secrets, event.secrets === event.secrets);
      const d = Object.getOwnPropertyDescriptor(event, 'secrets');
      console.log('frozen secrets', 'get' in d ? 'accessor' : 'data', event.secrets.absent);
    };
"#;

fn secrets_reads(fast: FastPaths) -> Vec<String> {
    let (mut inst, clock) = instance_for(fast, SECRETS_PROBE);
    let secrets: std::collections::BTreeMap<String, String> =
        [("domain".to_string(), "tenant.example.com".to_string())].into();
    let mut lines = Vec::new();
    let phases = [
        actsim_js::Phase::Execute,
        actsim_js::Phase::Continue,
        actsim_js::Phase::Continue,
    ];
    for phase in phases {
        let mut spec = post_login();
        spec.phase = phase;
        spec.secrets = std::rc::Rc::new(secrets.clone());
        let report = run_to_end(&mut inst, &clock, spec, no_network);
        expect_completed(&report);
        lines.extend(common::console_texts(&report));
        lines.push(format!("missing {:?}", report.missing_secrets));
    }
    lines
}

#[test]
fn event_secrets_read_by_the_host_are_what_the_prelude_s_getter_gives() {
    let on = secrets_reads(FastPaths::On);
    let off = secrets_reads(FastPaths::Off);
    assert_eq!(on, off);
    // Checked by reason: a lazy accessor until the first read, then a writable data property
    // holding one frozen view; a missing name reads undefined and is reported once per
    // execution; a frozen event keeps its accessors and gives the same view on every read.
    let expected_start = [
        "before accessor true true",
        "read tenant.example.com undefined true true",
        "keys [\"domain\"] true false",
        "after data true true",
        "json {\"domain\":\"tenant.example.com\"}",
        "child true 0",
        "assigned replaced",
        "missing [\"missing\"]",
    ];
    assert_eq!(on[..expected_start.len()], expected_start, "{on:#?}");
    assert_eq!(
        on[expected_start.len()..],
        [
            "frozen tenant.example.com true true",
            "frozen secrets accessor undefined",
            "missing [\"absent\"]",
            "threw replaced Proxy",
            "missing []",
        ],
        "{on:#?}"
    );
}

/// Strings the host records, read again and again: the same key constant and literals (kept
/// by identity with the fast paths), more distinct keys than the host remembers, a key with a
/// lone surrogate, a key longer than it keeps, a key made anew on each call (equal text, new
/// string), a non-string key (the prelude's TypeError), and `api.redirect` (a context field
/// of its own) kept across executions and used after its own ended.
const TEXTS_PROBE: &str = r#"
    const KEY = 'management-api-token';
    let oldRedirect = null;
    exports.onExecutePostLogin = async (event, api) => {
      const n = (globalThis.runs = (globalThis.runs || 0) + 1);
      if (n === 1) api.cache.set(KEY, 'token-' + n);
      console.log('get', String(api.cache.get(KEY)?.value), String(api.cache.get(KEY)?.value));
      for (let i = 0; i < 10; i++) api.cache.get('key-' + (i % 10));
      api.cache.get('lone-\ud800');
      api.cache.get('x'.repeat(300));
      api.cache.get(['management', 'api', 'token'].join('-'));
      try { api.cache.get(5); } catch (e) { console.log(e.name, e.message); }
      api.accessToken.setCustomClaim('https://actsim.dev/terms_accepted', true);
      api.accessToken.setCustomClaim('https://actsim.dev/terms_accepted', 'run ' + n);
      api.idToken.setCustomClaim('https://actsim.dev/lone', '\udc00');
      console.log('same part', api.redirect === api.redirect, api.redirect !== oldRedirect);
      if (oldRedirect !== null) {
        console.log('stale', String(oldRedirect.sendUserTo('https://stale.example.com/')));
      }
      oldRedirect = api.redirect;
      if (n === 2) api.redirect.sendUserTo('https://consent.example.com/terms');
    };
"#;

fn recorded_texts(fast: FastPaths) -> Vec<String> {
    run_three(fast, TEXTS_PROBE).concat()
}

#[test]
fn texts_the_host_keeps_by_identity_record_what_reading_them_records() {
    let on = recorded_texts(FastPaths::On);
    let off = recorded_texts(FastPaths::Off);
    assert_eq!(on, off);
    let text = on.join("\n");
    // Checked by reason: the record set in the first run is read in every run; a lone
    // surrogate is recorded as its stand-in (U+10F800 plus its offset from U+D800, text.rs);
    // every key, the long one whole, is in the cache ops; a non-string key is the prelude's
    // TypeError; a claim recorded with the same name twice keeps both values; `api.redirect`
    // is one object per execution, and one kept from an earlier execution records nothing
    // (its execution has ended) and returns that execution's `api`, cut when it ended (null).
    assert_eq!(on[0], "get token-1 token-1", "{text}");
    assert!(
        text.contains("TypeError api.cache.get: the key must be a string (got number)"),
        "{text}"
    );
    assert!(text.contains(r#""key":"key-9""#), "{text}");
    assert!(
        text.contains(&format!(r#""key":"{}""#, "x".repeat(300))),
        "{text}"
    );
    assert!(text.contains("\"key\":\"lone-\u{10F800}\""), "{text}");
    assert!(
        text.contains(r#"["https://actsim.dev/terms_accepted","run 3"]"#),
        "{text}"
    );
    assert!(
        text.contains("[\"https://actsim.dev/lone\",\"\u{10FC00}\"]"),
        "{text}"
    );
    assert_eq!(text.matches("same part true true").count(), 3, "{text}");
    assert_eq!(text.matches("stale null").count(), 2, "{text}");
    assert!(!text.contains("stale.example.com\""), "{text}");
    assert_eq!(
        text.matches(r#"["https://consent.example.com/terms"]"#)
            .count(),
        1,
        "{text}"
    );
}
