//! `actsim explore`: run a scenario under many seeds on every core, report each expectation
//! some seed violates (how often, the first seed, the command that replays it), shrink each
//! failure to a small run with its story, save it as a scenario (`--save-repro`), and split the
//! seeds between machines (`--shard`, `--merge`).

use std::path::Path;
use std::time::Instant;

use actsim_sim::explore::{
    self, repro::repro_text, run_seed, ExploreReport, Finding, Minimal, RunSize, SeedPlan, Shard,
};
use actsim_sim::{load_scenario, Redactor, RunOptions, Scenario};

use crate::cli::ExploreArgs;
use crate::diagnostics::CliError;
use crate::input::duration::parse_duration_ms;
use crate::parallel::{default_jobs, run_in_order, Plan};
use crate::progress::Progress;
use crate::simulate_command::{redactor_for, run_options};
use crate::style::Style;

/// The seeds run when neither --seeds nor --time is given.
pub const DEFAULT_SEEDS: u64 = 1000;

/// Run `actsim explore`.
pub fn execute(args: ExploreArgs) -> Result<i32, CliError> {
    if !args.merge.is_empty() {
        return merge_command(&args);
    }
    let path = args.scenario.clone().unwrap_or_default();
    let scenario = load_scenario(Path::new(&path))?;
    let options = run_options(None, &args.cpu_budget, args.transport.map(Into::into))?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--shard {e}"), None))?;
    let deadline = match &args.time {
        Some(t) => {
            let ms = parse_duration_ms(t)
                .map_err(|e| CliError::usage(format!("--time: {e}"), Some("e.g. --time 60s")))?;
            Some(Instant::now() + std::time::Duration::from_millis(ms.max(0) as u64))
        }
        None => None,
    };
    let plan = SeedPlan {
        first: args.first_seed,
        count: match deadline {
            Some(_) => None,
            None => Some(args.seeds.unwrap_or(DEFAULT_SEEDS)),
        },
    };
    let jobs = args.jobs.map_or_else(default_jobs, |j| j as usize);
    let mut progress = Progress::new(args.quiet, args.json);
    let mut report = explore_seeds(
        &scenario,
        &path,
        &options,
        plan,
        shard,
        jobs,
        deadline,
        &mut progress,
    )?;
    if !args.no_shrink {
        shrink_findings(
            &scenario,
            &options,
            &mut report,
            args.shrink_runs,
            jobs,
            &mut progress,
        );
    }
    progress.clear();
    finish(
        &args,
        &scenario_dir(&path),
        &report,
        &redactor_for(&scenario),
    )
}

/// Run the plan's seeds (those of `shard`) on `jobs` workers and fold them in seed order.
#[allow(clippy::too_many_arguments)]
fn explore_seeds(
    scenario: &Scenario,
    path: &str,
    options: &RunOptions,
    plan: SeedPlan,
    shard: Option<Shard>,
    jobs: usize,
    deadline: Option<Instant>,
    progress: &mut Progress,
) -> Result<ExploreReport, CliError> {
    let mut report = ExploreReport::new(scenario, path, plan, shard);
    let total = plan.len(shard);
    let mut failure: Option<std::io::Error> = None;
    let stop = move || deadline.is_some_and(|d| Instant::now() >= d);
    run_in_order(
        Plan {
            jobs,
            limit: total.or(deadline.map(|_| u64::MAX)),
            stop: &stop,
        },
        |k| {
            let seed = plan.nth(shard, k).expect("within the plan");
            run_seed(scenario, options, seed)
        },
        |_, outcome| match outcome {
            Ok(o) => {
                report.add(&o);
                progress.update(|| {
                    let of = total.map_or_else(String::new, |t| format!("/{t}"));
                    let violated = report
                        .expectations
                        .iter()
                        .filter(|f| f.violations > 0)
                        .count();
                    format!(
                        "explore: {}{of} seeds · {} failing · {violated} expectation(s) violated",
                        report.runs, report.failing_runs
                    )
                });
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        },
    );
    if let Some(e) = failure {
        return Err(CliError::usage(
            format!("the HTTP transport could not start its local server: {e}"),
            Some("use --transport in-process, or free a loopback port"),
        ));
    }
    Ok(report)
}

/// Shrink the first failing seed of every violated expectation (one worker per expectation).
fn shrink_findings(
    scenario: &Scenario,
    options: &RunOptions,
    report: &mut ExploreReport,
    max_runs: u32,
    jobs: usize,
    progress: &mut Progress,
) {
    let todo: Vec<(usize, u64, String)> = report
        .expectations
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.first_seed.map(|s| (i, s, f.expectation.clone())))
        .collect();
    if todo.is_empty() {
        return;
    }
    progress.update(|| format!("shrinking {} failure(s)…", todo.len()));
    let mut results: Vec<(usize, Result<Minimal, String>)> = Vec::new();
    run_in_order(
        Plan {
            jobs,
            limit: Some(todo.len() as u64),
            stop: &|| false,
        },
        |k| {
            let (i, seed, text) = &todo[k as usize];
            (
                *i,
                explore::shrink(scenario, options, *seed, text, max_runs),
            )
        },
        |_, r| results.push(r),
    );
    for (i, r) in results {
        // A failure that cannot be shrunk (its scenario cannot be edited) keeps its seed.
        report.expectations[i].minimal = r.ok();
    }
}

