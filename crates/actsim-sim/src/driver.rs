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

/// The `/continue` requests of one simulation: [`continue_event`] with the simulation's `params`
/// and `body`. With the fast paths on, the new `request` field is written from a template made
/// once per distinct `request` text (its JSON around the hole where `state` goes) instead of
/// parsing and serialising the field on every continue; the text is the same byte for byte.
pub struct ContinueRequests {
    params: std::collections::BTreeMap<String, String>,
    body: std::collections::BTreeMap<String, String>,
    fast: bool,
    /// The last `request` text seen and its template (`None`: not an object).
    last: Option<(String, Option<RequestTemplate>)>,
}

/// A continue's `request` JSON text: `before`, the `state` as a JSON string, `after` (or
/// `before` alone when the scenario's `params` set `state` themselves).
struct RequestTemplate {
    before: String,
    after: String,
    has_hole: bool,
}

impl ContinueRequests {
    /// The continues of a simulation whose users bring back `params` (query) and `body` (form).
    pub fn new(
        params: &std::collections::BTreeMap<String, String>,
        body: &std::collections::BTreeMap<String, String>,
        fast: actsim_js::FastPaths,
    ) -> Self {
        ContinueRequests {
            params: params.clone(),
            body: body.clone(),
            fast: fast.on(),
            last: None,
        }
    }

    /// [`continue_event`] of `event` with `state`.
    pub fn event(&mut self, event: &PreparedEvent, state: String) -> PreparedEvent {
        if !self.fast {
            return continue_event(event, state, &self.params, &self.body);
        }
        let Some(text) = event.field_json("request") else {
            return event.clone();
        };
        if self.last.as_ref().is_none_or(|(seen, _)| seen != text) {
            let template = match event.field_value("request") {
                Some(Value::Object(request)) => {
                    Some(request_template(request, &self.params, &self.body))
                }
                _ => None,
            };
            self.last = Some((text.to_string(), template));
        }
        match self.last.as_ref().and_then(|(_, t)| t.as_ref()) {
            Some(t) => {
                let mut json = String::with_capacity(t.before.len() + t.after.len() + 48);
                json.push_str(&t.before);
                if t.has_hole {
                    push_json(&mut json, &Value::String(state));
                    json.push_str(&t.after);
                }
                event.with_field_json("request", json.into())
            }
            None => event.clone(),
        }
    }
}

/// The template of [`continue_event`]'s `request` for `request`: the same entries in the same
/// order (serde_json's map keeps insertion order) written as serde_json's compact text, with
/// `query`'s first entry, `state`, left as the hole.
fn request_template(
    mut request: serde_json::Map<String, Value>,
    params: &std::collections::BTreeMap<String, String>,
    body: &std::collections::BTreeMap<String, String>,
) -> RequestTemplate {
    let method = if body.is_empty() { "GET" } else { "POST" };
    request.insert("method".into(), Value::String(method.into()));
    // A placeholder: `query` is written below, where its entry stands.
    request.insert("query".into(), Value::Null);
    let form = body
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    request.insert("body".into(), Value::Object(form));
    let mut before = String::from("{");
    let mut after = String::new();
    let mut has_hole = false;
    for (i, (key, value)) in request.iter().enumerate() {
        let out = if has_hole { &mut after } else { &mut before };
        if i > 0 {
            out.push(',');
        }
        push_json(out, &Value::String(key.clone()));
        out.push(':');
        if key != "query" {
            push_json(out, value);
            continue;
        }
        // `state` comes first, then the params (a `state` among them takes its place).
        out.push_str("{\"state\":");
        match params.get("state") {
            Some(state) => push_json(out, &Value::String(state.clone())),
            None => has_hole = true,
        }
        let out = if has_hole { &mut after } else { &mut before };
        for (k, v) in params.iter().filter(|(k, _)| *k != "state") {
            out.push(',');
            push_json(out, &Value::String(k.clone()));
            out.push(':');
            push_json(out, &Value::String(v.clone()));
        }
        out.push('}');
    }
    if has_hole {
        after.push('}');
    } else {
        before.push('}');
    }
    RequestTemplate {
        before,
        after,
        has_hole,
    }
}

