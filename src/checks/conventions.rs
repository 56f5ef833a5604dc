//! Graph-wide conventions that no page states: reported as warnings (errors under
//! `--strict`), always labelled as conventions.

use super::{Check, Evidence, Finding};
use crate::secret::Secrets;
use serde_json::{Map, Value};

/// The most bytes of a body an error-shape finding quotes.
const PREVIEW_CAP: usize = 120;

/// Checks that a 4xx body is `{"error": {"code": string, "message": string}}`; the body is
/// quoted scrubbed of `secrets`, then cut.
pub fn error_shape(status: u16, body: &[u8], strict: bool, secrets: &Secrets) -> Option<Finding> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let error = value.as_ref().and_then(|v| v.get("error"));
    let shaped = error.is_some_and(|e| {
        e.get("code").is_some_and(Value::is_string)
            && e.get("message").is_some_and(Value::is_string)
    });
    (!shaped).then(|| {
        let window = body.len().min(PREVIEW_CAP.saturating_add(secrets.reach()));
        let preview = secrets.quote(&String::from_utf8_lossy(&body[..window]), PREVIEW_CAP);
        Finding::new(
            Check::ErrorShape,
            strict,
            "error",
            format!("the {status} error body is not {{\"error\": {{\"code\", \"message\"}}}}: {preview:?}"),
            None,
            Evidence::Body { bytes: body.len() },
        )
    })
}

/// Checks that a success body carries `@odata.type`.
pub fn odata_type_present(body: &Value, strict: bool) -> Option<Finding> {
    (body.get("@odata.type").is_none()).then(|| {
        Finding::new(
            Check::OdataType,
            strict,
            "@odata.type",
            "the response body has no `@odata.type`",
            None,
            Evidence::Value {
                property: "@odata.type".to_string(),
                sent: String::new(),
                got: "nothing".to_string(),
            },
        )
    })
}

/// Checks the answer to a convention case (`check`, sending `what`) that `accepted` said is
/// not the `expected` one.
pub fn convention_breached(
    check: Check,
    what: &str,
    expected: &str,
    status: u16,
    strict: bool,
) -> Finding {
    Finding::new(
        check,
        strict,
        check.code(),
        format!("{what} got {status}, not {expected}"),
        None,
        Evidence::Status {
            expected: expected.to_string(),
            actual: status,
        },
    )
}

/// Checks a success answer to a body that sends one enum property as a member in another
/// letter case (`members` are the property's): when the answer stores the member (or does
/// not say what it stored), the acceptance is this convention's breach, not an invalid value
/// accepted. `None` when the body is no such case.
pub fn enum_case(
    sent: &Map<String, Value>,
    members: impl Fn(&str) -> Option<Vec<String>>,
    status: u16,
    response: Option<&Value>,
    strict: bool,
) -> Option<Finding> {
    if !(200..300).contains(&status) {
        return None;
    }
    let (name, value) = sent.iter().next().filter(|_| sent.len() == 1)?;
    let value = value.as_str()?;
    let members = members(name)?;
    let member = recased_member(&members, value)?;
    let stored = response.and_then(|r| r.get(name.as_str()));
    let told = match stored {
        None => "did not say what it stored".to_string(),
        Some(Value::String(got)) if got == member => format!("stored the member \"{member}\""),
        Some(_) => return None,
    };
    let msg = format!(
        "the server answered {status} to `{name}` as \"{value}\", the member \"{member}\" in another letter case, and {told}; Graph rejects it"
    );
    let evidence = Evidence::Value {
        property: name.clone(),
        sent: Value::String(value.to_string()).to_string(),
        got: stored.map_or_else(|| "nothing".to_string(), Value::to_string),
    };
    Some(Finding::new(
        Check::EnumCase,
        strict,
        name.as_str(),
        msg,
        None,
        evidence,
    ))
}

/// Returns the member `value` spells in another letter case (none when it is a member).
fn recased_member<'m>(members: &'m [String], value: &str) -> Option<&'m str> {
    if members.iter().any(|m| m == value) {
        return None;
    }
    let lower = value.to_lowercase();
    members
        .iter()
        .find(|m| m.to_lowercase() == lower)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn state(name: &str) -> Option<Vec<String>> {
        (name == "state").then(|| vec!["active".to_string(), "inactive".to_string()])
    }

    #[rstest]
    #[case::a_stored_member_in_another_case(json!({"state": "Active"}), Some(json!({"state": "active"})), true)]
    #[case::an_answer_that_does_not_say(json!({"state": "ACTIVE"}), None, true)]
    #[case::a_member_as_written(json!({"state": "active"}), Some(json!({"state": "active"})), false)]
    #[case::a_value_stored_otherwise(json!({"state": "Active"}), Some(json!({"state": "Active"})), false)]
    #[case::not_an_enum(json!({"name": "Active"}), None, false)]
    fn an_enum_member_in_another_letter_case_must_be_rejected(
        #[case] sent: Value,
        #[case] response: Option<Value>,
        #[case] breached: bool,
    ) {
        let sent = sent.as_object().cloned().unwrap();
        let finding = enum_case(&sent, state, 200, response.as_ref(), false);
        assert_eq!(
            finding.map(|f| f.check),
            breached.then_some(Check::EnumCase)
        );
    }
}
