//! Graph-wide conventions that no page states: reported as warnings (errors under
//! `--strict`), always labelled as conventions.

use super::{Check, Finding};
use crate::secret::Secrets;
use serde_json::Value;

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
