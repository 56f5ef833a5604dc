//! Paths: an id is one path segment, and no request leaves the service root. A raw HTTP/1.1
//! server on 127.0.0.1 records the request line of every request exactly as it arrived
//! (HTTP clients resolve `..` and `%2E%2E` segments before sending, so only the wire tells
//! where a request went).

use crate::common;

use graph_conformance::derive::{PageSource, derive};
use graph_conformance::diagnostic::Code;
use graph_conformance::emit::SuiteFiles;
use graph_conformance::results::Verdict;
use graph_conformance::run::{RunError, RunOptions, run};
use graph_conformance::suite::{Suite, SuiteError};
use rstest::rstest;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "paths-token-5d2a9b";
const BASE_PAGE: &str = include_str!("fixtures/mutation_base.md");

/// A server that answers a POST with a created object whose id is `created_id`, and
/// everything else with a Graph 404; it records every request line.
struct Server {
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn targets(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|line| line.split(' ').nth(1).unwrap_or_default().to_string())
            .collect()
    }
}

async fn serve(created_id: &'static str) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/beta", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let recording = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = Arc::clone(&recording);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let length = head
                        .lines()
                        .filter_map(|l| l.split_once(':'))
                        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + 4 + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..head_end + 4 + length);
                    let line = head.lines().next().unwrap_or_default().to_string();
                    let (status, body) = if line.starts_with("POST ") {
                        let body = serde_json::json!({
                            "@odata.type": "#microsoft.graph.ndesConnector",
                            "id": created_id,
                            "state": "active",
                            "displayName": "x",
                            "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00"
                        });
                        ("201 Created", body.to_string())
                    } else {
                        let body = r#"{"error":{"code":"ResourceNotFound","message":"not found"}}"#;
                        ("404 Not Found", body.to_string())
                    };
                    log.lock().unwrap().push(line);
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Server { base, log }
}

fn options(base: &str, only: &str, ids: &[(&str, &str)]) -> RunOptions {
    RunOptions {
        token: Some(SecretString::from(TOKEN)),
        cases: 1,
        only: Some(only.into()),
        ids: ids
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect(),
        ..RunOptions::new(base)
    }
}

/// Asserts every request went under `/beta/deviceManagement/ndesConnectors`.
fn assert_all_under_the_collection(server: &Server) {
    for target in server.targets() {
        assert!(
            target == "/beta/"
                || target == "/beta/deviceManagement/ndesConnectors"
                || target.starts_with("/beta/deviceManagement/ndesConnectors/"),
            "a request went to {target}: {:?}",
            server.targets()
        );
    }
}

#[rstest]
#[case::a_slash_question_mark_hash_and_percent("a/b?c#d%2E.", "a%2Fb%3Fc%23d%252E.")]
#[case::dots_inside_an_id("..a..", "..a..")]
#[case::a_percent_encoded_dot_dot("%2e%2e", "%252e%252e")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_arrive_percent_encoded_as_one_path_segment(#[case] id: &str, #[case] wire: &str) {
    let server = serve("created-1").await;
    let options = options(
        &server.base,
        "update-ndesConnector/*",
        &[("ndesConnectorId", id)],
    );
    run(&common::suite(), &options, &mut |_| {}).await.unwrap();
    let expected = format!("/beta/deviceManagement/ndesConnectors/{wire}");
    let patches: Vec<String> = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("PATCH "))
        .cloned()
        .collect();
    assert!(!patches.is_empty());
    assert!(
        patches
            .iter()
            .any(|l| l == &format!("PATCH {expected} HTTP/1.1")),
        "{patches:?}"
    );
    assert_all_under_the_collection(&server);
}

#[rstest]
#[case::dot_dot("..")]
#[case::dot(".")]
#[case::empty("")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_is_a_dot_segment_given_with_id_is_refused(#[case] id: &str) {
    let server = serve("created-1").await;
    let options = options(
        &server.base,
        "update-ndesConnector/*",
        &[("ndesConnectorId", id)],
    );
    let outcome = run(&common::suite(), &options, &mut |_| {}).await;
    let Err(error @ RunError::UnsafeId { .. }) = outcome else {
        panic!("refused: {:?}", outcome.map(|r| r.totals));
    };
    assert!(
        error.to_string().contains("--id ndesConnectorId="),
        "{error}"
    );
    assert_eq!(server.targets(), Vec::<String>::new(), "nothing was sent");
}

#[rstest]
#[case::dot_dot("..")]
#[case::dot(".")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dot_segment_id_returned_by_a_server_is_not_put_in_a_path(#[case] id: &'static str) {
    let server = serve(id).await;
    let options = options(&server.base, "ndesConnector", &[]);
    let results = run(&common::suite(), &options, &mut |_| {}).await.unwrap();
    assert_all_under_the_collection(&server);
    let cases = results.cases.to_vec().unwrap();
    let unresolved = results
        .run
        .skipped_operations
        .iter()
        .find(|s| s.operation == "update-ndesConnector")
        .unwrap_or_else(|| panic!("the update is skipped: {:?}", server.targets()));
    let reason = &unresolved.reason;
    assert!(reason.contains("cannot stand in a URL path"), "{reason}");
    assert!(
        !cases
            .iter()
            .any(|c| c.id.starts_with("update-ndesConnector/valid")),
        "no update case ran"
    );
}

