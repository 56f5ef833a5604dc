//! The documented API as data: resources with their typed properties, and the operations
//! that act on them, each carrying the page spans it was read from.
//!
//! Everything downstream (schemas, cases, checks, reports) points back at a page line through
//! these spans, so a finding can always quote the sentence of the documentation it enforces.

use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};

/// Every model node carries the page position it was read from (see [`crate::span`]).
pub use crate::span::Span;

/// A Graph (Edm) type as written in a property table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum EdmType {
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    Guid,
    Date,
    TimeOfDay,
    Duration,
    DateTimeOffset,
    Binary,
    Stream,
    /// A named enum type whose members the table lists ("Possible values are: ...").
    Enum(String),
    /// A named complex type or resource (an object); members unknown to the page.
    Named(String),
    /// `X collection` or `Collection(X)`.
    Collection(Box<EdmType>),
}

impl EdmType {
    /// Returns the primitive Edm type called `name` (case-insensitive, optional `Edm.` prefix).
    pub fn primitive(name: &str) -> Option<EdmType> {
        let bare = name.trim();
        let bare = bare
            .strip_prefix("Edm.")
            .or_else(|| bare.strip_prefix("edm."))
            .unwrap_or(bare);
        let ty = match bare.to_ascii_lowercase().as_str() {
            "string" => EdmType::String,
            "boolean" | "bool" => EdmType::Boolean,
            "byte" => EdmType::Byte,
            "sbyte" => EdmType::SByte,
            "int16" => EdmType::Int16,
            "int32" | "int" | "integer" => EdmType::Int32,
            "int64" => EdmType::Int64,
            "single" | "float" => EdmType::Single,
            "double" => EdmType::Double,
            "decimal" => EdmType::Decimal,
            "guid" => EdmType::Guid,
            "date" => EdmType::Date,
            "timeofday" => EdmType::TimeOfDay,
            "duration" => EdmType::Duration,
            "datetimeoffset" => EdmType::DateTimeOffset,
            "binary" => EdmType::Binary,
            "stream" => EdmType::Stream,
            _ => return None,
        };
        Some(ty)
    }

    /// Returns the type's name as the documentation spells it.
    pub fn display_name(&self) -> String {
        match self {
            EdmType::Enum(name) | EdmType::Named(name) => name.clone(),
            EdmType::Collection(inner) => format!("{} collection", inner.display_name()),
            other => format!("{other:?}"),
        }
    }

    /// Returns the element type of a collection, or the type itself.
    pub fn element(&self) -> &EdmType {
        match self {
            EdmType::Collection(inner) => inner.element(),
            other => other,
        }
    }
}

/// One row of a property table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: EdmType,
    /// Enum members in the order the page lists them; empty for non-enum types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// A flags enum: a value is a comma-separated list of members (`"read,write"`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub flags: bool,
    /// The resource page's Required column (or "Required." in its description) says so.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The resource page's description says "Read-only".
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    pub span: Span,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Property {
    /// Tells whether this property is the resource key.
    pub fn is_key(&self) -> bool {
        self.name == "id"
    }
}

/// A resource (entity or complex type) merged from every page that documents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The Graph name, as in `#microsoft.graph.<name>`.
    pub name: String,
    pub properties: Vec<Property>,
    /// Every page table that contributed to this resource.
    pub spans: Vec<Span>,
    /// Navigation properties (a resource page's `Relationships` table): not part of the
    /// default response, so never among `properties`. Each is typed by its target
    /// (`Named(x)`, or a collection of it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Property>,
    /// The type it inherits from, as its resource page states ("Inherits from").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<String>,
}

impl Resource {
    /// Returns the property called `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Returns the `@odata.type` value of this resource.
    pub fn odata_type(&self) -> String {
        format!("#microsoft.graph.{}", self.name)
    }
}

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Parses an upper-case HTTP method token.
    pub fn parse(token: &str) -> Option<Method> {
        match token {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    /// Returns the method token.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A documented status code with its reason phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub code: u16,
    pub reason: String,
    pub span: Span,
}

/// One header line of an example message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The example request of a page, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleRequest {
    pub method: Method,
    pub url: String,
    /// The URL's path relative to the service root (`/deviceManagement/...`), query removed.
    pub path: String,
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    pub span: Span,
}

/// The example response of a page, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    pub span: Span,
}

/// A documented request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub request: ExampleRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ExampleResponse>,
    /// What derive found wrong with this example (it was checked against its page's table).
    #[serde(default)]
    pub findings: Vec<Diagnostic>,
}

impl Example {
    /// Tells whether the page's own table contradicts this example (see [`crate::diagnostic::Code::contradicts_page`]).
    pub fn contradicts_page(&self) -> bool {
        self.findings.iter().any(|f| f.code.contradicts_page())
    }

    /// Tells whether the example's request body itself contradicts the page's table (a
    /// finding before its response), so that sending it as written must be refused.
    pub fn request_contradicts_page(&self) -> bool {
        let response_line = self.response.as_ref().map_or(u32::MAX, |r| r.span.line);
        self.findings
            .iter()
            .any(|f| f.code.contradicts_page() && f.span.line < response_line)
    }
}

