//! The whole contract as one OpenAPI 3.1 document, so that peer tools (Schemathesis, Dredd,
//! Prism) run on exactly the contract this suite runs on.
//!
//! Besides each page's success status, every operation declares what any Graph operation can
//! answer: the bearer token it requires (a global `security` requirement), and the errors, all
//! with Graph's error body: 400 (a body the page's table refuses), 401 (no or a bad token),
//! 404 when the path names an existing object by id, and `default` for the rest (405, 429,
//! 5xx). A peer tool then tells a correct refusal from an undocumented status.

use super::DIALECT;
use super::rules::{ID_BASE, Variant, resource_document};
use crate::derive::Contract;
use crate::model::{Example, Operation};
use serde_json::{Map, Value, json};

/// The server the pages' examples are written against, when none can be read from them.
const DEFAULT_SERVER: &str = "https://graph.microsoft.com/beta";

/// The name of the security scheme: Graph's OAuth 2.0 access token, sent as a bearer token.
const BEARER_SCHEME: &str = "bearerAuth";

/// The name of the component schema of Graph's error body. Resource components are named
/// `<resource>.request` and `<resource>.response`, so a name without a dot cannot clash.
const ERROR_SCHEMA: &str = "ODataError";

/// An error every operation can answer: status (or `default`), component name, description.
struct ErrorResponse {
    status: &'static str,
    name: &'static str,
    description: &'static str,
}

const BAD_REQUEST: ErrorResponse = ErrorResponse {
    status: "400",
    name: "BadRequest",
    description: "The body is not JSON, not an object, or breaks the page's property table.",
};
const UNAUTHORIZED: ErrorResponse = ErrorResponse {
    status: "401",
    name: "Unauthorized",
    description: "The access token is missing, empty or invalid.",
};
const NOT_FOUND: ErrorResponse = ErrorResponse {
    status: "404",
    name: "NotFound",
    description: "No object with the id in the path exists.",
};
const OTHER_ERROR: ErrorResponse = ErrorResponse {
    status: "default",
    name: "Error",
    description: "Any other error (405, 429, 5xx), in Graph's error shape.",
};

/// Builds `schemas/openapi.json`.
pub fn openapi_document(contract: &Contract) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for operation in &contract.operations {
        let item = paths
            .entry(operation.path.clone())
            .or_insert_with(|| json!({}));
        item[operation.method.as_str().to_ascii_lowercase()] = operation_object(operation);
    }
    let mut schemas = Map::new();
    for resource in &contract.resources {
        let document = resource_document(resource, contract);
        for variant in [Variant::Request, Variant::Response] {
            let schema = document["$defs"][variant.key()].clone();
            schemas.insert(component_name(&resource.name, variant), local_refs(schema));
        }
    }
    schemas.insert(ERROR_SCHEMA.to_string(), error_schema());
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "Microsoft Graph operations derived by graph-conformance",
            "version": "1",
            "description": "Derived from Microsoft Graph reference pages: one operation per page, schemas from the pages' property tables. Examples that contradict their own page are left out.",
        },
        "servers": [{ "url": server(contract) }],
        "security": [{ BEARER_SCHEME: [] }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": error_responses(),
            "securitySchemes": {
                BEARER_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A Microsoft Graph OAuth 2.0 access token: `Authorization: Bearer <token>`.",
                },
            },
        },
    })
}

/// Graph's error body: `{"error": {"code", "message", "innerError"?, "details"?}}`. More
/// properties are allowed, as the service adds some (`target`, `innerError.date`).
fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Microsoft Graph's error body.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string" },
                    "message": { "type": "string" },
                    "innerError": { "type": "object" },
                    "details": { "type": "array", "items": { "type": "object" } },
                },
            },
        },
    })
}

