//! A one-line progress display on the terminal (stderr) for long commands: virtual time
//! reached, logins, seeds done, failures so far. Nothing is drawn when stdout or stderr is not a
//! terminal, with `--quiet`, or with `--json`; the line is cleared before anything else prints
//! and is redrawn at most ten times a second.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The progress line of one command.
pub struct Progress {
    enabled: bool,
    shown: bool,
    last: Option<Instant>,
}

impl Progress {
    /// A display that draws only on a terminal, and neither with `quiet` nor with `json`.
    pub fn new(quiet: bool, json: bool) -> Progress {
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Progress {
            enabled: terminal && !quiet && !json,
            shown: false,
            last: None,
        }
    }

    /// Show `line()` unless the line was drawn less than 100 ms ago.
    pub fn update(&mut self, line: impl FnOnce() -> String) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}", line());
        let _ = err.flush();
        self.shown = true;
    }

    /// Remove the line (before printing results).
    pub fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
            self.last = None;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// `1h02m`, `3m05s`, `12.4s`: virtual time elapsed, for progress lines.
pub fn virtual_elapsed(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 3600, s / 60 % 60) {
        (0, 0) => format!("{:.1}s", ms.max(0) as f64 / 1000.0),
        (0, m) => format!("{m}m{:02}s", s % 60),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_time_reads_as_a_duration() {
        assert_eq!(virtual_elapsed(12_400), "12.4s");
        assert_eq!(virtual_elapsed(185_000), "3m05s");
        assert_eq!(virtual_elapsed(7 * 86_400_000 + 120_000), "168h02m");
    }
}
