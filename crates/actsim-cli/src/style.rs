//! Terminal styling: ANSI colour only when stdout is a terminal and `NO_COLOR` is not set.

use std::io::IsTerminal;

/// Whether to colour output.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    enabled: bool,
}

impl Style {
    /// Colour if stdout is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            enabled: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    /// Dimmed.
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    /// Red (failures).
    pub fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    /// Green (success).
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    /// Yellow (warnings).
    pub fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    /// Cyan (names).
    pub fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}
