//! HTTP mocks outside a scenario: a `--mocks` file (`[[mocks]]` tables and optional `expect`
//! lines, or a whole scenario file whose mocks and expectations are taken) and the one-line
//! form of the command line (`[METHOD] URL [STATUS] [JSON body]`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::compile::{compile_expectations, compile_mock, MockResponse, MockSpec};
use super::error::ScenarioError;
use super::raw::RawMock;
use crate::expect::Expectation;

/// What a `--mocks` file declares.
#[derive(Debug, Clone)]
pub struct MocksFile {
    /// The mocks, in order (the first that matches answers).
    pub mocks: Vec<MockSpec>,
    /// Its `expect` lines with their spans.
    pub expectations: Vec<(Expectation, Range<usize>)>,
}

/// The parts of a file `--mocks` reads; other fields (a scenario's) are ignored.
#[derive(Debug, Deserialize)]
struct RawMocksFile {
    #[serde(default)]
    mocks: Vec<RawMock>,
    #[serde(default)]
    expect: Vec<Spanned<String>>,
}

/// Read the mocks (and expectations) of `text`, read from `path`.
pub fn parse_mocks(path: &Path, text: &str) -> Result<MocksFile, ScenarioError> {
    let raw: RawMocksFile = toml::from_str(text).map_err(|e| {
        ScenarioError::new(path, text, e.message().to_string(), e.span())
            .with_help("a mocks file holds [[mocks]] tables as in a scenario (docs/scenario.md, \"HTTP mocks\")")
    })?;
    if raw.mocks.is_empty() {
        return Err(ScenarioError::new(path, text, "declares no [[mocks]]", None)
            .with_help("write e.g.\n[[mocks]]\nhost = \"crm.example.com\"\npath = \"/v1/users/*\"\njson = { tier = \"gold\" }"));
    }
    let mocks = raw
        .mocks
        .iter()
        .map(|m| compile_mock(path, text, m))
        .collect::<Result<Vec<_>, _>>()?;
    let expectations = compile_expectations(path, text, &raw.expect)?;
    Ok(MocksFile {
        mocks,
        expectations,
    })
}

/// Parse the one-line form `[METHOD] URL [STATUS] [BODY]`: e.g.
/// `GET https://crm.example.com/v1/users/* 200 {"tier":"gold"}`. The method defaults to any,
/// the status to 200 and the body to `{}`; a path ending in `*` matches a prefix and query
/// parameters in the URL must be present.
pub fn parse_mock_line(line: &str) -> Result<MockSpec, String> {
    let help = "expected [METHOD] URL [STATUS] [JSON body], e.g. 'GET https://crm.example.com/v1/users/* 200 {\"tier\":\"gold\"}'";
    let mut rest = line.trim();
    let mut word = || -> Option<&str> {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (w, r) = rest.split_at(end);
        rest = r.trim_start();
        Some(w)
    };
    let first = word().ok_or_else(|| format!("'{line}' is empty: {help}"))?;
    let (method, url) = if first.contains("://") {
        (None, first)
    } else {
        if !first.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!("'{first}' is neither a method nor a URL: {help}"));
        }
        let url = word().ok_or_else(|| format!("'{line}' has no URL: {help}"))?;
        (Some(first.to_ascii_uppercase()), url)
    };
    let (host, path_and_query) = crate::network::split_url(url)
        .ok_or_else(|| format!("'{url}' is not an absolute http(s) URL: {help}"))?;
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query.as_str(), ""));
    let query: BTreeMap<String, String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let mut status = 200;
    let mut body = String::from("{}");
    let after_url = rest.to_string();
    if !after_url.is_empty() {
        let (head, tail) = after_url
            .split_once(char::is_whitespace)
            .unwrap_or((after_url.as_str(), ""));
        let (status_text, body_text) = match head.parse::<u16>() {
            Ok(_) => (Some(head), tail.trim()),
            Err(_) => (None, after_url.trim()),
        };
        if let Some(s) = status_text {
            status = s
                .parse::<u16>()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| format!("status '{s}' is not between 100 and 599"))?;
        }
        if !body_text.is_empty() {
            serde_json::from_str::<serde_json::Value>(body_text)
                .map_err(|e| format!("the body '{body_text}' is not JSON ({e}): {help}"))?;
            body = body_text.to_string();
        }
    }
    Ok(MockSpec {
        name: None,
        token_endpoint: false,
        host,
        method,
        path: Some(path.to_string()),
        query,
        headers: BTreeMap::new(),
        body_contains: None,
        responses: vec![MockResponse { status, body }],
        response_headers: Vec::new(),
        latency: None,
        fail_first: 0,
        fail_status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_mocks_parse() {
        let m = parse_mock_line(r#"GET https://crm.example.com/v1/users/* 403 {"error":"no"}"#)
            .unwrap();
        assert_eq!(m.method.as_deref(), Some("GET"));
        assert_eq!(m.host, "crm.example.com");
        assert_eq!(m.path.as_deref(), Some("/v1/users/*"));
        assert_eq!(m.responses[0].status, 403);
        assert_eq!(m.responses[0].body, r#"{"error":"no"}"#);
        let m = parse_mock_line("https://x.example/a?b=1").unwrap();
        assert_eq!(m.method, None);
        assert_eq!(m.query.get("b").map(String::as_str), Some("1"));
        assert_eq!(
            m.responses[0],
            MockResponse {
                status: 200,
                body: "{}".into()
            }
        );
        let m = parse_mock_line(r#"POST https://x.example/t {"a": 1}"#).unwrap();
        assert_eq!(m.responses[0].status, 200);
        assert!(parse_mock_line("GET").is_err());
        assert!(parse_mock_line("GET https://x.example/ 200 {not json").is_err());
        assert!(parse_mock_line("GET https://x.example/ 999").is_err());
        assert!(parse_mock_line("G/T https://x.example/").is_err());
    }
}
