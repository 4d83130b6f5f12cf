//! Command-line arguments (clap). `--help` is meant to teach: every flag says what it models and
//! each command ends with examples that run from the repository root.

use clap::{Args, Parser, Subcommand};

use crate::run::driver::ResumeOn;

/// actsim: run Auth0 Actions locally, deterministically, and see what their caching really does.
#[derive(Debug, Parser)]
#[command(name = "actsim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one action against one event on a simulated instance and show every side effect.
    #[command(after_help = RUN_EXAMPLES)]
    Run(Box<RunArgs>),
    /// Serve the mock tenant over HTTP on 127.0.0.1 for SDKs, curl and apps (Ctrl-C stops it).
    Serve(crate::serve_command::ServeArgs),
    /// Simulate a scenario: many logins over virtual time on a pool of instances, with
    /// redirects resuming elsewhere, and show metrics, highlights and expectations.
    #[command(after_help = SIMULATE_EXAMPLES)]
    Simulate(SimulateArgs),
    /// Run scenario files as regression tests: every `expect` line is checked; exits 1 on any
    /// failure and prints the command that replays it.
    #[command(after_help = TEST_EXAMPLES)]
    Test(TestArgs),
    /// Learn the api.cache caveats: without a name, run every lesson and show its key number
    /// (flawed → fixed); with a name, explain one lesson and compare its two scenarios.
    #[command(after_help = LESSON_EXAMPLES)]
    Lesson(LessonArgs),
    /// Start a new action project: an action, its event, a secrets example, a scenario with
    /// expectations, a README and a CI workflow; it passes `actsim test` as created.
    Init(crate::init_command::InitArgs),
    /// Search many seeds for schedules that break a scenario's expectations (redirects resuming
    /// on recycled instances, evictions, races on cold instances), shrink each failure to a
    /// small run, tell its story and save it as a regression scenario.
    #[command(after_help = EXPLORE_EXAMPLES)]
    Explore(ExploreArgs),
}

const EXPLORE_EXAMPLES: &str = "\
Examples (from the repository root):
  # 300 seeds of a bundled target, on every core; failures shrunk and replayable:
  actsim explore fixtures/explore/resume-after-recycle/flawed.toml --seeds 300

  # Keep the smallest failing run as a regression test (it fails under `actsim test`):
  actsim explore fixtures/explore/cold-stampede/flawed.toml --seeds 300 --save-repro repro.toml

  # As many seeds as a minute allows:
  actsim explore fixtures/explore/eviction-refetch/flawed.toml --time 60s

  # Spread over machines (a CI matrix), then combine into the unsharded report:
  actsim explore S.toml --seeds 10000 --shard 1/4 --json > shard-1.json   # … up to 4/4
  actsim explore --merge shard-1.json shard-2.json shard-3.json shard-4.json

Each seed drives every choice of the simulator, including the perturbations the scenario
declares in [perturb] (docs/scenario.md). The report (and its order) is the same whatever
--jobs is. Exit status: 0 when no seed violated an expectation, 1 when one did, 2 when the
inputs are wrong.";

/// Arguments of `actsim explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The scenario file (TOML; see docs/scenario.md). Not with --merge.
    #[arg(required_unless_present = "merge", conflicts_with = "merge")]
    pub scenario: Option<String>,

    /// Run this many seeds (default 1000, unless --time is given).
    #[arg(long, value_name = "N", conflicts_with = "time", value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: Option<u64>,

    /// Run seeds for this long (wall-clock), e.g. 60s or 5m, instead of a number of seeds.
    #[arg(long, value_name = "DURATION")]
    pub time: Option<String>,

    /// The first seed; the others follow it (first, first + 1, …).
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    pub first_seed: u64,

    /// Worker threads, each running whole simulations (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub jobs: Option<u64>,

    /// Run only shard i of n (seed number k of the plan goes to shard k mod n + 1); combine the
    /// shards' --json reports with --merge.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<String>,

    /// Combine the --json reports of every shard of one exploration into its report.
    #[arg(long, value_name = "REPORT.json", num_args = 1..)]
    pub merge: Vec<String>,

    /// Write the smallest failing run as a scenario file that fails under `actsim test` (the
    /// first violated expectation's, when several are).
    #[arg(long, value_name = "FILE")]
    pub save_repro: Option<String>,

    /// Do not shrink failing runs.
    #[arg(long)]
    pub no_shrink: bool,

    /// At most this many candidate runs when shrinking one failure.
    #[arg(long, default_value_t = actsim_sim::explore::DEFAULT_SHRINK_RUNS, value_name = "N")]
    pub shrink_runs: u32,

    /// Print the report as JSON (what --merge reads) instead of text.
    #[arg(long)]
    pub json: bool,

    /// No progress line.
    #[arg(long)]
    pub quiet: bool,

    /// How requests reach the mock tenant (see `actsim simulate --help`).
    #[arg(long, value_enum, value_name = "TRANSPORT")]
    pub transport: Option<TransportArg>,

    /// CPU time one execution may use before it is stopped (wall-clock guard).
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    pub cpu_budget: String,
}

