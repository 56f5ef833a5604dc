//! The suite compiled for serving: one [`Operation`] per case file (its kind, route,
//! documented status, request validator and answer), the [`Resource`]s their schemas
//! document, and the route table that resolves request paths.
//!
//! Nothing here knows a particular resource: everything comes from the case files and the
//! schema documents. An operation that cannot be compiled is left out with its reason.

use super::answer::Answer;
pub(crate) use super::resource::{Property, Resource};
use crate::case::CaseFile;
use crate::generate::{Joins, Vocabulary};
use crate::model::{Method, OperationKind, RequestBody, ResponseBody};
use crate::path_template::{Address, PathTemplate, key_syntax_reading};
use crate::suite::{Suite, SuiteError};
use jsonschema::Validator;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One documented request line of an operation (a case file's path, or one of the
/// alternatives its page lists: each is served the same).
#[derive(Clone)]
pub(crate) struct Operation {
    pub kind: OperationKind,
    pub method: Method,
    pub template: PathTemplate,
    /// Index into [`Contract::resources`].
    pub resource: usize,
    /// The documented success status.
    pub status: u16,
    /// The compiled request schema (shared by the operations of a resource).
    pub request: Arc<Validator>,
    /// The request carries raw content, not JSON (`PUT .../$value`).
    pub sends_stream: bool,
    /// The success response carries raw content (`GET .../$value`).
    pub answers_stream: bool,
    /// An action's parameters; `None` when the case file states none.
    pub parameters: Option<Arc<Validator>>,
    /// What an action or a function answers on success.
    pub answer: Answer,
    /// Where the object an action answers joins a collection (it is then stored there).
    pub joins: Option<Joins>,
    /// Index into the suite's case files.
    pub case: usize,
    /// The request line is one of the page's alternatives, not the case file's path.
    pub alternative: bool,
}

/// An operation of the suite that is not served, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The operation id (the case file's `id`).
    pub operation: String,
    /// Why it cannot be served.
    pub reason: String,
}

/// What a route does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Run one of these operations (indexes into [`Contract::operations`], suite order):
    /// several when a collection holds several documented types (`deviceConfigurations`).
    Operations(Vec<usize>),
    /// Return a stored item (no page documents its GET); the index is the resource named
    /// in a 404.
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
    /// One per served case file, in the suite's order.
    pub operations: Vec<Operation>,
    pub resources: Vec<Resource>,
    pub routes: Vec<Route>,
    /// Segment count -> the indexes of the routes whose template has that many, in table
    /// order: a request is tried against its own count's routes only.
    pub by_segments: BTreeMap<usize, Vec<usize>>,
    /// The suite's enums and resource types (what some faults accept from elsewhere).
    pub vocabulary: Vocabulary,
    /// The case files that are not served, with their reasons.
    pub left_out: Vec<LeftOut>,
}

impl Contract {
    /// Compiles every case file of `suite`: its resource, validators, answer and routes.
    /// `Err` names the operation whose resource's request or response schema does not
    /// compile (the suite is invalid); an operation whose own parameters or result schema
    /// does not compile is left out with the reason.
    pub fn compile(suite: &Suite) -> Result<Contract, (String, SuiteError)> {
        let mut contract = Contract {
            operations: Vec::new(),
            resources: Vec::new(),
            routes: Vec::new(),
            by_segments: BTreeMap::new(),
            vocabulary: Vocabulary::of(suite),
            left_out: Vec::new(),
        };
        let mut requests = BTreeMap::new();
        for (index, case) in suite.cases.iter().enumerate() {
            let resource = contract
                .resource_index(suite, &case.resource, &case.response_schema)
                .map_err(|e| (case.id.clone(), e))?;
            let request = match requests.get(&case.request_schema) {
                Some(request) => Arc::clone(request),
                None => {
                    let request = suite
                        .validator(&case.request_schema)
                        .map_err(|e| (case.id.clone(), e))?;
                    let request = Arc::new(request);
                    requests.insert(case.request_schema.clone(), Arc::clone(&request));
                    request
                }
            };
            match contract.operation(suite, index, case, resource, request) {
                Ok(operation) => contract.push_request_lines(operation, case),
                Err(reason) => contract.left_out.push(LeftOut {
                    operation: case.id.clone(),
                    reason,
                }),
            }
        }
        contract.build_routes();
        Ok(contract)
    }

