//! The mock's state: stored objects by collection and key (in the order they were first
//! stored), the references of each navigation, raw contents, preloaded from the documented
//! example responses; and the source of fresh ids.

use super::contract::{Contract, Operation};
use crate::case::{CaseFile, Shown};
use crate::model::OperationKind;
use crate::path_template::{Address, decode_path};
use crate::suite::Suite;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

/// Stored objects (collection path -> key -> object), references and contents.
#[derive(Debug, Default)]
pub(crate) struct Store {
    collections: BTreeMap<String, BTreeMap<String, Stored>>,
    /// The keys created in each collection, in the order they were created.
    created: BTreeMap<String, Vec<String>>,
    /// The addresses whose object was deleted.
    deleted: BTreeSet<Address>,
    /// Navigation path -> the references it holds, in the order they were added.
    references: BTreeMap<String, Vec<Reference>>,
    /// Concrete path -> raw content.
    contents: BTreeMap<String, Vec<u8>>,
    /// Objects stored so far (the order of a list).
    stored: u64,
}

/// One reference of a navigation.
#[derive(Debug, Clone)]
struct Reference {
    odata_id: String,
    /// Lists show it (not so under `ref-add-ignored`, whose removal still finds it).
    listed: bool,
}

/// One stored object and its type.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// Index into [`Contract::resources`]: a collection may hold several types.
    pub resource: usize,
    /// Documented properties in schema order, then any others a fault let through.
    pub object: Map<String, Value>,
    /// The object before its last write (what `stale-read` answers).
    pub previous: Option<Map<String, Value>>,
    /// When it was first stored: lists are in this order.
    order: u64,
    /// Deleted, but still listed (`deleted-still-listed`).
    pub listed_only: bool,
}

impl Stored {
    /// Builds an object of `resource` that was never stored (what some faults answer).
    pub fn fresh(resource: usize, object: Map<String, Value>) -> Stored {
        Stored {
            resource,
            object,
            previous: None,
            order: 0,
            listed_only: false,
        }
    }
}

impl Store {
    /// Preloads every documented example object: a create's, update's or get's response
    /// body with a string `id` (or, for a singleton, any object body) at its address, and
    /// each item of a list's `value` with a string `id` or none (it is given one); repaired
    /// against the resource's documented properties; the first example of a key wins. A
    /// singleton that no example shows is stored with every property at its default and an
    /// id of its own.
    pub fn preload(contract: &Contract, suite: &Suite) -> Store {
        let mut store = Store::default();
        let mut addressed = Vec::new();
        for operation in &contract.operations {
            let Some(case) = suite.cases.get(operation.case) else {
                continue;
            };
            for (address, object, only_addressed) in example_objects(operation, case) {
                if only_addressed {
                    addressed.push((address, operation.resource, object));
                } else if store.get(&address).is_none() {
                    let resource = &contract.resources[operation.resource];
                    store.put(&address, operation.resource, resource.repair(&object));
                }
            }
        }
        // an object a page only addresses is the type of the first operation naming it
        for (address, index, object) in addressed {
            if !store.contains(&address.collection, &address.key) {
                let resource = &contract.resources[index];
                store.put(&address, index, resource.repair(&object));
            }
        }
        for operation in contract.operations.iter().filter(|o| !o.alternative) {
            let own = decode_path(operation.template.text());
            let values = operation.template.matches(&own).unwrap_or_default();
            let address = operation.template.address(&values);
            if is_singleton(operation, &address) && store.get(&address).is_none() {
                // an object of its own, with an id as a singleton of Graph has (`/me/drive`),
                // the same at every start
                let resource = &contract.resources[operation.resource];
                let seed = crate::digest::fnv1a64(address.collection.as_bytes());
                let id = Ids::seeded(seed).next();
                store.put(&address, operation.resource, resource.defaults(&id));
            }
        }
        store
    }

    /// Returns the object stored at `address` (not one deleted).
    pub fn get(&self, address: &Address) -> Option<&Stored> {
        self.collections
            .get(&folded(&address.collection))?
            .get(&address.key)
            .filter(|s| !s.listed_only)
    }

