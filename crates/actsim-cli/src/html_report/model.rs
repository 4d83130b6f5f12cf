//! What the timeline draws, gathered from a run's trace events: each instance's life, its
//! executions (paired start to end, with their console lines), its point markers (cache reads,
//! failed writes, evictions, token fetches, warnings, abandoned redirects) and the resume arrows.

use std::collections::BTreeMap;

use actsim_sim::{SimReport, TraceEvent};

use super::escape::clip;
use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;

/// Console lines kept in an execution's tooltip.
const CONSOLE_LINES: usize = 4;

/// The kinds of point markers, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    CacheHit,
    CacheMiss,
    CacheError,
    Evicted,
    Token,
    Warning,
    Abandon,
}

impl Kind {
    pub fn class(self) -> &'static str {
        match self {
            Kind::CacheHit => "cache-hit",
            Kind::CacheMiss => "cache-miss",
            Kind::CacheError => "cache-error",
            Kind::Evicted => "evicted",
            Kind::Token => "token",
            Kind::Warning => "warning",
            Kind::Abandon => "abandon",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::CacheHit => "cache hits",
            Kind::CacheMiss => "cache misses",
            Kind::CacheError => "failed cache writes",
            Kind::Evicted => "evictions",
            Kind::Token => "token fetches",
            Kind::Warning => "warnings",
            Kind::Abandon => "abandoned redirects",
        }
    }
}

/// Execution outcomes, worst first (an aggregated bar takes the worst outcome it holds).
pub const OUTCOMES: [&str; 5] = ["failed", "denied", "redirect", "unfinished", "completed"];

pub fn outcome_class(outcome: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|o| **o == outcome)
        .copied()
        .unwrap_or("other")
}

/// One execution: from its start to its end on one instance.
pub struct Exec {
    pub start: i64,
    pub end: i64,
    pub login: u64,
    pub action: String,
    pub handler: String,
    pub cold: bool,
    /// `completed`, `redirect`, `denied`, `failed` or `unfinished` (still running at the end).
    pub outcome: String,
    /// `kind: message` of a failure.
    pub error: Option<String>,
    /// The first console lines, and how many more there were.
    pub console: Vec<String>,
    pub console_more: usize,
}

/// A point marker: when, whose, and its tooltip.
pub struct Mark {
    pub t: i64,
    pub login: Option<u64>,
    pub text: String,
}

/// One instance's row.
#[derive(Default)]
pub struct Lane {
    pub up: Option<i64>,
    /// When and why it went away.
    pub down: Option<(i64, String)>,
    pub execs: Vec<Exec>,
    pub marks: BTreeMap<Kind, Vec<Mark>>,
}

/// A flow that yielded (redirect) on `from` at `t_from` and resumed on `to` at `t_to`.
pub struct Arrow {
    pub login: u64,
    pub from: u32,
    pub to: u32,
    pub t_from: i64,
    pub t_to: i64,
    pub elsewhere: bool,
}

/// An execution that started and has not ended yet.
struct Pending {
    start: i64,
    handler: String,
    cold: bool,
}

/// Everything the timeline draws, gathered from the events.
pub struct Model {
    /// The drawn time range (never empty).
    pub t0: i64,
    pub t1: i64,
    /// The run's start, for `+offset` labels.
    pub origin: i64,
    pub lanes: BTreeMap<u32, Lane>,
    pub arrows: Vec<Arrow>,
}

impl Model {
    /// `09:00:10.000 (+10s)`.
    pub fn when(&self, t: i64) -> String {
        let iso = format_instant_ms(t);
        format!(
            "{} (+{})",
            iso.get(11..23).unwrap_or(&iso),
            format_duration_ms(t - self.origin)
        )
    }

    /// Add a point marker to an instance's lane.
    pub fn mark(&mut self, instance: u32, kind: Kind, mark: Mark) {
        self.lanes
            .entry(instance)
            .or_default()
            .marks
            .entry(kind)
            .or_default()
            .push(mark);
    }
}

