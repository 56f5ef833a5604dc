//! One resource or enum page (`resources/*.md`) to the types it defines: a type page gives a
//! resource's name, namespace, base type, properties with their flags, navigation properties
//! and JSON representation; an enum page gives one or more enum types with their members.
//!
//! Names follow what the page's `@odata.type` says (the resource annotation before the JSON
//! representation, or the representation itself), then the title (`# user resource type`).
//! A page that defines neither yields one `skipped` note saying what derive looks for.

use super::markdown::{self, Block, Pos, Row};
use super::types::{self, Members};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{EdmType, Property, Span};

/// The namespace of a page that names none.
pub const DEFAULT_NAMESPACE: &str = "microsoft.graph";

/// The result of reading a resource page: what it defines when usable, and every diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePageReport {
    pub page: Option<ResourcePage>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a page under `resources/` defines.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourcePage {
    /// An entity or complex type.
    Type(Box<TypePage>),
    /// One or more enum types (`# x enum type`, or a page of `### x values` tables).
    Enums(EnumPage),
}

/// An entity or complex type as its page documents it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypePage {
    pub file: String,
    /// The Graph name with its page casing (`workbookNamedItem`).
    pub name: String,
    pub namespace: String,
    /// Where the name was read: the `@odata.type` line, or the title.
    pub name_span: Span,
    /// The type it inherits from ("Inherits from [entity](entity.md)"), namespace removed.
    pub base_type: Option<String>,
    pub properties: Vec<ResourceProperty>,
    pub relationships: Vec<Relationship>,
    pub property_tables: Vec<Span>,
    pub relationship_tables: Vec<Span>,
    pub json: Option<JsonRepresentation>,
    /// Enum-like member tables of the page (`### ageGroup values`).
    pub enums: Vec<EnumType>,
}

impl TypePage {
    /// Returns the `@odata.type` value of this type (`#microsoft.graph.user`).
    pub fn odata_type(&self) -> String {
        format!("#{}.{}", self.namespace, self.name)
    }

    /// Returns the property called `name`.
    pub fn property(&self, name: &str) -> Option<&ResourceProperty> {
        self.properties.iter().find(|p| p.property.name == name)
    }
}

/// One row of a `Properties` table, with what its description and columns state.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceProperty {
    pub property: Property,
    pub description: String,
    /// A sentence of the description starts with "Read-only".
    pub read_only: bool,
    /// `Some(true)` for "Nullable.", `Some(false)` for "Not nullable.", `None` when silent.
    pub nullable: Option<bool>,
    /// The property is `id`, the annotation's `keyProperty`, or its description says "Key.".
    pub key: bool,
    /// A Required column says yes, or the description says "Required.".
    pub required: bool,
}

/// One row of a `Relationships` table: a navigation property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub name: String,
    /// The target type, namespace removed.
    pub target: String,
    pub collection: bool,
    pub description: String,
    pub read_only: bool,
    pub nullable: Option<bool>,
    pub span: Span,
}

/// The `JSON representation` block: its value when it reads as JSON (leniently).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRepresentation {
    pub value: Option<serde_json::Value>,
    pub span: Span,
}

/// A page that documents enum types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumPage {
    pub file: String,
    pub enums: Vec<EnumType>,
}

/// An enum type with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    pub name: String,
    pub namespace: String,
    pub members: Vec<EnumMember>,
    /// A flags enum: a value combines members (see [`is_flags`]).
    pub flags: bool,
    /// The members table.
    pub span: Span,
}

/// One member of an enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumMember {
    pub name: String,
    pub value: Option<i64>,
    pub description: String,
    pub span: Span,
}

/// Tells whether members with these values make a flags enum: every value is given, at
/// least three are non-zero, and the non-zero ones are distinct powers of two (`1, 2, 4`).
/// Two members valued `1, 2` read as an ordinary enum: the page cannot tell them apart.
pub fn is_flags(values: &[Option<i64>]) -> bool {
    let Some(values) = values.iter().copied().collect::<Option<Vec<i64>>>() else {
        return false;
    };
    let nonzero: Vec<i64> = values.into_iter().filter(|v| *v != 0).collect();
    let mut seen = std::collections::HashSet::new();
    nonzero.len() >= 3
        && nonzero
            .iter()
            .all(|v| *v > 0 && (*v & (*v - 1)) == 0 && seen.insert(*v))
}

