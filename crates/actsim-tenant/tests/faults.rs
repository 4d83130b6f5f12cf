//! Injected faults in the pure handler: latency, error statuses, "fail the first N", time
//! windows, the timeout marker, client matching, and their TOML form.

use crate::common;

use actsim_tenant::{FaultConfig, FaultKind, FaultTime, HttpRequest, Tenant, TenantConfig};
use common::*;
use serde_json::json;

fn fault(kind: FaultKind) -> FaultConfig {
    FaultConfig {
        name: None,
        kind,
        method: None,
        path_prefix: "/".to_string(),
        client_id: None,
        latency_ms: None,
        status: None,
        body: None,
        times: None,
        from: None,
        until: None,
    }
}

fn with_faults(faults: Vec<FaultConfig>) -> Tenant {
    let mut config = TenantConfig::local_default();
    config.faults = faults;
    Tenant::new(config).unwrap()
}

fn token_request() -> HttpRequest {
    good_form(CLIENT_ID, SECRET, MGMT)
}

#[test]
fn latency_is_reported_for_the_transport_and_the_request_is_still_served() {
    let mut t = with_faults(vec![
        FaultConfig {
            path_prefix: "/oauth/token".into(),
            latency_ms: Some(300),
            name: Some("slow-token".into()),
            ..fault(FaultKind::Latency)
        },
        FaultConfig {
            latency_ms: Some(50),
            ..fault(FaultKind::Latency)
        },
    ]);
    let resp = t.handle(&token_request(), NOW);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.latency_ms, 350, "latency faults add up");
    assert!(!resp.timeout);
    assert_eq!(resp.header("x-actsim-fault"), Some("slow-token, faults[1]"));
    assert_eq!(t.issued_tokens().len(), 1);
    let jwks = t.handle(&HttpRequest::new("GET", "/.well-known/jwks.json"), NOW);
    assert_eq!((jwks.status, jwks.latency_ms), (200, 50));
}

#[test]
fn error_fault_answers_instead_of_the_tenant() {
    let mut t = with_faults(vec![FaultConfig {
        method: Some("POST".into()),
        path_prefix: "/oauth/token".into(),
        status: Some(503),
        ..fault(FaultKind::Error)
    }]);
    let resp = t.handle(&token_request(), NOW);
    assert_eq!(resp.status, 503);
    assert_eq!(
        json_of(&resp),
        json!({"error": "temporarily_unavailable", "error_description": "actsim injected fault faults[0]"})
    );
    assert_eq!(t.issued_tokens().len(), 0);
    assert_eq!(t.token_requests(), 1, "the faulted request is counted");
    assert_eq!(t.ledger().faults_injected(), 1);
    // Other methods and routes are untouched.
    assert_eq!(
        t.handle(&HttpRequest::new("GET", "/.well-known/jwks.json"), NOW)
            .status,
        200
    );
}

#[test]
fn error_fault_with_a_custom_body_on_the_management_api() {
    let mut t = with_faults(vec![
        FaultConfig {
            path_prefix: "/api/v2/".into(),
            status: Some(500),
            ..fault(FaultKind::Error)
        },
        FaultConfig {
            path_prefix: "/.well-known/".into(),
            status: Some(502),
            body: Some("upstream broke".into()),
            ..fault(FaultKind::Error)
        },
    ]);
    let token = mgmt_token(&mut t, NOW);
    let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW);
    assert_eq!(resp.status, 500);
    assert_eq!(
        json_of(&resp),
        json!({"statusCode": 500, "error": "Internal Server Error", "message": "actsim injected fault faults[0]"})
    );
    let resp = t.handle(&HttpRequest::new("GET", "/.well-known/jwks.json"), NOW);
    assert_eq!(resp.status, 502);
    assert_eq!(resp.body_text(), Some("upstream broke"));
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

#[test]
fn fail_first_n_then_succeed() {
    let mut t = with_faults(vec![FaultConfig {
        path_prefix: "/oauth/token".into(),
        status: Some(500),
        times: Some(2),
        ..fault(FaultKind::Error)
    }]);
    let statuses: Vec<u16> = (0..4)
        .map(|i| t.handle(&token_request(), NOW + i).status)
        .collect();
    assert_eq!(statuses, [500, 500, 200, 200]);
    assert_eq!(t.issued_tokens().len(), 2);
}

