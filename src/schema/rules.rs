//! The schema rules (see the module documentation of [`crate::schema`]) as code.

use super::DIALECT;
use crate::derive::Contract;
use crate::model::{EdmType, Property, Resource};
use serde_json::{Map, Value, json};

/// The `patternProperties` of a request body: any instance annotation (`@odata.type`, a
/// page's `@microsoft.graph.conflictBehavior`) beside the documented properties. A server
/// ignores an annotation it does not know; a property it does not know is an error.
pub fn instance_annotations() -> Value {
    json!({ "^@": {} })
}

/// The base of every derived schema's `$id`; `.invalid` so that nothing ever fetches it.
pub const ID_BASE: &str = "https://graph-conformance.invalid/schemas/";

/// Which side of an exchange a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Request,
    Response,
}

impl Variant {
    /// Returns the `$defs` key of this variant.
    pub fn key(self) -> &'static str {
        match self {
            Variant::Request => "request",
            Variant::Response => "response",
        }
    }
}

/// Returns the `$id` of a resource's schema document.
pub fn schema_id(resource: &str) -> String {
    format!("{ID_BASE}{resource}.json")
}

/// Builds `schemas/<resource>.json`: the request and response variants under `$defs`.
pub fn resource_document(resource: &Resource, contract: &Contract) -> Value {
    let sources: Vec<String> = resource.spans.iter().map(ToString::to_string).collect();
    json!({
        "$schema": DIALECT,
        "$id": schema_id(&resource.name),
        "title": resource.name,
        "description": format!("The {} resource, derived by graph-conformance from its reference pages' property tables.", resource.name),
        "x-sources": sources,
        "$defs": {
            "request": object_schema(resource, contract, Variant::Request),
            "response": object_schema(resource, contract, Variant::Response),
        }
    })
}

fn object_schema(resource: &Resource, contract: &Contract, variant: Variant) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "@odata.type".into(),
        odata_type_schema(resource, contract, variant),
    );
    for property in &resource.properties {
        properties.insert(
            property.name.clone(),
            property_schema(property, contract, variant),
        );
    }
    let mut schema = json!({
        "title": format!("{} ({})", resource.name, variant.key()),
        "type": "object",
        "properties": properties,
    });
    let object = schema.as_object_mut().expect("json! object");
    match variant {
        Variant::Request => {
            object.insert("patternProperties".into(), instance_annotations());
            object.insert("additionalProperties".into(), json!(false));
        }
        Variant::Response => {
            let all = returns_all_properties(resource, contract);
            let required: Vec<&str> = resource
                .properties
                .iter()
                .filter(|p| all || p.is_key())
                .map(|p| p.name.as_str())
                .collect();
            object.insert("required".into(), json!(required));
        }
    }
    schema
}

/// The `@odata.type` an object of `resource` may say: its own; in an answer, also each type a
/// page derives from it (a read of a `namedLocation` answers an `ipNamedLocation`).
fn odata_type_schema(resource: &Resource, contract: &Contract, variant: Variant) -> Value {
    let own = resource.odata_type();
    let derived: Vec<String> = match variant {
        Variant::Request => Vec::new(),
        Variant::Response => {
            let mut derived: Vec<String> = contract
                .resources
                .iter()
                .filter(|r| r.name != resource.name && derives_from(r, &resource.name, contract))
                .map(crate::model::Resource::odata_type)
                .collect();
            derived.sort();
            derived
        }
    };
    if derived.is_empty() {
        return json!({ "const": own });
    }
    let mut types = vec![own];
    types.extend(derived);
    json!({ "enum": types })
}

/// Tells whether `resource` derives, directly or through its bases, from the resource `base`.
fn derives_from(resource: &Resource, base: &str, contract: &Contract) -> bool {
    let mut current = resource.base_type.as_deref();
    let mut steps = 0;
    while let Some(name) = current {
        let name = name.trim_start_matches("microsoft.graph.");
        if name == base {
            return true;
        }
        steps += 1;
        if steps > 32 {
            return false;
        }
        current = contract.resource(name).and_then(|r| r.base_type.as_deref());
    }
    false
}

/// Tells whether a page of `resource` states that an actual call returns every property: one
/// operation saying so is enough, as every operation of a resource answers with the same object.
pub fn returns_all_properties(resource: &Resource, contract: &Contract) -> bool {
    contract
        .operations
        .iter()
        .any(|o| o.resource == resource.name && o.returns_all_properties)
}

