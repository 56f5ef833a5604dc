//! Resource and enum pages wired into derive: the resource page defines the resource (its
//! properties, types, enum members, inherited properties, relationships apart) and names it;
//! a method page's table describes its request body, and disagrees with a warning.
//!
//! The fixture tree `tests/fixtures/reference/` is written for this project in the shape of
//! the Graph reference: `api/` holds method pages about lamps, bulbs and named light presets,
//! `resources/` the pages of `entity`, `lamp` (inherits from entity, a Required column, two
//! relationships), `studioNamedLight` (page `namedlight.md`), and the enums `lampMode` and
//! `lampFeatures` (flags). There is deliberately no page for `bulb`.

use graph_conformance::coverage::Coverage;
use graph_conformance::derive::{Derivation, PageSource, collect_pages, derive};
use graph_conformance::diagnostic::{Code, Severity};
use graph_conformance::model::{EdmType, Method, Operation, OperationKind, Property, Resource};
use proptest::prelude::*;
use rstest::rstest;
use std::path::{Path, PathBuf};

fn tree(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reference")
        .join(sub)
}

fn pages(sub: &str) -> Vec<PageSource> {
    collect_pages(&[tree(sub)]).unwrap_or_else(|e| panic!("{sub}: {e}"))
}

/// The whole fixture tree derived: api and resources together.
fn whole() -> Derivation {
    derive(&pages(""))
}

fn resource<'a>(derivation: &'a Derivation, name: &str) -> &'a Resource {
    derivation.contract.resource(name).unwrap_or_else(|| {
        panic!(
            "no resource `{name}` in {:?}",
            derivation.contract.resources
        )
    })
}

fn property<'a>(derivation: &'a Derivation, resource_name: &str, name: &str) -> &'a Property {
    resource(derivation, resource_name)
        .property(name)
        .unwrap_or_else(|| panic!("no `{name}` on `{resource_name}`"))
}

fn operation(derivation: &Derivation, method: Method, path: &str) -> Operation {
    let found: Vec<&Operation> = derivation
        .contract
        .operations
        .iter()
        .filter(|o| o.method == method && o.path == path)
        .collect();
    assert_eq!(found.len(), 1, "{method} {path}: {found:?}");
    found[0].clone()
}

fn codes_on(derivation: &Derivation, file: &str) -> Vec<Code> {
    derivation
        .diagnostics
        .iter()
        .filter(|d| d.span.file == file)
        .map(|d| d.code)
        .collect()
}

fn enumeration(name: &str) -> EdmType {
    EdmType::Enum(name.to_string())
}

fn names(properties: &[Property]) -> Vec<&str> {
    properties.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn a_directory_is_read_with_its_subdirectories() {
    let names: Vec<String> = pages("").into_iter().map(|p| p.name).collect();
    assert!(names.contains(&"lamp-list.md".to_string()), "{names:?}");
    assert!(names.contains(&"lampfeatures.md".to_string()), "{names:?}");
    assert_eq!(names.len(), 12, "{names:?}");
}

#[test]
fn resource_and_enum_pages_are_not_method_pages_in_the_coverage() {
    let sources = pages("");
    let derivation = derive(&sources);
    let all: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let coverage = Coverage::of(&derivation, &all);
    assert_eq!(derivation.resource_pages.len(), 5);
    assert_eq!(coverage.pages, 7);
    assert_eq!(coverage.pages_with_operation, 7);
    assert_eq!(coverage.unexplained, 0);
}

#[rstest]
#[case::a_create_whose_table_is_headed_parameter(Method::Post, "/lamps", OperationKind::Create)]
#[case::a_get_whose_response_is_a_collection_is_a_list(Method::Get, "/lamps", OperationKind::List)]
#[case::a_create_whose_properties_live_on_the_resource_page(
    Method::Post,
    "/studio/namedLights",
    OperationKind::Create
)]
fn flagship_shapes_get_their_kind(
    #[case] method: Method,
    #[case] path: &str,
    #[case] kind: OperationKind,
) {
    assert_eq!(operation(&whole(), method, path).kind, kind);
}

