//! The state of an object across the requests of its chain: after every successful PATCH,
//! what the PATCH was not sent must have kept its value (the merge check), and the probe of
//! a documented example object tells "missing" only from a 404.

use crate::common;

use common::wire::{Request, read_request, reply};
use graph_conformance::checks::Check;
use graph_conformance::mock::{FAULT_HEADER, Fault};
use graph_conformance::results::{RunResults, Verdict};
use graph_conformance::run::run;
use rstest::rstest;
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Generated valid payloads per operation in these runs.
const CASES: u32 = 20;

async fn run_seed(seed: u64, only: Option<&str>, fault: Option<Fault>) -> RunResults {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let mut options = common::options(&mock.base_url(), CASES);
    options.seed = seed;
    options.only = only.map(str::to_string);
    if let Some(fault) = fault {
        let header = (FAULT_HEADER.to_string(), fault.name().to_string());
        options.headers.push(header);
    }
    run(&suite, &options, &mut |_| {})
        .await
        .expect("the run completes")
}

/// Before the state model only the merge case looked at unsent properties, so a reset was
/// caught only when the merge case's halves happened to split the reset property off: now
/// every generated update of the chain checks them, on every seed.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_that_resets_an_unsent_property_is_flagged_beyond_the_merge_case_on_every_seed(
    #[values(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)] seed: u64,
) {
    let only = "update-ndesConnector/";
    let results = run_seed(seed, Some(only), Some(Fault::PatchResetsUnsent)).await;
    let cases = results.cases.to_vec().unwrap();
    let flagged: Vec<&str> = cases
        .iter()
        .filter(|c| c.findings.iter().any(|f| f.check == Check::Merge))
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        flagged.iter().any(|id| !id.ends_with("/merge")),
        "seed {seed}: only {flagged:?}"
    );
    assert!(
        results.findings.iter().all(|f| f.check == Check::Merge),
        "one root cause, one check: {:#?}",
        results.findings
    );
}

#[rstest]
#[case::reset_unsent(Fault::PatchResetsUnsent)]
#[case::replaces(Fault::PatchReplaces)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_updates_check_what_they_were_not_sent_without_the_merge_case(
    #[case] fault: Fault,
) {
    let only = "update-ndesConnector/valid/";
    let results = run_seed(20_261_123, Some(only), Some(fault)).await;
    let cases = results.cases.to_vec().unwrap();
    assert!(cases.iter().all(|c| c.id.starts_with(only)));
    let flagged: Vec<_> = cases
        .iter()
        .filter(|c| c.findings.iter().any(|f| f.check == Check::Merge))
        .collect();
    assert!(!flagged.is_empty(), "{:#?}", results.findings);
    let suite = common::suite();
    let operation = suite
        .cases
        .iter()
        .find(|c| c.id == "update-ndesConnector")
        .unwrap();
    let request_line = &operation.source.spans.request_line;
    for finding in results.findings.iter().filter(|f| f.check == Check::Merge) {
        assert_eq!(finding.rule.as_ref(), Some(request_line));
        assert!(
            finding.message.contains("was not sent"),
            "{}",
            finding.message
        );
    }
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faithful_server_keeps_every_chain_clean(#[values(1, 2, 3, 4, 5)] seed: u64) {
    let results = run_seed(seed, None, None).await;
    assert!(
        results.findings.is_empty(),
        "seed {seed}: {:#?}",
        results.findings
    );
}

// ---------------------------------------------------------------------------------------
// A faithful server that refuses a PATCH of nothing
// ---------------------------------------------------------------------------------------

/// Starts a proxy in front of `upstream` that answers 400 (a Graph error) to a PATCH whose
/// body is `{}` and forwards everything else.
async fn refusing_empty_patch(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, upstream));
        }
    });
    addr
}

