//! Behaviour tests for reading Graph reference pages and deriving a contract from them.
//!
//! Every rstest case names the parsing rule or documentation quirk it pins down. Full pages
//! live in `tests/fixtures/pages/` (written for these tests, in the shape of Graph reference
//! pages); small variations are written inline or made from a fixture by replacing text.
//! Lines and columns are given as a needle: the text that starts at the expected position.

use graph_conformance::derive::{PageSource, derive};
use graph_conformance::diagnostic::Code;
use graph_conformance::docs::{Page, read_page};
use graph_conformance::model::{EdmType, Example};
use graph_conformance::schema::{Variant, property_schema};
use rstest::rstest;
use serde_json::{Value, json};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// Page sources

/// Reads `tests/fixtures/pages/<name>`.
fn fixture(name: &str) -> PageSource {
    let path = format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    PageSource {
        name: name.to_string(),
        text,
    }
}

/// Returns fixture `name`, same file name, with every `from` of `edits` replaced by its `to`.
fn variant(name: &str, edits: &[(&str, &str)]) -> PageSource {
    let mut source = fixture(name);
    for (from, to) in edits {
        assert!(source.text.contains(from), "{name} holds no {from:?}");
        source.text = source.text.replace(from, to);
    }
    source
}

/// Returns fixture `name` without its YAML front matter (everything up to the second `---`).
fn without_front_matter(name: &str) -> PageSource {
    let mut source = fixture(name);
    let (_, body) = source
        .text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("\n---\n"))
        .unwrap_or_else(|| panic!("{name} has no front matter"));
    source.text = body.trim_start().to_string();
    source
}

/// Returns `update-widget.md` without its `# Update widget` heading and with the front matter
/// title `Update a widget`, so that its title can only come from the front matter.
fn titled_by_front_matter() -> PageSource {
    variant(
        "update-widget.md",
        &[
            ("# Update widget\n", ""),
            ("title: \"Update widget\"", "title: \"Update a widget\""),
        ],
    )
}

/// Returns `source` under another file name.
fn named(name: &str, source: PageSource) -> PageSource {
    PageSource {
        name: name.to_string(),
        text: source.text,
    }
}

/// Returns a page written inline.
fn inline(name: &str, text: &str) -> PageSource {
    PageSource {
        name: name.to_string(),
        text: text.to_string(),
    }
}

/// A minimal update page around one property table (`TABLE`); it has no examples.
const TABLE_PAGE: &str = r#"# Update sprocket

## HTTP request

``` http
PATCH /sprockets/{sprocketId}
```

## Request body

TABLE

## Response

If successful, this method returns a `204 No Content` response code.
"#;

/// Returns [`TABLE_PAGE`] holding `table`, as `sprocket-table.md`.
fn table_page(table: &str) -> PageSource {
    inline("sprocket-table.md", &TABLE_PAGE.replace("TABLE", table))
}

/// Returns [`TABLE_PAGE`] whose table has one `mode` row of the linked type `sprocketMode`
/// described by `description`.
fn mode_row(description: &str) -> PageSource {
    table_page(&format!(
        "|Property|Type|Description|\n|:---|:---|:---|\n|mode|[sprocketMode](../resources/sprocket-mode.md)|{description}|"
    ))
}

// ---------------------------------------------------------------------------------------
// Renderings that make one assertion compare a whole value

