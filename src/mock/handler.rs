//! The request pipeline, synchronous and free of I/O: fault selection, authentication,
//! routing, then the documented behaviour of the operation's kind against the store
//! (locked once, never across an await). Each kind's behaviour lives in its own module:
//! [`super::write`] (create, update, replace, delete), [`super::read`] (get, list),
//! [`super::invoke`] (actions, functions), [`super::reference`] (`$ref`).

use super::contract::{Action, Contract, Resolution, Resource};
use super::fault::{FAULT_HEADER, Fault, FaultSet, UnknownFault};
use super::render::{self, Entity, Envelope, GraphError, Listing};
use super::store::{Ids, Store, Stored};
use crate::model::OperationKind;
use crate::path_template::{Address, decode_path};
use axum::response::Response;
use serde_json::{Map, Value};
use std::sync::{Mutex, MutexGuard};

/// Everything the handler shares across connections.
pub(crate) struct Shared {
    pub contract: Contract,
    pub store: Mutex<Store>,
    pub ids: Ids,
    /// Faults active for every request ([`crate::mock::MockConfig::faults`]).
    pub faults: FaultSet,
    /// The path prefix of the service root (`/beta`), or empty.
    pub prefix: String,
    /// The service root at the bound address, used when a request has no `Host`.
    pub base_url: String,
    /// The most items a page of a list holds.
    pub page_size: usize,
}

/// The parts of an HTTP request the mock looks at.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The request path, query removed, not yet decoded.
    pub path: &'a str,
    /// The query string, not yet decoded (empty when there is none).
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    /// Every [`FAULT_HEADER`] value, joined by commas.
    pub fault_header: Option<String>,
    pub client_request_id: Option<&'a str>,
    pub host: Option<&'a str>,
    pub body: &'a [u8],
}

/// What the handler decided, before rendering.
pub(super) enum Outcome<'a> {
    Entity {
        status: u16,
        resource: &'a Resource,
        collection: String,
        object: Map<String, Value>,
    },
    List {
        status: u16,
        collection: String,
        items: Vec<(&'a Resource, Map<String, Value>)>,
        count: Option<usize>,
        next_link: Option<String>,
    },
    Json {
        status: u16,
        body: Value,
    },
    Bytes {
        status: u16,
        bytes: Vec<u8>,
    },
    Redirect {
        status: u16,
        location: String,
    },
    Empty(u16),
}

/// One routed request, as the kinds' behaviours read it.
pub(super) struct Call<'a> {
    /// The route's placeholder values, in template order.
    pub values: &'a [String],
    pub body: &'a [u8],
    /// The request path as sent (prefix included, not decoded).
    pub path: &'a str,
    /// The query string as sent.
    pub query: &'a str,
    pub faults: FaultSet,
    /// The origin the request came to (`http://127.0.0.1:PORT`).
    pub origin: &'a str,
    /// The service root on that origin.
    pub base_url: &'a str,
}

impl Shared {
    /// Answers one request.
    pub fn respond(&self, request: &Request<'_>) -> Response {
        let request_id = self.ids.next();
        let origin = match request.host {
            Some(host) => format!("http://{host}"),
            None => self
                .base_url
                .strip_suffix(self.prefix.as_str())
                .unwrap_or(&self.base_url)
                .to_string(),
        };
        let base_url = format!("{origin}{}", self.prefix);
        let mut envelope = Envelope {
            request_id: &request_id,
            client_request_id: request.client_request_id,
            base_url: &base_url,
            faults: self.faults,
        };
        match self.faults_of(request.fault_header.as_deref()) {
            Ok(faults) => envelope.faults = faults,
            Err(unknown) => {
                let known: Vec<&str> = Fault::all().iter().map(|f| f.name()).collect();
                let message = match unknown.suggestion {
                    Some(_) => format!("{FAULT_HEADER}: {unknown}"),
                    None => format!("{FAULT_HEADER}: {unknown}; known: {}", known.join(", ")),
                };
                return render::error(&envelope, &GraphError::new(400, "UnknownFault", message));
            }
        }
        match self.outcome(request, envelope.faults, &origin) {
            Ok(outcome) => render_outcome(&envelope, outcome),
            Err(error) => render::error(&envelope, &error),
        }
    }

    /// Returns the faults active for a request: the server's, and those its
    /// [`FAULT_HEADER`] value names.
    pub fn faults_of(&self, fault_header: Option<&str>) -> Result<FaultSet, UnknownFault> {
        let named = fault_header.map(FaultSet::parse_header).transpose()?;
        Ok(self.faults.union(named.unwrap_or_default()))
    }

