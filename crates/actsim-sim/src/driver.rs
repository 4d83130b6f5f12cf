//! The execution protocol, once: the runtime boundary the engine drives (start an execution,
//! take the host operations it waits on, complete them, collect finished reports), how a host
//! operation is resolved in virtual time, how transaction metadata is carried from one execution
//! to the next, and the `/continue` request a user brings back after a redirect.
//!
//! `simulate`, `actsim run` (a one-instance simulation with scripted arrivals) and the JS
//! crate's integration tests all go through this module, so they cannot drift apart.

use actsim_js::{
    ActionSource, Clock, ExecId, ExecutionReport, ExecutionSpec, FetchRequest, HostOp, HostOpKind,
    Instance, InstanceConfig, OpId, OpResult, PreparedEvent,
};
use serde_json::Value;

/// One JavaScript runtime as the engine sees it. [`Instance`] is the real one; tests script
/// fakes to check the engine (placement, resumes, timeouts, rollbacks) without QuickJS.
pub trait Runtime {
    /// Start an execution.
    fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, String>;
    /// The host operations started since the last call.
    fn take_ops(&mut self) -> Vec<HostOp>;
    /// Whether `op` still waits for its result.
    fn is_pending(&self, op: OpId) -> bool;
    /// Deliver `op`'s result and run what it unblocks until idle.
    fn complete(&mut self, op: OpId, result: OpResult);
    /// End `exec` as failed with `message`.
    fn abort(&mut self, exec: ExecId, message: &str);
    /// Reports of executions that ended since the last call.
    fn take_finished(&mut self) -> Vec<ExecutionReport>;
    /// Whether the runtime is unusable (out of memory, …) and must be replaced when idle.
    fn is_poisoned(&self) -> bool;
}

impl Runtime for Instance {
    fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, String> {
        Instance::start(self, spec).map_err(|e| e.to_string())
    }
    fn take_ops(&mut self) -> Vec<HostOp> {
        Instance::take_ops(self)
    }
    fn is_pending(&self, op: OpId) -> bool {
        Instance::is_pending(self, op)
    }
    fn complete(&mut self, op: OpId, result: OpResult) {
        Instance::complete(self, op, result)
    }
    fn abort(&mut self, exec: ExecId, message: &str) {
        Instance::abort(self, exec, message)
    }
    fn take_finished(&mut self) -> Vec<ExecutionReport> {
        Instance::take_finished(self)
    }
    fn is_poisoned(&self) -> bool {
        Instance::is_poisoned(self)
    }
}

/// Makes runtimes for simulated instances.
pub trait RuntimeFactory {
    /// A runtime for `source` on `clock` with `config`.
    fn create(
        &mut self,
        source: &ActionSource,
        clock: &Clock,
        config: InstanceConfig,
    ) -> Result<Box<dyn Runtime>, String>;
}

/// Real runtimes: one QuickJS [`Instance`] each.
#[derive(Debug, Default, Clone, Copy)]
pub struct QuickJs;

impl RuntimeFactory for QuickJs {
    fn create(
        &mut self,
        source: &ActionSource,
        clock: &Clock,
        config: InstanceConfig,
    ) -> Result<Box<dyn Runtime>, String> {
        Instance::new(source.clone(), clock.clone(), config)
            .map(|i| Box::new(i) as Box<dyn Runtime>)
            .map_err(|e| e.to_string())
    }
}

/// When a host operation completes and with what.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// Virtual time the result arrives.
    pub at_ms: i64,
    /// The operation.
    pub op: OpId,
    /// Its result.
    pub result: OpResult,
}

/// Resolve `op`, issued at `now_ms`: a timer fires after its delay; a fetch is answered by
/// `fetch`, which returns the result and its latency.
pub fn resolve(
    op: HostOp,
    now_ms: i64,
    fetch: impl FnOnce(&FetchRequest) -> (OpResult, i64),
) -> Completion {
    match op.kind {
        HostOpKind::Timer { delay_ms } => Completion {
            at_ms: now_ms + delay_ms,
            op: op.id,
            result: OpResult::TimerFired,
        },
        HostOpKind::Fetch(req) => {
            let (result, latency) = fetch(&req);
            Completion {
                at_ms: now_ms + latency,
                op: op.id,
                result,
            }
        }
    }
}

