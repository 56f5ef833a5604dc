//! One reference page to one operation: the request line, the property table, the documented
//! status and the examples, with a diagnostic for everything that is missing or contradictory.
//!
//! Pages are read by section (`HTTP request`, `Request body`, `Response`, `Example(s)`),
//! whatever the heading level, so every era of Graph documentation reads the same way. A page
//! of a kind derive does not support (GET, DELETE, actions, `$ref`) yields one `skipped` note.

use super::http::{self, Message, StartLine};
use super::lint;
use super::markdown::{self, Block, Pos, Row};
use super::types::{self, Members};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    EdmType, Example, ExampleRequest, ExampleResponse, Header, Method, OperationKind, Parameter,
    Property, Span, Status,
};

/// What one page documents, once read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub file: String,
    pub title: String,
    pub title_span: Span,
    pub kind: OperationKind,
    pub method: Method,
    pub path: String,
    pub parameters: Vec<Parameter>,
    pub request_line: Span,
    pub resource: String,
    pub properties: Vec<Property>,
    pub property_table: Span,
    pub status: Status,
    pub examples: Vec<Example>,
}

/// The result of reading a page: the page when usable, and every diagnostic found.
#[derive(Debug, Clone, PartialEq)]
pub struct PageReport {
    pub page: Option<Page>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The sections of a reference page that derive reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Other,
    HttpRequest,
    RequestHeaders,
    RequestBody,
    Response,
    Examples,
}

/// A block with the section it belongs to.
struct Placed<'a> {
    section: Section,
    block: &'a Block,
}

/// Reads the page `text`, naming it `file` in every span.
pub fn read_page(file: &str, text: &str) -> PageReport {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader {
        file,
        diagnostics: Vec::new(),
    };
    let page = reader.read(text);
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort();
    PageReport { page, diagnostics }
}

