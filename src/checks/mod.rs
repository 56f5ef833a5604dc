//! The checks: what a server's answer is held to, each a closed, typed failure with a stable
//! code, a name, a severity and the page line of the rule it enforces.

mod check;
mod conventions;
mod kept;
mod lifecycle;
mod lists;
mod object;
mod response;
mod values;

pub use check::{Check, Evidence, Finding, parse_span, span_text};
pub use conventions::{convention_breached, enum_case, error_shape, odata_type_present};
pub use kept::{unkept, unkept_values};
pub use lifecycle::{gone, not_found_after_write, read_back, reference, same_read};
pub use lists::{
    ItemIds, PagingFault, count, filter, list_items, listed, next_link, paging, select, top,
};
pub use object::{echo, new_id, same_object};
pub use response::{
    Answer, Expected, QUOTE_CAP, SuccessVerdict, check_rejected, check_status, check_success,
    check_valid_status, describe_status, is_server_error, is_valid_status, server_error, transport,
};
pub use values::{echo_mismatches, is_nfc_of, json_kind, same_value};
