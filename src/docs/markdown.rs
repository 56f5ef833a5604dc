//! Markdown to a flat list of blocks with their source lines.
//!
//! pulldown-cmark does the CommonMark and GFM-table work; this module reduces its event
//! stream to the few block kinds a reference page is made of (headings, paragraphs, tables,
//! fenced code, front matter), each with the 1-based line and column where it starts, so the
//! page reader never deals with byte offsets.

use pulldown_cmark::{CodeBlockKind, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

/// A 1-based line and column in the page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// One table row: its cells' text and where the row starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub pos: Pos,
}

/// A block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// YAML front matter between `---` lines; `body_line` is the line of its first key.
    FrontMatter { text: String, body_line: u32 },
    /// A heading; `tab` marks the SDK tab headings (`# [HTTP](#tab/http)`) that are not sections.
    Heading {
        level: u8,
        text: String,
        tab: bool,
        pos: Pos,
    },
    /// Paragraph text with inline code kept in backticks, and the links it holds.
    Paragraph {
        text: String,
        pos: Pos,
        links: Vec<Link>,
    },
    /// A table; the first row is the header.
    Table { rows: Vec<Row>, pos: Pos },
    /// A fenced or indented code block; `body_line` is the line of its first content line.
    Code {
        info: String,
        text: String,
        pos: Pos,
        body_line: u32,
    },
}

/// A link of a paragraph: its text (as pushed to the paragraph) and destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub text: String,
    pub dest: String,
}

/// Maps byte offsets to 1-based line and column (columns count characters).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// Returns the position of byte `offset`.
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |prefix| prefix.chars().count() + 1);
        Pos {
            line: to_u32(line),
            col: to_u32(col),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What is being collected while inside a block-level tag.
enum Open {
    None,
    Heading {
        level: u8,
        text: String,
        tab: bool,
        pos: Pos,
    },
    Paragraph {
        text: String,
        pos: Pos,
        links: Vec<Link>,
        /// Where the open link's text starts in `text`, and its destination.
        open_link: Option<(usize, String)>,
    },
    Table {
        rows: Vec<Row>,
        cell: String,
        row: Vec<String>,
        row_pos: Pos,
        pos: Pos,
    },
    Code {
        info: String,
        text: String,
        pos: Pos,
        body_line: Option<u32>,
    },
    FrontMatter {
        text: String,
        body_line: Option<u32>,
    },
}

/// A page's text (without a byte order mark) and its blocks, parsed once for every reader
/// that looks at the page.
pub struct Document<'t> {
    pub text: &'t str,
    pub blocks: Vec<Block>,
}

impl<'t> Document<'t> {
    /// Parses `text`.
    pub fn parse(text: &'t str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Document {
            text,
            blocks: blocks(text),
        }
    }
}

/// Splits `text` into blocks.
pub fn blocks(text: &str) -> Vec<Block> {
    let index = LineIndex::new(text);
    let options = Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut out = Vec::new();
    let mut open = Open::None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        open = step(open, event, &index, range.start, &mut out);
    }
    out
}

/// Takes one event; a block's position is computed only where one starts (a column is a
/// count of characters, too dear to compute for every inline event of a long table row).
fn step(
    open: Open,
    event: Event<'_>,
    index: &LineIndex,
    offset: usize,
    out: &mut Vec<Block>,
) -> Open {
    match (open, event) {
        (Open::None, Event::Start(tag)) => start(tag, index.pos(offset)),
        (Open::None, _) => Open::None,
        (open @ Open::Paragraph { .. }, event @ Event::End(TagEnd::Link)) => {
            collect(open, event, index, offset)
        }
        (open, Event::End(end)) => finish(open, end, out),
        (open, event) => collect(open, event, index, offset),
    }
}

fn start(tag: Tag<'_>, pos: Pos) -> Open {
    match tag {
        Tag::Heading { level, .. } => Open::Heading {
            level: level as u8,
            text: String::new(),
            tab: false,
            pos,
        },
        Tag::Paragraph => Open::Paragraph {
            text: String::new(),
            pos,
            links: Vec::new(),
            open_link: None,
        },
        Tag::Table(_) => Open::Table {
            rows: Vec::new(),
            cell: String::new(),
            row: Vec::new(),
            row_pos: pos,
            pos,
        },
        Tag::CodeBlock(kind) => Open::Code {
            info: match kind {
                CodeBlockKind::Fenced(info) => info.trim().to_ascii_lowercase(),
                CodeBlockKind::Indented => String::new(),
            },
            text: String::new(),
            pos,
            body_line: None,
        },
        Tag::MetadataBlock(MetadataBlockKind::YamlStyle) => Open::FrontMatter {
            text: String::new(),
            body_line: None,
        },
        _ => Open::None,
    }
}

