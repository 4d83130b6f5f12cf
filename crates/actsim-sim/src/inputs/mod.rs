//! Files users write besides scenarios: secrets (`.env` or JSON, checked against production's
//! limits) and event fixtures (merged over the realistic defaults in `fixtures/events/`).
//! Errors carry the file, a byte span and a hint; the CLI renders them.

pub mod event;
pub mod files;
pub mod secrets;

use std::ops::Range;

/// A problem at a position in a user's file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    /// The file's name as given.
    pub path: String,
    /// Its text.
    pub source_text: std::sync::Arc<str>,
    /// What is wrong.
    pub message: String,
    /// Where (bytes).
    pub span: Range<usize>,
    /// A short label for the span.
    pub label: &'static str,
    /// How to fix it.
    pub help: Option<String>,
}

impl InputError {
    /// An error at `span` of `path`'s `source`.
    pub fn at(
        path: &str,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        label: &'static str,
        help: Option<String>,
    ) -> InputError {
        let start = span.start.min(source.len());
        let end = span.end.clamp(start, source.len());
        InputError {
            path: path.to_string(),
            source_text: source.into(),
            message: message.into(),
            span: start..end,
            label,
            help,
        }
    }
}

/// The byte offset of 1-based `line` and `column` in `source` (as serde_json reports them).
pub fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(source.len());
        }
        offset += l.len();
    }
    source.len()
}

/// A JSON syntax error as an error in `path`.
pub(crate) fn json_error(
    path: &str,
    source: &str,
    e: &serde_json::Error,
    what: &str,
) -> InputError {
    let at = offset_of(source, e.line(), e.column());
    InputError::at(
        path,
        source,
        at..at + 1,
        format!("{path} is not valid JSON: {e}"),
        "here",
        Some(format!("{what} must be a JSON object")),
    )
}