    /// Compiles one case file acting on `resource`; `Err` says why it cannot be served.
    fn operation(
        &mut self,
        suite: &Suite,
        index: usize,
        case: &CaseFile,
        resource: usize,
        request: Arc<Validator>,
    ) -> Result<Operation, String> {
        let parameters = case
            .parameters_schema
            .as_ref()
            .map(|schema| suite.validator_of(schema).map(Arc::new))
            .transpose()
            .map_err(|e| format!("its parameters: {e}"))?;
        let answer = match &case.result_schema {
            Some(schema) => Answer::compile(self, suite, case, schema)
                .map_err(|e| format!("its result: {e}"))?,
            None => Answer::Nothing,
        };
        Ok(Operation {
            kind: case.kind,
            method: case.method,
            template: PathTemplate::parse(&case.path),
            resource,
            status: case.status.code,
            request,
            sends_stream: case.request_body == RequestBody::Stream,
            answers_stream: case.response == ResponseBody::Stream,
            parameters,
            answer,
            joins: self.vocabulary.joins(case),
            case: index,
            alternative: false,
        })
    }

    /// Adds `operation`, then one copy of it per alternative request line of `case` whose
    /// shape is not already served by it.
    fn push_request_lines(&mut self, operation: Operation, case: &CaseFile) {
        let mut shapes = vec![operation.template.shape()];
        let mut alternatives = Vec::new();
        for line in &case.alternative_paths {
            let template = PathTemplate::parse(line);
            if !shapes.contains(&template.shape()) {
                shapes.push(template.shape());
                alternatives.push(Operation {
                    template,
                    alternative: true,
                    ..operation.clone()
                });
            }
        }
        self.operations.push(operation);
        self.operations.extend(alternatives);
    }

    /// Resolves `method` on decoded path `segments`; the most specific template wins.
    pub fn resolve(&self, method: &str, segments: &[String]) -> Resolution<'_> {
        let keyed = key_syntax_reading(segments);
        let mut found: Option<(&Route, Vec<String>)> = None;
        let mut methods = Vec::new();
        for route in self.routes_of(segments.len(), keyed.as_ref().map(Vec::len)) {
            let values = route.template.matches_read(segments).or_else(|| {
                let keyed = keyed.as_deref()?;
                route.template.matches_read(keyed)
            });
            let Some(values) = values else {
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

    /// Returns, in table order, the routes of `count` segments and of `keyed` segments (the
    /// count of the path read in the OData key syntax): the only ones that can match.
    fn routes_of(&self, count: usize, keyed: Option<usize>) -> impl Iterator<Item = &Route> {
        let mut indexes: Vec<usize> = [Some(count), keyed]
            .into_iter()
            .flatten()
            .filter_map(|n| self.by_segments.get(&n))
            .flatten()
            .copied()
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes.into_iter().map(|i| &self.routes[i])
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
        by_resource
            .or_else(|| self.typed(candidates, odata_type?))
            .or_else(|| candidates.first().copied())
            .unwrap_or_default()
    }

    /// Returns the first of `candidates` whose resource `odata_type` names (`#` optional).
    fn typed(&self, candidates: &[usize], odata_type: &str) -> Option<usize> {
        let named = odata_type.trim_start_matches('#');
        candidates.iter().copied().find(|&i| {
            let own = self.resources[self.operations[i].resource].odata_type();
            named == own.trim_start_matches('#')
        })
    }

    /// Returns the candidates of one kind that serve a request with a body. When a route
    /// has several operations (a create and an action on one path from two pages, two
    /// creates of one collection), the request goes to the one whose type its `@odata.type`
    /// names, else the first whose request schema (an action's parameters) it satisfies,
    /// else the first; that one comes first, before the others of its kind.
    pub fn of_one_kind<'c>(&self, candidates: &'c [usize], body: &[u8]) -> Cow<'c, [usize]> {
        let kind = |i: usize| self.operations[i].kind;
        if candidates.len() < 2 || body.is_empty() {
            return Cow::Borrowed(candidates);
        }
        let sent: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let fits = |i: usize| {
            let operation = &self.operations[i];
            let Some(sent) = &sent else {
                return false;
            };
            match &operation.parameters {
                Some(parameters) => parameters.is_valid(sent),
                None => !operation.sends_stream && operation.request.is_valid(sent),
            }
        };
        let named = sent
            .as_ref()
            .and_then(|v| v.get("@odata.type")?.as_str().map(str::to_string));
        let by_type = named.as_deref().and_then(|t| self.typed(candidates, t));
        let chosen = by_type
            .or_else(|| candidates.iter().copied().find(|&i| fits(i)))
            .unwrap_or(candidates[0]);
        let mut served = vec![chosen];
        served.extend(
            candidates
                .iter()
                .copied()
                .filter(|&i| i != chosen && kind(i) == kind(chosen)),
        );
        Cow::Owned(served)
    }