/// Finds the `nth` (0-based) occurrence of `needle` in `text`: its 1-based line and column.
fn position(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let (offset, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("occurrence {nth} of {needle:?} is not in the page"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (u32::try_from(line).unwrap(), u32::try_from(col).unwrap())
}

/// Renders what a page documents: `[title] verb resource: METHOD path (params) -> status`.
fn operation(page: &Page) -> String {
    let parameters: Vec<&str> = page.parameters.iter().map(|p| p.name.as_str()).collect();
    format!(
        "[{}] {} {}: {} {} ({}) -> {} {}",
        page.title,
        page.kind.verb(),
        page.resource,
        page.method,
        page.path,
        parameters.join(", "),
        page.status.code,
        page.status.reason
    )
}

/// Renders a JSON body as its top-level keys (`{a,b}`), `-` when there is none.
fn body_keys(body: Option<&Value>) -> String {
    match body {
        Some(Value::Object(map)) => {
            format!(
                "{{{}}}",
                map.keys().map(String::as_str).collect::<Vec<_>>().join(",")
            )
        }
        Some(other) => other.to_string(),
        None => "-".to_string(),
    }
}

/// Renders an example: `METHOD path {request keys} => status reason {response keys}`.
fn example(example: &Example) -> String {
    let response = example.response.as_ref().map_or_else(
        || "no response".to_string(),
        |r| format!("{} {} {}", r.status, r.reason, body_keys(r.body.as_ref())),
    );
    format!(
        "{} {} {} => {response}",
        example.request.method,
        example.request.path,
        body_keys(example.request.body.as_ref())
    )
}

/// Reads `source` as one page, asserting that it reads without any diagnostic.
fn read_clean(source: &PageSource) -> Page {
    let report = read_page(&source.name, &source.text);
    let printed: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        Vec::<String>::new(),
        "{} should read cleanly",
        source.name
    );
    report.page.expect("a page with no diagnostic is used")
}

// ---------------------------------------------------------------------------------------
// The operation a page documents

#[rstest]
#[case::request_line_is_read_from_the_http_request_block(
    fixture("update-widget.md"),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::front_matter_is_optional(
    without_front_matter("update-widget.md"),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::title_comes_from_front_matter_when_there_is_no_heading(
    titled_by_front_matter(),
    "[Update a widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::sdk_tab_heading_is_not_the_title(
    variant("update-widget.md", &[("# Update widget\n", ""), ("### Request\n\n", "### Request\n\n# [HTTP](#tab/http)\n\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::prerequisites_heading_is_accepted_like_permissions(
    variant("update-widget.md", &[("## Permissions", "## Prerequisites")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::prerequisites_page_without_front_matter_or_request_odata_type(
    fixture("update-gizmo.md"),
    "[Update gizmo] update gizmo: PATCH /things/gizmos/{gizmoId} (gizmoId) -> 200 OK",
    "PATCH /things/gizmos/{gizmoId}"
)]
#[case::resource_is_named_by_the_title_without_examples(
    mode_row("How it runs."),
    "[Update sprocket] update sprocket: PATCH /sprockets/{sprocketId} (sprocketId) -> 204 No Content",
    "PATCH /sprockets/{sprocketId}"
)]
#[case::resource_is_named_by_the_example_odata_type_over_the_title(
    variant("update-widget.md", &[("# Update widget", "# Update a widget's properties")]),
    "[Update a widget's properties] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::created_status_is_read_from_the_response_section(
    fixture("create-widget.md"),
    "[Create widget] create widget: POST /widgets () -> 201 Created",
    "POST /widgets"
)]
#[case::post_titled_add_is_a_create(
    variant("create-widget.md", &[("# Create widget", "# Add widget"), ("`201 Created`", "`200 OK`"), ("HTTP/1.1 201 Created", "HTTP/1.1 200 OK")]),
    "[Add widget] create widget: POST /widgets () -> 200 OK",
    "POST /widgets"
)]
#[case::post_documented_as_201_is_a_create_whatever_its_title(
    variant("create-widget.md", &[("# Create widget", "# Provision widget")]),
    "[Provision widget] create widget: POST /widgets () -> 201 Created",
    "POST /widgets"
)]
#[case::h3_http_request_heading(
    variant("update-widget.md", &[("## HTTP request", "### HTTP Request")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::several_request_lines_first_is_used(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH /me/widgets/{widgetId}\nPATCH /users/{userId}/widgets/{widgetId}\n")]),
    "[Update widget] update widget: PATCH /me/widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /me/widgets/{widgetId}"
)]
#[case::lines_before_the_request_line_are_passed_over(
    variant("update-widget.md", &[("``` http\nPATCH /widgets/{widgetId}\n", "``` http\n# Change one widget\n\nPATCH /widgets/{widgetId}\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::id_or_user_principal_name_placeholder_reduced_to_first_name(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH /users/{id | userPrincipalName}/widgets/{widgetId}\n")]),
    "[Update widget] update widget: PATCH /users/{id}/widgets/{widgetId} (id, widgetId) -> 200 OK",
    "PATCH /users/{id | userPrincipalName}"
)]
#[case::full_url_request_line_is_made_relative(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH https://graph.microsoft.com/v1.0/widgets/{widgetId}?$select=displayName\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH https://graph.microsoft.com/v1.0/widgets"
)]
#[case::angle_bracket_placeholder_is_a_path_parameter(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH /widgets/<widgetId>\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/<widgetId>"
)]
#[case::trailing_slash_is_dropped(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH /widgets/{widgetId}/\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}/"
)]
#[case::http_version_after_the_request_target_is_dropped(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PATCH /beta/widgets/{widgetId} HTTP/1.1\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /beta/widgets/{widgetId} HTTP/1.1"
)]
#[case::indented_request_line_keeps_its_column(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "  PATCH /widgets/{widgetId}\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
#[case::request_line_column_counts_characters(
    variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "\u{a0}PATCH /widgets/{widgetId}\n")]),
    "[Update widget] update widget: PATCH /widgets/{widgetId} (widgetId) -> 200 OK",
    "PATCH /widgets/{widgetId}"
)]
fn reads_the_operation(
    #[case] source: PageSource,
    #[case] expected: &str,
    #[case] request_line_at: &str,
) {
    let page = read_clean(&source);
    assert_eq!(operation(&page), expected);
    let (line, col) = position(&source.text, request_line_at, 0);
    assert_eq!(
        (page.request_line.line, page.request_line.col),
        (line, col),
        "request line span"
    );
}

// ---------------------------------------------------------------------------------------
// The property table