fn error_responses() -> Value {
    let schema = json!({ "$ref": format!("#/components/schemas/{ERROR_SCHEMA}") });
    let responses: Map<String, Value> = [BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, OTHER_ERROR]
        .iter()
        .map(|e| {
            let response = json!({
                "description": e.description,
                "content": { "application/json": { "schema": schema } },
            });
            (e.name.to_string(), response)
        })
        .collect();
    Value::Object(responses)
}

/// The errors `operation` can answer: 400, 401, 404 when its path has an id, and `default`.
fn errors_of(operation: &Operation) -> Vec<ErrorResponse> {
    let mut errors = vec![BAD_REQUEST, UNAUTHORIZED];
    if !operation.parameters.is_empty() {
        errors.push(NOT_FOUND);
    }
    errors.push(OTHER_ERROR);
    errors
}

fn component_name(resource: &str, variant: Variant) -> String {
    format!("{resource}.{}", variant.key())
}

fn component_ref(resource: &str, variant: Variant) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", component_name(resource, variant)) })
}

fn operation_object(operation: &Operation) -> Value {
    let parameters: Vec<Value> = operation
        .parameters
        .iter()
        .map(|p| json!({ "name": p.name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let usable: Vec<&Example> = operation
        .examples
        .iter()
        .filter(|e| !e.contradicts_page())
        .collect();
    let request_examples = named_examples(usable.iter().map(|e| e.request.body.as_ref()));
    let response_examples = named_examples(usable.iter().map(|e| {
        e.response
            .as_ref()
            .filter(|r| r.status == operation.status.code)
            .and_then(|r| r.body.as_ref())
    }));
    let mut response = json!({ "description": operation.status.reason });
    if operation.status.code != 204 {
        response["content"] = media(
            component_ref(&operation.resource, Variant::Response),
            response_examples,
        );
    }
    let mut responses = Map::new();
    responses.insert(operation.status.code.to_string(), response);
    for error in errors_of(operation) {
        let reference = format!("#/components/responses/{}", error.name);
        responses.insert(error.status.to_string(), json!({ "$ref": reference }));
    }
    json!({
        "operationId": operation.id,
        "summary": operation.title,
        "description": format!("Derived from {} (request line {}).", operation.page, operation.spans.request_line),
        "parameters": parameters,
        "requestBody": {
            "required": true,
            "content": media(component_ref(&operation.resource, Variant::Request), request_examples),
        },
        "responses": responses,
        "x-source": operation.spans.request_line.to_string(),
    })
}

fn media(schema: Value, examples: Map<String, Value>) -> Value {
    let mut media = json!({ "schema": schema });
    if !examples.is_empty() {
        media["examples"] = Value::Object(examples);
    }
    json!({ "application/json": media })
}

fn named_examples<'a>(bodies: impl Iterator<Item = Option<&'a Value>>) -> Map<String, Value> {
    bodies
        .enumerate()
        .filter_map(|(i, body)| Some((format!("example-{}", i + 1), json!({ "value": body? }))))
        .collect()
}

/// Rewrites `$ref`s to other resource documents into component references.
fn local_refs(mut schema: Value) -> Value {
    match &mut schema {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some(rest) = target.strip_prefix(ID_BASE)
                && let Some((name, def)) = rest.split_once(".json#/$defs/")
            {
                *target = format!("#/components/schemas/{name}.{def}");
            }
            for value in map.values_mut() {
                *value = local_refs(std::mem::take(value));
            }
        }
        Value::Array(items) => {
            for value in items.iter_mut() {
                *value = local_refs(std::mem::take(value));
            }
        }
        _ => {}
    }
    schema
}

/// Reads the service root (`https://graph.microsoft.com/beta`) from the first example URL.
fn server(contract: &Contract) -> String {
    contract
        .operations
        .iter()
        .flat_map(|o| o.examples.iter())
        .find_map(|e| {
            let url = &e.request.url;
            let scheme_end = url.find("://")? + 3;
            let host_end = scheme_end + url[scheme_end..].find('/')?;
            let version = url[host_end + 1..].split('/').next()?;
            Some(format!("{}/{}", &url[..host_end], version))
        })
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
}
