//! Every kind of operation from method pages: the kind from the method, path, title and
//! sentences; alternative paths; pages of one operation merged; ids unique case-insensitively;
//! the response shape from the page's words. Fixture pages are written here, in the shape of
//! Graph reference pages (no Graph prose).

use graph_conformance::derive::{PageSource, derive};
use graph_conformance::diagnostic::Code;
use graph_conformance::model::{EdmType, OperationKind, RequestBody, ResponseBody};
use rstest::rstest;

/// A method page: title, request lines, request body section, response sentence, example.
fn page(title: &str, lines: &str, body: &str, response: &str, example: &str) -> String {
    format!(
        "# {title}\n\nDo something with a [gadget](../resources/gadget.md).\n\n## HTTP request\n```http\n{lines}\n```\n\n## Request body\n{body}\n\n## Response\n{response}\n\n## Example\n{example}\n"
    )
}

const TABLE: &str = "In the request body, supply a JSON representation of a [gadget](../resources/gadget.md) object.\n\n|Property|Type|Description|\n|:---|:---|:---|\n|label|String|A label.|";

fn source(name: &str, text: String) -> PageSource {
    PageSource {
        name: name.into(),
        text,
    }
}

fn one(name: &str, text: String) -> graph_conformance::model::Operation {
    let derivation = derive(&[source(name, text)]);
    let [op] = derivation.contract.operations.as_slice() else {
        panic!("{:#?}", derivation.diagnostics);
    };
    op.clone()
}

#[rstest]
#[case::get_of_one_object(
    "Get gadget",
    "GET /gadgets/{gadgetId}",
    "Do not supply a request body for this method.",
    "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object in the response body.",
    OperationKind::Get,
    "get-gadget"
)]
#[case::get_whose_sentence_says_collection_is_a_list(
    "List gadgets",
    "GET /gadgets",
    "Do not supply a request body for this method.",
    "If successful, this method returns a `200 OK` response code and a collection of [gadget](../resources/gadget.md) objects in the response body.",
    OperationKind::List,
    "list-gadget"
)]
#[case::get_whose_sentence_names_objects_is_a_list(
    "Read gadgets",
    "GET /fleet/gadgets",
    "Do not supply a request body for this method.",
    "If successful, this method returns a `200 OK` response code and the requested [gadget](../resources/gadget.md) objects in the response body.",
    OperationKind::List,
    "list-gadget"
)]
#[case::get_of_one_of_several_objects_is_a_get(
    "Get gadget settings",
    "GET /me/gadgetSettings",
    "Do not supply a request body for this method.",
    "If successful, this method returns a `200 OK` response code and one of the following requested objects in the response body:",
    OperationKind::Get,
    "get-gadget"
)]
#[case::put_replaces(
    "Replace gadget",
    "PUT /gadgets/{gadgetId}",
    TABLE,
    "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object.",
    OperationKind::Replace,
    "replace-gadget"
)]
#[case::delete(
    "Delete gadget",
    "DELETE /gadgets/{gadgetId}",
    "Do not supply a request body for this method.",
    "If successful, this method returns `204 No Content` response code.",
    OperationKind::Delete,
    "delete-gadget"
)]
#[case::post_whose_table_is_headed_parameter_but_sends_a_representation_creates(
    "Create gadget",
    "POST /gadgets",
    "In the request body, supply a JSON representation of [gadget](../resources/gadget.md) object.\n\n|Parameter|Type|Description|\n|:---|:---|:---|\n|label|String|A label.|",
    "If successful, this method returns a `201 Created` response code and a [gadget](../resources/gadget.md) object.",
    OperationKind::Create,
    "create-gadget"
)]
#[case::post_with_the_following_parameters_is_an_action(
    "gadget: polish",
    "POST /gadgets/{gadgetId}/polish",
    "In the request body, provide a JSON object with the following parameters.\n\n|Parameter|Type|Description|\n|:---|:---|:---|\n|shine|Int32|How much.|",
    "If successful, this action returns a `204 No Content` response code.",
    OperationKind::Action,
    "action-gadget-polish"
)]
#[case::get_calling_a_function_with_parameters(
    "gadget: forecast",
    "GET /gadgets/{gadgetId}/forecast(days={days})",
    "Do not supply a request body for this method.",
    "If successful, this function returns a `200 OK` response code and an Int32 in the response body.",
    OperationKind::Function,
    "function-gadget-forecast"
)]
#[case::a_post_of_one_parameter_is_an_action_whatever_its_title(
    "Add gadget part",
    "POST /gadgets/{gadgetId}/polish",
    "In the request body, provide a JSON object that includes a **part** parameter.",
    "If successful, this method returns `202 Accepted` response code.",
    OperationKind::Action,
    "action-gadget-polish"
)]
#[case::delete_of_a_ref_removes_a_reference(
    "Remove gadget owner",
    "DELETE /gadgets/{gadgetId}/owners/{ownerId}/$ref",
    "Do not supply a request body for this method.",
    "If successful, this method returns `204 No Content` response code.",
    OperationKind::RemoveReference,
    "remove-ref-gadget-owners"
)]
#[case::get_of_a_ref_lists_references(
    "List gadget owners",
    "GET /gadgets/{gadgetId}/owners/$ref",
    "Do not supply a request body for this method.",
    "If successful, this method returns a `200 OK` response code and a collection of [gadget](../resources/gadget.md) objects.",
    OperationKind::ListReferences,
    "list-ref-gadget-owners"
)]
fn the_kind_comes_from_method_path_title_and_sentences(
    #[case] title: &str,
    #[case] line: &str,
    #[case] body: &str,
    #[case] response: &str,
    #[case] kind: OperationKind,
    #[case] id: &str,
) {
    let op = one("gadget.md", page(title, line, body, response, ""));
    assert_eq!((op.kind, op.id.as_str()), (kind, id));
}

