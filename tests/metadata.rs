//! The metadata cross-check: the CSDL reader on small fixtures written for each rule, and a
//! measure on Microsoft's real CSDL and the real reference pages (`../shared`) when present.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::diagnostic::{Code, Severity};
use graph_conformance::metadata::{
    Metadata, MetadataError, PropertyKind, TypeKind, apply, cross_check,
};
use graph_conformance::model::{EdmType, Property, Resource, Span};
use rstest::rstest;
use std::path::Path;
use std::time::Instant;

const SHOP: &str = include_str!("fixtures/metadata/shop.xml");

fn shop() -> Metadata {
    Metadata::parse("shop.xml", SHOP).unwrap()
}

fn named(name: &str) -> EdmType {
    EdmType::Named(name.to_string())
}

fn enumeration(name: &str) -> EdmType {
    EdmType::Enum(name.to_string())
}

fn collection(of: EdmType) -> EdmType {
    EdmType::Collection(Box::new(of))
}

/// A page row `name | type` at line `line` of `widget-update.md`, listing `members`.
fn row(name: &str, ty: EdmType, members: &[&str], line: u32) -> Property {
    Property {
        name: name.to_string(),
        ty,
        members: members.iter().map(|m| m.to_string()).collect(),
        flags: false,
        required: false,
        read_only: false,
        span: Span::new("widget-update.md", line, 1),
    }
}

fn resource(name: &str, properties: Vec<Property>) -> Resource {
    Resource {
        name: name.to_string(),
        properties,
        spans: vec![Span::new("widget-update.md", 40, 1)],
        relationships: Vec::new(),
        base_type: None,
    }
}

// ---- the reader ----

#[test]
fn every_kind_of_type_is_read_with_its_line() {
    let metadata = shop();
    let count = |kind| metadata.types.iter().filter(|t| t.kind == kind).count();
    assert_eq!(
        (
            count(TypeKind::Entity),
            count(TypeKind::Complex),
            metadata.enums.len()
        ),
        (3, 2, 2)
    );
    let widget = metadata.structured_type("Widget").unwrap();
    assert_eq!(
        (widget.line, widget.namespace.as_str()),
        (22, "example.shop")
    );
    assert_eq!(widget.base_type.as_deref(), Some("shop.item"));
    assert!(widget.open_type && !widget.is_abstract);
    let item = metadata.structured_type("item").unwrap();
    assert!(item.is_abstract && !item.open_type);
    assert_eq!(item.key, ["id"]);
    assert!(!item.properties[0].nullable, "Nullable=\"false\" is read");
    assert!(item.properties[1].nullable, "Nullable defaults to true");
    let parts = widget
        .properties
        .iter()
        .find(|p| p.name == "parts")
        .unwrap();
    assert_eq!(
        parts.kind,
        PropertyKind::Navigation {
            contains_target: true
        }
    );
    assert_eq!(parts.line, 32);
    let state = metadata.enum_type("widgetState").unwrap();
    assert_eq!((state.line, state.members[2].line), (5, 8));
    assert_eq!(state.members[2].value, Some(2));
    assert_eq!(
        metadata.structured_type("label").unwrap().namespace,
        "example.shop.extras"
    );
}

#[rstest]
#[case::primitive("displayName", EdmType::String)]
#[case::guid("serial", EdmType::Guid)]
#[case::enum_reference_is_an_enum("state", enumeration("widgetState"))]
#[case::flags_enum_by_alias("finishes", enumeration("finish"))]
#[case::collection_of_primitive("tags", collection(EdmType::String))]
#[case::collection_of_enum("history", collection(enumeration("widgetState")))]
#[case::complex_type_is_named("dimensions", named("size"))]
#[case::type_of_another_namespace("label", named("label"))]
#[case::navigation_collection("parts", collection(named("part")))]
#[case::inherited_through_base_type("createdAt", EdmType::DateTimeOffset)]
fn csdl_types_map_to_edm_types(#[case] property: &str, #[case] expected: EdmType) {
    let metadata = shop();
    let found = metadata.property("Widget", property).unwrap();
    assert_eq!(found.property.ty, expected);
}

