//! `actsim run`: turn the arguments into [`RunOptions`], run, print, and pick the exit status.

use std::collections::BTreeMap;
use std::time::Duration;

use actsim_cache::{CacheLimits, OverMaxLifetime, WhenFull};
use actsim_js::{ActionSource, InstanceConfig, Trigger};

use crate::cli::RunArgs;
use crate::diagnostics::{read_file, CliError};
use crate::input::duration::parse_duration_ms;
use crate::input::instant::parse_instant_ms;
use crate::output::{out, outln};
use crate::run::driver::{run, RunOptions};
use crate::run::render::render;
use crate::style::Style;
use actsim_sim::inputs::event::{default_event, load_event};
use actsim_sim::inputs::secrets::{parse_secrets_marked, ParsedSecrets};
use actsim_sim::scenario::{parse_mock_line, parse_mocks, MockSpec};
use actsim_sim::{Expectation, Redactor};

const LOCAL_SECRETS: &str = include_str!("../../../fixtures/secrets/local-tenant.env");

/// Run `actsim run` and return the exit status.
pub fn execute(args: Box<RunArgs>) -> Result<i32, CliError> {
    let (options, expectations) = build_options(&args)?;
    let redactor = Redactor::with_public(&options.secrets, &options.public_secrets);
    let sources = options.actions.clone();
    let mut report = run(options)?;
    report.expectations = expectations
        .iter()
        .map(|e| e.check(&report.metrics))
        .collect();
    crate::metric_names::name_metrics(&mut report.metrics, &mut report.expectations, &redactor);
    let failed = report.summary.failed > 0 || report.expectations.iter().any(|e| !e.passed);
    if args.json {
        let value =
            serde_json::to_value(&report).map_err(|e| CliError::usage(e.to_string(), None))?;
        let text = serde_json::to_string_pretty(&redactor.json(value)).unwrap_or_default();
        outln!("{text}");
    } else {
        out!(
            "{}",
            redactor.text(&render(&report, &sources, Style::detect()))
        );
    }
    Ok(if failed { 1 } else { 0 })
}

fn flag_duration(flag: &str, value: &str) -> Result<i64, CliError> {
    parse_duration_ms(value).map_err(|e| CliError::usage(format!("--{flag}: {e}"), None))
}

