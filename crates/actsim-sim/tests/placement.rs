//! Each placement policy, checked on the trace of a small scenario with overlapping executions.

use crate::common;
use std::collections::BTreeMap;

use common::*;

fn placements(policy: &str) -> (Vec<serde_json::Value>, actsim_sim::SimReport) {
    let sc = scenario_with(
        "tests/scenarios/placement.toml",
        &[(
            "[traffic]",
            &format!("[placement]\nnew = \"{policy}\"\n\n[traffic]"),
        )],
    );
    let (report, trace) = run(&sc, None);
    (events(&trace), report)
}

fn starts(events: &[serde_json::Value]) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e["ev"] == "exec_start")
        .map(|e| e["instance"].as_u64().unwrap())
        .collect()
}

#[test]
fn round_robin_cycles_through_instances() {
    let (ev, report) = placements("round_robin");
    let s = starts(&ev);
    assert!(s.len() > 100, "{}", s.len());
    for (i, inst) in s.iter().enumerate() {
        assert_eq!(*inst, (i % 3) as u64 + 1);
    }
    assert_eq!(metric(&report, "errors"), 0.0);
}

/// Replaying the trace's starts and ends, each new execution went to an instance with the fewest
/// running executions (ties: the lowest number).
#[test]
fn least_loaded_picks_the_least_busy_instance() {
    let (ev, _) = placements("least_loaded");
    let mut load: BTreeMap<u64, i64> = (1..=3).map(|i| (i, 0)).collect();
    let mut checked = 0;
    let mut differs_from_round_robin = false;
    for e in &ev {
        let inst = e["instance"].as_u64().unwrap_or(0);
        match e["ev"].as_str().unwrap() {
            "exec_start" => {
                let min = *load.values().min().unwrap();
                let best = *load.iter().find(|(_, l)| **l == min).unwrap().0;
                assert_eq!(inst, best, "load {load:?}");
                if inst != (checked % 3) as u64 + 1 {
                    differs_from_round_robin = true;
                }
                checked += 1;
                *load.get_mut(&inst).unwrap() += 1;
            }
            "exec_end" => *load.get_mut(&inst).unwrap() -= 1,
            _ => {}
        }
    }
    assert!(checked > 100);
    assert!(
        differs_from_round_robin,
        "the scenario should tell least_loaded from round_robin"
    );
}

#[test]
fn sticky_keeps_each_user_on_one_instance() {
    let (ev, _) = placements("sticky");
    let mut user_of_login: BTreeMap<u64, u64> = BTreeMap::new();
    let mut instance_of_user: BTreeMap<u64, u64> = BTreeMap::new();
    for e in &ev {
        match e["ev"].as_str().unwrap() {
            "arrival" => {
                user_of_login.insert(e["login"].as_u64().unwrap(), e["user"].as_u64().unwrap());
            }
            "exec_start" => {
                let user = user_of_login[&e["login"].as_u64().unwrap()];
                let inst = e["instance"].as_u64().unwrap();
                assert_eq!(
                    *instance_of_user.entry(user).or_insert(inst),
                    inst,
                    "user {user} moved"
                );
            }
            _ => {}
        }
    }
    assert!(instance_of_user.len() >= 3);
}

#[test]
fn adversarial_never_reuses_the_users_previous_instance() {
    let (ev, _) = placements("adversarial");
    let mut user_of_login: BTreeMap<u64, u64> = BTreeMap::new();
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    let mut checked = 0;
    for e in &ev {
        match e["ev"].as_str().unwrap() {
            "arrival" => {
                user_of_login.insert(e["login"].as_u64().unwrap(), e["user"].as_u64().unwrap());
            }
            "exec_start" => {
                let user = user_of_login[&e["login"].as_u64().unwrap()];
                let inst = e["instance"].as_u64().unwrap();
                if let Some(prev) = last.insert(user, inst) {
                    assert_ne!(prev, inst);
                    checked += 1;
                }
            }
            _ => {}
        }
    }
    assert!(checked > 50);
}

#[test]
fn random_uses_every_instance_without_a_fixed_cycle() {
    let (ev, _) = placements("random");
    let s = starts(&ev);
    for i in 1..=3 {
        let share = s.iter().filter(|&&x| x == i).count() as f64 / s.len() as f64;
        assert!((0.2..0.47).contains(&share), "instance {i}: {share}");
    }
    assert!(s
        .iter()
        .enumerate()
        .any(|(i, inst)| *inst != (i % 3) as u64 + 1));
}
