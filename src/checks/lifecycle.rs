//! What the steps of a resource's lifecycle are held to across requests: a read shows what
//! was written, a deleted object is gone, a `$ref` added is listed and one removed is not.

use super::{Check, Evidence, Finding, same_value};
use crate::model::Span;
use crate::secret::Secrets;
use serde_json::Value;

/// Checks that a read of an object shows every value the run knows it holds (`expected`:
/// property, value, and whether it is a DateTimeOffset, compared as an instant). A property
/// the read leaves out says nothing (a default read may omit it); one it states otherwise
/// is a finding, one per property.
pub fn read_back<'a>(
    expected: impl IntoIterator<Item = (&'a String, &'a Value, bool)>,
    got: &Value,
    what: &str,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Vec<Finding> {
    expected
        .into_iter()
        .filter_map(|(name, want, is_date)| {
            let value = got.get(name)?;
            if same_value(want, value, is_date) {
                return None;
            }
            let shown = secrets.quote(&value.to_string(), super::QUOTE_CAP);
            Some(Finding::new(
                Check::ReadBack,
                strict,
                name.clone(),
                format!("a read after {what} shows `{name}` as {shown}, not {want}"),
                Some(rule.clone()),
                Evidence::Value {
                    property: name.clone(),
                    sent: want.to_string(),
                    got: shown,
                },
            ))
        })
        .collect()
}

/// Checks that a read of the object a run created finds it: a 404 after a create that
/// succeeded is a finding.
pub fn not_found_after_write(
    status: u16,
    what: &str,
    rule: &Span,
    strict: bool,
) -> Option<Finding> {
    (status == 404).then(|| {
        Finding::new(
            Check::ReadBack,
            strict,
            "status",
            format!("a read after {what} answered 404: the object is not there"),
            Some(rule.clone()),
            Evidence::Status {
                expected: "the object".to_string(),
                actual: status,
            },
        )
    })
}

/// Checks that a read of an object after its delete succeeded answers 404.
pub fn gone(status: u16, rule: &Span, strict: bool) -> Option<Finding> {
    (status != 404).then(|| {
        Finding::new(
            Check::Deleted,
            strict,
            "status",
            format!("a read after the delete succeeded answered {status}, not 404"),
            Some(rule.clone()),
            Evidence::Status {
                expected: "404".to_string(),
                actual: status,
            },
        )
    })
}

/// Checks that a `$ref` list holds (`present`) or no longer holds a reference to `id`: an
/// item whose `@odata.id` ends with the id as its last segment (Graph rewrites the URL it
/// was sent, never the id).
pub fn reference(
    items: &[Value],
    id: &str,
    present: bool,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Option<Finding> {
    let names = |item: &Value| {
        item.get("@odata.id")
            .and_then(Value::as_str)
            .and_then(|link| link.trim_end_matches('/').rsplit('/').next())
            .is_some_and(|last| last.eq_ignore_ascii_case(id))
    };
    let holds = items.iter().any(names);
    if holds == present {
        return None;
    }
    let shown = secrets.quote(id, super::QUOTE_CAP);
    let message = if present {
        format!("the $ref list does not hold `{shown}` after its add succeeded")
    } else {
        format!("the $ref list still holds `{shown}` after its remove succeeded")
    };
    Some(Finding::new(
        Check::Reference,
        strict,
        "@odata.id",
        message,
        Some(rule.clone()),
        Evidence::Value {
            property: "@odata.id".to_string(),
            sent: shown,
            got: format!("{} references", items.len()),
        },
    ))
}
