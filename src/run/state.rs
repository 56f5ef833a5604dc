//! The state each object is expected to be in across the requests of its chain: what its
//! create answered, then, after every update, what the update was sent and echoed. A PATCH
//! changes only what it is sent, so what the model holds for a property a PATCH was not sent
//! is what the answer must show (see [`crate::checks::unkept_values`]).
//!
//! The model holds only what is certain: a property an answer misstated, a request that got
//! no success, or a request the suite does not follow (a case that must be rejected, which
//! a faulty server may accept) makes what it touched unknown, never guessed.

use crate::checks::same_value;
use serde_json::{Map, Value};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

/// Who wrote an expected value: a message quotes the server's words only scrubbed of secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The suite sent it (and the server echoed it).
    Sent,
    /// The server answered it to the create (a default the create was not sent).
    Answered,
}

/// One property's expected value.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub value: Value,
    pub source: Source,
}

/// The expected values of one object's properties (those known).
pub type ObjectState = BTreeMap<String, Known>;

/// The expected state of every object a chain touches.
#[derive(Debug, Default)]
pub struct ObjectStates {
    /// What the create of each object later updates use answered, by id; `None` once a
    /// second create answered the same id (which of them the object is, is not known).
    created: BTreeMap<String, Option<ObjectState>>,
    /// The expected state of each object by request path, from its first update on.
    objects: BTreeMap<String, ObjectState>,
}

impl ObjectStates {
    /// Records what the create of the object `id` answered.
    pub fn created(&mut self, id: &str, answer: ObjectState) {
        match self.created.entry(id.to_string()) {
            Entry::Vacant(vacant) => {
                vacant.insert(Some(answer));
            }
            Entry::Occupied(mut occupied) => {
                occupied.insert(None);
            }
        }
    }

    /// Returns the expected state of the object at `path`. The first time, it is what the
    /// create of `id` (when this run created it) answered of the properties `writable`
    /// accepts; an object this run did not create starts unknown.
    pub fn expected(
        &mut self,
        path: &str,
        id: Option<&str>,
        writable: impl Fn(&str) -> bool,
    ) -> &ObjectState {
        let created = &self.created;
        self.objects.entry(path.to_string()).or_insert_with(|| {
            let answer = id.and_then(|id| created.get(id)).cloned().flatten();
            answer
                .unwrap_or_default()
                .into_iter()
                .filter(|(name, _)| writable(name))
                .collect()
        })
    }

    /// Follows an update of the object at `path` that was sent `sent` and answered
    /// `response` (none when it got no success body): a sent property the answer echoes
    /// is now expected, any other sent property and every property in `changed` (which the
    /// update changed although not sent) is unknown.
    pub fn updated(
        &mut self,
        path: &str,
        sent: &Map<String, Value>,
        response: Option<&Value>,
        changed: &BTreeSet<String>,
        is_date: impl Fn(&str) -> bool,
    ) {
        let state = self.objects.entry(path.to_string()).or_default();
        for name in changed {
            state.remove(name);
        }
        for (name, value) in sent.iter().filter(|(name, _)| !name.starts_with('@')) {
            let echoed = response
                .and_then(|r| r.get(name))
                .is_some_and(|got| same_value(value, got, is_date(name)));
            if echoed {
                let known = Known {
                    value: value.clone(),
                    source: Source::Sent,
                };
                state.insert(name.clone(), known);
            } else {
                state.remove(name);
            }
        }
    }

    /// Returns the values the run sent to the object at `path` (or, before any update, to
    /// the create of `id`) that it knows the object holds, without starting its state.
    pub fn sent_values(&self, path: &str, id: Option<&str>) -> ObjectState {
        let state = match self.objects.get(path) {
            Some(state) => Some(state.clone()),
            None => id.and_then(|id| self.created.get(id)).cloned().flatten(),
        };
        let mut state = state.unwrap_or_default();
        state.retain(|_, known| known.source == Source::Sent);
        state
    }

