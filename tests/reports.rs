//! Reports are pure functions of results: each sink says the same thing its own way, a
//! hostile server cannot inject markup, the summary stays small, files appear whole, and the
//! baseline tells new failures from old ones.

use crate::common;

use graph_conformance::baseline::{self, AcceptFile, Acceptance, FailOn};
use graph_conformance::checks::{Check, Finding};
use graph_conformance::report::{self, Place, inert};
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
        reconnected: false,
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
    let rule = graph_conformance::checks::parse_span("widget.md:12:1");
    Finding::new(check, false, key, message, rule, status_evidence())
}

fn warning(check: Check) -> Finding {
    Finding::new(check, false, "x", "a convention", None, status_evidence())
}

fn status_evidence() -> graph_conformance::checks::Evidence {
    graph_conformance::checks::Evidence::Status {
        expected: "401".into(),
        actual: 200,
    }
}

fn results(cases: Vec<CaseResult>) -> RunResults {
    RunResults::from_vec(info(), cases).unwrap()
}

fn rendered(results: &RunResults, file: &str) -> String {
    report::render(std::path::Path::new("report"), results)
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
        content_encoding: None,
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
            skipped_reason: Some("cut off by the --max-time deadline".into()),
            exchanges: vec![],
            ..case("update-gadget/valid/001", vec![], "")
        },
    ]);
    let mut r = r;
    r.run.skipped_operations = vec![graph_conformance::results::SkippedOperation {
        operation: "get-gizmo".into(),
        reason: "this kind is not run yet".into(),
    }];
    let xml = rendered(&r, "junit.xml");
    let parsed = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(parsed.tests, 5);
    assert_eq!(parsed.failures, 1);
    assert_eq!(
        parsed.skipped, 2,
        "a skipped case and an operation skipped whole"
    );
    assert_eq!(parsed.suites.len(), 4, "one testsuite per operation");
    let gizmo = parsed
        .suites
        .iter()
        .find(|s| s.name == "get-gizmo")
        .unwrap();
    let junit_parser::TestStatus::Skipped(skip) = &gizmo.cases[0].status else {
        panic!("{:?}", gizmo.cases[0].status)
    };
    assert_eq!(skip.message, "this kind is not run yet");
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
    let commands = report::reproduction(
        &r.run,
        &r.cases.to_vec().unwrap()[0],
        std::path::Path::new("report/results.json"),
    );
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
    r.run.skipped_operations = vec![graph_conformance::results::SkippedOperation {
        operation: "get-widget".into(),
        reason: "this kind is not run yet".into(),
    }];
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
    older.history = vec![graph_conformance::failure::HistoryRun {
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

/// The events of summary.md as GitHub-flavoured markdown reads it: the text outside code
/// spans, the code spans, and whether anything live (HTML, image, link) is in it.
struct Markdown {
    text: String,
    code: Vec<String>,
    live: Vec<String>,
}

fn parse_markdown(md: &str) -> Markdown {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut parsed = Markdown {
        text: String::new(),
        code: Vec::new(),
        live: Vec::new(),
    };
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Text(t) => parsed.text.push_str(&t),
            Event::Code(c) => parsed.code.push(c.into_string()),
            Event::Html(h) | Event::InlineHtml(h) => parsed.live.push(format!("html {h}")),
            Event::Start(Tag::Image { dest_url, .. }) => {
                parsed.live.push(format!("image {dest_url}"))
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                parsed.live.push(format!("link {dest_url}"))
            }
            _ => {}
        }
    }
    parsed
}

#[rstest]
#[case::html_image("<img src=x onerror=alert(1)>", "onerror")]
#[case::image("![x](https://tracker.example/pixel.png)", "pixel.png")]
#[case::link("[click me](https://evil.example/login)", "evil.example")]
#[case::autolink("see https://evil.example/login now", "evil.example")]
#[case::mention("cc @alice and @org/team", "@alice")]
#[case::issue_reference("fixes #123 and GH-7", "#123")]
#[case::pipes("a | b || c |", "|")]
#[case::backticks("``` fence `` two ` one`", "`")]
#[case::newlines("one\n\n# heading\r\n- item\n| x |", "heading")]
#[case::emphasis("**bold** _it_ ~~gone~~", "bold")]
fn summary_md_makes_server_text_inert(#[case] hostile: &str, #[case] marker: &str) {
    let mut r = results(vec![case(
        "update-widget/valid/001",
        vec![error(Check::StatusCode, hostile, hostile)],
        hostile,
    )]);
    r.run.base_url = format!("http://127.0.0.1:1/beta?{hostile}");
    let md = rendered(&r, "summary.md");
    let parsed = parse_markdown(&md);
    assert!(
        parsed.live.is_empty(),
        "live markup: {:?}\n{md}",
        parsed.live
    );
    assert!(
        !parsed.text.contains(marker),
        "{marker:?} outside a code span:\n{md}"
    );
    let flat: String = hostile
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let whole = parsed.code.iter().filter(|c| **c == flat).count();
    assert!(
        whole >= 2,
        "the message and the key each read back whole, in one code span: {:?}\n{md}",
        parsed.code
    );
    assert!(
        parsed
            .code
            .iter()
            .any(|c| c.ends_with(&flat) && c.contains("?")),
        "the base URL reads back whole: {:?}",
        parsed.code
    );
    assert!(
        md.lines().all(|l| !l.starts_with('#')
            || l.starts_with("# graph")
            || l.starts_with("## ")
            || l.starts_with("### ")),
        "no heading made of server text:\n{md}"
    );
}

