//! The driver behind `actsim run`: one warm instance (and, for a resume elsewhere, a second
//! one), a virtual clock, the in-process tenant, and a small event queue that completes timers
//! and HTTP requests in virtual-time order until each execution ends.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use actsim_cache::{CacheLimits, CacheStore};
use actsim_js::{
    ActionSource, Clock, ExecId, ExecutionReport, ExecutionSpec, HostOpKind, Instance,
    InstanceConfig, OpId, OpResult, Outcome, Phase, SharedCache, Trigger,
};
use actsim_tenant::{Tenant, TenantConfig};
use serde_json::Value;

use super::report::{CacheEntryOut, ExecutionEntry, HttpCall, RunReport, Summary, TokenOut};
use super::router::route;
use crate::diagnostics::CliError;
use actsim_sim::warnings::Detector;

/// Where `onContinuePostLogin` runs after a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ResumeOn {
    /// The instance that ran `onExecutePostLogin` (warm module scope, same cache).
    Same,
    /// A fresh instance with an empty cache: what production may do after a yield.
    Fresh,
}

/// Everything `actsim run` needs.
pub struct RunOptions {
    /// The action.
    pub action: ActionSource,
    /// The trigger.
    pub trigger: Trigger,
    /// The event (without secrets).
    pub event: Value,
    /// The action's secrets.
    pub secrets: BTreeMap<String, String>,
    /// Logins to run on the warm instance.
    pub times: u32,
    /// Virtual time between logins: gap i uses entry i, the last entry repeating.
    pub advance_ms: Vec<i64>,
    /// Virtual start time.
    pub now_ms: i64,
    /// Run onContinuePostLogin after a redirect.
    pub continue_flow: bool,
    /// Where the continue phase runs.
    pub resume_on: ResumeOn,
    /// Virtual time the user spends at the redirect target.
    pub return_after_ms: i64,
    /// Query parameters the user brings back to /continue.
    pub return_params: BTreeMap<String, String>,
    /// Cache limits.
    pub cache_limits: CacheLimits,
    /// Injected failures of the first instance's next cache writes (after `cache_entries`).
    pub fail_cache_writes: u32,
    /// Records put in the first instance's cache before it runs.
    pub cache_entries: Vec<(String, String)>,
    /// Instance limits.
    pub instance: InstanceConfig,
    /// Modelled latency of each HTTP request.
    pub latency_ms: i64,
    /// Virtual-time budget of one execution (production: 20 s).
    pub execution_timeout_ms: i64,
    /// The mock tenant.
    pub tenant: TenantConfig,
    /// Notes gathered while reading inputs.
    pub notes: Vec<String>,
}

/// A simulated instance with its cache and whether it has run anything yet.
struct Slot {
    instance: Instance,
    cache: SharedCache,
    used: bool,
}

/// An operation waiting in virtual time.
enum Pending {
    Timer,
    Fetch(OpResult),
}

