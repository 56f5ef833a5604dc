//! Reports are pure functions of results: each sink says the same thing its own way, a
//! hostile server cannot inject markup, the summary stays small, files appear whole, and the
//! baseline tells new failures from old ones.

mod common;

use graph_conformance::baseline::{self, AcceptFile, Acceptance, FailOn};
use graph_conformance::checks::{Check, Finding};
use graph_conformance::report;
use graph_conformance::results::{
    CaseKind, CaseResult, Exchange, RecordedRequest, RecordedResponse, RunInfo, RunResults, Verdict,
};
use rstest::rstest;

fn info() -> RunInfo {
    common::run_info()
}

fn exchange(status: u16, body: &str) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: "PATCH".into(),
            url: "http://127.0.0.1:1/beta/widgets/w1".into(),
            headers: vec![("Authorization".into(), "Bearer [REDACTED]".into())],
            body: Some("{\"label\":\"x\"}".into()),
        },
        response: Some(RecordedResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            body_bytes: body.len(),
            body_cap: 65536,
            truncated: false,
            headers_dropped: 0,
            headers_truncated: false,
        }),
        error: None,
        retries: 0,
        duration_ms: 1.0,
    }
}

fn case(id: &str, findings: Vec<Finding>, body: &str) -> CaseResult {
    CaseResult {
        id: id.into(),
        operation: id.split('/').next().unwrap().into(),
        kind: CaseKind::Valid,
        verdict: CaseResult::verdict_of(&findings),
        skipped_reason: None,
        exchanges: vec![exchange(200, body)],
        findings,
        shrink: None,
        duration_ms: 1.0,
    }
}

fn error(check: Check, key: &str, message: &str) -> Finding {
    Finding::new(check, false, key, message, Some("widget.md:12:1".into()))
}

fn warning(check: Check) -> Finding {
    Finding::new(check, false, "x", "a convention", None)
}

fn results(cases: Vec<CaseResult>) -> RunResults {
    RunResults::from_vec(info(), cases).unwrap()
}

fn rendered(results: &RunResults, file: &str) -> String {
    report::render(results)
        .unwrap()
        .into_iter()
        .find(|(name, _)| *name == file)
        .unwrap()
        .1
}

#[rstest]
#[case::warnings_are_not_failures_in_junit("junit.xml")]
#[case::warnings_are_not_failures_in_markdown("summary.md")]
fn warnings_are_not_failures(#[case] file: &str) {
    let r = results(vec![case(
        "update-widget/convention/no-token",
        vec![warning(Check::AuthRequired)],
        "{}",
    )]);
    let text = rendered(&r, file);
    assert!(!r.failed());
    match file {
        "junit.xml" => {
            let parsed = junit_parser::from_reader(std::io::Cursor::new(text.as_bytes())).unwrap();
            assert_eq!(parsed.failures, 0);
            assert_eq!(parsed.skipped, 0);
            assert!(
                text.contains("warning [auth-required]"),
                "warnings go to system-out"
            );
        }
        _ => assert!(text.starts_with("# graph-conformance: 1 passed, 0 failed")),
    }
}

#[test]
fn a_5xx_is_reported_once_not_also_as_a_schema_failure() {
    let suite = common::suite();
    let case = suite.case("update-ndesConnector").unwrap();
    let validator = suite.validator(&case.response_schema).unwrap();
    let schema = serde_json::json!({});
    let answer = graph_conformance::checks::Answer {
        status: 503,
        content_type: Some("text/html"),
        body: b"<h1>down</h1>",
        truncated_at: None,
    };
    let expected = graph_conformance::checks::Expected {
        status: &case.status,
        validator: &validator,
        schema: &schema,
        strict: false,
        secrets: &graph_conformance::secret::Secrets::default(),
    };
    let verdict = graph_conformance::checks::check_success(answer, &expected);
    let checks: Vec<Check> = verdict.findings.iter().map(|f| f.check).collect();
    assert_eq!(checks, [Check::ServerError]);
}

#[rstest]
#[case::in_html("report.html")]
#[case::in_junit("junit.xml")]
fn a_hostile_body_cannot_inject_markup(#[case] file: &str) {
    let hostile = "<script>alert('pwned')</script><img src=x onerror=alert(1)>";
    let r = results(vec![case(
        "update-widget/valid/001",
        vec![error(Check::StatusCode, "status", hostile)],
        hostile,
    )]);
    let text = rendered(&r, file);
    assert!(
        !text.contains("<script>alert"),
        "{file} holds the raw script"
    );
    assert!(!text.contains("<img src=x"), "{file} holds the raw tag");
    assert!(
        text.contains("&lt;script&gt;") || text.contains("&lt;script>"),
        "{file} shows the text escaped"
    );
}

