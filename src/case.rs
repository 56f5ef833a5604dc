//! The case file (`cases/<operation-id>.json`): everything the runner needs to exercise one
//! operation, and everything a report needs to point back at the page.

use crate::diagnostic::Diagnostic;
use crate::model::{
    Example, Method, Operation, OperationKind, OperationSpans, Parameter, RequestBody,
    ResponseBody, Status,
};
use crate::path_template::{Address, PathTemplate, decode_path};
use crate::schema::{Variant, schema_id};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The version of the case file format; bumped on incompatible changes.
pub const CASE_FORMAT: u32 = 2;

/// One operation's case file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    pub format: u32,
    pub id: String,
    pub title: String,
    pub kind: OperationKind,
    pub method: Method,
    pub path: String,
    /// The operation's other documented paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_paths: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub resource: String,
    /// What the request carries.
    pub request_body: RequestBody,
    /// What a successful response carries, as the page's words state it.
    pub response: ResponseBody,
    /// The OData query options the page states support for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_options: Vec<String>,
    /// The page states that an actual call returns every property.
    #[serde(default)]
    pub returns_all_properties: bool,
    pub status: Status,
    /// `$ref` of the request body schema (`<id>#/$defs/request`).
    pub request_schema: String,
    /// `$ref` of the success response body schema.
    pub response_schema: String,
    /// The schema of an action's parameters, the object its request body holds (`$ref`s
    /// into the suite's documents); none for every other kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_schema: Option<serde_json::Value>,
    /// The schema of an action's or a function's success body, its documented return type
    /// (`{"value": ...}` for a primitive, a collection, or a resource's response schema);
    /// none for every other kind and for a result that is nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_schema: Option<serde_json::Value>,
    /// The documented examples, each with the findings derive made about it.
    pub examples: Vec<Example>,
    /// Every documentation finding of the page.
    pub findings: Vec<Diagnostic>,
    pub source: Source,
}

/// Where the operation was documented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The page's file name (never a machine path).
    pub page: String,
    pub spans: OperationSpans,
}

