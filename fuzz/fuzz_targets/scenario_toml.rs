//! Scenario TOML: any text is either a scenario or a `ScenarioError` whose span lies inside the
//! text shown; files it names come from a small in-memory table (no disk).
#![no_main]

use actsim_sim::inputs::files::StaticFiles;
use libfuzzer_sys::fuzz_target;

/// The files a fuzzed scenario may name.
pub const FILES: StaticFiles = StaticFiles(&[
    (
        "s/a.js",
        "exports.onExecutePostLogin = async (event, api) => {};",
    ),
    ("s/s.env", "domain=tenant.actsim.test\nclientSecret=abcd\n"),
    ("s/e.json", "{\"user\": {\"user_id\": \"auth0|1\"}}"),
    (
        "s/t.toml",
        "domain = \"t.example\"\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"s\"\n",
    ),
]);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("s/fuzz.toml");
    if let Err(e) = actsim_sim::scenario::parse_scenario_with(path, text, &FILES) {
        if let Some(span) = &e.span {
            assert!(span.start <= e.source_text.len());
        }
        let _ = e.headline();
    }
});
