//! Resource and enum pages (`resources/*.md`) read into types: names, namespaces, base types,
//! property flags, navigation properties, the JSON representation and enum members.
//!
//! The fixtures in `tests/fixtures/resources/` are pages written for this project in the shape
//! of Graph resource pages: `widget.md` (an entity with every kind of row, relationships, an
//! annotation and a representation with a trailing comma), `namedgizmo.md` (a title the
//! annotation's `@odata.type` overrides), `lathe.md` (namespace and name only in the
//! representation), `bench.md` (a Required column, a representation that is not JSON),
//! `widgetstate.md` and `widgetfeatures.md` (an enum and a flags enum), `workshop-enums.md`
//! (several `### <name> values` tables) and `workshop-overview.md` (a page defining nothing).

use graph_conformance::diagnostic::{Code, Severity};
use graph_conformance::docs::resource_page::{
    EnumPage, EnumType, ResourceProperty, TypePage, is_flags,
};
use graph_conformance::docs::{ResourcePage, ResourcePageReport, read_resource_page};
use graph_conformance::model::EdmType;
use proptest::prelude::*;
use rstest::rstest;
use std::path::Path;
use std::time::Instant;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resources")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> ResourcePageReport {
    read_resource_page(name, &fixture(name))
}

fn type_page(name: &str) -> TypePage {
    match read(name).page {
        Some(ResourcePage::Type(page)) => *page,
        other => panic!("{name} is not a type page: {other:?}"),
    }
}

fn enum_page(name: &str) -> EnumPage {
    match read(name).page {
        Some(ResourcePage::Enums(page)) => page,
        other => panic!("{name} is not an enum page: {other:?}"),
    }
}

fn property(page: &str, name: &str) -> ResourceProperty {
    let page = type_page(page);
    page.property(name)
        .unwrap_or_else(|| panic!("no `{name}` in {page:?}"))
        .clone()
}

fn collection(inner: EdmType) -> EdmType {
    EdmType::Collection(Box::new(inner))
}

#[rstest]
#[case::title_names_the_type("bench.md", "#microsoft.graph.workshop.bench", 1)]
#[case::odata_type_in_the_annotation_wins_over_the_title(
    "namedgizmo.md",
    "#microsoft.graph.workshopNamedGizmo",
    20
)]
#[case::odata_type_in_the_representation_gives_name_and_namespace(
    "lathe.md",
    "#microsoft.graph.workshop.lathe",
    18
)]
#[case::annotation_names_an_entity("widget.md", "#microsoft.graph.widget", 47)]
fn the_type_is_named_by_its_odata_type_then_its_title(
    #[case] page: &str,
    #[case] odata_type: &str,
    #[case] line: u32,
) {
    let page = type_page(page);
    assert_eq!(page.odata_type(), odata_type);
    assert_eq!(page.name_span.line, line);
}

#[rstest]
#[case::inherits_from_sentence("widget.md", Some("entity"))]
#[case::annotation_base_type_when_no_sentence("namedgizmo.md", Some("entity"))]
#[case::no_base_type_stated("lathe.md", None)]
fn the_base_type_is_read_from_inherits_from(#[case] page: &str, #[case] base: Option<&str>) {
    assert_eq!(type_page(page).base_type.as_deref(), base);
}

#[rstest]
#[case::date_time_means_date_time_offset("widget.md", "lastSeenDateTime", EdmType::DateTimeOffset, &[])]
#[case::date_time_collection_is_a_collection_of_offsets(
    "bench.md",
    "openedDateTime",
    collection(EdmType::DateTimeOffset),
    &[]
)]
#[case::x_collection_is_a_collection("widget.md", "tags", collection(EdmType::String), &[])]
#[case::collection_of_x_is_a_collection_without_namespace(
    "widget.md",
    "parts",
    collection(EdmType::Named("widgetPart".into())),
    &[]
)]
#[case::enum_members_come_from_the_description(
    "widget.md",
    "state",
    EdmType::Enum("widgetState".into()),
    &["idle", "spinning", "stopped"]
)]
#[case::string_cell_listing_members_keeps_them(
    "widget.md",
    "color",
    EdmType::String,
    &["red", "green", "blue"]
)]
#[case::primitive_without_members("widget.md", "spinCount", EdmType::Int32, &[])]
fn property_types_are_read_from_the_type_cell_and_description(
    #[case] page: &str,
    #[case] name: &str,
    #[case] ty: EdmType,
    #[case] members: &[&str],
) {
    let property = property(page, name).property;
    assert_eq!(property.ty, ty);
    assert_eq!(property.members, members);
}

