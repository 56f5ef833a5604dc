//! graph-conformance: contract and conformance tests for REST APIs documented the way
//! Microsoft Graph documents its own.
//!
//! Data flows one way: pages --[`docs`]--> [`model`] --[`derive`]--> contract
//! --[`schema`] and [`case`]--> `schemas/` + `cases/` files ([`emit`]).

pub mod atomic_file;
pub mod baseline;
pub mod case;
pub mod checks;
pub mod console;
pub mod coverage;
pub mod credentials;
pub mod derive;
pub mod diagnostic;
pub mod docs;
pub mod emit;
pub mod endpoint;
pub mod format;
pub mod generate;
pub mod input_file;
pub mod metadata;
pub mod mock;
pub mod model;
pub mod path_template;
pub mod report;
pub mod results;
pub mod run;
pub mod schema;
pub mod secret;
pub mod suite;