#[test]
fn an_update_spread_over_a_generic_and_a_specific_page_is_one_operation_with_both_tables() {
    let derivation = whole();
    let updates: Vec<&Operation> = derivation
        .contract
        .operations
        .iter()
        .filter(|o| o.kind == OperationKind::Update)
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    let update = updates[0];
    let mut pages: Vec<&str> = std::iter::once(update.spans.request_line.file.as_str())
        .chain(update.spans.merged.iter().map(|s| s.file.as_str()))
        .collect();
    pages.sort();
    assert_eq!(pages, ["lamp-update-schedule.md", "lamp-update.md"]);
    let lamp = resource(&derivation, "lamp");
    for table in ["lamp-update.md", "lamp-update-schedule.md"] {
        assert!(
            lamp.spans.iter().any(|s| s.file == table),
            "{:?}",
            lamp.spans
        );
    }
    assert!(lamp.property("offAt").is_some() && lamp.property("fallbackMode").is_some());
}

#[rstest]
#[case::the_resource_page_defines_them("namedlight-add.md", false)]
#[case::no_page_defines_them("bulb-post.md", true)]
fn a_create_without_a_table_is_warned_only_when_no_resource_page_defines_its_properties(
    #[case] page: &str,
    #[case] warned: bool,
) {
    let derivation = whole();
    assert_eq!(
        codes_on(&derivation, page).contains(&Code::NoPropertyTable),
        warned,
        "{:?}",
        derivation.diagnostics
    );
}

#[test]
fn the_resource_page_decides_a_type_a_method_page_row_contradicts_with_a_warning() {
    let derivation = whole();
    let brightness = property(&derivation, "lamp", "brightness");
    assert_eq!(brightness.ty, EdmType::Int32);
    assert_eq!(brightness.span.file, "lamp.md");
    let conflicts: Vec<_> = derivation
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ResourcePageConflict)
        .collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let conflict = conflicts[0];
    assert_eq!(conflict.severity, Severity::Warning);
    assert_eq!(conflict.span.file, "lamp-update.md");
    assert!(
        conflict.message.contains("lamp.md:12"),
        "{}",
        conflict.message
    );
    assert_eq!(
        derivation.count(Severity::Error),
        0,
        "{:?}",
        derivation.diagnostics
    );
}

#[test]
fn the_resource_page_row_order_comes_first_and_method_page_properties_are_kept() {
    let derivation = whole();
    let lamp = resource(&derivation, "lamp");
    let names = names(&lamp.properties);
    assert_eq!(
        names[..6],
        [
            "id",
            "displayName",
            "brightness",
            "mode",
            "features",
            "installedDateTime"
        ]
    );
    assert!(names.contains(&"offAt"), "{names:?}");
}

#[rstest]
#[case::on_the_resource_page("mode", false)]
#[case::only_on_a_method_page("fallbackMode", false)]
#[case::a_flags_enum("features", true)]
fn an_enum_page_gives_its_members_and_flags(#[case] name: &str, #[case] flags: bool) {
    let derivation = whole();
    let p = property(&derivation, "lamp", name);
    let (ty, members): (EdmType, &[&str]) = if flags {
        (
            enumeration("lampFeatures"),
            &["none", "dimmer", "timer", "colour"],
        )
    } else {
        (enumeration("lampMode"), &["steady", "blinking", "dimmed"])
    };
    assert_eq!(p.ty, ty);
    assert_eq!(p.members, members);
    assert_eq!(p.flags, flags);
}

#[rstest]
#[case::required_yes("displayName", true)]
#[case::required_no("brightness", false)]
#[case::inherited_without_the_column("id", false)]
fn the_required_column_reaches_the_property(#[case] name: &str, #[case] required: bool) {
    assert_eq!(property(&whole(), "lamp", name).required, required);
}

#[test]
fn relationships_are_kept_out_of_the_properties() {
    let derivation = whole();
    let lamp = resource(&derivation, "lamp");
    for name in ["room", "spares"] {
        assert!(lamp.property(name).is_none(), "{name} among properties");
    }
    assert_eq!(names(&lamp.relationships), ["room", "spares"]);
    assert_eq!(
        lamp.relationships[1].ty,
        EdmType::Collection(Box::new(EdmType::Named("bulb".into())))
    );
}

#[test]
fn inherited_properties_are_part_of_the_resource() {
    let derivation = whole();
    let lamp = resource(&derivation, "lamp");
    assert_eq!(lamp.base_type.as_deref(), Some("entity"));
    let id = property(&derivation, "lamp", "id");
    assert_eq!(id.span.file, "entity.md");
    assert!(id.read_only);
}

