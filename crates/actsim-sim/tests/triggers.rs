//! Every trigger of the trigger table runs in a scenario: its actions are bound to it, its
//! traffic hits its execute handler, its metrics are labelled with that handler, and the same
//! scenario and seed replay byte for byte (another seed gives another trace).

use crate::common;
use common::*;

use actsim_sim::parse_scenario;

#[test]
fn a_scenario_of_every_trigger_replays_byte_for_byte() {
    // The action exports every trigger's handler (tests/scenarios/every-trigger.js).
    let file = path("tests/scenarios/every-trigger.toml");
    for info in actsim_js::TRIGGERS {
        let text = format!(
            "name = \"every trigger: {id}\"\nseed = 3\nduration = \"1m\"\n\n[[actions]]\nfile = \"every-trigger.js\"\ntrigger = \"{id}\"\n\n[instances]\ncount = 2\ncold_start = \"0ms\"\n\n[traffic]\narrivals = \"poisson\"\nrate = \"1/s\"\nusers = 4\n",
            id = info.id
        );
        let scenario = parse_scenario(&file, &text).unwrap_or_else(|e| panic!("{}: {e}", info.id));
        let (report, a) = run(&scenario, None);
        let (_, b) = run(&scenario, None);
        assert!(a == b, "{} is not deterministic", info.id);
        let (_, c) = run(&scenario, Some(4));
        assert!(a != c, "{}: another seed gave the same trace", info.id);
        assert!(metric(&report, "logins") > 10.0, "{}", info.id);
        let hits = metric(&report, &format!("cache.hits.{}", info.execute));
        let misses = metric(&report, &format!("cache.misses.{}", info.execute));
        assert!(
            hits > 0.0 && misses > 0.0,
            "{}: {hits} hits, {misses} misses",
            info.id
        );
        let text = String::from_utf8_lossy(&a);
        assert!(
            text.contains(info.execute),
            "{}: the trace names no handler",
            info.id
        );
    }
}