#[rstest]
#[case::string_collection_is_an_array_type(
    vec![fixture("update-widget.md")],
    "widget", "tags", EdmType::Collection(Box::new(EdmType::String)), &[], "array"
)]
#[case::date_time_offset_is_a_string(
    vec![fixture("update-widget.md")],
    "widget", "lastSeenDateTime", EdmType::DateTimeOffset, &[], "string"
)]
#[case::linked_type_with_values_is_an_enum(
    vec![fixture("update-widget.md")],
    "widget", "state", EdmType::Enum("widgetState".into()), &["off", "on", "paused"], "string"
)]
#[case::enum_type_without_link_is_an_enum(
    vec![fixture("update-gadget.md")],
    "gadget", "status", EdmType::Enum("gadgetStatus".into()), &["active", "inactive"], "string"
)]
#[case::underscore_and_hyphen_links_name_the_same_type(
    vec![fixture("create-widget.md"), fixture("update-widget.md")],
    "widget", "state", EdmType::Enum("widgetState".into()), &["off", "on", "paused"], "string"
)]
#[case::unlinked_type_without_values_is_an_object(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|owner|sprocketOwner|Who owns the sprocket.|")],
    "sprocket", "owner", EdmType::Named("sprocketOwner".into()), &[], "object"
)]
#[case::edm_prefix_and_int32(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|teeth|Edm.Int32|How many teeth.|")],
    "sprocket", "teeth", EdmType::Int32, &[], "integer"
)]
#[case::collection_parentheses_syntax(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|sizes|Collection(Edm.String)|Sizes it comes in.|")],
    "sprocket", "sizes", EdmType::Collection(Box::new(EdmType::String)), &[], "array"
)]
#[case::possible_values_phrasings_backticks(
    vec![mode_row("How it runs. Possible values are: `slow`, `fast`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::possible_values_phrasings_a_or_b(
    vec![mode_row("How it runs. Possible values are: `slow` or `fast`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::possible_values_phrasings_bold(
    vec![mode_row("How it runs. Possible values are: **slow**, **fast**.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::possible_values_phrasings_numbered_with_parentheses(
    vec![mode_row("How it runs. Possible values are: 1) slow, 2) fast.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::possible_values_phrasings_numbered_with_dots(
    vec![mode_row("How it runs. Possible values are: 1. slow, 2. fast.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::possible_values_phrasings_allowed_values(
    vec![mode_row("How it runs. Allowed values: `slow`, `fast` and `idle`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast", "idle"], "string"
)]
#[case::possible_values_phrasings_unknown_future_value_kept(
    vec![mode_row("How it runs. Possible values are: `slow`, `fast`, `unknownFutureValue`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast", "unknownFutureValue"], "string"
)]
#[case::possible_values_stop_at_the_sentence_end(
    vec![mode_row("How it runs. Possible values are: `slow`, `fast`. The default is `idle`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::enum_collection_is_an_array_of_enum(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|modes|[sprocketMode](../resources/sprocket-mode.md) collection|Modes it supports. Possible values are: `slow`, `fast`.|")],
    "sprocket", "modes", EdmType::Collection(Box::new(EdmType::Enum("sprocketMode".into()))), &["slow", "fast"], "array"
)]
#[case::tab_padded_cells_and_rows_without_trailing_pipe(
    vec![table_page("|Property\t|Type\t|Description\n|:---|:---|:---\n|mode\t\t|[sprocketMode](../resources/sprocket-mode.md)\t|How it runs. Possible values are: `slow`, `fast`.\t\n|teeth\t|Int32\t|How many teeth.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::br_in_cells(
    vec![mode_row("How it runs.<br>Possible values are: `slow`, `fast`.<br/>Default: `idle`.")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::table_headed_name_with_a_required_column(
    vec![table_page("| Name | Type | Required | Description |\n|:--|:--|:--|:--|\n| mode | sprocketMode | No | How it runs. Possible values are: `slow`, `fast`. |")],
    "sprocket", "mode", EdmType::Enum("sprocketMode".into()), &["slow", "fast"], "string"
)]
#[case::a_string_cell_that_lists_values_keeps_them_as_resource_pages_do(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|mode|String|How it runs. Possible values are: `slow`, `fast`.|")],
    "sprocket", "mode", EdmType::String, &["slow", "fast"], "string"
)]
#[case::type_named_like_a_collection_is_not_a_collection(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|parts|[sprocketPartCollection](../resources/sprocket-partcollection.md)|The parts, grouped.|")],
    "sprocket", "parts", EdmType::Named("sprocketPartCollection".into()), &[], "object"
)]
fn reads_the_property(
    #[case] sources: Vec<PageSource>,
    #[case] resource: &str,
    #[case] property: &str,
    #[case] ty: EdmType,
    #[case] members: &[&str],
    #[case] schema_type: &str,
) {
    let derivation = derive(&sources);
    let unexpected: Vec<String> = derivation
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::TodoPlaceholder)
        .map(ToString::to_string)
        .collect();
    assert_eq!(unexpected, Vec::<String>::new());
    let contract = &derivation.contract;
    let found = contract
        .resource(resource)
        .and_then(|r| r.property(property))
        .unwrap_or_else(|| panic!("no `{property}` in `{resource}`: {:?}", contract.resources));
    assert_eq!(found.ty, ty);
    assert_eq!(found.members, members);
    let schema = property_schema(found, contract, Variant::Request);
    assert_eq!(schema["type"], schema_type, "request schema {schema}");
}

#[rstest]
#[case::string_collection_accepts_an_array_of_strings(
    fixture("update-widget.md"), "tags", Variant::Request, json!(["kitchen"]), true
)]
#[case::string_collection_rejects_a_single_string(
    fixture("update-widget.md"), "tags", Variant::Request, json!("kitchen"), false
)]
#[case::enum_accepts_a_listed_member(
    fixture("update-widget.md"), "state", Variant::Request, json!("paused"), true
)]
#[case::enum_rejects_a_value_the_page_does_not_list(
    fixture("update-widget.md"), "state", Variant::Request, json!("sideways"), false
)]
#[case::enum_values_are_case_sensitive(
    fixture("update-widget.md"), "state", Variant::Request, json!("Paused"), false
)]
#[case::response_accepts_null_for_an_unset_property(
    fixture("update-widget.md"), "displayName", Variant::Response, json!(null), true
)]
#[case::request_rejects_null(
    fixture("update-widget.md"), "displayName", Variant::Request, json!(null), false
)]
#[case::int32_rejects_a_fraction(
    fixture("update-gizmo.md"), "level", Variant::Request, json!(3.5), false
)]
#[case::float_is_a_number(
    table_page("|Property|Type|Description|\n|:---|:---|:---|\n|ratio|Float|Gear ratio.|"), "ratio", Variant::Request, json!(2.5), true
)]
#[case::null_among_possible_values_allows_json_null(
    mode_row("How it runs. Allowed values: `null`, `slow`, `fast`."), "mode", Variant::Response, json!(null), true
)]
fn property_schema_checks_a_value(
    #[case] source: PageSource,
    #[case] property: &str,
    #[case] variant: Variant,
    #[case] value: Value,
    #[case] valid: bool,
) {
    let derivation = derive(std::slice::from_ref(&source));
    let contract = &derivation.contract;
    let found = contract
        .resources
        .iter()
        .find_map(|r| r.property(property))
        .unwrap_or_else(|| panic!("no `{property}` in {:?}", contract.resources));
    let schema = property_schema(found, contract, variant);
    assert_eq!(
        jsonschema::is_valid(&schema, &value),
        valid,
        "{value} against {schema}"
    );
}

