//! Strings as JavaScript has them: a lone UTF-16 surrogate (half an emoji after `slice`) is a
//! legal string. Cache keys and values, claims, metadata, redirect queries and console lines
//! holding one neither throw nor lose the value. What actsim records (commands, console lines,
//! redirect URLs and queries, cache keys in the report) keeps the lone surrogate: written out,
//! it is the `\ud83d` escape Node's `JSON.stringify` writes. The cache stores what Node's UTF-8
//! encoding makes of it (U+FFFD), and sizes count 3 bytes for it, as `Buffer.byteLength` does.

use crate::common;

use actsim_js::{escape_lone_surrogates, node_utf8_len, ExecutionReport};
use common::{commands, console_texts, expect_completed, run_handler};

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
fn cache_keys_and_values_with_a_lone_surrogate_are_stored_and_sized_as_node_sizes_them() {
    let report = run_handler(&format!(
        "{HALF}const set = api.cache.set('k' + half, 'v' + half);\nconst got = api.cache.get('k' + half);\nconsole.log(set.type, got.value === 'v\\ufffd', got.value.length, Buffer.byteLength('v' + half));\nconsole.log(api.cache.delete('k' + half).type);\n"
    ));
    expect_completed(&report);
    assert_eq!(console_texts(&report), ["success true 2 4", "success"]);
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
