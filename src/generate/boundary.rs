//! Boundary payloads: the edges of the core every faithful server accepts, sent on every run
//! whatever the seed, so that a server failing at an edge (an offset of +14:00, 7 fraction
//! digits, year 0001, an empty or a 4 KiB string, non-ASCII text, any enum member) is caught
//! deterministically rather than by chance.

use super::{FieldKind, PayloadModel};
use serde_json::{Map, Value, json};

/// One single-property body at an edge of the valid core.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPayload {
    /// Stable name used in the case id (`displayName-empty`).
    pub name: String,
    pub body: Map<String, Value>,
}

/// Lists the boundary payloads of a request schema, in a fixed order.
pub fn boundary_payloads(model: &PayloadModel) -> Vec<BoundaryPayload> {
    let mut out = Vec::new();
    for field in model.generated_fields() {
        for (edge, value) in edges(&field.kind) {
            let mut body = Map::new();
            body.insert(field.name.clone(), value);
            out.push(BoundaryPayload {
                name: format!("{}-{edge}", field.name),
                body,
            });
        }
    }
    out
}

fn edges(kind: &FieldKind) -> Vec<(String, Value)> {
    let named =
        |pairs: Vec<(&str, Value)>| pairs.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
    match kind {
        FieldKind::String => named(vec![
            ("empty", json!("")),
            (
                "non-ascii",
                json!("Grüße, 日本語, Ελληνικά, emoji 🎉 and \"quotes\" \\ slash"),
            ),
            ("4-kib", json!("x".repeat(4096))),
        ]),
        FieldKind::DateTime => named(vec![
            ("year-0001", json!("0001-01-01T00:00:00Z")),
            ("year-9999-7-digits", json!("9999-12-31T23:59:59.9999999Z")),
            ("offset-plus-14", json!("2020-02-29T12:00:00.1234567+14:00")),
            ("offset-minus-14", json!("2020-02-29T12:00:00-14:00")),
            ("offset-plus-05-45", json!("2021-06-15T08:30:00.5+05:45")),
        ]),
        FieldKind::Enum(members) => members
            .iter()
            .filter(|m| *m != "unknownFutureValue")
            .map(|m| (format!("member-{m}"), json!(m)))
            .collect(),
        FieldKind::Boolean => named(vec![("true", json!(true)), ("false", json!(false))]),
        FieldKind::Integer { min, max } => {
            let limit = 1i64 << 53;
            named(vec![
                ("min", json!((*min).max(-limit))),
                ("max", json!((*max).min(limit))),
            ])
        }
        _ => Vec::new(),
    }
}
