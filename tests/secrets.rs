//! Secrets cannot escape, and what the tool sent is never rewritten.
//!
//! A raw HTTP/1.1 server on 127.0.0.1 reflects the run's secrets (the bearer token, a header
//! whose name says it is secret, a header marked with `--secret-header`) the ways a server
//! may: as sent, case-folded, base64 and base64url (padded or not), percent-encoded, as a
//! header name, in an error body, inside a long value the schema check quotes and cuts, and
//! across the record caps. No form of any secret may appear in any report file. A token
//! too short to tell apart from ordinary text never rewrites the requests, bodies and
//! reproductions the tool generated; response headers are recorded capped; a status
//! beyond 599 is not a server error.

use crate::common;

use common::wire::{Request, read_request, reply};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use graph_conformance::checks::Check;
use graph_conformance::mock::{FAULT_HEADER, Fault};
use graph_conformance::results::{CaseResult, RunResults};
use graph_conformance::run::{ClientError, RunError, RunOptions, run};
use rstest::rstest;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The bearer token (characters a header name may hold, so it can come back as one).
const TOKEN: &str = "Zk9Rt2wQ-token-7c1e0a9b3f";
/// A header whose name says it is secret.
const API_KEY_HEADER: &str = "X-Api-Key";
const API_KEY: &str = "Qp3mVx8Ln2-apikey-5d2f";
/// A header made secret with `--secret-header` (named in another case).
const TENANT_HEADER: &str = "X-Tenant";
const TENANT: &str = "Hs7dWq4Zt9-tenant-4b8e";
/// A header that is not secret.
const PLAIN_HEADER: &str = "X-Client-Name";
const PLAIN: &str = "conformance-ci";
/// The one case the reflection runs send.
const CASE: &str = "update-ndesConnector/example-1";
/// The most of a body results.json records (the client's `RECORD_CAP`).
const RECORD_CAP: usize = 64 * 1024;
/// The most of a header value results.json records.
const HEADER_VALUE_CAP: usize = 1024;

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// Answers one PATCH or POST (every GET gets a Graph 404).
type Responder = dyn Fn(&Request) -> Vec<u8> + Send + Sync;

/// A running server and the requests it received.
struct Server {
    base: String,
    received: Arc<Mutex<Vec<Request>>>,
}

async fn serve(responder: impl Fn(&Request) -> Vec<u8> + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let responder: Arc<Responder> = Arc::new(responder);
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, Arc::clone(&responder), Arc::clone(&log)));
        }
    });
    Server {
        base: format!("http://{addr}/beta"),
        received,
    }
}

async fn connection(
    mut socket: TcpStream,
    responder: Arc<Responder>,
    log: Arc<Mutex<Vec<Request>>>,
) {
    let mut buf = Vec::new();
    while let Some(Ok(request)) = read_request(&mut socket, &mut buf).await {
        log.lock().unwrap().push(request.clone());
        let reply = if request.method != "GET" {
            responder(&request)
        } else {
            let body = json!({"error": {"code": "ResourceNotFound", "message": "not found"}});
            reply("404 Not Found", &[JSON], body.to_string().as_bytes())
        };
        if socket.write_all(&reply).await.is_err() {
            return;
        }
    }
}

const JSON: (&str, &str) = ("content-type", "application/json");

/// The documented ndesConnector with what was sent merged in: a valid 200 body.
fn echo(request: &Request) -> Value {
    let mut object = json!({
        "@odata.type": "#microsoft.graph.ndesConnector",
        "id": "x1",
        "lastConnectionDateTime": "2016-12-31T23:58:36.6670033-08:00",
        "state": "active",
        "displayName": "Display Name value"
    });
    if let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(&request.body) {
        for (name, value) in sent {
            if name != "id" && name != "@odata.type" {
                object[name] = value;
            }
        }
    }
    object
}

// ---------------------------------------------------------------------------------------
// What is reflected, how, and where
// ---------------------------------------------------------------------------------------

/// A secret of the run, as the server reads it off the request.
#[derive(Debug, Clone, Copy)]
enum Secret {
    Token,
    ApiKey,
    Tenant,
}

