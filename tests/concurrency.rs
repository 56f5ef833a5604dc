//! Concurrency and pacing: operations on different resources run at once, those on one
//! resource stay in order, the result does not depend on the concurrency, and a rate limit
//! shared by every runner is never exceeded.

use crate::common;

use graph_conformance::mock::{FAULT_HEADER, Fault};
use graph_conformance::run::{RunOptions, run};
use rstest::rstest;
use std::time::Instant;

#[rstest]
#[case::one_at_a_time(1)]
#[case::many_at_once(32)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_waits_for_the_create_whose_id_it_uses(#[case] concurrency: usize) {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let options = RunOptions {
        concurrency,
        only: Some("*ndesConnector/*".into()),
        ..common::options(&mock.base_url(), 2)
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let created = common::created_id(&results, "create-ndesConnector/example-1");
    let id = created.as_str();
    let updates: Vec<_> = results
        .cases
        .to_vec()
        .unwrap()
        .into_iter()
        .filter(|c| c.operation == "update-ndesConnector" && c.id.contains("/valid/"))
        .collect();
    assert!(!updates.is_empty());
    for update in updates {
        assert!(
            update.exchanges[0].request.url.ends_with(id),
            "{} ran before the create: {}",
            update.id,
            update.exchanges[0].request.url
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_do_not_depend_on_the_concurrency() {
    let suite = common::suite();
    let mut outcomes = Vec::new();
    for concurrency in [1, 4, 32] {
        let mock = common::mock(&suite).await;
        let mut options = RunOptions {
            concurrency,
            ..common::options(&mock.base_url(), 5)
        };
        options.headers.push((
            FAULT_HEADER.into(),
            Fault::parse("patch-replaces").unwrap().name().into(),
        ));
        let results = run(&suite, &options, &mut |_| {}).await.unwrap();
        let mut ids: Vec<String> = results
            .cases
            .to_vec()
            .unwrap()
            .into_iter()
            .map(|c| c.id.clone())
            .collect();
        ids.sort();
        outcomes.push((ids, results.findings));
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert_eq!(outcomes[0], outcomes[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_shared_by_every_runner_is_never_exceeded() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let rate = 200.0;
    let options = RunOptions {
        concurrency: 32,
        rate_limit: Some(rate),
        ..common::options(&mock.base_url(), 2)
    };
    let started = Instant::now();
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let requests = results.totals.requests as f64;
    assert!(requests > 100.0);
    // n requests at most `rate` per second need at least (n - 1) / rate seconds
    assert!(
        elapsed >= (requests - 1.0) / rate,
        "{requests} requests in {elapsed:.3}s exceed {rate}/s"
    );
}

/// `run` without `--base-url` drives the suite from a single-threaded runtime while the
/// embedded mock serves from a thread of its own: the run must complete (no task of the mock
/// waits on the client's runtime) and find nothing, and shutdown must join the thread.
#[tokio::test(flavor = "current_thread")]
async fn a_mock_on_its_own_thread_serves_a_single_threaded_run() {
    use graph_conformance::mock::{MockConfig, MockServer};
    let suite = common::suite();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mock = MockServer::start_on_own_thread(suite.clone(), MockConfig::default(), addr)
        .expect("the mock starts");
    let options = RunOptions {
        concurrency: 8,
        ..common::options(&mock.base_url(), 3)
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert!(results.totals.requests > 50);
    assert_eq!(results.totals.failed, 0, "{:?}", results.findings);
    mock.shutdown().await;
    assert!(
        std::net::TcpStream::connect(addr_of(&results.run.base_url)).is_err(),
        "the mock still accepts connections after shutdown"
    );
}

fn addr_of(base_url: &str) -> String {
    base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// A server that holds every request for 25 ms and rejects it with a Graph error body,
/// recording the most requests it ever had in flight at once.
async fn slow_rejecting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    rejecting_server(25).await
}

async fn rejecting_server(
    hold_ms: u64,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (in_flight, peak) = (now.clone(), most.clone());
    let app = axum::Router::new().fallback(move || {
        let (in_flight, peak) = (in_flight.clone(), peak.clone());
        async move {
            let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(hold_ms)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                r#"{"error":{"code":"BadRequest","message":"rejected"}}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/beta"), most)
}

fn case_ids(results: &graph_conformance::results::RunResults) -> Vec<String> {
    let cases = results.cases.to_vec().unwrap();
    cases.into_iter().map(|c| c.id).collect()
}

#[rstest]
#[case::three_at_most(3)]
#[case::eight_at_most(8)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cases_one_operation_must_reject_run_side_by_side_within_the_concurrency(
    #[case] concurrency: usize,
) {
    let suite = common::suite();
    let (base_url, peak) = slow_rejecting_server().await;
    let options = RunOptions {
        concurrency,
        only: Some("update-ndesConnector/invalid/*".into()),
        ..common::options(&base_url, 1)
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert!(results.totals.cases >= 6, "{:?}", results.totals);
    assert_eq!(results.totals.failed, 0, "{:?}", results.findings);
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!(peak > 1, "the invalid payloads were sent one at a time");
    assert!(
        peak <= concurrency,
        "{peak} requests in flight, limit {concurrency}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_sent_side_by_side_are_recorded_in_plan_order() {
    let suite = common::suite();
    let (base_url, _) = slow_rejecting_server().await;
    let mut orders = Vec::new();
    for concurrency in [1, 8] {
        let options = RunOptions {
            concurrency,
            only: Some("update-ndesConnector/*".into()),
            ..common::options(&base_url, 1)
        };
        let results = run(&suite, &options, &mut |_| {}).await.unwrap();
        orders.push(case_ids(&results));
    }
    assert!(orders[0].iter().any(|id| id.contains("/invalid/")));
    assert_eq!(orders[0], orders[1]);
}

/// A create makes a new object each time, so its generated cases go side by side; an update's
/// go one at a time (a concurrent PATCH of the same object could change what another echoes).
#[rstest]
#[case::creates_go_side_by_side("create-ndesConnector/valid/*", true)]
#[case::updates_of_one_object_go_one_at_a_time("update-ndesConnector/valid/*", false)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_cases_run_side_by_side_only_when_each_makes_its_own_object(
    #[case] only: &str,
    #[case] side_by_side: bool,
) {
    let suite = common::suite();
    let (base_url, peak) = rejecting_server(10).await;
    let options = RunOptions {
        concurrency: 8,
        only: Some(only.into()),
        ..common::options(&base_url, 8)
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    assert_eq!(results.totals.cases, 8, "{:?}", results.totals);
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        peak > 1,
        side_by_side,
        "{peak} requests were in flight at once"
    );
    let ids = case_ids(&results);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "recorded in plan order");
}
