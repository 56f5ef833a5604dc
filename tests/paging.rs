//! Following `@odata.nextLink` is bounded whatever the server does: a link back to a page
//! already read is a loop, a link to another origin is never followed (nor sent the token),
//! and an endless chain stops at `--max-pages`. Each server here counts what it received.

use crate::common;

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use graph_conformance::checks::Check;
use graph_conformance::run::run;
use rstest::rstest;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How the list server links its pages.
#[derive(Clone, Copy, Debug)]
enum Links {
    /// The second page links back to the first.
    Loop,
    /// Every page links to one more.
    Endless,
    /// The first page links to the other server.
    Elsewhere,
}

/// What a server received.
#[derive(Default)]
struct Counts {
    requests: AtomicUsize,
    authorized: AtomicUsize,
}

struct ListServer {
    links: Links,
    /// The origin of this server and of the other one.
    own: String,
    other: String,
    counts: Counts,
}

async fn start(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn count(counts: &Counts, headers: &HeaderMap) {
    counts.requests.fetch_add(1, Ordering::SeqCst);
    if headers.contains_key("authorization") {
        counts.authorized.fetch_add(1, Ordering::SeqCst);
    }
}

/// A JSON answer.
type Json = ([(header::HeaderName, &'static str); 1], String);

fn json_body(value: Value) -> Json {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
}

async fn page(State(server): State<Arc<ListServer>>, uri: Uri, headers: HeaderMap) -> Json {
    count(&server.counts, &headers);
    let n: u64 = uri
        .query()
        .and_then(|q| q.strip_prefix("$skiptoken="))
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let next = match server.links {
        Links::Loop if n == 2 => format!("{}/v1.0/gadgets", server.own),
        Links::Loop | Links::Endless => format!("{}/v1.0/gadgets?$skiptoken={}", server.own, n + 1),
        Links::Elsewhere => format!("{}/v1.0/gadgets?$skiptoken=2", server.other),
    };
    json_body(json!({
        "value": [{
            "id": format!("g{n}"),
            "displayName": "a gadget",
            "mode": "idle",
            "firstSeen": "2026-01-01T00:00:00Z",
        }],
        "@odata.nextLink": next,
    }))
}

async fn elsewhere(State(counts): State<Arc<Counts>>, headers: HeaderMap) -> Json {
    count(&counts, &headers);
    json_body(json!({ "value": [] }))
}

#[rstest]
#[case::a_link_back_to_a_page_read_is_a_loop(Links::Loop, Check::NextLinkLoop, 2)]
#[case::an_endless_chain_stops_at_max_pages(Links::Endless, Check::PageCap, 5)]
#[case::a_link_to_another_origin_is_not_followed(Links::Elsewhere, Check::NextLinkOrigin, 1)]
#[tokio::test]
async fn paging_ends_in_bounded_requests(
    #[case] links: Links,
    #[case] expected: Check,
    #[case] requests: usize,
) {
    let other_counts = Arc::new(Counts::default());
    let other = start(
        axum::Router::new()
            .fallback(elsewhere)
            .with_state(Arc::clone(&other_counts)),
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let server = Arc::new(ListServer {
        links,
        own: own.clone(),
        other,
        counts: Counts::default(),
    });
    let app = axum::Router::new()
        .route("/v1.0/gadgets", axum::routing::get(page))
        .fallback(|| async { json_body(json!({})) })
        .with_state(Arc::clone(&server));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let suite = common::kinds_suite();
    let mut options = common::options(&format!("{own}/v1.0"), 1);
    options.exact = Some("list-gadget/list".to_string());
    options.max_pages = 5;
    let started = Instant::now();
    let results = run(&suite, &options, &mut |_| {})
        .await
        .expect("the run completes");

    assert!(started.elapsed() < Duration::from_secs(10));
    let checks: Vec<Check> = results.findings.iter().map(|f| f.check).collect();
    assert_eq!(checks, vec![expected], "{:#?}", results.findings);
    // (the preflight probe goes to the fallback route, which counts nothing)
    assert_eq!(server.counts.requests.load(Ordering::SeqCst), requests);
    assert_eq!(
        other_counts.requests.load(Ordering::SeqCst),
        0,
        "another origin got a request"
    );
    assert_eq!(other_counts.authorized.load(Ordering::SeqCst), 0);
}