/// Builds the schema of one property for `variant`, with its page line as `x-source`.
pub fn property_schema(property: &Property, contract: &Contract, variant: Variant) -> Value {
    let nullable = variant == Variant::Response && !property.is_key();
    let mut schema = if property.is_key() {
        json!({ "type": "string" })
    } else if property.flags && !property.members.is_empty() {
        flags_schema(&property.ty, &property.members)
    } else {
        type_schema(&property.ty, &property.members, contract, variant)
    };
    if nullable {
        schema = allow_null(schema);
    }
    if let Some(object) = schema.as_object_mut() {
        object.insert("x-graph-type".into(), json!(property.ty.display_name()));
        object.insert("x-source".into(), json!(property.span.to_string()));
    }
    schema
}

/// Builds the schema of a value of type `ty` (members for an enum), `$ref`s to resource
/// documents where a page defines the type.
pub fn type_schema(
    ty: &EdmType,
    members: &[String],
    contract: &Contract,
    variant: Variant,
) -> Value {
    match ty {
        EdmType::String | EdmType::Stream => json!({ "type": "string" }),
        EdmType::DateTimeOffset => json!({ "type": "string", "format": "date-time" }),
        EdmType::Enum(_) if members.is_empty() => {
            json!({ "type": "string", "x-enum-unlisted": true })
        }
        EdmType::Enum(_) => json!({ "type": "string", "enum": members }),
        EdmType::Boolean => json!({ "type": "boolean" }),
        EdmType::Byte => integer(0, 255),
        EdmType::SByte => integer(-128, 127),
        EdmType::Int16 => integer(i64::from(i16::MIN), i64::from(i16::MAX)),
        EdmType::Int32 => integer(i64::from(i32::MIN), i64::from(i32::MAX)),
        EdmType::Int64 => integer(i64::MIN, i64::MAX),
        EdmType::Single | EdmType::Double | EdmType::Decimal => {
            json!({ "anyOf": [{ "type": "number" }, { "enum": ["NaN", "INF", "-INF"] }] })
        }
        EdmType::Guid => json!({ "type": "string", "format": "uuid" }),
        EdmType::Date => json!({ "type": "string", "format": "date" }),
        EdmType::TimeOfDay => {
            json!({ "type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,12})?)?$" })
        }
        EdmType::Duration => json!({ "type": "string", "pattern": "^-?P" }),
        EdmType::Binary => json!({ "type": "string", "contentEncoding": "base64" }),
        EdmType::Named(name) if contract.resource(name).is_some() => {
            json!({ "$ref": format!("{}#/$defs/{}", schema_id(name), variant.key()) })
        }
        EdmType::Named(_) => json!({ "type": "object" }),
        EdmType::Collection(inner) => {
            json!({ "type": "array", "items": type_schema(inner, members, contract, variant) })
        }
    }
}

/// A flags enum's value is a comma-separated list of members (`"dimmer,timer"`): a pattern,
/// not an `enum` of single members that would refuse a faithful combination. Marked
/// `x-enum-unlisted` too, so that payloads never generate one (a pattern is no vocabulary).
fn flags_schema(ty: &EdmType, members: &[String]) -> Value {
    let alternatives: Vec<String> = members.iter().map(|m| regex_literal(m)).collect();
    let member = format!("({})", alternatives.join("|"));
    let value = json!({
        "type": "string",
        "pattern": format!("^{member}( ?, ?{member})*$"),
        "x-flags": true,
        "x-enum-unlisted": true,
    });
    match ty {
        EdmType::Collection(_) => json!({ "type": "array", "items": value }),
        _ => value,
    }
}

/// Escapes the characters a regular expression gives a meaning.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn integer(min: i64, max: i64) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

/// Lets a schema also accept `null`.
fn allow_null(schema: Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some(ty) => {
            let mut schema = schema.clone();
            schema["type"] = json!([ty, "null"]);
            if let Some(Value::Array(members)) = schema.get_mut("enum") {
                members.push(Value::Null);
            }
            schema
        }
        _ => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn flags_property() -> Property {
        Property {
            name: "features".into(),
            ty: EdmType::Enum("lampFeatures".into()),
            members: vec!["dimmer".into(), "timer".into(), "color".into()],
            flags: true,
            required: false,
            read_only: false,
            span: Span::new("lamp.md", 9, 1),
        }
    }

    #[test]
    fn a_flags_enum_accepts_combinations_of_members_and_nothing_else() {
        let schema = property_schema(&flags_property(), &Contract::default(), Variant::Request);
        let validator = jsonschema::validator_for(&schema).unwrap();
        for valid in [
            "dimmer",
            "dimmer,timer",
            "timer, color",
            "color,dimmer,timer",
        ] {
            assert!(validator.is_valid(&json!(valid)), "{valid}");
        }
        for invalid in ["", "dim", "dimmer,", "dimmer;timer", "Dimmer"] {
            assert!(!validator.is_valid(&json!(invalid)), "{invalid}");
        }
        assert_eq!(schema["x-enum-unlisted"], true, "never generated");
    }
}
