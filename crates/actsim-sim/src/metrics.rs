//! Counting what happens in a simulation, and the flat `name → number` map that expectations
//! and reports read (names are documented in docs/scenario.md).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use actsim_js::{CacheOpKind, ErrorKind, ExecutionReport};

/// Counters for one instance.
#[derive(Debug, Default, Clone)]
pub struct InstanceCounters {
    /// Executions started.
    pub executions: u64,
    /// Cache reads that found a record.
    pub cache_hits: u64,
    /// Cache reads that found nothing.
    pub cache_misses: u64,
    /// Successful cache writes.
    pub cache_sets: u64,
    /// Failed cache writes and deletes.
    pub cache_errors: u64,
    /// Tokens issued for requests made from this instance.
    pub tokens_issued: u64,
}

/// Everything counted during a run.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub logins: u64,
    pub logins_completed: u64,
    pub logins_failed: u64,
    pub logins_denied: u64,
    pub logins_abandoned: u64,
    pub logins_expired: u64,
    pub logins_unfinished: u64,
    pub executions: u64,
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub redirects: u64,
    pub continues: u64,
    pub resumed_elsewhere: u64,
    pub denies: u64,
    /// Failed executions of non-blocking triggers (reported, blocking nothing), by trigger id.
    pub failures_reported: BTreeMap<String, u64>,
    pub cache_gets: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub cache_sets: u64,
    pub cache_set_errors: u64,
    pub cache_errors_by_code: BTreeMap<String, u64>,
    pub cache_evictions: u64,
    /// Cache hits and misses by handler (`onExecutePostLogin`, `onContinuePostLogin`, …).
    pub cache_by_handler: BTreeMap<String, (u64, u64)>,
    pub http: BTreeMap<String, u64>,
    /// Responses by declared route (`<route>.<status>`, `<route>.2xx`, `<route>.requests`,
    /// `<route>.errors`).
    pub routes: BTreeMap<String, u64>,
    /// Tokens handed out by mocks declared token endpoints, by route name.
    pub mock_tokens: BTreeMap<String, u64>,
    pub http_errors: u64,
    /// What actions did, by metric name: `commands.<command>`,
    /// `action.<action>.commands.<command>`, `denies.<reason>`, `claims.<token>.<claim>`.
    /// Bumped about ten times per login, hence hashed (a fixed seed: nothing random); only read by
    /// name or copied into [`Metrics::to_map`]'s sorted map (the order of copying is moot).
    pub commands: HashMap<String, u64, foldhash::fast::FixedState>,
    /// The command metrics about a user (`user.<id>.logins`, `user.<id>.commands.<name>`, …):
    /// see [`UserCounts`].
    users: UserCounts,
    /// How many counters `users` holds.
    distinct_user_commands: usize,
    pub instances_created: u64,
    pub instances_recycled: u64,
    pub instances_killed: u64,
    pub cold_starts: u64,
    pub latencies_ms: Vec<i64>,
    pub per_instance: BTreeMap<u32, InstanceCounters>,
}

/// The commands whose `commands.<name>` metric always exists (0 when never called).
const COMMANDS: [&str; 9] = [
    "access.deny",
    "idToken.setCustomClaim",
    "accessToken.setCustomClaim",
    "user.setAppMetadata",
    "user.setUserMetadata",
    "transaction.setMetadata",
    "redirect.sendUserTo",
    "multifactor.enable",
    "accessToken.addScope",
];

/// At most this many distinct command metrics per run (claim values and users can be many).
const MAX_COMMAND_METRICS: usize = 20_000;

/// The command metrics about users, `user.<id>.<rest>`, kept by user and then by rest, not by
/// their whole names: a login of one of 1 000 users bumps four of them, and four look-ups of
/// long names among thousands, each reading a name nobody read for a while, cost several
/// percent of a simulation (BENCHMARKS.md). Here a login finds its user's counters with one
/// look-up, and they sit together.
#[derive(Debug, Default, Clone)]
struct UserCounts {
    /// Counters by user (the id as written in the names): (rest number, count) pairs.
    by_user: HashMap<String, Vec<(u32, u64)>, foldhash::fast::FixedState>,
    /// The number of each rest (`logins`, `commands.<name>`, …), in the order first counted.
    rest_numbers: HashMap<String, u32, foldhash::fast::FixedState>,
    /// The rests by number.
    rests: Vec<String>,
}