impl Secret {
    fn received(self, request: &Request) -> String {
        let value = match self {
            Secret::Token => request.header("authorization"),
            Secret::ApiKey => request.header(API_KEY_HEADER),
            Secret::Tenant => request.header(TENANT_HEADER),
        };
        let value = value.expect("the secret was sent");
        value.strip_prefix("Bearer ").unwrap_or(value).to_string()
    }
}

/// How the server encodes what it reflects.
#[derive(Debug, Clone, Copy)]
enum Form {
    AsSent,
    Lowercase,
    Uppercase,
    Base64,
    Base64Unpadded,
    Base64Url,
    Base64UrlUnpadded,
    /// Base64 of the whole `Bearer <token>` header value.
    BearerBase64,
    Percent,
}

impl Form {
    fn encode(self, secret: &str) -> String {
        match self {
            Form::AsSent => secret.to_string(),
            Form::Lowercase => secret.to_ascii_lowercase(),
            Form::Uppercase => secret.to_ascii_uppercase(),
            Form::Base64 => STANDARD.encode(secret),
            Form::Base64Unpadded => STANDARD_NO_PAD.encode(secret),
            Form::Base64Url => URL_SAFE.encode(secret),
            Form::Base64UrlUnpadded => URL_SAFE_NO_PAD.encode(secret),
            Form::BearerBase64 => STANDARD.encode(format!("Bearer {secret}")),
            Form::Percent => {
                percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            }
        }
    }
}

/// Where the server puts what it reflects.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// As the `displayName` of a 200 (an echo failure quotes it).
    BodyValue,
    /// As the value of a response header.
    HeaderValue,
    /// As the name of a response header (which comes back lowercased).
    HeaderName,
    /// In the message of a 400 error body.
    ErrorBody,
    /// Inside a long `lastConnectionDateTime` that is no DateTimeOffset: the schema check
    /// quotes it, cut, 70 characters before the secret starts.
    LongSchemaViolation,
    /// In a body whose record is cut 12 bytes into the secret.
    AcrossTheBodyCap,
    /// In a header value whose record is cut 12 bytes into the secret.
    AcrossTheHeaderCap,
}