/// Run the action as the options say and report everything.
pub fn run(options: RunOptions) -> Result<RunReport, CliError> {
    let clock = Clock::new(options.now_ms);
    let mut tenant = Tenant::new(options.tenant.clone())
        .map_err(|e| CliError::usage(format!("the tenant configuration is invalid: {e}"), None))?;
    let mut slots: Vec<Slot> = Vec::new();
    let mut report = RunReport {
        schema: 1,
        action: options.action.filename.clone(),
        module_form: options.action.form,
        trigger: options.trigger,
        tenant_domain: options.tenant.domain.clone(),
        executions: Vec::new(),
        tokens_issued: Vec::new(),
        summary: Summary::default(),
        notes: options.notes.clone(),
    };
    let mut ctx = Ctx {
        detector: Detector::new(options.cache_limits.clone()),
        options: &options,
        clock: &clock,
        tenant: &mut tenant,
    };
    let first = ctx.new_slot(1)?;
    for (key, value) in &options.cache_entries {
        first
            .cache
            .borrow_mut()
            .set(
                key,
                value,
                &actsim_cache::SetOptions::default(),
                options.now_ms,
            )
            .map_err(|code| {
                CliError::usage(
                    format!("--cache-entry {key}=…: the cache refused it with {code}"),
                    Some(code.explain()),
                )
            })?;
    }
    first
        .cache
        .borrow_mut()
        .fail_next_writes(options.fail_cache_writes);
    slots.push(first);
    for login in 1..=options.times.max(1) {
        if login > 1 {
            let gap = (login - 2) as usize;
            let advance = options
                .advance_ms
                .get(gap)
                .or(options.advance_ms.last())
                .copied()
                .unwrap_or(0);
            clock.advance(advance);
        }
        let entry = ctx.execute(
            &mut slots[0],
            1,
            login,
            Phase::Execute,
            options.event.clone(),
        )?;
        let redirect = match &entry.report.outcome {
            Outcome::Completed {
                redirect: Some(r),
                denied: false,
            } => Some(r.clone()),
            _ => None,
        };
        let continue_event = redirect
            .as_ref()
            .map(|_| continue_event(&options, &entry, login));
        report.executions.push(entry);
        if !options.continue_flow {
            continue;
        }
        let info = options.trigger.info();
        let Some(continue_handler) = info.continue_handler else {
            if login == 1 {
                report.notes.push(format!(
                    "--continue was ignored: {} has no redirects (only post-login and password-reset-post-challenge continue after api.redirect.sendUserTo)",
                    info.id
                ));
            }
            continue;
        };
        let Some(event) = continue_event else {
            report.notes.push(format!(
                "login {login}: {} did not redirect (or denied/failed), so {continue_handler} did not run",
                info.execute
            ));
            continue;
        };
        clock.advance(options.return_after_ms);
        let index = match options.resume_on {
            ResumeOn::Same => 0,
            ResumeOn::Fresh => {
                let n = slots.len() as u32 + 1;
                slots.push(ctx.new_slot(n)?);
                slots.len() - 1
            }
        };
        let entry = ctx.execute(
            &mut slots[index],
            index as u32 + 1,
            login,
            Phase::Continue,
            event,
        )?;
        report.executions.push(entry);
    }
    for e in &report.executions {
        report.summary.add(&e.report);
        report.summary.warnings += e.warnings.len() as u32;
    }
    let tokens = tenant.issued_tokens();
    report.summary.token_requests = tenant.token_requests();
    report.summary.tokens_issued = tokens.len() as u64;
    report.tokens_issued = tokens
        .iter()
        .map(|t| TokenOut {
            client_id: t.client_id.clone(),
            audience: t.audience.clone(),
            iat: t.iat,
            exp: t.exp,
        })
        .collect();
    let missing: BTreeSet<&String> = report
        .executions
        .iter()
        .flat_map(|e| &e.report.missing_secrets)
        .collect();
    for name in missing {
        report.notes.push(format!(
            "the action read event.secrets.{name}, which is not set; add it to the --secrets file"
        ));
    }
    Ok(report)
}

/// The event for onContinuePostLogin: a new `event.request` for the /continue call, with the
/// transaction metadata the execute phase set.
fn continue_event(options: &RunOptions, entry: &ExecutionEntry, login: u32) -> Value {
    let mut event = options.event.clone();
    let mut query = serde_json::Map::new();
    query.insert(
        "state".into(),
        Value::String(format!("actsim-state-{login}")),
    );
    for (k, v) in &options.return_params {
        query.insert(k.clone(), Value::String(v.clone()));
    }
    if let Some(request) = event.get_mut("request").and_then(Value::as_object_mut) {
        request.insert("method".into(), Value::String("GET".into()));
        request.insert("query".into(), Value::Object(query));
        request.insert("body".into(), Value::Object(Default::default()));
    }
    for c in entry
        .report
        .commands
        .iter()
        .filter(|c| c.name == "transaction.setMetadata")
    {
        if let (Some(key), Some(value)) = (c.args.get(0).and_then(Value::as_str), c.args.get(1)) {
            if let Some(m) = event
                .pointer_mut("/transaction/metadata")
                .and_then(Value::as_object_mut)
            {
                if value.is_null() {
                    m.remove(key);
                } else {
                    m.insert(key.to_string(), value.clone());
                }
            }
        }
    }
    event
}

struct Ctx<'a> {
    options: &'a RunOptions,
    clock: &'a Clock,
    tenant: &'a mut Tenant,
    detector: Detector,
}

