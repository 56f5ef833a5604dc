//! The writable properties of a request schema, typed for generation.

use crate::model::EdmType;
use crate::schema::GraphType;
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
    /// Reads a property schema through its recorded Graph type ([`GraphType::of`]); `None`
    /// when the schema records none.
    pub fn from_schema(schema: &Value) -> Option<FieldKind> {
        let ty = GraphType::of(schema)?;
        Some(FieldKind::of(&ty.edm, ty.members, schema))
    }

    /// Returns the kind of values of Graph type `edm` (listed enum `members`), integer bounds
    /// from `schema`.
    fn of(edm: &EdmType, members: Option<Vec<String>>, schema: &Value) -> FieldKind {
        let bound = |keyword, default| {
            schema
                .get(keyword)
                .and_then(Value::as_i64)
                .unwrap_or(default)
        };
        match edm {
            EdmType::String | EdmType::Stream => FieldKind::String,
            EdmType::DateTimeOffset => FieldKind::DateTime,
            EdmType::Enum(_) => members.map_or(FieldKind::OpenEnum, FieldKind::Enum),
            EdmType::Boolean => FieldKind::Boolean,
            EdmType::Byte | EdmType::SByte | EdmType::Int16 | EdmType::Int32 | EdmType::Int64 => {
                FieldKind::Integer {
                    min: bound("minimum", i64::from(i32::MIN)),
                    max: bound("maximum", i64::from(i32::MAX)),
                }
            }
            EdmType::Single | EdmType::Double | EdmType::Decimal => FieldKind::Number,
            EdmType::Guid => FieldKind::Guid,
            EdmType::Date => FieldKind::Date,
            EdmType::TimeOfDay => FieldKind::TimeOfDay,
            EdmType::Duration => FieldKind::Duration,
            EdmType::Binary => FieldKind::Binary,
            EdmType::Named(_) => FieldKind::Object,
            EdmType::Collection(inner) => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                FieldKind::Array(Box::new(FieldKind::of(inner, members, items)))
            }
        }
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