/// Reads the resource page `text`, naming it `file` in every span.
pub fn read_resource_page(file: &str, text: &str) -> ResourcePageReport {
    read_resource_document(file, &markdown::Document::parse(text))
}

/// Reads the parsed resource or enum page `document`, naming it `file` in every span.
pub fn read_resource_document(file: &str, document: &markdown::Document) -> ResourcePageReport {
    let mut reader = Reader {
        file,
        diagnostics: Vec::new(),
    };
    let page = reader.read(document.text, &document.blocks);
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort();
    ResourcePageReport { page, diagnostics }
}

/// The sections of a resource page that derive reads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    Other,
    Properties,
    Relationships,
    Json,
    Members,
    /// `### ageGroup values`: a member table of the named enum.
    Values(String),
}

impl Section {
    fn of(heading: &str) -> Section {
        let text = heading.trim().trim_end_matches(':').trim();
        let lower = text.to_ascii_lowercase();
        match lower.as_str() {
            "properties" => return Section::Properties,
            "relationships" => return Section::Relationships,
            "json representation" => return Section::Json,
            "members" | "enum members" => return Section::Members,
            _ => {}
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            [name, last] | [name, "enum", last]
                if last.eq_ignore_ascii_case("values") && is_name(name) =>
            {
                Section::Values(bare_name(name).to_string())
            }
            _ => Section::Other,
        }
    }
}

/// A block with the innermost section it belongs to.
struct Placed<'a> {
    section: Section,
    block: &'a Block,
}

fn place(blocks: &[Block]) -> Vec<Placed<'_>> {
    let mut stack: Vec<(u8, Section)> = Vec::new();
    let mut placed = Vec::new();
    for block in blocks {
        if let Block::Heading {
            level,
            text,
            tab: false,
            ..
        } = block
        {
            while stack.last().is_some_and(|(l, _)| *l >= *level) {
                stack.pop();
            }
            stack.push((*level, Section::of(text)));
        }
        let section = stack
            .iter()
            .rev()
            .map(|(_, s)| s)
            .find(|s| **s != Section::Other)
            .cloned()
            .unwrap_or(Section::Other);
        placed.push(Placed { section, block });
    }
    placed
}

/// What the title says the page documents.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Title {
    Type(String),
    Enum(String),
    /// Prose (`# Working with groups`): names nothing.
    Prose,
}

const TYPE_SUFFIXES: [&str; 6] = [
    " resource type",
    " complex type",
    " entity type",
    " resource",
    " facet",
    " type",
];

fn read_title(text: &str) -> Title {
    let text = text.trim();
    let text = match text.find(" (") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text,
    };
    let lower = text.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix(" enum type") {
        let name = &text[..stem.len()];
        if is_name(name) {
            return Title::Enum(name.to_string());
        }
    }
    for suffix in TYPE_SUFFIXES {
        if let Some(stem) = lower.strip_suffix(suffix) {
            let name = &text[..stem.len()];
            if is_name(name) {
                return Title::Type(bare_name(name).to_string());
            }
        }
    }
    if is_name(text) {
        return Title::Type(bare_name(text).to_string());
    }
    Title::Prose
}

/// Tells whether `title` spells the all-lower-case `name` in camelCase (`orgContact` for
/// `orgcontact`); a title that starts upper-case (`Lathe`) is no Graph spelling.
fn is_camel_spelling_of(title: &str, name: &str) -> bool {
    title != name
        && title.eq_ignore_ascii_case(name)
        && name == name.to_lowercase()
        && title.starts_with(|c: char| c.is_ascii_lowercase())
}

