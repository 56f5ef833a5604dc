//! The `run` and `mock` command lines: the exit-code contract (0 pass, 1 a check failed,
//! 2 usage, configuration or an unreachable endpoint), the console, results.json, and a
//! token that never appears in any output.

use rstest::rstest;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
}

fn run(args: &[&str], report: &Path) -> Output {
    bin()
        .arg("run")
        .arg("--report-dir")
        .arg(report)
        .args(args)
        .env_remove("GRAPH_TOKEN")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

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
fn the_token_never_appears_in_console_or_results() {
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
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let results = std::fs::read_to_string(report.path().join("results.json")).unwrap();
    assert!(
        results.contains("Bearer [REDACTED]"),
        "the header is recorded, redacted"
    );
    for (name, bytes) in [
        ("stdout", &output.stdout),
        ("stderr", &output.stderr),
        ("results.json", &results.into_bytes()),
    ] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(token),
            "the token leaked into {name}"
        );
    }
}

#[test]
fn mock_serves_the_suite_so_run_can_test_it_by_url() {
    let mut mock = bin()
        .args(["mock", "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(mock.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the mock prints its URL")
        .to_string();
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
    mock.kill().unwrap();
    let _ = mock.wait();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn mock_lists_its_faults() {
    let output = bin().args(["mock", "--list-faults"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().count() >= 20);
    assert!(stdout.contains("patch-replaces") && stdout.contains("convention"));
}
