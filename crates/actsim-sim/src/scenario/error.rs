//! Errors in scenario files: the file, the byte span, the message and a hint, so that the CLI
//! can show file:line:column with the source.

use std::ops::Range;
use std::path::PathBuf;

/// A problem with a scenario file or a file it refers to.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.headline())]
pub struct ScenarioError {
    /// The file with the problem.
    pub file: PathBuf,
    /// Its text (for rendering the span), empty when it could not be read.
    pub source_text: String,
    /// What is wrong.
    pub message: String,
    /// Where, as a byte range in `source_text`.
    pub span: Option<Range<usize>>,
    /// How to fix it.
    pub help: Option<String>,
}

impl ScenarioError {
    /// A new error.
    pub fn new(
        file: &std::path::Path,
        source_text: &str,
        message: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Self {
        ScenarioError {
            file: file.to_path_buf(),
            source_text: source_text.to_string(),
            message: message.into(),
            span,
            help: None,
        }
    }

    /// The same error with a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column of the span's start.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let start = self.span.as_ref()?.start.min(self.source_text.len());
        let before = &self.source_text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        Some((line, col))
    }

    /// `file:line:column: message`.
    pub fn headline(&self) -> String {
        match self.line_col() {
            Some((l, c)) => format!("{}:{l}:{c}: {}", self.file.display(), self.message),
            None => format!("{}: {}", self.file.display(), self.message),
        }
    }
}

/// Scenario text with the values of inline secrets (`secrets = { … }`, `secrets.NAME = …`, and
/// the keys of an `[actions.secrets]` table) replaced by `*` byte for byte, for error messages:
/// an error on a neighbouring line must not print a secret.
pub(crate) fn mask_inline_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_secrets_table = false;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let ending = &raw[line.len()..];
        let t = line.trim_start();
        if t.starts_with('[') {
            let header = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            in_secrets_table = header == "secrets" || header.ends_with(".secrets");
            out.push_str(raw);
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        let secret_line = (in_secrets_table && t.contains('='))
            || key == "secrets"
            || key.starts_with("secrets.");
        match line.find('=').filter(|_| secret_line) {
            Some(eq) => {
                out.push_str(&line[..=eq]);
                out.push_str(&mask_quoted(&line[eq + 1..]));
                out.push_str(ending);
            }
            None => out.push_str(raw),
        }
    }
    out
}

/// `text` with the contents of its quoted strings replaced by `*`, byte for byte.
fn mask_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
            Some(q) if c == q && !escaped => {
                quote = None;
                out.push(c);
            }
            Some(q) => {
                escaped = q == '"' && c == '\\' && !escaped;
                out.extend(std::iter::repeat_n('*', c.len_utf8()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_secret_values_are_masked_and_spans_kept() {
        let text = "name = \"x\"\n[[actions]]\nsecrets = { clientSecret = \"hunter2\\\"é\" }\nsecrets.b = 'topsecret'\n[actions.secrets]\nc = \"pw-value\"\n[traffic]\nrate = \"2/min\"\n";
        let masked = mask_inline_secrets(text);
        assert_eq!(masked.len(), text.len());
        for value in ["hunter2", "topsecret", "pw-value"] {
            assert!(!masked.contains(value), "{masked}");
        }
        assert!(masked.contains("clientSecret = \"") && masked.contains("rate = \"2/min\""));
    }
}