#[rstest]
#[case::no_content_is_no_body("returns `204 No Content` response code.", ResponseBody::None)]
#[case::a_linked_resource_is_that_resource(
    "returns a `200 OK` response code and a [gadget](../resources/gadget.md) object.",
    ResponseBody::Resource { name: "gadget".into() }
)]
#[case::a_collection_of_a_linked_resource(
    "returns a `200 OK` response code and a [gadget](../resources/gadget.md) collection in the response body.",
    ResponseBody::Collection { name: "gadget".into() }
)]
#[case::a_primitive(
    "returns a `200 OK` response code and a Boolean in the response body.",
    ResponseBody::Primitive { ty: EdmType::Boolean }
)]
fn the_response_shape_of_an_action_comes_from_its_sentence(
    #[case] sentence: &str,
    #[case] shape: ResponseBody,
) {
    let body = "In the request body, provide a JSON object with the following parameters.\n\n|Parameter|Type|Description|\n|:---|:---|:---|\n|shine|Int32|How much.|";
    let op = one(
        "gadget-polish.md",
        page(
            "gadget: polish",
            "POST /gadgets/{gadgetId}/polish",
            body,
            &format!("If successful, this action {sentence}"),
            "",
        ),
    );
    assert_eq!(op.response, shape);
    let RequestBody::Parameters { parameters } = &op.request_body else {
        panic!("{:?}", op.request_body);
    };
    assert_eq!(parameters[0].name, "shine");
}

#[rstest]
#[case::nothing_in_the_response_body(
    "returns `202 Accepted` response code. It does not return anything in the response body."
)]
#[case::no_response_body("returns a `202 Accepted` response code and no response body.")]
#[case::an_empty_response_body("returns a `200 OK` response code and an empty response body.")]
fn words_that_say_there_is_no_body_are_no_body_whatever_the_kind(#[case] sentence: &str) {
    let op = one(
        "gadget-post.md",
        page(
            "Create gadget",
            "POST /gadgets",
            "In the request body, supply a JSON representation of a [gadget](../resources/gadget.md) object.",
            &format!("If successful, this method {sentence}"),
            "",
        ),
    );
    assert_eq!(
        (op.kind, op.response),
        (OperationKind::Create, ResponseBody::None)
    );
}

