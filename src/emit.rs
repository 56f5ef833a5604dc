//! The derived contract as files (`schemas/`, `cases/`), written, or compared with what is
//! on disk (`derive --check`).
//!
//! Output is deterministic: files in name order, keys in a fixed order, 2-space indentation,
//! a trailing newline, and no machine paths, so two runs are byte-identical wherever they run.

use crate::atomic_file::write_atomically;
use crate::case::CaseFile;
use crate::derive::Derivation;
use crate::diagnostic::Diagnostic;
use crate::input_file::{SUITE_FILE_LIMIT, holds, read_bounded};
use crate::schema::{bodies, openapi_text, resource_document};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The directories derive owns under the output directory.
pub const OWNED_DIRS: [&str; 2] = ["schemas", "cases"];

/// The files of a derived suite, by path relative to the output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuiteFiles {
    pub files: BTreeMap<String, String>,
}

/// How a file on disk differs from what derive produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Added { path: String },
    Removed { path: String },
    Changed { path: String, diff: String },
}

impl Drift {
    /// The path of the file, relative to the output directory.
    pub fn path(&self) -> &str {
        match self {
            Drift::Added { path } | Drift::Removed { path } | Drift::Changed { path, .. } => path,
        }
    }
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Added { path } => write!(f, "would add {path}"),
            Drift::Removed { path } => write!(f, "would remove {path}"),
            Drift::Changed { path, diff } => write!(f, "would change {path}:\n{diff}"),
        }
    }
}