fn reflect(request: &Request, secret: Secret, form: Form, place: Place) -> Vec<u8> {
    let reflected = form.encode(&secret.received(request));
    let mut body = echo(request);
    let mut headers = vec![JSON];
    let header_value;
    let header_name;
    match place {
        Place::BodyValue => body["displayName"] = json!(reflected),
        Place::HeaderValue => headers.push(("x-reflected", &reflected)),
        Place::HeaderName => {
            header_name = reflected.clone();
            headers.push((&header_name, "1"));
        }
        Place::ErrorBody => {
            let error =
                json!({"error": {"code": "BadRequest", "message": format!("bad {reflected}")}});
            return reply("400 Bad Request", &[JSON], error.to_string().as_bytes());
        }
        Place::LongSchemaViolation => {
            let value = format!("{}{reflected}{}", "x".repeat(70), "y".repeat(200));
            body["lastConnectionDateTime"] = json!(value);
        }
        Place::AcrossTheBodyCap => {
            let opening = r#"{"displayName":""#.len();
            let pad = "a".repeat(RECORD_CAP - opening - 12);
            let text = format!(r#"{{"displayName":"{pad}{reflected}{}"}}"#, "b".repeat(100));
            return reply("200 OK", &[JSON], text.as_bytes());
        }
        Place::AcrossTheHeaderCap => {
            header_value = format!("{}{reflected}", "a".repeat(HEADER_VALUE_CAP - 12));
            headers.push(("x-reflected", &header_value));
        }
    }
    reply("200 OK", &headers, body.to_string().as_bytes())
}

// ---------------------------------------------------------------------------------------
// Running and reading the reports
// ---------------------------------------------------------------------------------------

/// Options for the one case against `base`, with every kind of secret.
fn options(base: &str) -> RunOptions {
    RunOptions {
        token: Some(SecretString::from(TOKEN)),
        cases: 1,
        only: Some(CASE.into()),
        ids: BTreeMap::from([("ndesConnectorId".to_string(), "x1".to_string())]),
        headers: vec![
            (API_KEY_HEADER.to_string(), API_KEY.to_string()),
            (TENANT_HEADER.to_string(), TENANT.to_string()),
            (PLAIN_HEADER.to_string(), PLAIN.to_string()),
        ],
        secret_headers: vec![TENANT_HEADER.to_ascii_lowercase()],
        timeout: Duration::from_secs(5),
        max_time: Some(Duration::from_secs(30)),
        retries: 0,
        ..RunOptions::new(base)
    }
}

/// Writes the four reports of `results` and returns every file's name and text.
fn reports(results: &RunResults) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let written = graph_conformance::report::write(dir.path(), results).unwrap();
    assert!(written.len() >= 4, "{written:?}");
    written
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

/// Every string that would reveal `secret`: its forms, and its first 8 characters (what a
/// cut would leave), all compared case-insensitively.
fn revealing(secret: &str) -> Vec<String> {
    let forms = [
        Form::AsSent,
        Form::Base64,
        Form::Base64Unpadded,
        Form::Base64Url,
        Form::Base64UrlUnpadded,
        Form::BearerBase64,
        Form::Percent,
    ];
    let mut revealing: Vec<String> = forms.iter().map(|f| f.encode(secret)).collect();
    revealing.push(secret[..8].to_string());
    revealing
}

/// Asserts that no form of any secret is in any report file.
fn assert_no_secret_in(files: &[(String, String)]) {
    for (name, text) in files {
        for secret in [TOKEN, API_KEY, TENANT] {
            for form in revealing(secret) {
                let found = text.to_ascii_lowercase().find(&form.to_ascii_lowercase());
                if let Some(at) = found {
                    let around = &text[text.floor_char_boundary(at.saturating_sub(80))
                        ..text.floor_char_boundary(at + form.len() + 40)];
                    panic!("{name} reveals a secret as {form:?}: ...{around}...");
                }
            }
        }
    }
}

/// The only case of a run of [`CASE`].
fn only_case(results: &RunResults) -> CaseResult {
    let cases = results.cases.to_vec().unwrap();
    let [case] = cases.as_slice() else {
        panic!("one case expected: {cases:#?}");
    };
    case.clone()
}

/// Tells whether the scrubber replaced something the server sent (so the reflection did
/// happen, and the test is not vacuous).
fn something_was_redacted(case: &CaseResult) -> bool {
    let in_response = case
        .exchanges
        .iter()
        .filter_map(|e| e.response.as_ref())
        .any(|r| {
            r.body.contains("[REDACTED]")
                || r.headers
                    .iter()
                    .any(|(n, v)| n.contains("[REDACTED]") || v.contains("[REDACTED]"))
        });
    in_response
        || case
            .findings
            .iter()
            .any(|f| f.message.contains("[REDACTED]"))
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// A secret a server reflects, in whatever form and wherever, is in no report file.
#[rstest]
#[case::token_as_sent_in_a_body_value(Secret::Token, Form::AsSent, Place::BodyValue)]
#[case::token_as_sent_in_a_header_value(Secret::Token, Form::AsSent, Place::HeaderValue)]
#[case::token_as_a_header_name_comes_back_lowercased(
    Secret::Token,
    Form::AsSent,
    Place::HeaderName
)]
#[case::token_lowercased_in_a_body_value(Secret::Token, Form::Lowercase, Place::BodyValue)]
#[case::token_uppercased_in_an_error_body(Secret::Token, Form::Uppercase, Place::ErrorBody)]
#[case::token_in_base64_in_a_header_value(Secret::Token, Form::Base64, Place::HeaderValue)]
#[case::token_in_unpadded_base64_in_a_body_value(
    Secret::Token,
    Form::Base64Unpadded,
    Place::BodyValue
)]
#[case::token_in_base64url_in_an_error_body(Secret::Token, Form::Base64Url, Place::ErrorBody)]
#[case::token_in_unpadded_base64url_as_a_header_name(
    Secret::Token,
    Form::Base64UrlUnpadded,
    Place::HeaderName
)]
#[case::bearer_header_in_base64_in_a_body_value(
    Secret::Token,
    Form::BearerBase64,
    Place::BodyValue
)]
#[case::token_percent_encoded_in_a_header_value(Secret::Token, Form::Percent, Place::HeaderValue)]
#[case::token_inside_a_long_schema_violating_value(
    Secret::Token,
    Form::AsSent,
    Place::LongSchemaViolation
)]
#[case::token_in_base64_inside_a_long_schema_violating_value(
    Secret::Token,
    Form::Base64,
    Place::LongSchemaViolation
)]
#[case::token_across_the_body_record_cap(Secret::Token, Form::AsSent, Place::AcrossTheBodyCap)]
#[case::token_across_the_header_value_cap(Secret::Token, Form::AsSent, Place::AcrossTheHeaderCap)]
#[case::secret_header_value_as_sent_in_a_body_value(Secret::ApiKey, Form::AsSent, Place::BodyValue)]
#[case::secret_header_value_in_base64_in_a_header_value(
    Secret::ApiKey,
    Form::Base64,
    Place::HeaderValue
)]
#[case::marked_secret_header_value_in_an_error_body(Secret::Tenant, Form::AsSent, Place::ErrorBody)]
#[case::marked_secret_header_value_inside_a_long_schema_violating_value(
    Secret::Tenant,
    Form::Percent,
    Place::LongSchemaViolation
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflected_secret_is_in_no_report(
    #[case] secret: Secret,
    #[case] form: Form,
    #[case] place: Place,
) {
    let server = serve(move |request| reflect(request, secret, form, place)).await;
    let results = run(&common::suite(), &options(&server.base), &mut |_| {})
        .await
        .unwrap();
    let case = only_case(&results);
    assert!(
        something_was_redacted(&case),
        "the server's reflection was not found: {case:#?}"
    );
    assert_no_secret_in(&reports(&results));
}

