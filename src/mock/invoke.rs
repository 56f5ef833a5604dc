//! Actions (POST of parameters to `.../name`) and functions (GET of `.../name(p=v)`): the
//! action's parameters are checked against its parameters schema, the object it is bound to
//! must be stored, and the success body is the compiled [`Answer`]; a documented redirect
//! answers `Location` on the request's own origin.

use super::answer::Answer;
use super::contract::Operation;
use super::fault::{Fault, FaultSet};
use super::handler::{Call, Outcome, Shared, unknown_item};
use super::render::GraphError;
use crate::model::OperationKind;
use crate::path_template::Address;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Map, Value, json};

impl Shared {
    /// Answers an action or a function.
    pub(super) fn invoke(
        &self,
        operation: &Operation,
        call: &Call<'_>,
    ) -> Result<Outcome<'_>, GraphError> {
        let bound = operation.bound(call.values);
        if let Some(address) = &bound
            && self.lock().get(address).is_none()
        {
            let resource = &self.contract.resources[operation.resource];
            return Err(unknown_item(resource, address));
        }
        if operation.kind == OperationKind::Action {
            read_parameters(operation.parameters.as_deref(), call.body, call.faults)?;
        }
        let status = operation.status;
        if let Some(redirect) = redirect(operation, call) {
            return Ok(redirect);
        }
        let faults = call.faults;
        if operation.kind == OperationKind::Action
            && status == 204
            && faults.has(Fault::ActionAnswers200)
        {
            return Ok(Outcome::Json {
                status: 200,
                body: json!({}),
            });
        }
        if status == 204 {
            return Ok(Outcome::Empty(status));
        }
        Ok(match &operation.answer {
            Answer::Nothing if operation.answers_stream => Outcome::Bytes {
                status,
                bytes: Vec::new(),
            },
            Answer::Nothing => Outcome::Empty(status),
            Answer::Primitive(value) => Outcome::Json {
                status,
                body: primitive(value, faults),
            },
            Answer::Resource(index) => {
                let resource = &self.contract.resources[*index];
                let object = resource.defaults(&self.ids.next());
                let collection = match operation.joins {
                    Some(joins) => {
                        let path = operation.template.render(call.values);
                        self.join(joins.collection(&path), *index, &object)
                    }
                    None => {
                        bound.map_or_else(|| operation.collection(call.values), |a| a.collection)
                    }
                };
                Outcome::Entity {
                    status,
                    resource,
                    collection,
                    object,
                }
            }
            Answer::Collection => Outcome::Json {
                status,
                body: json!({ "value": [] }),
            },
            Answer::Object => Outcome::Json {
                status,
                body: json!({}),
            },
        })
    }
}

impl Shared {
    /// Stores the object an action answers in the collection it joins (see
    /// [`crate::generate::Joins`]), and returns that collection.
    fn join(&self, collection: &str, resource: usize, object: &Map<String, Value>) -> String {
        if let Some(Value::String(key)) = object.get("id") {
            let address = Address {
                collection: collection.to_string(),
                key: key.clone(),
            };
            self.lock().put(&address, resource, object.clone());
        }
        collection.to_string()
    }
}

/// Returns the answer of an operation documented to redirect (a 3xx): `Location` on the
/// request's own origin, the path before the operation's own segment; `None` otherwise.
pub(super) fn redirect<'a>(operation: &Operation, call: &Call<'_>) -> Option<Outcome<'a>> {
    let status = operation.status;
    if !(300..400).contains(&status) {
        return None;
    }
    let parent = operation.template.parent();
    let target = parent.map(|p| p.render(call.values.get(..p.arity()).unwrap_or_default()));
    let location = format!("{}{}", call.base_url, target.unwrap_or_default());
    Some(Outcome::Redirect { status, location })
}

/// Checks an action's body: a JSON object valid under its parameters schema (any object or
/// nothing when the case file states none); the action faults overlook one kind of error.
fn read_parameters(
    parameters: Option<&Validator>,
    body: &[u8],
    faults: FaultSet,
) -> Result<(), GraphError> {
    let bad = |message: String| GraphError::new(400, "BadRequest", message);
    let blank = body.iter().all(u8::is_ascii_whitespace);
    if blank && parameters.is_none() {
        return Ok(());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("The request body is not valid JSON: {e}.")))?;
    if !value.is_object() {
        return Err(bad(format!(
            "The request body must be a JSON object, not {}.",
            crate::checks::json_kind(&value)
        )));
    }
    let Some(validator) = parameters else {
        return Ok(());
    };
    let error = validator
        .iter_errors(&value)
        .find(|e| !overlooked(e, faults));
    match error {
        Some(error) => Err(bad(format!(
            "Invalid action parameters at '{}': {error}.",
            error.instance_path().as_str()
        ))),
        None => Ok(()),
    }
}

/// Tells whether an action fault makes the parameter check overlook `error`.
fn overlooked(error: &ValidationError<'_>, faults: FaultSet) -> bool {
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { .. }
        | ValidationErrorKind::UnevaluatedProperties { .. }
        | ValidationErrorKind::FalseSchema => faults.has(Fault::ActionAcceptsUnknownParameter),
        ValidationErrorKind::Type { .. } => faults.has(Fault::ActionAcceptsWrongType),
        _ => false,
    }
}

/// Builds a primitive result's body, `{"value": ...}`, under the result faults.
fn primitive(value: &Value, faults: FaultSet) -> Value {
    let value = if faults.has(Fault::ResultWrongType) {
        wrong_type(value)
    } else {
        value.clone()
    };
    if faults.has(Fault::ResultNotWrapped) {
        value
    } else {
        json!({ "value": value })
    }
}

/// Writes a number or a boolean as a string, a string as a number.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::String(s) => json!(s.parse::<f64>().unwrap_or(0.0)),
        other => other.clone(),
    }
}
