//! A derived suite loaded back: the schema documents and case files that `derive` wrote,
//! read from a directory or from memory, and validators compiled from them.
//!
//! Schemas are compiled offline: every `$ref` resolves inside the suite's own documents
//! (registered under their `$id`), and formats (`date-time`, `uuid`, `date`) are asserted.
//! The registry of those documents is built once per suite, on first use, and each
//! reference's validator is compiled once and shared (a clone of a validator is a handful
//! of reference counts), so a suite of the whole reference plans in well under a second.

use crate::case::CaseFile;
use crate::input_file::{InputFileError, SUITE_FILE_LIMIT, read_bounded};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The schema documents (by file name) and case files of a suite.
///
/// Validators are compiled from the documents as they are at the first call of
/// [`Suite::validator`] or [`Suite::validator_of`] and kept: change `schemas` before that,
/// or on a clone (a clone starts with nothing compiled).
#[derive(Debug, Clone, Default)]
pub struct Suite {
    pub schemas: BTreeMap<String, Value>,
    pub cases: Vec<CaseFile>,
    compiled: Compiled,
}

/// What a suite has compiled so far: the registry of its schema documents (or why they do
/// not make one) and the validator of each reference asked for.
#[derive(Default)]
struct Compiled {
    registry: OnceLock<Result<jsonschema::Registry<'static>, String>>,
    validators: Mutex<HashMap<String, jsonschema::Validator>>,
}

impl Clone for Compiled {
    /// Starts empty: a clone's documents may be changed before it compiles anything.
    fn clone(&self) -> Compiled {
        Compiled::default()
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let validators = self.validators.lock().map_or(0, |v| v.len());
        f.debug_struct("Compiled")
            .field("registry", &self.registry.get().is_some())
            .field("validators", &validators)
            .finish()
    }
}

/// Why a suite could not be loaded or a schema not compiled.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("cannot read {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] InputFileError),
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

