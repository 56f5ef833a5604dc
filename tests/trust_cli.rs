//! The command line as a new user and an attacker try it: where credentials may come from
//! and where they may go, runs that test nothing, a console that is closed or piped, and
//! the flags users of cargo, nextest and hurl expect.

use crate::common;

use common::cli::{ServedMock, bin, run, text};
use rstest::rstest;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

#[rstest]
#[case::credentials_in_the_url(
    "http://alice:pa55w0rd@127.0.0.1:9/beta",
    "credentials do not go in the URL"
)]
#[case::query("http://127.0.0.1:9/beta?x=1", "cannot have a query")]
#[case::fragment("http://127.0.0.1:9/beta#frag", "cannot have a fragment")]
#[case::port_out_of_range("http://127.0.0.1:99999/beta", "port is not a number from 1 to 65535")]
fn a_base_url_that_would_send_requests_elsewhere_exits_2(#[case] url: &str, #[case] said: &str) {
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--base-url", url], report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains(said), "{all}");
    assert!(
        !all.contains("pa55w0rd"),
        "the password is never repeated: {all}"
    );
    assert!(
        std::fs::read_dir(report.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}

#[rstest]
#[case::empty("", "GRAPH_TOKEN is empty")]
#[case::line_feed("abc\ndef", "line break")]
#[case::carriage_return("abc\rdef", "line break")]
fn a_token_that_cannot_be_sent_as_given_exits_2(#[case] token: &str, #[case] said: &str) {
    let report = tempfile::tempdir().unwrap();
    let output = bin()
        .args(["run", "--cases", "1", "--report-dir"])
        .arg(report.path())
        .env("GRAPH_TOKEN", token)
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains(said), "{all}");
}

#[test]
fn a_token_file_read_from_stdin_is_sent_and_never_shown() {
    let mock = ServedMock::start();
    let report = tempfile::tempdir().unwrap();
    let token = "stdin-token-7d1e44c0aa";
    let mut child = bin()
        .args([
            "run",
            "--cases",
            "1",
            "--only",
            "create-*",
            "--token-file",
            "-",
            "--base-url",
            &mock.url,
            "--report-dir",
        ])
        .arg(report.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    let output = child.wait_with_output().unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let results = std::fs::read_to_string(report.path().join("results.json")).unwrap();
    assert!(results.contains("\"token_sent\":true") || results.contains("\"token_sent\": true"));
    assert!(!results.contains(token) && !all.contains(token));
    assert!(
        !all.contains("visible to every user"),
        "no --token warning: {all}"
    );
}

#[test]
fn a_token_given_on_the_command_line_is_warned_about() {
    let mock = ServedMock::start();
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &[
            "--cases",
            "1",
            "--only",
            "create-*",
            "--token",
            "flag-token-0123456789",
            "--base-url",
            &mock.url,
        ],
        report.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("--token is visible to every user"),
        "{stderr}"
    );
    assert!(stderr.contains("--token-file"), "{stderr}");
}

#[test]
fn a_short_token_is_warned_about_once() {
    let mock = ServedMock::start();
    let report = tempfile::tempdir().unwrap();
    let output = bin()
        .args([
            "run",
            "--cases",
            "1",
            "--only",
            "create-*",
            "--base-url",
            &mock.url,
        ])
        .arg("--report-dir")
        .arg(report.path())
        .env("GRAPH_TOKEN", "t0k")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.matches("shorter than 8 characters").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("not protected"), "{stderr}");
}

/// A results.json whose run names `url` as a live endpoint (as a tampered artifact would).
fn results_naming(url: &str, dir: &Path) -> std::path::PathBuf {
    let output = run(&["--cases", "1", "--only", "create-*"], dir);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let path = dir.join("results.json");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    results["run"]["embedded_mock"] = false.into();
    results["run"]["base_url"] = url.into();
    std::fs::write(&path, serde_json::to_string(&results).unwrap()).unwrap();
    path
}

fn first_case(results: &Path) -> String {
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    results["cases"][0]["id"].as_str().unwrap().to_string()
}

#[test]
fn replay_never_sends_the_token_to_a_url_that_came_from_a_file() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let results = results_naming(&url, dir.path());
    let output = bin()
        .args(["replay", &first_case(&results), "--results"])
        .arg(&results)
        .env("GRAPH_TOKEN", "replay-secret-0123456789")
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("pass --base-url"), "{all}");
    assert!(
        listener.accept().is_err(),
        "no connection reached the URL from the file"
    );
}

#[rstest]
#[case::only_matching_nothing(&["--only", "no-such-case-*"], "keeps none of the suite's cases")]
#[case::unknown_id_name(&["--id", "noSuchPlaceholder=1"], "no path of the suite has a {noSuchPlaceholder} placeholder")]
fn a_run_that_would_test_nothing_exits_2(#[case] args: &[&str], #[case] said: &str) {
    let report = tempfile::tempdir().unwrap();
    let output = run(args, report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains(said), "{all}");
}

