//! Tenant configuration: the serde model of a tenant file (TOML), its validation, and the bundled
//! local tenant.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{ConfigError, TenantError};
use crate::limits::{ClientQuota, FaultConfig, RateLimitConfig};

/// Default access-token lifetime in seconds (24 h), as Auth0 documents for the Management API and
/// new APIs.
pub const DEFAULT_TOKEN_LIFETIME_S: u64 = 86_400;

/// Largest access-token lifetime Auth0 allows for an API (30 days), in seconds.
pub const MAX_TOKEN_LIFETIME_S: u64 = 2_592_000;

/// The largest `token_rate_limit.per_second` or `burst`: a million requests per second.
pub const MAX_RATE_PER_SECOND: u64 = 1_000_000;

/// The largest client quota (`per_hour`, `per_day`): a trillion tokens.
pub const MAX_QUOTA: u64 = 1_000_000_000_000;

fn default_token_lifetime() -> u64 {
    DEFAULT_TOKEN_LIFETIME_S
}

/// A mock tenant: its domain, machine-to-machine clients, extra APIs and users.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Bare host name of the tenant, e.g. `tenant.actsim.test`. Tokens carry
    /// `iss = "https://{domain}/"`, and the Management API audience is `https://{domain}/api/v2/`.
    pub domain: String,
    /// Default access-token lifetime in seconds for APIs that do not set their own
    /// (default 86400).
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_s: u64,
    /// Applications that may use the client-credentials grant.
    pub clients: Vec<ClientConfig>,
    /// Extra resource servers. The Management API (`https://{domain}/api/v2/`) always exists; list
    /// it here only to give it its own token lifetime.
    #[serde(default)]
    pub apis: Vec<ApiConfig>,
    /// Users served by the Management API; each must be an object with a string `user_id`.
    /// An optional `roles` array (role ids or names from `roles`) assigns roles; it is not part
    /// of the user object the API returns.
    #[serde(default)]
    pub users: Vec<serde_json::Value>,
    /// Roles that users can be assigned (`GET /api/v2/users/{id}/roles`).
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    /// Rate limit on `POST /oauth/token`; none when absent.
    #[serde(default)]
    pub token_rate_limit: Option<RateLimitConfig>,
    /// Injected faults, checked in order.
    #[serde(default)]
    pub faults: Vec<FaultConfig>,
    /// What a token request for scopes beyond the client grant gets: `deny` (default, 403
    /// `access_denied` "Client has not been granted scopes: …", as Auth0 answers; a request
    /// within the grant gets every granted scope, as from Auth0) or `drop` (200 with the
    /// requested scopes that are granted).
    #[serde(default)]
    pub excess_scopes: ExcessScopes,
    /// The base URL clients address the tenant at directly (`actsim serve --tls` sets it, e.g.
    /// `https://127.0.0.1:4455`): tokens then carry `iss = "{public_url}/"`, discovery lists
    /// its endpoints under it, and `{public_url}/api/v2/` is accepted as a second name of the
    /// Management API audience (SDKs derive the audience from the domain they are given).
    /// Not part of the tenant file.
    #[serde(skip)]
    pub public_url: Option<String>,
}

/// The answer to a client-credentials request whose `scope` asks for scopes the client grant
/// lacks (tenant file key `excess_scopes`).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExcessScopes {
    /// 403 `access_denied` "Client has not been granted scopes: a b" (Auth0's answer); a
    /// request within the grant gets a token with every granted scope, as Auth0 gives.
    #[default]
    Deny,
    /// 200 with the requested scopes that are granted (the token narrowed to them).
    Drop,
}

/// A role (Auth0 RBAC), as returned by `GET /api/v2/users/{id}/roles`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// Role id, e.g. `rol_0123456789abcdef`.
    pub id: String,
    /// Role name, e.g. `admin`.
    pub name: String,
    /// Description (default empty).
    #[serde(default)]
    pub description: String,
    /// Permissions the role grants (`GET /api/v2/users/{id}/permissions` lists them).
    #[serde(default)]
    pub permissions: Vec<RolePermission>,
}

/// One permission of a role: a scope of an API, named as Auth0 names it.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RolePermission {
    /// The API's identifier, e.g. `https://api.example.com/`.
    pub resource_server_identifier: String,
    /// The scope, e.g. `read:reports`.
    pub permission_name: String,
}

