//! Hostile servers: raw HTTP/1.1 on 127.0.0.1, one misbehaviour per case. Each answers the
//! preflight `GET {base}/` normally (a 404 with a Graph error body) and misbehaves only for
//! the PATCH under test. Every case asserts the exact finding, that the run ended within a
//! bound derived from the configured limits (a bound, not a performance assertion), and that
//! the token appears nowhere in the results.

use crate::common;

use common::wire::{NotHttp, Request, read_request, reply};

use graph_conformance::checks::Check;
use graph_conformance::results::{Exchange, RunResults, Verdict};
use graph_conformance::run::{RunError, RunOptions, planned_cases, run};
use rstest::rstest;
use secrecy::SecretString;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The token every run sends; it must never be recorded or printed.
const TOKEN: &str = "hostile-token-7c1e";
/// The one case most tests run.
const CASE: &str = "update-ndesConnector/example-1";
/// The per-request timeout of every run.
const TIMEOUT: Duration = Duration::from_secs(1);
/// The `Retry-After` the retrying servers send, in seconds.
const RETRY_AFTER: u64 = 1;
/// The most of a body results.json records (the client's `RECORD_CAP`).
const RECORD_CAP: usize = 64 * 1024;
const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// What the server does with a PATCH (every other request gets a plain 404).
#[derive(Debug, Clone)]
enum Behaviour {
    /// A valid 200 echoing what was sent (merged into the object it holds), after `delay`;
    /// connections are kept alive and never closed.
    Valid { delay: Duration },
    /// Reads the request and never answers.
    NeverAnswers,
    /// A status line, then one header line every 100 ms, forever.
    EndlessHeaders,
    /// A response head of 1 MiB (one huge header).
    HugeHead,
    /// A chunked body that never ends.
    EndlessChunkedBody,
    /// `Content-Length: 200 MiB`, streamed.
    HugeContentLength,
    /// `Content-Encoding: gzip` over a small gzip of ~100 MB of zero bytes.
    GzipBomb,
    /// Headers and half the body of a longer `Content-Length`, then the socket is closed
    /// (`reset`: with `SO_LINGER` 0, so the peer gets a RST).
    CutMidBody { reset: bool },
    /// `HTTP/1.0 200`, no `Content-Length`: the body ends when the connection closes.
    CloseDelimited,
    /// A valid body with a `Content-Length` of 10.
    ShortContentLength,
    /// `application/json` whose bytes are not UTF-8.
    NonUtf8,
    /// `[[[[...]]]]`, 100,000 levels deep.
    DeeplyNested,
    /// A redirect to `to`, or to the request's own target.
    Redirect { status: u16, to: Option<String> },
    /// 429 with `Retry-After` to the first PATCH, then valid 200s.
    TooManyRequestsOnce,
    /// 429 with `Retry-After: <HTTP date>` to the first PATCH, then valid 200s.
    TooManyRequestsOnceUntil(String),
    /// 503 to every PATCH, with `Retry-After: retry_after` when given.
    Unavailable { retry_after: Option<u64> },
    /// Reflects the `Authorization` header it received: in a 401's `WWW-Authenticate` header
    /// and error body, or (`in_echo`) as the `displayName` of a 200 echo.
    ReflectsToken { in_echo: bool },
}

/// The state of one server.
struct Shared {
    behaviour: Behaviour,
    /// The request line of every request received.
    log: Mutex<Vec<String>>,
    patches: AtomicUsize,
    /// The ndesConnector the server holds (PATCHes merge into it).
    object: Mutex<Map<String, Value>>,
}

impl Shared {
    /// Merges a PATCH body into the object and returns the object as a response body.
    fn echo(&self, sent: &[u8]) -> Vec<u8> {
        let mut object = self.object.lock().unwrap();
        if let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(sent) {
            for (name, value) in sent {
                if name != "id" && name != "@odata.type" {
                    object.insert(name, value);
                }
            }
        }
        serde_json::to_vec(&Value::Object(object.clone())).unwrap()
    }
}

/// The documented ndesConnector, under the id the runs pass with `--id`.
fn connector() -> Map<String, Value> {
    let Value::Object(object) = json!({
        "@odata.type": "#microsoft.graph.ndesConnector",
        "id": "x1",
        "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00",
        "state": "active",
        "displayName": "Display Name value"
    }) else {
        unreachable!()
    };
    object
}

/// A running hostile server.
struct Server {
    /// `http://127.0.0.1:PORT/beta`.
    base: String,
    /// `127.0.0.1:PORT`.
    authority: String,
    shared: Arc<Shared>,
}

impl Server {
    /// Returns the request lines received so far.
    fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }
}

/// Starts a server on 127.0.0.1:0 that misbehaves as `behaviour` says.
async fn serve(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = Arc::new(Shared {
        behaviour,
        log: Mutex::new(Vec::new()),
        patches: AtomicUsize::new(0),
        object: Mutex::new(connector()),
    });
    let serving = Arc::clone(&shared);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, Arc::clone(&serving)));
        }
    });
    Server {
        base: format!("http://{addr}/beta"),
        authority: addr.to_string(),
        shared,
    }
}

