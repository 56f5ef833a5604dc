//! The reference mock serves every kind of operation the way Graph documents it, generically
//! from the suite derived from `tests/fixtures/kinds` (a `gadget` resource, one page per
//! kind), and each fault of these kinds breaks exactly its one behaviour, only when selected.
//!
//! Paths, statuses, example ids and result schemas are read from the derived case files.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::emit::SuiteFiles;
use graph_conformance::mock::{DEFAULT_PAGE_SIZE, FAULT_HEADER, Fault, MockConfig, MockServer};
use graph_conformance::model::{RequestBody, ResponseBody};
use graph_conformance::path_template::PathTemplate;
use graph_conformance::suite::Suite;
use rstest::rstest;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// An id no object of the fixture has.
const UNKNOWN_ID: &str = "00000000-dead-beef-0000-000000000000";

/// The suite derived from the fixture pages.
fn suite() -> Arc<Suite> {
    edited_suite(&[])
}

/// The suite derived from the fixture pages, with `edits` (page, from, to) applied.
fn edited_suite(edits: &[(&str, &str, &str)]) -> Arc<Suite> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = collect_pages(&[root.join("tests/fixtures/kinds")]).expect("the fixture pages");
    for (name, from, to) in edits {
        let page = pages.iter_mut().find(|p| p.name.ends_with(name)).unwrap();
        assert!(page.text.contains(from), "{name} holds no {from:?}");
        page.text = page.text.replace(from, to);
    }
    let files = SuiteFiles::render(&derive(&pages)).files;
    Arc::new(Suite::from_files(&files).expect("the derived suite loads"))
}

/// A running mock of the fixture suite, a client, and the suite's facts.
struct Mock {
    server: MockServer,
    client: reqwest::Client,
    suite: Arc<Suite>,
}

/// What came back.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
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

    /// Asserts a Graph error of `status`.
    fn assert_error(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.text());
        let body = self.json();
        assert!(body["error"]["code"].is_string(), "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
}

/// One request to send.
struct Call<'a> {
    mock: &'a Mock,
    method: &'a str,
    url: String,
    body: Option<Vec<u8>>,
    faults: Vec<Fault>,
    headers: Vec<(&'static str, String)>,
    token: bool,
}

