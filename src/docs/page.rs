//! One reference page to one operation: the request line, the property table, the documented
//! status and the examples, with a diagnostic for everything that is missing or contradictory.
//!
//! Pages are read by section (`HTTP request`, `Request body`, `Response`, `Example(s)`),
//! whatever the heading level, so every era of Graph documentation reads the same way. A page
//! of a kind derive does not support (GET, DELETE, actions, `$ref`) yields one `skipped` note.

use super::http::{self, Message, StartLine};
use super::lint;
use super::markdown::{self, Block, Link, Pos, Row};
use super::types;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    EdmType, Example, ExampleRequest, ExampleResponse, Header, Method, OperationKind, Parameter,
    Property, RequestBody, ResponseBody, Span, Status,
};
use crate::path_template::PathTemplate;

/// What one page documents, once read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub file: String,
    pub title: String,
    pub title_span: Span,
    pub kind: OperationKind,
    pub method: Method,
    pub path: String,
    /// The other paths the page documents for the same method.
    pub alternative_paths: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub request_line: Span,
    pub resource: String,
    /// The stem of the resource page the page links for its resource
    /// (`[user](../resources/user.md)` is `user`), when it links one.
    pub resource_page: Option<String>,
    /// The rows of the page's request body table (a resource's properties for a create,
    /// update or replace; an action's parameters).
    pub properties: Vec<Property>,
    /// Where that table starts; `None` when the page has none.
    pub property_table: Option<Span>,
    pub request_body: RequestBody,
    pub response: ResponseBody,
    pub query_options: Vec<String>,
    pub returns_all_properties: bool,
    pub status: Status,
    pub examples: Vec<Example>,
}

/// The result of reading a page: the page when usable, and every diagnostic found.
#[derive(Debug, Clone, PartialEq)]
pub struct PageReport {
    pub page: Option<Page>,
    /// The references a page lists beside its objects (`GET .../members` and
    /// `GET .../members/$ref` on one page): an operation of its own.
    pub references: Option<Page>,
    pub diagnostics: Vec<Diagnostic>,
    /// The page has an `HTTP request` section (a method page, usable or not).
    pub request_section: bool,
}

/// The sections of a reference page that derive reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Other,
    HttpRequest,
    Parameters,
    QueryParameters,
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

/// One request line of the `HTTP request` section.
struct RequestLine {
    method: Method,
    path: String,
    /// Its query expands a navigation (`GET /me?$expand=manager`): it reads the holder
    /// with the navigation inside, another answer than the navigation's own.
    expands: bool,
    span: Span,
}

/// Reads the page `text`, naming it `file` in every span.
pub fn read_page(file: &str, text: &str) -> PageReport {
    read_document(file, &markdown::Document::parse(text))
}

/// Reads the parsed page `document`, naming it `file` in every span.
pub fn read_document(file: &str, document: &markdown::Document) -> PageReport {
    let mut reader = Reader {
        file,
        diagnostics: Vec::new(),
        request_section: false,
    };
    let page = reader.read(document.text, &document.blocks);
    let (page, references) = match page {
        Some(page) => split_references(page),
        None => (None, None),
    };
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort();
    PageReport {
        page,
        references,
        diagnostics,
        request_section: reader.request_section,
    }
}

/// Splits off the `$ref` request lines of a page that reads objects and their references on
/// one page: the objects' operation keeps its other paths, the references become a
/// list-references operation with the examples sent to its paths.
fn split_references(mut page: Page) -> (Option<Page>, Option<Page>) {
    let reads = matches!(page.kind, OperationKind::List | OperationKind::Get);
    let (references, paths): (Vec<&String>, Vec<&String>) = std::iter::once(&page.path)
        .chain(&page.alternative_paths)
        .partition(|path| last_segment(path) == "$ref");
    let (Some(&path), Some(&reference_path)) = (paths.first(), references.first()) else {
        return (Some(page), None);
    };
    if !reads {
        return (Some(page), None);
    }
    let path = path.clone();
    let reference_path = reference_path.clone();
    let paths: Vec<String> = paths[1..].iter().map(|p| (*p).clone()).collect();
    let references: Vec<String> = references[1..].iter().map(|p| (*p).clone()).collect();
    let (to_references, examples): (Vec<Example>, Vec<Example>) = page
        .examples
        .drain(..)
        .partition(|e| last_segment(&e.request.path) == "$ref");
    let mut listed = page.clone();
    listed.kind = OperationKind::ListReferences;
    listed.path = reference_path;
    listed.alternative_paths = references;
    listed.examples = to_references;
    listed.response = ResponseBody::Collection {
        name: page.resource.clone(),
    };
    page.path = path;
    page.alternative_paths = paths;
    page.examples = examples;
    (Some(page), Some(listed))
}

