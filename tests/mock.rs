//! The reference mock (`graph_conformance::mock`) serves the committed suite the way the
//! documented API behaves, and each fault breaks exactly the one behaviour it names, only
//! when it is selected (per request through the fault header, or for the whole server).

use graph_conformance::mock::{FAULT_HEADER, Fault, MockConfig, MockServer};
use graph_conformance::suite::Suite;
use rstest::rstest;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const JSON_CONTENT_TYPE: &str = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";
const NDES: &str = "/deviceManagement/ndesConnectors";
/// The id of update-ndesConnector's (and create-ndesConnector's) example response.
const NDES_ID: &str = "e71fa706-a706-e71f-06a7-1fe706a71fe7";
const NDES_ITEM: &str = "/deviceManagement/ndesConnectors/e71fa706-a706-e71f-06a7-1fe706a71fe7";
const CERTIFICATE_ITEM: &str =
    "/deviceManagement/certificateConnectorDetails/104d7361-7361-104d-6173-4d1061734d10";
const CONNECTOR_ITEM: &str = "/connectors/7aa5aca1-aca1-7aa5-a1ac-a57aa1aca57a";
const UNKNOWN_ITEM: &str = "/deviceManagement/ndesConnectors/00000000-dead-beef-0000-000000000000";
/// The example's `2016-12-31T23:58:36.6670033-08:00`, as Graph stores it.
const NDES_DATE_UTC: &str = "2017-01-01T07:58:36.6670033Z";
const REUSED_ID: &str = "00000000-0000-0000-0000-000000000001";

fn suite() -> Arc<Suite> {
    let suite = Suite::load(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the committed suite");
    Arc::new(suite)
}

/// A running mock and a client for it.
struct Mock {
    server: MockServer,
    client: reqwest::Client,
}

/// One request to send.
struct Call<'a> {
    mock: &'a Mock,
    method: &'a str,
    path: String,
    body: Option<String>,
    faults: Vec<Fault>,
    authorization: Option<String>,
    headers: Vec<(&'static str, String)>,
}

/// What came back.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Mock {
    async fn start() -> Mock {
        Mock::with(MockConfig::default()).await
    }

    async fn with(config: MockConfig) -> Mock {
        Mock::serving(suite(), config).await
    }

    async fn serving(suite: Arc<Suite>, config: MockConfig) -> Mock {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let addr = "127.0.0.1:0".parse().unwrap();
        let server = MockServer::start(suite, config, addr)
            .await
            .expect("the mock starts");
        let client = reqwest::Client::builder().build().expect("a client");
        Mock { server, client }
    }

    fn call<'a>(&'a self, method: &'a str, path: &str) -> Call<'a> {
        Call {
            mock: self,
            method,
            path: path.to_string(),
            body: None,
            faults: Vec::new(),
            authorization: Some("Bearer test-token".to_string()),
            headers: Vec::new(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.call("GET", path).send().await
    }

    async fn get_json(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        reply.json()
    }
}

impl<'a> Call<'a> {
    fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn json(self, body: Value) -> Self {
        self.body(body.to_string())
    }

    fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    fn authorization(mut self, value: Option<&str>) -> Self {
        self.authorization = value.map(str::to_string);
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    async fn send(self) -> Reply {
        let url = format!("{}{}", self.mock.server.base_url(), self.path);
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut request = self.mock.client.request(method, url);
        if let Some(value) = &self.authorization {
            request = request.header("authorization", value);
        }
        if !self.faults.is_empty() {
            let names: Vec<&str> = self.faults.iter().map(|f| f.name()).collect();
            request = request.header(FAULT_HEADER, names.join(","));
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = self.body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("the mock answers");
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("a body").to_vec(),
        }
    }
}

impl Reply {
    /// Returns the `Content-Encoding` of the answer, if any.
    fn coding(&self) -> Option<&str> {
        self.headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// Asserts the Graph error shape with `status` and `code`.
    fn assert_graph_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.content_type(), JSON_CONTENT_TYPE);
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["code"], code, "{body}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(error["innerError"]["request-id"].is_string(), "{body}");
        assert!(error["innerError"]["date"].is_string(), "{body}");
        assert_eq!(
            error["innerError"]["request-id"].as_str(),
            self.header("request-id")
        );
    }
}

fn uuid_shaped(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn object(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().expect("a JSON object")
}

// ---------------------------------------------------------------------------------------
// Faithful behaviour
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn patch_merges_sent_properties_into_the_preloaded_example_object() {
    let mock = Mock::start().await;
    let reply = mock
        .call("PATCH", NDES_ITEM)
        .json(json!({ "displayName": "Renamed", "@odata.type": "#microsoft.graph.ndesConnector" }))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["id"], NDES_ID);
    assert_eq!(body["displayName"], "Renamed");
    assert_eq!(body["state"], "active", "kept");
    assert_eq!(body["lastConnectionDateTime"], NDES_DATE_UTC, "kept");
    assert_eq!(mock.get_json(NDES_ITEM).await, body, "stored");
}

#[tokio::test]
async fn post_answers_201_with_a_new_id_and_every_documented_property_then_patch_updates_it() {
    let mock = Mock::start().await;
    let reply = mock
        .call("POST", NDES)
        .json(json!({ "displayName": "New", "id": "ignored-client-id" }))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json();
    let id = created["id"].as_str().expect("a string id").to_string();
    assert!(uuid_shaped(&id), "{id}");
    assert_ne!(id, NDES_ID);
    assert_eq!(created["displayName"], "New");
    assert_eq!(
        created["state"], "none",
        "an enum defaults to its first member"
    );
    assert_eq!(created["lastConnectionDateTime"], Value::Null);
    let item = format!("{NDES}/{id}");
    assert_eq!(mock.get_json(&item).await, created);

    let second = mock.call("POST", NDES).json(json!({})).send().await.json();
    assert_ne!(second["id"], created["id"], "ids are unique");

    let patched = mock
        .call("PATCH", &item)
        .json(json!({ "state": "inactive" }))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["state"], "inactive");
    assert_eq!(patched.json()["displayName"], "New");
}

#[tokio::test]
async fn success_bodies_carry_the_annotations_and_validate_against_the_response_schema() {
    let mock = Mock::start().await;
    let suite = suite();
    for case in &suite.cases {
        let validator = suite.validator(&case.response_schema).unwrap();
        let reply = match case.kind {
            graph_conformance::model::OperationKind::Create => {
                mock.call("POST", &case.path).json(json!({})).send().await
            }
            graph_conformance::model::OperationKind::Update => {
                let id = case.examples[0]
                    .response
                    .as_ref()
                    .unwrap()
                    .body
                    .as_ref()
                    .unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let (collection, _) = case.path.rsplit_once('/').unwrap();
                mock.call("PATCH", &format!("{collection}/{id}"))
                    .json(json!({}))
                    .send()
                    .await
            }
            kind => panic!("the default suite holds no {kind} operation"),
        };
        assert_eq!(
            reply.status,
            case.status.code,
            "{}: {}",
            case.id,
            reply.text()
        );
        let body = reply.json();
        if let Err(e) = validator.validate(&body) {
            panic!("{}: {e}: {body}", case.id);
        }
        assert_eq!(
            body["@odata.type"],
            format!("#microsoft.graph.{}", case.resource)
        );
        let collection = match case.kind {
            graph_conformance::model::OperationKind::Create => case.path.clone(),
            graph_conformance::model::OperationKind::Update => {
                case.path.rsplit_once('/').unwrap().0.to_string()
            }
            kind => panic!("the default suite holds no {kind} operation"),
        };
        assert_eq!(
            body["@odata.context"],
            format!(
                "{}/$metadata#{}/$entity",
                mock.server.base_url(),
                collection.trim_start_matches('/')
            )
        );
        let keys: Vec<String> = object(&body).keys().take(2).cloned().collect();
        assert_eq!(keys, ["@odata.context", "@odata.type"], "annotations first");
    }
}

#[tokio::test]
async fn responses_have_the_graph_content_type_and_a_request_id() {
    let mock = Mock::start().await;
    let reply = mock
        .call("GET", NDES_ITEM)
        .header("client-request-id", "my-client-id")
        .send()
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), JSON_CONTENT_TYPE);
    assert!(reply.header("request-id").is_some_and(uuid_shaped));
    assert_eq!(reply.header("client-request-id"), Some("my-client-id"));
    let other = mock.get(NDES_ITEM).await;
    assert_ne!(other.header("request-id"), reply.header("request-id"));
}

