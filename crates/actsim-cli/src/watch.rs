//! `--watch` for `actsim run` and `actsim simulate`: run the command, then poll the files it
//! reads (modification time and size, every 200 ms) and run it again when one changes,
//! clearing the terminal first. An error in a run (a syntax error in the action, a broken
//! scenario) is printed and the watch goes on; Ctrl-C stops it.
//!
//! The loop only needs the command's public entry (a function of its parsed arguments), so the
//! commands' internals can change freely.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::cli::{RunArgs, SimulateArgs};
use crate::diagnostics::CliError;

/// How often the files are checked.
const POLL: Duration = Duration::from_millis(200);
/// How long the files must stay unchanged before a rerun (editors write in several steps).
const SETTLE: Duration = Duration::from_millis(100);
/// Extensions of the modules watched beside an action.
const MODULE_EXTENSIONS: [&str; 4] = ["js", "mjs", "cjs", "json"];
/// Most files watched in one folder (a folder of thousands is not an action's).
const MAX_FILES_PER_FOLDER: usize = 500;

/// What a file looked like: modification time and size (`None`: missing).
type Stamp = Option<(SystemTime, u64)>;

/// `actsim run --watch`.
pub fn run(args: Box<RunArgs>) -> Result<i32, CliError> {
    let files = || {
        let mut files = Vec::new();
        for action in &args.actions {
            files.push(PathBuf::from(action));
            files.extend(modules_beside(Path::new(action)));
        }
        for extra in [&args.event, &args.secrets, &args.tenant, &args.mocks]
            .into_iter()
            .flatten()
        {
            files.push(PathBuf::from(extra));
        }
        files
    };
    let once = || {
        let mut args = args.clone();
        args.watch = false;
        crate::run_command::execute(args)
    };
    watch_loop(
        &format!("actsim run {}", args.actions.join(" ")),
        files,
        once,
    )
}

/// `actsim simulate --watch`.
pub fn simulate(args: SimulateArgs) -> Result<i32, CliError> {
    let files = || scenario_files(Path::new(&args.scenario));
    let once = || {
        let mut args = args.clone();
        args.watch = false;
        crate::simulate_command::execute(args)
    };
    watch_loop(&format!("actsim simulate {}", args.scenario), files, once)
}

/// Runs `once`, then again after every change of the files `files` lists (asked again after
/// each run, so a newly named file is watched too). Never returns unless writing to stdout
/// fails.
fn watch_loop(
    title: &str,
    files: impl Fn() -> Vec<PathBuf>,
    once: impl Fn() -> Result<i32, CliError>,
) -> Result<i32, CliError> {
    let terminal = std::io::stdout().is_terminal();
    let mut round = 0u64;
    let mut changed: Vec<PathBuf> = Vec::new();
    loop {
        round += 1;
        let mut out = std::io::stdout().lock();
        if terminal {
            // Clear the screen and the scrollback, cursor home: each run is drawn afresh.
            let _ = out.write_all(b"\x1b[2J\x1b[3J\x1b[H");
        }
        let why = if changed.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
            format!(" after a change of {}", names.join(", "))
        };
        let _ = writeln!(out, "── watch: {title} (run {round}{why}) ──");
        let _ = out.flush();
        drop(out);
        // Taken before the run, so that an edit made while it runs triggers the next one.
        let before = stamps(&files());
        let result = once();
        let status = match result {
            Ok(code) => format!("exit status {code}"),
            Err(error) => {
                eprintln!("{:?}", miette::Report::new(error));
                "the inputs have an error (above)".to_string()
            }
        };
        let watched = files();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "── watch: {status}; watching {} file{} for changes (Ctrl-C stops) ──",
            watched.len(),
            if watched.len() == 1 { "" } else { "s" }
        );
        let _ = out.flush();
        drop(out);
        changed = wait_for_change(&files, before);
    }
}

/// Polls until a file differs from `before` (also when the list of files changes, e.g. a new
/// module), then waits until things settle; returns the files that changed.
fn wait_for_change(
    files: &impl Fn() -> Vec<PathBuf>,
    before: BTreeMap<PathBuf, Stamp>,
) -> Vec<PathBuf> {
    loop {
        std::thread::sleep(POLL);
        let now = stamps(&files());
        if now != before {
            // Let the writer finish, then take what changed.
            loop {
                std::thread::sleep(SETTLE);
                let settled = stamps(&files());
                if settled == stamps(&files()) {
                    return differences(&before, &settled);
                }
            }
        }
    }
}

