//! The schemas of the bodies an operation sends or answers that are not one of its resource's
//! own objects: an action's parameters, a `$ref` body, a collection, a primitive result. The
//! OpenAPI document and the case files are built from these same functions, so the mock and
//! the runner read the very schemas the document publishes.
//!
//! `$ref`s here point at the resource documents (`<ID_BASE><name>.json#/$defs/<variant>`);
//! the OpenAPI document rewrites them into component references.

use super::Variant;
use super::rules::{instance_annotations, property_schema, schema_id, type_schema};
use crate::derive::Contract;
use crate::model::{Operation, OperationKind, Property, RequestBody, ResponseBody};
use serde_json::{Map, Value, json};

/// An action's parameters as one object, by the request rules (nothing required, nothing
/// unlisted but `@odata.*` annotations).
pub fn parameters_schema(parameters: &[Property], contract: &Contract) -> Value {
    let properties: Map<String, Value> = parameters
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                property_schema(p, contract, Variant::Request),
            )
        })
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "patternProperties": instance_annotations(),
        "additionalProperties": false,
    })
}

/// `{"@odata.id": "<uri>"}`: the object a `$ref` operation adds, and each item a `$ref`
/// list returns.
pub fn reference_schema() -> Value {
    json!({
        "type": "object",
        "required": ["@odata.id"],
        "properties": { "@odata.id": { "type": "string", "format": "uri" } },
    })
}

/// Graph's collection body: `value`, and the paging and count annotations.
pub fn collection_schema(items: Value) -> Value {
    json!({
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": { "type": "array", "items": items },
            "@odata.nextLink": { "type": "string", "format": "uri" },
            "@odata.count": { "type": "integer", "minimum": 0 },
        },
    })
}

/// Graph's body of a primitive result: `{"value": ...}`.
pub fn value_schema(value: Value) -> Value {
    json!({
        "type": "object",
        "required": ["value"],
        "properties": { "value": value },
    })
}

/// The schema of an object of `resource`: a reference to its document, or any object when no
/// page defines the resource (an action's return type documented elsewhere).
pub fn resource_body_schema(resource: &str, contract: &Contract, variant: Variant) -> Value {
    match contract.resource(resource) {
        Some(_) => json!({ "$ref": format!("{}#/$defs/{}", schema_id(resource), variant.key()) }),
        None => json!({ "type": "object", "x-graph-type": resource }),
    }
}

/// Returns the schema of the parameters an action is sent in its body; `None` for every
/// other kind (a function's parameters are in its path) and for an action without a table.
pub fn operation_parameters(operation: &Operation, contract: &Contract) -> Option<Value> {
    match operation.kind {
        OperationKind::Action => match &operation.request_body {
            RequestBody::Parameters { parameters } => Some(parameters_schema(parameters, contract)),
            RequestBody::None
            | RequestBody::Resource
            | RequestBody::Reference
            | RequestBody::Stream => None,
        },
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => None,
    }
}

/// Returns the schema of what an action or a function answers on success (its documented
/// return type); `None` for every other kind, whose answer is the resource's own object or
/// a collection of them, and for a result that is nothing or a stream.
pub fn operation_result(operation: &Operation, contract: &Contract) -> Option<Value> {
    match operation.kind {
        OperationKind::Action | OperationKind::Function => {}
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return None,
    }
    let response = Variant::Response;
    match &operation.response {
        ResponseBody::None | ResponseBody::Stream => None,
        ResponseBody::Resource { name } => Some(resource_body_schema(name, contract, response)),
        ResponseBody::Collection { name } => Some(collection_schema(resource_body_schema(
            name, contract, response,
        ))),
        ResponseBody::Primitive { ty } => {
            Some(value_schema(type_schema(ty, &[], contract, response)))
        }
    }
}
