//! The discrete-event loop. One thread, one virtual clock, one queue ordered by (time, sequence):
//! each step pops the earliest event (an arrival, a host operation completing, a timer, a user
//! coming back from a redirect, a timeout, an instance recycle or kill), runs the JavaScript it
//! unblocks until that is idle, and records what happened. Every random choice comes from
//! streams derived from the scenario's seed, so a run replays exactly.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actsim_cache::{CacheRecord, CacheStore, SetOptions};
use actsim_js::{
    ActionSource, Clock, ExecId, ExecutionReport, ExecutionSpec, InstanceConfig, OpId, OpResult,
    Outcome, Phase, PreparedEvent, SeededRng, SharedCache,
};
use actsim_tenant::Tenant;
use serde_json::Value;

use crate::driver::{self, QuickJs, Runtime, RuntimeFactory};
use crate::network::{Network, Transport};
use crate::observer::{
    flow_label, CacheEntry, EndedExecution, ExecutionObserver, HttpExchange, IssuedToken,
};
use crate::observers::{Observers, SimEvent};
use crate::pool::{Placer, SimInstance};
use crate::queue::{EventQueue, Lane};
use crate::report::{build_report, RunResults, SimReport};
use crate::scenario::{Arrivals, CacheMode, Scenario};
use crate::trace::TraceSink;
use crate::values::exponential;
use crate::warnings::Warning;

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
    /// Limits of every runtime (memory, cache writes per execution, …); the seed is derived
    /// per instance and `cpu_budget` above wins when given. Default: production's.
    pub instance: Option<InstanceConfig>,
    /// What the first instance's cache holds and does before it runs.
    pub preload: Preload,
}

/// The first instance's cache before the run (`actsim run --cache-entry`, `fail_next_writes`).
#[derive(Clone, Debug, Default)]
pub struct Preload {
    /// Records stored (default options) at the start.
    pub entries: Vec<(String, String)>,
    /// Its next writes fail with an injected error.
    pub fail_next_writes: u32,
}

/// Run `scenario`, sending trace events to `sink`, and report metrics and expectations.
/// Fails only when the HTTP transport cannot start its local server.
pub fn simulate(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &mut dyn TraceSink,
) -> std::io::Result<SimReport> {
    let mut sim = Simulation::new(scenario, options, sink)?;
    sim.run();
    Ok(sim.finish())
}

/// The seed of stream `stream`, derived from the run's seed.
fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut rng = SeededRng::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next_u64()
}

/// A map for lookups by key that is never iterated in an order that matters (a fixed seed:
/// no OS randomness in a simulation).
type LookupMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

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
        /// Boxed: it is most of an event's size, and the queue moves events as it changes.
        result: Box<OpResult>,
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
    /// A scripted eviction: the index into the scenario's `evictions`.
    Evict {
        index: usize,
    },
    /// A random kill or recycle (`[perturb]`).
    Fault {
        recycle: bool,
    },
    /// A login whose arrival was delayed by `[perturb] arrival_jitter`.
    JitteredLogin,
}

/// How a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowResult {
    /// Every action completed.
    Completed,
    /// An action denied access.
    Denied,
    /// An execution failed (or could not start).
    Failed,
    /// The user never came back from a redirect.
    Abandoned,
    /// The user came back after the transaction's lifetime.
    Expired,
}

impl FlowResult {
    /// The name in traces (`ok`, `denied`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FlowResult::Completed => "ok",
            FlowResult::Denied => "denied",
            FlowResult::Failed => "failed",
            FlowResult::Abandoned => "abandoned",
            FlowResult::Expired => "expired",
        }
    }
}

/// A running execution: its flow, whether it was cold, and (for an observer) its details.
struct Running {
    login: u64,
    cold: bool,
    detail: Option<Detail>,
}

/// What an observer gets when the execution ends, gathered while it runs.
struct Detail {
    http: Vec<HttpExchange>,
    cache_before: Vec<CacheEntry>,
    warnings: Vec<crate::warnings::Warning>,
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
    /// The user logging in (post-login flows).
    user_id: Option<String>,
    /// Cache records as they were before the running execution wrote them (for rollback).
    snapshot: Option<BTreeMap<String, Option<CacheRecord>>>,
    /// The redirect or prompt the flow is suspended at, for the continue event.
    suspended_at: Option<actsim_js::Redirect>,
}

