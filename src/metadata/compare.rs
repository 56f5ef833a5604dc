//! The cross-check: each derived property against the CSDL property of the same name on the
//! same type (or one of its base types), and `--metadata-wins`, which lets the CSDL decide.

use super::{Found, Metadata, short_name};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{EdmType, Property, Resource};
use std::collections::BTreeSet;

/// What the cross-check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrossCheck {
    /// Properties found both on a page and in the metadata.
    pub comparable: usize,
    /// Comparable properties whose type and enum members agree.
    pub agreeing: usize,
    /// Properties of a resource the metadata declares, absent from its type and base types.
    pub not_in_metadata: usize,
    /// Resources the metadata does not declare; their properties are not compared.
    pub resources_not_in_metadata: usize,
    /// One warning per disagreeing property, at the page row, naming the CSDL line.
    pub disagreements: Vec<Diagnostic>,
}

impl CrossCheck {
    /// Returns the share of comparable properties that agree, or `None` when none compare.
    pub fn agreement_rate(&self) -> Option<f64> {
        (self.comparable > 0).then(|| self.agreeing as f64 / self.comparable as f64)
    }
}

/// How one page property stands against the metadata.
enum Verdict<'a> {
    NotInMetadata,
    Agrees,
    Disagrees(Code, Found<'a>),
}

/// Compares every property of `resources` with `metadata`.
pub fn cross_check(metadata: &Metadata, resources: &[Resource]) -> CrossCheck {
    let mut check = CrossCheck::default();
    for resource in resources {
        if metadata.structured_type(&resource.name).is_none() {
            check.resources_not_in_metadata += 1;
            continue;
        }
        for property in &resource.properties {
            match verdict(metadata, &resource.name, property) {
                Verdict::NotInMetadata => check.not_in_metadata += 1,
                Verdict::Agrees => {
                    check.comparable += 1;
                    check.agreeing += 1;
                }
                Verdict::Disagrees(code, found) => {
                    check.comparable += 1;
                    let message = describe(metadata, &resource.name, property, found);
                    let diagnostic = Diagnostic::new(code, property.span.clone(), message);
                    check.disagreements.push(diagnostic);
                }
            }
        }
    }
    check
}

/// Lets the metadata decide the type and enum members of every property that disagrees with
/// it; returns how many properties changed.
pub fn apply(metadata: &Metadata, resources: &mut [Resource]) -> usize {
    let mut changed = 0;
    for resource in resources.iter_mut() {
        for property in &mut resource.properties {
            let Verdict::Disagrees(_, found) = verdict(metadata, &resource.name, property) else {
                continue;
            };
            property.ty = found.property.ty.clone();
            property.members = found.property.members.clone();
            changed += 1;
        }
    }
    changed
}

fn verdict<'a>(metadata: &'a Metadata, resource: &str, property: &Property) -> Verdict<'a> {
    let Some(found) = metadata.property(resource, &property.name) else {
        return Verdict::NotInMetadata;
    };
    let page = as_page_type(&property.ty);
    let csdl = &found.property.ty;
    let disagreement = type_disagreement(&page, csdl).or_else(|| {
        members_differ(&property.members, &found.property.members)
            .then_some(Code::MetadataEnumMembers)
    });
    match disagreement {
        Some(code) => Verdict::Disagrees(code, found),
        None => Verdict::Agrees,
    }
}

/// Reads the page's `DateTime` as the `DateTimeOffset` it means.
fn as_page_type(ty: &EdmType) -> EdmType {
    match ty {
        EdmType::Named(name) if name.eq_ignore_ascii_case("DateTime") => EdmType::DateTimeOffset,
        EdmType::Collection(inner) => EdmType::Collection(Box::new(as_page_type(inner))),
        other => other.clone(),
    }
}