struct Reader<'f> {
    file: &'f str,
    diagnostics: Vec<Diagnostic>,
    /// The page has an `HTTP request` section.
    request_section: bool,
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

    fn read(&mut self, text: &str, blocks: &[Block]) -> Option<Page> {
        let placed = place(blocks);
        self.request_section = placed.iter().any(|p| p.section == Section::HttpRequest);
        let (title, title_span) = self.title(blocks);
        let lines = self.request_lines(&placed)?;
        let first = &lines[0];
        let (method, request_line) = (first.method, first.span.clone());
        let paths = self.paths(&lines)?;
        let table = find_property_table(&placed);
        let kind = self.classify(method, &paths[0], &title, &placed, request_line.clone())?;
        self.lint_todos(text);
        let properties = table
            .map(|(rows, _)| self.properties(rows))
            .unwrap_or_default();
        let property_table = table.map(|(_, pos)| self.span(pos));
        if table.is_none() && kind.sends_resource() {
            self.report(
                Code::NoPropertyTable,
                request_line.clone(),
                format!("the {method} page has no property table (|Property|Type|Description|) under `Request body`; the resource's page, when given, defines its properties"),
            );
        }
        let mut examples = self.examples(&placed);
        let status = self.status(&placed, &examples)?;
        let sentence = response_sentence(&placed);
        let resource = resource_name(
            self.file, kind, &title, &examples, &paths[0], &placed, sentence,
        );
        let resource_page = linked_stem(&placed, &resource);
        let response = response_body(kind, sentence, &resource, &paths[0]);
        let request_body = request_body(kind, &paths[0], &placed, &properties);
        let contract = lint::PageContract {
            file: self.file,
            lines: &text.lines().collect::<Vec<_>>(),
            resource: &resource,
            properties: properties.iter().map(|p| (p.name.as_str(), p)).collect(),
            checks_properties: kind.sends_resource() && table.is_some(),
            response: &response,
            status: &status,
        };
        for example in &mut examples {
            fill_unstated_status(example, &status);
            lint::check_example(&contract, example);
        }
        self.diagnostics
            .extend(examples.iter().flat_map(|e| e.findings.iter().cloned()));
        let parameters = self.parameters(&paths[0], &placed);
        let mut paths = paths.into_iter();
        let path = paths.next().unwrap_or_default();
        Some(Page {
            file: self.file.to_string(),
            title,
            title_span,
            kind,
            method,
            path,
            alternative_paths: paths.collect(),
            parameters,
            request_line,
            resource,
            resource_page,
            properties,
            property_table,
            request_body,
            response,
            query_options: query_options(&placed),
            returns_all_properties: returns_all_properties(text),
            status,
            examples,
        })
    }

    /// The paths of the request lines of the first method, placeholders normalised, each once;
    /// `None` (with an error) when one is not a path or cannot be tested.
    fn paths(&mut self, lines: &[RequestLine]) -> Option<Vec<String>> {
        let method = lines[0].method;
        let mut paths: Vec<String> = Vec::new();
        let mut others = Vec::new();
        for line in lines {
            if line.method != method {
                others.push(line.method.as_str());
                continue;
            }
            if paths.contains(&line.path) || line.expands != lines[0].expands {
                continue;
            }
            if let Some(problem) = crate::path_template::problem(&line.path) {
                self.report(
                    Code::UnsafePath,
                    line.span.clone(),
                    format!(
                        "the request path `{}` cannot be tested: {problem}",
                        line.path
                    ),
                );
                return None;
            }
            paths.push(line.path.clone());
        }
        if !others.is_empty() {
            others.dedup();
            self.report(
                Code::OtherMethods,
                lines[0].span.clone(),
                format!(
                    "the `HTTP request` section also documents {}; only {method} is derived from this page",
                    others.join(", ")
                ),
            );
        }
        Some(paths)
    }

    /// The path, query and function parameters of an operation at `path`.
    fn parameters(&mut self, path: &str, placed: &[Placed]) -> Vec<Parameter> {
        let template = PathTemplate::parse(path);
        let mut parameters: Vec<Parameter> = template
            .placeholders()
            .into_iter()
            .map(|name| Parameter {
                name: name.to_string(),
                location: "path".into(),
            })
            .collect();
        let function = function_arguments(path);
        for p in placed.iter().filter(|p| p.section == Section::Parameters) {
            let Block::Table { rows, .. } = p.block else {
                continue;
            };
            for row in rows.iter().skip(1) {
                let name = row
                    .cells
                    .first()
                    .map(|c| c.replace(['`', '*', '\\'], "").trim().to_string())
                    .unwrap_or_default();
                let known = parameters
                    .iter()
                    .any(|p| p.name.eq_ignore_ascii_case(&name));
                if name.is_empty() || known || !is_identifier(&name) {
                    continue;
                }
                let location = if function.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    "function"
                } else {
                    "query"
                };
                parameters.push(Parameter {
                    name,
                    location: location.into(),
                });
            }
        }
        parameters
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

    /// Every request line of the `HTTP request` section, in page order; `None` (with one
    /// diagnostic) when there is none or one is not a path.
    fn request_lines(&mut self, placed: &[Placed]) -> Option<Vec<RequestLine>> {
        let codes: Vec<(&String, u32)> = placed
            .iter()
            .filter_map(|p| match (p.section, p.block) {
                (
                    Section::HttpRequest,
                    Block::Code {
                        text, body_line, ..
                    },
                ) => Some((text, *body_line)),
                _ => None,
            })
            .collect();
        let mut lines = Vec::new();
        for (text, first) in &codes {
            for (line, n) in text.lines().zip(*first..) {
                let Some(StartLine::Request { method, target }) = http::parse_start_line(line)
                else {
                    continue;
                };
                let col = line.chars().take_while(|c| c.is_whitespace()).count() + 1;
                let span = Span::new(self.file, n, u32::try_from(col).unwrap_or(1));
                if !is_path(&target) {
                    self.report(
                        Code::NotAPath,
                        span,
                        format!("the request line `{method} {target}` does not name a path: write it from the service root (`{method} /users/{{id}}`)"),
                    );
                    return None;
                }
                let expands = target
                    .split_once('?')
                    .is_some_and(|(_, query)| query.contains("$expand"));
                lines.push(RequestLine {
                    method,
                    path: http::relative_path(&target),
                    expands,
                    span,
                });
            }
        }
        if lines.is_empty() {
            self.no_request_line(placed, !codes.is_empty());
            return None;
        }
        Some(lines)
    }

    fn no_request_line(&mut self, placed: &[Placed], has_code: bool) {
        let at = placed
            .iter()
            .find_map(|p| match (p.section, p.block) {
                (Section::HttpRequest, Block::Heading { pos, .. }) => Some(*pos),
                _ => None,
            })
            .unwrap_or(Pos { line: 1, col: 1 });
        let has_section = placed.iter().any(|p| p.section == Section::HttpRequest);
        match (has_code, has_section) {
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

    /// Decides the kind from the method, the path, the title and the page's sentences.
    fn classify(
        &mut self,
        method: Method,
        path: &str,
        title: &str,
        placed: &[Placed],
        at: Span,
    ) -> Option<OperationKind> {
        let last = last_segment(path);
        let reference = last == "$ref";
        let kind = match method {
            Method::Post | Method::Put if reference => OperationKind::AddReference,
            Method::Delete if reference => OperationKind::RemoveReference,
            Method::Get if reference => OperationKind::ListReferences,
            Method::Patch if reference => {
                self.report(
                    Code::Skipped,
                    at,
                    "a PATCH of a `$ref` is no documented Graph operation: references are added with POST or PUT and removed with DELETE",
                );
                return None;
            }
            Method::Patch => OperationKind::Update,
            Method::Put => OperationKind::Replace,
            Method::Delete => OperationKind::Delete,
            Method::Get if is_function(last, title) => OperationKind::Function,
            Method::Get => match response_sentence(placed) {
                Some(s) if says_collection(s) => OperationKind::List,
                Some(_) => OperationKind::Get,
                None if is_key_segment(last) => OperationKind::Get,
                None if title.trim_start().to_ascii_lowercase().starts_with("list") => {
                    OperationKind::List
                }
                None => OperationKind::Get,
            },
            Method::Post if is_create(title, placed) => OperationKind::Create,
            Method::Post => OperationKind::Action,
        };
        Some(kind)
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

    /// The page's examples. One whose request or response body is not JSON is dropped
    /// (with its warning), never the operation.
    fn examples(&mut self, placed: &[Placed]) -> Vec<Example> {
        let mut examples: Vec<Example> = Vec::new();
        // the last request was dropped: its response goes with it
        let mut orphan = false;
        // OneDrive-era pages show their example answer in the `Response` section itself
        let shown = |s: Section| matches!(s, Section::Examples | Section::Response);
        for p in placed.iter().filter(|p| shown(p.section)) {
            let Block::Code {
                info,
                text,
                body_line,
                ..
            } = p.block
            else {
                continue;
            };
            if !matches!(
                info.as_str(),
                "http" | "" | "json" | "text" | "msgraph-interactive"
            ) {
                continue;
            }
            let Some(message) = http::parse_message(text, *body_line) else {
                if info == "json"
                    && !orphan
                    && examples.last().is_some_and(|e| e.response.is_none())
                    && !self.json_response(text, *body_line, examples.last_mut())
                {
                    examples.pop();
                }
                continue;
            };
            match self.example_part(message) {
                (Part::Request(request), true) => {
                    orphan = false;
                    examples.push(Example {
                        request,
                        response: None,
                        findings: Vec::new(),
                    });
                }
                (Part::Response(response), true) => {
                    if let Some(last) = examples
                        .last_mut()
                        .filter(|e| e.response.is_none() && !orphan)
                    {
                        last.response = Some(response);
                    }
                }
                (Part::Request(_), false) => orphan = true,
                (Part::Response(_), false) => {
                    if !orphan && examples.last().is_some_and(|e| e.response.is_none()) {
                        examples.pop();
                    }
                }
            }
        }
        examples
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

    /// Reads one message of an example; the flag is false when its body could not be read.
    fn example_part(&mut self, message: Message) -> (Part, bool) {
        self.check_content_length(&message);
        let span = self.line(message.line);
        let declared_json = message
            .header("Content-Type")
            .is_none_or(|h| h.header.value.to_ascii_lowercase().contains("json"));
        let body = match &message.body {
            Some(b) if declared_json => self.json_body(&b.text, b.line).map(Some),
            _ => Ok(None),
        };
        let headers: Vec<Header> = message.headers.into_iter().map(|h| h.header).collect();
        let failed = body.is_err();
        let body = body.unwrap_or_default();
        let part = match message.start {
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
        };
        (part, !failed)
    }

    fn json_body(&mut self, text: &str, line: u32) -> Result<serde_json::Value, ()> {
        let strict = serde_json::from_str(text);
        if let Err(e) = &strict
            && let Some(mended) = without_trailing_commas(text)
            && let Ok(value) = serde_json::from_str(&mended)
        {
            let at = Span::new(
                self.file,
                line + u32::try_from(e.line()).unwrap_or(1) - 1,
                1,
            );
            self.report(
                Code::ExampleNotJson,
                at,
                "the example body has a trailing comma (not JSON); it is read without it",
            );
            return Ok(value);
        }
        strict.map_err(|e| {
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
                format!("the example body is not JSON, so this example is not used: {e}"),
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
            (Section::Response, Block::Paragraph { text, pos, .. }) => {
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
                if let Some((code, reason, line)) = shown_status(placed) {
                    let msg = format!(
                        "the `Response` section states no code in words; using the `{code} {reason}` its example answer shows"
                    );
                    self.report(Code::StatusFromExample, self.line(line), msg);
                    return Some(Status {
                        code,
                        reason,
                        span: self.line(line),
                    });
                }
                self.report(Code::NoSuccessStatus, self.span(at), "no success status: the `Response` section states no code (\"returns a `200 OK` response code\") and no example shows one");
                None
            }
        }
    }
}

/// The status line of an example answer shown in the `Response` section itself (OneDrive-era
/// pages), with its line.
fn shown_status(placed: &[Placed]) -> Option<(u16, String, u32)> {
    placed.iter().find_map(|p| match (p.section, p.block) {
        (
            Section::Response,
            Block::Code {
                text, body_line, ..
            },
        ) => text.lines().zip(*body_line..).find_map(|(line, n)| {
            match http::parse_start_line(line)? {
                StartLine::Status { code, reason } if (200..300).contains(&code) => {
                    Some((code, reason, n))
                }
                _ => None,
            }
        }),
        _ => None,
    })
}

/// Returns `text` without the commas that end an object or an array (`[1, 2,]`), outside
/// strings; `None` when it has none. Pages often leave one after a last member; nothing else
/// about the body is guessed (no JSON5 crate: that would also read comments, single quotes
/// and hex numbers, which no page means as JSON).
fn without_trailing_commas(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut mended) = (false, false, false);
    let mut pending: Option<usize> = None;
    for c in text.chars() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
            out.push(c);
            continue;
        }
        match c {
            '}' | ']' if pending.is_some() => {
                if let Some(at) = pending.take() {
                    out.remove(at);
                    mended = true;
                }
                out.push(c);
            }
            ',' => {
                pending = Some(out.len());
                out.push(c);
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                pending = None;
                in_string = c == '"';
                out.push(c);
            }
        }
    }
    mended.then_some(out)
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
    } else if lower.starts_with("optional query parameter") || lower == "optional parameters" {
        Section::QueryParameters
    } else if matches!(
        lower.as_str(),
        "parameters" | "function parameters" | "path parameters" | "query parameters"
    ) {
        Section::Parameters
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

/// Tells whether a POST creates: the request body sentence decides ("a JSON representation
/// of" a resource, against "the following parameters"), else the title or a `201 Created`.
fn is_create(title: &str, placed: &[Placed]) -> bool {
    let body = placed.iter().find_map(|p| match (p.section, p.block) {
        (Section::RequestBody, Block::Paragraph { text, .. }) => Some(text.to_ascii_lowercase()),
        _ => None,
    });
    if let Some(body) = &body {
        if body.contains("parameter") || body.contains("do not supply") {
            return false;
        }
        if body.contains("representation of") {
            return true;
        }
    }
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
        let type_cell = cell(self.ty);
        let (ty, members) =
            types::property_type(type_cell, cell(self.description)).ok_or_else(|| {
                format!("row skipped: the type `{type_cell}` of `{name}` is not a Graph type")
            })?;
        // values announced but none readable: an enum with no members (a plain string)
        let unreadable = matches!(ty.element(), EdmType::Enum(_)) && members.is_empty();
        let property = Property {
            name: name.to_string(),
            ty,
            members,
            flags: false,
            required: false,
            read_only: false,
            span,
        };
        Ok((property, unreadable))
    }
}

/// The `Response` section's sentence that states the status ("returns a `200 OK` response
/// code and a [user](../resources/user.md) object in the response body").
fn response_sentence<'a>(placed: &'a [Placed]) -> Option<&'a Block> {
    placed.iter().find_map(|p| match (p.section, p.block) {
        (Section::Response, b @ Block::Paragraph { text, .. }) if find_status(text).is_some() => {
            Some(b)
        }
        _ => None,
    })
}

