//! The suite's vocabulary: every string enum its schemas list and every resource's
//! `@odata.type` with the collection it lives in. Read once per run; it tells one operation
//! which real values belong elsewhere (another enum's member, another resource's type) and
//! whether its collection serves one type or several.

use crate::case::CaseFile;
use crate::model::OperationKind;
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
        Vocabulary {
            enums: Arc::new(enums.into_iter().collect()),
            homes,
        }
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
        let shared_collection = sharing.iter().any(|r| *r != case.resource);
        Neighbours {
            enums: Arc::clone(&self.enums),
            foreign_types: foreign,
            shared_collection,
            names_own_type: shared_collection && case.kind == OperationKind::Create,
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

/// Returns the shape of the collection an operation acts on (`/a/{}/b`), placeholders
/// unnamed, so that two pages naming the same placeholder differently share it.
fn collection_shape(case: &CaseFile) -> Option<String> {
    let template = PathTemplate::parse(&case.path);
    let collection = match case.kind {
        OperationKind::Create | OperationKind::List => case.path.as_str(),
        OperationKind::Update
        | OperationKind::Get
        | OperationKind::Replace
        | OperationKind::Delete => template.collection()?,
        OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return None,
    };
    Some(PathTemplate::parse(collection).shape())
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