struct Reader<'f> {
    file: &'f str,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn span(&self, pos: Pos) -> Span {
        Span::new(self.file, pos.line, pos.col)
    }

    fn line(&self, line: u32) -> Span {
        Span::new(self.file, line, 1)
    }

    fn report(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, span, message));
    }

    fn read(&mut self, text: &str) -> Option<Page> {
        let blocks = markdown::blocks(text);
        let placed = place(&blocks);
        let (title, title_span) = self.title(&blocks);
        let (method, target, request_line) = self.request_line(&placed)?;
        let path = http::relative_path(&target);
        if let Some(problem) = crate::suite::path_template_problem(&path) {
            self.report(
                Code::UnsafePath,
                request_line,
                format!("the request path `{path}` cannot be tested: {problem}"),
            );
            return None;
        }
        let table = find_property_table(&placed);
        let kind = self.classify(
            method,
            &path,
            &title,
            table.map(|t| t.0),
            &placed,
            request_line.clone(),
        )?;
        self.lint_todos(text);
        let Some((rows, table_pos)) = table else {
            self.report(
                Code::NoPropertyTable,
                request_line,
                format!("a {method} page needs a property table (|Property|Type|Description|) under `Request body`"),
            );
            return None;
        };
        let properties = self.properties(rows);
        let examples = self.examples(&placed)?;
        let status = self.status(&placed, &examples)?;
        let resource = resource_name(&title, &examples, &path);
        let mut examples = examples;
        let lines: Vec<&str> = text.lines().collect();
        let contract = lint::PageContract {
            file: self.file,
            lines: &lines,
            resource: &resource,
            properties: properties.iter().map(|p| (p.name.as_str(), p)).collect(),
            status: &status,
        };
        for example in &mut examples {
            fill_unstated_status(example, &status);
            lint::check_example(&contract, example);
        }
        self.diagnostics
            .extend(examples.iter().flat_map(|e| e.findings.iter().cloned()));
        let parameters = http::placeholders(&path)
            .into_iter()
            .map(|name| Parameter {
                name,
                location: "path".into(),
            })
            .collect();
        Some(Page {
            file: self.file.to_string(),
            title,
            title_span,
            kind,
            method,
            path,
            parameters,
            request_line,
            resource,
            properties,
            property_table: self.span(table_pos),
            status,
            examples,
        })
    }

    fn lint_todos(&mut self, text: &str) {
        for (n, line) in text.lines().enumerate() {
            if let Some(col) = line.find("TODO") {
                let col = line[..col].chars().count() + 1;
                let span = Span::new(
                    self.file,
                    u32::try_from(n + 1).unwrap_or(u32::MAX),
                    u32::try_from(col).unwrap_or(1),
                );
                self.report(
                    Code::TodoPlaceholder,
                    span,
                    "TODO placeholder left in the page",
                );
            }
        }
    }

    fn title(&mut self, blocks: &[Block]) -> (String, Span) {
        let heading = blocks.iter().find_map(|b| match b {
            Block::Heading {
                level: 1,
                text,
                tab: false,
                pos,
            } => Some((text.clone(), *pos)),
            _ => None,
        });
        let front = blocks.iter().find_map(|b| match b {
            Block::FrontMatter { text, body_line } => Some((text.as_str(), *body_line)),
            _ => None,
        });
        let front_title = front.and_then(|(text, line)| self.front_matter_title(text, line));
        match (heading, front_title) {
            (Some((text, pos)), _) => (text, self.span(pos)),
            (None, Some((text, line))) => (text, self.line(line)),
            (None, None) => (self.file.to_string(), self.line(1)),
        }
    }

    fn front_matter_title(&mut self, text: &str, line: u32) -> Option<(String, u32)> {
        let parsed: Result<serde_json::Map<String, serde_json::Value>, _> =
            serde_saphyr::from_str(text);
        match parsed {
            Ok(map) => map
                .get("title")
                .and_then(|t| t.as_str())
                .map(|t| (t.to_string(), line)),
            Err(e) => {
                let msg = e.to_string();
                let first = msg.lines().next().unwrap_or_default().to_string();
                self.report(
                    Code::FrontMatter,
                    self.line(line),
                    format!("front matter is not valid YAML: {first}"),
                );
                None
            }
        }
    }

    fn request_line(&mut self, placed: &[Placed]) -> Option<(Method, String, Span)> {
        let code = placed.iter().find_map(|p| match (p.section, p.block) {
            (
                Section::HttpRequest,
                Block::Code {
                    text, body_line, ..
                },
            ) => Some((text, *body_line)),
            _ => None,
        });
        let found = code.and_then(|(text, first)| {
            text.lines()
                .zip(first..)
                .find_map(|(line, n)| match http::parse_start_line(line) {
                    Some(StartLine::Request { method, target }) => {
                        let col = line.chars().take_while(|c| c.is_whitespace()).count() + 1;
                        Some((
                            method,
                            target,
                            Span::new(self.file, n, u32::try_from(col).unwrap_or(1)),
                        ))
                    }
                    _ => None,
                })
        });
        if found.is_none() {
            let at = placed
                .iter()
                .find_map(|p| match (p.section, p.block) {
                    (Section::HttpRequest, Block::Heading { pos, .. }) => Some(*pos),
                    _ => None,
                })
                .unwrap_or(Pos { line: 1, col: 1 });
            let has_section = placed.iter().any(|p| p.section == Section::HttpRequest);
            match (code.is_some(), has_section) {
                (true, _) => self.report(
                    Code::NoRequestLine,
                    self.span(at),
                    "the `HTTP request` block holds no request line (`METHOD /path`)",
                ),
                (false, true) => self.report(
                    Code::NoRequestLine,
                    self.span(at),
                    "the `HTTP request` section has no code block with a request line",
                ),
                (false, false) => self.report(
                    Code::Skipped,
                    self.span(at),
                    "not an API reference page: it has no `HTTP request` section",
                ),
            }
        }
        found
    }

    fn classify(
        &mut self,
        method: Method,
        path: &str,
        title: &str,
        table_header: Option<&[Row]>,
        placed: &[Placed],
        at: Span,
    ) -> Option<OperationKind> {
        let skip = |why: String| Some(why);
        let reason = match method {
            Method::Patch => return Some(OperationKind::Update),
            Method::Get | Method::Delete | Method::Put => {
                skip(format!("{method} pages are not derived yet; only create (POST) and update (PATCH) pages are"))
            }
            Method::Post if path.ends_with("/$ref") => skip("reference ($ref) operations are not derived".into()),
            Method::Post if is_parameter_table(table_header) => {
                skip("POST action with a parameter table; actions are not derived yet".into())
            }
            Method::Post if is_create(title, placed) => return Some(OperationKind::Create),
            Method::Post => skip("POST that neither creates (title) nor returns `201 Created`; actions are not derived yet".into()),
        };
        if let Some(why) = reason {
            self.report(Code::Skipped, at, why);
        }
        None
    }

    fn properties(&mut self, rows: &[Row]) -> Vec<Property> {
        let Some((header, body)) = rows.split_first() else {
            return Vec::new();
        };
        let columns = Columns::of(&header.cells);
        let mut properties: Vec<Property> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for row in body {
            let span = self.span(row.pos);
            match columns.property(row, span.clone()) {
                Ok((property, unreadable_members)) => {
                    if unreadable_members {
                        let msg = format!(
                            "`{}` announces possible values but none could be read; any string is accepted",
                            property.name
                        );
                        self.report(Code::EnumMembers, span.clone(), msg);
                    }
                    if !seen.insert(property.name.clone()) {
                        self.report(
                            Code::TableRow,
                            span,
                            format!("`{}` is listed twice; the first row is used", property.name),
                        );
                    } else {
                        properties.push(property);
                    }
                }
                Err(why) => self.report(Code::TableRow, span, why),
            }
        }
        properties
    }

    fn examples(&mut self, placed: &[Placed]) -> Option<Vec<Example>> {
        let mut examples: Vec<Example> = Vec::new();
        let mut failed = false;
        for p in placed.iter().filter(|p| p.section == Section::Examples) {
            let Block::Code {
                info,
                text,
                body_line,
                ..
            } = p.block
            else {
                continue;
            };
            if !matches!(info.as_str(), "http" | "" | "json" | "text") {
                continue;
            }
            let Some(message) = http::parse_message(text, *body_line) else {
                if info == "json" && examples.last().is_some_and(|e| e.response.is_none()) {
                    failed |= !self.json_response(text, *body_line, examples.last_mut());
                }
                continue;
            };
            match self.example_part(message) {
                Ok(Part::Request(request)) => examples.push(Example {
                    request,
                    response: None,
                    findings: Vec::new(),
                }),
                Ok(Part::Response(response)) => {
                    if let Some(last) = examples.last_mut().filter(|e| e.response.is_none()) {
                        last.response = Some(response);
                    }
                }
                Err(()) => failed = true,
            }
        }
        (!failed).then_some(examples)
    }

    /// Attaches a response written as a bare `json` block; its status is filled in later.
    fn json_response(&mut self, text: &str, line: u32, example: Option<&mut Example>) -> bool {
        let Ok(body) = self.json_body(text, line) else {
            return false;
        };
        if let Some(example) = example {
            example.response = Some(ExampleResponse {
                status: 0,
                reason: String::new(),
                headers: Vec::new(),
                body: Some(body),
                span: self.line(line),
            });
        }
        true
    }

    fn example_part(&mut self, message: Message) -> Result<Part, ()> {
        self.check_content_length(&message);
        let span = self.line(message.line);
        let declared_json = message
            .header("Content-Type")
            .is_none_or(|h| h.header.value.to_ascii_lowercase().contains("json"));
        let body = match &message.body {
            Some(b) if declared_json => Some(self.json_body(&b.text, b.line)?),
            _ => None,
        };
        let headers: Vec<Header> = message.headers.into_iter().map(|h| h.header).collect();
        Ok(match message.start {
            StartLine::Request { method, target } => Part::Request(ExampleRequest {
                method,
                path: http::relative_path(&target),
                url: target,
                headers,
                body,
                span,
            }),
            StartLine::Status { code, reason } => Part::Response(ExampleResponse {
                status: code,
                reason,
                headers,
                body,
                span,
            }),
        })
    }

    fn json_body(&mut self, text: &str, line: u32) -> Result<serde_json::Value, ()> {
        serde_json::from_str(text).map_err(|e| {
            let line_text = text
                .lines()
                .nth(e.line().saturating_sub(1))
                .unwrap_or_default();
            let byte_col = e.column().min(line_text.len());
            let col = line_text
                .get(..byte_col)
                .map_or(byte_col, |p| p.chars().count())
                .max(1);
            let at = Span::new(
                self.file,
                line + u32::try_from(e.line()).unwrap_or(1) - 1,
                u32::try_from(col).unwrap_or(1),
            );
            self.report(
                Code::ExampleNotJson,
                at,
                format!("the example body is not JSON: {e}"),
            );
        })
    }

    fn check_content_length(&mut self, message: &Message) {
        let (Some(header), Some(body)) = (message.header("Content-Length"), &message.body) else {
            return;
        };
        let actual = body.text.len();
        let with_crlf = actual + body.text.matches('\n').count();
        let stated = header.header.value.trim().parse::<usize>().ok();
        if stated != Some(actual) && stated != Some(with_crlf) {
            let msg = format!(
                "`{}: {}` does not match the example body ({actual} bytes, {with_crlf} with CRLF line ends); it is ignored",
                header.header.name, header.header.value
            );
            self.report(Code::ContentLength, self.line(header.line), msg);
        }
    }

    fn status(&mut self, placed: &[Placed], examples: &[Example]) -> Option<Status> {
        let documented = placed.iter().find_map(|p| match (p.section, p.block) {
            (Section::Response, Block::Paragraph { text, pos }) => {
                find_status(text).map(|(code, reason)| (code, reason, *pos))
            }
            _ => None,
        });
        if let Some((code, reason, pos)) = documented {
            return Some(Status {
                code,
                reason,
                span: self.span(pos),
            });
        }
        let from_example = examples
            .iter()
            .filter_map(|e| e.response.as_ref())
            .find(|r| r.status != 0);
        let at = placed
            .iter()
            .find_map(|p| match (p.section, p.block) {
                (Section::Response, Block::Heading { pos, .. }) => Some(*pos),
                _ => None,
            })
            .unwrap_or(Pos { line: 1, col: 1 });
        match from_example {
            Some(r) => {
                let msg = format!(
                    "the `Response` section states no status code; using the example's `{} {}`",
                    r.status, r.reason
                );
                self.report(Code::StatusFromExample, self.span(at), msg);
                Some(Status {
                    code: r.status,
                    reason: r.reason.clone(),
                    span: r.span.clone(),
                })
            }
            None => {
                self.report(Code::NoSuccessStatus, self.span(at), "no success status: the `Response` section states no code (\"returns a `200 OK` response code\") and no example shows one");
                None
            }
        }
    }
}