/// Refuses a case file of another format than this version reads.
fn check_format(file: &str, format: u32) -> Result<(), SuiteError> {
    if format == crate::case::CASE_FORMAT {
        return Ok(());
    }
    Err(SuiteError::Invalid {
        file: file.to_string(),
        pointer: "/format".into(),
        message: format!(
            "case format {format}, but this version reads format {}: derive the suite again with this version",
            crate::case::CASE_FORMAT
        ),
    })
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
                let file = format!("{owned}/{name}");
                let bytes = read_bounded(&entry.path(), SUITE_FILE_LIMIT, "suite file")?;
                let text = String::from_utf8(bytes).map_err(|_| SuiteError::Invalid {
                    file: file.clone(),
                    pointer: "/".into(),
                    message: "the file is not UTF-8".into(),
                })?;
                files.insert(file, text);
            }
        }
        Suite::from_files(&files)
    }

    /// Builds a suite from file contents keyed by `schemas/<name>.json` and `cases/<name>.json`.
    pub fn from_files(files: &BTreeMap<String, String>) -> Result<Suite, SuiteError> {
        let mut suite = Suite::default();
        let mut case_files = Vec::new();
        for (path, text) in files {
            if let Some(name) = path.strip_prefix("schemas/") {
                let value: Value = parse(path, text)?;
                check_schema(path, &value)?;
                suite.schemas.insert(name.to_string(), value);
            } else if path.starts_with("cases/") {
                let case: CaseFile = parse(path, text)?;
                check_format(path, case.format)?;
                check_path(path, &case.path)?;
                case_files.push((path.clone(), case));
            }
        }
        for (name, document) in &suite.schemas {
            // the documents validators are compiled from: those with an `$id` (not openapi.json)
            if document.get("$id").is_some() {
                suite.check_refs(&format!("schemas/{name}"), document)?;
            }
        }
        for (path, case) in &case_files {
            for (pointer, reference) in [
                ("/request_schema", &case.request_schema),
                ("/response_schema", &case.response_schema),
            ] {
                if !suite.resolves(reference, None) {
                    return Err(dangling(path, pointer, reference));
                }
            }
        }
        suite.cases = case_files.into_iter().map(|(_, case)| case).collect();
        suite.cases.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(suite)
    }

    /// Loads the suite in `dir`, or the embedded one when there is none.
    pub fn load_or_embedded(dir: Option<&Path>) -> Result<Suite, SuiteError> {
        match dir {
            Some(dir) => Suite::load(dir),
            None => Suite::embedded(),
        }
    }

    /// Returns the case file of operation `id`.
    pub fn case(&self, id: &str) -> Option<&CaseFile> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// Returns the validator of `reference` (`<schema $id>#/$defs/response`), with every
    /// schema document of the suite registered and formats asserted; compiled on the first
    /// call for that reference, shared afterwards.
    pub fn validator(&self, reference: &str) -> Result<jsonschema::Validator, SuiteError> {
        let cached = |validators: &HashMap<String, jsonschema::Validator>| {
            validators.get(reference).cloned()
        };
        if let Some(validator) = self
            .compiled
            .validators
            .lock()
            .ok()
            .and_then(|v| cached(&v))
        {
            return Ok(validator);
        }
        let root = serde_json::json!({ "$schema": crate::schema::DIALECT, "$ref": reference });
        let validator = self.compile(&root, reference)?;
        if let Ok(mut validators) = self.compiled.validators.lock() {
            validators.insert(reference.to_string(), validator.clone());
        }
        Ok(validator)
    }

    /// Compiles a validator of the inline `schema`, whose `$ref`s point into the suite's
    /// documents (by absolute `$id`), with formats asserted; it is not kept.
    pub fn validator_of(&self, schema: &Value) -> Result<jsonschema::Validator, SuiteError> {
        let mut root = schema.clone();
        if let Value::Object(map) = &mut root {
            map.entry("$schema")
                .or_insert_with(|| Value::from(crate::schema::DIALECT));
        }
        self.compile(&root, INLINE_SCHEMA)
    }

    /// Compiles `root` against the suite's registry; `reference` names it in an error.
    fn compile(&self, root: &Value, reference: &str) -> Result<jsonschema::Validator, SuiteError> {
        let fail = |message: String| SuiteError::Schema {
            reference: reference.to_string(),
            message,
        };
        let registry = self.registry().map_err(|m| fail(m.to_string()))?;
        jsonschema::options()
            .with_registry(registry)
            .should_validate_formats(true)
            .build(root)
            .map_err(|e| fail(e.to_string()))
    }

    /// Returns the registry of the suite's schema documents (those with an `$id`), built on
    /// first use, or why they do not make one.
    fn registry(&self) -> Result<&jsonschema::Registry<'static>, &str> {
        let built = self.compiled.registry.get_or_init(|| {
            self.schemas
                .values()
                .filter_map(|doc| Some((doc.get("$id")?.as_str()?.to_string(), doc.clone())))
                .try_fold(jsonschema::Registry::new(), |registry, (id, doc)| {
                    registry.add(id, doc)
                })
                .and_then(|r| r.prepare())
                .map_err(|e| e.to_string())
        });
        built.as_ref().map_err(String::as_str)
    }
}

/// How an error names an inline schema given to [`Suite::validator_of`].
const INLINE_SCHEMA: &str = "(an inline schema)";

impl Suite {
    /// Checks that every `$ref` of `document` (the suite file `file`) points at a schema of
    /// the suite, naming the pointer of the first that does not.
    fn check_refs(&self, file: &str, document: &Value) -> Result<(), SuiteError> {
        let base = document.get("$id").and_then(Value::as_str);
        let mut refs = Vec::new();
        schema_refs(document, String::new(), &mut refs);
        match refs.into_iter().find(|(_, r)| !self.resolves(r, base)) {
            Some((pointer, reference)) => Err(dangling(file, &pointer, reference)),
            None => Ok(()),
        }
    }

    /// Tells whether `reference` (relative to the document `$id` `base`) names a schema of
    /// the suite.
    fn resolves(&self, reference: &str, base: Option<&str>) -> bool {
        self.schema_at(reference, base).is_some()
    }

