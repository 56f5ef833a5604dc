//! Reading Graph reference pages: markdown to blocks, blocks to one operation per page,
//! with diagnostics that point at the page line.

mod http;
mod lint;
mod markdown;
mod page;
pub mod resource_page;
mod types;

pub use lint::json_type_fits;
pub use markdown::Document;
pub use page::{Page, PageReport, read_document, read_page};
pub use resource_page::{
    ResourcePage, ResourcePageReport, read_resource_document, read_resource_page,
};