#[rstest]
#[case::with_the_resource_page("", "studioNamedLight", "namedLight")]
#[case::without_it_today_s_rules("api", "namedLight", "studioNamedLight")]
fn the_resource_page_names_the_resource(
    #[case] sub: &str,
    #[case] named: &str,
    #[case] absent: &str,
) {
    let derivation = derive(&pages(sub));
    assert!(derivation.contract.resource(absent).is_none());
    let ops: Vec<&Operation> = derivation
        .contract
        .operations
        .iter()
        .filter(|o| o.path.starts_with("/studio/"))
        .collect();
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|o| o.resource == named), "{ops:?}");
    assert!(derivation.contract.resource(named).is_some());
}

/// Two type pages that inherit from each other.
fn cycle() -> Vec<PageSource> {
    let type_page = |name: &str, base: &str, property: &str| PageSource {
        name: format!("{name}.md"),
        text: format!(
            "# {name} resource type\n\nA loop. Inherits from [{base}]({base}.md).\n\n## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| {property} | Int32 | A number. |\n"
        ),
    };
    let method = PageSource {
        name: "knot-update.md".into(),
        text: "# Update knot\n\nChange a [knot](../resources/knot.md).\n\n## HTTP request\n\n```http\nPATCH /knots/{id}\n```\n\n## Response\n\nIf successful, this method returns a `204 No Content` response code.\n".into(),
    };
    vec![
        type_page("knot", "loop", "tightness"),
        type_page("loop", "knot", "turns"),
        method,
    ]
}

#[test]
fn a_cycle_of_base_types_ends_where_it_repeats() {
    let derivation = derive(&cycle());
    let knot = resource(&derivation, "knot");
    assert_eq!(names(&knot.properties), ["turns", "tightness"]);
}

#[rstest::rstest]
#[case::the_title_names_the_type("Delete plannerPlan", "plannerPlan")]
#[case::after_an_article("Delete a plannerPlan", "plannerPlan")]
#[case::before_a_preposition("Delete plannerPlan from a group", "plannerPlan")]
#[case::a_qualified_word_is_not_the_type("Delete plannerPlan details", "directory")]
#[case::a_word_no_page_defines("Delete plan", "directory")]
fn a_delete_is_of_the_type_its_title_names(#[case] title: &str, #[case] resource: &str) {
    let type_page = |name: &str| PageSource {
        name: format!("{name}.md"),
        text: format!(
            "# {name} resource type\n\nA type.\n\n## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | The key. |\n"
        ),
    };
    // the introduction links another type, and the path's collection (`plans`) is no type
    let method = PageSource {
        name: "plannerplan-delete.md".into(),
        text: format!(
            "# {title}\n\nDeleted objects go to [deleted items](../resources/directory.md).\n\n## HTTP request\n\n```http\nDELETE /planner/plans/{{id}}\n```\n\n## Response\n\nIf successful, this method returns a `204 No Content` response code.\n"
        ),
    };
    let derivation = derive(&[type_page("plannerPlan"), type_page("directory"), method]);
    let op = &derivation.contract.operations[0];
    assert_eq!(op.resource, resource);
}

#[test]
fn without_resource_pages_today_s_rules_hold() {
    let derivation = derive(&pages("api"));
    assert!(derivation.resource_pages.is_empty());
    assert!(
        derivation
            .contract
            .resources
            .iter()
            .all(|r| r.relationships.is_empty() && r.base_type.is_none())
    );
    // today's rule: two method pages that disagree on a type are an error
    assert!(codes_on(&derivation, "lamp-update.md").contains(&Code::PropertyConflict));
}