// ---------------------------------------------------------------------------------------
// The examples

#[rstest]
#[case::example_request_and_response_are_read_from_the_example_section(
    fixture("update-widget.md"),
    &["PATCH /widgets/{widgetId} {@odata.type,displayName,state} => 200 OK {@odata.type,id,displayName,state,lastSeenDateTime,tags}"]
)]
#[case::response_without_blank_line_before_body_is_read(
    variant("update-widget.md", &[("Content-Type: application/json\n\n{", "Content-Type: application/json\n{")]),
    &["PATCH /widgets/{widgetId} {@odata.type,displayName,state} => 200 OK {@odata.type,id,displayName,state,lastSeenDateTime,tags}"]
)]
#[case::request_without_blank_line_before_body_is_read(
    variant("update-widget.md", &[("Content-type: application/json\n\n{", "Content-type: application/json\n{")]),
    &["PATCH /widgets/{widgetId} {@odata.type,displayName,state} => 200 OK {@odata.type,id,displayName,state,lastSeenDateTime,tags}"]
)]
#[case::request_without_odata_type_is_read(
    fixture("update-gizmo.md"),
    &["PATCH /things/gizmos/{gizmoId} {label,level} => 200 OK {@odata.type,id,label,level}"]
)]
#[case::block_type_comments_and_todo_placeholders_do_not_hide_the_example(
    fixture("update-gadget.md"),
    &["PATCH /gadgets/{gadgetId} {@odata.type,name,status} => 200 OK {@odata.type,id,name,status}"]
)]
#[case::http_201_without_version(
    variant("create-widget.md", &[("HTTP/1.1 201 Created", "HTTP 201 Created")]),
    &["POST /widgets {@odata.type,displayName,state,ownerId} => 201 Created {@odata.type,id,displayName,state,ownerId}"]
)]
#[case::json_fence_response_gets_documented_status(
    variant("update-widget.md", &[("``` http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{", "``` json\n{")]),
    &["PATCH /widgets/{widgetId} {@odata.type,displayName,state} => 200 OK {@odata.type,id,displayName,state,lastSeenDateTime,tags}"]
)]
#[case::sdk_tab_headings_do_not_end_sections(
    variant("update-widget.md", &[
        ("### Request\n\n", "### Request\n\n# [HTTP](#tab/http)\n\n"),
        ("### Response\n", "# [C#](#tab/csharp)\n\n[!INCLUDE [sample-code](../includes/snippets/csharp/update-widget.md)]\n\n``` csharp\nawait client.Widgets[\"42\"].PatchAsync(body);\n```\n\n---\n\n### Response\n"),
    ]),
    &["PATCH /widgets/{widgetId} {@odata.type,displayName,state} => 200 OK {@odata.type,id,displayName,state,lastSeenDateTime,tags}"]
)]
#[case::several_examples_per_page(
    fixture("update-sprocket.md"),
    &[
        "PATCH /sprockets/{sprocketId} {teeth} => 204 No Content -",
        "PATCH /sprockets/{sprocketId} {finish} => 204 No Content -",
    ]
)]
#[case::page_without_examples_has_none(mode_row("How it runs."), &[])]
fn reads_the_examples(#[case] source: PageSource, #[case] expected: &[&str]) {
    let report = read_page(&source.name, &source.text);
    let unexpected: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::TodoPlaceholder)
        .map(ToString::to_string)
        .collect();
    assert_eq!(unexpected, Vec::<String>::new());
    let page = report.page.expect("the page is used");
    let examples: Vec<String> = page.examples.iter().map(example).collect();
    assert_eq!(examples, expected);
}

