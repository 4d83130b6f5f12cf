//! The HTML report of one lesson. It leads with what teaches: the flawed-vs-fixed comparison of
//! the key numbers, the caveat and the fix, and the two actions' code side by side with the
//! changed lines marked; then the two scenarios' timelines, one after the other (their full
//! metric tables folded away).

use std::fmt::Write;

use actsim_sim::{Redactor, SimReport, TraceEvent};

use crate::diagnostics::CliError;
use crate::html_report::{esc, redact_inputs, render_html_with_lead, write_report, ReportSection};
use crate::lessons::Lesson;
use crate::sim_output::num;

/// Longest code (in lines, per side) whose difference is marked; longer code is shown plain.
const MAX_DIFF_LINES: usize = 2_000;

/// One side of the comparison: its report, trace and action code.
pub struct Side<'a> {
    /// The scenario's report.
    pub report: &'a SimReport,
    /// The scenario's trace events.
    pub events: &'a [TraceEvent],
    /// The code of the scenario's action(s), one after the other.
    pub code: String,
}

/// Write the lesson's report to `path`, secrets redacted.
pub fn write(
    path: &str,
    lesson: &Lesson,
    number: usize,
    flawed: Side<'_>,
    fixed: Side<'_>,
    redactor: &Redactor,
) -> Result<(), CliError> {
    let (flawed_report, flawed_events) = redact_inputs(flawed.report, flawed.events, redactor);
    let (fixed_report, fixed_events) = redact_inputs(fixed.report, fixed.events, redactor);
    let lead = lead(
        lesson,
        &flawed_report,
        &fixed_report,
        &redactor.text(&flawed.code),
        &redactor.text(&fixed.code),
    );
    let sections = [
        ReportSection {
            title: format!("Flawed: {}", flawed_report.scenario),
            report: &flawed_report,
            events: &flawed_events,
        },
        ReportSection {
            title: format!("Fixed: {}", fixed_report.scenario),
            report: &fixed_report,
            events: &fixed_events,
        },
    ];
    let title = format!("actsim lesson {number}: {}", lesson.title);
    write_report(path, &render_html_with_lead(&title, &lead, &sections))
}

/// The lesson's lead: caveat, fix, the comparison table and the code side by side.
fn lead(lesson: &Lesson, flawed: &SimReport, fixed: &SimReport, a: &str, b: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"lesson\"><p class=\"caveat\"><strong>The caveat.</strong> {}</p><p class=\"fix\"><strong>The fix.</strong> {}</p>",
        esc(lesson.caveat),
        esc(lesson.fix)
    );
    out.push_str("<table class=\"comparison\"><thead><tr><th>metric</th><th class=\"num\">flawed</th><th class=\"num\">fixed</th></tr></thead><tbody>");
    for m in lesson.compared_metrics() {
        let value = |r: &SimReport| r.metrics.get(m).map_or("—".to_string(), |v| num(*v));
        let _ = write!(
            out,
            "<tr{}><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if lesson.key_metrics.contains(&m) {
                " class=\"key\""
            } else {
                ""
            },
            esc(m),
            esc(&value(flawed)),
            esc(&value(fixed))
        );
    }
    out.push_str("</tbody></table>");
    out.push_str("<h3>The code: flawed and fixed</h3><div class=\"code-diff\">");
    let (left, right) = side_by_side(a, b);
    let _ = write!(
        out,
        "<div><div class=\"code-title\">flawed</div><pre class=\"code\">{left}</pre></div><div><div class=\"code-title\">fixed</div><pre class=\"code\">{right}</pre></div>"
    );
    out.push_str("</div><p class=\"muted\">Lines marked red are only in the flawed action, green only in the fixed one.</p></section>");
    out
}

/// The two codes as HTML lines, lines only in `a` marked `del`, only in `b` marked `ins` (a
/// longest common subsequence of lines).
fn side_by_side(a: &str, b: &str) -> (String, String) {
    let la: Vec<&str> = a.lines().collect();
    let lb: Vec<&str> = b.lines().collect();
    let (keep_a, keep_b) = if la.len() <= MAX_DIFF_LINES && lb.len() <= MAX_DIFF_LINES {
        common_lines(&la, &lb)
    } else {
        (vec![true; la.len()], vec![true; lb.len()])
    };
    let render = |lines: &[&str], keep: &[bool], mark: &str| {
        let mut out = String::new();
        for (line, same) in lines.iter().zip(keep) {
            if *same {
                let _ = write!(out, "<span class=\"line\">{}</span>", esc(line));
            } else {
                let _ = write!(out, "<span class=\"line {mark}\">{}</span>", esc(line));
            }
        }
        out
    };
    (render(&la, &keep_a, "del"), render(&lb, &keep_b, "ins"))
}

/// Which lines of `a` and of `b` belong to a longest common subsequence.
fn common_lines(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i].trim_end() == b[j].trim_end() {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut keep_a, mut keep_b) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i].trim_end() == b[j].trim_end() {
            keep_a[i] = true;
            keep_b[j] = true;
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (keep_a, keep_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_on_their_side() {
        let a = "const KEY = 'k';\napi.cache.set(KEY, token);\nreturn token;\n";
        let b = "const KEY = 'k';\napi.cache.set(KEY, token, { ttl });\nreturn token;\n";
        let (left, right) = side_by_side(a, b);
        assert_eq!(left.matches("class=\"line del\"").count(), 1);
        assert!(left.contains("<span class=\"line del\">api.cache.set(KEY, token);</span>"));
        assert_eq!(right.matches("class=\"line ins\"").count(), 1);
        assert!(right.contains("{ ttl }"));
        assert_eq!(left.matches("<span class=\"line\">").count(), 2);
        // Identical code: nothing marked; code is escaped.
        let (l, r) = side_by_side("a < b", "a < b");
        assert_eq!(l, "<span class=\"line\">a &lt; b</span>");
        assert_eq!(l, r);
    }
}