const RUN_EXAMPLES: &str = "\
Examples (from the repository root):
  # The Community article's action, three logins 16 minutes apart on one warm instance:
  actsim run actions/article-esm.js --times 3 --advance 16m

  # Your own event and secrets:
  actsim run my-action.js --event fixtures/events/post-login.json --secrets fixtures/secrets/local-tenant.env

  # A redirect whose continue runs on a fresh instance (production may do this):
  actsim run actions/redirect-cache.js --continue --resume-on fresh

  # Machine-readable output (schema: docs/run-json.md):
  actsim run actions/article-cjs.js --json

  # An action calling a third-party API, answered by a mock, with an expectation:
  actsim run my-action.js --mock 'GET https://crm.example.com/v1/users/* 403' --expect 'denies == 1'

  # Several actions in one flow, mocks from a file (or a scenario's):
  actsim run first.js second.js --mocks mocks.toml

The action's HTTP calls go to an in-process mock tenant (fixtures/tenants/local.toml):
point the action's domain secret at tenant.actsim.test. Other hosts are answered by the
mocks you declare (--mocks, --mock); any other host is a network error naming it. Without --secrets, the secrets of
fixtures/secrets/local-tenant.env are used (domain, clientID, clientSecret).
Exit status: 0 when every execution completed (a deny counts as completed) and every --expect
held, 1 when one failed, 2 when the inputs are wrong.";

const SIMULATE_EXAMPLES: &str = "\
Examples (from the repository root):
  # The article's pattern for 24 virtual hours on 4 instances:
  actsim simulate fixtures/scenarios/article-24h.toml

  # The same with another seed, writing the JSON Lines trace:
  actsim simulate fixtures/scenarios/redirect-adversarial.toml --seed 7 --trace out.jsonl

  # Machine-readable summary:
  actsim simulate fixtures/scenarios/article-with-ttl.toml --json

  # A self-contained HTML report: a timeline of the instances, metrics, expectations:
  actsim simulate fixtures/scenarios/redirect-adversarial.toml --report report.html

The scenario format is documented in docs/scenario.md. Same scenario and seed => the same
trace, byte for byte.";

const TEST_EXAMPLES: &str = "\
Examples (from the repository root):
  # Every bundled scenario:
  actsim test fixtures/scenarios

  # In CI, with a JUnit report and an HTML report:
  actsim test fixtures/scenarios --junit target/actsim-junit.xml --report target/actsim-report.html

Exit status: 0 when every expectation of every scenario holds; 1 when one fails (the output
names it, with its actual value and the command that replays it) or a scenario file is invalid
(its error is shown with file:line:column and the other scenarios still run); 2 when the
command line itself is wrong.";

/// The `--transport` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TransportArg {
    /// Direct calls to the tenant's handler.
    InProcess,
    /// Real HTTP over loopback.
    Http,
}

impl From<TransportArg> for actsim_sim::Transport {
    fn from(t: TransportArg) -> Self {
        match t {
            TransportArg::InProcess => actsim_sim::Transport::InProcess,
            TransportArg::Http => actsim_sim::Transport::Http,
        }
    }
}

const LESSON_EXAMPLES: &str = "\
Examples (from the repository root):
  # Every lesson, one line each (about a minute of simulation in all):
  actsim lesson

  # One lesson explained, with both scenarios side by side and an HTML timeline:
  actsim lesson default-lifetime --report lesson.html

  # The names only:
  actsim lesson --list

The lessons' scenarios are in fixtures/lessons/<name>/ and their explanations in docs/lessons/.";

/// Arguments of `actsim lesson`.
#[derive(Debug, Args)]
pub struct LessonArgs {
    /// The lesson to explain (see --list); without it every lesson runs.
    pub name: Option<String>,

    /// Only list the lessons.
    #[arg(long, conflicts_with = "name")]
    pub list: bool,

    /// With a lesson name: write a self-contained HTML report of both scenarios to this file.
    #[arg(long, value_name = "FILE", requires = "name")]
    pub report: Option<String>,

    /// Print the lessons (all, or the one named) as one JSON object instead of text: caveat,
    /// fix, the flawed → fixed comparison, expectations, warnings (docs/lesson-json.md).
    #[arg(long, conflicts_with_all = ["list", "report"])]
    pub json: bool,

