//! Reports: pure functions of a run's results (plus its baseline comparison), written
//! atomically to the report directory. One shape feeds every sink: results.json (the
//! record), junit.xml (CI), report.html (people), summary.md (CI job summaries and PR
//! comments). Every failing case carries a reproduction.

mod html;
mod json;
mod junit;
mod markdown;
mod repro;

pub use html::CASES_SHOWN as HTML_CASES_SHOWN;
pub use repro::{curl_command, reproduction};

use crate::atomic_file::write_atomically_with;
use crate::results::RunResults;
use std::io::{BufWriter, Write};
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

/// Renders every report of `results`, as (file name, contents), in memory.
pub fn render(results: &RunResults) -> Result<Vec<(&'static str, String)>, ReportError> {
    let mut json = Vec::new();
    let (junit, html) = stream(results, &mut json).map_err(|e| write_error("results.json", e))?;
    let mut xml = Vec::new();
    junit
        .finish(results, &mut xml)
        .map_err(|e| write_error("junit.xml", e))?;
    Ok(vec![
        ("results.json", String::from_utf8_lossy(&json).into_owned()),
        ("junit.xml", String::from_utf8_lossy(&xml).into_owned()),
        ("report.html", html.finish(results)?),
        ("summary.md", markdown::render(results, SUMMARY_LIMIT)),
    ])
}

/// Renders and writes every report under `dir`; each file appears whole or not at all. The
/// cases are read once: results.json is written as they stream past, while junit.xml and
/// report.html keep what they need of each.
pub fn write(dir: &Path, results: &RunResults) -> Result<Vec<PathBuf>, ReportError> {
    let mut sinks = None;
    let json = write_file(dir, "results.json", |file| {
        sinks = Some(stream(results, file)?);
        Ok(())
    })?;
    let Some((junit, html)) = sinks else {
        return Err(write_error(
            "results.json",
            std::io::Error::other("not written"),
        ));
    };
    let junit = write_file(dir, "junit.xml", |file| {
        junit.finish(results, BufWriter::with_capacity(256 * 1024, file))
    })?;
    let html = html.finish(results)?;
    let html = write_file(dir, "report.html", |file| file.write_all(html.as_bytes()))?;
    let summary = markdown::render(results, SUMMARY_LIMIT);
    let summary = write_file(dir, "summary.md", |file| file.write_all(summary.as_bytes()))?;
    Ok(vec![json, junit, html, summary])
}

/// Writes `dir/name` atomically with `write`, and returns its path.
fn write_file(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    match write_atomically_with(&path, write) {
        Ok(()) => Ok(path),
        Err(source) => Err(ReportError::Write { path, source }),
    }
}

/// Reads the cases once, writing results.json to `out` and feeding the other reports.
fn stream(
    results: &RunResults,
    out: impl Write,
) -> std::io::Result<(junit::Builder, html::Builder)> {
    let mut json = json::Writer::start(results, BufWriter::with_capacity(256 * 1024, out))?;
    let mut junit = junit::Builder::new()?;
    let mut html = html::Builder::default();
    for case in results.cases.iter()? {
        let case = case?;
        json.case(results, &case)?;
        junit.case(results, &case);
        html.case(results, &case);
    }
    json.finish(results)?.flush()?;
    Ok((junit, html))
}

fn write_error(file: &'static str, error: std::io::Error) -> ReportError {
    ReportError::Render {
        file,
        message: error.to_string(),
    }
}
