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
    #[error("{file} is not a valid suite file at {pointer}: {message}")]
    Invalid {
        file: String,
        /// JSON pointer of the offending value (`/examples/0/request/method`).
        pointer: String,
        message: String,
    },
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
            if let Some(name) = path.strip_prefix("schemas/") {
                let value: Value = parse(path, text)?;
                check_schema(path, &value)?;
                suite.schemas.insert(name.to_string(), value);
            } else if path.starts_with("cases/") {
                suite.cases.push(parse(path, text)?);
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

/// Parses a suite file, naming the JSON pointer of what is wrong.
fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, SuiteError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let pointer = pointer_of(e.path());
        SuiteError::Invalid {
            file: file.to_string(),
            pointer,
            message: e.into_inner().to_string(),
        }
    })
}

/// Turns serde's path (`examples[0].request.method`) into a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        let part = match segment {
            serde_path_to_error::Segment::Seq { index } => index.to_string(),
            serde_path_to_error::Segment::Map { key } => key.replace('~', "~0").replace('/', "~1"),
            serde_path_to_error::Segment::Enum { variant } => variant.clone(),
            serde_path_to_error::Segment::Unknown => "?".to_string(),
        };
        pointer.push('/');
        pointer.push_str(&part);
    }
    if pointer.is_empty() {
        "/".to_string()
    } else {
        pointer
    }
}

/// Checks that a schema document is valid JSON Schema with an `$id`, naming the pointer of
/// the first problem.
fn check_schema(file: &str, document: &Value) -> Result<(), SuiteError> {
    let invalid = |pointer: String, message: String| SuiteError::Invalid {
        file: file.to_string(),
        pointer,
        message,
    };
    if let Err(e) = jsonschema::meta::validate(document) {
        return Err(invalid(e.instance_path().to_string(), e.to_string()));
    }
    if document.get("$id").and_then(Value::as_str).is_none() && !file.ends_with("openapi.json") {
        return Err(invalid(
            "/$id".into(),
            "a schema document needs a string `$id`".into(),
        ));
    }
    Ok(())
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
