//! Issue 12, items 4 to 7: what the suite sends so that no stated fault of a create or of
//! request validation slips through. Untyped creates (where the collection serves one type),
//! members of the suite's other enums, near misses of a member, an array for a String,
//! `null` and `true` bodies, and the `@odata.type` of another resource of the suite: each is
//! passed by the faithful mock and flagged, by the check it breaks, on the mock fault that
//! breaks it.

use crate::common;

use graph_conformance::checks::Check;
use graph_conformance::generate::{Neighbours, PayloadModel, Vocabulary, invalid_payloads};
use graph_conformance::mock::{FAULT_HEADER, Fault, MockConfig, MockServer};
use graph_conformance::results::{CaseResult, RunResults, Verdict};
use graph_conformance::run::run;
use graph_conformance::suite::Suite;
use rstest::rstest;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

const CASES: u32 = 20;

fn cases(results: &RunResults) -> Vec<CaseResult> {
    results.cases.to_vec().expect("the cases read back")
}

fn case<'a>(cases: &'a [CaseResult], id: &str) -> &'a CaseResult {
    cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn sent_body(case: &CaseResult) -> Value {
    let body = case.exchanges[0].request.body.as_deref().unwrap_or("null");
    serde_json::from_str(body).expect("a JSON request body")
}

/// The payload model and neighbours of the committed operation `id`.
fn model_of(suite: &Suite, id: &str) -> (PayloadModel, Neighbours) {
    let case = suite.cases.iter().find(|c| c.id == id).expect("the case");
    let (schema_id, _) = case.request_schema.split_once('#').unwrap();
    let doc = suite
        .schemas
        .values()
        .find(|d| d["$id"] == schema_id)
        .unwrap();
    let model = PayloadModel::from_request_schema(&doc["$defs"]["request"]);
    (model, Vocabulary::of(suite).neighbours(case))
}

fn payload_names(suite: &Suite, id: &str) -> Vec<String> {
    let (model, neighbours) = model_of(suite, id);
    invalid_payloads(&model, &neighbours, None)
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// The `@odata.type`s the invalid payloads of operation `id` send as the invalid value (a
/// field's invalid value may be sent beside the operation's own type).
fn odata_types_sent(suite: &Suite, id: &str) -> Vec<String> {
    let (model, neighbours) = model_of(suite, id);
    invalid_payloads(&model, &neighbours, None)
        .into_iter()
        .filter(|p| p.key == "@odata.type")
        .filter_map(|p| {
            let body: Value = serde_json::from_str(&p.body).ok()?;
            Some(body.get("@odata.type")?.as_str()?.to_string())
        })
        .collect()
}

/// The invalid (or boundary) case of the operation `id` starts with that sent `body`.
fn case_sending<'a>(cases: &'a [CaseResult], prefix: &str, body: &Value) -> &'a CaseResult {
    cases
        .iter()
        .filter(|c| c.id.starts_with(prefix) && !c.exchanges.is_empty())
        .find(|c| c.exchanges[0].request.body.as_deref() == Some(body.to_string().as_str()))
        .unwrap_or_else(|| panic!("no case of {prefix} sends {body}"))
}

#[rstest]
#[case::a_member_of_another_enum_of_the_suite("update-ndesConnector", "state-other-enum-error")]
#[case::the_other_way_round("update-deviceManagementDomainJoinConnector", "state-other-enum-none")]
#[case::a_member_with_a_trailing_space("update-ndesConnector", "state-enum-trailing-space")]
#[case::a_member_with_a_prefix("update-ndesConnector", "state-enum-prefixed")]
#[case::the_empty_string_for_an_enum("update-ndesConnector", "state-enum-empty")]
#[case::an_array_for_a_string("update-connector", "machineName-array-for-string")]
#[case::a_null_body("create-ndesConnector", "null-body")]
#[case::a_true_body("create-ndesConnector", "boolean-body")]
fn the_invalid_payloads_include(#[case] operation: &str, #[case] name: &str) {
    let suite = common::suite();
    let names = payload_names(&suite, operation);
    assert!(names.iter().any(|n| n == name), "{operation}: {names:?}");
}

#[rstest]
#[case::no_member_of_this_enum_in_any_case("update-ndesConnector", &["state-other-enum-active", "state-other-enum-inactive", "state-other-enum-none"])]
fn the_invalid_payloads_never_include(#[case] operation: &str, #[case] names: &[&str]) {
    let suite = common::suite();
    let listed = payload_names(&suite, operation);
    for name in names {
        assert!(!listed.iter().any(|n| n == name), "{operation}: {name}");
    }
}

#[rstest]
#[case::to_an_update("update-ndesConnector", "#microsoft.graph.connector")]
#[case::to_a_create(
    "create-ndesConnector",
    "#microsoft.graph.deviceManagementDomainJoinConnector"
)]
#[case::to_another_resource("update-connector", "#microsoft.graph.ndesConnector")]
fn the_odata_type_of_another_resource_of_the_suite_is_sent(
    #[case] operation: &str,
    #[case] odata_type: &str,
) {
    let suite = common::suite();
    let sent = odata_types_sent(&suite, operation);
    assert!(
        sent.iter().any(|t| t == odata_type),
        "{operation}: {sent:?}"
    );
    let own = format!("#microsoft.graph.{}", operation.split_once('-').unwrap().1);
    assert!(
        !sent.contains(&own),
        "{operation} never gets its own type: {sent:?}"
    );
}