#[test]
fn an_empty_suite_exits_2() {
    let suite = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(suite.path().join("schemas")).unwrap();
    std::fs::create_dir_all(suite.path().join("cases")).unwrap();
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--suite", suite.path().to_str().unwrap()], report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("the suite has no operations"), "{all}");
}

/// A suite whose operations cannot be addressed (a get whose page documents no example, so
/// no id, and none given with --id) tests nothing: exit 2, the operation named with why.
#[test]
fn a_suite_whose_operations_cannot_be_addressed_tests_nothing_and_exits_2() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kinds");
    let pages = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(fixtures.join("get-gadget.md")).unwrap();
    let without_example = page.split("## Example").next().unwrap();
    std::fs::write(pages.path().join("get-gadget.md"), without_example).unwrap();
    let suite = tempfile::tempdir().unwrap();
    let derived = bin()
        .args(["derive", "-q", "--out"])
        .arg(suite.path())
        .arg(pages.path())
        .output()
        .unwrap();
    assert_eq!(derived.status.code(), Some(0), "{}", text(&derived));
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--suite", suite.path().to_str().unwrap()], report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("no case ran, so nothing was tested"), "{all}");
    let named = all
        .lines()
        .filter(|l| l.starts_with("SKIPPED operation get-gadget") && l.contains("--id gadgetId="));
    assert_eq!(named.count(), 1, "{all}");
}

#[test]
fn a_closed_stdout_stops_the_console_and_the_run_still_writes_its_reports() {
    let report = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "run",
            "--cases",
            "3",
            "--fault",
            "wrong-status",
            "--report-dir",
        ])
        .arg(report.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(report.path().join("summary.md").exists(), "{stderr}");
}

#[rstest]
#[case::derive(&["derive", "--check", "no-such-pages-dir"])]
#[case::report(&["report", "no-such-results.json"])]
fn an_error_prints_its_cause_once(#[case] args: &[&str]) {
    let output = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn the_console_ends_with_the_root_causes() {
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "3", "--fault", "wrong-status"], report.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let list = stdout
        .split("root causes failing (")
        .nth(1)
        .expect("a list of root causes");
    let line = list.lines().nth(1).expect("one line per root cause");
    assert!(
        line.contains("[status-code]") && line.contains("finding"),
        "{line}"
    );
    assert!(
        stdout.lines().all(|l| l.chars().count() < 600),
        "no line quotes values in full"
    );
}

#[test]
fn most_answers_401_without_a_token_hint_how_to_give_one() {
    let mock = ServedMock::start();
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "1", "--base-url", &mock.url], report.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("401 Unauthorized and no token was given"),
        "{stderr}"
    );
    assert!(stderr.contains("GRAPH_TOKEN"), "{stderr}");
}

#[test]
fn replay_of_an_unknown_operation_lists_the_operations() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "1", "--only", "create-*"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let replay = bin()
        .args(["replay", "no-such-operation/example/0", "--results"])
        .arg(dir.path().join("results.json"))
        .output()
        .unwrap();
    let all = text(&replay);
    assert_eq!(replay.status.code(), Some(2), "{all}");
    assert!(all.contains("its operations: create-"), "{all}");
}

#[rstest]
#[case::always_colours_a_pipe("always", true)]
#[case::never_leaves_it_plain("never", false)]
#[case::auto_leaves_a_pipe_plain("auto", false)]
fn color_flag_decides_escape_codes(#[case] when: &str, #[case] coloured: bool) {
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &["--cases", "1", "--fault", "wrong-status", "--color", when],
        report.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.contains("\x1b["), coloured, "{stdout}");
}

#[test]
fn quiet_prints_only_the_summary() {
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &["--cases", "1", "--fault", "wrong-status", "--quiet"],
        report.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("FAIL "), "{stdout}");
    assert!(
        stdout.contains("passed,") && stdout.contains("failed"),
        "{stdout}"
    );
}

#[rstest]
#[case::bash("bash", "complete")]
#[case::zsh("zsh", "#compdef graph-conformance")]
#[case::fish("fish", "complete -c graph-conformance")]
fn completions_are_printed_for_each_shell(#[case] shell: &str, #[case] marker: &str) {
    let output = bin().args(["completions", shell]).output().unwrap();
    let script = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(script.contains(marker), "{script}");
    assert!(script.contains("--token-file"), "completes the flags");
}

