//! The request pipeline, synchronous and free of I/O: fault selection, authentication,
//! routing, then the documented create, update and read behaviours against the store
//! (locked once, never across an await); bodies are read by [`super::body`].

use super::body::read_body;
use super::contract::{Action, Contract, Operation, Resolution, Resource};
use super::fault::{FAULT_HEADER, Fault, FaultSet, UnknownFault};
use super::render::{self, Entity, Envelope, GraphError, REUSED_ID};

/// The id a PATCH answers with under `update-answers-other-object`.
const OTHER_OBJECT_ID: &str = "00000000-0000-0000-0000-0000000000aa";
use super::contract::Served;
use super::store::{Ids, Store};
use crate::path_template::{Address, decode_path};
use axum::response::Response;
use serde_json::{Map, Value};
use std::sync::Mutex;

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
}

/// The parts of an HTTP request the mock looks at.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The request path, query removed, not yet decoded.
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    /// Every [`FAULT_HEADER`] value, joined by commas.
    pub fault_header: Option<String>,
    pub client_request_id: Option<&'a str>,
    pub host: Option<&'a str>,
    pub body: &'a [u8],
}

/// What the handler decided, before rendering.
enum Outcome<'a> {
    Entity {
        status: u16,
        resource: &'a Resource,
        collection: String,
        object: Map<String, Value>,
    },
    Empty(u16),
}

impl Shared {
    /// Answers one request.
    pub fn respond(&self, request: &Request<'_>) -> Response {
        let request_id = self.ids.next();
        let base_url = match request.host {
            Some(host) => format!("http://{host}{}", self.prefix),
            None => self.base_url.clone(),
        };
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
        match self.outcome(request, envelope.faults) {
            Ok(Outcome::Entity {
                status,
                resource,
                collection,
                object,
            }) => render::entity(
                &envelope,
                &Entity {
                    status,
                    resource,
                    collection: &collection,
                    object: &object,
                },
            ),
            Ok(Outcome::Empty(status)) => render::empty(&envelope, status),
            Err(error) => render::error(&envelope, &error),
        }
    }

    /// Returns the faults active for a request: the server's, and those its
    /// [`FAULT_HEADER`] value names.
    pub fn faults_of(&self, fault_header: Option<&str>) -> Result<FaultSet, UnknownFault> {
        let named = fault_header.map(FaultSet::parse_header).transpose()?;
        Ok(self.faults.union(named.unwrap_or_default()))
    }

    fn outcome(&self, request: &Request<'_>, faults: FaultSet) -> Result<Outcome<'_>, GraphError> {
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
        match &route.action {
            Action::Read(named) => {
                let address = route.template.address(&values);
                let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
                let stored = store
                    .get(&address)
                    .ok_or_else(|| unknown_item(&self.contract.resources[*named], &address))?;
                Ok(Outcome::Entity {
                    status: 200,
                    resource: &self.contract.resources[stored.resource],
                    collection: address.collection,
                    object: stored.object.clone(),
                })
            }
            Action::Operations(candidates) => match self.contract.operations[candidates[0]].kind {
                Served::Update => self.update(candidates, &values, request.body, faults),
                Served::Create => self.create(candidates, &values, request.body, faults),
            },
        }
    }

    /// Merges a PATCH body into the stored object and answers the documented status. The
    /// operation is the one documented for the stored object's type.
    fn update(
        &self,
        candidates: &[usize],
        values: &[String],
        body: &[u8],
        faults: FaultSet,
    ) -> Result<Outcome<'_>, GraphError> {
        let address = self.contract.operations[candidates[0]]
            .template
            .address(values);
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let stored = store.get(&address).cloned();
        let stored_type = stored.as_ref().map(|s| s.resource);
        let operation = &self.contract.operations[self.contract.pick(
            candidates,
            stored_type,
            odata_type(body).as_deref(),
        )];
        let resource_index = stored_type.unwrap_or(operation.resource);
        let resource = &self.contract.resources[resource_index];
        if stored.is_none() && !faults.has(Fault::UnknownIdUpsert) {
            return Err(unknown_item(resource, &address));
        }
        let sent = read_body(&self.contract, operation, resource, body, faults)?;
        if faults.has(Fault::EmptyPatchRejected) && sent.is_empty() {
            return Err(GraphError::new(
                400,
                "BadRequest",
                "The request body holds no property to update.",
            ));
        }
        let mut object = stored.map_or_else(|| resource.defaults(&address.key), |s| s.object);
        if !faults.has(Fault::PatchIgnored) {
            if faults.has(Fault::PatchReplaces) {
                let key = resource.properties.iter().find(|p| p.key);
                let id = key
                    .and_then(|k| object.get(&k.name))
                    .and_then(Value::as_str)
                    .unwrap_or(&address.key)
                    .to_string();
                object = resource.defaults(&id);
            }
            if faults.has(Fault::PatchResetsUnsent) {
                reset_one_unsent(operation, resource, &mut object, &sent);
            }
            merge(
                resource,
                &mut object,
                sent,
                faults.has(Fault::PatchDropsDates),
            );
            store.put(&address, resource_index, object.clone());
        }
        if faults.has(Fault::UpdateAnswersOtherObject)
            && let Some(key) = resource.properties.iter().find(|p| p.key)
        {
            object.insert(key.name.clone(), Value::String(OTHER_OBJECT_ID.to_string()));
        }
        Ok(success(operation, resource, address.collection, object))
    }