#[rstest]
#[case::no_header(None)]
#[case::empty_bearer(Some("Bearer "))]
#[case::other_scheme(Some("Basic dXNlcjpwYXNz"))]
#[case::bare_token(Some("test-token"))]
#[tokio::test]
async fn a_request_without_a_bearer_token_is_401(#[case] authorization: Option<&str>) {
    let mock = Mock::start().await;
    let reply = mock
        .call("GET", NDES_ITEM)
        .authorization(authorization)
        .send()
        .await;
    reply.assert_graph_error(401, "InvalidAuthenticationToken");
    let patch = mock
        .call("PATCH", NDES_ITEM)
        .authorization(authorization)
        .json(json!({ "displayName": "x" }))
        .send()
        .await;
    assert_eq!(patch.status, 401);
    assert_eq!(
        mock.get_json(NDES_ITEM).await["displayName"],
        "Display Name value"
    );
}

#[rstest]
#[case::get("GET")]
#[case::patch("PATCH")]
#[tokio::test]
async fn an_unknown_id_is_404(#[case] method: &str) {
    let mock = Mock::start().await;
    let reply = mock
        .call(method, UNKNOWN_ITEM)
        .json(json!({ "displayName": "x" }))
        .send()
        .await;
    reply.assert_graph_error(404, "ResourceNotFound");
    assert_eq!(
        mock.get(UNKNOWN_ITEM).await.status,
        404,
        "nothing was created"
    );
}

#[rstest]
#[case::unknown_collection("/deviceManagement/unknownThings/x")]
#[case::too_deep("/deviceManagement/ndesConnectors/x/y")]
#[case::service_root("")]
#[tokio::test]
async fn an_unknown_path_is_404(#[case] path: &str) {
    let mock = Mock::start().await;
    mock.get(path)
        .await
        .assert_graph_error(404, "ResourceNotFound");
}

#[tokio::test]
async fn a_path_outside_the_prefix_is_404() {
    let mock = Mock::start().await;
    let url = format!("http://{}/v1.0{NDES_ITEM}", mock.server.addr());
    let response = mock.client.get(url).bearer_auth("t").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[rstest]
#[case::delete_an_item("DELETE", NDES_ITEM, "GET, PATCH")]
#[case::post_to_an_item("POST", NDES_ITEM, "GET, PATCH")]
#[case::put_an_item("PUT", CONNECTOR_ITEM, "GET, PATCH")]
#[case::list_a_collection("GET", NDES, "POST")]
#[case::patch_a_collection("PATCH", NDES, "POST")]
#[tokio::test]
async fn a_known_path_with_another_method_is_405(
    #[case] method: &str,
    #[case] path: &str,
    #[case] allow: &str,
) {
    let mock = Mock::start().await;
    let reply = mock.call(method, path).json(json!({})).send().await;
    reply.assert_graph_error(405, "MethodNotAllowed");
    assert_eq!(reply.header("allow"), Some(allow));
}

#[rstest]
#[case::invalid_enum(r#"{"state":"bogus"}"#)]
#[case::enum_wrong_case(r#"{"state":"Active"}"#)]
#[case::malformed_date(r#"{"lastConnectionDateTime":"yesterday"}"#)]
#[case::date_without_offset(r#"{"lastConnectionDateTime":"2024-01-01T10:00:00"}"#)]
#[case::date_before_year_one(r#"{"lastConnectionDateTime":"0001-01-01T00:30:00+01:00"}"#)]
#[case::unknown_property(r#"{"colour":"red"}"#)]
#[case::wrong_type(r#"{"displayName":5}"#)]
#[case::null_value(r#"{"displayName":null}"#)]
#[case::wrong_odata_type(r##"{"@odata.type":"#microsoft.graph.user"}"##)]
#[case::non_object_array("[1,2]")]
#[case::non_object_string(r#""displayName""#)]
#[case::broken_json(r#"{"displayName":"#)]
#[case::empty_body("")]
#[tokio::test]
async fn an_invalid_body_is_400_with_the_graph_error_shape(
    #[case] body: &str,
    #[values("PATCH", "POST")] method: &str,
) {
    let mock = Mock::start().await;
    let before = mock.get_json(NDES_ITEM).await;
    let path = if method == "PATCH" { NDES_ITEM } else { NDES };
    let reply = mock.call(method, path).body(body).send().await;
    reply.assert_graph_error(400, "BadRequest");
    assert_eq!(mock.get_json(NDES_ITEM).await, before, "nothing stored");
}

#[tokio::test]
async fn a_validation_error_names_the_offending_property() {
    let mock = Mock::start().await;
    let reply = mock
        .call("PATCH", NDES_ITEM)
        .json(json!({ "state": "bogus" }))
        .send()
        .await;
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("/state"), "{message}");
}

