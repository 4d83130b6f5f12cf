//! The rules of the token warnings (docs/warnings.md) hold for every token lifetime: the fix
//! `repeated_token_request` suggests (`ttl: (expires_in - 60) * 1000`) never triggers it, for
//! lifetimes from 5 minutes to 24 hours and any margin up to its slack, while refreshing a
//! token with most of its life left does; `ttl_in_seconds` reports only stored records.

use crate::common;
use common::*;

use actsim_cache::CacheLimits;
use actsim_js::{CacheOp, CacheOpKind, ExecutionReport, Trigger};
use actsim_sim::warnings::{repeated_token_slack_ms, Detector};

const T0: i64 = 1_767_225_600_000;

/// Token lifetimes to try, in seconds: 5 minutes to 24 hours, dense at the short end.
fn lifetimes() -> Vec<i64> {
    let mut out: Vec<i64> = (300..=3_600).step_by(150).collect();
    out.extend((3_600..=86_400).step_by(1_800));
    out
}

/// The same instance fetches a token of `lifetime_s`, keeps it for `lifetime - margin` and
/// fetches again `latency_ms` after the record ended, three times over.
fn refreshes(lifetime_s: i64, margin_s: i64, latency_ms: i64) -> usize {
    let mut d = Detector::new(CacheLimits::default());
    let mut now = T0;
    let mut warnings = 0;
    for _ in 0..4 {
        let exp = now / 1000 + lifetime_s;
        warnings += d
            .token_issued(now, 1, Some(1), "m2m", "api", exp)
            .into_iter()
            .count();
        // The record is set after the answer arrives and lives lifetime - margin.
        now += latency_ms + (lifetime_s - margin_s) * 1000 + latency_ms;
    }
    warnings
}

#[test]
fn the_suggested_refresh_margin_never_warns_for_any_lifetime() {
    for lifetime in lifetimes() {
        let slack_s = repeated_token_slack_ms(lifetime * 1000) / 1000;
        for margin in [60, 61, 120, 299, slack_s.min(lifetime - 1)] {
            for latency in [0, 50, 999] {
                assert_eq!(
                    refreshes(lifetime, margin, latency),
                    0,
                    "lifetime {lifetime} s, margin {margin} s, latency {latency} ms"
                );
            }
        }
    }
}

#[test]
fn refreshing_with_most_of_the_life_left_warns_for_any_lifetime() {
    for lifetime in lifetimes() {
        // A record that lives a third of the token (e.g. the default 15 minutes of a 45-minute
        // token) leaves two thirds: more than the slack.
        let margin = lifetime * 2 / 3;
        if margin * 1000 <= repeated_token_slack_ms(lifetime * 1000) {
            continue; // short tokens: two thirds is within 5 minutes
        }
        assert_eq!(refreshes(lifetime, margin, 50), 3, "lifetime {lifetime} s");
    }
    // The default 15-minute record of a 24-hour token: the classic waste.
    assert_eq!(refreshes(86_400, 86_400 - 900, 50), 3);
}

/// An execution that called `api.cache.set(key, …, { ttl })` with `result`.
fn set_report(ttl: f64, result: &str) -> ExecutionReport {
    let mut report = empty_report(1, Trigger::PostLogin, "onExecutePostLogin", T0);
    report.cache_ops = vec![CacheOp {
        at_ms: T0,
        op: CacheOpKind::Set,
        key: "token".into(),
        result: result.into(),
        expires_at: (result == "success").then_some(T0 + ttl as i64),
        value_bytes: Some(10),
        ttl: Some(ttl),
        expires_at_option: None,
        jwt_exp: None,
    }];
    report
}

#[test]
fn ttl_in_seconds_reports_only_records_that_were_stored() {
    let count = |result: &str| {
        let mut d = Detector::new(CacheLimits::default());
        d.token_response(1, r#"{"access_token":"x","expires_in":3600}"#);
        d.execution(1, Some(1), &set_report(3600.0, result), 0)
            .iter()
            .filter(|w| w.kind.as_str() == "ttl_in_seconds")
            .count()
    };
    assert_eq!(count("success"), 1);
    assert_eq!(count("FailedToSetCacheRecord"), 0);
    assert_eq!(count("CacheSizeExceeded"), 0);
}

/// The bundled fix (actions/cache-with-ttl.js: `ttl: (expires_in - 60) * 1000`) on 2
/// instances for 8 hours, with the tenant's tokens living `lifetime_s`.
fn cache_with_ttl(lifetime_s: i64) -> actsim_sim::SimReport {
    let tenant = std::fs::read_to_string(path("../../fixtures/tenants/token-lifetime-1h.toml"))
        .unwrap()
        .replace(
            "token_lifetime_s = 3600",
            &format!("token_lifetime_s = {lifetime_s}"),
        );
    let tenant_path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tenant-{lifetime_s}.toml"));
    std::fs::write(&tenant_path, tenant).unwrap();
    let sc = scenario_with(
        "../../fixtures/scenarios/article-with-ttl.toml",
        &[
            (
                "[instances]\ncount = 4",
                &format!(
                    "[tenant]\nfile = {:?}\n\n[instances]\ncount = 2",
                    tenant_path.display().to_string()
                ),
            ),
            ("duration = \"24h\"", "duration = \"8h\""),
        ],
    );
    run(&sc, None).0
}

#[test]
fn the_bundled_fix_gets_no_repeated_token_warning_with_short_lived_tokens() {
    for lifetime in [300, 3_600] {
        let report = cache_with_ttl(lifetime);
        assert_eq!(
            metric(&report, "warnings.repeated_token_request"),
            0.0,
            "lifetime {lifetime} s"
        );
        assert_eq!(metric(&report, "warnings.ttl_in_seconds"), 0.0);
        // The tokens really were refreshed all day: a record lives lifetime - 60 s and each
        // instance's next login comes about a minute later (2 logins/min over 2 instances), so
        // each instance needs a token at least every 2 × lifetime.
        let refreshes = 2.0 * (8.0 * 3600.0 / (2.0 * lifetime as f64)).floor();
        assert!(
            metric(&report, "tokens_issued") >= refreshes,
            "lifetime {lifetime} s: {} tokens",
            metric(&report, "tokens_issued")
        );
    }
}
