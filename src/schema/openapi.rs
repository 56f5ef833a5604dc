//! The whole contract as one OpenAPI 3.1 document, so that peer tools (Schemathesis, Dredd,
//! Prism) run on exactly the contract this suite runs on.
//!
//! Besides each page's success status, every operation declares what any Graph operation can
//! answer: the bearer token it requires (a global `security` requirement), and the errors, all
//! with Graph's error body: 400 (a body the page's table refuses), 401 (no or a bad token),
//! 404 when the path names an existing object by id, and `default` for the rest (405, 429,
//! 5xx). A peer tool then tells a correct refusal from an undocumented status.

use super::DIALECT;
use super::bodies;
use super::examples::{ExampleJudge, components_document};
use super::refs;
use super::rules::{ID_BASE, Variant, resource_document, schema_id, type_schema};
use crate::derive::Contract;
use crate::model::{Example, Method, Operation, OperationKind, RequestBody, ResponseBody};
use crate::path_template::PathTemplate;
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    description: "The request breaks its page: a body that is not JSON, not an object, or that the page's table refuses.",
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

/// Builds `schemas/openapi.json` as a value.
pub fn openapi_document(contract: &Contract) -> Value {
    let documents: Vec<Value> = contract
        .resources
        .iter()
        .map(|resource| resource_document(resource, contract))
        .collect();
    serde_json::from_str(&openapi_text(contract, &documents)).expect("the OpenAPI document is JSON")
}

/// Writes `schemas/openapi.json` (2-space indentation, no trailing newline) from the
/// resources' schema documents, already built (one per resource of `contract`, in its
/// order).
///
/// The document is never whole in memory: each operation object is built (in parallel),
/// its examples judged, and kept as compact text; the paths and the components are then
/// serialized one entry at a time, the components straight from the schema documents.
pub fn openapi_text(contract: &Contract, documents: &[Value]) -> String {
    let slots = path_slots(contract);
    let mut ids = OperationIds::default();
    let named: Vec<String> = slots
        .iter()
        .map(|(_, group)| ids.assign(group[0].0, group[0].1))
        .collect();
    let mut schemas: Map<String, Value> = component_names(contract)
        .map(|(name, at, variant)| {
            let reference = resource_ref(&contract.resources[at].name, variant);
            (name, json!({ "$ref": reference }))
        })
        .collect();
    schemas.insert(ERROR_SCHEMA.to_string(), error_schema());
    let components = components_document(schemas);
    let judge = ExampleJudge::new(documents, &components);
    let objects: Vec<(String, Vec<String>)> = slots
        .par_iter()
        .zip(named)
        .map(|(((path, _), group), id)| {
            let mut object = operation_object(path, group, contract, id);
            judge.drop_refused(&mut object);
            let mut found = Vec::new();
            refs::collect(&object, &mut found);
            (object.to_string(), found)
        })
        .collect();
    drop(judge);
    let used = used_components(
        objects.iter().flat_map(|(_, refs)| refs.iter().cloned()),
        &component_refs(contract, documents),
    );
    let document = Document {
        openapi: "3.1.0",
        json_schema_dialect: DIALECT,
        info: json!({
            "title": "Microsoft Graph operations derived by graph-conformance",
            "version": "1",
            "description": "Derived from Microsoft Graph reference pages: one operation per documented method and path, schemas from the pages' property tables. Examples that contradict their own page, or that the schema beside them refuses, are left out.",
        }),
        servers: json!([{ "url": server(contract) }]),
        security: json!([{ BEARER_SCHEME: [] }]),
        paths: Entries::new(path_items(&slots, &objects)),
        components: Components {
            schemas: Entries::new(component_schemas(contract, documents, &used)),
            responses: used_responses(&used),
            security_schemes: json!({
                BEARER_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A Microsoft Graph OAuth 2.0 access token: `Authorization: Bearer <token>`.",
                },
            }),
        },
    };
    serde_json::to_string_pretty(&document).expect("the OpenAPI document serializes")
}

/// The top level of the document, in its key order.
#[derive(Serialize)]
#[serde(
    rename_all = "camelCase",
    bound = "P: Iterator<Item = (String, Value)>, C: Iterator<Item = (String, Value)>"
)]
struct Document<P, C> {
    openapi: &'static str,
    json_schema_dialect: &'static str,
    info: Value,
    servers: Value,
    security: Value,
    paths: Entries<P>,
    components: Components<C>,
}

