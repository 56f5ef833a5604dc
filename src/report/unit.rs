//! The report directory, written as one unit: the four reports of one run appear together or
//! not at all, and never mixed with another run's.
//!
//! A writer takes an exclusive lock on `DIR/.graph-conformance.lock` (waiting for another
//! writer up to [`LOCK_WAIT`]; the holder removes the file when it is done, and a writer that
//! locked a file removed meanwhile locks the new one), removes what an earlier crash left behind, writes every file
//! into a fresh staging directory inside `DIR` (its name unpredictable, created with
//! `mkdir`, files in it created exclusively), then renames each file into place. A failure
//! before the renames leaves the previous reports untouched and removes the staging
//! directory. Nothing is ever opened through a symbolic link planted in `DIR`: temporary
//! names are fresh, exclusive creation refuses an existing name (a link included), and a
//! rename replaces the name, not what a link points to.

use super::ReportError;
use crate::atomic_file::TEMPORARY_PREFIX;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file every writer of a report directory locks.
pub const LOCK_FILE: &str = ".graph-conformance.lock";

/// The prefix of the writability probe (see [`check_writable`]).
const PROBE_PREFIX: &str = ".graph-conformance-probe-";

/// How long a writer waits for another to finish with the same directory.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// A report directory being written: locked, with its staging directory.
pub struct ReportDir {
    dir: PathBuf,
    /// Removed (with whatever is left in it) before the lock is released.
    staging: Option<tempfile::TempDir>,
    written: Vec<&'static str>,
    _lock: File,
}

impl Drop for ReportDir {
    /// Removes the staging directory, then the lock file, while the lock is still held.
    fn drop(&mut self) {
        drop(self.staging.take());
        // Windows cannot remove a file that is open; there the lock file stays.
        #[cfg(unix)]
        let _ = std::fs::remove_file(self.dir.join(LOCK_FILE));
    }
}

impl ReportDir {
    /// Creates `dir` if needed, locks it, removes leftovers and creates the staging directory.
    pub fn open(dir: &Path) -> Result<ReportDir, ReportError> {
        create_dir(dir)?;
        let lock = lock(dir)?;
        remove_leftovers(dir);
        let staging = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .tempdir_in(dir)
            .map_err(|source| ReportError::NotWritable {
                dir: dir.to_path_buf(),
                source,
            })?;
        Ok(ReportDir {
            dir: dir.to_path_buf(),
            staging: Some(staging),
            written: Vec::new(),
            _lock: lock,
        })
    }

    /// Writes the file `name` in the staging directory with `write`.
    pub fn write(
        &mut self,
        name: &'static str,
        write: impl FnOnce(File) -> std::io::Result<()>,
    ) -> Result<(), ReportError> {
        let fail = |source| ReportError::Write {
            path: self.dir.join(name),
            source,
        };
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.staging_path().join(name))
            .map_err(fail)?;
        write(file).map_err(fail)?;
        self.written.push(name);
        Ok(())
    }

    fn staging_path(&self) -> &Path {
        self.staging.as_ref().map_or(&self.dir, |s| s.path())
    }

    /// Renames every written file into place and returns their paths.
    pub fn commit(self) -> Result<Vec<PathBuf>, ReportError> {
        // (Dropping `self` afterwards removes the staging directory and the lock file.)
        let targets: Vec<PathBuf> = self.written.iter().map(|n| self.dir.join(n)).collect();
        for target in &targets {
            let is_dir = std::fs::symlink_metadata(target).is_ok_and(|m| m.is_dir());
            if is_dir {
                return Err(ReportError::TargetIsDirectory {
                    path: target.clone(),
                });
            }
        }
        for (name, target) in self.written.iter().zip(&targets) {
            std::fs::rename(self.staging_path().join(name), target).map_err(|source| {
                ReportError::Replace {
                    path: target.clone(),
                    source,
                }
            })?;
        }
        Ok(targets)
    }
}

/// Checks, before a run, that reports can be written to `dir` (creating it if needed): a
/// file of a fresh, unpredictable name is created exclusively there, then removed.
pub fn check_writable(dir: &Path) -> Result<(), ReportError> {
    create_dir(dir)?;
    tempfile::Builder::new()
        .prefix(PROBE_PREFIX)
        .tempfile_in(dir)
        .map(drop)
        .map_err(|source| ReportError::NotWritable {
            dir: dir.to_path_buf(),
            source,
        })
}

fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })
}

/// Takes the directory's lock, waiting up to [`LOCK_WAIT`] for another writer.
fn lock(dir: &Path) -> Result<File, ReportError> {
    let path = dir.join(LOCK_FILE);
    let open = || {
        open_lock_file(&path).map_err(|source| ReportError::Lock {
            path: path.clone(),
            source,
        })
    };
    let mut file = open()?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            // The writer it waited for removed that file: lock the one there now.
            Ok(()) if !is_the_file_at(&file, &path) => file = open()?,
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(ReportError::Busy {
                    dir: dir.to_path_buf(),
                    seconds: LOCK_WAIT.as_secs(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(ReportError::Lock { path, source });
            }
        }
    }
}

/// Tells whether `file` is the file at `path` (and not one removed since it was opened).
fn is_the_file_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Opens the lock file without ever creating or writing through a symbolic link: it is
/// created exclusively, or an existing regular file is opened read-only; a link in its place
/// is removed (the link, not its target) and the file created afresh.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    for _ in 0..3 {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => match File::open(path) {
                // the writer that held it removed it in between: create it again
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                opened => return opened,
            },
            Ok(meta) if meta.is_symlink() => std::fs::remove_file(path)?,
            Ok(_) => {
                return Err(std::io::Error::new(
                    ErrorKind::InvalidInput,
                    "not a regular file",
                ));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        ErrorKind::WouldBlock,
        "it keeps changing under us",
    ))
}

/// Removes what writers of this tool left in `dir` when they were killed: staging
/// directories, temporary files and probes (of this version and earlier ones). Links are
/// removed as links; nothing outside `dir` is touched.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !is_leftover(&name.to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        // A leftover that cannot be removed does not stop the write: it is only clutter.
        let _ = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
    }
}

/// Tells whether a name in a report directory is a temporary of this tool.
pub fn is_leftover(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // Earlier versions: `.write-probe-<pid>` and `.<report file>.<pid>.tmp`.
    let legacy_temporary = || {
        super::FILES.iter().any(|file| {
            name.strip_prefix('.')
                .and_then(|rest| rest.strip_prefix(file))
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .is_some_and(digits)
        })
    };
    name.starts_with(TEMPORARY_PREFIX)
        || name.starts_with(PROBE_PREFIX)
        || name.strip_prefix(".write-probe-").is_some_and(digits)
        || legacy_temporary()
}