#[test]
fn case_ids_name_no_other_resource() {
    // `--only ndesConnector` picks the operations on ndesConnector, nothing else
    let suite = common::suite();
    for case in suite.cases.iter().filter(|c| c.resource != "ndesConnector") {
        let names = payload_names(&suite, &case.id);
        assert!(
            !names.iter().any(|n| n.contains("ndesConnector")),
            "{}: {names:?}",
            case.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_rejects_every_new_invalid_payload_and_accepts_untyped_creates() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, CASES).await;
    let cases = cases(&results);
    for id in [
        "create-ndesConnector/boundary/untyped",
        "create-ndesConnector/invalid/state-other-enum-error",
        "create-ndesConnector/invalid/state-enum-trailing-space",
        "create-ndesConnector/invalid/state-enum-prefixed",
        "create-ndesConnector/invalid/state-enum-empty",
        "create-ndesConnector/invalid/displayName-array-for-string",
        "create-ndesConnector/invalid/null-body",
        "create-ndesConnector/invalid/boolean-body",
    ] {
        let case = case(&cases, id);
        assert_eq!(case.verdict, Verdict::Passed, "{id}: {:#?}", case.findings);
    }
    for operation in [
        "create-ndesConnector/invalid/",
        "update-ndesConnector/invalid/",
    ] {
        let foreign = json!({ "@odata.type": "#microsoft.graph.connector" });
        let case = case_sending(&cases, operation, &foreign);
        common::assert_passed(case);
    }
    let untyped = sent_body(case(&cases, "create-ndesConnector/boundary/untyped"));
    assert!(untyped.get("@odata.type").is_none(), "{untyped}");
    assert!(
        untyped.get("displayName").is_some(),
        "the first example, untyped: {untyped}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_creates_into_a_collection_of_one_type_are_typed_or_not() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, CASES).await;
    let typed: Vec<bool> = cases(&results)
        .iter()
        .filter(|c| c.id.starts_with("create-ndesConnector/valid/"))
        .map(|c| sent_body(c).get("@odata.type").is_some())
        .collect();
    assert_eq!(typed.len(), CASES as usize);
    assert!(typed.contains(&true) && typed.contains(&false), "{typed:?}");
}

#[rstest]
#[case::untyped_create_answers_200(
    "create-201-only-typed",
    "create-ndesConnector/boundary/",
    json!({ "displayName": "Display Name value", "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00", "state": "active" }),
    Check::StatusCode
)]
#[case::enum_takes_another_enums_member(
    "enum-accepts-foreign-member",
    "update-ndesConnector/invalid/",
    json!({ "state": "error" }),
    Check::InvalidRejected
)]
#[case::array_taken_for_a_string(
    "array-accepted-as-string",
    "update-connector/invalid/",
    json!({ "machineName": ["x"] }),
    Check::InvalidRejected
)]
#[case::null_body_taken_for_an_empty_object(
    "null-body-accepted",
    "create-ndesConnector/invalid/",
    Value::Null,
    Check::InvalidRejected
)]
#[case::another_resources_type_accepted(
    "foreign-odata-type-accepted",
    "update-ndesConnector/invalid/",
    json!({ "@odata.type": "#microsoft.graph.connector" }),
    Check::InvalidRejected
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_is_flagged_on_the_case_that_sends_what_it_mishandles(
    #[case] fault: &str,
    #[case] operation: &str,
    #[case] sent: Value,
    #[case] check: Check,
) {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let fault = Fault::parse(fault).expect("the fault exists");
    let results = common::run_with_fault(&suite, &mock, Some(fault), 1).await;
    let cases = cases(&results);
    let flagged = case_sending(&cases, operation, &sent);
    assert!(
        flagged
            .findings
            .iter()
            .any(|f| f.check == check && f.is_error()),
        "{}: {:#?}",
        flagged.id,
        flagged.findings
    );
    assert!(results.failed());
}

/// The committed suite with a second type (`connector`) created in ndesConnector's
/// collection: a polymorphic collection.
fn polymorphic_suite() -> Arc<Suite> {
    let mut suite = (*common::suite()).clone();
    let create = suite
        .cases
        .iter()
        .find(|c| c.id == "create-ndesConnector")
        .expect("the create")
        .clone();
    let connector = suite
        .cases
        .iter()
        .find(|c| c.id == "update-connector")
        .expect("the connector update")
        .clone();
    let mut twin = create;
    twin.id = "create-connector".into();
    twin.resource = connector.resource;
    twin.request_schema = connector.request_schema;
    twin.response_schema = connector.response_schema;
    twin.examples.clear();
    suite.cases.push(twin);
    Arc::new(suite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_into_a_collection_of_several_types_always_say_their_type() {
    let suite = polymorphic_suite();
    let mock = MockServer::start(
        Arc::clone(&suite),
        MockConfig::default(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the mock starts");
    let mut options = common::options(&mock.base_url(), CASES);
    options
        .headers
        .push((FAULT_HEADER.into(), "create-201-only-typed".into()));
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let cases = cases(&results);
    assert!(!cases.iter().any(|c| c.id.ends_with("/boundary/untyped")));
    let creates: Vec<&CaseResult> = cases
        .iter()
        .filter(|c| c.id.starts_with("create-") && !c.id.contains("/invalid/"))
        .filter(|c| !c.id.contains("/convention/"))
        .collect();
    assert!(creates.len() > CASES as usize);
    for case in creates {
        let body = sent_body(case);
        assert!(body.get("@odata.type").is_some(), "{}: {body}", case.id);
        common::assert_passed(case);
    }
    let sent = odata_types_sent(&suite, "create-ndesConnector");
    assert!(
        !sent.iter().any(|t| t == "#microsoft.graph.connector"),
        "a type its collection serves is no foreign type: {sent:?}"
    );
}