    /// Returns the schema `reference` names, the one reading of a `$ref` in the suite: a
    /// document by `$id` (a relative URI joined to the `$id` `base`; none means `base`
    /// itself), then a JSON pointer (percent-decoded) or an `$anchor` inside it.
    pub fn schema_at(&self, reference: &str, base: Option<&str>) -> Option<&Value> {
        let (uri, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let id = if uri.is_empty() {
            base?.to_string()
        } else {
            match base.and_then(|b| reqwest::Url::parse(b).ok()) {
                Some(base) => base.join(uri).ok()?.to_string(),
                None => uri.to_string(),
            }
        };
        let document = self
            .schemas
            .values()
            .find(|doc| doc.get("$id").and_then(Value::as_str) == Some(id.as_str()))?;
        if fragment.is_empty() {
            return Some(document);
        }
        if fragment.starts_with('/') {
            let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
            return document.pointer(&pointer);
        }
        anchored(document, fragment)
    }

    /// Follows `reference` (`<$id>#/$defs/<variant>`), then any chain of schemas that are only
    /// a `$ref`, to the schema it ends at.
    pub fn resolve_schema(&self, reference: &str) -> Result<&Value, SuiteError> {
        let missing = |message: &str| SuiteError::Schema {
            reference: reference.to_string(),
            message: message.to_string(),
        };
        let mut base: Option<&str> = None;
        let mut next = reference;
        for _ in 0..MAX_REF_CHAIN {
            let schema = self.schema_at(next, base).ok_or_else(|| {
                missing("no schema document in the suite has this $id and definition")
            })?;
            base = self.document_id(next, base);
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) if schema.get("properties").is_none() => next = reference,
                _ => return Ok(schema),
            }
        }
        Err(missing("the chain of $refs is longer than 16 links"))
    }

    /// Returns the `$id` of the document `reference` (relative to `base`) lies in.
    fn document_id<'a>(&'a self, reference: &str, base: Option<&'a str>) -> Option<&'a str> {
        let (uri, _) = reference.split_once('#').unwrap_or((reference, ""));
        self.schema_at(uri, base)?.get("$id")?.as_str()
    }
}

/// How many `$ref`s [`Suite::resolve_schema`] follows before refusing the chain.
const MAX_REF_CHAIN: usize = 16;

/// The error for a `$ref` of `file` at `pointer` that names no schema of the suite.
fn dangling(file: &str, pointer: &str, reference: &str) -> SuiteError {
    SuiteError::Invalid {
        file: file.to_string(),
        pointer: pointer.to_string(),
        message: format!("`{reference}` points at no schema of the suite (a dangling $ref)"),
    }
}

/// Collects the `$ref`s of a schema with the JSON pointers where they stand; values that are
/// data, not schemas (`const`, `enum`, `default`, `examples`), are not searched.
fn schema_refs<'v>(schema: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match schema {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{}", escape(key));
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => out.push((here, reference)),
                    ("const" | "enum" | "default" | "examples", _) => {}
                    (
                        "properties" | "patternProperties" | "$defs" | "definitions"
                        | "dependentSchemas",
                        Value::Object(named),
                    ) => {
                        for (name, sub) in named {
                            schema_refs(sub, format!("{here}/{}", escape(name)), out);
                        }
                    }
                    _ => schema_refs(child, here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                schema_refs(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Returns the schema of a document that declares `$anchor: name`.
fn anchored<'v>(schema: &'v Value, name: &str) -> Option<&'v Value> {
    match schema {
        Value::Object(map) if map.get("$anchor").and_then(Value::as_str) == Some(name) => {
            Some(schema)
        }
        Value::Object(map) => map.values().find_map(|v| anchored(v, name)),
        Value::Array(items) => items.iter().find_map(|v| anchored(v, name)),
        _ => None,
    }
}