/// One simulation: the world (instances, flows, caches, clock, queue, network) and its
/// observers (metrics, warning detector, highlights, trace sink, execution observer). Build it
/// with [`Simulation::new`], advance it one event at a time with [`Simulation::step`] (or to
/// the end with [`Simulation::run`]) and read the result with [`Simulation::finish`].
pub struct Simulation<'a, 'b> {
    sc: &'a Scenario,
    /// Makes a runtime per (instance, action).
    factory: Box<dyn RuntimeFactory>,
    /// Receives every ended execution with its details, if set.
    observer: Option<&'b mut dyn ExecutionObserver>,
    /// The base configuration of runtimes.
    instance_base: InstanceConfig,
    preload: Preload,
    started: bool,
    closed: bool,
    /// Each action's secrets, shared by all its executions.
    secrets: Vec<actsim_js::Secrets>,
    seed: u64,
    cpu_budget: Duration,
    clock: Clock,
    /// The events to come, earliest (time, sequence) first.
    queue: EventQueue<Event>,
    rng_arrivals: SeededRng,
    rng_place: SeededRng,
    rng_net: SeededRng,
    rng_users: SeededRng,
    rng_cache: SeededRng,
    rng_life: SeededRng,
    /// `[perturb]`: a stream per kind (faults, misplacements, jitter), so that a scenario
    /// without it draws exactly as before and removing one kind leaves the others' draws alone.
    rng_faults: SeededRng,
    rng_recycles: SeededRng,
    rng_misplace: SeededRng,
    rng_jitter: SeededRng,
    faults_done: u32,
    jittered_pending: u64,
    instances: Vec<SimInstance>,
    shared_cache: Option<SharedCache>,
    /// Flows by login, boxed: tens of thousands wait at a redirect, and the table moves its
    /// entries as it grows (a pointer each, not a whole flow). Looked up by login only.
    flows: LookupMap<u64, Box<Flow>>,
    /// Running executions by (instance, action, execution); never iterated in an order that
    /// matters (see `collect` and `timeout`).
    running: LookupMap<(usize, usize, ExecId), Running>,
    network: Network,
    /// Metrics, warnings, highlights and trace: they observe the world's events.
    obs: Observers<'b>,
    placer: Placer,
    next_login: u64,
    end_ms: i64,
    /// Distinct users logins draw from (1 for a traffic script, whose event names its user).
    user_count: u32,
    /// The traffic template prepared for JavaScript.
    template_event: PreparedEvent,
    /// The users who have logged in so far, made from the seed-free template at their first
    /// login (nothing is held for the others, so `users = 1000000` costs nothing up front).
    seen_users: LookupMap<u32, SeenUser>,
    /// The `/continue` requests users bring back after a redirect.
    continues: driver::ContinueRequests,
}

impl<'a, 'b> Simulation<'a, 'b> {
    /// A simulation of `scenario` with real (QuickJS) runtimes, sending trace events to `sink`.
    /// Fails only when the HTTP transport cannot start its local server.
    pub fn new(
        sc: &'a Scenario,
        options: &RunOptions,
        sink: &'b mut dyn TraceSink,
    ) -> std::io::Result<Self> {
        let seed = options.seed.unwrap_or(sc.seed);
        // Simulated users are made lazily: each is added to the tenant at their first login.
        let tenant_config = sc.tenant.clone();
        let mut tenant = Tenant::new(tenant_config).expect("the scenario's tenant was validated");
        // The tenant's kept user texts are one of the fast paths (they never change an answer).
        let fast = options
            .instance
            .as_ref()
            .map_or_else(actsim_js::FastPaths::process_default, |i| i.fast_paths);
        tenant.keep_user_texts(fast.on());
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
        let mut instance_base = options.instance.clone().unwrap_or_default();
        if let Some(bytes) = sc.limits.memory_bytes {
            instance_base.memory_limit_bytes = bytes;
        }
        if let Some(bytes) = sc.limits.host_bytes {
            instance_base.max_host_bytes_per_execution = bytes;
        }
        let fast_paths = instance_base.fast_paths;
        Ok(Simulation {
            factory: Box::new(QuickJs),
            observer: None,
            cpu_budget: options
                .cpu_budget
                .or(options.instance.as_ref().map(|i| i.cpu_budget))
                .unwrap_or(Duration::from_secs(20)),
            instance_base,
            preload: options.preload.clone(),
            started: false,
            closed: false,
            secrets: scenario_secrets(sc),
            sc,
            seed,
            clock: Clock::new(sc.start_ms),
            queue: EventQueue::new(),
            rng_arrivals: SeededRng::new(derive_seed(seed, 1)),
            rng_place: SeededRng::new(derive_seed(seed, 2)),
            rng_net: SeededRng::new(derive_seed(seed, 3)),
            rng_users: SeededRng::new(derive_seed(seed, 4)),
            rng_cache: SeededRng::new(derive_seed(seed, 5)),
            rng_life: SeededRng::new(derive_seed(seed, 6)),
            rng_faults: SeededRng::new(derive_seed(seed, 7)),
            rng_misplace: SeededRng::new(derive_seed(seed, 8)),
            rng_recycles: SeededRng::new(derive_seed(seed, 10)),
            rng_jitter: SeededRng::new(derive_seed(seed, 9)),
            faults_done: 0,
            jittered_pending: 0,
            instances: Vec::new(),
            shared_cache,
            flows: LookupMap::default(),
            running: LookupMap::default(),
            network,
            obs: Observers::new(sink, sc.cache_limits.clone()),
            placer: Placer::new(),
            next_login: 0,
            end_ms: sc.start_ms + sc.duration_ms,
            user_count: if sc.traffic.script.is_some() {
                1
            } else {
                sc.traffic.users.max(1)
            },
            seen_users: LookupMap::default(),
            continues: driver::ContinueRequests::new(
                &sc.traffic.params,
                &sc.traffic.body,
                fast_paths,
            ),
            template_event: if sc.trigger.info().transaction_metadata {
                PreparedEvent::new(&sc.traffic.event).with_transaction_metadata()
            } else {
                PreparedEvent::new(&sc.traffic.event)
            },
        })
    }

