//! `replay` runs one recorded case again against the endpoint its run used; a URL read from
//! a results file is never sent a token on the file's say.

use crate::common;

use graph_conformance::replay::{Replay, ReplayError, ReplayRequest};
use graph_conformance::results::{CaseKind, CaseResult, RunInfo, RunResults, Verdict};
use rstest::rstest;
use secrecy::SecretString;
use std::path::{Path, PathBuf};

const CASE: &str = "update-ndesConnector/merge";

fn recorded(id: &str) -> CaseResult {
    CaseResult {
        id: id.into(),
        operation: id.split('/').next().unwrap().into(),
        kind: CaseKind::Valid,
        verdict: Verdict::Passed,
        skipped_reason: None,
        exchanges: Vec::new(),
        findings: Vec::new(),
        shrink: None,
        duration_ms: 1.0,
    }
}

/// Writes a results.json of one passed case, recorded against `base_url` (the embedded mock
/// when `None`), and returns its path.
fn record(dir: &Path, base_url: Option<&str>) -> PathBuf {
    let info = RunInfo {
        base_url: base_url.unwrap_or("http://127.0.0.1:9/v1.0").into(),
        embedded_mock: base_url.is_none(),
        ..common::run_info()
    };
    let results = RunResults::from_vec(info, vec![recorded(CASE)]).unwrap();
    let written = graph_conformance::report::write(dir, &results).unwrap();
    written
        .into_iter()
        .find(|p| p.ends_with("results.json"))
        .unwrap()
}

fn request<'a>(
    results: &'a Path,
    case: &'a str,
    base_url: Option<&str>,
    token: bool,
) -> ReplayRequest<'a> {
    ReplayRequest {
        case,
        results,
        base_url: base_url.map(str::to_string),
        token: token.then(|| SecretString::from("replay-token")),
        suite: None,
    }
}

#[rstest]
#[case::the_embedded_mock_again(None, None, true)]
#[case::a_given_url_over_the_embedded_mock(None, Some("https://graph.example.test/v1.0"), false)]
#[case::the_recorded_url_without_a_token(Some("https://graph.example.test/v1.0"), None, false)]
#[case::a_given_url_over_the_recorded_one(
    Some("https://a.example.test/v1.0"),
    Some("https://graph.example.test/v1.0"),
    false
)]
#[tokio::test]
async fn a_replay_goes_where_its_run_went_unless_told(
    #[case] recorded_url: Option<&str>,
    #[case] given_url: Option<&str>,
    #[case] embedded: bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let results = record(dir.path(), recorded_url);
    let replay = Replay::prepare(request(&results, CASE, given_url, false)).unwrap();
    assert_eq!(replay.recorded.id, CASE);
    let expected = given_url.or(recorded_url);
    match expected {
        Some(url) => assert_eq!(replay.base_url(), url),
        None => assert!(replay.base_url().starts_with("http://127.0.0.1:")),
    }
    assert_eq!(expected.is_none(), embedded);
}

#[test]
fn a_token_never_goes_to_a_url_from_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let results = record(dir.path(), Some("https://graph.example.test/v1.0"));
    let refused = Replay::prepare(request(&results, CASE, None, true));
    assert!(matches!(
        refused,
        Err(ReplayError::TokenNeedsBaseUrl { .. })
    ));
}

#[test]
fn a_recorded_url_that_is_no_base_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let results = record(dir.path(), Some("ftp://graph.example.test/v1.0"));
    let refused = Replay::prepare(request(&results, CASE, None, false));
    assert!(matches!(refused, Err(ReplayError::RecordedEndpoint { .. })));
}

#[rstest]
#[case::an_unknown_case_of_a_known_operation(
    "update-ndesConnector/nope",
    "some ids of update-ndesConnector there: update-ndesConnector/merge"
)]
#[case::an_unknown_operation("create-widget/valid/001", "its operations: update-ndesConnector")]
fn an_unknown_case_names_the_cases_near_it(#[case] id: &str, #[case] near: &str) {
    let dir = tempfile::tempdir().unwrap();
    let results = record(dir.path(), None);
    match Replay::prepare(request(&results, id, None, false)) {
        Err(error @ ReplayError::NoCase { .. }) => {
            assert!(error.to_string().contains(near), "{error}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("{id} was found"),
    }
}

#[tokio::test]
async fn a_replayed_case_runs_again_against_the_embedded_mock() {
    let dir = tempfile::tempdir().unwrap();
    let results = record(dir.path(), None);
    let replay = Replay::prepare(request(&results, CASE, None, false)).unwrap();
    let again = replay.run().await.unwrap();
    assert_eq!(again.id, CASE);
    assert_eq!(again.verdict, Verdict::Passed, "{:?}", again.findings);
}