#[test]
fn absolute_time_window() {
    let mut t = with_faults(vec![FaultConfig {
        status: Some(503),
        from: Some(FaultTime::At(NOW + 10_000)),
        until: Some(FaultTime::At(NOW + 20_000)),
        ..fault(FaultKind::Error)
    }]);
    let at = |t: &mut Tenant, ms| t.handle(&token_request(), NOW + ms).status;
    assert_eq!(at(&mut t, 9_999), 200);
    assert_eq!(at(&mut t, 10_000), 503, "from is inclusive");
    assert_eq!(at(&mut t, 19_999), 503);
    assert_eq!(at(&mut t, 20_000), 200, "until is exclusive");
}

#[test]
fn offset_window_counts_from_the_tenant_start() {
    let window = FaultConfig {
        status: Some(503),
        from: Some(FaultTime::AfterStart(60_000)),
        until: Some(FaultTime::AfterStart(120_000)),
        ..fault(FaultKind::Error)
    };
    // Without an explicit start, the first request's time is the start.
    let mut t = with_faults(vec![window.clone()]);
    assert_eq!(t.handle(&token_request(), NOW).status, 200);
    assert_eq!(t.start_ms(), Some(NOW));
    assert_eq!(t.handle(&token_request(), NOW + 59_999).status, 200);
    assert_eq!(t.handle(&token_request(), NOW + 60_000).status, 503);
    assert_eq!(t.handle(&token_request(), NOW + 120_000).status, 200);
    // An explicit start.
    let mut t = with_faults(vec![window]);
    t.set_start_ms(NOW - 60_000);
    assert_eq!(t.handle(&token_request(), NOW).status, 503);
}

#[test]
fn timeout_marker() {
    let mut t = with_faults(vec![
        FaultConfig {
            path_prefix: "/oauth/token".into(),
            times: Some(1),
            ..fault(FaultKind::Timeout)
        },
        FaultConfig {
            path_prefix: "/api/".into(),
            latency_ms: Some(1_500),
            ..fault(FaultKind::Timeout)
        },
    ]);
    let resp = t.handle(&token_request(), NOW);
    assert!(resp.timeout, "marked as a timeout");
    assert_eq!(
        resp.status, 504,
        "what a transport that ignores the marker sends"
    );
    assert_eq!(resp.latency_ms, 600_000, "default hold: 10 minutes");
    assert_eq!(t.issued_tokens().len(), 0);
    let token = mgmt_token(&mut t, NOW);
    let resp = t.handle(&bearer("GET", USER_PATH, &token), NOW);
    assert!(resp.timeout);
    assert_eq!(resp.latency_ms, 1_500);
}

#[test]
fn client_matching_uses_the_token_request_client_or_the_bearer_azp() {
    let mut config = TenantConfig::local_default();
    config.clients.push(actsim_tenant::ClientConfig {
        client_id: "other".into(),
        client_secret: "other-secret".into(),
        name: String::new(),
        grants: config.clients[0].grants.clone(),
        quota: None,
    });
    config.faults = vec![FaultConfig {
        client_id: Some("other".into()),
        status: Some(503),
        ..fault(FaultKind::Error)
    }];
    let mut t = Tenant::new(config).unwrap();
    assert_eq!(t.handle(&token_request(), NOW).status, 200);
    assert_eq!(
        t.handle(&good_form("other", "other-secret", MGMT), NOW)
            .status,
        503
    );
    // HTTP Basic credentials name the client too.
    let basic = HttpRequest::new("POST", "/oauth/token")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("authorization", "Basic b3RoZXI6b3RoZXItc2VjcmV0") // other:other-secret
        .with_body(form_encode(&[
            ("grant_type", "client_credentials"),
            ("audience", MGMT),
        ]));
    assert_eq!(t.handle(&basic, NOW).status, 503);
    // An API call with the local client's token is not affected.
    let token = mgmt_token(&mut t, NOW);
    assert_eq!(t.handle(&bearer("GET", USER_PATH, &token), NOW).status, 200);
}