#[rstest]
#[case::clean_example_has_no_findings(fixture("update-widget.md"), &[], false)]
#[case::example_value_outside_enum_contradicts_the_page(
    variant("update-widget.md", &[("\"state\": \"on\"", "\"state\": \"sideways\"")]),
    &[Code::ExampleEnum, Code::ExampleEnum],
    true
)]
#[case::date_time_without_offset_contradicts_the_page(
    variant("update-widget.md", &[("2024-04-30T08:15:00Z", "2024-04-30 08:15")]),
    &[Code::ExampleFormat],
    true
)]
#[case::unlisted_example_property_does_not_contradict_the_page(
    variant("update-widget.md", &[("\"displayName\": \"Blue widget\",", "\"displayName\": \"Blue widget\",\n  \"colour\": \"blue\",")]),
    &[Code::ExampleUnlistedProperty, Code::ExampleUnlistedProperty],
    false
)]
#[case::other_example_status_does_not_contradict_the_page(
    variant("update-widget.md", &[("HTTP/1.1 200 OK", "HTTP/1.1 202 Accepted")]),
    &[Code::ExampleStatus],
    false
)]
fn records_example_findings(
    #[case] source: PageSource,
    #[case] codes: &[Code],
    #[case] contradicts: bool,
) {
    let page = read_page(&source.name, &source.text)
        .page
        .expect("page is used");
    let [example] = page.examples.as_slice() else {
        panic!("one example expected: {:?}", page.examples)
    };
    let found: Vec<Code> = example.findings.iter().map(|f| f.code).collect();
    assert_eq!(found, codes);
    assert_eq!(example.contradicts_page(), contradicts);
}

// ---------------------------------------------------------------------------------------
// Diagnostics

