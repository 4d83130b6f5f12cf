//! `actsim init [DIR]`: a new action project (an action, its event, a secrets example, a
//! scenario with expectations, a README, a CI workflow) that passes `actsim test` as created.
//! The files are embedded in the binary (crates/actsim-cli/templates/init/).

use crate::output::out;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::diagnostics::CliError;

/// Arguments of `actsim init`.
#[derive(Debug, Args)]
#[command(after_help = INIT_EXAMPLES)]
pub struct InitArgs {
    /// The project folder; created when missing. Default: the current folder. Existing files
    /// are never overwritten: init stops before writing anything if one of its files exists.
    pub dir: Option<String>,
}

const INIT_EXAMPLES: &str = "\
Examples:
  # A new project in ./my-actions, then its test:
  actsim init my-actions
  cd my-actions && actsim test tests

It writes actions/cache-management-token.js, events/post-login.json, secrets.example.env,
tests/token-cache.toml, README.md, .gitignore and .github/workflows/actsim.yml.";

/// The files of a new project: (path relative to the project, contents).
pub const FILES: [(&str, &str); 7] = [
    (
        "actions/cache-management-token.js",
        include_str!("../templates/init/action.js"),
    ),
    (
        "events/post-login.json",
        include_str!("../templates/init/event.json"),
    ),
    (
        "secrets.example.env",
        include_str!("../templates/init/secrets.example.env"),
    ),
    (
        "tests/token-cache.toml",
        include_str!("../templates/init/scenario.toml"),
    ),
    ("README.md", include_str!("../templates/init/README.md")),
    (".gitignore", include_str!("../templates/init/gitignore")),
    (
        ".github/workflows/actsim.yml",
        include_str!("../templates/init/workflow.yml"),
    ),
];

/// Creates the project; returns the exit status.
pub fn execute(args: InitArgs) -> Result<i32, CliError> {
    let dir = PathBuf::from(args.dir.as_deref().unwrap_or("."));
    let existing: Vec<String> = FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(CliError::usage(
            format!("actsim init would overwrite {}", existing.join(", ")),
            Some("choose a new folder: actsim init NEW-FOLDER (init never overwrites files)"),
        ));
    }
    let name = project_name(&dir);
    for (rel, contents) in FILES {
        let path = dir.join(rel);
        let text = contents.replace("{{NAME}}", &name);
        write(&path, &text)?;
    }
    out!("{}", summary(&dir));
    Ok(0)
}

/// The project's name for the README: the folder's name, or `my-actions`.
fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "my-actions".to_string())
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::usage(
            format!("cannot write {}: {e}", path.display()),
            Some("check the folder's permissions, or choose another folder"),
        )
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, text).map_err(fail)
}

/// What init prints: the files and the next commands.
fn summary(dir: &Path) -> String {
    let mut s = format!("actsim init: a new action project in {}\n\n", dir.display());
    for (rel, _) in FILES {
        s.push_str(&format!("  {rel}\n"));
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    s.push_str(&format!(
        "\nNext:\n  {cd}actsim test tests\n  actsim run actions/cache-management-token.js --event events/post-login.json --secrets secrets.example.env --times 3 --advance 16m\n\nREADME.md explains the files; the CI workflow needs the repository variable ACTSIM_GIT.\n"
    ));
    s
}
