//! Turning a parsed scenario file into a runnable [`Scenario`]: resolving the files it names
//! (relative to the scenario's folder), checking every value, and applying defaults.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use actsim_cache::CacheLimits;
use actsim_js::{ActionSource, Trigger};
use actsim_tenant::TenantConfig;
use serde_json::Value;
use toml::Spanned;

use super::error::{mask_inline_secrets, ScenarioError};
use super::limits;
use super::raw::{Arrivals, CacheMode, Policy, RawEvict, RawMock, RawScenario};
use crate::expect::Expectation;
use crate::inputs::files::{DiskFiles, FileSource};
use crate::inputs::{event, secrets};
use crate::values::{parse_duration_ms, parse_instant_ms, parse_rate_per_ms, Dist};

/// The default virtual start of a scenario.
pub const DEFAULT_START: &str = "2026-01-01T00:00:00Z";

/// A validated scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario file.
    pub path: PathBuf,
    /// Its text.
    pub source_text: String,
    /// Display name.
    pub name: String,
    /// Longer description.
    pub description: Option<String>,
    /// The seed (the CLI's `--seed` overrides it).
    pub seed: u64,
    /// Virtual start, ms since the epoch.
    pub start_ms: i64,
    /// How long logins arrive.
    pub duration_ms: i64,
    /// `expect` lines with their spans.
    pub expectations: Vec<(Expectation, Range<usize>)>,
    /// The mock tenant.
    pub tenant: TenantConfig,
    /// The actions bound to the trigger, in order.
    pub actions: Vec<ActionSpec>,
    /// The trigger the traffic hits.
    pub trigger: Trigger,
    /// The instance pool.
    pub instances: InstancesSpec,
    /// Placement of new executions.
    pub placement_new: Policy,
    /// Placement of resumes after a redirect.
    pub placement_resume: Policy,
    /// Per instance or shared.
    pub cache_mode: CacheMode,
    /// Probability that a live record has been evicted when read.
    pub eviction: f64,
    /// Scripted evictions (`[[cache.evict]]`), in time order.
    pub evictions: Vec<ScriptedEviction>,
    /// Whether writes of a failed execution are kept.
    pub keep_failed_writes: bool,
    /// Cache limits.
    pub cache_limits: CacheLimits,
    /// Traffic.
    pub traffic: TrafficSpec,
    /// Declared HTTP mocks.
    pub mocks: Vec<MockSpec>,
    /// Latency of tenant requests.
    pub tenant_latency: Dist,
    /// Default latency of mock requests.
    pub mock_latency: Dist,
    /// How requests reach the tenant.
    pub transport: crate::network::Transport,
    /// Bounded perturbations of the schedule (`[perturb]`), drawn from the seed.
    pub perturb: crate::explore::Perturbations,
    /// What one execution may use (`[limits]`); unset ones keep the runtime's defaults.
    pub limits: ExecutionLimits,
}

/// `[limits]` of a scenario: the JS heap of each runtime and the data one execution may hand
/// the host. `None` keeps actsim's default (128 MiB and 16 MiB).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecutionLimits {
    /// Each runtime's JavaScript heap limit, in bytes.
    pub memory_bytes: Option<usize>,
    /// Bytes one execution may hand the host (api command arguments, console, cache, fetch).
    pub host_bytes: Option<usize>,
}

/// One action bound to the trigger.
#[derive(Clone, Debug)]
pub struct ActionSpec {
    /// Name shown in reports (default: the file stem).
    pub name: String,
    /// Its code.
    pub source: ActionSource,
    /// Its secrets.
    pub secrets: BTreeMap<String, String>,
    /// The names of its secrets marked public (shown in output as they are).
    pub public_secrets: std::collections::BTreeSet<String>,
}

/// A scripted eviction: at `at_ms` after the start, the record `key` (every live record when
/// `None`) of the cache instance `instance` reads is dropped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScriptedEviction {
    /// Offset from the start, ms.
    pub at_ms: i64,
    /// The 1-based instance number.
    pub instance: u32,
    /// The record's key; `None`: every live record.
    pub key: Option<String>,
}

