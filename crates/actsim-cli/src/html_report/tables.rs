//! The tables under the timeline: instances, metrics (grouped by prefix), expectations,
//! warnings and the highlights.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use actsim_sim::SimReport;

use super::escape::{clip, esc};
use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;
use crate::sim_output::num;

/// `09:00:10 (+10s)` relative to the run's start.
fn when(report: &SimReport, t: i64) -> String {
    let iso = format_instant_ms(t);
    format!(
        "{} (+{})",
        iso.get(11..19).unwrap_or(&iso),
        format_duration_ms(t - report.start_ms)
    )
}

/// One row per instance: its life and its per-instance metrics.
pub fn instances(report: &SimReport) -> String {
    if report.instances.is_empty() {
        return String::new();
    }
    // instance.N.<metric> → columns.
    let mut columns: BTreeSet<&str> = BTreeSet::new();
    let mut values: BTreeMap<(u32, &str), f64> = BTreeMap::new();
    for (k, v) in &report.metrics {
        if let Some((n, rest)) = k
            .strip_prefix("instance.")
            .and_then(|r| r.split_once('.'))
            .and_then(|(n, rest)| n.parse::<u32>().ok().map(|n| (n, rest)))
        {
            columns.insert(rest);
            values.insert((n, rest), *v);
        }
    }
    let mut out = String::from(
        "<h3>Instances</h3><div class=\"scroll\"><table class=\"instances\"><thead><tr><th>instance</th><th>up</th><th>down</th>",
    );
    for c in &columns {
        let _ = write!(out, "<th class=\"num\">{}</th>", esc(c));
    }
    out.push_str("</tr></thead><tbody>");
    for i in &report.instances {
        let down = match (i.ended_at, &i.end_reason) {
            (Some(t), Some(r)) => format!("{} {r}", when(report, t)),
            (Some(t), None) => when(report, t),
            _ => "—".into(),
        };
        let _ = write!(
            out,
            "<tr data-instance=\"{}\"><td>instance {}</td><td>{}</td><td>{}</td>",
            i.number,
            i.number,
            esc(&when(report, i.created_at)),
            esc(&down)
        );
        for c in &columns {
            let v = values
                .get(&(i.number, *c))
                .map_or("—".to_string(), |v| num(*v));
            let _ = write!(out, "<td class=\"num\">{}</td>", esc(&v));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Every metric except the per-instance ones (shown with the instances), grouped by the part of
/// the name before the first dot; names that are alone in their group go to "general".
pub fn metrics(report: &SimReport) -> String {
    let mut by_prefix: BTreeMap<&str, Vec<(&str, f64)>> = BTreeMap::new();
    for (k, v) in &report.metrics {
        if k.starts_with("instance.") {
            continue;
        }
        let prefix = k.split('.').next().unwrap_or(k);
        by_prefix.entry(prefix).or_default().push((k, *v));
    }
    let mut groups: BTreeMap<(u8, &str), Vec<(&str, f64)>> = BTreeMap::new();
    for (prefix, items) in by_prefix {
        if items.len() == 1 {
            groups.entry((0, "general")).or_default().extend(items);
        } else {
            groups.entry((1, prefix)).or_default().extend(items);
        }
    }
    let mut out = String::from("<h3>Metrics</h3><div class=\"metrics\">");
    for ((_, name), items) in groups {
        let _ = write!(
            out,
            "<table class=\"metric-group\" data-group=\"{n}\"><caption>{n}</caption><tbody>",
            n = esc(name)
        );
        for (k, v) in items {
            let zero = if v == 0.0 { " class=\"zero\"" } else { "" };
            let _ = write!(
                out,
                "<tr{zero}><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                esc(k),
                esc(&num(v))
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</div>");
    out
}

/// The expectations with ✓/✗ and their actual values.
pub fn expectations(report: &SimReport) -> String {
    let mut out = String::from("<h3>Expectations</h3>");
    if report.expectations.is_empty() {
        out.push_str("<p class=\"muted\">The scenario has no expectations.</p>");
        return out;
    }
    out.push_str("<ul class=\"expectations\">");
    for r in &report.expectations {
        let actual = match (r.actual, &r.problem) {
            (_, Some(problem)) => problem.clone(),
            (Some(a), None) => format!("actual {}", num(a)),
            (None, None) => "no value".to_string(),
        };
        let (class, sign) = if r.passed {
            ("pass", "✓")
        } else {
            ("fail", "✗")
        };
        let _ = write!(
            out,
            "<li class=\"expectation {class}\"><span class=\"sign\">{sign}</span> <code>{}</code> <span class=\"actual\">({})</span></li>",
            esc(&r.expectation.text),
            esc(&actual)
        );
    }
    out.push_str("</ul>");
    if !report.passed {
        let _ = write!(
            out,
            "<p class=\"replay\">Replay: <code>actsim simulate {} --seed {}</code></p>",
            esc(&report.path),
            report.seed
        );
    }
    out
}

/// The caveat warnings: kind, count, first occurrence and fix.
pub fn warnings(report: &SimReport) -> String {
    let mut out = String::from("<h3>Warnings</h3>");
    if report.warnings.is_empty() {
        out.push_str("<p class=\"muted\">No caveat warnings.</p>");
        return out;
    }
    out.push_str(
        "<div class=\"scroll\"><table class=\"warnings\"><thead><tr><th>kind</th><th class=\"num\">count</th><th>first</th><th>fix</th></tr></thead><tbody>",
    );
    for w in &report.warnings {
        let mut whereabouts = vec![when(report, w.first.t)];
        if let Some(l) = w.first.login {
            whereabouts.push(format!("login {l}"));
        }
        if let Some(i) = w.first.instance {
            whereabouts.push(format!("instance {i}"));
        }
        let _ = write!(
            out,
            "<tr class=\"warning\" data-kind=\"{k}\"><td><code>{k}</code></td><td class=\"num\">{}</td><td><span class=\"muted\">{}</span><br>{}</td><td>{}</td></tr>",
            esc(&num(w.count as f64)),
            esc(&whereabouts.join(" · ")),
            esc(&clip(&w.first.message, 600)),
            esc(&clip(&w.first.fix, 600)),
            k = esc(w.kind.as_str())
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The highlights: notable moments in time order.
pub fn highlights(report: &SimReport) -> String {
    let mut out = String::from("<h3>Highlights</h3>");
    if report.highlights.is_empty() {
        out.push_str("<p class=\"muted\">Nothing notable.</p>");
        return out;
    }
    out.push_str("<ol class=\"highlights\">");
    for h in &report.highlights {
        let _ = write!(
            out,
            "<li><span class=\"when\">{}</span> {}</li>",
            esc(&when(report, h.t)),
            esc(&h.text)
        );
    }
    out.push_str("</ol>");
    out
}