/// Serves one connection: requests one after another (keep-alive) until the client closes
/// it or the behaviour ends it.
async fn connection(mut socket: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    loop {
        let request = match read_request(&mut socket, &mut buf).await {
            Some(Ok(request)) => request,
            Some(Err(NotHttp)) => {
                // Not HTTP (a TLS ClientHello, say): answer like a plain HTTP server does.
                let reply = reply("400 Bad Request", &[("connection", "close")], b"");
                let _ = socket.write_all(&reply).await;
                return;
            }
            None => return,
        };
        shared
            .log
            .lock()
            .unwrap()
            .push(format!("{} {}", request.method, request.target));
        let keep = if request.method == "PATCH" {
            answer(&mut socket, &request, &shared)
                .await
                .unwrap_or(false)
        } else {
            socket.write_all(&not_found()).await.is_ok()
        };
        if !keep {
            return;
        }
    }
}

const JSON: (&str, &str) = ("content-type", "application/json");

fn not_found() -> Vec<u8> {
    let body = br#"{"error":{"code":"ResourceNotFound","message":"not found"}}"#;
    reply("404 Not Found", &[JSON], body)
}

/// Answers a PATCH as the behaviour says; `Ok(true)` keeps the connection for the next one.
async fn answer(
    socket: &mut TcpStream,
    request: &Request,
    shared: &Shared,
) -> std::io::Result<bool> {
    let patch = shared.patches.fetch_add(1, Ordering::SeqCst);
    match &shared.behaviour {
        Behaviour::Valid { delay } => {
            tokio::time::sleep(*delay).await;
            valid(socket, request, shared).await
        }
        Behaviour::NeverAnswers => {
            let mut sink = [0u8; 1024];
            while socket.read(&mut sink).await? > 0 {}
            Ok(false)
        }
        Behaviour::EndlessHeaders => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
                .await?;
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                socket.write_all(b"x-still-coming: 1\r\n").await?;
            }
        }
        Behaviour::HugeHead => {
            let huge = "a".repeat(MIB);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-huge: {huge}\r\ncontent-length: 2\r\n\r\n{{}}"
            );
            socket.write_all(head.as_bytes()).await?;
            Ok(false)
        }
        Behaviour::EndlessChunkedBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).await?;
            let start = br#"{"displayName":""#;
            socket
                .write_all(format!("{:x}\r\n", start.len()).as_bytes())
                .await?;
            socket.write_all(start).await?;
            socket.write_all(b"\r\n").await?;
            let block = vec![b'a'; 16 * KIB];
            loop {
                socket
                    .write_all(format!("{:x}\r\n", block.len()).as_bytes())
                    .await?;
                socket.write_all(&block).await?;
                socket.write_all(b"\r\n").await?;
            }
        }
        Behaviour::HugeContentLength => {
            let length = 200 * MIB;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await?;
            let block = vec![b' '; 64 * KIB];
            for _ in 0..length / block.len() {
                socket.write_all(&block).await?;
            }
            Ok(false)
        }
        Behaviour::GzipBomb => {
            let headers = [JSON, ("content-encoding", "gzip")];
            socket
                .write_all(&reply("200 OK", &headers, gzip_bomb()))
                .await?;
            Ok(true)
        }
        Behaviour::CutMidBody { reset } => {
            let body = shared.echo(&request.body);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len() * 2
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body[..body.len() / 2]).await?;
            socket.flush().await?;
            // Let the client read the head and wait for the rest, then go away.
            tokio::time::sleep(Duration::from_millis(300)).await;
            if *reset {
                socket.set_zero_linger()?;
            }
            Ok(false)
        }
        Behaviour::CloseDelimited => {
            let body = shared.echo(&request.body);
            socket
                .write_all(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n")
                .await?;
            socket.write_all(&body).await?;
            socket.shutdown().await?;
            Ok(false)
        }
        Behaviour::ShortContentLength => {
            let body = shared.echo(&request.body);
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n";
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
            Ok(false)
        }
        Behaviour::NonUtf8 => {
            let body = b"\xff\xfe{\x00\"\x00i\x00d\x00\"\x00:\x00\"\x00x\x001\x00\"\x00}\x00";
            socket.write_all(&reply("200 OK", &[JSON], body)).await?;
            Ok(true)
        }
        Behaviour::DeeplyNested => {
            let depth = 100_000;
            let mut body = vec![b'['; depth];
            body.extend(std::iter::repeat_n(b']', depth));
            socket.write_all(&reply("200 OK", &[JSON], &body)).await?;
            Ok(true)
        }
        Behaviour::Redirect { status, to } => {
            let location = to.clone().unwrap_or_else(|| request.target.clone());
            let status = format!("{status} Redirect");
            let headers = [("location", location.as_str())];
            socket.write_all(&reply(&status, &headers, b"")).await?;
            Ok(true)
        }
        Behaviour::TooManyRequestsOnce if patch == 0 => {
            let retry_after = RETRY_AFTER.to_string();
            let headers = [JSON, ("retry-after", retry_after.as_str())];
            let body = br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#;
            let reply = reply("429 Too Many Requests", &headers, body);
            socket.write_all(&reply).await?;
            Ok(true)
        }
        Behaviour::TooManyRequestsOnce => valid(socket, request, shared).await,
        Behaviour::TooManyRequestsOnceUntil(date) if patch == 0 => {
            let headers = [JSON, ("retry-after", date.as_str())];
            let body = br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#;
            let reply = reply("429 Too Many Requests", &headers, body);
            socket.write_all(&reply).await?;
            Ok(true)
        }
        Behaviour::TooManyRequestsOnceUntil(_) => valid(socket, request, shared).await,
        Behaviour::Unavailable { retry_after } => {
            let retry_after = retry_after.map(|s| s.to_string());
            let mut headers = vec![JSON];
            headers.extend(retry_after.as_deref().map(|s| ("retry-after", s)));
            let body = br#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#;
            let reply = reply("503 Service Unavailable", &headers, body);
            socket.write_all(&reply).await?;
            Ok(true)
        }
        Behaviour::ReflectsToken { in_echo: true } => {
            let presented = request.header("authorization").unwrap_or("(none)");
            let mut body: Value = serde_json::from_slice(&shared.echo(&request.body)).unwrap();
            body["displayName"] = json!(presented);
            let body = body.to_string();
            socket
                .write_all(&reply("200 OK", &[JSON], body.as_bytes()))
                .await?;
            Ok(true)
        }
        Behaviour::ReflectsToken { in_echo: false } => {
            let presented = request.header("authorization").unwrap_or("(none)");
            let challenge = format!("Bearer error=\"invalid_token\", presented=\"{presented}\"");
            let body = json!({"error": {
                "code": "InvalidAuthenticationToken",
                "message": format!("the token {presented} has expired")
            }});
            let headers = [JSON, ("www-authenticate", challenge.as_str())];
            let body = body.to_string();
            let reply = reply("401 Unauthorized", &headers, body.as_bytes());
            socket.write_all(&reply).await?;
            Ok(true)
        }
    }
}

