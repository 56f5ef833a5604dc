//! Microsoft's metadata (CSDL) as data, and its cross-check against what derive read from the
//! pages.
//!
//! Pages are hand-written; the CSDL is what the service declares. [`Metadata::parse`] reads the
//! entity, complex and enum types of every `Schema` (each with its line), [`cross_check`] tells
//! where a derived property's type or enum members disagree with it, and [`apply`] lets the
//! metadata decide (`--metadata-wins`).

mod compare;
mod csdl;

pub use compare::{CrossCheck, apply, compare_derivation, cross_check};

use crate::input_file::{InputFileError, read_bounded};
use crate::model::EdmType;
use std::collections::HashMap;
use std::path::Path;

/// The largest metadata file read, in bytes (Graph's v1.0 CSDL of July 2021 is 1.5 MB).
pub const METADATA_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a metadata file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("{file}:{line}: malformed XML")]
    Xml {
        file: String,
        line: u32,
        #[source]
        source: quick_xml::Error,
    },
    #[error("{file}:{line}: `<{element}>` has no `{attribute}` attribute")]
    MissingAttribute {
        file: String,
        line: u32,
        element: String,
        attribute: &'static str,
    },
    #[error("{file}:{line}: `{value}` is not a `{attribute}` value of `<{element}>`")]
    BadValue {
        file: String,
        line: u32,
        element: String,
        attribute: &'static str,
        value: String,
    },
    #[error("{file}:{line}: `<{element}>` is never closed")]
    Unclosed {
        file: String,
        line: u32,
        element: String,
    },
    #[error("{file} declares no `<Schema>`")]
    NoSchema { file: String },
    #[error(transparent)]
    File(#[from] InputFileError),
    #[error("{file}:{line}: the metadata is not valid UTF-8")]
    NotUtf8 { file: String, line: u32 },
}

/// Whether a structured type is an entity (has an identity) or a complex type (a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Entity,
    Complex,
}

/// What kind of property a CSDL property element declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    /// A `Property`: a value of the resource.
    Structural,
    /// A `NavigationProperty`: a relationship to other resources.
    Navigation { contains_target: bool },
}

/// One `Property` or `NavigationProperty` of a structured type.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaProperty {
    pub name: String,
    /// The `Type` attribute as written (`Collection(microsoft.graph.x)`).
    pub type_name: String,
    pub ty: EdmType,
    /// The members of the enum type `ty` is (or is a collection of), in declaration order.
    pub members: Vec<String>,
    pub nullable: bool,
    pub kind: PropertyKind,
    pub line: u32,
}

/// An `EntityType` or a `ComplexType`.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredType {
    pub namespace: String,
    pub name: String,
    pub kind: TypeKind,
    /// The `BaseType` attribute as written.
    pub base_type: Option<String>,
    pub is_abstract: bool,
    pub open_type: bool,
    /// The `Key/PropertyRef` names.
    pub key: Vec<String>,
    pub properties: Vec<MetaProperty>,
    pub line: u32,
}

impl StructuredType {
    /// Returns the namespace-qualified name (`microsoft.graph.user`).
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }
}

/// One `Member` of an enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumMember {
    pub name: String,
    pub value: Option<i64>,
    pub line: u32,
}

/// An `EnumType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    pub namespace: String,
    pub name: String,
    pub is_flags: bool,
    pub members: Vec<EnumMember>,
    pub line: u32,
}

impl EnumType {
    /// Returns the namespace-qualified name (`microsoft.graph.ndesConnectorState`).
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    /// Returns the member names in declaration order.
    pub fn member_names(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.name.as_str()).collect()
    }
}

/// A property found by [`Metadata::property`], with the type that declares it (the asked
/// type or one of its base types).
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub owner: &'a StructuredType,
    pub property: &'a MetaProperty,
}

/// The types of a CSDL document, looked up by name without namespace and without letter case.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// The file name the lines refer to (never a machine path).
    pub file: String,
    pub types: Vec<StructuredType>,
    pub enums: Vec<EnumType>,
    type_index: HashMap<String, usize>,
    enum_index: HashMap<String, usize>,
}

impl Metadata {
    /// Reads a CSDL (EDMX) document known as `file_name`.
    pub fn parse(file_name: &str, xml: &str) -> Result<Metadata, MetadataError> {
        let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
        let document = csdl::read(file_name, xml)?;
        Ok(Metadata::new(file_name, document.types, document.enums))
    }