/// A schema failure quotes the server's value scrubbed, then cut: the cut cannot leave a
/// prefix of the token (it used to leave 78 characters of it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_quote_of_a_server_value_leaves_no_prefix_of_the_token() {
    let server = serve(|request| {
        let token = Secret::Token.received(request);
        let mut body = echo(request);
        body["lastConnectionDateTime"] =
            json!(format!("{}{token}{}", "x".repeat(70), "y".repeat(50)));
        reply("200 OK", &[JSON], body.to_string().as_bytes())
    })
    .await;
    let results = run(&common::suite(), &options(&server.base), &mut |_| {})
        .await
        .unwrap();
    let case = only_case(&results);
    let schema = case
        .findings
        .iter()
        .find(|f| f.check == Check::ResponseSchema)
        .unwrap_or_else(|| panic!("{:#?}", case.findings));
    let quoted = format!("(got \"{}[REDACTED]...)", "x".repeat(70));
    assert!(schema.message.contains(&quoted), "{}", schema.message);
}

/// The request record shows the headers that were sent, secrets redacted, and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_record_shows_the_headers_actually_sent() {
    let server =
        serve(|request| reply("200 OK", &[JSON], echo(request).to_string().as_bytes())).await;
    let results = run(&common::suite(), &options(&server.base), &mut |_| {})
        .await
        .unwrap();
    let case = only_case(&results);
    let recorded = &case.exchanges[0].request.headers;
    let received = server.received.lock().unwrap();
    let patch = received
        .iter()
        .find(|r| r.method == "PATCH" && r.target.ends_with("/x1"))
        .expect("the PATCH arrived");
    assert_eq!(
        patch.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    for (name, _) in recorded {
        assert!(
            patch.header(name).is_some(),
            "{name} was recorded but not sent"
        );
    }
    let shown = |name: &str| {
        recorded
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(shown("authorization"), Some("Bearer [REDACTED]"));
    assert_eq!(shown(API_KEY_HEADER), Some("[REDACTED]"));
    assert_eq!(shown(TENANT_HEADER), Some("[REDACTED]"));
    assert_eq!(shown(PLAIN_HEADER), Some(PLAIN));
}

/// A token no header can carry, or an empty one, is refused before anything is sent.
#[rstest]
#[case::with_a_line_feed("abc\ndef-0123456789")]
#[case::with_a_carriage_return("abc\rdef-0123456789")]
#[case::empty("")]
#[case::blank("   ")]
#[tokio::test]
async fn a_token_that_cannot_be_sent_as_is_is_refused(#[case] token: &str) {
    let options = RunOptions {
        token: Some(SecretString::from(token)),
        ..RunOptions::new("http://127.0.0.1:9/beta")
    };
    let outcome = run(&common::suite(), &options, &mut |_| {}).await;
    assert!(
        matches!(
            outcome,
            Err(RunError::Client(
                ClientError::Token | ClientError::EmptyToken
            ))
        ),
        "{outcome:?}"
    );
}

/// The request bodies of a run with `token` (against the embedded mock, every case failing
/// so that every case has a reproduction), and its reports.
async fn short_token_run(token: &str) -> (Vec<String>, RunResults) {
    let suite = common::suite();
    let mock = common::mock(&suite).await;
    let options = RunOptions {
        token: Some(SecretString::from(token)),
        cases: 2,
        only: Some("update-connector/*".into()),
        headers: vec![(
            FAULT_HEADER.to_string(),
            Fault::WrongStatus.name().to_string(),
        )],
        ..RunOptions::new(mock.base_url())
    };
    let results = run(&suite, &options, &mut |_| {}).await.unwrap();
    let bodies = results
        .cases
        .to_vec()
        .unwrap()
        .iter()
        .flat_map(|c| c.exchanges.iter().filter_map(|e| e.request.body.clone()))
        .collect();
    (bodies, results)
}

/// A token too short to tell apart from ordinary text never rewrites what the tool sent:
/// request bodies, URLs and reproductions are those of a run with a long token.
#[rstest]
#[case::a_one_letter_token_leaves_external_ip("x", "externalIp")]
#[case::a_token_that_is_the_version_leaves_beta_paths("beta", "/beta/")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_token_never_rewrites_what_the_tool_sent(#[case] token: &str, #[case] kept: &str) {
    let (bodies, results) = short_token_run(token).await;
    let (long_token_bodies, _) = short_token_run(TOKEN).await;
    assert!(!bodies.is_empty());
    assert_eq!(bodies, long_token_bodies);
    let cases = results.cases.to_vec().unwrap();
    for exchange in cases.iter().flat_map(|c| &c.exchanges) {
        assert!(
            exchange.request.url.contains("/beta/"),
            "{}",
            exchange.request.url
        );
        let body = exchange.request.body.as_deref().unwrap_or_default();
        assert!(!body.contains("[REDACTED]"), "{body}");
        assert!(!exchange.request.url.contains("[REDACTED]"));
    }
    let (_, json) = reports(&results)
        .into_iter()
        .find(|(name, _)| name == "results.json")
        .unwrap();
    let json: Value = serde_json::from_str(&json).unwrap();
    let commands: Vec<&str> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["reproduce"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(commands.iter().any(|c| c.contains(kept)), "{commands:#?}");
    for command in commands.iter().filter(|c| c.starts_with("curl")) {
        let without_token = command.replace("Bearer $GRAPH_TOKEN", "");
        assert!(!without_token.contains("[REDACTED]"), "{command}");
        assert!(!without_token.contains("$GRAPH"), "{command}");
    }
}

/// Response headers are recorded capped in count and size, and the record says so.
#[rstest]
#[case::ninety_headers_of_4_kib(90, 4096, true)]
#[case::a_few_small_headers(5, 20, false)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_headers_are_recorded_capped(
    #[case] count: usize,
    #[case] size: usize,
    #[case] capped: bool,
) {
    let server = serve(move |request| {
        let names: Vec<String> = (0..count).map(|i| format!("x-filler-{i:03}")).collect();
        let value = "v".repeat(size);
        let mut headers: Vec<(&str, &str)> =
            names.iter().map(|n| (n.as_str(), value.as_str())).collect();
        headers.push(("retry-after", "1"));
        headers.push(JSON);
        reply("200 OK", &headers, echo(request).to_string().as_bytes())
    })
    .await;
    let results = run(&common::suite(), &options(&server.base), &mut |_| {})
        .await
        .unwrap();
    let case = only_case(&results);
    let response = case.exchanges[0].response.as_ref().unwrap();
    assert_eq!(response.headers_truncated, capped);
    let received = count + 3; // the fillers, retry-after, content-type, content-length
    assert_eq!(response.headers.len() + response.headers_dropped, received);
    assert!(
        response.headers.len() <= 64 + 2,
        "{}",
        response.headers.len()
    );
    assert!(
        response
            .headers
            .iter()
            .all(|(_, v)| v.len() <= HEADER_VALUE_CAP)
    );
    for read_by_the_tool in ["content-type", "retry-after"] {
        assert!(
            response.headers.iter().any(|(n, _)| n == read_by_the_tool),
            "{read_by_the_tool} was not recorded"
        );
    }
    let results_json = serde_json::to_string(&results).unwrap();
    assert!(
        results_json.len() < 200 * 1024,
        "{} bytes",
        results_json.len()
    );
}

