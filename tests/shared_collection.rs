//! Two types created in one collection (fixture pages under tests/fixtures/shared_collection,
//! each with its own enum for `lockType`, and an update of one of them): an invalid value of one type's table may be a
//! valid value of the other's, so an untyped body could be judged as the other type, and
//! accepted by a faithful server. Every invalid body of such a create names its own
//! `@odata.type`; the faithful mock then passes every case of both.

use crate::common;

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::emit::SuiteFiles;
use graph_conformance::generate::{PayloadModel, Vocabulary, invalid_payloads};
use graph_conformance::results::Verdict;
use graph_conformance::suite::Suite;
use rstest::rstest;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The suite derived from the fixture pages of two types sharing `/fleet/trackPolicies`.
fn shared_suite() -> Arc<Suite> {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared_collection");
    let pages = collect_pages(&[pages]).expect("the fixture pages");
    let derivation = derive(&pages);
    let files = SuiteFiles::render(&derivation).files;
    Arc::new(Suite::from_files(&files).expect("the derived suite loads"))
}

/// The bodies of the invalid payloads of operation `id` that concern property `key`.
fn invalid_bodies(suite: &Suite, id: &str, key: &str) -> Vec<Value> {
    let case = suite.case(id).expect("the operation");
    let schema = suite.resolve_schema(&case.request_schema).unwrap();
    let model = PayloadModel::from_request_schema(schema);
    let neighbours = Vocabulary::of(suite).neighbours(case);
    invalid_payloads(&model, &neighbours, None)
        .into_iter()
        .filter(|p| p.key == key)
        .map(|p| serde_json::from_str(&p.body).expect("a JSON body"))
        .collect()
}

#[rstest]
#[case::alpha("create-alphaTrackPolicy", "#microsoft.graph.alphaTrackPolicy")]
#[case::beta("create-betaTrackPolicy", "#microsoft.graph.betaTrackPolicy")]
fn a_create_into_a_shared_collection_names_its_own_type_in_every_invalid_value(
    #[case] id: &str,
    #[case] own_type: &str,
) {
    let suite = shared_suite();
    let bodies = invalid_bodies(&suite, id, "lockType");
    assert!(bodies.len() >= 4, "{id}: {bodies:?}");
    for body in bodies {
        assert_eq!(body["@odata.type"], own_type, "{id}: {body}");
    }
}

#[test]
fn the_other_types_member_is_sent_as_invalid_with_the_own_type() {
    let suite = shared_suite();
    let bodies = invalid_bodies(&suite, "create-betaTrackPolicy", "lockType");
    let foreign = bodies
        .iter()
        .find(|b| b["lockType"] == "any")
        .unwrap_or_else(|| panic!("alpha's `any` is not sent: {bodies:?}"));
    assert_eq!(foreign["@odata.type"], "#microsoft.graph.betaTrackPolicy");
}

#[test]
fn an_update_sends_its_invalid_values_untyped_the_object_having_its_type() {
    let suite = shared_suite();
    let case = suite.case("update-alphaTrackPolicy").unwrap();
    assert!(Vocabulary::of(&suite).neighbours(case).shared_collection);
    let bodies = invalid_bodies(&suite, "update-alphaTrackPolicy", "lockType");
    assert!(!bodies.is_empty());
    for body in bodies {
        assert!(body.get("@odata.type").is_none(), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_passes_every_case_of_two_types_sharing_a_collection() {
    let suite = shared_suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, 5).await;
    let cases = results.cases.to_vec().expect("the cases read back");
    assert!(
        cases
            .iter()
            .any(|c| c.id.contains("/invalid/lockType-other-enum-")),
        "no member of the other enum was sent"
    );
    for case in &cases {
        common::assert_passed(case);
    }
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_example_naming_the_other_type_is_sent_as_the_operation_s_own_type() {
    // as the Add attachment page's itemAttachment example under its fileAttachment
    // operation: the other type is dropped, and the body then says which type it creates
    let mut suite: Suite = (*shared_suite()).clone();
    let types = [
        (
            "create-alphaTrackPolicy",
            "#microsoft.graph.betaTrackPolicy",
        ),
        (
            "create-betaTrackPolicy",
            "#microsoft.graph.alphaTrackPolicy",
        ),
    ];
    for (id, other) in types {
        let case = suite.cases.iter_mut().find(|c| c.id == id).unwrap();
        let body = case.examples[0].request.body.as_mut().unwrap();
        body["@odata.type"] = Value::from(other);
    }
    let suite = Arc::new(suite);
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, 1).await;
    let cases = results.cases.to_vec().expect("the cases read back");
    for (id, _) in types {
        let example = cases
            .iter()
            .find(|c| c.id == format!("{id}/example-1"))
            .expect("the example ran");
        assert_eq!(example.verdict, Verdict::Passed, "{:#?}", example.findings);
    }
}

#[test]
fn resources_sharing_a_collection_are_one_family_and_run_in_one_chain() {
    // one type's update must not change what the other's list is judging
    let suite = shared_suite();
    let vocabulary = Vocabulary::of(&suite);
    let alpha = vocabulary.family("alphaTrackPolicy");
    assert_eq!(alpha, vocabulary.family("betaTrackPolicy"));
    assert_eq!(
        vocabulary.family("gadget"),
        "gadget",
        "a resource alone is its own"
    );
    let options = graph_conformance::run::RunOptions::new("http://127.0.0.1:1");
    let plan = graph_conformance::run::plan(&suite, &options).unwrap();
    assert_eq!(plan.chains.len(), 1, "one chain for the family");
}
