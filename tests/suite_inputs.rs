//! Inputs that must be refused with an error naming them, never a panic, a hang or memory
//! exhaustion: a suite with a dangling `$ref`, pages and suite files that are not regular
//! files (a FIFO, a symlink to `/dev/zero`) or are larger than the stated limit.

use crate::common;

use common::cli::{bin, text};

use graph_conformance::derive::{InputError, collect_pages};
use graph_conformance::input_file::{InputFileError, PAGE_LIMIT, SUITE_FILE_LIMIT};
use graph_conformance::mock::{MockConfig, MockError, MockServer};
use graph_conformance::suite::{Suite, SuiteError};
use rstest::rstest;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

const BASE_PAGE: &str = include_str!("fixtures/mutation_base.md");
const SCHEMA: &str = "schemas/ndesConnector.json";
const ID: &str = "https://graph-conformance.invalid/schemas/ndesConnector.json";

/// The committed suite's files with the ndesConnector response's `state` replaced by
/// `schema`.
fn with_state_schema(schema: &Value) -> BTreeMap<String, String> {
    let mut files = common::committed_suite_files();
    let mut document: Value = serde_json::from_str(&files[SCHEMA]).unwrap();
    document["$defs"]["response"]["properties"]["state"] = schema.clone();
    files.insert(
        SCHEMA.into(),
        serde_json::to_string_pretty(&document).unwrap(),
    );
    files
}

/// Writes `files` as a suite directory.
fn write_suite(files: &BTreeMap<String, String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const STATE: &str = "/$defs/response/properties/state";

#[rstest]
#[case::a_local_pointer_to_nothing(json!({"$ref": "#/$defs/missing"}), SCHEMA, format!("{STATE}/$ref"))]
#[case::an_unknown_document(json!({"$ref": "https://graph-conformance.invalid/schemas/nothing.json#/$defs/x"}), SCHEMA, format!("{STATE}/$ref"))]
#[case::a_relative_unknown_document(json!({"$ref": "nothing.json"}), SCHEMA, format!("{STATE}/$ref"))]
#[case::a_missing_pointer_in_another_document(json!({"$ref": "https://graph-conformance.invalid/schemas/connector.json#/$defs/nothing"}), SCHEMA, format!("{STATE}/$ref"))]
#[case::an_unknown_anchor(json!({"$ref": "#nowhere"}), SCHEMA, format!("{STATE}/$ref"))]
#[case::inside_an_any_of(json!({"anyOf": [{"type": "null"}, {"$ref": "#/$defs/missing"}]}), SCHEMA, format!("{STATE}/anyOf/1/$ref"))]
fn a_dangling_ref_is_refused_naming_the_file_and_pointer(
    #[case] state: Value,
    #[case] file: &str,
    #[case] pointer: String,
) {
    let error = Suite::from_files(&with_state_schema(&state)).unwrap_err();
    let SuiteError::Invalid {
        file: named,
        pointer: at,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((named.as_str(), at.as_str()), (file, pointer.as_str()));
    assert!(error.to_string().contains("dangling $ref"), "{error}");
}

#[rstest]
#[case::a_local_pointer(json!({"$ref": "#/$defs/request/properties/state"}))]
#[case::another_document_by_id(json!({"$ref": "https://graph-conformance.invalid/schemas/connector.json#/$defs/response"}))]
#[case::another_document_by_relative_name(json!({"$ref": "connector.json#/$defs/response"}))]
#[case::a_ref_that_is_data_in_a_const(json!({"const": {"$ref": "#/nowhere"}}))]
#[case::a_ref_that_is_data_in_an_enum(json!({"enum": [{"$ref": "#/nowhere"}]}))]
fn a_ref_that_resolves_or_is_data_is_accepted(#[case] state: Value) {
    Suite::from_files(&with_state_schema(&state)).unwrap();
}

#[test]
fn a_case_file_naming_a_schema_that_is_not_there_is_refused() {
    let mut files = common::committed_suite_files();
    let case = "cases/update-ndesConnector.json";
    let text = files[case].replace(
        &format!("\"response_schema\": \"{ID}#/$defs/response\""),
        &format!("\"response_schema\": \"{ID}#/$defs/gone\""),
    );
    files.insert(case.into(), text);
    let error = Suite::from_files(&files).unwrap_err();
    assert!(
        matches!(&error, SuiteError::Invalid { file, pointer, .. } if file == case && pointer == "/response_schema"),
        "{error}"
    );
}

/// Runs `bin` with `args`, killed after 60 s (a mock that started would serve for ever).
fn output_within(args: &[&str]) -> Output {
    let child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match wait.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{args:?} did not end");
        }
    }
}