#[derive(Serialize)]
#[serde(
    rename_all = "camelCase",
    bound = "C: Iterator<Item = (String, Value)>"
)]
struct Components<C> {
    schemas: Entries<C>,
    responses: Value,
    security_schemes: Value,
}

/// A map serialized from an iterator of entries, each built only when it is written.
struct Entries<I>(RefCell<Option<I>>);

impl<I> Entries<I> {
    fn new(entries: I) -> Self {
        Entries(RefCell::new(Some(entries)))
    }
}

impl<I: Iterator<Item = (String, Value)>> Serialize for Entries<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.0.borrow_mut().take().into_iter().flatten() {
            map.serialize_entry(&key, &value)?;
        }
        map.end()
    }
}

/// Each documented path and its item (one operation object per method), in contract order.
fn path_items<'a>(
    slots: &'a [((&String, Method), Vec<PathOf<'_>>)],
    objects: &'a [(String, Vec<String>)],
) -> impl Iterator<Item = (String, Value)> + 'a {
    let mut order: Vec<&String> = Vec::new();
    let mut methods: HashMap<&String, Vec<(Method, usize)>> = HashMap::new();
    for (at, ((path, method), _)) in slots.iter().enumerate() {
        let entry = methods.entry(*path).or_default();
        if entry.is_empty() {
            order.push(path);
        }
        entry.push((*method, at));
    }
    order.into_iter().map(move |path| {
        let item: Map<String, Value> = methods[path]
            .iter()
            .map(|(method, at)| {
                let object = serde_json::from_str(&objects[*at].0).unwrap_or(Value::Null);
                (method.as_str().to_ascii_lowercase(), object)
            })
            .collect();
        (path.clone(), Value::Object(item))
    })
}

/// Every resource component: its name, resource index and variant, in document order.
fn component_names(contract: &Contract) -> impl Iterator<Item = (String, usize, Variant)> + '_ {
    contract
        .resources
        .iter()
        .enumerate()
        .flat_map(|(at, resource)| {
            [Variant::Request, Variant::Response]
                .map(|variant| (component_name(&resource.name, variant), at, variant))
        })
}

/// The references inside each component, by the component's reference.
fn component_refs(contract: &Contract, documents: &[Value]) -> HashMap<String, Vec<String>> {
    let mut refs: HashMap<String, Vec<String>> = component_names(contract)
        .map(|(name, at, variant)| {
            let mut found = Vec::new();
            refs::collect(&documents[at]["$defs"][variant.key()], &mut found);
            let local = found.into_iter().map(|r| local_ref(&r)).collect();
            (component_pointer("schemas", &name), local)
        })
        .collect();
    let mut found = Vec::new();
    refs::collect(&error_schema(), &mut found);
    refs.insert(component_pointer("schemas", ERROR_SCHEMA), found);
    if let Value::Object(responses) = error_responses() {
        for (name, response) in responses {
            let mut found = Vec::new();
            refs::collect(&response, &mut found);
            refs.insert(component_pointer("responses", &name), found);
        }
    }
    refs
}

/// The components the paths use, directly or through other components (a resource only
/// ever read has no request body, and its request schema is left out).
fn used_components(
    from_paths: impl Iterator<Item = String>,
    refs: &HashMap<String, Vec<String>>,
) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = from_paths.collect();
    while let Some(reference) = pending.pop() {
        if !used.insert(reference.clone()) {
            continue;
        }
        if let Some(inner) = refs.get(&reference) {
            pending.extend(inner.iter().cloned());
        }
    }
    used
}

fn component_pointer(section: &str, name: &str) -> String {
    format!("#/components/{section}/{}", pointer_token(name))
}

/// The used component schemas, each built from its resource's schema document when it is
/// written, then Graph's error body.
fn component_schemas<'a>(
    contract: &'a Contract,
    documents: &'a [Value],
    used: &'a BTreeSet<String>,
) -> impl Iterator<Item = (String, Value)> + 'a {
    let resources = component_names(contract).map(|(name, at, variant)| {
        let schema = local_refs(documents[at]["$defs"][variant.key()].clone());
        (name, schema)
    });
    let error = std::iter::once_with(|| (ERROR_SCHEMA.to_string(), error_schema()));
    resources
        .filter(|(name, _)| used.contains(&component_pointer("schemas", name)))
        .chain(error.filter(|(name, _)| used.contains(&component_pointer("schemas", name))))
}

