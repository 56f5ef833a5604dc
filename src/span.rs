//! A position in a source page. The lowest layer: page diagnostics, the model, findings and
//! reports all point back at a page line with it, so it depends on nothing of the crate.

use serde::{Deserialize, Serialize};

/// A position in a source page: file name (never a machine path), 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl Span {
    /// Builds a span in `file` at `line`:`col`.
    pub fn new(file: impl Into<String>, line: u32, col: u32) -> Self {
        Span {
            file: file.into(),
            line,
            col,
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}
