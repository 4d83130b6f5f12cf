//! Event JSON for each trigger: an event or an `InputError` with a span inside the text.
#![no_main]

use actsim_js::Trigger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for trigger in [Trigger::PostLogin, Trigger::CredentialsExchange] {
        if let Err(e) = actsim_sim::inputs::event::load_event("e.json", text, trigger) {
            assert!(e.span.end <= e.source_text.len());
        }
    }
});