/// Gives a response written as a bare `json` block the documented status.
fn fill_unstated_status(example: &mut Example, status: &Status) {
    if let Some(response) = example.response.as_mut().filter(|r| r.status == 0) {
        response.status = status.code;
        response.reason = status.reason.clone();
    }
}

enum Part {
    Request(ExampleRequest),
    Response(ExampleResponse),
}

/// Assigns each block the section of the heading above it; SDK tab headings do not count.
fn place(blocks: &[Block]) -> Vec<Placed<'_>> {
    let mut section = Section::Other;
    let mut examples_level = None;
    let mut placed = Vec::with_capacity(blocks.len());
    for block in blocks {
        if let Block::Heading {
            level,
            text,
            tab: false,
            ..
        } = block
        {
            let next = classify_heading(text);
            let inside_examples = examples_level.is_some_and(|l| *level > l);
            match next {
                Section::Examples => {
                    section = Section::Examples;
                    examples_level = Some(*level);
                }
                _ if inside_examples => {}
                Section::Other if *level == 1 => {}
                next => {
                    section = next;
                    examples_level = None;
                }
            }
        }
        placed.push(Placed { section, block });
    }
    placed
}

fn classify_heading(text: &str) -> Section {
    let lower = text.trim().to_ascii_lowercase();
    if lower == "http request" || lower == "http requests" {
        Section::HttpRequest
    } else if lower.starts_with("request header") || lower.starts_with("optional request header") {
        Section::RequestHeaders
    } else if lower.starts_with("request body") {
        Section::RequestBody
    } else if lower == "response" || lower == "responses" || lower.starts_with("response ") {
        Section::Response
    } else if lower.starts_with("example") {
        Section::Examples
    } else {
        Section::Other
    }
}

