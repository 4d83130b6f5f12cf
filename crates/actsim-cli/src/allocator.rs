//! The process's allocator, and its one setting. The only module of the binary with `unsafe`
//! code (one call into mimalloc).
//!
//! mimalloc serves `malloc`/`free` (the crate's `override` feature), for QuickJS and, through
//! the system allocator, for Rust: a simulation allocates and frees a few dozen small objects
//! per execution, and mimalloc makes a 100 000-login simulation about a tenth faster than
//! glibc's allocator (BENCHMARKS.md). Rust's allocations go through `System` (plain `malloc`
//! for the usual alignments) rather than `mimalloc::MiMalloc`, whose every allocation takes
//! mimalloc's slower aligned path.

#![allow(unsafe_code)]

#[global_allocator]
static GLOBAL: std::alloc::System = std::alloc::System;
use mimalloc as _;

/// mimalloc's `mi_option_purge_delay` in the numbering of the mimalloc (v3) that
/// `libmimalloc-sys` builds, which names no constant for it. Its default there is 1000 (ms,
/// src/options.c); a test checks that this option has it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The environment variable through which a user sets the purge delay themselves.
const PURGE_DELAY_ENV: &str = "MIMALLOC_PURGE_DELAY";

/// For a command that runs and exits (`simulate`, `test`, `explore`, `lesson`, `run` once):
/// tell mimalloc to keep the memory freed during the run instead of giving it back to the
/// system a second later, unless `MIMALLOC_PURGE_DELAY` is set. Given back, it comes back as fresh
/// pages the kernel zeroes, 2 MiB at a time (the heap is on transparent huge pages), at
/// moments that depend on the wall clock: the slow runs of the redirect benchmark were those
/// in which memory was given back (over 1 000 page faults instead of about 300: 6.5 s against
/// 6.1 s, BENCHMARKS.md). Memory freed is reused, not given back: the resident memory at the
/// end of that run is 133 MB instead of 122 MB.
/// Long-running commands (`serve`, `--watch`) keep mimalloc's default.
pub(crate) fn keep_freed_memory() {
    if std::env::var_os(PURGE_DELAY_ENV).is_some() {
        return;
    }
    // SAFETY: sets one of mimalloc's options, which it reads on each purge; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option numbered PURGE_DELAY is the purge delay: without the environment variable it
    /// has the purge delay's default (1000 ms), and after keep_freed_memory it is -1 (never).
    #[test]
    fn the_purge_delay_is_the_option_set() {
        if std::env::var_os(PURGE_DELAY_ENV).is_some() {
            // (Set by whoever runs the tests: the default cannot be seen.)
            eprintln!("SKIPPED: {PURGE_DELAY_ENV} is set in the environment");
            assert!(
                std::env::var_os("CI").is_none(),
                "{PURGE_DELAY_ENV} set under CI"
            );
            return;
        }
        // SAFETY: reads one of mimalloc's options.
        let get = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(get(), 1000);
        keep_freed_memory();
        assert_eq!(get(), -1);
    }
}
