//! The human-readable output of `actsim run`: one block per execution with its outcome, cache
//! operations, HTTP calls, commands and console output, then a summary line.

use std::fmt::Write;

use actsim_cache::CacheErrorCode;
use actsim_js::{CacheOpKind, ErrorKind, Notification, Outcome, Phase, Trigger};

use super::report::{CacheEntryOut, ExecutionEntry, RunReport};
use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;
use crate::style::Style;

/// Render the report as text (secrets are redacted by the caller).
pub fn render(report: &RunReport, sources: &[actsim_js::ActionSource], style: Style) -> String {
    let mut out = String::new();
    let form = match report.module_form {
        actsim_js::ModuleForm::CommonJs => "CommonJS",
        actsim_js::ModuleForm::EsModule => "ES module",
    };
    let _ = writeln!(
        out,
        "{} {} ({form}) · {} · tenant {}",
        style.bold("actsim run"),
        style.cyan(&report.actions.join(" → ")),
        report.trigger.as_str(),
        report.tenant_domain
    );
    let several = report.actions.len() > 1;
    for entry in &report.executions {
        out.push('\n');
        let code = sources
            .iter()
            .find(|s| s.filename == entry.action)
            .map_or("", |s| s.code.as_str());
        render_entry(&mut out, entry, code, several, style);
    }
    out.push('\n');
    let s = &report.summary;
    let failed = if s.failed > 0 {
        style.red(&format!("{} failed", s.failed))
    } else {
        "0 failed".to_string()
    };
    let failed = if s.reported > 0 {
        format!(
            "{failed} · {}",
            style.yellow(&format!(
                "{} failure{} reported (blocked nothing)",
                s.reported,
                if s.reported == 1 { "" } else { "s" }
            ))
        )
    } else {
        failed
    };
    let _ = writeln!(
        out,
        "{}  {} execution{} · {failed} · token requests {} · tokens issued {} · cache hits {} / misses {} · set ok {} · cache errors {} · warnings {}",
        style.bold("summary"),
        s.executions,
        if s.executions == 1 { "" } else { "s" },
        s.token_requests,
        s.tokens_issued,
        s.cache_hits,
        s.cache_misses,
        s.cache_sets,
        s.cache_errors,
        s.warnings
    );
    for e in &report.expectations {
        let mark = if e.passed {
            style.green("✓")
        } else {
            style.red("✗")
        };
        let actual = match (&e.problem, e.actual) {
            (Some(p), _) => p.clone(),
            (None, Some(a)) => format!("actual {a}"),
            (None, None) => "no value".into(),
        };
        let _ = writeln!(
            out,
            "{}   {mark} {}  ({actual})",
            style.bold("expect"),
            e.expectation.text
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "{}     {note}", style.yellow("note"));
    }
    out
}

fn clock(ms: i64) -> String {
    format_instant_ms(ms)[11..23].to_string()
}

