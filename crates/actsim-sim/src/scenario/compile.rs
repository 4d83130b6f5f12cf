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

use super::error::ScenarioError;
use super::raw::{Arrivals, CacheMode, Policy, RawMock, RawScenario};
use crate::expect::Expectation;
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

/// Read and validate the scenario at `path`.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::new(path, "", format!("cannot read the scenario: {e}"), None)
    })?;
    parse_scenario(path, &text)
}

/// Validate scenario `text` as if read from `path` (files it names are relative to its folder).
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        ScenarioError::new(path, text, e.message().to_string(), e.span())
            .with_help("docs/scenario.md lists every field with an example")
    })?;
    Compiler {
        path,
        text,
        dir: path.parent().unwrap_or(Path::new(".")),
    }
    .compile(raw)
}

struct Compiler<'a> {
    path: &'a Path,
    text: &'a str,
    dir: &'a Path,
}

impl Compiler<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.path, self.text, message, Some(span))
    }

    fn duration(&self, field: &str, v: &Spanned<String>) -> Result<i64, ScenarioError> {
        parse_duration_ms(v.get_ref()).map_err(|e| self.err(v.span(), format!("{field}: {e}")))
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
                Dist::parse(v.get_ref()).map_err(|e| self.err(v.span(), format!("{field}: {e}")))
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
        std::fs::read_to_string(&path)
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
        let duration_ms = self.duration("duration", &raw.duration)?;
        if duration_ms <= 0 {
            return Err(self.err(raw.duration.span(), "duration: must be longer than 0"));
        }
        let expectations = raw
            .expect
            .iter()
            .map(|line| {
                Expectation::parse(line.get_ref())
                    .map(|e| (e, line.span()))
                    .map_err(|e| self.err(line.span(), format!("expect: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tenant = match &raw.tenant.file {
            Some(f) => {
                let (path, text) = self.read("tenant.file", f)?;
                let config = TenantConfig::from_toml_str(&text).map_err(|e| {
                    ScenarioError::new(&path, &text, e.message.clone(), e.span.clone())
                        .with_help("see fixtures/tenants/local.toml")
                })?;
                config
                    .validate()
                    .map_err(|e| ScenarioError::new(&path, &text, e.to_string(), None))?;
                config
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
        })
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
            let mut secret_map = BTreeMap::new();
            if let Some(f) = &a.secrets_file {
                let (spath, stext) = self.read("actions.secrets_file", f)?;
                secret_map =
                    secrets::parse_secrets(&spath.display().to_string(), &stext).map_err(|e| {
                        ScenarioError::new(&spath, &stext, e.message.clone(), Some(e.span.clone()))
                    })?;
            }
            secret_map.extend(a.secrets.clone());
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
            if k.instance == 0 {
                return Err(self.err(
                    k.at.span(),
                    "instances.kill.instance: instances are numbered from 1",
                ));
            }
            kills.push((at, k.instance));
        }
        kills.sort();
        Ok(InstancesSpec {
            min,
            max,
            scale_out_at: i.scale_out_at.unwrap_or(4).max(1),
            cold_start: self.dist("instances.cold_start", &i.cold_start, "300ms")?,
            max_age_ms: self.opt_duration("instances.max_age", &i.max_age)?,
            idle_timeout_ms: self.opt_duration("instances.idle_timeout", &i.idle_timeout)?,
            recycle_jitter_ms: self
                .opt_duration("instances.recycle_jitter", &i.recycle_jitter)?
                .unwrap_or(0),
            kills,
        })
    }

    fn traffic(&self, raw: &RawScenario, trigger: Trigger) -> Result<TrafficSpec, ScenarioError> {
        let t = &raw.traffic;
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
            Some(r) => parse_rate_per_ms(r.get_ref())
                .map_err(|e| self.err(r.span(), format!("traffic.rate: {e}")))?,
            None if t.arrivals == Arrivals::Bursts => 0.0,
            None => {
                return Err(ScenarioError::new(
                    self.path,
                    self.text,
                    "traffic.rate is required (e.g. rate = \"2/min\")",
                    None,
                ))
            }
        };
        let (burst_size, burst_every_ms) = if t.arrivals == Arrivals::Bursts {
            let every = t.burst_every.as_ref().ok_or_else(|| {
                ScenarioError::new(
                    self.path,
                    self.text,
                    "traffic: arrivals = \"bursts\" needs burst_every (e.g. \"1h\") and burst_size",
                    None,
                )
            })?;
            (
                t.burst_size.unwrap_or(10).max(1),
                self.duration("traffic.burst_every", every)?.max(1),
            )
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
        if t.users == 0 {
            return Err(ScenarioError::new(
                self.path,
                self.text,
                "traffic.users must be at least 1",
                None,
            ));
        }
        Ok(TrafficSpec {
            arrivals: t.arrivals,
            rate_per_ms,
            burst_size,
            burst_every_ms,
            users: t.users,
            event,
            max_logins: t.max_logins,
            return_after: self.dist(
                "traffic.redirect.return_after",
                &t.redirect.return_after,
                "15s",
            )?,
            abandon: self.probability("traffic.redirect.abandon", &t.redirect.abandon)?,
            params: t.redirect.params.clone(),
            body: t.redirect.body.clone(),
            script: None,
        })
    }
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
        .map(|r| MockResponse {
            status: r.status.unwrap_or(200),
            body: body_of(&r.body, &r.json),
        })
        .collect();
    if responses.is_empty() {
        responses.push(MockResponse {
            status: m.status.unwrap_or(200),
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
        fail_status: m.fail_status,
    })
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
