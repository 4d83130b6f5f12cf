//! Keeping secrets out of everything actsim prints. Every form a secret's value can take in
//! output is replaced by `[secret:NAME]`, in human output and in JSON alike:
//! - the raw value, and each line of a multi-line value (output indents or prefixes lines);
//! - JSON-escaped once, twice or three times (`JSON.stringify(event)`, `%j`, a trace line of a
//!   console line that logged JSON), and escaped as `util.inspect` quotes strings;
//! - URL-encoded (`encodeURIComponent`, form encoding) and as URL parsing normalises it in a
//!   `fetch` URL (backslashes to slashes, the WHATWG percent-encode sets, a lower-cased host);
//! - cut by truncation: a piece of a secret of at least [`MIN_CUT_LEN`] characters that ends at a
//!   `…` (or starts right after one) is replaced too, so a shortened key or URL leaks nothing.
//!
//! A secret can be declared public (the tenant's domain, say: see
//! [`crate::inputs::secrets`]); it is then shown as is. In metric names a secret's value is
//! replaced by the secret's bare name ([`Redactor::metric_name`]), so that metrics stay usable
//! in expectations.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Values shorter than this are not redacted: replacing every `1` or `a` would destroy the
/// output without protecting anything.
pub const MIN_REDACTED_LEN: usize = 4;

/// The shortest piece of a secret, cut by a `…`, that is still redacted.
pub const MIN_CUT_LEN: usize = 4;

/// How many times a value is JSON-escaped at most in the forms looked for.
const MAX_JSON_DEPTH: usize = 3;

/// One secret: its name, value and the forms of the value looked for.
#[derive(Clone, Debug)]
struct Secret {
    name: String,
    value: String,
    forms: Vec<String>,
}

/// Replaces secret values with their names.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// (form, replacement), longest form first so that overlapping secrets redact fully.
    pairs: Vec<(String, String)>,
    /// The secrets, for cut pieces and metric names.
    secrets: Vec<Secret>,
}

impl Redactor {
    /// A redactor for `secrets`.
    pub fn new(secrets: &BTreeMap<String, String>) -> Redactor {
        Redactor::with_public(secrets, &BTreeSet::new())
    }

    /// A redactor for `secrets`, except those named in `public`.
    pub fn with_public(secrets: &BTreeMap<String, String>, public: &BTreeSet<String>) -> Redactor {
        Redactor::from_entries(
            secrets
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), public.contains(k))),
        )
    }

    /// A redactor for `(name, value, public)` entries; a name may come more than once (two
    /// actions using one name for different values), and public entries are not redacted.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
    ) -> Redactor {
        let secrets: Vec<Secret> = entries
            .into_iter()
            .filter(|(_, v, public)| !public && v.chars().count() >= MIN_REDACTED_LEN)
            .map(|(k, v, _)| Secret {
                name: k.to_string(),
                value: v.to_string(),
                forms: forms(v),
            })
            .collect();
        let mut pairs: Vec<(String, String)> = Vec::new();
        for s in &secrets {
            let replacement = format!("[secret:{}]", s.name);
            for form in s.forms.iter().cloned() {
                if form.chars().count() >= MIN_REDACTED_LEN
                    && !pairs.iter().any(|(f, _)| *f == form)
                {
                    pairs.push((form, replacement.clone()));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Redactor { pairs, secrets }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `text` with every form of every secret replaced by `[secret:NAME]`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (form, replacement) in &self.pairs {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), replacement);
            }
        }
        if out.contains('…') {
            out = self.cut_pieces(&out);
        }
        out
    }

    /// A metric name with every secret value replaced by the secret's bare name.
    pub fn metric_name(&self, name: &str) -> String {
        let mut out = name.to_string();
        let mut secrets: Vec<&Secret> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.value.len()));
        for s in secrets {
            for form in [s.value.clone(), s.value.to_lowercase()] {
                if out.contains(&form) {
                    out = out.replace(&form, &s.name);
                }
            }
        }
        out
    }

    /// Redact every string (and object key) inside a JSON value; the keys of an object under
    /// `"metrics"` are metric names ([`Redactor::metric_name`]).
    pub fn json(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Object(metrics) if k == "metrics" => Value::Object(
                                metrics
                                    .into_iter()
                                    .map(|(m, x)| (self.metric_name(&m), self.json(x)))
                                    .collect(),
                            ),
                            other => self.json(other),
                        };
                        (self.text(&k), v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// Replace pieces of secrets cut at a `…`: the longest prefix of a secret's form that ends
    /// right before a `…`, and the longest suffix that starts right after one.
    fn cut_pieces(&self, text: &str) -> String {
        let mut parts: Vec<String> = text.split('…').map(str::to_string).collect();
        for k in 0..parts.len().saturating_sub(1) {
            let mut best_before: Option<(usize, &str)> = None;
            let mut best_after: Option<(usize, &str)> = None;
            for s in &self.secrets {
                for form in &s.forms {
                    if let Some(n) = longest_cut_prefix(&parts[k], form) {
                        if best_before.is_none_or(|(m, _)| n > m) {
                            best_before = Some((n, &s.name));
                        }
                    }
                    if let Some(n) = longest_cut_suffix(&parts[k + 1], form) {
                        if best_after.is_none_or(|(m, _)| n > m) {
                            best_after = Some((n, &s.name));
                        }
                    }
                }
            }
            if let Some((n, name)) = best_before {
                let keep = parts[k].len() - n;
                parts[k] = format!("{}[secret:{name}]", &parts[k][..keep]);
            }
            if let Some((n, name)) = best_after {
                parts[k + 1] = format!("[secret:{name}]{}", &parts[k + 1][n..]);
            }
        }
        parts.join("…")
    }
}