#[rstest]
#[case::declared_on_the_type("Widget", "weight", Some(("Widget", 24)))]
#[case::inherited_through_base_type("Widget", "createdAt", Some(("item", 20)))]
#[case::inherited_through_a_qualified_base_type("part", "id", Some(("item", 19)))]
#[case::type_name_without_letter_case("wIDGET", "weight", Some(("Widget", 24)))]
#[case::type_name_with_namespace("example.shop.Widget", "weight", Some(("Widget", 24)))]
#[case::type_name_with_alias("shop.widget", "weight", Some(("Widget", 24)))]
#[case::property_names_keep_their_case("Widget", "Weight", None)]
#[case::not_declared_anywhere("Widget", "colour", None)]
#[case::base_types_do_not_see_derived_properties("item", "weight", None)]
#[case::unknown_type("gadget", "weight", None)]
fn properties_are_looked_up_through_base_types(
    #[case] type_name: &str,
    #[case] property: &str,
    #[case] expected: Option<(&str, u32)>,
) {
    let metadata = shop();
    let found = metadata
        .property(type_name, property)
        .map(|f| (f.owner.name.as_str(), f.property.line));
    assert_eq!(found, expected);
}

#[test]
fn a_base_type_cycle_ends_the_walk() {
    let xml = r#"<Edmx><DataServices><Schema Namespace="loop">
        <EntityType Name="a" BaseType="loop.b"><Property Name="x" Type="Edm.String"/></EntityType>
        <EntityType Name="b" BaseType="loop.a"/>
    </Schema></DataServices></Edmx>"#;
    let metadata = Metadata::parse("loop.xml", xml).unwrap();
    assert!(metadata.property("b", "x").is_some());
    assert!(metadata.property("b", "y").is_none());
}

#[rstest]
#[case::plain_enum("widgetState", Some(vec!["draft", "active", "retired"]), Some(false))]
#[case::flags_enum("finish", Some(vec!["matte", "gloss", "textured"]), Some(true))]
#[case::qualified_and_in_other_case("example.shop.WIDGETSTATE", Some(vec!["draft", "active", "retired"]), Some(false))]
#[case::a_complex_type_is_no_enum("size", None, None)]
fn enum_members_and_flags(
    #[case] name: &str,
    #[case] members: Option<Vec<&str>>,
    #[case] flags: Option<bool>,
) {
    let metadata = shop();
    assert_eq!(metadata.enum_members(name), members);
    assert_eq!(metadata.is_flags(name), flags);
}

#[rstest]
#[case::stray_end_tag("<Schema Namespace=\"a\">\n</Schema>\n</Schema>", 3)]
#[case::mismatched_end_tag("<Edmx>\n<Schema Namespace=\"a\">\n</Edmx>", 3)]
#[case::unclosed_element("<Edmx>\n<Schema Namespace=\"a\">\n", 2)]
#[case::broken_attribute(
    "<Edmx>\n<Schema Namespace=\"a\">\n<EnumType Name=x/>\n</Schema></Edmx>",
    3
)]
#[case::entity_type_without_name("<Schema Namespace=\"a\">\n\n<EntityType/>\n</Schema>", 3)]
#[case::property_without_type(
    "<Schema Namespace=\"a\">\n<ComplexType Name=\"c\">\n<Property Name=\"p\"/>\n</ComplexType></Schema>",
    3
)]
#[case::schema_without_namespace("\n<Schema>\n</Schema>", 2)]
#[case::flag_that_is_no_boolean(
    "<Schema Namespace=\"a\">\n<EnumType Name=\"e\" IsFlags=\"yes\"/>\n</Schema>",
    2
)]
#[case::member_value_that_is_no_integer(
    "<Schema Namespace=\"a\">\n<EnumType Name=\"e\">\n\n<Member Name=\"m\" Value=\"one\"/>\n</EnumType></Schema>",
    4
)]
fn malformed_metadata_names_file_and_line(#[case] xml: &str, #[case] line: u32) {
    let error = Metadata::parse("bad.xml", xml).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("bad.xml:{line}: ")),
        "{message} (from {error:?})"
    );
}

