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
use serde_json::{Value, json};
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

// ---------------------------------------------------------------------------------------
// Every kind of operation (fixture pages under tests/fixtures/kinds, one per kind)

/// The pages of `tests/fixtures/kinds`, with `edit` (page, from, to) applied.
fn kind_pages(edit: Option<(&str, &str, &str)>) -> Vec<graph_conformance::derive::PageSource> {
    let mut pages = collect_pages(&[root().join("tests/fixtures/kinds")]).unwrap();
    if let Some((name, from, to)) = edit {
        let page = pages
            .iter_mut()
            .find(|p| p.name.ends_with(name))
            .unwrap_or_else(|| panic!("no page {name}"));
        assert!(page.text.contains(from), "{name} holds no {from:?}");
        page.text = page.text.replace(from, to);
    }
    pages
}

/// The document derived from one page per kind of operation.
fn every_kind() -> Value {
    openapi_document(&derive(&kind_pages(None)).contract)
}

/// The operation object whose operationId is `id`, with its path and method.
fn operation<'a>(document: &'a Value, id: &str) -> (String, String, &'a Value) {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(move |(method, op)| (path.clone(), method.clone(), op))
        })
        .find(|(_, _, op)| op["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

fn oas_validator() -> jsonschema::Validator {
    let oas: Value =
        serde_json::from_str(include_str!("fixtures/openapi-3.1.schema.json")).unwrap();
    jsonschema::draft202012::new(&oas).expect("the OpenAPI 3.1 schema compiles")
}

#[rstest]
#[case::one_page_per_kind(every_kind())]
#[case::creates_and_updates(from_fixture_pages())]
#[case::committed_suite(committed())]
fn the_document_is_valid_openapi_3_1(#[case] document: Value) {
    let errors: Vec<String> = oas_validator()
        .iter_errors(&document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let mut schema = schema.clone();
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
        assert!(jsonschema::meta::is_valid(&schema), "component {name}");
    }
}

const JSON_SCHEMA: &str = "/content/application~1json/schema";

/// What the request body of an operation must be, as a check on the operation object.
#[rstest]
#[case::get_sends_nothing("get-gadget", None)]
#[case::list_sends_nothing("list-gadget", None)]
#[case::delete_sends_nothing("delete-gadget", None)]
#[case::function_sends_nothing("function-gadget-usage", None)]
#[case::remove_ref_sends_nothing("remove-ref-gadget-owners", None)]
#[case::list_ref_sends_nothing("list-ref-gadget-owners", None)]
#[case::create_sends_the_resource("create-gadget", Some(json!({"$ref": "#/components/schemas/gadget.request"})))]
#[case::update_sends_the_resource("update-gadget", Some(json!({"$ref": "#/components/schemas/gadget.request"})))]
#[case::replace_sends_the_resource("replace-gadget", Some(json!({"$ref": "#/components/schemas/gadget.request"})))]
#[case::add_ref_sends_an_odata_id(
    "add-ref-gadget-owners",
    Some(json!({
        "type": "object",
        "required": ["@odata.id"],
        "properties": { "@odata.id": { "type": "string", "format": "uri" } },
    }))
)]
fn the_request_body_is_what_the_page_documents(#[case] id: &str, #[case] schema: Option<Value>) {
    let document = every_kind();
    let (_, _, op) = operation(&document, id);
    match schema {
        None => assert!(op.get("requestBody").is_none(), "{id}: {op:#}"),
        Some(schema) => {
            let body = &op["requestBody"];
            assert_eq!(body["required"], true, "{id}");
            assert_eq!(body.pointer(JSON_SCHEMA), Some(&schema), "{id}: {body:#}");
        }
    }
}

#[rstest]
fn an_action_sends_its_parameters_and_nothing_else() {
    let document = every_kind();
    let (_, _, op) = operation(&document, "action-gadget-recalibrate");
    let schema = op["requestBody"].pointer(JSON_SCHEMA).expect("a JSON body");
    let names: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["precision", "reason"]);
    assert_eq!(schema["properties"]["precision"]["type"], "integer");
    assert_eq!(schema["additionalProperties"], false);
    let validator = jsonschema::draft202012::new(schema).unwrap();
    assert!(validator.is_valid(&json!({"precision": 3, "reason": "drift"})));
    assert!(!validator.is_valid(&json!({"precision": "high"})));
    assert!(!validator.is_valid(&json!({"force": true})));
}