#[test]
fn summary_md_stays_under_64_kib_with_ten_thousand_findings() {
    let cases: Vec<CaseResult> = (0..10_000)
        .map(|i| {
            case(
                &format!("update-op{}/valid/{i:05}", i % 50),
                vec![error(
                    Check::Echo,
                    &format!("p{i}"),
                    &"long message ".repeat(20),
                )],
                "{}",
            )
        })
        .collect();
    let r = results(cases);
    let md = rendered(&r, "summary.md");
    assert!(md.len() < 64 * 1024, "{} bytes", md.len());
    assert!(md.contains("more lines omitted"));
    assert!(md.starts_with("# graph-conformance: 0 passed, 10000 failed"));
}

#[test]
fn junit_is_accepted_by_an_independent_parser_with_the_same_counts() {
    let r = results(vec![
        case(
            "update-widget/valid/001",
            vec![error(
                Check::StatusCode,
                "status",
                "expected 200 OK, got 204",
            )],
            "",
        ),
        case("update-widget/valid/002", vec![], "{}"),
        case(
            "create-widget/valid/001",
            vec![warning(Check::OdataType)],
            "{}",
        ),
        CaseResult {
            verdict: Verdict::Skipped,
            skipped_reason: Some("no id".into()),
            exchanges: vec![],
            ..case("update-gadget/unresolved", vec![], "")
        },
    ]);
    let xml = rendered(&r, "junit.xml");
    let parsed = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(parsed.tests, 4);
    assert_eq!(parsed.failures, 1);
    assert_eq!(parsed.skipped, 1);
    assert_eq!(parsed.suites.len(), 3, "one testsuite per operation");
    let widget = parsed
        .suites
        .iter()
        .find(|s| s.name == "update-widget")
        .unwrap();
    let failed = widget
        .cases
        .iter()
        .find(|c| c.original_name == "update-widget/valid/001")
        .unwrap();
    assert_eq!(failed.classname.as_deref(), Some("update-widget"));
    let junit_parser::TestStatus::Failure(failure) = &failed.status else {
        panic!("{:?}", failed.status)
    };
    assert!(
        failure
            .message
            .contains("[status-code] expected 200 OK, got 204")
    );
    assert!(
        failure
            .text
            .contains("PATCH http://127.0.0.1:1/beta/widgets/w1"),
        "the request is in the failure: {:?}",
        failure.text
    );
    assert!(xml.contains("&gt; PATCH http://127.0.0.1:1/beta/widgets/w1"));
    assert!(failure.text.contains("Reproduce with:"));
}

#[test]
fn reproductions_use_the_token_variable_and_replay_the_request() {
    let r = results(vec![case(
        "update-widget/valid/001",
        vec![error(Check::StatusCode, "status", "x")],
        "",
    )]);
    let commands = report::reproduction(&r.run, &r.cases.to_vec().unwrap()[0]);
    assert_eq!(
        commands[0],
        "curl -sS -i -X PATCH 'http://127.0.0.1:1/beta/widgets/w1' -H \"Authorization: Bearer $GRAPH_TOKEN\" --data-raw '{\"label\":\"x\"}'"
    );
    assert!(commands[1].starts_with("graph-conformance replay 'update-widget/valid/001'"));
}

