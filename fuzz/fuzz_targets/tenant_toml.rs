//! Tenant TOML: a valid tenant (that a `Tenant` can serve) or an error with a span in the text.
#![no_main]

use actsim_tenant::{Tenant, TenantConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match TenantConfig::from_toml_str_validated(text) {
        Ok(config) => {
            Tenant::new(config).expect("a validated tenant is servable");
        }
        Err(e) => {
            if let Some(span) = &e.span {
                assert!(span.start <= text.len());
            }
        }
    }
});
