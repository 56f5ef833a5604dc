//! Files that are never seen half-written: content goes to a temporary file beside the
//! target, which is then renamed over it. A crash or a kill leaves the previous file intact.

use std::io::Write;
use std::path::Path;

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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&temp)
        .and_then(|mut file| write(&mut file))
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
