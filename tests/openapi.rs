//! The emitted OpenAPI document tells peer tools everything an operation can answer: the
//! bearer token every operation requires, and besides the page's success status, 400, 401,
//! 404 (where the path names an object by id) and `default`, all with Graph's error body.
//! The reference mock's own refusals are then documented answers, not "undocumented status
//! codes".

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::mock::{MockConfig, MockServer};
use graph_conformance::schema::openapi_document;
use graph_conformance::suite::Suite;
use rstest::rstest;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed `schemas/openapi.json`, the document peers are given.
fn committed() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/openapi.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The document derived from the test fixture pages (creates and updates, some nested).
fn from_fixture_pages() -> Value {
    let pages = collect_pages(&[root().join("tests/fixtures/pages")]).unwrap();
    openapi_document(&derive(&pages).contract)
}

/// Every operation of `document`: path, method, operation object.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let paths = document["paths"].as_object().expect("paths");
    let found: Vec<_> = paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.iter()
                .map(move |(method, op)| (path.clone(), method.clone(), op.clone()))
        })
        .collect();
    assert!(!found.is_empty(), "the document has no operation");
    found
}

/// Follows a local `#/...` reference inside `document`.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} does not resolve")),
        None => value,
    }
}

fn has_id(path: &str) -> bool {
    path.contains('{')
}

#[rstest]
fn every_operation_requires_the_bearer_token(
    #[values(committed(), from_fixture_pages())] document: Value,
) {
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("securitySchemes");
    let bearer: Vec<&String> = schemes
        .iter()
        .filter(|(_, s)| s["type"] == "http" && s["scheme"] == "bearer")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(bearer.len(), 1, "{schemes:?}");
    let required = document["security"].as_array().expect("a global security");
    assert!(
        required.iter().any(|r| r.get(bearer[0]).is_some()),
        "{required:?}"
    );
    for (path, method, op) in operations(&document) {
        assert!(
            op.get("security").is_none(),
            "{method} {path} overrides the global security"
        );
    }
}

#[rstest]
#[case::a_body_the_table_refuses("400", |_: &str| true)]
#[case::a_missing_or_bad_token("401", |_: &str| true)]
#[case::an_unknown_id_where_the_path_has_one("404", has_id)]
#[case::any_other_error("default", |_: &str| true)]
fn every_operation_documents_the_errors_it_can_give(
    #[values(committed(), from_fixture_pages())] document: Value,
    #[case] status: &str,
    #[case] applies: fn(&str) -> bool,
) {
    let error_schema = "#/components/schemas/ODataError";
    let mut documented = 0;
    for (path, method, op) in operations(&document) {
        let response = op["responses"].get(status);
        if !applies(&path) {
            assert!(response.is_none(), "{method} {path} cannot answer {status}");
            continue;
        }
        let response = resolve(
            &document,
            response.unwrap_or_else(|| panic!("{method} {path} does not document {status}")),
        );
        assert!(
            response["description"].is_string(),
            "{method} {path} {status}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        assert_eq!(schema["$ref"], error_schema, "{method} {path} {status}");
        documented += 1;
    }
    assert!(documented > 0, "no operation documents {status}");
}

#[rstest]
fn operations_with_and_without_an_id_are_both_checked(
    #[values(committed(), from_fixture_pages())] document: Value,
) {
    let ops = operations(&document);
    assert!(ops.iter().any(|(path, _, _)| has_id(path)));
    assert!(ops.iter().any(|(path, _, _)| !has_id(path)));
}

/// Graph's error body, as the committed document declares it.
fn error_body_validator() -> jsonschema::Validator {
    let document = committed();
    let schema = &document["components"]["schemas"]["ODataError"];
    jsonschema::draft202012::new(schema).expect("the error schema compiles")
}

#[rstest]
#[case::graph_error_with_inner_error(
    r#"{"error":{"code":"BadRequest","message":"m","innerError":{"request-id":"r"}}}"#,
    true
)]
#[case::graph_error_with_details(
    r#"{"error":{"code":"c","message":"m","details":[{"code":"d","message":"m"}]}}"#,
    true
)]
#[case::no_error_object(r#"{"code":"c","message":"m"}"#, false)]
#[case::no_code(r#"{"error":{"message":"m"}}"#, false)]
#[case::no_message(r#"{"error":{"code":"c"}}"#, false)]
#[case::code_not_a_string(r#"{"error":{"code":400,"message":"m"}}"#, false)]
#[case::details_not_an_array(r#"{"error":{"code":"c","message":"m","details":{}}}"#, false)]
fn the_error_schema_is_graphs_error_body(#[case] body: &str, #[case] valid: bool) {
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(error_body_validator().is_valid(&body), valid, "{body}");
}

const NDES: &str = "/deviceManagement/ndesConnectors";
const NDES_ITEM: &str = "/deviceManagement/ndesConnectors/{ndesConnectorId}";

/// The mock's refusals are answers the committed document lists for that operation, with a
/// body its error schema accepts: the check Schemathesis runs, in miniature.
#[rstest]
#[case::no_token("post", NDES, NDES, None, "{}", 401)]
#[case::a_body_that_is_not_json("post", NDES, NDES, Some("t-0123456789"), "{", 400)]
#[case::a_property_the_table_does_not_list(
    "post",
    NDES,
    NDES,
    Some("t-0123456789"),
    r#"{"nope":1}"#,
    400
)]
#[case::an_unknown_id(
    "patch",
    NDES_ITEM,
    "/deviceManagement/ndesConnectors/00000000-dead-beef-0000-000000000000",
    Some("t-0123456789"),
    "{}",
    404
)]
#[tokio::test]
async fn the_mocks_refusals_are_documented_answers(
    #[case] method: &str,
    #[case] template: &str,
    #[case] path: &str,
    #[case] token: Option<&str>,
    #[case] body: &str,
    #[case] expected: u16,
) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let suite = Arc::new(Suite::load(root()).expect("the committed suite"));
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mock = MockServer::start(suite, MockConfig::default(), addr)
        .await
        .expect("the mock starts");
    let method_name = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method_name, format!("{}{path}", mock.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.expect("the mock answers");
    let status = reply.status().as_u16();
    let bytes = reply.bytes().await.expect("a body");
    let answer: Value = serde_json::from_slice(&bytes).expect("a JSON error body");
    mock.shutdown().await;
    assert_eq!(status, expected, "{answer}");

    let document = committed();
    let responses = &document["paths"][template][method]["responses"];
    let listed = responses
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{status} is not documented for {template}: {responses}"));
    let schema = &resolve(&document, listed)["content"]["application/json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/ODataError");
    assert!(error_body_validator().is_valid(&answer), "{answer}");
}

/// Peer tools keep state in the directory they run in; the benchmark runs them in a
/// temporary one, and a manual run in the checkout must not be committed either.
#[rstest]
#[case::schemathesis(".schemathesis/")]
#[case::hypothesis(".hypothesis/")]
fn peer_tool_state_is_ignored(#[case] entry: &str) {
    let ignore = std::fs::read_to_string(root().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line.trim() == entry), "{ignore}");
}
