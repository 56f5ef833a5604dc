//! Reading an input file (a reference page, a suite file) with a bound: only a regular file
//! (after following symlinks) is read, and only up to a stated size, so that a page linked
//! to `/dev/zero` or a FIFO in a pages directory is refused instead of exhausting memory or
//! hanging the run.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest reference page read, in bytes (the largest Graph page is under 200 KiB).
pub const PAGE_LIMIT: u64 = 8 * 1024 * 1024;
/// The largest suite file (`schemas/*.json`, `cases/*.json`) read, in bytes.
pub const SUITE_FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("cannot read {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a regular file (a directory, FIFO, socket or device, perhaps behind a symlink); only regular files are read"
    )]
    NotAFile { path: PathBuf },
    #[error("{path} is larger than {limit} bytes, the most read of a {what}")]
    TooLarge {
        path: PathBuf,
        limit: u64,
        what: &'static str,
    },
}

impl InputFileError {
    /// Returns the file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputFileError::Unreadable { path, .. }
            | InputFileError::NotAFile { path }
            | InputFileError::TooLarge { path, .. } => path,
        }
    }
}

/// Reads `path` whole when it is a regular file of at most `limit` bytes; `what` names the
/// kind of file in the error ("page", "suite file").
pub fn read_bounded(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, InputFileError> {
    let unreadable = |source| InputFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let not_a_file = || InputFileError::NotAFile {
        path: path.to_path_buf(),
    };
    // checked before opening: opening a FIFO for reading blocks until a writer comes
    if !std::fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(not_a_file());
    }
    let file = open_without_blocking(path).map_err(unreadable)?;
    // checked again on what was opened, in case the path changed in between
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(not_a_file());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(InputFileError::TooLarge {
            path: path.to_path_buf(),
            limit,
            what,
        });
    }
    Ok(bytes)
}

/// Opens `path` for reading; on Linux with `O_NONBLOCK`, so that a FIFO swapped in after the
/// check does not block the open (it has no effect on a regular file).
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.md");
        std::fs::write(&path, b"abcd").unwrap();
        assert_eq!(read_bounded(&path, 4, "page").unwrap(), b"abcd");
        let error = read_bounded(&path, 3, "page").unwrap_err();
        assert!(matches!(error, InputFileError::TooLarge { limit: 3, .. }));
        assert_eq!(
            error.to_string(),
            format!(
                "{} is larger than 3 bytes, the most read of a page",
                path.display()
            )
        );
    }
}