/// Finds the property table: in `Request body` first, else any table headed Property and Type.
fn find_property_table<'a>(placed: &'a [Placed]) -> Option<(&'a [Row], Pos)> {
    let tables = placed.iter().filter_map(|p| match p.block {
        Block::Table { rows, pos } if has_name_and_type(rows) => {
            Some((p.section, rows.as_slice(), *pos))
        }
        _ => None,
    });
    let all: Vec<_> = tables.collect();
    all.iter()
        .find(|(s, _, _)| *s == Section::RequestBody)
        .or_else(|| {
            all.iter()
                .find(|(s, rows, _)| *s == Section::Other && header_word(rows, 0) == "property")
        })
        .map(|(_, rows, pos)| (*rows, *pos))
}

fn header_word(rows: &[Row], column: usize) -> String {
    rows.first()
        .and_then(|r| r.cells.get(column))
        .map(|c| c.trim_matches(['*', ' ']).to_ascii_lowercase())
        .unwrap_or_default()
}

fn has_name_and_type(rows: &[Row]) -> bool {
    let columns = rows.first().map(|r| Columns::of(&r.cells));
    columns.is_some_and(|c| c.name.is_some() && c.ty.is_some())
}

fn is_parameter_table(rows: Option<&[Row]>) -> bool {
    rows.is_some_and(|rows| header_word(rows, 0) == "parameter")
}