/// Append `value` as JSON text for an event field (lone surrogates as `\udXXX`, as
/// [`PreparedEvent::with_field`] writes them).
fn push_json(out: &mut String, value: &Value) {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    out.push_str(&actsim_js::escape_lone_surrogates(&text));
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

#[cfg(test)]
mod tests {
    use super::*;
    use actsim_js::FastPaths;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The templates write each continue's `request` exactly as parsing and serialising it
    /// does: requests with and without `query`/`method`/`body` (in various places), escapes,
    /// non-ASCII text, a lone surrogate, params that set `state` themselves, a POST form, a
    /// request that is not an object, no request at all, and a second resume of the same flow.
    #[test]
    fn templates_write_the_same_request_text() {
        let requests = [
            json!({"ip": "127.0.0.1", "hostname": "t.example", "geoip": {"countryCode": "FR"}}),
            json!({"query": {"old": "x"}, "ip": "1", "method": "POST", "body": {"a": "b"}}),
            json!({"method": "GET", "user_agent": "Mozilla \"5\"\n\u{e9}\u{1F600}\\", "query": null}),
            json!({"language": "fr", "weird key \"\u{7}": [1, 2.5, null, true, {"x": {}}]}),
            json!("not an object"),
            json!({}),
        ];
        let params = [
            map(&[]),
            map(&[("ui_locales", "fr"), ("a\"b", "c\u{e9}")]),
            map(&[("state", "set by params"), ("zz", "1")]),
            map(&[("state", "s")]),
        ];
        let bodies = [map(&[]), map(&[("accept", "yes"), ("name", "\u{1F600}")])];
        let lone = PreparedEvent::new(&json!({"request": {"ip": "1"}}))
            .with_field_json("request", r#"{"ip":"a\ud83db","query":{}}"#.into());
        let mut events: Vec<PreparedEvent> = requests
            .iter()
            .map(|r| PreparedEvent::new(&json!({"user": {"user_id": "u"}, "request": r})))
            .collect();
        events.push(PreparedEvent::new(&json!({"user": {"user_id": "u"}})));
        events.push(lone);
        for params in &params {
            for body in &bodies {
                let mut fast = ContinueRequests::new(params, body, FastPaths::On);
                let mut slow = ContinueRequests::new(params, body, FastPaths::Off);
                for event in &events {
                    for n in 1..=2 {
                        let state = resume_state(7, n);
                        let expected = continue_event(event, state.clone(), params, body);
                        assert_eq!(slow.event(event, state.clone()), expected);
                        let got = fast.event(event, state.clone());
                        assert_eq!(got, expected, "{params:?} {body:?} {event:?}");
                        // A second resume starts from the first one's request.
                        let again = resume_state(7, n + 1);
                        assert_eq!(
                            fast.event(&got, again.clone()),
                            continue_event(&expected, again, params, body)
                        );
                    }
                }
            }
        }
    }

    /// The hole is filled with each continue's own state.
    #[test]
    fn each_continue_gets_its_state() {
        let event = PreparedEvent::new(&json!({"request": {"ip": "1"}}));
        let mut fast = ContinueRequests::new(&map(&[("x", "y")]), &map(&[]), FastPaths::On);
        let first = fast.event(&event, resume_state(1, 1));
        let second = fast.event(&event, resume_state(2, 1));
        assert_eq!(
            first.field_json("request"),
            Some(
                r#"{"ip":"1","method":"GET","query":{"state":"actsim-state-1-1","x":"y"},"body":{}}"#
            )
        );
        assert_eq!(
            second.field_json("request"),
            Some(
                r#"{"ip":"1","method":"GET","query":{"state":"actsim-state-2-1","x":"y"},"body":{}}"#
            )
        );
    }
}
