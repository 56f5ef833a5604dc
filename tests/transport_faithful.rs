//! Faithful servers whose transport differs from the reference mock's: each is a small raw
//! HTTP/1.1 front, on 127.0.0.1, that forwards every request to the embedded mock (faithful
//! to the pages) and changes only what HTTP allows a server to change: when it closes an idle
//! kept-alive connection (RFC 9112, 9.6), when it throttles (RFC 9110, 15.5.30 and 15.6.4),
//! and which content coding it applies when the request accepts one (RFC 9110, 12.5.3). A
//! faithful server passes with zero findings; a server that sends a content coding the
//! request refused gets a finding that names `Content-Encoding`.

use crate::common;

use common::wire::{Request, forward, read_request, reply};

use graph_conformance::checks::Check;
use graph_conformance::mock::{MockConfig, MockServer, Transport};
use graph_conformance::results::{CaseResult, RunResults, Verdict};
use graph_conformance::run::{RunOptions, run};
use rstest::rstest;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The operation the connection tests run (its every kind of case: examples, merge,
/// generated, boundaries, conventions, invalid payloads).
const OPERATION: &str = "update-ndesConnector/";

/// How a front differs from the mock behind it.
#[derive(Debug, Clone, Copy)]
enum Front {
    /// Keeps connections alive and never sends `Connection: close`, but closes a connection
    /// that stayed idle longer than `idle` when the next request arrives on it, without
    /// answering (the idle close that crosses a request on the wire, made certain): with a
    /// FIN after reading the request, or (`reset`) a RST, the request left unread.
    IdleClose { idle: Duration, reset: bool },
    /// Keeps connections alive and closes one that stays idle for `idle` after an answer (an
    /// idle timer), never sending `Connection: close`.
    IdleTimer { idle: Duration },
    /// Answers every `every`-th request (the preflight included) 429 `Retry-After: 0` or 503
    /// `Retry-After: 1`, in turn, without forwarding it.
    Throttle { every: usize },
    /// Gzips every body, unless the request refuses content codings
    /// (`Accept-Encoding: identity`); `anyway`: gzips every body whatever the request says.
    Gzip { anyway: bool },
    /// Answers every request with `Connection: close` (so every request has a connection
    /// of its own) and closes a POST's connection unanswered, after reading it: the request
    /// may have been acted on, and must not be resent.
    ClosesPosts,
}

struct State {
    front: Front,
    mock: String,
    http: reqwest::Client,
    requests: AtomicUsize,
    /// POSTs read off the wire.
    posts: AtomicUsize,
}

/// A front and the mock behind it, stopped when dropped.
struct Served {
    /// The front's service root (`http://127.0.0.1:PORT/beta`).
    base: String,
    state: Arc<State>,
    _mock: MockServer,
}

async fn serve(front: Front) -> Served {
    let mock = common::mock(&common::suite()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new(State {
        front,
        mock: format!("http://{}", mock.addr()),
        http: forwarder(),
        requests: AtomicUsize::new(0),
        posts: AtomicUsize::new(0),
    });
    let accepting = Arc::clone(&state);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, Arc::clone(&accepting)));
        }
    });
    Served {
        base: format!("http://{addr}/beta"),
        state,
        _mock: mock,
    }
}

/// The client that forwards to the mock.
fn forwarder() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Serves one kept-alive connection until the client closes it or the front does.
async fn connection(mut socket: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    // since the last answer; a connection that has answered nothing yet is not idle
    let mut idle_since: Option<Instant> = None;
    let idle_for =
        |since: Option<Instant>, idle: Duration| since.is_some_and(|t| t.elapsed() > idle);
    loop {
        if let Front::IdleClose { idle, reset: true } = state.front {
            // the request arrives and is left unread: closing then sends a RST
            if socket.readable().await.is_err() {
                return;
            }
            if idle_for(idle_since, idle) && buf.is_empty() {
                let _ = socket.set_zero_linger();
                return;
            }
        }
        let request = match state.front {
            Front::IdleTimer { idle } if idle_since.is_some() => {
                match tokio::time::timeout(idle, read_request(&mut socket, &mut buf)).await {
                    Ok(request) => request,
                    Err(_) => return,
                }
            }
            _ => read_request(&mut socket, &mut buf).await,
        };
        let Some(Ok(request)) = request else {
            return;
        };
        if let Front::IdleClose { idle, .. } = state.front
            && idle_for(idle_since, idle)
        {
            return;
        }
        if request.method == "POST" {
            state.posts.fetch_add(1, Ordering::SeqCst);
            if let Front::ClosesPosts = state.front {
                return;
            }
        }
        let answer = answer(&state, &request).await;
        if socket.write_all(&answer).await.is_err() {
            return;
        }
        if let Front::ClosesPosts = state.front {
            return;
        }
        idle_since = Some(Instant::now());
    }
}