    /// Stores a POST body as a new object under a fresh id and answers the documented status.
    /// The operation is the one whose type the body's `@odata.type` names, else the first.
    fn create(
        &self,
        candidates: &[usize],
        values: &[String],
        body: &[u8],
        faults: FaultSet,
    ) -> Result<Outcome<'_>, GraphError> {
        let index = self
            .contract
            .pick(candidates, None, odata_type(body).as_deref());
        let operation = &self.contract.operations[index];
        let resource = &self.contract.resources[operation.resource];
        let sent = read_body(&self.contract, operation, resource, body, faults)?;
        let collection = operation.collection(values);
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let key = if faults.has(Fault::CreateReusesId) {
            REUSED_ID.to_string()
        } else {
            std::iter::repeat_with(|| self.ids.next())
                .find(|id| !store.contains(&collection, id))
                .unwrap_or_default()
        };
        let mut object = resource.defaults(&key);
        merge(resource, &mut object, sent, false);
        let address = Address { collection, key };
        store.put(&address, operation.resource, object.clone());
        let mut outcome = success(operation, resource, address.collection, object);
        if let Outcome::Entity { status, .. } = &mut outcome
            && *status == 201
            && faults.has(Fault::Create201OnlyTyped)
            && odata_type(body).is_none()
        {
            *status = 200;
        }
        Ok(outcome)
    }
}

/// Reads the body's top-level `@odata.type`, when the body is a JSON object that has one.
fn odata_type(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    Some(value.get("@odata.type")?.as_str()?.to_string())
}

fn success<'a>(
    operation: &Operation,
    resource: &'a Resource,
    collection: String,
    object: Map<String, Value>,
) -> Outcome<'a> {
    if operation.status == 204 {
        return Outcome::Empty(204);
    }
    Outcome::Entity {
        status: operation.status,
        resource,
        collection,
        object,
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

fn unknown_item(resource: &Resource, address: &Address) -> GraphError {
    GraphError::new(
        404,
        "ResourceNotFound",
        format!(
            "No {} with id '{}' exists in '{}'.",
            resource.name, address.key, address.collection
        ),
    )
}

/// Sets every sent property on `object`, except annotations and the key (and, under
/// [`Fault::PatchDropsDates`], DateTimeOffsets).
fn merge(
    resource: &Resource,
    object: &mut Map<String, Value>,
    sent: Map<String, Value>,
    drop_dates: bool,
) {
    for (name, value) in sent {
        let key = resource.property(&name).is_some_and(|p| p.key);
        if name.starts_with("@odata.") || key || (drop_dates && resource.is_date_time(&name)) {
            continue;
        }
        object.insert(name, value);
    }
}

/// Resets to its default the first property of `resource` that the PATCH did not send, that
/// the operation's request accepts, and whose stored value is not its default
/// ([`Fault::PatchResetsUnsent`]).
fn reset_one_unsent(
    operation: &Operation,
    resource: &Resource,
    object: &mut Map<String, Value>,
    sent: &Map<String, Value>,
) {
    let reset = resource.properties.iter().find(|p| {
        !p.key
            && !sent.contains_key(&p.name)
            && object.get(&p.name).is_some_and(|stored| {
                *stored != p.default
                    && operation
                        .request
                        .is_valid(&serde_json::json!({ p.name.clone(): stored }))
            })
    });
    if let Some(property) = reset {
        object.insert(property.name.clone(), property.default.clone());
    }
}