#[rstest]
#[case::example_offset("2016-12-31T23:58:36.6670033-08:00", "2017-01-01T07:58:36.6670033Z")]
#[case::positive_offset_no_fraction("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00.0000000Z")]
#[case::leap_day("2024-02-29T23:30:00.5-01:00", "2024-03-01T00:30:00.5000000Z")]
#[case::utc_short_fraction("2020-06-15T12:00:00.123Z", "2020-06-15T12:00:00.1230000Z")]
#[case::lower_case_designators("2020-06-15t12:00:00z", "2020-06-15T12:00:00.0000000Z")]
#[tokio::test]
async fn dates_are_stored_normalised_to_utc_with_seven_fraction_digits(
    #[case] sent: &str,
    #[case] stored: &str,
) {
    let mock = Mock::start().await;
    let patched = mock
        .call("PATCH", NDES_ITEM)
        .json(json!({ "lastConnectionDateTime": sent }))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["lastConnectionDateTime"], stored);
    assert_eq!(
        mock.get_json(NDES_ITEM).await["lastConnectionDateTime"],
        stored
    );
    let created = mock
        .call("POST", NDES)
        .json(json!({ "lastConnectionDateTime": sent }))
        .send()
        .await;
    assert_eq!(created.json()["lastConnectionDateTime"], stored);
}

#[tokio::test]
async fn the_example_objects_are_preloaded_with_dates_in_utc() {
    let mock = Mock::start().await;
    let ndes = mock.get_json(NDES_ITEM).await;
    assert_eq!(ndes["lastConnectionDateTime"], NDES_DATE_UTC);
    assert_eq!(ndes["displayName"], "Display Name value");
    let certificate = mock.get_json(CERTIFICATE_ITEM).await;
    assert_eq!(
        certificate["enrollmentDateTime"],
        "2017-01-01T07:57:59.3726057Z"
    );
    assert_eq!(
        certificate["lastCheckinDateTime"],
        "2017-01-01T08:02:46.0431416Z"
    );
}

#[tokio::test]
async fn the_connector_example_is_repaired_to_its_first_enum_member() {
    let mock = Mock::start().await;
    let connector = mock.get_json(CONNECTOR_ITEM).await;
    assert_eq!(
        connector["status"], "active",
        "the page's \"String\" is not a member"
    );
    assert_eq!(connector["machineName"], "String", "valid values are kept");
    assert_eq!(connector["externalIp"], "String");
}

#[tokio::test]
async fn one_store_serves_the_create_and_update_pages_of_a_collection() {
    let mock = Mock::start().await;
    let created = mock.call("POST", NDES).json(json!({})).send().await.json();
    let item = format!("{NDES}/{}", created["id"].as_str().unwrap());
    let reply = mock
        .call("PATCH", &item)
        .json(json!({ "displayName": "via update page" }))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(mock.get_json(&item).await["displayName"], "via update page");
}

/// The committed suite plus `fooConnector`: a second documented type in the ndesConnectors
/// collection, with its own create and update pages and `fooName` for `displayName`.
fn suite_with_two_types_in_one_collection() -> Arc<Suite> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    for dir in ["schemas", "cases"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    for page in [
        "schemas/ndesConnector.json",
        "cases/create-ndesConnector.json",
        "cases/update-ndesConnector.json",
    ] {
        let text = files[page]
            .replace("ndesConnector", "fooConnector")
            .replace("/deviceManagement/fooConnectors", NDES)
            .replace("displayName", "fooName")
            .replace(NDES_ID, FOO_ID);
        files.insert(page.replace("ndesConnector", "fooConnector"), text);
    }
    Arc::new(Suite::from_files(&files).unwrap())
}

const FOO_ID: &str = "f00f00f0-0000-4000-8000-000000000000";

#[tokio::test]
async fn a_collection_of_several_documented_types_serves_each_with_its_own_pages() {
    let mock = Mock::serving(
        suite_with_two_types_in_one_collection(),
        MockConfig::default(),
    )
    .await;
    let foo_item = format!("{NDES}/{FOO_ID}");
    let ndes = mock.get_json(NDES_ITEM).await;
    assert_eq!(ndes["@odata.type"], "#microsoft.graph.ndesConnector");
    let foo = mock.get_json(&foo_item).await;
    assert_eq!(foo["@odata.type"], "#microsoft.graph.fooConnector");
    assert_eq!(foo["fooName"], "Display Name value");
    assert!(foo.get("displayName").is_none());

    let renamed = patch(&mock, &foo_item, json!({ "fooName": "F" }), None).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["fooName"], "F");
    let foreign = patch(&mock, &foo_item, json!({ "displayName": "D" }), None).await;
    foreign.assert_graph_error(400, "BadRequest");
    let foreign = patch(&mock, NDES_ITEM, json!({ "fooName": "F" }), None).await;
    foreign.assert_graph_error(400, "BadRequest");

    for resource in ["fooConnector", "ndesConnector"] {
        let odata_type = format!("#microsoft.graph.{resource}");
        let created = mock
            .call("POST", NDES)
            .json(json!({ "@odata.type": odata_type }))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let created = created.json();
        assert_eq!(created["@odata.type"], odata_type);
        let item = format!("{NDES}/{}", created["id"].as_str().unwrap());
        assert_eq!(mock.get_json(&item).await["@odata.type"], odata_type);
    }
}

#[tokio::test]
async fn path_segments_are_percent_decoded_and_literals_match_case_insensitively() {
    let mock = Mock::start().await;
    let encoded = NDES_ITEM.replace("e71fa706-a706", "e71fa706%2Da706");
    assert_eq!(mock.get_json(&encoded).await["id"], NDES_ID);
    let lower = NDES_ITEM.replace("deviceManagement", "devicemanagement");
    assert_eq!(mock.get_json(&lower).await["id"], NDES_ID);
}