/// Returns the front's answer to `request`.
async fn answer(state: &State, request: &Request) -> Vec<u8> {
    let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if let Front::Throttle { every } = state.front
        && n.is_multiple_of(every)
    {
        return throttled(n / every);
    }
    let common::wire::Forwarded {
        status,
        headers,
        body,
    } = forward(&state.http, &state.mock, request).await;
    let coded = match state.front {
        Front::Gzip { anyway } => anyway || accepts_gzip(request.header("accept-encoding")),
        _ => false,
    };
    let mut headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    if let Front::ClosesPosts = state.front {
        headers.push(("connection", "close"));
    }
    if coded && !body.is_empty() {
        headers.push(("content-encoding", "gzip"));
        return reply(&status, &headers, &graph_conformance::mock::gzip(&body));
    }
    reply(&status, &headers, &body)
}

/// The `k`-th throttling answer: 429 and 503 in turn, each with a Graph error body.
fn throttled(k: usize) -> Vec<u8> {
    let json = ("content-type", "application/json");
    if k.is_multiple_of(2) {
        let body = br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#;
        reply("429 Too Many Requests", &[json, ("retry-after", "0")], body)
    } else {
        let body = br#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#;
        reply(
            "503 Service Unavailable",
            &[json, ("retry-after", "1")],
            body,
        )
    }
}

/// Tells whether an `Accept-Encoding` accepts gzip: absent (any coding is), or naming it
/// or `*`.
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_none_or(|value| {
        value
            .split(',')
            .map(|c| c.split(';').next().unwrap_or_default().trim())
            .any(|c| c.eq_ignore_ascii_case("gzip") || c == "*")
    })
}

fn options(base: &str, only: Option<&str>, concurrency: usize) -> RunOptions {
    RunOptions {
        only: only.map(str::to_string),
        concurrency,
        ..common::options(base, 2)
    }
}

async fn run_against(options: &RunOptions) -> (RunResults, Vec<CaseResult>) {
    let results = run(&common::suite(), options, &mut |_| {})
        .await
        .expect("the run completes");
    let cases = results.cases.to_vec().unwrap();
    (results, cases)
}

/// Asserts that no case has a finding, of any severity.
fn assert_no_finding(cases: &[CaseResult]) {
    let found: Vec<_> = cases
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (&c.id, f)))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

/// An idle kept-alive connection that the server closes without `Connection: close`, as the
/// next request arrives, is the connection's property, not the server's: the request is
/// resent once on a fresh connection, recorded, and the run has zero findings. The client
/// pauses between requests (`--rate-limit`) beyond the server's idle time.
#[rstest]
#[case::closed_with_a_fin_at_concurrency_1(Front::IdleClose { idle: Duration::from_millis(60), reset: false }, 1)]
#[case::closed_with_a_fin_at_concurrency_16(Front::IdleClose { idle: Duration::from_millis(60), reset: false }, 16)]
#[case::closed_with_a_reset_at_concurrency_1(Front::IdleClose { idle: Duration::from_millis(60), reset: true }, 1)]
#[case::closed_with_a_reset_at_concurrency_16(Front::IdleClose { idle: Duration::from_millis(60), reset: true }, 16)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_an_unannounced_idle_close_is_not_a_finding(
    #[case] front: Front,
    #[case] concurrency: usize,
) {
    let served = serve(front).await;
    let options = RunOptions {
        rate_limit: Some(12.0),
        ..options(&served.base, Some(OPERATION), concurrency)
    };
    let (results, cases) = run_against(&options).await;
    assert_no_finding(&cases);
    assert!(!results.failed());
    assert!(cases.iter().all(|c| c.verdict == Verdict::Passed));
    let exchanges: Vec<_> = cases.iter().flat_map(|c| &c.exchanges).collect();
    assert!(
        exchanges.iter().any(|e| e.reconnected),
        "the server closed idle connections: some request was resent"
    );
    assert!(
        exchanges.iter().all(|e| e.error.is_none()),
        "every request was answered"
    );
}

