//! The CSDL (EDMX 4.0) reader: walks the XML once with quick-xml and keeps the entity,
//! complex and enum types of every `Schema`, each element with the line it starts on.

use super::{
    EnumMember, EnumType, MetaProperty, MetadataError, PropertyKind, StructuredType, TypeKind,
};
use crate::model::EdmType;
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// The types a document declares, their property types not resolved yet.
pub(super) struct Document {
    pub types: Vec<StructuredType>,
    pub enums: Vec<EnumType>,
}

/// Reads `xml`, known as `file`.
pub(super) fn read(file: &str, xml: &str) -> Result<Document, MetadataError> {
    let mut walker = Walker {
        file,
        lines: Lines::new(xml),
        frames: Vec::new(),
        document: Document {
            types: Vec::new(),
            enums: Vec::new(),
        },
        schemas: 0,
    };
    walker.walk(xml)?;
    if walker.schemas == 0 {
        return Err(MetadataError::NoSchema {
            file: file.to_string(),
        });
    }
    Ok(walker.document)
}

/// Line numbers of byte offsets.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { starts }
    }

    /// Returns the 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }
}

/// What an open element is, as far as the reader cares.
#[derive(Debug, Clone)]
enum Frame {
    Schema(String),
    Structured(usize),
    Key(usize),
    Enum(usize),
    Other,
}

/// An open element: what it is, its name and line (for an unclosed-element error).
struct Open {
    frame: Frame,
    element: String,
    line: u32,
}

struct Walker<'a> {
    file: &'a str,
    lines: Lines,
    frames: Vec<Open>,
    document: Document,
    schemas: usize,
}

impl Walker<'_> {
    fn walk(&mut self, xml: &str) -> Result<(), MetadataError> {
        let mut reader = Reader::from_str(xml);
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = reader.read_event().map_err(|source| {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                self.xml_error(at, source)
            })?;
            match event {
                Event::Start(element) => {
                    let line = self.element_line(xml, before);
                    let open = self.open(&element, line)?;
                    self.frames.push(open);
                }
                Event::Empty(element) => {
                    let line = self.element_line(xml, before);
                    self.open(&element, line)?;
                }
                Event::End(_) => {
                    self.frames.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        match self.frames.last() {
            Some(open) => Err(MetadataError::Unclosed {
                file: self.file.to_string(),
                line: open.line,
                element: open.element.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Returns the line of the element whose event began at byte `from` (its `<`).
    fn element_line(&self, xml: &str, from: usize) -> u32 {
        let tail = xml.as_bytes().get(from..).unwrap_or_default();
        let at = tail.iter().position(|&b| b == b'<').unwrap_or(0);
        self.lines.line(from.saturating_add(at))
    }

    fn xml_error(&self, at: usize, source: quick_xml::Error) -> MetadataError {
        MetadataError::Xml {
            file: self.file.to_string(),
            line: self.lines.line(at),
            source,
        }
    }

    /// Records what `element` declares, given its parent; returns its frame.
    fn open(&mut self, element: &BytesStart<'_>, line: u32) -> Result<Open, MetadataError> {
        let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        let parent = self.frames.last().map(|o| o.frame.clone());
        let frame = match (name.as_str(), parent) {
            ("Schema", _) => {
                self.schemas += 1;
                let attrs = self.attributes(element, &name, line)?;
                Frame::Schema(attrs.required("Namespace")?.to_string())
            }
            ("EntityType" | "ComplexType", Some(Frame::Schema(namespace))) => {
                let attrs = self.attributes(element, &name, line)?;
                let kind = match name.as_str() {
                    "EntityType" => TypeKind::Entity,
                    _ => TypeKind::Complex,
                };
                self.document.types.push(StructuredType {
                    namespace,
                    name: attrs.required("Name")?.to_string(),
                    kind,
                    base_type: attrs.optional("BaseType").map(str::to_string),
                    is_abstract: attrs.flag("Abstract", false)?,
                    open_type: attrs.flag("OpenType", false)?,
                    key: Vec::new(),
                    properties: Vec::new(),
                    line,
                });
                Frame::Structured(self.document.types.len() - 1)
            }
            ("Key", Some(Frame::Structured(i))) => Frame::Key(i),
            ("PropertyRef", Some(Frame::Key(i))) => {
                let attrs = self.attributes(element, &name, line)?;
                let key = attrs.required("Name")?.to_string();
                self.document.types[i].key.push(key);
                Frame::Other
            }
            ("Property" | "NavigationProperty", Some(Frame::Structured(i))) => {
                let attrs = self.attributes(element, &name, line)?;
                let kind = match name.as_str() {
                    "Property" => PropertyKind::Structural,
                    _ => PropertyKind::Navigation {
                        contains_target: attrs.flag("ContainsTarget", false)?,
                    },
                };
                let property = MetaProperty {
                    name: attrs.required("Name")?.to_string(),
                    type_name: attrs.required("Type")?.to_string(),
                    // resolved once every enum type is known
                    ty: EdmType::String,
                    members: Vec::new(),
                    nullable: attrs.flag("Nullable", true)?,
                    kind,
                    line,
                };
                self.document.types[i].properties.push(property);
                Frame::Other
            }
            ("EnumType", Some(Frame::Schema(namespace))) => {
                let attrs = self.attributes(element, &name, line)?;
                self.document.enums.push(EnumType {
                    namespace,
                    name: attrs.required("Name")?.to_string(),
                    is_flags: attrs.flag("IsFlags", false)?,
                    members: Vec::new(),
                    line,
                });
                Frame::Enum(self.document.enums.len() - 1)
            }
            ("Member", Some(Frame::Enum(i))) => {
                let attrs = self.attributes(element, &name, line)?;
                let member = EnumMember {
                    name: attrs.required("Name")?.to_string(),
                    value: attrs.integer("Value")?,
                    line,
                };
                self.document.enums[i].members.push(member);
                Frame::Other
            }
            _ => Frame::Other,
        };
        Ok(Open {
            frame,
            element: name,
            line,
        })
    }

    fn attributes(
        &self,
        element: &BytesStart<'_>,
        name: &str,
        line: u32,
    ) -> Result<Attributes, MetadataError> {
        let xml_error = |source: quick_xml::Error| MetadataError::Xml {
            file: self.file.to_string(),
            line,
            source,
        };
        let mut pairs = Vec::new();
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| xml_error(e.into()))?;
            let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(xml_error)?
                .into_owned();
            pairs.push((key, value));
        }
        Ok(Attributes {
            file: self.file.to_string(),
            element: name.to_string(),
            line,
            pairs,
        })
    }
}

/// The attributes of one element, with what is needed to report a missing or bad one.
struct Attributes {
    file: String,
    element: String,
    line: u32,
    pairs: Vec<(String, String)>,
}

impl Attributes {
    fn optional(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &'static str) -> Result<&str, MetadataError> {
        self.optional(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| MetadataError::MissingAttribute {
                file: self.file.clone(),
                line: self.line,
                element: self.element.clone(),
                attribute: name,
            })
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, MetadataError> {
        match self.optional(name).map(str::trim) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(self.bad_value(name, other)),
        }
    }

    fn integer(&self, name: &'static str) -> Result<Option<i64>, MetadataError> {
        self.optional(name)
            .map(|v| v.trim().parse().map_err(|_| self.bad_value(name, v)))
            .transpose()
    }

    fn bad_value(&self, name: &'static str, value: &str) -> MetadataError {
        MetadataError::BadValue {
            file: self.file.clone(),
            line: self.line,
            element: self.element.clone(),
            attribute: name,
            value: value.to_string(),
        }
    }
}
