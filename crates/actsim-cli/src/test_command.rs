//! `actsim test`: run scenario files as regression tests, show every expectation with its actual
//! value, print the replay command of each failure, optionally write JUnit XML, and exit 1 on
//! any failure.

use std::path::{Path, PathBuf};

use actsim_sim::{
    load_scenario, CollectingSink, NullSink, Scenario, SimReport, TraceEvent, TraceSink,
};

use crate::cli::TestArgs;
use crate::diagnostics::CliError;
use crate::html_report::{
    redact_inputs, render_html_with_invalid, write_report, InvalidSection, ReportSection,
};
use crate::parallel::{default_jobs, run_in_order, Plan};
use crate::progress::Progress;
use crate::sim_output::render_expectations;
use crate::simulate_command::{redactor_for, run_options, run_simulation};
use crate::style::Style;

/// One scenario's outcome.
enum Outcome {
    Ran {
        path: String,
        report: Box<SimReport>,
    },
    Invalid {
        path: String,
        message: String,
    },
}

/// The files `actsim test` runs, and the files of its folders it skipped.
struct Collected {
    scenarios: Vec<PathBuf>,
    skipped: Vec<PathBuf>,
}

/// Scenario files named by `paths`: files as given, folders searched for `*.toml`, sorted. In a
/// folder, a TOML file without an `actions` array (a tenant file, for example) is skipped; one
/// that is not valid TOML is kept, so that its error is reported.
fn collect(paths: &[String]) -> Result<Collected, CliError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let path = PathBuf::from(p);
        if path.is_dir() {
            let mut found = Vec::new();
            walk(&path, &mut found).map_err(|source| CliError::Read {
                path: p.clone(),
                source,
            })?;
            found.sort();
            let (scenarios, others): (Vec<PathBuf>, Vec<PathBuf>) =
                found.into_iter().partition(|f| is_scenario_file(f));
            if scenarios.is_empty() {
                return Err(CliError::usage(
                    format!("{p}: no *.toml scenario files in this folder"),
                    Some("a scenario file has at least one [[actions]] table"),
                ));
            }
            files.extend(scenarios);
            skipped.extend(others);
        } else if path.exists() {
            files.push(path);
        } else {
            return Err(CliError::usage(
                format!("{p}: no such file or folder"),
                Some("pass scenario files or folders that hold them"),
            ));
        }
    }
    Ok(Collected {
        scenarios: files,
        skipped,
    })
}

/// Whether a `*.toml` file found in a folder is a scenario: it has an `actions` key at the top
/// level, or it cannot be read as TOML at all (then loading it reports the error).
fn is_scenario_file(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return true;
    };
    match text.parse::<toml::Table>() {
        Ok(table) => table.contains_key("actions"),
        Err(_) => true,
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Run `actsim test`.
pub fn execute(args: TestArgs) -> Result<i32, CliError> {
    let Collected {
        scenarios: files,
        skipped,
    } = collect(&args.paths)?;
    let options = run_options(args.seed, &args.cpu_budget, args.transport.map(Into::into))?;
    let style = Style::detect();
    println!(
        "{} · {} scenario{}",
        style.bold("actsim test"),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    if !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|f| f.display().to_string()).collect();
        println!(
            "  {}",
            style.dim(&format!(
                "skipped (not scenarios, no [[actions]]): {}",
                names.join(", ")
            ))
        );
    }
    let mut outcomes = Vec::new();
    // For --report: each run's report and events, secrets redacted.
    let mut drawn: Vec<(SimReport, Vec<TraceEvent>)> = Vec::new();
    let mut broken: Option<CliError> = None;
    let mut progress = Progress::new(args.quiet, false);
    let jobs = args.jobs.map_or_else(default_jobs, |j| j as usize);
    run_scenarios(
        &files,
        &options,
        args.report.is_some(),
        jobs,
        |done, run| {
            progress.clear();
            let path = run.path;
            match run.result {
                Err(RunError::Invalid(e)) => {
                    println!("\n{} {}", style.bold("▸"), style.cyan(&path));
                    eprintln!("{:?}", miette::Report::new(CliError::from(e.clone())));
                    println!("  {} invalid scenario: {}", style.red("✗"), e.headline());
                    outcomes.push(Outcome::Invalid {
                        path,
                        message: e.headline(),
                    });
                }
                Err(RunError::Broken(e)) => {
                    broken.get_or_insert(e);
                }
                Ok((scenario, report, events)) => {
                    let redactor = redactor_for(&scenario);
                    if args.report.is_some() {
                        drawn.push(redact_inputs(&report, &events, &redactor));
                    }
                    println!(
                        "\n{} {} — {} (seed {}) · {:.2} s",
                        style.bold("▸"),
                        style.cyan(&path),
                        report.scenario,
                        report.seed,
                        run.elapsed.as_secs_f64()
                    );
                    if report.expectations.is_empty() {
                        println!(
                            "  {} no expectations: the scenario ran ({} logins)",
                            style.yellow("!"),
                            report.metrics.get("logins").copied().unwrap_or(0.0)
                        );
                    }
                    print!("{}", redactor.text(&render_expectations(&report, style)));
                    for w in &report.warnings {
                        let line = format!(
                            "  ⚠ {} ×{}: {} (fix: {})",
                            w.kind.as_str(),
                            w.count,
                            w.first.message,
                            w.first.fix
                        );
                        println!("{}", style.yellow(&redactor.text(&line)));
                    }
                    if !report.passed {
                        println!("    replay: actsim simulate {path} --seed {}", report.seed);
                        println!("            actsim test {path} --seed {}", report.seed);
                    }
                    outcomes.push(Outcome::Ran {
                        path,
                        report: Box::new(report),
                    });
                }
            }
            progress.update(|| format!("test: {done}/{} scenarios", files.len()));
        },
    );
    progress.clear();
    if let Some(e) = broken {
        return Err(e);
    }
    let (mut passed, mut failed) = (0, 0);
    for o in &outcomes {
        match o {
            Outcome::Ran { report, .. } => {
                for e in &report.expectations {
                    if e.passed {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                }
            }
            Outcome::Invalid { .. } => failed += 1,
        }
    }
    let scenarios_failed = outcomes
        .iter()
        .filter(|o| match o {
            Outcome::Ran { report, .. } => !report.passed,
            Outcome::Invalid { .. } => true,
        })
        .count();
    println!(
        "\nexpectations: {passed} passed, {failed} failed · scenarios: {} passed, {scenarios_failed} failed",
        outcomes.len() - scenarios_failed
    );
    if let Some(path) = &args.report {
        let sections: Vec<ReportSection> = drawn
            .iter()
            .map(|(report, events)| ReportSection {
                title: format!("{} — {}", report.path, report.scenario),
                report,
                events,
            })
            .collect();
        let invalid: Vec<InvalidSection> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Invalid { path, message } => Some(InvalidSection {
                    path: path.clone(),
                    error: message.clone(),
                }),
                Outcome::Ran { .. } => None,
            })
            .collect();
        let html = render_html_with_invalid(
            &format!("actsim test {}", args.paths.join(" ")),
            &sections,
            &invalid,
        );
        write_report(path, &html)?;
    }
    if let Some(junit) = &args.junit {
        std::fs::write(junit, junit_xml(&outcomes)).map_err(|source| CliError::Read {
            path: junit.clone(),
            source,
        })?;
    }
    Ok(if scenarios_failed > 0 { 1 } else { 0 })
}

