//! The `[perturb]` section: each perturbation does what docs/scenario.md says, within its
//! bound, replays exactly from the seed, and leaves a scenario without it untouched. Also the
//! exploration library: seeds folded into a report, shrinking keeping the failure.

use crate::common;

use actsim_sim::explore::{self, ExploreReport, SeedPlan, Shard};
use actsim_sim::RunOptions;
use common::{events, metric, run, scenario_with};

const TARGET: &str = "../../fixtures/explore/resume-after-recycle/flawed.toml";
const PERTURB: &str = "[perturb]\nrecycle_rate = \"1/h\"    # a graceful recycle of a random instance, about once an hour\nmax_faults = 1\nreturn_jitter = \"30s\"   # users come back up to 30 s later than return_after says\n";

#[test]
fn an_empty_perturb_section_changes_nothing() {
    let none = scenario_with(TARGET, &[(PERTURB, "")]);
    let empty = scenario_with(TARGET, &[(PERTURB, "[perturb]\n")]);
    for seed in [1, 12] {
        assert_eq!(run(&none, Some(seed)).1, run(&empty, Some(seed)).1);
    }
}

#[test]
fn perturbed_runs_replay_exactly() {
    let sc = scenario_with(TARGET, &[]);
    let (a, trace_a) = run(&sc, Some(12));
    let (b, trace_b) = run(&sc, Some(12));
    assert_eq!(trace_a, trace_b);
    assert_eq!(a.metrics, b.metrics);
    assert!(!a.passed, "seed 12 is the target's first failing seed");
}

#[test]
fn random_kills_happen_and_stay_within_max_faults() {
    let sc = scenario_with(
        TARGET,
        &[(PERTURB, "[perturb]\nkill_rate = \"20/h\"\nmax_faults = 2\n")],
    );
    let mut killed_somewhere = false;
    for seed in 1..=5 {
        let (report, trace) = run(&sc, Some(seed));
        let kills = metric(&report, "instances.killed");
        assert!(kills <= 2.0, "seed {seed}: {kills} kills");
        killed_somewhere |= kills > 0.0;
        let downs = events(&trace)
            .iter()
            .filter(|e| e["ev"] == "instance_down" && e["reason"] == "killed")
            .count();
        assert_eq!(downs as f64, kills);
        // Killed instances are replaced: the pool keeps its 3 instances.
        assert_eq!(metric(&report, "instances.created"), 3.0 + kills);
    }
    assert!(killed_somewhere);
}

#[test]
fn misplacement_sends_sticky_resumes_elsewhere() {
    let sticky = scenario_with(TARGET, &[(PERTURB, "")]);
    let (report, _) = run(&sticky, Some(3));
    assert_eq!(metric(&report, "resumed_elsewhere"), 0.0);
    // With misplace = 1 every resume picks a random instance of 3: about two thirds elsewhere.
    let misplaced = scenario_with(TARGET, &[(PERTURB, "[perturb]\nmisplace = 1.0\n")]);
    let (report, _) = run(&misplaced, Some(3));
    let (elsewhere, continues) = (
        metric(&report, "resumed_elsewhere"),
        metric(&report, "continues"),
    );
    assert!(
        elsewhere > continues * 0.4 && elsewhere < continues * 0.9,
        "{elsewhere} of {continues}"
    );
}

#[test]
fn jitter_delays_arrivals_and_returns_within_bounds() {
    let plain = scenario_with(TARGET, &[(PERTURB, "")]);
    let jittered = scenario_with(
        TARGET,
        &[(
            PERTURB,
            "[perturb]\narrival_jitter = \"10s\"\nreturn_jitter = \"5m\"\n",
        )],
    );
    let arrivals = |trace: &[u8]| -> Vec<i64> {
        events(trace)
            .iter()
            .filter(|e| e["ev"] == "arrival")
            .map(|e| e["t"].as_i64().unwrap())
            .collect()
    };
    let (_, a) = run(&plain, Some(2));
    let (_, b) = run(&jittered, Some(2));
    let (a, b) = (arrivals(&a), arrivals(&b));
    // The same arrival process, each login up to 10 s later (the last may fall past the end):
    // the k-th jittered arrival lies between the k-th plain one and 10 s after it.
    assert!(
        b.len() + 1 >= a.len() && b.len() <= a.len(),
        "{} vs {}",
        a.len(),
        b.len()
    );
    assert!(b.iter().zip(&a).any(|(x, y)| x != y));
    for (x, y) in b.iter().zip(&a) {
        assert!(x >= y && x - y <= 10_000, "{x} vs {y}");
    }
    // Users come back later on average: return_after is 5..60 s, plus up to 5 minutes.
    let (report, trace) = run(&jittered, Some(2));
    let ev = events(&trace);
    let max_gap = ev
        .iter()
        .filter(|e| e["ev"] == "resume")
        .map(|e| {
            let login = &e["login"];
            let redirect = ev
                .iter()
                .find(|r| r["ev"] == "redirect" && &r["login"] == login)
                .unwrap();
            e["t"].as_i64().unwrap() - redirect["t"].as_i64().unwrap()
        })
        .max()
        .unwrap();
    assert!(max_gap > 60_000 && max_gap <= 360_000, "{max_gap}");
    assert!(metric(&report, "continues") > 0.0);
}

#[test]
fn seeds_fold_into_a_report_and_shrink_to_one_login() {
    let sc = scenario_with(TARGET, &[]);
    let plan = SeedPlan {
        first: 10,
        count: Some(4),
    };
    let mut report = ExploreReport::new(&sc, "t.toml", plan, None::<Shard>);
    for k in 0..4 {
        let seed = plan.nth(None, k).unwrap();
        report.add(&explore::run_seed(&sc, &RunOptions::default(), seed).unwrap());
    }
    assert_eq!(report.runs, 4);
    let denies = &report.expectations[0];
    assert_eq!(denies.expectation, "denies == 0");
    assert_eq!(denies.first_seed, Some(12));
    assert_eq!(
        denies.replay.as_deref(),
        Some("actsim simulate t.toml --seed 12")
    );

    let minimal = explore::shrink(&sc, &RunOptions::default(), 12, "denies == 0", 100).unwrap();
    assert_eq!(minimal.size.logins, 1);
    assert!(minimal.size.logins < minimal.original.logins);
    assert!(minimal.attempts <= 100);
    assert!(minimal
        .story
        .iter()
        .any(|l| l.contains("resumes on instance") && l.contains("another cache")));
    // A seed that does not fail cannot be shrunk.
    let err = explore::shrink(&sc, &RunOptions::default(), 1, "denies == 0", 100).unwrap_err();
    assert!(err.contains("does not fail"), "{err}");
}
