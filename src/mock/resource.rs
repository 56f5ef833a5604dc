//! A resource as the suite documents it: its properties (in schema order), their Graph
//! types and default values, and the response validator that repairs documented examples.

use crate::schema::{GraphType, top_level_property};
use crate::suite::{Suite, SuiteError};
use jsonschema::Validator;
use serde_json::{Map, Value, json};

/// A documented property of a resource.
#[derive(Debug, Clone)]
pub(crate) struct Property {
    pub name: String,
    pub key: bool,
    /// The response schema names it (false only for the `id` of an entity whose page lists
    /// none: every Graph object in a collection has one, so the mock answers it).
    pub documented: bool,
    /// The response schema requires it (every property when the page states an actual call
    /// returns all of them; otherwise only the key).
    pub required: bool,
    /// Its Graph type, as the schema records it (`None` when it records none).
    pub ty: Option<GraphType>,
    /// A value valid under the property's response schema (null when it is nullable).
    pub default: Value,
}

impl Property {
    /// Tells whether the property holds a DateTimeOffset.
    pub fn is_date_time(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_date_time)
    }

    /// Tells whether the property holds a member of an enum the page lists.
    pub fn is_listed_enum(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_listed_enum)
    }

    /// Tells whether the property holds free text (a string, no listed enum, no date).
    pub fn is_text(&self) -> bool {
        self.ty.as_ref().is_some_and(GraphType::is_text)
    }
}

/// A resource as its response schema documents it.
pub(crate) struct Resource {
    /// The Graph name (`ndesConnector`), as in `#microsoft.graph.<name>`.
    pub name: String,
    /// Every documented property except annotations, in schema order (after an undocumented
    /// `id` key when the schema names no key).
    pub properties: Vec<Property>,
    pub reference: String,
    validator: Validator,
}

impl Resource {
    /// Compiles the resource whose response schema is `reference`, named `name`.
    pub fn compile(suite: &Suite, name: &str, reference: &str) -> Result<Resource, SuiteError> {
        let schema = suite.resolve_schema(reference)?;
        let validator = suite.validator(reference)?;
        let mut resource = Resource {
            name: name.to_string(),
            properties: Vec::new(),
            reference: reference.to_string(),
            validator,
        };
        let documented = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (property, subschema) in documented {
            if property.starts_with("@odata.") {
                continue;
            }
            let ty = GraphType::of(&subschema);
            let default = resource.default_for(&property, ty.as_ref());
            resource.properties.push(Property {
                key: property == "id",
                documented: true,
                required: required.contains(&property.as_str()),
                ty,
                default,
                name: property,
            });
        }
        if !resource.properties.iter().any(|p| p.key) {
            resource.properties.insert(
                0,
                Property {
                    name: "id".to_string(),
                    key: true,
                    documented: false,
                    required: false,
                    ty: None,
                    default: Value::Null,
                },
            );
        }
        Ok(resource)
    }

    /// Returns the `@odata.type` of this resource.
    pub fn odata_type(&self) -> String {
        format!("#microsoft.graph.{}", self.name)
    }

    /// Returns the documented property called `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Tells whether `name` is a documented DateTimeOffset property.
    pub fn is_date_time(&self, name: &str) -> bool {
        self.property(name).is_some_and(Property::is_date_time)
    }

    /// Builds an object with every documented property at its default and the key set to `id`
    /// (an undocumented key only when `id` is not empty: a singleton has none).
    pub fn defaults(&self, id: &str) -> Map<String, Value> {
        self.properties
            .iter()
            .filter(|p| p.documented || !id.is_empty())
            .map(|p| {
                let value = if p.key { json!(id) } else { p.default.clone() };
                (p.name.clone(), value)
            })
            .collect()
    }

    /// Builds the stored form of a documented example: every documented property, kept when
    /// valid under its response schema (DateTimeOffsets normalised to UTC), otherwise its
    /// default; annotations and undocumented properties are left out.
    pub fn repair(&self, example: &Map<String, Value>) -> Map<String, Value> {
        let instance = Value::Object(example.clone());
        let invalid = self.invalid_properties(&instance);
        self.properties
            .iter()
            .filter(|p| p.documented || example.contains_key(&p.name))
            .map(|p| {
                let value = match example.get(&p.name) {
                    Some(value) if !invalid.contains(&p.name) => match value {
                        Value::String(text) if p.is_date_time() => crate::format::normalise(text)
                            .map_or_else(|| p.default.clone(), Value::String),
                        _ => value.clone(),
                    },
                    _ => p.default.clone(),
                };
                (p.name.clone(), value)
            })
            .collect()
    }

    /// Names the top-level properties of `instance` that the response schema rejects.
    fn invalid_properties(&self, instance: &Value) -> Vec<String> {
        let mut names = Vec::new();
        for error in self.validator.iter_errors(instance) {
            if let Some(name) = top_level_property(error.instance_path().as_str())
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        names
    }

    /// Picks the first candidate the property's response schema accepts: the first enum
    /// member (as Graph gives an enum a default), else null when it is nullable, `false`, `0`,
    /// `""`, ...
    fn default_for(&self, name: &str, ty: Option<&GraphType>) -> Value {
        let mut candidates = Vec::new();
        if let Some(first) = ty
            .filter(|t| t.is_listed_enum())
            .and_then(|t| t.members.as_ref()?.first())
        {
            candidates.push(json!(first));
        }
        candidates.push(Value::Null);
        candidates.extend(plain_values());
        candidates
            .into_iter()
            .find(|candidate| {
                let mut probe = Map::new();
                probe.insert(name.to_string(), candidate.clone());
                !self
                    .invalid_properties(&Value::Object(probe))
                    .iter()
                    .any(|n| n == name)
            })
            .unwrap_or(Value::Null)
    }
}

/// Returns the plain values a default is picked from, after an enum's first member and
/// null: one of each JSON type and of each string format Graph uses.
pub(crate) fn plain_values() -> Vec<Value> {
    vec![
        json!(false),
        json!(0),
        json!(""),
        json!("0001-01-01T00:00:00.0000000Z"),
        json!("0001-01-01"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("00:00:00"),
        json!("PT0S"),
        json!([]),
        json!({}),
    ]
}