/// A valid 200: the object, with what was sent merged in; the connection is kept.
async fn valid(
    socket: &mut TcpStream,
    request: &Request,
    shared: &Shared,
) -> std::io::Result<bool> {
    let body = shared.echo(&request.body);
    let headers = [
        JSON,
        ("connection", "keep-alive"),
        ("keep-alive", "timeout=3600"),
    ];
    socket.write_all(&reply("200 OK", &headers, &body)).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// A gzip bomb, by hand: one fixed-Huffman deflate block of a literal 0 followed by
// length-258, distance-1 matches (13 bits for every 258 zero bytes).
// ---------------------------------------------------------------------------------------

/// Matches in the bomb: 1 + 258 * 400,000 = 103,200,001 zero bytes in ~650 KB.
const BOMB_MATCHES: u64 = 400_000;

fn bomb_inflated_len() -> u64 {
    1 + 258 * BOMB_MATCHES
}

fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        // ID1 ID2, CM deflate, no flags, no mtime, no extra flags, OS unknown.
        let header = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        let mut bits = Bits {
            out: header,
            acc: 0,
            n: 0,
        };
        bits.put(1, 1); // BFINAL
        bits.put(1, 2); // BTYPE 01: fixed Huffman codes
        bits.code(0x30, 8); // literal 0
        for _ in 0..BOMB_MATCHES {
            bits.code(0xc5, 8); // length 258 (symbol 285)
            bits.code(0, 5); // distance 1 (code 0)
        }
        bits.code(0, 7); // end of block (symbol 256)
        let mut out = bits.finish();
        let len = bomb_inflated_len();
        out.extend(crc32_of_zeros(len).to_le_bytes());
        out.extend((len as u32).to_le_bytes()); // ISIZE: the length modulo 2^32
        out
    })
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        self.put(u64::from(code.reverse_bits() >> (32 - len)), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The CRC-32 of `len` zero bytes, by squaring the one-zero-bit operator over GF(2) (as
/// zlib's `crc32_combine` does) rather than feeding 100 MB through a loop.
fn crc32_of_zeros(len: u64) -> u32 {
    fn times(matrix: &[u32; 32], mut vector: u32) -> u32 {
        let mut sum = 0;
        let mut i = 0;
        while vector != 0 {
            if vector & 1 == 1 {
                sum ^= matrix[i];
            }
            vector >>= 1;
            i += 1;
        }
        sum
    }
    let mut operator = [0u32; 32];
    operator[0] = 0xedb8_8320;
    for (n, row) in operator.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    let mut crc = 0xffff_ffff;
    let mut bits = len * 8;
    while bits > 0 {
        if bits & 1 == 1 {
            crc = times(&operator, crc);
        }
        let square: Vec<u32> = operator.iter().map(|&v| times(&operator, v)).collect();
        operator.copy_from_slice(&square);
        bits >>= 1;
    }
    !crc
}

// ---------------------------------------------------------------------------------------
// Runs and what every run must satisfy
// ---------------------------------------------------------------------------------------

/// The limits a case configures.
#[derive(Debug, Clone, Copy)]
struct Setup {
    max_body: usize,
    retries: u32,
    max_time: Duration,
}

impl Setup {
    /// 64 KiB bodies, no retries, a 20 s deadline (well beyond any bound below).
    const fn new() -> Setup {
        Setup {
            max_body: 64 * KIB,
            retries: 0,
            max_time: Duration::from_secs(20),
        }
    }

    const fn max_body(self, max_body: usize) -> Setup {
        Setup { max_body, ..self }
    }

    const fn retries(self, retries: u32) -> Setup {
        Setup { retries, ..self }
    }

    const fn max_time(self, max_time: Duration) -> Setup {
        Setup { max_time, ..self }
    }
}

/// Options for one case against `base`: the token, one generated case, the id given (so no
/// probe request precedes the case) and `setup`'s limits.
fn options(base: &str, only: &str, setup: Setup) -> RunOptions {
    RunOptions {
        token: Some(SecretString::from(TOKEN)),
        cases: 1,
        only: Some(only.into()),
        ids: BTreeMap::from([("ndesConnectorId".to_string(), "x1".to_string())]),
        timeout: TIMEOUT,
        max_time: Some(setup.max_time),
        max_body: setup.max_body,
        retries: setup.retries,
        ..RunOptions::new(base)
    }
}

/// The longest a one-case run may take: each of its `retries + 1` requests may use its whole
/// timeout (three times over, to be generous) and each retry waits `Retry-After`; the
/// deadline, when shorter, bounds it all; plus 2 s of slack for a loaded machine.
fn bound(options: &RunOptions) -> Duration {
    let slack = Duration::from_secs(2);
    let requests = options.timeout * 3 * (options.retries + 1)
        + Duration::from_secs(RETRY_AFTER) * options.retries;
    let deadline = options.max_time.map_or(requests, |t| t + options.timeout);
    requests.min(deadline) + slack
}

/// Runs the committed suite with `options`, timing it.
async fn timed_run(options: &RunOptions) -> (Result<RunResults, RunError>, Duration) {
    let suite = common::suite();
    let started = Instant::now();
    let outcome = run(&suite, options, &mut |_| {}).await;
    (outcome, started.elapsed())
}

/// Asserts the token is nowhere in the results, nor in any finding's message, and that the
/// Authorization header was recorded redacted.
fn assert_no_token(results: &RunResults) {
    for case in &results.cases.to_vec().unwrap() {
        for finding in &case.findings {
            assert!(
                !finding.message.contains(TOKEN),
                "{}: {}",
                case.id,
                finding.message
            );
        }
        for exchange in &case.exchanges {
            let authorization = exchange
                .request
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"));
            if let Some((_, value)) = authorization {
                assert_eq!(value, "Bearer [REDACTED]", "{}", case.id);
            }
        }
    }
    for cause in &results.findings {
        assert!(!cause.message.contains(TOKEN), "{}", cause.message);
    }
    let json = serde_json::to_string(results).unwrap();
    if let Some(at) = json.find(TOKEN) {
        let around = &json[at.saturating_sub(120)..(at + 60).min(json.len())];
        panic!("the token leaked into the results: ...{around}...");
    }
}

/// Asserts every recorded body is within the record cap.
fn assert_bodies_capped(results: &RunResults) {
    for case in &results.cases.to_vec().unwrap() {
        for exchange in &case.exchanges {
            if let Some(response) = &exchange.response {
                assert!(
                    response.body.len() <= 3 * response.body_cap,
                    "{}: {} bytes recorded",
                    case.id,
                    response.body.len()
                );
                assert!(response.body_cap <= RECORD_CAP, "{}", case.id);
                assert_eq!(
                    response.truncated,
                    response.body_bytes > response.body_cap,
                    "{}",
                    case.id
                );
            }
        }
    }
}

fn assert_within(elapsed: Duration, bound: Duration) {
    assert!(
        elapsed < bound,
        "the run took {elapsed:?}, beyond its bound of {bound:?}"
    );
}

/// The only exchange of the only case.
fn only_exchange(results: &RunResults) -> Exchange {
    let cases = results.cases.to_vec().unwrap();
    let [case] = cases.as_slice() else {
        panic!("one case expected: {cases:#?}");
    };
    assert_eq!(case.id, CASE);
    let [exchange] = case.exchanges.as_slice() else {
        panic!("one exchange expected: {:#?}", case.exchanges);
    };
    exchange.clone()
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// One misbehaviour of the PATCH under test is exactly one finding (or none, when the
/// answer is acceptable HTTP), within the bound, with the token nowhere.
#[rstest]
#[case::transport_a_response_that_never_comes_times_out(
    Behaviour::NeverAnswers,
    Setup::new(),
    Some((Check::Transport, "timed out")),
    0
)]
#[case::transport_headers_that_never_end_time_out(
    Behaviour::EndlessHeaders,
    Setup::new(),
    Some((Check::Transport, "timed out")),
    0
)]
#[case::transport_a_1_mib_response_head_is_refused(
    Behaviour::HugeHead,
    Setup::new(),
    Some((Check::Transport, "message head is too large")),
    0
)]
#[case::json_body_an_endless_chunked_body_is_cut_at_the_cap(
    Behaviour::EndlessChunkedBody,
    Setup::new().max_body(64 * KIB),
    Some((Check::JsonBody, "longer than the 65536-byte cap (--max-body)")),
    0
)]
#[case::json_body_a_200_mib_content_length_is_cut_at_the_cap(
    Behaviour::HugeContentLength,
    Setup::new().max_body(64 * KIB),
    Some((Check::JsonBody, "longer than the 65536-byte cap (--max-body)")),
    0
)]
#[case::content_type_a_gzip_bomb_is_never_decompressed_and_its_coding_named(
    Behaviour::GzipBomb,
    Setup::new().max_body(4 * MIB),
    Some((Check::ContentType, "Content-Encoding is \"gzip\"")),
    0
)]
#[case::transport_a_connection_closed_mid_body(
    Behaviour::CutMidBody { reset: false },
    Setup::new(),
    Some((Check::Transport, "the body could not be read")),
    0
)]
#[case::transport_a_connection_reset_mid_body(
    Behaviour::CutMidBody { reset: true },
    Setup::new(),
    Some((Check::Transport, "the body could not be read")),
    0
)]
#[case::transport_accepts_a_close_delimited_http_1_0_response(
    Behaviour::CloseDelimited,
    Setup::new(),
    None,
    0
)]
#[case::json_body_a_content_length_shorter_than_the_body_is_what_is_read(
    Behaviour::ShortContentLength,
    Setup::new(),
    Some((Check::JsonBody, "the body (10 bytes) is not JSON")),
    0
)]
#[case::json_body_bytes_that_are_not_utf_8(
    Behaviour::NonUtf8,
    Setup::new(),
    Some((Check::JsonBody, "is not JSON")),
    0
)]
#[case::json_body_nested_100000_levels_deep_without_overflowing_the_stack(
    Behaviour::DeeplyNested,
    Setup::new().max_body(MIB),
    Some((Check::JsonBody, "recursion limit exceeded")),
    0
)]
#[case::status_code_a_redirect_loop_is_not_followed(
    Behaviour::Redirect { status: 302, to: None },
    Setup::new(),
    Some((Check::StatusCode, "expected 200 OK, got 302")),
    0
)]
#[case::transport_a_429_is_retried_after_its_retry_after(
    Behaviour::TooManyRequestsOnce,
    Setup::new().retries(2),
    None,
    1
)]
#[case::server_error_a_503_without_retry_after_is_not_retried(
    Behaviour::Unavailable { retry_after: None },
    Setup::new().retries(2),
    Some((Check::ServerError, "answered 503")),
    0
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_misbehaviour_is_one_finding(
    #[case] behaviour: Behaviour,
    #[case] setup: Setup,
    #[case] expected: Option<(Check, &'static str)>,
    #[case] retries: u32,
) {
    let server = serve(behaviour.clone()).await;
    let options = options(&server.base, CASE, setup);
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.expect("the preflight was answered, so the run completes");
    assert_within(elapsed, bound(&options));
    assert_no_token(&results);
    assert_bodies_capped(&results);
    let exchange = only_exchange(&results);
    let case = &results.cases.to_vec().unwrap()[0];
    match expected {
        None => {
            assert!(case.findings.is_empty(), "{:#?}", case.findings);
            assert_eq!(case.verdict, Verdict::Passed);
        }
        Some((check, fragment)) => {
            let [finding] = case.findings.as_slice() else {
                panic!("one finding expected: {:#?}", case.findings);
            };
            assert_eq!(finding.check, check, "{finding:#?}");
            assert!(
                finding.message.contains(fragment),
                "{:?} lacks {fragment:?}",
                finding.message
            );
            assert_eq!(case.verdict, Verdict::Failed);
        }
    }
    assert_eq!(exchange.retries, retries, "{exchange:#?}");
    let patches = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("PATCH "))
        .count();
    assert_eq!(patches, retries as usize + 1, "{:?}", server.requests());
    match behaviour {
        Behaviour::EndlessChunkedBody | Behaviour::HugeContentLength => {
            let response = exchange.response.as_ref().unwrap();
            assert!(response.truncated);
            assert_eq!(response.body_cap, setup.max_body.min(RECORD_CAP));
            assert!(response.body.len() <= setup.max_body);
            assert!(
                response.body_bytes > setup.max_body && response.body_bytes <= setup.max_body + MIB,
                "the client stopped reading soon after the cap: {} bytes",
                response.body_bytes
            );
        }
        Behaviour::GzipBomb => {
            let response = exchange.response.as_ref().unwrap();
            assert_eq!(
                response.body_bytes,
                gzip_bomb().len(),
                "the compressed bytes were read, not the {} they inflate to",
                bomb_inflated_len()
            );
            assert!(
                response.truncated,
                "{} bytes read, {} recorded",
                response.body_bytes, response.body_cap
            );
        }
        _ => {}
    }
}

