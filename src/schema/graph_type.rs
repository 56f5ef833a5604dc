//! Reads a property's Graph type back from its schema: derive records it as `x-graph-type`
//! (see [`super::property_schema`]), and the generators and the mock read it here, so what a
//! payload is made of and what the mock stores come from the one name the page gave.

use crate::model::EdmType;
use serde_json::Value;

/// A property's Graph type, as its schema records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphType {
    /// The type the page names (`DateTimeOffset`, `connectorStatus collection`).
    pub edm: EdmType,
    /// The members of an enum the page lists; `None` for an enum whose members it does not
    /// list, a flags enum (a pattern of members) and every other type.
    pub members: Option<Vec<String>>,
}

impl GraphType {
    /// Reads `x-graph-type` of a property schema; `None` when the schema records none.
    ///
    /// A name that is not an Edm primitive is an enum when its (element) schema is a string,
    /// otherwise a complex type or resource.
    pub fn of(schema: &Value) -> Option<GraphType> {
        let written = schema.get("x-graph-type")?.as_str()?;
        let mut depth = 0;
        let mut name = written.trim();
        while let Some(inner) = name.strip_suffix(" collection") {
            name = inner.trim_end();
            depth += 1;
        }
        let element = element_schema(schema, depth)?;
        let element_type = EdmType::primitive(name).unwrap_or_else(|| {
            if is_string(element) {
                EdmType::Enum(name.to_string())
            } else {
                EdmType::Named(name.to_string())
            }
        });
        let members = matches!(element_type, EdmType::Enum(_))
            .then(|| listed_members(element))
            .flatten();
        let edm = (0..depth).fold(element_type, |ty, _| EdmType::Collection(Box::new(ty)));
        Some(GraphType { edm, members })
    }

    /// Tells whether values are DateTimeOffsets (not a collection of them).
    pub fn is_date_time(&self) -> bool {
        self.edm == EdmType::DateTimeOffset
    }

    /// Tells whether values are an enum with listed members (not a collection of them).
    pub fn is_listed_enum(&self) -> bool {
        matches!(self.edm, EdmType::Enum(_)) && self.members.is_some()
    }

    /// Tells whether values are free text: a string that is no listed enum member and no
    /// DateTimeOffset (not a collection).
    pub fn is_text(&self) -> bool {
        match &self.edm {
            EdmType::String
            | EdmType::Stream
            | EdmType::Guid
            | EdmType::Date
            | EdmType::TimeOfDay
            | EdmType::Duration
            | EdmType::Binary => true,
            EdmType::Enum(_) => self.members.is_none(),
            EdmType::Boolean
            | EdmType::Byte
            | EdmType::SByte
            | EdmType::Int16
            | EdmType::Int32
            | EdmType::Int64
            | EdmType::Single
            | EdmType::Double
            | EdmType::Decimal
            | EdmType::DateTimeOffset
            | EdmType::Named(_)
            | EdmType::Collection(_) => false,
        }
    }
}

/// Returns the schema of one element `depth` collections down, through a nullable `anyOf`.
fn element_schema(schema: &Value, depth: usize) -> Option<&Value> {
    let mut here = non_null(schema);
    for _ in 0..depth {
        here = non_null(here.get("items")?);
    }
    Some(here)
}

/// Returns the branch of `anyOf: [schema, {type: null}]` that is not null, or the schema.
fn non_null(schema: &Value) -> &Value {
    let branches = schema.get("anyOf").and_then(Value::as_array);
    let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
    match branches.map(Vec::as_slice) {
        Some([one, null]) | Some([null, one]) if is_null(null) && !is_null(one) => one,
        _ => schema,
    }
}

/// Tells whether a schema's type is `string` (or `string` and `null`).
fn is_string(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Returns the listed members of a string enum schema (a nullable enum's `null` left out).
fn listed_members(schema: &Value) -> Option<Vec<String>> {
    if schema.get("x-enum-unlisted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let members = schema.get("enum")?.as_array()?;
    Some(
        members
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::Contract;
    use crate::model::{Property, Span};
    use crate::schema::Variant;
    use rstest::rstest;

    fn property(ty: EdmType, members: &[&str], flags: bool) -> Property {
        Property {
            name: "p".into(),
            ty,
            members: members.iter().map(|m| m.to_string()).collect(),
            flags,
            required: false,
            read_only: false,
            span: Span::new("widget.md", 9, 1),
        }
    }

    fn enumeration(name: &str) -> EdmType {
        EdmType::Enum(name.into())
    }

    fn collection(ty: EdmType) -> EdmType {
        EdmType::Collection(Box::new(ty))
    }

    #[rstest]
    #[case::a_string(EdmType::String, &[], false, None)]
    #[case::a_date_time_offset(EdmType::DateTimeOffset, &[], false, None)]
    #[case::an_int64(EdmType::Int64, &[], false, None)]
    #[case::a_double(EdmType::Double, &[], false, None)]
    #[case::a_guid(EdmType::Guid, &[], false, None)]
    #[case::a_listed_enum(enumeration("state"), &["on", "off"], false, Some(vec!["on", "off"]))]
    #[case::an_unlisted_enum(enumeration("state"), &[], false, None)]
    #[case::a_flags_enum(enumeration("features"), &["dimmer", "timer"], true, None)]
    #[case::a_collection_of_enums(collection(enumeration("state")), &["on"], false, Some(vec!["on"]))]
    #[case::a_collection_of_strings(collection(EdmType::String), &[], false, None)]
    #[case::a_complex_type(EdmType::Named("address".into()), &[], false, None)]
    fn the_type_derive_wrote_is_read_back(
        #[case] ty: EdmType,
        #[case] members: &[&str],
        #[case] flags: bool,
        #[case] listed: Option<Vec<&str>>,
    ) {
        let contract = Contract::default();
        for variant in [Variant::Request, Variant::Response] {
            let schema = crate::schema::property_schema(
                &property(ty.clone(), members, flags),
                &contract,
                variant,
            );
            let read = GraphType::of(&schema).unwrap();
            assert_eq!(read.edm, ty, "{variant:?}: {schema}");
            let listed = listed
                .clone()
                .map(|m| m.iter().map(|s| s.to_string()).collect());
            assert_eq!(read.members, listed, "{variant:?}: {schema}");
        }
    }

    #[rstest]
    #[case::a_date_time_offset(EdmType::DateTimeOffset, true, false, false)]
    #[case::a_string(EdmType::String, false, false, true)]
    #[case::a_listed_enum(enumeration("state"), false, true, false)]
    #[case::a_collection_of_date_times(collection(EdmType::DateTimeOffset), false, false, false)]
    #[case::a_number(EdmType::Int32, false, false, false)]
    fn a_type_tells_what_values_it_takes(
        #[case] ty: EdmType,
        #[case] date_time: bool,
        #[case] listed_enum: bool,
        #[case] text: bool,
    ) {
        let members = if listed_enum {
            Some(vec!["on".to_string()])
        } else {
            None
        };
        let read = GraphType { edm: ty, members };
        assert_eq!(read.is_date_time(), date_time);
        assert_eq!(read.is_listed_enum(), listed_enum);
        assert_eq!(read.is_text(), text);
    }

    #[test]
    fn a_schema_without_a_recorded_type_has_none() {
        assert_eq!(
            GraphType::of(&serde_json::json!({ "type": "string" })),
            None
        );
    }
}
