//! Pages to a contract: every usable page becomes an operation, and the pages that document
//! the same resource are merged into one resource, or reported when they disagree.

mod reference;

use crate::diagnostic::{Code, Diagnostic};
use crate::docs::{
    Document, Page, PageReport, ResourcePage, read_document, read_resource_document,
};
use crate::input_file::{InputFileError, PAGE_LIMIT, read_bounded};
use crate::model::{
    EdmType, Method, Operation, OperationKind, OperationSpans, Property, RequestBody, Resource,
    ResponseBody, Span,
};
use rayon::prelude::*;
use reference::{Reference, agrees};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The pages read as resource or enum pages, in input order: they define types, not
    /// operations, so coverage does not count them among the method pages.
    pub resource_pages: Vec<String>,
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
/// file in them and in their subdirectories (`api/` and `resources/` together), in sorted
/// order of their paths.
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
    let mut files = Vec::new();
    let mut visited = BTreeSet::new();
    walk(path, &mut visited, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(InputError::NoPages {
            path: path.to_path_buf(),
        });
    }
    Ok(files)
}

/// Adds the pages of directory `dir` and of its subdirectories to `files`; a directory
/// reached again through a link is not read twice (no loop).
fn walk(
    dir: &Path,
    visited: &mut BTreeSet<PathBuf>,
    files: &mut Vec<PathBuf>,
) -> Result<(), InputError> {
    let unreadable = |source| InputError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let canonical = std::fs::canonicalize(dir).map_err(unreadable)?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, visited, files)?;
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("md" | "txt")
        ) {
            // every `.md`/`.txt` entry but a directory: a FIFO or a device among them is
            // refused when read, not skipped in silence
            files.push(entry);
        }
    }
    Ok(())
}

/// Makes the calling thread one of derive's parallel workers (a process-wide setting, made
/// before the first parallel step; later calls change nothing). Derive then allocates from
/// as many threads as there are cores, not one more, and each allocating thread holds
/// memory of its own: on the whole reference this keeps the peak under 100 MB.
pub fn work_on_this_thread() {
    // an error means a pool already exists: derive then runs on it, as it would anyway
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// What one page gave: a method page's operation, or a resource or enum page's types.
enum PageRead {
    Method(Box<PageReport>),
    Types(ResourcePage, Vec<Diagnostic>),
}

/// Reads one page: as a method page, and, when it is no method page (no operation and no
/// `HTTP request` section), as a resource or enum page. The markdown is parsed once.
fn read_source(source: &PageSource) -> (Option<Diagnostic>, PageRead) {
    let encoding = source.text.contains('\u{fffd}').then(|| {
        let span = Span::new(&source.name, 1, 1);
        Diagnostic::new(
            Code::Encoding,
            span,
            "the page is not valid UTF-8; invalid bytes were replaced",
        )
    });
    let document = Document::parse(&source.text);
    let report = read_document(&source.name, &document);
    if report.page.is_none() && !report.request_section {
        let types = read_resource_document(&source.name, &document);
        if let Some(page) = types.page {
            return (encoding, PageRead::Types(page, types.diagnostics));
        }
    }
    (encoding, PageRead::Method(Box::new(report)))
}

/// Derives the contract from `pages`.
///
/// Pages are read in parallel (each page alone: that is most of derive's time); what they
/// gave is then merged in page order, so the result does not depend on the thread count.
pub fn derive(pages: &[PageSource]) -> Derivation {
    let mut merger = Merger::default();
    let mut read = Vec::new();
    let mut reference = Reference::default();
    let mut resource_pages = Vec::new();
    let reads: Vec<(Option<Diagnostic>, PageRead)> = pages.par_iter().map(read_source).collect();
    for (source, (encoding, page_read)) in pages.iter().zip(reads) {
        merger.diagnostics.extend(encoding);
        match page_read {
            PageRead::Types(page, diagnostics) => {
                merger.diagnostics.extend(diagnostics);
                reference.add(page);
                resource_pages.push(source.name.clone());
            }
            PageRead::Method(report) => {
                merger.diagnostics.extend(report.diagnostics);
                read.extend(report.page);
                read.extend(report.references);
            }
        }
    }
    let named = name_from_reference(&reference, &mut read);
    let mut spelling = spellings(read.iter().map(|p| p.resource.as_str()));
    for name in named {
        spelling.insert(name.to_lowercase(), name);
    }
    let mut defined_elsewhere = Vec::new();
    for mut page in read {
        if let Some(name) = spelling.get(&page.resource.to_lowercase()) {
            page.resource.clone_from(name);
        }
        resolve_enums(&reference, &mut page);
        let defining = reference
            .type_page(&page.resource, page.resource_page.as_deref())
            .filter(|tp| tp.name == page.resource && !merger.defined.contains_key(&tp.name));
        if let Some(tp) = defining {
            merger.define(reference.resource(tp));
        }
        if page.property_table.is_none() && page.kind.sends_resource() {
            defined_elsewhere.push((page.resource.clone(), page.request_line.clone()));
        }
        merger.add(page);
    }
    merger.drop_answered_tables(&defined_elsewhere);
    let mut derivation = merger.finish(pages.len());
    derivation.resource_pages = resource_pages;
    derivation
}

/// Names each page's resource as its resource page does, when that page is given (the
/// page the method page links, else the type of that name), and the resources its response
/// names likewise; returns the names taken from resource pages.
fn name_from_reference(reference: &Reference, pages: &mut [Page]) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for page in pages {
        let old = page.resource.clone();
        if let Some(name) = titled_type(reference, page) {
            page.resource = name.to_string();
            named.insert(page.resource.clone());
        } else if let Some(tp) = reference.type_page(&page.resource, page.resource_page.as_deref())
        {
            page.resource.clone_from(&tp.name);
            named.insert(tp.name.clone());
        }
        if let ResponseBody::Resource { name } | ResponseBody::Collection { name } =
            &mut page.response
        {
            if name.eq_ignore_ascii_case(&old) {
                name.clone_from(&page.resource);
            } else if let Some(spelled) = reference.type_name(name) {
                *name = spelled.to_string();
            }
        }
    }
    named
}

