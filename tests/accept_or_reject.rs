//! Edges where faithful servers differ (strings over 1,024 characters, supplementary
//! characters, 7 fraction digits, years 0001 and 9999, offsets of ±14:00) are
//! accept-or-reject: a 4xx is a fine answer, an accepted value must come back exactly. Each
//! server here is a small raw HTTP/1.1 front on 127.0.0.1 that forwards to the embedded
//! mock (faithful to the pages) and changes only how it treats the edge values.

use crate::common;

use common::wire::{Request, forward, read_request, reply};

use graph_conformance::checks::Check;
use graph_conformance::mock::{FAULT_HEADER, Fault, MockServer};
use graph_conformance::results::{CaseKind, CaseResult, Verdict};
use graph_conformance::run::{RunOptions, run};
use rstest::rstest;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The longest string the fronts store.
const LONGEST: usize = 1024;

/// How a front treats the edge values of a request body.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Front {
    /// Answers 400 with a Graph error body to any string over 1,024 characters.
    RejectsLongStrings,
    /// Answers 400 with a plain-text body to any string over 1,024 characters.
    RejectsLongStringsUnshaped,
    /// Accepts any string, but stores only its first 1,024 characters.
    TruncatesLongStrings,
    /// Answers 400 with a Graph error body to a DateTimeOffset of 7 fraction digits.
    RejectsSevenDigits,
}

struct State {
    front: Front,
    mock: String,
    http: reqwest::Client,
}

/// A front and the mock behind it, stopped when dropped.
struct Served {
    base: String,
    _mock: MockServer,
}

async fn serve(front: Front) -> Served {
    let mock = common::mock(&common::suite()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let state = Arc::new(State {
        front,
        mock: format!("http://{}", mock.addr()),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    });
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, Arc::clone(&state)));
        }
    });
    Served {
        base: format!("http://{addr}/beta"),
        _mock: mock,
    }
}

async fn connection(mut socket: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    while let Some(Ok(request)) = read_request(&mut socket, &mut buf).await {
        let answer = answer(&state, request).await;
        if socket.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// Every string of a JSON value, at any depth.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Tells whether `s` is a DateTimeOffset with 7 fraction digits.
fn has_seven_digits(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 27 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && {
        let digits = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
        digits == 7
    }
}

fn truncated(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.chars().take(LONGEST).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(truncated).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, truncated(v))).collect())
        }
        other => other,
    }
}

async fn answer(state: &State, mut request: Request) -> Vec<u8> {
    let body: Option<Value> = serde_json::from_slice(&request.body).ok();
    let long = body
        .as_ref()
        .is_some_and(|b| strings(b).iter().any(|s| s.chars().count() > LONGEST));
    let seven = body
        .as_ref()
        .is_some_and(|b| strings(b).iter().any(|s| has_seven_digits(s)));
    let graph_error = br#"{"error":{"code":"BadRequest","message":"value out of range"}}"#;
    let json = ("content-type", "application/json");
    match state.front {
        Front::RejectsLongStrings if long => return reply("400 Bad Request", &[json], graph_error),
        Front::RejectsSevenDigits if seven => {
            return reply("400 Bad Request", &[json], graph_error);
        }
        Front::RejectsLongStringsUnshaped if long => {
            let text = ("content-type", "text/plain");
            return reply("400 Bad Request", &[text], b"too long");
        }
        Front::TruncatesLongStrings if long => {
            let cut = truncated(body.unwrap_or_default());
            request.body = cut.to_string().into_bytes();
        }
        _ => {}
    }
    forward(&state.http, &state.mock, &request).await.reply()
}

async fn run_against(front: Front, strict: bool) -> Vec<CaseResult> {
    let served = serve(front).await;
    let options = RunOptions {
        strict,
        ..common::options(&served.base, 4)
    };
    let results = run(&common::suite(), &options, &mut |_| {})
        .await
        .expect("the run completes");
    results.cases.to_vec().unwrap()
}

fn findings(cases: &[CaseResult]) -> Vec<(&str, Check, bool)> {
    cases
        .iter()
        .flat_map(|c| {
            c.findings
                .iter()
                .map(move |f| (c.id.as_str(), f.check, f.is_error()))
        })
        .collect()
}