/// Lines that method, resource and enum pages are made of.
const FRAGMENTS: &[&str] = &[
    "# lamp resource type\n",
    "# lampMode enum type\n",
    "# Update lamp\n",
    "# Create lamp\n",
    "Inherits from [entity](entity.md).\n",
    "Inherits from [lamp](lamp.md).\n",
    "Change a [lamp](../resources/lamp.md).\n",
    "## Properties\n",
    "## Relationships\n",
    "## Members\n",
    "## JSON representation\n",
    "## HTTP request\n",
    "## Request body\n",
    "## Response\n",
    "```http\n",
    "```json\n",
    "```\n",
    "PATCH /lamps/{id}\n",
    "POST /lamps\n",
    "GET /lamps\n",
    "| Property | Type | Required | Description |\n",
    "| Parameter | Type | Description |\n",
    "|Member|Value|Description|\n",
    "|:--|:--|:--|\n",
    "| mode | lampMode | No | How. |\n",
    "| id | String | Key. Read-only. |\n",
    "| spares | [bulb](bulb.md) collection | Spares. |\n",
    "|steady|0|Still.|\n",
    "|dimmer|1|Dims.|\n",
    "|timer|2|Off.|\n",
    "|colour|4|Hue.|\n",
    "<!-- { \"blockType\": \"resource\", \"@odata.type\": \"microsoft.graph.lamp\" } -->\n",
    "{ \"id\": \"string\", }\n",
    "If successful, this method returns a `200 OK` response code and a collection of [lamp](../resources/lamp.md) objects.\n",
    "If successful, this method returns a `201 Created` response code.\n",
    "\n",
    "|",
    "`",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => ".{0,12}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn derive_never_panics_on_mixes_of_method_and_resource_pages(
        texts in prop::collection::vec(soup(), 1..6),
    ) {
        let names = ["lamp.md", "lampmode.md", "entity.md", "lamp-update.md", "lamp-post.md", "x.md"];
        let pages: Vec<PageSource> = texts
            .into_iter()
            .zip(names)
            .map(|(text, name)| PageSource { name: name.to_string(), text })
            .collect();
        let derivation = derive(&pages);
        prop_assert!(derivation.contract.operations.len() <= pages.len());
        prop_assert!(derivation.resource_pages.len() <= pages.len());
    }
}

#[test]
fn an_odata_type_in_lower_case_takes_the_title_s_spelling() {
    let text = "# orgBadge resource type\n\n## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| label | String | The label. |\n\n## JSON representation\n\n<!-- { \"blockType\": \"resource\", \"@odata.type\": \"microsoft.graph.orgbadge\" } -->\n\n```json\n{ \"label\": \"string\" }\n```\n";
    let report = graph_conformance::docs::read_resource_page("orgbadge.md", text);
    match report.page {
        Some(graph_conformance::docs::ResourcePage::Type(page)) => {
            assert_eq!(page.name, "orgBadge");
        }
        other => panic!("not a type page: {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_directory_linked_into_itself_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir(&api).unwrap();
    std::fs::write(api.join("a.md"), "# A\n").unwrap();
    std::os::unix::fs::symlink(dir.path(), api.join("again")).unwrap();
    let pages = collect_pages(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a.md"]);
}

#[test]
fn a_page_with_an_http_request_section_stays_a_method_page() {
    let page = PageSource {
        name: "lamp-broken.md".into(),
        text: "# lamp resource type\n\n## HTTP request\n\nNo request line here.\n\n## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | Key. |\n".into(),
    };
    let derivation = derive(&[page]);
    assert!(derivation.resource_pages.is_empty());
    assert_eq!(
        codes_on(&derivation, "lamp-broken.md"),
        [Code::NoRequestLine]
    );
}

#[rstest]
#[case::the_body_holds_a_collection_of_the_type(
    "| extras | [extra](../resources/extra.md) collection | The extras. |\n",
    false
)]
#[case::the_body_is_the_type("| label | String | A label. |\n", true)]
fn a_page_writing_objects_into_their_container_is_not_an_operation_of_their_type(
    #[case] row: &str,
    #[case] derived: bool,
) {
    // the page names `extra`, yet its body is the object that holds extras: what the request
    // creates is that object, which the page does not name
    let type_page = PageSource {
        name: "extra.md".into(),
        text: "# extra resource type\n\nA type.\n\n## Properties\n\n| Property | Type | Description |\n|:--|:--|:--|\n| id | String | The key. |\n| label | String | A label. |\n".into(),
    };
    let method = PageSource {
        name: "extra-post.md".into(),
        text: format!(
            "# Create extra\n\nCreate an extra.\n\n## HTTP request\n\n```http\nPOST /me/holders\n```\n\n## Request body\n\nSupply a JSON representation of [extra](../resources/extra.md).\n\n| Property | Type | Description |\n|:--|:--|:--|\n{row}\n## Response\n\nIf successful, this method returns a `201 Created` response code.\n"
        ),
    };
    let derivation = derive(&[type_page, method]);
    let operations = &derivation.contract.operations;
    assert_eq!(operations.len(), usize::from(derived), "{operations:?}");
    assert_eq!(
        codes_on(&derivation, "extra-post.md").contains(&Code::Skipped),
        !derived
    );
}
