//! The `$ref`s of a schema: every one read, or every one rewritten, wherever it stands.

use serde_json::Value;

/// Collects every `$ref` string inside `value`.
pub fn collect(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| collect(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        _ => {}
    }
}

/// Rewrites every `$ref` string inside `value` with `rewrite`.
pub fn rewrite(value: &mut Value, rewrite: &dyn Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                *target = rewrite(target);
            }
            map.values_mut().for_each(|v| self::rewrite(v, rewrite));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| self::rewrite(v, rewrite)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "$ref": "#/a",
            "properties": { "x": { "items": [{ "$ref": "#/b" }] }, "$ref": { "type": "string" } },
        })
    }

    #[test]
    fn every_ref_is_collected_and_a_property_named_ref_is_not_one() {
        let mut found = Vec::new();
        collect(&schema(), &mut found);
        assert_eq!(found, ["#/a", "#/b"]);
    }

    #[test]
    fn every_ref_is_rewritten_in_place_wherever_it_stands() {
        let mut schema = schema();
        rewrite(&mut schema, &|r| format!("doc.json{r}"));
        let mut found = Vec::new();
        collect(&schema, &mut found);
        assert_eq!(found, ["doc.json#/a", "doc.json#/b"]);
        assert_eq!(schema["properties"]["$ref"], json!({ "type": "string" }));
    }
}
