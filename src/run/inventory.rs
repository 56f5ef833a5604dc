//! What a run knows of the server's objects: the ids each concrete collection holds (those
//! the run created there first, then those its lists showed), the resource each object is,
//! which objects the run created and which it deleted, the references it added, and what
//! each collection's last whole list showed a list's query cases. Paths compare
//! case-insensitively, as Graph compares them; ids are kept as the server answered them.

use crate::case::Shown;
use crate::path_template::{PathTemplate, encode_segment};
use crate::suite::Suite;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

#[derive(Debug, Default)]
pub struct Inventory {
    /// The first id a create answered, by collection path template and resource (a
    /// collection may hold several types: an update of one type needs an object of it).
    first_created: BTreeMap<(String, String), String>,
    /// The ids of each concrete collection (lower-cased path): created first, then listed.
    collections: BTreeMap<String, Members>,
    /// The resource each object is (by item key), when the run knows it.
    types: BTreeMap<String, String>,
    /// The item keys of the objects this run created.
    created: BTreeSet<String>,
    /// The item keys of the objects the run inferred from what the pages say of an answer
    /// (an action's answer joining a collection, a singleton's object in a top collection):
    /// fixtures, which a faithful server may not address that way.
    inferred: BTreeSet<String>,
    /// The item keys (lower-cased paths) of the objects whose delete succeeded.
    deleted: BTreeSet<String>,
    /// The id each `$ref` add referenced, by its concrete `$ref` path (lower-cased).
    references: BTreeMap<String, String>,
    /// What the last whole list of each concrete collection (lower-cased), by the list
    /// operation that read it, showed its query cases.
    samples: BTreeMap<(String, String), ListSample>,
    /// The ids the suite's examples show in each concrete collection (lower-cased), in suite
    /// order: objects the pages document, which a server may or may not hold.
    documented: BTreeMap<String, Vec<String>>,
}

/// What a list operation's query cases use of the items its last whole list of a collection
/// showed (the items themselves are not kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListSample {
    /// An item's id, with up to two documented properties it holds (for `$select`).
    pub selected: Option<(String, Vec<String>)>,
    /// A documented property, the text or boolean value an item holds, and that item's id
    /// (for `$filter`).
    pub filter: Option<(String, Value, String)>,
}

/// The ids one concrete collection is known to hold: those the run created there first, in
/// the order of their creates, then those its lists showed.
#[derive(Debug, Default)]
struct Members {
    ids: Vec<String>,
    /// How many of `ids`, from the first, the run created.
    created: usize,
    /// Every id of `ids`, to tell in constant time whether one is known.
    seen: HashSet<String>,
}

impl Members {
    fn add(&mut self, id: &str, created: bool) -> bool {
        if !self.seen.insert(id.to_string()) {
            return false;
        }
        if created {
            self.ids.insert(self.created, id.to_string());
            self.created += 1;
        } else {
            self.ids.push(id.to_string());
        }
        true
    }

    fn created(&self) -> &[String] {
        &self.ids[..self.created]
    }

    /// Forgets every created id, and `id`.
    fn forget_created_and(&mut self, id: &str) -> Vec<String> {
        let created: Vec<String> = self.ids.drain(..self.created).collect();
        self.created = 0;
        self.ids.retain(|known| known != id);
        self.seen = self.ids.iter().cloned().collect();
        created
    }
}

/// The key of a concrete path: Graph compares paths case-insensitively.
fn path_key(path: &str) -> String {
    path.to_ascii_lowercase()
}

/// The key of the object `id` in the collection whose key is `collection`.
fn item_key(collection: &str, id: &str) -> String {
    format!("{collection}/{}", encode_segment(id).to_ascii_lowercase())
}

impl Inventory {
    /// An inventory that knows nothing of the server yet, and the ids `suite`'s examples
    /// show in each collection (see [`crate::case::CaseFile::shown_objects`]).
    pub fn documented_by(suite: &Suite) -> Inventory {
        let mut documented: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for case in &suite.cases {
            let own = PathTemplate::parse(&case.path);
            for line in case.request_lines() {
                let alternative = line.text() != own.text();
                for shown in case.shown_objects(&line, alternative) {
                    if let Shown::Item(address, _) | Shown::Addressed(address, _) = shown {
                        let ids = documented.entry(path_key(&address.collection)).or_default();
                        if !ids.contains(&address.key) {
                            ids.push(address.key);
                        }
                    }
                }
            }
        }
        Inventory {
            documented,
            ..Inventory::default()
        }
    }