    /// Tells whether `collection` holds `key` (deleted but listed included).
    pub fn contains(&self, collection: &str, key: &str) -> bool {
        self.collections
            .get(&folded(collection))
            .is_some_and(|items| items.contains_key(key))
    }

    /// Stores `object`, of `resource`, at `address`, replacing what was there (which keeps
    /// its place in lists and becomes its previous state).
    pub fn put(&mut self, address: &Address, resource: usize, object: Map<String, Value>) {
        let items = self
            .collections
            .entry(folded(&address.collection))
            .or_default();
        match items.get_mut(&address.key) {
            Some(stored) => {
                let old = std::mem::replace(&mut stored.object, object);
                stored.previous = Some(old);
                stored.resource = resource;
                stored.listed_only = false;
            }
            None => {
                self.stored += 1;
                let stored = Stored {
                    resource,
                    object,
                    previous: None,
                    order: self.stored,
                    listed_only: false,
                };
                items.insert(address.key.clone(), stored);
            }
        }
    }

    /// Records `address` as the object most recently created in its collection.
    pub fn created(&mut self, address: &Address) {
        self.created
            .entry(folded(&address.collection))
            .or_default()
            .push(address.key.clone());
    }

    /// Returns the key of the object most recently created in `collection` that is still
    /// stored.
    pub fn newest(&self, collection: &str) -> Option<&str> {
        let created = self.created.get(&folded(collection))?;
        created.iter().rev().map(String::as_str).find(|key| {
            self.get(&Address {
                collection: collection.to_string(),
                key: key.to_string(),
            })
            .is_some()
        })
    }

    /// Tells whether the object at `address` was deleted.
    pub fn was_deleted(&self, address: &Address) -> bool {
        self.deleted.contains(&folded_address(address))
    }

    /// Removes the object at `address`; with `keep_listed`, lists still show it.
    pub fn remove(&mut self, address: &Address, keep_listed: bool) {
        let Some(items) = self.collections.get_mut(&folded(&address.collection)) else {
            return;
        };
        if keep_listed {
            if let Some(stored) = items.get_mut(&address.key) {
                stored.listed_only = true;
            }
        } else {
            items.remove(&address.key);
        }
        self.deleted.insert(folded_address(address));
    }

    /// Returns the keys and objects of `collection`, in the order they were first stored
    /// (deleted but listed included).
    pub fn items(&self, collection: &str) -> Vec<(&str, &Stored)> {
        let mut items: Vec<(&str, &Stored)> = self
            .collections
            .get(&folded(collection))
            .map(|items| items.iter().map(|(k, s)| (k.as_str(), s)).collect())
            .unwrap_or_default();
        items.sort_by_key(|(_, s)| s.order);
        items
    }

    /// Returns the `@odata.id`s `navigation` lists, in the order they were added.
    pub fn references(&self, navigation: &str) -> Vec<&str> {
        self.references
            .get(&folded(navigation))
            .into_iter()
            .flatten()
            .filter(|r| r.listed)
            .map(|r| r.odata_id.as_str())
            .collect()
    }

    /// Adds a reference to `navigation` (once); one not `listed` is found by a removal
    /// only.
    pub fn add_reference(&mut self, navigation: &str, odata_id: &str, listed: bool) {
        let references = self.references.entry(folded(navigation)).or_default();
        match references
            .iter_mut()
            .find(|r| r.odata_id.eq_ignore_ascii_case(odata_id))
        {
            Some(known) => known.listed |= listed,
            None => references.push(Reference {
                odata_id: odata_id.to_string(),
                listed,
            }),
        }
    }

    /// Tells whether `navigation` holds a reference whose `@odata.id` ends with `/<key>`
    /// (case-insensitive).
    pub fn has_reference(&self, navigation: &str, key: &str) -> bool {
        self.references
            .get(&folded(navigation))
            .is_some_and(|all| all.iter().any(|r| names_key(&r.odata_id, key)))
    }

    /// Removes the references of `navigation` whose `@odata.id` ends with `/<key>`
    /// (case-insensitive).
    pub fn remove_reference(&mut self, navigation: &str, key: &str) {
        if let Some(references) = self.references.get_mut(&folded(navigation)) {
            references.retain(|r| !names_key(&r.odata_id, key));
        }
    }

