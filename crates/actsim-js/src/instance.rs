//! One simulated Actions instance: a QuickJS runtime and realm with the prelude loaded and the
//! action's module initialised lazily on its first execution. Drivers start executions, take
//! the host operations JavaScript waits for, complete them in virtual time, and collect the
//! finished executions' reports.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use rquickjs::{Class, Context, Ctx, Function, Object, Persistent, Runtime, Value};

use crate::atoms::HostAtoms;
use crate::clock::Clock;
use crate::errors::{classify, JsErrorInfo};
use crate::event::{EventSource, LazyField, PreparedEvent};
use crate::leak_check::LeakGuard;
use crate::ops::{ExecId, HostOp, OpId, OpResult};
use crate::report::{
    ActionError, ConsoleLine, ErrorKind, ExecutionReport, Outcome, Phase, Trigger,
};
use crate::rng::SeededRng;
use crate::source::ActionSource;
use crate::state::{CpuDeadline, HostState, HostStateRef, PendingRejection, SharedCache};
use crate::trigger::{handler_code, trigger_code};
use crate::HostError;

/// The Node.js version actsim emulates (`process.version`): production's Node 22 runtime.
pub const NODE_VERSION: &str = "v22.12.0";

/// Allocation volume between cycle collections. QuickJS's default (256 KiB) makes every
/// execution pay for scanning the prelude's objects; 8 MiB keeps collection rare without
/// holding on to much garbage (reference counting frees most objects at once anyway).
const GC_THRESHOLD_BYTES: usize = 8 * 1024 * 1024;

/// The layout of an instance's events: the number of lazy fields, and how many times its lazy
/// accessors have changed.
type EventLayout = (usize, u32);

/// How many times an instance builds the objects that keep its events' shapes: events whose
/// layouts keep alternating (fields present for some users only) are not worth rebuilding for.
const MAX_EVENT_KEEPER_BUILDS: u32 = 4;

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
    /// Cache writes (set and delete) allowed per execution before `MaxSideEffectsExceeded`;
    /// production's cap is not documented, so there is none by default.
    pub max_cache_writes_per_execution: Option<u32>,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            seed: 0,
            cpu_budget: Duration::from_secs(20),
            memory_limit_bytes: 128 * 1024 * 1024,
            max_stack_bytes: 1024 * 1024,
            console_cap_bytes: 256 * 1024,
            max_cache_writes_per_execution: None,
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

