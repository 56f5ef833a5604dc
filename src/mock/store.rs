//! The mock's state: stored objects by collection and key, preloaded from the documented
//! example responses, and the source of fresh ids.

use super::contract::Contract;
use super::contract::Served;
use crate::path_template::{Address, decode_path};
use crate::suite::Suite;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Stored objects: collection path -> key -> object.
#[derive(Debug, Default)]
pub(crate) struct Store {
    collections: BTreeMap<String, BTreeMap<String, Stored>>,
}

/// One stored object and its type.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// Index into [`Contract::resources`]: a collection may hold several types.
    pub resource: usize,
    /// Documented properties in schema order, then any others a fault let through.
    pub object: Map<String, Value>,
}

impl Store {
    /// Preloads every documented example response whose body has a string `id` (or, for a
    /// singleton, any object body) into its operation's collection, repaired against the
    /// resource's documented properties; the first example of a key wins. A singleton that
    /// no example shows is stored with every property at its default.
    pub fn preload(contract: &Contract, suite: &Suite) -> Store {
        let mut store = Store::default();
        // the contract holds the served operations only, in suite order
        let served = suite.cases.iter().filter(|c| Served::of(c.kind).is_some());
        for (operation, case) in contract.operations.iter().zip(served) {
            let resource = &contract.resources[operation.resource];
            for example in &case.examples {
                let Some(Value::Object(body)) =
                    example.response.as_ref().and_then(|r| r.body.as_ref())
                else {
                    continue;
                };
                let values = operation
                    .template
                    .matches(&decode_path(&example.request.path))
                    .or_else(|| {
                        let own = decode_path(operation.template.text());
                        operation.template.matches(&own)
                    })
                    .unwrap_or_default();
                let singleton = operation.kind == Served::Update
                    && operation.template.address(&values).key.is_empty();
                let key = match body.get("id") {
                    _ if singleton => String::new(),
                    Some(Value::String(id)) => id.clone(),
                    _ => continue,
                };
                let address = Address {
                    collection: operation.collection(&values),
                    key,
                };
                if store.get(&address).is_none() {
                    store.put(&address, operation.resource, resource.repair(body));
                }
            }
        }
        for operation in &contract.operations {
            let own = decode_path(operation.template.text());
            let values = operation.template.matches(&own).unwrap_or_default();
            let address = operation.template.address(&values);
            let singleton = operation.kind == Served::Update && address.key.is_empty();
            if singleton && store.get(&address).is_none() {
                let resource = &contract.resources[operation.resource];
                store.put(&address, operation.resource, resource.defaults(""));
            }
        }
        store
    }

    /// Returns the object stored at `address`.
    pub fn get(&self, address: &Address) -> Option<&Stored> {
        self.collections.get(&address.collection)?.get(&address.key)
    }

    /// Tells whether `collection` holds `key`.
    pub fn contains(&self, collection: &str, key: &str) -> bool {
        self.collections
            .get(collection)
            .is_some_and(|items| items.contains_key(key))
    }

    /// Stores `object`, of `resource`, at `address`, replacing what was there.
    pub fn put(&mut self, address: &Address, resource: usize, object: Map<String, Value>) {
        self.collections
            .entry(address.collection.clone())
            .or_default()
            .insert(address.key.clone(), Stored { resource, object });
    }
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
