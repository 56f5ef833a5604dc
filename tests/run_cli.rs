//! The `run` and `mock` command lines: the exit-code contract (0 pass, 1 a check failed,
//! 2 usage, configuration or an unreachable endpoint), the console, results.json, and a
//! token that never appears in any output.

use crate::common;

use common::cli::{ServedMock, bin, run, text};
use rstest::rstest;
use std::path::Path;

#[test]
fn without_a_base_url_the_embedded_mock_passes_and_results_json_is_written() {
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "5"], report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("embedded reference mock"), "{all}");
    assert!(
        all.lines().any(|l| l.ends_with("passed, 0 failed")),
        "{all}"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results["schema_version"], 1);
    assert_eq!(results["run"]["seed"], 20_261_123);
    assert!(results["cases"].as_array().unwrap().len() > 50);
    let mut written: Vec<String> = std::fs::read_dir(report.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["junit.xml", "report.html", "results.json", "summary.md"],
        "the reports, and no temporary files"
    );
}

#[test]
fn a_failing_check_exits_1_with_one_line_naming_operation_check_and_page_line() {
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &["--cases", "3", "--fault", "patch-replaces"],
        report.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL "))
        .expect("a FAIL line");
    assert!(line.contains("/merge [merge]"), "{line}");
    assert!(line.contains(".txt:"), "quotes the page line: {line}");
}

#[test]
fn convention_faults_warn_and_exit_0_unless_strict() {
    let report = tempfile::tempdir().unwrap();
    let lenient = run(&["--cases", "2", "--fault", "no-auth"], report.path());
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient));
    assert!(String::from_utf8_lossy(&lenient.stdout).contains("WARN "));
    let strict = run(
        &["--cases", "2", "--fault", "no-auth", "--strict"],
        report.path(),
    );
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
}

#[rstest]
#[case::base_url_without_scheme(&["--base-url", "127.0.0.1:8080/beta"], "http:// or https://")]
#[case::zero_cases(&["--cases", "0"], "--cases")]
#[case::unknown_fault(&["--fault", "nope"], "accepted: wrong-status")]
#[case::malformed_id(&["--id", "ndesConnectorId"], "NAME=VALUE")]
#[case::fault_with_a_live_endpoint(&["--base-url", "http://127.0.0.1:9/beta", "--fault", "no-auth"], "--fault only applies to the embedded mock")]
#[case::unreachable_endpoint(&["--base-url", "http://127.0.0.1:9/beta"], "cannot reach http://127.0.0.1:9/beta")]
#[case::unknown_flag(&["--concurency", "2"], "--cases")]
#[case::port_like_size_out_of_range(&["--max-body", "5G"], "1 byte to 1G")]
#[case::zero_max_time(&["--max-time", "0"], "--max-time")]
#[case::too_many_retries(&["--retries", "99"], "--retries")]
fn configuration_errors_exit_2_and_say_what_is_accepted(#[case] args: &[&str], #[case] hint: &str) {
    let report = tempfile::tempdir().unwrap();
    let output = run(args, report.path());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains(hint), "{}", text(&output));
}

#[test]
fn an_unwritable_report_directory_exits_2_before_any_request() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let output = run(&["--cases", "1"], &file.path().join("report"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("report directory"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains("passed"), "no case ran");
}

#[test]
fn the_token_never_appears_in_console_reports_or_reproductions() {
    let token = "sekrit-Token-5f1d2c9a7b";
    let report = tempfile::tempdir().unwrap();
    let output = bin()
        .args([
            "run",
            "--cases",
            "3",
            "--fault",
            "wrong-status",
            "--report-dir",
        ])
        .arg(report.path())
        .env("GRAPH_TOKEN", token)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let results = std::fs::read_to_string(report.path().join("results.json")).unwrap();
    assert!(
        results.contains("Bearer [REDACTED]"),
        "the header is recorded, redacted"
    );
    assert!(
        results.contains("$GRAPH_TOKEN"),
        "reproductions name the variable"
    );
    let mut outputs = vec![
        ("stdout".to_string(), output.stdout.clone()),
        ("stderr".to_string(), output.stderr.clone()),
    ];
    for entry in std::fs::read_dir(report.path()).unwrap() {
        let entry = entry.unwrap();
        outputs.push((
            entry.file_name().into_string().unwrap(),
            std::fs::read(entry.path()).unwrap(),
        ));
    }
    assert_eq!(outputs.len(), 6);
    for (name, bytes) in outputs {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "the token leaked into {name}"
        );
    }
}