/// The success response: status, and the schema of its JSON body (none for 204).
#[rstest]
#[case::get_answers_the_object("get-gadget", "200", Some(json!({"$ref": "#/components/schemas/gadget.response"})))]
#[case::create_answers_the_object("create-gadget", "201", Some(json!({"$ref": "#/components/schemas/gadget.response"})))]
#[case::delete_answers_204_without_content("delete-gadget", "204", None)]
#[case::update_answers_204_without_content("update-gadget", "204", None)]
#[case::action_answers_204_without_content("action-gadget-recalibrate", "204", None)]
#[case::add_ref_answers_204_without_content("add-ref-gadget-owners", "204", None)]
#[case::remove_ref_answers_204_without_content("remove-ref-gadget-owners", "204", None)]
#[case::a_function_answers_its_primitive_as_value(
    "function-gadget-usage",
    "200",
    Some(json!({
        "type": "object",
        "required": ["value"],
        "properties": { "value": { "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX } },
    }))
)]
fn the_success_response_is_what_the_page_states(
    #[case] id: &str,
    #[case] status: &str,
    #[case] schema: Option<Value>,
) {
    let document = every_kind();
    let (_, _, op) = operation(&document, id);
    let response = &op["responses"][status];
    assert!(response["description"].is_string(), "{id}: {op:#}");
    match schema {
        None => assert!(response.get("content").is_none(), "{id}: {response:#}"),
        Some(schema) => assert_eq!(response.pointer(JSON_SCHEMA), Some(&schema), "{id}"),
    }
    let successes: Vec<&String> = op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with('2'))
        .collect();
    assert_eq!(successes, [status], "{id}");
}

/// Collections are Graph's `{"value": [...]}` with paging and count annotations.
#[rstest]
#[case::list_of_objects("list-gadget", json!({"$ref": "#/components/schemas/gadget.response"}))]
#[case::list_of_references(
    "list-ref-gadget-owners",
    json!({
        "type": "object",
        "required": ["@odata.id"],
        "properties": { "@odata.id": { "type": "string", "format": "uri" } },
    })
)]
fn a_collection_is_value_with_next_link_and_count(#[case] id: &str, #[case] items: Value) {
    let document = every_kind();
    let (_, _, op) = operation(&document, id);
    let schema = op["responses"]["200"]
        .pointer(JSON_SCHEMA)
        .expect("a JSON body");
    assert_eq!(schema["required"], json!(["value"]), "{schema:#}");
    let properties = &schema["properties"];
    assert_eq!(
        properties["value"],
        json!({"type": "array", "items": items})
    );
    assert_eq!(
        properties["@odata.nextLink"],
        json!({"type": "string", "format": "uri"})
    );
    assert_eq!(properties["@odata.count"]["type"], "integer");
}

/// Every `{name}` of a path is a declared path parameter and nothing else is; query options
/// the page states support for are optional query parameters.
#[rstest]
#[case::an_id("get-gadget", &["gadgetId"], &["$select"])]
#[case::an_alternative_path("get-gadget-path-2", &["gadgetId"], &["$select"])]
#[case::no_id("list-gadget", &[], &["$count", "$filter", "$select", "$top"])]
#[case::a_function_parameter("function-gadget-usage", &["gadgetId", "period"], &[])]
#[case::two_ids("remove-ref-gadget-owners", &["gadgetId", "ownerId"], &[])]
fn parameters_are_the_paths_placeholders_and_the_query_options(
    #[case] id: &str,
    #[case] in_path: &[&str],
    #[case] in_query: &[&str],
) {
    let document = every_kind();
    let (path, _, op) = operation(&document, id);
    let parameters = op["parameters"].as_array().unwrap();
    let named = |location: &str| -> Vec<&str> {
        parameters
            .iter()
            .filter(|p| p["in"] == location)
            .map(|p| p["name"].as_str().unwrap())
            .collect()
    };
    let mut query = named("query");
    query.sort_unstable();
    assert_eq!(named("path"), in_path, "{path}");
    assert_eq!(query, in_query, "{path}");
    for name in in_path {
        assert!(
            path.contains(&format!("{{{name}}}")),
            "{path} has no {{{name}}}"
        );
    }
    for parameter in parameters {
        let required = parameter["in"] == "path";
        assert_eq!(parameter["required"], required, "{parameter}");
    }
    let top = parameters.iter().find(|p| p["name"] == "$top");
    if let Some(top) = top {
        assert_eq!(top["schema"], json!({"type": "integer", "minimum": 0}));
    }
}

#[rstest]
fn every_documented_path_has_its_operation_with_a_unique_id() {
    let document = every_kind();
    let (path, method, _) = operation(&document, "get-gadget");
    assert_eq!(
        (path.as_str(), method.as_str()),
        ("/gadgets/{gadgetId}", "get")
    );
    let (path, method, _) = operation(&document, "get-gadget-path-2");
    assert_eq!(
        (path.as_str(), method.as_str()),
        ("/me/gadgets/{gadgetId}", "get")
    );
    let ids: Vec<String> = operations(&document)
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    assert_eq!(ids.len(), 12, "{ids:?}");
}