/// A Graph name: one word of letters, digits, `_` and `.` (a namespace may precede it).
fn is_name(word: &str) -> bool {
    let word = word.trim_matches('`');
    word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn bare_name(word: &str) -> &str {
    let word = word.trim_matches('`');
    word.rsplit('.').next().unwrap_or(word)
}

/// Splits `microsoft.graph.callRecords.session` (a leading `#` allowed) into namespace and name.
fn split_qualified(qualified: &str) -> Option<(String, String)> {
    let qualified = qualified.trim().trim_start_matches('#');
    let (namespace, name) = qualified.rsplit_once('.')?;
    (is_name(namespace) && is_name(name)).then(|| (namespace.to_string(), name.to_string()))
}

/// The `<!-- { "blockType": "resource", ... } -->` annotation before a JSON representation.
#[derive(Debug, Default)]
struct Annotation {
    odata_type: Option<String>,
    base_type: Option<String>,
    key_property: Option<String>,
    line: u32,
}

fn resource_annotation(text: &str) -> Option<Annotation> {
    let mut rest = text;
    let mut consumed = 0;
    while let Some(open) = rest.find("<!--") {
        let body_start = open + 4;
        let close = rest[body_start..].find("-->")? + body_start;
        let body = &rest[body_start..close];
        if body.contains("\"blockType\"") && body.contains("\"resource\"") {
            let value = lenient_json(body)?;
            let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let key = ["\"@odata.type\"", "\"@type\""]
                .iter()
                .find_map(|k| body.find(k))
                .unwrap_or(0);
            let line = line_of(text, consumed + body_start + key);
            return Some(Annotation {
                odata_type: field("@odata.type").or_else(|| field("@type")),
                base_type: field("baseType"),
                key_property: field("keyProperty"),
                line,
            });
        }
        consumed += close + 3;
        rest = &rest[close + 3..];
    }
    None
}

/// A value a page states, with the line stating it.
#[derive(Debug)]
struct Stated {
    value: String,
    line: u32,
}

/// How many lines into `text` the first `"@odata.type"` line stating `value` is (0 if none).
fn line_where(text: &str, value: &str) -> u32 {
    let at = text
        .lines()
        .position(|l| l.contains("\"@odata.type\"") && l.contains(value))
        .unwrap_or(0);
    u32::try_from(at).unwrap_or(0)
}

fn line_of(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    let newlines = text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Parses JSON as the pages write it: `//` and `/* */` comments and trailing commas are
/// tolerated.
pub fn lenient_json(text: &str) -> Option<serde_json::Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    serde_json::from_str(&repair_json(text)).ok()
}

/// Drops comments and commas directly before `}` or `]`, outside strings.
fn repair_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|n| *n != '\n') {
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for n in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
            }
            '}' | ']' => {
                let kept = out.trim_end().len();
                if out[..kept].ends_with(',') {
                    out.truncate(kept - 1);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

struct Reader<'f> {
    file: &'f str,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn span(&self, pos: Pos) -> Span {
        Span::new(self.file, pos.line, pos.col)
    }

    fn report(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, span, message));
    }

    fn read(&mut self, text: &str, blocks: &[Block]) -> Option<ResourcePage> {
        let placed = place(blocks);
        let (title, title_pos) = title(blocks);
        let namespace = namespace_line(blocks);
        let annotation = resource_annotation(text);
        let member_tables = self.member_tables(&placed, &title, namespace.as_deref());
        let has_properties = placed.iter().any(|p| {
            p.section == Section::Properties && table_kind(p.block) == Some(TableKind::Property)
        });
        let enum_page = matches!(title, Title::Enum(_))
            || (!has_properties && annotation.is_none() && !member_tables.is_empty());
        if enum_page {
            return self.enum_page(member_tables, title_pos);
        }
        let named_type = matches!(title, Title::Type(_));
        let annotated_table = has_properties && annotation.is_some();
        if !(named_type || annotated_table) {
            let why = skip_reason(blocks, has_properties);
            self.report(Code::Skipped, self.span(title_pos), why);
            return None;
        }
        let page = self.type_page(TypeInputs {
            placed: &placed,
            title,
            title_pos,
            namespace,
            annotation,
            enums: member_tables,
        });
        Some(ResourcePage::Type(Box::new(page)))
    }

    fn enum_page(&mut self, enums: Vec<EnumType>, title_pos: Pos) -> Option<ResourcePage> {
        if enums.is_empty() {
            self.report(
                Code::Skipped,
                self.span(title_pos),
                "this enum page has no `Members` table (|Member|Value|Description|), so its members are unknown",
            );
            return None;
        }
        Some(ResourcePage::Enums(EnumPage {
            file: self.file.to_string(),
            enums,
        }))
    }

    fn type_page(&mut self, inputs: TypeInputs) -> TypePage {
        let TypeInputs {
            placed,
            title,
            title_pos,
            namespace,
            annotation,
            enums,
        } = inputs;
        let json = self.json_representation(placed);
        let (name, namespace, name_span) = self.type_name(
            &title,
            title_pos,
            namespace,
            annotation.as_ref(),
            json.as_ref(),
        );
        let key = annotation.as_ref().and_then(|a| a.key_property.clone());
        let mut page = TypePage {
            file: self.file.to_string(),
            name,
            namespace,
            name_span,
            base_type: base_type(placed).or_else(|| {
                annotation
                    .as_ref()
                    .and_then(|a| a.base_type.as_deref())
                    .map(|b| bare_name(b).to_string())
            }),
            properties: Vec::new(),
            relationships: Vec::new(),
            property_tables: Vec::new(),
            relationship_tables: Vec::new(),
            json: json.map(|(representation, _)| representation),
            enums,
        };
        for p in placed {
            let Block::Table { rows, pos } = p.block else {
                continue;
            };
            match (&p.section, table_kind(p.block)) {
                (Section::Properties, Some(TableKind::Property)) => {
                    page.property_tables.push(self.span(*pos));
                    let rows = self.properties(rows, key.as_deref(), &page.properties);
                    page.properties.extend(rows);
                }
                (Section::Relationships, Some(TableKind::Property | TableKind::Relationship))
                | (Section::Properties, Some(TableKind::Relationship)) => {
                    page.relationship_tables.push(self.span(*pos));
                    let rows = self.relationships(rows, &page.relationships);
                    page.relationships.extend(rows);
                }
                _ => {}
            }
        }
        page
    }

    /// The name and namespace: the annotation's `@odata.type`, the representation's, the title.
    fn type_name(
        &mut self,
        title: &Title,
        title_pos: Pos,
        namespace: Option<String>,
        annotation: Option<&Annotation>,
        json: Option<&(JsonRepresentation, Option<Stated>)>,
    ) -> (String, String, Span) {
        let annotated = annotation.and_then(|a| {
            let (ns, name) = split_qualified(a.odata_type.as_deref()?)?;
            Some((name, ns, Span::new(self.file, a.line, 1)))
        });
        let represented = json.and_then(|(_, odata_type)| {
            let odata_type = odata_type.as_ref()?;
            let (ns, name) = split_qualified(&odata_type.value)?;
            Some((name, ns, Span::new(self.file, odata_type.line, 1)))
        });
        let titled = match title {
            Title::Type(name) | Title::Enum(name) => Some(name.clone()),
            Title::Prose => None,
        };
        match annotated.or(represented) {
            // a name the `@odata.type` writes in lower case (`microsoft.graph.orgcontact`)
            // takes the title's camelCase spelling (`orgContact`), as Graph names are written
            Some((name, ns, span)) => match titled {
                Some(t) if is_camel_spelling_of(&t, &name) => (t, ns, span),
                _ => (name, ns, span),
            },
            None => {
                let namespace = namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
                (titled.unwrap_or_default(), namespace, self.span(title_pos))
            }
        }
    }

    /// The first code block of the `JSON representation` section, with its `@odata.type`.
    fn json_representation(
        &mut self,
        placed: &[Placed],
    ) -> Option<(JsonRepresentation, Option<Stated>)> {
        let (text, line) = placed
            .iter()
            .filter(|p| p.section == Section::Json)
            .find_map(|p| match p.block {
                Block::Code {
                    text, body_line, ..
                } => Some((text, *body_line)),
                _ => None,
            })?;
        let span = Span::new(self.file, line, 1);
        let value = lenient_json(text);
        if value.is_none() {
            self.report(
                Code::JsonRepresentation,
                span.clone(),
                "the JSON representation is not JSON, even allowing comments and trailing commas; the Properties table alone defines the type",
            );
        }
        let odata_type = value
            .as_ref()
            .and_then(|v| v.get("@odata.type"))
            .and_then(|v| v.as_str())
            .map(|value| Stated {
                line: line + line_where(text, value),
                value: value.to_string(),
            });
        Some((JsonRepresentation { value, span }, odata_type))
    }

    fn properties(
        &mut self,
        rows: &[Row],
        key: Option<&str>,
        earlier: &[ResourceProperty],
    ) -> Vec<ResourceProperty> {
        let Some((header, body)) = rows.split_first() else {
            return Vec::new();
        };
        let columns = Columns::of(&header.cells);
        let mut out: Vec<ResourceProperty> = Vec::new();
        for row in body {
            let span = self.span(row.pos);
            let property = match columns.property(row, span.clone(), key) {
                Ok(property) => property,
                Err(why) => {
                    self.report(Code::TableRow, span, why);
                    continue;
                }
            };
            let name = &property.property.name;
            if earlier.iter().chain(&out).any(|p| &p.property.name == name) {
                let msg = format!("`{name}` is listed twice; the first row is used");
                self.report(Code::TableRow, span, msg);
                continue;
            }
            if types::parse_members(&property.description) == Members::Unreadable {
                let msg = format!(
                    "`{name}` announces possible values but none could be read; any string is accepted"
                );
                self.report(Code::EnumMembers, span, msg);
            }
            out.push(property);
        }
        out
    }

    fn relationships(&mut self, rows: &[Row], earlier: &[Relationship]) -> Vec<Relationship> {
        let Some((header, body)) = rows.split_first() else {
            return Vec::new();
        };
        let columns = Columns::of(&header.cells);
        let mut out: Vec<Relationship> = Vec::new();
        for row in body {
            let span = self.span(row.pos);
            match columns.relationship(row, span.clone()) {
                Ok(r) if earlier.iter().chain(&out).any(|e| e.name == r.name) => {
                    let msg = format!("`{}` is listed twice; the first row is used", r.name);
                    self.report(Code::TableRow, span, msg);
                }
                Ok(r) => out.push(r),
                Err(why) => self.report(Code::TableRow, span, why),
            }
        }
        out
    }

    /// Every member table of the page: the `Members` section's (named by the title) and the
    /// `### x values` sections'.
    fn member_tables(
        &mut self,
        placed: &[Placed],
        title: &Title,
        namespace: Option<&str>,
    ) -> Vec<EnumType> {
        let namespace = namespace.unwrap_or(DEFAULT_NAMESPACE);
        let mut enums: Vec<EnumType> = Vec::new();
        for p in placed {
            let Block::Table { rows, pos } = p.block else {
                continue;
            };
            if table_kind(p.block) != Some(TableKind::Member) {
                continue;
            }
            let name = match (&p.section, title) {
                (Section::Values(name), _) => name.clone(),
                (Section::Members, Title::Enum(name) | Title::Type(name)) => name.clone(),
                _ => continue,
            };
            if enums.iter().any(|e| e.name == name) {
                let msg =
                    format!("the members of `{name}` are listed twice; the first table is used");
                self.report(Code::TableRow, self.span(*pos), msg);
                continue;
            }
            let members = self.members(rows);
            let values: Vec<Option<i64>> = members.iter().map(|m| m.value).collect();
            enums.push(EnumType {
                name,
                namespace: namespace.to_string(),
                flags: is_flags(&values),
                members,
                span: self.span(*pos),
            });
        }
        enums
    }

    fn members(&mut self, rows: &[Row]) -> Vec<EnumMember> {
        let Some((header, body)) = rows.split_first() else {
            return Vec::new();
        };
        let columns = Columns::of(&header.cells);
        let mut out: Vec<EnumMember> = Vec::new();
        for row in body {
            let span = self.span(row.pos);
            let name = clean_name(columns.cell(row, Some(0)));
            if name == "null" {
                continue;
            }
            if !is_member_name(&name) {
                let msg = format!("`{name}` is not a member name");
                self.report(Code::TableRow, span, msg);
                continue;
            }
            if out.iter().any(|m| m.name == name) {
                let msg = format!("`{name}` is listed twice; the first row is used");
                self.report(Code::TableRow, span, msg);
                continue;
            }
            let value_cell = columns.cell(row, columns.value);
            let value = value_cell.trim().trim_matches('`').parse::<i64>().ok();
            if value.is_none() && !value_cell.trim().is_empty() {
                let msg = format!("the value `{value_cell}` of `{name}` is not an integer");
                self.report(Code::TableRow, span.clone(), msg);
            }
            out.push(EnumMember {
                name,
                value,
                description: columns.cell(row, columns.description).to_string(),
                span,
            });
        }
        out
    }
}

