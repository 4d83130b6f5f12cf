//! `--report FILE`: one self-contained HTML page (inline CSS and JS, no network, no external
//! assets) per run, with a section per scenario: an SVG timeline of the instances over virtual
//! time (executions, cache hits and misses, token fetches, yields drawn as arrows to where they
//! resumed), a legend, the metrics, the expectations, the warnings and the highlights.
//!
//! [`render_html`] is a pure function: the same inputs give the same bytes (no wall clock, no
//! randomness). Redact before rendering with [`redact_inputs`].

mod detail;
mod escape;
mod model;
mod overview;
mod redact;
mod tables;
mod timeline;

#[cfg(test)]
mod tests;

use std::fmt::Write;

use actsim_sim::{SimReport, TraceEvent};

pub use escape::esc;
pub use redact::redact_inputs;

use crate::diagnostics::CliError;
use crate::input::duration::format_duration_ms;
use crate::input::instant::format_instant_ms;
use crate::sim_output::num;

/// One scenario's part of the page.
pub struct ReportSection<'a> {
    /// The section's heading.
    pub title: String,
    /// What the run found.
    pub report: &'a SimReport,
    /// Every trace event of the run, in order (secrets already redacted).
    pub events: &'a [TraceEvent],
}

/// A scenario that could not be run, listed with its error.
pub struct InvalidSection {
    /// The scenario file.
    pub path: String,
    /// Why it is invalid.
    pub error: String,
}

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");
const ZOOM_JS: &str = include_str!("zoom.js");

/// The page: a section per report.
pub fn render_html(title: &str, sections: &[ReportSection]) -> String {
    render_html_with_invalid(title, sections, &[])
}

/// The page, with the scenarios that could not be run listed after the others.
pub fn render_html_with_invalid(
    title: &str,
    sections: &[ReportSection],
    invalid: &[InvalidSection],
) -> String {
    render_page(title, "", sections, invalid, false)
}

/// A page that leads with `lead` (HTML, escaped by the caller) before its sections, whose
/// metric tables are folded away (`<details>`) so that the timelines follow each other: the
/// lesson page.
pub fn render_html_with_lead(title: &str, lead: &str, sections: &[ReportSection]) -> String {
    render_page(title, lead, sections, &[], true)
}

fn render_page(
    title: &str,
    lead: &str,
    sections: &[ReportSection],
    invalid: &[InvalidSection],
    compact: bool,
) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"actsim {}\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=\"muted\">actsim {} · times are virtual · this page is self-contained: no network, no external files</p></header>",
        esc(title),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(lead);
    if sections.len() + invalid.len() > 1 && !compact {
        summary(&mut out, sections, invalid);
    }
    for (i, s) in sections.iter().enumerate() {
        section(&mut out, i, s, compact);
    }
    for (i, bad) in invalid.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"invalid\" id=\"invalid-{}\"><h2>{} <span class=\"badge fail\">invalid</span></h2><pre class=\"error\">{}</pre></section>",
            i + 1,
            esc(&bad.path),
            esc(&bad.error)
        );
    }
    let _ = writeln!(
        out,
        "<footer>Hover a mark for details; hovering a login's mark highlights all of that login's marks. The boxes of a legend show or hide a kind of mark. Drag across an overview (or type a window) to redraw the timeline under it for that time window, with the detail of that window.</footer>\n<script>\n{ZOOM_JS}{JS}</script>\n</body>\n</html>"
    );
    out
}

/// Write the page to `path` (a lone surrogate of an action's value as `\ud83d`, as on stdout).
pub fn write_report(path: &str, html: &str) -> Result<(), CliError> {
    std::fs::write(path, actsim_js::escape_lone_surrogates(html).as_bytes())
        .map_err(|e| CliError::usage(format!("--report {path}: writing failed: {e}"), None))
}

fn badge(report: &SimReport) -> &'static str {
    if report.expectations.is_empty() {
        "<span class=\"badge none\">no expectations</span>"
    } else if report.passed {
        "<span class=\"badge pass\">passed</span>"
    } else {
        "<span class=\"badge fail\">failed</span>"
    }
}