#[test]
fn a_request_line_expanding_a_navigation_reads_its_holder_and_is_no_alternative() {
    let op = one(
        "gadget-list-manager.md",
        page(
            "List manager",
            "GET /gadgets/{id}/manager\nGET /gadgets/{id}/?$expand=manager\nGET /gadgets?$expand=manager",
            "Do not supply a request body for this method.",
            "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object.",
            "",
        ),
    );
    assert_eq!(op.path, "/gadgets/{id}/manager");
    assert!(
        op.alternative_paths.is_empty(),
        "{:?}",
        op.alternative_paths
    );
}

#[test]
fn every_path_of_the_first_method_is_kept_as_an_alternative_path() {
    let op = one(
        "gadget-get.md",
        page(
            "Get gadget",
            "GET /me/gadget\nGET /users/{id | userPrincipalName}/gadget\nGET /me/gadget",
            "Do not supply a request body for this method.",
            "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object.",
            "",
        ),
    );
    assert_eq!(op.path, "/me/gadget");
    assert_eq!(op.alternative_paths, ["/users/{id}/gadget"]);
}

#[test]
fn two_pages_of_one_route_and_resource_are_one_operation_with_both_request_lines() {
    let a = page(
        "Update gadget",
        "PATCH /gadgets/{gadgetId}",
        TABLE,
        "If successful, this method returns a `200 OK` response code and an updated [gadget](../resources/gadget.md) object.",
        "",
    );
    let b = page(
        "Update gadget",
        "PATCH /me/gadgets/{id}\nPATCH /Gadgets/{id}",
        &TABLE.replace("|label|String|A label.|", "|size|Int32|A size.|"),
        "If successful, this method returns a `200 OK` response code and an updated [gadget](../resources/gadget.md) object.",
        "",
    );
    let derivation = derive(&[source("a.md", a), source("b.md", b)]);
    let [op] = derivation.contract.operations.as_slice() else {
        panic!("{:#?}", derivation.contract.operations);
    };
    assert_eq!(
        op.alternative_paths,
        ["/me/gadgets/{id}"],
        "segments compare case-insensitively"
    );
    assert_eq!(op.spans.merged.len(), 1);
    assert_eq!(op.spans.merged[0].file, "b.md");
    let names: Vec<&str> = derivation.contract.resources[0]
        .properties
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["label", "size"], "both tables are the resource's");
}

#[test]
fn one_route_serving_two_types_is_one_operation_per_type() {
    let typed = |resource: &str| {
        page(
            &format!("Update {resource}"),
            "PATCH /things/{thingId}",
            &format!(
                "In the request body, supply a JSON representation of a [{resource}](../resources/{resource}.md) object.\n\n|Property|Type|Description|\n|:---|:---|:---|\n|label|String|A label.|"
            ),
            &format!(
                "If successful, this method returns a `200 OK` response code and an updated [{resource}](../resources/{resource}.md) object."
            ),
            "",
        )
    };
    let derivation = derive(&[
        source("a.md", typed("roundThing")),
        source("b.md", typed("squareThing")),
    ]);
    let ids: Vec<&str> = derivation
        .contract
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, ["update-roundThing", "update-squareThing"]);
}