struct TypeInputs<'a, 'b> {
    placed: &'a [Placed<'b>],
    title: Title,
    title_pos: Pos,
    namespace: Option<String>,
    annotation: Option<Annotation>,
    enums: Vec<EnumType>,
}

/// Why a page that names no type and carries no resource annotation is not read.
fn skip_reason(blocks: &[Block], has_properties: bool) -> String {
    let heading = blocks.iter().find_map(|b| match b {
        Block::Heading {
            level: 1,
            text,
            tab: false,
            ..
        } => Some(text.as_str()),
        _ => None,
    });
    let title = match heading {
        Some(text) => format!("the title `# {text}` names no type"),
        None => "the page has no `# ` title".to_string(),
    };
    if has_properties {
        format!(
            "{title} and no resource annotation gives an `@odata.type`, so its `Properties` table belongs to nothing: title it `# <name> resource type`"
        )
    } else {
        format!(
            "{title} and the page has no `Properties` or `Members` table: a type page is titled `# <name> resource type`, an enum page `# <name> enum type`"
        )
    }
}

/// The level-1 heading (or the front matter's start when there is none).
fn title(blocks: &[Block]) -> (Title, Pos) {
    blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading {
                level: 1,
                text,
                tab: false,
                pos,
            } => Some((read_title(text), *pos)),
            _ => None,
        })
        .unwrap_or((Title::Prose, Pos { line: 1, col: 1 }))
}