    /// No progress line (the lesson running) on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `actsim simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The scenario file (TOML; see docs/scenario.md).
    pub scenario: String,

    /// Seed for every random choice (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,

    /// Write the JSON Lines trace of everything that happened to this file.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<String>,

    /// Write a self-contained HTML report to this file: an SVG timeline (a lane per instance
    /// over virtual time: executions, cache hits and misses, token fetches, redirects drawn as
    /// arrows to where they resumed), the metrics, the expectations and the warnings.
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,

    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,

    /// How requests reach the mock tenant: in-process (fast) or over real HTTP to a local
    /// server (same results). Overrides the scenario's `[network] transport`.
    #[arg(long, value_enum, value_name = "TRANSPORT")]
    pub transport: Option<TransportArg>,

    /// CPU time one execution may use before it is stopped (wall-clock guard).
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    pub cpu_budget: String,

    /// Run again whenever the scenario or a file it names (actions, their folders' modules,
    /// secrets, event, tenant) changes; clears the screen and redraws. Ctrl-C stops.
    #[arg(long)]
    pub watch: bool,

    /// No progress line (virtual time, logins) on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `actsim test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Scenario files, or folders searched for *.toml scenarios (TOML files there without an
    /// [[actions]] table, such as tenant files, are skipped and listed).
    #[arg(required = true)]
    pub paths: Vec<String>,

    /// Seed for every scenario (overrides each scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,

    /// Write a JUnit XML report: a test suite per scenario (with its run time and warnings in
    /// system-out), a test case per expectation (failure messages in words).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<String>,

    /// Print the results as one JSON object instead of text (schema: docs/test-json.md).
    #[arg(long)]
    pub json: bool,

    /// Write a self-contained HTML report to this file, a section per scenario: its SVG
    /// timeline of instances over virtual time, metrics, expectations and warnings (invalid
    /// scenarios are listed with their error).
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,

    /// How requests reach the mock tenant: in-process (fast) or over real HTTP to a local
    /// server (same results). Overrides the scenario's `[network] transport`.
    #[arg(long, value_enum, value_name = "TRANSPORT")]
    pub transport: Option<TransportArg>,

    /// CPU time one execution may use before it is stopped (wall-clock guard).
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    pub cpu_budget: String,

    /// Scenarios simulated at the same time, one per worker thread (default: the number of
    /// cores). Results are printed in file order whatever this is.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub jobs: Option<u64>,

    /// No progress line (scenarios done) on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `actsim run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The actions' JavaScript files (CommonJS `exports.onExecutePostLogin = …` or ESM
    /// `export const …`). Several run as one flow, in order, as production runs the actions
    /// bound to a trigger.
    #[arg(required = true, value_name = "ACTION")]
    pub actions: Vec<String>,

    /// Event fixture (JSON); fields you leave out are filled from fixtures/events/<trigger>.json.
    #[arg(long, value_name = "FILE")]
    pub event: Option<String>,

    /// Secrets file: `.env` lines NAME=value or a JSON object. Checked against production's
    /// limits (30 secrets, names ≤ 128 chars, values ≤ 4096 chars). Default: the local tenant's.
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<String>,

