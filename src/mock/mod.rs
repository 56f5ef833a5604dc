//! The reference mock server: serves a derived suite's operations the way the documented
//! Graph API behaves, with optional faults that each break exactly one behaviour, so that a
//! conformance run can be checked against a target whose deviations are known.
//!
//! Everything is generated from the suite's case files and schemas; no resource is special.

mod answer;
mod body;
mod coding;
mod contract;
mod fault;
mod handler;
mod invoke;
mod paging;
mod query;
mod read;
mod reference;
mod render;
mod resource;
mod server;
mod store;
mod transport;
mod write;

pub use coding::gzip;
pub use contract::LeftOut;
pub use fault::{FAULT_HEADER, Fault, FaultKind, FaultSet, UnknownFault};
pub use server::{DEFAULT_PAGE_SIZE, MockConfig, MockError, MockServer};
pub use transport::Transport;