#[test]
fn report_re_renders_results_without_the_network_and_identically() {
    let first = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "2", "--fault", "truncated-json"], first.path());
    assert_eq!(output.status.code(), Some(1));
    let second = tempfile::tempdir().unwrap();
    let rerun = bin()
        .arg("report")
        .arg(first.path().join("results.json"))
        .arg("--report-dir")
        .arg(second.path())
        .output()
        .unwrap();
    assert_eq!(rerun.status.code(), Some(1), "{}", text(&rerun));
    // The same but for the results.json the replay lines name: each the one beside it.
    let (one, two) = (
        first.path().to_str().unwrap(),
        second.path().to_str().unwrap(),
    );
    let html = |p: &str| p.replace('/', "&#x2f;");
    for file in ["results.json", "junit.xml", "report.html", "summary.md"] {
        let a = std::fs::read_to_string(first.path().join(file)).unwrap();
        let b = std::fs::read_to_string(second.path().join(file)).unwrap();
        let a = a.replace(one, two).replace(&html(one), &html(two));
        assert_eq!(a, b, "{file} renders the same");
    }
}

#[test]
fn with_a_baseline_only_new_failures_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let output = run(&["--cases", "2", "--fault", "patch-replaces"], &old);
    assert_eq!(output.status.code(), Some(1));
    let baseline = old.join("results.json");
    let same = run(
        &[
            "--cases",
            "2",
            "--fault",
            "patch-replaces",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        &dir.path().join("same"),
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "still failing only: {}",
        text(&same)
    );
    assert!(
        text(&same).contains("0 new, 23 still failing, 0 fixed"),
        "{}",
        text(&same)
    );
    let all = run(
        &[
            "--cases",
            "2",
            "--fault",
            "patch-replaces",
            "--fail-on",
            "all",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        &dir.path().join("all"),
    );
    assert_eq!(all.status.code(), Some(1));
    let worse = run(
        &[
            "--cases",
            "2",
            "--fault",
            "patch-replaces",
            "--fault",
            "wrong-content-type",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        &dir.path().join("worse"),
    );
    assert_eq!(
        worse.status.code(),
        Some(1),
        "new failures fail: {}",
        text(&worse)
    );
    let fixed = run(
        &["--cases", "2", "--baseline", baseline.to_str().unwrap()],
        &dir.path().join("fixed"),
    );
    assert_eq!(fixed.status.code(), Some(0));
    let summary = std::fs::read_to_string(dir.path().join("fixed/summary.md")).unwrap();
    assert!(
        summary.contains("**0 new**, 0 still failing, 23 fixed"),
        "{summary}"
    );
}

#[test]
fn an_expired_acceptance_fails_again_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let accept = dir.path().join("accept.toml");
    std::fs::write(
        &accept,
        "[[accept]]\ncheck = \"merge\"\nreason = \"upstream bug 12\"\nexpires = \"2001-01-01\"\n",
    )
    .unwrap();
    let output = run(
        &[
            "--cases",
            "2",
            "--fault",
            "patch-replaces",
            "--accept",
            accept.to_str().unwrap(),
        ],
        &dir.path().join("r"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("the acceptance expired"),
        "{}",
        text(&output)
    );
    std::fs::write(
        &accept,
        "[[accept]]\ncheck = \"merge\"\nreason = \"upstream bug 12\"\nexpires = \"2999-01-01\"\n",
    )
    .unwrap();
    let output = run(
        &[
            "--cases",
            "2",
            "--fault",
            "patch-replaces",
            "--accept",
            accept.to_str().unwrap(),
        ],
        &dir.path().join("r2"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn replay_re_runs_one_case_and_prints_its_verdict() {
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &["--cases", "2", "--fault", "patch-replaces"],
        report.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let results = report.path().join("results.json");
    let replay = bin()
        .args(["replay", "update-ndesConnector/merge", "--results"])
        .arg(&results)
        .env_remove("GRAPH_TOKEN")
        .output()
        .unwrap();
    let out = text(&replay);
    assert_eq!(replay.status.code(), Some(1), "{out}");
    assert!(
        out.contains("update-ndesConnector/merge Failed") && out.contains("[merge]"),
        "{out}"
    );
    let unknown = bin()
        .args(["replay", "update-ndesConnector/nope", "--results"])
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown).contains("update-ndesConnector/merge"),
        "suggests ids: {}",
        text(&unknown)
    );
}

#[test]
fn mock_serves_the_suite_so_run_can_test_it_by_url() {
    let mock = ServedMock::start();
    let url = mock.url.clone();
    assert!(url.ends_with("/beta"), "{url}");
    let report = tempfile::tempdir().unwrap();
    let output = bin()
        .args([
            "run",
            "--cases",
            "2",
            "--token",
            "t",
            "--base-url",
            &url,
            "--report-dir",
        ])
        .arg(report.path())
        .output()
        .unwrap();
    drop(mock);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[rstest]
#[case::port_out_of_range(&["mock", "--port", "70000"], "0..=65535")]
#[case::unknown_fault(&["mock", "--fault", "wrong-stauts"], "accepted: wrong-status")]
#[case::prefix_without_slash(&["mock", "--prefix", "beta"], "/beta")]
fn mock_flag_errors_exit_2_and_say_what_is_accepted(#[case] args: &[&str], #[case] hint: &str) {
    let output = bin().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains(hint), "{}", text(&output));
}

#[test]
fn mock_lists_its_faults() {
    let output = bin().args(["mock", "--list-faults"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().count() >= 20);
    assert!(stdout.contains("patch-replaces") && stdout.contains("convention"));
}

#[rstest]
#[case::case_file_with_an_unknown_method(
    "cases/update-ndesConnector.json",
    "\"method\": \"PATCH\"",
    "\"method\": \"PATCHY\"",
    "cases/update-ndesConnector.json is not a valid suite file at /method"
)]
#[case::case_file_with_a_string_status(
    "cases/update-connector.json",
    "\"code\": 200",
    "\"code\": \"200\"",
    "cases/update-connector.json is not a valid suite file at /status/code"
)]
#[case::schema_that_is_not_json_schema(
    "schemas/connector.json",
    "\"type\": \"object\"",
    "\"type\": 12",
    "schemas/connector.json is not a valid suite file at /$defs/request/type"
)]
#[case::case_file_that_is_not_json(
    "cases/update-connector.json",
    "{",
    "{{",
    "cases/update-connector.json is not a valid suite file"
)]
fn a_suite_edited_into_something_invalid_exits_2_naming_file_and_pointer(
    #[case] file: &str,
    #[case] from: &str,
    #[case] to: &str,
    #[case] expected: &str,
) {
    let suite = tempfile::tempdir().unwrap();
    for dir in ["schemas", "cases"] {
        std::fs::create_dir_all(suite.path().join(dir)).unwrap();
        for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), suite.path().join(dir).join(entry.file_name())).unwrap();
        }
    }
    let path = suite.path().join(file);
    let original = std::fs::read_to_string(&path).unwrap();
    assert!(original.contains(from), "{file} has {from}");
    std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--suite", suite.path().to_str().unwrap()], report.path());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains(expected), "{}", text(&output));
}
