//! Shared test plumbing: the committed suite, the embedded reference mock (or the endpoint
//! named by GRAPH_BASE_URL), and a runner that collects results.

#![allow(dead_code)]

pub mod cli;
pub mod wire;

use graph_conformance::mock::{FAULT_HEADER, Fault, MockConfig, MockServer};
use graph_conformance::results::RunResults;
use graph_conformance::run::{RunOptions, run};
use graph_conformance::suite::Suite;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The committed suite.
pub fn suite() -> Arc<Suite> {
    Arc::new(Suite::load(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the committed suite loads"))
}

/// Starts the reference mock with no run-level fault.
pub async fn mock(suite: &Arc<Suite>) -> MockServer {
    MockServer::start(
        Arc::clone(suite),
        MockConfig::default(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the mock starts")
}

/// Returns options for `base_url`, with a token and few generated cases.
pub fn options(base_url: &str, cases: u32) -> RunOptions {
    RunOptions {
        token: Some(SecretString::from("test-token-0123456789")),
        cases,
        ..RunOptions::new(base_url)
    }
}

/// Runs `suite` against the mock with `fault` injected per request.
pub async fn run_with_fault(
    suite: &Suite,
    mock: &MockServer,
    fault: Option<Fault>,
    cases: u32,
) -> RunResults {
    let mut options = options(&mock.base_url(), cases);
    if let Some(fault) = fault {
        options
            .headers
            .push((FAULT_HEADER.to_string(), fault.name().to_string()));
    }
    run(suite, &options, &mut |_| {})
        .await
        .expect("the run completes")
}

/// Returns the id the case `case_id` (a create) got back in its response body.
pub fn created_id(results: &RunResults, case_id: &str) -> String {
    let created = results
        .cases
        .to_vec()
        .unwrap()
        .into_iter()
        .find(|c| c.id == case_id)
        .expect("the create ran");
    let body: serde_json::Value = serde_json::from_str(
        &created.exchanges[0]
            .response
            .as_ref()
            .expect("a response")
            .body,
    )
    .expect("a JSON body");
    body["id"].as_str().expect("a string id").to_string()
}

/// Run settings for results built by hand.
pub fn run_info() -> graph_conformance::results::RunInfo {
    graph_conformance::results::RunInfo {
        tool: "graph-conformance".into(),
        version: "0".into(),
        seed: 7,
        base_url: "http://127.0.0.1:1/beta".into(),
        embedded_mock: false,
        mock_faults: Vec::new(),
        started: "2026-11-23T00:00:00Z".into(),
        duration_ms: 12.0,
        cases_per_operation: 1,
        only: None,
        strict: false,
        ids: Vec::new(),
        token_sent: true,
        partition: None,
        suite: String::new(),
        not_started: 0,
        throttled: 0,
        skipped_operations: Vec::new(),
    }
}

/// The committed suite's files (`schemas/...`, `cases/...`) by relative path.
pub fn committed_suite_files() -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    for dir in ["schemas", "cases"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(path).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
            files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    files
}

/// The suite derived from `tests/fixtures/kinds`: one `gadget` resource with an operation of
/// every kind.
pub fn kinds_suite() -> Arc<Suite> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kinds");
    let pages = graph_conformance::derive::collect_pages(&[dir]).expect("the fixture pages read");
    let derivation = graph_conformance::derive::derive(&pages);
    let out = tempfile::tempdir().expect("a temporary directory");
    graph_conformance::emit::write(&derivation, out.path()).expect("the suite is written");
    Arc::new(Suite::load(out.path()).expect("the kinds suite loads"))
}

/// Asserts that `case` passed, naming it and its findings when it did not.
pub fn assert_passed(case: &graph_conformance::results::CaseResult) {
    assert_eq!(
        case.verdict,
        graph_conformance::results::Verdict::Passed,
        "{}: {:#?}",
        case.id,
        case.findings
    );
}