    /// Returns the raw content stored at `path`.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.contents.get(&folded(path)).map(Vec::as_slice)
    }

    /// Stores raw content at `path`.
    pub fn put_content(&mut self, path: &str, bytes: Vec<u8>) {
        self.contents.insert(folded(path), bytes);
    }
}

/// Returns a concrete path as the store keys it: Graph compares path segments
/// case-insensitively, so `/oAuth2Permissiongrants` and `/oauth2PermissionGrants` (two
/// pages' spellings) are one collection; ids in it fold too, which only joins parents
/// whose ids differ in case alone.
fn folded(path: &str) -> String {
    path.to_ascii_lowercase()
}

/// Returns `address` with its collection [`folded`] (its key as it is).
fn folded_address(address: &Address) -> Address {
    Address {
        collection: folded(&address.collection),
        key: address.key.clone(),
    }
}

/// Tells whether a reference's `@odata.id` ends with `/<key>` (case-insensitive).
fn names_key(odata_id: &str, key: &str) -> bool {
    odata_id
        .to_lowercase()
        .ends_with(&format!("/{}", key.to_lowercase()))
}

/// Tells whether `address` names a singleton a GET or a PATCH acts on (no key).
fn is_singleton(operation: &Operation, address: &Address) -> bool {
    let item = matches!(operation.kind, OperationKind::Update | OperationKind::Get);
    item && !operation.answers_stream && address.key.is_empty()
}

/// Returns the example objects of an operation's case file, each at its address (see
/// [`CaseFile::shown_objects`]), and whether the page only addresses it (it then comes
/// after every object a page shows). A list item the page shows without its id is still an
/// object of the collection: it gets an id of its own, the same at every start; so does an
/// object a request addresses, the id its address names.
fn example_objects(
    operation: &Operation,
    case: &CaseFile,
) -> Vec<(Address, Map<String, Value>, bool)> {
    let mut seeded: BTreeMap<usize, Ids> = BTreeMap::new();
    let shown = case.shown_objects(&operation.template, operation.alternative);
    let with_id = |object: Option<&Map<String, Value>>, key: &str| {
        let mut object = object.cloned().unwrap_or_default();
        object.insert("id".to_string(), Value::String(key.to_string()));
        object
    };
    let place = |shown| match shown {
        Shown::Item(address, object) | Shown::Singleton(address, object) => {
            (address, object.clone(), false)
        }
        Shown::Unkeyed {
            collection,
            example,
            object,
        } => {
            let ids = seeded.entry(example).or_insert_with(|| {
                let seed = format!("{}/{example}", case.id);
                Ids::seeded(crate::digest::fnv1a64(seed.as_bytes()))
            });
            let key = ids.next();
            let object = with_id(Some(object), &key);
            (Address { collection, key }, object, false)
        }
        Shown::Addressed(address, object) => {
            let object = with_id(object, &address.key);
            (address, object, true)
        }
    };
    shown.into_iter().map(place).collect()
}

/// Hands out UUID-shaped (version 4 layout) ids, unique for the life of the server.
#[derive(Debug)]
pub(crate) struct Ids {
    seed: u64,
    counter: AtomicU64,
}

impl Ids {
    /// Seeds the generator from the clock, so that two servers hand out different ids.
    pub fn new() -> Ids {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Ids {
            seed: (nanos as u64) ^ ((nanos >> 64) as u64),
            counter: AtomicU64::new(0),
        }
    }

    /// A generator whose ids are the same for the same `seed`.
    fn seeded(seed: u64) -> Ids {
        Ids {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    /// Returns the next id (`xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx`).
    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let high = mix(self.seed ^ n.wrapping_mul(2));
        let low = mix(self.seed ^ n.wrapping_mul(2).wrapping_add(1));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0x0fff,
            0x8000 | ((low >> 48) & 0x3fff),
            low & 0xffff_ffff_ffff
        )
    }
}

/// Scrambles a counter (SplitMix64's finaliser): distinct inputs give distinct outputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
