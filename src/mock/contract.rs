//! The suite compiled for serving: one [`Operation`] per case file (its route, documented
//! status and request validator), one [`Resource`] per response schema (its documented
//! properties, their defaults and kinds), and the route table that resolves request paths.
//!
//! Nothing here knows a particular resource: everything comes from the case files and the
//! schema documents.

use crate::generate::Vocabulary;
use crate::model::{Method, OperationKind};
use crate::path_template::PathTemplate;
use crate::schema::GraphType;
use crate::suite::{Suite, SuiteError};
use jsonschema::Validator;
use serde_json::{Map, Value, json};

/// A documented property of a resource.
#[derive(Debug, Clone)]
pub(crate) struct Property {
    pub name: String,
    pub key: bool,
    /// The response schema requires it (every property when the page states an actual call
    /// returns all of them; otherwise only the key).
    pub required: bool,
    /// Its Graph type, as the schema records it (`None` when it records none).
    pub ty: Option<GraphType>,
    /// A value valid under the property's response schema (null when it is nullable).
    pub default: Value,
}

impl Property {
    /// Tells whether the property holds a DateTimeOffset.
    pub fn is_date_time(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_date_time)
    }

    /// Tells whether the property holds a member of an enum the page lists.
    pub fn is_listed_enum(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_listed_enum)
    }

    /// Tells whether the property holds free text (a string, no listed enum, no date).
    pub fn is_text(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_text)
    }
}

/// A resource as its response schema documents it.
pub(crate) struct Resource {
    /// The Graph name (`ndesConnector`), as in `#microsoft.graph.<name>`.
    pub name: String,
    /// Every documented property except annotations, in schema order.
    pub properties: Vec<Property>,
    reference: String,
    validator: Validator,
}

/// The kinds of operation the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    Create,
    Update,
}

impl Served {
    /// The served kind of an operation kind; `None` for the kinds the mock does not serve
    /// yet (their requests get the Graph 404 of an unknown route).
    pub fn of(kind: OperationKind) -> Option<Served> {
        match kind {
            OperationKind::Create => Some(Served::Create),
            OperationKind::Update => Some(Served::Update),
            OperationKind::Get
            | OperationKind::List
            | OperationKind::Replace
            | OperationKind::Delete
            | OperationKind::Action
            | OperationKind::Function
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => None,
        }
    }
}

/// One documented operation (a case file).
pub(crate) struct Operation {
    pub kind: Served,
    pub method: Method,
    pub template: PathTemplate,
    /// Index into [`Contract::resources`].
    pub resource: usize,
    /// The documented success status.
    pub status: u16,
    /// The compiled request schema.
    pub request: Validator,
}

/// What a route does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Run one of these operations (indexes into [`Contract::operations`], suite order):
    /// several when a collection holds several documented types (`deviceConfigurations`).
    Operations(Vec<usize>),
    /// Return a stored item; the index is the resource named in a 404.
    Read(usize),
}

/// A method on a path template.
pub(crate) struct Route {
    pub method: Method,
    pub template: PathTemplate,
    pub action: Action,
}

/// How a request path resolved against the route table.
pub(crate) enum Resolution<'a> {
    Found {
        route: &'a Route,
        values: Vec<String>,
    },
    /// The path is known, the method is not; the methods it has.
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

/// The suite, compiled for serving.
pub(crate) struct Contract {
    /// One per case file, in the suite's order.
    pub operations: Vec<Operation>,
    pub resources: Vec<Resource>,
    pub routes: Vec<Route>,
    /// The suite's enums and resource types (what some faults accept from elsewhere).
    pub vocabulary: Vocabulary,
}

impl Contract {
    /// Compiles every case file of `suite`: its resource, request validator and routes;
    /// `Err` names the operation that cannot be served and why.
    pub fn compile(suite: &Suite) -> Result<Contract, (String, SuiteError)> {
        let mut contract = Contract {
            operations: Vec::new(),
            resources: Vec::new(),
            routes: Vec::new(),
            vocabulary: Vocabulary::of(suite),
        };
        for case in &suite.cases {
            let Some(kind) = Served::of(case.kind) else {
                continue;
            };
            let resource = contract
                .resource_index(suite, &case.resource, &case.response_schema)
                .map_err(|e| (case.id.clone(), e))?;
            let request = suite
                .validator(&case.request_schema)
                .map_err(|e| (case.id.clone(), e))?;
            contract.operations.push(Operation {
                kind,
                method: case.method,
                template: PathTemplate::parse(&case.path),
                resource,
                status: case.status.code,
                request,
            });
        }
        contract.build_routes();
        Ok(contract)
    }

