//! The trigger table (`actsim_js::TRIGGERS`) against the JavaScript side: every trigger runs
//! its handlers with its default event, and its `api` object has exactly the parts the table
//! lists (so adding a trigger to the table without its `api` class, or the other way round,
//! fails here).

use crate::common;

use actsim_js::{Outcome, Phase, TRIGGERS};
use common::{instance, no_network, run_to_end, spec};

/// An action that exports every handler of every trigger; each logs its handler name and the
/// members of its `api` object (own getters of the api's class, in definition order).
fn every_handler() -> String {
    let mut code = String::new();
    for info in TRIGGERS {
        for name in std::iter::once(info.execute).chain(info.continue_handler) {
            code.push_str(&format!(
                "exports.{name} = async (event, api) => {{\n  const proto = Object.getPrototypeOf(api);\n  const parts = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor');\n  console.log('{name}', JSON.stringify(parts), typeof event);\n}};\n"
            ));
        }
    }
    code
}

#[test]
fn every_trigger_runs_each_handler_with_the_api_parts_its_entry_lists() {
    let code = every_handler();
    for info in TRIGGERS {
        let event: serde_json::Value = serde_json::from_str(info.default_event).unwrap();
        let phases = [Phase::Execute, Phase::Continue];
        for phase in phases {
            let Some(handler) = info.trigger.handler_name(phase) else {
                continue;
            };
            let (mut inst, clock) = instance(&code);
            let report = run_to_end(
                &mut inst,
                &clock,
                spec(info.trigger, phase, event.clone()),
                no_network,
            );
            assert!(
                matches!(report.outcome, Outcome::Completed { .. }),
                "{} {handler}: {:?}",
                info.id,
                report.outcome
            );
            assert_eq!(report.handler, handler);
            assert_eq!(report.trigger, info.trigger);
            let expected = format!(
                "{handler} {} object",
                serde_json::to_string(info.api_parts).unwrap()
            );
            let lines: Vec<&str> = report.console.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(lines, [expected.as_str()], "{}", info.id);
        }
    }
}

#[test]
fn a_trigger_without_a_continue_handler_refuses_the_continue_phase() {
    for info in TRIGGERS.iter().filter(|t| t.continue_handler.is_none()) {
        let (mut inst, _clock) = instance("exports.x = 1;");
        let event: serde_json::Value = serde_json::from_str(info.default_event).unwrap();
        let err = inst
            .start(spec(info.trigger, Phase::Continue, event))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the {} trigger has no continue phase", info.id)
        );
    }
}