/// A server that reflects the token it was sent (a debugging echo, a verbose 401) does not
/// get it recorded: results.json is an artifact CI uploads and reports render.
#[rstest]
#[case::status_code_a_401_reflecting_it_in_a_header_and_the_body(
    Behaviour::ReflectsToken { in_echo: false },
    Check::StatusCode,
    "expected 200 OK, got 401"
)]
#[case::echo_a_200_reflecting_it_as_a_property(
    Behaviour::ReflectsToken { in_echo: true },
    Check::Echo,
    "`displayName` was sent as"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_reflects_is_not_recorded(
    #[case] behaviour: Behaviour,
    #[case] check: Check,
    #[case] fragment: &str,
) {
    let server = serve(behaviour).await;
    let options = options(&server.base, CASE, Setup::new());
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, bound(&options));
    only_exchange(&results);
    let cases = results.cases.to_vec().unwrap();
    let [finding] = cases[0].findings.as_slice() else {
        panic!("{:#?}", cases[0].findings);
    };
    assert_eq!(finding.check, check);
    assert!(finding.message.contains(fragment), "{}", finding.message);
    assert_no_token(&results);
}

/// A redirect to another origin is an answer like any other: the status is the finding, and
/// the other origin never sees a request (so the bearer token never travels there).
#[rstest]
#[case::status_code_301(301)]
#[case::status_code_302(302)]
#[case::status_code_303(303)]
#[case::status_code_307(307)]
#[case::status_code_308(308)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_code_a_redirect_to_another_origin_is_not_followed(#[case] status: u16) {
    let elsewhere = serve(Behaviour::Valid {
        delay: Duration::ZERO,
    })
    .await;
    let to = format!("{}/deviceManagement/ndesConnectors/x1", elsewhere.base);
    let server = serve(Behaviour::Redirect {
        status,
        to: Some(to.clone()),
    })
    .await;
    let options = options(&server.base, CASE, Setup::new());
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, bound(&options));
    assert_no_token(&results);
    let exchange = only_exchange(&results);
    let cases = results.cases.to_vec().unwrap();
    let [finding] = cases[0].findings.as_slice() else {
        panic!("{:#?}", cases[0].findings);
    };
    assert_eq!(finding.check, Check::StatusCode);
    assert!(
        finding
            .message
            .contains(&format!("expected 200 OK, got {status}")),
        "{}",
        finding.message
    );
    let location = exchange
        .response
        .as_ref()
        .unwrap()
        .headers
        .iter()
        .find(|(n, _)| n == "location");
    assert_eq!(location.map(|(_, v)| v.as_str()), Some(to.as_str()));
    assert_ne!(server.authority, elsewhere.authority);
    assert_eq!(
        elsewhere.requests(),
        Vec::<String>::new(),
        "the other origin got no request"
    );
}