/// The `Namespace: microsoft.graph.callRecords` line.
fn namespace_line(blocks: &[Block]) -> Option<String> {
    blocks.iter().find_map(|b| match b {
        Block::Paragraph { text, .. } => {
            let rest = text.strip_prefix("Namespace:")?;
            let namespace = rest.split_whitespace().next()?.trim_matches('`');
            is_name(namespace).then(|| namespace.to_string())
        }
        _ => None,
    })
}

/// The type named right after "Inherits from" in a paragraph (`Inherits from [entity](entity.md).`).
fn base_type(placed: &[Placed]) -> Option<String> {
    placed.iter().find_map(|p| match p.block {
        Block::Paragraph { text, .. } => inherited(text),
        _ => None,
    })
}

/// Reads "inherits from <name>" when the name stands alone: followed by punctuation, the end,
/// or a word such as "resource"; "inherits from base policy type" names no type.
fn inherited(text: &str) -> Option<String> {
    const PHRASE: &str = "inherits from ";
    let at = text.to_ascii_lowercase().find(PHRASE)? + PHRASE.len();
    let rest = &text[at..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let word = rest[..end].trim_end_matches('.');
    let after = rest[end..].to_ascii_lowercase();
    let alone = rest[..end].ends_with('.')
        || after.is_empty()
        || after.starts_with([',', ';', ')', ':', '.'])
        || [
            " resource",
            " type",
            " entity",
            " object",
            " and ",
            " which",
            " with ",
        ]
        .iter()
        .any(|w| after.starts_with(w));
    (alone && is_name(word)).then(|| bare_name(word).to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableKind {
    Property,
    Relationship,
    Member,
}

fn table_kind(block: &Block) -> Option<TableKind> {
    let Block::Table { rows, .. } = block else {
        return None;
    };
    let header = rows.first()?;
    let first = squashed(header.cells.first()?);
    let has_type = header.cells.iter().any(|c| squashed(c) == "type");
    match first.as_str() {
        "property" | "propertyname" | "name" if has_type => Some(TableKind::Property),
        "relationship" | "relationshipname" if has_type => Some(TableKind::Relationship),
        "member" | "membername" => Some(TableKind::Member),
        _ => None,
    }
}

/// A header cell in lower case without spaces or markup.
fn squashed(cell: &str) -> String {
    cell.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Which column holds what, read from the header row.
struct Columns {
    ty: Option<usize>,
    description: Option<usize>,
    required: Option<usize>,
    value: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Columns {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|c| names.contains(&squashed(c).as_str()))
        };
        Columns {
            ty: find(&["type"]),
            description: find(&["description"]),
            required: find(&["required", "isrequired"]),
            value: find(&["value"]),
        }
    }

    fn cell<'r>(&self, row: &'r Row, column: Option<usize>) -> &'r str {
        column
            .and_then(|c| row.cells.get(c))
            .map_or("", |c| c.trim())
    }

    fn property(
        &self,
        row: &Row,
        span: Span,
        key: Option<&str>,
    ) -> Result<ResourceProperty, String> {
        let name = clean_name(self.cell(row, Some(0)));
        if !is_property_name(&name) {
            return Err(format!("`{name}` is not a property name"));
        }
        let description = self.cell(row, self.description).to_string();
        let type_cell = self.cell(row, self.ty);
        let (ty, members) = types::property_type(type_cell, &description)
            .ok_or_else(|| format!("the type `{type_cell}` of `{name}` is not a type"))?;
        let said = Sentences::of(&description);
        let required_cell = squashed(self.cell(row, self.required));
        let required =
            matches!(required_cell.as_str(), "yes" | "true" | "required") || said.required();
        let read_only = said.read_only();
        Ok(ResourceProperty {
            key: name == "id" || key == Some(name.as_str()) || said.key(),
            read_only,
            nullable: said.nullable(),
            required,
            property: Property {
                name,
                ty,
                members,
                flags: false,
                required,
                read_only,
                span,
            },
            description,
        })
    }

    fn relationship(&self, row: &Row, span: Span) -> Result<Relationship, String> {
        let name = clean_name(self.cell(row, Some(0)));
        if !is_property_name(&name) {
            return Err(format!("`{name}` is not a relationship name"));
        }
        let type_cell = self.cell(row, self.ty);
        let ty = types::parse_type(type_cell, false)
            .ok_or_else(|| format!("the type `{type_cell}` of `{name}` is not a type"))?;
        let (target, collection) = match &ty {
            EdmType::Collection(inner) => (inner.element().display_name(), true),
            other => (other.display_name(), false),
        };
        let description = self.cell(row, self.description).to_string();
        let said = Sentences::of(&description);
        Ok(Relationship {
            name,
            target,
            collection,
            read_only: said.read_only(),
            nullable: said.nullable(),
            description,
            span,
        })
    }
}

