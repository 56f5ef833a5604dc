//! Graph-wide conventions that no page states: reported as warnings (errors under
//! `--strict`), always labelled as conventions.

use super::{Check, Finding};
use serde_json::Value;

/// Checks that a 4xx body is `{"error": {"code": string, "message": string}}`.
pub fn error_shape(status: u16, body: &[u8], strict: bool) -> Option<Finding> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let error = value.as_ref().and_then(|v| v.get("error"));
    let shaped = error.is_some_and(|e| {
        e.get("code").is_some_and(Value::is_string)
            && e.get("message").is_some_and(Value::is_string)
    });
    (!shaped).then(|| {
        let preview = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        Finding::new(
            Check::ErrorShape,
            strict,
            "error",
            format!("the {status} error body is not {{\"error\": {{\"code\", \"message\"}}}}: {preview:?}"),
            None,
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
        )
    })
}