fn paragraph(block: Option<&Block>) -> (&str, &[Link]) {
    match block {
        Some(Block::Paragraph { text, links, .. }) => (text.as_str(), links.as_slice()),
        _ => ("", &[]),
    }
}

/// Tells whether a response sentence says a collection comes back.
fn says_collection(block: &Block) -> bool {
    let text = paragraph(Some(block)).0.to_ascii_lowercase();
    // "a collection of [x] objects", "a list of [x]", "the requested [x] objects" (but not
    // "one of the following requested objects")
    let plural = text.contains(" objects") && !text.contains("one of ");
    plural
        || ["collection", "list of ", "array of "]
            .iter()
            .any(|words| text.contains(words))
}

/// The resources a block links (`[user](../resources/user.md)`), by their Graph name: the
/// link's text when it is one name, its file's stem otherwise, with the first letter in lower
/// case as Graph type names are written (`[DriveItem]` is `driveItem`).
fn linked_resources(links: &[Link]) -> impl Iterator<Item = String> + '_ {
    links.iter().filter_map(|link| {
        let (name, _) = linked_resource(link)?;
        Some(name)
    })
}

/// The Graph name a link names and the stem of the page it points at.
fn linked_resource(link: &Link) -> Option<(String, String)> {
    let dest = link.dest.split('#').next().unwrap_or_default();
    let file = dest.rsplit('/').next().unwrap_or_default();
    let stem = file.strip_suffix(".md")?;
    let is_resource = dest.contains("resources/") || !dest.contains('/');
    if !is_resource || stem.is_empty() {
        return None;
    }
    let text = link.text.replace(['`', '*', '_'], "");
    let text = text.trim();
    let name = if is_identifier(text) && text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        text
    } else if is_identifier(stem) {
        stem
    } else {
        return None;
    };
    let mut chars = name.chars();
    let first = chars.next()?.to_ascii_lowercase();
    Some((
        std::iter::once(first).chain(chars).collect(),
        stem.to_string(),
    ))
}

