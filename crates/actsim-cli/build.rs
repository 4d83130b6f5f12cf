//! Embeds the bundled assets (the lessons, the example actions and scenarios, the secrets and
//! tenant fixtures they name) in the binary: writes `$OUT_DIR/bundled.rs`, a table of
//! `("repo/relative/path", include_str!(…))`, so `actsim lesson` runs from any folder and after
//! `cargo install`, and names its files by their path in the repository.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The folders bundled, relative to the repository's root.
const BUNDLED: [&str; 5] = [
    "actions",
    "fixtures/lessons",
    "fixtures/scenarios",
    "fixtures/secrets",
    "fixtures/tenants",
];

/// The file types bundled.
const EXTENSIONS: [&str; 4] = ["js", "toml", "env", "json"];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if path.file_name().is_some_and(|n| n != "node_modules") {
                walk(&path, out);
            }
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    let mut files = Vec::new();
    for dir in BUNDLED {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        walk(&path, &mut files);
    }
    let mut rows: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .expect("under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (relative, path)
        })
        .collect();
    rows.sort();
    let mut code = String::from(
        "/// Every bundled file: its path in the repository and its text, sorted by path.\n\
         pub static FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, path) in rows {
        let absolute = path.canonicalize().expect("a file just listed");
        let _ = writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("bundled.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
