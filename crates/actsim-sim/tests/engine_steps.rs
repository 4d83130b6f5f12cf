//! The engine driven one `step()` at a time with a scripted fake runtime instead of QuickJS:
//! placement, resumes on another instance, the 20 s budget, rollbacks of failed writes and the
//! one-login-after-another script of `actsim run`, each asserted on the engine's own output.

use crate::common;
use common::empty_report;

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::rc::Rc;

use actsim_cache::{CacheLimits, SetOptions};
use actsim_js::{
    ActionError, ActionSource, CacheOp, CacheOpKind, Clock, ErrorKind, ExecId, ExecutionReport,
    ExecutionSpec, FetchRequest, HostOp, HostOpKind, InstanceConfig, OpId, OpResult, Outcome,
    Phase, Redirect, SharedCache, Trigger,
};
use actsim_sim::driver::{Runtime, RuntimeFactory};
use actsim_sim::observer::{EndedExecution, ExecutionObserver};
use actsim_sim::scenario::{
    ActionSpec, Arrivals, CacheMode, InstancesSpec, Policy, Scenario, TrafficSpec,
};
use actsim_sim::values::Dist;
use actsim_sim::{CollectingSink, RunOptions, Simulation, TraceEvent};
use serde_json::json;

/// One thing a scripted execution does.
#[derive(Clone, Debug)]
enum Step {
    /// `api.cache.get(key)`.
    Get(&'static str),
    /// `api.cache.set(key, "v")`.
    Set(&'static str),
    /// `await fetch(url)`.
    Fetch(&'static str),
    /// `await` a timer.
    Sleep(i64),
    /// Wait for something that never happens.
    Hang,
    /// Throw.
    Throw,
    /// `api.redirect.sendUserTo(...)` (the execute phase only).
    Redirect,
}

/// The script of an execution, chosen by its phase.
#[derive(Clone)]
struct Plan {
    execute: Vec<Step>,
    resume: Vec<Step>,
}

struct Exec {
    report: ExecutionReport,
    steps: VecDeque<Step>,
    cache: SharedCache,
    waiting: Option<OpId>,
}

/// A runtime that plays a [`Plan`].
struct Fake {
    plan: Plan,
    clock: Clock,
    next_exec: ExecId,
    next_op: OpId,
    running: BTreeMap<ExecId, Exec>,
    ops: Vec<HostOp>,
    finished: Vec<ExecutionReport>,
}

impl Fake {
    /// Run `exec` until it waits or ends.
    fn advance(&mut self, id: ExecId) {
        let now = self.clock.now_ms();
        let Some(exec) = self.running.get_mut(&id) else {
            return;
        };
        while let Some(step) = exec.steps.pop_front() {
            let mut op = |kind| {
                self.next_op += 1;
                self.ops.push(HostOp {
                    id: self.next_op,
                    exec_id: Some(id),
                    kind,
                });
                self.next_op
            };
            match step {
                Step::Get(key) => {
                    let hit = exec.cache.borrow_mut().get(key, now).is_some();
                    exec.report.cache_ops.push(cache_op(
                        now,
                        CacheOpKind::Get,
                        key,
                        if hit { "hit" } else { "miss" },
                    ));
                }
                Step::Set(key) => {
                    let ok = exec
                        .cache
                        .borrow_mut()
                        .set(key, "v", &SetOptions::default(), now)
                        .is_ok();
                    exec.report.cache_ops.push(cache_op(
                        now,
                        CacheOpKind::Set,
                        key,
                        if ok { "success" } else { "error" },
                    ));
                }
                Step::Fetch(url) => {
                    exec.waiting = Some(op(HostOpKind::Fetch(FetchRequest {
                        url: url.into(),
                        method: "GET".into(),
                        headers: Vec::new(),
                        body: None,
                    })));
                    return;
                }
                Step::Sleep(ms) => {
                    exec.waiting = Some(op(HostOpKind::Timer { delay_ms: ms }));
                    return;
                }
                Step::Hang => return,
                Step::Throw => {
                    exec.report.outcome = failed(ErrorKind::Thrown, "scripted throw");
                    break;
                }
                Step::Redirect => {
                    exec.report.outcome = Outcome::Completed {
                        denied: false,
                        redirect: Some(Redirect {
                            url: "https://mfa.example.com/".into(),
                            query: json!({}),
                            prompt: None,
                        }),
                    };
                }
            }
        }
        let mut exec = self.running.remove(&id).expect("running");
        exec.report.finished_at_ms = now;
        self.finished.push(exec.report);
    }
}

fn cache_op(at_ms: i64, op: CacheOpKind, key: &str, result: &str) -> CacheOp {
    CacheOp {
        at_ms,
        op,
        key: key.into(),
        result: result.into(),
        expires_at: None,
        value_bytes: Some(1),
        ttl: None,
        expires_at_option: None,
        jwt_exp: None,
    }
}

fn failed(kind: ErrorKind, message: &str) -> Outcome {
    Outcome::Failed {
        error: ActionError {
            kind,
            name: "Error".into(),
            message: message.into(),
            location: None,
            stack: String::new(),
        },
    }
}

impl Runtime for Fake {
    fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, String> {
        self.next_exec += 1;
        let id = self.next_exec;
        let steps = match spec.phase {
            Phase::Execute => self.plan.execute.clone(),
            Phase::Continue => self.plan.resume.clone(),
        };
        let now = self.clock.now_ms();
        self.running.insert(
            id,
            Exec {
                report: empty_report(
                    id,
                    spec.trigger,
                    spec.trigger.handler_name(spec.phase).unwrap_or("?"),
                    now,
                ),
                steps: steps.into(),
                cache: spec.cache,
                waiting: None,
            },
        );
        self.advance(id);
        Ok(id)
    }
    fn take_ops(&mut self) -> Vec<HostOp> {
        std::mem::take(&mut self.ops)
    }
    fn is_pending(&self, op: OpId) -> bool {
        self.running.values().any(|e| e.waiting == Some(op))
    }
    fn complete(&mut self, op: OpId, _result: OpResult) {
        let id = self
            .running
            .iter()
            .find(|(_, e)| e.waiting == Some(op))
            .map(|(id, _)| *id);
        if let Some(id) = id {
            self.running.get_mut(&id).expect("running").waiting = None;
            self.advance(id);
        }
    }
    fn abort(&mut self, exec: ExecId, message: &str) {
        if let Some(mut e) = self.running.remove(&exec) {
            e.report.outcome = failed(ErrorKind::Aborted, message);
            e.report.finished_at_ms = self.clock.now_ms();
            self.finished.push(e.report);
        }
    }
    fn take_finished(&mut self) -> Vec<ExecutionReport> {
        std::mem::take(&mut self.finished)
    }
    fn is_poisoned(&self) -> bool {
        false
    }
}

/// Makes [`Fake`]s playing one plan, counting how many it made.
struct Fakes {
    plan: Plan,
    made: Rc<RefCell<u32>>,
}

impl RuntimeFactory for Fakes {
    fn create(
        &mut self,
        _source: &ActionSource,
        clock: &Clock,
        _config: InstanceConfig,
    ) -> Result<Box<dyn Runtime>, String> {
        *self.made.borrow_mut() += 1;
        Ok(Box::new(Fake {
            plan: self.plan.clone(),
            clock: clock.clone(),
            next_exec: 0,
            next_op: 0,
            running: BTreeMap::new(),
            ops: Vec::new(),
            finished: Vec::new(),
        }))
    }
}

/// What the observer saw of one execution.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    login: u64,
    instance: u32,
    phase: Phase,
    started: i64,
    ended: i64,
    outcome: &'static str,
    cache_after: Vec<String>,
    http: Vec<(String, Option<u16>)>,
}

#[derive(Default)]
struct Log(Vec<Seen>);

impl ExecutionObserver for Log {
    fn execution_ended(&mut self, e: EndedExecution<'_>) {
        self.0.push(Seen {
            login: e.login,
            instance: e.instance,
            phase: e.phase,
            started: e.report.started_at_ms,
            ended: e.report.finished_at_ms,
            outcome: match &e.report.outcome {
                Outcome::Failed { .. } => "failed",
                Outcome::Completed {
                    redirect: Some(_), ..
                } => "redirect",
                Outcome::Completed { .. } => "completed",
            },
            cache_after: e.cache_after.iter().map(|c| c.key.clone()).collect(),
            http: e.http.iter().map(|h| (h.url.clone(), h.status)).collect(),
        });
    }
}

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// A scenario of `instances` instances, `logins` logins one second apart.
fn scenario(instances: u32, logins: u64, resume: Policy) -> Scenario {
    Scenario {
        path: PathBuf::from("fake.toml"),
        source_text: String::new(),
        name: "fake".into(),
        description: None,
        seed: 1,
        start_ms: T0,
        duration_ms: 60_000,
        expectations: Vec::new(),
        tenant: actsim_tenant::TenantConfig::local_default(),
        actions: vec![ActionSpec {
            name: "fake.js".into(),
            source: ActionSource::new("fake.js", "// played by a fake runtime"),
            secrets: BTreeMap::new(),
            public_secrets: Default::default(),
        }],
        trigger: Trigger::PostLogin,
        instances: InstancesSpec::fixed(instances),
        placement_new: Policy::RoundRobin,
        placement_resume: resume,
        cache_mode: CacheMode::PerInstance,
        eviction: 0.0,
        evictions: Vec::new(),
        keep_failed_writes: true,
        cache_limits: CacheLimits::default(),
        traffic: TrafficSpec {
            arrivals: Arrivals::Fixed,
            rate_per_ms: 0.001,
            burst_size: 1,
            burst_every_ms: 0,
            users: 1,
            event: json!({"user": {"user_id": "auth0|u"}, "request": {}, "transaction": {"metadata": {}}}),
            max_logins: Some(logins),
            return_after: Dist::Fixed(5_000),
            abandon: 0.0,
            params: BTreeMap::new(),
            body: BTreeMap::new(),
            prompt_fields: BTreeMap::new(),
            script: None,
        },
        mocks: vec![
            actsim_sim::scenario::parse_mock_line("GET https://crm.example.com/x 200")
                .expect("a mock"),
        ],
        tenant_latency: Dist::Fixed(50),
        mock_latency: Dist::Fixed(50),
        transport: actsim_sim::Transport::InProcess,
        perturb: Default::default(),
        limits: Default::default(),
    }
}

/// Step `sc` to its end with runtimes playing `plan`; the executions seen, the trace, the
/// metrics, the number of runtimes made and of steps taken.
fn play(
    sc: &Scenario,
    plan: Plan,
) -> (Vec<Seen>, Vec<TraceEvent>, BTreeMap<String, f64>, u32, u32) {
    let made = Rc::new(RefCell::new(0));
    let mut log = Log::default();
    let mut sink = CollectingSink::default();
    let mut steps = 0;
    let report = {
        let mut sim = Simulation::new(sc, &RunOptions::default(), &mut sink)
            .expect("starts")
            .with_runtimes(Box::new(Fakes {
                plan,
                made: made.clone(),
            }))
            .with_observer(&mut log);
        while sim.step() {
            steps += 1;
        }
        assert!(!sim.step(), "an ended simulation stays ended");
        sim.finish()
    };
    let made = *made.borrow();
    (log.0, sink.events, report.metrics, made, steps)
}

fn plan(execute: Vec<Step>, resume: Vec<Step>) -> Plan {
    Plan { execute, resume }
}

#[test]
fn new_logins_are_placed_round_robin_and_each_instance_makes_one_runtime() {
    let sc = scenario(3, 4, Policy::Sticky);
    let (seen, trace, metrics, made, steps) = play(&sc, plan(vec![Step::Sleep(10)], vec![]));
    let instances: Vec<u32> = seen.iter().map(|s| s.instance).collect();
    assert_eq!(instances, vec![1, 2, 3, 1]);
    assert_eq!(made, 3, "one runtime per instance, reused by the 4th login");
    assert_eq!(metrics["logins.completed"], 4.0);
    assert!(seen.iter().all(|s| s.ended == s.started + 10));
    assert_eq!(
        seen.iter().map(|s| s.started).collect::<Vec<_>>(),
        vec![T0, T0 + 1000, T0 + 2000, T0 + 3000]
    );
    // 1 start + 4 arrivals + 4 timers at least; the trace ends once.
    assert!(steps >= 9, "{steps}");
    assert_eq!(
        trace
            .iter()
            .filter(|e| matches!(e, TraceEvent::End { .. }))
            .count(),
        1
    );
}

#[test]
fn a_resume_elsewhere_misses_what_the_first_instance_cached() {
    let flow = plan(vec![Step::Set("k"), Step::Redirect], vec![Step::Get("k")]);
    let adversarial = scenario(2, 1, Policy::Adversarial);
    let (seen, trace, metrics, _, _) = play(&adversarial, flow.clone());
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].instance, seen[0].outcome), (1, "redirect"));
    assert_eq!((seen[1].instance, seen[1].phase), (2, Phase::Continue));
    assert_eq!(seen[1].started, seen[0].ended + 5_000, "return_after");
    assert_eq!(metrics["resumed_elsewhere"], 1.0);
    assert_eq!(metrics["cache.misses.onContinuePostLogin"], 1.0);
    assert_eq!(metrics["warnings.missed_after_resume"], 1.0);
    assert!(trace.iter().any(|e| matches!(
        e,
        TraceEvent::Resume {
            from: 1,
            to: 2,
            elsewhere: true,
            ..
        }
    )));

    let sticky = scenario(2, 1, Policy::Sticky);
    let (seen, _, metrics, _, _) = play(&sticky, flow.clone());
    assert_eq!(seen[1].instance, 1);
    assert_eq!(metrics["resumed_elsewhere"], 0.0);
    assert_eq!(metrics["cache.hits.onContinuePostLogin"], 1.0);

    let fresh = scenario(1, 1, Policy::Fresh);
    let (seen, _, metrics, made, _) = play(&fresh, flow);
    assert_eq!(seen[1].instance, 2, "a new instance beyond instances.max");
    assert_eq!(made, 2);
    assert_eq!(metrics["instances.created"], 2.0);
    assert_eq!(metrics["cache.misses.onContinuePostLogin"], 1.0);
}