/// Defence in depth: a suite built in memory (so not checked as a loaded one is) whose path
/// climbs out of the root gets no request sent, only a transport finding.
#[rstest]
#[case::dot_dot_segments("/../../admin/{ndesConnectorId}")]
#[case::encoded_dot_dot_segments("/%2E%2E/%2e%2e/admin/{ndesConnectorId}")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_sends_nothing_outside_the_service_root(#[case] path: &str) {
    let server = serve("created-1").await;
    let mut suite = (*common::suite()).clone();
    for case in &mut suite.cases {
        if case.id == "update-ndesConnector" {
            case.path = path.to_string();
        }
    }
    let options = options(
        &server.base,
        "update-ndesConnector/valid",
        &[("ndesConnectorId", "x1")],
    );
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert_eq!(
        server.targets(),
        vec!["/beta/".to_string()],
        "only the preflight"
    );
    let cases = results.cases.to_vec().unwrap();
    let case = &cases[0];
    assert_eq!(case.verdict, Verdict::Failed);
    let error = case.exchanges[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("does not stay under the service root"),
        "{error}"
    );
}

/// The committed suite's files, with `file` edited.
fn committed_files_with(file: &str, from: &str, to: &str) -> BTreeMap<String, String> {
    let mut files = common::committed_suite_files();
    let text = files.get_mut(file).unwrap();
    assert!(text.contains(from), "{file} has {from}");
    *text = text.replacen(from, to, 1);
    files
}

#[rstest]
#[case::dot_dot_segments("/deviceManagement/../../admin/{ndesConnectorId}")]
#[case::a_dot_segment("/deviceManagement/./ndesConnectors/{ndesConnectorId}")]
#[case::an_encoded_dot_dot_segment("/deviceManagement/%2e%2E/{ndesConnectorId}")]
#[case::an_empty_segment("/deviceManagement//ndesConnectors/{ndesConnectorId}")]
#[case::a_query("/deviceManagement/ndesConnectors/{ndesConnectorId}?x=1")]
#[case::a_fragment("/deviceManagement/ndesConnectors/{ndesConnectorId}#x")]
#[case::no_leading_slash("deviceManagement/ndesConnectors/{ndesConnectorId}")]
fn a_suite_path_that_leaves_its_operation_is_refused_naming_the_file(#[case] path: &str) {
    let files = committed_files_with(
        "cases/update-ndesConnector.json",
        "\"path\": \"/deviceManagement/ndesConnectors/{ndesConnectorId}\"",
        &format!("\"path\": \"{path}\""),
    );
    let error = Suite::from_files(&files).unwrap_err();
    let SuiteError::Invalid { file, pointer, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(file, "cases/update-ndesConnector.json");
    assert_eq!(pointer, "/path");
    assert!(error.to_string().contains(path), "{error}");
}

#[rstest]
#[case::dot_dot_segments("/lab/../../admin/{gizmoId}")]
#[case::a_dot_segment("/lab/./gizmos/{gizmoId}")]
#[case::an_encoded_dot_dot_segment("/lab/%2E%2E/gizmos/{gizmoId}")]
#[case::an_empty_segment("/lab//gizmos/{gizmoId}")]
fn a_derived_path_that_leaves_its_operation_is_refused_at_the_page_line(#[case] path: &str) {
    let page = BASE_PAGE.replacen("PATCH /lab/gizmos/{gizmoId}", &format!("PATCH {path}"), 1);
    let derivation = derive(&[PageSource {
        name: "gizmo.md".into(),
        text: page,
    }]);
    assert!(
        derivation.contract.operations.is_empty(),
        "the page is not used"
    );
    let unsafe_path: Vec<_> = derivation
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnsafePath)
        .collect();
    let [diagnostic] = unsafe_path.as_slice() else {
        panic!("{:#?}", derivation.diagnostics);
    };
    assert_eq!(diagnostic.span.file, "gizmo.md");
    assert_eq!(diagnostic.span.line, 17, "the request line");
    assert!(
        diagnostic
            .to_string()
            .starts_with("gizmo.md:17:1: error[unsafe-path]"),
        "{diagnostic}"
    );
}

/// `Widget` and `widget` would be written as `schemas/Widget.json` and `schemas/widget.json`,
/// one file on a case-insensitive file system: they are one resource, spelt as Graph writes
/// type names (camelCase, first letter in lower case), whichever page comes first.
#[test]
fn resources_differing_only_in_case_are_one_resource_spelt_as_graph_writes_type_names() {
    let pages = [("a.md", "Widget"), ("b.md", "widget")].map(|(name, resource)| PageSource {
        name: name.into(),
        text: BASE_PAGE.replace("gizmo", resource),
    });
    let derivation = derive(&pages);
    assert!(
        !derivation
            .diagnostics
            .iter()
            .any(|d| d.code == Code::NameCollision),
        "{:#?}",
        derivation.diagnostics
    );
    let names: Vec<&str> = derivation
        .contract
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["widget"]);
    let files = SuiteFiles::render(&derivation);
    let mut lowered: Vec<String> = files.files.keys().map(|k| k.to_lowercase()).collect();
    let count = lowered.len();
    lowered.sort();
    lowered.dedup();
    assert_eq!(lowered.len(), count, "{:?}", files.files.keys());
    assert!(files.files.contains_key("schemas/widget.json"));
}
