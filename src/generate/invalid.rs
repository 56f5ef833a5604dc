//! Invalid payloads: what the page's contract forbids and every faithful server must reject
//! with a 4xx. Each comes with the table row it breaks.

use super::{FieldKind, Neighbours, PayloadModel};
use serde_json::{Map, Value, json};

/// One invalid request body and what it breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidPayload {
    /// Stable name used in the case id (`state-outside-enum`).
    pub name: String,
    /// What is wrong, as a phrase ("`state` outside its enum").
    pub what: String,
    /// The raw request body (broken JSON is not a `Value`).
    pub body: String,
    /// The property it concerns, or `body`.
    pub key: String,
    /// `file:line:col` of the rule it breaks.
    pub rule: Option<String>,
}

/// Lists the invalid payloads for a request schema, in a fixed order; `neighbours` offers
/// the real values that belong elsewhere in the suite (other enums' members, other
/// resources' types).
pub fn invalid_payloads(
    model: &PayloadModel,
    neighbours: &Neighbours,
    table_rule: Option<String>,
) -> Vec<InvalidPayload> {
    let mut out = Vec::new();
    let own_type = model
        .odata_type
        .as_ref()
        .filter(|_| neighbours.names_own_type);
    for field in &model.fields {
        let rule = field.source.clone();
        let mut push = |suffix: &str, what: String, value: Value| {
            out.push(InvalidPayload {
                name: format!("{}-{suffix}", field.name),
                what,
                body: field_body(own_type, &field.name, value).to_string(),
                key: field.name.clone(),
                rule: rule.clone(),
            });
        };
        match &field.kind {
            FieldKind::Enum(members) if !members.is_empty() => {
                push(
                    "outside-enum",
                    format!("`{}` outside its enum", field.name),
                    json!("notAMember"),
                );
                if let Some(recased) = members
                    .iter()
                    .map(|m| swap_first_case(m))
                    .find(|r| !members.contains(r))
                {
                    let what = format!(
                        "`{}` as \"{recased}\", a member in the wrong case",
                        field.name
                    );
                    push("enum-wrong-case", what, json!(recased));
                }
                for member in neighbours.foreign_members(members) {
                    let what = format!(
                        "`{}` as \"{member}\", a member of another enum of the suite",
                        field.name
                    );
                    push(&format!("other-enum-{member}"), what, json!(member));
                }
                for (suffix, what, value) in near_misses(members) {
                    push(suffix, format!("`{}` as {what}", field.name), json!(value));
                }
            }
            FieldKind::DateTime => {
                let name = &field.name;
                push(
                    "date-no-offset",
                    format!("`{name}` without an offset"),
                    json!("2016-12-31T23:58:36"),
                );
                push(
                    "date-space",
                    format!("`{name}` with a space for `T`"),
                    json!("2016-12-31 23:58:36Z"),
                );
                push(
                    "date-impossible",
                    format!("`{name}` on February 30"),
                    json!("2017-02-30T00:00:00Z"),
                );
            }
            FieldKind::String => {
                let name = &field.name;
                push(
                    "number-for-string",
                    format!("a number for the String `{name}`"),
                    json!(12345),
                );
                push(
                    "boolean-for-string",
                    format!("a boolean for the String `{name}`"),
                    json!(true),
                );
                push(
                    "object-for-string",
                    format!("an object for the String `{name}`"),
                    json!({"value": "x"}),
                );
                push(
                    "array-for-string",
                    format!("an array for the String `{name}`"),
                    json!(["x"]),
                );
            }
            _ => {}
        }
    }
    if model.odata_type.is_some() {
        out.push(InvalidPayload {
            name: "wrong-odata-type".into(),
            what: "an `@odata.type` naming no Graph type".into(),
            body: json!({ "@odata.type": "#microsoft.graph.notARealType" }).to_string(),
            key: "@odata.type".into(),
            rule: table_rule.clone(),
        });
        for foreign in &neighbours.foreign_types {
            out.push(InvalidPayload {
                // a digest, not the type's name: `--only <resource>` must not pick the
                // cases of other operations
                name: format!("foreign-odata-type-{:08x}", fnv1a(foreign)),
                what: format!("the `@odata.type` of another resource of the suite, {foreign}"),
                body: json!({ "@odata.type": foreign }).to_string(),
                key: "@odata.type".into(),
                rule: table_rule.clone(),
            });
        }
    }
    let body_cases = [
        ("array-body", "a JSON array as the body", "[]"),
        ("string-body", "a JSON string as the body", "\"text\""),
        ("number-body", "a JSON number as the body", "42"),
        ("null-body", "a JSON `null` as the body", "null"),
        ("boolean-body", "a JSON `true` as the body", "true"),
        (
            "broken-json",
            "a body that is not JSON",
            "{\"displayName\": ",
        ),
    ];
    for (name, what, body) in body_cases {
        out.push(InvalidPayload {
            name: name.into(),
            what: what.into(),
            body: body.into(),
            key: "body".into(),
            rule: table_rule.clone(),
        });
    }
    out
}

/// Builds the body of a field's invalid payload: the field alone, after the operation's own
/// `@odata.type` when its bodies must name it (so the value is judged by the operation's
/// own table, not another type's of the collection).
fn field_body(own_type: Option<&String>, name: &str, value: Value) -> Value {
    let mut body = Map::new();
    if let Some(odata_type) = own_type {
        body.insert("@odata.type".into(), Value::String(odata_type.clone()));
    }
    body.insert(name.to_string(), value);
    Value::Object(body)
}

/// Returns the near misses of an enum: a member with a trailing space, a member with a
/// prefix, the empty string; each only when it is no member in any letter case.
fn near_misses(members: &[String]) -> Vec<(&'static str, &'static str, String)> {
    let Some(first) = members.iter().find(|m| *m != "unknownFutureValue") else {
        return Vec::new();
    };
    let candidates = [
        (
            "enum-trailing-space",
            "a member with a trailing space",
            format!("{first} "),
        ),
        (
            "enum-prefixed",
            "a member with a prefix",
            format!("x{first}"),
        ),
        ("enum-empty", "the empty string", String::new()),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, value)| !members.iter().any(|m| m.eq_ignore_ascii_case(value)))
        .collect()
}

/// Digests a string in 32 bits (FNV-1a): a stable, short case-id suffix.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

fn swap_first_case(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_fnv1a() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }
}
