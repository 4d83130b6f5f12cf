//! The one way the CLI writes its results to standard output, and what happens when it cannot.
//!
//! A closed pipe (`actsim lesson | head -1`) ends the program quietly with status 141 (128 +
//! SIGPIPE), as a Unix tool killed by SIGPIPE is reported by the shell; any other write error
//! (a full disk, a revoked terminal) is reported on stderr and ends with status 74 (`EX_IOERR`).
//! Every command prints through [`out!`]/[`outln!`]; a panic hook turns the standard library's
//! "failed printing to stdout/stderr" panic (a `println!` anywhere else) into the same exits, so no
//! output condition ends in a panic.

use std::io::{self, Write};

/// Exit status when the reader of stdout went away: 128 + SIGPIPE, as shells report Unix tools.
pub const EXIT_BROKEN_PIPE: i32 = 141;
/// Exit status when output cannot be written for another reason (sysexits' `EX_IOERR`).
pub const EXIT_WRITE_ERROR: i32 = 74;

/// Write `text` to stdout and flush it; on failure end the program as the module comment says.
///
/// A lone UTF-16 surrogate an action's value carried (held in Rust text as its stand-in, see
/// `actsim_js::escape_lone_surrogates`) is written as Node's `JSON.stringify` writes it,
/// `\ud83d`: valid in JSON output and readable in text.
pub fn write_stdout(text: &str) {
    let text = actsim_js::escape_lone_surrogates(text);
    let mut stdout = io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        write_failed("standard output", &error);
    }
}

/// End the program after a failed write to `what`: quietly for a closed pipe, with a message
/// otherwise.
pub fn write_failed(what: &str, error: &io::Error) -> ! {
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_BROKEN_PIPE);
    }
    let _ = writeln!(io::stderr(), "actsim: cannot write to {what}: {error}");
    std::process::exit(EXIT_WRITE_ERROR);
}

/// The exit status for a panic message from `print!`/`eprint!` (the standard library panics when
/// stdout or stderr cannot be written), or `None` for any other panic.
pub fn exit_for_print_panic(message: &str) -> Option<i32> {
    if !message.starts_with("failed printing to std") {
        return None;
    }
    if message.contains("Broken pipe") || message.contains("os error 32") {
        Some(EXIT_BROKEN_PIPE)
    } else {
        Some(EXIT_WRITE_ERROR)
    }
}

/// Install a panic hook that handles print failures as [`write_failed`] does, and leaves every
/// other panic to the default hook.
pub fn install_print_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        match message.and_then(exit_for_print_panic) {
            Some(EXIT_BROKEN_PIPE) => std::process::exit(EXIT_BROKEN_PIPE),
            Some(code) => {
                let _ = writeln!(
                    io::stderr(),
                    "actsim: cannot write output: {}",
                    message.unwrap_or("")
                );
                std::process::exit(code);
            }
            None => default(info),
        }
    }));
}

/// `print!` through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!($($arg)*))
    };
}

/// `println!` through [`write_stdout`].
macro_rules! outln {
    () => {
        $crate::output::write_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_panics_map_to_exit_statuses() {
        assert_eq!(
            exit_for_print_panic("failed printing to stdout: Broken pipe (os error 32)"),
            Some(EXIT_BROKEN_PIPE)
        );
        assert_eq!(
            exit_for_print_panic(
                "failed printing to stdout: No space left on device (os error 28)"
            ),
            Some(EXIT_WRITE_ERROR)
        );
        assert_eq!(exit_for_print_panic("index out of bounds"), None);
    }
}
