//! One event stream: a run tells its sinks that it started (with the plan's total), each
//! operation it skips, each case as it finishes, and that it finished (with the totals the
//! record has), in that order; the record is a sink of the same stream.

use crate::common;

use graph_conformance::model::OperationKind;
use graph_conformance::results::Totals;
use graph_conformance::run::{RunEvent, Sink, execute, plan};
use graph_conformance::suite::Suite;

/// What a sink saw, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    Started(usize),
    Skipped(String),
    Case(String),
    Finished(Totals),
}

#[derive(Default)]
struct Collect(Vec<Seen>);

impl Sink for Collect {
    fn event(&mut self, event: RunEvent<'_>) {
        self.0.push(match event {
            RunEvent::RunStarted { planned } => Seen::Started(planned),
            RunEvent::OperationSkipped { operation, .. } => Seen::Skipped(operation.to_string()),
            RunEvent::CaseFinished { result } => Seen::Case(result.id.clone()),
            RunEvent::RunFinished { totals } => Seen::Finished(totals.clone()),
        });
    }
}

/// The committed suite with its first update turned into a replace of a stream, which the
/// runner does not send.
fn suite_with_a_kind_not_run() -> (Suite, String) {
    let mut suite: Suite = (*common::suite()).clone();
    let case = suite
        .cases
        .iter_mut()
        .find(|c| c.kind == OperationKind::Update)
        .expect("the committed suite has an update");
    case.kind = OperationKind::Replace;
    case.request_body = graph_conformance::model::RequestBody::Stream;
    let id = case.id.clone();
    (suite, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_streams_started_skipped_cases_and_finished_in_order() {
    let committed = common::suite();
    let mock = common::mock(&committed).await;
    let (suite, skipped) = suite_with_a_kind_not_run();
    let options = common::options(&mock.base_url(), 2);
    let plan = plan(&suite, &options).unwrap();
    let mut seen = Collect::default();
    let results = execute(&plan, &options, &mut seen).await.unwrap();
    let seen = seen.0;
    assert_eq!(seen.first(), Some(&Seen::Started(plan.cases())));
    assert_eq!(seen.get(1), Some(&Seen::Skipped(skipped)));
    assert_eq!(seen.last(), Some(&Seen::Finished(results.totals.clone())));
    let cases = seen.iter().filter(|s| matches!(s, Seen::Case(_))).count();
    assert_eq!(cases, plan.cases(), "every planned case is told once");
    assert_eq!(
        cases, results.totals.cases,
        "the record is a sink of the same stream"
    );
    assert_eq!(results.run.skipped_operations.len(), 1);
}
