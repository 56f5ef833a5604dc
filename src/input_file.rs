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
    let (file, size) = open_regular(path)?;
    // sized once from the file's length: a doubling buffer would hold up to twice the file
    let capacity = usize::try_from(size.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| unreadable(path, source))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(InputFileError::TooLarge {
            path: path.to_path_buf(),
            limit,
            what,
        });
    }
    Ok(bytes)
}

/// Tells whether `path` is a regular file holding exactly `expected`, reading it a block at
/// a time (never more than `expected` is long, plus one block).
pub fn holds(path: &Path, expected: &[u8]) -> bool {
    let Ok((mut file, size)) = open_regular(path) else {
        return false;
    };
    if u64::try_from(expected.len()).ok() != Some(size) {
        return false;
    }
    let mut block = vec![0u8; 64 * 1024];
    let mut rest = expected;
    loop {
        match file.read(&mut block) {
            Ok(0) => return rest.is_empty(),
            Ok(n) => match rest.strip_prefix(&block[..n]) {
                Some(remaining) => rest = remaining,
                None => return false,
            },
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

fn unreadable(path: &Path, source: std::io::Error) -> InputFileError {
    InputFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` when it is a regular file (after following symlinks), with its length.
fn open_regular(path: &Path) -> Result<(std::fs::File, u64), InputFileError> {
    let not_a_file = || InputFileError::NotAFile {
        path: path.to_path_buf(),
    };
    // checked before opening: opening a FIFO for reading blocks until a writer comes
    if !std::fs::metadata(path)
        .map_err(|e| unreadable(path, e))?
        .is_file()
    {
        return Err(not_a_file());
    }
    let file = open_without_blocking(path).map_err(|e| unreadable(path, e))?;
    // checked again on what was opened, in case the path changed in between
    let metadata = file.metadata().map_err(|e| unreadable(path, e))?;
    if !metadata.is_file() {
        return Err(not_a_file());
    }
    Ok((file, metadata.len()))
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

    #[rstest::rstest]
    #[case::the_same_bytes(b"abcd", true)]
    #[case::one_byte_changed(b"abce", false)]
    #[case::one_byte_more(b"abcde", false)]
    #[case::one_byte_less(b"abc", false)]
    #[case::nothing(b"", false)]
    fn a_file_holds_exactly_its_bytes(#[case] expected: &[u8], #[case] held: bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.json");
        std::fs::write(&path, b"abcd").unwrap();
        assert_eq!(holds(&path, expected), held);
    }

    #[test]
    fn a_file_larger_than_one_block_is_compared_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("openapi.json");
        let mut bytes = vec![b'x'; 200_000];
        std::fs::write(&path, &bytes).unwrap();
        assert!(holds(&path, &bytes));
        bytes[199_999] = b'y';
        assert!(!holds(&path, &bytes));
    }

    #[test]
    fn what_is_no_regular_file_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!holds(dir.path(), b""));
        assert!(!holds(&dir.path().join("missing.json"), b""));
    }
}
