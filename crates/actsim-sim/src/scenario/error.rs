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