    /// The first id the suite's examples show in the collection at `collection` that this
    /// run did not delete.
    pub fn documented_id(&self, collection: &str) -> Option<String> {
        let key = path_key(collection);
        let ids = self.documented.get(&key)?;
        ids.iter()
            .find(|id| !self.deleted.contains(&item_key(&key, id)))
            .cloned()
    }

    /// The resource the object at concrete `path` is known to be, when it is not `resource`.
    pub fn other_resource(&self, path: &str, resource: &str) -> Option<&str> {
        let known = self.types.get(&path_key(path))?;
        (known != resource).then_some(known.as_str())
    }

    /// The first id a create of `resource` into the collection template `template` answered.
    pub fn first_created(&self, template: &str, resource: &str) -> Option<&str> {
        self.first_created
            .get(&(template.to_string(), resource.to_string()))
            .map(String::as_str)
    }

    /// Remembers that a create of `resource` at `template` answered `id` (only the first is
    /// kept: it is the object later updates of that create follow).
    pub fn claim_first_created(&mut self, template: &str, resource: &str, id: &str) {
        self.first_created
            .entry((template.to_string(), resource.to_string()))
            .or_insert_with(|| id.to_string());
    }

    /// Remembers that the collection at `collection` holds `id`: created there when
    /// `created` (after the other created ids, before every listed one), else listed; and
    /// that it is a `resource`, when known.
    pub fn know(&mut self, collection: &str, id: &str, created: bool, resource: Option<&str>) {
        let key = path_key(collection);
        let item = item_key(&key, id);
        if let Some(resource) = resource {
            self.types.insert(item.clone(), resource.to_string());
        }
        let members = self.collections.entry(key).or_default();
        if members.add(id, created) && created {
            self.created.insert(item);
        }
    }

    /// Remembers that the collection at `collection` holds `id`, a `resource`, as the run
    /// inferred it from what the pages say (not as a server listed it).
    pub fn know_inferred(&mut self, collection: &str, id: &str, resource: &str) {
        self.know(collection, id, false, Some(resource));
        self.inferred.insert(item_key(&path_key(collection), id));
    }

    /// Tells whether the run only inferred that the collection at `collection` holds `id`.
    pub fn is_inferred(&self, collection: &str, id: &str) -> bool {
        self.inferred.contains(&item_key(&path_key(collection), id))
    }

    /// The first id of the collection at `collection` not deleted and, when `own` names the
    /// resource an operation acts on, not known to be another resource.
    pub fn known_id(&self, collection: &str, own: Option<&str>) -> Option<String> {
        let key = path_key(collection);
        self.collections.get(&key)?.ids.iter().find_map(|id| {
            let item = item_key(&key, id);
            let other = own.is_some_and(|own| self.types.get(&item).is_some_and(|t| t != own));
            (!self.deleted.contains(&item) && !other).then(|| id.clone())
        })
    }

    /// The id of the object at `path` when this run created it.
    pub fn created_here(&self, path: &str) -> Option<String> {
        let key = path_key(path);
        if !self.created.contains(&key) {
            return None;
        }
        let (collection, last) = key.rsplit_once('/')?;
        self.collections
            .get(collection)?
            .created()
            .iter()
            .find(|id| encode_segment(id).eq_ignore_ascii_case(last))
            .cloned()
    }

    /// The objects this run created in the collection at `collection` and did not delete.
    pub fn created_in(&self, collection: &str) -> Vec<String> {
        let key = path_key(collection);
        let Some(members) = self.collections.get(&key) else {
            return Vec::new();
        };
        members
            .created()
            .iter()
            .filter(|id| !self.deleted.contains(&item_key(&key, id)))
            .cloned()
            .collect()
    }

    /// Forgets what the run created in the collection of `path`, and the object `id` there:
    /// a read showed a created object is not there, so the ids the creates answered are not
    /// trusted to address anything (later steps address what the list showed).
    pub fn forget_created_beside(&mut self, path: &str, id: &str) {
        let key = path_key(path);
        let Some((collection, _)) = key.rsplit_once('/') else {
            return;
        };
        let Some(members) = self.collections.get_mut(collection) else {
            return;
        };
        for made in members.forget_created_and(id) {
            self.created.remove(&item_key(collection, &made));
        }
    }