fn used_responses(used: &BTreeSet<String>) -> Value {
    let mut responses = error_responses();
    if let Value::Object(map) = &mut responses {
        map.retain(|name, _| used.contains(&component_pointer("responses", name)));
    }
    responses
}

/// Escapes a component name as one JSON pointer token (RFC 6901).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// One documented path of an operation: the operation, and which of its paths (0: the main one).
type PathOf<'a> = (&'a Operation, usize);

/// Groups every documented (path, method) with the operations documented there, in contract
/// order: one operation per path of each operation (alternative paths too), several when a
/// route serves several types.
fn path_slots(contract: &Contract) -> Vec<((&String, Method), Vec<PathOf<'_>>)> {
    let mut slots: Vec<((&String, Method), Vec<PathOf<'_>>)> = Vec::new();
    let mut at: HashMap<(&String, Method), usize> = HashMap::new();
    for operation in &contract.operations {
        let paths = std::iter::once(&operation.path).chain(&operation.alternative_paths);
        for (index, path) in paths.enumerate() {
            let key = (path, operation.method);
            match at.get(&key) {
                Some(&slot) => slots[slot].1.push((operation, index)),
                None => {
                    at.insert(key, slots.len());
                    slots.push((key, vec![(operation, index)]));
                }
            }
        }
    }
    slots
}

/// Hands out operation ids: the case id on an operation's main path, the case id with
/// `-path-<n>` on its n-th documented path, each unique in the document.
#[derive(Default)]
struct OperationIds {
    used: BTreeSet<String>,
}

impl OperationIds {
    fn assign(&mut self, operation: &Operation, index: usize) -> String {
        let base = match index {
            0 => operation.id.clone(),
            n => format!("{}-path-{}", operation.id, n + 1),
        };
        let mut id = base.clone();
        let mut n = 1;
        while !self.used.insert(id.to_ascii_lowercase()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    }
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

/// The errors an operation at `path` can answer: 400, 401, 404 when the path names an
/// object by key, and `default`.
fn errors_at(path: &str) -> Vec<ErrorResponse> {
    let mut errors = vec![BAD_REQUEST, UNAUTHORIZED];
    if path.contains('{') {
        errors.push(NOT_FOUND);
    }
    errors.push(OTHER_ERROR);
    errors
}

fn component_name(resource: &str, variant: Variant) -> String {
    format!("{resource}.{}", variant.key())
}

/// The schema of an object of `resource`: its component, or any object when no page defines
/// the resource (an action's return type documented elsewhere).
fn resource_schema(resource: &str, contract: &Contract, variant: Variant) -> Value {
    match contract.resource(resource) {
        Some(_) => {
            json!({ "$ref": format!("#/components/schemas/{}", component_name(resource, variant)) })
        }
        None => json!({ "type": "object", "x-graph-type": resource }),
    }
}

/// Builds the operation object of `path` for the operations documented there (usually one).
fn operation_object(path: &str, group: &[PathOf<'_>], contract: &Contract, id: String) -> Value {
    let (first, _) = group[0];
    let operations: Vec<&Operation> = group.iter().map(|(o, _)| *o).collect();
    let mut responses = Map::new();
    for (code, operations) in by_status(&operations) {
        responses.insert(code.to_string(), success_response(&operations, contract));
    }
    for error in errors_at(path) {
        let reference = format!("#/components/responses/{}", error.name);
        responses.insert(error.status.to_string(), json!({ "$ref": reference }));
    }
    let mut object = Map::new();
    object.insert("operationId".into(), json!(id));
    object.insert("summary".into(), json!(first.title));
    let description = format!(
        "Derived from {} (request line {}).",
        first.page, first.spans.request_line
    );
    object.insert("description".into(), json!(description));
    object.insert("parameters".into(), json!(parameters(path, first)));
    if let Some(body) = request_body(&operations, contract) {
        object.insert("requestBody".into(), body);
    }
    object.insert("responses".into(), Value::Object(responses));
    object.insert(
        "x-source".into(),
        json!(first.spans.request_line.to_string()),
    );
    if operations.len() > 1 {
        let all: Vec<&str> = operations.iter().map(|o| o.id.as_str()).collect();
        object.insert("x-operations".into(), json!(all));
    }
    Value::Object(object)
}

/// The operations of a slot grouped by documented success status, in status order.
fn by_status<'a>(operations: &[&'a Operation]) -> BTreeMap<u16, Vec<&'a Operation>> {
    let mut statuses: BTreeMap<u16, Vec<&Operation>> = BTreeMap::new();
    for operation in operations {
        statuses
            .entry(operation.status.code)
            .or_default()
            .push(operation);
    }
    statuses
}

/// The path parameters of `path` (every `{name}` in it, function parameters included) and the
/// query parameters and OData query options the page documents.
fn parameters(path: &str, operation: &Operation) -> Vec<Value> {
    let template = PathTemplate::parse(path);
    let mut parameters: Vec<Value> = template
        .placeholder_calls()
        .into_iter()
        .map(|(name, function)| {
            let mut parameter =
                json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } });
            if let Some(function) = function {
                parameter["description"] = json!(format!("A parameter of the function `{function}`."));
            }
            parameter
        })
        .collect();
    let mut query: Vec<&str> = operation
        .parameters
        .iter()
        .filter(|p| p.location == "query")
        .map(|p| p.name.as_str())
        .chain(operation.query_options.iter().map(String::as_str))
        .collect();
    let mut seen = BTreeSet::new();
    query.retain(|name| seen.insert(*name));
    parameters.extend(query.into_iter().map(|name| {
        json!({ "name": name, "in": "query", "required": false, "schema": query_schema(name) })
    }));
    parameters
}