#[rstest]
#[case::empty_text("")]
#[case::text_that_is_no_xml("Possible values are: none, active.")]
#[case::xml_without_schema("<Edmx><DataServices/></Edmx>")]
fn a_file_without_schema_is_refused(#[case] xml: &str) {
    let error = Metadata::parse("empty.xml", xml).unwrap_err();
    assert!(matches!(error, MetadataError::NoSchema { .. }), "{error:?}");
    assert_eq!(error.to_string(), "empty.xml declares no `<Schema>`");
}

#[test]
fn an_enum_typed_property_carries_its_members() {
    let metadata = shop();
    let history = metadata.property("Widget", "history").unwrap().property;
    assert_eq!(history.members, ["draft", "active", "retired"]);
    let tags = metadata.property("Widget", "tags").unwrap().property;
    assert!(tags.members.is_empty());
}

#[test]
fn a_byte_order_mark_is_no_content() {
    let metadata = Metadata::parse("bom.xml", &format!("\u{feff}{SHOP}")).unwrap();
    assert_eq!(metadata.structured_type("Widget").unwrap().line, 22);
}

#[test]
fn a_metadata_file_is_known_by_its_file_name() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata/shop.xml");
    let metadata = Metadata::read(&path).unwrap();
    assert_eq!(metadata.file, "shop.xml");
}

#[rstest]
#[case::missing_file(None, "cannot read")]
#[case::invalid_utf8_names_its_line(Some(b"<Schema Namespace=\"a\">\n<EnumType Name=\"\xff\"/>\n".as_slice()), "bad.xml:2: the metadata is not valid UTF-8")]
fn an_unreadable_metadata_file_is_refused(#[case] content: Option<&[u8]>, #[case] expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xml");
    if let Some(bytes) = content {
        std::fs::write(&path, bytes).unwrap();
    }
    let message = Metadata::read(&path).unwrap_err().to_string();
    assert!(message.starts_with(expected), "{message}");
}

// ---- the cross-check ----

#[rstest]
#[case::same_primitive(row("displayName", EdmType::String, &[], 50), None)]
#[case::primitive_type_differs(row("weight", EdmType::Int64, &[], 50), Some(Code::MetadataPrimitiveType))]
#[case::guid_written_as_string(row("serial", EdmType::String, &[], 50), Some(Code::MetadataPrimitiveType))]
#[case::enum_written_as_string(row("state", EdmType::String, &[], 50), Some(Code::MetadataEnumString))]
#[case::string_written_as_enum(row("displayName", enumeration("nameKind"), &["short", "long"], 50), Some(Code::MetadataEnumString))]
#[case::collection_written_as_one_value(row("tags", EdmType::String, &[], 50), Some(Code::MetadataCollection))]
#[case::one_value_written_as_collection(row("displayName", collection(EdmType::String), &[], 50), Some(Code::MetadataCollection))]
#[case::same_collection(row("tags", collection(EdmType::String), &[], 50), None)]
#[case::enum_members_differ(row("state", enumeration("widgetState"), &["draft", "active"], 50), Some(Code::MetadataEnumMembers))]
#[case::enum_member_not_in_metadata(row("state", enumeration("widgetState"), &["draft", "active", "retired", "lost"], 50), Some(Code::MetadataEnumMembers))]
#[case::members_in_another_order_agree(row("state", enumeration("widgetState"), &["retired", "draft", "active"], 50), None)]
#[case::members_of_a_collection_of_enum(row("history", collection(enumeration("widgetState")), &["draft"], 50), Some(Code::MetadataEnumMembers))]
#[case::flags_members_agree(row("finishes", enumeration("finish"), &["gloss", "matte", "textured"], 50), None)]
#[case::enum_written_as_a_link_agrees(row("state", named("widgetState"), &[], 50), None)]
#[case::enum_name_in_other_case_agrees(row("state", enumeration("WidgetState"), &["draft", "active", "retired"], 50), None)]
#[case::named_type_differs(row("dimensions", named("box"), &[], 50), Some(Code::MetadataNamedType))]
#[case::object_written_as_string(row("dimensions", EdmType::String, &[], 50), Some(Code::MetadataNamedType))]
#[case::named_type_with_namespace_agrees(row("dimensions", named("example.shop.size"), &[], 50), None)]
#[case::named_type_with_sub_namespace_agrees(row("label", named("extras.label"), &[], 50), None)]
#[case::page_datetime_is_datetimeoffset(row("createdAt", named("DateTime"), &[], 50), None)]
#[case::datetime_is_no_date(row("createdAt", EdmType::Date, &[], 50), Some(Code::MetadataPrimitiveType))]
fn each_disagreement_is_one_warning_of_its_kind(
    #[case] page: Property,
    #[case] expected: Option<Code>,
) {
    let check = cross_check(&shop(), &[resource("widget", vec![page])]);
    let codes: Vec<Code> = check.disagreements.iter().map(|d| d.code).collect();
    assert_eq!(codes, expected.into_iter().collect::<Vec<_>>());
    assert_eq!(check.comparable, 1);
    assert_eq!(check.agreeing, usize::from(expected.is_none()));
    assert!(
        check
            .disagreements
            .iter()
            .all(|d| d.severity == Severity::Warning)
    );
}