    /// Resolves `method` on decoded path `segments`; the most specific template wins.
    pub fn resolve(&self, method: &str, segments: &[String]) -> Resolution<'_> {
        let mut found: Option<(&Route, Vec<String>)> = None;
        let mut methods = Vec::new();
        for route in &self.routes {
            let Some(values) = route.template.matches(segments) else {
                continue;
            };
            if !methods.contains(&route.method) {
                methods.push(route.method);
            }
            let better = found
                .as_ref()
                .is_none_or(|(best, _)| route.template.specificity() > best.template.specificity());
            if route.method.as_str() == method && better {
                found = Some((route, values));
            }
        }
        match found {
            Some((route, values)) => Resolution::Found { route, values },
            None if methods.is_empty() => Resolution::NotFound,
            None => {
                methods.sort();
                Resolution::MethodNotAllowed(methods)
            }
        }
    }

    /// Picks the operation of `candidates` that acts on `resource` (the stored object's type),
    /// else the one whose resource `odata_type` names (the body's `@odata.type`), else the
    /// first.
    pub fn pick(
        &self,
        candidates: &[usize],
        resource: Option<usize>,
        odata_type: Option<&str>,
    ) -> usize {
        let by_resource = resource.and_then(|r| {
            candidates
                .iter()
                .copied()
                .find(|&i| self.operations[i].resource == r)
        });
        let named = odata_type.map(|t| t.trim_start_matches('#'));
        let by_type = || {
            candidates.iter().copied().find(|&i| {
                let own = self.resources[self.operations[i].resource].odata_type();
                named == Some(own.trim_start_matches('#'))
            })
        };
        by_resource
            .or_else(by_type)
            .or_else(|| candidates.first().copied())
            .unwrap_or_default()
    }

    /// Builds one route per method and path shape (operations of one shape share it), and
    /// a GET route for the items of every collection.
    fn build_routes(&mut self) {
        for (index, operation) in self.operations.iter().enumerate() {
            let shape = operation.template.shape();
            let shared = self
                .routes
                .iter_mut()
                .find(|r| r.method == operation.method && r.template.shape() == shape);
            match shared {
                Some(Route {
                    action: Action::Operations(indexes),
                    ..
                }) => indexes.push(index),
                _ => self.routes.push(Route {
                    method: operation.method,
                    template: operation.template.clone(),
                    action: Action::Operations(vec![index]),
                }),
            }
        }
        for operation in &self.operations {
            let item = operation.item_template();
            let shape = item.shape();
            let known = self
                .routes
                .iter()
                .any(|r| r.method == Method::Get && r.template.shape() == shape);
            if !known {
                self.routes.push(Route {
                    method: Method::Get,
                    template: item,
                    action: Action::Read(operation.resource),
                });
            }
        }
    }

    fn resource_index(
        &mut self,
        suite: &Suite,
        name: &str,
        reference: &str,
    ) -> Result<usize, SuiteError> {
        if let Some(index) = self.resources.iter().position(|r| r.reference == reference) {
            return Ok(index);
        }
        let resource = Resource::compile(suite, name, reference)?;
        self.resources.push(resource);
        Ok(self.resources.len() - 1)
    }
}

impl Operation {
    /// Returns the template of one item of the operation's collection (an update's own
    /// path; a create's path plus `/{id}`).
    pub fn item_template(&self) -> PathTemplate {
        match self.kind {
            Served::Update => self.template.clone(),
            Served::Create => self.template.child_item("id"),
        }
    }

    /// Returns the concrete collection the operation acts on, given its placeholder values.
    pub fn collection(&self, values: &[String]) -> String {
        match self.kind {
            Served::Update => self.template.address(values).collection,
            Served::Create => self.template.render(values),
        }
    }
}