/// The schema of a query parameter: OData's `$top`/`$skip` are counts, `$count` a boolean.
fn query_schema(name: &str) -> Value {
    match name {
        "$top" | "$skip" => json!({ "type": "integer", "minimum": 0 }),
        "$count" => json!({ "type": "boolean" }),
        _ => json!({ "type": "string" }),
    }
}

/// What one operation carries in its request or its success response.
enum Payload<'o> {
    Nothing,
    Stream,
    Json {
        schema: Value,
        /// The bodies of its usable examples.
        examples: Vec<Option<&'o Value>>,
    },
}

/// The `content` map of the payloads of the operations on one route: one JSON schema (or
/// `anyOf` the distinct ones) with every example, and a stream when one is raw content.
fn content<'o>(payloads: impl Iterator<Item = Payload<'o>>) -> Map<String, Value> {
    let mut json_schemas: Vec<Value> = Vec::new();
    let mut stream = false;
    let mut examples = Map::new();
    for payload in payloads {
        match payload {
            Payload::Nothing => {}
            Payload::Stream => stream = true,
            Payload::Json {
                schema,
                examples: bodies,
            } => {
                if !json_schemas.contains(&schema) {
                    json_schemas.push(schema);
                }
                append_examples(&mut examples, bodies.into_iter());
            }
        }
    }
    let mut content = Map::new();
    if let Some(schema) = one_of(json_schemas) {
        content.extend(as_map(media(JSON, schema, examples)));
    }
    if stream {
        content.extend(as_map(media(OCTET_STREAM, stream_schema(), Map::new())));
    }
    content
}

/// The request body the operations document, or none when they send nothing.
fn request_body(operations: &[&Operation], contract: &Contract) -> Option<Value> {
    let payloads = operations.iter().map(|operation| {
        let schema = match &operation.request_body {
            RequestBody::None => return Payload::Nothing,
            RequestBody::Stream => return Payload::Stream,
            RequestBody::Resource => {
                resource_schema(&operation.resource, contract, Variant::Request)
            }
            RequestBody::Parameters { parameters } => {
                local_refs(bodies::parameters_schema(parameters, contract))
            }
            RequestBody::Reference => bodies::reference_schema(),
        };
        let examples = usable(operation).map(|e| e.request.body.as_ref()).collect();
        Payload::Json { schema, examples }
    });
    let content = content(payloads);
    (!content.is_empty()).then(|| json!({ "required": true, "content": content }))
}