fn scenario_dir(path: &str) -> std::path::PathBuf {
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Print the report, save the repro, and give the exit status.
fn finish(
    args: &ExploreArgs,
    dir: &Path,
    report: &ExploreReport,
    redactor: &Redactor,
) -> Result<i32, CliError> {
    if args.json {
        let value =
            serde_json::to_value(report).map_err(|e| CliError::usage(e.to_string(), None))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&redactor.json(value)).unwrap_or_default()
        );
    } else {
        print!("{}", redactor.text(&render(report, Style::detect())));
    }
    if let Some(out) = &args.save_repro {
        save_repro(report, dir, out, args.json)?;
    }
    Ok(if report.passed() { 0 } else { 1 })
}

fn save_repro(report: &ExploreReport, dir: &Path, out: &str, quiet: bool) -> Result<(), CliError> {
    let Some((finding, minimal)) = report
        .expectations
        .iter()
        .find_map(|f| f.minimal.as_ref().map(|m| (f, m)))
    else {
        if !quiet {
            println!("\nno failing run to save: --save-repro {out} not written");
        }
        return Ok(());
    };
    let header = vec![
        format!(
            "Regression scenario written by `actsim explore {}`: it fails `{}`.",
            report.path, finding.expectation
        ),
        format!(
            "Seed {} shrunk from {} to {}.",
            minimal.seed,
            describe(&minimal.original),
            describe(&minimal.size)
        ),
        format!("Check it with: actsim test {out}"),
    ];
    let text = repro_text(&minimal.scenario_toml, dir, Path::new(out), &header)
        .map_err(|e| CliError::usage(format!("--save-repro {out}: {e}"), None))?;
    std::fs::write(out, text).map_err(|source| CliError::Read {
        path: out.to_string(),
        source,
    })?;
    if !quiet {
        println!(
            "\nrepro saved: {out} (actsim test {out} fails `{}`)",
            finding.expectation
        );
    }
    Ok(())
}

/// `1 login, 1 user, 2 instances, 1 fault, 1 eviction, 1 action, 5m`.
fn describe(s: &RunSize) -> String {
    let n = |v: u64, one: &str, many: &str| format!("{v} {}", if v == 1 { one } else { many });
    format!(
        "{}, {}, {}, {}, {}, {}, {} of arrivals",
        n(s.logins, "login", "logins"),
        n(s.users, "user", "users"),
        n(s.instances, "instance", "instances"),
        n(s.faults, "fault", "faults"),
        n(s.evictions, "eviction", "evictions"),
        n(s.actions, "action", "actions"),
        crate::progress::virtual_elapsed(s.duration_ms)
    )
}

/// The human report.
fn render(report: &ExploreReport, style: Style) -> String {
    let mut out = String::new();
    let shard = report
        .shard
        .map_or_else(String::new, |s| format!(" · shard {s}"));
    let seeds = match report.plan.count {
        Some(c) => format!(
            "seeds {}..={}",
            report.plan.first,
            report.plan.first + c - 1
        ),
        None => format!("seeds from {} (time budget)", report.plan.first),
    };
    out.push_str(&format!(
        "{} {} — {}\n  {seeds}{shard} · {} runs · {} failing\n",
        style.bold("actsim explore"),
        style.cyan(&report.path),
        report.scenario,
        report.runs,
        report.failing_runs
    ));
    if report.expectations.is_empty() {
        out.push_str(&format!(
            "  {} the scenario has no expectations: nothing can fail\n",
            style.yellow("!")
        ));
    }
    for f in &report.expectations {
        render_finding(&mut out, f, report.runs, style);
    }
    out
}

fn render_finding(out: &mut String, f: &Finding, runs: u64, style: Style) {
    let Some(seed) = f.first_seed else {
        out.push_str(&format!(
            "  {} {} — held under every seed\n",
            style.green("✓"),
            f.expectation
        ));
        return;
    };
    let share = 100.0 * f.violations as f64 / runs.max(1) as f64;
    let actual = f
        .first_actual
        .map_or_else(|| "no value".to_string(), |a| format!("actual {a}"));
    out.push_str(&format!(
        "  {} {} — violated under {} of {runs} seeds ({share:.1}%); first: seed {seed} ({actual})\n",
        style.red("✗"),
        f.expectation,
        f.violations
    ));
    if let Some(replay) = &f.replay {
        out.push_str(&format!("      replay: {replay}\n"));
    }
    if let Some(m) = &f.minimal {
        out.push_str(&format!(
            "      shrunk in {} runs to {} (from {})\n      what happened:\n",
            m.attempts,
            describe(&m.size),
            describe(&m.original)
        ));
        for line in &m.story {
            out.push_str(&format!("      {}\n", style.dim(line)));
        }
    }
}

/// `actsim explore --merge`.
fn merge_command(args: &ExploreArgs) -> Result<i32, CliError> {
    let mut reports = Vec::new();
    for path in &args.merge {
        let text = crate::diagnostics::read_file(path)?;
        let report: ExploreReport = serde_json::from_str(&text).map_err(|e| {
            CliError::usage(
                format!("{path}: not an explore --json report: {e}"),
                Some("merge the --json output of `actsim explore … --shard i/n`"),
            )
        })?;
        reports.push(report);
    }
    let merged =
        explore::merge(reports).map_err(|e| CliError::usage(format!("--merge: {e}"), None))?;
    let dir = scenario_dir(&merged.path);
    finish(args, &dir, &merged, &Redactor::new(&Default::default()))
}
