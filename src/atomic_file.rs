//! Files that are never seen half-written: content goes to a temporary file beside the
//! target, which is then renamed over it. A crash or a kill leaves the previous file intact.
//!
//! The temporary file has an unpredictable name and is created exclusively (`O_EXCL`: it
//! never opens, follows or truncates something already there, a planted symbolic link
//! included); the rename replaces the target name itself, never what a link there points to.

use std::io::Write;
use std::path::Path;

/// The prefix of every temporary file this tool creates beside a target.
pub const TEMPORARY_PREFIX: &str = ".graph-conformance-tmp-";

/// Writes `content` to a temporary file beside `path`, then renames it over `path`, so a
/// reader never sees a half-written file and a killed process leaves the old file intact.
/// (No fsync: this guards against crashes and kills, not power cuts.)
pub fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    write_atomically_with(path, |file| file.write_all(content.as_bytes()))
}

/// Like [`write_atomically`], with the content produced by `write`: if it fails part way,
/// the temporary file is removed and `path` keeps its previous content.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .suffix(".tmp")
        .tempfile_in(parent)?;
    write(temp.as_file_mut())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