/// The instance pool's shape and lifecycle.
#[derive(Clone, Debug)]
pub struct InstancesSpec {
    /// Instances at the start (and the floor).
    pub min: u32,
    /// The ceiling when scaling out.
    pub max: u32,
    /// Scale out when every instance runs at least this many executions.
    pub scale_out_at: u32,
    /// Virtual time a cold instance takes before its first execution.
    pub cold_start: Dist,
    /// Recycle instances after this age.
    pub max_age_ms: Option<i64>,
    /// Recycle instances idle this long.
    pub idle_timeout_ms: Option<i64>,
    /// Up to this much is subtracted from max_age per instance (seeded).
    pub recycle_jitter_ms: i64,
    /// Scripted kills: (offset from start, 1-based instance number).
    pub kills: Vec<(i64, u32)>,
}

impl InstancesSpec {
    /// A pool of exactly `count` instances that start at once (no cold start) and are never
    /// recycled or killed (`actsim run`, engine tests).
    pub fn fixed(count: u32) -> Self {
        InstancesSpec {
            min: count,
            max: count,
            scale_out_at: u32::MAX,
            cold_start: Dist::Fixed(0),
            max_age_ms: None,
            idle_timeout_ms: None,
            recycle_jitter_ms: 0,
            kills: Vec::new(),
        }
    }
}

/// Login traffic.
#[derive(Clone, Debug)]
pub struct TrafficSpec {
    /// Arrival process.
    pub arrivals: Arrivals,
    /// Mean logins per ms (fixed and poisson).
    pub rate_per_ms: f64,
    /// Logins per burst.
    pub burst_size: u32,
    /// Time between bursts.
    pub burst_every_ms: i64,
    /// Distinct users.
    pub users: u32,
    /// The event template.
    pub event: Value,
    /// Stop after this many logins.
    pub max_logins: Option<u64>,
    /// Time users spend at a redirect target.
    pub return_after: Dist,
    /// Probability a redirected user never comes back.
    pub abandon: f64,
    /// Query parameters users bring back to /continue.
    pub params: BTreeMap<String, String>,
    /// Form fields users POST back to /continue (the request is a POST when there are any).
    pub body: BTreeMap<String, String>,
    /// What users submit in a form rendered with `api.prompt.render`: the continue handler's
    /// `event.prompt.fields` is the render's `fields` with these over them.
    pub prompt_fields: BTreeMap<String, Value>,
    /// Scripted arrivals (`actsim run`): the first login at the start, each next one this long
    /// after the previous login's flow ended (entry i for gap i, the last one repeating), up to
    /// `max_logins`; every login uses the event as given (its user unchanged).
    pub script: Option<Vec<i64>>,
}

/// A declared HTTP mock.
#[derive(Clone, Debug)]
pub struct MockSpec {
    /// Its name in metrics (`http.route.<name>.…`, `tokens_issued.<name>`), if it has one.
    pub name: Option<String>,
    /// Whether its 2xx answers carrying `expires_in` are tokens (counted in `tokens_issued`
    /// and watched by the token warnings).
    pub token_endpoint: bool,
    /// Host to match (lower case).
    pub host: String,
    /// Method to match, upper case.
    pub method: Option<String>,
    /// Path to match; a trailing `*` matches a prefix.
    pub path: Option<String>,
    /// Query parameters that must be present with these values.
    pub query: BTreeMap<String, String>,
    /// Headers that must be present with these values (names lower case).
    pub headers: BTreeMap<String, String>,
    /// Text the body must contain.
    pub body_contains: Option<String>,
    /// Responses in order; the last one repeats.
    pub responses: Vec<MockResponse>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Latency (default: the network's mock latency).
    pub latency: Option<Dist>,
    /// The first N matching requests fail.
    pub fail_first: u32,
    /// How they fail: this status, or a network error when absent.
    pub fail_status: Option<u16>,
}

/// One mock response.
#[derive(Clone, Debug, PartialEq)]
pub struct MockResponse {
    /// Status.
    pub status: u16,
    /// Body.
    pub body: String,
}

impl Scenario {
    /// The redactor for every secret of every bound action (each value under its own name,
    /// even where two actions use one name for different values), except those marked public.
    pub fn redactor(&self) -> crate::Redactor {
        crate::Redactor::from_entries(self.actions.iter().flat_map(|a| {
            a.secrets
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), a.public_secrets.contains(k)))
        }))
    }
}

/// Read and validate the scenario at `path`.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    load_scenario_from(path, &DiskFiles)
}