/// The byte length of the longest proper prefix of `form` (at least [`MIN_CUT_LEN`] characters)
/// that `text` ends with.
fn longest_cut_prefix(text: &str, form: &str) -> Option<usize> {
    form.char_indices()
        .map(|(i, _)| i)
        .skip(MIN_CUT_LEN)
        .filter(|&i| text.ends_with(&form[..i]))
        .max()
}

/// The byte length of the longest proper suffix of `form` (at least [`MIN_CUT_LEN`] characters)
/// that `text` starts with.
fn longest_cut_suffix(text: &str, form: &str) -> Option<usize> {
    let total = form.chars().count();
    form.char_indices()
        .skip(1)
        .take(total.saturating_sub(MIN_CUT_LEN))
        .map(|(i, _)| &form[i..])
        .filter(|suffix| text.starts_with(suffix))
        .map(str::len)
        .max()
}

/// Every form of `value` looked for in output: raw, its lines, escaped, encoded, normalised.
fn forms(value: &str) -> Vec<String> {
    let mut bases = vec![value.to_string()];
    if value.contains(['\n', '\r']) {
        bases.extend(
            value
                .split(['\n', '\r'])
                .map(str::trim)
                .filter(|l| l.chars().count() >= MIN_REDACTED_LEN)
                .map(str::to_string),
        );
    }
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for base in &bases {
        let mut escaped = base.clone();
        add(base.clone());
        for _ in 0..MAX_JSON_DEPTH {
            escaped = json_escape(&escaped);
            add(escaped.clone());
        }
        add(inspect_escape(base));
        add(percent_encode(base, |c| !is_component_safe(c), false));
        add(percent_encode(base, |c| !is_form_safe(c), true));
        let slashed = base.replace('\\', "/");
        add(percent_encode(&slashed, is_path_encoded, false));
        add(percent_encode(base, is_query_encoded, false));
        add(percent_encode(base, is_userinfo_encoded, false));
        let lower = base.to_lowercase();
        if lower != *base {
            add(lower);
        }
    }
    out
}

/// `value` as it appears inside a JSON string literal.
fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

/// `value` as Node's `util.inspect` shows it inside single quotes.
fn inspect_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `value` with the characters `encode` selects percent-encoded (UTF-8, upper-case hex); spaces
/// become `+` when `plus_for_space`.
fn percent_encode(value: &str, encode: impl Fn(char) -> bool, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if plus_for_space && c == ' ' {
            out.push('+');
        } else if encode(c) || !c.is_ascii() {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Left alone by `encodeURIComponent`.
fn is_component_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c)
}

/// Left alone by `application/x-www-form-urlencoded` (URLSearchParams).
fn is_form_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "*-._".contains(c)
}

/// The WHATWG path percent-encode set.
fn is_path_encoded(c: char) -> bool {
    c.is_ascii_control() || " \"#<>?`{}".contains(c)
}

/// The WHATWG special-query percent-encode set.
fn is_query_encoded(c: char) -> bool {
    c.is_ascii_control() || " \"#<>'".contains(c)
}

