//! One simulated Actions instance: a QuickJS runtime and realm with the prelude loaded and the
//! action's module initialised lazily on its first execution. Drivers start executions, take
//! the host operations JavaScript waits for, complete them in virtual time, and collect the
//! finished executions' reports.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use rquickjs::{Class, Context, Ctx, Object, Persistent, Runtime, Value};

use crate::atoms::HostAtoms;
use crate::clock::Clock;
use crate::errors::{classify, JsErrorInfo};
use crate::event::{EventSource, PreparedEvent};
use crate::handles::{Handles, PendingRejection, PreludeFns, Rejections};
use crate::leak_check::LeakGuard;
use crate::ops::{ExecId, HostOp, OpId, OpResult};
use crate::report::{
    ActionError, ConsoleLine, ErrorKind, ExecutionReport, Outcome, Phase, Trigger,
};
use crate::rng::SeededRng;
use crate::source::ActionSource;
use crate::state::{CpuDeadline, HostState, HostStateRef, SharedCache};
use crate::trigger::{handler_code, trigger_code};
use crate::warm::{FastPaths, WarmHandles};
use crate::HostError;

/// The Node.js version actsim emulates (`process.version`): production's Node 22 runtime.
pub const NODE_VERSION: &str = "v22.12.0";

/// Allocation volume between cycle collections. QuickJS's default (256 KiB) makes every
/// execution pay for scanning the prelude's objects; 8 MiB keeps collection rare without
/// holding on to much garbage (reference counting frees most objects at once anyway).
const GC_THRESHOLD_BYTES: usize = 8 * 1024 * 1024;

/// The default of [`InstanceConfig::max_host_bytes_per_execution`]: 16 MiB.
pub const DEFAULT_HOST_BYTES: usize = 16 * 1024 * 1024;

/// Limits and seeds for one instance.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceConfig {
    /// Seed for `Math.random` in this instance.
    pub seed: u64,
    /// CPU time one execution may use before it is stopped (production's 20 s budget).
    pub cpu_budget: Duration,
    /// The instance's JS heap limit in bytes.
    pub memory_limit_bytes: usize,
    /// The JS stack limit in bytes.
    pub max_stack_bytes: usize,
    /// Console output kept per execution (production buffers 256 KiB).
    pub console_cap_bytes: usize,
    /// Bytes one execution may hand the host (api command arguments, console text, cache keys
    /// and values, fetch requests and responses) before it is stopped with `HostLimitExceeded`;
    /// production documents no such figure (its own limits, e.g. 32 kB of metadata, are far
    /// lower), so this only keeps the host's memory bounded. Default 16 MiB.
    pub max_host_bytes_per_execution: usize,
    /// Cache writes (set and delete) allowed per execution before `MaxSideEffectsExceeded`;
    /// production's cap is not documented, so there is none by default.
    pub max_cache_writes_per_execution: Option<u32>,
    /// Whether the instance takes actsim's fast paths (warm.rs); they never change a result.
    /// Defaults to [`FastPaths::process_default`].
    pub fast_paths: FastPaths,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            seed: 0,
            cpu_budget: Duration::from_secs(20),
            memory_limit_bytes: 128 * 1024 * 1024,
            max_stack_bytes: 1024 * 1024,
            console_cap_bytes: 256 * 1024,
            max_host_bytes_per_execution: DEFAULT_HOST_BYTES,
            max_cache_writes_per_execution: None,
            fast_paths: FastPaths::process_default(),
        }
    }
}

/// An action's secrets (`event.secrets`), shared between its executions.
pub type Secrets = Rc<BTreeMap<String, String>>;

