//! Secrets files, `.env` and JSON: secrets or an error whose shown text masks every value (and
//! keeps the length, so that spans stay valid).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for path in ["s.env", "s.json"] {
        if let Err(e) = actsim_sim::inputs::secrets::parse_secrets_marked(path, text) {
            assert_eq!(e.source_text.len(), text.len());
            assert!(e.span.end <= e.source_text.len());
        }
    }
});