/// The stem of the first resource page the page's paragraphs link under the name `resource`
/// (case-insensitively).
fn linked_stem(placed: &[Placed], resource: &str) -> Option<String> {
    placed.iter().find_map(|p| match p.block {
        Block::Paragraph { links, .. } => links
            .iter()
            .filter_map(linked_resource)
            .find(|(name, _)| name.eq_ignore_ascii_case(resource))
            .map(|(_, stem)| stem),
        _ => None,
    })
}

/// The resource a page that acts on one (a delete, an action, a reference) names: among the
/// resources it links, the one whose page shares the page's file name prefix
/// (`event-accept.md` links `event.md`), else the first it links.
fn owner_link(file: &str, placed: &[Placed]) -> Option<String> {
    let prefix = file
        .split(['-', '.'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut first = None;
    for p in placed {
        let Block::Paragraph { links, .. } = p.block else {
            continue;
        };
        for (name, stem) in links.iter().filter_map(linked_resource) {
            if stem.eq_ignore_ascii_case(&prefix) || name.eq_ignore_ascii_case(&prefix) {
                return Some(name);
            }
            first.get_or_insert(name);
        }
    }
    first
}

/// Names the page's resource. For a page that sends a resource: the `@odata.type` of its
/// examples, the resource its request body sentence links, the one its response sentence
/// links. For the others: the resource the response sentence links, then the first resource
/// the page links. Then the title's last word, then the path's last segment.
fn resource_name(
    file: &str,
    kind: OperationKind,
    title: &str,
    examples: &[Example],
    path: &str,
    placed: &[Placed],
    sentence: Option<&Block>,
) -> String {
    let odata = || {
        examples.iter().find_map(|e| {
            let response = e.response.as_ref().and_then(|r| r.body.as_ref());
            [response, e.request.body.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|b| {
                    b.get("@odata.type")?
                        .as_str()?
                        .strip_prefix("#microsoft.graph.")
                        .filter(|n| is_identifier(n))
                        .map(str::to_string)
                })
        })
    };
    let section_link = |section: Section| {
        placed.iter().find_map(|p| match (p.section, p.block) {
            (s, Block::Paragraph { links, .. }) if s == section => linked_resources(links).next(),
            _ => None,
        })
    };
    let response_link = || linked_resources(paragraph(sentence).1).next();
    let owner = || owner_link(file, placed).or_else(|| owner_from_path(kind, path));
    let from_title = || {
        let generic = [
            "action", "function", "method", "resource", "type", "object", "api",
        ];
        title
            .split_whitespace()
            .rev()
            .find(|w| !generic.contains(&w.to_ascii_lowercase().as_str()))
            .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(str::to_string)
    };
    let from_path = || {
        path.rsplit('/')
            .find(|s| !s.starts_with('{') && !s.is_empty() && !s.starts_with('$'))
            .map(|s| s.split('(').next().unwrap_or(s).to_string())
            .filter(|s| is_identifier(s))
            .unwrap_or_else(|| "resource".to_string())
    };
    let found = match kind {
        OperationKind::Create | OperationKind::Update | OperationKind::Replace => odata()
            .or_else(|| section_link(Section::RequestBody))
            .or_else(response_link),
        OperationKind::Get | OperationKind::List => response_link().or_else(odata),
        OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => owner(),
    };
    found
        .or_else(|| section_link(Section::Other))
        .or_else(from_title)
        .unwrap_or_else(from_path)
}

/// The resource a path acts on, when no page link names it: the last key placeholder before
/// what the operation calls or navigates (`{managedDeviceId}` is `managedDevice`), else the
/// collection segment it keys into, in the singular (`users` is `user`).
fn owner_from_path(kind: OperationKind, path: &str) -> Option<String> {
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.last().is_some_and(|s| s.starts_with('$')) {
        segments.pop();
    }
    let drop_last = match kind {
        OperationKind::Action | OperationKind::Function => 1,
        OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => {
            if segments.last().is_some_and(|s| s.starts_with('{')) {
                segments.pop();
            }
            1
        }
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete => 0,
    };
    segments.truncate(segments.len().saturating_sub(drop_last));
    let last = segments.pop()?;
    let placeholder = last.strip_prefix('{').and_then(|l| l.strip_suffix('}'));
    let name = match placeholder {
        Some(p) => {
            let bare = ["-id", "_id", "Id", "ID"]
                .iter()
                .find_map(|suffix| p.strip_suffix(suffix))
                .unwrap_or(p);
            if bare.is_empty() || bare.eq_ignore_ascii_case("id") || !is_identifier(bare) {
                singular(segments.pop()?)
            } else {
                bare.to_string()
            }
        }
        None => singular(last.split('(').next().unwrap_or(last)),
    };
    is_identifier(&name).then_some(name)
}

/// A collection segment in the singular: `policies` is `policy`, `users` is `user`.
fn singular(segment: &str) -> String {
    if let Some(stem) = segment.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = segment.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        stem.to_string()
    } else {
        segment.to_string()
    }
}

/// Tells whether a response sentence says there is no body ("It does not return anything in
/// the response body", "and an empty response body").
fn says_no_body(text: &str) -> bool {
    const NO_BODY: [&str; 4] = [
        "not return anything in the response body",
        "not return a response body",
        "no response body",
        "empty response body",
    ];
    let text = text.to_ascii_lowercase();
    NO_BODY.iter().any(|words| text.contains(words))
}

/// What a successful response carries, from the page's words: `204` or words saying there is
/// no body are nothing, "collection"
/// is a collection, a linked resource is that resource, a primitive type is that primitive.
fn response_body(
    kind: OperationKind,
    sentence: Option<&Block>,
    resource: &str,
    path: &str,
) -> ResponseBody {
    let (text, links) = paragraph(sentence);
    if find_status(text).is_some_and(|(code, _)| code == 204) || says_no_body(text) {
        return ResponseBody::None;
    }
    if last_segment(path) == "$value" {
        return match kind {
            OperationKind::Get | OperationKind::Function => ResponseBody::Stream,
            _ => ResponseBody::None,
        };
    }
    let collection = text.to_ascii_lowercase().contains("collection");
    let linked = linked_resources(links).next();
    let primitive = || {
        text.split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
            .skip_while(|w| !w.eq_ignore_ascii_case("and"))
            .find_map(EdmType::primitive)
    };
    let named = |name: String| match collection {
        true => ResponseBody::Collection { name },
        false => ResponseBody::Resource { name },
    };
    match kind {
        OperationKind::Get
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace => ResponseBody::Resource {
            name: resource.to_string(),
        },
        OperationKind::List | OperationKind::ListReferences => ResponseBody::Collection {
            name: linked.unwrap_or_else(|| resource.to_string()),
        },
        OperationKind::Action | OperationKind::Function => match (linked, primitive()) {
            (Some(name), _) => named(name),
            (None, Some(ty)) if collection => ResponseBody::Primitive {
                ty: EdmType::Collection(Box::new(ty)),
            },
            (None, Some(ty)) => ResponseBody::Primitive { ty },
            (None, None) => ResponseBody::None,
        },
        OperationKind::Delete | OperationKind::AddReference | OperationKind::RemoveReference => {
            ResponseBody::None
        }
    }
}

/// What the request carries, by kind: an action's parameter table, a reference, a stream,
/// the resource, or nothing.
fn request_body(
    kind: OperationKind,
    path: &str,
    placed: &[Placed],
    properties: &[Property],
) -> RequestBody {
    let no_body = placed.iter().any(|p| match (p.section, p.block) {
        (Section::RequestBody, Block::Paragraph { text, .. }) => {
            text.to_ascii_lowercase().contains("do not supply")
        }
        _ => false,
    });
    match kind {
        OperationKind::Create | OperationKind::Update => RequestBody::Resource,
        OperationKind::Replace if last_segment(path) == "$value" => RequestBody::Stream,
        OperationKind::Replace => RequestBody::Resource,
        OperationKind::Action if no_body || properties.is_empty() => RequestBody::None,
        OperationKind::Action => RequestBody::Parameters {
            parameters: properties.to_vec(),
        },
        OperationKind::AddReference => RequestBody::Reference,
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Delete
        | OperationKind::Function
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => RequestBody::None,
    }
}

/// The OData query options (`$select`, `$top`, ...) the page's query parameter sections
/// state support for.
fn query_options(placed: &[Placed]) -> Vec<String> {
    let mut options: Vec<String> = Vec::new();
    for p in placed
        .iter()
        .filter(|p| p.section == Section::QueryParameters)
    {
        let Block::Paragraph { text, .. } = p.block else {
            continue;
        };
        if !text.to_ascii_lowercase().contains("support") {
            continue;
        }
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '$')) {
            let known = [
                "$count",
                "$expand",
                "$filter",
                "$orderby",
                "$search",
                "$select",
                "$skip",
                "$skiptoken",
                "$top",
                "$format",
            ];
            let word = word.to_ascii_lowercase();
            if let Some(option) = known.iter().find(|k| **k == word) {
                let option = option.to_string();
                if !options.contains(&option) {
                    options.push(option);
                }
            }
        }
    }
    options.sort();
    options
}

