//! The suite's vocabulary: every string enum its schemas list and every resource's
//! `@odata.type` with the collection it lives in. Read once per run; it tells one operation
//! which real values belong elsewhere (another enum's member, another resource's type) and
//! whether its collection serves one type or several.

use crate::case::CaseFile;
use crate::model::{OperationKind, ResponseBody};
use crate::path_template::PathTemplate;
use crate::suite::Suite;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The sentinel member of evolvable enums: accepted or not by any enum, never a foreign value.
const SENTINEL: &str = "unknownFutureValue";

/// At most this many foreign values of one kind per property: the most related first.
const MAX_FOREIGN: usize = 8;

/// A resource of the suite and the collection (path shape) it lives in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Home {
    resource: String,
    odata_type: Option<String>,
    collection: Option<String>,
}

/// Every enum and every resource type of a suite.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Each distinct string enum, as its sorted members (shared by every operation's
    /// [`Neighbours`]).
    enums: Arc<Vec<Vec<String>>>,
    homes: BTreeSet<Home>,
    /// Each resource with the shape of every collection a request line addresses it in
    /// (`/a/{}/b` for `POST /a/{aId}/b` and `GET /a/{aId}/b/{bId}`).
    collections: BTreeSet<(String, String)>,
    /// The family of each resource that shares a collection with another (the first, by
    /// name, of the resources linked to it through shared collections).
    families: BTreeMap<String, String>,
}

/// Where the object an action answers joins a collection of its resource, by the action's
/// request line: an action sent to the collection itself (`POST .../worksheets`), or bound
/// to it (`POST .../tables/add`). Its answer is then an object of that collection, which
/// later operations on the collection's items can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joins {
    Itself,
    Parent,
}

impl Joins {
    /// The concrete collection the object answered at concrete `path` joins.
    pub fn collection(self, path: &str) -> &str {
        match self {
            Joins::Itself => path,
            Joins::Parent => path.rsplit_once('/').map_or(path, |(head, _)| head),
        }
    }

    /// The template of the collection the object answered at `template` joins.
    pub fn template(self, template: &PathTemplate) -> Option<PathTemplate> {
        match self {
            Joins::Itself => Some(template.clone()),
            Joins::Parent => template.parent(),
        }
    }
}

/// What the rest of the suite tells about one operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbours {
    /// Each string enum of the suite, as its members.
    pub enums: Arc<Vec<Vec<String>>>,
    /// The `@odata.type` of the suite's resources that live in other collections, the most
    /// related (longest common ending with the operation's own type) first.
    pub foreign_types: Vec<String>,
    /// Whether other resources of the suite share the operation's collection (a
    /// polymorphic collection: a create must then say which type it makes).
    pub shared_collection: bool,
    /// Whether every body must name the operation's own `@odata.type`: a create into a
    /// shared collection, where an untyped body may be judged as another type of the
    /// collection (one whose enum has the member, whose property is an array).
    pub names_own_type: bool,
    /// Where the object the operation (an action) answers joins a collection, if it does.
    pub joins: Option<Joins>,
}

impl Vocabulary {
    /// Reads the enums of every schema document and the home of every case's resource.
    pub fn of(suite: &Suite) -> Vocabulary {
        let mut enums = BTreeSet::new();
        for document in suite.schemas.values() {
            collect_enums(document, &mut enums);
        }
        let by_id: BTreeMap<&str, &Value> = suite
            .schemas
            .values()
            .filter_map(|doc| Some((doc.get("$id")?.as_str()?, doc)))
            .collect();
        let homes = suite
            .cases
            .iter()
            .map(|case| Home {
                resource: case.resource.clone(),
                odata_type: own_type(&by_id, &case.request_schema),
                collection: collection_shape(case),
            })
            .collect();
        let collections = suite
            .cases
            .iter()
            .flat_map(|case| {
                let held = item_collections(case);
                held.into_iter().map(|shape| (case.resource.clone(), shape))
            })
            .collect();
        let families = families(&collections);
        Vocabulary {
            enums: Arc::new(enums.into_iter().collect()),
            homes,
            collections,
            families,
        }
    }

    /// Returns the first resource (by name) a request line addresses in the collection of
    /// shape `shape` (`/a/{}/b`), if any.
    pub fn resource_in(&self, shape: &str) -> Option<&str> {
        let held = self.collections.iter().find(|(_, s)| s == shape);
        held.map(|(resource, _)| resource.as_str())
    }