fn clean_name(cell: &str) -> String {
    cell.replace(['`', '*', '\\'], "").trim().to_string()
}

fn is_property_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '@')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '.'))
}

fn is_member_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The sentences of a description, in lower case, for the flags they state.
struct Sentences(Vec<String>);

impl Sentences {
    fn of(description: &str) -> Sentences {
        let lower = description.to_ascii_lowercase().replace(['*', '`'], "");
        let sentences = lower
            .split(['.', ';'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Sentences(sentences)
    }

    fn starts(&self, prefixes: &[&str]) -> bool {
        self.0
            .iter()
            .any(|s| prefixes.iter().any(|p| s.starts_with(p)))
    }

    fn read_only(&self) -> bool {
        self.starts(&[
            "read-only",
            "read only",
            "this property is read-only",
            "this property is read only",
        ])
    }

    fn nullable(&self) -> Option<bool> {
        if self.starts(&[
            "not nullable",
            "non-nullable",
            "not null",
            "this property is not nullable",
        ]) {
            Some(false)
        } else if self.starts(&["nullable", "this property is nullable"]) {
            Some(true)
        } else {
            None
        }
    }

    fn key(&self) -> bool {
        self.0
            .iter()
            .any(|s| s == "key" || s.starts_with("key of the"))
    }

    /// "Required." as a sentence of its own; "required when ..." is a condition, not a flag.
    fn required(&self) -> bool {
        self.0.iter().any(|s| s == "required")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_keeps_commas_inside_strings() {
        assert_eq!(
            repair_json(r#"{"a": "x,}", "b": [1,],}"#),
            r#"{"a": "x,}", "b": [1]}"#
        );
    }

    #[test]
    fn inherits_from_names_a_type_only_when_it_stands_alone() {
        assert_eq!(
            inherited("A user. Inherits from directoryObject."),
            Some("directoryObject".into())
        );
        assert_eq!(
            inherited("Inherits from microsoft.graph.entity"),
            Some("entity".into())
        );
        assert_eq!(
            inherited("It inherits from base policy type, always."),
            None
        );
        assert_eq!(inherited("Inherits from the userAgent type."), None);
    }

    #[test]
    fn title_words_name_the_type() {
        assert_eq!(
            read_title("NamedItem resource type"),
            Title::Type("NamedItem".into())
        );
        assert_eq!(read_title("Deleted facet"), Title::Type("Deleted".into()));
        assert_eq!(
            read_title("directory resource type (deleted items)"),
            Title::Type("directory".into())
        );
        assert_eq!(
            read_title("Working with groups in Microsoft Graph"),
            Title::Prose
        );
    }
}