/// A machine-to-machine application.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The `client_id` presented at `/oauth/token`.
    pub client_id: String,
    /// The `client_secret` presented at `/oauth/token`.
    pub client_secret: String,
    /// Display name (informational).
    #[serde(default)]
    pub name: String,
    /// Client grants: which APIs this client may get tokens for, with which scopes.
    #[serde(default)]
    pub grants: Vec<ClientGrant>,
    /// Token quota; unlimited when absent.
    #[serde(default)]
    pub quota: Option<ClientQuota>,
}

/// Authorization of one client for one API (Auth0's "client grant").
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientGrant {
    /// API identifier (the token `aud`).
    pub audience: String,
    /// Scopes granted; tokens carry them space-joined in this order.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A resource server (API) other than, or overriding the lifetime of, the Management API.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// API identifier, used as the token audience.
    pub identifier: String,
    /// Access-token lifetime in seconds; the tenant's `token_lifetime_s` when absent.
    #[serde(default)]
    pub token_lifetime_s: Option<u64>,
}

impl TenantConfig {
    /// Parses a tenant from TOML text.
    ///
    /// Unknown keys are errors. The returned [`ConfigError`] carries the byte span of the problem
    /// when the TOML parser reports one. This only parses; [`crate::Tenant::new`] (or
    /// [`TenantConfig::validate`]) checks the content.
    pub fn from_toml_str(src: &str) -> Result<TenantConfig, ConfigError> {
        toml::from_str::<TenantConfig>(src)
            .map_err(|e| ConfigError::new(e.message().trim_end().to_string(), e.span()))
    }

    /// The Management API audience, `https://{domain}/api/v2/`.
    pub fn management_audience(&self) -> String {
        format!("https://{}/api/v2/", self.domain)
    }

    /// The token issuer: `https://{domain}/`, or `{public_url}/` when the tenant is served at a
    /// public URL.
    pub fn issuer(&self) -> String {
        match &self.public_url {
            Some(url) => format!("{}/", url.trim_end_matches('/')),
            None => format!("https://{}/", self.domain),
        }
    }