/// `run`, `replay` and `mock` with a suite holding a dangling `$ref` exit 2 naming the file
/// and the pointer: no panic, and no "cannot listen".
#[rstest]
#[case::run("run")]
#[case::replay("replay")]
#[case::mock("mock")]
fn a_suite_with_a_dangling_ref_exits_2_naming_file_and_pointer(#[case] command: &str) {
    let suite = write_suite(&with_state_schema(&json!({"$ref": "#/$defs/missing"})));
    let report = tempfile::tempdir().unwrap();
    let report_dir = report.path().to_str().unwrap();
    let suite_dir = suite.path().to_str().unwrap();
    let results = format!("{report_dir}/results.json");
    let args: Vec<&str> = match command {
        "run" => vec!["run", "--suite", suite_dir, "--report-dir", report_dir],
        "replay" => {
            let recorded = bin()
                .args([
                    "run",
                    "--cases",
                    "1",
                    "--only",
                    "update-ndesConnector/example-1",
                ])
                .args(["--report-dir", report_dir])
                .output()
                .unwrap();
            assert!(
                recorded.status.code().is_some_and(|c| c < 2),
                "{}",
                text(&recorded)
            );
            vec![
                "replay",
                "--results",
                &results,
                "--suite",
                suite_dir,
                "update-ndesConnector/example-1",
            ]
        }
        _ => vec!["mock", "--suite", suite_dir, "--port", "0"],
    };
    let output = output_within(&args);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert!(!all.contains("cannot listen"), "{all}");
    assert!(all.contains(SCHEMA), "{all}");
    assert!(all.contains(&format!("{STATE}/$ref")), "{all}");
}

/// A suite that bypassed loading (built in memory) and cannot be served is a typed error
/// saying the suite is invalid, from either way of starting the mock; never a panic (the
/// thread-serving one is called from async code, where dropping a runtime panics).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_of_a_suite_that_cannot_be_served_is_an_invalid_suite_error() {
    let mut suite = (*common::suite()).clone();
    let document = suite.schemas.get_mut("ndesConnector.json").unwrap();
    document["$defs"]["response"]["properties"]["state"] = json!({"$ref": "#/$defs/missing"});
    let suite = Arc::new(suite);
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let error = MockServer::start(Arc::clone(&suite), MockConfig::default(), addr)
        .await
        .unwrap_err();
    assert!(matches!(error, MockError::InvalidSuite { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("the suite is invalid"),
        "{error}"
    );
    let error = MockServer::start_on_own_thread(suite, MockConfig::default(), addr).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    let inner = error.get_ref().and_then(|e| e.downcast_ref::<MockError>());
    assert!(
        matches!(inner, Some(MockError::InvalidSuite { .. })),
        "{error:?}"
    );
}

/// Runs `read` on another thread, failing the test if it has not returned in 10 s (a FIFO
/// read without care blocks for ever).
fn within_10_s<T: Send + 'static>(read: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(read());
    });
    wait.recv_timeout(Duration::from_secs(10))
        .expect("the read returned instead of hanging")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// What a page or suite file is replaced by.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    Fifo,
    SymlinkToDevZero,
    OneByteTooLarge,
}

impl Hostile {
    fn plant(self, path: &Path, limit: u64) {
        match self {
            Hostile::Fifo => mkfifo(path),
            Hostile::SymlinkToDevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
            Hostile::OneByteTooLarge => {
                let file = std::fs::File::create(path).unwrap();
                file.set_len(limit + 1).unwrap();
            }
        }
    }

    fn check(self, error: &InputFileError, path: &Path, limit: u64) {
        assert_eq!(error.path(), path);
        match self {
            Hostile::Fifo | Hostile::SymlinkToDevZero => {
                assert!(matches!(error, InputFileError::NotAFile { .. }), "{error}");
                assert!(error.to_string().contains("not a regular file"), "{error}");
            }
            Hostile::OneByteTooLarge => {
                assert!(matches!(error, InputFileError::TooLarge { .. }), "{error}");
                assert!(error.to_string().contains(&limit.to_string()), "{error}");
            }
        }
    }
}

#[rstest]
#[case::a_fifo(Hostile::Fifo)]
#[case::a_symlink_to_dev_zero(Hostile::SymlinkToDevZero)]
#[case::one_byte_over_the_page_limit(Hostile::OneByteTooLarge)]
fn a_page_that_is_not_a_regular_file_or_too_large_is_refused_naming_it(#[case] hostile: Hostile) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), BASE_PAGE).unwrap();
    let page = dir.path().join("b.md");
    hostile.plant(&page, PAGE_LIMIT);
    let pages = vec![dir.path().to_path_buf()];
    let outcome = within_10_s(move || collect_pages(&pages));
    let Err(InputError::File(error)) = outcome else {
        panic!("refused: {:?}", outcome.map(|p| p.len()));
    };
    hostile.check(&error, &page, PAGE_LIMIT);
}

#[rstest]
#[case::a_fifo(Hostile::Fifo)]
#[case::a_symlink_to_dev_zero(Hostile::SymlinkToDevZero)]
#[case::one_byte_over_the_suite_file_limit(Hostile::OneByteTooLarge)]
fn a_suite_file_that_is_not_a_regular_file_or_too_large_is_refused_naming_it(
    #[case] hostile: Hostile,
) {
    let suite = write_suite(&common::committed_suite_files());
    let file = suite.path().join("cases/zz-planted.json");
    hostile.plant(&file, SUITE_FILE_LIMIT);
    let dir = suite.path().to_path_buf();
    let outcome = within_10_s(move || Suite::load(&dir));
    let Err(SuiteError::File(error)) = outcome else {
        panic!("refused: {:?}", outcome.map(|s| s.cases.len()));
    };
    hostile.check(&error, &file, SUITE_FILE_LIMIT);
}

/// `derive` on a directory holding a FIFO page exits 2 naming it, promptly.
#[test]
fn derive_of_a_directory_with_a_fifo_page_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), BASE_PAGE).unwrap();
    let fifo: PathBuf = dir.path().join("b.md");
    mkfifo(&fifo);
    let out = tempfile::tempdir().unwrap();
    let output = output_within(&[
        "derive",
        dir.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(&fifo.display().to_string()),
        "{}",
        text(&output)
    );
}
