//! `actsim simulate`: run one scenario, write the trace if asked, print the report.

use std::io::Write;
use std::path::Path;

use actsim_sim::{
    load_scenario, simulate, CollectingSink, JsonLinesSink, NullSink, Redactor, RunOptions,
    Scenario, SimReport, Simulation, TeeSink, TraceSink, Transport,
};

use crate::cli::SimulateArgs;
use crate::diagnostics::CliError;
use crate::html_report::{redact_inputs, render_html, write_report, ReportSection};
use crate::input::duration::parse_duration_ms;
use crate::output::{out, outln};
use crate::progress::{virtual_elapsed, Progress};
use crate::sim_output::render;
use crate::style::Style;

/// The redactor for every secret of every bound action.
pub fn redactor_for(scenario: &Scenario) -> Redactor {
    scenario.redactor()
}

/// The simulation options from the CLI flags.
pub fn run_options(
    seed: Option<u64>,
    cpu_budget: &str,
    transport: Option<Transport>,
) -> Result<RunOptions, CliError> {
    let cpu = parse_duration_ms(cpu_budget)
        .map_err(|e| CliError::usage(format!("--cpu-budget: {e}"), None))?;
    Ok(RunOptions {
        seed,
        cpu_budget: Some(std::time::Duration::from_millis(cpu.max(1) as u64)),
        transport,
        ..RunOptions::default()
    })
}

/// Run a simulation, turning a transport failure into a CLI error.
pub fn run_simulation(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &mut dyn TraceSink,
) -> Result<SimReport, CliError> {
    simulate(scenario, options, sink).map_err(transport_error)
}

fn transport_error(e: std::io::Error) -> CliError {
    CliError::usage(
        format!("the HTTP transport could not start its local server: {e}"),
        Some("use --transport in-process, or free a loopback port"),
    )
}

/// [`run_simulation`] with a progress line (virtual time reached, logins so far).
fn run_with_progress(
    scenario: &Scenario,
    options: &RunOptions,
    sink: &mut dyn TraceSink,
    progress: &mut Progress,
) -> Result<SimReport, CliError> {
    let mut sim = Simulation::new(scenario, options, sink).map_err(transport_error)?;
    let mut steps = 0u64;
    while sim.step() {
        steps += 1;
        if steps.is_multiple_of(2048) {
            progress.update(|| {
                format!(
                    "simulate: virtual {} of {} · {} logins",
                    virtual_elapsed(sim.now() - scenario.start_ms),
                    virtual_elapsed(scenario.duration_ms),
                    sim.logins()
                )
            });
        }
    }
    progress.clear();
    Ok(sim.finish())
}

/// Run `actsim simulate`; the exit status is 0 (expectations that fail are shown, not fatal).
pub fn execute(args: SimulateArgs) -> Result<i32, CliError> {
    let scenario = load_scenario(Path::new(&args.scenario))?;
    let options = run_options(args.seed, &args.cpu_budget, args.transport.map(Into::into))?;
    let redactor = redactor_for(&scenario);
    let mut progress = Progress::new(args.quiet, args.json);
    // The HTML report draws every event; without --report none is kept.
    let (mut collected, mut discard) = (CollectingSink::default(), NullSink);
    let keep: &mut dyn TraceSink = if args.report.is_some() {
        &mut collected
    } else {
        &mut discard
    };
    let mut report = match &args.trace {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| CliError::Read {
                path: path.clone(),
                source,
            })?;
            let mut sink = JsonLinesSink::new(std::io::BufWriter::new(file), redactor.clone());
            let mut both = TeeSink {
                a: &mut sink,
                b: keep,
            };
            let report = run_with_progress(&scenario, &options, &mut both, &mut progress)?;
            let failed = sink.error.take();
            let flushed = sink.into_inner().flush();
            if let Some(e) = failed.or(flushed.err()) {
                return Err(CliError::usage(
                    format!("--trace {path}: writing failed: {e}"),
                    None,
                ));
            }
            report
        }
        None => run_with_progress(&scenario, &options, keep, &mut progress)?,
    };
    crate::metric_names::name_metrics(&mut report.metrics, &mut report.expectations, &redactor);
    if let Some(path) = &args.report {
        let (shown, events) = redact_inputs(&report, &collected.events, &redactor);
        let html = render_html(
            &format!("actsim simulate {}", args.scenario),
            &[ReportSection {
                title: shown.scenario.clone(),
                report: &shown,
                events: &events,
            }],
        );
        write_report(path, &redactor.text(&html))?;
    }
    if args.json {
        let value =
            serde_json::to_value(&report).map_err(|e| CliError::usage(e.to_string(), None))?;
        outln!(
            "{}",
            serde_json::to_string_pretty(&redactor.json(value)).unwrap_or_default()
        );
    } else {
        out!("{}", redactor.text(&render(&report, Style::detect())));
        if !report.passed {
            outln!(
                "\nreplay: actsim simulate {} --seed {}",
                args.scenario,
                report.seed
            );
        }
    }
    Ok(0)
}