#[test]
fn ids_that_would_collide_are_qualified_by_their_path_and_unique_case_insensitively() {
    let list = |line: &str| {
        page(
            "List gadgets",
            line,
            "Do not supply a request body for this method.",
            "If successful, this method returns a `200 OK` response code and a collection of [gadget](../resources/gadget.md) objects.",
            "",
        )
    };
    let derivation = derive(&[
        source("a.md", list("GET /gadgets")),
        source("b.md", list("GET /users/{id}/gadgets")),
        source("c.md", list("GET /users/{id}/Gadgets/{gid}/parts")),
    ]);
    let mut ids: Vec<String> = derivation
        .contract
        .operations
        .iter()
        .map(|o| o.id.to_lowercase())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "{ids:?}");
    assert!(
        ids.contains(&"list-gadget-users-gadgets".to_string()),
        "{ids:?}"
    );
}

#[rstest]
#[case::placeholder_prose("GET ** Collection URI for microsoft.graph.gadget not found")]
#[case::a_tilde_prefix("GET ~/gadgets")]
fn a_request_line_that_is_not_a_path_is_an_error(#[case] line: &str) {
    let derivation = derive(&[source(
        "gadget.md",
        page(
            "Get gadget",
            line,
            "",
            "If successful, this method returns a `200 OK` response code.",
            "",
        ),
    )]);
    assert!(derivation.contract.operations.is_empty());
    let codes: Vec<Code> = derivation.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::NotAPath]);
}

#[test]
fn an_example_wrapping_one_object_in_value_is_a_shape_warning_and_the_contract_is_the_object() {
    let example = "### Request\n```http\nGET https://graph.microsoft.com/v1.0/gadgets/g-1\n```\n### Response\n```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"value\": {\"id\": \"g-1\"}}\n```";
    let derivation = derive(&[source(
        "gadget-get.md",
        page(
            "Get gadget",
            "GET /gadgets/{gadgetId}",
            "Do not supply a request body for this method.",
            "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object.",
            example,
        ),
    )]);
    let op = &derivation.contract.operations[0];
    assert_eq!(
        op.response,
        ResponseBody::Resource {
            name: "gadget".into()
        }
    );
    let codes: Vec<Code> = derivation.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::ExampleShape]);
    assert!(op.examples[0].contradicts_page());
}

#[test]
fn a_status_shown_only_by_the_answer_in_the_response_section_is_used_with_a_warning() {
    let text = "# Get gadget\n\n## HTTP request\n```http\nGET /gadgets/{gadgetId}\n```\n\n## Response\nEach call returns the [gadget](../resources/gadget.md).\n\n```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\": \"g-1\"}\n```\n";
    let derivation = derive(&[source("gadget-get.md", text.to_string())]);
    let [op] = derivation.contract.operations.as_slice() else {
        panic!("{:#?}", derivation.diagnostics);
    };
    assert_eq!(op.status.code, 200);
    assert_eq!(op.status.span.line, 12);
    let codes: Vec<Code> = derivation.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::StatusFromExample]);
}

#[test]
fn a_page_stating_that_all_properties_are_returned_says_so_in_its_operation() {
    let op = one(
        "gadget-get.md",
        page(
            "Get gadget",
            "GET /gadgets/{gadgetId}",
            "Do not supply a request body for this method.",
            "If successful, this method returns a `200 OK` response code and a [gadget](../resources/gadget.md) object in the response body.\n\nHere is an example. Note: The response object shown here may be truncated for brevity. All of the properties will be returned from an actual call.",
            "",
        ),
    );
    assert!(op.returns_all_properties);
}

#[test]
fn the_odata_query_options_a_page_states_are_recorded() {
    let text = page("List gadgets", "GET /gadgets", "Do not supply a request body for this method.", "If successful, this method returns a `200 OK` response code and a collection of [gadget](../resources/gadget.md) objects.", "")
        .replace("## Request body", "## Optional query parameters\nThis method supports the `$select`, `$top` and `$filter` OData query parameters to help customize the response.\n\n## Request body");
    let op = one("gadget-list.md", text);
    assert_eq!(op.query_options, ["$filter", "$select", "$top"]);
}

