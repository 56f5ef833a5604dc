//! The contract as JSON Schema (2020-12) and OpenAPI 3.1.
//!
//! # Schema rules
//!
//! These rules are applied everywhere a schema is derived; the README repeats them.
//!
//! * The property table is the only source of a schema; examples never are. An example that
//!   breaks its table is a warning, recorded in its case file.
//! * `String` -> `string`; `DateTimeOffset` -> `string` with `format: date-time`, which the
//!   suite asserts (RFC 3339 with a mandatory offset; Graph allows up to 7 fraction digits);
//!   an enum type -> `string` with `enum` of the listed members, case-sensitive; `id` ->
//!   `string` (the key).
//! * Other Edm primitives: `Boolean` -> `boolean`; `Byte`, `SByte`, `Int16`, `Int32`, `Int64`
//!   -> `integer` within the type's range; `Single`, `Double`, `Decimal` -> `number` (or the
//!   strings `NaN`, `INF`, `-INF`); `Guid` -> `string` with `format: uuid`; `Date` -> `string`
//!   with `format: date`; `TimeOfDay` -> `string` `hh:mm:ss[.fffffff]`; `Duration` -> ISO 8601
//!   duration `string`; `Binary` -> base64 `string`; `X collection` -> `array` of X.
//! * A property typed as another resource or complex type is an `object`: a `$ref` to that
//!   resource's schema when a page defines it.
//! * `@odata.type` -> `const: "#microsoft.graph.<resource>"`: allowed, never required.
//! * Response schema: the key (`id`) is required; every documented property is required too
//!   when a page of the resource states that an actual call returns all of them ("All of the
//!   properties will be returned ..." or "All properties will be returned ..."; one operation
//!   of the resource saying so is enough, as all its operations answer with the same object),
//!   and otherwise nothing else is (a live `GET` returns a default subset unless `$select`
//!   names more; examples are truncated, so an example's absence of a property means
//!   nothing). A value the request sent must still come back: that is the echo check, not
//!   the schema. Every property but the key may be `null` (unset: a server that was never
//!   sent an enum has no value to return, and the pages name no default); properties the
//!   page does not list are allowed (pages are partial, and `@odata.context`/`@odata.etag`
//!   come and go).
//! * Request schema: nothing is required (create sends no `id`, whatever the boilerplate
//!   sentence says); nothing is nullable (null is never sent by the suite); properties the
//!   table does not list are rejected, except `@odata.*` annotations.
//! * Every property schema records its Graph type (`x-graph-type`) and its table row
//!   (`x-source: "page:line:col"`); an enum whose members the page does not list is a plain
//!   string marked `x-enum-unlisted`.

pub mod bodies;
mod examples;
mod graph_type;
mod openapi;
mod refs;
mod rules;

pub use graph_type::GraphType;
pub use openapi::{openapi_document, openapi_text};
pub use rules::{Variant, property_schema, resource_document, schema_id};

/// The JSON Schema dialect of every derived schema.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Returns the top-level property a JSON pointer into a body starts with (`/a~1b/0` names
/// `a/b`); `None` for the body itself.
pub fn top_level_property(pointer: &str) -> Option<String> {
    let segment = pointer.strip_prefix('/')?.split('/').next()?;
    Some(segment.replace("~1", "/").replace("~0", "~"))
}