    /// Locks the store (a poisoned lock is still the store).
    pub(super) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns the object `store` holds at `address`. A single-valued navigation (an address
    /// with no key, such as `/teams/{id}/schedule`) holds `named`'s defaults until something
    /// is stored there or it is deleted: it exists with its parent.
    pub(super) fn held(&self, store: &Store, address: &Address, named: usize) -> Option<Stored> {
        if let Some(stored) = store.get(address) {
            return Some(stored.clone());
        }
        // an object a `$ref` add put in this navigation is one of its items (its
        // properties are the defaults when the mock holds no object it names)
        if !address.key.is_empty() && store.has_reference(&address.collection, &address.key) {
            let object = self.contract.resources[named].defaults(&address.key);
            return Some(Stored::fresh(named, object));
        }
        (address.key.is_empty() && !store.was_deleted(address)).then(|| {
            let object = self.contract.resources[named].defaults("");
            Stored::fresh(named, object)
        })
    }

    fn outcome(
        &self,
        request: &Request<'_>,
        faults: FaultSet,
        origin: &str,
    ) -> Result<Outcome<'_>, GraphError> {
        if !faults.has(Fault::NoAuth) {
            authenticate(request.authorization)?;
        }
        let not_found = || {
            GraphError::new(
                404,
                "ResourceNotFound",
                format!("Resource not found for the path '{}'.", request.path),
            )
        };
        let relative = request
            .path
            .strip_prefix(self.prefix.as_str())
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .ok_or_else(not_found)?;
        let segments = decode_path(relative);
        let (route, values) = match self.contract.resolve(request.method, &segments) {
            Resolution::Found { route, values } => (route, values),
            Resolution::NotFound => return Err(not_found()),
            Resolution::MethodNotAllowed(methods) => {
                let allow: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                let mut error = GraphError::new(
                    405,
                    "MethodNotAllowed",
                    format!(
                        "The method {} is not allowed on '{}'; allowed: {}.",
                        request.method,
                        request.path,
                        allow.join(", ")
                    ),
                );
                error.allow = Some(allow.join(", "));
                return Err(error);
            }
        };
        let base_url = format!("{origin}{}", self.prefix);
        let call = Call {
            values: &values,
            body: request.body,
            path: request.path,
            query: request.query,
            faults,
            origin,
            base_url: &base_url,
        };
        match &route.action {
            Action::Read(named) => self.read(&route.template, *named, 200, &call),
            Action::Operations(candidates) => self.dispatch(candidates, &call),
        }
    }

    /// Runs the behaviour of the candidates' kind (every candidate of a route has the same
    /// method and path shape; when two pages give it two kinds, the body chooses, see
    /// [`Contract::of_one_kind`]).
    fn dispatch(&self, candidates: &[usize], call: &Call<'_>) -> Result<Outcome<'_>, GraphError> {
        let candidates = &*self.contract.of_one_kind(candidates, call.body);
        let first = &self.contract.operations[candidates[0]];
        match first.kind {
            OperationKind::Get => self.get(candidates, call),
            OperationKind::List => self.list(candidates, call),
            OperationKind::Create => self.create(candidates, call.values, call.body, call.faults),
            OperationKind::Update => self.update(candidates, call.values, call.body, call.faults),
            OperationKind::Replace => self.replace(candidates, call),
            OperationKind::Delete => self.delete(candidates, call),
            OperationKind::Action | OperationKind::Function => self.invoke(first, call),
            OperationKind::AddReference => self.add_reference(first, call),
            OperationKind::ListReferences => self.list_references(first, call),
            OperationKind::RemoveReference => self.remove_reference(first, call),
        }
    }
}

/// Renders what the handler decided.
fn render_outcome(envelope: &Envelope<'_>, outcome: Outcome<'_>) -> Response {
    match outcome {
        Outcome::Entity {
            status,
            resource,
            collection,
            object,
        } => render::entity(
            envelope,
            &Entity {
                status,
                resource,
                collection: &collection,
                object: &object,
            },
        ),
        Outcome::List {
            status,
            collection,
            items,
            count,
            next_link,
        } => render::list(
            envelope,
            &Listing {
                status,
                collection: &collection,
                items,
                count,
                next_link,
            },
        ),
        Outcome::Json { status, body } => render::json(envelope, status, &body),
        Outcome::Bytes { status, bytes } => render::bytes(envelope, status, bytes),
        Outcome::Redirect { status, location } => render::redirect(envelope, status, &location),
        Outcome::Empty(status) => render::empty(envelope, status),
    }
}

/// Requires `Authorization: Bearer <non-empty token>`.
fn authenticate(authorization: Option<&str>) -> Result<(), GraphError> {
    let token = authorization.and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    match token {
        Some(token) if !token.is_empty() => Ok(()),
        _ if authorization.is_none_or(|a| a.trim().is_empty()) => Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty.",
        )),
        _ => Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure: expected `Authorization: Bearer <token>`.",
        )),
    }
}

/// Builds the Graph 404 of an item `address` that holds no object.
pub(super) fn unknown_item(resource: &Resource, address: &Address) -> GraphError {
    GraphError::new(
        404,
        "ResourceNotFound",
        format!(
            "No {} with id '{}' exists in '{}'.",
            resource.name, address.key, address.collection
        ),
    )
}
