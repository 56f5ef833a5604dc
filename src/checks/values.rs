//! Comparing what was sent with what came back: DateTimeOffsets as instants (to 100 ns),
//! numbers numerically, everything else exactly.

use crate::format::instant_ticks;
use serde_json::Value;
use std::collections::BTreeSet;

/// Names the JSON type of a value, as messages say it ("a number", "an array").
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Tells whether `got` is the value `sent`, reading strings that are DateTimeOffsets (per
/// `is_date`) as instants.
pub fn same_value(sent: &Value, got: &Value, is_date: bool) -> bool {
    match (sent, got) {
        (Value::String(a), Value::String(b)) if is_date => {
            match (instant_ticks(a), instant_ticks(b)) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            }
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y, is_date))
        }
        _ => sent == got,
    }
}

/// Returns the properties of `sent` that `response` does not echo, skipping annotations and
/// the properties in `skip` (already reported as a schema failure: one root cause).
pub fn echo_mismatches(
    sent: &serde_json::Map<String, Value>,
    response: &Value,
    skip: &BTreeSet<String>,
    is_date: impl Fn(&str) -> bool,
) -> Vec<(String, Value, Value)> {
    sent.iter()
        .filter(|(name, _)| !name.starts_with('@') && !skip.contains(*name))
        .filter_map(|(name, value)| {
            let got = response.get(name).cloned().unwrap_or(Value::Null);
            (!same_value(value, &got, is_date(name))).then(|| (name.clone(), value.clone(), got))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_compare_as_instants() {
        assert!(same_value(
            &json!("2016-12-31T23:58:36.6670033-08:00"),
            &json!("2017-01-01T07:58:36.6670033Z"),
            true
        ));
        assert!(!same_value(
            &json!("2016-12-31T23:58:36.6670033-08:00"),
            &json!("2017-01-01T07:58:36Z"),
            true
        ));
    }

    #[test]
    fn numbers_compare_numerically() {
        assert!(same_value(&json!(1), &json!(1.0), false));
    }
}
