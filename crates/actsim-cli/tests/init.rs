//! `actsim init`: the project it creates passes `actsim test` as created, fails it when the
//! action loses its cache, parses as a GitHub Actions workflow, and is never written over.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use yaml_rust2::{Yaml, YamlLoader};

fn actsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actsim"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("actsim runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn init_creates_a_project_that_passes_actsim_test() {
    let tmp = tempfile::tempdir().unwrap();
    let out = actsim(tmp.path(), &["init", "my-actions"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let project = tmp.path().join("my-actions");
    for file in [
        "actions/cache-management-token.js",
        "events/post-login.json",
        "secrets.example.env",
        "tests/token-cache.toml",
        "README.md",
        ".gitignore",
        ".github/workflows/actsim.yml",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
        assert!(text(&out).contains(file), "{file} not listed");
    }
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    assert!(readme.starts_with("# my-actions: "), "{readme}");

    // As created: every expectation holds (run from the project, as its CI does).
    let out = actsim(&project, &["test", "tests", "--junit", "actsim-junit.xml"]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(0), "{output}");
    assert!(output.contains("4 passed, 0 failed"), "{output}");
    assert!(project.join("actsim-junit.xml").is_file());

    // The printed `actsim run` command works too.
    let out = actsim(
        &project,
        &[
            "run",
            "actions/cache-management-token.js",
            "--event",
            "events/post-login.json",
            "--secrets",
            "secrets.example.env",
            "--times",
            "3",
            "--advance",
            "16m",
        ],
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(0), "{output}");
    assert!(output.contains("tokens issued 1"), "{output}");

    // The scenario can fail: without the ttl the 15-minute default loses the token.
    let action = project.join("actions/cache-management-token.js");
    let source = std::fs::read_to_string(&action).unwrap();
    let broken = source.replace(
        "api.cache.set(CACHE_KEY, token, {\n      ttl: (data.expires_in - MARGIN_SECONDS) * 1000,\n    });",
        "api.cache.set(CACHE_KEY, token);",
    );
    assert_ne!(broken, source, "the ttl line is where the test expects it");
    std::fs::write(&action, broken).unwrap();
    let out = actsim(&project, &["test", "tests"]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(output.contains("tokens_issued <= 4"), "{output}");
}

#[test]
fn the_ci_workflow_parses_and_runs_actsim_test_with_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = actsim(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let source = std::fs::read_to_string(tmp.path().join(".github/workflows/actsim.yml")).unwrap();
    let docs = YamlLoader::load_from_str(&source).expect("the workflow is YAML");
    let workflow = &docs[0];
    assert_eq!(workflow["name"].as_str(), Some("actsim"));
    assert!(!workflow["on"]["push"].is_badvalue());
    assert!(!workflow["on"]["pull_request"].is_badvalue());
    let job = &workflow["jobs"]["actions"];
    assert_eq!(job["runs-on"].as_str(), Some("ubuntu-latest"));
    let steps = job["steps"].as_vec().expect("steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("actsim test tests --junit actsim-junit.xml")),
        "{runs:?}"
    );
    assert!(runs.iter().any(|r| r.contains("cargo install")), "{runs:?}");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.contains(&"actions/checkout@v4"), "{uses:?}");
    let upload = steps
        .iter()
        .find(|s| s["uses"].as_str() == Some("actions/upload-artifact@v4"))
        .expect("an upload step");
    assert_eq!(upload["if"].as_str(), Some("always()"));
    assert!(upload["with"]["path"]
        .as_str()
        .unwrap()
        .contains("actsim-junit.xml"));
    assert!(matches!(workflow["jobs"], Yaml::Hash(_)));
}

#[test]
fn init_never_overwrites_and_writes_nothing_when_a_file_exists() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), "mine").unwrap();
    let out = actsim(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("README.md"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("README.md")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("actions").exists(), "nothing else written");
}
