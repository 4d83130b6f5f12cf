//! The simulation's observers: metrics, the warning detector, the highlights of the readable
//! timeline and the trace sink. The engine owns the world (instances, flows, caches, clock,
//! queue, network) and reports what happens in it as typed [`SimEvent`]s; the observers count,
//! watch and record them and never call back into the world.

use std::collections::BTreeSet;

use actsim_js::{ExecutionReport, FetchRequest, OpResult};

use crate::engine::FlowResult;
use crate::metrics::{error_kind_name, Metrics};
use crate::network::Routed;
use crate::report::Highlight;
use crate::trace::{TraceEvent, TraceSink};
use crate::warnings::{Detector, Warning, WarningKind};

/// Highlights kept for the readable timeline, at most.
const MAX_HIGHLIGHTS: usize = 40;

/// Something that happened in the simulated world.
pub enum SimEvent<'e> {
    /// The simulation starts.
    Started { scenario: &'e str, seed: u64 },
    /// An instance comes up.
    InstanceUp { instance: u32, reason: &'static str },
    /// An instance goes away (`killed`, `max_age`, `idle`).
    InstanceDown { instance: u32, reason: &'static str },
    /// A perturbation recycled an instance: it takes no new executions.
    Recycled { instance: u32 },
    /// A scripted kill: of a running instance, or skipped.
    Kill {
        instance: u32,
        skipped: bool,
        why: &'static str,
    },
    /// A flow arrives for user `user` (0-based), with the user's id when the event has one.
    Arrival {
        login: u64,
        user: u32,
        user_id: Option<&'e str>,
    },
    /// An instance's first execution pays its cold start, and so does the first after a broken
    /// runtime (out of memory, CPU budget spent) was replaced.
    ColdStart,
    /// An execution could not start.
    CouldNotStart { label: &'e str, error: &'e str },
    /// An execution starts.
    ExecStarted {
        login: u64,
        instance: u32,
        action: &'e str,
        handler: &'e str,
        cold: bool,
    },
    /// Eviction pressure or a scripted eviction removed a record.
    Evicted { instance: u32, key: String },
    /// A request was routed; `tenant_token` is the tenant's token it obtained (client,
    /// audience, `exp` in seconds).
    Http {
        login: Option<u64>,
        instance: u32,
        req: &'e FetchRequest,
        routed: &'e Routed,
        tenant_token: Option<(&'e str, &'e str, i64)>,
    },
    /// An execution ended; `cache_total_bytes` is its cache's size afterwards.
    ExecEnded {
        login: u64,
        instance: u32,
        action: &'e str,
        user_id: Option<&'e str>,
        report: &'e ExecutionReport,
        cache_total_bytes: usize,
    },
    /// A flow was denied.
    Denied,
    /// An execution of a non-blocking trigger's flow failed: reported, the flow goes on as
    /// completed.
    FailureReported {
        login: u64,
        trigger: actsim_js::Trigger,
    },
    /// A flow suspends for a redirect.
    Redirected {
        login: u64,
        instance: u32,
        url: &'e str,
    },
    /// A redirected user will not come back.
    Abandoned { login: u64 },
    /// A user came back after the transaction's lifetime.
    Expired { login: u64 },
    /// A user came back and the flow resumes on `to`.
    Resumed { login: u64, from: u32, to: u32 },
    /// A flow ended.
    FlowEnded {
        login: u64,
        result: FlowResult,
        latency_ms: i64,
    },
    /// The simulation ended with `unfinished` flows in flight; the trace ends at `end_ms`.
    Ended { unfinished: u64, end_ms: i64 },
}

/// Metrics, warnings, highlights and trace of one simulation.
pub struct Observers<'s> {
    /// Every count.
    pub metrics: Metrics,
    /// The caveat detector.
    pub detector: Detector,
    /// Notable moments for the readable timeline.
    pub highlights: Vec<Highlight>,
    /// Kinds of warning already in the highlights.
    warned_kinds: BTreeSet<WarningKind>,
    sink: &'s mut dyn TraceSink,
    /// Whether `sink` keeps events (the frequent ones are not built otherwise).
    tracing: bool,
}

impl<'s> Observers<'s> {
    /// Observers writing the trace to `sink`, watching caches with `limits`.
    pub fn new(sink: &'s mut dyn TraceSink, limits: actsim_cache::CacheLimits) -> Self {
        Observers {
            metrics: Metrics::default(),
            detector: Detector::new(limits),
            highlights: Vec::new(),
            warned_kinds: BTreeSet::new(),
            tracing: sink.enabled(),
            sink,
        }
    }

    fn emit(&mut self, event: TraceEvent) {
        self.sink.emit(&event);
    }

    fn highlight(&mut self, t: i64, text: String) {
        if self.highlights.len() < MAX_HIGHLIGHTS {
            self.highlights.push(Highlight { t, text });
        }
    }

    fn warn(&mut self, w: Warning, t: i64) {
        if self.warned_kinds.insert(w.kind) {
            self.highlight(t, format!("warning ({}): {}", w.kind.as_str(), w.message));
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

    /// Observe `event`, which happened at virtual time `t`. Returns the warnings it raised.
    pub fn on(&mut self, t: i64, event: SimEvent<'_>) -> Vec<Warning> {
        let mut raised = Vec::new();
        match event {
            SimEvent::Started { scenario, seed } => self.emit(TraceEvent::Start {
                t,
                scenario: scenario.to_string(),
                seed,
            }),
            SimEvent::InstanceUp { instance, reason } => {
                self.metrics.instances_created += 1;
                self.emit(TraceEvent::InstanceUp {
                    t,
                    instance,
                    reason,
                });
            }
            SimEvent::InstanceDown { instance, reason } => {
                if reason == "killed" {
                    self.metrics.instances_killed += 1;
                } else {
                    self.metrics.instances_recycled += 1;
                }
                self.emit(TraceEvent::InstanceDown {
                    t,
                    instance,
                    reason,
                });
            }
            SimEvent::Recycled { instance } => self.highlight(
                t,
                format!("instance {instance} recycled (perturbation): it takes no new executions"),
            ),
            SimEvent::Kill {
                instance,
                skipped,
                why,
            } => self.highlight(
                t,
                if skipped {
                    format!("{why} kill of instance {instance} skipped: it is not running")
                } else {
                    format!("instance {instance} killed ({why}): its cache and module state are gone")
                },
            ),
            SimEvent::Arrival {
                login,
                user,
                user_id,
            } => {
                self.metrics.logins += 1;
                if self.tracing {
                    self.emit(TraceEvent::Arrival {
                        t,
                        login,
                        user: user + 1,
                    });
                }
                if let Some(id) = user_id {
                    self.metrics.count_user_login(id);
                }
            }
            SimEvent::ColdStart => self.metrics.cold_starts += 1,
            SimEvent::CouldNotStart { label, error } => {
                self.highlight(t, format!("{label}: could not start: {error}"))
            }
            SimEvent::ExecStarted {
                login,
                instance,
                action,
                handler,
                cold,
            } => {
                self.metrics.executions += 1;
                self.metrics
                    .per_instance
                    .entry(instance)
                    .or_default()
                    .executions += 1;
                if self.tracing {
                    self.emit(TraceEvent::ExecStart {
                        t,
                        login,
                        instance,
                        action: action.to_string(),
                        handler: handler.to_string(),
                        cold,
                    });
                }
            }
            SimEvent::Evicted { instance, key } => {
                self.metrics.cache_evictions += 1;
                self.emit(TraceEvent::Evicted { t, instance, key });
            }
            SimEvent::Http {
                login,
                instance,
                req,
                routed,
                tenant_token,
            } => self.http(t, login, instance, req, routed, tenant_token, &mut raised),
            SimEvent::ExecEnded {
                login,
                instance,
                action,
                user_id,
                report,
                cache_total_bytes,
            } => self.exec_ended(
                t,
                login,
                instance,
                action,
                user_id,
                report,
                cache_total_bytes,
                &mut raised,
            ),
            SimEvent::Denied => self.metrics.denies += 1,
            SimEvent::FailureReported { login, trigger } => {
                let n = self
                    .metrics
                    .failures_reported
                    .entry(trigger.as_str().to_string())
                    .or_default();
                *n += 1;
                if *n == 1 {
                    self.highlight(
                        t,
                        format!("{}: an execution failed; {} runs after the fact, so the failure is reported and blocks nothing", crate::observer::flow_label(trigger, login), trigger.as_str()),
                    );
                }
            }
            SimEvent::Redirected {
                login,
                instance,
                url,
            } => {
                self.metrics.redirects += 1;
                if self.tracing {
                    self.emit(TraceEvent::Redirect {
                        t,
                        login,
                        instance,
                        url: url.to_string(),
                    });
                }
            }
            SimEvent::Abandoned { login } => self.emit(TraceEvent::Abandon { t, login }),
            SimEvent::Expired { login } => self.highlight(
                t,
                format!("login {login}: the user came back after the 1-hour transaction limit (invalid_request)"),
            ),
            SimEvent::Resumed { login, from, to } => {
                self.metrics.continues += 1;
                let elsewhere = to != from;
                if elsewhere {
                    self.metrics.resumed_elsewhere += 1;
                    if self.metrics.resumed_elsewhere == 1 {
                        self.highlight(t, format!("login {login} resumed on instance {to} after yielding on instance {from}: a different cache"));
                    }
                }
                self.emit(TraceEvent::Resume {
                    t,
                    login,
                    from,
                    to,
                    elsewhere,
                });
            }
            SimEvent::FlowEnded {
                login,
                result,
                latency_ms,
            } => {
                self.detector.login_ended(login);
                match result {
                    FlowResult::Completed => {
                        self.metrics.logins_completed += 1;
                        self.metrics.latencies_ms.push(latency_ms);
                    }
                    FlowResult::Denied => self.metrics.logins_denied += 1,
                    FlowResult::Abandoned => self.metrics.logins_abandoned += 1,
                    FlowResult::Expired => self.metrics.logins_expired += 1,
                    FlowResult::Failed => self.metrics.logins_failed += 1,
                }
                if self.tracing {
                    self.emit(TraceEvent::LoginEnd {
                        t,
                        login,
                        result: result.as_str(),
                        latency_ms,
                    });
                }
            }
            SimEvent::Ended { unfinished, end_ms } => {
                self.metrics.logins_unfinished = unfinished;
                self.emit(TraceEvent::End { t: end_ms });
            }
        }
        raised
    }

    #[allow(clippy::too_many_arguments)]
    fn http(
        &mut self,
        t: i64,
        login: Option<u64>,
        instance: u32,
        req: &FetchRequest,
        routed: &Routed,
        tenant_token: Option<(&str, &str, i64)>,
        raised: &mut Vec<Warning>,
    ) {
        let (status, error) = match &routed.result {
            OpResult::Fetch(r) => (Some(r.status), None),
            OpResult::NetworkError(m) => (None, Some(m.clone())),
            OpResult::TimerFired => (None, None),
        };
        match status {
            Some(s) => self.metrics.count_http(&routed.upstream, s),
            None => self.metrics.http_errors += 1,
        }
        if let Some(route) = &routed.route {
            self.metrics.count_route(route, status);
        }
        if let OpResult::Fetch(r) = &routed.result {
            let tenant_token_call =
                routed.upstream == "tenant" && r.status == 200 && req.url.contains("/oauth/token");
            if tenant_token_call || routed.mock_token.is_some() {
                self.detector.token_response(instance, &r.body);
            }
        }
        if let Some(n) = routed.token_issued {
            if let Some((client, audience, exp)) = tenant_token {
                if let Some(w) = self
                    .detector
                    .token_issued(t, instance, login, client, audience, exp)
                {
                    raised.push(w.clone());
                    self.warn(w, t);
                }
            }
            self.metrics
                .per_instance
                .entry(instance)
                .or_default()
                .tokens_issued += 1;
            if n == 1 {
                self.highlight(t, format!("first token issued (instance {instance})"));
            }
        }
        if let Some(token) = &routed.mock_token {
            let exp = t / 1000 + token.expires_in;
            if let Some(w) =
                self.detector
                    .token_issued(t, instance, login, &token.name, &token.audience, exp)
            {
                raised.push(w.clone());
                self.warn(w, t);
            }
            *self
                .metrics
                .mock_tokens
                .entry(token.name.clone())
                .or_default() += 1;
            self.metrics
                .per_instance
                .entry(instance)
                .or_default()
                .tokens_issued += 1;
        }
        if status == Some(401) && routed.upstream == "tenant" && !req.url.contains("/oauth/token") {
            let first = self.metrics.http.get("tenant.401").copied() == Some(1);
            if first {
                self.highlight(t, format!("first 401 from the Management API (instance {instance}): a cached token outlived its exp?"));
            }
        }
        if !self.tracing {
            return;
        }
        self.emit(TraceEvent::Http {
            t,
            login,
            instance,
            method: req.method.clone(),
            url: req.url.clone(),
            upstream: routed.upstream.clone(),
            status,
            error,
            latency_ms: routed.latency_ms,
            token_issued: routed.token_issued,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn exec_ended(
        &mut self,
        t: i64,
        login: u64,
        instance: u32,
        action: &str,
        user_id: Option<&str>,
        report: &ExecutionReport,
        cache_total_bytes: usize,
        raised: &mut Vec<Warning>,
    ) {
        self.metrics.count_execution(instance, report);
        self.metrics.count_commands(action, user_id, report);
        for w in self
            .detector
            .execution(instance, Some(login), report, cache_total_bytes)
        {
            raised.push(w.clone());
            self.warn(w, t);
        }
        if self.tracing {
            self.trace_execution(login, instance, action, report);
        }
        let (outcome, error_kind, message) = match &report.outcome {
            actsim_js::Outcome::Failed { error } => (
                "failed",
                Some(error_kind_name(error.kind)),
                Some(error.message.clone()),
            ),
            actsim_js::Outcome::Completed { denied: true, .. } => ("denied", None, None),
            actsim_js::Outcome::Completed {
                redirect: Some(_), ..
            } => ("redirect", None, None),
            actsim_js::Outcome::Completed { .. } => ("completed", None, None),
        };
        if self.tracing {
            self.emit(TraceEvent::ExecEnd {
                t,
                login,
                instance,
                action: action.to_string(),
                outcome,
                error_kind: error_kind.clone(),
                message: message.clone(),
            });
        }
        if let (Some(kind), Some(message)) = (error_kind, message) {
            let first = self.metrics.errors_by_kind.get(&kind).copied() == Some(1);
            if first {
                self.highlight(
                    t,
                    format!("first {kind} error (login {login}, instance {instance}): {message}"),
                );
            }
        }
    }

    /// The execution's cache operations, commands and console lines, at their own times.
    fn trace_execution(
        &mut self,
        login: u64,
        instance: u32,
        action: &str,
        report: &ExecutionReport,
    ) {
        for op in &report.cache_ops {
            let kind = match op.op {
                actsim_js::CacheOpKind::Get => "get",
                actsim_js::CacheOpKind::Set => "set",
                actsim_js::CacheOpKind::Delete => "delete",
            };
            self.sink.emit(&TraceEvent::Cache {
                t: op.at_ms,
                login,
                instance,
                op: kind.into(),
                key: op.key.clone(),
                result: op.result.clone(),
            });
        }
        for c in &report.commands {
            self.sink.emit(&TraceEvent::Command {
                t: c.at_ms,
                login,
                instance,
                action: action.to_string(),
                name: c.name.clone(),
                args: c.args.clone(),
            });
        }
        for line in &report.console {
            self.sink.emit(&TraceEvent::Console {
                t: line.at_ms,
                login,
                instance,
                level: line.level.clone(),
                text: line.text.clone(),
            });
        }
    }
}