/// (read-only, nullable, key, required)
type Flags = (bool, Option<bool>, bool, bool);

#[rstest]
#[case::read_only_sentence("widget.md", "id", (true, None, true, false))]
#[case::read_only_and_nullable("widget.md", "lastSeenDateTime", (true, Some(true), false, false))]
#[case::not_nullable("widget.md", "tags", (false, Some(false), false, false))]
#[case::key_sentence("widget.md", "serial", (false, Some(false), true, false))]
#[case::annotation_key_property("namedgizmo.md", "name", (true, None, true, false))]
#[case::not_the_annotated_key("namedgizmo.md", "visible", (false, None, false, false))]
#[case::required_sentence("widget.md", "displayName", (false, None, false, true))]
#[case::required_column_yes("bench.md", "label", (false, None, false, true))]
#[case::required_column_no("bench.md", "height", (false, None, false, false))]
#[case::silent_description_states_nothing("widget.md", "spinCount", (false, None, false, false))]
fn property_flags_are_read_from_the_description_and_columns(
    #[case] page: &str,
    #[case] name: &str,
    #[case] flags: Flags,
) {
    let p = property(page, name);
    assert_eq!((p.read_only, p.nullable, p.key, p.required), flags);
}

#[test]
fn every_row_and_table_keeps_its_line() {
    let page = type_page("widget.md");
    let lines: Vec<u32> = page
        .properties
        .iter()
        .map(|p| p.property.span.line)
        .collect();
    assert_eq!(lines, (23..=31).collect::<Vec<u32>>());
    assert_eq!(
        page.property_tables
            .iter()
            .map(|s| s.line)
            .collect::<Vec<_>>(),
        [21]
    );
    assert_eq!(
        page.relationship_tables
            .iter()
            .map(|s| s.line)
            .collect::<Vec<_>>(),
        [35]
    );
}

#[rstest]
#[case::single_navigation("owner", "user", false, (true, Some(true)), 37)]
#[case::collection_navigation("gadgets", "gadget", true, (true, Some(false)), 38)]
fn relationships_are_navigation_properties(
    #[case] name: &str,
    #[case] target: &str,
    #[case] is_collection: bool,
    #[case] flags: (bool, Option<bool>),
    #[case] line: u32,
) {
    let page = type_page("widget.md");
    let r = page.relationships.iter().find(|r| r.name == name).unwrap();
    assert_eq!((r.target.as_str(), r.collection), (target, is_collection));
    assert_eq!((r.read_only, r.nullable), flags);
    assert_eq!(r.span.line, line);
    assert!(
        page.property(name).is_none(),
        "a navigation is not a property"
    );
}

#[rstest]
#[case::trailing_comma_and_placeholders_parse("widget.md", true, 0)]
#[case::unclosed_object_is_a_warning_not_a_drop("bench.md", false, 1)]
fn the_json_representation_is_read_leniently(
    #[case] page: &str,
    #[case] parses: bool,
    #[case] warnings: usize,
) {
    let report = read(page);
    let Some(ResourcePage::Type(t)) = &report.page else {
        panic!("{page} is not a type page")
    };
    let json = t.json.as_ref().expect("a JSON representation");
    assert_eq!(json.value.is_some(), parses);
    let found: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::JsonRepresentation)
        .collect();
    assert_eq!(found.len(), warnings, "{found:?}");
    assert!(
        found
            .iter()
            .all(|d| d.severity == Severity::Warning && d.span.line == json.span.line)
    );
    assert!(!t.properties.is_empty(), "the table is kept");
}

#[test]
fn the_representation_keeps_its_values() {
    let page = type_page("widget.md");
    let value = page.json.unwrap().value.unwrap();
    assert_eq!(value["spinCount"], 1024);
    assert_eq!(value["id"], "string (identifier)");
}

#[test]
fn a_type_page_keeps_its_values_tables_without_null() {
    let page = type_page("widget.md");
    let [mood] = page.enums.as_slice() else {
        panic!("one values table expected: {:?}", page.enums)
    };
    assert_eq!(mood.name, "widgetMood");
    assert_eq!(members(mood), owned(&[("calm", None), ("restless", None)]));
    assert!(page.property("widgetMood").is_none());
}

fn members(e: &EnumType) -> Vec<(String, Option<i64>)> {
    e.members
        .iter()
        .map(|m| (m.name.clone(), m.value))
        .collect()
}

