//! The documented reads: a GET of one stored object (or a singleton, or raw content), and
//! a list of a collection's objects (`$filter`, `$count`, `$top`, `$select`, paged). `$select`
//! keeps the selected properties, the key and the annotations.

use super::contract::{Operation, Resource};
use super::fault::{Fault, FaultSet};
use super::handler::{Call, Outcome, Shared, unknown_item};
use super::invoke::redirect;
use super::paging::{Origin, page};
use super::query::Query;
use super::render::GraphError;
use super::store::{Store, Stored};
use super::write::OTHER_OBJECT_ID;
use crate::format::{Instant, Style};
use crate::path_template::{Address, PathTemplate};
use serde_json::{Map, Value};

impl Shared {
    /// Answers the GET of a documented item path: the stored object, of its own type (or
    /// the documented redirect).
    pub(super) fn get(
        &self,
        candidates: &[usize],
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let first = &self.contract.operations[candidates[0]];
        if let Some(redirect) = redirect(first, call) {
            return Ok(redirect);
        }
        if first.answers_stream {
            return Ok(self.content(first, call));
        }
        self.read(&first.template, first.resource, first.status, call)
    }

    /// Answers a GET of the item `template` names with `status`; `named` is the resource
    /// a 404 names (and an unknown id's default object has, under a fault).
    pub(super) fn read(
        &self,
        template: &PathTemplate,
        named: usize,
        status: u16,
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let query = Query::parse(call.query)?;
        let faults = call.faults;
        let address = template.address(call.values);
        let (stored, deleted) = {
            let store = self.lock();
            let stored = match self.held(&store, &address, named) {
                Some(own) if faults.has(Fault::GetOtherObject) => {
                    Some(other_object(&store, &address).unwrap_or_else(|| self.renamed(&own)))
                }
                found => found,
            };
            (stored, store.was_deleted(&address))
        };
        let stored = match stored {
            Some(stored) => stored,
            None if faults.has(Fault::GetUnknownIdSucceeds) && !deleted => {
                let object = self.contract.resources[named].defaults(&address.key);
                Stored::fresh(named, object)
            }
            None => return Err(unknown_item(&self.contract.resources[named], &address)),
        };
        let resource = &self.contract.resources[stored.resource];
        let mut object = match stored.previous {
            Some(previous) if faults.has(Fault::StaleRead) => previous,
            _ => stored.object,
        };
        if faults.has(Fault::GetShiftsDates) {
            shift_dates(resource, &mut object);
        }
        select(resource, &mut object, query.select.as_deref(), faults);
        Ok(Outcome::Entity {
            status,
            resource,
            collection: address.collection,
            object,
        })
    }

    /// Returns `stored` under another id (what [`Fault::GetOtherObject`] answers when its
    /// collection holds no other object).
    fn renamed(&self, stored: &Stored) -> Stored {
        let mut renamed = stored.clone();
        let resource = &self.contract.resources[stored.resource];
        if let Some(key) = resource.properties.iter().find(|p| p.key) {
            renamed
                .object
                .insert(key.name.clone(), Value::from(OTHER_OBJECT_ID));
        }
        renamed
    }

    /// Answers the GET of raw content: what was last PUT there (nothing until then).
    fn content(&self, operation: &Operation, call: &Call<'_>) -> Outcome<'_> {
        let path = operation.template.render(call.values);
        let bytes = self.lock().content(&path).map(<[u8]>::to_vec);
        Outcome::Bytes {
            status: operation.status,
            bytes: bytes.unwrap_or_default(),
        }
    }

    /// Answers a list of the objects stored in the concrete collection, in the order they
    /// were stored: filtered, counted, capped by `$top`, paged, then selected. Only the
    /// page's objects are copied out of the store.
    pub(super) fn list(
        &self,
        candidates: &[usize],
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let operation = &self.contract.operations[candidates[0]];
        let query = Query::parse(call.query)?;
        let faults = call.faults;
        let collection = operation.collection(call.values);
        let at = Origin {
            origin: call.origin,
            path: call.path,
        };
        let store = self.lock();
        let matched = matching(&store, &collection, &query, faults);
        let count = (query.count && !faults.has(Fault::ListWithoutCount))
            .then(|| matched.len() + usize::from(faults.has(Fault::ListCountWrong)));
        let page = page(matched, &query, faults, self.page_size, &at);
        let selection = query
            .select
            .as_deref()
            .filter(|_| !faults.has(Fault::ListIgnoresSelect));
        let items = page
            .items
            .into_iter()
            .map(|stored| {
                let resource = &self.contract.resources[stored.resource];
                let mut object = stored.object.clone();
                select(resource, &mut object, selection, faults);
                (resource, object)
            })
            .collect();
        Ok(Outcome::List {
            status: operation.status,
            collection,
            items,
            count,
            next_link: page.next_link,
        })
    }
}

/// Returns the objects of `collection` that the list shows and `$filter` keeps, borrowed
/// from the store.
fn matching<'s>(
    store: &'s Store,
    collection: &str,
    query: &Query,
    faults: FaultSet,
) -> Vec<&'s Stored> {
    let newest = store
        .newest(collection)
        .filter(|_| faults.has(Fault::ListOmitsCreated));
    let mut matched: Vec<&Stored> = store
        .items(collection)
        .into_iter()
        .filter(|(key, _)| Some(*key) != newest)
        .map(|(_, stored)| stored)
        .collect();
    if let Some(filter) = &query.filter
        && !faults.has(Fault::ListIgnoresFilter)
    {
        matched.retain(|stored| filter.keeps(&stored.object));
        if faults.has(Fault::FilterDropsMatches) {
            matched.clear();
        }
    }
    matched
}

/// Returns another object of the collection of `address` than the one stored there (the
/// first other one in list order), for [`Fault::GetOtherObject`].
fn other_object(store: &Store, address: &Address) -> Option<Stored> {
    let other = store
        .items(&address.collection)
        .into_iter()
        .find(|(key, s)| *key != address.key && !s.listed_only);
    other.map(|(_, stored)| stored.clone())
}

/// Keeps, under `$select`, the selected properties, the key and the annotations (under
/// [`Fault::SelectDropsSelected`], the last selected one is left out too).
fn select(
    resource: &Resource,
    object: &mut Map<String, Value>,
    selection: Option<&[String]>,
    faults: FaultSet,
) {
    let Some(selection) = selection else {
        return;
    };
    let is_key = |name: &str| resource.property(name).is_some_and(|p| p.key);
    let selected = |name: &str| selection.iter().any(|s| s.eq_ignore_ascii_case(name));
    object.retain(|name, _| name.starts_with("@odata.") || is_key(name) || selected(name));
    if faults.has(Fault::SelectDropsSelected)
        && let Some(last) = selection.last()
        && !is_key(last)
    {
        object.retain(|name, _| !name.eq_ignore_ascii_case(last));
    }
}

/// Moves every DateTimeOffset of `object` one hour later ([`Fault::GetShiftsDates`]).
fn shift_dates(resource: &Resource, object: &mut Map<String, Value>) {
    for (name, value) in object.iter_mut() {
        let Value::String(text) = value else {
            continue;
        };
        if !resource.is_date_time(name) {
            continue;
        }
        let shifted = Instant::parse(text).and_then(|i| i.plus_seconds(3600).format(Style::GRAPH));
        if let Some(shifted) = shifted {
            *text = shifted;
        }
    }
}
