//! Rendering a simulation report for people: the highlights timeline, a metrics table, the
//! instances and the expectations with their actual values.

use std::fmt::Write;

use actsim_sim::SimReport;

use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;
use crate::style::Style;

/// A number for people: integers grouped by thousands (`1,234`), fractions with 3 decimals.
pub(crate) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let n = v as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else {
        format!("{v:.3}")
    }
}

/// Offset from the start as `+1h02m` or a clock time when the run is shorter than a day.
fn when(report: &SimReport, t: i64) -> String {
    let iso = format_instant_ms(t);
    format!(
        "{} (+{})",
        &iso[11..23],
        format_duration_ms(t - report.start_ms)
    )
}

/// The report as text.
pub fn render(report: &SimReport, style: Style) -> String {
    let m = |k: &str| report.metrics.get(k).copied().unwrap_or(0.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · seed {}",
        style.bold("actsim simulate"),
        style.cyan(&report.path),
        report.seed
    );
    let _ = writeln!(out, "scenario  {}", report.scenario);
    let _ = writeln!(
        out,
        "virtual   {} → {} ({})",
        format_instant_ms(report.start_ms),
        format_instant_ms(report.end_ms),
        format_duration_ms(report.end_ms - report.start_ms)
    );
    if !report.highlights.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("timeline highlights"));
        for h in &report.highlights {
            let _ = writeln!(out, "  {}  {}", style.dim(&when(report, h.t)), h.text);
        }
    }
    let _ = writeln!(out, "\n{}", style.bold("metrics"));
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "  {label:<22} {value}");
    };
    row(
        "logins",
        format!(
            "{} · completed {} · failed {} · denied {} · abandoned {} · expired {} · unfinished {}",
            num(m("logins")),
            num(m("logins.completed")),
            num(m("logins.failed")),
            num(m("logins.denied")),
            num(m("logins.abandoned")),
            num(m("logins.expired")),
            num(m("logins.unfinished"))
        ),
    );
    row("executions", num(m("executions")));
    let per_client: Vec<String> = report
        .metrics
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("tokens_issued.")
                .map(|c| format!("{c} {}", num(*v)))
        })
        .collect();
    row(
        "tokens issued",
        format!(
            "{} ({}) · token requests {}",
            num(m("tokens_issued")),
            per_client.join(", "),
            num(m("token_requests"))
        ),
    );
    row(
        "cache",
        format!(
            "gets {} · hits {} · misses {} · hit ratio {:.3} · sets {} · errors {} · evictions {}",
            num(m("cache.gets")),
            num(m("cache.hits")),
            num(m("cache.misses")),
            m("cache.hit_ratio"),
            num(m("cache.sets")),
            num(m("cache.errors")),
            num(m("cache.evictions"))
        ),
    );
    let codes: Vec<String> = report
        .metrics
        .iter()
        .filter(|(k, v)| k.starts_with("cache.errors.") && **v > 0.0)
        .map(|(k, v)| format!("{} {}", &k["cache.errors.".len()..], num(*v)))
        .collect();
    if !codes.is_empty() {
        row("cache errors by code", codes.join(", "));
    }
    row(
        "redirects",
        format!(
            "{} · continues {} · resumed elsewhere {}",
            num(m("redirects")),
            num(m("continues")),
            num(m("resumed_elsewhere"))
        ),
    );
    let kinds: Vec<String> = report
        .metrics
        .iter()
        .filter(|(k, v)| k.starts_with("errors.") && **v > 0.0)
        .map(|(k, v)| format!("{} {}", &k["errors.".len()..], num(*v)))
        .collect();
    let errors = if kinds.is_empty() {
        num(m("errors"))
    } else {
        format!("{} ({})", num(m("errors")), kinds.join(", "))
    };
    row(
        "errors",
        if m("errors") > 0.0 {
            style.red(&errors)
        } else {
            errors
        },
    );
    let http: Vec<String> = report
        .metrics
        .iter()
        .filter(|(k, _)| k.starts_with("http.") && k.as_str() != "http.errors")
        .map(|(k, v)| format!("{} {}", &k["http.".len()..], num(*v)))
        .collect();
    row(
        "http",
        format!(
            "{} · network errors {}",
            if http.is_empty() {
                "none".into()
            } else {
                http.join(", ")
            },
            num(m("http.errors"))
        ),
    );
    row(
        "latency (virtual)",
        format!(
            "p50 {} ms · p99 {} ms · max {} ms",
            num(m("latency.p50_ms")),
            num(m("latency.p99_ms")),
            num(m("latency.max_ms"))
        ),
    );
    row(
        "instances",
        format!(
            "created {} · recycled {} · killed {} · cold starts {}",
            num(m("instances.created")),
            num(m("instances.recycled")),
            num(m("instances.killed")),
            num(m("instances.cold_starts"))
        ),
    );
    let _ = writeln!(out, "\n{}", style.bold("instances"));
    let _ = writeln!(
        out,
        "  {:>3}  {:<24} {:<24} {:>10} {:>7} {:>8} {:>8}",
        "#", "up", "down", "executions", "tokens", "hits", "misses"
    );
    for i in &report.instances {
        let down = match (&i.ended_at, &i.end_reason) {
            (Some(t), Some(r)) => format!("{} {r}", &format_instant_ms(*t)[11..19]),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "  {:>3}  {:<24} {:<24} {:>10} {:>7} {:>8} {:>8}",
            i.number,
            &format_instant_ms(i.created_at)[11..19],
            down,
            num(i.executions as f64),
            num(i.tokens_issued as f64),
            num(i.cache_hits as f64),
            num(i.cache_misses as f64)
        );
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("warnings"));
        for w in &report.warnings {
            let _ = writeln!(
                out,
                "  {} ×{}  {}\n      fix: {}",
                style.yellow(&format!("⚠ {}", w.kind.as_str())),
                num(w.count as f64),
                w.first.message,
                w.first.fix
            );
        }
    }
    if !report.expectations.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("expectations"));
        out.push_str(&render_expectations(report, style));
    }
    out
}

/// The expectation lines with ✓/✗ and actual values.
pub fn render_expectations(report: &SimReport, style: Style) -> String {
    let mut out = String::new();
    for r in &report.expectations {
        let actual = match (r.actual, &r.problem) {
            (_, Some(problem)) => problem.clone(),
            (Some(a), None) => format!("actual {}", num(a)),
            (None, None) => "no value".to_string(),
        };
        let line = format!("{}  ({actual})", r.expectation.text);
        let _ = if r.passed {
            writeln!(out, "  {} {line}", style.green("✓"))
        } else {
            writeln!(out, "  {} {}", style.red("✗"), style.red(&line))
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_fractions_kept() {
        assert_eq!(num(1234567.0), "1,234,567");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(0.875), "0.875");
        assert_eq!(num(-1000.0), "-1,000");
    }
}
