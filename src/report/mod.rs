//! Reports: pure functions of a run's results (plus its baseline comparison), written to
//! the report directory as one unit (all four or none; see `unit`). One shape feeds every sink: results.json (the
//! record), junit.xml (CI), report.html (people), summary.md (CI job summaries and PR
//! comments). Every failing case carries a reproduction.

mod html;
mod json;
mod junit;
mod markdown;
mod repro;
mod unit;

pub use html::CASES_SHOWN as HTML_CASES_SHOWN;
pub use markdown::{Place, inert};
pub use repro::{curl_command, reproduction};
pub use unit::{LOCK_FILE, LOCK_WAIT, check_writable, is_leftover};

use crate::results::{RootCause, RunResults};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use unit::ReportDir;

/// The report files, in the order they are written.
pub const FILES: [&str; 4] = ["results.json", "junit.xml", "report.html", "summary.md"];

/// The largest summary.md written (GitHub job summaries take up to 1 MiB, PR comments 64 KiB).
pub const SUMMARY_LIMIT: usize = 60 * 1024;

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot render {file}")]
    Render {
        file: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render report.html")]
    Template(#[source] minijinja::Error),
    #[error("cannot create the report directory {dir}")]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write to the report directory {dir}")]
    NotWritable {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot lock {path}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another graph-conformance kept writing reports to {dir} for {seconds}s; expected it to finish first (or give another --report-dir)"
    )]
    Busy { dir: PathBuf, seconds: u64 },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot replace {path}: it is a directory")]
    TargetIsDirectory { path: PathBuf },
    #[error("cannot put {path} in place")]
    Replace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Returns the path of the results.json in the report directory `dir` (the one the replay
/// line of every reproduction names).
pub fn results_file(dir: &Path) -> PathBuf {
    dir.join(FILES[0])
}

/// Renders every report of `results`, as (file name, contents), in memory, as they would be
/// written to `dir`.
pub fn render(
    dir: &Path,
    results: &RunResults,
) -> Result<Vec<(&'static str, String)>, ReportError> {
    let results_file = results_file(dir);
    let mut json = Vec::new();
    let (junit, html) =
        stream(results, &results_file, &mut json).map_err(|e| render_error("results.json", e))?;
    let mut xml = Vec::new();
    junit
        .finish(results, &mut xml)
        .map_err(|e| render_error("junit.xml", e))?;
    Ok(vec![
        ("results.json", String::from_utf8_lossy(&json).into_owned()),
        ("junit.xml", String::from_utf8_lossy(&xml).into_owned()),
        ("report.html", html.finish(results)?),
        ("summary.md", markdown::render(results, SUMMARY_LIMIT)),
    ])
}

/// Renders and writes every report under `dir`, as one unit (see the `unit` module): the
/// four appear together, or the previous four stay. The cases are read once: results.json is
/// written as they stream past, while junit.xml and report.html keep what they need of each.
pub fn write(dir: &Path, results: &RunResults) -> Result<Vec<PathBuf>, ReportError> {
    write_through(dir, results, |_, file| Box::new(file))
}

/// Like [`write`], with each file written through `sink(name, file)` (tests put a writer
/// that fails part way there, as a full disk would).
#[doc(hidden)]
pub fn write_through(
    dir: &Path,
    results: &RunResults,
    mut sink: impl FnMut(&'static str, File) -> Box<dyn Write>,
) -> Result<Vec<PathBuf>, ReportError> {
    let results_file = results_file(dir);
    let mut unit = ReportDir::open(dir)?;
    let mut sinks = None;
    unit.write("results.json", |file| {
        sinks = Some(stream(results, &results_file, sink("results.json", file))?);
        Ok(())
    })?;
    let Some((junit, html)) = sinks else {
        return Err(render_error(
            "results.json",
            std::io::Error::other("not written"),
        ));
    };
    unit.write("junit.xml", |file| {
        junit.finish(
            results,
            BufWriter::with_capacity(256 * 1024, sink("junit.xml", file)),
        )
    })?;
    let html = html.finish(results)?;
    unit.write("report.html", |file| {
        write_all(sink("report.html", file), &html)
    })?;
    let summary = markdown::render(results, SUMMARY_LIMIT);
    unit.write("summary.md", |file| {
        write_all(sink("summary.md", file), &summary)
    })?;
    unit.commit()
}

fn write_all(mut out: Box<dyn Write>, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Returns the root causes errors first, then by operation, check and key: the list report.html
/// shows, and the console prints at the end of a run.
pub fn root_causes(results: &RunResults) -> Vec<&RootCause> {
    let mut causes: Vec<_> = results.findings.iter().collect();
    causes.sort_by_key(|c| (c.severity, &c.operation, c.check, &c.key));
    causes
}

/// Shortens `text` to at most `max` characters, ending with an ellipsis when it was cut.
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let cut = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}\u{2026}", &text[..cut]))
        }
    }
}

/// How many cases read back may wait for the writers.
const READ_AHEAD: usize = 256;

/// Reads the cases once, writing results.json to `out` and feeding the other reports. The
/// cases are read back (parsed) on a thread of their own while they are written: a run of
/// tens of thousands of cases spends as long parsing its record as writing the reports.
fn stream(
    results: &RunResults,
    results_file: &Path,
    out: impl Write,
) -> std::io::Result<(junit::Builder, html::Builder)> {
    let mut json = json::Writer::start(
        results,
        results_file,
        BufWriter::with_capacity(256 * 1024, out),
    )?;
    let mut junit = junit::Builder::new(results_file)?;
    let mut html = html::Builder::new(results_file);
    let lines = results.cases.lines()?;
    std::thread::scope(|scope| {
        let (send, read) = std::sync::mpsc::sync_channel(READ_AHEAD);
        // stops at the first send the writers no longer take (they stopped at an error)
        scope.spawn(move || {
            for line in lines {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        for line in read {
            let line = line?;
            json.case_line(results, &line)?;
            junit.case(results, &line.case);
            html.case(results, &line.case);
        }
        Ok::<(), std::io::Error>(())
    })?;
    json.finish(results)?.flush()?;
    Ok((junit, html))
}

fn render_error(file: &'static str, source: std::io::Error) -> ReportError {
    ReportError::Render { file, source }
}
