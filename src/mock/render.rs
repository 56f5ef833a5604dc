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

const STREAM_CONTENT_TYPE: &str = "application/octet-stream";

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
    json(envelope, entity.status, &Value::Object(body))
}

/// A page of a list to send back.
pub(crate) struct Listing<'a> {
    pub status: u16,
    /// The concrete collection path (`/gadgets`).
    pub collection: &'a str,
    /// The page's objects, each with its resource, `$select` already applied.
    pub items: Vec<(&'a Resource, Map<String, Value>)>,
    /// `@odata.count`, when asked for.
    pub count: Option<usize>,
    /// `@odata.nextLink`, unless this is the last page.
    pub next_link: Option<String>,
}

/// Builds the success response carrying a page of a list: `@odata.context`, the count, the
/// `value` items (each rendered as an entity is, without a context) and the nextLink.
pub(crate) fn list(envelope: &Envelope<'_>, listing: &Listing<'_>) -> Response {
    let faults = envelope.faults;
    let items: Vec<Value> = listing
        .items
        .iter()
        .map(|(resource, object)| {
            let mut body = item_body(envelope, resource, object);
            if faults.has(Fault::ListItemMissingId)
                && let Some(key) = resource.properties.iter().find(|p| p.key)
            {
                body.shift_remove(&key.name);
            }
            Value::Object(body)
        })
        .collect();
    if faults.has(Fault::ListBareArray) {
        return json(envelope, listing.status, &Value::Array(items));
    }
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#{}",
            envelope.base_url,
            listing.collection.trim_start_matches('/')
        )),
    );
    if let Some(count) = listing.count {
        body.insert("@odata.count".into(), json!(count));
    }
    body.insert("value".into(), Value::Array(items));
    if let Some(link) = &listing.next_link {
        body.insert("@odata.nextLink".into(), json!(link));
    }
    json(envelope, listing.status, &Value::Object(body))
}

/// Builds a success response carrying `body` as JSON (under the content-type, truncation
/// and status faults).
pub(crate) fn json(envelope: &Envelope<'_>, status: u16, body: &Value) -> Response {
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    if envelope.faults.has(Fault::TruncatedJson) {
        bytes.truncate(bytes.len() / 2);
    }
    let content_type = if envelope.faults.has(Fault::WrongContentType) {
        PLAIN_CONTENT_TYPE
    } else {
        JSON_CONTENT_TYPE
    };
    let status = success_status(status, envelope.faults);
    finish(envelope, status, Some(content_type), Body::from(bytes))
}

/// Builds a success response carrying raw content (`application/octet-stream`).
pub(crate) fn bytes(envelope: &Envelope<'_>, status: u16, bytes: Vec<u8>) -> Response {
    let status = success_status(status, envelope.faults);
    finish(
        envelope,
        status,
        Some(STREAM_CONTENT_TYPE),
        Body::from(bytes),
    )
}

/// Builds a documented redirect: `status` (a 3xx) with `Location` and no body.
pub(crate) fn redirect(envelope: &Envelope<'_>, status: u16, location: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
    let mut response = finish(envelope, status, None, Body::empty());
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
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

/// Builds the JSON body of an entity: `@odata.context`, then its item body.
fn entity_body(envelope: &Envelope<'_>, entity: &Entity<'_>) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#{}/$entity",
            envelope.base_url,
            entity.collection.trim_start_matches('/')
        )),
    );
    body.extend(item_body(envelope, entity.resource, entity.object));
    body
}

/// Builds the JSON body of a stored object: `@odata.type`, then the stored properties, with
/// every body fault applied.
fn item_body(
    envelope: &Envelope<'_>,
    resource: &Resource,
    object: &Map<String, Value>,
) -> Map<String, Value> {
    let faults = envelope.faults;
    let mut body = Map::new();
    if !faults.has(Fault::NoOdataType) {
        let odata_type = if faults.has(Fault::WrongOdataType) {
            "#microsoft.graph.entity".to_string()
        } else {
            resource.odata_type()
        };
        body.insert("@odata.type".into(), json!(odata_type));
    }
    for (name, value) in object {
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
