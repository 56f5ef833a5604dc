//! A boundary case's object exists for its edge alone: once the case is judged, the run
//! deletes it through the delete the contract documents, so a collection does not fill with
//! an object per edge (32 KiB strings among them) that every later list reads again. The
//! objects of the examples and the generated payloads stay, for the lists to hold.

use crate::common;

use graph_conformance::mock::MockServer;
use graph_conformance::results::{CaseKind, CaseResult, RunResults};
use serde_json::Value;

const CASES: u32 = 5;

fn cases_of(results: &RunResults, operation: &str) -> Vec<CaseResult> {
    let cases = results.cases.to_vec().expect("the record reads back");
    cases
        .into_iter()
        .filter(|c| c.operation == operation)
        .collect()
}

/// The id a case's first answer (a create) holds.
fn created(case: &CaseResult) -> Option<String> {
    let response = case.exchanges.first()?.response.as_ref()?;
    let body: Value = serde_json::from_str(&response.body).ok()?;
    body["id"].as_str().map(str::to_string)
}

/// The ids the mock lists in the collection at `path`, read to the end.
async fn listed(base_url: &str, path: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    let mut next = Some(format!("{base_url}{path}"));
    while let Some(url) = next.take() {
        let text = http
            .get(&url)
            .bearer_auth("test-token-0123456789")
            .send()
            .await
            .expect("the mock answers")
            .text()
            .await
            .expect("a page");
        let page: Value = serde_json::from_str(&text).expect("a JSON page");
        let items = page["value"].as_array().cloned().unwrap_or_default();
        ids.extend(
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string)),
        );
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    ids
}

/// Runs the fixture suite of every kind against the faithful mock, which it returns.
async fn faithful_run() -> (MockServer, RunResults) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let suite = common::kinds_suite();
    let mock = common::mock(&suite).await;
    let results = common::run_with_fault(&suite, &mock, None, CASES).await;
    (mock, results)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boundary_case_deletes_the_object_it_created_once_judged() {
    let (mock, results) = faithful_run().await;
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    let creates = cases_of(&results, "create-gadget");
    let boundaries: Vec<&CaseResult> = creates
        .iter()
        .filter(|c| c.kind == CaseKind::Boundary && created(c).is_some())
        .collect();
    assert!(
        boundaries.len() > 3,
        "{} boundary creates",
        boundaries.len()
    );
    for case in &boundaries {
        let id = created(case).expect("an id");
        let [post, delete] = case.exchanges.as_slice() else {
            panic!(
                "{}: {} exchanges, not a create and its delete",
                case.id,
                case.exchanges.len()
            );
        };
        assert_eq!(post.request.method, "POST");
        assert_eq!(delete.request.method, "DELETE", "{}", case.id);
        assert!(
            delete.request.url.ends_with(&format!("/gadgets/{id}")),
            "{}",
            delete.request.url
        );
        let status = delete.response.as_ref().map(|r| r.status);
        assert!(
            status.is_some_and(|s| (200..300).contains(&s)),
            "{}: {status:?}",
            case.id
        );
    }
    let left = listed(&mock.base_url(), "/gadgets").await;
    for case in &boundaries {
        let id = created(case).expect("an id");
        assert!(!left.contains(&id), "{} left {id} behind", case.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_objects_of_examples_and_generated_payloads_stay_for_the_lists() {
    let (mock, results) = faithful_run().await;
    let kept: Vec<(String, String)> = cases_of(&results, "create-gadget")
        .iter()
        .filter(|c| matches!(c.kind, CaseKind::Valid | CaseKind::Example))
        .filter_map(|c| Some((c.id.clone(), created(c)?)))
        .collect();
    assert!(kept.len() > 2, "{kept:?}");
    let left = listed(&mock.base_url(), "/gadgets").await;
    // the lifecycle deletes its own object (the first created) at its end; the rest stays
    for (case, id) in kept.iter().skip(1) {
        assert!(left.contains(id), "{case}: {id} was deleted");
    }
}