#[test]
fn a_disagreement_names_both_sides_and_sits_on_the_page_row() {
    let page = row("state", EdmType::String, &[], 57);
    let check = cross_check(&shop(), &[resource("widget", vec![page])]);
    let [warning] = check.disagreements.as_slice() else {
        panic!("{:?}", check.disagreements);
    };
    assert_eq!(warning.span, Span::new("widget-update.md", 57, 1));
    assert_eq!(
        warning.message,
        "`state` of `widget` is `String` on the page but `example.shop.widgetState` (members: draft, active, retired) in shop.xml:26"
    );
}

#[test]
fn a_members_disagreement_names_the_members_only_one_side_has() {
    let page = row("createdAt", EdmType::String, &[], 57);
    let members = row("state", enumeration("widgetState"), &["draft", "lost"], 58);
    let check = cross_check(&shop(), &[resource("widget", vec![page, members])]);
    let messages: Vec<&str> = check
        .disagreements
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`createdAt` of `widget` is `String` on the page but `Edm.DateTimeOffset` in shop.xml:20, declared on `example.shop.item`",
            "`state` of `widget` is `widgetState` (members: draft, lost) on the page but `example.shop.widgetState` (members: draft, active, retired) in shop.xml:26; not on the page: active, retired; not in the metadata: lost",
        ]
    );
}

#[test]
fn what_the_metadata_lacks_is_counted_not_compared() {
    let widget = resource(
        "widget",
        vec![
            row("colour", EdmType::String, &[], 50),
            row("weight", EdmType::Int32, &[], 51),
        ],
    );
    let gadget = resource("gadget", vec![row("weight", EdmType::Int64, &[], 52)]);
    let check = cross_check(&shop(), &[widget, gadget]);
    assert_eq!(
        (
            check.comparable,
            check.agreeing,
            check.not_in_metadata,
            check.resources_not_in_metadata
        ),
        (1, 1, 1, 1)
    );
    assert!(check.disagreements.is_empty());
    assert_eq!(check.agreement_rate(), Some(1.0));
}

#[test]
fn nothing_comparable_has_no_agreement_rate() {
    let check = cross_check(
        &shop(),
        &[resource("gadget", vec![row("x", EdmType::String, &[], 50)])],
    );
    assert_eq!(check.agreement_rate(), None);
}

