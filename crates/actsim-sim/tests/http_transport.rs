//! The HTTP transport (the tenant on its HTTP server over real loopback HTTP) gives the same
//! trace, byte for byte, as the in-process transport, for every bundled scenario.

use crate::common;
use actsim_sim::{RunOptions, Transport};
use common::*;

#[test]
fn http_and_in_process_traces_are_identical_for_every_bundled_scenario() {
    let files = bundled_scenarios();
    for file in files {
        let scenario = actsim_sim::load_scenario(&file).unwrap();
        let in_process = RunOptions {
            transport: Some(Transport::InProcess),
            ..RunOptions::default()
        };
        let http = RunOptions {
            transport: Some(Transport::Http),
            ..RunOptions::default()
        };
        let (a_report, a) = run_with(&scenario, &in_process);
        let (b_report, b) = run_with(&scenario, &http);
        assert!(
            a_report.metrics["token_requests"] > 0.0,
            "{}: the scenario talks to the tenant",
            file.display()
        );
        assert_eq!(a_report.metrics, b_report.metrics, "{}", file.display());
        assert!(a == b, "{}: the traces differ", file.display());
    }
}

/// Faults declared in the tenant file behave the same over HTTP: their latency stays virtual.
#[test]
fn tenant_faults_stay_virtual_over_http() {
    let sc = scenario_with(
        "tests/scenarios/redirect-by-hand.toml",
        &[(
            "[instances]",
            "[tenant]\nfile = \"slow-tenant.toml\"\n\n[instances]",
        )],
    );
    let in_process = RunOptions {
        transport: Some(Transport::InProcess),
        ..RunOptions::default()
    };
    let http = RunOptions {
        transport: Some(Transport::Http),
        ..RunOptions::default()
    };
    let (a_report, a) = run_with(&sc, &in_process);
    let (b_report, b) = run_with(&sc, &http);
    assert_eq!(a, b);
    assert_eq!(a_report.metrics, b_report.metrics);
    let slow = events(&a)
        .into_iter()
        .filter(|e| e["ev"] == "http" && e["latency_ms"].as_i64() == Some(50 + 2000))
        .count();
    assert_eq!(slow, 2, "both token requests carry the injected 2 s");
}