/// A path parameter (`{ndesConnectorId}`) of an operation's path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    /// Where the parameter appears: `path`, `query` or `function` (inside `name(...)`).
    #[serde(rename = "in")]
    pub location: String,
}

/// What an operation does, decided from its method, path, title and response sentence.
///
/// The set is closed: code that depends on the kind matches on it exhaustively, so a new
/// kind is a compile error wherever it is not handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// GET of one object (or a singleton, or a navigation to one object).
    Get,
    /// GET of a collection: `{"value": [...]}` with `@odata.nextLink` paging.
    List,
    /// POST of a new object into a collection.
    Create,
    /// PATCH of some properties.
    Update,
    /// PUT of a whole object (or of a stream).
    Replace,
    /// DELETE of an object.
    Delete,
    /// POST of a bound or unbound action, with a parameter table.
    Action,
    /// GET of a function, its parameters in the path.
    Function,
    /// POST (or PUT) of an `@odata.id` to a navigation's `$ref`.
    AddReference,
    /// DELETE of a navigation's `$ref`.
    RemoveReference,
    /// GET of a navigation's `$ref`: the `@odata.id`s of what it references.
    ListReferences,
}

impl OperationKind {
    /// Every kind, in declaration order.
    pub const ALL: [OperationKind; 11] = [
        OperationKind::Get,
        OperationKind::List,
        OperationKind::Create,
        OperationKind::Update,
        OperationKind::Replace,
        OperationKind::Delete,
        OperationKind::Action,
        OperationKind::Function,
        OperationKind::AddReference,
        OperationKind::RemoveReference,
        OperationKind::ListReferences,
    ];

    /// Tells whether an operation of this kind documented as answering `status` creates
    /// the object it addresses when there is none: a PUT documented as `201 Created` (an
    /// upsert), the one rule the mock and the plan both read.
    pub fn creates_when_absent(self, status: u16) -> bool {
        self == OperationKind::Replace && status == 201
    }

    /// Returns the verb used in operation ids.
    pub fn verb(self) -> &'static str {
        match self {
            OperationKind::Get => "get",
            OperationKind::List => "list",
            OperationKind::Create => "create",
            OperationKind::Update => "update",
            OperationKind::Replace => "replace",
            OperationKind::Delete => "delete",
            OperationKind::Action => "action",
            OperationKind::Function => "function",
            OperationKind::AddReference => "add-ref",
            OperationKind::RemoveReference => "remove-ref",
            OperationKind::ListReferences => "list-ref",
        }
    }

    /// Tells whether an operation of this kind sends a resource's properties as its body
    /// (and so contributes its property table to the resource).
    pub fn sends_resource(self) -> bool {
        match self {
            OperationKind::Create | OperationKind::Update | OperationKind::Replace => true,
            OperationKind::Get
            | OperationKind::List
            | OperationKind::Delete
            | OperationKind::Action
            | OperationKind::Function
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => false,
        }
    }
}

impl std::fmt::Display for OperationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.verb())
    }
}

/// What an operation's request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestBody {
    /// No body ("Do not supply a request body").
    None,
    /// The resource's properties (all of them for a create or replace, some for an update).
    Resource,
    /// An action's parameters, from its parameter table.
    Parameters { parameters: Vec<Property> },
    /// `{"@odata.id": "..."}` naming the object to reference.
    Reference,
    /// Raw content (`PUT .../$value`).
    Stream,
}

/// What a successful response carries, as the page's words state it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResponseBody {
    /// No body (`204 No Content`, or nothing stated).
    None,
    /// One object of the named resource.
    Resource { name: String },
    /// `{"value": [...]}` of objects of the named resource.
    Collection { name: String },
    /// A primitive value (`{"value": ...}`) or a collection of them.
    Primitive {
        #[serde(rename = "type")]
        ty: EdmType,
    },
    /// Raw content (`GET .../$value`).
    Stream,
}

/// One documented operation on a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Stable id, unique per (method, path) and case-insensitively: `<verb>-<resource>`
    /// (`update-ndesConnector`), qualified by the path when that alone would collide.
    pub id: String,
    pub kind: OperationKind,
    pub title: String,
    pub method: Method,
    /// The path template relative to the service root, `{placeholders}` kept.
    pub path: String,
    /// Every other documented path of the same operation (`/me/...` beside `/users/{id}/...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_paths: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub resource: String,
    pub request_body: RequestBody,
    pub response: ResponseBody,
    /// The OData query options the page states support for (`$select`, `$top`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_options: Vec<String>,
    /// The page states that an actual call returns every property.
    #[serde(default)]
    pub returns_all_properties: bool,
    pub status: Status,
    pub examples: Vec<Example>,
    /// The file name of the page (not a machine path).
    pub page: String,
    pub spans: OperationSpans,
}

/// Where each part of an operation was read on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationSpans {
    pub title: Span,
    pub request_line: Span,
    pub property_table: Span,
    pub status: Span,
    /// The request lines of the other pages that document the same operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<Span>,
}
