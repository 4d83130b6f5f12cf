//! Per-client token quotas and the tenant rate limit on `POST /oauth/token`, driven by `now_ms`.

use crate::common;

use actsim_tenant::{ClientQuota, RateLimitConfig, Tenant, TenantConfig};
use common::*;
use serde_json::json;

/// 2026-01-01T09:00:00Z: the top of a UTC hour.
const HOUR_START: i64 = 1_767_258_000_000;

fn tenant_with_quota(per_hour: Option<u64>, per_day: Option<u64>) -> Tenant {
    let mut config = TenantConfig::local_default();
    config.clients[0].quota = Some(ClientQuota {
        per_hour,
        per_day,
        count_management_api: true,
    });
    Tenant::new(config).unwrap()
}

fn tenant_with_rate_limit(per_second: u64, burst: Option<u64>) -> Tenant {
    let mut config = TenantConfig::local_default();
    config.token_rate_limit = Some(RateLimitConfig { per_second, burst });
    Tenant::new(config).unwrap()
}

fn request() -> actsim_tenant::HttpRequest {
    good_form(CLIENT_ID, SECRET, MGMT)
}

#[test]
fn five_per_hour_then_429_with_quota_headers_then_recovery_next_hour() {
    let mut t = tenant_with_quota(Some(5), None);
    // Five tokens spread over the hour, each with the quota header counting down.
    for i in 0..5u64 {
        let now = HOUR_START + 10 * 60_000 * i as i64; // :00, :10, … :40
        let resp = t.handle(&request(), now);
        assert_eq!(resp.status, 200, "token {}", i + 1);
        let seconds_left = 3600 - 600 * i;
        assert_eq!(
            resp.header("auth0-client-quota-limit"),
            Some(format!("b=per_hour;q=5;r={};t={seconds_left}", 4 - i).as_str()),
            "the quota header is also on successful responses"
        );
    }
    // The sixth, at 09:59:00, is refused.
    let at = HOUR_START + 59 * 60_000;
    let resp = t.handle(&request(), at);
    assert_eq!(resp.status, 429);
    assert_eq!(
        json_of(&resp),
        json!({"error": "too_many_requests", "error_description": "Client quota exceeded"})
    );
    assert_eq!(resp.header("retry-after"), Some("60"));
    assert_eq!(resp.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(resp.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        resp.header("x-ratelimit-reset"),
        Some(((HOUR_START + 3_600_000) / 1000).to_string().as_str()),
        "UNIX seconds of the next hour"
    );
    assert_eq!(
        resp.header("auth0-client-quota-limit"),
        Some("b=per_hour;q=5;r=0;t=60")
    );
    assert_eq!(
        t.issued_tokens().len(),
        5,
        "a refused request issues nothing"
    );
    assert_eq!(t.ledger().quota_exceeded(), 1);
    // Still refused at the last millisecond of the hour; Retry-After never says 0.
    let resp = t.handle(&request(), HOUR_START + 3_599_999);
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("1"));
    // The next UTC hour starts a new window.
    let resp = t.handle(&request(), HOUR_START + 3_600_000);
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("auth0-client-quota-limit"),
        Some("b=per_hour;q=5;r=4;t=3600")
    );
    assert_eq!(t.issued_tokens().len(), 6);
    assert_eq!(t.token_requests(), 8);
}

#[test]
fn daily_quota_outlasts_the_hour_and_both_buckets_are_reported() {
    let mut t = tenant_with_quota(Some(2), Some(3));
    let ok = |t: &mut Tenant, now| t.handle(&request(), now).status;
    assert_eq!(ok(&mut t, HOUR_START), 200);
    let resp = t.handle(&request(), HOUR_START + 1000);
    assert_eq!(
        resp.header("auth0-client-quota-limit"),
        // 09:00:01 → 15 h to midnight UTC minus one second.
        Some("b=per_hour;q=2;r=0;t=3599,b=per_day;q=3;r=1;t=53999")
    );
    assert_eq!(ok(&mut t, HOUR_START + 2000), 429, "hourly bucket used up");
    assert_eq!(
        ok(&mut t, HOUR_START + 3_600_000),
        200,
        "next hour: 3rd of the day"
    );
    let resp = t.handle(&request(), HOUR_START + 3_600_000 + 1000);
    assert_eq!(
        resp.status, 429,
        "daily bucket used up although the hour has room"
    );
    assert_eq!(resp.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(resp.header("retry-after"), Some("50399"));
    // The next UTC day (2026-01-02T00:00:00Z).
    assert_eq!(ok(&mut t, 1_767_312_000_000), 200);
}

#[test]
fn management_api_tokens_can_be_exempt() {
    let mut config = TenantConfig::local_default();
    config.clients[0].quota = Some(ClientQuota {
        per_hour: Some(1),
        per_day: None,
        count_management_api: false,
    });
    let mut t = Tenant::new(config).unwrap();
    for _ in 0..3 {
        let resp = t.handle(&request(), HOUR_START);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("auth0-client-quota-limit"), None);
    }
}

