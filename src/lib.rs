//! graph-conformance: contract and conformance tests for REST APIs documented the way
//! Microsoft Graph documents its own.
//!
//! Data flows one way: pages --[`docs`]--> [`model`] --[`derive`]--> contract
//! --[`schema`] and [`case`]--> `schemas/` + `cases/` files ([`emit`]) --[`suite`]--> the plan
//! and the runner ([`run`], with [`generate`] and [`checks`]) --> the record ([`results`])
//! --> [`baseline`], [`report`] and the console; the reference [`mock`] serves a suite.
//!
//! Module dependencies point the same way, with no cycle (`tests/layering.rs` checks it).
//! From the bottom, each layer uses only those below it:
//!
//! 1. Primitives, one implementation each: [`span`] (a page position), [`format`]
//!    (DateTimeOffset), [`path_template`], [`case_pattern`], [`secret`], [`credentials`],
//!    [`endpoint`], [`atomic_file`], [`input_file`], [`digest`] (FNV-1a).
//! 2. [`diagnostic`] (what is wrong with a page, at a span), then [`model`] (the documented
//!    API as data).
//! 3. Reading and deriving: [`docs`], [`metadata`], [`derive`], [`coverage`].
//! 4. The contract files: [`schema`] (with [`schema::GraphType`], the one reader of a
//!    property's Graph type), [`case`], [`emit`], then [`suite`] (loading them back, with the
//!    one `$ref` resolution).
//! 5. Running: [`generate`], [`checks`], [`failure`] (a failure's key and standing), the
//!    record [`results`], then [`run`].
//! 6. Judging and serving: [`baseline`] and [`gate`] (the exit code of a run), [`report`],
//!    [`console`], [`mock`], then [`target`] (the endpoint or the embedded mock) and
//!    [`replay`].
//!
//! `main.rs` parses arguments and dispatches to these modules.

pub mod atomic_file;
pub mod baseline;
pub mod case;
pub mod case_pattern;
pub mod checks;
pub mod console;
pub mod coverage;
pub mod credentials;
pub mod derive;
pub mod diagnostic;
pub mod digest;
pub mod docs;
pub mod emit;
pub mod endpoint;
pub mod failure;
pub mod format;
pub mod gate;
pub mod generate;
pub mod input_file;
pub mod metadata;
pub mod mock;
pub mod model;
pub mod path_template;
pub mod replay;
pub mod report;
pub mod results;
pub mod run;
pub mod schema;
pub mod secret;
pub mod span;
pub mod suite;
pub mod target;