/// Drive one already started execution on its own: fetches are answered by `fetch` (result
/// and latency), timers fire in virtual-time order (ties in the order they were started) with
/// the clock moved to their due time. Returns the report once `exec` ends, or `None` when it
/// still runs with nothing left to wait for. (The engine does the same for many executions
/// through its event queue.)
pub fn drive(
    rt: &mut dyn Runtime,
    clock: &Clock,
    exec: ExecId,
    mut fetch: impl FnMut(&FetchRequest) -> (OpResult, i64),
) -> Option<ExecutionReport> {
    let mut queue: std::collections::BTreeMap<(i64, u64), (OpId, OpResult)> = Default::default();
    let mut seq = 0u64;
    loop {
        for op in rt.take_ops() {
            seq += 1;
            let c = resolve(op, clock.now_ms(), &mut fetch);
            queue.insert((c.at_ms, seq), (c.op, c.result));
        }
        if let Some(report) = rt.take_finished().into_iter().find(|r| r.exec_id == exec) {
            return Some(report);
        }
        let ((at, _), (op, result)) = queue.pop_first()?;
        if at > clock.now_ms() {
            clock.set(at);
        }
        rt.complete(op, result);
    }
}

/// Whether flows of `trigger` can suspend for a redirect and resume (it has a continue
/// handler). Flows are keyed by [`actsim_js::Trigger`]: a new trigger needs no edit here.
pub fn can_resume(trigger: actsim_js::Trigger) -> bool {
    trigger.handler_name(actsim_js::Phase::Continue).is_some()
}

/// Whether the trigger's events carry a user (`event.user` is an object): then each simulated
/// user gets their own, and metrics count per user.
pub fn has_user(event: &Value) -> bool {
    event.get("user").is_some_and(Value::is_object)
}

/// The `state` a user brings back to `/continue` on the `n`-th resume of `login`.
pub fn resume_state(login: u64, n: u32) -> String {
    format!("actsim-state-{login}-{n}")
}

/// The event after a redirect: a new `event.request` for the `/continue` call (GET with the
/// `state` and `params` in the query, or POST with the `body` form fields).
pub fn continue_event(
    event: &PreparedEvent,
    state: String,
    params: &std::collections::BTreeMap<String, String>,
    body: &std::collections::BTreeMap<String, String>,
) -> PreparedEvent {
    let mut query = serde_json::Map::new();
    query.insert("state".into(), Value::String(state));
    for (k, v) in params {
        query.insert(k.clone(), Value::String(v.clone()));
    }
    let form: serde_json::Map<String, Value> = body
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let request = event.field_value("request");
    match request {
        Some(Value::Object(mut request)) => {
            let method = if form.is_empty() { "GET" } else { "POST" };
            request.insert("method".into(), Value::String(method.into()));
            request.insert("query".into(), Value::Object(query));
            request.insert("body".into(), Value::Object(form));
            event.with_field("request", &Value::Object(request))
        }
        _ => event.clone(),
    }
}

/// The continue event's `event.prompt`. After `api.prompt.render(id, {fields?, vars?})` it is
/// `{id, fields, vars}`: the fields the user submitted (the render's `fields`, pre-filled and
/// hidden ones, with `submitted` over them) and the render's `vars` (`{}` without them). After
/// a redirect that was not a prompt the event has no `prompt`.
pub fn prompt_event(
    event: &PreparedEvent,
    rendered: Option<&actsim_js::Redirect>,
    submitted: &std::collections::BTreeMap<String, Value>,
) -> PreparedEvent {
    let Some((id, options)) = rendered.and_then(|r| Some((r.prompt.as_ref()?, &r.query))) else {
        return event.without_field("prompt");
    };
    let object = |name: &str| match options.get(name) {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    let mut fields = object("fields");
    for (k, v) in submitted {
        fields.insert(k.clone(), v.clone());
    }
    let prompt = serde_json::json!({ "id": id, "fields": fields, "vars": object("vars") });
    event.with_field("prompt", &prompt)
}

/// Apply the execution's `api.transaction.setMetadata` calls to the flow's event, so that later
/// actions and the continue see them (as production carries transaction metadata along).
pub fn apply_transaction_metadata(event: &mut PreparedEvent, report: &ExecutionReport) {
    let mut calls = report
        .commands
        .iter()
        .filter(|c| c.name == "transaction.setMetadata")
        .peekable();
    if calls.peek().is_none() {
        return;
    }
    let Some(mut transaction) = event.field_value("transaction") else {
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
