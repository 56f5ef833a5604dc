//! Reports: pure functions of a run's results (plus its baseline comparison), written
//! atomically to the report directory. One shape feeds every sink: results.json (the
//! record), junit.xml (CI), report.html (people), summary.md (CI job summaries and PR
//! comments). Every failing case carries a reproduction.

mod html;
mod json;
mod junit;
mod markdown;
mod repro;

pub use repro::{curl_command, reproduction};

use crate::atomic_file::write_atomically;
use crate::results::RunResults;
use std::path::{Path, PathBuf};

/// The report files, in the order they are written.
pub const FILES: [&str; 4] = ["results.json", "junit.xml", "report.html", "summary.md"];

/// The largest summary.md written (GitHub job summaries take up to 1 MiB, PR comments 64 KiB).
pub const SUMMARY_LIMIT: usize = 60 * 1024;

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot render {file}: {message}")]
    Render { file: &'static str, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Groups the cases by operation, operations in name order, cases in run order.
fn by_operation(
    results: &RunResults,
) -> std::collections::BTreeMap<&str, Vec<&crate::results::CaseResult>> {
    let mut groups: std::collections::BTreeMap<&str, Vec<_>> = std::collections::BTreeMap::new();
    for case in &results.cases {
        groups
            .entry(case.operation.as_str())
            .or_default()
            .push(case);
    }
    groups
}

/// Renders every report of `results`, as (file name, contents).
pub fn render(results: &RunResults) -> Result<Vec<(&'static str, String)>, ReportError> {
    Ok(vec![
        ("results.json", json::render(results)),
        ("junit.xml", junit::render(results)?),
        ("report.html", html::render(results)?),
        ("summary.md", markdown::render(results, SUMMARY_LIMIT)),
    ])
}

/// Renders and writes every report under `dir`; each file appears whole or not at all.
pub fn write(dir: &Path, results: &RunResults) -> Result<Vec<PathBuf>, ReportError> {
    let rendered = render(results)?;
    let mut paths = Vec::new();
    for (name, content) in rendered {
        let path = dir.join(name);
        write_atomically(&path, &content).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        paths.push(path);
    }
    Ok(paths)
}
