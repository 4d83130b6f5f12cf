//! The scenario file as written (TOML), field for field. Unknown fields are errors, and values
//! that need checking after parsing keep their position (`Spanned`) so that errors can name
//! file:line:column.

use std::collections::BTreeMap;

use actsim_cache::CacheLimits;
use serde::Deserialize;
use toml::Spanned;

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub start: Option<Spanned<String>>,
    pub duration: Spanned<String>,
    #[serde(default)]
    pub expect: Vec<Spanned<String>>,
    #[serde(default)]
    pub tenant: RawTenant,
    pub actions: Spanned<Vec<RawAction>>,
    #[serde(default)]
    pub instances: RawInstances,
    #[serde(default)]
    pub placement: RawPlacement,
    #[serde(default)]
    pub cache: RawCache,
    pub traffic: RawTraffic,
    #[serde(default)]
    pub mocks: Vec<RawMock>,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub perturb: crate::explore::perturb::RawPerturb,
    #[serde(default)]
    pub limits: RawLimits,
}

/// `[limits]`: what one execution may use of its instance and the host.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub memory_mib: Option<Spanned<u32>>,
    pub host_mib: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenant {
    pub file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub file: Spanned<String>,
    pub name: Option<String>,
    pub trigger: Option<Spanned<String>>,
    pub secrets_file: Option<Spanned<String>>,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    #[serde(default)]
    pub public_secrets: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstances {
    pub count: Option<Spanned<u32>>,
    pub min: Option<Spanned<u32>>,
    pub max: Option<Spanned<u32>>,
    pub scale_out_at: Option<Spanned<u32>>,
    pub cold_start: Option<Spanned<String>>,
    pub max_age: Option<Spanned<String>>,
    pub idle_timeout: Option<Spanned<String>>,
    pub recycle_jitter: Option<Spanned<String>>,
    #[serde(default)]
    pub kill: Vec<RawKill>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKill {
    pub at: Spanned<String>,
    pub instance: Spanned<u32>,
}

/// A scripted eviction, `[[cache.evict]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvict {
    pub at: Spanned<String>,
    pub instance: Spanned<u32>,
    pub key: Option<Spanned<String>>,
}

/// A placement policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Instances in turn.
    RoundRobin,
    /// A seeded random instance.
    Random,
    /// The instance with the fewest running executions.
    LeastLoaded,
    /// New logins: the user's previous instance; resumes: where the flow started.
    Sticky,
    /// Anywhere but the instance used last (the flow's start, for a resume).
    Adversarial,
    /// A new instance every time (cold, empty cache), whatever `instances.max` says: what
    /// production may do after a yield (`actsim run --resume-on fresh`).
    Fresh,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlacement {
    #[serde(default = "round_robin")]
    pub new: Policy,
    #[serde(default = "random")]
    pub resume: Policy,
}

fn round_robin() -> Policy {
    Policy::RoundRobin
}
fn random() -> Policy {
    Policy::Random
}

impl Default for RawPlacement {
    fn default() -> Self {
        RawPlacement {
            new: Policy::RoundRobin,
            resume: Policy::Random,
        }
    }
}

/// How caches are shared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheMode {
    /// One store per instance and trigger (production).
    #[default]
    PerInstance,
    /// One store for all instances: the ideal to compare against.
    Shared,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    #[serde(default)]
    pub mode: CacheMode,
    pub eviction: Option<Spanned<f64>>,
    #[serde(default)]
    pub evict: Vec<RawEvict>,
    #[serde(default = "yes")]
    pub keep_failed_writes: bool,
    #[serde(default)]
    pub limits: CacheLimits,
}

fn yes() -> bool {
    true
}

impl Default for RawCache {
    fn default() -> Self {
        RawCache {
            mode: CacheMode::PerInstance,
            eviction: None,
            evict: Vec::new(),
            keep_failed_writes: true,
            limits: CacheLimits::default(),
        }
    }
}

/// The arrival process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// Exactly one login every 1/rate.
    Fixed,
    /// Exponential gaps with mean 1/rate.
    #[default]
    Poisson,
    /// `burst_size` logins at once every `burst_every`.
    Bursts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    #[serde(default)]
    pub arrivals: Arrivals,
    pub rate: Option<Spanned<String>>,
    pub burst_size: Option<Spanned<u32>>,
    pub burst_every: Option<Spanned<String>>,
    pub users: Option<Spanned<u32>>,
    pub event: Option<Spanned<String>>,
    pub trigger: Option<Spanned<String>>,
    pub max_logins: Option<Spanned<u64>>,
    #[serde(default)]
    pub redirect: RawRedirect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedirect {
    pub return_after: Option<Spanned<String>>,
    pub abandon: Option<Spanned<f64>>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub body: BTreeMap<String, String>,
    #[serde(default)]
    pub prompt_fields: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMock {
    pub name: Option<String>,
    #[serde(default)]
    pub token_endpoint: bool,
    pub host: String,
    pub method: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body_contains: Option<String>,
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
    #[serde(default)]
    pub response_headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub json: Option<toml::Value>,
    pub latency: Option<Spanned<String>>,
    #[serde(default)]
    pub fail_first: u32,
    pub fail_status: Option<Spanned<u16>>,
    #[serde(default)]
    pub sequence: Vec<RawMockResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMockResponse {
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
    pub body: Option<String>,
    pub json: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default)]
    pub transport: crate::network::Transport,
    pub tenant_latency: Option<Spanned<String>>,
    pub mock_latency: Option<Spanned<String>>,
}
