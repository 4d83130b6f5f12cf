//! Saving a shrunk run as a scenario file (`--save-repro FILE`) that fails under `actsim test`:
//! the shrunk scenario with the files it names made relative to where it is saved, under a
//! header saying what it reproduces and how it was found.

use std::path::{Component, Path, PathBuf};

use toml::{Table, Value};

/// The text of the repro file for `scenario_toml` (paths relative to `scenario_dir`) saved at
/// `out`; `header` lines become comments at the top.
pub fn repro_text(
    scenario_toml: &str,
    scenario_dir: &Path,
    out: &Path,
    header: &[String],
) -> Result<String, String> {
    let mut table: Table = scenario_toml.parse().map_err(|e| format!("{e}"))?;
    let out_dir = out.parent().filter(|p| !p.as_os_str().is_empty());
    let out_dir = absolute(out_dir.unwrap_or(Path::new(".")))?;
    let from = absolute(scenario_dir)?;
    let rebase = |v: &mut Value| {
        if let Some(p) = v.as_str() {
            let target = normalize(&from.join(p));
            *v = Value::String(
                relative(&target, &out_dir)
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    };
    if let Some(f) = table.get_mut("tenant").and_then(|t| t.get_mut("file")) {
        rebase(f);
    }
    if let Some(f) = table.get_mut("traffic").and_then(|t| t.get_mut("event")) {
        rebase(f);
    }
    if let Some(actions) = table.get_mut("actions").and_then(Value::as_array_mut) {
        for a in actions.iter_mut().filter_map(Value::as_table_mut) {
            for key in ["file", "secrets_file"] {
                if let Some(f) = a.get_mut(key) {
                    rebase(f);
                }
            }
        }
    }
    let body = toml::to_string(&table).map_err(|e| e.to_string())?;
    let mut text: String = header.iter().map(|l| format!("# {l}\n")).collect();
    text.push('\n');
    text.push_str(&body);
    Ok(text)
}

fn absolute(p: &Path) -> Result<PathBuf, String> {
    std::path::absolute(p)
        .map(|p| normalize(&p))
        .map_err(|e| format!("{}: {e}", p.display()))
}

/// `a/./b/../c` → `a/c`.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to the folder `base` (both absolute and normalised).
fn relative(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_file_to_its_new_folder() {
        let toml = "duration = \"1h\"\n[[actions]]\nfile = \"../../actions/a.js\"\nsecrets_file = \"s.env\"\n[traffic]\nrate = \"1/m\"\n";
        let text = repro_text(
            toml,
            Path::new("/repo/fixtures/explore"),
            Path::new("/repo/target/tmp/repro.toml"),
            &["repro".to_string()],
        )
        .unwrap();
        assert!(text.starts_with("# repro\n"), "{text}");
        assert!(text.contains("file = \"../../actions/a.js\""), "{text}");
        assert!(
            text.contains("secrets_file = \"../../fixtures/explore/s.env\""),
            "{text}"
        );
    }
}