/// `--max-time`: cases not started by the deadline are counted, not recorded, and no
/// request outlives it.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_counts_the_cases_not_started_by_the_deadline() {
    let server = serve(Behaviour::Valid {
        delay: Duration::from_millis(700),
    })
    .await;
    let options = RunOptions {
        cases: 5,
        ..options(
            &server.base,
            "update-ndesConnector/*",
            Setup::new().max_time(Duration::from_secs(2)),
        )
    };
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, bound(&options));
    assert_no_token(&results);
    let planned = planned_cases(&common::suite(), &options).unwrap();
    assert_eq!(
        results.cases.len() + results.run.not_started,
        planned,
        "every case is recorded or counted"
    );
    assert!(
        results.run.not_started > planned / 2,
        "most cases were not started"
    );
    let cases = results.cases.to_vec().unwrap();
    assert_eq!(cases[0].id, CASE);
    assert_eq!(cases[0].verdict, Verdict::Passed);
    for case in cases.iter().filter(|c| c.verdict == Verdict::Skipped) {
        let reason = case.skipped_reason.as_deref().unwrap_or_default();
        assert!(reason.contains("--max-time"), "{}: {reason}", case.id);
    }
    let sent = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("PATCH "))
        .count();
    let recorded_answers = cases
        .iter()
        .flat_map(|c| &c.exchanges)
        .filter(|e| e.response.is_some())
        .count();
    assert!(recorded_answers <= sent, "every answer recorded was sent");
}