/// An expected diagnostic: its code, the file, a needle that starts where it points (the
/// n-th listing of the same needle means its n-th occurrence), and a part of its message.
type Expected = (Code, &'static str, &'static str, &'static str);

const GET_PAGE: &str = r#"# Get widget

Read the properties of a [widget](../resources/widget.md) object.

## HTTP request

``` http
GET /widgets/{widgetId}
```

## Response

If successful, this method returns a `200 OK` response code and a [widget](../resources/widget.md) object in the response body.
"#;

const DELETE_PAGE: &str = r#"# Delete widget

Remove a [widget](../resources/widget.md) for good.

## HTTP request

``` http
DELETE /widgets/{widgetId}
```

## Request body

Do not send a request body.

## Response

If successful, this method returns a `204 No Content` response code.
"#;

const REF_PAGE: &str = r#"# Add widget owner

Make a user an owner of a [widget](../resources/widget.md).

## HTTP request

``` http
POST /widgets/{widgetId}/owners/$ref
```

## Request body

|Property|Type|Description|
|:---|:---|:---|
|@odata.id|String|The URL of the user to add.|

## Response

If successful, this method returns a `204 No Content` response code.
"#;

const ACTION_PAGE: &str = r#"# widget: reset

Put a [widget](../resources/widget.md) back to its factory settings.

## HTTP request

``` http
POST /widgets/{widgetId}/reset
```

## Request body

|Parameter|Type|Description|
|:---|:---|:---|
|keepName|Boolean|Whether the widget keeps its display name.|

## Response

If successful, this action returns a `204 No Content` response code.
"#;

const NO_TABLE_PAGE: &str = r#"# Update widget

## HTTP request

``` http
PATCH /widgets/{widgetId}
```

## Request body

Send the changed properties of the [widget](../resources/widget.md) as JSON.

## Response

If successful, this method returns a `200 OK` response code.
"#;

const NO_STATUS_PAGE: &str = r#"# Update widget

## HTTP request

``` http
PATCH /widgets/{widgetId}
```

## Request body

|Property|Type|Description|
|:---|:---|:---|
|displayName|String|Name shown for the widget.|

## Response

If successful, this method returns the changed widget.
"#;

const OVERVIEW_PAGE: &str = r#"# Widgets overview

Widgets are small things that do one job each.

## Properties

|Property|Type|Description|
|:---|:---|:---|
|displayName|String|Name shown for the widget.|
"#;

#[rstest]
#[case::clean_pages_have_no_diagnostics(
    vec![fixture("update-widget.md"), fixture("create-widget.md"), fixture("update-gizmo.md"), fixture("update-sprocket.md")],
    &[],
    &["create-widget", "update-gizmo", "update-sprocket", "update-widget"]
)]
#[case::todo_placeholders_are_warnings(
    vec![fixture("update-gadget.md")],
    &[
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Describe this page", "TODO placeholder left in the page"),
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Name the writer", "TODO placeholder left in the page"),
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Name the permission", "TODO placeholder left in the page"),
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Name the permission", "TODO placeholder left in the page"),
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Describe the key", "TODO placeholder left in the page"),
        (Code::TodoPlaceholder, "update-gadget.md", "TODO: Describe the name", "TODO placeholder left in the page"),
    ],
    &["update-gadget"]
)]
#[case::content_length_that_matches_neither_lf_nor_crlf_is_a_warning(
    vec![variant("update-widget.md", &[("Content-type: application/json\n", "Content-type: application/json\nContent-Length: 120\n")])],
    &[(Code::ContentLength, "update-widget.md", "Content-Length: 120", "does not match the example body (95 bytes, 99 with CRLF line ends)")],
    &["update-widget"]
)]
#[case::content_length_that_matches_the_lf_body_is_accepted(
    vec![variant("update-widget.md", &[("Content-type: application/json\n", "Content-type: application/json\nContent-Length: 95\n")])],
    &[],
    &["update-widget"]
)]
#[case::content_length_that_matches_the_crlf_body_is_accepted(
    vec![variant("update-widget.md", &[("Content-type: application/json\n", "Content-type: application/json\nContent-Length: 99\n")])],
    &[],
    &["update-widget"]
)]
#[case::example_value_outside_enum_is_a_warning_on_its_line(
    vec![variant("update-widget.md", &[("\"state\": \"on\"", "\"state\": \"sideways\"")])],
    &[
        (Code::ExampleEnum, "update-widget.md", "\"state\": \"sideways\"", "`state` is \"sideways\", not one of the page's values `off`, `on`, `paused`"),
        (Code::ExampleEnum, "update-widget.md", "\"state\": \"sideways\"", "`state` is \"sideways\", not one of the page's values `off`, `on`, `paused`"),
    ],
    &["update-widget"]
)]
#[case::unlisted_example_property_is_a_warning(
    vec![variant("update-widget.md", &[("\"displayName\": \"Blue widget\",", "\"displayName\": \"Blue widget\",\n  \"colour\": \"blue\",")])],
    &[
        (Code::ExampleUnlistedProperty, "update-widget.md", "\"colour\"", "`colour` is not in the page's property table"),
        (Code::ExampleUnlistedProperty, "update-widget.md", "\"colour\"", "`colour` is not in the page's property table"),
    ],
    &["update-widget"]
)]
#[case::example_value_of_the_wrong_json_type_is_a_warning(
    vec![variant("update-widget.md", &[("\"tags\": [\"kitchen\", \"spare\"]", "\"tags\": \"kitchen\"")])],
    &[(Code::ExampleType, "update-widget.md", "\"tags\"", "`tags` is \"kitchen\" but the page types it `String collection`")],
    &["update-widget"]
)]
#[case::date_time_without_offset_is_a_warning(
    vec![variant("update-widget.md", &[("2024-04-30T08:15:00Z", "2024-04-30 08:15")])],
    &[(Code::ExampleFormat, "update-widget.md", "\"lastSeenDateTime\"", "not a DateTimeOffset")],
    &["update-widget"]
)]
#[case::foreign_odata_type_is_a_warning(
    vec![variant("update-widget.md", &[("\"@odata.type\": \"#microsoft.graph.widget\",\n  \"displayName\"", "\"@odata.type\": \"#microsoft.graph.gadget\",\n  \"displayName\"")])],
    &[(Code::ExampleOdataType, "update-widget.md", "\"@odata.type\": \"#microsoft.graph.gadget\"", "but the page documents `#microsoft.graph.widget`")],
    &["update-widget"]
)]
#[case::example_status_other_than_the_documented_one_is_a_warning(
    vec![variant("update-widget.md", &[("HTTP/1.1 200 OK", "HTTP/1.1 202 Accepted")])],
    &[(Code::ExampleStatus, "update-widget.md", "HTTP/1.1 202 Accepted", "the example response is `202 Accepted` but the page documents `200 OK`")],
    &["update-widget"]
)]
#[case::status_comes_from_the_example_when_the_response_section_states_none(
    vec![variant("update-widget.md", &[("returns a `200 OK` response code and the changed", "returns the changed")])],
    &[(Code::StatusFromExample, "update-widget.md", "## Response", "using the example's `200 OK`")],
    &["update-widget"]
)]
#[case::no_success_status_anywhere_is_an_error(
    vec![inline("no-status.md", NO_STATUS_PAGE)],
    &[(Code::NoSuccessStatus, "no-status.md", "## Response", "no success status")],
    &[]
)]
#[case::missing_request_line_is_an_error_with_line(
    vec![variant("update-widget.md", &[("``` http\nPATCH /widgets/{widgetId}\n", "``` http\n/widgets/{widgetId}\n")])],
    &[(Code::NoRequestLine, "update-widget.md", "## HTTP request", "holds no request line")],
    &[]
)]
#[case::http_request_section_without_code_block_is_an_error(
    vec![variant("update-widget.md", &[("``` http\nPATCH /widgets/{widgetId}\n```", "Send the request to the widget's own URL.")])],
    &[(Code::NoRequestLine, "update-widget.md", "## HTTP request", "has no code block with a request line")],
    &[]
)]
#[case::page_without_http_request_section_is_skipped(
    vec![inline("widgets-overview.md", OVERVIEW_PAGE)],
    &[(Code::Skipped, "widgets-overview.md", "# Widgets overview", "not an API reference page")],
    &[]
)]
#[case::patch_without_property_table_is_a_warning_and_kept(
    vec![inline("update-widget.md", NO_TABLE_PAGE)],
    &[(Code::NoPropertyTable, "update-widget.md", "PATCH /widgets/{widgetId}", "the PATCH page has no property table")],
    &["update-widget"]
)]
#[case::row_that_names_no_property_is_a_warning(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|See [sprocket](../resources/sprocket.md)|String|All of them.|\n|teeth|Int32|How many teeth.|")],
    &[(Code::TableRow, "sprocket-table.md", "|See [sprocket]", "row skipped: `See sprocket` is not a property name")],
    &["update-sprocket"]
)]
#[case::row_whose_type_is_not_a_graph_type_is_a_warning(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|teeth|n/a|How many teeth.|")],
    &[(Code::TableRow, "sprocket-table.md", "|teeth|n/a|", "row skipped: the type `n/a` of `teeth` is not a Graph type")],
    &["update-sprocket"]
)]
#[case::property_listed_twice_is_a_warning(
    vec![table_page("|Property|Type|Description|\n|:---|:---|:---|\n|teeth|Int32|How many teeth.|\n|teeth|String|How many teeth, spelled out.|")],
    &[(Code::TableRow, "sprocket-table.md", "|teeth|String|", "`teeth` is listed twice; the first row is used")],
    &["update-sprocket"]
)]
#[case::announced_values_that_cannot_be_read_are_a_warning(
    vec![mode_row("How it runs. Possible values are: 1-3.")],
    &[(Code::EnumMembers, "sprocket-table.md", "|mode|", "`mode` announces possible values but none could be read")],
    &["update-sprocket"]
)]
#[case::front_matter_that_is_not_yaml_is_a_warning(
    vec![variant("update-widget.md", &[("description: \"Change the properties of a widget.\"", "description: [Change the properties of a widget")])],
    &[(Code::FrontMatter, "update-widget.md", "title: \"Update widget\"", "front matter is not valid YAML")],
    &["update-widget"]
)]
#[case::replaced_invalid_utf8_is_an_encoding_warning(
    vec![variant("update-widget.md", &[("Name shown for the widget.", "Name shown for the widget \u{fffd}.")])],
    &[(Code::Encoding, "update-widget.md", "---", "not valid UTF-8")],
    &["update-widget"]
)]
#[case::example_body_that_is_not_json_drops_the_example_not_the_operation(
    vec![variant("update-widget.md", &[("\"state\": \"on\"\n}", "\"state\": on\n}")])],
    &[(Code::ExampleNotJson, "update-widget.md", "on\n}", "the example body is not JSON, so this example is not used: expected value at line 4 column 12")],
    &["update-widget"]
)]
#[case::get_page_is_a_get_operation(
    vec![inline("get-widget.md", GET_PAGE)],
    &[],
    &["get-widget"]
)]
#[case::delete_page_is_a_delete_operation(
    vec![inline("delete-widget.md", DELETE_PAGE)],
    &[],
    &["delete-widget"]
)]
#[case::ref_post_adds_a_reference_named_after_the_navigation(
    vec![inline("add-widget-owner.md", REF_PAGE)],
    &[],
    &["add-ref-widget-owners"]
)]
#[case::post_with_a_parameter_table_is_an_action_named_after_what_it_calls(
    vec![inline("widget-reset.md", ACTION_PAGE)],
    &[],
    &["action-widget-reset"]
)]
#[case::several_request_lines_with_mixed_methods_first_decides(
    vec![variant("update-widget.md", &[("PATCH /widgets/{widgetId}\n", "PUT /widgets/{widgetId}\nPATCH /widgets/{widgetId}\n")])],
    &[(Code::OtherMethods, "update-widget.md", "PUT /widgets/{widgetId}", "also documents PATCH; only PUT is derived")],
    &["replace-widget"]
)]
#[case::post_whose_body_is_a_representation_creates_whatever_its_title(
    vec![variant("create-widget.md", &[("# Create widget", "# Provision widget"), ("`201 Created`", "`200 OK`"), ("HTTP/1.1 201 Created", "HTTP/1.1 200 OK")])],
    &[],
    &["create-widget"]
)]
#[case::two_pages_disagreeing_on_a_property_is_an_error_naming_both(
    vec![
        fixture("create-widget.md"),
        variant("update-widget.md", &[("Possible values are: `off`, `on`, `paused`.", "Possible values are: `off`, `on`.")]),
    ],
    &[(
        Code::PropertyConflict,
        "update-widget.md",
        "|state|",
        "property `state` of `widget` is `widgetState` with values off, on here but `widgetState` with values off, on, paused at create-widget.md:40:1; the first definition is used",
    )],
    &["create-widget", "update-widget"]
)]
#[case::pages_that_agree_on_a_property_in_another_order_do_not_conflict(
    vec![
        fixture("create-widget.md"),
        variant("update-widget.md", &[("Possible values are: `off`, `on`, `paused`.", "Possible values are: `paused`, `on`, `off`.")]),
    ],
    &[],
    &["create-widget", "update-widget"]
)]
#[case::two_pages_of_one_operation_merge_into_one(
    vec![fixture("update-widget.md"), named("update-widget-again.md", fixture("update-widget.md"))],
    &[],
    &["update-widget"]
)]
#[case::example_body_that_is_not_json_points_at_the_character_column(
    vec![variant("update-widget.md", &[("\"state\": \"on\"\n}", "\"state\": \"åå\", \"x\": on\n}")])],
    &[(Code::ExampleNotJson, "update-widget.md", "on\n}", "the example body is not JSON, so this example is not used: expected value")],
    &["update-widget"]
)]
#[case::example_body_with_a_non_json_content_type_is_not_read_as_json(
    vec![variant("update-widget.md", &[("### Response\n", "``` http\nPUT https://graph.microsoft.com/beta/widgets/{widgetId}/icon\nContent-Type: image/png\n\n<PNG bytes>\n```\n\n### Response\n")])],
    &[],
    &["update-widget"]
)]
fn reports(
    #[case] sources: Vec<PageSource>,
    #[case] expected: &[Expected],
    #[case] operations: &[&str],
) {
    let derivation = derive(&sources);
    let text = |file: &str| {
        let source = sources.iter().find(|s| s.name == file);
        source.map_or_else(|| panic!("no page {file}"), |s| s.text.as_str())
    };
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut want: Vec<(String, &str)> = expected
        .iter()
        .map(|&(code, file, needle, says)| {
            let nth = seen.entry((file, needle)).or_default();
            let (line, col) = position(text(file), needle, *nth);
            *nth += 1;
            (format!("{file}:{line}:{col} {}", code.as_str()), says)
        })
        .collect();
    let mut got: Vec<(String, String)> = derivation
        .diagnostics
        .iter()
        .map(|d| (format!("{} {}", d.span, d.code.as_str()), d.message.clone()))
        .collect();
    want.sort();
    got.sort();
    let where_want: Vec<&str> = want.iter().map(|(at, _)| at.as_str()).collect();
    let where_got: Vec<&str> = got.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(where_got, where_want, "diagnostics: {got:#?}");
    for ((at, message), (_, says)) in got.iter().zip(&want) {
        assert!(
            message.contains(says),
            "{at}: {message:?} should say {says:?}"
        );
    }
    let ids: Vec<&str> = derivation
        .contract
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, operations);
}