    /// Names the family of `resource`: the resources linked to it by sharing collections
    /// (`deviceConfigurations` holds a dozen types) are one family, named by its first
    /// member; a resource that shares none is its own. The operations of a family change
    /// each other's objects, so a run keeps them in one chain.
    pub fn family<'a>(&'a self, resource: &'a str) -> &'a str {
        self.families.get(resource).map_or(resource, String::as_str)
    }

    /// Tells where the object an action answers joins a collection: the action answers one
    /// object of its own resource, and its request line is (or is bound to) a collection a
    /// request line of the suite addresses that resource in. `None` for every other case.
    pub fn joins(&self, case: &CaseFile) -> Option<Joins> {
        let ResponseBody::Resource { name } = &case.response else {
            return None;
        };
        if case.kind != OperationKind::Action || *name != case.resource {
            return None;
        }
        let template = PathTemplate::parse(&case.path);
        let holds = |t: &PathTemplate| {
            let key = (case.resource.clone(), t.shape());
            self.collections.contains(&key)
        };
        [Joins::Itself, Joins::Parent]
            .into_iter()
            .find(|joins| joins.template(&template).is_some_and(|t| holds(&t)))
    }

    /// Returns what the rest of the suite tells about `case`.
    pub fn neighbours(&self, case: &CaseFile) -> Neighbours {
        let collection = collection_shape(case);
        let own = self
            .homes
            .iter()
            .find(|h| h.resource == case.resource)
            .and_then(|h| h.odata_type.clone())
            .unwrap_or_default();
        let sharing: BTreeSet<&str> = self
            .homes
            .iter()
            .filter(|h| collection.is_some() && h.collection == collection)
            .map(|h| h.resource.as_str())
            .collect();
        let mut foreign: Vec<String> = self
            .homes
            .iter()
            .filter(|h| !sharing.contains(h.resource.as_str()) && h.resource != case.resource)
            .filter_map(|h| h.odata_type.clone())
            .filter(|t| *t != own)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        foreign.sort_by_key(|t| std::cmp::Reverse(common_ending(t, &own)));
        foreign.truncate(MAX_FOREIGN);
        // kept by every operation's plan: not the room of all the suite's types
        foreign.shrink_to_fit();
        let shared_collection = sharing.iter().any(|r| *r != case.resource);
        Neighbours {
            enums: Arc::clone(&self.enums),
            foreign_types: foreign,
            shared_collection,
            names_own_type: shared_collection && case.kind == OperationKind::Create,
            joins: self.joins(case),
        }
    }

    /// Tells whether `value` is a member of some enum of the suite (the sentinel aside).
    pub fn is_enum_member(&self, value: &str) -> bool {
        value != SENTINEL && self.enums.iter().any(|e| e.iter().any(|m| m == value))
    }

    /// Tells whether `odata_type` is the type of a resource of the suite.
    pub fn is_resource_type(&self, odata_type: &str) -> bool {
        self.homes
            .iter()
            .any(|h| h.odata_type.as_deref() == Some(odata_type))
    }
}

impl Neighbours {
    /// Lists the members of the suite's other enums that are not members of `members` (in
    /// no letter case), the sentinel aside: members of enums sharing a member with this one
    /// first (the likeliest confusions), at most [`MAX_FOREIGN`].
    pub fn foreign_members(&self, members: &[String]) -> Vec<String> {
        let own = |m: &str| members.iter().any(|o| o.eq_ignore_ascii_case(m));
        let mut ranked: Vec<(usize, &String)> = Vec::new();
        for other in self.enums.iter() {
            let shared = other.iter().filter(|m| own(m)).count();
            for member in other.iter().filter(|m| !own(m) && *m != SENTINEL) {
                ranked.push((shared, member));
            }
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, member) in ranked {
            if !out.contains(member) && out.len() < MAX_FOREIGN {
                out.push(member.clone());
            }
        }
        out
    }
}

/// Adds every string enum found anywhere in `schema` (sorted members) to `enums`.
fn collect_enums(schema: &Value, enums: &mut BTreeSet<Vec<String>>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get("enum") {
                let mut strings: Vec<String> = members
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect();
                strings.sort();
                strings.dedup();
                if !strings.is_empty() {
                    enums.insert(strings);
                }
            }
            for (key, value) in map {
                if !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    collect_enums(value, enums);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_enums(v, enums)),
        _ => {}
    }
}

