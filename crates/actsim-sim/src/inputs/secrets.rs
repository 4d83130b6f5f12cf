//! Reading an action's secrets from a `.env`-style or JSON file and checking them against
//! production's limits (30 secrets, names ≤ 128 characters, values ≤ 4096 characters).

use std::collections::BTreeMap;

use super::{json_error, InputError};

/// Production's limit on secrets per action.
pub const MAX_SECRETS: usize = 30;
/// Production's limit on a secret's name, in characters.
pub const MAX_NAME_CHARS: usize = 128;
/// Production's limit on a secret's value, in characters.
pub const MAX_VALUE_CHARS: usize = 4096;

/// Secrets by name, in name order.
pub type Secrets = BTreeMap<String, String>;

/// Parse `source` (the content of `path`): JSON when the file is `.json` or starts with `{`,
/// otherwise `.env` lines `NAME=value` (with `#` comments, optional `export`, optional quotes).
pub fn parse_secrets(path: &str, source: &str) -> Result<Secrets, InputError> {
    let is_json = path.ends_with(".json") || source.trim_start().starts_with('{');
    let entries = if is_json {
        parse_json(path, source)?
    } else {
        parse_env(path, source)?
    };
    check_limits(path, source, entries)
}

/// A secret and where its name is in the file.
struct Entry {
    name: String,
    value: String,
    span: std::ops::Range<usize>,
}

fn parse_env(path: &str, source: &str) -> Result<Vec<Entry>, InputError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    for raw in source.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let body_start = line_start + indent + (trimmed.len() - body.len());
        let Some(eq) = body.find('=') else {
            return Err(InputError::at(
                path,
                source,
                body_start..body_start + body.len(),
                format!("{path}: expected NAME=value"),
                "no '=' on this line",
                Some("write one secret per line, e.g. clientSecret=abc123; lines starting with # are comments".into()),
            ));
        };
        let name = body[..eq].trim().to_string();
        let mut value = body[eq + 1..].trim().to_string();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = value[1..value.len() - 1].to_string();
        }
        let span = body_start..body_start + eq;
        if name.is_empty() {
            return Err(InputError::at(
                path,
                source,
                span,
                format!("{path}: a secret needs a name"),
                "empty name",
                None,
            ));
        }
        entries.push(Entry { name, value, span });
    }
    Ok(entries)
}

fn parse_json(path: &str, source: &str) -> Result<Vec<Entry>, InputError> {
    let value: serde_json::Value =
        serde_json::from_str(source).map_err(|e| json_error(path, source, &e, "a secrets file"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(InputError::at(
            path,
            source,
            0..0,
            format!("{path}: the secrets file must be a JSON object of names to strings"),
            "not an object",
            Some(
                r#"e.g. {"domain": "tenant.actsim.test", "clientID": "…", "clientSecret": "…"}"#
                    .into(),
            ),
        ));
    };
    let mut entries = Vec::new();
    for (name, v) in map {
        let span = find_key(source, &name);
        let serde_json::Value::String(value) = v else {
            return Err(InputError::at(
                path,
                source,
                span,
                format!("{path}: secret '{name}' must be a string"),
                "not a string",
                Some("production stores every secret as a string; quote the value".into()),
            ));
        };
        entries.push(Entry { name, value, span });
    }
    Ok(entries)
}

fn find_key(source: &str, name: &str) -> std::ops::Range<usize> {
    let quoted = format!("\"{name}\"");
    match source.find(&quoted) {
        Some(i) => i..i + quoted.len(),
        None => 0..0,
    }
}

fn check_limits(path: &str, source: &str, entries: Vec<Entry>) -> Result<Secrets, InputError> {
    if entries.len() > MAX_SECRETS {
        let span = entries[MAX_SECRETS].span.clone();
        return Err(InputError::at(
            path,
            source,
            span,
            format!(
                "{path}: {} secrets; production allows at most {MAX_SECRETS} per action",
                entries.len()
            ),
            "secret 31",
            Some("move shared values into an Actions Module's secrets or combine them".into()),
        ));
    }
    let mut secrets = Secrets::new();
    for e in entries {
        if e.name.chars().count() > MAX_NAME_CHARS {
            return Err(InputError::at(
                path,
                source,
                e.span,
                format!("{path}: secret name is longer than {MAX_NAME_CHARS} characters"),
                "too long",
                None,
            ));
        }
        if e.value.chars().count() > MAX_VALUE_CHARS {
            return Err(InputError::at(
                path,
                source,
                e.span,
                format!(
                    "{path}: secret '{}' has {} characters; production allows at most {MAX_VALUE_CHARS}",
                    e.name,
                    e.value.chars().count()
                ),
                "value too long",
                None,
            ));
        }
        if secrets.contains_key(&e.name) {
            return Err(InputError::at(
                path,
                source,
                e.span,
                format!("{path}: secret '{}' is defined twice", e.name),
                "again here",
                None,
            ));
        }
        secrets.insert(e.name, e.value);
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_comments_quotes_and_export() {
        let s = parse_secrets("s.env", "# local tenant\ndomain=tenant.actsim.test\nexport clientID=\"abc\"\n\nclientSecret='x=y'\n").unwrap();
        assert_eq!(s["domain"], "tenant.actsim.test");
        assert_eq!(s["clientID"], "abc");
        assert_eq!(s["clientSecret"], "x=y");
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn json_objects_of_strings() {
        let s = parse_secrets("s.json", r#"{"a": "1", "b": "2"}"#).unwrap();
        assert_eq!(s.len(), 2);
        let e = parse_secrets("s.json", r#"{"a": 1}"#).unwrap_err();
        assert!(e.to_string().contains("'a' must be a string"));
    }

    #[test]
    fn limits_are_enforced_with_positions() {
        let many: String = (0..31).map(|i| format!("S{i}=v\n")).collect();
        assert!(parse_secrets("s.env", &many)
            .unwrap_err()
            .to_string()
            .contains("at most 30"));
        let long_value = format!("K={}\n", "x".repeat(4097));
        assert!(parse_secrets("s.env", &long_value)
            .unwrap_err()
            .to_string()
            .contains("at most 4096"));
        let long_name = format!("{}=v\n", "N".repeat(129));
        assert!(parse_secrets("s.env", &long_name)
            .unwrap_err()
            .to_string()
            .contains("128"));
        let missing_eq = parse_secrets("s.env", "ok=1\nbroken line\n").unwrap_err();
        assert_eq!(missing_eq.span.start, 5);
        assert!(parse_secrets("s.env", "a=1\na=2\n")
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }
}
