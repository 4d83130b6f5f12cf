//! Secrets out of the report's inputs: every string of the report and of the trace events goes
//! through the scenario's [`Redactor`] before it is escaped, clipped or drawn, so a secret can
//! neither survive HTML escaping nor be cut in half by a shortened tooltip.

use actsim_sim::{Redactor, SimReport, TraceEvent};

/// A copy of `report` and `events` with every secret value replaced by `[secret:NAME]`, except in
/// metric names, where it is replaced by the bare `NAME`.
pub fn redact_inputs(
    report: &SimReport,
    events: &[TraceEvent],
    redactor: &Redactor,
) -> (SimReport, Vec<TraceEvent>) {
    let r = |s: &str| redactor.text(s);
    let mut out = report.clone();
    out.scenario = r(&out.scenario);
    out.path = r(&out.path);
    // Metric names show a secret's bare name (docs/cli.md, "Secret redaction").
    crate::metric_names::name_metrics(&mut out.metrics, &mut out.expectations, redactor);
    for h in &mut out.highlights {
        h.text = r(&h.text);
    }
    for e in &mut out.expectations {
        e.expectation.text = r(&e.expectation.text);
        e.expectation.metric = r(&e.expectation.metric);
        e.expectation.value_metric = e.expectation.value_metric.as_deref().map(r);
        e.problem = e.problem.as_deref().map(r);
    }
    for i in &mut out.instances {
        i.end_reason = i.end_reason.as_deref().map(r);
    }
    for w in &mut out.warnings {
        w.first.message = r(&w.first.message);
        w.first.fix = r(&w.first.fix);
    }
    let events = events.iter().map(|e| redact_event(e, redactor)).collect();
    (out, events)
}

/// One event with its strings redacted.
fn redact_event(event: &TraceEvent, redactor: &Redactor) -> TraceEvent {
    let r = |s: &str| redactor.text(s);
    let mut e = event.clone();
    match &mut e {
        TraceEvent::Start { scenario, .. } => *scenario = r(scenario),
        TraceEvent::ExecStart {
            action, handler, ..
        } => {
            *action = r(action);
            *handler = r(handler);
        }
        TraceEvent::Http {
            method,
            url,
            upstream,
            error,
            ..
        } => {
            *method = r(method);
            *url = r(url);
            *upstream = r(upstream);
            *error = error.as_deref().map(r);
        }
        TraceEvent::Cache {
            op, key, result, ..
        } => {
            *op = r(op);
            *key = r(key);
            *result = r(result);
        }
        TraceEvent::Evicted { key, .. } => *key = r(key),
        TraceEvent::Console { level, text, .. } => {
            *level = r(level);
            *text = r(text);
        }
        TraceEvent::ExecEnd {
            action,
            error_kind,
            message,
            ..
        } => {
            *action = r(action);
            *error_kind = error_kind.as_deref().map(r);
            *message = message.as_deref().map(r);
        }
        TraceEvent::Redirect { url, .. } => *url = r(url),
        TraceEvent::Command {
            action, name, args, ..
        } => {
            *action = r(action);
            *name = r(name);
            *args = redactor.json(args.take());
        }
        TraceEvent::Warning { message, fix, .. } => {
            *message = r(message);
            *fix = r(fix);
        }
        TraceEvent::InstanceUp { .. }
        | TraceEvent::InstanceDown { .. }
        | TraceEvent::Arrival { .. }
        | TraceEvent::Abandon { .. }
        | TraceEvent::Resume { .. }
        | TraceEvent::LoginEnd { .. }
        | TraceEvent::End { .. } => {}
    }
    e
}