#[rstest::rstest]
#[case::a_quoted_key("('{id}')")]
#[case::an_unquoted_key("({id})")]
#[tokio::test]
async fn an_item_addressed_in_the_odata_key_syntax_is_the_same_item(#[case] key: &str) {
    let mock = Mock::start().await;
    let keyed = format!("{NDES}{}", key.replace("{id}", NDES_ID));
    assert_eq!(mock.get_json(&keyed).await, mock.get_json(NDES_ITEM).await);
}

#[tokio::test]
async fn an_unknown_fault_name_is_400() {
    let mock = Mock::start().await;
    let reply = mock
        .call("GET", NDES_ITEM)
        .header(FAULT_HEADER, "wrong-status,no-such-fault")
        .send()
        .await;
    reply.assert_graph_error(400, "UnknownFault");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("no-such-fault"), "{message}");
    let typo = mock
        .call("GET", NDES_ITEM)
        .header(FAULT_HEADER, "wrong-stats")
        .send()
        .await;
    let message = typo.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("did you mean `wrong-status`?"),
        "{message}"
    );
}

#[tokio::test]
async fn faults_in_the_config_apply_to_every_request() {
    let config = MockConfig {
        faults: vec![Fault::EnumWrongCase],
        ..MockConfig::default()
    };
    let mock = Mock::with(config).await;
    assert_eq!(mock.get_json(NDES_ITEM).await["state"], "ACTIVE");
}

#[tokio::test]
async fn faults_combine() {
    let mock = Mock::start().await;
    let reply = mock
        .call("GET", NDES_ITEM)
        .header(FAULT_HEADER, " id-as-number , enum-null")
        .send()
        .await;
    let body = reply.json();
    assert_eq!(body["id"], 42);
    assert_eq!(body["state"], Value::Null);
    assert_eq!(body["displayName"], "Display Name value");
}

#[tokio::test]
async fn a_custom_prefix_is_part_of_the_base_url() {
    let config = MockConfig {
        prefix: "/v1.0/".to_string(),
        ..MockConfig::default()
    };
    let mock = Mock::with(config).await;
    assert!(mock.server.base_url().ends_with("/v1.0"));
    assert_eq!(mock.get_json(NDES_ITEM).await["id"], NDES_ID);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let mock = Mock::start().await;
    assert_eq!(mock.get(NDES_ITEM).await.status, 200);
    let url = format!("{}{NDES_ITEM}", mock.server.base_url());
    mock.server.shutdown().await;
    let fresh = reqwest::Client::builder().build().unwrap();
    assert!(fresh.get(&url).bearer_auth("t").send().await.is_err());
}

#[test]
fn every_fault_has_a_unique_name_that_parses_back_and_a_description() {
    let all = Fault::all();
    assert!(all.len() >= 37);
    let mut names: Vec<&str> = all.iter().map(|f| f.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all.len());
    for fault in all {
        assert_eq!(Fault::parse(fault.name()), Some(*fault));
        assert!(!fault.description().is_empty());
    }
    let conventions: Vec<&str> = all
        .iter()
        .filter(|f| f.is_convention())
        .map(|f| f.name())
        .collect();
    assert_eq!(
        conventions,
        [
            "no-auth",
            "unknown-id-upsert",
            "plain-error-body",
            "accept-unknown-property",
            "no-odata-type",
            "enum-case-insensitive",
            "nfc-normalizes",
            "next-link-endless",
            "delete-unknown-id-succeeds",
            "get-unknown-id-succeeds"
        ]
    );
    let faithful: Vec<&str> = all
        .iter()
        .filter(|f| f.is_faithful())
        .map(|f| f.name())
        .collect();
    assert_eq!(
        faithful,
        [
            "empty-patch-rejected",
            "long-strings-rejected",
            "gzip-unless-identity"
        ]
    );
    assert!(
        all.iter().all(|f| !(f.is_faithful() && f.is_convention())),
        "a faithful variant breaks no convention"
    );
    let labels: Vec<&str> = ["wrong-status", "no-auth", "gzip-unless-identity"]
        .iter()
        .filter_map(|n| Fault::parse(n))
        .map(|f| f.kind().label())
        .collect();
    assert_eq!(labels, ["page", "convention", "faithful"]);
    assert_eq!(Fault::parse("Wrong-Status"), None);
}

// ---------------------------------------------------------------------------------------
// Faults: each one breaks exactly its behaviour, and only under the header
// ---------------------------------------------------------------------------------------

/// GETs `path` without and with `fault`; the faulted body must be the faithful one changed
/// by `change` (and nothing else), and must (or must not) break the response schema.
async fn assert_body_fault(
    mock: &Mock,
    path: &str,
    fault: Fault,
    breaks_schema: bool,
    change: impl FnOnce(&mut Map<String, Value>),
) {
    let faithful = mock.get(path).await;
    assert_eq!(faithful.status, 200);
    let faithful = object(&faithful.json());
    let faulted = mock.call("GET", path).fault(fault).send().await;
    assert_eq!(faulted.status, 200, "{}", faulted.text());
    assert_eq!(faulted.content_type(), JSON_CONTENT_TYPE);
    let faulted = object(&faulted.json());
    let mut expected = faithful.clone();
    change(&mut expected);
    assert_ne!(expected, faithful, "the fault must change something");
    assert_eq!(faulted, expected);
    assert_eq!(
        object(&mock.get_json(path).await),
        faithful,
        "nothing stored"
    );

    let suite = suite();
    let case = suite
        .cases
        .iter()
        .find(|c| c.resource == faulted_resource(&faithful))
        .unwrap();
    let validator = suite.validator(&case.response_schema).unwrap();
    assert!(validator.is_valid(&Value::Object(faithful)));
    assert_eq!(
        !validator.is_valid(&Value::Object(faulted)),
        breaks_schema,
        "response schema verdict under {fault}"
    );
}

fn faulted_resource(body: &Map<String, Value>) -> String {
    body["@odata.type"]
        .as_str()
        .unwrap()
        .trim_start_matches("#microsoft.graph.")
        .to_string()
}

fn set(name: &'static str, value: Value) -> impl FnOnce(&mut Map<String, Value>) {
    move |body| {
        body.insert(name.to_string(), value);
    }
}

async fn patch(mock: &Mock, path: &str, body: Value, fault: Option<Fault>) -> Reply {
    let mut call = mock.call("PATCH", path).json(body);
    if let Some(fault) = fault {
        call = call.fault(fault);
    }
    call.send().await
}

