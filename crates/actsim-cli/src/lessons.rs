//! The built-in lessons: one per api.cache caveat, each a flawed and a fixed scenario in
//! `fixtures/lessons/<name>/` with an explanation in `docs/lessons/<name>.md`. The scenarios and
//! the files they name are bundled in the binary ([`crate::bundled`]) and run from there.

use std::path::PathBuf;

/// One lesson.
pub struct Lesson {
    /// The name used on the command line.
    pub name: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The caveat in one sentence.
    pub caveat: &'static str,
    /// The fix in one sentence.
    pub fix: &'static str,
    /// The metrics shown side by side, the first one headlining the overview.
    pub key_metrics: &'static [&'static str],
}

/// Every lesson, in teaching order.
pub const LESSONS: [Lesson; 11] = [
    Lesson {
        name: "no-caching",
        title: "No caching: a token per login",
        caveat: "An action that asks /oauth/token on every login mints a Management API token per login, and quotas and rate limits follow.",
        fix: "Cache the token in api.cache with a ttl derived from expires_in.",
        key_metrics: &["tokens_issued", "token_requests"],
    },
    Lesson {
        name: "default-lifetime",
        title: "The default-lifetime trap",
        caveat: "api.cache.set without a ttl keeps the record 15 minutes, although the token lives 24 hours.",
        fix: "Pass { ttl: (expires_in - 60) * 1000 }.",
        key_metrics: &["tokens_issued", "cache.hit_ratio"],
    },
    Lesson {
        name: "separate-caches",
        title: "Instances have separate caches",
        caveat: "Each instance has its own cache, so tokens ≈ instances × refreshes.",
        fix: "Cache for the token's whole lifetime, so each instance fetches about once a day.",
        key_metrics: &["tokens_issued", "instances.created"],
    },
    Lesson {
        name: "redirect-resumes-elsewhere",
        title: "A redirect resumes elsewhere",
        caveat: "After api.redirect.sendUserTo, onContinuePostLogin may run on another instance whose cache lacks what onExecutePostLogin stored.",
        fix: "Carry per-login data in api.transaction.setMetadata; treat the cache as optional.",
        key_metrics: &["cache.misses.onContinuePostLogin", "warnings.missed_after_resume"],
    },
    Lesson {
        name: "ttl-in-seconds",
        title: "ttl in seconds where milliseconds are expected",
        caveat: "{ ttl: expires_in } keeps a 24-hour token for 86 seconds: ttl is in milliseconds.",
        fix: "Multiply by 1000: { ttl: (expires_in - 60) * 1000 }.",
        key_metrics: &["tokens_issued", "warnings.ttl_in_seconds"],
    },
    Lesson {
        name: "long-key",
        title: "A key over 64 bytes",
        caveat: "A key like access_token_${clientId}_${audience} easily passes 64 bytes: then every set fails with CacheKeySizeExceeded.",
        fix: "Use a short fixed key (or hash the variable parts).",
        key_metrics: &["cache.errors.CacheKeySizeExceeded", "tokens_issued"],
    },
    Lesson {
        name: "per-user-keys",
        title: "Per-user keys fill the cache",
        caveat: "A record per user runs into the 20-entry / 8 kB limit of the trigger's cache: CacheSizeExceeded.",
        fix: "Cache shared data only; keep per-user data in metadata.",
        key_metrics: &["cache.errors.CacheSizeExceeded", "warnings.near_limit"],
    },
    Lesson {
        name: "stampede",
        title: "Stampede on a cold cache",
        caveat: "Concurrent executions that all miss the cache all fetch a token before the first one is stored.",
        fix: "Share one in-flight fetch per instance (a module-scope promise).",
        key_metrics: &["tokens_issued"],
    },
    Lesson {
        name: "module-scope",
        title: "Module scope lives as long as the instance",
        caveat: "A module-scope token lives as long as the instance: gone after a recycle, and stale after its exp if never checked.",
        fix: "Check exp before use (or let node-auth0's client refresh it).",
        key_metrics: &["http.tenant.401", "tokens_issued"],
    },
    Lesson {
        name: "token-outlives-exp",
        title: "A cached token outlives its exp",
        caveat: "A record that lives longer than the token serves an expired token: 401 from the Management API.",
        fix: "Derive the ttl from expires_in (or check exp after get).",
        key_metrics: &["http.tenant.401", "warnings.jwt_outlives_record"],
    },
    Lesson {
        name: "ignored-set-result",
        title: "Ignoring set's result",
        caveat: "api.cache.set returns { type: 'error', code } instead of throwing: ignored, every write can fail silently.",
        fix: "Check result.type, log result.code, and fall back.",
        key_metrics: &["warnings.unread_failed_set", "tokens_issued"],
    },
];

/// The lesson called `name`.
pub fn find(name: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.name == name)
}

impl Lesson {
    /// The flawed scenario: its path in the repository, and in [`crate::bundled::BUNDLED`].
    pub fn flawed(&self) -> PathBuf {
        PathBuf::from(format!("fixtures/lessons/{}/flawed.toml", self.name))
    }

    /// The fixed scenario: its path in the repository, and in [`crate::bundled::BUNDLED`].
    pub fn fixed(&self) -> PathBuf {
        PathBuf::from(format!("fixtures/lessons/{}/fixed.toml", self.name))
    }

    /// The metrics a lesson compares, flawed → fixed: its key metrics, then the ones every
    /// lesson shows (logins, tokens, hit ratio, errors, warnings).
    pub fn compared_metrics(&self) -> Vec<&'static str> {
        let mut shown: Vec<&'static str> = self.key_metrics.to_vec();
        for extra in [
            "logins",
            "tokens_issued",
            "cache.hit_ratio",
            "errors",
            "warnings",
        ] {
            if !shown.contains(&extra) {
                shown.push(extra);
            }
        }
        shown
    }

    /// The explanation.
    pub fn doc(&self) -> String {
        format!("docs/lessons/{}.md", self.name)
    }
}