/// The success response of the operations that answer the same status.
fn success_response(operations: &[&Operation], contract: &Contract) -> Value {
    let first = operations[0];
    let mut response = json!({ "description": first.status.reason });
    if first.status.code == 204 {
        return response;
    }
    let payloads = operations.iter().map(|operation| {
        let schema = match &operation.response {
            ResponseBody::None => return Payload::Nothing,
            ResponseBody::Stream => return Payload::Stream,
            ResponseBody::Resource { name } => resource_schema(name, contract, Variant::Response),
            ResponseBody::Collection { .. } if operation.kind == OperationKind::ListReferences => {
                bodies::collection_schema(bodies::reference_schema())
            }
            ResponseBody::Collection { name } => {
                bodies::collection_schema(resource_schema(name, contract, Variant::Response))
            }
            ResponseBody::Primitive { ty } => bodies::value_schema(local_refs(type_schema(
                ty,
                &[],
                contract,
                Variant::Response,
            ))),
        };
        let examples = usable(operation)
            .map(|e| {
                e.response
                    .as_ref()
                    .filter(|r| r.status == operation.status.code)
                    .and_then(|r| r.body.as_ref())
            })
            .collect();
        Payload::Json { schema, examples }
    });
    let content = content(payloads);
    if !content.is_empty() {
        response["content"] = Value::Object(content);
    }
    response
}

const JSON: &str = "application/json";
const OCTET_STREAM: &str = "application/octet-stream";

/// The examples of `operation` that agree with its page.
fn usable(operation: &Operation) -> impl Iterator<Item = &Example> {
    operation.examples.iter().filter(|e| !e.contradicts_page())
}

/// One schema, or `anyOf` the distinct schemas of several operations on one route.
fn one_of(mut schemas: Vec<Value>) -> Option<Value> {
    match schemas.len() {
        0 => None,
        1 => schemas.pop(),
        _ => Some(json!({ "anyOf": schemas })),
    }
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn stream_schema() -> Value {
    json!({ "type": "string", "contentMediaType": OCTET_STREAM })
}

fn media(media_type: &str, schema: Value, examples: Map<String, Value>) -> Value {
    let mut media = json!({ "schema": schema });
    if !examples.is_empty() {
        media["examples"] = Value::Object(examples);
    }
    json!({ media_type: media })
}

/// Appends the present bodies as `example-<n>`, numbered after the examples already there.
fn append_examples<'a>(
    examples: &mut Map<String, Value>,
    bodies: impl Iterator<Item = Option<&'a Value>>,
) {
    for body in bodies.flatten() {
        let name = format!("example-{}", examples.len() + 1);
        examples.insert(name, json!({ "value": body }));
    }
}

/// Rewrites `$ref`s to other resource documents into component references.
fn local_refs(mut schema: Value) -> Value {
    refs::rewrite(&mut schema, &local_ref);
    schema
}

/// The reference to a resource's schema (`<ID_BASE><name>.json#/$defs/<variant>`).
fn resource_ref(resource: &str, variant: Variant) -> String {
    format!("{}#/$defs/{}", schema_id(resource), variant.key())
}

/// The component name of a resource schema reference (the inverse of [`resource_ref`]),
/// or `None` for any other reference.
fn component_of(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix(ID_BASE)?;
    let (name, def) = rest.split_once(".json#/$defs/")?;
    Some(format!("{name}.{def}"))
}

/// A reference to a resource schema document as a reference to its component; any other
/// reference as it is.
fn local_ref(reference: &str) -> String {
    match component_of(reference) {
        Some(component) => component_pointer("schemas", &component),
        None => reference.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::request(Variant::Request, "user.request")]
    #[case::response(Variant::Response, "user.response")]
    fn a_resource_reference_is_its_component(#[case] variant: Variant, #[case] name: &str) {
        let reference = resource_ref("user", variant);
        assert_eq!(component_of(&reference).as_deref(), Some(name));
        assert_eq!(
            local_ref(&reference),
            format!("#/components/schemas/{name}")
        );
    }

    #[test]
    fn a_reference_to_no_resource_stays_as_it_is() {
        assert_eq!(
            local_ref("#/components/schemas/ODataError"),
            "#/components/schemas/ODataError"
        );
    }
}