/// A status outside 100-599 is no HTTP status: never a `server-error`, always a failure
/// that says the status is not valid.
#[rstest]
#[case::a_success_case("update-ndesConnector/example-1", Check::StatusCode)]
#[case::a_convention_case("update-ndesConnector/convention/no-token", Check::StatusCode)]
#[case::an_invalid_payload_case("update-ndesConnector/invalid/*", Check::InvalidRejected)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_beyond_599_is_not_a_server_error(#[case] only: &str, #[case] check: Check) {
    let server = serve(|_| reply("999 Whatever", &[JSON], b"{}")).await;
    let options = RunOptions {
        only: Some(only.into()),
        ..options(&server.base)
    };
    let results = run(&common::suite(), &options, &mut |_| {}).await.unwrap();
    let cases = results.cases.to_vec().unwrap();
    assert!(!cases.is_empty());
    for case in &cases {
        let [finding] = case.findings.as_slice() else {
            panic!("{}: {:#?}", case.id, case.findings);
        };
        assert_eq!(finding.check, check, "{}: {}", case.id, finding.message);
        assert!(
            finding
                .message
                .contains("999, which is not a valid HTTP status"),
            "{}: {}",
            case.id,
            finding.message
        );
    }
}

/// A secret too short to tell apart from ordinary text is named in a warning, once.
#[rstest]
#[case::a_short_token(Some("x"), vec![], vec![], &["the token is shorter than 8 characters: it is not protected in reports"])]
#[case::a_long_token(Some(TOKEN), vec![], vec![], &[])]
#[case::a_short_secret_header(None, vec![(API_KEY_HEADER, "k1")], vec![], &["`X-Api-Key` is shorter than 8"])]
#[case::a_short_marked_header(None, vec![(TENANT_HEADER, "t1")], vec!["x-tenant"], &["`X-Tenant` is shorter than 8"])]
#[case::a_short_plain_header(None, vec![(PLAIN_HEADER, "p1")], vec![], &[])]
fn a_short_secret_is_named_in_a_warning(
    #[case] token: Option<&str>,
    #[case] headers: Vec<(&str, &str)>,
    #[case] secret_headers: Vec<&str>,
    #[case] expected: &[&str],
) {
    let options = RunOptions {
        token: token.map(SecretString::from),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        secret_headers: secret_headers.iter().map(|s| s.to_string()).collect(),
        ..RunOptions::new("http://127.0.0.1:9/beta")
    };
    let warnings = options.secret_warnings();
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");
    for (warning, fragment) in warnings.iter().zip(expected) {
        assert!(warning.contains(fragment), "{warning}");
    }
}

/// An id a server returns that holds a secret is never put in a URL: the update that would
/// have used the created id uses the documented one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_id_that_holds_a_secret_is_never_put_in_a_url() {
    let server = serve(|request| {
        let mut body = echo(request);
        if request.method == "POST" {
            body["id"] = json!(format!("id-{}", Secret::Token.received(request)));
            return reply("201 Created", &[JSON], body.to_string().as_bytes());
        }
        reply("200 OK", &[JSON], body.to_string().as_bytes())
    })
    .await;
    let options = RunOptions {
        only: Some("ndesConnector/example-1".into()),
        ids: BTreeMap::new(),
        ..options(&server.base)
    };
    let results = run(&common::suite(), &options, &mut |_| {}).await.unwrap();
    let cases = results.cases.to_vec().unwrap();
    assert!(
        cases
            .iter()
            .any(|c| c.id == CASE && !c.exchanges.is_empty()),
        "{cases:#?}"
    );
    let received = server.received.lock().unwrap();
    assert!(received.iter().all(|r| !r.target.contains(TOKEN)));
    assert_no_secret_in(&reports(&results));
}