fn is_create(title: &str, placed: &[Placed]) -> bool {
    let first = title
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let titled = matches!(first.as_str(), "create" | "add" | "post") && !title.contains(':');
    let returns_201 = placed.iter().any(|p| match (p.section, p.block) {
        (Section::Response, Block::Paragraph { text, .. }) => {
            find_status(text).is_some_and(|(c, _)| c == 201)
        }
        _ => false,
    });
    titled || returns_201
}

/// Finds `NNN Reason Phrase` (`201 Created`, `204 No Content`) in a sentence.
fn find_status(text: &str) -> Option<(u16, String)> {
    let cleaned = text.replace('`', " ");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let code: u16 = w.parse().ok().filter(|c| (200..300).contains(c))?;
        let reason: Vec<&str> = words[i + 1..]
            .iter()
            .take_while(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|w| w.trim_end_matches(['.', ',']))
            .collect();
        Some((code, reason.join(" ")))
    })
}

/// Which columns of a property table hold what.
struct Columns {
    name: Option<usize>,
    ty: Option<usize>,
    description: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Columns {
        let find = |names: &[&str]| {
            header.iter().position(|h| {
                let h = h.trim_matches(['*', ' ']).to_ascii_lowercase();
                names.contains(&h.as_str())
            })
        };
        Columns {
            name: find(&["property", "name", "parameter", "property name"]),
            ty: find(&["type", "data type"]),
            description: find(&["description", "notes"]),
        }
    }

    /// Reads one row; the flag tells that the description announces unreadable enum values.
    fn property(&self, row: &Row, span: Span) -> Result<(Property, bool), String> {
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.cells.get(i))
                .map(String::as_str)
                .unwrap_or_default()
        };
        let name = cell(self.name).replace(['`', '*', '\\'], "");
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '.' | '-'));
        if !valid_name {
            return Err(format!("row skipped: `{name}` is not a property name"));
        }
        let description = cell(self.description);
        let members = types::parse_members(description);
        let listed = matches!(members, Members::Listed(_));
        let type_cell = cell(self.ty);
        let ty = types::parse_type(type_cell, listed).ok_or_else(|| {
            format!("row skipped: the type `{type_cell}` of `{name}` is not a Graph type")
        })?;
        let enum_type = matches!(ty.element(), EdmType::Enum(_) | EdmType::Named(_));
        let (ty, members, unreadable) = match members {
            Members::Listed(m) if enum_type => (ty, m, false),
            Members::Unreadable if enum_type => (as_open_enum(ty), Vec::new(), true),
            _ => (ty, Vec::new(), false),
        };
        let property = Property {
            name: name.to_string(),
            ty,
            members,
            span,
        };
        Ok((property, unreadable))
    }
}

/// Turns a named type whose values are announced but unreadable into an enum with no members.
fn as_open_enum(ty: EdmType) -> EdmType {
    match ty {
        EdmType::Named(n) => EdmType::Enum(n),
        EdmType::Collection(inner) => EdmType::Collection(Box::new(as_open_enum(*inner))),
        other => other,
    }
}

/// Names the page's resource: the `@odata.type` of its examples, else the title's last word.
fn resource_name(title: &str, examples: &[Example], path: &str) -> String {
    let odata = examples.iter().find_map(|e| {
        let response = e.response.as_ref().and_then(|r| r.body.as_ref());
        [response, e.request.body.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|b| {
                b.get("@odata.type")?
                    .as_str()?
                    .strip_prefix("#microsoft.graph.")
                    .map(str::to_string)
            })
    });
    let from_title = title
        .split_whitespace()
        .last()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_string);
    let from_path = || {
        path.rsplit('/')
            .find(|s| !s.starts_with('{') && !s.is_empty())
            .unwrap_or("resource")
            .to_string()
    };
    odata
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
        .or(from_title)
        .unwrap_or_else(from_path)
}