fn owned(members: &[(&str, Option<i64>)]) -> Vec<(String, Option<i64>)> {
    members.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

#[rstest]
#[case::members_table_with_values(
    "widgetstate.md",
    "widgetState",
    &[("idle", Some(0)), ("spinning", Some(1)), ("stopped", Some(2)), ("unknownFutureValue", Some(3))],
    false
)]
#[case::powers_of_two_make_a_flags_enum(
    "widgetfeatures.md",
    "widgetFeatures",
    &[("none", Some(0)), ("lights", Some(1)), ("bell", Some(2)), ("wheels", Some(4)), ("remote", Some(8))],
    true
)]
fn enum_pages_list_their_members(
    #[case] page: &str,
    #[case] name: &str,
    #[case] expected: &[(&str, Option<i64>)],
    #[case] flags: bool,
) {
    let page = enum_page(page);
    let [e] = page.enums.as_slice() else {
        panic!("one enum expected: {page:?}")
    };
    assert_eq!(e.name, name);
    assert_eq!(e.namespace, "microsoft.graph");
    assert_eq!(members(e), owned(expected));
    assert_eq!(e.flags, flags);
    assert!(e.members.iter().all(|m| m.span.line > e.span.line));
}

#[test]
fn a_page_of_values_tables_gives_one_enum_per_table() {
    let page = enum_page("workshop-enums.md");
    let names: Vec<_> = page
        .enums
        .iter()
        .map(|e| (e.namespace.as_str(), e.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("microsoft.graph.workshop", "toolKind"),
            ("microsoft.graph.workshop", "shiftKind")
        ]
    );
    assert_eq!(
        members(&page.enums[1]),
        owned(&[("early", None), ("late", None)])
    );
}

#[rstest]
#[case::powers_of_two_from_one(&[Some(1), Some(2), Some(4)], true)]
#[case::powers_of_two_with_none(&[Some(0), Some(1), Some(2), Some(4), Some(8)], true)]
#[case::consecutive_values(&[Some(0), Some(1), Some(2), Some(3)], false)]
#[case::two_members_cannot_tell(&[Some(1), Some(2)], false)]
#[case::a_repeated_value(&[Some(1), Some(2), Some(2), Some(4)], false)]
#[case::a_missing_value(&[Some(1), None, Some(4), Some(8)], false)]
#[case::no_values(&[None, None, None], false)]
fn a_flags_enum_has_at_least_three_distinct_powers_of_two(
    #[case] values: &[Option<i64>],
    #[case] flags: bool,
) {
    assert_eq!(is_flags(values), flags);
}

#[rstest]
#[case::overview_page(
    "workshop-overview.md",
    "`# Working with the workshop API` names no type"
)]
#[case::empty_page("empty.md", "no `# ` title")]
#[case::enum_title_without_members("nomembers.md", "no `Members` table")]
fn a_page_that_defines_nothing_gets_one_skipped_note(#[case] page: &str, #[case] says: &str) {
    let text = match page {
        "empty.md" => String::new(),
        "nomembers.md" => "# gadgetKind enum type\n\nKinds of gadget, listed elsewhere.\n".into(),
        other => fixture(other),
    };
    let report = read_resource_page(page, &text);
    assert!(report.page.is_none());
    let [note] = report.diagnostics.as_slice() else {
        panic!("one note expected: {:?}", report.diagnostics)
    };
    assert_eq!(note.code, Code::Skipped);
    assert!(note.message.contains(says), "{}", note.message);
}

#[rstest]
#[case::broken_type_cell(
    "| x | [thing](thing.md | Broken link. |",
    "the type `[thing](thing.md` of `x` is not a type"
)]
#[case::repeated_row("| spinCount | Int32 | Again. |", "`spinCount` is listed twice")]
#[case::prose_in_the_name_cell("| a, b). | String | Spilled. |", "is not a property name")]
fn a_bad_row_is_a_warning_and_the_rest_of_the_table_is_kept(#[case] row: &str, #[case] says: &str) {
    let text = fixture("widget.md").replace(
        "| spinCount | Int32 | How often the widget turned since it was made. |",
        &format!("| spinCount | Int32 | How often the widget turned since it was made. |\n{row}"),
    );
    let report = read_resource_page("widget.md", &text);
    let Some(ResourcePage::Type(page)) = &report.page else {
        panic!("not a type page")
    };
    assert_eq!(page.properties.len(), 9);
    let rows: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::TableRow)
        .collect();
    assert!(
        rows.len() == 1 && rows[0].message.contains(says) && rows[0].span.line == 32,
        "{rows:?}"
    );
}

