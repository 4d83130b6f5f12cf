//! Strings as JavaScript has them: a lone UTF-16 surrogate (half an emoji after `slice`) is a
//! legal string. Cache keys and values, claims, metadata, redirect queries and console lines
//! holding one neither throw nor lose the value. What actsim records (commands, console lines,
//! redirect URLs and queries, cache keys in the report) keeps the lone surrogate: written out,
//! it is the `\ud83d` escape Node's `JSON.stringify` writes. `api.cache` keeps keys and values
//! exactly (`get` returns the string `set` stored), and every size counts 3 bytes for a lone
//! surrogate, as `Buffer.byteLength` does.

use crate::common;

use actsim_js::{
    escape_lone_surrogates, node_utf8_len, ExecutionReport, FastPaths, InstanceConfig,
};
use common::{
    cjs_handler, commands, console_texts, expect_completed, instance_with, no_network, post_login,
    run_handler, run_to_end,
};

/// `half` is the first half of 😀 (U+1F600 = \ud83d\ude00).
const HALF: &str = "const half = '😀'.slice(0, 1);\n";

/// The recorded commands as the JSON actsim prints: the expected texts are what Node's
/// `JSON.stringify` makes of the same `[name, args]` pairs (a lone surrogate as `\udXXX`).
fn printed_commands(report: &ExecutionReport) -> Vec<String> {
    commands(report)
        .into_iter()
        .map(|(name, args)| {
            let text = serde_json::to_string(&serde_json::json!([name, args])).unwrap();
            escape_lone_surrogates(&text).into_owned()
        })
        .collect()
}

fn printed_console(report: &ExecutionReport) -> Vec<String> {
    console_texts(report)
        .iter()
        .map(|t| escape_lone_surrogates(t).into_owned())
        .collect()
}

#[test]
fn cache_keys_and_values_with_a_lone_surrogate_are_kept_exactly_and_sized_as_node_sizes_them() {
    let report = run_handler(&format!(
        "{HALF}const set = api.cache.set('k' + half, 'v' + half);\nconst got = api.cache.get('k' + half);\nconsole.log(set.type, set.record.value === 'v' + half, got.value === 'v' + half, got.value.length, got.value.charCodeAt(1).toString(16), Buffer.byteLength('v' + half));\nconsole.log(api.cache.delete('k' + half).type, api.cache.get('k' + half) === undefined);\n"
    ));
    expect_completed(&report);
    // `get` returns the identical string (=== and one code unit 0xd83d at index 1), and
    // Node's Buffer.byteLength counts 'v' + half as 1 + 3 bytes.
    assert_eq!(
        console_texts(&report),
        ["success true true 2 d83d 4", "success true"]
    );
    let set = &report.cache_ops[0];
    // The report keeps the key the action passed: printed as Node prints it.
    assert_eq!(escape_lone_surrogates(&set.key), "k\\ud83d");
    assert_eq!(node_utf8_len(&set.key), 4);
    // The get and the delete found the record under the same key.
    assert_eq!(report.cache_ops[1].result, "hit");
    assert_eq!(report.cache_ops[2].result, "success");
    // 1 + 3 bytes, as Buffer.byteLength counts.
    assert_eq!(set.value_bytes, Some(4));
    // A key of 21 lone surrogates is 63 bytes (fits); 22 is 66 (over the 64-byte limit).
    let report = run_handler(&format!(
        "{HALF}console.log(api.cache.set(half.repeat(21), 'x').type, api.cache.set(half.repeat(22), 'x').code);"
    ));
    assert_eq!(console_texts(&report), ["success CacheKeySizeExceeded"]);
}

/// Later executions on one instance read the record back through the cache-hit fast path
/// (the value memo of warm.rs) or, with the fast paths off, a new copy: the same string both ways.
#[test]
fn a_cached_lone_surrogate_reads_back_identically_in_later_executions_with_and_without_fast_paths()
{
    let code = cjs_handler(&format!(
        "{HALF}const hit = api.cache.get('k' + half);\nif (!hit) api.cache.set('k' + half, half + 'v' + half);\nconsole.log(hit ? String(hit.value === half + 'v' + half) : 'miss');\n"
    ));
    for fast in [FastPaths::On, FastPaths::Off] {
        let config = InstanceConfig {
            fast_paths: fast,
            ..InstanceConfig::default()
        };
        let (mut inst, clock) = instance_with("action.js", &code, config);
        let cache = common::new_cache();
        let lines: Vec<String> = (0..3)
            .flat_map(|_| {
                let mut spec = post_login();
                spec.cache = cache.clone();
                let report = run_to_end(&mut inst, &clock, spec, no_network);
                expect_completed(&report);
                console_texts(&report)
            })
            .collect();
        assert_eq!(lines, ["miss", "true", "true"], "{fast:?}");
        // The store holds the value under the key as the action wrote them (escaped to print).
        let entries = cache.borrow().live_entries(clock.now_ms());
        assert_eq!(entries.len(), 1);
        assert_eq!(escape_lone_surrogates(&entries[0].0), "k\\ud83d");
        assert_eq!(
            escape_lone_surrogates(&entries[0].1.value),
            "\\ud83dv\\ud83d"
        );
    }
}

