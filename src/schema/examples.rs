//! The examples of an OpenAPI document agree with the schemas beside them.
//!
//! Derive leaves out examples that contradict their page's table; the pages' examples are
//! also often truncated (a page that states every property comes back shows three), or
//! written for another type. An example its own media type's schema refuses would make the
//! document say two things at once, so it is left out of the document (it stays in the case
//! file, with derive's findings).

use super::DIALECT;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The URI the document is registered under while its examples are checked; `.invalid`, so
/// nothing ever fetches it.
const DOCUMENT_URI: &str = "https://graph-conformance.invalid/openapi.json";

/// Removes from `document` every media type example that its media type's schema refuses,
/// and every `examples` map left empty.
pub fn drop_refused_examples(document: &mut Value) {
    let refused = refused_examples(document);
    for pointer in refused {
        remove(document, &pointer);
    }
}

/// The JSON pointers of the examples their schema refuses (or whose schema cannot compile).
///
/// The media types' schemas are registered under `$defs` of one document beside the
/// document's components, so that their `#/components/...` references resolve (a pointer
/// into `paths` would hold a path template's braces, which no URI may).
fn refused_examples(document: &Value) -> Vec<String> {
    let media = media_with_examples(document);
    if media.is_empty() {
        return Vec::new();
    }
    let mut schemas: Vec<&Value> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut index: Vec<usize> = Vec::new();
    for (pointer, _) in &media {
        let schema = document
            .pointer(&format!("{pointer}/schema"))
            .unwrap_or(&Value::Null);
        let at = *seen.entry(schema.to_string()).or_insert_with(|| {
            schemas.push(schema);
            schemas.len() - 1
        });
        index.push(at);
    }
    let defs: Map<String, Value> = schemas
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("media-{i}"), (*s).clone()))
        .collect();
    let resource = json!({
        "$schema": DIALECT,
        "components": document.get("components").cloned().unwrap_or(Value::Null),
        "$defs": defs,
    });
    let Ok(registry) = jsonschema::Registry::new()
        .add(DOCUMENT_URI, &resource)
        .and_then(|r| r.prepare())
    else {
        return media.iter().flat_map(|m| every_example(m)).collect();
    };
    let mut by_schema: Vec<Vec<usize>> = vec![Vec::new(); schemas.len()];
    for (m, at) in index.into_iter().enumerate() {
        by_schema[at].push(m);
    }
    // compiling is most of the cost: each schema compiles alone, in parallel, and its
    // validator is dropped as soon as its examples are judged, so that few are alive at once
    let mut refused: Vec<(usize, Vec<String>)> = by_schema
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, users)| {
            let validator = media_validator(&registry, i);
            users
                .iter()
                .map(|&m| (m, refused_by(validator.as_ref(), &media[m])))
                .collect::<Vec<_>>()
        })
        .collect();
    refused.sort_by_key(|(m, _)| *m);
    refused
        .into_iter()
        .flat_map(|(_, pointers)| pointers)
        .collect()
}

/// A media type object's pointer and its examples.
type MediaExamples<'d> = (String, Vec<(&'d String, &'d Value)>);

/// The pointers of the examples of `media` that `validator` refuses (all of them when there
/// is none: a schema that cannot compile accepts no example).
fn refused_by(validator: Option<&jsonschema::Validator>, media: &MediaExamples) -> Vec<String> {
    let (pointer, examples) = media;
    examples
        .iter()
        .filter(|(_, example)| match (validator, example.get("value")) {
            (Some(validator), Some(value)) => !validator.is_valid(value),
            _ => true,
        })
        .map(|(name, _)| format!("{pointer}/examples/{}", escape(name)))
        .collect()
}

fn every_example(media: &MediaExamples) -> Vec<String> {
    refused_by(None, media)
}

/// The validator of the `i`-th media type schema registered in `registry`, or `None` when it
/// cannot compile.
fn media_validator(registry: &jsonschema::Registry, i: usize) -> Option<jsonschema::Validator> {
    let root = json!({ "$schema": DIALECT, "$ref": format!("{DOCUMENT_URI}#/$defs/media-{i}") });
    jsonschema::options()
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&root)
        .ok()
}

/// Every media type object of the operations' request bodies and responses that has
/// examples: its JSON pointer and its examples.
fn media_with_examples(document: &Value) -> Vec<MediaExamples<'_>> {
    let mut found = Vec::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let base = format!("/paths/{}/{}", escape(path), escape(method));
            let mut bodies = vec![(format!("{base}/requestBody"), &operation["requestBody"])];
            if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
                for (status, response) in responses {
                    bodies.push((format!("{base}/responses/{}", escape(status)), response));
                }
            }
            for (at, body) in bodies {
                let Some(content) = body.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media_type, media) in content {
                    if let Some(examples) = media.get("examples").and_then(Value::as_object) {
                        let pointer = format!("{at}/content/{}", escape(media_type));
                        found.push((pointer, examples.iter().collect()));
                    }
                }
            }
        }
    }
    found
}

/// Removes the value at `pointer`, and its parent `examples` map when that is left empty.
fn remove(document: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = unescape(key);
    if let Some(Value::Object(examples)) = document.pointer_mut(parent) {
        examples.remove(&key);
        if examples.is_empty()
            && let Some((media, _)) = parent.rsplit_once('/')
            && let Some(Value::Object(media)) = document.pointer_mut(media)
        {
            media.remove("examples");
        }
    }
}

/// Escapes a key as one JSON pointer token (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn document(example: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": { "/w/{id}": { "get": { "responses": { "200": { "content": {
                "application/json": {
                    "schema": { "$ref": "#/components/schemas/w.response" },
                    "examples": { "example-1": { "value": example } },
                },
            } } } } } },
            "components": { "schemas": { "w.response": {
                "type": "object",
                "required": ["id"],
                "properties": { "id": { "type": "string" }, "seen": { "type": "string", "format": "date-time" } },
            } } },
        })
    }

    const MEDIA: &str = "/paths/~1w~1{id}/get/responses/200/content/application~1json";

    #[rstest]
    #[case::an_example_its_schema_accepts(json!({"id": "a", "extra": 1}), true)]
    #[case::an_example_without_a_required_property(json!({"seen": "2024-01-01T00:00:00Z"}), false)]
    #[case::an_example_of_the_wrong_type(json!({"id": 7}), false)]
    #[case::an_example_with_a_bad_format(json!({"id": "a", "seen": "yesterday"}), false)]
    fn an_example_stays_only_if_its_schema_accepts_it(#[case] example: Value, #[case] kept: bool) {
        let mut document = document(example);
        drop_refused_examples(&mut document);
        let media = document.pointer(MEDIA).expect("the media type stays");
        assert!(media.get("schema").is_some());
        assert_eq!(media.get("examples").is_some(), kept, "{media:#}");
    }
}