fn boundary<'a>(cases: &'a [CaseResult], suffix: &str) -> Vec<&'a CaseResult> {
    cases
        .iter()
        .filter(|c| c.kind == CaseKind::Boundary && c.id.ends_with(suffix))
        .collect()
}

/// A server that rejects an edge no page states, with a 4xx and a Graph error body, is
/// faithful: the boundary cases it rejected pass, and no generated or boundary case has a
/// finding. `only_generated`: the pages' own examples carry the edge (the examples write 7
/// fraction digits), so a server rejecting it fails the cases that send them; those are
/// judged by the examples' rule, not by this one.
#[rstest]
#[case::strings_over_1024_characters(Front::RejectsLongStrings, "-4-kib", false)]
#[case::seven_fraction_digits(Front::RejectsSevenDigits, "-7-digits", true)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundary_a_rejected_edge_with_a_graph_error_is_not_a_finding(
    #[case] front: Front,
    #[case] edge: &str,
    #[case] only_generated: bool,
) {
    let cases = run_against(front, true).await;
    let found: Vec<_> = findings(&cases)
        .into_iter()
        .filter(|(id, _, _)| !only_generated || sends_generated_values(id))
        .collect();
    assert_eq!(found, Vec::new());
    let edges = boundary(&cases, edge);
    assert!(!edges.is_empty(), "{edge} boundary cases ran");
    for case in edges {
        assert_eq!(case.verdict, Verdict::Passed, "{}", case.id);
        let status = case.exchanges[0].response.as_ref().map(|r| r.status);
        assert_eq!(status, Some(400), "{}", case.id);
    }
}

/// The reference mock's own variant that rejects strings over 1,024 characters (400, a
/// Graph error) is faithful too, even under `--strict`: its long-string boundary cases pass
/// on their 400, and nothing else has a finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundary_the_mock_rejecting_long_strings_passes() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let mut options = RunOptions {
        strict: true,
        ..common::options(&mock.base_url(), 4)
    };
    let variant = Fault::LongStringsRejected.name().to_string();
    options.headers.push((FAULT_HEADER.to_string(), variant));
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let cases = results.cases.to_vec().unwrap();
    assert_eq!(findings(&cases), Vec::new());
    let edges = boundary(&cases, "-4-kib");
    assert!(!edges.is_empty(), "the long-string boundary cases ran");
    for case in edges {
        assert_eq!(case.verdict, Verdict::Passed, "{}", case.id);
        let status = case.exchanges[0].response.as_ref().map(|r| r.status);
        assert_eq!(status, Some(400), "{}", case.id);
    }
}

/// Tells whether a case sends generated values (not a page's example body).
fn sends_generated_values(id: &str) -> bool {
    (id.contains("/valid/") || id.contains("/boundary/")) && !id.ends_with("/boundary/untyped")
}

/// A rejection without a Graph error body is at most the error-shape convention warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundary_a_rejected_edge_without_a_graph_error_is_a_convention_warning() {
    let cases = run_against(Front::RejectsLongStringsUnshaped, false).await;
    let found = findings(&cases);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(_, _, error)| !error), "{found:#?}");
    assert!(
        found.iter().all(|(id, _, _)| id.contains("/boundary/")),
        "{found:#?}"
    );
}

/// A server that accepts a long string but stores it cut short is flagged by echo, on the
/// boundary case of that string, and by nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundary_an_accepted_edge_silently_truncated_is_an_echo_error() {
    let cases = run_against(Front::TruncatesLongStrings, false).await;
    let errors: Vec<_> = findings(&cases).into_iter().filter(|f| f.2).collect();
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|(_, check, _)| *check == Check::Echo),
        "{errors:#?}"
    );
    assert!(
        errors.iter().all(|(id, _, _)| id.contains("/boundary/")
            && (id.ends_with("-chars") || id.ends_with("-kib"))),
        "{errors:#?}"
    );
    for case in boundary(&cases, "-4-kib") {
        assert_eq!(case.verdict, Verdict::Failed, "{}", case.id);
    }
}
