//! Payloads compiled from a request schema: proptest strategies for valid bodies (the core
//! every faithful Graph server accepts) and the fixed list of invalid ones (what every
//! faithful server must reject). The grey zone between the two is never generated.

mod boundary;
mod field;
mod invalid;
mod valid;
mod vocabulary;

pub use boundary::{Acceptance, BoundaryPayload, boundary_payloads};
pub use field::{Field, FieldKind, PayloadModel};
pub use invalid::{InvalidPayload, invalid_payloads};
pub(crate) use valid::guid;
pub use valid::{body_strategy, date_time_core, printable_string, value_strategy};
pub use vocabulary::{Joins, Neighbours, Vocabulary};
