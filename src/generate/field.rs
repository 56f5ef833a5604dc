//! The writable properties of a request schema, typed for generation.

use serde_json::Value;

/// What kind of value a property takes, as read from its request schema.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    String,
    DateTime,
    Enum(Vec<String>),
    /// An enum whose members the page did not list: any string, never checked.
    OpenEnum,
    Boolean,
    Integer {
        min: i64,
        max: i64,
    },
    Number,
    Guid,
    Date,
    TimeOfDay,
    Duration,
    Binary,
    Array(Box<FieldKind>),
    /// A complex type: the suite does not know its members, so it never generates one.
    Object,
}

impl FieldKind {
    /// Reads a property schema; `None` for shapes the suite does not generate.
    pub fn from_schema(schema: &Value) -> Option<FieldKind> {
        if let Some(members) = schema.get("enum").and_then(Value::as_array) {
            let members = members
                .iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect();
            return Some(FieldKind::Enum(members));
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let format = schema.get("format").and_then(Value::as_str);
        let pattern = schema
            .get("pattern")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Some(match (ty, format) {
            (Some("string"), Some("date-time")) => FieldKind::DateTime,
            (Some("string"), Some("uuid")) => FieldKind::Guid,
            (Some("string"), Some("date")) => FieldKind::Date,
            (Some("string"), _) if pattern.starts_with("^([01]") => FieldKind::TimeOfDay,
            (Some("string"), _) if pattern == "^-?P" => FieldKind::Duration,
            (Some("string"), _) if schema.get("contentEncoding").is_some() => FieldKind::Binary,
            (Some("string"), _) => FieldKind::String,
            (Some("boolean"), _) => FieldKind::Boolean,
            (Some("integer"), _) => FieldKind::Integer {
                min: schema
                    .get("minimum")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::from(i32::MIN)),
                max: schema
                    .get("maximum")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::from(i32::MAX)),
            },
            (Some("array"), _) => {
                FieldKind::Array(Box::new(FieldKind::from_schema(schema.get("items")?)?))
            }
            (Some("object"), _) => FieldKind::Object,
            (None, _) if schema.get("anyOf").is_some() => FieldKind::Number,
            (None, _) if schema.get("$ref").is_some() => FieldKind::Object,
            _ => return None,
        })
    }

    /// Tells whether the suite can generate values of this kind that every server accepts.
    pub fn is_generated(&self) -> bool {
        match self {
            FieldKind::Object | FieldKind::OpenEnum => false,
            FieldKind::Enum(members) => members.iter().any(|m| m != "unknownFutureValue"),
            FieldKind::Array(inner) => inner.is_generated(),
            _ => true,
        }
    }
}

/// One property of a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    /// `file:line:col` of the table row.
    pub source: Option<String>,
}

/// The writable properties of a resource, from its request schema.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadModel {
    pub fields: Vec<Field>,
    /// The `@odata.type` constant, when the schema has one.
    pub odata_type: Option<String>,
}

impl PayloadModel {
    /// Compiles the request schema (`$defs/request`) of a resource. The key (`id`) is left
    /// out: a client never sends it.
    pub fn from_request_schema(schema: &Value) -> PayloadModel {
        let properties = schema.get("properties").and_then(Value::as_object);
        let mut fields = Vec::new();
        let mut odata_type = None;
        for (name, property) in properties.into_iter().flatten() {
            if name == "@odata.type" {
                odata_type = property
                    .get("const")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                continue;
            }
            if name == "id" {
                continue;
            }
            let Some(kind) = FieldKind::from_schema(property) else {
                continue;
            };
            let kind = match kind {
                FieldKind::String if is_open_enum(property) => FieldKind::OpenEnum,
                kind => kind,
            };
            let source = property
                .get("x-source")
                .and_then(Value::as_str)
                .map(str::to_string);
            fields.push(Field {
                name: name.clone(),
                kind,
                source,
            });
        }
        PayloadModel { fields, odata_type }
    }

    /// Returns the fields valid payloads are generated for.
    pub fn generated_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.kind.is_generated())
    }

    /// Returns the field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Tells whether a string schema is an enum whose members the page did not list.
fn is_open_enum(property: &Value) -> bool {
    property.get("x-enum-unlisted").and_then(Value::as_bool) == Some(true)
}