    /// The Management API audience under the public URL (`{public_url}/api/v2/`), if any.
    pub fn public_management_audience(&self) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|url| format!("{}/api/v2/", url.trim_end_matches('/')))
    }

    /// The configured name of `audience`: the Management API audience for its public-URL
    /// alias, else `audience` itself.
    pub fn canonical_audience(&self, audience: &str) -> String {
        if self.public_management_audience().as_deref() == Some(audience) {
            self.management_audience()
        } else {
            audience.to_string()
        }
    }

    /// This configuration served at `url` (see [`TenantConfig::public_url`]).
    pub fn with_public_url(mut self, url: impl Into<String>) -> TenantConfig {
        self.public_url = Some(url.into());
        self
    }

    /// Looks up a client by id.
    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Whether `audience` is a known API: the Management API or an entry of `apis`.
    pub fn is_known_api(&self, audience: &str) -> bool {
        audience == self.management_audience()
            || self.public_management_audience().as_deref() == Some(audience)
            || self.apis.iter().any(|a| a.identifier == audience)
    }

    /// Token lifetime in seconds for a known API: its own lifetime, else the tenant default.
    pub fn lifetime_for(&self, audience: &str) -> u64 {
        self.apis
            .iter()
            .find(|a| a.identifier == audience)
            .and_then(|a| a.token_lifetime_s)
            .unwrap_or(self.token_lifetime_s)
    }

    /// Checks the configuration: a bare non-empty domain, unique non-empty client ids, unique API
    /// identifiers, grants only for known APIs (at most one per API and client), lifetimes within
    /// 1..=2592000 s, users that are objects with unique non-empty string `user_id`s whose
    /// `roles` name known roles, unique roles, a usable rate limit, and consistent faults.
    pub fn validate(&self) -> Result<(), TenantError> {
        self.validate_basics()?;
        for (index, role) in self.roles.iter().enumerate() {
            if role.id.is_empty() || role.name.is_empty() {
                return Err(TenantError::InvalidRole { index });
            }
            for other in &self.roles[..index] {
                for dup in [&role.id, &role.name] {
                    if *dup == other.id || *dup == other.name {
                        return Err(TenantError::DuplicateRole(dup.clone()));
                    }
                }
            }
        }
        for user in &self.users {
            self.user_role_ids(user)?;
        }
        if let Some(limit) = &self.token_rate_limit {
            if limit.per_second == 0 {
                return Err(TenantError::InvalidRateLimit(
                    "per_second must be at least 1".to_string(),
                ));
            }
            if limit.burst == Some(0) {
                return Err(TenantError::InvalidRateLimit(
                    "burst must be at least 1".to_string(),
                ));
            }
            if limit.per_second > MAX_RATE_PER_SECOND
                || limit.burst.is_some_and(|b| b > MAX_RATE_PER_SECOND)
            {
                return Err(TenantError::InvalidRateLimit(format!(
                    "per_second and burst must be at most {MAX_RATE_PER_SECOND}"
                )));
            }
        }
        for client in &self.clients {
            if let Some(quota) = &client.quota {
                if quota.per_hour.is_none() && quota.per_day.is_none() {
                    return Err(TenantError::InvalidQuota {
                        client_id: client.client_id.clone(),
                        reason: "set per_hour, per_day or both".to_string(),
                    });
                }
                if [quota.per_hour, quota.per_day]
                    .iter()
                    .flatten()
                    .any(|&n| n > MAX_QUOTA)
                {
                    return Err(TenantError::InvalidQuota {
                        client_id: client.client_id.clone(),
                        reason: format!("per_hour and per_day must be at most {MAX_QUOTA}"),
                    });
                }
            }
        }
        let known = |id: &str| self.client(id).is_some();
        for (index, fault) in self.faults.iter().enumerate() {
            fault.validate(index, &known)?;
        }
        Ok(())
    }

    /// Parses and validates tenant TOML text: every error, of syntax or of content, comes back as
    /// a [`ConfigError`] whose span points into `src` when the problem can be found there (the
    /// offending value, key or table), so that callers can show `file:line:column`.
    pub fn from_toml_str_validated(src: &str) -> Result<TenantConfig, ConfigError> {
        let config = TenantConfig::from_toml_str(src)?;
        config
            .validate()
            .map_err(|e| ConfigError::new(e.to_string(), validation_span(&e, src)))?;
        Ok(config)
    }

    /// The ids of the roles a configured user lists in `roles` (by id or name), in order,
    /// without duplicates.
    pub(crate) fn user_role_ids(
        &self,
        user: &serde_json::Value,
    ) -> Result<Vec<String>, TenantError> {
        let user_id = user
            .get("user_id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let Some(list) = user.get("roles") else {
            return Ok(Vec::new());
        };
        let bad = |reason: String| TenantError::InvalidUserRoles {
            user_id: user_id.clone(),
            reason,
        };
        let items = list
            .as_array()
            .ok_or_else(|| bad("`roles` must be an array of role ids or names".to_string()))?;
        let mut ids = Vec::new();
        for item in items {
            let wanted = item
                .as_str()
                .ok_or_else(|| bad("`roles` must be an array of role ids or names".to_string()))?;
            let role = self
                .roles
                .iter()
                .find(|r| r.id == wanted || r.name == wanted)
                .ok_or_else(|| bad(format!("role {wanted:?} is not in `roles`")))?;
            if !ids.contains(&role.id) {
                ids.push(role.id.clone());
            }
        }
        Ok(ids)
    }

    fn validate_basics(&self) -> Result<(), TenantError> {
        if self.domain.is_empty() {
            return Err(TenantError::EmptyDomain);
        }
        if self.domain.contains('/') || self.domain.chars().any(char::is_whitespace) {
            return Err(TenantError::InvalidDomain(self.domain.clone()));
        }
        check_lifetime("tenant", self.token_lifetime_s)?;
        for (index, api) in self.apis.iter().enumerate() {
            if api.identifier.is_empty() {
                return Err(TenantError::EmptyApiIdentifier { index });
            }
            if self.apis[..index]
                .iter()
                .any(|a| a.identifier == api.identifier)
            {
                return Err(TenantError::DuplicateApi(api.identifier.clone()));
            }
            if let Some(seconds) = api.token_lifetime_s {
                check_lifetime(&api.identifier, seconds)?;
            }
        }
        for (index, client) in self.clients.iter().enumerate() {
            if client.client_id.is_empty() {
                return Err(TenantError::EmptyClientId { index });
            }
            if self.clients[..index]
                .iter()
                .any(|c| c.client_id == client.client_id)
            {
                return Err(TenantError::DuplicateClient(client.client_id.clone()));
            }
            for (g, grant) in client.grants.iter().enumerate() {
                if !self.is_known_api(&grant.audience) {
                    return Err(TenantError::UnknownGrantAudience {
                        client_id: client.client_id.clone(),
                        audience: grant.audience.clone(),
                    });
                }
                if client.grants[..g]
                    .iter()
                    .any(|other| other.audience == grant.audience)
                {
                    return Err(TenantError::DuplicateGrant {
                        client_id: client.client_id.clone(),
                        audience: grant.audience.clone(),
                    });
                }
            }
        }
        // A set, not a comparison with every earlier user: simulations generate thousands.
        let mut seen_users = std::collections::BTreeSet::new();
        for (index, user) in self.users.iter().enumerate() {
            let id = match user.get("user_id").and_then(|v| v.as_str()) {
                Some(id) if user.is_object() && !id.is_empty() => id,
                _ => return Err(TenantError::InvalidUser { index }),
            };
            if !seen_users.insert(id) {
                return Err(TenantError::DuplicateUser(id.to_string()));
            }
        }
        Ok(())
    }

    /// The bundled local tenant: domain `tenant.actsim.test`, one M2M client `actsim-local-m2m`
    /// (secret `local-secret-change-me`) granted `read:users update:users read:roles` on the
    /// Management API, 24 h tokens, one role `admin`, and one user, Jane Smith, who has it. No
    /// quotas, rate limit or faults.
    ///
    /// The crate README and `fixtures/tenants/local.toml` (at the repository root) hold the same tenant as TOML.
    pub fn local_default() -> TenantConfig {
        let domain = "tenant.actsim.test".to_string();
        let management = format!("https://{domain}/api/v2/");
        TenantConfig {
            domain,
            token_lifetime_s: DEFAULT_TOKEN_LIFETIME_S,
            clients: vec![ClientConfig {
                client_id: "actsim-local-m2m".to_string(),
                client_secret: "local-secret-change-me".to_string(),
                name: "Local M2M".to_string(),
                grants: vec![ClientGrant {
                    audience: management,
                    scopes: vec![
                        "read:users".to_string(),
                        "update:users".to_string(),
                        "read:roles".to_string(),
                    ],
                }],
                quota: None,
            }],
            apis: Vec::new(),
            users: vec![json!({
                "user_id": "auth0|5f7c8ec7c33c6c004bbafe82",
                "email": "j+smith@example.com",
                "email_verified": true,
                "name": "Jane Smith",
                "app_metadata": {},
                "user_metadata": {},
                "roles": ["admin"]
            })],
            roles: vec![RoleConfig {
                id: "rol_actsimAdmin0001".to_string(),
                name: "admin".to_string(),
                description: "Administrators".to_string(),
                permissions: Vec::new(),
            }],
            token_rate_limit: None,
            faults: Vec::new(),
            excess_scopes: ExcessScopes::Deny,
            public_url: None,
        }
    }
}

