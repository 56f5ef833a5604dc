//! What an action or a function answers on success, compiled once from its case file's
//! `result_schema`: nothing, a primitive `{"value": ...}`, an object of a resource, a
//! collection, or any object (a return type no page of the suite defines).

use super::contract::Contract;
use super::resource::plain_values;
use crate::case::CaseFile;
use crate::model::ResponseBody;
use crate::suite::{Suite, SuiteError};
use serde_json::{Value, json};

/// The success body of an action or a function.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// No body: the case file states no result.
    Nothing,
    /// `{"value": <this>}`: a value valid under the result schema.
    Primitive(Value),
    /// An object of this resource (index into [`Contract::resources`]): its defaults, a
    /// fresh id.
    Resource(usize),
    /// `{"value": []}`.
    Collection,
    /// `{}`: the result is an object of a type the suite does not define.
    Object,
}

impl Answer {
    /// Compiles the answer `schema` (a case file's `result_schema`) describes.
    pub fn compile(
        contract: &mut Contract,
        suite: &Suite,
        case: &CaseFile,
        schema: &Value,
    ) -> Result<Answer, SuiteError> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = match &case.response {
                ResponseBody::Resource { name } => name.clone(),
                _ => resource_name(reference),
            };
            let index = contract.resource_index(suite, &name, reference)?;
            return Ok(Answer::Resource(index));
        }
        let Some(value) = schema.get("properties").and_then(|p| p.get("value")) else {
            return Ok(Answer::Object);
        };
        if value.get("type").and_then(Value::as_str) == Some("array") {
            return Ok(Answer::Collection);
        }
        let validator = suite.validator_of(schema)?;
        let members = enum_members(suite, value);
        let found = members
            .into_iter()
            .chain(plain_values())
            .chain([Value::Null])
            .find(|candidate| validator.is_valid(&json!({ "value": candidate })));
        Ok(found.map_or(Answer::Object, Answer::Primitive))
    }
}

/// Returns the members of the enum a value schema lists, directly or through its `$ref`.
fn enum_members(suite: &Suite, value: &Value) -> Vec<Value> {
    let target = match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => suite.schema_at(reference, None),
        None => Some(value),
    };
    target
        .and_then(|t| t.get("enum"))
        .and_then(Value::as_array)
        .map(|members| members.iter().filter(|m| !m.is_null()).cloned().collect())
        .unwrap_or_default()
}

/// Reads the resource a schema reference names (`.../schemas/gadget.json#/$defs/response`
/// -> `gadget`).
fn resource_name(reference: &str) -> String {
    let document = reference.split('#').next().unwrap_or_default();
    let file = document.rsplit('/').next().unwrap_or_default();
    file.trim_end_matches(".json").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_names_its_resource() {
        let reference = "https://graph-conformance.invalid/schemas/gadget.json#/$defs/response";
        assert_eq!(resource_name(reference), "gadget");
    }
}
