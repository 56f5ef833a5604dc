//! References (`$ref`): a POST of `{"@odata.id": "<absolute URL>"}` adds one to the
//! concrete navigation, a GET lists them (`{"value": [{"@odata.id": ...}]}`, paged), a
//! DELETE of `.../nav/{id}/$ref` (or `.../nav/$ref?$id=<URL>`) removes the one whose
//! `@odata.id` ends with `/<id>`.

use super::contract::Operation;
use super::fault::Fault;
use super::handler::{Call, Outcome, Shared};
use super::paging::{Origin, page};
use super::query::Query;
use super::render::GraphError;
use serde_json::{Map, Value, json};

impl Shared {
    /// Adds the reference a `$ref` POST names and answers the documented status.
    pub(super) fn add_reference(
        &self,
        operation: &Operation,
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let faults = call.faults;
        let (navigation, _) = operation.navigation(call.values);
        match reference_of(call.body) {
            Some(odata_id) => {
                let listed = !faults.has(Fault::RefAddIgnored);
                self.lock().add_reference(&navigation, &odata_id, listed);
            }
            None if faults.has(Fault::RefAddAcceptsNonReference) => {}
            None => {
                return Err(GraphError::new(
                    400,
                    "BadRequest",
                    "The request body must be {\"@odata.id\": \"<absolute URL>\"}.",
                ));
            }
        }
        Ok(Outcome::Empty(operation.status))
    }

    /// Lists a navigation's references, paged like a list.
    pub(super) fn list_references(
        &self,
        operation: &Operation,
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let query = Query::parse(call.query)?;
        let faults = call.faults;
        let (navigation, _) = operation.navigation(call.values);
        let at = Origin {
            origin: call.origin,
            path: call.path,
        };
        let store = self.lock();
        let page = page(
            store.references(&navigation),
            &query,
            faults,
            self.page_size,
            &at,
        );
        let items: Vec<Value> = page
            .items
            .into_iter()
            .map(|odata_id| {
                if faults.has(Fault::RefListWithoutOdataId) {
                    json!({ "id": last_segment(odata_id) })
                } else {
                    json!({ "@odata.id": odata_id })
                }
            })
            .collect();
        let mut body = Map::new();
        body.insert(
            "@odata.context".into(),
            json!(format!("{}/$metadata#Collection($ref)", call.base_url)),
        );
        body.insert("value".into(), Value::Array(items));
        if let Some(link) = page.next_link {
            body.insert("@odata.nextLink".into(), json!(link));
        }
        Ok(Outcome::Json {
            status: operation.status,
            body: Value::Object(body),
        })
    }

    /// Removes the reference a `$ref` DELETE names; 404 when the navigation holds none such.
    pub(super) fn remove_reference(
        &self,
        operation: &Operation,
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let (navigation, key) = operation.navigation(call.values);
        let key = if key.is_empty() {
            let query = Query::parse(call.query)?;
            query.id.as_deref().map(last_segment).unwrap_or_default()
        } else {
            key
        };
        let mut store = self.lock();
        let found = !key.is_empty() && store.has_reference(&navigation, &key);
        if !found {
            return Err(GraphError::new(
                404,
                "ResourceNotFound",
                format!("'{navigation}' holds no reference to '{key}'."),
            ));
        }
        if !call.faults.has(Fault::RefRemoveIgnored) {
            store.remove_reference(&navigation, &key);
        }
        Ok(Outcome::Empty(operation.status))
    }
}

/// Reads the `@odata.id` of a `$ref` body: a string that parses as an absolute URL.
fn reference_of(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let odata_id = value.get("@odata.id")?.as_str()?;
    url::Url::parse(odata_id).ok()?;
    Some(odata_id.to_string())
}

/// Returns the last path segment of a URL (`.../directoryObjects/51ab` -> `51ab`).
fn last_segment(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}