/// Read and validate the scenario at `path`, reading it and the files it names from `files`
/// (the disk, or the lessons bundled in the binary).
pub fn load_scenario_from(path: &Path, files: &dyn FileSource) -> Result<Scenario, ScenarioError> {
    let text = files.read(path).map_err(|e| {
        ScenarioError::new(path, "", format!("cannot read the scenario: {e}"), None)
    })?;
    parse_scenario_with(path, &text, files)
}

/// Validate scenario `text` as if read from `path` (files it names are relative to its folder).
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    parse_scenario_with(path, text, &DiskFiles)
}

/// [`parse_scenario`], reading the files the scenario names from `files`.
pub fn parse_scenario_with(
    path: &Path,
    text: &str,
    files: &dyn FileSource,
) -> Result<Scenario, ScenarioError> {
    // Errors show the text with inline secrets masked; the scenario keeps the real text.
    let shown = mask_inline_secrets(text);
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        ScenarioError::new(path, &shown, e.message().to_string(), e.span())
            .with_help("docs/scenario.md lists every field with an example")
    })?;
    Compiler {
        path,
        text,
        shown: &shown,
        dir: path.parent().unwrap_or(Path::new(".")),
        files,
    }
    .compile(raw)
}

struct Compiler<'a> {
    path: &'a Path,
    text: &'a str,
    /// `text` with inline secrets masked, for errors.
    shown: &'a str,
    dir: &'a Path,
    files: &'a dyn FileSource,
}