/// Every diagnostic stays inside the page, and a page is either read or skipped with one note.
fn assert_well_formed(file: &str, text: &str) -> Result<(), TestCaseError> {
    let report = read_resource_page(file, text);
    let lines = u32::try_from(text.lines().count().max(1) + 1).unwrap_or(u32::MAX);
    for d in &report.diagnostics {
        prop_assert!(
            d.span.line >= 1 && d.span.line <= lines,
            "{d} outside {lines} lines"
        );
    }
    let notes = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Skipped)
        .count();
    prop_assert_eq!(notes, usize::from(report.page.is_none()));
    Ok(())
}

const FRAGMENTS: &[&str] = &[
    "\n## Properties\n",
    "\n## Relationships\n",
    "\n## Members\n",
    "\n## JSON representation\n",
    "\n### x values\n",
    "\n# y enum type\n",
    "\n| Property | Type | Description |\n|:--|:--|:--|\n",
    "\n|Member|Value|\n|:-|:-|\n|a|9999999999999999999999|\n",
    "| x | Collection( | Possible values are: `",
    "<!-- { \"blockType\": \"resource\", \"@odata.type\": \"",
    "<!--",
    "-->",
    "```json\n{ /* ",
    "\u{feff}",
    "Inherits from [",
    "Namespace: ",
    "é🙂",
];

const PAGES: &[&str] = &[
    include_str!("fixtures/resources/widget.md"),
    include_str!("fixtures/resources/bench.md"),
    include_str!("fixtures/resources/widgetfeatures.md"),
    include_str!("fixtures/resources/workshop-enums.md"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        assert_well_formed("any.md", &text)?;
    }

    #[test]
    fn mutilated_resource_pages_never_panic(
        page in prop::sample::select(PAGES),
        cut in 0usize..2500,
        len in 0usize..300,
        insert in prop::sample::select(FRAGMENTS),
        at in 0usize..2500,
    ) {
        let mut bytes = page.as_bytes().to_vec();
        let cut = cut.min(bytes.len());
        let end = (cut + len).min(bytes.len());
        bytes.drain(cut..end);
        let at = at.min(bytes.len());
        bytes.splice(at..at, insert.bytes());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert_well_formed("mutilated.md", &text)?;
    }
}

fn shared_resources() -> Option<std::path::PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-reference-v1.0/resources");
    dir.is_dir().then_some(dir)
}

#[test]
fn the_whole_resources_folder_reads_without_a_panic() {
    let Some(dir) = shared_resources() else {
        eprintln!("../shared/graph-reference-v1.0/resources is not here; nothing to measure");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned(),
            )
        })
        .collect();
    let started = Instant::now();
    let reports: Vec<_> = texts
        .iter()
        .map(|(name, text)| (name, read_resource_page(name, text)))
        .collect();
    let elapsed = started.elapsed();
    let (mut types, mut enum_pages, mut enums, mut skipped, mut props, mut rels) =
        (0, 0, 0, 0, 0, 0);
    let mut codes = std::collections::BTreeMap::new();
    let (mut flags, mut json) = ([0usize; 5], [0usize; 3]);
    for (name, report) in &reports {
        match &report.page {
            Some(ResourcePage::Type(t)) => {
                types += 1;
                props += t.properties.len();
                rels += t.relationships.len();
                for p in &t.properties {
                    flags[0] += usize::from(p.read_only);
                    flags[1] += usize::from(p.nullable.is_some());
                    flags[2] += usize::from(p.key);
                    flags[3] += usize::from(p.required);
                    flags[4] += usize::from(!p.property.members.is_empty());
                }
                json[match &t.json {
                    Some(j) if j.value.is_some() => 0,
                    Some(_) => 1,
                    None => 2,
                }] += 1;
            }
            Some(ResourcePage::Enums(e)) => {
                enum_pages += 1;
                enums += e.enums.len();
            }
            None => {
                skipped += 1;
                let notes = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.code == Code::Skipped)
                    .count();
                assert_eq!(notes, 1, "{name} is skipped with {notes} notes");
            }
        }
        for d in &report.diagnostics {
            *codes.entry(d.code.as_str()).or_insert(0) += 1;
        }
    }
    eprintln!(
        "| pages | type pages | enum pages (enums) | skipped | properties | relationships | time |"
    );
    eprintln!(
        "| {} | {types} | {enum_pages} ({enums}) | {skipped} | {props} | {rels} | {:.3} s |",
        reports.len(),
        elapsed.as_secs_f64()
    );
    let [read_only, nullable, key, required, members] = flags;
    eprintln!(
        "  properties: {read_only} read-only, {nullable} state nullability, {key} keys, {required} required, {members} list members"
    );
    let [parse, unparsed, none] = json;
    eprintln!("  JSON representations: {parse} parse, {unparsed} do not, {none} pages have none");
    for (code, n) in &codes {
        eprintln!("  {code}: {n}");
    }
    assert_eq!(types + enum_pages + skipped, reports.len());
    compare_with_metadata(&reports);
}