#[test]
fn metadata_wins_changes_exactly_the_disagreeing_properties() {
    let page = vec![
        row("displayName", EdmType::String, &[], 50),
        row("serial", EdmType::String, &[], 51),
        row("state", EdmType::String, &[], 52),
        row("tags", EdmType::String, &[], 53),
        row(
            "history",
            collection(enumeration("widgetState")),
            &["active", "draft"],
            54,
        ),
        row("finishes", named("finish"), &[], 55),
        row("colour", EdmType::String, &[], 56),
    ];
    let before = vec![resource("widget", page.clone()), resource("gadget", page)];
    let mut after = before.clone();
    let changed = apply(&shop(), &mut after);
    assert_eq!(changed, 4);
    let expected = [
        ("serial", EdmType::Guid, vec![]),
        (
            "state",
            enumeration("widgetState"),
            vec!["draft", "active", "retired"],
        ),
        ("tags", collection(EdmType::String), vec![]),
        (
            "history",
            collection(enumeration("widgetState")),
            vec!["draft", "active", "retired"],
        ),
    ];
    for (property, was) in after[0].properties.iter().zip(&before[0].properties) {
        match expected.iter().find(|(name, ..)| *name == property.name) {
            Some((_, ty, members)) => {
                assert_eq!(&property.ty, ty, "{}", property.name);
                assert_eq!(&property.members, members, "{}", property.name);
                assert_eq!(
                    property.span, was.span,
                    "{} keeps its page row",
                    property.name
                );
            }
            None => assert_eq!(
                property, was,
                "{} agrees or is not in the metadata",
                property.name
            ),
        }
    }
    assert_eq!(
        after[1], before[1],
        "a resource the metadata lacks is left alone"
    );
    assert!(cross_check(&shop(), &after).disagreements.is_empty());
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = Metadata::parse("any.xml", &text);
    }

    #[test]
    fn parse_never_panics_on_a_damaged_fixture(cut in 0..SHOP.len(), insert in "[<>/=\"a-zA-Z ]{0,8}") {
        let mut text = SHOP.as_bytes()[..cut].to_vec();
        text.extend_from_slice(insert.as_bytes());
        text.extend_from_slice(&SHOP.as_bytes()[cut..]);
        let _ = Metadata::parse("any.xml", &String::from_utf8_lossy(&text));
    }
}

// ---- the measure on the real metadata and pages ----

/// Reads `../shared/<relative>`, or says it is absent (a bare clone) and returns `None`;
/// under CI (`CI` set and not `0`/`false`) absence is a failure.
fn shared(relative: &str) -> Option<std::path::PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").unwrap_or_default();
    let ci = !matches!(ci.trim(), "" | "0") && !ci.trim().eq_ignore_ascii_case("false");
    assert!(!ci, "CI is set but {} is absent", path.display());
    eprintln!("{} is not here; nothing to measure", path.display());
    None
}

#[test]
fn real_metadata_against_the_real_reference() {
    let (Some(csdl), Some(api)) = (
        shared("graph-metadata/v1.0-2021-07-20.xml"),
        shared("graph-reference-v1.0/api"),
    ) else {
        return;
    };
    let xml = std::fs::read_to_string(&csdl).unwrap();
    let started = Instant::now();
    let metadata = Metadata::parse("v1.0-2021-07-20.xml", &xml).unwrap();
    let parse_time = started.elapsed();
    let count = |kind| metadata.types.iter().filter(|t| t.kind == kind).count();
    let properties: usize = metadata.types.iter().map(|t| t.properties.len()).sum();
    eprintln!(
        "parsed in {parse_time:?}: {} entity types, {} complex types, {} enum types, {properties} properties",
        count(TypeKind::Entity),
        count(TypeKind::Complex),
        metadata.enums.len()
    );
    let pages = collect_pages(&[api]).unwrap();
    let derivation = derive(&pages);
    let check = cross_check(&metadata, &derivation.contract.resources);
    eprintln!(
        "{} resources ({} not in metadata); {} comparable, {} agree ({:.1} %), {} not in metadata",
        derivation.contract.resources.len(),
        check.resources_not_in_metadata,
        check.comparable,
        check.agreeing,
        check.agreement_rate().unwrap_or_default() * 100.0,
        check.not_in_metadata
    );
    let absent: Vec<&str> = derivation
        .contract
        .resources
        .iter()
        .filter(|r| metadata.structured_type(&r.name).is_none())
        .map(|r| r.name.as_str())
        .collect();
    eprintln!("resources not in metadata: {}", absent.join(", "));
    let unknown: Vec<String> = derivation
        .contract
        .resources
        .iter()
        .filter(|r| metadata.structured_type(&r.name).is_some())
        .flat_map(|r| r.properties.iter().map(move |p| (r, p)))
        .filter(|(r, p)| metadata.property(&r.name, &p.name).is_none())
        .map(|(r, p)| format!("{}.{} ({})", r.name, p.name, p.span))
        .collect();
    eprintln!("properties not in metadata: {}", unknown.join(", "));
    for d in check.disagreements.iter().take(20) {
        eprintln!("{d}");
    }
    assert!(
        check.agreement_rate().is_some_and(|rate| rate > 0.95),
        "the pages and the metadata agree on too few properties"
    );
}
