//! The lifecycle's order holds under concurrency: operations of one resource run in their
//! lifecycle order (create, list, get, update, replace, actions, functions, references), and
//! a delete never runs before the reads of the object it deletes. A recording proxy in front
//! of the reference mock numbers every request as it arrives.

use crate::common;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use graph_conformance::results::CaseResult;
use graph_conformance::run::run;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const SEQUENCE: &str = "x-test-sequence";

struct Proxy {
    upstream: String,
    next: AtomicU64,
    http: reqwest::Client,
}

async fn forward(
    axum::extract::State(proxy): axum::extract::State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, Bytes) {
    let sequence = proxy.next.fetch_add(1, Ordering::SeqCst);
    let target = format!(
        "{}{}",
        proxy.upstream,
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let mut request = proxy.http.request(method, target).body(body.to_vec());
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let response = request.send().await.expect("the mock answers");
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let mut out = HeaderMap::new();
    for (name, value) in response.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            let name = axum::http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap();
            out.insert(name, HeaderValue::from_bytes(value.as_bytes()).unwrap());
        }
    }
    out.insert(SEQUENCE, HeaderValue::from(sequence));
    (
        status,
        out,
        Bytes::from(response.bytes().await.unwrap().to_vec()),
    )
}

/// The arrival numbers of a case's requests, with their method and path.
fn arrivals(case: &CaseResult) -> Vec<(u64, String, String)> {
    case.exchanges
        .iter()
        .filter_map(|e| {
            let response = e.response.as_ref()?;
            let (_, n) = response
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(SEQUENCE))?;
            let path = e.request.url.split('?').next()?.to_ascii_lowercase();
            Some((n.parse().ok()?, e.request.method.clone(), path))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_runs_after_every_read_of_its_object_and_steps_keep_their_order() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let suite = common::kinds_suite();
    let mock = common::mock(&suite).await;
    let upstream = mock.base_url().trim_end_matches("/beta").to_string();
    let proxy = Arc::new(Proxy {
        upstream,
        next: AtomicU64::new(0),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut options = common::options(&format!("http://{addr}/beta"), 5);
    options.concurrency = 64;
    let results = run(&suite, &options, &mut |_| {})
        .await
        .expect("the run completes");
    let cases = results.cases.to_vec().unwrap();
    assert!(cases.len() > 40, "{}", cases.len());

    // every request to a deleted object's path, outside its delete's own cases, came first
    let deletes: Vec<(u64, String, &str)> = cases
        .iter()
        .flat_map(|c| {
            arrivals(c)
                .into_iter()
                .map(move |a| (a, c.operation.as_str()))
        })
        .filter(|((_, method, _), _)| method == "DELETE")
        .map(|((n, _, path), op)| (n, path, op))
        .collect();
    assert!(!deletes.is_empty(), "no delete ran");
    for (deleted_at, path, delete_op) in &deletes {
        for case in cases.iter().filter(|c| c.operation != *delete_op) {
            for (n, method, other) in arrivals(case) {
                if other == *path && method != "DELETE" {
                    assert!(n < *deleted_at, "{} read {path} after its delete", case.id);
                }
            }
        }
    }
    // the operations of the resource ran one after another, in lifecycle order
    let mut spans: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for case in &cases {
        for (n, _, _) in arrivals(case) {
            let span = spans.entry(case.operation.clone()).or_insert((n, n));
            *span = (span.0.min(n), span.1.max(n));
        }
    }
    let order = [
        "create-",
        "list-gadget",
        "get-",
        "update-",
        "replace-",
        "action-",
        "function-",
    ];
    let first = |prefix: &str| {
        spans
            .iter()
            .find(|(op, _)| op.starts_with(prefix))
            .map(|(_, s)| *s)
    };
    let ran: Vec<(u64, u64)> = order.iter().filter_map(|p| first(p)).collect();
    assert_eq!(ran.len(), order.len(), "{spans:?}");
    for pair in ran.windows(2) {
        assert!(
            pair[0].1 < pair[1].0,
            "steps overlapped or ran out of order: {spans:?}"
        );
    }
}
