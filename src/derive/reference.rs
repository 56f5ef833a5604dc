//! The resource and enum pages given to derive: the types they define, looked up by the
//! stem a method page links (`../resources/<stem>.md`) or by name, each turned into the
//! resource it defines (inherited properties included, enum members resolved).

use crate::docs::ResourcePage;
use crate::docs::resource_page::{EnumType, Relationship, TypePage};
use crate::model::{EdmType, Property, Resource};
use std::collections::{BTreeMap, BTreeSet};

/// Every type and enum the resource pages define.
#[derive(Default)]
pub(super) struct Reference {
    types: Vec<TypePage>,
    /// Lower-case type name to its page (the first page naming it).
    by_name: BTreeMap<String, usize>,
    /// Lower-case file stem to the type page of that file.
    by_stem: BTreeMap<String, usize>,
    /// Lower-case enum name to its type (the first page naming it).
    enums: BTreeMap<String, EnumType>,
}

impl Reference {
    /// Adds what one resource or enum page defines.
    pub(super) fn add(&mut self, page: ResourcePage) {
        match page {
            ResourcePage::Type(page) => {
                let index = self.types.len();
                self.by_name
                    .entry(page.name.to_lowercase())
                    .or_insert(index);
                self.by_stem.entry(stem(&page.file)).or_insert(index);
                for e in &page.enums {
                    self.add_enum(e.clone());
                }
                self.types.push(*page);
            }
            ResourcePage::Enums(page) => {
                for e in page.enums {
                    self.add_enum(e);
                }
            }
        }
    }

    fn add_enum(&mut self, e: EnumType) {
        self.enums.entry(e.name.to_lowercase()).or_insert(e);
    }

    /// The type page a method page's resource names: the page of the stem it links, else
    /// the type of that name (letter case aside).
    pub(super) fn type_page(&self, name: &str, stem: Option<&str>) -> Option<&TypePage> {
        stem.and_then(|s| self.by_stem.get(&s.to_lowercase()))
            .or_else(|| self.by_name.get(&name.to_lowercase()))
            .map(|&i| &self.types[i])
    }

    /// The spelling the resource pages give `name`, when one defines it.
    pub(super) fn type_name(&self, name: &str) -> Option<&str> {
        self.by_name
            .get(&name.to_lowercase())
            .map(|&i| self.types[i].name.as_str())
    }

    /// Gives a property typed by an enum that an enum page defines that enum's members and
    /// flags; an enum type no page lists members for is a plain string.
    pub(super) fn resolve_enum(&self, property: &mut Property) {
        let name = match property.ty.element() {
            EdmType::Named(n) | EdmType::Enum(n) => n.clone(),
            _ => return,
        };
        let Some(e) = self.enums.get(&name.to_lowercase()) else {
            return;
        };
        if e.members.is_empty() {
            if property.members.is_empty() {
                property.ty = retyped(&property.ty, EdmType::String);
            }
            return;
        }
        property.ty = retyped(&property.ty, EdmType::Enum(e.name.clone()));
        property.members = e.members.iter().map(|m| m.name.clone()).collect();
        property.flags = e.flags;
    }

    /// The resource `page` defines: the properties it inherits ("Inherits from", followed
    /// through the base types' pages; a cycle stops where it repeats), then its own, in row
    /// order, enums resolved; its relationships apart.
    pub(super) fn resource(&self, page: &TypePage) -> Resource {
        let mut properties = Vec::new();
        let mut relationships = Vec::new();
        let mut spans = Vec::new();
        let mut seen = BTreeSet::new();
        for ancestor in self.lineage(page, &mut seen) {
            for row in &ancestor.properties {
                let mut property = row.property.clone();
                self.resolve_enum(&mut property);
                upsert(&mut properties, property);
            }
            for relationship in &ancestor.relationships {
                upsert(&mut relationships, navigation(relationship));
            }
            spans.extend(ancestor.property_tables.iter().cloned());
        }
        if spans.is_empty() {
            spans.push(page.name_span.clone());
        }
        Resource {
            name: page.name.clone(),
            properties,
            spans,
            relationships,
            base_type: page.base_type.clone(),
        }
    }

    /// `page` and the pages of its base types, the most basic first.
    fn lineage<'a>(&'a self, page: &'a TypePage, seen: &mut BTreeSet<String>) -> Vec<&'a TypePage> {
        let mut chain = Vec::new();
        let mut next = Some(page);
        while let Some(current) = next {
            if !seen.insert(current.name.to_lowercase()) {
                break;
            }
            chain.push(current);
            next = current
                .base_type
                .as_deref()
                .and_then(|base| self.type_page(base, None));
        }
        chain.reverse();
        chain
    }
}

/// Replaces or appends `property` (a derived type redefines what its base defines).
fn upsert(properties: &mut Vec<Property>, property: Property) {
    match properties.iter_mut().find(|p| p.name == property.name) {
        Some(known) => *known = property,
        None => properties.push(property),
    }
}

/// `ty` with its element type replaced by `element` (collections kept).
fn retyped(ty: &EdmType, element: EdmType) -> EdmType {
    match ty {
        EdmType::Collection(inner) => EdmType::Collection(Box::new(retyped(inner, element))),
        _ => element,
    }
}

/// A relationship as a property typed by its target.
fn navigation(relationship: &Relationship) -> Property {
    let target = EdmType::Named(relationship.target.clone());
    Property {
        name: relationship.name.clone(),
        ty: if relationship.collection {
            EdmType::Collection(Box::new(target))
        } else {
            target
        },
        members: Vec::new(),
        flags: false,
        required: false,
        read_only: relationship.read_only,
        span: relationship.span.clone(),
    }
}

/// The lower-case stem of a file name (`user.md` is `user`).
fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.rsplit_once('.')
        .map_or(name, |(stem, _)| stem)
        .to_lowercase()
}

/// Tells whether a method page's row states what the resource page defines: the same type
/// (letter case aside, an enum and a named type alike) and, when the row lists members, the
/// same members.
pub(super) fn agrees(row: &Property, defined: &Property) -> bool {
    let shape = |p: &Property| p.ty.display_name().to_lowercase();
    let sorted = |p: &Property| {
        let mut members = p.members.clone();
        members.sort();
        members
    };
    shape(row) == shape(defined) && (row.members.is_empty() || sorted(row) == sorted(defined))
}
