//! `actsim lesson --json`: the lessons (all, or the one named) as one JSON object: each
//! lesson's caveat and fix, and both scenarios' key metrics, expectations and warnings, with
//! the flawed → fixed comparison (schema: docs/lesson-json.md).

use crate::output::outln;
use actsim_sim::SimReport;
use serde_json::{json, Value};

use crate::diagnostics::CliError;
use crate::lesson_command::run_one;
use crate::lessons::{Lesson, LESSONS};
use crate::simulate_command::redactor_for;

/// Runs `lessons` and prints the JSON object; returns the exit status (1 when a scenario's
/// expectations fail, as the text output).
pub fn execute(lessons: &[&Lesson]) -> Result<i32, CliError> {
    let mut all = Vec::new();
    let mut passed = true;
    for lesson in lessons {
        let number = LESSONS
            .iter()
            .position(|l| l.name == lesson.name)
            .unwrap_or(0)
            + 1;
        let flawed = run_one(&lesson.flawed(), false)?;
        let fixed = run_one(&lesson.fixed(), false)?;
        let redactor = redactor_for(&flawed.scenario);
        let ok = flawed.report.passed && fixed.report.passed;
        passed &= ok;
        let names = lesson.compared_metrics();
        let comparison: Vec<Value> = names
            .iter()
            .map(|m| {
                json!({
                    "metric": m,
                    "key": lesson.key_metrics.contains(m),
                    "flawed": flawed.report.metrics.get(*m),
                    "fixed": fixed.report.metrics.get(*m),
                })
            })
            .collect();
        let value = json!({
            "number": number,
            "name": lesson.name,
            "title": lesson.title,
            "caveat": lesson.caveat,
            "fix": lesson.fix,
            "doc": lesson.doc(),
            "key_metric": lesson.key_metrics.first(),
            "passed": ok,
            "comparison": comparison,
            "flawed": side(&flawed.report),
            "fixed": side(&fixed.report),
        });
        all.push(redactor.json(value));
    }
    let doc = json!({ "passed": passed, "lessons": all });
    outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    Ok(if passed { 0 } else { 1 })
}

/// One scenario of a lesson: what ran and what it found.
fn side(report: &SimReport) -> Value {
    json!({
        "scenario": report.scenario,
        "path": report.path,
        "seed": report.seed,
        "passed": report.passed,
        "expectations": report.expectations.iter().map(|e| json!({
            "text": e.expectation.text,
            "actual": e.actual,
            "passed": e.passed,
            "message": e.message(&report.metrics),
        })).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(|w| json!({
            "kind": w.kind.as_str(),
            "count": w.count,
            "message": w.first.message,
            "fix": w.first.fix,
        })).collect::<Vec<_>>(),
    })
}
