//! Request bodies: parsed, checked against the operation's request schema (with the
//! `accept-*` and `error-on-*` faults deciding what is overlooked or refused), and returned
//! with their DateTimeOffsets normalised to UTC.

use super::contract::{Contract, Operation, Property, Resource};
use super::fault::{Fault, FaultSet};
use super::render::GraphError;
use crate::format::normalise;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Map, Value};

/// The most characters in a string that `error-on-long-string` and `long-strings-rejected`
/// take.
const LONGEST_STRING: usize = 1024;

/// Reads and validates a request body against the operation's request schema; returns the
/// sent properties with DateTimeOffsets normalised to UTC. The `contract` knows the suite's
/// vocabulary, which some faults overlook.
pub(crate) fn read_body(
    contract: &Contract,
    operation: &Operation,
    resource: &Resource,
    body: &[u8],
    faults: FaultSet,
) -> Result<Map<String, Value>, GraphError> {
    let bad = |message: String| GraphError::new(400, "BadRequest", message);
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        Err(_) if faults.has(Fault::AcceptBrokenJson) => Value::Object(Map::new()),
        Err(e) => return Err(bad(format!("The request body is not valid JSON: {e}."))),
    };
    let internal = || {
        GraphError::new(
            500,
            "InternalServerError",
            "An internal server error occurred.",
        )
    };
    if faults.has(Fault::ErrorOnNonAscii) && any_string(&value, &|s| !s.is_ascii()) {
        return Err(internal());
    }
    let long = |s: &str| s.chars().count() > LONGEST_STRING;
    if faults.has(Fault::ErrorOnLongString) && any_string(&value, &long) {
        return Err(internal());
    }
    if faults.has(Fault::LongStringsRejected) && any_string(&value, &long) {
        return Err(bad(format!(
            "The request body holds a string longer than {LONGEST_STRING} characters, the most this service stores."
        )));
    }
    let mut object = match value {
        Value::Object(object) => object,
        Value::Null if faults.has(Fault::NullBodyAccepted) => Map::new(),
        _ if faults.has(Fault::AcceptNonObject) => Map::new(),
        other => {
            return Err(bad(format!(
                "The request body must be a JSON object, not {}.",
                crate::checks::json_kind(&other)
            )));
        }
    };
    if faults.has(Fault::ArrayAcceptedAsString) {
        first_items_for_strings(resource, &mut object);
    }
    let mut instance = Value::Object(object);
    if faults.has(Fault::EnumCaseInsensitive) {
        recase_enum_values(&operation.request, &mut instance);
    }
    let excuses = Excuses { contract, faults };
    if let Some(message) = first_error(&operation.request, &instance, &excuses) {
        return Err(bad(message));
    }
    let Value::Object(mut object) = instance else {
        unreachable!("built as an object above");
    };
    normalise_dates(resource, &mut object, faults)?;
    if faults.has(Fault::NfcNormalizes) {
        object.values_mut().for_each(nfc_in_place);
    }
    Ok(object)
}

/// Rewrites every DateTimeOffset property in UTC; one Graph cannot represent (a leap
/// second, a year outside 0001-9999) is refused unless [`Fault::AcceptInvalidDate`] keeps
/// it as sent.
fn normalise_dates(
    resource: &Resource,
    object: &mut Map<String, Value>,
    faults: FaultSet,
) -> Result<(), GraphError> {
    for (name, value) in object.iter_mut() {
        let Value::String(text) = value else {
            continue;
        };
        if !resource.is_date_time(name) {
            continue;
        }
        match normalise(text) {
            Some(utc) => *text = utc,
            None if faults.has(Fault::AcceptInvalidDate) => {}
            None => {
                let message = format!(
                    "Invalid request body at '/{name}': {text:?} is not a DateTimeOffset \
                     (years 0001-9999, seconds 00-59)."
                );
                return Err(GraphError::new(400, "BadRequest", message));
            }
        }
    }
    Ok(())
}

/// Replaces each enum value that is a member in another letter case by the member (the
/// [`Fault::EnumCaseInsensitive`] leniency, which some faithful servers have).
fn recase_enum_values(validator: &Validator, instance: &mut Value) {
    let recasings: Vec<(String, Value)> = validator
        .iter_errors(instance)
        .flat_map(|e| recasing(&e))
        .collect();
    for (pointer, member) in recasings {
        if let Some(value) = instance.pointer_mut(&pointer) {
            *value = member;
        }
    }
}

