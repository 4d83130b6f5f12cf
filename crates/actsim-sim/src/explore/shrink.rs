//! Shrinking: from a scenario and a seed under which an expectation fails, find a smaller run
//! that still fails the same expectation. Candidates are edits of the scenario file (fewer
//! logins, users, instances and actions, a shorter duration, perturbations switched off), each
//! simulated with the same seed and kept when the expectation still fails. Random kills and
//! random evictions are first written down as scripted kills (`[[instances.kill]]`) and
//! scripted evictions (`[[cache.evict]]`) at the times they happened (the choices recorded), so
//! that each one can then be dropped on its own, and each eviction moved to instance 1 and as
//! early as it still fails (which lets the logins around it go). Every draw of the simulator
//! comes from its own stream, so a run with fewer logins replays the first logins of the larger
//! one.

use toml::{Table, Value};

use super::report::{Minimal, RunSize};
use super::story::{story, STORY_LINES};
use crate::engine::{simulate, RunOptions};
use crate::report::SimReport;
use crate::scenario::{parse_scenario, Scenario};
use crate::trace::{CollectingSink, NullSink, TraceEvent, TraceSink};

/// The default bound on candidate runs per shrink.
pub const DEFAULT_SHRINK_RUNS: u32 = 200;

/// The `[perturb]` and cache keys that switch a perturbation off when removed.
const PERTURBATIONS: [(&str, &str); 6] = [
    ("perturb", "kill_rate"),
    ("perturb", "recycle_rate"),
    ("perturb", "misplace"),
    ("perturb", "arrival_jitter"),
    ("perturb", "return_jitter"),
    ("cache", "eviction"),
];

/// Shrink the run of `scenario` under `seed` that fails `expectation` (its text), trying at
/// most `max_runs` candidates. Fails when the run does not fail that expectation.
pub fn shrink(
    scenario: &Scenario,
    options: &RunOptions,
    seed: u64,
    expectation: &str,
    max_runs: u32,
) -> Result<Minimal, String> {
    let mut table: Table = scenario
        .source_text
        .parse()
        .map_err(|e| format!("the scenario cannot be edited: {e}"))?;
    table.insert("seed".into(), Value::Integer(seed as i64));
    let mut s = Shrinker {
        scenario,
        options: RunOptions {
            seed: None,
            ..options.clone()
        },
        expectation,
        attempts: 0,
        max_runs,
    };
    let (first, start) = s
        .run(&table, &mut NullSink)
        .ok_or_else(|| format!("seed {seed} does not fail `{expectation}`"))?;
    let original = size(&start, &first);
    s.record_kills(&mut table);
    s.record_evictions(&mut table);
    for _ in 0..3 {
        let before = table.clone();
        s.drop_each(&mut table, &["cache", "evict"]);
        s.simplify_evictions(&mut table);
        s.minimise(&mut table, "logins", |t, k| {
            sub(t, "traffic").insert("max_logins".into(), Value::Integer(k as i64));
        });
        s.minimise(&mut table, "users", |t, k| {
            sub(t, "traffic").insert("users".into(), Value::Integer(k as i64));
        });
        s.minimise(&mut table, "instances", |t, k| {
            let i = sub(t, "instances");
            i.remove("min");
            i.remove("max");
            i.insert("count".into(), Value::Integer(k as i64));
        });
        s.minimise(&mut table, "duration", |t, k| {
            t.insert("duration".into(), Value::String(format!("{k}ms")));
        });
        for (section, key) in PERTURBATIONS {
            if table
                .get(section)
                .and_then(Value::as_table)
                .is_some_and(|t| t.contains_key(key))
            {
                s.attempt(&mut table, |t| {
                    sub(t, section).remove(key);
                });
            }
        }
        s.drop_each(&mut table, &["instances", "kill"]);
        s.drop_each(&mut table, &["actions"]);
        if table == before {
            break;
        }
    }
    let mut events = CollectingSink::default();
    let (report, sc) = s
        .run(&table, &mut events)
        .ok_or("the shrunk run no longer fails (the simulator is not deterministic?)")?;
    let actual = report
        .expectations
        .iter()
        .find(|e| e.expectation.text == expectation)
        .and_then(|e| e.actual);
    Ok(Minimal {
        seed,
        actual,
        original,
        size: size(&sc, &report),
        attempts: s.attempts,
        story: story(&events.events, sc.start_ms, STORY_LINES),
        scenario_toml: toml::to_string(&table).map_err(|e| e.to_string())?,
    })
}

