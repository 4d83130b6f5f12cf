//! Reading an action's secrets from a `.env`-style or JSON file and checking them against
//! production's limits (30 secrets, names ≤ 128 characters, values ≤ 4096 characters).
//!
//! Every secret is redacted from actsim's output unless the file marks it public: in a `.env`
//! file, a comment line `# actsim: public` before it; in a JSON file, its name listed in a
//! top-level `"$public"` array (which is not itself a secret). Errors about a secrets file show
//! its text with every value masked, so that a problem on one line never prints the values
//! around it.

use std::collections::{BTreeMap, BTreeSet};

use super::{json_error, InputError};

/// Production's limit on secrets per action.
pub const MAX_SECRETS: usize = 30;
/// Production's limit on a secret's name, in characters.
pub const MAX_NAME_CHARS: usize = 128;
/// Production's limit on a secret's value, in characters.
pub const MAX_VALUE_CHARS: usize = 4096;

/// Secrets by name, in name order.
pub type Secrets = BTreeMap<String, String>;

/// The secrets of a file and the names it marks public.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedSecrets {
    /// Every secret, public or not (the action sees them all).
    pub secrets: Secrets,
    /// The names marked public: shown in output as they are.
    pub public: BTreeSet<String>,
}

/// The marker comment that makes the next `.env` secret public.
pub const PUBLIC_MARKER: &str = "actsim: public";

/// The top-level JSON key listing public secrets.
pub const PUBLIC_KEY: &str = "$public";

/// Parse `source` (the content of `path`): JSON when the file is `.json` or starts with `{`,
/// otherwise `.env` lines `NAME=value` (with `#` comments, optional `export`, optional quotes).
pub fn parse_secrets(path: &str, source: &str) -> Result<Secrets, InputError> {
    parse_secrets_marked(path, source).map(|p| p.secrets)
}

/// [`parse_secrets`], with the names the file marks public.
pub fn parse_secrets_marked(path: &str, source: &str) -> Result<ParsedSecrets, InputError> {
    let is_json = path.ends_with(".json") || source.trim_start().starts_with('{');
    let parsed = if is_json {
        parse_json(path, source)
    } else {
        parse_env(path, source)
    };
    let result = parsed.and_then(|entries| {
        let public: BTreeSet<String> = entries
            .iter()
            .filter(|e| e.public)
            .map(|e| e.name.clone())
            .collect();
        check_limits(path, source, entries).map(|secrets| ParsedSecrets { secrets, public })
    });
    result.map_err(|mut e| {
        e.source_text = mask_values(source, is_json).into();
        e
    })
}

/// `source` with every value (and every line that is not `NAME=value` or a comment) replaced by
/// `*`, byte for byte, so that spans into it stay valid.
pub fn mask_values(source: &str, is_json: bool) -> String {
    if is_json {
        return mask_json_values(source);
    }
    let mut out = String::with_capacity(source.len());
    for raw in source.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let ending = &raw[line.len()..];
        let trimmed = line.trim_start();
        let keep = if trimmed.is_empty() || trimmed.starts_with('#') {
            line.len()
        } else {
            line.find('=')
                .map_or(line.len() - trimmed.len(), |eq| eq + 1)
        };
        out.push_str(&line[..keep]);
        out.extend(std::iter::repeat_n('*', line.len() - keep));
        out.push_str(ending);
    }
    out
}

/// JSON text with the contents of every string that is not an object key replaced by `*`.
fn mask_json_values(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(bytes.len());
        let rest = source.get(end + 1..).unwrap_or("");
        if !rest.trim_start().starts_with(':') {
            for b in &mut out[start..end] {
                *b = b'*';
            }
        }
        i = end + 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| "*".repeat(source.len()))
}

/// A secret, where its name is in the file, and whether it is marked public.
struct Entry {
    name: String,
    value: String,
    span: std::ops::Range<usize>,
    public: bool,
}

fn parse_env(path: &str, source: &str) -> Result<Vec<Entry>, InputError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    let mut next_public = false;
    for raw in source.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if comment.trim().eq_ignore_ascii_case(PUBLIC_MARKER) {
                next_public = true;
            }
            continue;
        }
        if trimmed.is_empty() {
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
        entries.push(Entry {
            name,
            value,
            span,
            public: std::mem::take(&mut next_public),
        });
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
    let mut map = map;
    let public: Vec<String> = match map.remove(PUBLIC_KEY) {
        None => Vec::new(),
        Some(serde_json::Value::Array(names)) if names.iter().all(|n| n.is_string()) => names
            .into_iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            return Err(InputError::at(
                path,
                source,
                find_key(source, PUBLIC_KEY),
                format!("{path}: \"{PUBLIC_KEY}\" must be an array of secret names"),
                "not an array of names",
                Some(r#"e.g. "$public": ["domain"]"#.into()),
            ))
        }
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
        let public = public.contains(&name);
        entries.push(Entry {
            name,
            value,
            span,
            public,
        });
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
    fn public_markers_in_env_and_json() {
        let p = parse_secrets_marked(
            "s.env",
            "# actsim: public\ndomain=tenant.actsim.test\nclientSecret=abcd\n",
        )
        .unwrap();
        assert_eq!(p.public, BTreeSet::from(["domain".to_string()]));
        assert_eq!(p.secrets.len(), 2);
        let p =
            parse_secrets_marked("s.json", r#"{"$public": ["a"], "a": "1", "b": "2"}"#).unwrap();
        assert_eq!(p.public, BTreeSet::from(["a".to_string()]));
        assert_eq!(p.secrets.len(), 2);
        assert!(parse_secrets("s.json", r#"{"$public": "a"}"#).is_err());
    }

    #[test]
    fn errors_show_the_file_with_values_masked() {
        let src = "clientSecret=hunter2-very-secret\nMIIBOgIBAAJBAKj34GkxFhD90\n";
        let e = parse_secrets("s.env", src).unwrap_err();
        assert!(!e.source_text.contains("hunter2"), "{}", e.source_text);
        assert!(!e.source_text.contains("MIIB"), "{}", e.source_text);
        assert_eq!(e.source_text.len(), src.len());
        let src = r#"{"clientSecret": "hunter2-\"x", "n": 1}"#;
        let e = parse_secrets("s.json", src).unwrap_err();
        assert!(!e.source_text.contains("hunter2"), "{}", e.source_text);
        assert!(e.source_text.contains("clientSecret"), "{}", e.source_text);
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
