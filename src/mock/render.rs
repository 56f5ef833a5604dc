//! Turns an outcome into an HTTP response: the Graph entity body (annotations first, then
//! the stored properties), the Graph error shape, the OData content type and the
//! `request-id` header, with the response faults applied on the way out.

use super::contract::Resource;
use super::fault::{Fault, FaultSet};
use crate::format::{Instant, Style};
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// The content type of every JSON body Graph sends.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

const PLAIN_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The id every POST returns under [`Fault::CreateReusesId`].
pub(crate) const REUSED_ID: &str = "00000000-0000-0000-0000-000000000001";

/// A stored object to send back.
pub(crate) struct Entity<'a> {
    pub status: u16,
    pub resource: &'a Resource,
    /// The concrete collection path (`/deviceManagement/ndesConnectors`).
    pub collection: &'a str,
    pub object: &'a Map<String, Value>,
}

/// A Graph error to send back.
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// The `Allow` header of a 405.
    pub allow: Option<String>,
}

impl GraphError {
    /// Builds an error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }
}

/// The per-request values every response carries.
pub(crate) struct Envelope<'a> {
    pub request_id: &'a str,
    pub client_request_id: Option<&'a str>,
    /// The service root as the client addressed it (`http://127.0.0.1:PORT/beta`).
    pub base_url: &'a str,
    pub faults: FaultSet,
}

/// Builds the success response carrying `entity`.
pub(crate) fn entity(envelope: &Envelope<'_>, entity: &Entity<'_>) -> Response {
    let body = entity_body(envelope, entity);
    let mut bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    if envelope.faults.has(Fault::TruncatedJson) {
        bytes.truncate(bytes.len() / 2);
    }
    let content_type = if envelope.faults.has(Fault::WrongContentType) {
        PLAIN_CONTENT_TYPE
    } else {
        JSON_CONTENT_TYPE
    };
    let status = success_status(entity.status, envelope.faults);
    finish(envelope, status, Some(content_type), Body::from(bytes))
}

/// Builds a success response without a body (a documented 204).
pub(crate) fn empty(envelope: &Envelope<'_>, status: u16) -> Response {
    let status = success_status(status, envelope.faults);
    finish(envelope, status, None, Body::empty())
}

/// Builds an error response: the Graph error shape, or a plain reason phrase under
/// [`Fault::PlainErrorBody`].
pub(crate) fn error(envelope: &Envelope<'_>, error: &GraphError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = if envelope.faults.has(Fault::PlainErrorBody) {
        let reason = status.canonical_reason().unwrap_or("Error");
        finish(
            envelope,
            status,
            Some(PLAIN_CONTENT_TYPE),
            Body::from(reason),
        )
    } else {
        let mut inner = Map::new();
        inner.insert("request-id".into(), json!(envelope.request_id));
        let date = Instant::now().format(Style {
            fraction: false,
            zone: false,
        });
        inner.insert("date".into(), json!(date));
        if let Some(client) = envelope.client_request_id {
            inner.insert("client-request-id".into(), json!(client));
        }
        let body = json!({
            "error": { "code": error.code, "message": error.message, "innerError": inner }
        });
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        finish(envelope, status, Some(JSON_CONTENT_TYPE), Body::from(bytes))
    };
    if let Some(allow) = error
        .allow
        .as_deref()
        .and_then(|a| HeaderValue::from_str(a).ok())
    {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// Maps the documented success status through [`Fault::WrongStatus`].
fn success_status(documented: u16, faults: FaultSet) -> StatusCode {
    let status = match documented {
        200 if faults.has(Fault::WrongStatus) => 202,
        _ if faults.has(Fault::WrongStatus) => 200,
        other => other,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

fn finish(
    envelope: &Envelope<'_>,
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Body,
) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(content_type) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("request-id", envelope.request_id);
    set(
        "client-request-id",
        envelope.client_request_id.unwrap_or(envelope.request_id),
    );
    set("odata-version", "4.0");
    response
}

/// Builds the JSON body of an entity: `@odata.context`, `@odata.type`, then the stored
/// properties, with every body fault applied.
fn entity_body(envelope: &Envelope<'_>, entity: &Entity<'_>) -> Map<String, Value> {
    let faults = envelope.faults;
    let resource = entity.resource;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#{}/$entity",
            envelope.base_url,
            entity.collection.trim_start_matches('/')
        )),
    );
    if !faults.has(Fault::NoOdataType) {
        let odata_type = if faults.has(Fault::WrongOdataType) {
            "#microsoft.graph.entity".to_string()
        } else {
            resource.odata_type()
        };
        body.insert("@odata.type".into(), json!(odata_type));
    }
    for (name, value) in entity.object {
        if !name.starts_with("@odata.") {
            body.insert(name.clone(), value.clone());
        }
    }
    for property in &resource.properties {
        let Some(value) = body.get_mut(&property.name) else {
            continue;
        };
        if property.is_date_time() {
            date_faults(value, faults);
        } else if property.is_listed_enum() {
            enum_faults(value, faults);
        }
    }
    if faults.has(Fault::SwapValues) {
        swap_first_two_texts(resource, &mut body);
    }
    if faults.has(Fault::MissingProperty)
        && let Some(first) = resource.properties.iter().find(|p| !p.key && p.required)
    {
        body.shift_remove(&first.name);
    }
    if faults.has(Fault::IdAsNumber)
        && let Some(key) = resource.properties.iter().find(|p| p.key)
        && let Some(value) = body.get_mut(&key.name)
    {
        *value = json!(42);
    }
    body
}

fn date_faults(value: &mut Value, faults: FaultSet) {
    let Value::String(text) = value else {
        return;
    };
    let Some(mut instant) = Instant::parse(text) else {
        return;
    };
    if faults.has(Fault::DateShifted) {
        instant = instant.plus_seconds(3600);
    }
    if faults.has(Fault::DateAsNumber) {
        *value = json!(instant.unix_millis());
        return;
    }
    let style = Style {
        fraction: !faults.has(Fault::DateFractionCut),
        zone: !faults.has(Fault::DateWithoutOffset),
    };
    let touched = faults.has(Fault::DateShifted) || style != Style::GRAPH;
    if touched && let Some(written) = instant.format(style) {
        *value = Value::String(written);
    }
}

fn enum_faults(value: &mut Value, faults: FaultSet) {
    if !value.is_string() {
        return;
    }
    if faults.has(Fault::EnumOutOfSet) {
        *value = json!("notAMember");
    }
    if faults.has(Fault::EnumWrongCase)
        && let Value::String(text) = value
    {
        *text = text.to_uppercase();
    }
    if faults.has(Fault::EnumNull) {
        *value = Value::Null;
    }
}

fn swap_first_two_texts(resource: &Resource, body: &mut Map<String, Value>) {
    let mut texts = resource.properties.iter().filter(|p| !p.key && p.is_text());
    let (Some(first), Some(second)) = (texts.next(), texts.next()) else {
        return;
    };
    if let (Some(a), Some(b)) = (
        body.get(&first.name).cloned(),
        body.get(&second.name).cloned(),
    ) {
        body.insert(first.name.clone(), b);
        body.insert(second.name.clone(), a);
    }
}