/// A million cases under a 2 s deadline end within a few seconds, and the record holds the
/// cases that ran, not a skipped entry for each of the rest.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_bounds_the_run() {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let options = RunOptions {
        cases: 1_000_000,
        max_time: Some(Duration::from_secs(2)),
        ..common::options(&mock.base_url(), 1_000_000)
    };
    let started = Instant::now();
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let elapsed = started.elapsed();
    assert_within(elapsed, Duration::from_secs(8));
    let planned = planned_cases(&suite, &options).unwrap();
    assert!(planned > 5_000_000, "{planned}");
    assert_eq!(results.cases.len() + results.run.not_started, planned);
    assert!(
        results.cases.len() < 100_000,
        "{} cases recorded",
        results.cases.len()
    );
    let json = serde_json::to_value(&results.run).unwrap();
    assert_eq!(json["not_started"], results.run.not_started);
    mock.shutdown().await;
}

/// A `--max-time` beyond what the clock can hold is no deadline, not a panic.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_beyond_the_clock_is_no_deadline() {
    let server = serve(Behaviour::Valid {
        delay: Duration::ZERO,
    })
    .await;
    let options = options(&server.base, CASE, Setup::new().max_time(Duration::MAX));
    let (outcome, _) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_eq!(results.run.not_started, 0);
    assert_eq!(only_exchange(&results).response.unwrap().status, 200);
}