#[test]
fn keys_with_different_lone_surrogates_or_a_replacement_character_are_different_keys() {
    // \ud83d, \ud83e, \ude00 (a lone low half) and U+FFFD: four keys, four records.
    let report = run_handler(
        "const keys = ['k\\ud83d', 'k\\ud83e', 'k\\ude00', 'k\\ufffd'];\nkeys.forEach((k, i) => api.cache.set(k, 'v' + i));\nconsole.log(keys.map((k) => api.cache.get(k).value).join(','));\nconsole.log(api.cache.delete('k\\ud83e').type, api.cache.get('k\\ud83e') === undefined, api.cache.get('k\\ud83d').value);\n",
    );
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["v0,v1,v2,v3", "success true v0"]);
    let keys: Vec<String> = report.cache_ops[..4]
        .iter()
        .map(|op| escape_lone_surrogates(&op.key).into_owned())
        .collect();
    assert_eq!(keys, ["k\\ud83d", "k\\ud83e", "k\\ude00", "k\u{FFFD}"]);
}

#[test]
fn cache_value_and_total_sizes_count_three_bytes_per_lone_surrogate() {
    // A value of 1 365 lone surrogates is 1 365 × 3 = 4 095 bytes (under 4 096: fits); 1 366 is
    // 4 098 (CacheValueSizeExceeded). As 4-byte UTF-8 stand-ins they would be 5 460 and 5 464:
    // both would fail, so the first `success` proves the 3-byte count.
    let report = run_handler(&format!(
        "{HALF}console.log(api.cache.set('a', half.repeat(1365)).type, api.cache.set('b', half.repeat(1366)).code, Buffer.byteLength(half.repeat(1365)));\nconsole.log(api.cache.get('a').value === half.repeat(1365));\n"
    ));
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["success CacheValueSizeExceeded 4095", "true"]
    );
    assert_eq!(report.cache_ops[0].value_bytes, Some(4095));
    assert_eq!(report.cache_ops[1].value_bytes, Some(4098));
    // The 8 192-byte total: 'a' + 1 365 halves is 1 + 4 095 = 4 096 bytes; 'b' + 1 365 halves
    // is 4 096 more: 8 192 in all, exactly the limit (fits). A third record 'c' + 'x' (2 bytes)
    // makes 8 194: CacheSizeExceeded. With 4-byte stand-ins the second record (5 461 + 5 461
    // = 10 922) would already fail.
    let report = run_handler(&format!(
        "{HALF}const v = half.repeat(1365);\nconsole.log(api.cache.set('a', v).type, api.cache.set('b', v).type, api.cache.set('c', 'x').code);\n"
    ));
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["success success CacheSizeExceeded"]
    );
    // Keys: 21 halves after '' is 63 bytes; 'k' + 21 halves is 64 (the limit, fits);
    // 'kk' + 21 halves is 65 (CacheKeySizeExceeded).
    let report = run_handler(&format!(
        "{HALF}const h = half.repeat(21);\nconsole.log(api.cache.set('k' + h, 'x').type, api.cache.set('kk' + h, 'x').code);\n"
    ));
    assert_eq!(console_texts(&report), ["success CacheKeySizeExceeded"]);
}

#[test]
fn claims_metadata_and_redirect_queries_keep_the_lone_surrogate() {
    let report = run_handler(&format!(
        "{HALF}api.idToken.setCustomClaim('name', 'Ada' + half);\napi.accessToken.setCustomClaim('obj', {{ nick: half, low: '😀'.slice(1) }});\napi.transaction.setMetadata('m' + half, half + '!');\napi.redirect.sendUserTo('https://x.example.com/' + half, {{ query: {{ q: half }} }});\nconsole.log(event.transaction.metadata['m' + half] === half + '!');\n"
    ));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["true"]);
    assert_eq!(
        printed_commands(&report),
        [
            r#"["idToken.setCustomClaim",["name","Ada\ud83d"]]"#,
            r#"["accessToken.setCustomClaim",["obj",{"nick":"\ud83d","low":"\ude00"}]]"#,
            r#"["transaction.setMetadata",["m\ud83d","\ud83d!"]]"#,
            r#"["redirect.sendUserTo",["https://x.example.com/\ud83d",{"query":{"q":"\ud83d"}}]]"#,
        ]
    );
    // A whole pair stays the character it makes.
    let report =
        run_handler("api.idToken.setCustomClaim('e', '😀'.slice(0, 1) + '😀'.slice(1));\n");
    assert_eq!(
        printed_commands(&report),
        [r#"["idToken.setCustomClaim",["e","😀"]]"#]
    );
}

#[test]
fn console_lines_keep_lone_surrogates_and_encoders_make_them_replacement_characters() {
    let report = run_handler(&format!(
        "{HALF}console.log('a' + half + 'b');\nconsole.log(JSON.stringify([...new TextEncoder().encode(half)]), Buffer.from(half).length);\n"
    ));
    expect_completed(&report);
    assert_eq!(printed_console(&report), ["a\\ud83db", "[239,191,189] 3"]);
}

#[test]
fn secrets_hashes_and_requires_named_with_a_lone_surrogate_do_not_throw_conversion_errors() {
    let report = run_handler(&format!(
        "{HALF}console.log(String(event.secrets['k' + half]));\nlet hash;\ntry {{ require('crypto').createHash(half); }} catch (e) {{ hash = e.message; }}\nlet req;\ntry {{ require('pkg' + half); }} catch (e) {{ req = e.code; }}\nconsole.log(hash.startsWith('Digest method not supported'), req);\n"
    ));
    expect_completed(&report);
    assert_eq!(
        printed_console(&report),
        ["undefined", "true MODULE_NOT_FOUND"]
    );
    assert_eq!(
        report
            .missing_secrets
            .iter()
            .map(|s| escape_lone_surrogates(s).into_owned())
            .collect::<Vec<_>>(),
        ["k\\ud83d"]
    );
}