fn render_entry(
    out: &mut String,
    e: &ExecutionEntry,
    action_code: &str,
    several: bool,
    style: Style,
) {
    let r = &e.report;
    let phase = match e.phase {
        Phase::Execute => "",
        Phase::Continue => " (after redirect)",
    };
    let handler = if several {
        format!("{} {}", e.action, r.handler)
    } else {
        r.handler.clone()
    };
    let _ = writeln!(
        out,
        "{} · {}{phase} · instance {}{} · {}",
        style.bold(&format!("▸ {}", e.label)),
        style.cyan(&handler),
        e.instance,
        if e.cold {
            " (cold: module code ran)"
        } else {
            " (warm)"
        },
        format_instant_ms(r.started_at_ms)
    );
    let took = format_duration_ms(r.finished_at_ms - r.started_at_ms);
    match &r.outcome {
        Outcome::Completed { denied, redirect } => {
            let mut line = style.green(&format!("✓ completed in {took} (virtual)"));
            if *denied {
                line.push_str(&style.yellow(" · access denied"));
            }
            match redirect {
                Some(r) if r.prompt.is_some() => line.push_str(&format!(
                    " · form {} rendered (api.prompt.render)",
                    r.prompt.as_deref().unwrap_or_default()
                )),
                Some(r) => line.push_str(&format!(" · redirect to {}", r.url)),
                None => {}
            }
            field(out, "outcome", &line);
        }
        Outcome::Failed { error } => {
            let kind = match error.kind {
                ErrorKind::Syntax => "syntax error",
                ErrorKind::ModuleInit => "module code threw",
                ErrorKind::MissingHandler => "missing handler",
                ErrorKind::InvalidHandler => "handler is not async",
                ErrorKind::Thrown => "handler threw",
                ErrorKind::UnhandledRejection => "unhandled rejection",
                ErrorKind::CpuBudgetExceeded if error.name == "CpuBudgetSpentAfterReturn" => {
                    "CPU budget spent after the handler returned"
                }
                ErrorKind::CpuBudgetExceeded => "CPU budget exceeded",
                ErrorKind::OutOfMemory => "out of memory",
                ErrorKind::HostLimitExceeded => "host data limit exceeded",
                ErrorKind::Aborted => "aborted",
            };
            let mut line = style.red(&format!(
                "✗ failed ({kind}) after {took}: {}: {}",
                error.name, error.message
            ));
            let named = unknown_host_location(e, action_code);
            let location = error
                .location
                .as_ref()
                .map(|l| (l.line, l.column))
                .or(named);
            if let (None, Some(_)) = (&error.location, named) {
                line.push_str("\nthe unknown host is named in the action");
            }
            if let Some((l, c)) = location {
                let file = error
                    .location
                    .as_ref()
                    .map_or(e.action.as_str(), |l| &l.file);
                line.push_str(&format!("\nat {file}:{l}:{c}"));
                if let Some(text) = action_code.lines().nth(l.saturating_sub(1) as usize) {
                    let gutter = format!("{} | ", l);
                    line.push_str(&format!("\n{}{}", style.dim(&gutter), text));
                    let pad = " ".repeat(gutter.len() + c.saturating_sub(1) as usize);
                    line.push_str(&format!("\n{pad}{}", style.red("^")));
                }
            }
            if !r.trigger.info().blocks {
                line.push_str(&style.yellow(&format!(
                    "\nreported, blocks nothing: {} runs after the fact, so the failure does not fail the flow",
                    r.trigger.as_str()
                )));
            }
            field(out, "outcome", &line);
        }
    }
    if let Some(line) = notification_line(e, style) {
        field(out, "delivery", &line);
    }
    let mut cache_lines = vec![format!(
        "before: {}",
        describe_cache(&e.cache_before, r.started_at_ms)
    )];
    for op in &r.cache_ops {
        let verb = match op.op {
            CacheOpKind::Get => "get",
            CacheOpKind::Set => "set",
            CacheOpKind::Delete => "delete",
        };
        let mut line = format!("{verb} {} → ", short_key(&op.key));
        match (op.op, op.result.as_str()) {
            (CacheOpKind::Get, "hit") => line.push_str(&style.green("hit")),
            (CacheOpKind::Get, _) => line.push_str(&style.yellow("miss")),
            (_, "success") => {
                line.push_str(&style.green("success"));
                if let Some(exp) = op.expires_at {
                    let lived = exp - op.at_ms;
                    let lifetime = match (op.ttl, op.expires_at_option) {
                        (None, None) => ", default lifetime: no ttl given".to_string(),
                        (Some(ttl), _)
                            if (lived as f64) < ttl.floor() && op.expires_at_option.is_none() =>
                        {
                            format!(
                                ", clamped: ttl {} asked for more than the maximum lifetime",
                                format_duration_ms(ttl as i64)
                            )
                        }
                        _ => String::new(),
                    };
                    line.push_str(&format!(
                        ", expires {} (in {}{lifetime})",
                        clock(exp),
                        format_duration_ms(exp - op.at_ms)
                    ));
                }
            }
            (_, code) => {
                line.push_str(&style.red(&format!("error {code}")));
                if let Ok(parsed) = code.parse::<CacheErrorCode>() {
                    line.push_str(&style.dim(&format!(" ({})", parsed.explain())));
                }
            }
        }
        cache_lines.push(line);
    }
    cache_lines.push(format!(
        "after: {}",
        describe_cache(&e.cache_after, r.finished_at_ms)
    ));
    field(out, "cache", &cache_lines.join("\n"));
    if !e.http.is_empty() {
        let lines: Vec<String> = e
            .http
            .iter()
            .map(|h| {
                let answer = match (h.status, &h.error) {
                    (Some(s), _) if s < 400 => style.green(&s.to_string()),
                    (Some(s), _) => style.red(&s.to_string()),
                    (None, Some(err)) => style.red(&format!("network error: {err}")),
                    (None, None) => "?".to_string(),
                };
                let note = h
                    .note
                    .as_deref()
                    .map(|n| format!(" · {n}"))
                    .unwrap_or_default();
                format!(
                    "{} {} {} → {answer} (+{}ms){note}",
                    clock(h.at_ms),
                    h.method,
                    h.url,
                    h.latency_ms
                )
            })
            .collect();
        field(out, "http", &lines.join("\n"));
    }
    if !r.commands.is_empty() {
        let lines: Vec<String> = r
            .commands
            .iter()
            .map(|c| {
                let args = match &c.args {
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                format!("api.{}({args})", c.name)
            })
            .collect();
        field(out, "commands", &lines.join("\n"));
    }
    if e.details_dropped {
        field(
            out,
            "details",
            &style.yellow("not kept: the report's 64 MiB detail budget was spent (see the note)"),
        );
    } else if !r.console.is_empty() || r.console_truncated {
        let mut lines: Vec<String> = r
            .console
            .iter()
            .map(|l| format!("[{}] {}", l.level, l.text))
            .collect();
        if r.console_truncated {
            lines.push(style.yellow("… output truncated at the 256 KiB per-execution cap"));
        }
        field(out, "console", &lines.join("\n"));
    }
    if !e.warnings.is_empty() {
        let lines: Vec<String> = e
            .warnings
            .iter()
            .map(|w| {
                format!(
                    "{} {}\n  fix: {}",
                    style.yellow(&format!("⚠ {}:", w.kind.as_str())),
                    w.message,
                    w.fix
                )
            })
            .collect();
        field(out, "warnings", &lines.join("\n"));
    }
    if let Some(error) = r.error() {
        if !error.stack.trim().is_empty() && error.kind != ErrorKind::Syntax {
            field(out, "stack", &style.dim(error.stack.trim_end()));
        }
    }
}

/// What became of the message, for the triggers that deliver one: the custom email and phone
/// providers (`api.notification.drop`/`retry`, the last call counting, with its reason) and
/// send-phone-message (a completed execution hands the message to the provider). `None` for
/// the other triggers.
fn notification_line(e: &ExecutionEntry, style: Style) -> Option<String> {
    let r = &e.report;
    let provider = matches!(
        r.trigger,
        Trigger::CustomEmailProvider | Trigger::CustomPhoneProvider
    );
    if !provider && r.trigger != Trigger::SendPhoneMessage {
        return None;
    }
    let what = if r.trigger == Trigger::CustomEmailProvider {
        "email"
    } else {
        "message"
    };
    if r.failed() {
        return Some(style.red(&format!(
            "✗ not delivered: the action failed, so the {what} was not sent"
        )));
    }
    let reason = |name: &str| {
        r.commands
            .iter()
            .rev()
            .find(|c| c.name == name)
            .and_then(|c| c.args.get(0))
            .map(|a| match a {
                serde_json::Value::String(s) => format!(": {s}"),
                serde_json::Value::Null => String::new(),
                other => format!(": {other}"),
            })
            .unwrap_or_default()
    };
    Some(match r.notification {
        Some(Notification::Drop) => style.red(&format!(
            "✗ dropped (api.notification.drop{}): the {what} failed and is never retried",
            reason("notification.drop")
        )),
        Some(Notification::Retry) => style.yellow(&format!(
            "↻ retry (api.notification.retry{}): the {what} failed and production retries it, up to 5 times",
            reason("notification.retry")
        )),
        None if provider => style.green(&format!(
            "✓ delivered: the action completed without api.notification.drop or retry, so the {what} counts as sent"
        )),
        None => style.green(
            "✓ sent: the action completed, so the message counts as handed to the provider",
        ),
    })
}

/// Where the action names the host of its first request that found no route (a network
/// error rejects a `fetch` without the action's line in its stack): 1-based line and column
/// of the first mention of the host in the code.
fn unknown_host_location(e: &ExecutionEntry, code: &str) -> Option<(u32, u32)> {
    let host = e.http.iter().find_map(|h| {
        let err = h.error.as_deref()?;
        let rest = err.strip_prefix("getaddrinfo ENOTFOUND ")?;
        rest.split(':').next()
    })?;
    code.lines().enumerate().find_map(|(i, line)| {
        let col = line.find(host)?;
        Some((i as u32 + 1, line[..col].chars().count() as u32 + 1))
    })
}

/// Keys longer than 40 characters are shortened for display, with their size in bytes.
fn short_key(key: &str) -> String {
    if key.chars().count() <= 40 {
        return key.to_string();
    }
    let head: String = key.chars().take(32).collect();
    format!("{head}… ({} B key)", actsim_js::node_utf8_len(key))
}

fn describe_cache(entries: &[CacheEntryOut], now_ms: i64) -> String {
    if entries.is_empty() {
        return "empty".to_string();
    }
    entries
        .iter()
        .map(|c| {
            let preview: String = c.value.chars().take(20).collect();
            let ellipsis = if c.value.chars().count() > 20 {
                "…"
            } else {
                ""
            };
            format!(
                "{} = {preview}{ellipsis} ({} B, expires in {})",
                short_key(&c.key),
                actsim_js::node_utf8_len(&c.value),
                format_duration_ms(c.expires_at - now_ms)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A labelled, indented block.
fn field(out: &mut String, label: &str, body: &str) {
    for (i, line) in body.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "  {label:<9} {line}");
        } else {
            let _ = writeln!(out, "  {:<9} {line}", "");
        }
    }
}