/// The type a delete page's title names as its object (`Delete plannerPlan`, `Delete a
/// user`, `Delete tab from channel`: the word after the verb and an article, when no word
/// but a preposition follows it), when a resource page defines it: a delete
/// page has no body to name it, and its path's last collection (`plans`) or the first page
/// its introduction links (`directory`, for deleted items) is a guess.
fn titled_type<'r>(reference: &'r Reference, page: &Page) -> Option<&'r str> {
    if page.kind != crate::model::OperationKind::Delete {
        return None;
    }
    let mut words = page.title.split_whitespace().skip(1);
    let word = words.find(|w| !matches!(w.to_ascii_lowercase().as_str(), "a" | "an" | "the"))?;
    // a word that the next one qualifies (`group setting`, `drive item`) is not the object
    let qualified = words.next().is_some_and(|w| {
        !matches!(
            w.to_ascii_lowercase().as_str(),
            "from" | "in" | "of" | "for" | "on"
        )
    });
    if qualified {
        return None;
    }
    reference.type_name(word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
}

/// Resolves the enum types of a page's rows and parameters with the enum pages given.
fn resolve_enums(reference: &Reference, page: &mut Page) {
    for property in &mut page.properties {
        reference.resolve_enum(property);
    }
    if let RequestBody::Parameters { parameters } = &mut page.request_body {
        for property in parameters {
            reference.resolve_enum(property);
        }
    }
}

/// One spelling per resource name that pages write in several letter cases (`DriveItem`,
/// `driveitem`, `driveItem`): Graph type names are camelCase, so the spelling that starts
/// with a lower-case letter and has the most upper-case ones wins (then the first in order).
fn spellings<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut best: BTreeMap<String, String> = BTreeMap::new();
    let rank = |n: &str| {
        let lower_first = n.starts_with(|c: char| c.is_ascii_lowercase());
        let uppers = n.chars().filter(char::is_ascii_uppercase).count();
        (lower_first, uppers, std::cmp::Reverse(n.to_string()))
    };
    for name in names {
        let entry = best
            .entry(name.to_lowercase())
            .or_insert_with(|| name.to_string());
        if rank(name) > rank(entry) {
            *entry = name.to_string();
        }
    }
    best
}