/// A request the deadline cuts off is not the server's failure: the case is skipped with
/// the reason, and the run does not fail.
#[rstest]
/// Throttling is not a fault: a 503 with `Retry-After` still answered when the retries are
/// used up (or whose wait ends after the deadline) skips the case, not fails it, and is
/// counted as throttled.
#[rstest]
#[case::the_retries_used_up(RETRY_AFTER, Setup::new().retries(2), 2, "after 2 of 2 retries")]
#[case::a_retry_after_beyond_the_deadline_is_not_waited_for(
    3600,
    Setup::new().retries(2).max_time(Duration::from_secs(3)),
    0,
    "ends after the --max-time deadline"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_to_the_end_is_skipped_not_failed(
    #[case] retry_after: u64,
    #[case] setup: Setup,
    #[case] retries: u32,
    #[case] fragment: &str,
) {
    let server = serve(Behaviour::Unavailable {
        retry_after: Some(retry_after),
    })
    .await;
    let options = options(&server.base, CASE, setup);
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, bound(&options));
    let exchange = only_exchange(&results);
    assert_eq!(exchange.retries, retries, "{exchange:#?}");
    let case = &results.cases.to_vec().unwrap()[0];
    assert_eq!(case.verdict, Verdict::Skipped, "{case:#?}");
    assert!(case.findings.is_empty(), "{:#?}", case.findings);
    let reason = case.skipped_reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("throttled: the server still answered 503 with Retry-After"),
        "{reason}"
    );
    assert!(reason.contains(fragment), "{reason}");
    assert_eq!(results.run.throttled, 1);
    assert!(!results.failed(), "throttling does not fail the run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_a_request_cut_off_by_the_deadline_is_skipped_not_failed() {
    let server = serve(Behaviour::Valid {
        delay: Duration::from_secs(3),
    })
    .await;
    let options = RunOptions {
        timeout: Duration::from_secs(10),
        ..options(
            &server.base,
            CASE,
            Setup::new().max_time(Duration::from_secs(1)),
        )
    };
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, Duration::from_secs(3));
    let cases = results.cases.to_vec().unwrap();
    let [case] = cases.as_slice() else {
        panic!("one case expected: {cases:#?}");
    };
    assert_eq!(case.verdict, Verdict::Skipped, "{case:#?}");
    assert!(case.findings.is_empty(), "{:#?}", case.findings);
    assert_eq!(
        case.skipped_reason.as_deref(),
        Some("cut off by the --max-time deadline")
    );
    assert!(
        !results.failed(),
        "the run does not fail on a cut-off request"
    );
}

/// `--rate-limit` pacing never outlasts `--max-time`, and no rate the library is given makes
/// its Duration arithmetic panic.
#[rstest]
#[case::one_request_in_20_s(0.05)]
#[case::one_request_in_11_days(0.000_001)]
#[case::one_request_in_1e300_s(1e-300)]
#[case::the_smallest_positive_rate(f64::MIN_POSITIVE)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_pacing_never_outlasts_the_deadline(#[case] rate: f64) {
    let server = serve(Behaviour::Valid {
        delay: Duration::ZERO,
    })
    .await;
    let options = RunOptions {
        cases: 5,
        rate_limit: Some(rate),
        ..options(
            &server.base,
            "update-ndesConnector/*",
            Setup::new().max_time(Duration::from_secs(3)),
        )
    };
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_within(elapsed, Duration::from_secs(5));
    assert!(!results.failed(), "{:#?}", results.findings);
    let planned = planned_cases(&common::suite(), &options).unwrap();
    assert_eq!(results.cases.len() + results.run.not_started, planned);
    assert!(results.run.not_started > 0);
}

/// `Retry-After` as an HTTP date is honoured: a date ahead is waited for (up to it), a date
/// in the past means no wait.
#[rstest]
#[case::a_date_3_s_ahead_is_waited_for(3, Duration::from_millis(1900), Duration::from_secs(4))]
#[case::a_date_in_the_past_is_not_waited_for(-3600, Duration::ZERO, Duration::from_millis(800))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_a_retry_after_http_date_is_honoured(
    #[case] ahead: i64,
    #[case] at_least: Duration,
    #[case] at_most: Duration,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let date = imf_fixdate(i64::try_from(now).unwrap() + ahead);
    let server = serve(Behaviour::TooManyRequestsOnceUntil(date)).await;
    let options = options(&server.base, CASE, Setup::new().retries(1));
    let (outcome, _) = timed_run(&options).await;
    let results = outcome.unwrap();
    let exchange = only_exchange(&results);
    assert_eq!(exchange.retries, 1, "{exchange:#?}");
    let waited = Duration::from_secs_f64(exchange.duration_ms / 1000.0);
    assert!(
        waited >= at_least && waited < at_most,
        "waited {waited:?}, expected {at_least:?} to {at_most:?}"
    );
}