fn check_lifetime(what: &str, seconds: u64) -> Result<(), TenantError> {
    if seconds == 0 || seconds > MAX_TOKEN_LIFETIME_S {
        return Err(TenantError::InvalidLifetime {
            what: what.to_string(),
            seconds,
        });
    }
    Ok(())
}

/// Where in the tenant file `src` a validation error is: the quoted value it names (a duplicate's
/// second occurrence), the `index`-th `[[table]]` for a positional error, or the key concerned.
/// `None` when none of these is in the text (a tenant built in code).
pub fn validation_span(error: &TenantError, src: &str) -> Option<std::ops::Range<usize>> {
    match error {
        TenantError::EmptyDomain | TenantError::InvalidDomain(_) => key_span(src, "domain"),
        TenantError::EmptyClientId { index } => nth_table(src, "clients", *index),
        TenantError::EmptyApiIdentifier { index } => nth_table(src, "apis", *index),
        TenantError::InvalidUser { index } => {
            nth_table(src, "users", *index).or_else(|| key_span(src, "users"))
        }
        TenantError::InvalidRole { index } => nth_table(src, "roles", *index),
        TenantError::DuplicateClient(v)
        | TenantError::DuplicateApi(v)
        | TenantError::DuplicateUser(v)
        | TenantError::DuplicateRole(v) => quoted(src, v, 1).or_else(|| quoted(src, v, 0)),
        TenantError::UnknownGrantAudience { audience, .. } => quoted(src, audience, 0),
        TenantError::DuplicateGrant { audience, .. } => last_quoted(src, audience),
        TenantError::InvalidLifetime { seconds, .. } => {
            let needle = seconds.to_string();
            let mut from = 0;
            while let Some(at) = src[from..].find("token_lifetime_s").map(|i| from + i) {
                let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i);
                if let Some(i) = src[at..line_end].find(&needle) {
                    return Some(at + i..at + i + needle.len());
                }
                from = line_end;
            }
            key_span(src, "token_lifetime_s")
        }
        TenantError::InvalidUserRoles { user_id, .. } => quoted(src, user_id, 0),
        TenantError::InvalidQuota { client_id, .. } => {
            let after = quoted(src, client_id, 0).map_or(0, |r| r.end);
            src[after..]
                .find("quota")
                .map(|i| after + i..after + i + "quota".len())
        }
        TenantError::InvalidRateLimit(_) => key_span(src, "token_rate_limit"),
        TenantError::InvalidFault { fault, .. } => {
            match fault
                .strip_prefix("faults[")
                .and_then(|r| r.strip_suffix(']'))
            {
                Some(index) => nth_table(src, "faults", index.parse().ok()?),
                None => quoted(src, fault, 0),
            }
        }
        TenantError::Key(_) => None,
    }
}

