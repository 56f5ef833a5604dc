//! Writes a synthetic results.json with N cases (one in ten failing, one in fifty with a
//! warning), for measuring report rendering at scale:
//! `cargo run --release --example synth_results -- 100000 /tmp/big.json`.

use graph_conformance::checks::{Check, Evidence, Finding, parse_span};
use graph_conformance::results::{
    CaseKind, CaseResult, CasesWriter, Exchange, RecordedRequest, RecordedResponse, RunInfo,
    RunResults,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .ok_or("usage: synth_results COUNT FILE")?
        .parse()?;
    let path = args.next().ok_or("usage: synth_results COUNT FILE")?;
    let body = r##"{"@odata.type":"#microsoft.graph.widget","id":"w-1","displayName":"a widget","state":"active"}"##;
    let mut writer = CasesWriter::new()?;
    (0..count)
        .map(|i| {
            let operation = format!("update-widget{:02}", i % 40);
            let findings = match i % 50 {
                0 => vec![Finding::new(
                    Check::OdataType,
                    false,
                    "@odata.type",
                    "the response body has no `@odata.type`",
                    None,
                    Evidence::Value {
                        property: "@odata.type".into(),
                        sent: String::new(),
                        got: "nothing".into(),
                    },
                )],
                n if n % 10 == 1 => vec![Finding::new(
                    Check::Echo,
                    false,
                    format!("p{}", i % 7),
                    format!(
                        "`p{}` was sent as \"x{i}\" but the response has \"y\"",
                        i % 7
                    ),
                    parse_span("widget.md:42:1"),
                    Evidence::Value {
                        property: format!("p{}", i % 7),
                        sent: format!("\"x{i}\""),
                        got: "\"y\"".into(),
                    },
                )],
                _ => Vec::new(),
            };
            CaseResult {
                id: format!("{operation}/valid/{i:06}"),
                operation,
                kind: CaseKind::Valid,
                verdict: CaseResult::verdict_of(&findings),
                skipped_reason: None,
                exchanges: vec![Exchange {
                    request: RecordedRequest {
                        method: "PATCH".into(),
                        url: format!("http://127.0.0.1:8080/beta/widgets/w-{i}"),
                        headers: vec![
                            ("Authorization".into(), "Bearer [REDACTED]".into()),
                            ("Content-Type".into(), "application/json".into()),
                        ],
                        body: Some(format!("{{\"displayName\":\"x{i}\"}}")),
                    },
                    response: Some(RecordedResponse {
                        status: 200,
                        headers: vec![("content-type".into(), "application/json".into())],
                        body: body.into(),
                        body_bytes: body.len(),
                        body_cap: 65536,
                        truncated: false,
                        headers_dropped: 0,
                        headers_truncated: false,
                    }),
                    error: None,
                    retries: 0,
                    reconnected: false,
                    duration_ms: 0.2,
                }],
                findings,
                shrink: None,
                duration_ms: 0.3,
            }
        })
        .for_each(|case| writer.push(&case));
    let info = RunInfo {
        tool: "graph-conformance".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        seed: 1,
        base_url: "http://127.0.0.1:8080/beta".into(),
        embedded_mock: false,
        mock_faults: Vec::new(),
        started: "2026-11-23T00:00:00Z".into(),
        duration_ms: 1000.0,
        cases_per_operation: 2500,
        only: None,
        strict: false,
        ids: Vec::new(),
        token_sent: true,
        partition: None,
        suite: String::new(),
        not_started: 0,
        throttled: 0,
        skipped_operations: Vec::new(),
    };
    let results = RunResults::new(info, writer.finish()?);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    serde_json::to_writer(&mut out, &results)?;
    std::io::Write::flush(&mut out)?;
    println!("wrote {count} cases to {path}");
    Ok(())
}