/// The WHATWG userinfo percent-encode set.
fn is_userinfo_encoded(c: char) -> bool {
    is_path_encoded(c) || "/:;=@[\\]^|".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(pairs: &[(&str, &str)]) -> Redactor {
        Redactor::new(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn replaces_values_everywhere_but_not_tiny_ones() {
        let r = redactor(&[("clientSecret", "s3cr3t-value"), ("flag", "on")]);
        assert_eq!(
            r.text("body: client_secret=s3cr3t-value&x=on"),
            "body: client_secret=[secret:clientSecret]&x=on"
        );
        let v = r.json(serde_json::json!({"a": ["s3cr3t-value"], "s3cr3t-value": 1}));
        assert_eq!(
            v,
            serde_json::json!({"a": ["[secret:clientSecret]"], "[secret:clientSecret]": 1})
        );
    }

    #[test]
    fn escaped_forms_at_any_depth_are_replaced() {
        let secret = "a\"b\\c\nd-secret";
        let r = redactor(&[("s", secret)]);
        let once = serde_json::to_string(secret).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        let thrice = serde_json::to_string(&twice).unwrap();
        for text in [&once, &twice, &thrice] {
            assert_eq!(r.text(text).matches("[secret:s]").count(), 1, "{text}");
            assert!(!r.text(text).contains("d-secret"), "{text}");
        }
        let inspected = "{ s: 'a\"b\\\\c\\nd-secret' }";
        assert!(
            !r.text(inspected).contains("d-secret"),
            "{}",
            r.text(inspected)
        );
    }

    #[test]
    fn url_encoded_and_normalised_forms_are_replaced() {
        let r = redactor(&[("k", "p@ss w/rd\\x+y")]);
        for text in [
            "https://h/?k=p%40ss%20w%2Frd%5Cx%2By",
            "client_secret=p%40ss+w%2Frd%5Cx%2By",
            "https://h/p@ss%20w/rd/x+y",
        ] {
            assert!(
                r.text(text).contains("[secret:k]"),
                "{text} -> {}",
                r.text(text)
            );
            assert!(!r.text(text).contains("rd"), "{text} -> {}", r.text(text));
        }
        let host = redactor(&[("domain", "Tenant.Example.COM")]);
        assert_eq!(
            host.text("https://tenant.example.com/x"),
            "https://[secret:domain]/x"
        );
    }

    #[test]
    fn each_line_of_a_multi_line_secret_is_replaced() {
        let pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----";
        let r = redactor(&[("key", pem)]);
        let shown = "  │ -----BEGIN KEY-----\n  │ MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n";
        let out = r.text(shown);
        assert!(!out.contains("MIIBOg"), "{out}");
        assert!(!out.contains("BEGIN KEY"), "{out}");
    }

    #[test]
    fn pieces_cut_at_an_ellipsis_are_replaced() {
        let r = redactor(&[("clientID", "0123456789abcdefghijklmnopqrstuv")]);
        assert_eq!(
            r.text("access_token_0123456789abcdefghijklmnopq… (72 bytes)"),
            "access_token_[secret:clientID]… (72 bytes)"
        );
        assert_eq!(r.text("…lmnopqrstuv tail"), "…[secret:clientID] tail");
        // A short piece is left alone, and so is an ellipsis with no secret around it.
        assert_eq!(r.text("x 012… y…z"), "x 012… y…z");
    }

    #[test]
    fn public_secrets_are_shown_and_metric_names_use_the_name() {
        let secrets = BTreeMap::from([
            ("domain".to_string(), "tenant.example.com".to_string()),
            ("clientSecret".to_string(), "s3cr3t-value".to_string()),
        ]);
        let public = BTreeSet::from(["domain".to_string()]);
        let r = Redactor::with_public(&secrets, &public);
        assert_eq!(
            r.text("tenant.example.com s3cr3t-value"),
            "tenant.example.com [secret:clientSecret]"
        );
        let all = Redactor::new(&secrets);
        assert_eq!(
            all.metric_name("http.tenant.example.com.200"),
            "http.domain.200"
        );
        let doc = all.json(serde_json::json!({"metrics": {"http.tenant.example.com.200": 3}}));
        assert_eq!(doc, serde_json::json!({"metrics": {"http.domain.200": 3}}));
    }
}