#[rstest]
#[case::warning_prints_file_line_col_severity_and_code(
    variant("update-widget.md", &[("HTTP/1.1 200 OK", "HTTP/1.1 202 Accepted")]),
    "update-widget.md:73:1: warning[example-status]: the example response is `202 Accepted` but the page documents `200 OK`"
)]
#[case::error_prints_error_and_code(
    inline("update-widget.md", &NO_TABLE_PAGE.replace("PATCH /widgets", "PATCH ~/widgets")),
    "update-widget.md:6:1: error[not-a-path]: the request line `PATCH ~/widgets/{widgetId}` does not name a path: write it from the service root (`PATCH /users/{id}`)"
)]
#[case::skipped_page_prints_a_note(
    inline("widgets-overview.md", OVERVIEW_PAGE),
    "widgets-overview.md:1:1: note: skipped: not an API reference page: it has no `HTTP request` section"
)]
fn prints_diagnostics_like_rustc(#[case] source: PageSource, #[case] expected: &str) {
    let derivation = derive(std::slice::from_ref(&source));
    let printed: Vec<String> = derivation
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(printed, [expected]);
}

// ---------------------------------------------------------------------------------------
// Encodings and the whole contract

#[rstest]
#[case::byte_order_mark_is_accepted(|t: &str| format!("\u{feff}{t}"))]
#[case::crlf_is_accepted(|t: &str| t.replace('\n', "\r\n"))]
#[case::byte_order_mark_and_crlf_are_accepted(|t: &str| format!("\u{feff}{}", t.replace('\n', "\r\n")))]
fn reads_the_same_page_whatever_the_encoding(
    #[case] encode: fn(&str) -> String,
    #[values(fixture("update-widget.md"), titled_by_front_matter())] plain: PageSource,
) {
    let encoded = inline(&plain.name, &encode(&plain.text));
    assert_eq!(read_clean(&encoded), read_clean(&plain));
}