    /// Remembers that the delete of the object at `path` succeeded.
    pub fn deleted(&mut self, path: &str) {
        self.deleted.insert(path_key(path));
    }

    /// Tells whether the delete of the object at `path` succeeded.
    pub fn is_deleted(&self, path: &str) -> bool {
        self.deleted.contains(&path_key(path))
    }

    /// Remembers that the `$ref` add at `path` referenced `id` (and, as an object of the
    /// navigation, that the navigation holds it).
    pub fn referenced(&mut self, path: &str, id: &str) {
        self.references.insert(path_key(path), id.to_string());
        if let Some(navigation) = path.strip_suffix("/$ref") {
            self.know(navigation, id, false, None);
        }
    }

    /// The id the `$ref` add at `path` referenced.
    pub fn reference(&self, path: &str) -> Option<String> {
        self.references.get(&path_key(path)).cloned()
    }

    /// Keeps what the whole list of the collection at `collection` by the list operation
    /// `operation` showed its query cases.
    pub fn sampled(&mut self, collection: &str, operation: &str, sample: ListSample) {
        let key = (path_key(collection), operation.to_string());
        self.samples.insert(key, sample);
    }

    /// What the last whole list of the collection at `collection` by `operation` showed.
    pub fn sample(&self, collection: &str, operation: &str) -> Option<&ListSample> {
        self.samples
            .get(&(path_key(collection), operation.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn inventory(steps: &[(&str, bool, Option<&str>)]) -> Inventory {
        let mut inventory = Inventory::default();
        for (id, created, resource) in steps {
            inventory.know("/Gadgets", id, *created, *resource);
        }
        inventory
    }

    #[rstest]
    #[case::a_created_object_comes_before_a_listed_one(&[("listed", false, None), ("made", true, None)], "made")]
    #[case::creates_keep_their_order(&[("first", true, None), ("second", true, None)], "first")]
    #[case::a_listed_object_serves_when_nothing_was_created(&[("listed", false, None)], "listed")]
    fn known_ids_offer_created_objects_first(
        #[case] steps: &[(&str, bool, Option<&str>)],
        #[case] first: &str,
    ) {
        assert_eq!(
            inventory(steps).known_id("/gadgets", None).as_deref(),
            Some(first)
        );
    }

    #[test]
    fn a_deleted_object_is_never_offered() {
        let mut inventory = inventory(&[("a", true, None), ("b", false, None)]);
        inventory.deleted("/GADGETS/a");
        assert_eq!(inventory.known_id("/gadgets", None).as_deref(), Some("b"));
        assert_eq!(inventory.created_in("/gadgets"), Vec::<String>::new());
    }

    #[test]
    fn an_object_of_another_resource_is_not_offered_for_an_operation_on_its_own() {
        let inventory = inventory(&[("w", true, Some("widget")), ("g", false, Some("gadget"))]);
        assert_eq!(
            inventory.known_id("/gadgets", Some("gadget")).as_deref(),
            Some("g")
        );
        assert_eq!(inventory.known_id("/gadgets", None).as_deref(), Some("w"));
    }

    #[test]
    fn a_missing_created_object_makes_every_created_id_of_its_collection_untrusted() {
        let mut inventory = inventory(&[("a", true, None), ("b", true, None), ("l", false, None)]);
        inventory.forget_created_beside("/gadgets/a", "a");
        assert_eq!(inventory.known_id("/gadgets", None).as_deref(), Some("l"));
        assert_eq!(inventory.created_here("/gadgets/b"), None);
    }

    #[test]
    fn a_created_object_is_found_by_its_path_in_any_case() {
        let inventory = inventory(&[("Ab C", true, None)]);
        assert_eq!(
            inventory.created_here("/GADGETS/ab%20c").as_deref(),
            Some("Ab C")
        );
    }

    #[test]
    fn a_reference_added_is_one_its_navigation_holds() {
        let mut inventory = Inventory::default();
        inventory.referenced("/gadgets/1/owners/$ref", "u1");
        assert_eq!(
            inventory.reference("/Gadgets/1/owners/$ref").as_deref(),
            Some("u1")
        );
        assert_eq!(
            inventory.known_id("/gadgets/1/owners", None).as_deref(),
            Some("u1")
        );
    }
}