/// Tells how a page type differs from a CSDL type; an enum the page names without listing
/// its members (a link) is the same type as the CSDL enum of that name.
fn type_disagreement(page: &EdmType, csdl: &EdmType) -> Option<Code> {
    match (page, csdl) {
        (EdmType::Collection(a), EdmType::Collection(b)) => type_disagreement(a, b),
        (EdmType::Collection(_), _) | (_, EdmType::Collection(_)) => Some(Code::MetadataCollection),
        (EdmType::Enum(a) | EdmType::Named(a), EdmType::Enum(b))
        | (EdmType::Named(a), EdmType::Named(b))
            if same_type_name(a, b) =>
        {
            None
        }
        (EdmType::String, EdmType::Enum(_)) | (EdmType::Enum(_), EdmType::String) => {
            Some(Code::MetadataEnumString)
        }
        (a, b) if is_primitive(a) && is_primitive(b) => {
            (a != b).then_some(Code::MetadataPrimitiveType)
        }
        _ => Some(Code::MetadataNamedType),
    }
}

/// Compares type names without namespace (`externalConnectors.acl` is
/// `microsoft.graph.externalConnectors.acl`) and without letter case.
fn same_type_name(a: &str, b: &str) -> bool {
    short_name(a).eq_ignore_ascii_case(short_name(b))
}

fn is_primitive(ty: &EdmType) -> bool {
    !matches!(
        ty,
        EdmType::Enum(_) | EdmType::Named(_) | EdmType::Collection(_)
    )
}

/// Tells whether the members a page lists differ, as a set, from the declared ones; a page
/// that lists none states nothing to compare.
fn members_differ(page: &[String], declared: &[String]) -> bool {
    if page.is_empty() || declared.is_empty() {
        return false;
    }
    let page: BTreeSet<&String> = page.iter().collect();
    let declared: BTreeSet<&String> = declared.iter().collect();
    page != declared
}

fn describe(metadata: &Metadata, resource: &str, property: &Property, found: Found<'_>) -> String {
    let page = with_members(&property.ty.display_name(), &property.members);
    let declared = &found.property.members;
    let csdl = with_members(&found.property.type_name, declared);
    let owner = found.owner;
    let inherited = if owner.name.eq_ignore_ascii_case(resource) {
        String::new()
    } else {
        format!(", declared on `{}`", owner.qualified_name())
    };
    let mut message = format!(
        "`{}` of `{resource}` is {page} on the page but {csdl} in {}:{}{inherited}",
        property.name, metadata.file, found.property.line
    );
    if !property.members.is_empty() && !declared.is_empty() {
        message.push_str(&member_difference(&property.members, declared));
    }
    message
}

fn with_members(type_name: &str, members: &[String]) -> String {
    if members.is_empty() {
        format!("`{type_name}`")
    } else {
        format!("`{type_name}` (members: {})", members.join(", "))
    }
}

/// Names the members only one side has (`; not on the page: x; not in the metadata: y`).
fn member_difference(page: &[String], declared: &[String]) -> String {
    let only_in = |side: &[String], other: &[String]| -> Vec<String> {
        side.iter()
            .filter(|m| !other.contains(m))
            .cloned()
            .collect()
    };
    let (missing, extra) = (only_in(declared, page), only_in(page, declared));
    let mut text = String::new();
    if !missing.is_empty() {
        text.push_str(&format!("; not on the page: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        text.push_str(&format!("; not in the metadata: {}", extra.join(", ")));
    }
    text
}

/// Cross-checks the resources of `derivation` with `metadata`, adding a warning per
/// disagreement, and with `wins` lets the metadata decide where they disagree; returns the
/// line `derive` prints.
pub fn compare_derivation(
    metadata: &Metadata,
    derivation: &mut crate::derive::Derivation,
    wins: bool,
) -> String {
    let check = cross_check(metadata, &derivation.contract.resources);
    let rate = check
        .agreement_rate()
        .map_or_else(|| "n/a".to_string(), |r| format!("{:.1} %", r * 100.0));
    let mut line = format!(
        "metadata: {} of {} comparable properties agree ({rate}) with {}; {} properties and {} resources are not in it",
        check.agreeing,
        check.comparable,
        metadata.file,
        check.not_in_metadata,
        check.resources_not_in_metadata
    );
    derivation.diagnostics.extend(check.disagreements);
    derivation.diagnostics.sort();
    if wins {
        let changed = apply(metadata, &mut derivation.contract.resources);
        line.push_str(&format!(
            "; --metadata-wins: {changed} properties take their type and members from it"
        ));
    }
    line
}
