//! The fast-path switch (`InstanceConfig::fast_paths`) is real: with it off, an instance takes
//! none of them (here: the lazy globals are loaded when the instance is created), and an
//! action's results are the same either way (the binary's tests compare whole simulations).

use crate::common;

use actsim_js::{FastPaths, InstanceConfig};
use common::{expect_completed, instance_with, no_network, post_login, run_to_end};

const PROBE: &str = r#"
    exports.onExecutePostLogin = async (event, api) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, 'URL');
      console.log('get' in d ? 'accessor' : 'data');
      const cached = api.cache.get('k');
      if (!cached) api.cache.set('k', 'v' + Object.keys(event).length);
      api.idToken.setCustomClaim('https://x/u', event.user.user_id);
      console.log(String(cached && cached.value), Object.keys(event.secrets).length);
    };
"#;

fn run_three(fast: FastPaths) -> Vec<Vec<String>> {
    let config = InstanceConfig {
        fast_paths: fast,
        ..InstanceConfig::default()
    };
    let (mut inst, clock) = instance_with("action.js", PROBE, config);
    let cache = common::new_cache();
    (0..3)
        .map(|_| {
            let mut spec = post_login();
            spec.cache = cache.clone();
            let report = run_to_end(&mut inst, &clock, spec, no_network);
            expect_completed(&report);
            let mut lines: Vec<String> = report.console.iter().map(|l| l.text.clone()).collect();
            lines.push(serde_json::to_string(&report.commands).unwrap());
            lines.push(serde_json::to_string(&report.cache_ops).unwrap());
            lines
        })
        .collect()
}

#[test]
fn with_fast_paths_off_lazy_globals_are_loaded_at_creation_and_results_do_not_change() {
    let on = run_three(FastPaths::On);
    let off = run_three(FastPaths::Off);
    // The one visible difference, before the first read: an accessor (lazy) or a data property.
    assert_eq!(on[0][0], "accessor");
    assert_eq!(off[0][0], "data");
    for (a, b) in on.iter().zip(&off) {
        assert_eq!(a[1..], b[1..]);
    }
    assert_eq!(on[1][1], "v5 0");
}

#[test]
fn the_switch_reads_on_and_off_and_refuses_anything_else() {
    assert_eq!(FastPaths::parse_env(None), Ok(None));
    assert_eq!(FastPaths::parse_env(Some("OFF")), Ok(Some(FastPaths::Off)));
    assert_eq!(FastPaths::parse_env(Some("on")), Ok(Some(FastPaths::On)));
    assert!(FastPaths::parse_env(Some("1")).is_err());
    assert_eq!(InstanceConfig::default().fast_paths, FastPaths::On);
}