impl Call<'_> {
    fn json(mut self, body: Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }

    fn raw(mut self, body: &str) -> Self {
        self.body = Some(body.as_bytes().to_vec());
        self
    }

    fn fault(mut self, fault: Option<Fault>) -> Self {
        self.faults.extend(fault);
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn without_token(mut self) -> Self {
        self.token = false;
        self
    }

    async fn send(self) -> Reply {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut request = self.mock.client.request(method, &self.url);
        if self.token {
            request = request.bearer_auth("test-token");
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

impl Mock {
    async fn start() -> Mock {
        Mock::with(MockConfig::default()).await
    }

    async fn with(config: MockConfig) -> Mock {
        Mock::serving(suite(), config).await
    }

    async fn serving(suite: Arc<Suite>, config: MockConfig) -> Mock {
        let mock = Mock::serving_any(suite, config).await;
        let left_out = mock.server.left_out();
        assert!(left_out.is_empty(), "{left_out:?}");
        mock
    }

    /// Serves `suite`, some of whose operations may be left out.
    async fn serving_any(suite: Arc<Suite>, config: MockConfig) -> Mock {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let addr = "127.0.0.1:0".parse().unwrap();
        let server = MockServer::start(Arc::clone(&suite), config, addr)
            .await
            .expect("the mock starts");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Mock {
            server,
            client,
            suite,
        }
    }

    /// Returns the case file of `id`'s path template.
    fn template(&self, id: &str) -> PathTemplate {
        PathTemplate::parse(&self.case(id).path)
    }

    fn case(&self, id: &str) -> &graph_conformance::case::CaseFile {
        self.suite
            .case(id)
            .unwrap_or_else(|| panic!("no case file {id}"))
    }

    /// Returns the documented success status of `id`.
    fn status(&self, id: &str) -> u16 {
        self.case(id).status.code
    }

    /// Returns `id`'s path with `values` in its placeholders.
    fn path(&self, id: &str, values: &[&str]) -> String {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        self.template(id).render(&values)
    }

    /// Returns the id of the object the get page's example answers (a preloaded one).
    fn example_id(&self) -> String {
        let example = &self.case("get-gadget").examples[0];
        let body = example.response.as_ref().and_then(|r| r.body.as_ref());
        body.and_then(|b| b["id"].as_str())
            .expect("the example has an id")
            .to_string()
    }

    fn call<'a>(&'a self, method: &'a str, path: &str) -> Call<'a> {
        self.call_url(method, format!("{}{path}", self.server.base_url()))
    }

    fn call_url<'a>(&'a self, method: &'a str, url: String) -> Call<'a> {
        Call {
            mock: self,
            method,
            url,
            body: None,
            faults: Vec::new(),
            headers: Vec::new(),
            token: true,
        }
    }

    async fn get(&self, path: &str, fault: Option<Fault>) -> Reply {
        self.call("GET", path).fault(fault).send().await
    }

    /// GETs the item `id` of the collection.
    async fn item(&self, id: &str, fault: Option<Fault>) -> Reply {
        self.get(&self.path("get-gadget", &[id]), fault).await
    }

    /// Creates a gadget from `body`; returns its id.
    async fn create(&self, body: Value) -> String {
        let reply = self
            .call("POST", &self.path("create-gadget", &[]))
            .json(body)
            .send()
            .await;
        assert_eq!(
            reply.status,
            self.status("create-gadget"),
            "{}",
            reply.text()
        );
        reply.json()["id"].as_str().expect("an id").to_string()
    }

    /// Creates gadgets named `names`; returns their ids.
    async fn create_named(&self, names: &[&str]) -> Vec<String> {
        let mut ids = Vec::new();
        for name in names {
            ids.push(self.create(json!({ "displayName": name })).await);
        }
        ids
    }

    /// Lists the collection with `query`, following nextLinks (at most 20 pages); returns
    /// every page's body.
    async fn pages(&self, query: &str, fault: Option<Fault>) -> Vec<Value> {
        self.pages_of(&self.path("list-gadget", &[]), query, fault)
            .await
    }

    async fn pages_of(&self, path: &str, query: &str, fault: Option<Fault>) -> Vec<Value> {
        let mut url = format!("{}{path}{query}", self.server.base_url());
        let mut pages = Vec::new();
        for _ in 0..20 {
            let reply = self.call_url("GET", url.clone()).fault(fault).send().await;
            assert_eq!(reply.status, 200, "{url}: {}", reply.text());
            let body = reply.json();
            pages.push(body.clone());
            match body["@odata.nextLink"].as_str() {
                Some(next) if next.starts_with(&self.origin()) => url = next.to_string(),
                _ => break,
            }
        }
        pages
    }

    /// Returns the origin of the mock (`http://127.0.0.1:PORT`).
    fn origin(&self) -> String {
        let base = self.server.base_url();
        base.strip_suffix("/beta").unwrap_or(&base).to_string()
    }

    /// Returns the items of every page, in order.
    async fn listed(&self, query: &str, fault: Option<Fault>) -> Vec<Value> {
        items(&self.pages(query, fault).await)
    }

    /// Sends the action of the fixture to `id` with `body`.
    async fn act(&self, id: &str, body: Value, fault: Option<Fault>) -> Reply {
        let path = self.path("action-gadget-recalibrate", &[id]);
        self.call("POST", &path)
            .json(body)
            .fault(fault)
            .send()
            .await
    }

    /// Calls the function of the fixture on `id`.
    async fn function(&self, id: &str, fault: Option<Fault>) -> Reply {
        let path = self.path("function-gadget-usage", &[id, "D7"]);
        self.get(&path, fault).await
    }

    /// The `$ref` navigation of `id` (add and list).
    fn references(&self, id: &str) -> String {
        self.path("add-ref-gadget-owners", &[id])
    }

    async fn add_reference(&self, id: &str, body: Value, fault: Option<Fault>) -> Reply {
        let path = self.references(id);
        self.call("POST", &path)
            .json(body)
            .fault(fault)
            .send()
            .await
    }

    async fn remove_reference(&self, id: &str, owner: &str, fault: Option<Fault>) -> Reply {
        let path = self.path("remove-ref-gadget-owners", &[id, owner]);
        self.call("DELETE", &path).fault(fault).send().await
    }

    /// Returns the `@odata.id`s the navigation of `id` lists, every page.
    async fn referenced(&self, id: &str, fault: Option<Fault>) -> Vec<Value> {
        let path = self.path("list-ref-gadget-owners", &[id]);
        items(&self.pages_of(&path, "", fault).await)
    }
}

/// Returns the items of every page, in order.
fn items(pages: &[Value]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Returns the ids of `items`.
fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

/// An absolute URL of a directory object, as a `$ref` body names it.
fn owner(id: &str) -> Value {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
}

// ---------------------------------------------------------------------------------------
// Faithful behaviour, per kind
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn get_answers_the_stored_object_with_its_documented_status_and_annotations() {
    let mock = Mock::start().await;
    let id = mock.example_id();
    let reply = mock.item(&id, None).await;
    assert_eq!(reply.status, mock.status("get-gadget"));
    let body = reply.json();
    assert_eq!(body["id"], id);
    assert_eq!(body["@odata.type"], "#microsoft.graph.gadget");
    assert!(
        body["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("$metadata#gadgets/$entity")),
        "{body}"
    );
    let validator = mock
        .suite
        .validator(&mock.case("get-gadget").response_schema)
        .unwrap();
    assert!(validator.is_valid(&body), "{body}");
}

#[rstest]
#[case::get("GET", "get-gadget")]
#[case::replace("PUT", "replace-gadget")]
#[case::delete("DELETE", "delete-gadget")]
#[case::action("POST", "action-gadget-recalibrate")]
#[tokio::test]
async fn an_unknown_id_is_a_graph_404(#[case] method: &str, #[case] case: &str) {
    let mock = Mock::start().await;
    let path = mock.path(case, &[UNKNOWN_ID]);
    let reply = mock.call(method, &path).json(json!({})).send().await;
    reply.assert_error(404);
}

#[tokio::test]
async fn a_function_of_an_unknown_id_is_a_graph_404() {
    let mock = Mock::start().await;
    mock.function(UNKNOWN_ID, None).await.assert_error(404);
}

#[rstest]
#[case::get("GET", "get-gadget")]
#[case::list("GET", "list-gadget")]
#[case::replace("PUT", "replace-gadget")]
#[case::delete("DELETE", "delete-gadget")]
#[case::action("POST", "action-gadget-recalibrate")]
#[case::function("GET", "function-gadget-usage")]
#[case::add_reference("POST", "add-ref-gadget-owners")]
#[case::list_references("GET", "list-ref-gadget-owners")]
#[case::remove_reference("DELETE", "remove-ref-gadget-owners")]
#[tokio::test]
async fn every_kind_needs_a_bearer_token(#[case] method: &str, #[case] case: &str) {
    let mock = Mock::start().await;
    let id = mock.example_id();
    let path = mock.path(case, &[&id, "x"]);
    let reply = mock.call(method, &path).without_token().send().await;
    reply.assert_error(401);
}

#[tokio::test]
async fn the_list_example_items_are_preloaded_into_their_collection() {
    let mock = Mock::start().await;
    let example = &mock.case("list-gadget").examples[0];
    let body = example.response.as_ref().and_then(|r| r.body.as_ref());
    let documented = ids(body.unwrap()["value"].as_array().unwrap());
    assert!(!documented.is_empty());
    let listed = ids(&mock.listed("", None).await);
    assert_eq!(listed, documented);
}

#[tokio::test]
async fn a_list_example_item_without_an_id_is_preloaded_with_one_the_same_at_every_start() {
    // pages often show a collection's objects without their ids
    let mut suite: Suite = (*suite()).clone();
    let case = suite
        .cases
        .iter_mut()
        .find(|c| c.id == "list-gadget")
        .unwrap();
    let body = case.examples[0]
        .response
        .as_mut()
        .unwrap()
        .body
        .as_mut()
        .unwrap();
    let documented = body["value"].as_array().unwrap().len();
    for item in body["value"].as_array_mut().unwrap() {
        item.as_object_mut().unwrap().remove("id");
    }
    let suite = Arc::new(suite);
    let original: BTreeSet<String> = ids(&Mock::start().await.listed("", None).await)
        .into_iter()
        .collect();
    let first = Mock::serving(Arc::clone(&suite), MockConfig::default()).await;
    let listed = ids(&first.listed("", None).await);
    let given: Vec<&String> = listed.iter().filter(|id| !original.contains(*id)).collect();
    assert_eq!(given.len(), documented, "{listed:?}");
    let again = Mock::serving(suite, MockConfig::default()).await;
    assert_eq!(ids(&again.listed("", None).await), listed);
    let id = given[0];
    let path = first.path("get-gadget", &[id]);
    let reply = first.call("GET", &path).send().await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn paging_through_next_links_to_the_end_gives_every_item_once() {
    let mock = Mock::start().await;
    let mut expected = ids(&mock.listed("", None).await);
    expected.extend(mock.create_named(&["a", "b", "c", "d"]).await);
    let pages = mock.pages("", None).await;
    assert_eq!(ids(&items(&pages)), expected, "insertion order, each once");
    assert_eq!(pages.len(), expected.len().div_ceil(DEFAULT_PAGE_SIZE));
    for page in &pages[..pages.len() - 1] {
        assert_eq!(page["value"].as_array().unwrap().len(), DEFAULT_PAGE_SIZE);
        let next = page["@odata.nextLink"].as_str().unwrap();
        let first = format!(
            "{}{}?",
            mock.server.base_url(),
            mock.path("list-gadget", &[])
        );
        assert!(next.starts_with(&first), "{next}");
        assert!(next.contains("$skiptoken="), "{next}");
    }
    assert!(pages.last().unwrap().get("@odata.nextLink").is_none());
    assert!(
        pages[0]["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("$metadata#gadgets"))
    );
}

#[tokio::test]
async fn a_next_link_is_on_the_origin_the_request_came_to() {
    let mock = Mock::start().await;
    mock.create_named(&["a", "b"]).await;
    let reply = mock
        .call("GET", &mock.path("list-gadget", &[]))
        .header("host", "graph.example:8443")
        .send()
        .await;
    let next = reply.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = format!(
        "http://graph.example:8443/beta{}?$skiptoken=",
        mock.path("list-gadget", &[])
    );
    assert!(next.starts_with(&expected), "{next}");
}

#[tokio::test]
async fn the_page_size_is_configurable() {
    let config = MockConfig {
        page_size: 1000,
        ..MockConfig::default()
    };
    let mock = Mock::with(config).await;
    mock.create_named(&["a", "b", "c"]).await;
    let pages = mock.pages("", None).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(items(&pages).len(), 4);
}

#[tokio::test]
async fn top_caps_the_items_in_total_across_pages() {
    let mock = Mock::start().await;
    mock.create_named(&["a", "b", "c", "d"]).await;
    let all = ids(&mock.listed("", None).await);
    let pages = mock.pages("?$top=3", None).await;
    assert_eq!(ids(&items(&pages)), all[..3]);
    assert!(
        pages
            .iter()
            .all(|p| p["value"].as_array().unwrap().len() <= 3)
    );
    assert!(
        pages[0]["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$top=3")
    );
    assert!(mock.listed("?$top=0", None).await.is_empty());
}

#[tokio::test]
async fn select_keeps_the_selected_properties_the_id_and_the_annotations() {
    let mock = Mock::start().await;
    let id = mock
        .create(json!({ "displayName": "Sel", "mode": "busy" }))
        .await;
    let listed = mock.listed("?$select=mode", None).await;
    for item in &listed {
        let keys: BTreeSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(keys.contains("id") && keys.contains("mode"), "{item}");
        assert!(!keys.contains("displayName"), "{item}");
        assert!(
            keys.iter()
                .all(|k| ["id", "mode"].contains(k) || k.starts_with("@odata."))
        );
    }
    let path = format!("{}?$select=displayName", mock.path("get-gadget", &[&id]));
    let body = mock.get(&path, None).await.json();
    assert_eq!(body["displayName"], "Sel");
    assert_eq!(body["id"], id.as_str());
    assert!(body.get("mode").is_none(), "{body}");
    assert!(body.get("@odata.context").is_some());
}

#[rstest]
#[case::text("displayName eq 'O''Neil'", &["O'Neil"])]
#[case::percent_encoded("displayName%20eq%20%27plain%27", &["plain"])]
#[case::plus_as_space("displayName+eq+'plain'", &["plain"])]
#[case::an_enum_member("mode eq 'busy'", &["busy one"])]
#[case::null("firstSeen eq null", &["O'Neil", "plain", "busy one"])]
#[case::nothing_matches("displayName eq 'none'", &[])]
#[tokio::test]
async fn filter_keeps_the_items_whose_property_equals_the_literal(
    #[case] filter: &str,
    #[case] names: &[&str],
) {
    let mock = Mock::start().await;
    let created = mock.create_named(&["O'Neil", "plain"]).await;
    let busy = mock
        .create(json!({ "displayName": "busy one", "mode": "busy" }))
        .await;
    let listed = mock.listed(&format!("?$filter={filter}"), None).await;
    let listed_names: Vec<&str> = listed
        .iter()
        .filter(|i| created.iter().chain([&busy]).any(|c| i["id"] == c.as_str()))
        .filter_map(|i| i["displayName"].as_str())
        .collect();
    assert_eq!(listed_names, names);
}

#[rstest]
#[case::another_operator("displayName ne 'x'")]
#[case::a_function("startswith(displayName,'x')")]
#[case::two_clauses("displayName eq 'a' and mode eq 'idle'")]
#[case::an_unquoted_word("displayName eq plain")]
#[tokio::test]
async fn another_filter_is_a_graph_400(#[case] filter: &str) {
    let mock = Mock::start().await;
    let path = format!("{}?$filter={filter}", mock.path("list-gadget", &[]));
    mock.get(&path, None).await.assert_error(400);
}

#[tokio::test]
async fn count_is_the_number_of_matching_items_on_every_page() {
    let mock = Mock::start().await;
    mock.create_named(&["x", "x", "x", "y"]).await;
    let pages = mock
        .pages("?$count=true&$filter=displayName eq 'x'", None)
        .await;
    assert_eq!(pages.len(), 2);
    assert!(pages.iter().all(|p| p["@odata.count"] == 3), "{pages:?}");
    let plain = mock.pages("", None).await;
    assert!(plain.iter().all(|p| p.get("@odata.count").is_none()));
}

#[tokio::test]
async fn ignored_query_options_are_accepted() {
    let mock = Mock::start().await;
    let all = mock.listed("", None).await;
    let query = "?$skip=1&$orderby=displayName&$search=%22x%22&$expand=owners";
    assert_eq!(mock.listed(query, None).await, all);
}

#[tokio::test]
async fn replace_stores_the_body_as_the_whole_object() {
    let mock = Mock::start().await;
    let id = mock
        .create(json!({ "displayName": "Old", "mode": "busy" }))
        .await;
    let path = mock.path("replace-gadget", &[&id]);
    let reply = mock
        .call("PUT", &path)
        .json(json!({ "displayName": "New" }))
        .send()
        .await;
    assert_eq!(
        reply.status,
        mock.status("replace-gadget"),
        "{}",
        reply.text()
    );
    let fresh = mock.create(json!({})).await;
    let defaults = mock.item(&fresh, None).await.json();
    let stored = mock.item(&id, None).await.json();
    assert_eq!(stored["id"], id.as_str(), "the key is kept");
    assert_eq!(stored["displayName"], "New");
    assert_eq!(
        stored["mode"], defaults["mode"],
        "unsent: back to its default"
    );
    assert_eq!(reply.json()["mode"], defaults["mode"]);
}

#[tokio::test]
async fn a_replace_documented_as_201_created_creates_what_an_unknown_id_addresses() {
    let suite = edited_suite(&[("replace-gadget.md", "`200 OK`", "`201 Created`")]);
    let mock = Mock::serving(suite, MockConfig::default()).await;
    let path = mock.path("replace-gadget", &[UNKNOWN_ID]);
    let body = json!({ "displayName": "Made by PUT" });
    let reply = mock.call("PUT", &path).json(body).send().await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let stored = mock.item(UNKNOWN_ID, None).await;
    assert_eq!(stored.status, 200, "{}", stored.text());
    assert_eq!(stored.json()["displayName"], "Made by PUT");
}

#[tokio::test]
async fn replace_with_an_invalid_body_is_a_graph_400() {
    let mock = Mock::start().await;
    let id = mock.example_id();
    let path = mock.path("replace-gadget", &[&id]);
    let reply = mock
        .call("PUT", &path)
        .json(json!({ "mode": "notAMember" }))
        .send()
        .await;
    reply.assert_error(400);
}

#[tokio::test]
async fn delete_removes_the_object_from_get_and_from_lists() {
    let mock = Mock::start().await;
    let id = mock.create(json!({ "displayName": "Gone" })).await;
    let path = mock.path("delete-gadget", &[&id]);
    let reply = mock.call("DELETE", &path).send().await;
    assert_eq!(reply.status, mock.status("delete-gadget"));
    assert!(reply.bytes.is_empty());
    mock.item(&id, None).await.assert_error(404);
    assert!(!ids(&mock.listed("", None).await).contains(&id));
    mock.call("DELETE", &path).send().await.assert_error(404);
}

#[tokio::test]
async fn an_action_with_valid_parameters_answers_its_documented_status() {
    let mock = Mock::start().await;
    let id = mock.example_id();
    let reply = mock
        .act(&id, json!({ "precision": 3, "reason": "drift" }), None)
        .await;
    assert_eq!(reply.status, mock.status("action-gadget-recalibrate"));
    assert!(reply.bytes.is_empty());
    let none = mock.act(&id, json!({}), None).await;
    assert_eq!(
        none.status,
        mock.status("action-gadget-recalibrate"),
        "no parameter is required"
    );
}

#[rstest]
#[case::an_unknown_parameter(r#"{"precision": 3, "colour": "red"}"#)]
#[case::a_wrong_type(r#"{"precision": "three"}"#)]
#[case::out_of_its_range(r#"{"precision": 4294967296}"#)]
#[case::not_an_object("[1, 2]")]
#[case::not_json("{precision")]
#[case::no_body("")]
#[tokio::test]
async fn an_action_with_bad_parameters_is_a_graph_400(#[case] body: &str) {
    let mock = Mock::start().await;
    let path = mock.path("action-gadget-recalibrate", &[&mock.example_id()]);
    let reply = mock.call("POST", &path).raw(body).send().await;
    reply.assert_error(400);
}

#[tokio::test]
async fn a_function_answers_a_result_valid_under_its_result_schema() {
    let mock = Mock::start().await;
    let reply = mock.function(&mock.example_id(), None).await;
    assert_eq!(reply.status, mock.status("function-gadget-usage"));
    let schema = mock
        .case("function-gadget-usage")
        .result_schema
        .clone()
        .unwrap();
    let validator = mock.suite.validator_of(&schema).unwrap();
    let body = reply.json();
    assert!(validator.is_valid(&body), "{body}");
    assert!(body["value"].is_number(), "{body}");
}

#[tokio::test]
async fn a_function_documented_302_redirects_on_the_same_origin_without_a_body() {
    let page = "gadget-usage.md";
    let suite = edited_suite(&[
        (
            page,
            "returns a `200 OK` response code and an Int32 in the response body.",
            "returns a `302 Found` response code.",
        ),
        (page, "HTTP/1.1 200 OK", "HTTP/1.1 302 Found"),
        (page, "\n{\n  \"value\": 12\n}\n", "\n"),
    ]);
    let mock = Mock::serving(suite, MockConfig::default()).await;
    assert_eq!(mock.status("function-gadget-usage"), 302);
    let reply = mock.function(&mock.example_id(), None).await;
    assert_eq!(reply.status, 302, "{}", reply.text());
    assert!(reply.bytes.is_empty());
    let location = reply.header("location").expect("a Location");
    assert!(
        location.starts_with(&format!("{}/", mock.origin())),
        "{location}"
    );
}

#[tokio::test]
async fn a_get_documented_302_redirects_on_the_same_origin_without_a_body() {
    let page = "get-gadget.md";
    let suite = edited_suite(&[
        (
            page,
            "returns a `200 OK` response code and",
            "returns a `302 Found` response code and",
        ),
        (page, "HTTP/1.1 200 OK", "HTTP/1.1 302 Found"),
    ]);
    let mock = Mock::serving(suite, MockConfig::default()).await;
    assert_eq!(mock.status("get-gadget"), 302);
    let reply = mock.item(&mock.example_id(), None).await;
    assert_eq!(reply.status, 302, "{}", reply.text());
    assert!(reply.bytes.is_empty());
    let location = reply.header("location").expect("a Location");
    assert!(
        location.starts_with(&format!("{}/", mock.origin())),
        "{location}"
    );
}

/// The fixture suite with the get and replace pages moved to the gadget's raw content
/// (`GET`/`PUT .../content`, a stream each way).
fn suite_with_content() -> Arc<Suite> {
    let mut suite = (*suite()).clone();
    for case in &mut suite.cases {
        match case.id.as_str() {
            "get-gadget" => case.response = ResponseBody::Stream,
            "replace-gadget" => case.request_body = RequestBody::Stream,
            _ => continue,
        }
        case.path = format!("{}/content", case.path);
    }
    Arc::new(suite)
}

#[tokio::test]
async fn raw_content_put_is_answered_by_get_as_octet_stream() {
    let mock = Mock::serving(suite_with_content(), MockConfig::default()).await;
    let id = mock.example_id();
    let path = mock.path("get-gadget", &[&id]);
    let empty = mock.get(&path, None).await;
    assert_eq!(empty.status, mock.status("get-gadget"));
    let put = mock.call("PUT", &path).raw("not JSON \u{1}").send().await;
    assert_eq!(put.status, mock.status("replace-gadget"), "{}", put.text());
    let reply = mock.get(&path, None).await;
    assert_eq!(reply.status, mock.status("get-gadget"));
    assert_eq!(
        reply.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(reply.bytes, "not JSON \u{1}".as_bytes());
}

#[tokio::test]
async fn an_operation_whose_parameters_do_not_compile_is_left_out_with_its_reason() {
    let mut suite = (*suite()).clone();
    let action = suite
        .cases
        .iter_mut()
        .find(|c| c.id == "action-gadget-recalibrate")
        .unwrap();
    let dangling = "https://graph-conformance.invalid/schemas/missing.json#/nowhere";
    action.parameters_schema = Some(json!({ "$ref": dangling }));
    let mock = Mock::serving_any(Arc::new(suite), MockConfig::default()).await;
    let left_out = mock.server.left_out();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0].operation, "action-gadget-recalibrate");
    assert!(
        left_out[0].reason.contains("parameters"),
        "{}",
        left_out[0].reason
    );
    let reply = mock.act(&mock.example_id(), json!({}), None).await;
    reply.assert_error(404);
    assert!(
        reply.text().contains("Resource not found for the path"),
        "an unknown route"
    );
    assert_eq!(
        mock.item(&mock.example_id(), None).await.status,
        200,
        "the rest is served"
    );
}

#[tokio::test]
async fn lists_are_json_with_the_graph_content_type() {
    let mock = Mock::start().await;
    let reply = mock.get(&mock.path("list-gadget", &[]), None).await;
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
}

#[tokio::test]
async fn references_are_added_listed_and_removed() {
    let mock = Mock::start().await;
    let id = mock.example_id();
    for owner_id in ["51ab", "62cd"] {
        let reply = mock.add_reference(&id, owner(owner_id), None).await;
        assert_eq!(
            reply.status,
            mock.status("add-ref-gadget-owners"),
            "{}",
            reply.text()
        );
    }
    let listed = mock.referenced(&id, None).await;
    assert_eq!(listed, [owner("51ab"), owner("62cd")]);
    let reply = mock.remove_reference(&id, "51AB", None).await;
    assert_eq!(reply.status, mock.status("remove-ref-gadget-owners"));
    assert_eq!(mock.referenced(&id, None).await, [owner("62cd")]);
    mock.remove_reference(&id, "51ab", None)
        .await
        .assert_error(404);
    let other = mock.create(json!({})).await;
    assert!(
        mock.referenced(&other, None).await.is_empty(),
        "per navigation"
    );
}

#[tokio::test]
async fn reference_lists_are_paged() {
    let mock = Mock::start().await;
    let id = mock.example_id();
    for owner_id in ["a", "b", "c"] {
        mock.add_reference(&id, owner(owner_id), None).await;
    }
    let path = mock.path("list-ref-gadget-owners", &[&id]);
    let pages = mock.pages_of(&path, "", None).await;
    assert_eq!(pages.len(), 2);
    assert_eq!(items(&pages), [owner("a"), owner("b"), owner("c")]);
}

#[rstest]
#[case::no_odata_id(json!({}))]
#[case::a_relative_url(json!({ "@odata.id": "directoryObjects/51ab" }))]
#[case::not_a_string(json!({ "@odata.id": 51 }))]
#[tokio::test]
async fn a_reference_body_without_an_absolute_odata_id_is_a_graph_400(#[case] body: Value) {
    let mock = Mock::start().await;
    let id = mock.example_id();
    mock.add_reference(&id, body, None).await.assert_error(400);
    assert!(mock.referenced(&id, None).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// Faults of these kinds: each breaks exactly its behaviour, and only under the header
// ---------------------------------------------------------------------------------------

/// Returns `body` without the properties `names`.
fn without(body: &Value, names: &[&str]) -> Value {
    let mut object = body.as_object().cloned().unwrap_or_default();
    for name in names {
        object.shift_remove(*name);
    }
    Value::Object(object)
}

/// Returns `url`'s path and query (what follows its origin).
fn path_and_query(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("", |at| &rest[at..])
}

#[rstest]
#[case::list_bare_array(Fault::ListBareArray)]
#[case::list_item_missing_id(Fault::ListItemMissingId)]
#[case::list_omits_created(Fault::ListOmitsCreated)]
#[case::list_ignores_top(Fault::ListIgnoresTop)]
#[case::list_ignores_select(Fault::ListIgnoresSelect)]
#[case::list_ignores_filter(Fault::ListIgnoresFilter)]
#[case::list_without_count(Fault::ListWithoutCount)]
#[case::list_count_wrong(Fault::ListCountWrong)]
#[case::next_link_loop(Fault::NextLinkLoop)]
#[case::next_link_endless(Fault::NextLinkEndless)]
#[case::next_link_other_host(Fault::NextLinkOtherHost)]
#[case::stale_read(Fault::StaleRead)]
#[case::get_other_object(Fault::GetOtherObject)]
#[case::get_shifts_dates(Fault::GetShiftsDates)]
#[case::create_not_stored(Fault::CreateNotStored)]
#[case::delete_answers_body(Fault::DeleteAnswersBody)]
#[case::delete_keeps_object(Fault::DeleteKeepsObject)]
#[case::deleted_still_listed(Fault::DeletedStillListed)]
#[case::delete_unknown_id_succeeds(Fault::DeleteUnknownIdSucceeds)]
#[case::replace_ignored(Fault::ReplaceIgnored)]
#[case::replace_drops_property(Fault::ReplaceDropsProperty)]
#[case::result_wrong_type(Fault::ResultWrongType)]
#[case::result_not_wrapped(Fault::ResultNotWrapped)]
#[case::action_accepts_unknown_parameter(Fault::ActionAcceptsUnknownParameter)]
#[case::action_accepts_wrong_type(Fault::ActionAcceptsWrongType)]
#[case::action_answers_200(Fault::ActionAnswers200)]
#[case::ref_add_ignored(Fault::RefAddIgnored)]
#[case::ref_remove_ignored(Fault::RefRemoveIgnored)]
#[case::ref_list_without_odata_id(Fault::RefListWithoutOdataId)]
#[case::ref_add_accepts_non_reference(Fault::RefAddAcceptsNonReference)]
#[case::get_unknown_id_succeeds(Fault::GetUnknownIdSucceeds)]
#[case::select_drops_selected(Fault::SelectDropsSelected)]
#[case::filter_drops_matches(Fault::FilterDropsMatches)]
#[tokio::test]
async fn the_fault_breaks_its_one_behaviour_of_its_kind_only_when_selected(#[case] fault: Fault) {
    let mock = Mock::start().await;
    let on = Some(fault);
    match fault {
        Fault::ListBareArray => {
            let faithful = mock.pages("", None).await;
            let faulted = mock.pages("", on).await;
            assert_eq!(faulted.len(), 1, "a bare array has no nextLink");
            assert_eq!(faulted[0], faithful[0]["value"]);
        }
        Fault::ListItemMissingId => {
            mock.create_named(&["a", "b"]).await;
            let faithful = mock.listed("", None).await;
            let faulted = mock.listed("", on).await;
            assert!(!faithful.is_empty() && faithful.iter().all(|i| i["id"].is_string()));
            let stripped: Vec<Value> = faithful.iter().map(|i| without(i, &["id"])).collect();
            assert_eq!(faulted, stripped);
        }
        Fault::ListOmitsCreated => {
            let created = mock.create_named(&["a", "b"]).await;
            let faithful = ids(&mock.listed("", None).await);
            let faulted = ids(&mock.listed("", on).await);
            let newest = &created[1];
            assert!(faithful.contains(newest));
            let expected: Vec<String> = faithful.into_iter().filter(|i| i != newest).collect();
            assert_eq!(faulted, expected);
            let delete = mock.path("delete-gadget", &[newest]);
            mock.call("DELETE", &delete).send().await;
            let faulted = ids(&mock.listed("", on).await);
            assert!(!faulted.contains(&created[0]), "the newest still stored");
        }
        Fault::ListIgnoresTop => {
            mock.create_named(&["a", "b", "c", "d"]).await;
            let all = mock.listed("", None).await;
            assert_eq!(mock.listed("?$top=1", None).await.len(), 1);
            let faulted = mock.pages("?$top=1", on).await;
            assert_eq!(items(&faulted), all);
            assert!(faulted.len() > 1, "still paged");
            assert_eq!(
                faulted[0]["value"].as_array().unwrap().len(),
                DEFAULT_PAGE_SIZE
            );
        }
        Fault::ListIgnoresSelect => {
            let faithful = mock.listed("?$select=displayName", None).await;
            assert!(faithful.iter().all(|i| i.get("mode").is_none()));
            let faulted = mock.listed("?$select=displayName", on).await;
            assert_eq!(faulted, mock.listed("", None).await);
            let id = mock.example_id();
            let path = format!("{}?$select=displayName", mock.path("get-gadget", &[&id]));
            let get = mock.get(&path, on).await.json();
            assert!(get.get("mode").is_none(), "a GET still honours $select");
        }
        Fault::ListIgnoresFilter => {
            mock.create_named(&["x", "y"]).await;
            let query = "?$filter=displayName eq 'x'";
            assert_eq!(mock.listed(query, None).await.len(), 1);
            assert_eq!(mock.listed(query, on).await, mock.listed("", None).await);
        }
        Fault::ListWithoutCount => {
            let faithful = mock.pages("?$count=true", None).await;
            let faulted = mock.pages("?$count=true", on).await;
            assert_eq!(faithful[0]["@odata.count"], 1);
            assert_eq!(faulted[0], without(&faithful[0], &["@odata.count"]));
        }
        Fault::ListCountWrong => {
            mock.create_named(&["x"]).await;
            let query = "?$count=true&$filter=displayName eq 'x'";
            let faithful = mock.pages(query, None).await;
            let faulted = mock.pages(query, on).await;
            assert_eq!(faithful[0]["@odata.count"], 1);
            assert_eq!(faulted[0]["@odata.count"], 2);
            assert_eq!(faulted[0]["value"], faithful[0]["value"]);
        }
        Fault::NextLinkLoop => {
            mock.create_named(&["a", "b"]).await;
            let faithful = mock.pages("?$top=3", None).await;
            assert!(faithful.last().unwrap().get("@odata.nextLink").is_none());
            let faulted = mock.pages("?$top=3", on).await;
            assert_eq!(items(&faulted[..2]), items(&faithful), "same pages");
            let first = format!(
                "{}{}?$top=3",
                mock.server.base_url(),
                mock.path("list-gadget", &[])
            );
            assert_eq!(faulted[1]["@odata.nextLink"], first.as_str());
        }
        Fault::NextLinkEndless => {
            let faithful = mock.pages("", None).await;
            assert_eq!(faithful.len(), 1);
            let faulted = mock.pages("", on).await;
            assert_eq!(faulted.len(), 20, "every page links a fresh one");
            assert_eq!(faulted[0]["value"], faithful[0]["value"]);
            assert!(faulted[1..].iter().all(|p| p["value"] == json!([])));
            let links: BTreeSet<&str> = faulted
                .iter()
                .filter_map(|p| p["@odata.nextLink"].as_str())
                .collect();
            assert_eq!(links.len(), 20, "fresh links");
        }
        Fault::NextLinkOtherHost => {
            mock.create_named(&["a", "b"]).await;
            let faithful = mock.pages("?$count=true", None).await;
            let faulted = mock.pages("?$count=true", on).await;
            let good = faithful[0]["@odata.nextLink"].as_str().unwrap();
            let bad = faulted[0]["@odata.nextLink"].as_str().unwrap();
            assert!(good.starts_with(&mock.origin()));
            assert!(bad.starts_with("https://other-origin.invalid/"), "{bad}");
            assert_eq!(path_and_query(bad), path_and_query(good));
            assert_eq!(faulted[0]["value"], faithful[0]["value"]);
        }
        Fault::StaleRead => {
            let id = mock.create(json!({ "displayName": "First" })).await;
            let update = mock.path("update-gadget", &[&id]);
            let patch = json!({ "displayName": "Second" });
            mock.call("PATCH", &update).json(patch).send().await;
            assert_eq!(mock.item(&id, None).await.json()["displayName"], "Second");
            assert_eq!(mock.item(&id, on).await.json()["displayName"], "First");
            let replace = mock.path("replace-gadget", &[&id]);
            let put = json!({ "displayName": "Third" });
            mock.call("PUT", &replace).json(put).send().await;
            assert_eq!(mock.item(&id, None).await.json()["displayName"], "Third");
            assert_eq!(mock.item(&id, on).await.json()["displayName"], "Second");
            let fresh = mock.create(json!({ "displayName": "Never written" })).await;
            assert_eq!(
                mock.item(&fresh, on).await.json(),
                mock.item(&fresh, None).await.json()
            );
        }
        Fault::GetOtherObject => {
            let id = mock.example_id();
            let faithful = mock.item(&id, None).await.json();
            let alone = mock.item(&id, on).await.json();
            assert_eq!(faithful["id"], id.as_str());
            assert!(alone["id"].is_string() && alone["id"] != faithful["id"]);
            assert_eq!(
                without(&alone, &["id"]),
                without(&faithful, &["id"]),
                "alone: renamed"
            );
            let other = mock.create(json!({ "displayName": "Other" })).await;
            let faulted = mock.item(&id, on).await.json();
            assert_eq!(
                faulted,
                mock.item(&other, None).await.json(),
                "another object"
            );
        }
        Fault::GetShiftsDates => {
            let sent = json!({ "firstSeen": "2024-05-01T10:00:00Z" });
            let id = mock.create(sent).await;
            let faithful = mock.item(&id, None).await.json();
            let faulted = mock.item(&id, on).await.json();
            assert_eq!(faithful["firstSeen"], "2024-05-01T10:00:00.0000000Z");
            assert_eq!(faulted["firstSeen"], "2024-05-01T11:00:00.0000000Z");
            assert_eq!(
                without(&faulted, &["firstSeen"]),
                without(&faithful, &["firstSeen"])
            );
            assert_eq!(
                mock.listed("", on).await,
                mock.listed("", None).await,
                "lists unaffected"
            );
        }
        Fault::CreateNotStored => {
            let collection = mock.path("create-gadget", &[]);
            let reply = mock
                .call("POST", &collection)
                .json(json!({}))
                .fault(on)
                .send()
                .await;
            assert_eq!(reply.status, mock.status("create-gadget"));
            let id = reply.json()["id"].as_str().unwrap().to_string();
            mock.item(&id, None).await.assert_error(404);
            let stored = mock.create(json!({})).await;
            assert_eq!(mock.item(&stored, None).await.status, 200);
        }
        Fault::DeleteAnswersBody => {
            let id = mock.create(json!({ "displayName": "Body" })).await;
            let object = mock.item(&id, None).await.json();
            let path = mock.path("delete-gadget", &[&id]);
            let faulted = mock.call("DELETE", &path).fault(on).send().await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.json(), object);
            mock.item(&id, None).await.assert_error(404);
        }
        Fault::DeleteKeepsObject => {
            let id = mock.create(json!({})).await;
            let path = mock.path("delete-gadget", &[&id]);
            let faulted = mock.call("DELETE", &path).fault(on).send().await;
            assert_eq!(faulted.status, mock.status("delete-gadget"));
            assert_eq!(mock.item(&id, None).await.status, 200);
            assert!(ids(&mock.listed("", None).await).contains(&id));
        }
        Fault::DeletedStillListed => {
            let id = mock.create(json!({})).await;
            let path = mock.path("delete-gadget", &[&id]);
            let faulted = mock.call("DELETE", &path).fault(on).send().await;
            assert_eq!(faulted.status, mock.status("delete-gadget"));
            mock.item(&id, None).await.assert_error(404);
            assert!(ids(&mock.listed("", None).await).contains(&id));
        }
        Fault::DeleteUnknownIdSucceeds => {
            assert!(fault.is_convention());
            let path = mock.path("delete-gadget", &[UNKNOWN_ID]);
            mock.call("DELETE", &path).send().await.assert_error(404);
            let faulted = mock.call("DELETE", &path).fault(on).send().await;
            assert_eq!(faulted.status, mock.status("delete-gadget"));
            let id = mock.create(json!({})).await;
            let known = mock.path("delete-gadget", &[&id]);
            mock.call("DELETE", &known).fault(on).send().await;
            mock.item(&id, None).await.assert_error(404);
        }
        Fault::ReplaceIgnored => {
            let id = mock.create(json!({ "displayName": "Old" })).await;
            let before = mock.item(&id, None).await.json();
            let path = mock.path("replace-gadget", &[&id]);
            let put = json!({ "displayName": "New" });
            let reply = mock.call("PUT", &path).json(put).fault(on).send().await;
            assert_eq!(reply.status, mock.status("replace-gadget"));
            assert_eq!(
                reply.json()["displayName"],
                "New",
                "the answer is the faithful one"
            );
            assert_eq!(mock.item(&id, None).await.json(), before);
        }
        Fault::ReplaceDropsProperty => {
            let id = mock
                .create(json!({ "displayName": "Old", "mode": "idle" }))
                .await;
            let path = mock.path("replace-gadget", &[&id]);
            let put = json!({ "displayName": "New", "mode": "busy" });
            let reply = mock.call("PUT", &path).json(put).fault(on).send().await;
            assert_eq!(reply.json()["displayName"], "New");
            let stored = mock.item(&id, None).await.json();
            assert_eq!(
                stored["displayName"], "Old",
                "the first non-key property sent"
            );
            assert_eq!(stored["mode"], "busy", "the rest is stored");
        }
        Fault::ResultWrongType => {
            let id = mock.example_id();
            let faithful = mock.function(&id, None).await.json();
            let faulted = mock.function(&id, on).await.json();
            let value = faithful["value"].as_i64().expect("a number");
            assert_eq!(faulted, json!({ "value": value.to_string() }));
        }
        Fault::ResultNotWrapped => {
            let id = mock.example_id();
            let faithful = mock.function(&id, None).await.json();
            let faulted = mock.function(&id, on).await.json();
            assert_eq!(faulted, faithful["value"]);
        }
        Fault::ActionAcceptsUnknownParameter => {
            let id = mock.example_id();
            let body = json!({ "precision": 3, "colour": "red" });
            mock.act(&id, body.clone(), None).await.assert_error(400);
            let faulted = mock.act(&id, body, on).await;
            assert_eq!(faulted.status, mock.status("action-gadget-recalibrate"));
            let wrong = json!({ "precision": "three" });
            mock.act(&id, wrong, on).await.assert_error(400);
        }
        Fault::ActionAcceptsWrongType => {
            let id = mock.example_id();
            let body = json!({ "precision": "three" });
            mock.act(&id, body.clone(), None).await.assert_error(400);
            let faulted = mock.act(&id, body, on).await;
            assert_eq!(faulted.status, mock.status("action-gadget-recalibrate"));
            let unknown = json!({ "colour": "red" });
            mock.act(&id, unknown, on).await.assert_error(400);
        }
        Fault::ActionAnswers200 => {
            let id = mock.example_id();
            let body = json!({ "precision": 3 });
            let faithful = mock.act(&id, body.clone(), None).await;
            assert_eq!((faithful.status, faithful.bytes.len()), (204, 0));
            let faulted = mock.act(&id, body, on).await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.json(), json!({}));
        }
        Fault::RefAddIgnored => {
            let id = mock.example_id();
            let reply = mock.add_reference(&id, owner("a"), on).await;
            assert_eq!(reply.status, mock.status("add-ref-gadget-owners"));
            assert!(mock.referenced(&id, None).await.is_empty());
            mock.add_reference(&id, owner("b"), None).await;
            assert_eq!(mock.referenced(&id, None).await, [owner("b")]);
            let removed = mock.remove_reference(&id, "a", None).await;
            assert_eq!(
                removed.status,
                mock.status("remove-ref-gadget-owners"),
                "only lists miss it"
            );
        }
        Fault::RefRemoveIgnored => {
            let id = mock.example_id();
            mock.add_reference(&id, owner("a"), None).await;
            let reply = mock.remove_reference(&id, "a", on).await;
            assert_eq!(reply.status, mock.status("remove-ref-gadget-owners"));
            assert_eq!(mock.referenced(&id, None).await, [owner("a")]);
            mock.remove_reference(&id, "zz", on).await.assert_error(404);
        }
        Fault::RefListWithoutOdataId => {
            let id = mock.example_id();
            mock.add_reference(&id, owner("a"), None).await;
            assert_eq!(mock.referenced(&id, None).await, [owner("a")]);
            let faulted = mock.referenced(&id, on).await;
            assert_eq!(faulted.len(), 1);
            assert!(faulted[0].get("@odata.id").is_none(), "{faulted:?}");
        }
        Fault::RefAddAcceptsNonReference => {
            let id = mock.example_id();
            mock.add_reference(&id, json!({}), None)
                .await
                .assert_error(400);
            let faulted = mock.add_reference(&id, json!({}), on).await;
            assert_eq!(faulted.status, mock.status("add-ref-gadget-owners"));
            assert!(mock.referenced(&id, None).await.is_empty());
            mock.add_reference(&id, owner("a"), on).await;
            assert_eq!(mock.referenced(&id, None).await, [owner("a")]);
        }
        Fault::GetUnknownIdSucceeds => {
            assert!(fault.is_convention());
            mock.item(UNKNOWN_ID, None).await.assert_error(404);
            let faulted = mock.item(UNKNOWN_ID, on).await;
            assert_eq!(faulted.status, 200);
            assert_eq!(faulted.json()["id"], UNKNOWN_ID);
            let id = mock.example_id();
            assert_eq!(
                mock.item(&id, on).await.json(),
                mock.item(&id, None).await.json()
            );
            let deleted = mock.create(json!({})).await;
            let path = mock.path("delete-gadget", &[&deleted]);
            mock.call("DELETE", &path).send().await;
            mock.item(&deleted, on).await.assert_error(404);
        }
        Fault::SelectDropsSelected => {
            mock.create(json!({ "displayName": "Set", "mode": "busy" }))
                .await;
            let query = "?$select=displayName,mode";
            let faithful = mock.listed(query, None).await;
            let faulted = mock.listed(query, on).await;
            assert!(faithful.iter().all(|i| i.get("mode").is_some()));
            let stripped: Vec<Value> = faithful.iter().map(|i| without(i, &["mode"])).collect();
            assert_eq!(faulted, stripped);
        }
        Fault::FilterDropsMatches => {
            mock.create_named(&["x"]).await;
            let query = "?$filter=displayName eq 'x'";
            assert_eq!(mock.listed(query, None).await.len(), 1);
            assert!(mock.listed(query, on).await.is_empty());
            assert_eq!(mock.listed("", on).await, mock.listed("", None).await);
        }
        other => unreachable!("{other} is proven in tests/mock.rs"),
    }
}

#[test]
fn the_two_new_conventions_are_marked() {
    let conventions: Vec<&str> = Fault::all()
        .iter()
        .filter(|f| f.is_convention())
        .map(|f| f.name())
        .collect();
    assert!(conventions.contains(&"delete-unknown-id-succeeds"));
    assert!(conventions.contains(&"get-unknown-id-succeeds"));
    assert!(Fault::all().len() >= 76);
}

#[rstest]
#[case::zero("0")]
#[case::above_1000("1001")]
#[case::not_a_number("two")]
fn mock_page_size_outside_1_to_1000_is_a_usage_error(#[case] value: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
        .args(["mock", "--port", "0", "--page-size", value])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--page-size"), "{stderr}");
}
