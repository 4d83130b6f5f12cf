//! The CLI's error type: every problem with a user's file names the file, points at the line and
//! column when it can (rendered by miette with the source), and says how to fix it.

use miette::{Diagnostic, NamedSource, SourceSpan};

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
    /// The file.
    #[source_code]
    pub src: NamedSource<String>,
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
    /// An error at byte `span` of `path`'s `source`.
    pub fn in_file(
        path: &str,
        source: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> CliError {
        let start = span.start.min(source.len());
        let len = span.end.min(source.len()).saturating_sub(start);
        CliError::InFile(Box::new(FileProblem {
            message: message.into(),
            src: NamedSource::new(path, source.to_string()),
            span: (start, len).into(),
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

/// Read a file, naming it in the error.
pub fn read_file(path: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_string(),
        source,
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