struct Shrinker<'a> {
    scenario: &'a Scenario,
    options: RunOptions,
    expectation: &'a str,
    attempts: u32,
    max_runs: u32,
}

impl Shrinker<'_> {
    /// Simulate `table`; its report and scenario when the expectation still fails.
    fn run(&mut self, table: &Table, sink: &mut dyn TraceSink) -> Option<(SimReport, Scenario)> {
        let text = toml::to_string(table).ok()?;
        let sc = parse_scenario(&self.scenario.path, &text).ok()?;
        let report = simulate(&sc, &self.options, sink).ok()?;
        let fails = report
            .expectations
            .iter()
            .any(|e| e.expectation.text == self.expectation && !e.passed);
        fails.then_some((report, sc))
    }

    /// Try `edit`; keep it when the expectation still fails. Returns whether it was kept.
    fn attempt(&mut self, table: &mut Table, edit: impl FnOnce(&mut Table)) -> bool {
        if self.attempts >= self.max_runs {
            return false;
        }
        self.attempts += 1;
        let mut candidate = table.clone();
        edit(&mut candidate);
        if candidate == *table {
            return false;
        }
        if self.run(&candidate, &mut NullSink).is_some() {
            *table = candidate;
            true
        } else {
            false
        }
    }

    /// Make the quantity `what` as small as it can be: the smallest of 1, 2, 4, … below its
    /// current value that still fails, then a bisection between it and the last that passed.
    fn minimise(&mut self, table: &mut Table, what: &str, set: impl Fn(&mut Table, u64)) {
        let Some((current, floor)) = self.current(table, what) else {
            return;
        };
        self.minimise_from(table, current, floor, set);
    }

    /// [`Self::minimise`] of a value now `current` that may go down to `floor` (≥ 1).
    fn minimise_from(
        &mut self,
        table: &mut Table,
        current: u64,
        floor: u64,
        set: impl Fn(&mut Table, u64),
    ) {
        let mut passed = floor - 1; // the largest value known not to fail (below the ladder)
        let mut k = floor;
        let mut failing = current;
        while k < failing {
            if self.attempt(table, |t| set(t, k)) {
                failing = k;
                break;
            }
            passed = k;
            k = k.saturating_mul(2);
        }
        while failing > passed + 1 && self.attempts < self.max_runs {
            let mid = passed + (failing - passed) / 2;
            if self.attempt(table, |t| set(t, mid)) {
                failing = mid;
            } else {
                passed = mid;
            }
        }
    }

    /// The current value of `what` in `table` and the smallest it may become.
    fn current(&mut self, table: &Table, what: &str) -> Option<(u64, u64)> {
        let int = |section: &str, key: &str| {
            table
                .get(section)
                .and_then(|s| s.get(key))
                .and_then(Value::as_integer)
                .map(|v| v.max(0) as u64)
        };
        match what {
            "logins" => {
                let (report, _) = self.run(table, &mut NullSink)?;
                let logins = report.metrics.get("logins").copied().unwrap_or(0.0) as u64;
                Some((logins, 1))
            }
            "users" => Some((int("traffic", "users").unwrap_or(100), 1)),
            "instances" => Some((
                int("instances", "count")
                    .or(int("instances", "max"))
                    .or(int("instances", "min"))
                    .unwrap_or(1),
                1,
            )),
            "duration" => {
                let text = table.get("duration")?.as_str()?;
                let ms = crate::values::parse_duration_ms(text).ok()?;
                Some((ms.max(0) as u64, 1000))
            }
            _ => None,
        }
    }

    /// Try dropping each element of the array at `path` in turn.
    fn drop_each(&mut self, table: &mut Table, path: &[&str]) {
        let mut i = 0;
        loop {
            let len = array_at(table, path).map_or(0, Vec::len);
            if i >= len || (path == ["actions"] && len <= 1) {
                break;
            }
            let dropped = self.attempt(table, |t| {
                if let Some(a) = array_at_mut(t, path) {
                    a.remove(i);
                }
            });
            if !dropped {
                i += 1;
            }
        }
    }

    /// Write the evictions of the run down as scripted evictions at the times they happened, and
    /// switch eviction pressure off, when the run still fails that way.
    fn record_evictions(&mut self, table: &mut Table) {
        let random = table.get("cache").and_then(|c| c.get("eviction")).is_some();
        if !random {
            return;
        }
        let mut events = CollectingSink::default();
        let Some((_, sc)) = self.run(table, &mut events) else {
            return;
        };
        let evictions: Vec<Value> = events
            .events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::Evicted { t, instance, key } => {
                    let mut v = Table::new();
                    v.insert("at".into(), Value::String(format!("{}ms", t - sc.start_ms)));
                    v.insert("instance".into(), Value::Integer(i64::from(*instance)));
                    v.insert("key".into(), Value::String(key.clone()));
                    Some(Value::Table(v))
                }
                _ => None,
            })
            .collect();
        self.attempt(table, |t| {
            let cache = sub(t, "cache");
            cache.remove("eviction");
            cache.insert("evict".into(), Value::Array(evictions));
        });
    }

    /// Make each scripted eviction simpler: on instance 1 (so the other instances can go), then
    /// as early as it still fails (so the logins after the one it needs can go).
    fn simplify_evictions(&mut self, table: &mut Table) {
        let path = ["cache", "evict"];
        let count = array_at(table, &path).map_or(0, Vec::len);
        for i in 0..count {
            let field = |t: &Table, key: &str| -> Option<Value> {
                array_at(t, &path)?.get(i)?.get(key).cloned()
            };
            let set = move |t: &mut Table, key: &str, v: Value| {
                if let Some(e) = array_at_mut(t, &path)
                    .and_then(|a| a.get_mut(i))
                    .and_then(Value::as_table_mut)
                {
                    e.insert(key.into(), v);
                }
            };
            if field(table, "instance").and_then(|v| v.as_integer()) != Some(1) {
                self.attempt(table, |t| set(t, "instance", Value::Integer(1)));
            }
            let at = field(table, "at")
                .and_then(|v| v.as_str().map(str::to_string))
                .and_then(|text| crate::values::parse_duration_ms(&text).ok());
            if let Some(at) = at.filter(|&ms| ms > 1) {
                self.minimise_from(table, at as u64, 1, |t, ms| {
                    set(t, "at", Value::String(format!("{ms}ms")));
                });
            }
        }
    }

    /// Write the kills of the run down as scripted kills at the times they happened, and switch
    /// random kills off, when the run still fails that way.
    fn record_kills(&mut self, table: &mut Table) {
        let random = table
            .get("perturb")
            .and_then(|p| p.get("kill_rate"))
            .is_some();
        if !random {
            return;
        }
        let mut events = CollectingSink::default();
        let Some((_, sc)) = self.run(table, &mut events) else {
            return;
        };
        let kills: Vec<Value> = events
            .events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::InstanceDown {
                    t,
                    instance,
                    reason: "killed",
                } => {
                    let mut k = Table::new();
                    k.insert("at".into(), Value::String(format!("{}ms", t - sc.start_ms)));
                    k.insert("instance".into(), Value::Integer(i64::from(*instance)));
                    Some(Value::Table(k))
                }
                _ => None,
            })
            .collect();
        self.attempt(table, |t| {
            sub(t, "perturb").remove("kill_rate");
            sub(t, "instances").insert("kill".into(), Value::Array(kills));
        });
    }
}

