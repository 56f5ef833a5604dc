//! The examples of an OpenAPI document agree with the schemas beside them.
//!
//! Derive leaves out examples that contradict their page's table; the pages' examples are
//! also often truncated (a page that states every property comes back shows three), or
//! written for another type. An example its own media type's schema refuses would make the
//! document say two things at once, so it is left out of the document (it stays in the case
//! file, with derive's findings).
//!
//! Examples are judged one operation object at a time, as the document is built, against
//! the resources' schema documents (borrowed, never copied): the document's components are
//! never all in memory at once.

use super::DIALECT;
use super::refs;
use jsonschema::{Registry, Validator};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The URI the document's components are registered under while examples are judged;
/// `.invalid`, so nothing ever fetches it.
const DOCUMENT_URI: &str = "https://graph-conformance.invalid/openapi.json";

/// Judges media type examples against their schemas.
///
/// The components of the document (`#/components/schemas/<name>`) are registered as one
/// small document whose resource components refer to the resources' own schema documents;
/// each distinct media type schema compiles once, shared by every thread.
pub struct ExampleJudge<'d> {
    registry: Option<Registry<'d>>,
    validators: Mutex<HashMap<String, Arc<Option<Validator>>>>,
}

/// The components document an [`ExampleJudge`] resolves `#/components/...` against, from
/// the component schemas by name (a resource's component is a reference to its schema
/// document, so that nothing is copied).
pub fn components_document(schemas: Map<String, Value>) -> Value {
    json!({ "$schema": DIALECT, "components": { "schemas": schemas } })
}

impl<'d> ExampleJudge<'d> {
    /// A judge resolving references in `documents` (the resources' schema documents, each
    /// with its `$id`) and `components` (from [`components_document`]); when they cannot be
    /// registered, no example is accepted.
    pub fn new(documents: &'d [Value], components: &'d Value) -> Self {
        let registry = Registry::new()
            .add(DOCUMENT_URI, components)
            .and_then(|builder| {
                builder.extend(documents.iter().filter_map(|document| {
                    let id = document.get("$id")?.as_str()?;
                    Some((id, document))
                }))
            })
            .and_then(|builder| builder.prepare())
            .ok();
        ExampleJudge {
            registry,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Removes from the operation object every media type example that its media type's
    /// schema refuses, and every `examples` map left empty.
    pub fn drop_refused(&self, operation: &mut Value) {
        let mut bodies: Vec<&mut Value> = Vec::new();
        let Value::Object(object) = operation else {
            return;
        };
        for (key, value) in object.iter_mut() {
            match key.as_str() {
                "requestBody" => bodies.push(value),
                "responses" => {
                    if let Value::Object(responses) = value {
                        bodies.extend(responses.values_mut());
                    }
                }
                _ => {}
            }
        }
        for body in bodies {
            if let Some(Value::Object(content)) = body.get_mut("content") {
                content
                    .values_mut()
                    .for_each(|media| self.judge_media(media));
            }
        }
    }

    fn judge_media(&self, media: &mut Value) {
        let Value::Object(media) = media else {
            return;
        };
        let Some(Value::Object(examples)) = media.get("examples") else {
            return;
        };
        let validator = self.validator(media.get("schema").unwrap_or(&Value::Null));
        let refused: Vec<String> = examples
            .iter()
            .filter(
                |(_, example)| match (validator.as_ref(), example.get("value")) {
                    (Some(validator), Some(value)) => !validator.is_valid(value),
                    _ => true,
                },
            )
            .map(|(name, _)| name.clone())
            .collect();
        if let Some(Value::Object(examples)) = media.get_mut("examples") {
            for name in &refused {
                examples.remove(name);
            }
            if examples.is_empty() {
                media.remove("examples");
            }
        }
    }

    /// The validator of a media type schema, compiled on first use; `None` when it cannot
    /// compile (then no example of it is accepted).
    fn validator(&self, schema: &Value) -> Arc<Option<Validator>> {
        let key = schema.to_string();
        if let Some(found) = self.lock().get(&key) {
            return Arc::clone(found);
        }
        let compiled = Arc::new(self.compile(schema));
        self.lock().entry(key).or_insert(compiled).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Option<Validator>>>> {
        self.validators
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn compile(&self, schema: &Value) -> Option<Validator> {
        let registry = self.registry.as_ref()?;
        // the document-local references (`#/components/...`) point into the components
        // document registered under DOCUMENT_URI
        let mut root = schema.clone();
        refs::rewrite(&mut root, &|target| match target.strip_prefix("#/") {
            Some(pointer) => format!("{DOCUMENT_URI}#/{pointer}"),
            None => target.to_string(),
        });
        if let Value::Object(map) = &mut root {
            map.insert("$schema".into(), json!(DIALECT));
        }
        jsonschema::options()
            .with_registry(registry)
            .should_validate_formats(true)
            .build(&root)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::ID_BASE;
    use super::*;
    use rstest::rstest;

    fn resource_document() -> Value {
        json!({
            "$schema": DIALECT,
            "$id": format!("{ID_BASE}w.json"),
            "$defs": { "response": {
                "type": "object",
                "required": ["id"],
                "properties": { "id": { "type": "string" }, "seen": { "type": "string", "format": "date-time" } },
            } },
        })
    }

    fn operation(example: Value) -> Value {
        json!({ "responses": { "200": { "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/w.response" },
            "examples": { "example-1": { "value": example } },
        } } } } })
    }

    #[rstest]
    #[case::an_example_its_schema_accepts(json!({"id": "a", "extra": 1}), true)]
    #[case::an_example_without_a_required_property(json!({"seen": "2024-01-01T00:00:00Z"}), false)]
    #[case::an_example_of_the_wrong_type(json!({"id": 7}), false)]
    #[case::an_example_with_a_bad_format(json!({"id": "a", "seen": "yesterday"}), false)]
    fn an_example_stays_only_if_its_schema_accepts_it(#[case] example: Value, #[case] kept: bool) {
        let documents = [resource_document()];
        let mut schemas = Map::new();
        schemas.insert(
            "w.response".to_string(),
            json!({ "$ref": format!("{ID_BASE}w.json#/$defs/response") }),
        );
        let components = components_document(schemas);
        let judge = ExampleJudge::new(&documents, &components);
        let mut operation = operation(example);
        judge.drop_refused(&mut operation);
        let media = &operation["responses"]["200"]["content"]["application/json"];
        assert!(media.get("schema").is_some());
        assert_eq!(media.get("examples").is_some(), kept, "{media:#}");
    }

    #[test]
    fn a_schema_that_cannot_resolve_accepts_no_example() {
        let components = components_document(Map::new());
        let judge = ExampleJudge::new(&[], &components);
        let mut operation = operation(json!({"id": "a"}));
        judge.drop_refused(&mut operation);
        let media = &operation["responses"]["200"]["content"]["application/json"];
        assert!(media.get("examples").is_none(), "{media:#}");
    }
}