/// What to run: which handler, with which event, secrets and cache.
#[derive(Clone, Debug)]
pub struct ExecutionSpec {
    /// The trigger whose `api` the action gets.
    pub trigger: Trigger,
    /// `onExecute…` or `onContinuePostLogin`.
    pub phase: Phase,
    /// The `event` object (without `secrets`), prepared once: `serde_json::Value` converts
    /// with `.into()`.
    pub event: PreparedEvent,
    /// `event.secrets`, read-only in JS. Shared: drivers that run the same action many times
    /// pass the same map (`Rc::make_mut` changes a copy).
    pub secrets: Secrets,
    /// The cache store `api.cache` reads and writes.
    pub cache: SharedCache,
}

/// A JS runtime with one action loaded. Not `Send`: one thread drives it. The engine handles it
/// keeps between calls (handles.rs) belong to the runtime, which frees them itself.
pub struct Instance {
    state: HostStateRef,
    deadline: CpuDeadline,
    poisoned: bool,
    context: Context,
    runtime: Runtime,
    /// Checks (in debug builds) that the runtime freed all its memory once it is dropped.
    _leak_guard: LeakGuard,
}

impl Instance {
    /// Create a fresh instance (runtime, realm, prelude) for `action`. The action's own code is
    /// not run until the first execution, as in production.
    pub fn new(
        action: ActionSource,
        clock: Clock,
        config: InstanceConfig,
    ) -> Result<Self, HostError> {
        // The guard is bound first so that, on an early return below, it is dropped after the
        // runtime (locals drop in reverse order).
        // The allocator enforces the memory limit (leak_check.rs says why not QuickJS).
        let (leak_guard, runtime, memory) =
            crate::leak_check::new_runtime(config.memory_limit_bytes).map_err(HostError::engine)?;
        runtime.set_max_stack_size(config.max_stack_bytes);
        runtime.set_gc_threshold(GC_THRESHOLD_BYTES);
        let context = crate::realm::new_realm(&runtime).map_err(HostError::engine)?;
        context
            .with(|ctx| crate::handles::store(&ctx, Rejections(RefCell::new(Vec::new()))))
            .map_err(HostError::engine)?;
        let modules = crate::modules::ModuleSystem::new(&action, &action.modules);
        let state: HostStateRef = Rc::new(RefCell::new(HostState {
            started_at_ms: clock.now_ms(),
            rng: SeededRng::new(config.seed),
            clock,
            action,
            config,
            current_exec: None,
            next_exec: 0,
            execs: BTreeMap::new(),
            finished: Vec::new(),
            new_ops: Vec::new(),
            pending_ops: BTreeMap::new(),
            next_op: 0,
            cancelled_ops: BTreeSet::new(),
            rejections_pending: false,
            orphan_console: Vec::new(),
            orphan_console_bytes: 0,
            host_limited: BTreeSet::new(),
            out_of_memory: false,
            memory,
            modules,
        }));
        runtime.set_loader(
            crate::modules::EsmLoader {
                state: state.clone(),
            },
            crate::modules::EsmLoader {
                state: state.clone(),
            },
        );
        let deadline = CpuDeadline::default();
        let d = deadline.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || d.expired())));
        let s = state.clone();
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx, promise, reason, handled| {
                track_rejection(&s, &ctx, promise, reason, handled);
            },
        )));
        // The prelude's own failure message, if it fails (a bug in actsim).
        let mut failure: Option<String> = None;
        context
            .with(|ctx| -> rquickjs::Result<()> {
                crate::prelude::install(&ctx, &state, &mut failure)?;
                Ok(())
            })
            .map_err(|e| HostError::Prelude {
                message: failure.take().unwrap_or_else(|| e.to_string()),
                source: e.into(),
            })?;
        context
            .with(|ctx| -> rquickjs::Result<()> {
                let object: Object = ctx.globals().get("Object")?;
                let handles = Handles {
                    prelude: PreludeFns::take(&ctx)?,
                    object_prototype: object.get("prototype")?,
                    atoms: HostAtoms::new(&ctx)?,
                    warm: RefCell::new(WarmHandles::default()),
                    started: RefCell::new(None),
                    key_atoms: RefCell::default(),
                };
                crate::handles::store(&ctx, handles)
            })
            .map_err(HostError::prelude)?;
        Ok(Instance {
            state,
            deadline,
            poisoned: false,
            context,
            runtime,
            _leak_guard: leak_guard,
        })
    }

    /// Start an execution; it runs until it first waits on a host operation (or ends).
    /// Returns its id. Collect the report with [`Instance::take_finished`].
    ///
    /// Four steps: prepare (the handler, the event, the secrets and the lazy field accessors),
    /// call the prelude's `__actsim_start`, drain the jobs it queued, settle the execution if
    /// its handler has already returned.
    pub fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, HostError> {
        let call = self.prepare(spec)?;
        let exec_id = call.exec_id;
        let started = self.begin_entry(Some(exec_id));
        let returned = self.call_start(call);
        self.drain_jobs();
        if returned {
            // Jobs the handler queued have run (as they would before the promise's own
            // reaction): now the handler's promise says whether the execution is over.
            self.settle_started(exec_id);
        }
        self.end_entry(Some(exec_id), started);
        Ok(exec_id)
    }

    /// Everything `__actsim_start` needs, made outside the execution's CPU budget: the
    /// execution's id and codes, its event, its frozen secrets and how many lazy accessors the
    /// event gets.
    fn prepare(&mut self, spec: ExecutionSpec) -> Result<PreparedCall, HostError> {
        let handler = spec
            .trigger
            .handler_name(spec.phase)
            .ok_or(HostError::NoSuchPhase(spec.trigger))?;
        let handler_index = handler_code(spec.trigger, spec.phase).expect("the trigger has it");
        let event = if spec.trigger.info().transaction_metadata {
            spec.event.with_transaction_metadata()
        } else {
            spec.event
        };
        let fast = self.state.borrow().config.fast_paths;
        let (secrets, accessors) = self
            .context
            .with(|ctx| -> rquickjs::Result<_> {
                let handles = crate::handles::get(&ctx)?;
                let secrets = crate::warm::secrets_object(&handles, fast, &spec.secrets)?
                    .map(|object| Persistent::save(&ctx, object));
                let count =
                    crate::warm::prepare_event_accessors(&ctx, &handles, fast, event.fields())?;
                Ok((secrets, count))
            })
            .map_err(HostError::prelude)?;
        let secrets = secrets.map_err(HostError::Event)?;
        let exec_id = self
            .state
            .borrow_mut()
            .begin(spec.trigger, handler, spec.cache);
        Ok(PreparedCall {
            exec_id,
            trigger_index: trigger_code(spec.trigger),
            handler_index,
            event,
            secrets,
            accessors,
        })
    }

    /// Call the prelude's `__actsim_start` for `call`; true when it returned the execution's
    /// context (the handler was called at once), which [`Instance::settle_started`] settles.
    fn call_start(&mut self, call: PreparedCall) -> bool {
        let now_ms = self.state.borrow().clock.now_ms();
        let mut returned = false;
        self.run_in_realm(|ctx| {
            let handles = crate::handles::get(ctx)?;
            // The event is the native object holding its fields, seen by JavaScript as a plain
            // object (its prototype is Object.prototype), with one accessor per field.
            let event_obj = Class::instance_proto(
                EventSource {
                    event: call.event,
                    exec_id: call.exec_id,
                    secrets: call.secrets.restore(ctx)?,
                    kept: Default::default(),
                },
                handles.object_prototype.clone(),
            )?;
            crate::warm::define_event_accessors(ctx, &handles, &event_obj, call.accessors)?;
            let start = handles.prelude.start.clone();
            drop(handles);
            let value: Value = start.call((
                now_ms as f64,
                call.exec_id as f64,
                call.trigger_index,
                call.handler_index,
                event_obj,
            ))?;
            if let Some(context) = value.into_object() {
                *crate::handles::get(ctx)?.started.borrow_mut() = Some(context);
                returned = true;
            }
            Ok(())
        });
        returned
    }

    /// Host operations queued since the last call, in the order JavaScript started them.
    pub fn take_ops(&mut self) -> Vec<HostOp> {
        let mut st = self.state.borrow_mut();
        let ops = std::mem::take(&mut st.new_ops);
        ops.into_iter()
            .filter(|op| !st.cancelled_ops.contains(&op.id))
            .collect()
    }

    /// Whether `op` is still awaited (not completed or cancelled).
    pub fn is_pending(&self, op: OpId) -> bool {
        self.state.borrow().pending_ops.contains_key(&op)
    }

    /// Complete a host operation and run the JavaScript it unblocks until it is idle again.
    /// Completing an unknown or cancelled operation does nothing.
    pub fn complete(&mut self, op: OpId, result: OpResult) {
        let owner = {
            let mut st = self.state.borrow_mut();
            match st.pending_ops.remove(&op) {
                Some(owner) => owner,
                None => return,
            }
        };
        // What the response hands the execution counts toward its host data limit.
        let handed = match &result {
            OpResult::Fetch(response) => Some(
                response.body.len()
                    + response
                        .headers
                        .iter()
                        .map(|(k, v)| k.len() + v.len())
                        .sum::<usize>(),
            ),
            OpResult::NetworkError(message) => Some(message.len()),
            OpResult::TimerFired => None,
        };
        if let (Some(exec), Some(bytes)) = (owner, handed) {
            if self.state.borrow_mut().charge(exec, bytes).is_err() {
                // The execution has ended at its host data limit: the response is dropped.
                return;
            }
        }
        let fast = self.state.borrow().config.fast_paths;
        let now_ms = self.state.borrow().clock.now_ms();
        self.enter(owner, |ctx| {
            let complete = crate::handles::get(ctx)?.prelude.complete.clone();
            let (now, op) = (now_ms as f64, op as f64);
            match result {
                OpResult::Fetch(response) => {
                    let [payload, headers, body] =
                        crate::warm::fetch_response_args(ctx, fast, &response)?;
                    complete.call::<_, ()>((now, op, true, payload, headers, body))
                }
                OpResult::NetworkError(message) => {
                    let message = rquickjs::String::from_str(ctx.clone(), &message)?;
                    complete.call::<_, ()>((now, op, false, message))
                }
                OpResult::TimerFired => complete.call::<_, ()>((now, op, true)),
            }
        });
    }

    /// End a running execution from outside (virtual timeout, abandoned flow). Its pending work
    /// is ignored from now on.
    pub fn abort(&mut self, exec_id: ExecId, message: &str) {
        let error = ActionError {
            kind: ErrorKind::Aborted,
            name: "Aborted".to_string(),
            message: message.to_string(),
            location: None,
            stack: String::new(),
        };
        self.state
            .borrow_mut()
            .finish(exec_id, Outcome::Failed { error });
    }

    /// Reports of executions that ended since the last call, in the order they ended.
    pub fn take_finished(&mut self) -> Vec<ExecutionReport> {
        std::mem::take(&mut self.state.borrow_mut().finished)
    }

    /// Executions that have started and not ended.
    pub fn running(&self) -> Vec<ExecId> {
        self.state.borrow().execs.keys().copied().collect()
    }

    /// Console output written while no execution was running (e.g. by a late timer).
    pub fn take_orphan_console(&mut self) -> Vec<ConsoleLine> {
        let mut st = self.state.borrow_mut();
        st.orphan_console_bytes = 0;
        std::mem::take(&mut st.orphan_console)
    }

    /// True after the instance ran out of memory or an execution was stopped at its CPU budget:
    /// drivers should replace it, as production replaces a broken instance.
    pub fn is_poisoned(&self) -> bool {
        // An out-of-memory error caught by the handler's promise ends the execution through
        // the prelude (`host.finishFailed`), not `fail_current`: the state records both paths.
        self.poisoned || self.state.borrow().out_of_memory
    }

    /// Bytes the JS heap uses now.
    pub fn memory_used_bytes(&self) -> i64 {
        self.runtime.memory_usage().memory_used_size
    }

    /// Run `f` in the realm (for the crate's unit tests).
    #[cfg(test)]
    pub(crate) fn with_context_for_test<R>(&self, f: impl for<'js> FnOnce(&Ctx<'js>) -> R) -> R {
        self.context.with(|ctx| f(&ctx))
    }

    /// Run `f` in the realm on behalf of `exec`, then drain the job queue, with the CPU budget
    /// armed; failures (interrupts, uncaught exceptions, unhandled rejections) end `exec`.
    fn enter<F>(&mut self, exec: Option<ExecId>, f: F)
    where
        F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<()>,
    {
        let started = self.begin_entry(exec);
        self.run_in_realm(f);
        self.drain_jobs();
        self.end_entry(exec, started);
    }

    /// Mark `exec` as running and arm its remaining CPU budget; returns when it started.
    fn begin_entry(&mut self, exec: Option<ExecId>) -> std::time::Instant {
        let budget = {
            let mut st = self.state.borrow_mut();
            st.memory.reset();
            st.current_exec = exec;
            let used = exec
                .and_then(|id| st.execs.get(&id))
                .map(|e| e.cpu_used)
                .unwrap_or_default();
            st.config.cpu_budget.saturating_sub(used)
        };
        self.deadline.arm(budget)
    }

    /// Run `f` in the realm; an exception that escapes it ends the current execution.
    fn run_in_realm<F>(&mut self, f: F)
    where
        F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<()>,
    {
        let failure = self.context.with(|ctx| match f(&ctx) {
            Ok(()) => None,
            Err(_) => Some(describe_value(&ctx.catch())),
        });
        if let Some(info) = failure {
            self.fail_current(info);
        }
    }

    /// Run promise jobs until none is left.
    fn drain_jobs(&mut self) {
        loop {
            match self.runtime.execute_pending_job() {
                Ok(true) => {}
                Ok(false) => break,
                Err(job) => {
                    let info = job.0.with(|ctx| describe_value(&ctx.catch()));
                    let interrupted = self.deadline.expired();
                    self.fail_current(info);
                    if interrupted {
                        // Stopped at the CPU budget: the jobs left may be the same loop
                        // queueing itself forever (`queueMicrotask`), so none runs now; the
                        // instance is poisoned and drivers replace it.
                        break;
                    }
                    let full = self.state.borrow().config.cpu_budget;
                    self.deadline.arm(full);
                }
            }
        }
    }

    /// Disarm the CPU budget, settle unhandled rejections and account the CPU time to `exec`.
    fn end_entry(&mut self, exec: Option<ExecId>, started: std::time::Instant) {
        self.deadline.disarm();
        let elapsed = started.elapsed();
        self.settle_rejections();
        let mut st = self.state.borrow_mut();
        if let Some(e) = exec.and_then(|id| st.execs.get_mut(&id)) {
            e.cpu_used += elapsed;
        }
        st.current_exec = None;
    }

    /// Settle the execution whose handler `__actsim_start` called: if its promise is already
    /// fulfilled (the handler never waited on anything) the execution completes here, without
    /// a promise job (a fast path); otherwise the prelude's `watch` settles it when the promise
    /// does.
    fn settle_started(&mut self, exec_id: ExecId) {
        let mut done = false;
        let fast = self.state.borrow().config.fast_paths;
        let state = self.state.clone();
        let failure = self.context.with(|ctx| {
            let mut settle = || -> rquickjs::Result<()> {
                let handles = crate::handles::get(&ctx)?;
                let Some(context) = handles.started.borrow_mut().take() else {
                    return Ok(());
                };
                let atoms = &handles.atoms;
                let promise = atoms.promise.get(&context)?;
                let resolved = promise
                    .as_promise()
                    .is_some_and(|p| p.state() == rquickjs::promise::PromiseState::Resolved);
                if !resolved || !fast.on() {
                    let watch = handles.prelude.watch.clone();
                    drop(handles);
                    return watch.call::<_, ()>((context,));
                }
                // Completed: the common case is finished here; a redirect or an unread failed
                // cache write goes through the prelude, which knows how to report them.
                let plain = atoms.redirect.get(&context)?.is_null()
                    && atoms.unread.get(&context)?.is_null();
                if !plain {
                    let completed = handles.prelude.completed.clone();
                    drop(handles);
                    return completed.call::<_, ()>((context,));
                }
                let denied = atoms.denied.get(&context)?.as_bool().unwrap_or(false);
                // Cut the context's cycles (as the prelude's `release` does).
                atoms.api.set_null(&context)?;
                for field in &atoms.part_fields {
                    if !field.get(&context)?.is_null() {
                        field.set_null(&context)?;
                    }
                }
                done = state.borrow_mut().finish(
                    exec_id,
                    Outcome::Completed {
                        denied,
                        redirect: None,
                    },
                );
                Ok(())
            };
            settle().err().map(|_| describe_value(&ctx.catch()))
        });
        if let Some(info) = failure {
            self.fail_current(info);
        }
        if !done {
            self.drain_jobs();
        }
    }

    /// End the current execution because of an exception that escaped to the host.
    fn fail_current(&mut self, info: JsErrorInfo) {
        let interrupted = self.deadline.expired();
        let returned = interrupted && self.started_handler_returned();
        let mut st = self.state.borrow_mut();
        let error = if interrupted {
            let budget = st.config.cpu_budget;
            ActionError {
                kind: ErrorKind::CpuBudgetExceeded,
                name: "CpuBudgetExceeded".to_string(),
                message: format!(
                    "the execution used more than its CPU budget of {} ms and was stopped (an endless loop?); production stops executions after 20 s",
                    budget.as_millis()
                ),
                location: crate::errors::locate(&info.stack, &st.action.filename, st.action.form),
                stack: crate::errors::user_frames(&info.stack),
            }
        } else {
            classify(info, &st.action)
        };
        // After running out of memory or being interrupted, QuickJS may hold promises that will
        // never settle (e.g. a module evaluation stopped half-way): drivers replace the instance.
        if matches!(
            error.kind,
            ErrorKind::OutOfMemory | ErrorKind::CpuBudgetExceeded
        ) {
            self.poisoned = true;
        }
        let Some(id) = st.current_exec else {
            return;
        };
        let budget = st.config.cpu_budget.as_millis();
        let after_return = |error: ActionError| {
            ActionError {
            kind: ErrorKind::CpuBudgetExceeded,
            name: "CpuBudgetSpentAfterReturn".to_string(),
            message: format!(
                "CPU budget spent after the handler returned: work the execution left queued (a queueMicrotask or promise loop?) ran until the budget of {budget} ms was spent; the instance's runtime is replaced"
            ),
            ..error
        }
        };
        let error = if returned { after_return(error) } else { error };
        if st.finish(
            id,
            Outcome::Failed {
                error: error.clone(),
            },
        ) || !interrupted
        {
            return;
        }
        // The execution had already ended (its handler returned) and work it left queued, a
        // `queueMicrotask` or promise loop, spent the budget: its report says so, not
        // "completed" (drivers replace the runtime, and count the cold start).
        if let Some(report) = st.finished.iter_mut().rev().find(|r| r.exec_id == id) {
            if !report.failed() {
                report.outcome = Outcome::Failed {
                    error: after_return(error),
                };
            }
        }
    }

    /// Whether the handler `__actsim_start` just called has already returned (its promise is
    /// fulfilled) while the execution is not settled yet: work it queued is running.
    fn started_handler_returned(&self) -> bool {
        self.context.with(|ctx| {
            let Ok(handles) = crate::handles::get(&ctx) else {
                return false;
            };
            let started = handles.started.borrow();
            let Some(context) = started.as_ref() else {
                return false;
            };
            handles.atoms.promise.get(context).is_ok_and(|p: Value| {
                p.as_promise()
                    .is_some_and(|p| p.state() == rquickjs::promise::PromiseState::Resolved)
            })
        })
    }

    /// Rejections still unhandled after the job queue drained fail their execution, even one
    /// that has just completed (Node 22 treats them as fatal).
    fn settle_rejections(&mut self) {
        if !std::mem::take(&mut self.state.borrow_mut().rejections_pending) {
            return;
        }
        let pending: Vec<(Option<ExecId>, ActionError)> = self.context.with(|ctx| {
            crate::handles::rejections(&ctx)
                .map(|r| {
                    r.0.borrow_mut()
                        .drain(..)
                        .map(|p| (p.exec_id, p.error))
                        .collect()
                })
                .unwrap_or_default()
        });
        let mut st = self.state.borrow_mut();
        for (exec_id, error) in pending {
            let Some(id) = exec_id else {
                continue;
            };
            let outcome = Outcome::Failed { error };
            if !st.finish(id, outcome.clone()) {
                if let Some(report) = st.finished.iter_mut().rev().find(|r| r.exec_id == id) {
                    if !report.failed() {
                        report.outcome = outcome;
                    }
                }
            }
        }
    }
}