/// The span of the `n`-th (0-based) occurrence of `value` in double or single quotes.
fn quoted(src: &str, value: &str, n: usize) -> Option<std::ops::Range<usize>> {
    let mut hits: Vec<usize> = ["\"", "'"]
        .iter()
        .flat_map(|q| {
            let needle = format!("{q}{value}{q}");
            src.match_indices(&needle)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        })
        .collect();
    hits.sort_unstable();
    hits.get(n).map(|&i| i..i + value.len() + 2)
}

/// The span of the last quoted occurrence of `value`.
fn last_quoted(src: &str, value: &str) -> Option<std::ops::Range<usize>> {
    (0..).map_while(|n| quoted(src, value, n)).last()
}

/// The span of the `n`-th `[[name]]` header.
fn nth_table(src: &str, name: &str, n: usize) -> Option<std::ops::Range<usize>> {
    let header = format!("[[{name}]]");
    src.match_indices(&header)
        .nth(n)
        .map(|(i, _)| i..i + header.len())
}

/// The span of `key` where it starts a line (`key =` or `[key]`).
fn key_span(src: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let rest = trimmed.strip_prefix('[').unwrap_or(trimmed);
        if let Some(after) = rest.strip_prefix(key) {
            if after.trim_start().starts_with('=') || after.starts_with(']') {
                let at = offset + indent + (trimmed.len() - rest.len());
                return Some(at..at + key.len());
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(src: &str) -> (String, usize, usize) {
        let e = TenantConfig::from_toml_str_validated(src).unwrap_err();
        let (line, col) = e
            .line_col(src)
            .unwrap_or_else(|| panic!("no position: {e}"));
        (e.message, line, col)
    }

    const BASE: &str =
        "domain = \"t.example\"\n\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"s\"\n";

    #[test]
    fn a_duplicate_client_points_at_its_second_occurrence() {
        let src = format!("{BASE}\n[[clients]]\nclient_id = \"a\"\nclient_secret = \"t\"\n");
        let (message, line, col) = error_at(&src);
        assert!(message.contains("duplicate client_id"), "{message}");
        assert_eq!((line, col), (8, 13));
    }

    #[test]
    fn a_bad_domain_lifetime_and_grant_are_located() {
        let (_, line, _) = error_at("domain = \"https://x/\"\nclients = []\n");
        assert_eq!(line, 1);
        let (message, line, col) = error_at(&format!("token_lifetime_s = 0\n{BASE}"));
        assert!(message.contains("lifetime"), "{message}");
        assert_eq!((line, col), (1, 20));
        let src = format!("{BASE}grants = [{{ audience = \"https://nope/\" }}]\n");
        let (message, line, _) = error_at(&src);
        assert!(message.contains("unknown audience"), "{message}");
        assert_eq!(line, 6);
    }

    #[test]
    fn rate_limits_and_quotas_are_range_checked() {
        let src = format!("{BASE}\n[token_rate_limit]\nper_second = 99999999999\n");
        let (message, line, _) = error_at(&src);
        assert!(message.contains("at most 1000000"), "{message}");
        assert_eq!(line, 7);
        let src = format!("{BASE}quota = {{ per_hour = 9223372036854775807 }}\n");
        let (message, _, _) = error_at(&src);
        assert!(message.contains("invalid quota"), "{message}");
    }
}
