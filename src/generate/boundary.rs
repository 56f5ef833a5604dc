//! Boundary payloads, sent on every run whatever the seed, so that a server failing at an
//! edge is caught deterministically rather than by chance. Two sorts:
//!
//! - edges of the core (an empty string, a 256-character one, non-ASCII text of the Basic
//!   Multilingual Plane, an ordinary offset, any enum member, the ends of an integer range):
//!   every faithful server accepts them;
//! - edges where faithful servers differ (strings over 1,024 characters, supplementary
//!   characters, 7 fraction digits, years 0001 and 9999, offsets of ±14:00): no page states
//!   whether they are accepted, so they are accept-or-reject. A 4xx is a fine answer; a
//!   server that accepts must store the value exactly.

use super::{FieldKind, PayloadModel};
use serde_json::{Map, Value, json};

/// Whether a faithful server must accept a boundary payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// An edge of the core: a faithful server accepts it.
    Required,
    /// An edge no page states: a faithful server accepts it (and stores it exactly) or
    /// rejects it with a 4xx.
    AcceptOrReject,
}

/// One single-property body at an edge. It names its edge rather than holding its value
/// (an edge can be 32 KiB of text, and a plan holds thousands): [`BoundaryPayload::body`]
/// builds the body when it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPayload {
    /// Stable name used in the case id (`displayName-empty`).
    pub name: String,
    pub acceptance: Acceptance,
    field: String,
    kind: FieldKind,
    /// The index of the edge among the kind's.
    edge: usize,
}

impl BoundaryPayload {
    /// The body: the field alone, at its edge.
    pub fn body(&self) -> Map<String, Value> {
        let mut body = Map::new();
        if let Some(edge) = edges(&self.kind).into_iter().nth(self.edge) {
            body.insert(self.field.clone(), edge.value);
        }
        body
    }
}

/// Lists the boundary payloads of a request schema, in a fixed order.
pub fn boundary_payloads(model: &PayloadModel) -> Vec<BoundaryPayload> {
    let mut out = Vec::new();
    for field in model.generated_fields() {
        for (index, edge) in edges(&field.kind).into_iter().enumerate() {
            out.push(BoundaryPayload {
                name: format!("{}-{}", field.name, edge.name),
                acceptance: edge.acceptance,
                field: field.name.clone(),
                kind: field.kind.clone(),
                edge: index,
            });
        }
    }
    out
}

/// One edge value of a kind.
struct Edge {
    name: String,
    value: Value,
    acceptance: Acceptance,
}

fn required(name: &str, value: Value) -> Edge {
    Edge {
        name: name.to_string(),
        value,
        acceptance: Acceptance::Required,
    }
}

fn accept_or_reject(name: &str, value: Value) -> Edge {
    Edge {
        name: name.to_string(),
        value,
        acceptance: Acceptance::AcceptOrReject,
    }
}

fn edges(kind: &FieldKind) -> Vec<Edge> {
    match kind {
        FieldKind::String => string_edges(),
        FieldKind::DateTime => date_time_edges(),
        FieldKind::Enum(members) => members
            .iter()
            .filter(|m| *m != "unknownFutureValue")
            .map(|m| required(&format!("member-{m}"), json!(m)))
            .collect(),
        FieldKind::Boolean => vec![
            required("true", json!(true)),
            required("false", json!(false)),
        ],
        FieldKind::Integer { min, max } => {
            let limit = 1i64 << 53;
            vec![
                required("min", json!((*min).max(-limit))),
                required("max", json!((*max).min(limit))),
            ]
        }
        _ => Vec::new(),
    }
}

