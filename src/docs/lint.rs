//! Checks a page's examples against the page's own property table.
//!
//! The table is the contract; an example that breaks it (an enum value outside the listed
//! members, a number where a String belongs, a malformed DateTimeOffset, a foreign
//! `@odata.type`) is a documentation defect: a warning on the line of the offending value,
//! recorded with the example so that later stages never take it as a positive example.

use crate::diagnostic::{Code, Diagnostic};
use crate::format::{Strictness, is_date_time_offset};
use crate::model::{EdmType, Example, Property, ResponseBody, Span, Status};
use serde_json::Value;

/// The page an example is checked against.
pub struct PageContract<'a> {
    pub file: &'a str,
    pub lines: &'a [&'a str],
    pub resource: &'a str,
    /// The table's properties by name.
    pub properties: std::collections::HashMap<&'a str, &'a Property>,
    /// The page's table describes the resource, so bodies are checked against it.
    pub checks_properties: bool,
    /// What the page's words say a successful response carries.
    pub response: &'a ResponseBody,
    pub status: &'a Status,
}

/// Checks `example` against the page and records what it finds in `example.findings`.
pub fn check_example(page: &PageContract, example: &mut Example) {
    let mut findings = Vec::new();
    let request_line = example.request.span.line;
    if let Some(body) = &example.request.body
        && page.checks_properties
    {
        check_body(page, body, request_line, &mut findings);
    }
    if let Some(response) = &example.response {
        if response.status != page.status.code {
            let msg = format!(
                "the example response is `{} {}` but the page documents `{} {}`",
                response.status, response.reason, page.status.code, page.status.reason
            );
            findings.push(Diagnostic::new(
                Code::ExampleStatus,
                response.span.clone(),
                msg,
            ));
        }
        if let Some(body) = &response.body {
            if let Some(message) = shape_problem(page.response, body) {
                let span = Span::new(page.file, response.span.line, 1);
                findings.push(Diagnostic::new(Code::ExampleShape, span, message));
            } else if page.checks_properties {
                check_body(page, body, response.span.line, &mut findings);
            }
        }
    }
    example.findings = findings;
}

/// Says how an example response body disagrees with the shape the page's words state
/// (an object, a `{"value": [...]}` collection), or nothing.
fn shape_problem(stated: &ResponseBody, body: &Value) -> Option<String> {
    let wrapped = body.get("value");
    match stated {
        ResponseBody::Resource { name } if wrapped.is_some_and(Value::is_object) => Some(format!(
            "the example wraps one object in `{{\"value\": {{...}}}}` but the page says the call returns a `{name}` object; the contract is the object"
        )),
        ResponseBody::Resource { name } if !body.is_object() => Some(format!(
            "the example response is not a JSON object but the page says the call returns a `{name}` object"
        )),
        ResponseBody::Collection { name } if !wrapped.is_some_and(Value::is_array) => {
            Some(format!(
                "the example response has no `value` array but the page says the call returns a collection of `{name}`"
            ))
        }
        ResponseBody::Resource { .. }
        | ResponseBody::Collection { .. }
        | ResponseBody::None
        | ResponseBody::Primitive { .. }
        | ResponseBody::Stream => None,
    }
}

fn check_body(page: &PageContract, body: &Value, from_line: u32, out: &mut Vec<Diagnostic>) {
    let Some(object) = body.as_object() else {
        let span = Span::new(page.file, from_line, 1);
        out.push(Diagnostic::new(
            Code::ExampleType,
            span,
            "the example body is not a JSON object",
        ));
        return;
    };
    for (key, value) in object {
        if let Some((code, message)) = check_member(page, key, value) {
            out.push(Diagnostic::new(code, locate(page, key, from_line), message));
        }
    }
}

fn check_member(page: &PageContract, key: &str, value: &Value) -> Option<(Code, String)> {
    if key == "@odata.type" {
        let expected = format!("#microsoft.graph.{}", page.resource);
        return (value.as_str() != Some(expected.as_str())).then(|| {
            (
                Code::ExampleOdataType,
                format!("`@odata.type` is {value} but the page documents `{expected}`"),
            )
        });
    }
    if key.contains('@') {
        return None;
    }
    let Some(property) = page.properties.get(key).copied() else {
        return Some((
            Code::ExampleUnlistedProperty,
            format!("`{key}` is not in the page's property table"),
        ));
    };
    check_value(property, &property.ty, value)
}

fn check_value(property: &Property, ty: &EdmType, value: &Value) -> Option<(Code, String)> {
    let name = &property.name;
    let wrong_type = || {
        Some((
            Code::ExampleType,
            format!(
                "`{name}` is {value} but the page types it `{}`",
                ty.display_name()
            ),
        ))
    };
    match (ty, value) {
        (_, Value::Null) => None,
        (EdmType::Collection(inner), Value::Array(items)) => items
            .iter()
            .find_map(|item| check_value(property, inner, item)),
        (EdmType::Collection(_), _) => wrong_type(),
        (EdmType::Enum(_), Value::String(s)) => check_member_value(property, s),
        (EdmType::DateTimeOffset, Value::String(s)) => {
            (!is_date_time_offset(s, Strictness::Rfc3339)).then(|| {
                (
                    Code::ExampleFormat,
                    format!("`{name}` is \"{s}\", not a DateTimeOffset (RFC 3339 with an offset)"),
                )
            })
        }
        (EdmType::Named(_), _) => None,
        (ty, value) if json_type_fits(ty, value) => None,
        _ => wrong_type(),
    }
}

fn check_member_value(property: &Property, s: &str) -> Option<(Code, String)> {
    let members = &property.members;
    let known = |v: &str| members.iter().any(|m| m == v.trim());
    if members.is_empty() || s.split(',').all(known) {
        return None;
    }
    let listed = members
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some((
        Code::ExampleEnum,
        format!(
            "`{}` is \"{s}\", not one of the page's values {listed}",
            property.name
        ),
    ))
}

/// Tells whether a JSON value has the JSON type a primitive Edm type is written as.
pub fn json_type_fits(ty: &EdmType, value: &Value) -> bool {
    match ty {
        EdmType::Boolean => value.is_boolean(),
        EdmType::Byte | EdmType::SByte | EdmType::Int16 | EdmType::Int32 | EdmType::Int64 => {
            value.is_i64() || value.is_u64()
        }
        EdmType::Single | EdmType::Double | EdmType::Decimal => {
            value.is_number() || matches!(value.as_str(), Some("NaN" | "INF" | "-INF"))
        }
        EdmType::Named(_) => true,
        EdmType::Collection(_) => value.is_array(),
        _ => value.is_string(),
    }
}

/// Finds the page line of `"key":` at or after `from_line`.
fn locate(page: &PageContract, key: &str, from_line: u32) -> Span {
    let needle = format!("\"{key}\"");
    let start = usize::try_from(from_line.saturating_sub(1)).unwrap_or(0);
    page.lines
        .iter()
        .enumerate()
        .skip(start)
        .find_map(|(i, line)| {
            let at = line.find(&needle)?;
            let col = line[..at].chars().count() + 1;
            Some(Span::new(
                page.file,
                u32::try_from(i + 1).ok()?,
                u32::try_from(col).ok()?,
            ))
        })
        .unwrap_or_else(|| Span::new(page.file, from_line, 1))
}