#[test]
fn an_execution_that_never_settles_is_aborted_at_its_20_s_budget() {
    let sc = scenario(1, 1, Policy::Sticky);
    let (seen, _, metrics, _, _) = play(&sc, plan(vec![Step::Sleep(5), Step::Hang], vec![]));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].outcome, "failed");
    assert_eq!(seen[0].ended, seen[0].started + 20_000);
    assert_eq!(metrics["errors.aborted"], 1.0);
    assert_eq!(metrics["logins.failed"], 1.0);
}

#[test]
fn a_failed_execution_s_writes_are_rolled_back_only_when_configured() {
    let flow = plan(vec![Step::Set("k"), Step::Sleep(1), Step::Throw], vec![]);
    let mut sc = scenario(1, 1, Policy::Sticky);
    let (kept, ..) = play(&sc, flow.clone());
    assert_eq!(kept[0].outcome, "failed");
    assert_eq!(kept[0].cache_after, vec!["k".to_string()]);
    sc.keep_failed_writes = false;
    let (rolled_back, _, metrics, _, _) = play(&sc, flow);
    assert_eq!(rolled_back[0].cache_after, Vec::<String>::new());
    assert_eq!(metrics["cache.sets"], 1.0, "the write itself happened");
}

#[test]
fn fetches_go_through_the_network_and_are_counted_by_route() {
    let sc = scenario(1, 2, Policy::Sticky);
    let flow = plan(
        vec![
            Step::Fetch("https://crm.example.com/x"),
            Step::Fetch("https://unknown.example.com/y"),
        ],
        vec![],
    );
    let (seen, _, metrics, _, _) = play(&sc, flow);
    assert_eq!(
        seen[0].http,
        vec![
            ("https://crm.example.com/x".to_string(), Some(200)),
            ("https://unknown.example.com/y".to_string(), None),
        ]
    );
    assert_eq!(
        seen[0].ended,
        seen[0].started + 50,
        "mock latency, then an immediate error"
    );
    assert_eq!(metrics["http.route.GET:crm.example.com/x.200"], 2.0);
    assert_eq!(metrics["http.route.GET:crm.example.com/x.2xx"], 2.0);
    assert_eq!(metrics["http.route.GET:crm.example.com/x.5xx"], 0.0);
    assert_eq!(metrics["http.errors"], 2.0);
}

#[test]
fn scripted_arrivals_start_each_login_after_the_previous_one_ended() {
    let mut sc = scenario(1, 3, Policy::Sticky);
    sc.traffic.script = Some(vec![1_000, 60_000]);
    sc.duration_ms = i64::MAX / 4;
    let (seen, _, metrics, _, _) = play(&sc, plan(vec![Step::Sleep(300)], vec![]));
    let starts: Vec<i64> = seen.iter().map(|s| s.started).collect();
    assert_eq!(
        starts,
        vec![T0, T0 + 300 + 1_000, T0 + 300 + 1_000 + 300 + 60_000]
    );
    assert_eq!(metrics["logins"], 3.0);
}
