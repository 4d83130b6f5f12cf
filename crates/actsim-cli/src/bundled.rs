//! The assets embedded in the binary at build time (see `build.rs`): the lessons, the example
//! actions and scenarios, and the secrets and tenant fixtures they name, each under its path in
//! the repository (`fixtures/lessons/no-caching/flawed.toml`). Commands that use them read them
//! from here, never from the source tree, and show those relative paths.

use actsim_sim::inputs::files::StaticFiles;

mod table {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The bundled files, as a [`actsim_sim::inputs::files::FileSource`] for the scenario compiler.
pub const BUNDLED: StaticFiles = StaticFiles(table::FILES);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_holds_each_lesson_and_the_files_it_names() {
        for lesson in crate::lessons::LESSONS {
            for side in [lesson.flawed(), lesson.fixed()] {
                let scenario = actsim_sim::scenario::load_scenario_from(&side, &BUNDLED)
                    .unwrap_or_else(|e| {
                        panic!("{}: {e}", side.display());
                    });
                assert!(scenario.path.is_relative());
                for action in &scenario.actions {
                    let file = &action.source.filename;
                    assert!(file.starts_with("actions/"), "{file}");
                }
            }
        }
    }

    #[test]
    fn the_bundle_names_files_by_relative_path_only() {
        assert!(BUNDLED.get("actions/no-cache.js").is_some());
        for (path, _) in BUNDLED.0 {
            assert!(!path.starts_with('/') && !path.contains(".."), "{path}");
        }
    }
}
