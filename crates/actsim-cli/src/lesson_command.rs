//! `actsim lesson`: run the built-in lessons. Without a name, every lesson runs and one line
//! each shows its key number, flawed → fixed; with a name, the lesson is explained and its two
//! scenarios are compared metric by metric, with expectations and warnings.

use actsim_sim::scenario::load_scenario_from;
use actsim_sim::{CollectingSink, NullSink, Scenario, SimReport, TraceEvent, TraceSink};

use crate::cli::LessonArgs;
use crate::diagnostics::CliError;
use crate::lesson_report::Side;
use crate::lessons::{find, Lesson, LESSONS};
use crate::output::{out, outln};
use crate::sim_output::{num, render_expectations};
use crate::simulate_command::{redactor_for, run_options, run_simulation};
use crate::style::Style;

/// One scenario of a lesson, run.
pub(crate) struct Ran {
    pub(crate) scenario: Scenario,
    pub(crate) report: SimReport,
    events: Vec<TraceEvent>,
}

/// Runs one of a lesson's scenarios (keeping its events for a report when asked).
pub(crate) fn run_one(path: &std::path::Path, keep_events: bool) -> Result<Ran, CliError> {
    let scenario = load_scenario_from(path, &crate::bundled::BUNDLED)?;
    let options = run_options(None, "20s", None)?;
    let mut collected = CollectingSink::default();
    let mut discard = NullSink;
    let sink: &mut dyn TraceSink = if keep_events {
        &mut collected
    } else {
        &mut discard
    };
    let report = run_simulation(&scenario, &options, sink)?;
    Ok(Ran {
        scenario,
        report,
        events: collected.events,
    })
}

fn metric(report: &SimReport, name: &str) -> String {
    report
        .metrics
        .get(name)
        .map(|v| num(*v))
        .unwrap_or_else(|| "—".into())
}

/// Run `actsim lesson`.
pub fn execute(args: LessonArgs) -> Result<i32, CliError> {
    let style = Style::detect();
    if args.json {
        let lessons: Vec<&Lesson> = match &args.name {
            None => LESSONS.iter().collect(),
            Some(name) => vec![find_or_explain(name)?],
        };
        return crate::lesson_json::execute(&lessons);
    }
    if args.list {
        outln!(
            "{}",
            style.bold(
                "actsim lessons: the api.cache caveats, each with a flawed and a fixed action"
            )
        );
        for (i, l) in LESSONS.iter().enumerate() {
            outln!("  {:>2}  {:<28} {}", i + 1, style.cyan(l.name), l.title);
        }
        outln!("\nRun them all: actsim lesson · one in detail: actsim lesson <name>");
        return Ok(0);
    }
    match &args.name {
        None => overview(style, args.quiet),
        Some(name) => detail(find_or_explain(name)?, args.report.as_deref(), style),
    }
}

/// The lesson called `name`, or an error listing the lessons.
fn find_or_explain(name: &str) -> Result<&'static Lesson, CliError> {
    find(name).ok_or_else(|| {
        let names: Vec<&str> = LESSONS.iter().map(|l| l.name).collect();
        CliError::usage(
            format!("there is no lesson '{name}'"),
            Some(&format!("the lessons are: {}", names.join(", "))),
        )
    })
}

/// Every lesson, one line each.
fn overview(style: Style, quiet: bool) -> Result<i32, CliError> {
    outln!(
        "{}\n",
        style.bold("actsim lessons: each api.cache caveat, shown by a flawed and a fixed action in virtual time")
    );
    outln!(
        "  {:>2}  {:<28} {:<46} checks",
        "#",
        "lesson",
        "key number: flawed → fixed"
    );
    let mut failed = 0;
    let mut progress = crate::progress::Progress::new(quiet, false);
    for (i, l) in LESSONS.iter().enumerate() {
        progress.update(|| format!("lesson {}/{}: {}", i + 1, LESSONS.len(), l.name));
        let flawed = run_one(&l.flawed(), false)?;
        let fixed = run_one(&l.fixed(), false)?;
        progress.clear();
        let key = l.key_metrics[0];
        let numbers = format!(
            "{key}: {} → {}",
            metric(&flawed.report, key),
            metric(&fixed.report, key)
        );
        let ok = flawed.report.passed && fixed.report.passed;
        if !ok {
            failed += 1;
        }
        outln!(
            "  {:>2}  {:<28} {:<46} {}",
            i + 1,
            style.cyan(l.name),
            numbers,
            if ok {
                style.green("✓")
            } else {
                style.red("✗")
            }
        );
    }
    outln!(
        "\nEach line ran two simulations (fixtures/lessons/<name>/flawed.toml and fixed.toml); ✓ means both\nscenarios' expectations hold. Learn one: actsim lesson default-lifetime (explanations: docs/lessons/)."
    );
    Ok(if failed > 0 { 1 } else { 0 })
}

/// One lesson in detail.
fn detail(lesson: &Lesson, report_path: Option<&str>, style: Style) -> Result<i32, CliError> {
    let number = LESSONS
        .iter()
        .position(|l| l.name == lesson.name)
        .unwrap_or(0)
        + 1;
    let keep = report_path.is_some();
    let flawed = run_one(&lesson.flawed(), keep)?;
    let fixed = run_one(&lesson.fixed(), keep)?;
    let redactor = redactor_for(&flawed.scenario);
    let mut out = String::new();
    out.push_str(&format!(
        "{} · {}\n",
        style.bold(&format!("Lesson {number}")),
        style.bold(lesson.title)
    ));
    out.push_str(&format!(
        "  caveat  {}\n  fix     {}\n  read    {}\n\n",
        lesson.caveat,
        lesson.fix,
        lesson.doc()
    ));
    out.push_str(&format!("  {:<36} {:>14} {:>14}\n", "", "flawed", "fixed"));
    for (i, m) in lesson.compared_metrics().iter().enumerate() {
        let line = format!(
            "  {:<36} {:>14} {:>14}",
            m,
            metric(&flawed.report, m),
            metric(&fixed.report, m)
        );
        out.push_str(&if i < lesson.key_metrics.len() {
            style.bold(&line)
        } else {
            line
        });
        out.push('\n');
    }
    for (label, ran) in [("flawed", &flawed), ("fixed", &fixed)] {
        out.push_str(&format!(
            "\n{} — {} ({})\n",
            style.bold(label),
            ran.report.scenario,
            ran.report.path
        ));
        out.push_str(&render_expectations(&ran.report, style));
        for w in &ran.report.warnings {
            out.push_str(&format!(
                "  {} ×{}  {}\n      fix: {}\n",
                style.yellow(&format!("⚠ {}", w.kind.as_str())),
                num(w.count as f64),
                w.first.message,
                w.first.fix
            ));
        }
    }
    out!("{}", redactor.text(&out));
    if let Some(path) = report_path {
        let code = |ran: &Ran| -> String {
            let codes: Vec<&str> = ran
                .scenario
                .actions
                .iter()
                .map(|a| a.source.code.as_str())
                .collect();
            codes.join("\n")
        };
        let flawed_side = Side {
            report: &flawed.report,
            events: &flawed.events,
            code: code(&flawed),
        };
        let fixed_side = Side {
            report: &fixed.report,
            events: &fixed.events,
            code: code(&fixed),
        };
        crate::lesson_report::write(path, lesson, number, flawed_side, fixed_side, &redactor)?;
        outln!("\nreport: {path}");
    }
    let passed = flawed.report.passed && fixed.report.passed;
    Ok(if passed { 0 } else { 1 })
}