/// Formats seconds since the epoch as an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
fn imf_fixdate(epoch: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = graph_conformance::format::civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[usize::try_from(days.rem_euclid(7)).unwrap()],
        MONTHS[usize::try_from(m - 1).unwrap()],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A server that keeps every connection open (keep-alive, never closing) and answers slowly
/// does not stall a run of many cases.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_connections_held_open_do_not_stall_the_run() {
    let server = serve(Behaviour::Valid {
        delay: Duration::from_millis(20),
    })
    .await;
    let options = RunOptions {
        cases: 3,
        ..options(&server.base, "update-ndesConnector/*", Setup::new())
    };
    let (outcome, elapsed) = timed_run(&options).await;
    let results = outcome.unwrap();
    assert_no_token(&results);
    let requests = results.totals.requests;
    let bound = options.timeout * 3 * u32::try_from(requests).unwrap() + Duration::from_secs(2);
    assert_within(
        elapsed,
        bound.min(options.max_time.unwrap() + options.timeout),
    );
    let planned = planned_cases(&common::suite(), &options).unwrap();
    assert_eq!(results.cases.len(), planned, "every case ran");
    for case in &results.cases.to_vec().unwrap() {
        assert_ne!(case.verdict, Verdict::Skipped, "{}", case.id);
        for finding in &case.findings {
            assert_ne!(
                finding.check,
                Check::Transport,
                "{}: {}",
                case.id,
                finding.message
            );
        }
    }
    let passed = |id: &str| {
        results
            .cases
            .to_vec()
            .unwrap()
            .into_iter()
            .any(|c| c.id == id && c.verdict == Verdict::Passed)
    };
    assert!(passed(CASE) && passed("update-ndesConnector/merge"));
}

/// How the TLS failure is observed.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Library,
    Cli,
}

/// `https://` against a plain-HTTP server: the endpoint cannot be reached, the message names
/// the URL, and the token is not printed.
#[rstest]
#[case::unreachable_from_the_library(Entry::Library)]
#[case::unreachable_from_the_cli_exits_2(Entry::Cli)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_tls_to_a_plain_http_server_is_unreachable(#[case] entry: Entry) {
    let server = serve(Behaviour::Valid {
        delay: Duration::ZERO,
    })
    .await;
    let base = format!("https://{}/beta", server.authority);
    let options = options(&base, CASE, Setup::new());
    let started = Instant::now();
    match entry {
        Entry::Library => {
            let (outcome, _) = timed_run(&options).await;
            let Err(error @ RunError::Unreachable { .. }) = outcome else {
                panic!("unreachable expected: {outcome:?}");
            };
            let message = error.to_string();
            assert!(
                message.contains(&format!("cannot reach {base}")),
                "{message}"
            );
            assert!(!message.contains(TOKEN), "{message}");
        }
        Entry::Cli => {
            let report = tempfile::tempdir().unwrap();
            let dir = report.path().to_path_buf();
            let args = ["run", "--base-url", &base, "--token", TOKEN, "--report-dir"];
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let output = tokio::task::spawn_blocking(move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
                    .args(&args)
                    .arg(&dir)
                    .env_remove("GRAPH_TOKEN")
                    .output()
                    .unwrap()
            })
            .await
            .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
            assert!(stderr.contains(&format!("cannot reach {base}")), "{stderr}");
            assert!(
                !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
                "the token was printed: {stdout}{stderr}"
            );
            for entry in std::fs::read_dir(report.path()).unwrap() {
                let path = entry.unwrap().path();
                let written = std::fs::read(&path).unwrap_or_default();
                assert!(
                    !String::from_utf8_lossy(&written).contains(TOKEN),
                    "{path:?}"
                );
            }
        }
    }
    assert_within(started.elapsed(), bound(&options));
    assert!(
        server.requests().iter().all(|r| !r.starts_with("PATCH ")),
        "{:?}",
        server.requests()
    );
}

/// The hand-made gzip is a real one: its trailer's CRC is the CRC-32 of the zeros (checked
/// against a byte-by-byte CRC for a short run) and the stream has the expected size.
#[rstest]
#[case::one_byte(1)]
#[case::one_match(259)]
#[case::many(1 + 258 * 1000)]
fn the_gzip_bomb_is_well_formed(#[case] len: u64) {
    let mut crc = 0xffff_ffffu32;
    for _ in 0..len {
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    assert_eq!(crc32_of_zeros(len), !crc);
    let bomb = gzip_bomb();
    assert_eq!(&bomb[..3], &[0x1f, 0x8b, 8]);
    let bits = 3 + 8 + 13 * BOMB_MATCHES + 7;
    assert_eq!(bomb.len() as u64, 10 + bits.div_ceil(8) + 8);
    assert!(bomb_inflated_len() > 150 * bomb.len() as u64);
}
