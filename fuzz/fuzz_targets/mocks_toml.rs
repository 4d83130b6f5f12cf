//! The `[[mocks]]` part of a scenario: a valid scenario header followed by the fuzzed tables.
#![no_main]

use actsim_sim::inputs::files::StaticFiles;
use libfuzzer_sys::fuzz_target;

const FILES: StaticFiles = StaticFiles(&[(
    "s/a.js",
    "exports.onExecutePostLogin = async (event, api) => {};",
)]);

const HEADER: &str = "duration = \"1h\"\n[[actions]]\nfile = \"a.js\"\n[traffic]\nrate = \"1/min\"\n\n";

fuzz_target!(|data: &[u8]| {
    let Ok(tail) = std::str::from_utf8(data) else {
        return;
    };
    let text = format!("{HEADER}{tail}");
    let path = std::path::Path::new("s/fuzz.toml");
    let _ = actsim_sim::scenario::parse_scenario_with(path, &text, &FILES).map_err(|e| e.headline());
});
