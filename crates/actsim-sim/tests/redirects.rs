//! A redirect scenario whose numbers are reasoned out by hand (tests/scenarios/redirect-by-hand.toml,
//! actions/redirect-cache.js: the token is cached for 23h59m, so once an instance has it, it keeps it).

use crate::common;
use common::*;

/// One user, so "sticky" placement of new logins puts all five onExecutePostLogin runs on the
/// user's first instance (round robin picks instance 1 for the very first login). Two
/// instances, so "adversarial" resumes always go to the other one: instance 2.
///
/// - login 1 execute on 1: miss → token #1, cached on 1; continue on 2: miss → token #2.
/// - logins 2–5: execute on 1 hits; continue on 2 hits (cached by login 1's continue).
///
/// The continue handler reads the cache twice (once to log whether the token survived the
/// redirect, once in `token()`), so login 1's continue counts 2 misses and the others 2 hits.
/// So: 5 redirects, 5 continues, 5 resumed elsewhere, 2 tokens (one more than needed), 2
/// continue misses, 1 execute miss.
#[test]
fn adversarial_resumes_cost_one_extra_token_here() {
    let sc = scenario_with("tests/scenarios/redirect-by-hand.toml", &[]);
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "logins"), 5.0);
    assert_eq!(metric(&report, "redirects"), 5.0);
    assert_eq!(metric(&report, "continues"), 5.0);
    assert_eq!(metric(&report, "resumed_elsewhere"), 5.0);
    assert_eq!(metric(&report, "tokens_issued"), 2.0);
    assert_eq!(metric(&report, "cache.misses.onContinuePostLogin"), 2.0);
    assert_eq!(metric(&report, "cache.hits.onContinuePostLogin"), 8.0);
    assert_eq!(metric(&report, "cache.misses.onExecutePostLogin"), 1.0);
    assert_eq!(metric(&report, "instance.1.tokens_issued"), 1.0);
    assert_eq!(metric(&report, "instance.2.tokens_issued"), 1.0);
    let resumes: Vec<(u64, u64)> = events(&trace)
        .iter()
        .filter(|e| e["ev"] == "resume")
        .map(|e| (e["from"].as_u64().unwrap(), e["to"].as_u64().unwrap()))
        .collect();
    assert_eq!(resumes, vec![(1, 2); 5]);
}

/// The same flow resumed where it started: everything runs on instance 1, one token, no miss
/// after the first execute.
#[test]
fn sticky_resumes_need_one_token() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[("resume = \"adversarial\"", "resume = \"sticky\"")],
    );
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "resumed_elsewhere"), 0.0);
    assert_eq!(metric(&report, "continues"), 5.0);
    assert_eq!(metric(&report, "tokens_issued"), 1.0);
    assert_eq!(metric(&report, "cache.misses.onContinuePostLogin"), 0.0);
}

/// With a shared cache (the ideal), resuming elsewhere costs nothing.
#[test]
fn a_shared_cache_makes_resumes_elsewhere_free() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[("[traffic]", "[cache]\nmode = \"shared\"\n\n[traffic]")],
    );
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "resumed_elsewhere"), 5.0);
    assert_eq!(metric(&report, "tokens_issued"), 1.0);
}

/// Users who never come back: every flow ends at the redirect.
#[test]
fn abandoned_redirects_do_not_continue() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[(
            "return_after = \"10s\"",
            "return_after = \"10s\"\nabandon = 1.0",
        )],
    );
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "logins.abandoned"), 5.0);
    assert_eq!(metric(&report, "continues"), 0.0);
}

/// Coming back after the transaction's hour is over fails the login.
#[test]
fn a_return_after_an_hour_expires_the_transaction() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[("return_after = \"10s\"", "return_after = \"61m\"")],
    );
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "logins.expired"), 5.0);
    assert_eq!(metric(&report, "continues"), 0.0);
}

/// password-reset-post-challenge redirects like post-login: with the same placement (one user,
/// two instances, new flows stick to instance 1, resumes go to the other one), all five
/// onContinuePostChallenge runs happen on instance 2, whose cache never saw the mark; resumed
/// where they started, they all hit it.
#[test]
fn password_reset_post_challenge_resumes_elsewhere_and_misses_the_cache() {
    let prpc = [
        (
            "file = \"../../../../actions/redirect-cache.js\"\nsecrets_file = \"../../../../fixtures/secrets/local-tenant.env\"",
            "file = \"post-challenge-redirect.js\"\ntrigger = \"password-reset-post-challenge\"",
        ),
    ];
    let sc = scenario_with("tests/scenarios/redirect-by-hand.toml", &prpc);
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "logins"), 5.0);
    assert_eq!(metric(&report, "redirects"), 5.0);
    assert_eq!(metric(&report, "continues"), 5.0);
    assert_eq!(metric(&report, "resumed_elsewhere"), 5.0);
    assert_eq!(metric(&report, "cache.misses.onExecutePostChallenge"), 1.0);
    assert_eq!(metric(&report, "cache.misses.onContinuePostChallenge"), 5.0);

    let mut sticky = prpc.to_vec();
    sticky.push(("resume = \"adversarial\"", "resume = \"sticky\""));
    let sc = scenario_with("tests/scenarios/redirect-by-hand.toml", &sticky);
    let (report, _) = run(&sc, None);
    assert_eq!(metric(&report, "continues"), 5.0);
    assert_eq!(metric(&report, "resumed_elsewhere"), 0.0);
    assert_eq!(metric(&report, "cache.misses.onContinuePostChallenge"), 0.0);
    assert_eq!(metric(&report, "cache.hits.onContinuePostChallenge"), 5.0);
}
