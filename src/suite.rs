//! A derived suite loaded back: the schema documents and case files that `derive` wrote,
//! read from a directory or from memory, and validators compiled from them.
//!
//! Schemas are compiled offline: every `$ref` resolves inside the suite's own documents
//! (registered under their `$id`), and formats (`date-time`, `uuid`, `date`) are asserted.

use crate::case::CaseFile;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema documents (by file name) and case files of a suite.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    pub schemas: BTreeMap<String, Value>,
    pub cases: Vec<CaseFile>,
}

/// Why a suite could not be loaded or a schema not compiled.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is not a valid suite file: {message}")]
    Invalid { file: String, message: String },
    #[error("schema `{reference}` does not compile: {message}")]
    Schema { reference: String, message: String },
}

impl Suite {
    /// Loads `DIR/schemas/*.json` and `DIR/cases/*.json`.
    pub fn load(dir: &Path) -> Result<Suite, SuiteError> {
        let mut files = BTreeMap::new();
        for owned in crate::emit::OWNED_DIRS {
            let path = dir.join(owned);
            let unreadable = |source| SuiteError::Unreadable {
                path: path.clone(),
                source,
            };
            for entry in std::fs::read_dir(&path).map_err(unreadable)? {
                let entry = entry.map_err(unreadable)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".json") {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path()).map_err(|source| {
                    SuiteError::Unreadable {
                        path: entry.path(),
                        source,
                    }
                })?;
                files.insert(format!("{owned}/{name}"), text);
            }
        }
        Suite::from_files(&files)
    }

    /// Builds a suite from file contents keyed by `schemas/<name>.json` and `cases/<name>.json`.
    pub fn from_files(files: &BTreeMap<String, String>) -> Result<Suite, SuiteError> {
        let mut suite = Suite::default();
        for (path, text) in files {
            let invalid = |message: String| SuiteError::Invalid {
                file: path.clone(),
                message,
            };
            if let Some(name) = path.strip_prefix("schemas/") {
                let value: Value =
                    serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
                suite.schemas.insert(name.to_string(), value);
            } else if path.starts_with("cases/") {
                let case: CaseFile =
                    serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
                suite.cases.push(case);
            }
        }
        suite.cases.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(suite)
    }

    /// Returns the case file of operation `id`.
    pub fn case(&self, id: &str) -> Option<&CaseFile> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// Compiles a validator for `reference` (`<schema $id>#/$defs/response`), with every
    /// schema document of the suite registered and formats asserted.
    pub fn validator(&self, reference: &str) -> Result<jsonschema::Validator, SuiteError> {
        let fail = |message: String| SuiteError::Schema {
            reference: reference.to_string(),
            message,
        };
        let documents: Vec<(&str, &Value)> = self
            .schemas
            .values()
            .filter_map(|doc| Some((doc.get("$id")?.as_str()?, doc)))
            .collect();
        let registry = documents
            .iter()
            .try_fold(jsonschema::Registry::new(), |registry, (id, doc)| {
                registry.add(*id, *doc)
            })
            .and_then(|r| r.prepare())
            .map_err(|e| fail(e.to_string()))?;
        let root = serde_json::json!({ "$schema": crate::schema::DIALECT, "$ref": reference });
        jsonschema::options()
            .with_registry(&registry)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| fail(e.to_string()))
    }
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_suite.rs"));
}

impl Suite {
    /// Loads the suite embedded in the binary at build time (the committed `schemas/` and
    /// `cases/`).
    pub fn embedded() -> Result<Suite, SuiteError> {
        let files = embedded::FILES
            .iter()
            .map(|(name, text)| ((*name).to_string(), (*text).to_string()))
            .collect();
        Suite::from_files(&files)
    }
}