fn string_edges() -> Vec<Edge> {
    let core_longest: String = "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(super::valid::CORE_STRING_CHARS)
        .collect();
    // the longest edges first and a short core value last: an update's boundary cases leave
    // each property short again, so the object (read back, listed, answered by every later
    // PATCH) does not keep 37 KiB of edges per string property
    vec![
        accept_or_reject("32-kib", json!("z".repeat(32 * 1024))),
        accept_or_reject("4-kib", json!("x".repeat(4096))),
        accept_or_reject("1025-chars", json!("y".repeat(1025))),
        accept_or_reject("non-bmp", json!("emoji 🎉, math 𝔸, CJK 𠀋")),
        required("empty", json!("")),
        required(
            &format!("{}-chars", core_longest.len()),
            json!(core_longest),
        ),
        required(
            "non-ascii",
            json!("Grüße, 日本語, Ελληνικά, \"quotes\" \\ slash"),
        ),
    ]
}

fn date_time_edges() -> Vec<Edge> {
    vec![
        required("offset-plus-05-45", json!("2021-06-15T08:30:00.5+05:45")),
        required("3-digits", json!("2021-06-15T08:30:00.123Z")),
        accept_or_reject("7-digits", json!("2021-06-15T08:30:00.1234567Z")),
        accept_or_reject("year-0001", json!("0001-01-01T00:00:00Z")),
        accept_or_reject("year-9999-7-digits", json!("9999-12-31T23:59:59.9999999Z")),
        accept_or_reject("offset-plus-14", json!("2020-02-29T12:00:00.1234567+14:00")),
        accept_or_reject("offset-minus-14", json!("2020-02-29T12:00:00-14:00")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn names(kind: FieldKind, acceptance: Acceptance) -> Vec<String> {
        edges(&kind)
            .into_iter()
            .filter(|e| e.acceptance == acceptance)
            .map(|e| e.name)
            .collect()
    }

    #[rstest]
    #[case::long_strings_may_be_rejected(FieldKind::String, "1025-chars")]
    #[case::very_long_strings_may_be_rejected(FieldKind::String, "32-kib")]
    #[case::supplementary_characters_may_be_rejected(FieldKind::String, "non-bmp")]
    #[case::seven_fraction_digits_may_be_rejected(FieldKind::DateTime, "7-digits")]
    #[case::year_0001_may_be_rejected(FieldKind::DateTime, "year-0001")]
    #[case::year_9999_may_be_rejected(FieldKind::DateTime, "year-9999-7-digits")]
    #[case::offset_plus_14_may_be_rejected(FieldKind::DateTime, "offset-plus-14")]
    #[case::offset_minus_14_may_be_rejected(FieldKind::DateTime, "offset-minus-14")]
    fn edges_no_page_states_are_accept_or_reject(#[case] kind: FieldKind, #[case] name: &str) {
        assert!(names(kind, Acceptance::AcceptOrReject).contains(&name.to_string()));
    }

    #[rstest]
    #[case::the_empty_string(FieldKind::String, "empty")]
    #[case::the_longest_core_string(FieldKind::String, "256-chars")]
    #[case::basic_plane_text(FieldKind::String, "non-ascii")]
    #[case::an_ordinary_offset(FieldKind::DateTime, "offset-plus-05-45")]
    #[case::milliseconds(FieldKind::DateTime, "3-digits")]
    #[case::a_boolean(FieldKind::Boolean, "true")]
    fn edges_of_the_core_must_be_accepted(#[case] kind: FieldKind, #[case] name: &str) {
        assert!(names(kind, Acceptance::Required).contains(&name.to_string()));
    }

    #[test]
    fn a_string_property_is_left_at_a_short_core_value() {
        let last = string_edges().pop().expect("string edges");
        assert_eq!(last.acceptance, Acceptance::Required);
        assert!(last.value.as_str().is_some_and(|t| t.len() < 100));
    }

    #[test]
    fn required_string_edges_stay_in_the_core() {
        for edge in string_edges()
            .into_iter()
            .filter(|e| e.acceptance == Acceptance::Required)
        {
            let text = edge.value.as_str().unwrap_or_default().to_string();
            assert!(text.chars().count() <= super::super::valid::CORE_STRING_CHARS);
            assert!(
                text.chars().all(|c| u32::from(c) <= 0xFFFF),
                "{}",
                edge.name
            );
        }
    }
}
