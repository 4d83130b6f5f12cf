//! Reading the files a user names, bounded: a file larger than [`MAX_INPUT_BYTES`] (or an endless
//! one such as `/dev/zero`) is refused after reading one byte more than the limit, never read
//! whole. [`FileSource`] lets the scenario compiler read from disk or from an in-memory table
//! (the bundled lessons embedded in the binary) through the same code.

use std::io::Read;
use std::path::Path;

/// The largest user file actsim reads: 16 MiB, far above any action, event, secrets, tenant or
/// scenario file, and small enough that a wrong path (a disk image, `/dev/zero`) fails at once.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Read the UTF-8 text file at `path`, refusing anything longer than [`MAX_INPUT_BYTES`] and
/// anything that is not a regular file or a character device (a folder, a socket).
pub fn read_text_bounded(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let kind = file.metadata()?.file_type();
    if kind.is_dir() {
        return Err(std::io::Error::other("it is a folder, not a file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, the limit for an input file",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Where the scenario compiler reads the files a scenario names.
pub trait FileSource {
    /// The text of the file at `path` (already resolved against the scenario's folder).
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The file system, through [`read_text_bounded`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        read_text_bounded(path)
    }
}

/// Files held in memory, by `/`-separated relative path (e.g. `actions/no-cache.js`).
#[derive(Clone, Copy, Debug)]
pub struct StaticFiles(pub &'static [(&'static str, &'static str)]);

impl StaticFiles {
    /// The text stored under `path`.
    pub fn get(&self, path: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| *text)
    }
}

impl FileSource for StaticFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let key: Vec<String> = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        self.get(&key.join("/")).map(str::to_string).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "not among the files bundled in actsim",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_after_the_limit() {
        let e = read_text_bounded(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    }

    #[test]
    fn a_folder_is_refused() {
        let e = read_text_bounded(Path::new(".")).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
    }

    #[test]
    fn static_files_are_found_by_relative_path() {
        let files = StaticFiles(&[("actions/a.js", "code")]);
        assert_eq!(files.read(Path::new("actions/a.js")).unwrap(), "code");
        let e = files.read(Path::new("actions/b.js")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }
}