#[test]
fn results_json_matches_its_documented_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/results.schema.json")).unwrap();
    jsonschema::meta::validate(&schema).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let mut r = results(vec![
        case(
            "update-widget/valid/001",
            vec![error(Check::StatusCode, "status", "x")],
            "",
        ),
        case("update-widget/valid/002", vec![], "{}"),
    ]);
    let old = r.clone();
    r.baseline = Some(baseline::diff(&r, &old));
    r.history = baseline::history_for(&old);
    let value: serde_json::Value = serde_json::from_str(&rendered(&r, "results.json")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn a_real_run_matches_the_documented_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/results.schema.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let run = common::run_with_fault(
        &suite,
        &mock,
        graph_conformance::mock::Fault::parse("wrong-status"),
        2,
    )
    .await;
    let value: serde_json::Value = serde_json::from_str(&rendered(&run, "results.json")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn an_interrupted_write_leaves_the_old_report_intact_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.md");
    std::fs::write(&path, "old report\n").unwrap();
    let outcome = graph_conformance::atomic_file::write_atomically_with(&path, |file| {
        use std::io::Write;
        file.write_all(b"half of the new rep")?;
        Err(std::io::Error::other("the writer died"))
    });
    assert!(outcome.is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old report\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no stray temporary file: {names:?}");
}

fn failing(ids: &[&str]) -> RunResults {
    results(
        ids.iter()
            .map(|id| case(id, vec![error(Check::Echo, "p", "m")], "{}"))
            .collect(),
    )
}

#[rstest]
#[case::new_failure(&[], &["a/valid/001"], 1, 0, 0)]
#[case::still_failing(&["a/valid/001"], &["a/valid/001"], 0, 1, 0)]
#[case::fixed(&["a/valid/001"], &[], 0, 0, 1)]
#[case::mixed(&["a/valid/001", "a/valid/002"], &["a/valid/002", "a/valid/003"], 1, 1, 1)]
fn baseline_classifies_failures(
    #[case] before: &[&str],
    #[case] now: &[&str],
    #[case] new: usize,
    #[case] still: usize,
    #[case] fixed: usize,
) {
    let diff = baseline::diff(&failing(now), &failing(before));
    assert_eq!(
        (diff.new.len(), diff.still_failing.len(), diff.fixed.len()),
        (new, still, fixed)
    );
}

#[test]
fn with_a_baseline_only_new_failures_fail_unless_fail_on_all() {
    let mut now = failing(&["a/valid/001", "a/valid/002"]);
    now.baseline = Some(baseline::diff(&now, &failing(&["a/valid/001"])));
    assert_eq!(baseline::blocking(&now, FailOn::New).len(), 1);
    assert_eq!(baseline::blocking(&now, FailOn::All).len(), 2);
}

#[rstest]
#[case::accepted_until_tomorrow("2026-11-24", false, 0)]
#[case::accepted_until_today("2026-11-23", false, 0)]
#[case::expired_acceptance_fails_again("2026-11-22", true, 1)]
fn accepted_failures_hold_until_they_expire(
    #[case] expires: &str,
    #[case] expired: bool,
    #[case] blocking: usize,
) {
    let mut now = failing(&["a/valid/001"]);
    let file = AcceptFile {
        accept: vec![Acceptance {
            operation: Some("a".into()),
            check: Some(Check::Echo),
            case: Some("a/valid/*".into()),
            reason: "known bug".into(),
            expires: expires.into(),
        }],
    };
    now.accepted = baseline::accepted(&now, &file, "2026-11-23");
    assert_eq!(now.accepted.len(), 1);
    assert_eq!(now.accepted[0].expired, expired);
    assert_eq!(baseline::blocking(&now, FailOn::All).len(), blocking);
}

#[test]
fn a_case_that_failed_in_some_remembered_runs_is_flaky() {
    let mut older = failing(&[]);
    older.history = vec![baseline::HistoryRun {
        started: "x".into(),
        failing: baseline::failures(&failing(&["a/valid/001"]))
            .into_keys()
            .collect(),
    }];
    let now = failing(&["a/valid/001"]);
    let diff = baseline::diff(&now, &older);
    assert!(
        diff.new[0].flaky,
        "failed two runs ago, passed in the baseline, fails now"
    );
}

#[test]
fn accept_files_are_read_from_toml_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("accept.toml");
    std::fs::write(
        &toml,
        "[[accept]]\ncheck = \"echo\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
    )
    .unwrap();
    assert_eq!(
        baseline::load_accept_file(&toml).unwrap().accept[0].check,
        Some(Check::Echo)
    );
    let json = dir.path().join("accept.json");
    std::fs::write(
        &json,
        r#"{"accept": [{"case": "x/*", "reason": "r", "expires": "2030-01-01"}]}"#,
    )
    .unwrap();
    assert_eq!(
        baseline::load_accept_file(&json).unwrap().accept[0]
            .case
            .as_deref(),
        Some("x/*")
    );
    std::fs::write(&json, r#"{"accept": [{"reason": "r", "expires": "soon"}]}"#).unwrap();
    assert!(
        baseline::load_accept_file(&json)
            .unwrap_err()
            .to_string()
            .contains("YYYY-MM-DD")
    );
}