#[test]
fn a_page_listing_objects_and_their_references_is_a_list_and_a_list_of_references() {
    let example = "```http\nGET https://graph.microsoft.com/v1.0/gadgets/{id}/parts\n```\n\n```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{\"value\": [{\"id\": \"p1\"}]}\n```\n\n```http\nGET https://graph.microsoft.com/v1.0/gadgets/{id}/parts/$ref\n```\n\n```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{\"value\": [{\"@odata.id\": \"https://graph.microsoft.com/v1.0/parts/p1\"}]}\n```";
    let text = page(
        "List parts",
        "GET /gadgets/{id}/parts\nGET /gadgets/{id}/parts/$ref",
        "Do not supply a request body for this method.",
        "If successful, this method returns a `200 OK` response code and a collection of [gadget](../resources/gadget.md) objects in the response body.",
        example,
    );
    let derivation = derive(&[source("gadget-list-parts.md", text)]);
    let kinds: Vec<(OperationKind, &str, usize, usize)> = derivation
        .contract
        .operations
        .iter()
        .map(|op| {
            let paths = op.alternative_paths.len() + 1;
            (op.kind, op.path.as_str(), paths, op.examples.len())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (OperationKind::List, "/gadgets/{id}/parts", 1, 1),
            (
                OperationKind::ListReferences,
                "/gadgets/{id}/parts/$ref",
                1,
                1
            ),
        ],
        "{:#?}",
        derivation.diagnostics
    );
    let references = &derivation.contract.operations[1];
    let body = references.examples[0]
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref());
    assert!(
        body.is_some_and(|b| b["value"][0]["@odata.id"].is_string()),
        "{body:?}"
    );
}

fn kinds_suite_case(id: &str) -> graph_conformance::case::CaseFile {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kinds");
    let out = tempfile::tempdir().expect("a temporary directory");
    let sources = graph_conformance::derive::collect_pages(&[dir]).expect("the fixture pages read");
    let derivation = derive(&sources);
    graph_conformance::emit::write(&derivation, out.path()).expect("the suite is written");
    let suite = graph_conformance::suite::Suite::load(out.path()).expect("the suite loads");
    suite.case(id).expect("the case exists").clone()
}

#[test]
fn an_action_case_carries_its_parameter_table_as_one_object_schema() {
    let case = kinds_suite_case("action-gadget-recalibrate");
    let schema = case
        .parameters_schema
        .expect("an action with a table has parameters");
    assert_eq!(schema["properties"]["precision"]["type"], "integer");
    assert_eq!(schema["properties"]["reason"]["type"], "string");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(case.result_schema, None, "a 204 action answers nothing");
}

#[test]
fn a_function_case_carries_its_primitive_return_type_as_a_value_wrapper() {
    let case = kinds_suite_case("function-gadget-usage");
    let schema = case
        .result_schema
        .expect("a function answers its return type");
    assert_eq!(schema["required"], serde_json::json!(["value"]));
    assert_eq!(schema["properties"]["value"]["type"], "integer");
    assert_eq!(
        case.parameters_schema, None,
        "a function's parameters are in its path"
    );
}

#[test]
fn kinds_that_act_on_the_resource_carry_no_body_schemas() {
    for id in [
        "get-gadget",
        "list-gadget",
        "create-gadget",
        "delete-gadget",
    ] {
        let case = kinds_suite_case(id);
        assert_eq!(
            (case.parameters_schema, case.result_schema),
            (None, None),
            "{id}"
        );
    }
}

#[test]
fn a_response_that_names_no_resource_takes_the_one_the_introduction_links_not_the_title() {
    let text = page(
        "Get gadget settings",
        "GET /me/gadgetSettings",
        "Do not supply a request body for this method.",
        "If successful, this method returns a `200 OK` response code and one of the following objects in the response body:\n\n- a settings object\n- a string",
        "",
    );
    let op = one("gadget-get-settings.md", text);
    assert_eq!(
        op.resource, "gadget",
        "not `settings`, the title's last word"
    );
}