fn differences(
    before: &BTreeMap<PathBuf, Stamp>,
    after: &BTreeMap<PathBuf, Stamp>,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(*stamp))
        .map(|(path, _)| path.clone())
        .collect();
    out.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
    out
}

fn stamps(files: &[PathBuf]) -> BTreeMap<PathBuf, Stamp> {
    files
        .iter()
        .map(|path| {
            let stamp = std::fs::metadata(path)
                .ok()
                .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
            (path.clone(), stamp)
        })
        .collect()
}

/// The modules an action can require from its own folder: the `.js`, `.mjs`, `.cjs` and `.json`
/// files beside it (not `node_modules`, not subfolders).
fn modules_beside(action: &Path) -> Vec<PathBuf> {
    // An action named without a folder lists the current one, named as the action is.
    let (dir, read) = match action.parent() {
        Some(d) if !d.as_os_str().is_empty() => (d.to_path_buf(), d.to_path_buf()),
        _ => (PathBuf::new(), PathBuf::from(".")),
    };
    let Ok(entries) = std::fs::read_dir(&read) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| dir.join(e.file_name()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| MODULE_EXTENSIONS.contains(&e))
        })
        .take(MAX_FILES_PER_FOLDER)
        .collect();
    out.sort();
    out
}

/// The scenario file and the files it names (`file`, `secrets_file`, `event` anywhere in it,
/// relative to its folder), with the modules beside each action. A scenario that does not parse
/// as TOML yields itself only (fixing it triggers the rerun).
fn scenario_files(scenario: &Path) -> Vec<PathBuf> {
    let mut out = vec![scenario.to_path_buf()];
    let Ok(text) = std::fs::read_to_string(scenario) else {
        return out;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return out;
    };
    let base = scenario.parent().unwrap_or(Path::new("."));
    let mut named = Vec::new();
    collect_paths(&toml::Value::Table(table), &mut named);
    for (key, value) in named {
        let path = base.join(value);
        if key == "file" && path.extension().is_some_and(|e| e != "toml") {
            out.extend(modules_beside(&path));
        }
        out.push(path);
    }
    out.sort();
    out.dedup();
    out
}

fn collect_paths(value: &toml::Value, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, v) in table {
                match v {
                    toml::Value::String(s)
                        if matches!(key.as_str(), "file" | "secrets_file" | "event") =>
                    {
                        out.push((key.clone(), s.clone()));
                    }
                    other => collect_paths(other, out),
                }
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_paths(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_names_its_actions_modules_secrets_event_and_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("actions")).unwrap();
        for f in [
            "actions/a.js",
            "actions/helper.js",
            "actions/notes.txt",
            "s.env",
            "e.json",
            "t.toml",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let scenario = root.join("sc.toml");
        std::fs::write(
            &scenario,
            "duration = \"1h\"\n[tenant]\nfile = \"t.toml\"\n[[actions]]\nfile = \"actions/a.js\"\nsecrets_file = \"s.env\"\n[traffic]\nevent = \"e.json\"\n",
        )
        .unwrap();
        let files = scenario_files(&scenario);
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        for expected in [
            "sc.toml",
            "t.toml",
            "actions/a.js",
            "actions/helper.js",
            "s.env",
            "e.json",
        ] {
            assert!(
                names.contains(&expected.to_string()),
                "{expected} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n.ends_with("notes.txt")), "{names:?}");
        // A broken scenario still watches itself.
        std::fs::write(&scenario, "duration = ").unwrap();
        assert_eq!(scenario_files(&scenario), vec![scenario.clone()]);
    }

    #[test]
    fn changes_are_seen_in_size_or_time_and_in_presence() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.js");
        std::fs::write(&a, "1").unwrap();
        let before = stamps(std::slice::from_ref(&a));
        std::fs::write(&a, "22").unwrap();
        let after = stamps(std::slice::from_ref(&a));
        assert_eq!(differences(&before, &after), vec![a.clone()]);
        std::fs::remove_file(&a).unwrap();
        let gone = stamps(std::slice::from_ref(&a));
        assert_eq!(gone[&a], None);
        assert_eq!(differences(&after, &gone), vec![a]);
    }
}
