//! Edges where faithful servers differ and no page states the behaviour: accepting an enum
//! value in another letter case (stored as the member) and storing strings NFC-normalised
//! are Graph conventions, warnings that `--strict` makes errors; storing anything else
//! stays the page's error.

use crate::common;

use common::cli::{run, text};
use graph_conformance::checks::Check;
use graph_conformance::diagnostic::Severity;
use graph_conformance::mock::{FAULT_HEADER, Fault};
use graph_conformance::results::{CaseResult, RunResults};
use rstest::rstest;

/// Generated valid payloads per operation: enough for strings that NFC changes to appear.
const CASES: u32 = 20;

async fn run_with_faults(faults: &str, strict: bool) -> RunResults {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let mut options = common::options(&mock.base_url(), CASES);
    options.strict = strict;
    options.headers.push((FAULT_HEADER.into(), faults.into()));
    graph_conformance::run::run(&suite, &options, &mut |_| {})
        .await
        .expect("the run completes")
}

fn cases(results: &RunResults) -> Vec<CaseResult> {
    results.cases.to_vec().expect("the cases are readable")
}

#[rstest]
#[case::enum_case_insensitive("enum-case-insensitive", Check::EnumCase)]
#[case::nfc_normalizes("nfc-normalizes", Check::UnicodeNormalization)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_edge_passes_with_a_convention_warning(
    #[case] fault: &str,
    #[case] check: Check,
) {
    assert!(Fault::parse(fault).is_some_and(Fault::is_convention));
    let results = run_with_faults(fault, false).await;
    assert!(!results.failed(), "{:#?}", results.findings);
    assert_eq!(results.totals.failed, 0);
    assert!(results.findings.iter().any(|f| f.check == check));
    assert!(results.findings.iter().all(|f| f.check == check
        && f.severity == Severity::Warning
        && f.convention
        && f.rule.is_none()));
}

#[rstest]
#[case::enum_case_insensitive("enum-case-insensitive", Check::EnumCase)]
#[case::nfc_normalizes("nfc-normalizes", Check::UnicodeNormalization)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_strict_a_faithful_edge_is_an_error(#[case] fault: &str, #[case] check: Check) {
    let results = run_with_faults(fault, true).await;
    assert!(results.failed());
    assert!(results.findings.iter().any(|f| f.check == check));
    assert!(
        results
            .findings
            .iter()
            .all(|f| f.check == check && f.severity == Severity::Error)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enum_case_warning_is_on_the_case_swap_and_names_the_stored_member() {
    let results = run_with_faults("enum-case-insensitive", false).await;
    let swaps: Vec<CaseResult> = cases(&results)
        .into_iter()
        .filter(|c| c.id.ends_with("-enum-wrong-case"))
        .collect();
    assert!(!swaps.is_empty());
    for case in &swaps {
        assert!(case.findings.iter().all(|f| f.check == Check::EnumCase));
        assert!(
            case.findings.iter().any(|f| f
                .message
                .contains("another letter case, and stored the member")),
            "{:#?}",
            case.findings
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_another_case_and_storing_it_as_sent_stays_invalid_rejected() {
    let results = run_with_faults("accept-invalid-enum", false).await;
    let swaps: Vec<CaseResult> = cases(&results)
        .into_iter()
        .filter(|c| c.id.ends_with("-enum-wrong-case"))
        .collect();
    assert!(!swaps.is_empty());
    for case in &swaps {
        let checks: Vec<Check> = case.findings.iter().map(|f| f.check).collect();
        assert_eq!(checks, [Check::InvalidRejected], "{}", case.id);
        assert!(case.findings[0].is_error());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normalising_server_that_also_changes_strings_otherwise_fails_the_echo() {
    let results = run_with_faults("nfc-normalizes,swap-values", false).await;
    assert!(results.failed());
    assert!(
        results
            .findings
            .iter()
            .any(|f| f.check == Check::Echo && f.severity == Severity::Error)
    );
}

#[rstest]
#[case::enum_case_insensitive("enum-case-insensitive")]
#[case::nfc_normalizes("nfc-normalizes")]
fn the_command_line_exits_0_with_a_warning_and_1_under_strict(#[case] fault: &str) {
    let report = tempfile::tempdir().unwrap();
    let cases = CASES.to_string();
    let lenient = run(&["--cases", &cases, "--fault", fault], report.path());
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient));
    assert!(String::from_utf8_lossy(&lenient.stdout).contains("WARN "));
    let strict = run(
        &["--cases", &cases, "--fault", fault, "--strict"],
        report.path(),
    );
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
}

/// Serves every request with a 200 and `body`, on a local port; returns the base URL.
async fn serve_ok(body: &'static str) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(Ok(_)) = common::wire::read_request(&mut socket, &mut buf).await {
                    let json = ("content-type", "application/json");
                    let answer = common::wire::reply("200 OK", &[json], body.as_bytes());
                    if socket.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/beta")
}

#[rstest]
#[case::the_member_stored(r#"{"state": "none"}"#, Check::EnumCase, Severity::Warning)]
#[case::nothing_said_of_what_was_stored("{}", Check::EnumCase, Severity::Warning)]
#[case::the_other_case_stored(r#"{"state": "None"}"#, Check::InvalidRejected, Severity::Error)]
#[case::another_value_stored(r#"{"state": "active"}"#, Check::InvalidRejected, Severity::Error)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_swap_accepted_is_a_convention_only_when_the_member_is_stored(
    #[case] answer: &'static str,
    #[case] check: Check,
    #[case] severity: Severity,
) {
    let base = serve_ok(answer).await;
    let mut options = common::options(&base, 1);
    options.only = Some("update-ndesConnector/invalid/state-enum-wrong-case".into());
    options
        .ids
        .insert("ndesConnectorId".to_string(), "x1".to_string());
    let results = graph_conformance::run::run(&common::suite(), &options, &mut |_| {})
        .await
        .expect("the run completes");
    let cases = cases(&results);
    let [case] = cases.as_slice() else {
        panic!("{cases:#?}");
    };
    let checks: Vec<(Check, Severity)> = case
        .findings
        .iter()
        .map(|f| (f.check, f.severity))
        .collect();
    assert_eq!(checks, [(check, severity)], "{:#?}", case.findings);
}