/// Tells whether the page states that an actual call returns every property.
fn returns_all_properties(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("all of the properties will be returned")
        || lower.contains("all properties will be returned")
}

/// The last segment of a path template.
fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// Tells whether a segment addresses one object by key: `{id}`, `('key')`, `(id={id})`.
fn is_key_segment(segment: &str) -> bool {
    (segment.starts_with('{') && segment.ends_with('}'))
        || segment.ends_with(')') && !segment.contains('=') && segment.contains("('")
        || segment.ends_with("})")
}

/// Tells whether a GET's last segment calls a function: `name(a={a})`, `name()`, `delta`,
/// or a title that says so.
fn is_function(segment: &str, title: &str) -> bool {
    let called = segment
        .split_once('(')
        .is_some_and(|(name, args)| !name.is_empty() && (args == ")" || args.contains('=')));
    let name = segment.split('(').next().unwrap_or_default();
    let name = name.rsplit('.').next().unwrap_or(name);
    called
        || name == "delta"
        || title
            .trim()
            .to_ascii_lowercase()
            .trim_end_matches(['.', ' '])
            .ends_with("function")
}

/// The argument names of a function call in a path (`f(a={a},b='{b}')` gives `a`, `b`).
fn function_arguments(path: &str) -> Vec<String> {
    let segment = last_segment(path);
    let Some((_, args)) = segment.split_once('(') else {
        return Vec::new();
    };
    args.trim_end_matches(')')
        .split(',')
        .filter_map(|arg| arg.split_once('=').map(|(name, _)| name.trim().to_string()))
        .filter(|name| is_identifier(name))
        .collect()
}

