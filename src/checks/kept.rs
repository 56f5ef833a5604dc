//! What a PATCH was not sent must keep its value: comparing the expected state of an object
//! with what an update answered, property by property, as the echo check compares.

use super::values::same_value;
use super::{Check, Evidence, Finding};
use crate::model::Span;
use crate::secret::Secrets;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Reports a property a PATCH of `sent_names` was not sent but changed from `was` (as a
/// message quotes it: scrubbed when the server said it) to `got` (scrubbed here).
pub fn unkept(
    name: String,
    was: String,
    got: &Value,
    sent_names: &[&str],
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Finding {
    let got = secrets.scrub(&got.to_string());
    let msg = format!(
        "`{name}` was not sent, but after a PATCH of {sent_names:?} it is {got}; it was {was} (a PATCH changes only what it is sent)"
    );
    let evidence = Evidence::Value {
        property: name.clone(),
        sent: was,
        got,
    };
    Finding::new(
        Check::Merge,
        strict,
        name,
        msg,
        Some(rule.clone()),
        evidence,
    )
}

/// Returns the properties of `expected` that the PATCH did not send (`sent`) and whose value
/// in `response` is not the expected one, as `(name, expected, got)`. A property the response
/// leaves out is not compared (pages are partial, and `$select` defaults differ), nor one in
/// `skip` (already reported as a schema failure: one root cause).
pub fn unkept_values<'a>(
    expected: impl IntoIterator<Item = (&'a String, &'a Value)>,
    sent: &Map<String, Value>,
    response: &Value,
    skip: &BTreeSet<String>,
    is_date: impl Fn(&str) -> bool,
) -> Vec<(String, Value, Value)> {
    expected
        .into_iter()
        .filter(|(name, _)| !sent.contains_key(*name) && !skip.contains(*name))
        .filter_map(|(name, want)| {
            let got = response.get(name)?;
            (!same_value(want, got, is_date(name)))
                .then(|| (name.clone(), want.clone(), got.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn expected() -> Map<String, Value> {
        json!({ "state": "active", "lastSeen": "2017-01-01T07:58:36Z" })
            .as_object()
            .cloned()
            .unwrap()
    }

    fn unkept(sent: Value, response: Value) -> Vec<String> {
        let sent = sent.as_object().cloned().unwrap();
        unkept_values(&expected(), &sent, &response, &BTreeSet::new(), |n| {
            n == "lastSeen"
        })
        .into_iter()
        .map(|(name, _, _)| name)
        .collect()
    }

    #[rstest]
    #[case::a_reset_unsent_property(json!({"displayName": "a"}), json!({"state": "inactive", "lastSeen": "2017-01-01T07:58:36Z"}), &["state"])]
    #[case::a_kept_date_in_another_offset(json!({"displayName": "a"}), json!({"state": "active", "lastSeen": "2016-12-31T23:58:36-08:00"}), &[])]
    #[case::a_sent_property_is_the_echo_checks_business(json!({"state": "inactive"}), json!({"state": "inactive", "lastSeen": "2017-01-01T07:58:36Z"}), &[])]
    #[case::a_property_the_response_leaves_out(json!({}), json!({"lastSeen": "2017-01-01T07:58:36Z"}), &[])]
    #[case::a_property_reset_to_null(json!({}), json!({"state": null, "lastSeen": "2017-01-01T07:58:36Z"}), &["state"])]
    fn an_update_keeps_what_it_was_not_sent(
        #[case] sent: Value,
        #[case] response: Value,
        #[case] flagged: &[&str],
    ) {
        assert_eq!(unkept(sent, response), flagged);
    }

    #[test]
    fn a_schema_failure_is_not_blamed_again() {
        let skip = BTreeSet::from(["state".to_string()]);
        let response = json!({ "state": "NOT", "lastSeen": "2017-01-01T07:58:36Z" });
        assert!(unkept_values(&expected(), &Map::new(), &response, &skip, |_| false).is_empty());
    }
}