/// A JS runtime with one action loaded. Not `Send`: one thread drives it.
pub struct Instance {
    /// The prelude's `__actsim_start` and `__actsim_complete` (declared before the runtime, so
    /// they are released first).
    start_fn: Persistent<Function<'static>>,
    complete_fn: Persistent<Function<'static>>,
    /// The prelude's maker of lazy event-field accessors, and the accessors of the last event
    /// layout seen, by position (with the field name each was made for).
    lazy_accessor_fn: Persistent<Function<'static>>,
    /// The prelude's `watch(context)` (settle when the handler's promise does) and
    /// `completed(context)`.
    watch_fn: Persistent<Function<'static>>,
    completed_fn: Persistent<Function<'static>>,
    /// The prelude's `freezeSecrets(json)`, and the frozen secrets object of the last set of
    /// secrets seen (executions share it: frozen, it cannot carry state between them).
    freeze_secrets_fn: Persistent<Function<'static>>,
    secrets_target: Option<(Secrets, Persistent<Object<'static>>)>,
    lazy_accessors: Vec<(Rc<str>, LazyField)>,
    /// Objects that keep alive the shapes an event goes through as its accessors are defined
    /// (see `keepShapes` in prelude.js), with the layout they were made for (field count and
    /// `accessor_layout`); made at the instance's second execution, and again when the events'
    /// layout changes, at most [`MAX_EVENT_KEEPER_BUILDS`] times.
    event_shape_keepers: Option<(EventLayout, Vec<Persistent<Object<'static>>>)>,
    /// Changes of the lazy accessors (one per accessor made), and keeper sets built so far.
    accessor_layout: u32,
    event_keeper_builds: u32,
    /// Executions started on this instance.
    executions_started: u64,
    /// `Object.prototype`, the prototype of each execution's `event`.
    object_prototype: Persistent<Object<'static>>,
    state: HostStateRef,
    deadline: CpuDeadline,
    poisoned: bool,
    context: Context,
    runtime: Runtime,
    /// Dropped last: checks (in debug builds) that the runtime freed all its memory.
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
        let (leak_guard, runtime) = crate::leak_check::new_runtime().map_err(HostError::engine)?;
        runtime.set_memory_limit(config.memory_limit_bytes);
        runtime.set_max_stack_size(config.max_stack_bytes);
        runtime.set_gc_threshold(GC_THRESHOLD_BYTES);
        let context = crate::realm::new_realm(&runtime).map_err(HostError::engine)?;
        let (atoms, object_prototype) = context
            .with(|ctx| -> rquickjs::Result<_> {
                let object: Object = ctx.globals().get("Object")?;
                let prototype: Object = object.get("prototype")?;
                Ok((HostAtoms::new(&ctx)?, Persistent::save(&ctx, prototype)))
            })
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
            rejections: Vec::new(),
            cache_value_memo: None,
            orphan_console: Vec::new(),
            out_of_memory: false,
            modules,
            atoms,
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
        let (start_fn, complete_fn, lazy_accessor_fn, watch_fn, completed_fn, freeze_secrets_fn) =
            context
                .with(|ctx| -> rquickjs::Result<_> {
                    let globals = ctx.globals();
                    let start: Function = globals.get("__actsim_start")?;
                    let complete: Function = globals.get("__actsim_complete")?;
                    let take = |name: &str| -> rquickjs::Result<Persistent<Function<'static>>> {
                        let f: Function = globals.get(name)?;
                        globals.remove(name)?;
                        Ok(Persistent::save(&ctx, f))
                    };
                    Ok((
                        Persistent::save(&ctx, start),
                        Persistent::save(&ctx, complete),
                        take("__actsim_lazy_accessor")?,
                        take("__actsim_watch")?,
                        take("__actsim_completed")?,
                        take("__actsim_freeze_secrets")?,
                    ))
                })
                .map_err(HostError::prelude)?;
        Ok(Instance {
            start_fn,
            complete_fn,
            lazy_accessor_fn,
            watch_fn,
            completed_fn,
            freeze_secrets_fn,
            secrets_target: None,
            lazy_accessors: Vec::new(),
            event_shape_keepers: None,
            accessor_layout: 0,
            event_keeper_builds: 0,
            executions_started: 0,
            object_prototype,
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
    pub fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, HostError> {
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
        if self
            .secrets_target
            .as_ref()
            .is_none_or(|(seen, _)| !Rc::ptr_eq(seen, &spec.secrets) && *seen != spec.secrets)
        {
            let json = serde_json::to_string(&*spec.secrets).map_err(HostError::Event)?;
            let freeze = self.freeze_secrets_fn.clone();
            let target = self
                .context
                .with(|ctx| -> rquickjs::Result<Persistent<Object<'static>>> {
                    let target: Object = freeze.restore(&ctx)?.call((json,))?;
                    Ok(Persistent::save(&ctx, target))
                })
                .map_err(HostError::prelude)?;
            self.secrets_target = Some((spec.secrets.clone(), target));
        }
        let secrets = self
            .secrets_target
            .as_ref()
            .map(|(_, target)| target.clone())
            .expect("made above");
        let exec_id = self
            .state
            .borrow_mut()
            .begin(spec.trigger, handler, spec.cache);
        // Accessors for fields at positions this instance has not seen with that name yet
        // (made outside `enter`, so that making them never counts against an execution).
        // Events of one instance nearly always share one layout, so this is a comparison of
        // names, not a lookup. `secrets` is one of them: it replaces a field of that name, or
        // comes last.
        let fields = event.fields();
        let secrets_index = fields
            .iter()
            .position(|f| &*f.name == "secrets")
            .unwrap_or(fields.len());
        let count = fields.len().max(secrets_index + 1);
        for index in 0..count {
            let name = fields.get(index).map_or("secrets", |f| &*f.name);
            let known = self
                .lazy_accessors
                .get(index)
                .is_some_and(|(seen, _)| **seen == *name);
            if !known {
                self.make_lazy_accessor(index, name)?;
            }
        }
        let layout = (count, self.accessor_layout);
        if self.executions_started > 0
            && self.event_keeper_builds < MAX_EVENT_KEEPER_BUILDS
            && self.event_shape_keepers.as_ref().map(|(l, _)| *l) != Some(layout)
        {
            self.keep_event_shapes(layout);
        }
        self.executions_started += 1;
        let start = self.start_fn.clone();
        let object_prototype = self.object_prototype.clone();
        let now_ms = self.state.borrow().clock.now_ms();
        let accessors = std::mem::take(&mut self.lazy_accessors);
        // The prelude takes both as small integers (see the two functions).
        let trigger_index = trigger_code(spec.trigger);
        let mut started_context: Option<Persistent<Object<'static>>> = None;
        let run = |ctx: &Ctx<'_>| -> rquickjs::Result<()> {
            // The event is the native object holding its fields, seen by JavaScript as a plain
            // object (its prototype is Object.prototype), with one accessor per field.
            let event_obj = Class::instance_proto(
                EventSource {
                    event,
                    exec_id,
                    secrets: secrets.restore(ctx)?,
                },
                object_prototype.restore(ctx)?,
            )?;
            for (_, lazy) in &accessors[..count] {
                lazy.define(ctx, &event_obj)?;
            }
            let returned: Value = start.restore(ctx)?.call((
                now_ms as f64,
                exec_id as f64,
                trigger_index,
                handler_index,
                event_obj,
            ))?;
            if let Some(context) = returned.into_object() {
                started_context = Some(Persistent::save(ctx, context));
            }
            Ok(())
        };
        let started = self.begin_entry(Some(exec_id));
        self.run_in_realm(run);
        self.lazy_accessors = accessors;
        self.drain_jobs();
        if let Some(context) = started_context {
            // Jobs the handler queued have run (as they would before the promise's own
            // reaction): now the handler's promise says whether the execution is over.
            self.settle_started(exec_id, context);
        }
        self.end_entry(Some(exec_id), started);
        Ok(exec_id)
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
        let (ok, payload) = match result {
            OpResult::Fetch(response) => (
                true,
                Some(serde_json::to_string(&response).unwrap_or_default()),
            ),
            OpResult::NetworkError(message) => (false, Some(message)),
            OpResult::TimerFired => (true, None),
        };
        let complete = self.complete_fn.clone();
        let now_ms = self.state.borrow().clock.now_ms();
        self.enter(owner, |ctx| {
            let complete = complete.restore(ctx)?;
            complete.call::<_, ()>((now_ms as f64, op as f64, ok, payload))
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
        std::mem::take(&mut self.state.borrow_mut().orphan_console)
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
                    self.fail_current(info);
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

    /// Keep the shapes an event with the first `count` lazy accessors goes through (one object
    /// per step, each with Object.prototype as prototype, like the event): each execution's
    /// event then finds them instead of building them again. The keepers are held here, not
    /// in a JavaScript array (whose element sets could reach setters an action defined), and
    /// a failure only means the shapes are not kept: it never fails an execution.
    fn keep_event_shapes(&mut self, layout: EventLayout) {
        self.event_keeper_builds += 1;
        let accessors = &self.lazy_accessors[..layout.0];
        let kept = self.context.with(|ctx| -> rquickjs::Result<_> {
            let mut keepers = Vec::with_capacity(accessors.len() + 1);
            for step in 0..=accessors.len() {
                let keeper = Object::new(ctx.clone())?;
                for (_, lazy) in &accessors[..step] {
                    lazy.define(&ctx, &keeper)?;
                }
                keepers.push(Persistent::save(&ctx, keeper));
            }
            Ok(keepers)
        });
        self.event_shape_keepers = kept.ok().map(|keepers| (layout, keepers));
    }

    /// Make (with the prelude) the accessor of event field `name` at position `index`,
    /// replacing the one made for another name there.
    fn make_lazy_accessor(&mut self, index: usize, name: &str) -> Result<(), HostError> {
        let lazy = self.lazy_accessor_fn.clone();
        let made = self.context.with(|ctx| -> rquickjs::Result<LazyField> {
            let pair: rquickjs::Array = lazy.restore(&ctx)?.call((name, index))?;
            let (get, set): (Function, Function) = (pair.get(0)?, pair.get(1)?);
            LazyField::new(&ctx, name, &get, &set)
        });
        let made = made.map_err(HostError::prelude)?;
        let entry: (Rc<str>, LazyField) = (name.into(), made);
        self.accessor_layout = self.accessor_layout.wrapping_add(1);
        if index < self.lazy_accessors.len() {
            let (_, old) = std::mem::replace(&mut self.lazy_accessors[index], entry);
            self.context.with(|ctx| old.free(&ctx));
        } else {
            self.lazy_accessors.push(entry);
        }
        Ok(())
    }

    /// Settle an execution whose handler was called: if its promise is already fulfilled
    /// (the handler never waited on anything) the execution completes here, without a promise
    /// job; otherwise the prelude's `watch` settles it when the promise does.
    fn settle_started(&mut self, exec_id: ExecId, context: Persistent<Object<'static>>) {
        let mut done = false;
        let (watch, completed) = (self.watch_fn.clone(), self.completed_fn.clone());
        let state = self.state.clone();
        let atoms = self.state.borrow().atoms;
        let failure = self.context.with(|ctx| {
            let settle = || -> rquickjs::Result<()> {
                let context = context.restore(&ctx)?;
                let promise = atoms.get(&ctx, &context, atoms.promise)?;
                let resolved = promise
                    .as_promise()
                    .is_some_and(|p| p.state() == rquickjs::promise::PromiseState::Resolved);
                if !resolved {
                    return watch.restore(&ctx)?.call::<_, ()>((context,));
                }
                // Completed: the common case is finished here; a redirect or an unread failed
                // cache write goes through the prelude, which knows how to report them.
                let plain = atoms.get(&ctx, &context, atoms.redirect)?.is_null()
                    && atoms.get(&ctx, &context, atoms.unread)?.is_null();
                if !plain {
                    return completed.restore(&ctx)?.call::<_, ()>((context,));
                }
                let denied = atoms
                    .get(&ctx, &context, atoms.denied)?
                    .as_bool()
                    .unwrap_or(false);
                // Cut the context's cycles (as the prelude's `release` does).
                atoms.set_null(&ctx, &context, atoms.api)?;
                for field in atoms.part_fields {
                    if !atoms.get(&ctx, &context, field)?.is_null() {
                        atoms.set_null(&ctx, &context, field)?;
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
        if let Some(id) = st.current_exec {
            st.finish(id, Outcome::Failed { error });
        }
    }

    /// Rejections still unhandled after the job queue drained fail their execution, even one
    /// that has just completed (Node 22 treats them as fatal).
    fn settle_rejections(&mut self) {
        let pending = std::mem::take(&mut self.state.borrow_mut().rejections);
        let mut st = self.state.borrow_mut();
        for rejection in pending {
            let Some(id) = rejection.exec_id else {
                continue;
            };
            let outcome = Outcome::Failed {
                error: rejection.error,
            };
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

impl Drop for Instance {
    fn drop(&mut self) {
        // Persistent JS values must be released while the runtime is still alive.
        {
            let mut st = self.state.borrow_mut();
            st.rejections.clear();
            st.cache_value_memo = None;
        }
        let fields = std::mem::take(&mut self.lazy_accessors);
        let atoms = self.state.borrow().atoms;
        self.context.with(|ctx| {
            for (_, field) in fields {
                field.free(&ctx);
            }
            atoms.free(&ctx);
        });
    }
}

/// Keep track of rejected promises without a handler; forget them once a handler is attached.
fn track_rejection<'js>(
    state: &HostStateRef,
    ctx: &Ctx<'js>,
    promise: Value<'js>,
    reason: Value<'js>,
    handled: bool,
) {
    if handled {
        let mut st = state.borrow_mut();
        st.rejections
            .retain(|r| match r.promise.clone().restore(ctx) {
                Ok(p) => p != promise,
                Err(_) => false,
            });
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
    st.rejections.push(PendingRejection {
        promise: Persistent::save(ctx, promise),
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
