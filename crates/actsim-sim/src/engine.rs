//! The discrete-event loop. One thread, one virtual clock, one queue ordered by (time, sequence):
//! each step pops the earliest event (an arrival, a host operation completing, a timer, a user
//! coming back from a redirect, a timeout, an instance recycle or kill), runs the JavaScript it
//! unblocks until that is idle, and records what happened. Every random choice comes from
//! streams derived from the scenario's seed, so a run replays exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use actsim_cache::{CacheRecord, CacheStore};
use actsim_js::{
    ActionSource, Clock, ExecId, ExecutionReport, ExecutionSpec, HostOpKind, Instance,
    InstanceConfig, OpId, OpResult, Outcome, Phase, PreparedEvent, SeededRng, SharedCache, Trigger,
};
use actsim_tenant::Tenant;
use serde_json::Value;

use crate::metrics::{error_kind_name, Metrics};
use crate::network::{Network, Transport};
use crate::pool::{Placer, SimInstance};
use crate::report::{build_report, Highlight, RunResults, SimReport};
use crate::scenario::{Arrivals, CacheMode, Scenario};
use crate::trace::{TraceEvent, TraceSink};
use crate::values::exponential;
use crate::warnings::{Detector, Warning};

/// Production's per-execution budget, separately before and after a redirect.
pub const EXECUTION_BUDGET_MS: i64 = 20_000;
/// Production's limit on an interactive login transaction.
pub const TRANSACTION_LIFETIME_MS: i64 = 3_600_000;
/// How long after the traffic ends in-flight flows may still finish.
pub const DRAIN_LIMIT_MS: i64 = 2 * TRANSACTION_LIFETIME_MS;

/// Options that are not part of the scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// CPU budget per execution (wall-clock guard against endless loops); default 20 s.
    pub cpu_budget: Option<Duration>,
    /// Overrides the scenario's transport to the tenant.
    pub transport: Option<Transport>,
}

/// Run `scenario`, sending trace events to `sink`, and report metrics and expectations.
/// Fails only when the HTTP transport cannot start its local server.
pub fn simulate(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &mut dyn TraceSink,
) -> std::io::Result<SimReport> {
    let mut sim = Sim::new(scenario, options, sink)?;
    sim.run();
    Ok(sim.finish())
}

/// The seed of stream `stream`, derived from the run's seed.
fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut rng = SeededRng::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next_u64()
}