impl Compiler<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.path, self.shown, message, Some(span))
    }

    /// A duration, at most [`limits::MAX_SPAN_MS`].
    fn duration(&self, field: &str, v: &Spanned<String>) -> Result<i64, ScenarioError> {
        let ms = parse_duration_ms(v.get_ref())
            .map_err(|e| self.err(v.span(), format!("{field}: {e}")))?;
        if !limits::span_ok(ms) {
            return Err(self
                .err(
                    v.span(),
                    format!("{field}: '{}' is longer than 3650 days", v.get_ref()),
                )
                .with_help("durations in a scenario are at most 3650d (10 years)"));
        }
        Ok(ms)
    }

    fn opt_duration(
        &self,
        field: &str,
        v: &Option<Spanned<String>>,
    ) -> Result<Option<i64>, ScenarioError> {
        v.as_ref().map(|v| self.duration(field, v)).transpose()
    }

    fn dist(
        &self,
        field: &str,
        v: &Option<Spanned<String>>,
        default: &str,
    ) -> Result<Dist, ScenarioError> {
        match v {
            Some(v) => {
                let dist = Dist::parse(v.get_ref())
                    .map_err(|e| self.err(v.span(), format!("{field}: {e}")))?;
                if !limits::dist_ok(&dist) {
                    return Err(self.err(
                        v.span(),
                        format!("{field}: '{}' reaches past 3650 days", v.get_ref()),
                    ));
                }
                Ok(dist)
            }
            None => Ok(Dist::parse(default).expect("defaults parse")),
        }
    }

    fn probability(&self, field: &str, v: &Option<Spanned<f64>>) -> Result<f64, ScenarioError> {
        let Some(v) = v else { return Ok(0.0) };
        let p = *v.get_ref();
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(self.err(
                v.span(),
                format!("{field}: {p} is not a probability between 0 and 1"),
            ))
        }
    }

    /// A path relative to the scenario's folder, tidied for display.
    fn resolve(&self, relative: &str) -> PathBuf {
        normalize(&self.dir.join(relative))
    }

    fn read(&self, field: &str, v: &Spanned<String>) -> Result<(PathBuf, String), ScenarioError> {
        let path = self.resolve(v.get_ref());
        self.files
            .read(&path)
            .map(|t| (path.clone(), t))
            .map_err(|e| {
                self.err(
                    v.span(),
                    format!("{field}: cannot read {}: {e}", path.display()),
                )
                .with_help("paths are relative to the scenario file's folder")
            })
    }

    fn compile(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let start_ms = match &raw.start {
            Some(s) => parse_instant_ms(s.get_ref())
                .map_err(|e| self.err(s.span(), format!("start: {e}")))?,
            None => parse_instant_ms(DEFAULT_START).expect("default start parses"),
        };
        if !(0..=limits::MAX_INSTANT_MS).contains(&start_ms) {
            let span = raw.start.as_ref().map(|s| s.span()).unwrap_or(0..0);
            return Err(self.err(span, "start: must lie between 1970-01-01 and 9999-12-31"));
        }
        let duration_ms = self.duration("duration", &raw.duration)?;
        if duration_ms <= 0 {
            return Err(self.err(raw.duration.span(), "duration: must be longer than 0"));
        }
        if start_ms + duration_ms > limits::MAX_INSTANT_MS {
            return Err(self.err(
                raw.duration.span(),
                "duration: the scenario would end after 9999-12-31",
            ));
        }
        let expectations = compile_expectations(self.path, self.text, &raw.expect)?;
        let tenant = match &raw.tenant.file {
            Some(f) => {
                let (path, text) = self.read("tenant.file", f)?;
                TenantConfig::from_toml_str_validated(&text).map_err(|e| {
                    ScenarioError::new(&path, &text, e.message.clone(), e.span.clone()).with_help(
                        "docs/tenant.md lists every field; see fixtures/tenants/local.toml",
                    )
                })?
            }
            None => TenantConfig::local_default(),
        };
        let (actions, trigger) = self.actions(&raw)?;
        let instances = self.instances(&raw)?;
        let traffic = self.traffic(&raw, trigger)?;
        let mocks = raw
            .mocks
            .iter()
            .map(|m| compile_mock(self.path, self.text, m))
            .collect::<Result<Vec<_>, _>>()?;
        let name = raw.name.clone().unwrap_or_else(|| {
            self.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Scenario {
            path: self.path.to_path_buf(),
            source_text: self.text.to_string(),
            name,
            description: raw.description.clone(),
            seed: raw.seed.unwrap_or(1),
            start_ms,
            duration_ms,
            expectations,
            tenant,
            actions,
            trigger,
            instances,
            placement_new: raw.placement.new,
            placement_resume: raw.placement.resume,
            cache_mode: raw.cache.mode,
            eviction: self.probability("cache.eviction", &raw.cache.eviction)?,
            evictions: self.evictions(&raw.cache.evict)?,
            keep_failed_writes: raw.cache.keep_failed_writes,
            cache_limits: raw.cache.limits.clone(),
            traffic,
            mocks,
            tenant_latency: self.dist(
                "network.tenant_latency",
                &raw.network.tenant_latency,
                "50ms",
            )?,
            mock_latency: self.dist("network.mock_latency", &raw.network.mock_latency, "50ms")?,
            transport: raw.network.transport,
            perturb: crate::explore::perturb::compile(&raw.perturb)
                .map_err(|(message, span)| self.err(span, message))?,
            limits: ExecutionLimits {
                memory_bytes: self.mib("limits.memory_mib", &raw.limits.memory_mib, 4096)?,
                host_bytes: self.mib("limits.host_mib", &raw.limits.host_mib, 1024)?,
            },
        })
    }

    /// A `[limits]` size in MiB, from 1 to `max`, as bytes.
    fn mib(
        &self,
        name: &str,
        value: &Option<Spanned<u32>>,
        max: u32,
    ) -> Result<Option<usize>, ScenarioError> {
        let Some(v) = value else {
            return Ok(None);
        };
        if !(1..=max).contains(v.get_ref()) {
            return Err(self.err(
                v.span(),
                format!("{name}: must be between 1 and {max} (MiB)"),
            ));
        }
        Ok(Some(*v.get_ref() as usize * 1024 * 1024))
    }

    fn actions(&self, raw: &RawScenario) -> Result<(Vec<ActionSpec>, Trigger), ScenarioError> {
        if raw.actions.get_ref().is_empty() {
            return Err(self.err(
                raw.actions.span(),
                "actions: bind at least one action ([[actions]] with file = …)",
            ));
        }
        let mut specs = Vec::new();
        let mut trigger: Option<Trigger> = None;
        for a in raw.actions.get_ref() {
            let t = match &a.trigger {
                Some(t) => t
                    .get_ref()
                    .parse::<Trigger>()
                    .map_err(|e| self.err(t.span(), format!("actions.trigger: {e}")))?,
                None => Trigger::PostLogin,
            };
            if let Some(first) = trigger {
                if first != t {
                    let span = a
                        .trigger
                        .as_ref()
                        .map(|t| t.span())
                        .unwrap_or(a.file.span());
                    return Err(self.err(
                        span,
                        "actions: all actions of a scenario must be bound to the same trigger",
                    ));
                }
            }
            trigger = Some(t);
            let (path, code) = self.read("actions.file", &a.file)?;
            let mut parsed = secrets::ParsedSecrets::default();
            if let Some(f) = &a.secrets_file {
                let (spath, stext) = self.read("actions.secrets_file", f)?;
                parsed = secrets::parse_secrets_marked(&spath.display().to_string(), &stext)
                    .map_err(|e| {
                        ScenarioError::new(
                            &spath,
                            &e.source_text,
                            e.message.clone(),
                            Some(e.span.clone()),
                        )
                    })?;
            }
            let mut secret_map = parsed.secrets;
            secret_map.extend(a.secrets.clone());
            let mut public_secrets = parsed.public;
            public_secrets.extend(a.public_secrets.iter().cloned());
            let display = path.display().to_string();
            let name = a.name.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            specs.push(ActionSpec {
                name,
                source: ActionSource::new(display, code),
                secrets: secret_map,
                public_secrets,
            });
        }
        Ok((specs, trigger.unwrap_or(Trigger::PostLogin)))
    }

    fn instances(&self, raw: &RawScenario) -> Result<InstancesSpec, ScenarioError> {
        let i = &raw.instances;
        let (min, max) = match (&i.count, &i.min, &i.max) {
            (Some(c), None, None) => (*c.get_ref(), *c.get_ref()),
            (None, min, max) => {
                let lo = min.as_ref().map(|m| *m.get_ref()).unwrap_or(1);
                let hi = max.as_ref().map(|m| *m.get_ref()).unwrap_or(lo);
                (lo, hi)
            }
            (Some(c), _, _) => {
                return Err(self.err(
                    c.span(),
                    "instances: give either count, or min and max, not both",
                ));
            }
        };
        if min == 0 || max < min || max > 1000 {
            let span = i
                .count
                .as_ref()
                .or(i.min.as_ref())
                .or(i.max.as_ref())
                .map(|s| s.span())
                .unwrap_or(0..0);
            return Err(self.err(
                span,
                format!("instances: need 1 ≤ min ≤ max ≤ 1000 (got min {min}, max {max})"),
            ));
        }
        let mut kills = Vec::new();
        for k in &i.kill {
            let at = self.duration("instances.kill.at", &k.at)?;
            let number = *k.instance.get_ref();
            if number == 0 {
                return Err(self.err(
                    k.instance.span(),
                    "instances.kill.instance: instances are numbered from 1",
                ));
            }
            kills.push((at, number));
        }
        kills.sort();
        Ok(InstancesSpec {
            min,
            max,
            scale_out_at: match &i.scale_out_at {
                Some(v) if *v.get_ref() == 0 => return Err(self.err(
                    v.span(),
                    "instances.scale_out_at: must be at least 1 (running executions per instance)",
                )),
                Some(v) => *v.get_ref(),
                None => 4,
            },
            cold_start: self.dist("instances.cold_start", &i.cold_start, "300ms")?,
            max_age_ms: self.opt_duration("instances.max_age", &i.max_age)?,
            idle_timeout_ms: self.opt_duration("instances.idle_timeout", &i.idle_timeout)?,
            recycle_jitter_ms: self
                .opt_duration("instances.recycle_jitter", &i.recycle_jitter)?
                .unwrap_or(0),
            kills,
        })
    }

    fn evictions(&self, raw: &[RawEvict]) -> Result<Vec<ScriptedEviction>, ScenarioError> {
        let mut out = Vec::new();
        for e in raw {
            let at_ms = self.duration("cache.evict.at", &e.at)?;
            let instance = *e.instance.get_ref();
            if instance == 0 {
                return Err(self.err(
                    e.instance.span(),
                    "cache.evict.instance: instances are numbered from 1",
                ));
            }
            let key = match &e.key {
                Some(k) if k.get_ref().is_empty() => {
                    return Err(self.err(
                        k.span(),
                        "cache.evict.key: empty; leave `key` out to evict every live record",
                    ))
                }
                Some(k) => Some(k.get_ref().clone()),
                None => None,
            };
            out.push(ScriptedEviction {
                at_ms,
                instance,
                key,
            });
        }
        out.sort();
        Ok(out)
    }

    fn traffic(&self, raw: &RawScenario, trigger: Trigger) -> Result<TrafficSpec, ScenarioError> {
        let t = &raw.traffic;
        let raw_duration_ms = self.duration("duration", &raw.duration)?;
        if let Some(tt) = &t.trigger {
            let parsed = tt
                .get_ref()
                .parse::<Trigger>()
                .map_err(|e| self.err(tt.span(), format!("traffic.trigger: {e}")))?;
            if parsed != trigger {
                return Err(self.err(
                    tt.span(),
                    "traffic.trigger: the actions are bound to another trigger",
                ));
            }
        }
        let rate_per_ms = match &t.rate {
            Some(r) => {
                let rate = parse_rate_per_ms(r.get_ref())
                    .map_err(|e| self.err(r.span(), format!("traffic.rate: {e}")))?;
                if rate > limits::MAX_RATE_PER_MS {
                    return Err(self
                        .err(
                            r.span(),
                            format!("traffic.rate: '{}' is above 1000/s", r.get_ref()),
                        )
                        .with_help("the virtual clock counts whole milliseconds: at most 1000/s"));
                }
                rate
            }
            None if t.arrivals == Arrivals::Bursts => 0.0,
            None => {
                return Err(ScenarioError::new(
                    self.path,
                    self.shown,
                    "traffic.rate is required (e.g. rate = \"2/min\")",
                    None,
                ))
            }
        };
        let (burst_size, burst_every_ms) = if t.arrivals == Arrivals::Bursts {
            let every = t.burst_every.as_ref().ok_or_else(|| {
                ScenarioError::new(
                    self.path,
                    self.shown,
                    "traffic: arrivals = \"bursts\" needs burst_every (e.g. \"1h\") and burst_size",
                    None,
                )
            })?;
            let size = match &t.burst_size {
                Some(v) if !(1..=limits::MAX_BURST_SIZE).contains(v.get_ref()) => {
                    return Err(self.err(
                        v.span(),
                        format!(
                            "traffic.burst_size: {} is not between 1 and {}",
                            v.get_ref(),
                            limits::MAX_BURST_SIZE
                        ),
                    ))
                }
                Some(v) => *v.get_ref(),
                None => 10,
            };
            let every_ms = self.duration("traffic.burst_every", every)?;
            if every_ms == 0 {
                return Err(self.err(
                    every.span(),
                    "traffic.burst_every: must be longer than 0 (e.g. \"1h\")",
                ));
            }
            (size, every_ms)
        } else {
            (0, 0)
        };
        let event = match &t.event {
            Some(e) => {
                let (path, text) = self.read("traffic.event", e)?;
                event::load_event(&path.display().to_string(), &text, trigger)
                    .map_err(|err| {
                        ScenarioError::new(
                            &path,
                            &text,
                            err.message.clone(),
                            Some(err.span.clone()),
                        )
                    })?
                    .0
            }
            None => event::default_event(trigger),
        };
        let users = match &t.users {
            Some(v) if !(1..=limits::MAX_USERS).contains(v.get_ref()) => {
                return Err(self
                    .err(
                        v.span(),
                        format!(
                            "traffic.users: {} is not between 1 and {}",
                            v.get_ref(),
                            limits::MAX_USERS
                        ),
                    )
                    .with_help("each simulated user is a profile in the mock tenant"))
            }
            Some(v) => *v.get_ref(),
            None => 100,
        };
        let max_logins = match &t.max_logins {
            Some(v) if !(1..=limits::MAX_LOGINS).contains(v.get_ref()) => {
                return Err(self.err(
                    v.span(),
                    format!(
                        "traffic.max_logins: {} is not between 1 and {}",
                        v.get_ref(),
                        limits::MAX_LOGINS
                    ),
                ))
            }
            Some(v) => Some(*v.get_ref()),
            None => None,
        };
        let bursts = (t.arrivals == Arrivals::Bursts).then_some((burst_size, burst_every_ms));
        let bound = limits::logins_upper_bound(bursts, rate_per_ms, raw_duration_ms);
        if max_logins.is_none() && bound > limits::MAX_LOGINS as f64 {
            let span = t
                .rate
                .as_ref()
                .or(t.burst_every.as_ref())
                .map(|r| r.span())
                .unwrap_or(0..0);
            return Err(self
                .err(
                    span,
                    format!(
                        "traffic: this rate over the scenario's duration makes about {bound:.0} logins, more than {}",
                        limits::MAX_LOGINS
                    ),
                )
                .with_help("lower the rate or the duration, or set traffic.max_logins"));
        }
        Ok(TrafficSpec {
            arrivals: t.arrivals,
            rate_per_ms,
            burst_size,
            burst_every_ms,
            users,
            event,
            max_logins,
            return_after: self.dist(
                "traffic.redirect.return_after",
                &t.redirect.return_after,
                "15s",
            )?,
            abandon: self.probability("traffic.redirect.abandon", &t.redirect.abandon)?,
            params: t.redirect.params.clone(),
            body: t.redirect.body.clone(),
            prompt_fields: t
                .redirect
                .prompt_fields
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
            script: None,
        })
    }
}