async fn serve(mut socket: TcpStream, upstream: SocketAddr) {
    let client = reqwest::Client::new();
    let mut buf = Vec::new();
    while let Some(Ok(request)) = read_request(&mut socket, &mut buf).await {
        let answer = if request.method == "PATCH" && request.body.trim_ascii() == b"{}" {
            let body =
                br#"{"error":{"code":"BadRequest","message":"The request changes nothing."}}"#;
            reply(
                "400 Bad Request",
                &[("content-type", "application/json")],
                body,
            )
        } else {
            forward(&client, upstream, request).await
        };
        if socket.write_all(&answer).await.is_err() {
            return;
        }
    }
}

async fn forward(client: &reqwest::Client, upstream: SocketAddr, request: Request) -> Vec<u8> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
    let mut call = client.request(method, format!("http://{upstream}{}", request.target));
    for (name, value) in &request.headers {
        if !["host", "content-length", "connection"].contains(&name.to_ascii_lowercase().as_str()) {
            call = call.header(name, value);
        }
    }
    let response = call.body(request.body).send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.bytes().await.unwrap();
    let status = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let headers: Vec<(&str, &str)> = content_type
        .as_deref()
        .map(|c| ("content-type", c))
        .into_iter()
        .collect();
    reply(&status, &headers, &body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_an_empty_patch_passes_and_no_operation_is_skipped() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let proxy = refusing_empty_patch(mock.addr()).await;
    let base = mock.base_url();
    let prefix = base.splitn(4, '/').nth(3).unwrap_or_default();
    let options = common::options(&format!("http://{proxy}/{prefix}"), CASES);
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let cases = results.cases.to_vec().unwrap();
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped)
        .map(|c| (&c.id, &c.skipped_reason))
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    for operation in &suite.cases {
        assert!(
            cases
                .iter()
                .any(|c| c.operation == operation.id && c.verdict == Verdict::Passed),
            "{} ran",
            operation.id
        );
    }
}

/// The reference mock's own variant that refuses a PATCH of nothing (400, a Graph error)
/// is faithful: the empty-PATCH probe cannot tell, so no operation is skipped, every one
/// runs and passes, and nothing has a finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_refusing_an_empty_patch_passes_and_no_operation_is_skipped() {
    let suite = common::suite();
    let results = run_seed(1, None, Some(Fault::EmptyPatchRejected)).await;
    let cases = results.cases.to_vec().unwrap();
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped)
        .map(|c| (&c.id, &c.skipped_reason))
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(results.findings.is_empty(), "{:#?}", results.findings);
    for operation in &suite.cases {
        assert!(
            cases
                .iter()
                .any(|c| c.operation == operation.id && c.verdict == Verdict::Passed),
            "{} ran",
            operation.id
        );
    }
}

/// The first update of an object this run created is held to what the create answered: a
/// value only the create set, and the update was not sent, must still be there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_update_of_a_created_object_keeps_what_the_create_set() {
    let mut flagged = 0;
    for seed in 1..=12 {
        let only = Some("ndesConnector/valid/001");
        let results = run_seed(seed, only, Some(Fault::PatchResetsUnsent)).await;
        let cases = results.cases.to_vec().unwrap();
        let body = |id: &str| -> Value {
            let case = cases.iter().find(|c| c.id == id).unwrap();
            let sent = case.exchanges[0].request.body.as_deref().unwrap_or("{}");
            serde_json::from_str(sent).unwrap()
        };
        let created = body("create-ndesConnector/valid/001");
        let updated = body("update-ndesConnector/valid/001");
        for finding in results.findings.iter().filter(|f| f.check == Check::Merge) {
            let set = &created[&finding.key];
            assert!(updated.get(&finding.key).is_none(), "{}", finding.message);
            assert!(
                finding.message.contains(&format!("it was {set}")),
                "seed {seed}: {}",
                finding.message
            );
            flagged += 1;
        }
    }
    assert!(flagged > 0, "no seed flagged the reset of a created value");
}