/// A POST that went out on a connection opened for it, and that the server closed
/// unanswered, is never resent (the server may have acted on it): each is a `transport`
/// finding, and each reached the server exactly once.
#[rstest]
#[case::at_concurrency_1(1)]
#[case::at_concurrency_16(16)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_a_post_closed_unanswered_on_a_fresh_connection_is_not_resent(
    #[case] concurrency: usize,
) {
    let served = serve(Front::ClosesPosts).await;
    let (results, cases) = run_against(&options(&served.base, None, concurrency)).await;
    assert!(results.failed());
    let exchanges: Vec<_> = cases.iter().flat_map(|c| &c.exchanges).collect();
    let posts: Vec<_> = exchanges
        .iter()
        .filter(|e| e.request.method == "POST")
        .collect();
    assert!(!posts.is_empty(), "the suite sends creates");
    assert!(posts.iter().all(|e| e.response.is_none() && !e.reconnected));
    assert!(exchanges.iter().all(|e| !e.reconnected));
    // the requests sent while shrinking a failing case are counted, not recorded
    let shrinking: u32 = cases
        .iter()
        .filter(|c| c.exchanges.iter().any(|e| e.request.method == "POST"))
        .filter_map(|c| c.shrink.as_ref())
        .map(|s| s.steps)
        .sum();
    assert_eq!(
        served.state.posts.load(Ordering::SeqCst),
        posts.len() + usize::try_from(shrinking).unwrap(),
        "every POST reached the server once"
    );
    let transport = cases
        .iter()
        .flat_map(|c| &c.findings)
        .filter(|f| f.check == Check::Transport)
        .count();
    assert!(transport > 0);
}

/// A server with an idle timer, at any concurrency and with keep-alive off alike, passes.
#[rstest]
#[case::kept_alive_at_concurrency_1(1, true)]
#[case::kept_alive_at_concurrency_16(16, true)]
#[case::no_keep_alive_at_concurrency_16(16, false)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_an_idle_timer_is_not_a_finding(
    #[case] concurrency: usize,
    #[case] keep_alive: bool,
) {
    let served = serve(Front::IdleTimer {
        idle: Duration::from_millis(50),
    })
    .await;
    let options = RunOptions {
        rate_limit: Some(20.0),
        keep_alive,
        ..options(&served.base, Some(OPERATION), concurrency)
    };
    let (results, cases) = run_against(&options).await;
    assert_no_finding(&cases);
    assert!(!results.failed());
    if !keep_alive {
        let exchanges = cases.iter().flat_map(|c| &c.exchanges);
        assert!(
            exchanges.into_iter().all(|e| !e.reconnected),
            "without keep-alive every request has a fresh connection: nothing to resend"
        );
    }
}

/// Throttling is not a fault: a server that throttles every 7th request passes with zero
/// failures. With retries, the throttled requests are retried; with `--retries 0`, the
/// throttled cases are skipped with a reason that names the status, and counted.
#[rstest]
#[case::with_the_default_retries(2)]
#[case::with_no_retries(0)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_a_server_that_throttles_every_7th_request_passes(#[case] retries: u32) {
    let served = serve(Front::Throttle { every: 7 }).await;
    let options = RunOptions {
        retries,
        ..options(&served.base, None, 8)
    };
    let (results, cases) = run_against(&options).await;
    assert_no_finding(&cases);
    assert_eq!(results.totals.failed, 0);
    let skipped: Vec<&CaseResult> = cases
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped)
        .collect();
    for case in &skipped {
        let reason = case.skipped_reason.as_deref().unwrap_or_default();
        assert!(
            reason.starts_with("throttled: the server still answered 429 with Retry-After")
                || reason.starts_with("throttled: the server still answered 503 with Retry-After"),
            "{}: {reason}",
            case.id
        );
        assert!(
            reason.contains(&format!("of {retries} retries")),
            "{reason}"
        );
    }
    assert_eq!(results.run.throttled, skipped.len());
    if retries == 0 {
        assert!(!skipped.is_empty(), "every 7th request was throttled");
    } else {
        let retried = cases
            .iter()
            .flat_map(|c| &c.exchanges)
            .any(|e| e.retries > 0);
        assert!(retried, "the throttled requests were retried");
    }
}

