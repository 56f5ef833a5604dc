//! The whole contract as one OpenAPI 3.1 document, so that peer tools (Schemathesis, Dredd,
//! Prism) run on exactly the contract this suite runs on.

use super::DIALECT;
use super::rules::{ID_BASE, Variant, resource_document};
use crate::derive::Contract;
use crate::model::{Example, Operation};
use serde_json::{Map, Value, json};

/// The server the pages' examples are written against, when none can be read from them.
const DEFAULT_SERVER: &str = "https://graph.microsoft.com/beta";

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
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "Microsoft Graph operations derived by graph-conformance",
            "version": "1",
            "description": "Derived from Microsoft Graph reference pages: one operation per page, schemas from the pages' property tables. Examples that contradict their own page are left out.",
        },
        "servers": [{ "url": server(contract) }],
        "paths": paths,
        "components": { "schemas": schemas },
    })
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
    json!({
        "operationId": operation.id,
        "summary": operation.title,
        "description": format!("Derived from {} (request line {}).", operation.page, operation.spans.request_line),
        "parameters": parameters,
        "requestBody": {
            "required": true,
            "content": media(component_ref(&operation.resource, Variant::Request), request_examples),
        },
        "responses": { operation.status.code.to_string(): response },
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