impl Ctx<'_> {
    fn new_slot(&mut self, number: u32) -> Result<Slot, CliError> {
        let mut config = self.options.instance.clone();
        config.seed = config.seed.wrapping_add(u64::from(number));
        let instance = Instance::new(self.options.action.clone(), self.clock.clone(), config)
            .map_err(|e| CliError::usage(e.to_string(), None))?;
        let store = CacheStore::new(self.options.cache_limits.clone());
        Ok(Slot {
            instance,
            cache: Rc::new(RefCell::new(store)),
            used: false,
        })
    }

    /// Run one execution on `slot` until it ends.
    fn execute(
        &mut self,
        slot: &mut Slot,
        instance_number: u32,
        login: u32,
        phase: Phase,
        event: Value,
    ) -> Result<ExecutionEntry, CliError> {
        let cold = !slot.used;
        slot.used = true;
        let cache_before = snapshot(&slot.cache, self.clock.now_ms());
        let spec = ExecutionSpec {
            trigger: self.options.trigger,
            phase,
            event: event.into(),
            secrets: self.options.secrets.clone().into(),
            cache: slot.cache.clone(),
        };
        let exec_id = slot
            .instance
            .start(spec)
            .map_err(|e| CliError::usage(e.to_string(), None))?;
        let started = self.clock.now_ms();
        let mut http: Vec<HttpCall> = Vec::new();
        let mut warnings = Vec::new();
        let mut queue: BTreeMap<(i64, u64), (OpId, Pending)> = BTreeMap::new();
        let mut seq = 0u64;
        let report = loop {
            for op in slot.instance.take_ops() {
                seq += 1;
                let now = self.clock.now_ms();
                match op.kind {
                    HostOpKind::Timer { delay_ms } => {
                        queue.insert((now + delay_ms, seq), (op.id, Pending::Timer));
                    }
                    HostOpKind::Fetch(req) => {
                        let routed = route(self.tenant, &req, now);
                        if let OpResult::Fetch(r) = &routed.result {
                            if r.status == 200 && req.url.contains("/oauth/token") {
                                self.detector.token_response(instance_number, &r.body);
                            }
                        }
                        if let Some((client, audience, exp)) = &routed.issued {
                            if let Some(w) = self.detector.token_issued(
                                now,
                                instance_number,
                                Some(u64::from(login)),
                                client,
                                audience,
                                *exp,
                            ) {
                                warnings.push(w);
                            }
                        }
                        let (status, error) = match &routed.result {
                            OpResult::Fetch(r) => (Some(r.status), None),
                            OpResult::NetworkError(m) => (None, Some(m.clone())),
                            OpResult::TimerFired => (None, None),
                        };
                        http.push(HttpCall {
                            at_ms: now,
                            method: req.method.clone(),
                            url: req.url.clone(),
                            status,
                            error,
                            latency_ms: self.options.latency_ms + routed.extra_latency_ms,
                            note: routed.note,
                        });
                        queue.insert(
                            (now + self.options.latency_ms + routed.extra_latency_ms, seq),
                            (op.id, Pending::Fetch(routed.result)),
                        );
                    }
                }
            }
            if let Some(done) = take_report(&mut slot.instance, exec_id) {
                break done;
            }
            let Some(((at, _), (op_id, pending))) = queue.pop_first() else {
                slot.instance.abort(
                    exec_id,
                    "the handler's promise never settled: it awaits something that never happens (a promise that is never resolved?)",
                );
                break take_report(&mut slot.instance, exec_id)
                    .expect("aborted execution has a report");
            };
            if at - started > self.options.execution_timeout_ms {
                self.clock.set(started + self.options.execution_timeout_ms);
                slot.instance.abort(
                    exec_id,
                    &format!(
                        "the execution exceeded its {} s limit in virtual time (production ends executions after 20 s)",
                        self.options.execution_timeout_ms / 1000
                    ),
                );
                break take_report(&mut slot.instance, exec_id)
                    .expect("aborted execution has a report");
            }
            self.clock.set(at);
            let result = match pending {
                Pending::Timer => OpResult::TimerFired,
                Pending::Fetch(result) => result,
            };
            slot.instance.complete(op_id, result);
        };
        let cache_after = snapshot(&slot.cache, self.clock.now_ms());
        let total = slot.cache.borrow().total_bytes(self.clock.now_ms());
        warnings.extend(self.detector.execution(
            instance_number,
            Some(u64::from(login)),
            &report,
            total,
        ));
        if slot.instance.is_poisoned() {
            let fresh = self.new_slot(instance_number)?;
            slot.instance = fresh.instance;
            slot.used = false;
        }
        Ok(ExecutionEntry {
            login,
            phase,
            instance: instance_number,
            cold,
            report,
            http,
            cache_before,
            cache_after,
            warnings,
        })
    }
}

fn take_report(instance: &mut Instance, exec_id: ExecId) -> Option<ExecutionReport> {
    instance
        .take_finished()
        .into_iter()
        .find(|r| r.exec_id == exec_id)
}

fn snapshot(cache: &SharedCache, now_ms: i64) -> Vec<CacheEntryOut> {
    cache
        .borrow()
        .live_entries(now_ms)
        .into_iter()
        .map(|(key, r)| CacheEntryOut {
            key,
            value: r.value,
            expires_at: r.expires_at,
        })
        .collect()
}