#[rstest]
#[case::wrong_status(Fault::WrongStatus)]
#[case::missing_property(Fault::MissingProperty)]
#[case::enum_out_of_set(Fault::EnumOutOfSet)]
#[case::enum_wrong_case(Fault::EnumWrongCase)]
#[case::enum_null(Fault::EnumNull)]
#[case::date_without_offset(Fault::DateWithoutOffset)]
#[case::date_as_number(Fault::DateAsNumber)]
#[case::date_fraction_cut(Fault::DateFractionCut)]
#[case::wrong_odata_type(Fault::WrongOdataType)]
#[case::id_as_number(Fault::IdAsNumber)]
#[case::patch_ignored(Fault::PatchIgnored)]
#[case::patch_replaces(Fault::PatchReplaces)]
#[case::patch_resets_unsent(Fault::PatchResetsUnsent)]
#[case::accept_invalid_enum(Fault::AcceptInvalidEnum)]
#[case::accept_invalid_date(Fault::AcceptInvalidDate)]
#[case::accept_wrong_type(Fault::AcceptWrongType)]
#[case::accept_non_object(Fault::AcceptNonObject)]
#[case::accept_broken_json(Fault::AcceptBrokenJson)]
#[case::create_201_only_typed(Fault::Create201OnlyTyped)]
#[case::enum_accepts_foreign_member(Fault::EnumAcceptsForeignMember)]
#[case::array_accepted_as_string(Fault::ArrayAcceptedAsString)]
#[case::null_body_accepted(Fault::NullBodyAccepted)]
#[case::foreign_odata_type_accepted(Fault::ForeignOdataTypeAccepted)]
#[case::error_on_non_ascii(Fault::ErrorOnNonAscii)]
#[case::error_on_long_string(Fault::ErrorOnLongString)]
#[case::swap_values(Fault::SwapValues)]
#[case::wrong_content_type(Fault::WrongContentType)]
#[case::truncated_json(Fault::TruncatedJson)]
#[case::create_reuses_id(Fault::CreateReusesId)]
#[case::date_shifted(Fault::DateShifted)]
#[case::patch_drops_dates(Fault::PatchDropsDates)]
#[case::update_answers_other_object(Fault::UpdateAnswersOtherObject)]
#[case::no_auth(Fault::NoAuth)]
#[case::unknown_id_upsert(Fault::UnknownIdUpsert)]
#[case::plain_error_body(Fault::PlainErrorBody)]
#[case::accept_unknown_property(Fault::AcceptUnknownProperty)]
#[case::no_odata_type(Fault::NoOdataType)]
#[case::enum_case_insensitive(Fault::EnumCaseInsensitive)]
#[case::nfc_normalizes(Fault::NfcNormalizes)]
#[case::gzip_despite_identity(Fault::GzipDespiteIdentity)]
#[case::empty_patch_rejected(Fault::EmptyPatchRejected)]
#[case::long_strings_rejected(Fault::LongStringsRejected)]
#[case::gzip_unless_identity(Fault::GzipUnlessIdentity)]
#[tokio::test]
async fn the_fault_breaks_its_one_behaviour_only_when_selected(#[case] fault: Fault) {
    let mock = Mock::start().await;
    match fault {
        Fault::WrongStatus => {
            let body = json!({ "displayName": "Renamed" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!((faithful.status, faulted.status), (200, 202));
            assert_eq!(faulted.json(), faithful.json(), "same body");
            let created = mock.call("POST", NDES).json(json!({})).send().await;
            let faulted = mock
                .call("POST", NDES)
                .json(json!({}))
                .fault(fault)
                .send()
                .await;
            assert_eq!((created.status, faulted.status), (201, 200));
            assert!(uuid_shaped(faulted.json()["id"].as_str().unwrap()));
        }
        Fault::MissingProperty => {
            assert_body_fault(&mock, NDES_ITEM, fault, true, |body| {
                body.shift_remove("lastConnectionDateTime");
            })
            .await;
        }
        Fault::EnumOutOfSet => {
            assert_body_fault(
                &mock,
                NDES_ITEM,
                fault,
                true,
                set("state", json!("notAMember")),
            )
            .await;
        }
        Fault::EnumWrongCase => {
            assert_body_fault(&mock, NDES_ITEM, fault, true, set("state", json!("ACTIVE"))).await;
        }
        Fault::EnumNull => {
            // null is a valid unset value; what breaks is the echo of a sent enum
            assert_body_fault(&mock, NDES_ITEM, fault, false, set("state", Value::Null)).await;
        }
        Fault::DateWithoutOffset => {
            let value = json!("2017-01-01T07:58:36.6670033");
            let change = set("lastConnectionDateTime", value);
            assert_body_fault(&mock, NDES_ITEM, fault, true, change).await;
        }
        Fault::DateAsNumber => {
            let change = set("lastConnectionDateTime", json!(1_483_257_516_667_i64));
            assert_body_fault(&mock, NDES_ITEM, fault, true, change).await;
        }
        Fault::DateFractionCut => {
            let change = set("lastConnectionDateTime", json!("2017-01-01T07:58:36Z"));
            assert_body_fault(&mock, NDES_ITEM, fault, false, change).await;
        }
        Fault::WrongOdataType => {
            let change = set("@odata.type", json!("#microsoft.graph.entity"));
            assert_body_fault(&mock, NDES_ITEM, fault, true, change).await;
        }
        Fault::IdAsNumber => {
            assert_body_fault(&mock, NDES_ITEM, fault, true, set("id", json!(42))).await;
        }
        Fault::PatchIgnored => {
            let faulted = patch(
                &mock,
                NDES_ITEM,
                json!({ "displayName": "Lost" }),
                Some(fault),
            );
            let faulted = faulted.await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.json()["displayName"], "Display Name value");
            assert_eq!(
                mock.get_json(NDES_ITEM).await["displayName"],
                "Display Name value"
            );
            let invalid = patch(&mock, NDES_ITEM, json!({ "state": "bogus" }), Some(fault)).await;
            assert_eq!(invalid.status, 400, "it still validates");
            let faithful = patch(&mock, NDES_ITEM, json!({ "displayName": "Kept" }), None).await;
            assert_eq!(faithful.json()["displayName"], "Kept");
            assert_eq!(mock.get_json(NDES_ITEM).await["displayName"], "Kept");
        }
        Fault::PatchReplaces => {
            let faithful = patch(&mock, NDES_ITEM, json!({ "displayName": "One" }), None).await;
            assert_eq!(faithful.json()["state"], "active");
            assert_eq!(faithful.json()["lastConnectionDateTime"], NDES_DATE_UTC);
            let faulted = patch(
                &mock,
                NDES_ITEM,
                json!({ "displayName": "Two" }),
                Some(fault),
            );
            let faulted = faulted.await.json();
            let mut expected = object(&faithful.json());
            expected.insert("displayName".into(), json!("Two"));
            expected.insert("state".into(), json!("none"));
            expected.insert("lastConnectionDateTime".into(), Value::Null);
            assert_eq!(object(&faulted), expected);
            assert_eq!(mock.get_json(NDES_ITEM).await, faulted, "stored");
        }
        Fault::PatchResetsUnsent => {
            let faithful = patch(&mock, NDES_ITEM, json!({ "displayName": "One" }), None).await;
            let before = object(&faithful.json());
            let faulted = patch(
                &mock,
                NDES_ITEM,
                json!({ "displayName": "Two" }),
                Some(fault),
            );
            let after = object(&faulted.await.json());
            let changed: Vec<&String> = before
                .keys()
                .filter(|k| *k != "displayName" && before[*k] != after[*k])
                .collect();
            assert_eq!(changed.len(), 1, "one unsent property is reset: {after:?}");
            assert_eq!(after["displayName"], "Two", "what was sent is stored");
            assert_eq!(
                mock.get_json(NDES_ITEM).await,
                Value::Object(after),
                "stored"
            );
        }
        Fault::AcceptInvalidEnum => {
            let body = json!({ "state": "bogus" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["state"], "bogus");
            assert_eq!(mock.get_json(NDES_ITEM).await["state"], "bogus", "stored");
            let wrong_type = patch(&mock, NDES_ITEM, json!({ "displayName": 5 }), Some(fault));
            assert_eq!(
                wrong_type.await.status,
                400,
                "only enum membership is ignored"
            );
        }
        Fault::AcceptInvalidDate => {
            let body = json!({ "lastConnectionDateTime": "2024-01-01T10:00:00" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(
                faulted.json()["lastConnectionDateTime"],
                "2024-01-01T10:00:00"
            );
            let valid = json!({ "lastConnectionDateTime": "2024-01-01T10:00:00+02:00" });
            let valid = patch(&mock, NDES_ITEM, valid, Some(fault)).await;
            assert_eq!(
                valid.json()["lastConnectionDateTime"],
                "2024-01-01T08:00:00.0000000Z",
                "valid dates are still normalised"
            );
        }
        Fault::AcceptWrongType => {
            let body = json!({ "displayName": 5 });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["displayName"], 5);
            assert_eq!(mock.get_json(NDES_ITEM).await["displayName"], 5, "stored");
            let not_member = patch(&mock, NDES_ITEM, json!({ "state": "bogus" }), Some(fault));
            assert_eq!(
                not_member.await.status,
                400,
                "enum membership still checked"
            );
        }
        Fault::AcceptNonObject | Fault::AcceptBrokenJson => {
            let body = if fault == Fault::AcceptNonObject {
                "[1,2]"
            } else {
                r#"{"displayName":"#
            };
            let current = mock.get_json(NDES_ITEM).await;
            let faithful = mock.call("PATCH", NDES_ITEM).body(body).send().await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = mock
                .call("PATCH", NDES_ITEM)
                .body(body)
                .fault(fault)
                .send()
                .await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json(), current, "the current object");
            let other = if fault == Fault::AcceptNonObject {
                r#"{"displayName":"#
            } else {
                "[1,2]"
            };
            let other = mock
                .call("PATCH", NDES_ITEM)
                .body(other)
                .fault(fault)
                .send()
                .await;
            assert_eq!(other.status, 400, "the other malformation is still refused");
        }
        Fault::Create201OnlyTyped => {
            let typed = json!({ "@odata.type": "#microsoft.graph.ndesConnector" });
            let typed = mock
                .call("POST", NDES)
                .json(typed)
                .fault(fault)
                .send()
                .await;
            assert_eq!(typed.status, 201, "{}", typed.text());
            let untyped = mock.call("POST", NDES).json(json!({})).fault(fault).send();
            let untyped = untyped.await;
            assert_eq!(untyped.status, 200, "{}", untyped.text());
            assert!(uuid_shaped(untyped.json()["id"].as_str().unwrap()));
            let faithful = mock.call("POST", NDES).json(json!({})).send().await;
            assert_eq!(faithful.status, 201);
        }
        Fault::EnumAcceptsForeignMember => {
            // `error` is a member of the domain join connector's state, not of ndesConnector's
            let body = json!({ "state": "error" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(mock.get_json(NDES_ITEM).await["state"], "error", "stored");
            for other in ["bogus", "error ", ""] {
                let refused = patch(&mock, NDES_ITEM, json!({ "state": other }), Some(fault));
                assert_eq!(refused.await.status, 400, "{other:?} is no member anywhere");
            }
        }
        Fault::ArrayAcceptedAsString => {
            let body = json!({ "displayName": ["Listed", "Second"] });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["displayName"], "Listed", "the first item");
            let number = patch(&mock, NDES_ITEM, json!({ "displayName": 5 }), Some(fault));
            assert_eq!(
                number.await.status,
                400,
                "other wrong types are still refused"
            );
            let enum_array = patch(
                &mock,
                NDES_ITEM,
                json!({ "state": ["active"] }),
                Some(fault),
            );
            assert_eq!(enum_array.await.status, 400, "only plain Strings");
        }
        Fault::NullBodyAccepted => {
            let current = mock.get_json(NDES_ITEM).await;
            let faithful = mock.call("PATCH", NDES_ITEM).body("null").send().await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = mock.call("PATCH", NDES_ITEM).body("null").fault(fault);
            let faulted = faulted.send().await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json(), current, "the current object");
            let other = mock.call("PATCH", NDES_ITEM).body("true").fault(fault);
            assert_eq!(
                other.send().await.status,
                400,
                "other non-objects are refused"
            );
        }
        Fault::ForeignOdataTypeAccepted => {
            let body = json!({ "@odata.type": "#microsoft.graph.connector" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(
                faulted.json()["@odata.type"],
                "#microsoft.graph.ndesConnector"
            );
            let created = mock
                .call("POST", NDES)
                .json(json!({ "@odata.type": "#microsoft.graph.connector" }));
            assert_eq!(created.fault(fault).send().await.status, 201);
            let invented = json!({ "@odata.type": "#microsoft.graph.notARealType" });
            let invented = patch(&mock, NDES_ITEM, invented, Some(fault)).await;
            assert_eq!(
                invented.status, 400,
                "a type the suite does not know is refused"
            );
        }
        Fault::ErrorOnNonAscii => {
            let body = json!({ "displayName": "Zoë's connector" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            assert_eq!(faithful.status, 200);
            assert_eq!(faithful.json()["displayName"], "Zoë's connector");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            faulted.assert_graph_error(500, "InternalServerError");
            let ascii = patch(
                &mock,
                NDES_ITEM,
                json!({ "displayName": "Zoe" }),
                Some(fault),
            );
            assert_eq!(ascii.await.status, 200);
        }
        Fault::ErrorOnLongString => {
            let long = json!({ "displayName": "x".repeat(1025) });
            let faithful = patch(&mock, NDES_ITEM, long.clone(), None).await;
            assert_eq!(faithful.status, 200);
            assert_eq!(faithful.json()["displayName"], "x".repeat(1025));
            let faulted = patch(&mock, NDES_ITEM, long, Some(fault)).await;
            faulted.assert_graph_error(500, "InternalServerError");
            let limit = json!({ "displayName": "é".repeat(1024) });
            let limit = patch(&mock, NDES_ITEM, limit, Some(fault)).await;
            assert_eq!(limit.status, 200, "1024 characters are fine");
        }
        Fault::SwapValues => {
            assert_body_fault(&mock, CERTIFICATE_ITEM, fault, false, |body| {
                let connector = body["connectorName"].clone();
                let machine = body["machineName"].clone();
                body.insert("connectorName".into(), machine);
                body.insert("machineName".into(), connector);
            })
            .await;
            let ndes = mock.call("GET", NDES_ITEM).fault(fault).send().await.json();
            assert_eq!(
                ndes,
                mock.get_json(NDES_ITEM).await,
                "one text property: no swap"
            );
        }
        Fault::WrongContentType | Fault::TruncatedJson => {
            let faithful = mock.get(NDES_ITEM).await;
            let faulted = mock.call("GET", NDES_ITEM).fault(fault).send().await;
            assert_eq!(faulted.status, 200);
            if fault == Fault::WrongContentType {
                assert_eq!(faulted.content_type(), "text/plain; charset=utf-8");
                assert_eq!(faulted.bytes, faithful.bytes, "same body");
            } else {
                assert_eq!(faulted.content_type(), JSON_CONTENT_TYPE);
                assert_eq!(faulted.bytes, faithful.bytes[..faithful.bytes.len() / 2]);
                assert!(serde_json::from_slice::<Value>(&faulted.bytes).is_err());
            }
        }
        Fault::CreateReusesId => {
            let first = mock.call("POST", NDES).json(json!({ "displayName": "a" }));
            let first = first.fault(fault).send().await;
            let second = mock.call("POST", NDES).json(json!({ "displayName": "b" }));
            let second = second.fault(fault).send().await;
            assert_eq!((first.status, second.status), (201, 201));
            assert_eq!(first.json()["id"], REUSED_ID);
            assert_eq!(second.json()["id"], REUSED_ID);
            let stored = mock.get_json(&format!("{NDES}/{REUSED_ID}")).await;
            assert_eq!(stored["displayName"], "b", "the second overwrote the first");
            let a = mock.call("POST", NDES).json(json!({})).send().await.json();
            let b = mock.call("POST", NDES).json(json!({})).send().await.json();
            assert_ne!(a["id"], b["id"]);
            assert_ne!(a["id"], REUSED_ID);
        }
        Fault::DateShifted => {
            let change = set(
                "lastConnectionDateTime",
                json!("2017-01-01T08:58:36.6670033Z"),
            );
            assert_body_fault(&mock, NDES_ITEM, fault, false, change).await;
        }
        Fault::PatchDropsDates => {
            let body = json!({
                "lastConnectionDateTime": "2024-01-01T10:00:00+02:00",
                "displayName": "Dated"
            });
            let faulted = patch(&mock, NDES_ITEM, body.clone(), Some(fault))
                .await
                .json();
            assert_eq!(faulted["displayName"], "Dated");
            assert_eq!(faulted["lastConnectionDateTime"], NDES_DATE_UTC);
            let faithful = patch(&mock, NDES_ITEM, body, None).await.json();
            assert_eq!(
                faithful["lastConnectionDateTime"],
                "2024-01-01T08:00:00.0000000Z"
            );
        }
        Fault::UpdateAnswersOtherObject => {
            let body = json!({ "displayName": "Elsewhere" });
            let faulted = patch(&mock, NDES_ITEM, body.clone(), Some(fault))
                .await
                .json();
            assert_eq!(faulted["displayName"], "Elsewhere");
            assert_ne!(faulted["id"], NDES_ID);
            let faithful = patch(&mock, NDES_ITEM, body, None).await.json();
            assert_eq!(faithful["id"], NDES_ID);
        }
        Fault::NoAuth => {
            let anonymous = mock.call("GET", NDES_ITEM).authorization(None);
            anonymous
                .send()
                .await
                .assert_graph_error(401, "InvalidAuthenticationToken");
            let faulted = mock.call("GET", NDES_ITEM).authorization(None).fault(fault);
            let faulted = faulted.send().await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.json(), mock.get_json(NDES_ITEM).await);
        }
        Fault::UnknownIdUpsert => {
            let body = json!({ "displayName": "Upserted" });
            let faithful = patch(&mock, UNKNOWN_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(404, "ResourceNotFound");
            let faulted = patch(&mock, UNKNOWN_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            let created = faulted.json();
            assert_eq!(created["displayName"], "Upserted");
            assert_eq!(created["id"], "00000000-dead-beef-0000-000000000000");
            assert_eq!(created["state"], "none");
            assert_eq!(mock.get_json(UNKNOWN_ITEM).await, created);
        }
        Fault::PlainErrorBody => {
            mock.get(UNKNOWN_ITEM)
                .await
                .assert_graph_error(404, "ResourceNotFound");
            let cases = [
                (mock.call("GET", UNKNOWN_ITEM), 404, "Not Found"),
                (
                    mock.call("PATCH", NDES_ITEM).body("[1]"),
                    400,
                    "Bad Request",
                ),
                (
                    mock.call("GET", NDES_ITEM).authorization(None),
                    401,
                    "Unauthorized",
                ),
                (mock.call("DELETE", NDES_ITEM), 405, "Method Not Allowed"),
            ];
            for (call, status, text) in cases {
                let reply = call.fault(fault).send().await;
                assert_eq!(reply.status, status);
                assert_eq!(reply.content_type(), "text/plain; charset=utf-8");
                assert_eq!(reply.text(), text);
            }
            let success = mock.call("GET", NDES_ITEM).fault(fault).send().await;
            assert_eq!(
                success.content_type(),
                JSON_CONTENT_TYPE,
                "successes untouched"
            );
        }
        Fault::AcceptUnknownProperty => {
            let body = json!({ "colour": "red" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["colour"], "red");
            assert_eq!(mock.get_json(NDES_ITEM).await["colour"], "red", "stored");
            let bad_enum = patch(&mock, NDES_ITEM, json!({ "state": "bogus" }), Some(fault));
            assert_eq!(
                bad_enum.await.status,
                400,
                "listed properties still checked"
            );
        }
        Fault::NoOdataType => {
            assert_body_fault(&mock, NDES_ITEM, fault, false, |body| {
                body.shift_remove("@odata.type");
            })
            .await;
            let created = mock
                .call("POST", NDES)
                .json(json!({}))
                .fault(fault)
                .send()
                .await;
            assert!(created.json().get("@odata.type").is_none());
        }
        Fault::EnumCaseInsensitive => {
            let body = json!({ "state": "Active" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            faithful.assert_graph_error(400, "BadRequest");
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["state"], "active", "the member is stored");
            assert_eq!(mock.get_json(NDES_ITEM).await["state"], "active");
            let bogus = patch(&mock, NDES_ITEM, json!({ "state": "bogus" }), Some(fault));
            assert_eq!(
                bogus.await.status,
                400,
                "only the letter case is overlooked"
            );
        }
        Fault::NfcNormalizes => {
            let body = json!({ "displayName": "Zoe\u{308}" });
            let faithful = patch(&mock, NDES_ITEM, body.clone(), None).await;
            assert_eq!(
                faithful.json()["displayName"],
                "Zoe\u{308}",
                "stored as sent"
            );
            let faulted = patch(&mock, NDES_ITEM, body, Some(fault)).await;
            assert_eq!(faulted.status, 200, "{}", faulted.text());
            assert_eq!(faulted.json()["displayName"], "Zo\u{eb}");
            assert_eq!(mock.get_json(NDES_ITEM).await["displayName"], "Zo\u{eb}");
        }
        Fault::GzipDespiteIdentity => {
            let identity = |path| mock.call("GET", path).header("accept-encoding", "identity");
            let faithful = identity(NDES_ITEM).send().await;
            assert_eq!(faithful.coding(), None);
            let faulted = identity(NDES_ITEM).fault(fault).send().await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.coding(), Some("gzip"));
            assert_eq!(
                gunzip_stored(&faulted.bytes),
                faithful.bytes,
                "the same body, coded"
            );
            let error = identity(UNKNOWN_ITEM).fault(fault).send().await;
            error.assert_graph_error(404, "ResourceNotFound");
            assert_eq!(error.coding(), None, "only success bodies are coded");
        }
        Fault::EmptyPatchRejected => {
            let faithful = patch(&mock, NDES_ITEM, json!({}), None).await;
            assert_eq!(faithful.status, 200, "{}", faithful.text());
            let faulted = patch(&mock, NDES_ITEM, json!({}), Some(fault)).await;
            faulted.assert_graph_error(400, "BadRequest");
            let renamed = json!({ "displayName": "Renamed" });
            let renamed = patch(&mock, NDES_ITEM, renamed, Some(fault)).await;
            assert_eq!(renamed.status, 200, "only a PATCH of nothing is refused");
        }
        Fault::LongStringsRejected => {
            let long = json!({ "displayName": "x".repeat(1025) });
            let faithful = patch(&mock, NDES_ITEM, long.clone(), None).await;
            assert_eq!(faithful.status, 200);
            let faulted = patch(&mock, NDES_ITEM, long, Some(fault)).await;
            faulted.assert_graph_error(400, "BadRequest");
            let longest = json!({ "displayName": "x".repeat(1024) });
            let longest = patch(&mock, NDES_ITEM, longest, Some(fault)).await;
            assert_eq!(longest.status, 200, "1,024 characters are stored");
            assert_eq!(longest.json()["displayName"], "x".repeat(1024));
        }
        Fault::GzipUnlessIdentity => {
            let faithful = mock.get(NDES_ITEM).await;
            assert_eq!(faithful.coding(), None);
            for accept in [None, Some("gzip"), Some("*"), Some("br, gzip;q=0.5")] {
                let mut call = mock.call("GET", NDES_ITEM).fault(fault);
                if let Some(accept) = accept {
                    call = call.header("accept-encoding", accept);
                }
                let coded = call.send().await;
                assert_eq!(coded.coding(), Some("gzip"), "{accept:?}");
                assert_eq!(gunzip_stored(&coded.bytes), faithful.bytes);
            }
            let error = mock.call("GET", UNKNOWN_ITEM).fault(fault).send().await;
            assert_eq!(error.coding(), Some("gzip"), "error bodies too");
            for refused in ["identity", "gzip;q=0", ""] {
                let call = mock.call("GET", NDES_ITEM).fault(fault);
                let plain = call.header("accept-encoding", refused).send().await;
                assert_eq!(plain.coding(), None, "{refused:?}");
                assert_eq!(plain.bytes, faithful.bytes);
            }
        }
        other => unreachable!("{other} breaks a kind this suite has not: tests/mock_kinds.rs"),
    }
}

/// Reads back a gzip member made of stored deflate blocks (what the mock writes), checking
/// its trailer's length; the CRC is the mock's unit tests' business.
fn gunzip_stored(stream: &[u8]) -> Vec<u8> {
    assert_eq!(&stream[..4], &[0x1f, 0x8b, 8, 0], "a gzip member");
    let mut at = 10;
    let mut data = Vec::new();
    loop {
        let header = stream[at];
        assert_eq!(header >> 1, 0, "a stored block");
        let len = usize::from(u16::from_le_bytes([stream[at + 1], stream[at + 2]]));
        data.extend_from_slice(&stream[at + 5..at + 5 + len]);
        at += 5 + len;
        if header & 1 == 1 {
            break;
        }
    }
    let size = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap());
    assert_eq!(usize::try_from(size).unwrap(), data.len());
    data
}