impl UserCounts {
    /// Bump `user.<user>.<rest>` for each of `rests`, in order, with one look-up of the user;
    /// a counter not seen before is added while `*distinct` (the distinct command metrics so
    /// far, which it counts up) is below the cap.
    fn bump(&mut self, user: &str, rests: &[&str], distinct: &mut usize) {
        let counters = match self.by_user.get_mut(user) {
            Some(counters) => counters,
            None if *distinct < MAX_COMMAND_METRICS => {
                self.by_user.entry(user.to_string()).or_default()
            }
            None => return,
        };
        for rest in rests {
            let number = self.rest_numbers.get(*rest).copied();
            if let Some(slot) = counters.iter_mut().find(|(r, _)| Some(*r) == number) {
                slot.1 += 1;
                continue;
            }
            if *distinct >= MAX_COMMAND_METRICS {
                continue;
            }
            let number = number.unwrap_or_else(|| {
                let next = self.rests.len() as u32;
                self.rests.push(rest.to_string());
                self.rest_numbers.insert(rest.to_string(), next);
                next
            });
            counters.push((number, 1));
            *distinct += 1;
        }
    }

    /// Every counter with its whole name, `user.<user>.<rest>`.
    fn named(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        self.by_user.iter().flat_map(move |(user, counters)| {
            counters
                .iter()
                .map(move |(rest, n)| (format!("user.{user}.{}", self.rests[*rest as usize]), *n))
        })
    }
}

/// A claim value inside a metric name: a string as is, anything else as JSON; whitespace
/// becomes `_`, and values longer than 64 characters are `…` (not told apart).
fn value_word(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(other.to_string()),
    };
    if text.chars().count() > 64 {
        "…".into()
    } else {
        word(&text).into_owned()
    }
}

/// A text usable inside a metric name: whitespace becomes `_`.
pub fn metric_word(text: &str) -> String {
    word(text).into_owned()
}

/// [`metric_word`], borrowing `text` when it has no whitespace (user ids, command names).
/// `<upstream>.<status>` written into `buf`, or `None` when it does not fit.
fn http_key<'b>(buf: &'b mut [u8; 64], upstream: &str, status: u16) -> Option<&'b str> {
    let mut digits = [0u8; 5];
    let mut n = status;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let total = upstream.len() + 1 + len;
    if total > buf.len() {
        return None;
    }
    buf[..upstream.len()].copy_from_slice(upstream.as_bytes());
    buf[upstream.len()] = b'.';
    for (i, d) in digits[..len].iter().rev().enumerate() {
        buf[upstream.len() + 1 + i] = *d;
    }
    std::str::from_utf8(&buf[..total]).ok()
}

fn word(text: &str) -> Cow<'_, str> {
    // ASCII bytes are checked as bytes (the whitespace among them: tab to carriage return,
    // space); any other character as a char.
    let clean = text
        .bytes()
        .all(|b| !matches!(b, b'\t'..=b'\r' | b' ') && b.is_ascii())
        || !text.chars().any(char::is_whitespace);
    if clean {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect(),
    )
}