/// Parse `expect` lines of `text` (read from `path`), each with its span.
pub(crate) fn compile_expectations(
    path: &Path,
    text: &str,
    lines: &[Spanned<String>],
) -> Result<Vec<(Expectation, Range<usize>)>, ScenarioError> {
    lines
        .iter()
        .map(|line| {
            Expectation::parse(line.get_ref())
                .map(|e| (e, line.span()))
                .map_err(|e| {
                    ScenarioError::new(path, text, format!("expect: {e}"), Some(line.span()))
                })
        })
        .collect()
}

/// Validate one `[[mocks]]` table of `text` (read from `path`).
pub(crate) fn compile_mock(
    path: &Path,
    text: &str,
    m: &RawMock,
) -> Result<MockSpec, ScenarioError> {
    let body_of = |body: &Option<String>, json: &Option<toml::Value>| -> String {
        match (body, json) {
            (Some(b), _) => b.clone(),
            (None, Some(j)) => serde_json::to_string(&toml_to_json(j)).unwrap_or_default(),
            (None, None) => String::new(),
        }
    };
    let mut responses: Vec<MockResponse> = m
        .sequence
        .iter()
        .map(|r| {
            Ok(MockResponse {
                status: mock_status(path, text, "mocks.sequence.status", &r.status)?,
                body: body_of(&r.body, &r.json),
            })
        })
        .collect::<Result<_, ScenarioError>>()?;
    if responses.is_empty() {
        responses.push(MockResponse {
            status: mock_status(path, text, "mocks.status", &m.status)?,
            body: body_of(&m.body, &m.json),
        });
    }
    Ok(MockSpec {
        name: m.name.clone(),
        token_endpoint: m.token_endpoint,
        host: m.host.to_ascii_lowercase(),
        method: m.method.as_ref().map(|s| s.to_ascii_uppercase()),
        path: m.path.clone(),
        query: m.query.clone(),
        headers: m
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        body_contains: m.body_contains.clone(),
        responses,
        response_headers: m
            .response_headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        latency: m
            .latency
            .as_ref()
            .map(|l| {
                Dist::parse(l.get_ref()).map_err(|e| {
                    ScenarioError::new(path, text, format!("mocks.latency: {e}"), Some(l.span()))
                })
            })
            .transpose()?,
        fail_first: m.fail_first,
        fail_status: m
            .fail_status
            .as_ref()
            .map(|_| mock_status(path, text, "mocks.fail_status", &m.fail_status))
            .transpose()?,
    })
}

/// An HTTP status between 100 and 599 (200 when absent).
fn mock_status(
    path: &Path,
    text: &str,
    field: &str,
    v: &Option<Spanned<u16>>,
) -> Result<u16, ScenarioError> {
    match v {
        Some(v) if !(100..=599).contains(v.get_ref()) => Err(ScenarioError::new(
            path,
            text,
            format!(
                "{field}: {} is not an HTTP status (100 to 599)",
                v.get_ref()
            ),
            Some(v.span()),
        )),
        Some(v) => Ok(*v.get_ref()),
        None => Ok(200),
    }
}

/// Convert a TOML value to JSON (for mock bodies written as inline tables).
fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// Remove `.` and `..` components lexically, for readable paths.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_parent = out.components().next_back() == Some(Component::ParentDir);
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
