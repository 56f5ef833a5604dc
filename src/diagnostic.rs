//! Diagnostics: documentation problems found while reading pages, each pointing at the
//! offending source line the way rustc and hurl do (`file:line:col: error[code]: message`).

use crate::span::Span;
use serde::{Deserialize, Serialize};

/// How bad a documentation problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The page (or the part of the contract it defines) cannot be used.
    Error,
    /// A documentation defect that derive works around.
    Warning,
    /// Information, such as a page of a kind derive does not support yet.
    Note,
}

impl Severity {
    /// Returns the word rustc uses for this severity.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// The closed set of problems derive reports; the kebab-case name is the stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    // errors
    NoRequestLine,
    NoPropertyTable,
    NoSuccessStatus,
    ExampleNotJson,
    ExampleMalformed,
    PropertyConflict,
    DuplicateOperation,
    UnsafePath,
    NameCollision,
    NotAPath,
    // warnings
    ExampleShape,
    OtherMethods,
    ExampleEnum,
    ExampleType,
    ExampleFormat,
    ExampleUnlistedProperty,
    ExampleOdataType,
    ExampleStatus,
    StatusFromExample,
    ContentLength,
    TodoPlaceholder,
    FrontMatter,
    TableRow,
    EnumMembers,
    Encoding,
    // notes
    Skipped,
    // warnings of the metadata cross-check: the page and the CSDL disagree on a property
    MetadataPrimitiveType,
    MetadataEnumString,
    MetadataCollection,
    MetadataEnumMembers,
    MetadataNamedType,
    // warnings (resource pages)
    JsonRepresentation,
    // warnings (derive): a method page's row and the resource page disagree
    ResourcePageConflict,
}

impl Code {
    /// Returns the stable code as printed in diagnostics.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NoRequestLine => "no-request-line",
            Code::NoPropertyTable => "no-property-table",
            Code::NoSuccessStatus => "no-success-status",
            Code::ExampleNotJson => "example-not-json",
            Code::ExampleMalformed => "example-malformed",
            Code::PropertyConflict => "property-conflict",
            Code::DuplicateOperation => "duplicate-operation",
            Code::UnsafePath => "unsafe-path",
            Code::NameCollision => "name-collision",
            Code::NotAPath => "not-a-path",
            Code::ExampleShape => "example-shape",
            Code::OtherMethods => "other-methods",
            Code::ExampleEnum => "example-enum",
            Code::ExampleType => "example-type",
            Code::ExampleFormat => "example-format",
            Code::ExampleUnlistedProperty => "example-unlisted-property",
            Code::ExampleOdataType => "example-odata-type",
            Code::ExampleStatus => "example-status",
            Code::StatusFromExample => "status-from-example",
            Code::ContentLength => "content-length",
            Code::TodoPlaceholder => "todo-placeholder",
            Code::FrontMatter => "front-matter",
            Code::TableRow => "table-row",
            Code::EnumMembers => "enum-members",
            Code::Encoding => "encoding",
            Code::Skipped => "skipped",
            Code::MetadataPrimitiveType => "metadata-primitive-type",
            Code::MetadataEnumString => "metadata-enum-string",
            Code::MetadataCollection => "metadata-collection",
            Code::MetadataEnumMembers => "metadata-enum-members",
            Code::MetadataNamedType => "metadata-named-type",
            Code::JsonRepresentation => "json-representation",
            Code::ResourcePageConflict => "resource-page-conflict",
        }
    }

    /// Returns the severity this code always has.
    pub fn severity(self) -> Severity {
        match self {
            Code::NoRequestLine
            | Code::NoSuccessStatus
            | Code::ExampleMalformed
            | Code::NotAPath
            | Code::PropertyConflict
            | Code::DuplicateOperation
            | Code::UnsafePath
            | Code::NameCollision => Severity::Error,
            Code::Skipped => Severity::Note,
            _ => Severity::Warning,
        }
    }

    /// Tells whether an example carrying this finding contradicts its own page's table,
    /// so that it must not be taken as a positive example of the contract.
    pub fn contradicts_page(self) -> bool {
        matches!(
            self,
            Code::ExampleEnum
                | Code::ExampleType
                | Code::ExampleFormat
                | Code::ExampleOdataType
                | Code::ExampleShape
        )
    }
}

/// One problem, at one place in one page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
}

impl Diagnostic {
    /// Builds a diagnostic whose severity follows from its code.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            severity: code.severity(),
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Code::Skipped => write!(f, "{}: note: skipped: {}", self.span, self.message),
            code => write!(
                f,
                "{}: {}[{}]: {}",
                self.span,
                self.severity.as_str(),
                code.as_str(),
                self.message
            ),
        }
    }
}