/// The metric name of an error kind (`cpu_budget_exceeded`, …).
pub fn error_kind_name(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

impl Metrics {
    /// Count one HTTP answer of `upstream` with `status` (`http.<upstream>.<status>`). The key
    /// is only allocated the first time it is counted.
    pub fn count_http(&mut self, upstream: &str, status: u16) {
        let mut buf = [0u8; 64];
        let key = http_key(&mut buf, upstream, status);
        match key.and_then(|k| self.http.get_mut(k)) {
            Some(n) => *n += 1,
            None => *self.http.entry(format!("{upstream}.{status}")).or_default() += 1,
        }
    }

    /// Count one request answered by a declared route: `status`, or a network error.
    pub fn count_route(&mut self, route: &str, status: Option<u16>) {
        *self.routes.entry(format!("{route}.requests")).or_default() += 1;
        match status {
            Some(s) => {
                *self.routes.entry(format!("{route}.{s}")).or_default() += 1;
                *self
                    .routes
                    .entry(format!("{route}.{}xx", s / 100))
                    .or_default() += 1;
            }
            None => *self.routes.entry(format!("{route}.errors")).or_default() += 1,
        }
    }

    /// Count a login of the user `user_id` (`user.<id>.logins`).
    pub fn count_user_login(&mut self, user_id: &str) {
        self.bump_user(&word(user_id), &["logins"]);
    }

    /// Count what an execution of `action` (for the user `user_id`, in a post-login flow) did
    /// through its `api` commands: see docs/scenario.md, "What actions did". Each command bumps
    /// `commands.<name>`, `action.<action>.commands.<name>`, then `denies.<reason>` or
    /// `claims.<token>.<claim>` and `claims.<token>.<claim>=<value>`, then the same keys but the
    /// action's under `user.<user>.`, in that order (the order decides which keys still fit
    /// under the cap). Keys are written into one buffer and only copied when new: this runs
    /// once per execution.
    pub fn count_commands(
        &mut self,
        action: &str,
        user_id: Option<&str>,
        report: &ExecutionReport,
    ) {
        if report.commands.is_empty() {
            return;
        }
        let action = word(action);
        let user = user_id.map(word);
        let mut key = String::with_capacity(128);
        for c in &report.commands {
            let arg = |i: usize| c.args.get(i);
            let name = c.name.as_str();
            // The keys counted per user too, as suffixes of `user.<user>.`.
            let mut extra: [Option<String>; 2] = [None, None];
            match name {
                "access.deny" => {
                    if let Some(reason) = arg(0).and_then(serde_json::Value::as_str) {
                        extra[0] = Some(["denies.", &word(reason)].concat());
                    }
                }
                "idToken.setCustomClaim" | "accessToken.setCustomClaim" => {
                    let token = name.split('.').next().unwrap_or_default();
                    if let Some(claim) = arg(0).and_then(serde_json::Value::as_str) {
                        let claim = ["claims.", token, ".", &word(claim)].concat();
                        if let Some(value) = arg(1).map(value_word) {
                            extra[1] = Some([claim.as_str(), "=", &value].concat());
                        }
                        extra[0] = Some(claim);
                    }
                }
                _ => {}
            }
            self.bump_key(&mut key, &["commands.", name]);
            self.bump_key(&mut key, &["action.", &action, ".commands.", name]);
            for k in extra.iter().flatten() {
                self.bump_key(&mut key, &[k]);
            }
            if let Some(user) = &user {
                key.clear();
                key.push_str("commands.");
                key.push_str(name);
                let mut rests = [key.as_str(), "", ""];
                let mut count = 1;
                for k in extra.iter().flatten() {
                    rests[count] = k;
                    count += 1;
                }
                self.bump_user(user, &rests[..count]);
            }
        }
    }

    /// Bump the command metric named by `parts` put together, using `buffer` for its text (a
    /// name not seen before is added while there is room).
    fn bump_key(&mut self, buffer: &mut String, parts: &[&str]) {
        buffer.clear();
        for part in parts {
            buffer.push_str(part);
        }
        if let Some(n) = self.commands.get_mut(buffer.as_str()) {
            *n += 1;
        } else if self.distinct_commands() < MAX_COMMAND_METRICS {
            self.commands.insert(buffer.clone(), 1);
        }
    }

    /// Bump the command metrics `user.<user>.<rest>` of each of `rests` (added while there is
    /// room).
    fn bump_user(&mut self, user: &str, rests: &[&str]) {
        let before = self.distinct_commands();
        let mut distinct = before;
        self.users.bump(user, rests, &mut distinct);
        self.distinct_user_commands += distinct - before;
    }

    /// How many distinct command metrics there are.
    fn distinct_commands(&self) -> usize {
        self.commands.len() + self.distinct_user_commands
    }

    /// Make every declared route's metrics exist (0 until counted), so `== 0` can be written:
    /// `requests`, `errors`, the classes `2xx`–`5xx`, each status it can answer, and for token
    /// endpoints `tokens_issued.<route>`.
    pub fn declare_routes(&mut self, routes: &[(String, Vec<u16>, bool)]) {
        for (route, statuses, token_endpoint) in routes {
            let names = ["requests", "errors", "2xx", "3xx", "4xx", "5xx"]
                .iter()
                .map(|s| s.to_string())
                .chain(statuses.iter().map(u16::to_string));
            for name in names {
                self.routes.entry(format!("{route}.{name}")).or_default();
            }
            if *token_endpoint {
                self.mock_tokens.entry(route.clone()).or_default();
            }
        }
    }

    /// Count an ended execution's cache operations and error.
    pub fn count_execution(&mut self, instance: u32, report: &ExecutionReport) {
        let inst = self.per_instance.entry(instance).or_default();
        for op in &report.cache_ops {
            match (op.op, op.result.as_str()) {
                (CacheOpKind::Get, "hit") => {
                    self.cache_gets += 1;
                    self.cache_hits += 1;
                    inst.cache_hits += 1;
                    self.cache_by_handler
                        .entry(report.handler.clone())
                        .or_default()
                        .0 += 1;
                }
                (CacheOpKind::Get, _) => {
                    self.cache_gets += 1;
                    self.cache_misses += 1;
                    inst.cache_misses += 1;
                    self.cache_by_handler
                        .entry(report.handler.clone())
                        .or_default()
                        .1 += 1;
                }
                (CacheOpKind::Set, "success") => {
                    self.cache_sets += 1;
                    inst.cache_sets += 1;
                }
                (CacheOpKind::Delete, "success") => {}
                (kind, code) => {
                    if kind == CacheOpKind::Set {
                        self.cache_set_errors += 1;
                    }
                    inst.cache_errors += 1;
                    *self
                        .cache_errors_by_code
                        .entry(code.to_string())
                        .or_default() += 1;
                }
            }
        }
        if let Some(error) = report.error() {
            self.errors += 1;
            *self
                .errors_by_kind
                .entry(error_kind_name(error.kind))
                .or_default() += 1;
        }
    }

    /// The value at percentile `p` (0–100) of completed logins' virtual latency.
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return 0.0;
        }
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
        sorted[rank.min(sorted.len()) - 1] as f64
    }

    /// Every metric by name. `tokens` gives (client id, tokens issued) and the request count.
    pub fn to_map(
        &self,
        tokens_by_client: &BTreeMap<String, u64>,
        token_requests: u64,
    ) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: f64| {
            m.insert(k.to_string(), v);
        };
        put("logins", self.logins as f64);
        put("logins.completed", self.logins_completed as f64);
        put("logins.failed", self.logins_failed as f64);
        put("logins.denied", self.logins_denied as f64);
        put("logins.abandoned", self.logins_abandoned as f64);
        put("logins.expired", self.logins_expired as f64);
        put("logins.unfinished", self.logins_unfinished as f64);
        put("executions", self.executions as f64);
        put("errors", self.errors as f64);
        put("redirects", self.redirects as f64);
        put("continues", self.continues as f64);
        put("resumed_elsewhere", self.resumed_elsewhere as f64);
        put("denies", self.denies as f64);
        put(
            "failures_reported",
            self.failures_reported.values().sum::<u64>() as f64,
        );
        for info in actsim_js::TRIGGERS.iter().filter(|t| !t.blocks) {
            let n = self.failures_reported.get(info.id).copied().unwrap_or(0);
            put(&format!("failures_reported.{}", info.id), n as f64);
        }
        let mock_token_requests: u64 = self
            .mock_tokens
            .keys()
            .filter_map(|name| self.routes.get(&format!("{name}.requests")))
            .sum();
        put(
            "token_requests",
            (token_requests + mock_token_requests) as f64,
        );
        put(
            "tokens_issued",
            (tokens_by_client.values().sum::<u64>() + self.mock_tokens.values().sum::<u64>())
                as f64,
        );
        put("cache.gets", self.cache_gets as f64);
        put("cache.hits", self.cache_hits as f64);
        put("cache.misses", self.cache_misses as f64);
        put(
            "cache.hit_ratio",
            if self.cache_gets == 0 {
                0.0
            } else {
                self.cache_hits as f64 / self.cache_gets as f64
            },
        );
        put("cache.sets", self.cache_sets as f64);
        put("cache.set_errors", self.cache_set_errors as f64);
        put(
            "cache.errors",
            self.cache_errors_by_code.values().sum::<u64>() as f64,
        );
        put("cache.evictions", self.cache_evictions as f64);
        put("http.errors", self.http_errors as f64);
        put("instances.created", self.instances_created as f64);
        put("instances.recycled", self.instances_recycled as f64);
        put("instances.killed", self.instances_killed as f64);
        put("instances.cold_starts", self.cold_starts as f64);
        put("latency.p50_ms", self.percentile(50.0));
        put("latency.p99_ms", self.percentile(99.0));
        put(
            "latency.max_ms",
            self.latencies_ms.iter().copied().max().unwrap_or(0) as f64,
        );
        for kind in [
            ErrorKind::Syntax,
            ErrorKind::ModuleInit,
            ErrorKind::MissingHandler,
            ErrorKind::InvalidHandler,
            ErrorKind::Thrown,
            ErrorKind::UnhandledRejection,
            ErrorKind::CpuBudgetExceeded,
            ErrorKind::OutOfMemory,
            ErrorKind::HostLimitExceeded,
            ErrorKind::Aborted,
        ] {
            let name = error_kind_name(kind);
            let v = self.errors_by_kind.get(&name).copied().unwrap_or(0);
            m.insert(format!("errors.{name}"), v as f64);
        }
        for code in actsim_cache::CacheErrorCode::ALL {
            let v = self
                .cache_errors_by_code
                .get(code.as_str())
                .copied()
                .unwrap_or(0);
            m.insert(format!("cache.errors.{}", code.as_str()), v as f64);
        }
        for handler in actsim_js::TRIGGERS.iter().flat_map(|t| t.handlers()) {
            let (hits, misses) = self
                .cache_by_handler
                .get(handler)
                .copied()
                .unwrap_or_default();
            m.insert(format!("cache.hits.{handler}"), hits as f64);
            m.insert(format!("cache.misses.{handler}"), misses as f64);
        }
        for (client, n) in tokens_by_client {
            m.insert(format!("tokens_issued.{client}"), *n as f64);
        }
        for status in [200, 401, 403, 404, 429, 500, 503] {
            m.insert(format!("http.tenant.{status}"), 0.0);
        }
        for (key, n) in &self.http {
            m.insert(format!("http.{key}"), *n as f64);
        }
        for (key, n) in &self.routes {
            m.insert(format!("http.route.{key}"), *n as f64);
        }
        for command in COMMANDS {
            m.insert(format!("commands.{command}"), 0.0);
        }
        for (key, n) in &self.commands {
            m.insert(key.clone(), *n as f64);
        }
        // (Two counters can have the same name: `user.u.claims.idToken.logins` is user
        // `u.claims.idToken`'s logins and user `u`'s claim `logins`. They add up, as one counter
        // would have.)
        for (key, n) in self.users.named() {
            *m.entry(key).or_insert(0.0) += n as f64;
        }
        for (name, n) in &self.mock_tokens {
            m.insert(format!("tokens_issued.{name}"), *n as f64);
        }
        for (number, c) in &self.per_instance {
            let p = format!("instance.{number}");
            m.insert(format!("{p}.executions"), c.executions as f64);
            m.insert(format!("{p}.cache.hits"), c.cache_hits as f64);
            m.insert(format!("{p}.cache.misses"), c.cache_misses as f64);
            m.insert(format!("{p}.cache.sets"), c.cache_sets as f64);
            m.insert(format!("{p}.cache.errors"), c.cache_errors as f64);
            m.insert(format!("{p}.tokens_issued"), c.tokens_issued as f64);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An execution's report with `commands` (name, args) and nothing else.
    fn report(commands: &[(&str, serde_json::Value)]) -> ExecutionReport {
        let mut report =
            ExecutionReport::started(1, actsim_js::Trigger::PostLogin, "onContinuePostLogin", 0);
        report.commands = commands
            .iter()
            .map(|(name, args)| actsim_js::Command {
                at_ms: 0,
                name: name.to_string(),
                args: args.clone(),
            })
            .collect();
        report
    }

    /// The metrics about users count each user's logins, commands and claims under
    /// `user.<id>.…` (whitespace in an id as `_`), next to the totals; two counters with the
    /// same name add up; and past the cap on distinct names no new name is added, user or not,
    /// while names already there go on counting.
    #[test]
    fn user_metrics_are_counted_by_name() {
        let mut m = Metrics::default();
        let claim = report(&[(
            "accessToken.setCustomClaim",
            serde_json::json!(["logins", true]),
        )]);
        for _ in 0..3 {
            m.count_user_login("auth0|a b");
            m.count_commands("act", Some("auth0|a b"), &claim);
        }
        m.count_user_login("u.claims.accessToken");
        m.count_commands("act", Some("u"), &claim);
        let map = m.to_map(&BTreeMap::new(), 0);
        let get = |k: &str| map.get(k).copied();
        assert_eq!(get("user.auth0|a_b.logins"), Some(3.0));
        assert_eq!(
            get("user.auth0|a_b.commands.accessToken.setCustomClaim"),
            Some(3.0)
        );
        assert_eq!(get("user.auth0|a_b.claims.accessToken.logins"), Some(3.0));
        assert_eq!(
            get("user.auth0|a_b.claims.accessToken.logins=true"),
            Some(3.0)
        );
        assert_eq!(get("commands.accessToken.setCustomClaim"), Some(4.0));
        assert_eq!(
            get("action.act.commands.accessToken.setCustomClaim"),
            Some(4.0)
        );
        assert_eq!(get("claims.accessToken.logins=true"), Some(4.0));
        // User `u.claims.accessToken`'s logins and user `u`'s claim `logins`: one name.
        assert_eq!(get("user.u.claims.accessToken.logins"), Some(2.0));
        assert_eq!(get("user.u.claims.accessToken.logins=true"), Some(1.0));

        let mut m = Metrics::default();
        for user in 0..MAX_COMMAND_METRICS + 5 {
            m.count_user_login(&format!("user{user}"));
        }
        m.count_user_login("user0");
        m.count_commands("act", None, &claim);
        let map = m.to_map(&BTreeMap::new(), 0);
        let users = map.keys().filter(|k| k.starts_with("user.")).count();
        assert_eq!(users, MAX_COMMAND_METRICS);
        assert_eq!(map.get("user.user0.logins"), Some(&2.0));
        assert_eq!(
            map.get(&format!("user.user{}.logins", MAX_COMMAND_METRICS)),
            None
        );
        // (`commands.<name>` of the bundled commands always exist, at 0 when not counted.)
        assert_eq!(map.get("commands.accessToken.setCustomClaim"), Some(&0.0));
        assert_eq!(map.get("claims.accessToken.logins=true"), None);
    }

    /// The HTTP counter's key is the text `format!` writes, for every status and any upstream
    /// that fits; a longer upstream is counted under its formatted key all the same.
    #[test]
    fn http_keys_are_the_formatted_text() {
        for upstream in ["tenant", "mock:a-b", "", &"x".repeat(58)] {
            for status in [0u16, 7, 10, 99, 200, 401, 999, 1000, 65535] {
                let mut buf = [0u8; 64];
                let want = format!("{upstream}.{status}");
                let got = http_key(&mut buf, upstream, status);
                if want.len() <= 64 {
                    assert_eq!(got, Some(want.as_str()));
                } else {
                    assert_eq!(got, None);
                }
            }
        }
        let long = "y".repeat(70);
        let mut m = Metrics::default();
        m.count_http(&long, 200);
        m.count_http(&long, 200);
        m.count_http("tenant", 200);
        m.count_http("tenant", 200);
        m.count_http("tenant", 404);
        assert_eq!(m.http.get(&format!("{long}.200")), Some(&2));
        assert_eq!(m.http.get("tenant.200"), Some(&2));
        assert_eq!(m.http.get("tenant.404"), Some(&1));
    }

    /// `word` turns exactly the characters `char::is_whitespace` names into `_`, whether the
    /// text is ASCII (checked by bytes) or not, and borrows a text with none.
    #[test]
    fn words_replace_every_whitespace_character() {
        let reference = |t: &str| -> String {
            t.chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect()
        };
        let texts = [
            "auth0|user-1",
            "a b",
            "tab\there",
            "v\u{b}f\u{c}r\rn\n",
            "\u{1f}\u{e}x\u{7f}",
            "nbsp\u{a0}em\u{2003}",
            "caf\u{e9}",
            "line\u{2028}sep",
            "",
        ];
        for t in texts {
            assert_eq!(word(t), reference(t), "{t:?}");
            assert_eq!(metric_word(t), reference(t), "{t:?}");
        }
        assert!(matches!(word("auth0|user-1"), Cow::Borrowed(_)));
        assert!(matches!(word("caf\u{e9}"), Cow::Borrowed(_)));
    }
}