/// A server that gzips a body when the request accepts any coding is faithful: every request
/// says `Accept-Encoding: identity` (and records it), so the bodies come as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_encoding_a_server_that_gzips_unless_told_identity_passes() {
    let served = serve(Front::Gzip { anyway: false }).await;
    let (results, cases) = run_against(&options(&served.base, None, 8)).await;
    assert_no_finding(&cases);
    assert!(!results.failed());
    for exchange in cases.iter().flat_map(|c| &c.exchanges) {
        assert!(
            exchange
                .request
                .headers
                .iter()
                .any(|(n, v)| n == "Accept-Encoding" && v == "identity"),
            "{:?}",
            exchange.request.headers
        );
    }
}

/// A server that gzips although the request said `Accept-Encoding: identity` gets a finding
/// that names `Content-Encoding` and the coding, not a confusing JSON-body failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_encoding_a_server_that_gzips_anyway_is_named() {
    let served = serve(Front::Gzip { anyway: true }).await;
    let (results, cases) = run_against(&options(&served.base, Some(OPERATION), 8)).await;
    assert!(results.failed());
    let findings: Vec<_> = cases.iter().flat_map(|c| &c.findings).collect();
    let named = findings.iter().filter(|f| {
        f.check == Check::ContentType
            && f.key == "content-encoding"
            && f.message.contains("Content-Encoding is \"gzip\"")
    });
    assert!(named.count() > 0, "{findings:#?}");
    assert!(
        findings.iter().all(|f| f.check != Check::JsonBody),
        "{findings:#?}"
    );
}

#[rstest]
#[case::empty(b"", 0)]
#[case::the_check_value(b"123456789", 0xcbf4_3926)]
fn the_gzip_trailer_carries_the_crc32_and_the_length(#[case] data: &[u8], #[case] crc: u32) {
    let member = graph_conformance::mock::gzip(data);
    let trailer = &member[member.len() - 8..];
    assert_eq!(trailer[..4], crc.to_le_bytes());
    assert_eq!(
        trailer[4..],
        u32::try_from(data.len()).unwrap().to_le_bytes()
    );
}

/// Starts the reference mock with a faithful transport variant.
async fn mock_with(transport: Transport) -> MockServer {
    MockServer::start_with(
        common::suite(),
        MockConfig::default(),
        transport,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the mock starts")
}

/// The reference mock's own idle-close variant (a request that arrives after 60 ms of idle
/// closes its connection unanswered) passes with zero findings, at concurrency 1 and 16.
#[rstest]
#[case::at_concurrency_1(1)]
#[case::at_concurrency_16(16)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_the_mock_closing_idle_connections_passes(#[case] concurrency: usize) {
    let mock = mock_with(Transport {
        idle_close: Some(Duration::from_millis(60)),
        ..Transport::default()
    })
    .await;
    let options = RunOptions {
        rate_limit: Some(12.0),
        ..options(&mock.base_url(), Some(OPERATION), concurrency)
    };
    let (results, cases) = run_against(&options).await;
    assert_no_finding(&cases);
    assert!(!results.failed());
    let exchanges: Vec<_> = cases.iter().flat_map(|c| &c.exchanges).collect();
    assert!(exchanges.iter().any(|e| e.reconnected));
}

/// The reference mock's own throttling variant (every 7th request 429 or 503, with
/// `Retry-After`) passes: with `--retries 0` its throttled cases are skipped, not failed.
#[rstest]
#[case::with_the_default_retries(2)]
#[case::with_no_retries(0)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_the_mock_throttling_every_7th_request_passes(#[case] retries: u32) {
    let mock = mock_with(Transport {
        throttle_every: Some(7),
        ..Transport::default()
    })
    .await;
    let options = RunOptions {
        retries,
        ..options(&mock.base_url(), None, 8)
    };
    let (results, cases) = run_against(&options).await;
    assert_no_finding(&cases);
    assert_eq!(results.totals.failed, 0);
    let skipped = cases
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped)
        .count();
    assert_eq!(results.run.throttled, skipped);
    if retries == 0 {
        assert!(skipped > 0, "every 7th request was throttled");
    }
}