/// The table at `key` of `t`, created when absent.
fn sub<'t>(t: &'t mut Table, key: &str) -> &'t mut Table {
    let v = t
        .entry(key.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    if !v.is_table() {
        *v = Value::Table(Table::new());
    }
    v.as_table_mut().expect("just made a table")
}

fn array_at<'t>(t: &'t Table, path: &[&str]) -> Option<&'t Vec<Value>> {
    let (last, parents) = path.split_last()?;
    let mut cur = t;
    for p in parents {
        cur = cur.get(*p)?.as_table()?;
    }
    cur.get(*last)?.as_array()
}

fn array_at_mut<'t>(t: &'t mut Table, path: &[&str]) -> Option<&'t mut Vec<Value>> {
    let (last, parents) = path.split_last()?;
    let mut cur = t;
    for p in parents {
        cur = cur.get_mut(*p)?.as_table_mut()?;
    }
    cur.get_mut(*last)?.as_array_mut()
}

/// The size of a run of `sc` that produced `report`.
fn size(sc: &Scenario, report: &SimReport) -> RunSize {
    let metric = |name: &str| report.metrics.get(name).copied().unwrap_or(0.0) as u64;
    RunSize {
        logins: metric("logins"),
        users: u64::from(sc.traffic.users),
        instances: metric("instances.created"),
        faults: metric("instances.killed") + metric("instances.recycled"),
        evictions: metric("cache.evictions"),
        actions: sc.actions.len() as u64,
        duration_ms: sc.duration_ms,
    }
}