/// Checks a case file's path template.
fn check_path(file: &str, template: &str) -> Result<(), SuiteError> {
    match crate::path_template::problem(template) {
        Some(problem) => Err(SuiteError::Invalid {
            file: file.to_string(),
            pointer: "/path".into(),
            message: format!("the path `{template}` cannot be sent: {problem}"),
        }),
        None => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn suite() -> Suite {
        let widget = json!({
            "$id": "https://example.test/schemas/widget.json",
            "$defs": {
                "response": { "properties": { "id": { "type": "string" } } },
                "alias": { "$ref": "#/$defs/response" },
                "far": { "$ref": "gadget.json#/$defs/response" },
                "loop": { "$ref": "#/$defs/loop" },
                "named": { "$anchor": "named", "type": "boolean" }
            }
        });
        let gadget = json!({
            "$id": "https://example.test/schemas/gadget.json",
            "$defs": { "response": { "type": "integer" } }
        });
        Suite {
            schemas: BTreeMap::from([
                ("widget.json".to_string(), widget),
                ("gadget.json".to_string(), gadget),
            ]),
            ..Suite::default()
        }
    }

    #[rstest]
    #[case::a_definition_by_id_and_pointer("widget.json#/$defs/response", "object")]
    #[case::a_chain_inside_one_document("widget.json#/$defs/alias", "object")]
    #[case::a_chain_to_a_relative_document("widget.json#/$defs/far", "integer")]
    #[case::an_anchor("widget.json#named", "boolean")]
    fn a_reference_resolves_to_the_schema_it_ends_at(#[case] reference: &str, #[case] kind: &str) {
        let suite = suite();
        let reference = format!("https://example.test/schemas/{reference}");
        let schema = suite.resolve_schema(&reference).unwrap();
        let found = match schema.get("type").and_then(Value::as_str) {
            Some(ty) => ty,
            None if schema.get("properties").is_some() => "object",
            None => "none",
        };
        assert_eq!(found, kind);
    }

    #[rstest]
    #[case::an_unknown_document("https://example.test/schemas/nothing.json#/$defs/response")]
    #[case::an_unknown_definition("https://example.test/schemas/widget.json#/$defs/request")]
    #[case::a_chain_that_loops("https://example.test/schemas/widget.json#/$defs/loop")]
    fn a_reference_to_nothing_is_an_error(#[case] reference: &str) {
        assert!(matches!(
            suite().resolve_schema(reference),
            Err(SuiteError::Schema { .. })
        ));
    }

    #[test]
    fn a_reference_compiled_twice_validates_alike() {
        let suite = suite();
        let reference = "https://example.test/schemas/gadget.json#/$defs/response";
        let first = suite.validator(reference).unwrap();
        let second = suite.validator(reference).unwrap();
        for value in [json!(3), json!("three")] {
            assert_eq!(first.is_valid(&value), second.is_valid(&value), "{value}");
        }
        assert!(second.is_valid(&json!(3)));
        assert!(!second.is_valid(&json!("three")));
    }

    #[test]
    fn a_clone_compiles_its_own_documents() {
        let suite = suite();
        let reference = "https://example.test/schemas/gadget.json#/$defs/response";
        assert!(suite.validator(reference).unwrap().is_valid(&json!(3)));
        let mut changed = suite.clone();
        let gadget = changed.schemas.get_mut("gadget.json").unwrap();
        gadget["$defs"]["response"] = json!({ "type": "string" });
        assert!(!changed.validator(reference).unwrap().is_valid(&json!(3)));
        assert!(suite.validator(reference).unwrap().is_valid(&json!(3)));
    }

    #[rstest]
    #[case::a_ref_into_a_document(json!(5), true)]
    #[case::a_value_the_ref_forbids(json!("five"), false)]
    fn an_inline_schema_reads_the_suite_documents(#[case] count: Value, #[case] valid: bool) {
        let schema = json!({
            "type": "object",
            "properties": {
                "count": { "$ref": "https://example.test/schemas/gadget.json#/$defs/response" }
            }
        });
        let validator = suite().validator_of(&schema).unwrap();
        assert_eq!(validator.is_valid(&json!({ "count": count })), valid);
    }

    #[test]
    fn an_inline_schema_with_a_dangling_ref_is_an_error() {
        let schema = json!({ "$ref": "https://example.test/schemas/nothing.json#/$defs/x" });
        assert!(matches!(
            suite().validator_of(&schema),
            Err(SuiteError::Schema { .. })
        ));
    }

    #[test]
    fn a_fragment_without_a_document_needs_a_base() {
        let suite = suite();
        assert!(suite.schema_at("#/$defs/response", None).is_none());
        let base = Some("https://example.test/schemas/widget.json");
        assert!(suite.schema_at("#/$defs/response", base).is_some());
    }
}
