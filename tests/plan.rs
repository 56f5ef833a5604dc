//! The plan is a value: what it lists is what a run records, case for case, whatever
//! `--only` and `--partition` keep; a kind the runner cannot exercise yet is an operation
//! skipped with its reason, never a case.

use crate::common;

use graph_conformance::model::OperationKind;
use graph_conformance::run::{RunOptions, plan, planned_cases, run};
use graph_conformance::suite::Suite;
use rstest::rstest;

/// A copy of the suite's first operation of `kind`.
fn case_of(suite: &Suite, kind: OperationKind) -> graph_conformance::case::CaseFile {
    let case = suite.cases.iter().find(|c| c.kind == kind);
    case.expect("an operation of that kind").clone()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort_unstable();
    ids
}

#[rstest]
#[case::every_case(None, None)]
#[case::an_only_pattern(Some("*/invalid/*"), None)]
#[case::an_only_substring(Some("update-connector"), None)]
#[case::a_partition(None, Some((2, 3)))]
#[case::a_pattern_and_a_partition(Some("*/valid/*"), Some((1, 2)))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ids_a_run_records_are_exactly_the_plans(
    #[case] only: Option<&str>,
    #[case] partition: Option<(u32, u32)>,
) {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let options = RunOptions {
        only: only.map(str::to_string),
        partition,
        ..common::options(&mock.base_url(), 3)
    };
    let planned = sorted(plan(&suite, &options).unwrap().ids().collect());
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let recorded = sorted(
        results
            .cases
            .to_vec()
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect(),
    );
    assert!(!planned.is_empty());
    assert_eq!(recorded, planned);
    assert_eq!(planned_cases(&suite, &options).unwrap(), planned.len());
}

#[test]
fn a_chain_holds_the_operations_of_one_resource_at_one_depth_creates_first() {
    let suite = common::suite();
    let plan = plan(&suite, &RunOptions::new("http://unused")).unwrap();
    let mut keys = Vec::new();
    for chain in &plan.chains {
        let cases: Vec<_> = chain.operations.iter().map(|o| o.plan.case).collect();
        assert!(cases.iter().all(|c| c.resource == cases[0].resource));
        let creates_first = cases
            .iter()
            .skip_while(|c| c.kind == OperationKind::Create)
            .all(|c| c.kind != OperationKind::Create);
        assert!(
            creates_first,
            "{:?}",
            cases.iter().map(|c| &c.id).collect::<Vec<_>>()
        );
        keys.push((cases[0].resource.clone(), chain.depth));
    }
    let count = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), count, "one chain per resource and depth");
}

#[test]
fn a_resource_under_a_parent_waits_for_the_wave_that_fills_the_parent() {
    // one resource at two depths: the nested operations run a wave after the top ones, when
    // the parent's create has run
    let mut suite: Suite = (*common::kinds_suite()).clone();
    let mut nested = case_of(&suite, OperationKind::List);
    nested.id = "list-gadget-parts".to_string();
    nested.path = format!("{}/{{gadgetId}}/parts", nested.path);
    let resource = nested.resource.clone();
    suite.cases.push(nested);
    let options = common::options("http://127.0.0.1:1/beta", 2);
    let plan = plan(&suite, &options).unwrap();
    let chain_of = |id: &str| {
        plan.chains
            .iter()
            .find(|c| c.operations.iter().any(|o| o.id() == id))
            .unwrap()
    };
    let (top, under) = (chain_of("create-gadget"), chain_of("list-gadget-parts"));
    assert_eq!(top.operations[0].plan.case.resource, resource);
    assert_eq!((top.depth, under.depth), (0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_body_is_an_operation_skipped_with_its_reason_not_a_case() {
    let committed = common::suite();
    let mock = common::mock(&committed).await;
    let mut suite: Suite = (*committed).clone();
    for case in &mut suite.cases {
        case.kind = OperationKind::Replace;
        case.request_body = graph_conformance::model::RequestBody::Stream;
    }
    let options = common::options(&mock.base_url(), 2);
    let plan = plan(&suite, &options).unwrap();
    assert_eq!(plan.cases(), 0);
    assert_eq!(plan.skipped.len(), suite.cases.len());
    assert!(plan.skipped.iter().all(|s| s.reason.contains("stream")));
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert_eq!(results.totals.cases, 0, "no case is recorded");
    assert_eq!(results.run.skipped_operations, plan.skipped);
}

#[rstest]
#[case::a_get_reads("get-gadget/read")]
#[case::a_list_lists("list-gadget/list")]
#[case::a_list_sends_top("list-gadget/query/top")]
#[case::a_list_sends_select("list-gadget/query/select")]
#[case::a_list_sends_filter("list-gadget/query/filter")]
#[case::a_list_sends_count("list-gadget/query/count")]
#[case::an_update_is_read_back("update-gadget/read-back")]
#[case::a_replace_is_read_back("replace-gadget/read-back")]
#[case::a_replace_gets_generated_payloads("replace-gadget/valid/001")]
#[case::a_delete_deletes("delete-gadget/delete")]
#[case::a_delete_is_checked_gone("delete-gadget/gone")]
#[case::an_action_replays_its_example("action-gadget-recalibrate/example-1")]
#[case::an_action_gets_generated_parameters("action-gadget-recalibrate/valid/001")]
#[case::an_action_gets_invalid_parameters(
    "action-gadget-recalibrate/invalid/reason-number-for-string"
)]
#[case::an_action_refuses_an_unknown_parameter(
    "action-gadget-recalibrate/invalid/unknown-parameter"
)]
#[case::a_function_is_called("function-gadget-usage/call")]
#[case::a_reference_is_added("add-ref-gadget-owners/add")]
#[case::a_reference_without_odata_id_is_rejected("add-ref-gadget-owners/invalid/no-odata-id")]
#[case::a_reference_is_removed("remove-ref-gadget-owners/remove")]
#[case::a_reference_list_is_read("list-ref-gadget-owners/list")]
#[case::a_get_is_sent_without_a_token("get-gadget/convention/no-token")]
#[case::a_delete_addresses_an_unknown_id("delete-gadget/convention/unknown-id")]
fn every_kind_is_planned_into_its_lifecycle_steps(#[case] id: &str) {
    let suite = common::kinds_suite();
    let options = common::options("http://127.0.0.1:1/beta", 2);
    let plan = plan(&suite, &options).unwrap();
    let ids: Vec<String> = plan.ids().collect();
    assert!(ids.iter().any(|i| i == id), "{id} is not planned: {ids:#?}");
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
}