#[rstest]
#[case::plain("expected 200 OK", Place::Cell, "`expected 200 OK`")]
#[case::backtick_inside("a`b", Place::Text, "``a`b``")]
#[case::backtick_at_the_edges("`x`", Place::Text, "`` `x` ``")]
#[case::pipe_in_a_cell("a|b", Place::Cell, "`a\\|b`")]
#[case::pipe_in_text("a|b", Place::Text, "`a|b`")]
#[case::newline("a\nb", Place::Text, "`a b`")]
#[case::empty("", Place::Cell, "(empty)")]
fn inert_text_is_one_code_span(#[case] text: &str, #[case] place: Place, #[case] expected: &str) {
    assert_eq!(inert(text, place), expected);
}

/// A run of the same settings as `info()`, as partition `label`, with one case of its own.
fn partition(label: &str, id: &str, change: impl FnOnce(&mut RunInfo)) -> RunResults {
    let mut run = info();
    run.partition = Some(label.into());
    run.suite = "fnv1a64:0123456789abcdef".into();
    change(&mut run);
    RunResults::from_vec(run, vec![case(id, vec![], "{}")]).unwrap()
}

fn same(_: &mut RunInfo) {}

#[rstest]
#[case::same_partition_twice(vec![partition("1/2", "a/valid/001", same), partition("1/2", "a/valid/002", same)], "partition 1/2 is given twice")]
#[case::different_seeds(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.seed = 8)], "with seed 8, partition 1/2 with 7")]
#[case::different_suites(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.suite = "fnv1a64:ffffffffffffffff".into())], "with suite fnv1a64:ffffffffffffffff")]
#[case::different_cases_per_operation(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.cases_per_operation = 50)], "with cases per operation 50")]
#[case::different_base_urls(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.base_url = "https://graph.example/beta".into())], "with endpoint https://graph.example/beta")]
#[case::different_only(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.only = Some("a/*".into()))], "with --only a/*")]
#[case::not_a_partition(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/002", |r| r.partition = None)], "results file 2 is not a partition")]
#[case::missing_partition(vec![partition("1/3", "a/valid/001", same), partition("3/3", "a/valid/002", same)], "partition 2/3 is missing")]
#[case::different_splits(vec![partition("1/2", "a/valid/001", same), partition("2/3", "a/valid/002", same)], "partitions 1/2 and 2/3 belong to different splits")]
#[case::case_in_two_partitions(vec![partition("1/2", "a/valid/001", same), partition("2/2", "a/valid/001", same)], "case a/valid/001 is in partition 1/2 and in partition 2/2")]
fn merge_refuses(#[case] parts: Vec<RunResults>, #[case] says: &str) {
    let error = RunResults::merge(parts).unwrap_err().to_string();
    assert!(error.contains(says), "{error}");
    assert!(
        error.contains("expected"),
        "says what was expected: {error}"
    );
}