/// Response schemas require the key, and every property only where a page of the resource
/// states that an actual call returns all of them.
#[rstest]
#[case::a_page_states_all_properties_come_back(None, &["id", "displayName", "mode", "firstSeen"])]
#[case::no_page_states_it(
    Some(("replace-gadget.md", " All of the properties will be returned from an actual call.", "")),
    &["id"]
)]
#[case::the_short_sentence_counts(
    Some(("replace-gadget.md", "All of the properties will be returned", "All properties will be returned")),
    &["id", "displayName", "mode", "firstSeen"]
)]
fn a_response_requires_the_key_and_all_only_when_the_page_says_so(
    #[case] edit: Option<(&str, &str, &str)>,
    #[case] required: &[&str],
) {
    let document = openapi_document(&derive(&kind_pages(edit)).contract);
    let response = &document["components"]["schemas"]["gadget.response"];
    assert_eq!(response["required"], json!(required), "{response:#}");
    let request = &document["components"]["schemas"]["gadget.request"];
    assert!(request.get("required").is_none(), "{request:#}");
}

#[rstest]
fn a_date_time_cell_is_a_date_time_offset() {
    let document = every_kind();
    let first_seen =
        &document["components"]["schemas"]["gadget.request"]["properties"]["firstSeen"];
    assert_eq!(first_seen["type"], "string", "{first_seen:#}");
    assert_eq!(first_seen["format"], "date-time", "{first_seen:#}");
}

/// Every `$ref` string inside `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

/// Redocly's `no-unused-components`: a resource only ever read has no request component.
#[rstest]
#[case::one_page_per_kind(every_kind())]
#[case::creates_and_updates(from_fixture_pages())]
#[case::committed_suite(committed())]
fn every_component_is_referenced(#[case] document: Value) {
    let mut found = Vec::new();
    refs(&document["paths"], &mut found);
    refs(&document["components"], &mut found);
    for section in ["schemas", "responses"] {
        for name in document["components"][section].as_object().unwrap().keys() {
            let reference = format!("#/components/{section}/{name}");
            assert!(found.contains(&reference), "{reference} is never used");
        }
    }
}

/// An example the schema beside it refuses is left out of the document: a get page whose
/// example is truncated while a page of the resource states all properties come back.
#[rstest]
#[case::the_truncated_example_is_left_out(None, false)]
#[case::kept_when_no_page_states_all_properties(
    Some(("replace-gadget.md", " All of the properties will be returned from an actual call.", "")),
    true
)]
fn examples_agree_with_their_schema(#[case] edit: Option<(&str, &str, &str)>, #[case] kept: bool) {
    let document = openapi_document(&derive(&kind_pages(edit)).contract);
    let (_, _, op) = operation(&document, "get-gadget");
    let media = &op["responses"]["200"]["content"]["application/json"];
    assert!(media.get("schema").is_some(), "{media:#}");
    assert_eq!(media.get("examples").is_some(), kept, "{media:#}");
}

/// A route that serves several types (two create pages on one collection) is one operation
/// whose bodies are any of the types, listing every case id.
#[rstest]
fn a_route_serving_several_types_lists_them_all() {
    let mut pages = kind_pages(None);
    let gadget = pages
        .iter()
        .find(|p| p.name.ends_with("create-gadget.md"))
        .unwrap();
    let text = gadget
        .text
        .replace("Create gadget", "Create doohickey")
        .replace(
            "[gadget](../resources/gadget.md)",
            "[doohickey](../resources/doohickey.md)",
        )
        .replace("the gadget object", "the doohickey object");
    pages.push(graph_conformance::derive::PageSource {
        name: "create-doohickey.md".into(),
        text,
    });
    let document = openapi_document(&derive(&pages).contract);
    let op = &document["paths"]["/gadgets"]["post"];
    let ids = op["x-operations"].as_array().expect("x-operations");
    assert_eq!(ids.len(), 2, "{op:#}");
    let refs = |schema: &Value| -> std::collections::BTreeSet<String> {
        schema["anyOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema:#}"))
            .iter()
            .map(|s| s["$ref"].as_str().unwrap().to_string())
            .collect()
    };
    let request = op["requestBody"].pointer(JSON_SCHEMA).unwrap();
    let response = op["responses"]["201"].pointer(JSON_SCHEMA).unwrap();
    let expected = |variant: &str| -> std::collections::BTreeSet<String> {
        ["doohickey", "gadget"]
            .map(|r| format!("#/components/schemas/{r}.{variant}"))
            .into()
    };
    assert_eq!(refs(request), expected("request"));
    assert_eq!(refs(response), expected("response"));
}