/// What [`Instance::prepare`] made for `__actsim_start`.
struct PreparedCall {
    exec_id: ExecId,
    trigger_index: u32,
    handler_index: u32,
    event: PreparedEvent,
    /// The frozen secrets object (held only between `prepare` and `call_start`).
    secrets: Persistent<Object<'static>>,
    /// How many lazy accessors the event gets.
    accessors: usize,
}

/// Keep track of rejected promises without a handler; forget them once a handler is attached.
fn track_rejection<'js>(
    state: &HostStateRef,
    ctx: &Ctx<'js>,
    promise: Value<'js>,
    reason: Value<'js>,
    handled: bool,
) {
    let Ok(list) = crate::handles::rejections(ctx) else {
        return;
    };
    if handled {
        list.0.borrow_mut().retain(|r| r.promise != promise);
        return;
    }
    let info = describe_value(&reason);
    let mut st = state.borrow_mut();
    let mut error = classify(info, &st.action);
    error.kind = ErrorKind::UnhandledRejection;
    error.message = format!(
        "unhandled promise rejection: {}: {} (a promise rejected and nothing awaited or caught it)",
        error.name, error.message
    );
    let exec_id = st.current_exec;
    st.rejections_pending = true;
    list.0.borrow_mut().push(PendingRejection {
        promise,
        exec_id,
        error,
    });
}

/// Describe any thrown JS value for the host.
pub(crate) fn describe_value(value: &Value<'_>) -> JsErrorInfo {
    if let Some(obj) = value.as_object() {
        let get = |k: &str| {
            obj.get::<_, Option<String>>(k)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        JsErrorInfo {
            name: {
                let n = get("name");
                if n.is_empty() {
                    "Error".to_string()
                } else {
                    n
                }
            },
            message: get("message"),
            stack: get("stack"),
            phase: String::new(),
        }
    } else {
        let text = if let Some(s) = value.as_string() {
            s.to_string().unwrap_or_default()
        } else if value.is_null() {
            "null".to_string()
        } else if let Some(n) = value.as_number() {
            n.to_string()
        } else {
            format!("{:?}", value.type_of())
        };
        JsErrorInfo {
            name: "Error".to_string(),
            message: text,
            stack: String::new(),
            phase: String::new(),
        }
    }
}
