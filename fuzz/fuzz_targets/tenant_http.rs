//! The tenant's HTTP surface (`Tenant::handle`, which `serve` and the HTTP transport mount): any
//! method, path, headers and body get a response with a status from 100 to 599.
#![no_main]

use actsim_tenant::{HttpRequest, Tenant, TenantConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Layout: method \n path \n header lines "name: value" \n\n body.
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/");
    let mut req = HttpRequest::new(method, path);
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            req.headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    req.body = body.to_vec();
    let mut tenant = Tenant::new(TenantConfig::local_default()).expect("the local tenant");
    let response = tenant.handle(&req, 1_767_225_600_000);
    assert!((100..=599).contains(&response.status));
});