#[test]
fn merge_joins_every_partition_of_one_run_each_on_its_own_embedded_mock() {
    let on_mock = |port: u16| {
        move |r: &mut RunInfo| {
            r.embedded_mock = true;
            r.base_url = format!("http://127.0.0.1:{port}/beta");
        }
    };
    let merged = RunResults::merge(vec![
        partition("2/2", "a/valid/002", on_mock(4001)),
        partition("1/2", "a/valid/001", on_mock(4002)),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(merged.totals.cases, 2);
    assert_eq!(merged.run.partition, None);
}

#[test]
fn merge_adds_up_the_cases_every_partition_left_unstarted() {
    let merged = RunResults::merge(vec![
        partition("1/2", "a/valid/001", |r| r.not_started = 3),
        partition("2/2", "a/valid/002", |r| r.not_started = 4),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(merged.run.not_started, 7);
}

#[rstest]
#[case::no_filter("", true)]
#[case::only_a_wildcard_case("case = \"*\"\n", true)]
#[case::only_wildcards("case = \"*?*\"\n", true)]
#[case::a_check("check = \"echo\"\n", false)]
#[case::an_operation("operation = \"update-widget\"\n", false)]
#[case::a_case_pattern("case = \"update-widget/*\"\n", false)]
fn accept_entry_without_filter_is_refused(#[case] filter: &str, #[case] refused: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accept.toml");
    std::fs::write(
        &path,
        format!("[[accept]]\ncheck = \"status-code\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n\n[[accept]]\n{filter}reason = \"known\"\nexpires = \"2030-01-01\"\n"),
    )
    .unwrap();
    match baseline::load_accept_file(&path) {
        Ok(file) => assert!(!refused, "accepted {file:?}"),
        Err(e) => {
            assert!(refused, "{e}");
            let message = e.to_string();
            assert!(message.contains("entry 2"), "{message}");
            assert!(message.contains("would accept every failure"), "{message}");
        }
    }
}

#[rstest]
#[case::from_the_future(99)]
#[case::older(0)]
#[case::next(2)]
fn schema_version_other_than_supported_is_refused(#[case] version: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    let json = rendered(&failing(&["a/valid/001"]), "results.json");
    let other = json.replacen(
        "\"schema_version\": 1",
        &format!("\"schema_version\": {version}"),
        1,
    );
    assert_ne!(json, other);
    std::fs::write(&path, other).unwrap();
    let message = baseline::load_results(&path).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(&format!("version {version}")), "{message}");
    assert!(
        message.contains(&format!(
            "reads version {}",
            graph_conformance::results::SCHEMA_VERSION
        )),
        "{message}"
    );
    std::fs::write(
        &path,
        format!("{{\"schema_version\": {version}, \"something\": \"else\"}}"),
    )
    .unwrap();
    let message = baseline::load_results(&path).unwrap_err().to_string();
    assert!(
        message.contains(&format!("version {version}")),
        "a version error, not a parse error: {message}"
    );
}

#[test]
fn the_supported_schema_version_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    std::fs::write(&path, rendered(&failing(&["a/valid/001"]), "results.json")).unwrap();
    assert_eq!(baseline::load_results(&path).unwrap().totals.failed, 1);
}

#[test]
fn html_value_cells_wrap() {
    let long: String = "x".repeat(4096);
    let r = results(vec![case(
        "update-widget/valid/001",
        vec![error(Check::Echo, &long, &format!("sent {long} got y"))],
        &long,
    )]);
    let html = rendered(&r, "report.html");
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    let wraps = style
        .lines()
        .find(|l| l.contains("overflow-wrap: anywhere"))
        .expect("a rule wrapping anywhere");
    for selector in ["td", "li", "code"] {
        assert!(wraps.contains(selector), "{selector} wraps: {wraps}");
    }
    let mut at = 0;
    let mut shown = 0;
    while let Some(found) = html[at..].find(&long) {
        let place = at + found;
        let before = &html[..place];
        let open = before
            .rfind("<details")
            .expect("the whole value is in a <details>");
        assert!(
            before.rfind("</details>").is_none_or(|close| close < open),
            "the whole value at {place} is inside a <details>"
        );
        shown += 1;
        at = place + long.len();
    }
    assert!(
        shown >= 3,
        "the key, the root cause and the case message, each one click away"
    );
    assert!(html.contains("show all 4096 characters"));
}

#[test]
fn replay_line_names_the_report_dir() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("nightly reports");
    let r = results(vec![case(
        "update-widget/valid/001",
        vec![error(Check::StatusCode, "status", "x")],
        "",
    )]);
    report::write(&reports, &r).unwrap();
    let expected = format!(
        "graph-conformance replay 'update-widget/valid/001' --results '{}'",
        reports.join("results.json").display()
    );
    for file in ["results.json", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(reports.join(file)).unwrap();
        let text = text
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&apos;", "'");
        assert!(
            text.contains(&expected),
            "{file} names the results it was written to: {expected}"
        );
        assert!(!text.contains("--results report/results.json"), "{file}");
    }
    let default = report::reproduction(
        &r.run,
        &r.cases.to_vec().unwrap()[0],
        &report::results_file(std::path::Path::new("report")),
    );
    assert!(
        default
            .last()
            .unwrap()
            .ends_with("--results report/results.json")
    );
}

#[test]
fn every_report_counts_passed_the_same_way_as_the_console() {
    let r = results(vec![
        case("update-widget/valid/001", vec![], "{}"),
        case(
            "update-widget/valid/002",
            vec![warning(Check::OdataType)],
            "{}",
        ),
        case(
            "update-widget/valid/003",
            vec![warning(Check::OdataType)],
            "{}",
        ),
        case(
            "update-widget/valid/004",
            vec![error(Check::Echo, "p", "m")],
            "{}",
        ),
    ]);
    assert_eq!((r.totals.passed, r.totals.warned), (1, 2));
    let html = rendered(&r, "report.html");
    assert!(html.contains("<title>graph-conformance: 3 passed, 1 failed</title>"));
    assert!(
        html.contains("<div class=\"tile passed\"><b>3</b>passed</div>"),
        "the tile counts as the title"
    );
    assert!(html.contains("<b>2</b>of the passed with warnings"));
    assert!(
        html.contains("3 passed (2 with warnings)"),
        "per operation too"
    );
    let md = rendered(&r, "summary.md");
    assert!(md.starts_with("# graph-conformance: 3 passed, 1 failed"));
    assert!(md.contains("| `update-widget` | 3 | 2 | 1 | 0 |"), "{md}");
    let xml = rendered(&r, "junit.xml");
    let parsed = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(
        parsed.tests - parsed.failures - parsed.skipped - parsed.errors,
        3
    );
}

#[test]
fn values_are_shortened_with_an_ellipsis() {
    assert_eq!(report::shorten("abcdef", 6), "abcdef");
    assert_eq!(report::shorten("abcdefg", 6), "abcde\u{2026}");
    assert_eq!(report::shorten("ééééééé", 3), "éé\u{2026}");
}

/// Writes `results` as a results.json in `dir/name` and returns its path.
fn results_file(dir: &std::path::Path, name: &str, results: &RunResults) -> std::path::PathBuf {
    let out = dir.join(name);
    report::write(&out, results).unwrap();
    out.join("results.json")
}

#[rstest]
#[case::same_partition_twice("same-partition", "partition 1/2 is given twice")]
#[case::different_seeds("different-seeds", "with seed 8")]
#[case::accept_entry_without_filter("accept-everything", "would accept every failure")]
#[case::schema_version_99("schema-99", "version 99")]
fn the_cli_refuses_with_exit_2(#[case] what: &str, #[case] says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let one = results_file(dir.path(), "p1", &partition("1/2", "a/valid/001", same));
    let mut args: Vec<std::ffi::OsString> = vec!["report".into()];
    match what {
        "same-partition" => {
            let again = results_file(
                dir.path(),
                "p1-again",
                &partition("1/2", "a/valid/002", same),
            );
            args.extend(["merge".into(), one.into(), again.into()]);
        }
        "different-seeds" => {
            let two = results_file(
                dir.path(),
                "p2",
                &partition("2/2", "a/valid/002", |r| r.seed = 8),
            );
            args.extend(["merge".into(), one.into(), two.into()]);
        }
        "accept-everything" => {
            let accept = dir.path().join("accept.toml");
            std::fs::write(
                &accept,
                "[[accept]]\nreason = \"all of it\"\nexpires = \"2999-01-01\"\n",
            )
            .unwrap();
            args.extend(["--accept".into(), accept.into(), one.into()]);
        }
        _ => {
            let text = std::fs::read_to_string(&one).unwrap();
            std::fs::write(
                &one,
                text.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1),
            )
            .unwrap();
            args.push(one.into());
        }
    }
    args.extend(["--report-dir".into(), dir.path().join("out").into()]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
}

#[tokio::test]
async fn the_suite_fingerprint_tells_suites_apart_and_is_recorded() {
    use graph_conformance::results::suite_fingerprint;
    let suite = common::suite();
    assert_eq!(suite_fingerprint(&suite), suite_fingerprint(&suite.clone()));
    let mut fewer = (*suite).clone();
    fewer.cases.pop();
    assert_ne!(suite_fingerprint(&suite), suite_fingerprint(&fewer));
    let mock = common::mock(&suite).await;
    let run =
        graph_conformance::run::run(&suite, &common::options(&mock.base_url(), 1), &mut |_| {})
            .await
            .unwrap();
    assert_eq!(run.run.suite, suite_fingerprint(&suite));
}

#[rstest]
#[case::in_summary_md("summary.md")]
#[case::in_junit("junit.xml")]
fn an_operation_skipped_whole_is_listed_with_its_reason(#[case] file: &str) {
    let mut r = results(vec![case("update-widget/valid/001", vec![], "{}")]);
    r.run.skipped_operations = vec![graph_conformance::results::SkippedOperation {
        operation: "get-gizmo".into(),
        reason: "this kind is not run yet".into(),
    }];
    let text = rendered(&r, file);
    assert!(text.contains("get-gizmo"), "{text}");
    assert!(text.contains("this kind is not run yet"), "{text}");
}