/// An object a documented example's response shows, where the example's request puts it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown<'c> {
    /// An object of a collection, at the id the page shows.
    Item(Address, &'c Map<String, Value>),
    /// A list item the page shows with no id, in its collection; `example` is the index of
    /// the example that lists it.
    Unkeyed {
        collection: String,
        example: usize,
        object: &'c Map<String, Value>,
    },
    /// The object of a singleton (a get or an update of a path with no key), at its path.
    Singleton(Address, &'c Map<String, Value>),
    /// An object the example's request addresses by a concrete key (the object a get
    /// shows without its id, an update, replace or delete acts on, an action or function
    /// is bound to): the page names it, and shows of it at most what `object` holds.
    Addressed(Address, Option<&'c Map<String, Value>>),
}

impl CaseFile {
    /// Lists the objects this case's examples show on request line `line`: a create's,
    /// update's or get's response object with a string `id` (any object, for a singleton),
    /// each item of a list's `value`, and the object a concrete request addresses. An
    /// example whose request does not match `line` is read on the case's own path as
    /// written (`/things/{thing-id}`) when `line` is it, and left out when `line` is an
    /// alternative. A raw-content answer shows no object.
    pub fn shown_objects(&self, line: &PathTemplate, alternative: bool) -> Vec<Shown<'_>> {
        let mut found = Vec::new();
        for (index, example) in self.examples.iter().enumerate() {
            let body = match example.response.as_ref().and_then(|r| r.body.as_ref()) {
                Some(Value::Object(body)) => Some(body),
                _ => None,
            };
            let (values, concrete) = match line.matches(&decode_path(&example.request.path)) {
                Some(values) => {
                    let concrete = values.iter().all(|v| !v.contains(['{', '}']));
                    (values, concrete)
                }
                None if alternative => continue,
                None => match line.matches(&decode_path(line.text())) {
                    Some(values) => (values, false),
                    None => continue,
                },
            };
            found.extend(self.shown_by(line, &values, body, index));
            if concrete && let Some(address) = self.addressed(line, &values) {
                let shown = body.filter(|_| self.kind == OperationKind::Get);
                found.push(Shown::Addressed(address, shown));
            }
        }
        found
    }

    /// The objects one example's response `body` shows, its request filling `line` with
    /// `values`.
    fn shown_by<'c>(
        &self,
        line: &PathTemplate,
        values: &[String],
        body: Option<&'c Map<String, Value>>,
        example: usize,
    ) -> Vec<Shown<'c>> {
        let Some(body) = body else {
            return Vec::new();
        };
        let keyed = |collection: String, object| {
            let key = object_id(object)?;
            Some(Shown::Item(Address { collection, key }, object))
        };
        let stream = self.response == ResponseBody::Stream;
        match self.kind {
            OperationKind::Create | OperationKind::Update | OperationKind::Get if !stream => {
                let address = line.address(values);
                if self.kind != OperationKind::Create && address.key.is_empty() {
                    vec![Shown::Singleton(address, body)]
                } else if self.kind == OperationKind::Create {
                    keyed(line.render(values), body).into_iter().collect()
                } else {
                    keyed(address.collection, body).into_iter().collect()
                }
            }
            OperationKind::List => {
                let collection = line.render(values);
                let items = body.get("value").and_then(Value::as_array);
                let objects = items.into_iter().flatten().filter_map(Value::as_object);
                objects
                    .filter_map(|object| match object.contains_key("id") {
                        true => keyed(collection.clone(), object),
                        false => Some(Shown::Unkeyed {
                            collection: collection.clone(),
                            example,
                            object,
                        }),
                    })
                    .collect()
            }
            OperationKind::Create
            | OperationKind::Update
            | OperationKind::Get
            | OperationKind::Replace
            | OperationKind::Delete
            | OperationKind::Action
            | OperationKind::Function
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => Vec::new(),
        }
    }

    /// The address of the object a request filling `line` with `values` acts on: the item
    /// a get, update, replace or delete names, the item an action or a function is bound
    /// to; `None` for a singleton, a collection, or a reference.
    fn addressed(&self, line: &PathTemplate, values: &[String]) -> Option<Address> {
        let address = match self.kind {
            OperationKind::Get
            | OperationKind::Update
            | OperationKind::Replace
            | OperationKind::Delete => line.address(values),
            // an operation named after what it answers says nothing of the object's type
            OperationKind::Action | OperationKind::Function if !self.named_after_answer() => {
                let parent = line.parent()?;
                parent.address(values.get(..parent.arity())?)
            }
            OperationKind::Action | OperationKind::Function => return None,
            OperationKind::Create
            | OperationKind::List
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => return None,
        };
        (!address.key.is_empty()).then_some(address)
    }

    /// Tells whether its resource is the type of what it answers (an action that returns a
    /// resource is documented as that resource's), not of the object it acts on.
    fn named_after_answer(&self) -> bool {
        match &self.response {
            ResponseBody::Resource { name } | ResponseBody::Collection { name } => {
                *name == self.resource
            }
            ResponseBody::None | ResponseBody::Primitive { .. } | ResponseBody::Stream => false,
        }
    }

    /// Its request lines (its path, then the alternatives its page lists), the shallowest
    /// first (fewest placeholders; of equals, in page order): the order a run tries them
    /// in, so an operation with a line of no placeholder waits for no parent.
    pub fn request_lines(&self) -> Vec<PathTemplate> {
        let mut lines: Vec<PathTemplate> = std::iter::once(&self.path)
            .chain(&self.alternative_paths)
            .map(|line| PathTemplate::parse(line))
            .collect();
        lines.sort_by_key(|t| t.placeholders().len());
        lines
    }

    /// Builds the case file of `operation`, with the diagnostics of its page; the body
    /// schemas of an action or function are set by who knows the contract (see
    /// [`crate::schema::bodies`]).
    pub fn new(operation: &Operation, page_findings: Vec<Diagnostic>) -> Self {
        let schema_ref =
            |v: Variant| format!("{}#/$defs/{}", schema_id(&operation.resource), v.key());
        CaseFile {
            format: CASE_FORMAT,
            id: operation.id.clone(),
            title: operation.title.clone(),
            kind: operation.kind,
            method: operation.method,
            path: operation.path.clone(),
            alternative_paths: operation.alternative_paths.clone(),
            parameters: operation.parameters.clone(),
            resource: operation.resource.clone(),
            request_body: operation.request_body.clone(),
            response: operation.response.clone(),
            query_options: operation.query_options.clone(),
            returns_all_properties: operation.returns_all_properties,
            status: operation.status.clone(),
            request_schema: schema_ref(Variant::Request),
            response_schema: schema_ref(Variant::Response),
            parameters_schema: None,
            result_schema: None,
            examples: operation.examples.clone(),
            findings: page_findings,
            source: Source {
                page: operation.page.clone(),
                spans: operation.spans.clone(),
            },
        }
    }
}

/// The string `id` an object shows.
fn object_id(object: &Map<String, Value>) -> Option<String> {
    object.get("id")?.as_str().map(str::to_string)
}