#[derive(Default)]
struct Merger {
    resources: BTreeMap<String, Resource>,
    operations: Vec<Operation>,
    /// Each documented (method, path) to the operation that holds it.
    routes: BTreeMap<(Method, String), Vec<usize>>,
    diagnostics: Vec<Diagnostic>,
    /// The resources a resource page defines, with the names of the properties it defines.
    defined: BTreeMap<String, BTreeSet<String>>,
}

/// A path as routes compare: placeholder names erased, letter case folded (Graph compares
/// segments case-insensitively), so `/users/{id}` and `/Users/{usersId}` are one route.
fn route(path: &str) -> String {
    crate::path_template::PathTemplate::parse(path).shape()
}

impl Merger {
    /// Takes `resource` as its resource page defines it, before any method page joins it.
    fn define(&mut self, resource: Resource) {
        let names = resource.properties.iter().map(|p| p.name.clone()).collect();
        self.defined.insert(resource.name.clone(), names);
        self.resources.insert(resource.name.clone(), resource);
    }

    /// Drops the `no-property-table` finding of each create, update or replace page whose
    /// resource page defines the properties it has no table for.
    fn drop_answered_tables(&mut self, pages: &[(String, Span)]) {
        let answered: BTreeSet<&Span> = pages
            .iter()
            .filter(|(resource, _)| self.defined.get(resource).is_some_and(|p| !p.is_empty()))
            .map(|(_, span)| span)
            .collect();
        self.diagnostics
            .retain(|d| !(d.code == Code::NoPropertyTable && answered.contains(&d.span)));
    }

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
        if let Some(row) = self.container_row(&page) {
            let msg = format!(
                "the body holds `{}`, a collection of `{}`: the request creates the object that holds them, which the page does not name; this page is not used",
                row.name, page.resource
            );
            self.diagnostics
                .push(Diagnostic::new(Code::Skipped, row.span.clone(), msg));
            return;
        }
        let routes: Vec<(Method, String)> = std::iter::once(&page.path)
            .chain(&page.alternative_paths)
            .map(|p| (page.method, route(p)))
            .collect();
        // the same operation: one of its paths is known for the same resource. A route that
        // serves several types (a polymorphic collection, as Intune's deviceConfigurations)
        // is one operation per type, each with its own properties; and pages that list many
        // paths do not chain unrelated operations together.
        let known = routes
            .iter()
            .filter_map(|r| self.routes.get(r))
            .flatten()
            .copied()
            .find(|&i| self.operations[i].resource == page.resource);
        if let Some(index) = known {
            self.merge_page(index, page, routes);
            return;
        }
        self.merge_resource(&page);
        let index = self.operations.len();
        for r in routes {
            self.routes.entry(r).or_default().push(index);
        }
        self.operations.push(operation(page));
    }

    /// Adds a page that documents an operation already known: its paths, table rows and
    /// examples join the operation, its request line is kept among the sources; a page that
    /// documents the route as another kind contradicts it.
    fn merge_page(&mut self, index: usize, page: Page, routes: Vec<(Method, String)>) {
        let existing = &self.operations[index];
        if existing.kind != page.kind {
            let msg = format!(
                "`{} {}` is documented as a {} at {} but as a {} here; this page is not used",
                page.method, page.path, existing.kind, existing.spans.request_line, page.kind
            );
            self.diagnostics.push(Diagnostic::new(
                Code::DuplicateOperation,
                page.request_line.clone(),
                msg,
            ));
            return;
        }
        if page.resource == existing.resource {
            self.merge_resource(&page);
        }
        for r in routes {
            let holders = self.routes.entry(r).or_default();
            if !holders.contains(&index) {
                holders.push(index);
            }
        }
        let operation = &mut self.operations[index];
        for path in std::iter::once(&page.path).chain(&page.alternative_paths) {
            let known = std::iter::once(&operation.path)
                .chain(&operation.alternative_paths)
                .any(|p| route(p) == route(path));
            if !known {
                operation.alternative_paths.push(path.clone());
            }
        }
        if let RequestBody::Parameters { parameters } = &mut operation.request_body {
            for p in &page.properties {
                if !parameters.iter().any(|known| known.name == p.name) {
                    parameters.push(p.clone());
                }
            }
        }
        for option in page.query_options {
            if !operation.query_options.contains(&option) {
                operation.query_options.push(option);
            }
        }
        operation.query_options.sort();
        operation.returns_all_properties |= page.returns_all_properties;
        operation.examples.extend(page.examples);
        operation.spans.merged.push(page.request_line);
    }

    /// Returns the resource whose name equals `name` but for letter case (`Widget`, `widget`).
    fn case_twin(&self, name: &str) -> Option<&Resource> {
        self.resources
            .values()
            .find(|r| r.name != name && r.name.eq_ignore_ascii_case(name))
    }

    /// The row of a page that sends its resource whose type is a collection of that very
    /// resource, when the resource's page does not list it: the page writes objects into a
    /// container (extended properties into a new message's `multiValueExtendedProperties`),
    /// so what its request line creates is the container, not the resource it names.
    fn container_row<'p>(&self, page: &'p Page) -> Option<&'p Property> {
        let defined = self.defined.get(&page.resource)?;
        if !page.kind.sends_resource() {
            return None;
        }
        page.properties
            .iter()
            .find(|p| !defined.contains(&p.name) && holds_its_own_kind(&page.resource, p))
    }

    /// Merges the page's table into its resource (only pages that send the resource describe
    /// it); a property typed otherwise than where it was first documented is an error naming
    /// both places, and the first definition stays.
    fn merge_resource(&mut self, page: &Page) {
        let describes = page.kind.sends_resource() && page.property_table.is_some();
        let table = page
            .property_table
            .clone()
            .unwrap_or_else(|| page.request_line.clone());
        let Some(existing) = self.resources.get_mut(&page.resource) else {
            let resource = Resource {
                name: page.resource.clone(),
                properties: if describes {
                    page.properties.clone()
                } else {
                    Vec::new()
                },
                spans: if describes { vec![table] } else { Vec::new() },
                relationships: Vec::new(),
                base_type: None,
            };
            self.resources.insert(page.resource.clone(), resource);
            return;
        };
        if !describes {
            return;
        }
        let defined = self.defined.get(&page.resource);
        for property in &page.properties {
            if existing
                .relationships
                .iter()
                .any(|r| r.name == property.name)
            {
                continue;
            }
            if let Some(known) = existing
                .property(&property.name)
                .filter(|_| defined.is_some_and(|d| d.contains(&property.name)))
            {
                if !agrees(property, known) {
                    let d = page_conflict(&page.resource, known, property);
                    self.diagnostics.push(d);
                }
                continue;
            }
            match existing.property(&property.name) {
                Some(known) => self
                    .diagnostics
                    .extend(conflict(&page.resource, known, property)),
                None => existing.properties.push(property.clone()),
            }
        }
        existing.spans.push(table);
    }

    fn finish(mut self, pages: usize) -> Derivation {
        assign_ids(&mut self.operations);
        self.operations.sort_by(|a, b| a.id.cmp(&b.id));
        self.diagnostics.sort();
        self.diagnostics.dedup();
        Derivation {
            contract: Contract {
                resources: self.resources.into_values().collect(),
                operations: self.operations,
            },
            diagnostics: self.diagnostics,
            pages,
            resource_pages: Vec::new(),
        }
    }
}