    /// Reads the CSDL file at `path` (a regular file of at most [`METADATA_LIMIT`] bytes,
    /// UTF-8); lines are reported against its file name.
    pub fn read(path: &Path) -> Result<Metadata, MetadataError> {
        let bytes = read_bounded(path, METADATA_LIMIT, "metadata file")?;
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match std::str::from_utf8(&bytes) {
            Ok(xml) => Metadata::parse(&file, xml),
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                let newlines = valid.iter().filter(|&&b| b == b'\n').count();
                let line = u32::try_from(newlines + 1).unwrap_or(u32::MAX);
                Err(MetadataError::NotUtf8 { file, line })
            }
        }
    }

    fn new(file: &str, mut types: Vec<StructuredType>, enums: Vec<EnumType>) -> Metadata {
        let enum_index = index(enums.iter().map(|e| e.name.as_str()));
        let type_index = index(types.iter().map(|t| t.name.as_str()));
        for property in types.iter_mut().flat_map(|t| t.properties.iter_mut()) {
            property.ty = resolve(&property.type_name, &enums, &enum_index);
            if let EdmType::Enum(name) = property.ty.element() {
                let members = enum_index.get(&key(name)).map(|&i| &enums[i].members);
                property.members = members
                    .into_iter()
                    .flatten()
                    .map(|m| m.name.clone())
                    .collect();
            }
        }
        Metadata {
            file: file.to_string(),
            types,
            enums,
            type_index,
            enum_index,
        }
    }

    /// Returns the entity or complex type called `name` (`microsoft.graph.user` or `User`).
    pub fn structured_type(&self, name: &str) -> Option<&StructuredType> {
        self.type_index.get(&key(name)).map(|&i| &self.types[i])
    }

    /// Returns the enum type called `name`.
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enum_index.get(&key(name)).map(|&i| &self.enums[i])
    }

    /// Returns the member names of the enum type called `name`, in declaration order.
    pub fn enum_members(&self, name: &str) -> Option<Vec<&str>> {
        self.enum_type(name).map(EnumType::member_names)
    }

    /// Tells whether the enum type called `name` is a flags enum; `None` when it is unknown.
    pub fn is_flags(&self, name: &str) -> Option<bool> {
        self.enum_type(name).map(|e| e.is_flags)
    }

    /// Returns the property `property_name` of `type_name`, declared there or inherited
    /// through `BaseType`; property names are compared exactly (they are JSON member names).
    pub fn property(&self, type_name: &str, property_name: &str) -> Option<Found<'_>> {
        let mut current = self.structured_type(type_name);
        // a BaseType cycle cannot walk more types than there are
        for _ in 0..=self.types.len() {
            let owner = current?;
            if let Some(property) = owner.properties.iter().find(|p| p.name == property_name) {
                return Some(Found { owner, property });
            }
            current = owner
                .base_type
                .as_deref()
                .and_then(|b| self.structured_type(b));
        }
        None
    }
}

/// The look-up key of a type name: without namespace, lower case.
fn key(name: &str) -> String {
    short_name(name).to_lowercase()
}

/// Returns `name` without its namespace (`microsoft.graph.callRecords.session` → `session`).
pub(super) fn short_name(name: &str) -> &str {
    let name = name.trim();
    name.rsplit('.').next().unwrap_or(name)
}

/// Indexes names by key; the first declaration of a key wins (the main namespace comes first).
fn index<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, name) in names.enumerate() {
        map.entry(key(name)).or_insert(i);
    }
    map
}

/// Maps a CSDL `Type` attribute to an [`EdmType`]: `Edm.*` primitives, `Collection(...)`,
/// enum types by name, and every other name as a named (structured) type.
fn resolve(type_name: &str, enums: &[EnumType], enum_index: &HashMap<String, usize>) -> EdmType {
    let name = type_name.trim();
    if let Some(inner) = name
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        return EdmType::Collection(Box::new(resolve(inner, enums, enum_index)));
    }
    if name.starts_with("Edm.") {
        return EdmType::primitive(name).unwrap_or_else(|| EdmType::Named(name.to_string()));
    }
    match enum_index.get(&key(name)) {
        Some(&i) => EdmType::Enum(enums[i].name.clone()),
        None => EdmType::Named(short_name(name).to_string()),
    }
}
