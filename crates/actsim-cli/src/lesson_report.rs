//! The HTML report of one lesson: the flawed and the fixed scenario as two sections of the same
//! page, each with its timeline, metrics, expectations and warnings.

use actsim_sim::{Redactor, SimReport, TraceEvent};

use crate::diagnostics::CliError;
use crate::html_report::{redact_inputs, render_html, write_report, ReportSection};
use crate::lessons::Lesson;

/// One side of the comparison: its report and trace.
pub struct Side<'a> {
    /// The scenario's report.
    pub report: &'a SimReport,
    /// The scenario's trace events.
    pub events: &'a [TraceEvent],
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
    let title = format!(
        "actsim lesson {number}: {} — {}",
        lesson.title, lesson.caveat
    );
    write_report(path, &render_html(&title, &sections))
}