#[test]
fn a_max_body_of_1g_is_accepted() {
    let report = tempfile::tempdir().unwrap();
    let output = run(
        &["--cases", "1", "--only", "create-*", "--max-body", "1G"],
        report.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn a_progress_bar_keeps_case_lines_on_stdout() {
    // `script` gives the command a terminal for stderr; stdout goes to a file.
    let report = tempfile::tempdir().unwrap();
    let log = report.path().join("log");
    let command = format!(
        "{} run --cases 2 --fault wrong-status --report-dir {} > {}",
        env!("CARGO_BIN_EXE_graph-conformance"),
        report.path().join("r").display(),
        log.display()
    );
    let status = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .status()
        .expect("util-linux `script` gives the command a terminal");
    assert_eq!(status.code(), Some(1));
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("FAIL "), "{written}");
    assert!(written.contains("passed,"), "{written}");
    assert!(
        !written.contains("cases\r"),
        "no progress bar in the log: {written:?}"
    );
}

#[test]
fn cases_left_by_the_deadline_are_one_line_not_one_each() {
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--cases", "1000000", "--max-time", "2"], report.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.ends_with("cases not started: deadline (--max-time)"))
        .unwrap_or_else(|| panic!("a line counting them: {stdout}"));
    let count: u64 = line.split_whitespace().next().unwrap().parse().unwrap();
    assert!(count > 1_000_000, "{line}");
    assert!(
        stdout.matches("SKIP").count() <= 4,
        "no line per case cut off: {stdout}"
    );
}

#[test]
fn a_run_whose_deadline_left_every_case_unstarted_is_not_green() {
    let report = tempfile::tempdir().unwrap();
    let output = run(&["--rate-limit", "0.05", "--max-time", "3"], report.path());
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("no case ran, so nothing was tested"), "{all}");
    assert!(
        report.path().join("results.json").exists(),
        "the reports are still written"
    );
}

/// Spawns `args` with stdout and stderr pipes closed before it prints anything.
fn with_closed_console(args: &[&str]) -> std::process::ExitStatus {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().unwrap()
}

#[test]
fn derive_and_report_survive_a_closed_console() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let out = dir.path().join("suite");
    let derive = with_closed_console(&[
        "derive",
        pages.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(matches!(derive.code(), Some(0 | 1)), "{derive:?}");
    assert!(out.join("cases").is_dir(), "derive wrote its files");
    let first = dir.path().join("first");
    let output = run(&["--cases", "2", "--fault", "wrong-status"], &first);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let again = dir.path().join("again");
    let report = with_closed_console(&[
        "report",
        first.join("results.json").to_str().unwrap(),
        "--report-dir",
        again.to_str().unwrap(),
    ]);
    assert_eq!(report.code(), Some(1), "{report:?}");
    assert!(again.join("summary.md").exists(), "report wrote its files");
}

/// The committed suite with one operation moved under a placeholder no example fills, so
/// that operation is skipped and the others run.
fn suite_with_an_unresolvable_operation() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in common::committed_suite_files() {
        let text = if name == "cases/update-connector.json" {
            text.replacen(
                "\"path\": \"/connectors/{connectorsId}\"",
                "\"path\": \"/tenants/{tenantId}/connectors/{connectorsId}\"",
                1,
            )
        } else {
            text
        };
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[rstest]
#[case::skips_are_loud_but_pass_by_default(&[], 0)]
#[case::fail_on_skip_fails_the_run(&["--fail-on-skip"], 1)]
fn a_skipped_operation_is_named_with_its_reason_and_the_flag_that_fixes_it(
    #[case] extra: &[&str],
    #[case] exit: i32,
) {
    let suite = suite_with_an_unresolvable_operation();
    let report = tempfile::tempdir().unwrap();
    let mut args = vec!["--cases", "1", "--suite", suite.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = run(&args, report.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit), "{}", text(&output));
    let line = stdout
        .lines()
        .find(|l| l.starts_with("SKIPPED operation update-connector"))
        .unwrap_or_else(|| panic!("a line for the skipped operation: {stdout}"));
    assert!(line.contains("--id tenantId=VALUE"), "{line}");
}

#[rstest]
#[case::retried_until_answered(&["--retries", "2"], false)]
#[case::skipped_and_counted_when_retries_run_out(&["--retries", "0"], true)]
fn a_mock_that_throttles_every_7th_request_gives_no_failure(
    #[case] retries: &[&str],
    #[case] counted: bool,
) {
    let mock = ServedMock::start_with(&["--throttle-every", "7"]);
    let report = tempfile::tempdir().unwrap();
    // one request at a time: a retry is the request after a throttled one, never the next
    // seventh, so two retries always get through
    let mut args = vec![
        "--cases",
        "2",
        "--concurrency",
        "1",
        "--base-url",
        &mock.url,
    ];
    args.extend_from_slice(retries);
    let output = bin()
        .arg("run")
        .arg("--report-dir")
        .arg(report.path())
        .args(&args)
        .env("GRAPH_TOKEN", "throttle-test-token-0123")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(stdout.contains("passed, 0 failed"), "{stdout}");
    assert_eq!(
        stdout.contains("cases skipped: throttled"),
        counted,
        "{stdout}"
    );
}

#[test]
fn a_mock_that_closes_idle_connections_unannounced_gives_no_failure_with_or_without_keep_alive() {
    let mock = ServedMock::start_with(&["--idle-close", "20"]);
    for extra in [&[][..], &["--no-keep-alive"][..]] {
        let report = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--cases",
            "2",
            "--concurrency",
            "1",
            "--rate-limit",
            "40",
            "--base-url",
            &mock.url,
        ];
        args.extend_from_slice(extra);
        let output = bin()
            .arg("run")
            .arg("--report-dir")
            .arg(report.path())
            .args(&args)
            .env("GRAPH_TOKEN", "idle-test-token-0123")
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{extra:?}: {}",
            text(&output)
        );
    }
}
