//! Keeping secrets out of everything actsim prints: every occurrence of a secret's value is
//! replaced by `[secret:NAME]`, in human output and in JSON alike.

use std::collections::BTreeMap;

use serde_json::Value;

/// Values shorter than this are not redacted: replacing every `1` or `a` would destroy the
/// output without protecting anything.
pub const MIN_REDACTED_LEN: usize = 4;

/// Replaces secret values with their names.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// (value, replacement), longest value first so that overlapping secrets redact fully.
    pairs: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor for `secrets`.
    pub fn new(secrets: &BTreeMap<String, String>) -> Redactor {
        let mut pairs: Vec<(String, String)> = secrets
            .iter()
            .filter(|(_, v)| v.chars().count() >= MIN_REDACTED_LEN)
            .map(|(k, v)| (v.clone(), format!("[secret:{k}]")))
            .collect();
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Redactor { pairs }
    }

    /// `text` with every secret value replaced.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (value, replacement) in &self.pairs {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), replacement);
            }
        }
        out
    }

    /// Redact every string (and object key) inside a JSON value.
    pub fn json(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.text(&k), self.json(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_values_everywhere_but_not_tiny_ones() {
        let secrets = BTreeMap::from([
            ("clientSecret".to_string(), "s3cr3t-value".to_string()),
            ("flag".to_string(), "on".to_string()),
        ]);
        let r = Redactor::new(&secrets);
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
}
