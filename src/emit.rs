//! The derived contract as files (`schemas/`, `cases/`), written, or compared with what is
//! on disk (`derive --check`).
//!
//! Output is deterministic: files in name order, keys in a fixed order, 2-space indentation,
//! a trailing newline, and no machine paths, so two runs are byte-identical wherever they run.

use crate::atomic_file::write_atomically;
use crate::case::CaseFile;
use crate::derive::Derivation;
use crate::diagnostic::Diagnostic;
use crate::input_file::{SUITE_FILE_LIMIT, read_bounded};
use crate::schema::{openapi_document_of, resource_document};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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
    /// Renders the contract of `derivation` to files.
    ///
    /// The files are independent of one another once the resources' schema documents are
    /// built, so they render in parallel: the OpenAPI document (the largest) beside the
    /// resource and case files.
    pub fn render(derivation: &Derivation) -> Self {
        let contract = &derivation.contract;
        let documents: Vec<Value> = contract
            .resources
            .par_iter()
            .map(|resource| resource_document(resource, contract))
            .collect();
        let (openapi, mut files) = rayon::join(
            || pretty(&openapi_document_of(contract, &documents)),
            || {
                let mut files: BTreeMap<String, String> = contract
                    .resources
                    .par_iter()
                    .zip(&documents)
                    .map(|(resource, document)| {
                        (format!("schemas/{}.json", resource.name), pretty(document))
                    })
                    .collect();
                files.par_extend(case_files(derivation));
                files
            },
        );
        files.insert("schemas/openapi.json".into(), openapi);
        SuiteFiles { files }
    }

    /// Writes the files under `dir`, replacing changed ones atomically and removing the
    /// `.json` files of the owned directories that derive no longer produces.
    pub fn write(&self, dir: &Path) -> Result<(), EmitError> {
        for (relative, content) in &self.files {
            let path = dir.join(relative);
            if read_existing(&path).as_deref() == Some(content.as_str()) {
                continue;
            }
            write_atomically(&path, content).map_err(|source| EmitError {
                action: "write",
                path: path.clone(),
                source,
            })?;
        }
        for stale in self.stale_files(dir)? {
            std::fs::remove_file(dir.join(&stale)).map_err(|source| EmitError {
                action: "remove",
                path: dir.join(stale),
                source,
            })?;
        }
        Ok(())
    }

    /// Compares the files with those under `dir`, writing nothing.
    pub fn check(&self, dir: &Path) -> Result<Vec<Drift>, EmitError> {
        let mut drift = Vec::new();
        for (relative, content) in &self.files {
            match read_existing(&dir.join(relative)) {
                Some(existing) if existing == *content => {}
                Some(existing) => drift.push(Drift::Changed {
                    path: relative.clone(),
                    diff: short_diff(&existing, content),
                }),
                None => drift.push(Drift::Added {
                    path: relative.clone(),
                }),
            }
        }
        for path in self.stale_files(dir)? {
            drift.push(Drift::Removed { path });
        }
        Ok(drift)
    }

    fn stale_files(&self, dir: &Path) -> Result<Vec<String>, EmitError> {
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
                if name.ends_with(".json") && !self.files.contains_key(&relative) {
                    stale.push(relative);
                }
            }
        }
        stale.sort();
        Ok(stale)
    }
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
            let case = CaseFile::new(operation, findings);
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
