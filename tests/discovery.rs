//! Where a run finds the objects a path needs when no page documents a list or a create of
//! them (fixture pages under tests/fixtures/discovery): the object an action added to a
//! collection (`POST /panels/{panelId}/dials/add`), the object a line with no placeholder
//! reads (`GET /me/panel` beside `GET /panels/{panelId}`), and the object another page's
//! example addresses (`PATCH /consoles/console-42`, `GET /directoryObjects/owner-1`, which
//! also fills a reference's `@odata.id`). The faithful mock serves each, so nothing is
//! skipped and everything passes; a server that does not hold an object the run only
//! inferred gets the operation skipped, never failed.

use crate::common;

use common::wire::{Request, forward, read_request, reply};
use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::emit::SuiteFiles;
use graph_conformance::generate::{Joins, Vocabulary};
use graph_conformance::results::{CaseResult, Verdict};
use graph_conformance::suite::Suite;
use rstest::rstest;
use std::path::Path;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// The suite derived from the discovery fixture pages.
fn discovery_suite() -> Arc<Suite> {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discovery");
    let pages = collect_pages(&[pages]).expect("the fixture pages");
    let files = SuiteFiles::render(&derive(&pages)).files;
    Arc::new(Suite::from_files(&files).expect("the derived suite loads"))
}

/// Runs the discovery suite against the faithful mock and returns its cases.
async fn faithful_run() -> (Vec<CaseResult>, Vec<String>) {
    let suite = discovery_suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, 2).await;
    let skipped = results.run.skipped_operations.iter();
    let skipped = skipped
        .map(|s| format!("{}: {}", s.operation, s.reason))
        .collect();
    (
        results.cases.to_vec().expect("the cases read back"),
        skipped,
    )
}

/// Serves the mock behind a front that answers 404 to every read of one dial, as a server
/// that does not address what an action added through its collection would, and returns
/// the front's base URL.
async fn front_without_added_dials(mock: &graph_conformance::mock::MockServer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = format!("http://{}", mock.addr());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (upstream, http) = (upstream.clone(), http.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(Ok(request)) = read_request(&mut socket, &mut buf).await {
                    let answer = without_dials(&http, &upstream, &request).await;
                    if socket.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/beta")
}

async fn without_dials(http: &reqwest::Client, upstream: &str, request: &Request) -> Vec<u8> {
    let read_of_a_dial = request.method == "GET" && request.target.contains("/dials/");
    if read_of_a_dial {
        let body = br#"{"error":{"code":"ResourceNotFound","message":"no such dial"}}"#;
        return reply(
            "404 Not Found",
            &[("content-type", "application/json")],
            body,
        );
    }
    forward(http, upstream, request).await.reply()
}

fn sent_to<'a>(cases: &'a [CaseResult], id: &str) -> &'a str {
    let case = cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"));
    assert_eq!(case.verdict, Verdict::Passed, "{id}: {:#?}", case.findings);
    &case.exchanges[0].request.url
}

#[rstest]
#[case::an_add_bound_to_a_collection("action-dial-add", Some(Joins::Parent))]
#[case::a_read_of_one_object("get-dial", None)]
#[case::an_update("update-console", None)]
fn an_action_answering_an_object_of_its_own_collection_joins_it(
    #[case] operation: &str,
    #[case] joins: Option<Joins>,
) {
    let suite = discovery_suite();
    let case = suite.case(operation).expect("the operation");
    assert_eq!(Vocabulary::of(&suite).joins(case), joins);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_object_an_action_added_is_read_through_the_collection_it_joined() {
    let (cases, skipped) = faithful_run().await;
    assert!(skipped.is_empty(), "{skipped:?}");
    let added = cases
        .iter()
        .find(|c| c.id == "action-dial-add/example-1")
        .unwrap();
    let answer = added.exchanges[0].response.as_ref().expect("an answer");
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("a JSON answer");
    let id = body["id"].as_str().expect("the added dial's id");
    let read = sent_to(&cases, "get-dial/read");
    assert!(read.ends_with(&format!("/dials/{id}")), "{read}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_with_no_placeholder_names_an_object_of_the_collection_another_line_addresses() {
    let (cases, _) = faithful_run().await;
    let read = sent_to(&cases, "get-dial/read");
    assert!(read.contains("/panels/panel-7/dials/"), "{read}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_nothing_fills_takes_the_id_another_page_s_example_addresses() {
    let (cases, _) = faithful_run().await;
    let listed = sent_to(&cases, "list-knob/list");
    assert!(listed.ends_with("/consoles/console-42/knobs"), "{listed}");
    for case in cases.iter().filter(|c| c.verdict != Verdict::Skipped) {
        common::assert_passed(case);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_id_is_sent_under_the_parents_the_operation_s_own_path_has() {
    let (cases, _) = faithful_run().await;
    let unknown = sent_to(&cases, "get-dial/convention/unknown-id");
    assert!(unknown.contains("/panels/panel-7/dials/"), "{unknown}");
    assert!(!unknown.ends_with(sent_to(&cases, "get-dial/read").rsplit('/').next().unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_s_placeholder_is_filled_with_an_id_another_page_shows() {
    let (cases, _) = faithful_run().await;
    let added = cases
        .iter()
        .find(|c| c.id == "add-ref-panel-owners/add")
        .unwrap();
    assert_eq!(added.verdict, Verdict::Passed, "{:#?}", added.findings);
    let body = added.exchanges[0]
        .request
        .body
        .as_deref()
        .unwrap_or_default();
    assert!(body.contains("/v1.0/directoryObjects/owner-1\""), "{body}");
    let removed = sent_to(&cases, "remove-ref-panel-owners/remove");
    assert!(removed.ends_with("/owners/owner-1/$ref"), "{removed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_the_run_only_inferred_that_the_server_does_not_hold_skips_its_operation() {
    let suite = discovery_suite();
    let mock = common::mock(&suite).await;
    let base = front_without_added_dials(&mock).await;
    let options = common::options(&base, 2);
    let results = graph_conformance::run::run(&suite, &options, &mut |_| {})
        .await
        .unwrap();
    let skipped = &results.run.skipped_operations;
    let dial = skipped.iter().find(|s| s.operation == "get-dial");
    let dial = dial.unwrap_or_else(|| panic!("the read of the dial is not skipped: {skipped:?}"));
    assert!(dial.reason.contains("does not exist"), "{}", dial.reason);
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
}