#[test]
fn the_lifecycle_runs_create_list_get_update_replace_actions_references_then_delete() {
    let suite = common::kinds_suite();
    let options = common::options("http://127.0.0.1:1/beta", 2);
    let plan = plan(&suite, &options).unwrap();
    let [chain] = plan.chains.as_slice() else {
        panic!("one resource is one chain");
    };
    let kinds: Vec<OperationKind> = chain.operations.iter().map(|o| o.plan.case.kind).collect();
    assert_eq!(
        kinds,
        vec![
            OperationKind::Create,
            OperationKind::List,
            OperationKind::Get,
            OperationKind::Update,
            OperationKind::Replace,
            OperationKind::Action,
            OperationKind::Function,
            OperationKind::AddReference,
            OperationKind::ListReferences,
            OperationKind::RemoveReference,
            OperationKind::Delete,
        ]
    );
}

#[rstest]
#[case::a_create_sends_no_merge(OperationKind::Create, "/merge", false)]
#[case::a_create_addresses_no_unknown_id(OperationKind::Create, "/convention/unknown-id", false)]
#[case::an_update_addresses_an_unknown_id(OperationKind::Update, "/convention/unknown-id", true)]
#[case::an_update_sends_two_merging_patches(OperationKind::Update, "/merge", true)]
#[case::every_kind_run_is_sent_without_a_token(OperationKind::Create, "/convention/no-token", true)]
#[case::every_kind_run_gets_generated_payloads(OperationKind::Update, "/valid/001", true)]
fn each_family_plans_what_the_kind_calls_for(
    #[case] kind: OperationKind,
    #[case] suffix: &str,
    #[case] planned: bool,
) {
    let suite = common::suite();
    let plan = plan(&suite, &RunOptions::new("http://unused")).unwrap();
    let operations: Vec<_> = plan
        .operations()
        .filter(|o| o.plan.case.kind == kind)
        .collect();
    assert!(!operations.is_empty());
    for operation in operations {
        let has = operation.ids().any(|id| id.ends_with(suffix));
        assert_eq!(has, planned, "{}", operation.id());
    }
}

#[rstest]
#[case::the_contract_refuses_the_example(false, true)]
#[case::the_resource_page_overrules_the_table(true, false)]
fn an_example_contradicting_its_table_is_sent_as_written_only_when_it_breaks_the_contract(
    #[case] contract_allows: bool,
    #[case] sent_as_written: bool,
) {
    // update-connector's example sends `status: "String"`, which the page's table refuses
    let mut suite: Suite = (*common::suite()).clone();
    if contract_allows {
        let status = suite
            .schemas
            .values_mut()
            .find(|doc| {
                doc["$id"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("/connector.json")
            })
            .and_then(|doc| doc.pointer_mut("/$defs/request/properties/status"))
            .unwrap();
        status.as_object_mut().unwrap().remove("enum");
    }
    let plan = plan(&suite, &RunOptions::new("http://unused")).unwrap();
    let ids: Vec<String> = plan.ids().collect();
    assert!(ids.iter().any(|id| id == "update-connector/example-1"));
    assert_eq!(
        ids.iter()
            .any(|id| id == "update-connector/example-1-as-written"),
        sent_as_written
    );
}

#[test]
fn an_operation_with_a_request_line_of_no_placeholder_waits_for_no_parent() {
    // a create under a parent that a page also documents at a fixed collection (`POST
    // /me/messages` beside `POST /me/mailFolders/{id}/messages`) runs in the first wave
    let mut suite: Suite = (*common::kinds_suite()).clone();
    let mut nested = case_of(&suite, OperationKind::Create);
    let fixed = nested.path.clone();
    nested.id = "create-gadget-under-a-shelf".to_string();
    nested.path = format!("/shelves/{{shelfId}}{fixed}");
    nested.alternative_paths = vec![fixed];
    suite.cases.push(nested);
    let plan = plan(&suite, &common::options("http://127.0.0.1:1/beta", 2)).unwrap();
    let depth = plan
        .chains
        .iter()
        .find(|c| {
            c.operations
                .iter()
                .any(|o| o.id() == "create-gadget-under-a-shelf")
        })
        .unwrap()
        .depth;
    assert_eq!(depth, 0);
}