    /// The trigger whose `event` and `api` the action gets. Default: the trigger whose handler
    /// the file names (`onExecuteSendPhoneMessage` → send-phone-message), else post-login.
    #[arg(
        long,
        value_parser = clap::builder::PossibleValuesParser::new(actsim_js::TRIGGERS.iter().map(|t| t.id))
    )]
    pub trigger: Option<String>,

    /// Number of flows (logins, exchanges) to run, one after the other, on the same warm
    /// instance.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub times: u32,

    /// Executions reported in full (their commands, console, HTTP calls and cache records);
    /// later ones still count in the summary, metrics and `--expect`, so that `--times 100000`
    /// keeps the memory of this many executions, not of every one.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub keep_executions: u32,

    /// Virtual time that passes between logins, e.g. 16m, 25h, 1h30m. A comma-separated list
    /// gives each gap in turn, the last one repeating: `--advance 1m,16m` runs login 2 one
    /// minute after login 1 and every later login 16 minutes after the one before.
    #[arg(long, default_value = "0s", value_name = "DURATION[,DURATION…]")]
    pub advance: String,

    /// Virtual start time (RFC 3339). Fixed by default so output is reproducible.
    #[arg(long, value_name = "ISO", default_value = crate::input::instant::DEFAULT_NOW)]
    pub now: String,

    /// After a redirect (api.redirect.sendUserTo), bring the user back and run onContinuePostLogin.
    #[arg(long = "continue")]
    pub continue_flow: bool,

    /// Where onContinuePostLogin runs: the same warm instance, or a fresh one with an empty
    /// cache (production may resume on a separate instance).
    #[arg(long, value_enum, default_value = "same", requires = "continue_flow")]
    pub resume_on: ResumeOn,

    /// Virtual time the user spends at the redirect target before coming back.
    #[arg(
        long,
        default_value = "5s",
        value_name = "DURATION",
        requires = "continue_flow"
    )]
    pub return_after: String,

    /// A query parameter the user brings back to /continue (repeatable), e.g. session_token=…
    #[arg(
        long = "return-param",
        value_name = "NAME=VALUE",
        requires = "continue_flow"
    )]
    pub return_params: Vec<String>,

    /// A field the user submits in a form rendered with api.prompt.render (repeatable): the
    /// continue handler reads it in event.prompt.fields (over the render's own fields), e.g.
    /// --prompt-field company=Acme
    #[arg(
        long = "prompt-field",
        value_name = "NAME=VALUE",
        requires = "continue_flow"
    )]
    pub prompt_fields: Vec<String>,

    /// Mock tenant configuration (TOML). Default: fixtures/tenants/local.toml's tenant.
    #[arg(long, value_name = "FILE")]
    pub tenant: Option<String>,

    /// HTTP mocks for the hosts your actions call: a TOML file of `[[mocks]]` tables (the
    /// format of scenarios, docs/scenario.md) or a scenario file (its mocks and `expect` lines
    /// are used).
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<String>,

    /// One HTTP mock on the command line (repeatable): `[METHOD] URL [STATUS] [JSON body]`,
    /// e.g. --mock 'GET https://crm.example.com/v1/users/* 200 {"tier":"gold"}'. A path ending
    /// in `*` matches a prefix; the status defaults to 200 and the body to {}. Checked before
    /// the --mocks file's mocks.
    #[arg(long = "mock", value_name = "SPEC")]
    pub mock_lines: Vec<String>,

    /// An expectation over the run's metrics (repeatable), as a scenario's `expect` lines:
    /// e.g. --expect 'denies == 1' --expect 'http.route.GET:crm.example.com/v1/users/*.403 == 1'.
    /// A failed one exits 1.
    #[arg(long = "expect", value_name = "EXPR")]
    pub expects: Vec<String>,

    /// Cache limits and faults, NAME=VALUE (repeatable): max_key_bytes, max_value_bytes,
    /// max_total_bytes, max_entries, default_ttl (e.g. 15m), max_lifetime (e.g. 24h),
    /// over_max_lifetime=clamp|reject, when_full=reject|evict_soonest_expiring,
    /// count_replaced_entry=true|false, max_writes_per_execution=N (→ MaxSideEffectsExceeded),
    /// fail_next_writes=N (→ FailedToSetCacheRecord / FailedToDeleteCacheRecord).
    #[arg(long = "cache-option", value_name = "NAME=VALUE")]
    pub cache_options: Vec<String>,

    /// A record to put in the cache before the first execution, KEY=VALUE (repeatable); it
    /// gets the default lifetime. Useful to see how the action treats a warm cache.
    #[arg(long = "cache-entry", value_name = "KEY=VALUE")]
    pub cache_entries: Vec<String>,

    /// Modelled latency of each HTTP request (virtual time).
    #[arg(long, default_value = "50ms", value_name = "DURATION")]
    pub latency: String,

    /// Seed for Math.random.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// CPU time one execution may use before it is stopped (production: 20 s). Wall-clock.
    #[arg(long, default_value = "20s", value_name = "DURATION")]
    pub cpu_budget: String,

    /// The instance's JavaScript heap limit, in MiB. An execution that runs out fails with
    /// "out of memory" and the instance's runtime is replaced (the next execution runs cold).
    #[arg(long, default_value_t = 128, value_name = "MIB")]
    pub memory_limit: usize,

    /// The data one execution may hand the host, in MiB: api command arguments (claims,
    /// metadata, …), console output (kept up to 256 KiB, counted in full), cache keys and
    /// values, fetch requests and the responses it reads. Past it the execution fails with
    /// "host data limit exceeded". Production documents no such figure; this keeps actsim's
    /// memory bounded.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    pub host_limit: usize,

    /// Print one JSON document (schema: docs/run-json.md) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Run again whenever the action, a module beside it, the event, secrets or tenant file
    /// changes; clears the screen and redraws, and keeps watching through errors. Ctrl-C stops.
    #[arg(long)]
    pub watch: bool,
}
