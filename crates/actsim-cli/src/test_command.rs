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
use crate::output::{out, outln};
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
        /// Wall-clock seconds the simulation took (for JUnit's `time`).
        seconds: f64,
        /// Warnings, secrets redacted.
        warnings: Vec<WarningLine>,
    },
    Invalid {
        path: String,
        message: String,
    },
}

impl Outcome {
    fn failed(&self) -> bool {
        match self {
            Outcome::Ran { report, .. } => !report.passed,
            Outcome::Invalid { .. } => true,
        }
    }
}

/// One warning of a run, secrets redacted.
struct WarningLine {
    kind: &'static str,
    count: u64,
    message: String,
    fix: String,
}

impl WarningLine {
    fn text(&self) -> String {
        format!(
            "⚠ {} ×{}: {} (fix: {})",
            self.kind, self.count, self.message, self.fix
        )
    }
}

/// Human output, or nothing under `--json` (stdout then holds only the JSON object).
struct Say {
    quiet: bool,
}

impl Say {
    fn line(&self, text: &str) {
        if !self.quiet {
            outln!("{text}");
        }
    }
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
            walk(&path, &mut found, &mut Vec::new()).map_err(|source| CliError::Read {
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
    let Ok(text) = actsim_sim::inputs::files::read_text_bounded(path) else {
        return true;
    };
    match text.parse::<toml::Table>() {
        Ok(table) => table.contains_key("actions"),
        Err(_) => true,
    }
}

/// `*.toml` files under `dir`. `seen` holds the canonical folders entered so far, so that a
/// symbolic link back to a folder being walked (a cycle) is entered only once.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let real = std::fs::canonicalize(dir)?;
    if seen.contains(&real) {
        return Ok(());
    }
    seen.push(real);
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out, seen)?;
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
    let say = Say { quiet: args.json };
    say.line(&format!(
        "{} · {} scenario{}",
        style.bold("actsim test"),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    if !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|f| f.display().to_string()).collect();
        say.line(&format!(
            "  {}",
            style.dim(&format!(
                "skipped (not scenarios, no [[actions]]): {}",
                names.join(", ")
            ))
        ));
    }
    let mut outcomes = Vec::new();
    // For --report: each run's report and events, secrets redacted.
    let mut drawn: Vec<(SimReport, Vec<TraceEvent>)> = Vec::new();
    let mut broken: Option<CliError> = None;
    let mut progress = Progress::new(args.quiet || args.json, false);
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
                    say.line(&format!("\n{} {}", style.bold("▸"), style.cyan(&path)));
                    eprintln!("{:?}", miette::Report::new(CliError::from(e.clone())));
                    say.line(&format!(
                        "  {} invalid scenario: {}",
                        style.red("✗"),
                        e.headline()
                    ));
                    outcomes.push(Outcome::Invalid {
                        path,
                        message: e.headline(),
                    });
                }
                Err(RunError::Broken(e)) => {
                    broken.get_or_insert(e);
                }
                Ok((scenario, mut report, events)) => {
                    let seconds = run.elapsed.as_secs_f64();
                    let redactor = redactor_for(&scenario);
                    crate::metric_names::name_metrics(
                        &mut report.metrics,
                        &mut report.expectations,
                        &redactor,
                    );
                    if args.report.is_some() {
                        drawn.push(redact_inputs(&report, &events, &redactor));
                    }
                    say.line(&format!(
                        "\n{} {} — {} (seed {}) · {:.2} s",
                        style.bold("▸"),
                        style.cyan(&path),
                        report.scenario,
                        report.seed,
                        seconds
                    ));
                    if report.expectations.is_empty() {
                        say.line(&format!(
                            "  {} no expectations: the scenario ran ({} logins)",
                            style.yellow("!"),
                            report.metrics.get("logins").copied().unwrap_or(0.0)
                        ));
                    }
                    if !args.json {
                        out!("{}", redactor.text(&render_expectations(&report, style)));
                    }
                    let warnings: Vec<WarningLine> = report
                        .warnings
                        .iter()
                        .map(|w| WarningLine {
                            kind: w.kind.as_str(),
                            count: w.count,
                            message: redactor.text(&w.first.message),
                            fix: redactor.text(&w.first.fix),
                        })
                        .collect();
                    for w in &warnings {
                        say.line(&style.yellow(&format!("  {}", w.text())));
                    }
                    if !report.passed {
                        say.line(&format!(
                            "    replay: actsim simulate {path} --seed {}",
                            report.seed
                        ));
                        say.line(&format!(
                            "            actsim test {path} --seed {}",
                            report.seed
                        ));
                    }
                    let mut report = Box::new(report);
                    redact_messages(&mut report, &redactor);
                    outcomes.push(Outcome::Ran {
                        path,
                        report,
                        seconds,
                        warnings,
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
    let scenarios_failed = outcomes.iter().filter(|o| o.failed()).count();
    say.line(&format!(
        "\nexpectations: {passed} passed, {failed} failed · scenarios: {} passed, {scenarios_failed} failed",
        outcomes.len() - scenarios_failed
    ));
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
        let xml = junit_xml(&outcomes);
        // A lone surrogate of an action's value as `\ud83d`, as on stdout.
        let xml = actsim_js::escape_lone_surrogates(&xml);
        std::fs::write(junit, xml.as_bytes()).map_err(|source| CliError::Read {
            path: junit.clone(),
            source,
        })?;
    }
    if args.json {
        let value = json_summary(&outcomes, &skipped, (passed, failed));
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
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

/// Redacts secrets from the expectation texts and problems kept for JUnit and JSON.
fn redact_messages(report: &mut SimReport, redactor: &actsim_sim::Redactor) {
    for e in &mut report.expectations {
        e.problem = e.problem.as_deref().map(|p| redactor.text(p));
    }
}

/// The `--json` object (docs/test-json.md).
fn json_summary(
    outcomes: &[Outcome],
    skipped: &[PathBuf],
    (passed, failed): (usize, usize),
) -> serde_json::Value {
    use serde_json::json;
    let scenarios: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Invalid { path, message } => json!({
                "path": path,
                "valid": false,
                "passed": false,
                "error": message,
            }),
            Outcome::Ran {
                path,
                report,
                seconds,
                warnings,
            } => json!({
                "path": path,
                "valid": true,
                "name": report.scenario,
                "seed": report.seed,
                "passed": report.passed,
                "time_s": (seconds * 1000.0).round() / 1000.0,
                "logins": report.metrics.get("logins").copied().unwrap_or(0.0),
                "expectations": report.expectations.iter().map(|e| json!({
                    "text": e.expectation.text,
                    "metric": e.expectation.metric,
                    "op": e.expectation.op,
                    "expected": match &e.expectation.value_metric {
                        Some(name) => json!(name),
                        None => json!(e.expectation.value),
                    },
                    "actual": e.actual,
                    "passed": e.passed,
                    "message": e.message(&report.metrics),
                })).collect::<Vec<_>>(),
                "warnings": warnings.iter().map(|w| json!({
                    "kind": w.kind,
                    "count": w.count,
                    "message": w.message,
                    "fix": w.fix,
                })).collect::<Vec<_>>(),
                "replay": (!report.passed).then(|| format!("actsim simulate {path} --seed {}", report.seed)),
            }),
        })
        .collect();
    let failed_scenarios = outcomes.iter().filter(|o| o.failed()).count();
    json!({
        "passed": failed_scenarios == 0,
        "summary": {
            "expectations_passed": passed,
            "expectations_failed": failed,
            "scenarios_passed": outcomes.len() - failed_scenarios,
            "scenarios_failed": failed_scenarios,
        },
        "skipped_files": skipped.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "scenarios": scenarios,
    })
}

/// Escapes text for an XML attribute or element: the HTML report's escaping, which is valid
/// XML too (`&#39;` for `'`; characters XML 1.0 forbids become U+FFFD).
fn xml_escape(s: &str) -> String {
    crate::html_report::esc(s)
}

/// A JUnit `classname` CI systems display well: the scenario's path without `.toml`, folders
/// joined with dots (`fixtures.scenarios.article-24h`), so that the dots CI systems read as
/// package separators are the folders, not the extension.
fn classname(path: &str) -> String {
    let trimmed = path.strip_suffix(".toml").unwrap_or(path);
    let parts: Vec<&str> = trimmed
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let joined = parts.join(".");
    if joined.is_empty() {
        "scenario".to_string()
    } else {
        joined
    }
}

/// JUnit XML (the format of Ant's JUnit task, which Jenkins, GitLab, GitHub reporters and
/// others read; checked against tests/junit/junit.xsd): a test suite per scenario with its
/// wall-clock `time` and its warnings in `system-out`, a test case per expectation, failure
/// messages in words (`tokens_issued was 358, expected <= 4`) and the replay command.
fn junit_xml(outcomes: &[Outcome]) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut total_time) = (0, 0, 0, 0.0);
    for (id, o) in outcomes.iter().enumerate() {
        match o {
            Outcome::Invalid { path, message } => {
                tests += 1;
                errors += 1;
                suites.push_str(&format!(
                    "  <testsuite id=\"{id}\" name=\"{c}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.000\" file=\"{p}\">\n    <testcase classname=\"{c}\" name=\"scenario is valid\" time=\"0.000\" file=\"{p}\">\n      <error message=\"{m}\" type=\"invalid scenario\">{m}</error>\n    </testcase>\n  </testsuite>\n",
                    c = xml_escape(&classname(path)),
                    p = xml_escape(path),
                    m = xml_escape(message)
                ));
            }
            Outcome::Ran {
                path,
                report,
                seconds,
                warnings,
            } => {
                let n = report.expectations.len().max(1);
                let f = report.expectations.iter().filter(|e| !e.passed).count();
                tests += n;
                failures += f;
                total_time += seconds;
                let class = xml_escape(&classname(path));
                let file = xml_escape(path);
                suites.push_str(&format!(
                    "  <testsuite id=\"{id}\" name=\"{}\" tests=\"{n}\" failures=\"{f}\" errors=\"0\" skipped=\"0\" time=\"{seconds:.3}\" file=\"{file}\">\n",
                    xml_escape(&report.scenario),
                ));
                suites.push_str(&format!(
                    "    <properties>\n      <property name=\"seed\" value=\"{}\"/>\n      <property name=\"replay\" value=\"actsim simulate {file} --seed {}\"/>\n    </properties>\n",
                    report.seed, report.seed
                ));
                // The run's time belongs to the scenario; its expectations are checked after it.
                if report.expectations.is_empty() {
                    suites.push_str(&format!(
                        "    <testcase classname=\"{class}\" name=\"runs\" time=\"{seconds:.3}\" file=\"{file}\"/>\n"
                    ));
                }
                for (k, e) in report.expectations.iter().enumerate() {
                    let name = xml_escape(&e.expectation.text);
                    let time = if k == 0 { *seconds } else { 0.0 };
                    if e.passed {
                        suites.push_str(&format!(
                            "    <testcase classname=\"{class}\" name=\"{name}\" time=\"{time:.3}\" file=\"{file}\"/>\n"
                        ));
                    } else {
                        let message = e.message(&report.metrics);
                        let body = format!(
                            "{message}\nexpectation: {}\nscenario: {path} (seed {})\nreplay: actsim simulate {path} --seed {}",
                            e.expectation.text, report.seed, report.seed
                        );
                        suites.push_str(&format!(
                            "    <testcase classname=\"{class}\" name=\"{name}\" time=\"{time:.3}\" file=\"{file}\">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                            xml_escape(&message),
                            xml_escape(&body)
                        ));
                    }
                }
                if !warnings.is_empty() {
                    suites.push_str(&format!(
                        "    <system-out>{}</system-out>\n",
                        xml_escape(
                            &warnings
                                .iter()
                                .map(WarningLine::text)
                                .collect::<Vec<_>>()
                                .join("\n")
                        )
                    ));
                }
                suites.push_str("  </testsuite>\n");
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"actsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total_time:.3}\">\n{suites}</testsuites>\n"
    )
}