/// Why a scenario did not run.
enum RunError {
    /// Its file is invalid (reported, the others still run).
    Invalid(actsim_sim::ScenarioError),
    /// The simulator could not start (stops the command).
    Broken(CliError),
}

/// One scenario's run, as a worker hands it back.
struct ScenarioRun {
    path: String,
    result: Result<(Scenario, SimReport, Vec<TraceEvent>), RunError>,
    /// Wall-clock time of loading and simulating.
    elapsed: std::time::Duration,
}

/// Load and simulate `files` on `jobs` worker threads (keeping every trace event when
/// `keep_events`), handing each run to `each` in file order with the number done so far.
fn run_scenarios(
    files: &[PathBuf],
    options: &actsim_sim::RunOptions,
    keep_events: bool,
    jobs: usize,
    mut each: impl FnMut(usize, ScenarioRun),
) {
    run_in_order(
        Plan {
            jobs,
            limit: Some(files.len() as u64),
            stop: &|| false,
        },
        |k| {
            let file = &files[k as usize];
            let started = std::time::Instant::now();
            let result = match load_scenario(file) {
                Err(e) => Err(RunError::Invalid(e)),
                Ok(scenario) => {
                    let (mut collected, mut discard) = (CollectingSink::default(), NullSink);
                    let keep: &mut dyn TraceSink = if keep_events {
                        &mut collected
                    } else {
                        &mut discard
                    };
                    match run_simulation(&scenario, options, keep) {
                        Ok(report) => Ok((scenario, report, collected.events)),
                        Err(e) => Err(RunError::Broken(e)),
                    }
                }
            };
            ScenarioRun {
                path: file.display().to_string(),
                result,
                elapsed: started.elapsed(),
            }
        },
        |k, run| each(k as usize + 1, run),
    );
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a test suite per scenario, a test case per expectation.
fn junit_xml(outcomes: &[Outcome]) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for o in outcomes {
        match o {
            Outcome::Invalid { path, message } => {
                tests += 1;
                errors += 1;
                suites.push_str(&format!(
                    "  <testsuite name=\"{p}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"{p}\" name=\"scenario is valid\">\n      <error message=\"{m}\">{m}</error>\n    </testcase>\n  </testsuite>\n",
                    p = xml_escape(path),
                    m = xml_escape(message)
                ));
            }
            Outcome::Ran { path, report } => {
                let n = report.expectations.len().max(1);
                let f = report.expectations.iter().filter(|e| !e.passed).count();
                tests += n;
                failures += f;
                suites.push_str(&format!(
                    "  <testsuite name=\"{}\" file=\"{}\" tests=\"{n}\" failures=\"{f}\" errors=\"0\">\n",
                    xml_escape(&report.scenario),
                    xml_escape(path)
                ));
                if report.expectations.is_empty() {
                    suites.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"runs\"/>\n",
                        xml_escape(path)
                    ));
                }
                for e in &report.expectations {
                    let name = xml_escape(&e.expectation.text);
                    if e.passed {
                        suites.push_str(&format!(
                            "    <testcase classname=\"{}\" name=\"{name}\"/>\n",
                            xml_escape(path)
                        ));
                    } else {
                        let detail = match (e.actual, &e.problem) {
                            (_, Some(p)) => p.clone(),
                            (Some(a), None) => format!("actual {a}"),
                            (None, None) => "no value".into(),
                        };
                        let body = format!(
                            "{} failed: {detail}. Replay: actsim simulate {path} --seed {}",
                            e.expectation.text, report.seed
                        );
                        suites.push_str(&format!(
                            "    <testcase classname=\"{}\" name=\"{name}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                            xml_escape(path),
                            xml_escape(&detail),
                            xml_escape(&body)
                        ));
                    }
                }
                suites.push_str("  </testsuite>\n");
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"actsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}
