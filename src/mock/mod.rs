//! The reference mock server: serves a derived suite's operations the way the documented
//! Graph API behaves, with optional faults that each break exactly one behaviour, so that a
//! conformance run can be checked against a target whose deviations are known.
//!
//! Everything is generated from the suite's case files and schemas; no resource is special.

mod body;
mod coding;
mod contract;
mod fault;
mod handler;
mod render;
mod server;
mod store;
mod transport;

pub use coding::gzip;
pub use fault::{FAULT_HEADER, Fault, FaultKind, FaultSet, UnknownFault};
pub use server::{MockConfig, MockError, MockServer};
pub use transport::Transport;
