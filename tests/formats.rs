//! The formats derive writes are the formats it documents: every case file, committed or
//! emitted from pages of every kind, validates against `docs/case.schema.json`, and every
//! emitted schema document is a valid JSON Schema 2020-12.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::emit::SuiteFiles;
use graph_conformance::model::OperationKind;
use rstest::rstest;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn case_format_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../docs/case.schema.json"))
        .expect("docs/case.schema.json is JSON");
    jsonschema::draft202012::new(&schema).expect("docs/case.schema.json compiles")
}

/// The files derive emits for the pages under `tests/fixtures/<dir>`, by relative path.
fn emitted(dir: &str) -> Vec<(String, Value)> {
    let pages = collect_pages(&[root().join("tests/fixtures").join(dir)]).expect("fixture pages");
    let files = SuiteFiles::render(&derive(&pages)).files;
    assert!(!files.is_empty(), "{dir} emits nothing");
    files
        .into_iter()
        .map(|(path, text)| {
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            (path, value)
        })
        .collect()
}

fn case_files(files: &[(String, Value)]) -> Vec<&(String, Value)> {
    files
        .iter()
        .filter(|(p, _)| p.starts_with("cases/"))
        .collect()
}

fn schema_files(files: &[(String, Value)]) -> Vec<&(String, Value)> {
    files
        .iter()
        .filter(|(p, _)| p.starts_with("schemas/") && !p.ends_with("openapi.json"))
        .collect()
}

fn committed_cases() -> Vec<(String, Value)> {
    let dir = root().join("cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.display().to_string(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, name: &str, value: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

#[rstest]
fn every_committed_case_file_has_the_documented_format() {
    let validator = case_format_validator();
    let cases = committed_cases();
    assert!(cases.len() >= 5, "{cases:?}");
    for (name, case) in &cases {
        assert_valid(&validator, name, case);
    }
}

#[rstest]
#[case::one_page_per_kind("kinds")]
#[case::creates_and_updates("pages")]
fn every_emitted_case_file_has_the_documented_format(#[case] dir: &str) {
    let validator = case_format_validator();
    let files = emitted(dir);
    for (name, case) in case_files(&files) {
        assert_valid(&validator, name, case);
    }
}

#[rstest]
fn the_kind_fixtures_emit_a_case_of_every_kind() {
    let files = emitted("kinds");
    let kinds: BTreeSet<String> = case_files(&files)
        .iter()
        .map(|(_, case)| case["kind"].as_str().expect("a kind").to_string())
        .collect();
    let all: BTreeSet<String> = OperationKind::ALL
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, all);
}

#[rstest]
#[case::committed_suite(None)]
#[case::one_page_per_kind(Some("kinds"))]
#[case::creates_and_updates(Some("pages"))]
fn every_schema_document_is_valid_json_schema_2020_12(#[case] dir: Option<&str>) {
    let files = match dir {
        Some(dir) => emitted(dir),
        None => std::fs::read_dir(root().join("schemas"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = format!("schemas/{}", p.file_name().unwrap().to_string_lossy());
                (
                    name,
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
                )
            })
            .collect(),
    };
    let schemas = schema_files(&files);
    assert!(!schemas.is_empty());
    for (name, schema) in schemas {
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        if let Err(e) = jsonschema::meta::validate(schema) {
            panic!("{name} is not a valid 2020-12 schema: {e}");
        }
    }
}

/// A valid case file of the kind fixtures, changed by `edit`.
fn edited(id: &str, edit: fn(&mut Value)) -> Value {
    let files = emitted("kinds");
    let path = format!("cases/{id}.json");
    let (_, case) = files
        .iter()
        .find(|(p, _)| *p == path)
        .unwrap_or_else(|| panic!("no {path}"));
    let mut case = case.clone();
    edit(&mut case);
    case
}

#[rstest]
#[case::format_1("get-gadget", |c: &mut Value| c["format"] = json!(1))]
#[case::an_unknown_kind("get-gadget", |c: &mut Value| c["kind"] = json!("patch"))]
#[case::a_lower_case_method("get-gadget", |c: &mut Value| c["method"] = json!("get"))]
#[case::a_path_without_its_slash("get-gadget", |c: &mut Value| c["path"] = json!("gadgets/{gadgetId}"))]
#[case::no_request_body("delete-gadget", |c: &mut Value| { c.as_object_mut().unwrap().remove("request_body"); })]
#[case::parameters_without_their_table(
    "action-gadget-recalibrate",
    |c: &mut Value| { c["request_body"].as_object_mut().unwrap().remove("parameters"); }
)]
#[case::a_collection_without_its_resource("list-gadget", |c: &mut Value| c["response"] = json!({"kind": "collection"}))]
#[case::an_unknown_edm_type(
    "function-gadget-usage",
    |c: &mut Value| c["response"]["type"] = json!({"kind": "int128"})
)]
#[case::a_parameter_in_a_header("get-gadget", |c: &mut Value| c["parameters"][0]["in"] = json!("header"))]
#[case::a_machine_path_as_page("get-gadget", |c: &mut Value| c["source"]["page"] = json!("/home/me/get-gadget.md"))]
#[case::a_field_the_format_does_not_have("get-gadget", |c: &mut Value| c["retries"] = json!(3))]
#[case::a_schema_ref_elsewhere(
    "get-gadget",
    |c: &mut Value| c["response_schema"] = json!("https://example.com/gadget.json#/$defs/response")
)]
fn the_case_format_refuses_what_it_does_not_describe(
    #[case] id: &str,
    #[case] edit: fn(&mut Value),
) {
    let validator = case_format_validator();
    assert!(validator.is_valid(&edited(id, |_| {})), "{id} as emitted");
    let case = edited(id, edit);
    assert!(!validator.is_valid(&case), "{case:#}");
}