/// The operation a page documents (its id is assigned once every page is read).
fn operation(page: Page) -> Operation {
    let property_table = page
        .property_table
        .clone()
        .unwrap_or_else(|| page.request_line.clone());
    Operation {
        id: String::new(),
        kind: page.kind,
        title: page.title,
        method: page.method,
        path: page.path,
        alternative_paths: page.alternative_paths,
        parameters: page.parameters,
        resource: page.resource,
        request_body: page.request_body,
        response: page.response,
        query_options: page.query_options,
        returns_all_properties: page.returns_all_properties,
        status: page.status.clone(),
        examples: page.examples,
        page: page.file,
        spans: OperationSpans {
            title: page.title_span,
            request_line: page.request_line,
            property_table,
            status: page.status.span,
            merged: Vec::new(),
        },
    }
}

/// Gives every operation its id: `<verb>-<resource>` (actions, functions and references
/// add the name they call or navigate), qualified by the path's segments where that alone
/// would collide, case-insensitively (ids are file names).
fn assign_ids(operations: &mut [Operation]) {
    let bases: Vec<String> = operations.iter().map(base_id).collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for base in &bases {
        *count.entry(base.to_lowercase()).or_default() += 1;
    }
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut order: Vec<usize> = (0..operations.len()).collect();
    order.sort_by(|&a, &b| {
        (&operations[a].path, operations[a].method)
            .cmp(&(&operations[b].path, operations[b].method))
    });
    for i in order {
        let base = &bases[i];
        let mut id = if count[&base.to_lowercase()] > 1 {
            format!("{base}-{}", path_slug(&operations[i].path))
        } else {
            base.clone()
        };
        let n = taken.entry(id.to_lowercase()).or_default();
        *n += 1;
        if *n > 1 {
            id = format!("{id}-{n}");
        }
        operations[i].id = id;
    }
}