impl Resource {
    fn compile(suite: &Suite, name: &str, reference: &str) -> Result<Resource, SuiteError> {
        let schema = suite.resolve_schema(reference)?;
        let validator = suite.validator(reference)?;
        let mut resource = Resource {
            name: name.to_string(),
            properties: Vec::new(),
            reference: reference.to_string(),
            validator,
        };
        let documented = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (property, subschema) in documented {
            if property.starts_with("@odata.") {
                continue;
            }
            let ty = GraphType::of(&subschema);
            let default = resource.default_for(&property, ty.as_ref());
            resource.properties.push(Property {
                key: property == "id",
                required: required.contains(&property.as_str()),
                ty,
                default,
                name: property,
            });
        }
        Ok(resource)
    }

    /// Returns the `@odata.type` of this resource.
    pub fn odata_type(&self) -> String {
        format!("#microsoft.graph.{}", self.name)
    }

    /// Returns the documented property called `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Tells whether `name` is a documented DateTimeOffset property.
    pub fn is_date_time(&self, name: &str) -> bool {
        self.property(name).is_some_and(Property::is_date_time)
    }

    /// Builds an object with every documented property at its default and the key set to `id`.
    pub fn defaults(&self, id: &str) -> Map<String, Value> {
        self.properties
            .iter()
            .map(|p| {
                let value = if p.key { json!(id) } else { p.default.clone() };
                (p.name.clone(), value)
            })
            .collect()
    }

    /// Builds the stored form of a documented example: every documented property, kept when
    /// valid under its response schema (DateTimeOffsets normalised to UTC), otherwise its
    /// default; annotations and undocumented properties are left out.
    pub fn repair(&self, example: &Map<String, Value>) -> Map<String, Value> {
        let instance = Value::Object(example.clone());
        let invalid = self.invalid_properties(&instance);
        self.properties
            .iter()
            .map(|p| {
                let value = match example.get(&p.name) {
                    Some(value) if !invalid.contains(&p.name) => match value {
                        Value::String(text) if p.is_date_time() => crate::format::normalise(text)
                            .map_or_else(|| p.default.clone(), Value::String),
                        _ => value.clone(),
                    },
                    _ => p.default.clone(),
                };
                (p.name.clone(), value)
            })
            .collect()
    }

    /// Names the top-level properties of `instance` that the response schema rejects.
    fn invalid_properties(&self, instance: &Value) -> Vec<String> {
        let mut names = Vec::new();
        for error in self.validator.iter_errors(instance) {
            if let Some(name) = top_level_property(error.instance_path().as_str())
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        names
    }

    /// Picks the first candidate the property's response schema accepts: the first enum
    /// member (as Graph gives an enum a default), else null when it is nullable, `false`, `0`,
    /// `""`, ...
    fn default_for(&self, name: &str, ty: Option<&GraphType>) -> Value {
        let mut candidates = Vec::new();
        if let Some(first) = ty
            .filter(|t| t.is_listed_enum())
            .and_then(|t| t.members.as_ref()?.first())
        {
            candidates.push(json!(first));
        }
        candidates.push(Value::Null);
        candidates.extend([
            json!(false),
            json!(0),
            json!(""),
            json!("0001-01-01T00:00:00.0000000Z"),
            json!("0001-01-01"),
            json!("00000000-0000-0000-0000-000000000000"),
            json!("00:00:00"),
            json!("PT0S"),
            json!([]),
            json!({}),
        ]);
        candidates
            .into_iter()
            .find(|candidate| {
                let mut probe = Map::new();
                probe.insert(name.to_string(), candidate.clone());
                !self
                    .invalid_properties(&Value::Object(probe))
                    .iter()
                    .any(|n| n == name)
            })
            .unwrap_or(Value::Null)
    }
}

/// Reads the first segment of a JSON pointer (`/state/0` -> `state`), unescaped.
fn top_level_property(pointer: &str) -> Option<String> {
    let segment = pointer.strip_prefix('/')?.split('/').next()?;
    Some(segment.replace("~1", "/").replace("~0", "~"))
}
