//! Strings as JavaScript has them: a lone UTF-16 surrogate (half an emoji after `slice`) is a
//! legal string. Cache keys and values, claims, metadata, redirect queries and console lines
//! holding one neither throw nor lose the value: the surrogate becomes U+FFFD, as Node's UTF-8
//! encoding makes it, and sizes count 3 bytes for it, as `Buffer.byteLength` does.

use crate::common;

use common::{commands, console_texts, expect_completed, run_handler};
use serde_json::json;

/// `half` is the first half of 😀 (U+1F600 = \ud83d\ude00).
const HALF: &str = "const half = '😀'.slice(0, 1);\n";

#[test]
fn cache_keys_and_values_with_a_lone_surrogate_are_stored_and_sized_as_node_sizes_them() {
    let report = run_handler(&format!(
        "{HALF}const set = api.cache.set('k' + half, 'v' + half);\nconst got = api.cache.get('k' + half);\nconsole.log(set.type, got.value === 'v\\ufffd', got.value.length, Buffer.byteLength('v' + half));\nconsole.log(api.cache.delete('k' + half).type);\n"
    ));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["success true 2 4", "success"]);
    let set = &report.cache_ops[0];
    assert_eq!(set.key, "k\u{FFFD}");
    // 1 + 3 bytes, as Buffer.byteLength counts.
    assert_eq!(set.value_bytes, Some(4));
    // A key of 21 lone surrogates is 63 bytes (fits); 22 is 66 (over the 64-byte limit).
    let report = run_handler(&format!(
        "{HALF}console.log(api.cache.set(half.repeat(21), 'x').type, api.cache.set(half.repeat(22), 'x').code);"
    ));
    assert_eq!(console_texts(&report), ["success CacheKeySizeExceeded"]);
}

#[test]
fn claims_metadata_and_redirect_queries_keep_the_value() {
    let report = run_handler(&format!(
        "{HALF}api.idToken.setCustomClaim('name', 'Ada' + half);\napi.accessToken.setCustomClaim('obj', {{ nick: half }});\napi.transaction.setMetadata('m' + half, half + '!');\napi.redirect.sendUserTo('https://x.example.com/' + half, {{ query: {{ q: half }} }});\nconsole.log(event.transaction.metadata['m' + half] === half + '!');\n"
    ));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["true"]);
    assert_eq!(
        commands(&report),
        [
            (
                "idToken.setCustomClaim".into(),
                json!(["name", "Ada\u{FFFD}"])
            ),
            (
                "accessToken.setCustomClaim".into(),
                json!(["obj", { "nick": "\u{FFFD}" }])
            ),
            (
                "transaction.setMetadata".into(),
                json!(["m\u{FFFD}", "\u{FFFD}!"])
            ),
            (
                "redirect.sendUserTo".into(),
                json!(["https://x.example.com/\u{FFFD}", { "query": { "q": "\u{FFFD}" } }])
            ),
        ]
    );
}

#[test]
fn console_lines_and_encoders_take_lone_surrogates() {
    let report = run_handler(&format!(
        "{HALF}console.log('a' + half + 'b');\nconsole.log(JSON.stringify([...new TextEncoder().encode(half)]), Buffer.from(half).length);\n"
    ));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["a\u{FFFD}b", "[239,191,189] 3"]);
}
