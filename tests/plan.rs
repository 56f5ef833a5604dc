//! The plan is a value: what it lists is what a run records, case for case, whatever
//! `--only` and `--partition` keep; a kind the runner cannot exercise yet is an operation
//! skipped with its reason, never a case.

mod common;

use graph_conformance::model::OperationKind;
use graph_conformance::run::{RunOptions, plan, planned_cases, run};
use graph_conformance::suite::Suite;
use rstest::rstest;

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
fn a_chain_holds_the_operations_of_one_resource_creates_first() {
    let suite = common::suite();
    let plan = plan(&suite, &RunOptions::new("http://unused")).unwrap();
    let mut resources = Vec::new();
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
        resources.push(cases[0].resource.clone());
    }
    let count = resources.len();
    resources.sort_unstable();
    resources.dedup();
    assert_eq!(resources.len(), count, "one chain per resource");
}

#[rstest]
#[case::a_get(OperationKind::Get)]
#[case::a_list(OperationKind::List)]
#[case::a_delete(OperationKind::Delete)]
#[case::an_action(OperationKind::Action)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_not_run_yet_is_an_operation_skipped_with_its_reason_not_a_case(
    #[case] kind: OperationKind,
) {
    let committed = common::suite();
    let mock = common::mock(&committed).await;
    let mut suite: Suite = (*committed).clone();
    for case in &mut suite.cases {
        case.kind = kind;
    }
    let options = common::options(&mock.base_url(), 2);
    let plan = plan(&suite, &options).unwrap();
    assert_eq!(plan.cases(), 0);
    assert_eq!(plan.skipped.len(), suite.cases.len());
    assert!(
        plan.skipped
            .iter()
            .all(|s| s.reason.ends_with("not run yet"))
    );
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert_eq!(results.totals.cases, 0, "no case is recorded");
    assert_eq!(results.run.skipped_operations, plan.skipped);
    assert_eq!(results.skipped_operations().len(), suite.cases.len());
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