#[test]
fn faults_are_deterministic() {
    let faults = vec![
        FaultConfig {
            status: Some(500),
            times: Some(3),
            path_prefix: "/oauth/".into(),
            ..fault(FaultKind::Error)
        },
        FaultConfig {
            latency_ms: Some(20),
            from: Some(FaultTime::AfterStart(5)),
            ..fault(FaultKind::Latency)
        },
    ];
    let run = || {
        let mut t = with_faults(faults.clone());
        (0..8)
            .map(|i| {
                let r = t.handle(&token_request(), NOW + i * 2);
                (r.status, r.latency_ms, r.body)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn faults_in_toml() {
    let src = r#"
domain = "tenant.actsim.test"

[[clients]]
client_id = "c"
client_secret = "s"

[[faults]]
name = "token-outage"
kind = "error"
method = "POST"
path_prefix = "/oauth/token"
status = 503
body = '{"error":"temporarily_unavailable"}'
from = "2026-01-01T09:00:00Z"
until = "+30m"

[[faults]]
kind = "latency"
latency_ms = 250
client_id = "c"
times = 10

[[faults]]
kind = "timeout"
path_prefix = "/api/v2/users/"
"#;
    let config = TenantConfig::from_toml_str(src).unwrap();
    assert_eq!(config.faults.len(), 3);
    assert_eq!(config.faults[0].kind, FaultKind::Error);
    assert_eq!(
        config.faults[0].from,
        Some(FaultTime::At(1_767_258_000_000))
    );
    assert_eq!(
        config.faults[0].until,
        Some(FaultTime::AfterStart(1_800_000))
    );
    assert_eq!(config.faults[1].times, Some(10));
    Tenant::new(config).unwrap();

    // Unknown keys and kinds are errors with a position.
    let err = TenantConfig::from_toml_str(&src.replace("times = 10", "repeat = 10")).unwrap_err();
    assert!(err.message.contains("repeat"), "{}", err.message);
    assert!(err.line_col(src).is_some());
    let err = TenantConfig::from_toml_str(&src.replace("\"latency\"", "\"slow\"")).unwrap_err();
    assert!(err.message.contains("slow"), "{}", err.message);
    let err = TenantConfig::from_toml_str(&src.replace("+30m", "half an hour")).unwrap_err();
    assert!(err.message.contains("duration"), "{}", err.message);
}

#[test]
fn inconsistent_faults_are_rejected() {
    let cases: Vec<(FaultConfig, &str)> = vec![
        (fault(FaultKind::Latency), "needs latency_ms"),
        (fault(FaultKind::Error), "needs status"),
        (
            FaultConfig {
                status: Some(200),
                ..fault(FaultKind::Error)
            },
            "between 400 and 599",
        ),
        (
            FaultConfig {
                status: Some(500),
                latency_ms: Some(5),
                ..fault(FaultKind::Error)
            },
            "separate latency fault",
        ),
        (
            FaultConfig {
                status: Some(500),
                ..fault(FaultKind::Timeout)
            },
            "for `error` faults",
        ),
        (
            FaultConfig {
                path_prefix: "oauth".into(),
                latency_ms: Some(1),
                ..fault(FaultKind::Latency)
            },
            "must start with '/'",
        ),
        (
            FaultConfig {
                method: Some("post".into()),
                latency_ms: Some(1),
                ..fault(FaultKind::Latency)
            },
            "upper-case",
        ),
        (
            FaultConfig {
                client_id: Some("ghost".into()),
                latency_ms: Some(1),
                ..fault(FaultKind::Latency)
            },
            "not a configured client",
        ),
        (
            FaultConfig {
                times: Some(0),
                latency_ms: Some(1),
                ..fault(FaultKind::Latency)
            },
            "at least 1",
        ),
        (
            FaultConfig {
                from: Some(FaultTime::AfterStart(10)),
                until: Some(FaultTime::AfterStart(10)),
                latency_ms: Some(1),
                ..fault(FaultKind::Latency)
            },
            "before `until`",
        ),
    ];
    for (f, expected) in cases {
        let mut config = TenantConfig::local_default();
        config.faults = vec![f.clone()];
        let err = Tenant::new(config).unwrap_err().to_string();
        assert!(err.contains(expected), "{f:?}: {err}");
        assert!(err.starts_with("fault faults[0]:"), "{err}");
    }
}