/// Reads the `@odata.type` constant of the request schema `reference` points at.
fn own_type(by_id: &BTreeMap<&str, &Value>, reference: &str) -> Option<String> {
    let (id, pointer) = reference.split_once('#')?;
    let schema = by_id.get(id)?.pointer(pointer)?;
    let constant = schema.pointer("/properties/@odata.type/const")?;
    constant.as_str().map(str::to_string)
}

/// Returns the shape of the collection an operation acts on at its own path (`/a/{}/b`),
/// placeholders unnamed, so that two pages naming the same placeholder differently share it.
fn collection_shape(case: &CaseFile) -> Option<String> {
    collection_at(case.kind, &PathTemplate::parse(&case.path))
}

/// Returns the shape of the collection an operation of `kind` acts on at request line
/// `line`: a create's or a list's line, an item line's collection; `None` for the others.
fn collection_at(kind: OperationKind, line: &PathTemplate) -> Option<String> {
    match kind {
        OperationKind::Create | OperationKind::List => Some(line.shape()),
        OperationKind::Update
        | OperationKind::Get
        | OperationKind::Replace
        | OperationKind::Delete => line.collection().map(|c| PathTemplate::parse(c).shape()),
        OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => None,
    }
}

/// Links the resources that share a collection into families (see [`Vocabulary::family`]).
fn families(collections: &BTreeSet<(String, String)>) -> BTreeMap<String, String> {
    let mut by_shape: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (resource, shape) in collections {
        by_shape.entry(shape).or_default().push(resource);
    }
    let mut family: BTreeMap<String, String> = BTreeMap::new();
    let root = |family: &BTreeMap<String, String>, mut r: String| {
        while let Some(up) = family.get(&r).filter(|up| **up != r) {
            r = up.clone();
        }
        r
    };
    for sharing in by_shape.values().filter(|s| s.len() > 1) {
        for pair in sharing.windows(2) {
            let (a, b) = (
                root(&family, pair[0].to_string()),
                root(&family, pair[1].to_string()),
            );
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            family.insert(first.clone(), first.clone());
            family.insert(second, first);
        }
    }
    let members: Vec<String> = family.keys().cloned().collect();
    members
        .into_iter()
        .map(|m| {
            let named = root(&family, m.clone());
            (m, named)
        })
        .collect()
}

/// Returns the shapes of the collections a case's request lines address its resource in
/// (see [`collection_at`]).
fn item_collections(case: &CaseFile) -> Vec<String> {
    let lines = case.request_lines();
    lines
        .iter()
        .filter_map(|l| collection_at(case.kind, l))
        .collect()
}

/// Counts the characters two types end with in common, in any ASCII letter case.
fn common_ending(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neighbours(enums: &[&[&str]]) -> Neighbours {
        Neighbours {
            enums: Arc::new(
                enums
                    .iter()
                    .map(|e| e.iter().map(|m| m.to_string()).collect())
                    .collect(),
            ),
            ..Neighbours::default()
        }
    }

    fn strings(members: &[&str]) -> Vec<String> {
        members.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn foreign_members_are_other_enums_members_in_no_case_of_this_one() {
        let n = neighbours(&[
            &["active", "error", "inactive"],
            &["none", "active", "inactive"],
            &["Active", "Blocked", "unknownFutureValue"],
        ]);
        let foreign = n.foreign_members(&strings(&["none", "active", "inactive"]));
        assert_eq!(foreign, strings(&["error", "Blocked"]));
    }

    #[test]
    fn foreign_members_are_capped_most_related_first() {
        let unrelated: Vec<String> = (0..20).map(|i| format!("m{i:02}")).collect();
        let unrelated: Vec<&str> = unrelated.iter().map(String::as_str).collect();
        let n = neighbours(&[&unrelated, &["on", "paused"]]);
        let foreign = n.foreign_members(&strings(&["on", "off"]));
        assert_eq!(foreign.len(), MAX_FOREIGN);
        assert_eq!(foreign[0], "paused");
    }

    #[test]
    fn enums_are_read_from_any_depth_but_not_from_data() {
        let mut enums = BTreeSet::new();
        let schema = serde_json::json!({
            "properties": {
                "a": {"anyOf": [{"type": "string", "enum": ["y", "x"]}, {"type": "null"}]},
                "b": {"const": {"enum": ["data"]}},
            }
        });
        collect_enums(&schema, &mut enums);
        assert_eq!(
            enums.into_iter().collect::<Vec<_>>(),
            vec![strings(&["x", "y"])]
        );
    }
}