/// What Microsoft's CSDL says about one type: its base type and `IsFlags`.
#[derive(Debug)]
struct Declared {
    base: Option<String>,
    flags: bool,
}

/// Reads `EntityType`, `ComplexType` and `EnumType` declarations by qualified name.
fn csdl_types(xml: &str) -> std::collections::HashMap<String, Declared> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut namespace = String::new();
    let mut out = std::collections::HashMap::new();
    loop {
        let element = match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let attr = |name: &str| {
            element
                .try_get_attribute(name)
                .ok()
                .flatten()
                .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        };
        let kind = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        match kind.as_str() {
            "Schema" => namespace = attr("Namespace").unwrap_or_default(),
            "EntityType" | "ComplexType" | "EnumType" => {
                let Some(name) = attr("Name") else { continue };
                let declared = Declared {
                    base: attr("BaseType").map(|b| b.rsplit('.').next().unwrap_or(&b).to_string()),
                    flags: attr("IsFlags").as_deref() == Some("true"),
                };
                out.insert(format!("{namespace}.{name}"), declared);
            }
            _ => {}
        }
    }
    out
}

/// Prints how the pages' names, base types and flags agree with the CSDL of the same date;
/// a flags enum read from a page must be a flags enum in the CSDL.
fn compare_with_metadata(reports: &[(&String, ResourcePageReport)]) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-metadata/v1.0-2021-07-20.xml");
    let Ok(xml) = std::fs::read_to_string(&path) else {
        eprintln!(
            "{} is not here; no comparison with the metadata",
            path.display()
        );
        return;
    };
    let csdl = csdl_types(&xml);
    let lower: std::collections::HashMap<String, &String> =
        csdl.keys().map(|k| (k.to_ascii_lowercase(), k)).collect();
    let (mut exact, mut case_only, mut absent) = (0, 0, 0);
    let (mut base_same, mut base_other, mut base_known) = (0, 0, 0);
    let (mut enums_exact, mut enums_absent, mut flags_found, mut flags_missed) =
        (0, 0, 0, Vec::new());
    for (file, report) in reports {
        match &report.page {
            Some(ResourcePage::Type(t)) => {
                let qualified = format!("{}.{}", t.namespace, t.name);
                match csdl.get(&qualified) {
                    Some(declared) => {
                        exact += 1;
                        if let Some(base) = &declared.base {
                            base_known += 1;
                            match t.base_type.as_deref() {
                                Some(read) if read == base => base_same += 1,
                                Some(_) => base_other += 1,
                                None => {}
                            }
                        }
                    }
                    None if lower.contains_key(&qualified.to_ascii_lowercase()) => case_only += 1,
                    None => absent += 1,
                }
            }
            Some(ResourcePage::Enums(page)) => {
                for e in &page.enums {
                    let qualified = format!("{}.{}", e.namespace, e.name);
                    let Some(declared) = csdl.get(&qualified) else {
                        enums_absent += 1;
                        continue;
                    };
                    enums_exact += 1;
                    assert!(
                        !e.flags || declared.flags,
                        "{file}: {qualified} reads as flags, the CSDL says not"
                    );
                    match (e.flags, declared.flags) {
                        (true, _) => flags_found += 1,
                        (false, true) => flags_missed.push(format!("{qualified} ({file})")),
                        (false, false) => {}
                    }
                }
            }
            None => {}
        }
    }
    let flags_in_csdl = csdl.values().filter(|d| d.flags).count();
    eprintln!("against {}:", path.file_name().unwrap().to_string_lossy());
    eprintln!(
        "  type names: {exact} as declared, {case_only} differ in case only, {absent} not declared"
    );
    eprintln!(
        "  base types: of {base_known} declared, {base_same} read from the page, {base_other} read otherwise, the rest unstated"
    );
    eprintln!("  enums: {enums_exact} as declared, {enums_absent} not declared");
    eprintln!(
        "  flags enums: {flags_found} read from pages, 0 false; of the CSDL's {flags_in_csdl}, documented and missed: {}",
        flags_missed.join(", ")
    );
}
