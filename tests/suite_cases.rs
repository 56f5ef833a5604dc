//! The card's shape: one test per committed case file, and proptest properties, run against
//! `GRAPH_BASE_URL` (with `GRAPH_TOKEN`) when set, and the embedded reference mock otherwise.
//! `GRAPH_BASE_URL=https://... GRAPH_TOKEN=... cargo test --test suite_cases` is thus a second
//! way to run the suite against a live endpoint.

use crate::common;

use graph_conformance::case::CaseFile;
use graph_conformance::generate::{PayloadModel, Vocabulary, body_strategy, invalid_payloads};
use graph_conformance::results::RunResults;
use graph_conformance::run::{RunOptions, run};
use proptest::prelude::*;
use rstest::rstest;
use secrecy::SecretString;
use std::path::PathBuf;

/// Runs the cases of one operation against the configured endpoint.
async fn run_operation(operation: &str) -> RunResults {
    let suite = common::suite();
    let only = Some(format!("{operation}/*"));
    match std::env::var("GRAPH_BASE_URL") {
        Ok(base_url) => {
            let options = RunOptions {
                token: std::env::var("GRAPH_TOKEN").ok().map(SecretString::from),
                only,
                ..RunOptions::new(base_url)
            };
            run(&suite, &options, &mut |_| {})
                .await
                .expect("the endpoint is reachable")
        }
        Err(_) => {
            let mock = common::mock(&suite).await;
            let options = RunOptions {
                only,
                ..common::options(&mock.base_url(), 10)
            };
            run(&suite, &options, &mut |_| {})
                .await
                .expect("the mock is reachable")
        }
    }
}

#[rstest]
#[tokio::test]
async fn documented_operation_conforms(#[files("cases/*.json")] path: PathBuf) {
    let case: CaseFile = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let results = run_operation(&case.id).await;
    let ran: Vec<_> = results
        .cases
        .to_vec()
        .unwrap()
        .into_iter()
        .filter(|c| c.operation == case.id)
        .collect();
    assert!(ran.len() >= 10, "{}: only {} cases ran", case.id, ran.len());
    let errors: Vec<_> = results
        .findings
        .iter()
        .filter(|f| f.severity == graph_conformance::diagnostic::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", case.id);
}

type Model = (String, PayloadModel, jsonschema::Validator);

/// The payload model and request validator of every committed operation, built once.
static MODELS: std::sync::LazyLock<Vec<Model>> = std::sync::LazyLock::new(|| {
    let suite = common::suite();
    suite
        .cases
        .iter()
        .map(|case| {
            let doc = suite
                .schemas
                .values()
                .find(|d| case.request_schema.starts_with(d["$id"].as_str().unwrap()))
                .unwrap();
            let model = PayloadModel::from_request_schema(&doc["$defs"]["request"]);
            (
                case.id.clone(),
                model,
                suite.validator(&case.request_schema).unwrap(),
            )
        })
        .collect()
});

fn any_operation_body() -> impl Strategy<Value = (usize, serde_json::Map<String, serde_json::Value>)>
{
    (0..MODELS.len()).prop_flat_map(|i| body_strategy(&MODELS[i].1).prop_map(move |body| (i, body)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_valid_payloads_satisfy_the_request_schema((index, body) in any_operation_body()) {
        let (id, _, validator) = &MODELS[index];
        let value = serde_json::Value::Object(body);
        prop_assert!(validator.is_valid(&value), "{id}: {value}");
    }

    #[test]
    fn generated_date_times_are_in_the_graph_core(value in graph_conformance::generate::date_time_core()) {
        prop_assert!(graph_conformance::format::is_date_time_offset(&value, graph_conformance::format::Strictness::GraphCore), "{value}");
    }

    #[test]
    fn generated_strings_are_printable(value in graph_conformance::generate::printable_string()) {
        prop_assert!(value.chars().all(|c| !c.is_control()), "{value:?}");
        prop_assert!(value.len() <= 4096 * 4);
    }
}

#[test]
fn invalid_payloads_break_the_request_schema_or_are_not_objects() {
    let suite = common::suite();
    let vocabulary = Vocabulary::of(&suite);
    for (case, (id, model, validator)) in suite.cases.iter().zip(MODELS.iter()) {
        let payloads = invalid_payloads(model, &vocabulary.neighbours(case), None);
        assert!(payloads.len() >= 5, "{id}");
        for payload in payloads {
            match serde_json::from_str::<serde_json::Value>(&payload.body) {
                Ok(value) => assert!(
                    !validator.is_valid(&value),
                    "{id}/{}: {}",
                    payload.name,
                    payload.body
                ),
                Err(_) => assert_eq!(payload.name, "broken-json"),
            }
        }
    }
}

#[test]
fn boundary_payloads_satisfy_the_request_schema_and_the_graph_core() {
    use graph_conformance::format::{Strictness, is_date_time_offset};
    for (id, model, validator) in MODELS.iter() {
        let payloads = graph_conformance::generate::boundary_payloads(model);
        assert!(payloads.len() >= 5, "{id}");
        for payload in payloads {
            let body = payload.body();
            let value = serde_json::Value::Object(body.clone());
            assert!(validator.is_valid(&value), "{id}/{}: {value}", payload.name);
            for v in body.values().filter_map(|v| v.as_str()) {
                if v.len() > 10 && v.as_bytes()[4] == b'-' && v.contains('T') {
                    assert!(is_date_time_offset(v, Strictness::GraphCore), "{v}");
                }
            }
        }
    }
}
