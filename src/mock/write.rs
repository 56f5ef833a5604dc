//! The documented writes: a create (POST into a collection) stores the body under a fresh
//! id, an update (PATCH) merges it, a replace (PUT) stores it as the whole object, a delete
//! removes the object; each answers its documented status.

use super::body::read_body;
use super::contract::{Operation, Property, Resource};
use super::fault::{Fault, FaultSet};
use super::handler::{Call, Outcome, Shared, unknown_item};
use super::render::{GraphError, REUSED_ID};
use super::store::Stored;
use crate::path_template::Address;
use serde_json::{Map, Value};

/// The id a PATCH answers with under `update-answers-other-object`.
pub(super) const OTHER_OBJECT_ID: &str = "00000000-0000-0000-0000-0000000000aa";

impl Shared {
    /// Merges a PATCH body into the stored object and answers the documented status. The
    /// operation is the one documented for the stored object's type.
    pub(super) fn update(
        &self,
        candidates: &[usize],
        values: &[String],
        body: &[u8],
        faults: FaultSet,
    ) -> Result<Outcome<'_>, GraphError> {
        let address = self.contract.operations[candidates[0]]
            .template
            .address(values);
        let mut store = self.lock();
        let stored = self.held(
            &store,
            &address,
            self.contract.operations[candidates[0]].resource,
        );
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
                object = resource.defaults(&key_of(resource, &object, &address));
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
    pub(super) fn create(
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
        let mut store = self.lock();
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
        if !faults.has(Fault::CreateNotStored) {
            store.put(&address, operation.resource, object.clone());
            store.created(&address);
        }
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

    /// Stores a PUT body as the whole object (what it does not send back to its defaults,
    /// the key kept) and answers the documented status; raw content (`PUT .../$value`) is
    /// stored as sent. The operation is the one documented for the stored object's type.
    pub(super) fn replace(
        &self,
        candidates: &[usize],
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let first = &self.contract.operations[candidates[0]];
        let mut store = self.lock();
        if first.sends_stream {
            store.put_content(&first.template.render(call.values), call.body.to_vec());
            return Ok(Outcome::Empty(first.status));
        }
        let address = first.template.address(call.values);
        let faults = call.faults;
        let stored = match self.held(&store, &address, first.resource) {
            Some(stored) => stored,
            None if first.kind.creates_when_absent(first.status) => {
                let resource = &self.contract.resources[first.resource];
                Stored::fresh(first.resource, resource.defaults(&address.key))
            }
            None => {
                let resource = &self.contract.resources[first.resource];
                return Err(unknown_item(resource, &address));
            }
        };
        let picked = self.contract.pick(candidates, Some(stored.resource), None);
        let operation = &self.contract.operations[picked];
        let resource = &self.contract.resources[stored.resource];
        let sent = read_body(&self.contract, operation, resource, call.body, faults)?;
        let mut object = resource.defaults(&key_of(resource, &stored.object, &address));
        let dropped = first_sent_property(resource, &sent);
        merge(resource, &mut object, sent, false);
        let mut kept = object.clone();
        if faults.has(Fault::ReplaceDropsProperty)
            && let Some(property) = dropped
        {
            let old = stored.object.get(&property.name).cloned();
            kept.insert(
                property.name.clone(),
                old.unwrap_or(property.default.clone()),
            );
        }
        if !faults.has(Fault::ReplaceIgnored) {
            store.put(&address, stored.resource, kept);
        }
        Ok(success(operation, resource, address.collection, object))
    }

    /// Removes the stored object and answers the documented status.
    pub(super) fn delete(
        &self,
        candidates: &[usize],
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let first = &self.contract.operations[candidates[0]];
        let address = first.template.address(call.values);
        let faults = call.faults;
        let mut store = self.lock();
        let Some(stored) = store.get(&address).cloned() else {
            if faults.has(Fault::DeleteUnknownIdSucceeds) {
                return Ok(Outcome::Empty(first.status));
            }
            return Err(unknown_item(
                &self.contract.resources[first.resource],
                &address,
            ));
        };
        let picked = self.contract.pick(candidates, Some(stored.resource), None);
        let operation = &self.contract.operations[picked];
        if !faults.has(Fault::DeleteKeepsObject) {
            store.remove(&address, faults.has(Fault::DeletedStillListed));
        }
        if faults.has(Fault::DeleteAnswersBody) {
            return Ok(Outcome::Entity {
                status: 200,
                resource: &self.contract.resources[stored.resource],
                collection: address.collection,
                object: stored.object,
            });
        }
        Ok(Outcome::Empty(operation.status))
    }
}

/// Returns the key a stored object keeps: its key property's value, else the address's.
fn key_of(resource: &Resource, object: &Map<String, Value>, address: &Address) -> String {
    let key = resource.properties.iter().find(|p| p.key);
    key.and_then(|k| object.get(&k.name))
        .and_then(Value::as_str)
        .unwrap_or(&address.key)
        .to_string()
}

/// Returns the first non-key documented property that `sent` holds
/// ([`Fault::ReplaceDropsProperty`] keeps its old value).
fn first_sent_property<'r>(
    resource: &'r Resource,
    sent: &Map<String, Value>,
) -> Option<&'r Property> {
    resource
        .properties
        .iter()
        .find(|p| !p.key && sent.contains_key(&p.name))
}

/// Reads the body's top-level `@odata.type`, when the body is a JSON object that has one.
pub(super) fn odata_type(body: &[u8]) -> Option<String> {
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
