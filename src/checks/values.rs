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

/// Returns `value` with every string in Unicode Normalization Form C.
pub fn nfc(value: &Value) -> Value {
    use unicode_normalization::UnicodeNormalization;
    match value {
        Value::String(text) => Value::String(text.nfc().collect()),
        Value::Array(items) => Value::Array(items.iter().map(nfc).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), nfc(v))).collect()),
        other => other.clone(),
    }
}

/// Tells whether `got` is not what was `sent` but is its NFC normalisation: a server that
/// stores strings normalised (a convention breach, not a changed value).
pub fn is_nfc_of(sent: &Value, got: &Value, is_date: bool) -> bool {
    let normalised = nfc(sent);
    normalised != *sent && same_value(&normalised, got, is_date)
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
    use rstest::rstest;
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

    #[rstest]
    #[case::a_composed_accent(json!("e\u{301}"), json!("\u{e9}"), true)]
    #[case::composed_strings_in_an_array(json!(["A\u{30a}"]), json!(["\u{c5}"]), true)]
    #[case::a_string_sent_in_nfc_and_changed(json!("\u{e9}"), json!("e"), false)]
    #[case::another_change_of_a_denormalised_string(json!("e\u{301}x"), json!("\u{e9}"), false)]
    #[case::the_decomposition_of_a_composed_string(json!("\u{e9}"), json!("e\u{301}"), false)]
    #[case::an_exact_echo(json!("e\u{301}"), json!("e\u{301}"), false)]
    fn only_the_nfc_form_of_what_was_sent_is_a_normalisation(
        #[case] sent: Value,
        #[case] got: Value,
        #[case] normalised: bool,
    ) {
        assert_eq!(is_nfc_of(&sent, &got, false), normalised);
    }

    #[test]
    fn numbers_compare_numerically() {
        assert!(same_value(&json!(1), &json!(1.0), false));
    }
}