#[derive(Debug)]
enum Event {
    Arrival,
    Start {
        login: u64,
    },
    HostOp {
        inst: usize,
        action: usize,
        op: OpId,
        result: OpResult,
    },
    UserReturns {
        login: u64,
    },
    Timeout {
        login: u64,
        segment: u64,
    },
    Recycle {
        inst: usize,
        reason: &'static str,
    },
    IdleCheck {
        inst: usize,
        token: u64,
    },
    Kill {
        number: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlowState {
    Running,
    AtRedirect,
}

struct Flow {
    event: PreparedEvent,
    action: usize,
    phase: Phase,
    instance: usize,
    state: FlowState,
    arrived_at: i64,
    segment: u64,
    segment_started: i64,
    active_ms: i64,
    yielded_on: Option<usize>,
    resume_number: u32,
    /// Cache records as they were before the running execution wrote them (for rollback).
    snapshot: Option<BTreeMap<String, Option<CacheRecord>>>,
}

struct Sim<'a, 'b> {
    sc: &'a Scenario,
    /// Each action's secrets, shared by all its executions.
    secrets: Vec<actsim_js::Secrets>,
    seed: u64,
    cpu_budget: Duration,
    clock: Clock,
    queue: BTreeMap<(i64, u64), Event>,
    seq: u64,
    rng_arrivals: SeededRng,
    rng_place: SeededRng,
    rng_net: SeededRng,
    rng_users: SeededRng,
    rng_cache: SeededRng,
    rng_life: SeededRng,
    instances: Vec<SimInstance>,
    shared_cache: Option<SharedCache>,
    flows: BTreeMap<u64, Flow>,
    running: BTreeMap<(usize, usize, ExecId), u64>,
    network: Network,
    metrics: Metrics,
    highlights: Vec<Highlight>,
    sink: &'b mut dyn TraceSink,
    /// Whether `sink` keeps events (the frequent ones are not built otherwise).
    tracing: bool,
    placer: Placer,
    detector: Detector,
    /// Kinds of warning already in the highlights.
    warned_kinds: std::collections::BTreeSet<crate::warnings::WarningKind>,
    user_last_instance: BTreeMap<u32, usize>,
    next_login: u64,
    end_ms: i64,
    users: Vec<Value>,
    /// The traffic template prepared for JavaScript, and each user's event built from it when
    /// that user first logs in (serialised once, shared by all their executions).
    template_event: PreparedEvent,
    user_events: Vec<Option<PreparedEvent>>,
}

impl<'a, 'b> Sim<'a, 'b> {
    fn new(
        sc: &'a Scenario,
        options: &RunOptions,
        sink: &'b mut dyn TraceSink,
    ) -> std::io::Result<Self> {
        let seed = options.seed.unwrap_or(sc.seed);
        let users: Vec<Value> = (0..sc.traffic.users)
            .map(|i| user_for(&sc.traffic.event, i))
            .collect();
        let mut tenant_config = sc.tenant.clone();
        let mut known: std::collections::BTreeSet<String> = tenant_config
            .users
            .iter()
            .filter_map(|x| x.get("user_id").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        for u in &users {
            let id = u.get("user_id").and_then(Value::as_str).unwrap_or_default();
            if known.insert(id.to_string()) {
                tenant_config.users.push(u.clone());
            }
        }
        let tenant = Tenant::new(tenant_config)
            .or_else(|_| Tenant::new(sc.tenant.clone()))
            .expect("the scenario's tenant was validated");
        let transport = options.transport.unwrap_or(sc.transport);
        let network = Network::new(
            tenant,
            transport,
            sc.start_ms,
            sc.tenant_latency.clone(),
            sc.mocks.clone(),
            sc.mock_latency.clone(),
        )?;
        let shared_cache = (sc.cache_mode == CacheMode::Shared).then(|| {
            std::rc::Rc::new(std::cell::RefCell::new(CacheStore::new(
                sc.cache_limits.clone(),
            )))
        });
        Ok(Sim {
            secrets: scenario_secrets(sc),
            sc,
            seed,
            cpu_budget: options.cpu_budget.unwrap_or(Duration::from_secs(20)),
            clock: Clock::new(sc.start_ms),
            queue: BTreeMap::new(),
            seq: 0,
            rng_arrivals: SeededRng::new(derive_seed(seed, 1)),
            rng_place: SeededRng::new(derive_seed(seed, 2)),
            rng_net: SeededRng::new(derive_seed(seed, 3)),
            rng_users: SeededRng::new(derive_seed(seed, 4)),
            rng_cache: SeededRng::new(derive_seed(seed, 5)),
            rng_life: SeededRng::new(derive_seed(seed, 6)),
            instances: Vec::new(),
            shared_cache,
            flows: BTreeMap::new(),
            running: BTreeMap::new(),
            network,
            metrics: Metrics::default(),
            highlights: Vec::new(),
            tracing: sink.enabled(),
            sink,
            placer: Placer::new(),
            detector: Detector::new(sc.cache_limits.clone()),
            warned_kinds: Default::default(),
            user_last_instance: BTreeMap::new(),
            next_login: 0,
            end_ms: sc.start_ms + sc.duration_ms,
            user_events: vec![None; users.len()],
            users,
            template_event: if sc.trigger.info().transaction_metadata {
                PreparedEvent::new(&sc.traffic.event).with_transaction_metadata()
            } else {
                PreparedEvent::new(&sc.traffic.event)
            },
        })
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    fn schedule(&mut self, at: i64, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn emit(&mut self, event: TraceEvent) {
        self.sink.emit(&event);
    }

    fn emit_warning(&mut self, w: Warning) {
        if self.warned_kinds.insert(w.kind) {
            self.highlight(format!("warning ({}): {}", w.kind.as_str(), w.message));
        }
        self.emit(TraceEvent::Warning {
            t: w.t,
            kind: w.kind,
            login: w.login,
            instance: w.instance,
            message: w.message,
            fix: w.fix,
        });
    }

    fn highlight(&mut self, text: String) {
        if self.highlights.len() < 40 {
            let t = self.now();
            self.highlights.push(Highlight { t, text });
        }
    }

    fn run(&mut self) {
        let t0 = self.now();
        self.emit(TraceEvent::Start {
            t: t0,
            scenario: self.sc.name.clone(),
            seed: self.seed,
        });
        for _ in 0..self.sc.instances.min {
            self.create_instance("initial");
        }
        for &(at, number) in &self.sc.instances.kills.clone() {
            self.schedule(t0 + at, Event::Kill { number });
        }
        let first = match self.sc.traffic.arrivals {
            Arrivals::Poisson => {
                t0 + exponential(&mut self.rng_arrivals, 1.0 / self.sc.traffic.rate_per_ms) as i64
            }
            Arrivals::Fixed | Arrivals::Bursts => t0,
        };
        self.schedule(first, Event::Arrival);
        while let Some(((at, _), event)) = self.queue.pop_first() {
            if at > self.end_ms && (self.flows.is_empty() || at > self.end_ms + DRAIN_LIMIT_MS) {
                break;
            }
            self.clock.set(at.max(self.now()));
            self.handle(event);
        }
        self.metrics.logins_unfinished = self.flows.len() as u64;
        let end = self.now().max(self.end_ms);
        self.emit(TraceEvent::End { t: end });
    }

    fn finish(self) -> SimReport {
        build_report(
            self.sc,
            self.seed,
            RunResults {
                metrics: &self.metrics,
                ledger: self.network.ledger_summary(),
                instances: &self.instances,
                highlights: self.highlights,
                warnings: self.detector.summaries(),
                end_ms: self.end_ms,
            },
        )
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival => self.arrival(),
            Event::Start { login } => self.start_current(login),
            Event::HostOp {
                inst,
                action,
                op,
                result,
            } => {
                if let Some(rt) = self.instances[inst].runtimes[action].as_mut() {
                    if rt.is_pending(op) {
                        rt.complete(op, result);
                        self.pump(inst, action);
                    }
                }
            }
            Event::UserReturns { login } => self.user_returns(login),
            Event::Timeout { login, segment } => self.timeout(login, segment),
            Event::Recycle { inst, reason } => self.retire(inst, reason),
            Event::IdleCheck { inst, token } => {
                let i = &self.instances[inst];
                if i.alive && !i.retiring && i.idle_token == token && i.active == 0 {
                    self.retire(inst, "idle");
                }
            }
            Event::Kill { number } => self.kill(number),
        }
    }

    // ------------------------------------------------------------------ instances

    fn create_instance(&mut self, reason: &'static str) -> usize {
        let number = self.instances.len() as u32 + 1;
        let now = self.now();
        let inst = SimInstance::new(
            number,
            now,
            self.sc.actions.len(),
            CacheStore::new(self.sc.cache_limits.clone()),
        );
        self.instances.push(inst);
        let index = self.instances.len() - 1;
        self.metrics.instances_created += 1;
        self.emit(TraceEvent::InstanceUp {
            t: now,
            instance: number,
            reason,
        });
        if let Some(max_age) = self.sc.instances.max_age_ms {
            let jitter = self.sc.instances.recycle_jitter_ms;
            let cut = if jitter > 0 {
                (self.rng_life.next_u64() % (jitter as u64 + 1)) as i64
            } else {
                0
            };
            self.schedule(
                now + (max_age - cut).max(1),
                Event::Recycle {
                    inst: index,
                    reason: "max_age",
                },
            );
        }
        index
    }

    fn placeable(&self) -> Vec<usize> {
        self.instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.placeable())
            .map(|(n, _)| n)
            .collect()
    }

    /// Keep at least `min` instances up.
    fn replenish(&mut self) {
        while self.placeable().len() < self.sc.instances.min as usize {
            self.create_instance("replacement");
        }
    }

    fn retire(&mut self, inst: usize, reason: &'static str) {
        if !self.instances[inst].alive || self.instances[inst].retiring {
            return;
        }
        self.instances[inst].retiring = true;
        self.instances[inst].retire_reason = reason;
        self.replenish();
        if self.instances[inst].active == 0 {
            self.take_down(inst, reason);
        }
    }

    fn take_down(&mut self, inst: usize, reason: &'static str) {
        let now = self.now();
        let i = &mut self.instances[inst];
        if !i.alive {
            return;
        }
        i.alive = false;
        i.runtimes.iter_mut().for_each(|r| *r = None);
        i.ended = Some((now, reason));
        let number = i.number;
        if reason == "killed" {
            self.metrics.instances_killed += 1;
        } else {
            self.metrics.instances_recycled += 1;
        }
        self.emit(TraceEvent::InstanceDown {
            t: now,
            instance: number,
            reason,
        });
        self.replenish();
    }

    fn kill(&mut self, number: u32) {
        let Some(inst) = self
            .instances
            .iter()
            .position(|i| i.number == number && i.alive)
        else {
            self.highlight(format!(
                "scripted kill of instance {number} skipped: it is not running"
            ));
            return;
        };
        self.highlight(format!(
            "instance {number} killed (scripted): its cache and module state are gone"
        ));
        let victims: Vec<(usize, usize, ExecId)> = self
            .running
            .keys()
            .copied()
            .filter(|(i, _, _)| *i == inst)
            .collect();
        for (i, action, exec) in victims {
            if let Some(rt) = self.instances[i].runtimes[action].as_mut() {
                rt.abort(exec, "the instance was killed while the execution ran");
            }
            self.collect(i, action);
        }
        self.instances[inst].retiring = true;
        self.take_down(inst, "killed");
    }

    fn place(&mut self, policy: crate::scenario::Policy, preferred: Option<usize>) -> usize {
        let mut candidates = self.placeable();
        let scale_at = self.sc.instances.scale_out_at;
        let all_busy = candidates
            .iter()
            .all(|&i| self.instances[i].active >= scale_at);
        if (candidates.is_empty() || all_busy) && candidates.len() < self.sc.instances.max as usize
        {
            let new = self.create_instance("scale_out");
            if !candidates.is_empty() {
                return new;
            }
            candidates = vec![new];
        }
        let instances = &self.instances;
        self.placer.choose(
            policy,
            &candidates,
            preferred,
            |i| instances[i].active,
            &mut self.rng_place,
        )
    }

    fn runtime(&mut self, inst: usize, action: usize) -> Result<&mut Instance, String> {
        if self.instances[inst].runtimes[action].is_none() {
            let number = self.instances[inst].number;
            let config = InstanceConfig {
                seed: derive_seed(self.seed, 1_000 + u64::from(number) * 64 + action as u64),
                cpu_budget: self.cpu_budget,
                ..InstanceConfig::default()
            };
            let source: ActionSource = self.sc.actions[action].source.clone();
            let rt =
                Instance::new(source, self.clock.clone(), config).map_err(|e| e.to_string())?;
            self.instances[inst].runtimes[action] = Some(rt);
        }
        Ok(self.instances[inst].runtimes[action]
            .as_mut()
            .expect("just created"))
    }

    fn cache_for(&self, inst: usize) -> SharedCache {
        match &self.shared_cache {
            Some(c) => c.clone(),
            None => self.instances[inst].cache.clone(),
        }
    }

    // ------------------------------------------------------------------ flows

    fn arrival(&mut self) {
        let now = self.now();
        let t = &self.sc.traffic;
        let limit_reached = t.max_logins.is_some_and(|m| self.next_login >= m);
        if now >= self.end_ms || limit_reached {
            return;
        }
        let batch = if t.arrivals == Arrivals::Bursts {
            t.burst_size
        } else {
            1
        };
        for _ in 0..batch {
            if t.max_logins.is_some_and(|m| self.next_login >= m) {
                break;
            }
            self.new_login();
        }
        let next = match t.arrivals {
            Arrivals::Fixed => now + ((1.0 / t.rate_per_ms).round() as i64).max(1),
            Arrivals::Poisson => {
                now + (exponential(&mut self.rng_arrivals, 1.0 / t.rate_per_ms) as i64).max(0)
            }
            Arrivals::Bursts => now + t.burst_every_ms,
        };
        if next < self.end_ms {
            self.schedule(next, Event::Arrival);
        }
    }

    fn new_login(&mut self) {
        self.next_login += 1;
        let login = self.next_login;
        let now = self.now();
        let user = (self.rng_users.next_u64() % u64::from(self.sc.traffic.users)) as u32;
        self.metrics.logins += 1;
        if self.tracing {
            self.emit(TraceEvent::Arrival {
                t: now,
                login,
                user: user + 1,
            });
        }
        let preferred = self.user_last_instance.get(&user).copied();
        let inst = self.place(self.sc.placement_new, preferred);
        self.user_last_instance.insert(user, inst);
        let event = self.event_for(user as usize);
        self.flows.insert(
            login,
            Flow {
                event,
                action: 0,
                phase: Phase::Execute,
                instance: inst,
                state: FlowState::Running,
                arrived_at: now,
                segment: 0,
                segment_started: now,
                active_ms: 0,
                yielded_on: None,
                resume_number: 0,
                snapshot: None,
            },
        );
        self.start_segment(login);
    }

    /// The event of `user`'s logins (post-login events carry the user; other triggers' do not).
    fn event_for(&mut self, user: usize) -> PreparedEvent {
        if self.sc.trigger != Trigger::PostLogin {
            return self.template_event.clone();
        }
        if let Some(event) = &self.user_events[user] {
            return event.clone();
        }
        let event = self.template_event.with_field("user", &self.users[user]);
        self.user_events[user] = Some(event.clone());
        event
    }

    /// A new execution budget: at arrival and after each resume.
    fn start_segment(&mut self, login: u64) {
        let now = self.now();
        let flow = self.flows.get_mut(&login).expect("flow exists");
        flow.segment += 1;
        flow.segment_started = now;
        flow.state = FlowState::Running;
        let segment = flow.segment;
        self.schedule(now + EXECUTION_BUDGET_MS, Event::Timeout { login, segment });
        self.start_current(login);
    }

    /// Start the flow's current action on its instance (after the cold start, if any).
    fn start_current(&mut self, login: u64) {
        let now = self.now();
        let Some(flow) = self.flows.get(&login) else {
            return;
        };
        let mut inst = flow.instance;
        if !self.instances[inst].alive {
            inst = self.place(self.sc.placement_new, None);
            self.flows.get_mut(&login).expect("flow exists").instance = inst;
        }
        let instance = &mut self.instances[inst];
        if !instance.used {
            instance.used = true;
            let delay = self.sc.instances.cold_start.sample(&mut self.rng_life);
            instance.ready_at = now + delay;
            self.metrics.cold_starts += 1;
        }
        if self.instances[inst].ready_at > now {
            let at = self.instances[inst].ready_at;
            self.schedule(at, Event::Start { login });
            return;
        }
        let flow = self.flows.get(&login).expect("flow exists");
        let (action, phase) = (flow.action, flow.phase);
        let event = flow.event.clone();
        let cold = self.instances[inst].runtimes[action].is_none();
        let cache = self.cache_for(inst);
        self.apply_eviction(inst, &cache);
        if !self.sc.keep_failed_writes {
            let snapshot: BTreeMap<String, Option<CacheRecord>> = cache
                .borrow()
                .live_entries(i64::MIN)
                .into_iter()
                .map(|(k, r)| (k, Some(r)))
                .collect();
            self.flows.get_mut(&login).expect("flow exists").snapshot = Some(snapshot);
        }
        let spec = ExecutionSpec {
            trigger: self.sc.trigger,
            phase,
            event,
            secrets: self.secrets[action].clone(),
            cache,
        };
        let handler = self
            .sc
            .trigger
            .handler_name(phase)
            .unwrap_or("?")
            .to_string();
        let exec = match self
            .runtime(inst, action)
            .and_then(|rt| rt.start(spec).map_err(|e| e.to_string()))
        {
            Ok(id) => id,
            Err(e) => {
                self.highlight(format!("login {login}: could not start: {e}"));
                self.end_flow(login, "failed");
                return;
            }
        };
        self.running.insert((inst, action, exec), login);
        let number = self.instances[inst].number;
        self.instances[inst].active += 1;
        self.metrics.executions += 1;
        self.metrics
            .per_instance
            .entry(number)
            .or_default()
            .executions += 1;
        if self.tracing {
            let name = self.sc.actions[action].name.clone();
            self.emit(TraceEvent::ExecStart {
                t: now,
                login,
                instance: number,
                action: name,
                handler,
                cold,
            });
        }
        self.pump(inst, action);
    }

    /// Eviction pressure: each live record may have vanished before this execution reads it.
    fn apply_eviction(&mut self, inst: usize, cache: &SharedCache) {
        if self.sc.eviction <= 0.0 {
            return;
        }
        let now = self.now();
        let keys: Vec<String> = cache
            .borrow()
            .live_entries(now)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for key in keys {
            if self.rng_cache.next_f64() < self.sc.eviction {
                cache.borrow_mut().evict(&key);
                self.metrics.cache_evictions += 1;
                let number = self.instances[inst].number;
                self.emit(TraceEvent::Evicted {
                    t: now,
                    instance: number,
                    key,
                });
            }
        }
    }

    /// Schedule what a runtime now waits for and handle executions that ended.
    fn pump(&mut self, inst: usize, action: usize) {
        let now = self.now();
        let ops = match self.instances[inst].runtimes[action].as_mut() {
            Some(rt) => rt.take_ops(),
            None => return,
        };
        let number = self.instances[inst].number;
        for op in ops {
            match op.kind {
                HostOpKind::Timer { delay_ms } => {
                    self.schedule(
                        now + delay_ms,
                        Event::HostOp {
                            inst,
                            action,
                            op: op.id,
                            result: OpResult::TimerFired,
                        },
                    );
                }
                HostOpKind::Fetch(req) => {
                    let routed = self.network.route(&req, now, &mut self.rng_net);
                    let login = op
                        .exec_id
                        .and_then(|e| self.running.get(&(inst, action, e)).copied());
                    let (status, error) = match &routed.result {
                        OpResult::Fetch(r) => (Some(r.status), None),
                        OpResult::NetworkError(m) => (None, Some(m.clone())),
                        OpResult::TimerFired => (None, None),
                    };
                    match status {
                        Some(s) => {
                            *self
                                .metrics
                                .http
                                .entry(format!("{}.{s}", routed.upstream))
                                .or_default() += 1
                        }
                        None => self.metrics.http_errors += 1,
                    }
                    if let OpResult::Fetch(r) = &routed.result {
                        if routed.upstream == "tenant"
                            && r.status == 200
                            && req.url.contains("/oauth/token")
                        {
                            self.detector.token_response(number, &r.body);
                        }
                    }
                    if let Some((client, audience, exp)) = routed
                        .token_issued
                        .and_then(|n| self.network.issued_token(n))
                    {
                        if let Some(w) = self
                            .detector
                            .token_issued(now, number, login, &client, &audience, exp)
                        {
                            self.emit_warning(w);
                        }
                    }
                    if let Some(n) = routed.token_issued {
                        self.metrics
                            .per_instance
                            .entry(number)
                            .or_default()
                            .tokens_issued += 1;
                        if n == 1 {
                            self.highlight(format!("first token issued (instance {number})"));
                        }
                    }
                    if status == Some(401)
                        && routed.upstream == "tenant"
                        && !req.url.contains("/oauth/token")
                    {
                        let first = self.metrics.http.get("tenant.401").copied() == Some(1);
                        if first {
                            self.highlight(format!("first 401 from the Management API (instance {number}): a cached token outlived its exp?"));
                        }
                    }
                    self.emit(TraceEvent::Http {
                        t: now,
                        login,
                        instance: number,
                        method: req.method.clone(),
                        url: req.url.clone(),
                        upstream: routed.upstream.clone(),
                        status,
                        error,
                        latency_ms: routed.latency_ms,
                        token_issued: routed.token_issued,
                    });
                    self.schedule(
                        now + routed.latency_ms,
                        Event::HostOp {
                            inst,
                            action,
                            op: op.id,
                            result: routed.result,
                        },
                    );
                }
            }
        }
        self.collect(inst, action);
    }

    fn collect(&mut self, inst: usize, action: usize) {
        let reports = match self.instances[inst].runtimes[action].as_mut() {
            Some(rt) => rt.take_finished(),
            None => return,
        };
        for report in reports {
            self.exec_ended(inst, action, report);
        }
        let poisoned = self.instances[inst].runtimes[action]
            .as_ref()
            .is_some_and(|r| r.is_poisoned());
        let busy = self
            .running
            .keys()
            .any(|(i, a, _)| *i == inst && *a == action);
        if poisoned && !busy {
            self.instances[inst].runtimes[action] = None;
        }
    }

    fn exec_ended(&mut self, inst: usize, action: usize, report: ExecutionReport) {
        let now = self.now();
        let Some(login) = self.running.remove(&(inst, action, report.exec_id)) else {
            return;
        };
        let number = self.instances[inst].number;
        {
            let i = &mut self.instances[inst];
            i.active = i.active.saturating_sub(1);
            i.last_activity = now;
            i.idle_token += 1;
        }
        if let Some(idle) = self.sc.instances.idle_timeout_ms {
            let token = self.instances[inst].idle_token;
            self.schedule(now + idle, Event::IdleCheck { inst, token });
        }
        self.metrics.count_execution(number, &report);
        let total = self.cache_for(inst).borrow().total_bytes(now);
        for w in self.detector.execution(number, Some(login), &report, total) {
            self.emit_warning(w);
        }
        if self.tracing {
            for op in &report.cache_ops {
                let kind = match op.op {
                    actsim_js::CacheOpKind::Get => "get",
                    actsim_js::CacheOpKind::Set => "set",
                    actsim_js::CacheOpKind::Delete => "delete",
                };
                self.sink.emit(&TraceEvent::Cache {
                    t: op.at_ms,
                    login,
                    instance: number,
                    op: kind.into(),
                    key: op.key.clone(),
                    result: op.result.clone(),
                });
            }
            for line in &report.console {
                self.sink.emit(&TraceEvent::Console {
                    t: line.at_ms,
                    login,
                    instance: number,
                    level: line.level.clone(),
                    text: line.text.clone(),
                });
            }
        }
        let (outcome, error_kind, message) = match &report.outcome {
            Outcome::Failed { error } => (
                "failed",
                Some(error_kind_name(error.kind)),
                Some(error.message.clone()),
            ),
            Outcome::Completed { denied: true, .. } => ("denied", None, None),
            Outcome::Completed {
                redirect: Some(_), ..
            } => ("redirect", None, None),
            Outcome::Completed { .. } => ("completed", None, None),
        };
        if self.tracing {
            let action_name = self.sc.actions[action].name.clone();
            self.emit(TraceEvent::ExecEnd {
                t: now,
                login,
                instance: number,
                action: action_name,
                outcome,
                error_kind,
                message: message.clone(),
            });
        }
        if let (Some(kind), Some(message)) = (&report.error().map(|e| e.kind), &message) {
            let first = self
                .metrics
                .errors_by_kind
                .get(&error_kind_name(*kind))
                .copied()
                == Some(1);
            if first {
                self.highlight(format!(
                    "first {} error (login {login}, instance {number}): {message}",
                    error_kind_name(*kind)
                ));
            }
        }
        if self.instances[inst].retiring && self.instances[inst].active == 0 {
            let reason = self.instances[inst].retire_reason;
            self.take_down(inst, reason);
        }
        self.advance_flow(login, inst, report);
    }

    fn advance_flow(&mut self, login: u64, inst: usize, report: ExecutionReport) {
        let now = self.now();
        let number = self.instances[inst].number;
        let Some(flow) = self.flows.get_mut(&login) else {
            return;
        };
        let snapshot = flow.snapshot.take();
        apply_transaction_metadata(&mut flow.event, &report);
        match report.outcome {
            Outcome::Failed { .. } => {
                if let Some(snapshot) = snapshot {
                    self.rollback(inst, &report, snapshot);
                }
                self.end_flow(login, "failed");
            }
            Outcome::Completed { denied: true, .. } => {
                self.metrics.denies += 1;
                self.end_flow(login, "denied");
            }
            Outcome::Completed {
                redirect: Some(redirect),
                ..
            } if self.sc.trigger.info().can_redirect => {
                self.metrics.redirects += 1;
                flow.active_ms += now - flow.segment_started;
                flow.state = FlowState::AtRedirect;
                flow.yielded_on = Some(inst);
                self.emit(TraceEvent::Redirect {
                    t: now,
                    login,
                    instance: number,
                    url: redirect.url,
                });
                if self.rng_users.next_f64() < self.sc.traffic.abandon {
                    self.emit(TraceEvent::Abandon { t: now, login });
                    self.end_flow(login, "abandoned");
                } else {
                    let delay = self.sc.traffic.return_after.sample(&mut self.rng_users);
                    self.schedule(now + delay, Event::UserReturns { login });
                }
            }
            Outcome::Completed { .. } => {
                flow.action += 1;
                flow.phase = Phase::Execute;
                if flow.action < self.sc.actions.len() {
                    self.start_current(login);
                } else {
                    self.end_flow(login, "ok");
                }
            }
        }
    }

    /// Undo the cache writes of a failed execution (scenario option keep_failed_writes = false).
    fn rollback(
        &mut self,
        inst: usize,
        report: &ExecutionReport,
        snapshot: BTreeMap<String, Option<CacheRecord>>,
    ) {
        let cache = self.cache_for(inst);
        for op in report
            .cache_ops
            .iter()
            .filter(|o| o.result == "success" && o.op != actsim_js::CacheOpKind::Get)
        {
            let before = snapshot.get(&op.key).cloned().flatten();
            cache.borrow_mut().restore(&op.key, before);
        }
    }

    fn user_returns(&mut self, login: u64) {
        let now = self.now();
        let Some(flow) = self.flows.get(&login) else {
            return;
        };
        if flow.state != FlowState::AtRedirect {
            return;
        }
        if now - flow.arrived_at > TRANSACTION_LIFETIME_MS {
            self.highlight(format!("login {login}: the user came back after the 1-hour transaction limit (invalid_request)"));
            self.end_flow(login, "expired");
            return;
        }
        let from = flow.yielded_on.unwrap_or(flow.instance);
        self.metrics.continues += 1;
        let to = self.place(self.sc.placement_resume, Some(from));
        let elsewhere = to != from;
        if elsewhere {
            self.metrics.resumed_elsewhere += 1;
            if self.metrics.resumed_elsewhere == 1 {
                let (f, t) = (self.instances[from].number, self.instances[to].number);
                self.highlight(format!("login {login} resumed on instance {t} after yielding on instance {f}: a different cache"));
            }
        }
        let (from_n, to_n) = (self.instances[from].number, self.instances[to].number);
        self.emit(TraceEvent::Resume {
            t: now,
            login,
            from: from_n,
            to: to_n,
            elsewhere,
        });
        let params = self.sc.traffic.params.clone();
        let form: serde_json::Map<String, Value> = self
            .sc
            .traffic
            .body
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let flow = self.flows.get_mut(&login).expect("flow exists");
        flow.resume_number += 1;
        let mut query = serde_json::Map::new();
        query.insert(
            "state".into(),
            Value::String(format!("actsim-state-{login}-{}", flow.resume_number)),
        );
        for (k, v) in params {
            query.insert(k, Value::String(v));
        }
        let request = flow
            .event
            .field_json("request")
            .and_then(|r| serde_json::from_str::<Value>(r).ok());
        if let Some(Value::Object(mut request)) = request {
            let method = if form.is_empty() { "GET" } else { "POST" };
            request.insert("method".into(), Value::String(method.into()));
            request.insert("query".into(), Value::Object(query));
            request.insert("body".into(), Value::Object(form));
            flow.event = flow.event.with_field("request", &Value::Object(request));
        }
        flow.instance = to;
        flow.phase = Phase::Continue;
        self.start_segment(login);
    }

    fn timeout(&mut self, login: u64, segment: u64) {
        let Some(flow) = self.flows.get(&login) else {
            return;
        };
        if flow.segment != segment || flow.state != FlowState::Running {
            return;
        }
        let key = self
            .running
            .iter()
            .find(|(_, l)| **l == login)
            .map(|(k, _)| *k);
        match key {
            Some((inst, action, exec)) => {
                if let Some(rt) = self.instances[inst].runtimes[action].as_mut() {
                    rt.abort(
                        exec,
                        "the execution exceeded its 20 s budget (virtual time)",
                    );
                }
                self.collect(inst, action);
            }
            None => self.end_flow(login, "failed"),
        }
    }

    fn end_flow(&mut self, login: u64, result: &'static str) {
        let now = self.now();
        let Some(flow) = self.flows.remove(&login) else {
            return;
        };
        self.detector.login_ended(login);
        let latency = match flow.state {
            FlowState::Running => flow.active_ms + (now - flow.segment_started),
            FlowState::AtRedirect => flow.active_ms,
        };
        match result {
            "ok" => {
                self.metrics.logins_completed += 1;
                self.metrics.latencies_ms.push(latency);
            }
            "denied" => self.metrics.logins_denied += 1,
            "abandoned" => self.metrics.logins_abandoned += 1,
            "expired" => self.metrics.logins_expired += 1,
            _ => self.metrics.logins_failed += 1,
        }
        if self.tracing {
            self.emit(TraceEvent::LoginEnd {
                t: now,
                login,
                result,
                latency_ms: latency,
            });
        }
    }
}

/// Each action's secrets, to share between its executions.
fn scenario_secrets(sc: &Scenario) -> Vec<actsim_js::Secrets> {
    sc.actions
        .iter()
        .map(|a| std::rc::Rc::new(a.secrets.clone()))
        .collect()
}

/// The user with index `i`: the template's user with per-user fields.
/// Apply the execution's `api.transaction.setMetadata` calls to the flow's event, so that later
/// actions and the continue see them (as production carries transaction metadata along).
fn apply_transaction_metadata(event: &mut PreparedEvent, report: &ExecutionReport) {
    let mut calls = report
        .commands
        .iter()
        .filter(|c| c.name == "transaction.setMetadata")
        .peekable();
    if calls.peek().is_none() {
        return;
    }
    let Some(mut transaction) = event
        .field_json("transaction")
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
    else {
        return;
    };
    let Some(metadata) = transaction
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for c in calls {
        if let (Some(key), Some(value)) = (c.args.get(0).and_then(Value::as_str), c.args.get(1)) {
            if value.is_null() {
                metadata.remove(key);
            } else {
                metadata.insert(key.to_string(), value.clone());
            }
        }
    }
    *event = event.with_field("transaction", &transaction);
}

fn user_for(template: &Value, i: u32) -> Value {
    let mut user = template
        .get("user")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    if let Some(u) = user.as_object_mut() {
        let n = i + 1;
        u.insert(
            "user_id".into(),
            Value::String(format!("auth0|sim-user-{n:05}")),
        );
        u.insert(
            "email".into(),
            Value::String(format!("user{n}@example.com")),
        );
        u.insert("name".into(), Value::String(format!("Simulated User {n}")));
        u.insert("nickname".into(), Value::String(format!("user{n}")));
        u.entry("app_metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        u.entry("user_metadata")
            .or_insert_with(|| Value::Object(Default::default()));
    }
    user
}