/// Returns where an enum error's value is a member in another letter case, and the member.
fn recasing(error: &ValidationError<'_>) -> Vec<(String, Value)> {
    match error.kind() {
        ValidationErrorKind::Enum { options } => {
            let Some(sent) = error.instance().as_str() else {
                return Vec::new();
            };
            let sent = sent.to_lowercase();
            let member = options.as_array().and_then(|members| {
                members
                    .iter()
                    .find(|m| m.as_str().is_some_and(|m| m.to_lowercase() == sent))
            });
            let pointer = error.instance_path().as_str().to_string();
            member
                .map(|m| vec![(pointer, m.clone())])
                .unwrap_or_default()
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context.iter().flatten().flat_map(|e| recasing(e)).collect()
        }
        _ => Vec::new(),
    }
}

/// Rewrites every string in `value` in Unicode Normalization Form C (the
/// [`Fault::NfcNormalizes`] storage, which some faithful servers have).
fn nfc_in_place(value: &mut Value) {
    use unicode_normalization::UnicodeNormalization;
    match value {
        Value::String(text) => *text = text.nfc().collect(),
        Value::Array(items) => items.iter_mut().for_each(nfc_in_place),
        Value::Object(map) => map.values_mut().for_each(nfc_in_place),
        _ => {}
    }
}

/// Replaces each array of strings sent for a plain String property by its first item (the
/// [`Fault::ArrayAcceptedAsString`] coercion).
fn first_items_for_strings(resource: &Resource, object: &mut Map<String, Value>) {
    for (name, value) in object.iter_mut() {
        let text = resource.property(name).is_some_and(Property::is_text);
        if let Value::Array(items) = value
            && text
            && items.iter().all(Value::is_string)
            && let Some(first) = items.first().cloned()
        {
            *value = first;
        }
    }
}

/// What the active faults make the validator overlook, and the suite they judge by.
struct Excuses<'a> {
    contract: &'a Contract,
    faults: FaultSet,
}

/// Returns the first validation error the active faults do not excuse, as a message.
fn first_error(validator: &Validator, instance: &Value, excuses: &Excuses) -> Option<String> {
    let error = validator
        .iter_errors(instance)
        .find(|e| !excused(e, excuses))?;
    let path = error.instance_path().as_str();
    Some(if path.is_empty() {
        format!("Invalid request body: {error}.")
    } else {
        format!("Invalid request body at '{path}': {error}.")
    })
}

/// Tells whether an `accept-*` (or `*-accepted`) fault makes the validator overlook `error`.
fn excused(error: &ValidationError<'_>, excuses: &Excuses) -> bool {
    let Excuses { contract, faults } = *excuses;
    let nested = !error.instance_path().is_empty();
    let instance = error.instance().as_str();
    match error.kind() {
        ValidationErrorKind::Type { .. } => faults.has(Fault::AcceptWrongType) && nested,
        ValidationErrorKind::Enum { .. } => {
            faults.has(Fault::AcceptInvalidEnum)
                || (faults.has(Fault::EnumAcceptsForeignMember)
                    && instance.is_some_and(|v| contract.vocabulary.is_enum_member(v)))
        }
        ValidationErrorKind::Constant { .. } => {
            faults.has(Fault::ForeignOdataTypeAccepted)
                && error.instance_path().as_str() == "/@odata.type"
                && instance.is_some_and(|t| contract.vocabulary.is_resource_type(t))
        }
        ValidationErrorKind::Format { format } => {
            format == "date-time" && faults.has(Fault::AcceptInvalidDate)
        }
        ValidationErrorKind::AdditionalProperties { .. }
        | ValidationErrorKind::UnevaluatedProperties { .. } => {
            faults.has(Fault::AcceptUnknownProperty)
        }
        ValidationErrorKind::FalseSchema => faults.has(Fault::AcceptUnknownProperty) && nested,
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
                .iter()
                .any(|branch| branch.iter().all(|e| excused(e, excuses)))
        }
        _ => false,
    }
}

/// Tells whether any string (key or value) in `value` satisfies `test`.
fn any_string(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|v| any_string(v, test)),
        Value::Object(map) => map.iter().any(|(k, v)| test(k) || any_string(v, test)),
        _ => false,
    }
}