    /// Use `factory` for runtimes instead of QuickJS (tests script fake runtimes).
    pub fn with_runtimes(mut self, factory: Box<dyn RuntimeFactory>) -> Self {
        self.factory = factory;
        self
    }

    /// Send every ended execution, with its HTTP exchanges, cache before and after and
    /// warnings, to `observer`.
    pub fn with_observer(mut self, observer: &'b mut dyn ExecutionObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The simulated network (tenant ledger, mocks).
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The virtual time now.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Logins that have arrived so far (for progress displays).
    pub fn logins(&self) -> u64 {
        self.obs.metrics.logins
    }

    fn schedule(&mut self, at: i64, event: Event) {
        self.queue.push(at, event);
    }

    /// Tell the observers what happened now; the warnings it raised.
    fn observe(&mut self, event: SimEvent<'_>) -> Vec<Warning> {
        let t = self.now();
        self.obs.on(t, event)
    }

    /// Run until nothing is left to happen.
    pub fn run(&mut self) {
        while self.step() {}
    }

    /// Advance by one event (the first call starts the simulation). Returns false once the
    /// simulation has ended (then the trace's `end` event has been emitted).
    pub fn step(&mut self) -> bool {
        if self.closed {
            return false;
        }
        if !self.started {
            self.started = true;
            self.begin();
            return true;
        }
        match self.queue.pop() {
            Some((at, event))
                if !(at > self.end_ms
                    && ((self.flows.is_empty() && self.jittered_pending == 0)
                        || at > self.end_ms + DRAIN_LIMIT_MS)) =>
            {
                self.clock.set(at.max(self.now()));
                self.handle(event);
                true
            }
            _ => {
                self.close();
                false
            }
        }
    }

    fn begin(&mut self) {
        let t0 = self.now();
        let sc = self.sc;
        self.observe(SimEvent::Started {
            scenario: &sc.name,
            seed: self.seed,
        });
        for _ in 0..self.sc.instances.min {
            self.create_instance("initial");
        }
        for &(at, number) in &self.sc.instances.kills.clone() {
            self.schedule(t0 + at, Event::Kill { number });
        }
        for index in 0..self.sc.evictions.len() {
            let at = self.sc.evictions[index].at_ms;
            self.schedule(t0 + at, Event::Evict { index });
        }
        if self.sc.perturb.faults() {
            for recycle in [false, true] {
                self.schedule_fault(recycle);
            }
        }
        let first = match self.sc.traffic.arrivals {
            _ if self.sc.traffic.script.is_some() => t0,
            // A gap too long for the clock saturates (`as` does) and lands after the end.
            Arrivals::Poisson => t0.saturating_add(exponential(
                &mut self.rng_arrivals,
                1.0 / self.sc.traffic.rate_per_ms,
            ) as i64),
            Arrivals::Fixed | Arrivals::Bursts => t0,
        };
        self.schedule(first, Event::Arrival);
    }

    fn close(&mut self) {
        self.closed = true;
        let end_ms = self.now().max(self.end_ms);
        self.observe(SimEvent::Ended {
            unfinished: self.flows.len() as u64,
            end_ms,
        });
    }

    /// The report: metrics, checked expectations, highlights, warnings. Runs the simulation
    /// to its end first if it has not ended.
    pub fn finish(mut self) -> SimReport {
        self.run();
        let routes = self.network.declared_routes();
        self.obs.metrics.declare_routes(&routes);
        build_report(
            self.sc,
            self.seed,
            RunResults {
                metrics: &self.obs.metrics,
                ledger: self.network.ledger_summary(),
                instances: &self.instances,
                warnings: self.obs.detector.summaries(),
                highlights: self.obs.highlights,
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
                        rt.complete(op, *result);
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
            Event::Kill { number } => self.kill(number, "scripted"),
            Event::Evict { index } => self.scripted_eviction(index),
            Event::Fault { recycle } => self.fault(recycle),
            Event::JitteredLogin => {
                self.jittered_pending -= 1;
                self.new_login();
            }
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
        if number == 1 {
            let mut cache = inst.cache.borrow_mut();
            for (key, value) in &self.preload.entries {
                // The caller checked these against the same limits (a refusal is its error).
                let _ = cache.set(key, value, &SetOptions::default(), now);
            }
            cache.fail_next_writes(self.preload.fail_next_writes);
        }
        self.instances.push(inst);
        let index = self.instances.len() - 1;
        self.observe(SimEvent::InstanceUp {
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

    /// After a `fresh` placement went beyond `instances.max`, retire the oldest other
    /// placeable instances (reason `replaced`): they drain and go down, freeing their runtimes,
    /// so that a long run of fresh resumes keeps at most `max` instances, not one per flow.
    fn shrink_to_max(&mut self, keep: usize) {
        let placeable = self.placeable();
        let excess = placeable
            .len()
            .saturating_sub(self.sc.instances.max as usize);
        let oldest: Vec<usize> = placeable
            .into_iter()
            .filter(|&i| i != keep)
            .take(excess)
            .collect();
        for inst in oldest {
            self.retire(inst, "replaced");
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
        // Nothing reads a gone instance's cache again: free its records (a cached token is a
        // kilobyte or more, and a run of fresh resumes leaves one gone instance per flow).
        i.cache = std::rc::Rc::new(std::cell::RefCell::new(CacheStore::new(
            self.sc.cache_limits.clone(),
        )));
        i.ended = Some((now, reason));
        let number = i.number;
        self.observe(SimEvent::InstanceDown {
            instance: number,
            reason,
        });
        self.replenish();
    }

    /// Schedule the next random kill (or recycle) of `[perturb]`, if its rate allows one
    /// before the traffic ends.
    fn schedule_fault(&mut self, recycle: bool) {
        let p = &self.sc.perturb;
        let rate = if recycle {
            p.recycle_rate_per_ms
        } else {
            p.kill_rate_per_ms
        };
        if rate <= 0.0 || self.faults_done >= p.max_faults {
            return;
        }
        let now = self.now();
        let rng = if recycle {
            &mut self.rng_recycles
        } else {
            &mut self.rng_faults
        };
        let at = now + (exponential(rng, 1.0 / rate) as i64).max(1);
        if at < self.end_ms {
            self.schedule(at, Event::Fault { recycle });
        }
    }

    /// A random kill or graceful recycle of a random running instance (`[perturb]`).
    fn fault(&mut self, recycle: bool) {
        if self.faults_done >= self.sc.perturb.max_faults {
            return;
        }
        let candidates = self.placeable();
        if !candidates.is_empty() {
            self.faults_done += 1;
            let rng = if recycle {
                &mut self.rng_recycles
            } else {
                &mut self.rng_faults
            };
            let pick = candidates[(rng.next_u64() % candidates.len() as u64) as usize];
            if recycle {
                let number = self.instances[pick].number;
                self.observe(SimEvent::Recycled { instance: number });
                self.retire(pick, "recycled");
            } else {
                let number = self.instances[pick].number;
                self.kill(number, "perturbation");
            }
        }
        self.schedule_fault(recycle);
    }

    fn kill(&mut self, number: u32, why: &'static str) {
        let Some(inst) = self
            .instances
            .iter()
            .position(|i| i.number == number && i.alive)
        else {
            self.observe(SimEvent::Kill {
                instance: number,
                skipped: true,
                why,
            });
            return;
        };
        self.observe(SimEvent::Kill {
            instance: number,
            skipped: false,
            why,
        });
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
        if policy == crate::scenario::Policy::Fresh {
            let fresh = self.create_instance("fresh");
            self.shrink_to_max(fresh);
            return fresh;
        }
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
        let chosen = self.placer.choose(
            policy,
            &candidates,
            preferred,
            |i| instances[i].active,
            &mut self.rng_place,
        );
        let misplace = self.sc.perturb.misplace;
        if misplace > 0.0 && self.rng_misplace.next_f64() < misplace {
            return candidates[(self.rng_misplace.next_u64() % candidates.len() as u64) as usize];
        }
        chosen
    }

    fn runtime(&mut self, inst: usize, action: usize) -> Result<&mut Box<dyn Runtime>, String> {
        if self.instances[inst].runtimes[action].is_none() {
            let number = self.instances[inst].number;
            let config = InstanceConfig {
                seed: derive_seed(self.seed, 1_000 + u64::from(number) * 64 + action as u64),
                cpu_budget: self.cpu_budget,
                ..self.instance_base.clone()
            };
            let source: &ActionSource = &self.sc.actions[action].source;
            let rt = self.factory.create(source, &self.clock, config)?;
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
        let arrived = self.next_login + self.jittered_pending;
        let limit_reached = t.max_logins.is_some_and(|m| arrived >= m);
        if now >= self.end_ms || limit_reached {
            return;
        }
        let batch = if t.arrivals == Arrivals::Bursts {
            t.burst_size
        } else {
            1
        };
        let jitter = self.sc.perturb.arrival_jitter_ms;
        for _ in 0..batch {
            let arrived = self.next_login + self.jittered_pending;
            if t.max_logins.is_some_and(|m| arrived >= m) {
                break;
            }
            if jitter > 0 && t.script.is_none() {
                let delay = (self.rng_jitter.next_u64() % (jitter as u64 + 1)) as i64;
                self.jittered_pending += 1;
                self.schedule(now + delay, Event::JitteredLogin);
            } else {
                self.new_login();
            }
        }
        if t.script.is_some() {
            return; // the next one arrives when this flow has ended (see end_flow)
        }
        // Gaps of a rate too low for the clock saturate (`as` does) and land after the end.
        let next = match t.arrivals {
            Arrivals::Fixed => now.saturating_add(((1.0 / t.rate_per_ms).round() as i64).max(1)),
            Arrivals::Poisson => now.saturating_add(
                (exponential(&mut self.rng_arrivals, 1.0 / t.rate_per_ms) as i64).max(0),
            ),
            Arrivals::Bursts => now.saturating_add(t.burst_every_ms),
        };
        if next < self.end_ms {
            self.schedule(next, Event::Arrival);
        }
    }

    fn new_login(&mut self) {
        self.next_login += 1;
        let login = self.next_login;
        let now = self.now();
        let user = (self.rng_users.next_u64() % u64::from(self.user_count)) as u32;
        let seen = self.seen_user(user);
        let user_id = seen.user_id.clone();
        let preferred = seen.last_instance;
        let event = match &seen.event {
            Some(event) => event.clone(),
            None => self.template_event.clone(),
        };
        self.observe(SimEvent::Arrival {
            login,
            user,
            user_id: user_id.as_deref(),
        });
        let inst = self.place(self.sc.placement_new, preferred);
        if let Some(seen) = self.seen_users.get_mut(&user) {
            seen.last_instance = Some(inst);
        }
        self.flows.insert(
            login,
            Box::new(Flow {
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
                user_id,
                snapshot: None,
                suspended_at: None,
            }),
        );
        self.start_segment(login);
    }

    /// `user`, made and added to the tenant at their first login.
    fn seen_user(&mut self, user: u32) -> &SeenUser {
        if !self.seen_users.contains_key(&user) {
            let profile = if self.sc.traffic.script.is_some() {
                self.sc
                    .traffic
                    .event
                    .get("user")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default()))
            } else {
                user_for(&self.sc.traffic.event, user)
            };
            let has_user = driver::has_user(&self.sc.traffic.event);
            let seen = SeenUser {
                user_id: has_user
                    .then(|| profile.get("user_id").and_then(Value::as_str))
                    .flatten()
                    .map(str::to_string),
                event: has_user.then(|| self.template_event.with_field("user", &profile)),
                last_instance: None,
            };
            self.network.add_user(profile);
            self.seen_users.insert(user, seen);
        }
        &self.seen_users[&user]
    }

    /// A new execution budget: at arrival and after each resume.
    fn start_segment(&mut self, login: u64) {
        let now = self.now();
        let flow = self.flows.get_mut(&login).expect("flow exists");
        flow.segment += 1;
        flow.segment_started = now;
        flow.state = FlowState::Running;
        let segment = flow.segment;
        self.queue.push_lane(
            Lane::Budget,
            now + EXECUTION_BUDGET_MS,
            Event::Timeout { login, segment },
        );
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
            self.observe(SimEvent::ColdStart);
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
        let cache_before = self.observer.is_some().then(|| cache_entries(&cache, now));
        let spec = ExecutionSpec {
            trigger: self.sc.trigger,
            phase,
            event,
            secrets: self.secrets[action].clone(),
            cache,
        };
        let handler = self.sc.trigger.handler_name(phase).unwrap_or("?");
        let exec = match self
            .runtime(inst, action)
            .and_then(|rt| rt.start(spec).map_err(|e| e.to_string()))
        {
            Ok(id) => id,
            Err(e) => {
                let label = flow_label(self.sc.trigger, login);
                self.observe(SimEvent::CouldNotStart {
                    label: &label,
                    error: &e,
                });
                self.flow_failed(login);
                return;
            }
        };
        let detail = cache_before.map(|cache_before| Detail {
            http: Vec::new(),
            cache_before,
            warnings: Vec::new(),
        });
        self.running.insert(
            (inst, action, exec),
            Running {
                login,
                cold,
                detail,
            },
        );
        let number = self.instances[inst].number;
        self.instances[inst].active += 1;
        let sc = self.sc;
        self.observe(SimEvent::ExecStarted {
            login,
            instance: number,
            action: &sc.actions[action].name,
            handler,
            cold,
        });
        self.pump(inst, action);
    }

    /// Eviction pressure: each live record may have vanished before this execution reads it.
    fn apply_eviction(&mut self, inst: usize, cache: &SharedCache) {
        if self.sc.eviction <= 0.0 {
            return;
        }
        let mut keys = live_keys(cache, self.now());
        // One draw per live record, in key order, before any record goes.
        keys.retain(|_| self.rng_cache.next_f64() < self.sc.eviction);
        self.evict(self.instances[inst].number, cache, keys);
    }

    /// Drop `keys` from `cache` (the cache instance `number` reads), telling the observers.
    fn evict(&mut self, number: u32, cache: &SharedCache, keys: Vec<String>) {
        for key in keys {
            cache.borrow_mut().evict(&key);
            self.observe(SimEvent::Evicted {
                instance: number,
                key,
            });
        }
    }

    /// A scripted eviction (`[[cache.evict]]`): the named record (or every live record) of the
    /// cache the instance reads is dropped now. Nothing happens when that instance is not
    /// running or the record is not live.
    fn scripted_eviction(&mut self, index: usize) {
        let sc = self.sc;
        let e = &sc.evictions[index];
        let Some(inst) = self
            .instances
            .iter()
            .position(|i| i.number == e.instance && i.alive)
        else {
            return;
        };
        let cache = self.cache_for(inst);
        let mut keys = live_keys(&cache, self.now());
        keys.retain(|k| e.key.as_ref().is_none_or(|want| want == k));
        self.evict(e.instance, &cache, keys);
    }

    /// Schedule what a runtime now waits for and handle executions that ended.
    fn pump(&mut self, inst: usize, action: usize) {
        let now = self.now();
        let ops = match self.instances[inst].runtimes[action].as_mut() {
            Some(rt) => rt.take_ops(),
            None => return,
        };
        for op in ops {
            let exec = op.exec_id;
            let id = op.id;
            // Observed before its result goes to the execution: neither is copied.
            let completion = driver::resolve(op, now, |req| {
                let routed = self.network.route(req, now, &mut self.rng_net);
                self.observe_http(inst, action, exec, req, &routed);
                (routed.result, routed.latency_ms)
            });
            debug_assert_eq!(completion.op, id);
            self.schedule(
                completion.at_ms,
                Event::HostOp {
                    inst,
                    action,
                    op: completion.op,
                    result: Box::new(completion.result),
                },
            );
        }
        self.collect(inst, action);
    }

    /// Tell the observers about one routed HTTP request, and keep it for the execution's
    /// observer.
    fn observe_http(
        &mut self,
        inst: usize,
        action: usize,
        exec: Option<ExecId>,
        req: &actsim_js::FetchRequest,
        routed: &crate::network::Routed,
    ) {
        let now = self.now();
        let number = self.instances[inst].number;
        let login = exec.and_then(|e| self.running.get(&(inst, action, e)).map(|r| r.login));
        let tenant_token = routed
            .token_issued
            .and_then(|n| self.network.issued_token(n));
        let warnings = self.observe(SimEvent::Http {
            login,
            instance: number,
            req,
            routed,
            tenant_token: tenant_token
                .as_ref()
                .map(|(c, a, exp)| (c.as_str(), a.as_str(), *exp)),
        });
        let detail = exec
            .and_then(|e| self.running.get_mut(&(inst, action, e)))
            .and_then(|r| r.detail.as_mut());
        let Some(d) = detail else {
            return;
        };
        let token = match (routed.token_issued, tenant_token, &routed.mock_token) {
            (Some(n), Some((client, audience, exp)), _) => Some(IssuedToken {
                number: n,
                iat: self.network.issued_token_iat(n).unwrap_or(now / 1000),
                client,
                audience,
                exp,
            }),
            (_, _, Some(t)) => Some(IssuedToken {
                number: t.number,
                client: t.name.clone(),
                audience: t.audience.clone(),
                iat: now / 1000,
                exp: now / 1000 + t.expires_in,
            }),
            _ => None,
        };
        let (status, error) = match &routed.result {
            OpResult::Fetch(r) => (Some(r.status), None),
            OpResult::NetworkError(m) => (None, Some(m.clone())),
            OpResult::TimerFired => (None, None),
        };
        d.http.push(HttpExchange {
            at_ms: now,
            method: req.method.clone(),
            url: req.url.clone(),
            route: routed
                .route
                .clone()
                .unwrap_or_else(|| routed.upstream.clone()),
            upstream: routed.upstream.clone(),
            status,
            error,
            latency_ms: routed.latency_ms,
            token,
        });
        d.warnings.extend(warnings);
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
        // Only a poisoned runtime needs the scan of the running executions.
        if poisoned
            && !self
                .running
                .keys()
                .any(|(i, a, _)| *i == inst && *a == action)
        {
            // A fresh runtime replaces the broken one (out of memory, CPU budget spent): the
            // next execution pays a cold start again, counted in `instances.cold_starts` as the
            // trace's `cold` execution shows it.
            self.instances[inst].runtimes[action] = None;
            self.instances[inst].used = false;
        }
    }

    fn exec_ended(&mut self, inst: usize, action: usize, report: ExecutionReport) {
        let now = self.now();
        let Some(running) = self.running.remove(&(inst, action, report.exec_id)) else {
            return;
        };
        let login = running.login;
        let number = self.instances[inst].number;
        {
            let i = &mut self.instances[inst];
            i.active = i.active.saturating_sub(1);
            i.last_activity = now;
            i.idle_token += 1;
        }
        if let Some(idle) = self.sc.instances.idle_timeout_ms {
            let token = self.instances[inst].idle_token;
            self.queue
                .push_lane(Lane::Idle, now + idle, Event::IdleCheck { inst, token });
        }
        let total = match &self.shared_cache {
            Some(c) => c.borrow().total_bytes(now),
            None => self.instances[inst].cache.borrow().total_bytes(now),
        };
        let sc = self.sc;
        // The user's id is lent from the flow: the observers are a field apart.
        let user_id = self.flows.get(&login).and_then(|f| f.user_id.as_deref());
        let warnings = self.obs.on(
            now,
            SimEvent::ExecEnded {
                login,
                instance: number,
                action: &sc.actions[action].name,
                user_id,
                report: &report,
                cache_total_bytes: total,
            },
        );
        let mut detail = running.detail;
        if let Some(d) = detail.as_mut() {
            d.warnings.extend(warnings);
        }
        if report.failed() {
            // Undo the failed execution's writes (keep_failed_writes = false) before anyone
            // looks at the cache.
            let snapshot = self.flows.get_mut(&login).and_then(|f| f.snapshot.take());
            if let Some(snapshot) = snapshot {
                self.rollback(inst, &report, snapshot);
            }
        }
        if let (Some(d), Some(observer)) = (detail, self.observer.as_deref_mut()) {
            let phase = self.flows.get(&login).map_or(Phase::Execute, |f| f.phase);
            let cache_after = match &self.shared_cache {
                Some(c) => cache_entries(c, now),
                None => cache_entries(&self.instances[inst].cache, now),
            };
            observer.execution_ended(EndedExecution {
                login,
                trigger: self.sc.trigger,
                phase,
                instance: number,
                action: &self.sc.actions[action].name,
                cold: running.cold,
                report: &report,
                http: d.http,
                cache_before: d.cache_before,
                cache_after,
                warnings: d.warnings,
            });
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
        flow.snapshot = None;
        driver::apply_transaction_metadata(&mut flow.event, &report);
        match report.outcome {
            Outcome::Failed { .. } => self.flow_failed(login),
            Outcome::Completed { denied: true, .. } => {
                self.observe(SimEvent::Denied);
                self.end_flow(login, FlowResult::Denied);
            }
            Outcome::Completed {
                redirect: Some(redirect),
                ..
            } if driver::can_resume(self.sc.trigger) => {
                flow.active_ms += now - flow.segment_started;
                flow.state = FlowState::AtRedirect;
                flow.yielded_on = Some(inst);
                let redirect = &*flow.suspended_at.insert(redirect);
                let t = self.clock.now_ms();
                self.obs.on(
                    t,
                    SimEvent::Redirected {
                        login,
                        instance: number,
                        url: &redirect.url,
                    },
                );
                if self.rng_users.next_f64() < self.sc.traffic.abandon {
                    self.observe(SimEvent::Abandoned { login });
                    self.end_flow(login, FlowResult::Abandoned);
                } else {
                    let mut delay = self.sc.traffic.return_after.sample(&mut self.rng_users);
                    let jitter = self.sc.perturb.return_jitter_ms;
                    if jitter > 0 {
                        delay += (self.rng_jitter.next_u64() % (jitter as u64 + 1)) as i64;
                    }
                    self.schedule(now + delay, Event::UserReturns { login });
                }
            }
            Outcome::Completed { .. } => {
                flow.action += 1;
                flow.phase = Phase::Execute;
                if flow.action < self.sc.actions.len() {
                    self.start_current(login);
                } else {
                    self.end_flow(login, FlowResult::Completed);
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
            self.observe(SimEvent::Expired { login });
            self.end_flow(login, FlowResult::Expired);
            return;
        }
        let from = flow.yielded_on.unwrap_or(flow.instance);
        let to = self.place(self.sc.placement_resume, Some(from));
        self.observe(SimEvent::Resumed {
            login,
            from: self.instances[from].number,
            to: self.instances[to].number,
        });
        let traffic = &self.sc.traffic;
        let flow = self.flows.get_mut(&login).expect("flow exists");
        flow.resume_number += 1;
        flow.event = self
            .continues
            .event(&flow.event, driver::resume_state(login, flow.resume_number));
        flow.event = driver::prompt_event(
            &flow.event,
            flow.suspended_at.take().as_ref(),
            &traffic.prompt_fields,
        );
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
        // A flow runs one execution at a time; the smallest key keeps the choice independent
        // of the map's order all the same.
        let key = self
            .running
            .iter()
            .filter(|(_, r)| r.login == login)
            .map(|(k, _)| *k)
            .min();
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
            None => self.flow_failed(login),
        }
    }

    /// An execution of the flow failed (or could not start). A blocking trigger's flow fails
    /// with it. A non-blocking trigger (post-user-registration, post-change-password,
    /// event-stream) runs after the fact: the failure is reported (`failures_reported`) and
    /// blocks nothing, so the flow ends `ok`; like every flow, its later actions do not run.
    fn flow_failed(&mut self, login: u64) {
        let trigger = self.sc.trigger;
        if trigger.info().blocks {
            self.end_flow(login, FlowResult::Failed);
        } else {
            self.observe(SimEvent::FailureReported { login, trigger });
            self.end_flow(login, FlowResult::Completed);
        }
    }

    fn end_flow(&mut self, login: u64, result: FlowResult) {
        let now = self.now();
        let Some(flow) = self.flows.remove(&login) else {
            return;
        };
        let latency_ms = match flow.state {
            FlowState::Running => flow.active_ms + (now - flow.segment_started),
            FlowState::AtRedirect => flow.active_ms,
        };
        self.observe(SimEvent::FlowEnded {
            login,
            result,
            latency_ms,
        });
        if let Some(gaps) = &self.sc.traffic.script {
            let done = self.next_login;
            let more = self.sc.traffic.max_logins.is_none_or(|m| done < m);
            if more && self.flows.is_empty() {
                let gap = usize::try_from(done.saturating_sub(1)).unwrap_or(usize::MAX);
                let gap = gaps.get(gap).or(gaps.last()).copied().unwrap_or(0);
                self.schedule(now.saturating_add(gap.max(0)), Event::Arrival);
            }
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
/// A user who has logged in: their `user_id` (when the event has a user) and their event.
struct SeenUser {
    user_id: Option<String>,
    event: Option<PreparedEvent>,
    /// The instance their last login was placed on (the preference of `placement.new`).
    last_instance: Option<usize>,
}

/// The profile of simulated user `i` (numbered from 0): the template's `user` with its own
/// id, email, name and nickname. It depends on `i` alone, so any user can be made when needed.
fn user_for(template: &Value, i: u32) -> Value {
    let mut user = template
        .get("user")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    if let Some(u) = user.as_object_mut() {
        let n = u64::from(i) + 1;
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

/// The live records of `cache` at `now`, for an observer.
/// The keys of the records live in `cache` at `now`, in key order.
fn live_keys(cache: &SharedCache, now: i64) -> Vec<String> {
    cache
        .borrow()
        .live_entries(now)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

fn cache_entries(cache: &SharedCache, now: i64) -> Vec<CacheEntry> {
    cache
        .borrow()
        .live_entries(now)
        .into_iter()
        .map(|(key, r)| CacheEntry {
            key,
            value: r.value,
            expires_at: r.expires_at,
        })
        .collect()
}