fn base_id(operation: &Operation) -> String {
    let verb = operation.kind.verb();
    let resource = &operation.resource;
    let segments: Vec<&str> = operation
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let named = |s: &str| !s.starts_with('{') && !s.starts_with('$') && !s.starts_with('(');
    let called = |s: &str| {
        let name = s.split('(').next().unwrap_or(s);
        name.rsplit('.').next().unwrap_or(name).to_string()
    };
    match operation.kind {
        OperationKind::Action | OperationKind::Function => {
            let name = segments.last().map(|s| called(s)).unwrap_or_default();
            format!("{verb}-{resource}-{name}")
        }
        OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => {
            let nav = segments
                .iter()
                .rev()
                .find(|s| named(s))
                .map(|s| called(s))
                .unwrap_or_default();
            format!("{verb}-{resource}-{nav}")
        }
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete => format!("{verb}-{resource}"),
    }
}

/// The named segments of a path joined by `-` (`/users/{id}/memberOf` gives `users-memberOf`).
fn path_slug(path: &str) -> String {
    let slug: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if slug.is_empty() {
        "root".into()
    } else {
        slug.join("-")
    }
}

/// A property's type and members as messages state them.
fn describe(p: &Property) -> String {
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
}

/// Tells whether `property` is a collection of `resource` itself.
fn holds_its_own_kind(resource: &str, property: &Property) -> bool {
    matches!(&property.ty, EdmType::Collection(inner)
        if matches!(inner.as_ref(), EdmType::Named(name) if name.eq_ignore_ascii_case(resource)))
}

/// A method page's row that its resource page defines otherwise: the resource page decides.
fn page_conflict(resource: &str, defined: &Property, row: &Property) -> Diagnostic {
    let msg = format!(
        "property `{}` of `{resource}` is {} here but {} on its resource page at {}; the resource page decides",
        row.name,
        describe(row),
        describe(defined),
        defined.span
    );
    Diagnostic::new(Code::ResourcePageConflict, row.span.clone(), msg)
}

fn conflict(resource: &str, known: &Property, new: &Property) -> Option<Diagnostic> {
    let (a, b) = (describe(known), describe(new));
    (a != b).then(|| {
        let msg = format!(
            "property `{}` of `{resource}` is {b} here but {a} at {}; the first definition is used",
            new.name, known.span
        );
        Diagnostic::new(Code::PropertyConflict, new.span.clone(), msg)
    })
}
