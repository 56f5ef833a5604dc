//! Pages to a contract: every usable page becomes an operation, and the pages that document
//! the same resource are merged into one resource, or reported when they disagree.

use crate::diagnostic::{Code, Diagnostic};
use crate::docs::{Page, read_page};
use crate::input_file::{InputFileError, PAGE_LIMIT, read_bounded};
use crate::model::{Operation, OperationSpans, Property, Resource, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A page's text and the file name it is known by in spans.
#[derive(Debug, Clone)]
pub struct PageSource {
    pub name: String,
    pub text: String,
}

/// The derived contract: resources and operations, in name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contract {
    pub resources: Vec<Resource>,
    pub operations: Vec<Operation>,
}

impl Contract {
    /// Returns the resource called `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

/// The outcome of deriving a set of pages.
#[derive(Debug, Clone)]
pub struct Derivation {
    pub contract: Contract,
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
}

impl Derivation {
    /// Counts the diagnostics of `severity`.
    pub fn count(&self, severity: crate::diagnostic::Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Why pages could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] InputFileError),
    #[error("{path} holds no .md or .txt page")]
    NoPages { path: PathBuf },
}

/// Reads the pages named by `paths`: files as given, directories as every `.md` and `.txt`
/// file in them, in sorted order.
pub fn collect_pages(paths: &[PathBuf]) -> Result<Vec<PageSource>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(expand(path)?);
    }
    files
        .iter()
        .map(|file| {
            let bytes = read_bounded(file, PAGE_LIMIT, "page")?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            Ok(PageSource { name, text })
        })
        .collect()
}

fn expand(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(unreadable)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        // every `.md`/`.txt` entry but a directory: a FIFO or a device among them is refused
        // when read, not skipped in silence
        .filter(|p| {
            !p.is_dir() && matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(InputError::NoPages {
            path: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// Derives the contract from `pages`.
pub fn derive(pages: &[PageSource]) -> Derivation {
    let mut merger = Merger::default();
    for source in pages {
        if source.text.contains('\u{fffd}') {
            let span = Span::new(&source.name, 1, 1);
            let d = Diagnostic::new(
                Code::Encoding,
                span,
                "the page is not valid UTF-8; invalid bytes were replaced",
            );
            merger.diagnostics.push(d);
        }
        let report = read_page(&source.name, &source.text);
        merger.diagnostics.extend(report.diagnostics);
        if let Some(page) = report.page {
            merger.add(page);
        }
    }
    merger.finish(pages.len())
}

#[derive(Default)]
struct Merger {
    resources: BTreeMap<String, Resource>,
    operations: BTreeMap<String, Operation>,
    diagnostics: Vec<Diagnostic>,
}

impl Merger {
    fn add(&mut self, page: Page) {
        if let Some(other) = self.case_twin(&page.resource) {
            let msg = format!(
                "resource `{}` differs from `{}` (documented at {}) only in letter case: their files would collide on a case-insensitive file system; this page is not used",
                page.resource,
                other.name,
                other
                    .spans
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
            self.diagnostics.push(Diagnostic::new(
                Code::NameCollision,
                page.request_line.clone(),
                msg,
            ));
            return;
        }
        let id = format!("{}-{}", page.kind.verb(), page.resource);
        if let Some(other) = self.operations.get(&id) {
            let msg = format!(
                "operation `{id}` is already documented at {}; this page is not used",
                other.spans.request_line
            );
            self.diagnostics.push(Diagnostic::new(
                Code::DuplicateOperation,
                page.request_line.clone(),
                msg,
            ));
            return;
        }
        if !self.merge_resource(&page) {
            return;
        }
        let operation = Operation {
            id: id.clone(),
            kind: page.kind,
            title: page.title,
            method: page.method,
            path: page.path,
            parameters: page.parameters,
            resource: page.resource,
            status: page.status.clone(),
            examples: page.examples,
            page: page.file,
            spans: OperationSpans {
                title: page.title_span,
                request_line: page.request_line,
                property_table: page.property_table,
                status: page.status.span,
            },
        };
        self.operations.insert(id, operation);
    }

    /// Returns the resource whose name equals `name` but for letter case (`Widget`, `widget`).
    fn case_twin(&self, name: &str) -> Option<&Resource> {
        self.resources
            .values()
            .find(|r| r.name != name && r.name.eq_ignore_ascii_case(name))
    }

    /// Merges the page's table into its resource; false when they conflict.
    fn merge_resource(&mut self, page: &Page) -> bool {
        let Some(existing) = self.resources.get_mut(&page.resource) else {
            let resource = Resource {
                name: page.resource.clone(),
                properties: page.properties.clone(),
                spans: vec![page.property_table.clone()],
            };
            self.resources.insert(page.resource.clone(), resource);
            return true;
        };
        let conflicts: Vec<Diagnostic> = page
            .properties
            .iter()
            .filter_map(|p| {
                existing
                    .property(&p.name)
                    .and_then(|known| conflict(&page.resource, known, p))
            })
            .collect();
        if !conflicts.is_empty() {
            self.diagnostics.extend(conflicts);
            return false;
        }
        for property in &page.properties {
            if existing.property(&property.name).is_none() {
                existing.properties.push(property.clone());
            }
        }
        existing.spans.push(page.property_table.clone());
        true
    }

    fn finish(mut self, pages: usize) -> Derivation {
        self.diagnostics.sort();
        self.diagnostics.dedup();
        Derivation {
            contract: Contract {
                resources: self.resources.into_values().collect(),
                operations: self.operations.into_values().collect(),
            },
            diagnostics: self.diagnostics,
            pages,
        }
    }
}

fn conflict(resource: &str, known: &Property, new: &Property) -> Option<Diagnostic> {
    let describe = |p: &Property| {
        let mut members = p.members.clone();
        members.sort();
        if members.is_empty() {
            format!("`{}`", p.ty.display_name())
        } else {
            format!(
                "`{}` with values {}",
                p.ty.display_name(),
                members.join(", ")
            )
        }
    };
    let (a, b) = (describe(known), describe(new));
    (a != b).then(|| {
        let msg = format!(
            "property `{}` of `{resource}` is {b} here but {a} at {}; this page is not used",
            new.name, known.span
        );
        Diagnostic::new(Code::PropertyConflict, new.span.clone(), msg)
    })
}
