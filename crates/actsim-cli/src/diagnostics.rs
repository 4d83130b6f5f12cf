//! The CLI's error type: every problem with a user's file names the file, points at the line and
//! column when it can (rendered by miette with the source), and says how to fix it.

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// An error in what the user gave us (files, flags), or a run that could not be carried out.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum CliError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    #[diagnostic(
        code(actsim::read),
        help("check the path; paths are relative to the current directory")
    )]
    Read {
        /// The path as given.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A problem at a position in a user's file.
    #[error(transparent)]
    #[diagnostic(transparent)]
    InFile(Box<FileProblem>),
    /// A problem that has no position.
    #[error("{message}")]
    #[diagnostic(code(actsim::usage))]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

/// A problem at a position in a user's file, rendered with the source around it.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(actsim::input))]
pub struct FileProblem {
    /// What is wrong.
    pub message: String,
    /// The file, or a window of its long line.
    #[source_code]
    pub src: Snippet,
    /// Where.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The label at the span.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl CliError {
    /// An error at byte `span` of `path`'s `source`. On a line longer than [`LONG_LINE`] bytes (a
    /// minified file) the source shown is a window of that line around the span, and the
    /// message gives the line and column: the diagnostic stays readable at any column.
    pub fn in_file(
        path: &str,
        source: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> CliError {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.min(source.len())).max(start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let mut message = message.into();
        let mut line_offset = 0;
        let mut column_offset = 0;
        let (shown, span) = if line_end - line_start > LONG_LINE {
            let line = source[..start].matches('\n').count() + 1;
            let column = source[line_start..start].chars().count() + 1;
            if !message.contains(&column.to_string()) {
                message = format!("{message} (line {line}, column {column})");
            }
            line_offset = line - 1;
            column_offset = column - 1;
            let from = floor_char_boundary(source, start.saturating_sub(WINDOW).max(line_start));
            let to = floor_char_boundary(source, (end.max(start + 1) + WINDOW).min(line_end));
            let prefix = if from > line_start { "…" } else { "" };
            let suffix = if to < line_end { "…" } else { "" };
            let excerpt = format!("{prefix}{}{suffix}", &source[from..to]);
            let at = prefix.len() + (start - from);
            let len = end.min(to).saturating_sub(start);
            (excerpt, at..at + len)
        } else {
            (source.to_string(), start..end)
        };
        let span: SourceSpan = (span.start, span.len()).into();
        if column_offset > 0 {
            // The header shows miette's column in the window plus this offset: the real column.
            let in_window = shown.read_span(&span, 0, 0).map_or(0, |c| c.column());
            column_offset = column_offset.saturating_sub(in_window);
        }
        CliError::InFile(Box::new(FileProblem {
            message,
            src: Snippet {
                name: path.to_string(),
                text: shown,
                line_offset,
                column_offset,
            },
            span,
            label: label.into(),
            help,
        }))
    }

    /// An error without a position.
    pub fn usage(message: impl Into<String>, help: Option<&str>) -> CliError {
        CliError::Usage {
            message: message.into(),
            help: help.map(str::to_string),
        }
    }
}

/// A user's file as a diagnostic shows it: the whole text, or a window of one long line that
/// reports that line's real number and the real column.
#[derive(Debug)]
pub struct Snippet {
    /// The file's name.
    pub name: String,
    /// The text shown.
    pub text: String,
    /// Lines before the text shown (0 for a whole file).
    pub line_offset: usize,
    /// Columns before the text shown, on its first line.
    pub column_offset: usize,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let column_offset = if inner.line() == 0 {
            self.column_offset
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.line_offset,
            inner.column() + column_offset,
            inner.line_count(),
        )))
    }
}

/// Lines longer than this many bytes are shown as a window around the error.
pub const LONG_LINE: usize = 400;

/// Bytes of context either side of an error on a long line.
const WINDOW: usize = 60;

/// The largest char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Read a file (at most 16 MiB), naming it in the error.
pub fn read_file(path: &str) -> Result<String, CliError> {
    actsim_sim::inputs::files::read_text_bounded(std::path::Path::new(path)).map_err(|source| {
        CliError::Read {
            path: path.to_string(),
            source,
        }
    })
}

impl From<actsim_sim::inputs::InputError> for CliError {
    fn from(e: actsim_sim::inputs::InputError) -> Self {
        CliError::in_file(&e.path, &e.source_text, e.span, e.message, e.label, e.help)
    }
}

impl From<actsim_sim::ScenarioError> for CliError {
    fn from(e: actsim_sim::ScenarioError) -> Self {
        let path = e.file.display().to_string();
        match e.span.clone() {
            Some(span) if !e.source_text.is_empty() => {
                let label = match e.line_col() {
                    Some((l, c)) => format!("line {l}, column {c}"),
                    None => "here".to_string(),
                };
                let message = match e.line_col() {
                    Some((l, c)) => format!("{path}:{l}:{c}: {}", e.message),
                    None => format!("{path}: {}", e.message),
                };
                CliError::in_file(&path, &e.source_text, span, message, label, e.help.clone())
            }
            _ => CliError::Usage {
                message: format!("{path}: {}", e.message),
                help: e.help.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(e: &CliError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, e)
            .expect("renders");
        out
    }

    #[test]
    fn an_error_far_along_a_minified_line_shows_a_window_and_the_column() {
        let mut source = String::from("{");
        for i in 0..20_000 {
            source.push_str(&format!("\"k{i}\":{i},"));
        }
        let at = source.len();
        source.push_str("oops}");
        let e = CliError::in_file("event.json", &source, at..at + 1, "bad value", "here", None);
        let text = render(&e);
        // ASCII on one line: the column is the byte offset plus one.
        let column = format!("line 1, column {}", at + 1);
        assert!(text.contains(&column), "{text}");
        // The location header names the real line and column, not the window's.
        assert!(
            text.contains(&format!("[event.json:1:{}]", at + 1)),
            "{text}"
        );
        assert!(text.contains("oops"), "{text}");
        assert!(
            text.len() < 2_000,
            "the whole line was printed: {} bytes",
            text.len()
        );
    }

    #[test]
    fn a_span_past_the_end_or_inside_a_character_is_clamped() {
        let source = "é".repeat(500);
        let e = CliError::in_file("f.toml", &source, 501..9_999, "bad", "here", None);
        assert!(render(&e).contains("bad"));
    }
}