/// Gather what `events` (of `report`) show.
pub fn build(report: &SimReport, events: &[TraceEvent]) -> Model {
    let mut t0 = report.start_ms;
    let mut t1 = report.end_ms;
    for e in events {
        let t = event_time(e);
        t0 = t0.min(t);
        t1 = t1.max(t);
    }
    if t1 <= t0 {
        t1 = t0 + 1_000;
    }
    let mut m = Model {
        t0,
        t1,
        origin: report.start_ms,
        lanes: BTreeMap::new(),
        arrows: Vec::new(),
    };
    for i in &report.instances {
        let lane = m.lanes.entry(i.number).or_default();
        lane.up = Some(i.created_at);
        if let Some(t) = i.ended_at {
            lane.down = Some((t, i.end_reason.clone().unwrap_or_default()));
        }
    }
    let mut pending: BTreeMap<(u64, u32, String), Pending> = BTreeMap::new();
    let mut console: BTreeMap<(u64, u32), (Vec<String>, usize)> = BTreeMap::new();
    let mut redirects: BTreeMap<u64, (i64, u32)> = BTreeMap::new();
    for e in events {
        match e {
            TraceEvent::InstanceUp { t, instance, .. } => {
                let lane = m.lanes.entry(*instance).or_default();
                lane.up = Some(lane.up.map_or(*t, |u| u.min(*t)));
            }
            TraceEvent::InstanceDown {
                t,
                instance,
                reason,
            } => {
                m.lanes.entry(*instance).or_default().down = Some((*t, reason.to_string()));
            }
            TraceEvent::ExecStart {
                t,
                login,
                instance,
                action,
                handler,
                cold,
            } => {
                m.lanes.entry(*instance).or_default();
                pending.insert(
                    (*login, *instance, action.clone()),
                    Pending {
                        start: *t,
                        handler: handler.clone(),
                        cold: *cold,
                    },
                );
            }
            TraceEvent::Console {
                login,
                instance,
                level,
                text,
                ..
            } => {
                let entry = console.entry((*login, *instance)).or_default();
                if entry.0.len() < CONSOLE_LINES {
                    entry.0.push(format!("[{level}] {}", clip(text, 160)));
                } else {
                    entry.1 += 1;
                }
            }
            TraceEvent::ExecEnd {
                t,
                login,
                instance,
                action,
                outcome,
                error_kind,
                message,
            } => {
                let p = pending.remove(&(*login, *instance, action.clone()));
                let (lines, more) = console.remove(&(*login, *instance)).unwrap_or_default();
                let error = match (error_kind, message) {
                    (Some(k), Some(msg)) => Some(format!("{k}: {}", clip(msg, 200))),
                    (Some(k), None) => Some(k.clone()),
                    (None, Some(msg)) => Some(clip(msg, 200)),
                    (None, None) => None,
                };
                m.lanes.entry(*instance).or_default().execs.push(Exec {
                    start: p.as_ref().map_or(*t, |p| p.start),
                    end: *t,
                    login: *login,
                    action: action.clone(),
                    handler: p.as_ref().map(|p| p.handler.clone()).unwrap_or_default(),
                    cold: p.as_ref().is_some_and(|p| p.cold),
                    outcome: outcome.to_string(),
                    error,
                    console: lines,
                    console_more: more,
                });
            }
            TraceEvent::Cache {
                t,
                login,
                instance,
                op,
                key,
                result,
            } => {
                let kind = match (op.as_str(), result.as_str()) {
                    ("get", "hit") => Some(Kind::CacheHit),
                    ("get", _) => Some(Kind::CacheMiss),
                    (_, "success") => None,
                    _ => Some(Kind::CacheError),
                };
                if let Some(kind) = kind {
                    let text = format!(
                        "login {login} · {op} {} → {} · {}",
                        clip(key, 80),
                        clip(result, 80),
                        m.when(*t)
                    );
                    m.mark(
                        *instance,
                        kind,
                        Mark {
                            t: *t,
                            login: Some(*login),
                            text,
                        },
                    );
                }
            }
            TraceEvent::Evicted { t, instance, key } => {
                let text = format!(
                    "{} evicted early (cache full) · {}",
                    clip(key, 80),
                    m.when(*t)
                );
                m.mark(
                    *instance,
                    Kind::Evicted,
                    Mark {
                        t: *t,
                        login: None,
                        text,
                    },
                );
            }
            TraceEvent::Http {
                t,
                login,
                instance,
                method,
                url,
                status,
                error,
                latency_ms,
                token_issued: Some(n),
                ..
            } => {
                let answer = match (status, error) {
                    (Some(s), _) => s.to_string(),
                    (None, Some(e)) => clip(e, 80),
                    (None, None) => "no answer".into(),
                };
                let who = login.map_or("no login".to_string(), |l| format!("login {l}"));
                let text = format!(
                    "{who} · token #{n} issued · {method} {} → {answer} (+{latency_ms}ms) · {}",
                    clip(url, 120),
                    m.when(*t)
                );
                m.mark(
                    *instance,
                    Kind::Token,
                    Mark {
                        t: *t,
                        login: *login,
                        text,
                    },
                );
            }
            TraceEvent::Redirect {
                t, login, instance, ..
            } => {
                redirects.insert(*login, (*t, *instance));
            }
            TraceEvent::Abandon { t, login } => {
                if let Some((_, instance)) = redirects.get(login).copied() {
                    let text = format!(
                        "login {login}: the user never came back from the redirect · {}",
                        m.when(*t)
                    );
                    m.mark(
                        instance,
                        Kind::Abandon,
                        Mark {
                            t: *t,
                            login: Some(*login),
                            text,
                        },
                    );
                }
            }
            TraceEvent::Resume {
                t,
                login,
                from,
                to,
                elsewhere,
            } => {
                let t_from = redirects.get(login).map_or(*t, |(rt, _)| *rt);
                m.lanes.entry(*from).or_default();
                m.lanes.entry(*to).or_default();
                m.arrows.push(Arrow {
                    login: *login,
                    from: *from,
                    to: *to,
                    t_from,
                    t_to: *t,
                    elsewhere: *elsewhere,
                });
            }
            TraceEvent::Warning {
                t,
                kind,
                login,
                instance: Some(instance),
                message,
                ..
            } => {
                let text = format!(
                    "warning {} · {} · {}",
                    kind.as_str(),
                    clip(message, 200),
                    m.when(*t)
                );
                m.mark(
                    *instance,
                    Kind::Warning,
                    Mark {
                        t: *t,
                        login: *login,
                        text,
                    },
                );
            }
            _ => {}
        }
    }
    // Executions still running when the run ended.
    for ((login, instance, action), p) in pending {
        let end = m.t1;
        m.lanes.entry(instance).or_default().execs.push(Exec {
            start: p.start,
            end,
            login,
            action,
            handler: p.handler,
            cold: p.cold,
            outcome: "unfinished".into(),
            error: None,
            console: Vec::new(),
            console_more: 0,
        });
    }
    for lane in m.lanes.values_mut() {
        lane.execs.sort_by_key(|e| (e.start, e.login));
    }
    m
}

fn event_time(e: &TraceEvent) -> i64 {
    match e {
        TraceEvent::Start { t, .. }
        | TraceEvent::InstanceUp { t, .. }
        | TraceEvent::InstanceDown { t, .. }
        | TraceEvent::Arrival { t, .. }
        | TraceEvent::ExecStart { t, .. }
        | TraceEvent::Http { t, .. }
        | TraceEvent::Cache { t, .. }
        | TraceEvent::Evicted { t, .. }
        | TraceEvent::Command { t, .. }
        | TraceEvent::Console { t, .. }
        | TraceEvent::ExecEnd { t, .. }
        | TraceEvent::Redirect { t, .. }
        | TraceEvent::Abandon { t, .. }
        | TraceEvent::Resume { t, .. }
        | TraceEvent::LoginEnd { t, .. }
        | TraceEvent::Warning { t, .. }
        | TraceEvent::End { t } => *t,
    }
}