    /// Follows a write of the object at `path` that succeeded without a body to tell what
    /// it stored (a 204): what it was sent is what the object now holds.
    pub fn stored(&mut self, path: &str, sent: &Map<String, Value>) {
        let state = self.objects.entry(path.to_string()).or_default();
        for (name, value) in sent.iter().filter(|(name, _)| !name.starts_with('@')) {
            let known = Known {
                value: value.clone(),
                source: Source::Sent,
            };
            state.insert(name.clone(), known);
        }
    }

    /// Makes the state of the object at `path` unknown: a request the model does not follow
    /// may have changed it.
    pub fn forget(&mut self, path: &str) {
        self.objects.insert(path.to_string(), ObjectState::new());
    }
}

/// Returns what a create answered as an object's state: every property of `response` except
/// annotations and those in `skip` (schema failures), a sent property only when echoed.
pub fn answered_state(
    sent: &Map<String, Value>,
    response: &Value,
    skip: &BTreeSet<String>,
    is_date: impl Fn(&str) -> bool,
) -> ObjectState {
    let Some(answer) = response.as_object() else {
        return ObjectState::new();
    };
    answer
        .iter()
        .filter(|(name, _)| !name.starts_with('@') && !skip.contains(*name))
        .filter_map(|(name, got)| {
            let known = match sent.get(name) {
                Some(value) if same_value(value, got, is_date(name)) => Known {
                    value: value.clone(),
                    source: Source::Sent,
                },
                Some(_) => return None,
                None => Known {
                    value: got.clone(),
                    source: Source::Answered,
                },
            };
            Some((name.clone(), known))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn values(state: &ObjectState) -> Value {
        Value::Object(
            state
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
        )
    }

    const PATH: &str = "/things/1";

    fn created_then_expected(states: &mut ObjectStates) -> Value {
        values(states.expected(PATH, Some("1"), |n| n != "readOnly"))
    }

    #[test]
    fn an_object_starts_as_its_create_answered_it() {
        let mut states = ObjectStates::default();
        let sent = map(json!({ "name": "a", "odd": "x" }));
        let answer = json!({ "@odata.type": "#t", "id": "1", "name": "a", "odd": "y", "state": "on", "readOnly": 1 });
        let skip = BTreeSet::from(["id".to_string()]);
        states.created("1", answered_state(&sent, &answer, &skip, |_| false));
        assert_eq!(
            created_then_expected(&mut states),
            json!({ "name": "a", "state": "on" })
        );
    }

    #[test]
    fn an_id_two_creates_answered_starts_unknown() {
        let mut states = ObjectStates::default();
        let answer = json!({ "state": "on" });
        let none = BTreeSet::new();
        states.created("1", answered_state(&Map::new(), &answer, &none, |_| false));
        states.created("1", answered_state(&Map::new(), &answer, &none, |_| false));
        assert_eq!(created_then_expected(&mut states), json!({}));
    }

    #[test]
    fn an_update_adds_what_it_echoed_and_forgets_the_rest() {
        let mut states = ObjectStates::default();
        let answer = json!({ "state": "on", "kept": 1, "reset": 2 });
        let none = BTreeSet::new();
        states.created("1", answered_state(&Map::new(), &answer, &none, |_| false));
        created_then_expected(&mut states);
        let sent = map(json!({ "name": "b", "state": "off" }));
        let response = json!({ "name": "b", "state": "OFF" });
        let changed = BTreeSet::from(["reset".to_string()]);
        states.updated(PATH, &sent, Some(&response), &changed, |_| false);
        assert_eq!(
            created_then_expected(&mut states),
            json!({ "name": "b", "kept": 1 })
        );
        states.updated(PATH, &map(json!({ "kept": 3 })), None, &none, |_| false);
        assert_eq!(created_then_expected(&mut states), json!({ "name": "b" }));
    }

    #[test]
    fn a_forgotten_object_is_not_seeded_again_from_its_create() {
        let mut states = ObjectStates::default();
        let none = BTreeSet::new();
        let answer = json!({ "state": "on" });
        states.created("1", answered_state(&Map::new(), &answer, &none, |_| false));
        states.forget(PATH);
        assert_eq!(created_then_expected(&mut states), json!({}));
    }
}