/// A table of every scenario with its result, linking to its section.
fn summary(out: &mut String, sections: &[ReportSection], invalid: &[InvalidSection]) {
    out.push_str("<table class=\"summary\"><thead><tr><th>scenario</th><th>file</th><th>result</th><th class=\"num\">expectations passed</th></tr></thead><tbody>");
    for (i, s) in sections.iter().enumerate() {
        let passed = s.report.expectations.iter().filter(|e| e.passed).count();
        let _ = write!(
            out,
            "<tr><td><a href=\"#s{}\">{}</a></td><td><code>{}</code></td><td>{}</td><td class=\"num\">{passed} / {}</td></tr>",
            i + 1,
            esc(&s.title),
            esc(&s.report.path),
            badge(s.report),
            s.report.expectations.len()
        );
    }
    for (i, bad) in invalid.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td><a href=\"#invalid-{}\">invalid scenario</a></td><td><code>{}</code></td><td><span class=\"badge fail\">invalid</span></td><td class=\"num\">—</td></tr>",
            i + 1,
            esc(&bad.path)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn section(out: &mut String, i: usize, s: &ReportSection, compact: bool) {
    let r = s.report;
    let _ = writeln!(
        out,
        "<section class=\"scenario {}\" id=\"s{}\" data-scenario=\"{}\">\n<h2>{} {}</h2>",
        if r.passed { "pass" } else { "fail" },
        i + 1,
        esc(&r.scenario),
        esc(&s.title),
        badge(r)
    );
    let logins = r.metrics.get("logins").copied().unwrap_or(0.0);
    let _ = writeln!(
        out,
        "<p class=\"meta\">scenario <strong>{}</strong> · file <code>{}</code> · seed {} · virtual {} → {} ({}) · {} logins · {} trace events</p>",
        esc(&r.scenario),
        esc(&r.path),
        r.seed,
        esc(&format_instant_ms(r.start_ms)),
        esc(&format_instant_ms(r.end_ms)),
        esc(&format_duration_ms(r.end_ms - r.start_ms)),
        esc(&num(logins)),
        esc(&num(s.events.len() as f64))
    );
    let drawn = timeline::render_timeline(r, s.events);
    if !drawn.overview.is_empty() {
        let _ = writeln!(
            out,
            "<h3>The whole run</h3><div class=\"scroll\">{}</div>\n<p class=\"window\">Time window of the timeline below: <input type=\"text\" class=\"win-from\" size=\"26\" aria-label=\"window start\"> → <input type=\"text\" class=\"win-to\" size=\"26\" aria-label=\"window end\"> <button type=\"button\" class=\"win-apply\">show</button> <button type=\"button\" class=\"win-reset\">whole run</button> <span class=\"hint\">or drag across the overview to zoom in</span></p>",
            drawn.overview
        );
    }
    if !drawn.notes.is_empty() {
        out.push_str("<ul class=\"capped\">");
        for n in &drawn.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>\n");
    }
    legend(out);
    if !drawn.svg.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Instances over time</h3><div class=\"scroll detail\">{}</div><script type=\"application/json\" class=\"tl-detail\">{}</script>",
            drawn.svg, drawn.detail
        );
    }
    if compact {
        out.push_str(&tables::expectations(r));
        let _ = write!(
            out,
            "<details class=\"more\"><summary>All metrics and instances</summary>{}{}</details>",
            tables::metrics(r),
            tables::instances(r)
        );
    } else {
        out.push_str(&tables::metrics(r));
        out.push_str(&tables::instances(r));
        out.push_str(&tables::expectations(r));
    }
    out.push_str(&tables::warnings(r));
    out.push_str(&tables::highlights(r));
    out.push_str("\n</section>\n");
}

/// The legend: a swatch and a show/hide box per kind of mark.
fn legend(out: &mut String) {
    let bar = |class: &str| {
        format!("<rect class=\"sw-exec {class}\" x=\"1\" y=\"3\" width=\"16\" height=\"8\"/>")
    };
    let items: [(&str, &str, String); 15] = [
        ("exec", "completed", bar("sw-completed")),
        ("exec", "redirect (yield)", bar("sw-redirect")),
        ("exec", "denied", bar("sw-denied")),
        ("exec", "failed", bar("sw-failed")),
        (
            "exec",
            "cold start (outlined)",
            "<rect class=\"sw-exec sw-completed\" x=\"1\" y=\"3\" width=\"16\" height=\"8\" style=\"stroke:#1f2328;stroke-width:1.2\"/>".into(),
        ),
        (
            "cache-hit",
            "cache hit",
            "<circle class=\"sw-cache-hit\" cx=\"9\" cy=\"7\" r=\"3.5\"/>".into(),
        ),
        (
            "cache-miss",
            "cache miss",
            "<circle class=\"sw-cache-miss\" cx=\"9\" cy=\"7\" r=\"3.5\"/>".into(),
        ),
        (
            "cache-error",
            "failed cache write",
            "<rect class=\"sw-cache-error\" x=\"6\" y=\"4\" width=\"6\" height=\"6\"/>".into(),
        ),
        (
            "evicted",
            "evicted",
            "<rect class=\"sw-evicted\" x=\"6.5\" y=\"4.5\" width=\"5\" height=\"5\"/>".into(),
        ),
        (
            "token",
            "token fetched",
            "<polygon class=\"sw-token\" points=\"9,2 13,7 9,12 5,7\"/>".into(),
        ),
        (
            "elsewhere",
            "resumed on another instance",
            "<path class=\"sw-elsewhere\" d=\"M1,3 C8,3 10,11 17,11\"/>".into(),
        ),
        (
            "same",
            "resumed on the same instance",
            "<path class=\"sw-same\" d=\"M2,12 C2,2 16,2 16,12\"/>".into(),
        ),
        (
            "warning",
            "caveat warning",
            "<polygon class=\"sw-warning\" points=\"9,2 13.5,11 4.5,11\"/>".into(),
        ),
        (
            "abandon",
            "redirect abandoned",
            "<path class=\"sw-abandon\" d=\"M5,3 L13,11 M5,11 L13,3\"/>".into(),
        ),
        (
            "span",
            "instance up",
            "<rect class=\"sw-span\" x=\"1\" y=\"2\" width=\"16\" height=\"10\" rx=\"2\"/>".into(),
        ),
    ];
    out.push_str("<div class=\"legend\">");
    let mut seen_exec = false;
    for (toggle, label, swatch) in items {
        // One box shows or hides every execution bar; the other bar swatches are plain.
        let boxed = toggle != "exec" || !seen_exec;
        seen_exec |= toggle == "exec";
        let input = if boxed {
            format!("<input type=\"checkbox\" checked data-toggle=\"{toggle}\">")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<label>{input}<svg class=\"swatch\" width=\"18\" height=\"14\" viewBox=\"0 0 18 14\" aria-hidden=\"true\">{swatch}</svg>{}</label>",
            if toggle == "exec" && boxed {
                format!("executions: {label}")
            } else {
                label.to_string()
            }
        );
    }
    out.push_str("<span class=\"hint\">Lanes are instances; x is virtual time. Top row: warnings; above the bars: cache reads; below them: token fetches; arrows go from the execution that redirected to the instance where the flow resumed.</span></div>\n");
}