/// Tells whether a request target names a path: from the root (`/users`, or `users` with
/// the slash left out) or a full URL; not placeholder prose (`** Collection URI ...`) nor a
/// `~/` prefix.
fn is_path(target: &str) -> bool {
    let target = target.trim();
    target.starts_with('/')
        || target.starts_with("https://")
        || target.starts_with("http://")
        || target.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Tells whether a name is made of letters, digits and underscores only (and not empty).
fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::without_trailing_commas;
    use rstest::rstest;

    #[rstest]
    #[case::after_a_last_member("{\"a\": 1,\n}", Some("{\"a\": 1\n}"))]
    #[case::after_a_last_item("[1, 2, ]", Some("[1, 2 ]"))]
    #[case::in_nested_values(
        "{\"a\": [1,], \"b\": {\"c\": 2,},}",
        Some("{\"a\": [1], \"b\": {\"c\": 2}}")
    )]
    #[case::inside_a_string_is_text("{\"a\": \"x,}\"}", None)]
    #[case::after_an_escaped_quote("{\"a\": \"\\\",]\"}", None)]
    #[case::none_to_mend("{\"a\": [1, 2]}", None)]
    fn a_comma_that_ends_an_object_or_array_is_dropped(
        #[case] text: &str,
        #[case] mended: Option<&str>,
    ) {
        assert_eq!(without_trailing_commas(text).as_deref(), mended);
    }
}