fn collect(open: Open, event: Event<'_>, index: &LineIndex, offset: usize) -> Open {
    match open {
        Open::Heading {
            level,
            mut text,
            mut tab,
            pos,
        } => {
            if let Event::Start(Tag::Link { dest_url, .. }) = &event {
                tab |= dest_url.starts_with("#tab/");
            }
            push_inline(&mut text, &event);
            Open::Heading {
                level,
                text,
                tab,
                pos,
            }
        }
        Open::Paragraph {
            mut text,
            pos,
            mut links,
            mut open_link,
        } => {
            match &event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    open_link = Some((text.len(), dest_url.to_string()));
                }
                Event::End(TagEnd::Link) => {
                    if let Some((start, dest)) = open_link.take() {
                        let text = squash(text.get(start..).unwrap_or_default());
                        links.push(Link { text, dest });
                    }
                }
                _ => push_inline(&mut text, &event),
            }
            Open::Paragraph {
                text,
                pos,
                links,
                open_link,
            }
        }
        Open::Table {
            rows,
            mut cell,
            row,
            mut row_pos,
            pos,
        } => {
            match &event {
                Event::Start(Tag::TableHead | Tag::TableRow) => {
                    row_pos = index.pos(offset);
                }
                Event::Start(Tag::TableCell) => cell.clear(),
                _ => push_inline(&mut cell, &event),
            }
            Open::Table {
                rows,
                cell,
                row,
                row_pos,
                pos,
            }
        }
        Open::Code {
            info,
            mut text,
            pos,
            body_line,
        } => {
            let body_line = body_line
                .or_else(|| matches!(event, Event::Text(_)).then(|| index.pos(offset).line));
            if let Event::Text(t) = &event {
                text.push_str(t);
            }
            Open::Code {
                info,
                text,
                pos,
                body_line,
            }
        }
        Open::FrontMatter {
            mut text,
            body_line,
        } => {
            let body_line = body_line
                .or_else(|| matches!(event, Event::Text(_)).then(|| index.pos(offset).line));
            if let Event::Text(t) = &event {
                text.push_str(t);
            }
            Open::FrontMatter { text, body_line }
        }
        Open::None => Open::None,
    }
}

fn finish(open: Open, end: TagEnd, out: &mut Vec<Block>) -> Open {
    match (open, end) {
        (
            Open::Heading {
                level,
                text,
                tab,
                pos,
            },
            TagEnd::Heading(_),
        ) => {
            out.push(Block::Heading {
                level,
                text: squash(&text),
                tab,
                pos,
            });
            Open::None
        }
        (
            Open::Paragraph {
                text, pos, links, ..
            },
            TagEnd::Paragraph,
        ) => {
            out.push(Block::Paragraph {
                text: squash(&text),
                pos,
                links,
            });
            Open::None
        }
        (
            Open::Table {
                mut rows,
                cell,
                mut row,
                row_pos,
                pos,
            },
            end,
        ) => {
            if let TagEnd::Table = end {
                out.push(Block::Table { rows, pos });
                return Open::None;
            }
            let mut cell = cell;
            if let TagEnd::TableCell = end {
                row.push(std::mem::take(&mut cell).trim().to_string());
            }
            if matches!(end, TagEnd::TableHead | TagEnd::TableRow) {
                rows.push(Row {
                    cells: std::mem::take(&mut row),
                    pos: row_pos,
                });
            }
            Open::Table {
                rows,
                cell,
                row,
                row_pos,
                pos,
            }
        }
        (
            Open::Code {
                info,
                text,
                pos,
                body_line,
            },
            TagEnd::CodeBlock,
        ) => {
            out.push(Block::Code {
                info,
                text,
                pos,
                body_line: body_line.unwrap_or(pos.line + 1),
            });
            Open::None
        }
        (Open::FrontMatter { text, body_line }, TagEnd::MetadataBlock(_)) => {
            out.push(Block::FrontMatter {
                text,
                body_line: body_line.unwrap_or(2),
            });
            Open::None
        }
        (open, _) => open,
    }
}

/// Appends the text of an inline event: inline code keeps its backticks, breaks become spaces.
fn push_inline(buf: &mut String, event: &Event<'_>) {
    match event {
        Event::Text(t) => buf.push_str(t),
        Event::Code(t) => {
            buf.push('`');
            buf.push_str(t);
            buf.push('`');
        }
        Event::SoftBreak | Event::HardBreak => buf.push(' '),
        Event::InlineHtml(h) | Event::Html(h) if is_line_break(h) => buf.push(' '),
        _ => {}
    }
}

fn is_line_break(html: &str) -> bool {
    let tag = html.trim().to_ascii_lowercase();
    tag.starts_with("<br")
}

/// Collapses runs of whitespace (tabs included) to single spaces and trims.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lines_and_characters() {
        let index = LineIndex::new("ab\nçd\n");
        assert_eq!(index.pos(0), Pos { line: 1, col: 1 });
        assert_eq!(index.pos(3), Pos { line: 2, col: 1 });
        assert_eq!(index.pos(5), Pos { line: 2, col: 2 });
        assert_eq!(index.pos(100), Pos { line: 3, col: 1 });
    }

    #[test]
    fn table_rows_keep_their_lines() {
        let blocks = blocks("# T\n\n|A|B|\n|:-|:-|\n|x|`y`|\n");
        let Some(Block::Table { rows, .. }) = blocks.get(1) else {
            panic!("no table in {blocks:?}")
        };
        assert_eq!(rows[0].cells, ["A", "B"]);
        assert_eq!(rows[1].cells, ["x", "`y`"]);
        assert_eq!(rows[1].pos.line, 5);
    }
}