/// Why the suite files could not be written or compared.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {path}")]
pub struct EmitError {
    action: &'static str,
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

impl SuiteFiles {
    /// Renders the contract of `derivation` to files, all kept in memory.
    pub fn render(derivation: &Derivation) -> Self {
        let files = Mutex::new(BTreeMap::new());
        let rendered = render_each(derivation, |path, content| {
            lock(&files).insert(path.to_string(), content.to_string());
            Ok::<(), std::convert::Infallible>(())
        });
        match rendered {
            Ok(_) => SuiteFiles {
                files: files.into_inner().unwrap_or_else(PoisonError::into_inner),
            },
            Err(never) => match never {},
        }
    }
}

/// Renders every file of the contract of `derivation` and hands each (path relative to the
/// output directory, content) to `visit` as soon as it is rendered, from several threads;
/// returns the paths rendered, or the first error of `visit`.
///
/// The files are independent of one another once the resources' schema documents are
/// built, so they render in parallel: the OpenAPI document (the largest) beside the
/// resource and case files. No file is kept once visited.
pub fn render_each<E: Send>(
    derivation: &Derivation,
    visit: impl Fn(&str, &str) -> Result<(), E> + Sync,
) -> Result<BTreeSet<String>, E> {
    let contract = &derivation.contract;
    let documents: Vec<Value> = contract
        .resources
        .par_iter()
        .map(|resource| resource_document(resource, contract))
        .collect();
    let (openapi, others) = rayon::join(
        || {
            let mut text = openapi_text(contract, &documents);
            text.push('\n');
            visit(OPENAPI_FILE, &text).map(|()| vec![OPENAPI_FILE.to_string()])
        },
        || {
            let resources =
                contract
                    .resources
                    .par_iter()
                    .zip(&documents)
                    .map(|(resource, document)| {
                        (format!("schemas/{}.json", resource.name), pretty(document))
                    });
            resources
                .chain(case_files(derivation))
                .map(|(path, content)| visit(&path, &content).map(|()| path))
                .collect::<Result<Vec<String>, E>>()
        },
    );
    Ok(openapi?.into_iter().chain(others?).collect())
}

/// The OpenAPI document's path under the output directory.
const OPENAPI_FILE: &str = "schemas/openapi.json";

/// Writes the suite files of `derivation` under `dir`, replacing changed ones atomically and
/// removing the `.json` files of the owned directories that derive no longer produces;
/// returns how many files the suite has.
pub fn write(derivation: &Derivation, dir: &Path) -> Result<usize, EmitError> {
    let rendered = render_each(derivation, |relative, content| {
        let path = dir.join(relative);
        if holds(&path, content.as_bytes()) {
            return Ok(());
        }
        write_atomically(&path, content).map_err(|source| EmitError {
            action: "write",
            path: path.clone(),
            source,
        })
    })?;
    for stale in stale_files(&rendered, dir)? {
        std::fs::remove_file(dir.join(&stale)).map_err(|source| EmitError {
            action: "remove",
            path: dir.join(stale),
            source,
        })?;
    }
    Ok(rendered.len())
}

/// Compares the suite files of `derivation` with those under `dir`, writing nothing: the
/// drift in path order, then the files derive would remove.
pub fn check(derivation: &Derivation, dir: &Path) -> Result<Vec<Drift>, EmitError> {
    let drift = Mutex::new(Vec::new());
    let rendered = render_each(derivation, |relative, content| {
        let path = dir.join(relative);
        if holds(&path, content.as_bytes()) {
            return Ok(());
        }
        let found = match read_existing(&path) {
            Some(existing) if existing == content => None,
            Some(existing) => Some(Drift::Changed {
                path: relative.to_string(),
                diff: short_diff(&existing, content),
            }),
            None => Some(Drift::Added {
                path: relative.to_string(),
            }),
        };
        lock(&drift).extend(found);
        Ok(())
    })?;
    let mut drift = drift.into_inner().unwrap_or_else(PoisonError::into_inner);
    drift.sort_by(|a, b| a.path().cmp(b.path()));
    for path in stale_files(&rendered, dir)? {
        drift.push(Drift::Removed { path });
    }
    Ok(drift)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `.json` files of the owned directories under `dir` that are not among `rendered`.
fn stale_files(rendered: &BTreeSet<String>, dir: &Path) -> Result<Vec<String>, EmitError> {
    let mut stale = Vec::new();
    for owned in OWNED_DIRS {
        let path = dir.join(owned);
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(EmitError {
                    action: "list",
                    path,
                    source,
                });
            }
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{owned}/{name}");
            if name.ends_with(".json") && !rendered.contains(&relative) {
                stale.push(relative);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

/// Each operation's case file, with the findings of derive on its page.
fn case_files(derivation: &Derivation) -> impl ParallelIterator<Item = (String, String)> + '_ {
    let mut by_page: HashMap<&str, Vec<&Diagnostic>> = HashMap::new();
    for diagnostic in &derivation.diagnostics {
        by_page
            .entry(diagnostic.span.file.as_str())
            .or_default()
            .push(diagnostic);
    }
    derivation
        .contract
        .operations
        .par_iter()
        .map(move |operation| {
            let findings = by_page
                .get(operation.page.as_str())
                .map(|found| found.iter().map(|d| (*d).clone()).collect())
                .unwrap_or_default();
            let mut case = CaseFile::new(operation, findings);
            case.parameters_schema = bodies::operation_parameters(operation, &derivation.contract);
            case.result_schema = bodies::operation_result(operation, &derivation.contract);
            let value = serde_json::to_value(&case).expect("case files serialize");
            (format!("cases/{}.json", operation.id), pretty(&value))
        })
}

/// Reads a suite file already on disk, bounded as suite files are (a symlink to a device or
/// a FIFO planted in the output directory is not read); `None` when there is none to read.
fn read_existing(path: &Path) -> Option<String> {
    let bytes = read_bounded(path, SUITE_FILE_LIMIT, "suite file").ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Serializes with 2-space indentation and a trailing newline.
pub fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}

/// A unified diff of at most 40 lines.
fn short_diff(old: &str, new: &str) -> String {
    const MAX_LINES: usize = 40;
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("committed", "derived")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= MAX_LINES {
        return text;
    }
    let mut short = lines[..MAX_LINES].join("\n");
    short.push_str(&format!(
        "\n... {} more diff lines",
        lines.len() - MAX_LINES
    ));
    short
}