#[test]
fn quota_is_per_client_and_checked_after_authentication() {
    let mut t = tenant_with_quota(Some(1), None);
    assert_eq!(t.handle(&request(), HOUR_START).status, 200);
    // A wrong secret is still a 401, not a 429.
    assert_eq!(
        t.handle(&good_form(CLIENT_ID, "nope", MGMT), HOUR_START)
            .status,
        401
    );
    assert_eq!(t.handle(&request(), HOUR_START).status, 429);
}

#[test]
fn quota_toml_and_validation() {
    let src = format!(
        "{}\n[clients.quota]\nper_hour = 5\nper_day = 100\n",
        include_str!("../../../fixtures/tenants/local.toml")
            .split("\n[[users]]")
            .next()
            .unwrap()
    );
    let config = TenantConfig::from_toml_str(&src).unwrap();
    assert_eq!(
        config.clients[0].quota,
        Some(ClientQuota {
            per_hour: Some(5),
            per_day: Some(100),
            count_management_api: true
        })
    );
    let err = TenantConfig::from_toml_str(&src.replace("per_day", "per_week")).unwrap_err();
    assert!(err.message.contains("per_week"), "{}", err.message);
    let mut config = TenantConfig::local_default();
    config.clients[0].quota = Some(ClientQuota {
        per_hour: None,
        per_day: None,
        count_management_api: true,
    });
    assert!(Tenant::new(config)
        .unwrap_err()
        .to_string()
        .contains("per_hour"));
}

#[test]
fn rate_limit_answers_429_at_n_plus_one_requests_in_one_second() {
    let n = 4;
    let mut t = tenant_with_rate_limit(n, None);
    let at = HOUR_START + 250;
    for i in 0..n {
        let resp = t.handle(&request(), at);
        assert_eq!(resp.status, 200, "request {}", i + 1);
        assert_eq!(resp.header("x-ratelimit-limit"), Some("4"));
        assert_eq!(
            resp.header("x-ratelimit-remaining"),
            Some((n - 1 - i).to_string().as_str())
        );
    }
    let resp = t.handle(&request(), at + 100);
    assert_eq!(resp.status, 429);
    let body = json_of(&resp);
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(
        body["error_description"],
        "Rate limit exceeded. Please retry after some time."
    );
    assert_eq!(resp.header("x-ratelimit-limit"), Some("4"));
    assert_eq!(resp.header("x-ratelimit-remaining"), Some("0"));
    // 0.4 of a request refilled in 100 ms; full again 900 ms later → ceil to whole seconds.
    assert_eq!(
        resp.header("x-ratelimit-reset"),
        Some(((at + 1000) / 1000 + 1).to_string().as_str())
    );
    assert_eq!(resp.header("retry-after"), Some("1"));
    assert_eq!(t.ledger().rate_limited(), 1);
    assert_eq!(t.issued_tokens().len(), 4);
    // Rate limiting comes before everything else, even a malformed request.
    let bad = t.handle(
        &actsim_tenant::HttpRequest::new("POST", "/oauth/token"),
        at + 100,
    );
    assert_eq!(bad.status, 429);
    // A quarter second later one request's worth has refilled (4/s).
    assert_eq!(t.handle(&request(), at + 350).status, 200);
    assert_eq!(t.handle(&request(), at + 350).status, 429);
    // After a full second the whole burst is back.
    for _ in 0..n {
        assert_eq!(t.handle(&request(), at + 1_350).status, 200);
    }
    assert_eq!(t.handle(&request(), at + 1_350).status, 429);
}

#[test]
fn burst_can_differ_from_the_refill_rate() {
    let mut t = tenant_with_rate_limit(1, Some(3));
    let statuses: Vec<u16> = (0..4)
        .map(|_| t.handle(&request(), HOUR_START).status)
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    assert_eq!(t.handle(&request(), HOUR_START + 999).status, 429);
    assert_eq!(t.handle(&request(), HOUR_START + 1000).status, 200);
}

#[test]
fn rate_limit_applies_only_to_the_token_endpoint() {
    let mut t = tenant_with_rate_limit(1, None);
    let token = mgmt_token(&mut t, HOUR_START);
    for _ in 0..5 {
        assert_eq!(
            t.handle(&bearer("GET", USER_PATH, &token), HOUR_START)
                .status,
            200
        );
    }
    assert_eq!(t.handle(&request(), HOUR_START).status, 429);
}

#[test]
fn rate_limit_validation() {
    let mut config = TenantConfig::local_default();
    config.token_rate_limit = Some(RateLimitConfig {
        per_second: 0,
        burst: None,
    });
    assert!(Tenant::new(config).is_err());
    let config = TenantConfig::from_toml_str(
        "domain = \"d.test\"\nclients = []\n[token_rate_limit]\nper_second = 30\n",
    )
    .unwrap();
    assert_eq!(
        config.token_rate_limit,
        Some(RateLimitConfig {
            per_second: 30,
            burst: None
        })
    );
    assert!(TenantConfig::from_toml_str(
        "domain = \"d.test\"\nclients = []\n[token_rate_limit]\nper_second = 30\nper_minute = 1\n",
    )
    .is_err());
}