    /// Builds one route per method and path shape (operations of one shape share it), and
    /// a GET route for the items of every collection no page documents a GET of.
    fn build_routes(&mut self) {
        // the route of each method and shape, by index (thousands of operations)
        let mut by_shape: HashMap<(Method, String), usize> = HashMap::new();
        self.route_request_lines(false, &mut by_shape);
        // an alternative request line comes after the case files' own on a path they share (a
        // page may list a line that belongs to another operation): a request without a body
        // goes to the own line's operation
        self.route_request_lines(true, &mut by_shape);
        for operation in &self.operations {
            let Some(item) = operation.item_template() else {
                continue;
            };
            let key = (Method::Get, item.shape());
            if let Entry::Vacant(slot) = by_shape.entry(key) {
                slot.insert(self.routes.len());
                self.routes.push(Route {
                    method: Method::Get,
                    template: item,
                    action: Action::Read(operation.resource),
                });
            }
        }
        for (index, route) in self.routes.iter().enumerate() {
            let count = route.template.segment_count();
            self.by_segments.entry(count).or_default().push(index);
        }
    }

    /// Routes the case files' own request lines, or (`alternatives`) the alternative ones;
    /// lines of one method and shape share a route (`by_shape` holds the routes so far).
    fn route_request_lines(
        &mut self,
        alternatives: bool,
        by_shape: &mut HashMap<(Method, String), usize>,
    ) {
        for (index, operation) in self.operations.iter().enumerate() {
            if operation.alternative != alternatives {
                continue;
            }
            let key = (operation.method, operation.template.shape());
            let shared = by_shape.get(&key).map(|&r| &mut self.routes[r]);
            match shared {
                Some(Route {
                    action: Action::Operations(indexes),
                    ..
                }) => indexes.push(index),
                _ => {
                    by_shape.insert(key, self.routes.len());
                    self.routes.push(Route {
                        method: operation.method,
                        template: operation.template.clone(),
                        action: Action::Operations(vec![index]),
                    });
                }
            }
        }
    }

    /// Returns the index of the resource whose response schema is `reference`, compiling it
    /// the first time.
    pub fn resource_index(
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
    /// Returns the template of one item the operation reads or writes: a create's or a
    /// list's collection plus `/{id}`, an item operation's own path; `None` for actions,
    /// functions and references, which address no item of their own.
    pub fn item_template(&self) -> Option<PathTemplate> {
        match self.kind {
            OperationKind::Create | OperationKind::List => Some(self.template.child_item("id")),
            OperationKind::Get
            | OperationKind::Update
            | OperationKind::Replace
            | OperationKind::Delete => Some(self.template.clone()),
            OperationKind::Action
            | OperationKind::Function
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => None,
        }
    }

    /// Returns the concrete collection the operation acts on, given its placeholder values:
    /// a create's or a list's own path, an item's collection; for an action or a function,
    /// the collection of the object it is bound to; for references, the navigation.
    pub fn collection(&self, values: &[String]) -> String {
        match self.kind {
            OperationKind::Create | OperationKind::List => self.template.render(values),
            OperationKind::Get
            | OperationKind::Update
            | OperationKind::Replace
            | OperationKind::Delete => self.template.address(values).collection,
            OperationKind::Action | OperationKind::Function => self
                .bound(values)
                .map(|address| address.collection)
                .unwrap_or_default(),
            OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => self.navigation(values).0,
        }
    }

    /// Returns the address of the stored object an action or a function is bound to: the
    /// path before its own segment, when that path ends in a key (`/gadgets/{gadgetId}`);
    /// `None` when it is unbound or bound to a singleton.
    pub fn bound(&self, values: &[String]) -> Option<Address> {
        let parent = self.template.parent()?;
        let address = parent.address(values.get(..parent.arity())?);
        (!address.key.is_empty()).then_some(address)
    }

    /// Returns the concrete navigation a `$ref` operation acts on and the key of the one
    /// reference it names (a removal's `.../owners/{id}/$ref`; empty otherwise).
    pub fn navigation(&self, values: &[String]) -> (String, String) {
        let Some(parent) = self.template.parent() else {
            return (String::new(), String::new());
        };
        let values = values.get(..parent.arity()).unwrap_or_default();
        match self.kind {
            OperationKind::RemoveReference => {
                let address = parent.address(values);
                (address.collection, address.key)
            }
            _ => (parent.render(values), String::new()),
        }
    }
}