#[rstest]
#[case::create_and_update_pages_merge_into_one_resource(
    vec![fixture("create-widget.md"), fixture("update-widget.md")],
    &["widget (id, displayName, state, ownerId, lastSeenDateTime, tags) from create-widget.md:36:1 update-widget.md:41:1"],
    &["create-widget POST /widgets 201", "update-widget PATCH /widgets/{widgetId} 200"]
)]
#[case::first_page_read_orders_the_merged_properties(
    vec![fixture("update-widget.md"), fixture("create-widget.md")],
    &["widget (id, displayName, state, lastSeenDateTime, tags, ownerId) from update-widget.md:41:1 create-widget.md:36:1"],
    &["create-widget POST /widgets 201", "update-widget PATCH /widgets/{widgetId} 200"]
)]
#[case::each_resource_is_kept_apart_in_name_order(
    vec![fixture("update-widget.md"), fixture("update-gizmo.md")],
    &[
        "gizmo (id, label, level) from update-gizmo.md:36:1",
        "widget (id, displayName, state, lastSeenDateTime, tags) from update-widget.md:41:1",
    ],
    &["update-gizmo PATCH /things/gizmos/{gizmoId} 200", "update-widget PATCH /widgets/{widgetId} 200"]
)]
#[case::a_get_page_adds_its_operation_but_no_properties(
    vec![inline("get-widget.md", GET_PAGE), fixture("update-gizmo.md")],
    &["gizmo (id, label, level) from update-gizmo.md:36:1", "widget () from "],
    &["get-widget GET /widgets/{widgetId} 200", "update-gizmo PATCH /things/gizmos/{gizmoId} 200"]
)]
fn derives_the_contract(
    #[case] sources: Vec<PageSource>,
    #[case] resources: &[&str],
    #[case] operations: &[&str],
) {
    let derivation = derive(&sources);
    assert_eq!(derivation.pages, sources.len());
    let errors: Vec<String> = derivation
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::Skipped)
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let got_resources: Vec<String> = derivation
        .contract
        .resources
        .iter()
        .map(|r| {
            let names: Vec<&str> = r.properties.iter().map(|p| p.name.as_str()).collect();
            let spans: Vec<String> = r.spans.iter().map(ToString::to_string).collect();
            format!("{} ({}) from {}", r.name, names.join(", "), spans.join(" "))
        })
        .collect();
    assert_eq!(got_resources, resources);
    let got_operations: Vec<String> = derivation
        .contract
        .operations
        .iter()
        .map(|o| format!("{} {} {} {}", o.id, o.method, o.path, o.status.code))
        .collect();
    assert_eq!(got_operations, operations);
}