/// The mocks and expectations of `--mock`, `--mocks` and `--expect`, in that order.
fn mocks_and_expectations(args: &RunArgs) -> Result<(Vec<MockSpec>, Vec<Expectation>), CliError> {
    let mut mocks = args
        .mock_lines
        .iter()
        .map(|line| {
            parse_mock_line(line).map_err(|e| {
                CliError::usage(
                    format!("--mock: {e}"),
                    Some(
                        "docs/scenario.md, \"HTTP mocks\", lists what a mock can match and answer",
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut expectations = Vec::new();
    if let Some(path) = &args.mocks {
        let file = parse_mocks(std::path::Path::new(path), &read_file(path)?)?;
        mocks.extend(file.mocks);
        expectations.extend(file.expectations.into_iter().map(|(e, _)| e));
    }
    for text in &args.expects {
        expectations.push(Expectation::parse(text).map_err(|e| {
            CliError::usage(
                format!("--expect: {e}"),
                Some("docs/scenario.md lists the metrics"),
            )
        })?);
    }
    Ok((mocks, expectations))
}

fn build_options(args: &RunArgs) -> Result<(RunOptions, Vec<Expectation>), CliError> {
    let actions = args
        .actions
        .iter()
        .map(|path| Ok(ActionSource::new(path.clone(), read_file(path)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let trigger: Trigger = match (&args.trigger, actions.first()) {
        (Some(name), _) => name.parse(),
        (None, Some(first)) => Trigger::detect(&first.code),
        (None, None) => Ok(Trigger::PostLogin),
    }
    .map_err(|e: String| CliError::usage(e, None))?;
    let (mocks, expectations) = mocks_and_expectations(args)?;
    let mut notes = Vec::new();
    let event = match &args.event {
        Some(path) => {
            let (event, note) = load_event(path, &read_file(path)?, trigger)?;
            notes.extend(note);
            event
        }
        None => default_event(trigger),
    };
    let ParsedSecrets {
        secrets,
        public: public_secrets,
    } = match &args.secrets {
        Some(path) => parse_secrets_marked(path, &read_file(path)?)?,
        None => {
            notes.push(
                "no --secrets given: using the local tenant's secrets from fixtures/secrets/local-tenant.env (domain, clientID, clientSecret)"
                    .to_string(),
            );
            parse_secrets_marked("fixtures/secrets/local-tenant.env", LOCAL_SECRETS)?
        }
    };
    let tenant = crate::serve_command::load_tenant(args.tenant.as_deref())?;
    let mut return_params = BTreeMap::new();
    for p in &args.return_params {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            CliError::usage(format!("--return-param '{p}': expected NAME=VALUE"), None)
        })?;
        return_params.insert(k.to_string(), v.to_string());
    }
    let mut prompt_fields = BTreeMap::new();
    for p in &args.prompt_fields {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            CliError::usage(format!("--prompt-field '{p}': expected NAME=VALUE"), None)
        })?;
        prompt_fields.insert(k.to_string(), serde_json::Value::String(v.to_string()));
    }
    let (cache_limits, fail_cache_writes, max_writes) = cache_options(&args.cache_options)?;
    let cpu_ms = flag_duration("cpu-budget", &args.cpu_budget)?;
    let instance = InstanceConfig {
        seed: args.seed,
        cpu_budget: Duration::from_millis(cpu_ms.max(1) as u64),
        memory_limit_bytes: args.memory_limit.max(1).saturating_mul(1024 * 1024),
        max_host_bytes_per_execution: args.host_limit.max(1).saturating_mul(1024 * 1024),
        max_cache_writes_per_execution: max_writes,
        ..InstanceConfig::default()
    };
    let options = RunOptions {
        actions,
        trigger,
        event,
        secrets,
        public_secrets,
        times: args.times,
        keep_executions: args.keep_executions,
        advance_ms: args
            .advance
            .split(',')
            .map(|d| flag_duration("advance", d))
            .collect::<Result<_, _>>()?,
        now_ms: parse_instant_ms(&args.now)
            .map_err(|e| CliError::usage(format!("--now: {e}"), None))?,
        continue_flow: args.continue_flow,
        resume_on: args.resume_on,
        return_after_ms: flag_duration("return-after", &args.return_after)?,
        return_params,
        prompt_fields,
        cache_limits,
        fail_cache_writes,
        cache_entries: args
            .cache_entries
            .iter()
            .map(|e| {
                e.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| {
                        CliError::usage(format!("--cache-entry '{e}': expected KEY=VALUE"), None)
                    })
            })
            .collect::<Result<_, _>>()?,
        instance,
        latency_ms: flag_duration("latency", &args.latency)?,
        tenant,
        mocks,
        notes,
    };
    Ok((options, expectations))
}

/// Parse `--cache-option NAME=VALUE` flags into limits, injected write failures and a
/// per-execution write cap.
fn cache_options(options: &[String]) -> Result<(CacheLimits, u32, Option<u32>), CliError> {
    let mut limits = CacheLimits::default();
    let mut fail = 0;
    let mut max_writes = None;
    for option in options {
        let bad = |why: &str| {
            CliError::usage(
                format!("--cache-option '{option}': {why}"),
                Some("see `actsim run --help` for the names and values"),
            )
        };
        let (name, value) = option
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=VALUE"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| bad("expected a whole number"))
        };
        match name {
            "max_key_bytes" => limits.max_key_bytes = number()?,
            "max_value_bytes" => limits.max_value_bytes = number()?,
            "max_total_bytes" => limits.max_total_bytes = number()?,
            "max_entries" => limits.max_entries = number()?,
            "default_ttl" => {
                limits.default_ttl_ms = parse_duration_ms(value).map_err(|e| bad(&e))?
            }
            "max_lifetime" => {
                limits.max_lifetime_ms = parse_duration_ms(value).map_err(|e| bad(&e))?
            }
            "over_max_lifetime" => {
                limits.over_max_lifetime = match value {
                    "clamp" => OverMaxLifetime::Clamp,
                    "reject" => OverMaxLifetime::Reject,
                    _ => return Err(bad("expected clamp or reject")),
                }
            }
            "when_full" => {
                limits.when_full = match value {
                    "reject" => WhenFull::Reject,
                    "evict_soonest_expiring" => WhenFull::EvictSoonestExpiring,
                    _ => return Err(bad("expected reject or evict_soonest_expiring")),
                }
            }
            "count_replaced_entry" => {
                limits.count_replaced_entry =
                    value.parse().map_err(|_| bad("expected true or false"))?
            }
            "max_writes_per_execution" => max_writes = Some(number()? as u32),
            "fail_next_writes" => fail = number()? as u32,
            _ => return Err(bad("unknown option name")),
        }
    }
    Ok((limits, fail, max_writes))
}
