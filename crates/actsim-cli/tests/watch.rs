//! `--watch`: editing the action (or the scenario) makes `actsim run --watch` (or `simulate
//! --watch`) run again with the new result, and a syntax error does not stop the watch. No
//! timing assertions: the test waits for output lines with a generous deadline.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// A running `actsim … --watch`, killed on drop.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(dir: &Path, args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_actsim"))
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("actsim starts");
        let (tx, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to a minute) for a line containing `needle` after those already consumed.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?}; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn action(claim: &str) -> String {
    format!(
        "exports.onExecutePostLogin = async (event, api) => {{\n  api.idToken.setCustomClaim('https://x/v', '{claim}');\n}};\n"
    )
}

#[test]
fn run_watch_reruns_on_an_edit_and_survives_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action.js");
    std::fs::write(&file, action("first")).unwrap();
    let mut w = Watching::start(dir.path(), &["run", "action.js", "--watch"]);
    w.wait_for("setCustomClaim(\"https://x/v\", \"first\")");
    w.wait_for("watching");

    std::fs::write(&file, action("second-value")).unwrap();
    w.wait_for("(run 2 after a change of action.js)");
    w.wait_for("setCustomClaim(\"https://x/v\", \"second-value\")");
    w.wait_for("watching");

    // A syntax error is shown, and the watch goes on.
    std::fs::write(
        &file,
        "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim(\n",
    )
    .unwrap();
    w.wait_for("(run 3 after a change of action.js)");
    w.wait_for("watching");
    let run3 = w
        .seen
        .iter()
        .rev()
        .take_while(|l| !l.contains("(run 3"))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        run3.to_lowercase().contains("syntax"),
        "the syntax error is reported:\n{run3}"
    );

    // A module beside the action is watched too.
    std::fs::write(dir.path().join("helper.js"), "module.exports = 1;\n").unwrap();
    w.wait_for("(run 4 after a change of");
    w.wait_for("watching");

    std::fs::write(&file, action("fixed-again")).unwrap();
    w.wait_for("setCustomClaim(\"https://x/v\", \"fixed-again\")");
}

#[test]
fn simulate_watch_reruns_when_the_scenario_changes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("action.js"), action("v")).unwrap();
    let scenario = |logins: u32| {
        format!(
            "name = \"watched\"\nduration = \"10m\"\nexpect = [\"logins == {logins}\"]\n[[actions]]\nfile = \"action.js\"\n[traffic]\narrivals = \"fixed\"\nrate = \"1/min\"\n"
        )
    };
    let file = dir.path().join("watched.toml");
    std::fs::write(&file, scenario(10)).unwrap();
    let mut w = Watching::start(dir.path(), &["simulate", "watched.toml", "--watch"]);
    w.wait_for("✓ logins == 10");
    w.wait_for("watching");
    std::fs::write(&file, scenario(11)).unwrap();
    w.wait_for("(run 2 after a change of watched.toml)");
    w.wait_for("✗ logins == 11");
    w.wait_for("watching");
    // The action the scenario names is watched as well.
    std::fs::write(dir.path().join("action.js"), action("changed")).unwrap();
    w.wait_for("(run 3 after a change of");
}
