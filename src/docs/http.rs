//! The `http` code blocks of a page: request lines, example requests and example responses.
//!
//! A block is read line by line: a start line (`PATCH https://...` or `HTTP/1.1 200 OK`),
//! header lines, then the body. Real pages leave out the blank line before the body, so a
//! line opening with `{` or `[` also starts the body. Every part keeps its page line.

use crate::model::{Header, Method};

/// The first line of an HTTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request { method: Method, target: String },
    Status { code: u16, reason: String },
}

/// A header line with its page line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    pub header: Header,
    pub line: u32,
}

/// The body text of a message as written, with the page line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyText {
    pub text: String,
    pub line: u32,
}

/// An HTTP message written in a code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub line: u32,
    pub headers: Vec<HeaderLine>,
    pub body: Option<BodyText>,
}

impl Message {
    /// Returns the value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&HeaderLine> {
        self.headers
            .iter()
            .find(|h| h.header.name.eq_ignore_ascii_case(name))
    }
}

/// Reads an HTTP message from a code block whose first content line is `first_line`;
/// `None` when the block does not start with a request or status line.
pub fn parse_message(text: &str, first_line: u32) -> Option<Message> {
    let mut lines = text
        .lines()
        .zip(first_line..)
        .skip_while(|(l, _)| l.trim().is_empty());
    let (start_text, line) = lines.next()?;
    let start = parse_start_line(start_text)?;
    let mut headers = Vec::new();
    let mut body_start = None;
    for (text, n) in lines.by_ref() {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            break;
        }
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            body_start = Some((text, n));
            break;
        }
        if let Some(header) = parse_header(trimmed) {
            headers.push(HeaderLine { header, line: n });
        }
    }
    let rest: Vec<(&str, u32)> = body_start.into_iter().chain(lines).collect();
    Some(Message {
        start,
        line,
        headers,
        body: body_text(&rest),
    })
}

fn body_text(lines: &[(&str, u32)]) -> Option<BodyText> {
    let first = lines.iter().position(|(l, _)| !l.trim().is_empty())?;
    let text = lines[first..]
        .iter()
        .map(|(l, _)| *l)
        .collect::<Vec<_>>()
        .join("\n");
    Some(BodyText {
        text: text.trim_end().to_string(),
        line: lines[first].1,
    })
}

/// Parses `METHOD target [HTTP/1.1]` or `HTTP/1.1 200 OK` (also `HTTP 201 Created`).
pub fn parse_start_line(line: &str) -> Option<StartLine> {
    let line = line.trim();
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if first == "HTTP" || first.starts_with("HTTP/") {
        return parse_status(rest.trim());
    }
    let method = Method::parse(first)?;
    let target = rest.trim();
    let target = strip_version_suffix(target);
    if target.is_empty() {
        return None;
    }
    Some(StartLine::Request {
        method,
        target: target.to_string(),
    })
}

fn strip_version_suffix(target: &str) -> &str {
    match target.rsplit_once(char::is_whitespace) {
        Some((head, tail)) if tail.starts_with("HTTP/") => head.trim_end(),
        _ => target,
    }
}

fn parse_status(rest: &str) -> Option<StartLine> {
    let (code, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let code: u16 = code.parse().ok().filter(|c| (100..600).contains(c))?;
    Some(StartLine::Status {
        code,
        reason: reason.trim().to_string(),
    })
}

fn parse_header(line: &str) -> Option<Header> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim();
    let is_token = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    is_token.then(|| Header {
        name: name.to_string(),
        value: value.trim().to_string(),
    })
}

/// Turns a documented URL or path into a path relative to the service root: scheme, host
/// and version segment (`/beta`, `/v1.0`) removed, query dropped, `{a | b}` placeholders
/// reduced to their first name.
pub fn relative_path(target: &str) -> String {
    let target = target.trim();
    let without_host = match target.find("://") {
        Some(i) => {
            let after = &target[i + 3..];
            after.find('/').map_or("/", |j| &after[j..])
        }
        None => target,
    };
    let path = without_host
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim();
    let path = normalize_placeholders(path);
    let path = strip_version(&path);
    let path = path.trim_end_matches('/');
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

fn strip_version(path: &str) -> &str {
    let trimmed = path.trim_start_matches('/');
    let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let is_version = first == "beta"
        || (first.starts_with('v')
            && first[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
            && first.len() > 1);
    if is_version && rest.is_empty() {
        "/"
    } else if is_version {
        // keep the slash before the rest
        &path[path.len() - rest.len() - 1..]
    } else {
        path
    }
}

fn normalize_placeholders(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        let close = match c {
            '{' => '}',
            '<' => '>',
            c if c.is_whitespace() => continue,
            c => {
                out.push(c);
                continue;
            }
        };
        let inner: String = chars.by_ref().take_while(|&c| c != close).collect();
        let name = inner.split('|').next().unwrap_or_default().trim();
        out.push('{');
        out.push_str(name);
        out.push('}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_without_blank_line_starts_at_brace() {
        let m = parse_message(
            "HTTP/1.1 200 OK\nContent-Type: application/json\n{\n  \"a\": 1\n}\n",
            10,
        )
        .unwrap();
        assert_eq!(m.headers.len(), 1);
        let body = m.body.unwrap();
        assert_eq!(body.line, 12);
        assert_eq!(body.text, "{\n  \"a\": 1\n}");
    }

    #[test]
    fn relative_path_strips_host_version_and_query() {
        assert_eq!(
            relative_path(
                "https://graph.microsoft.com/beta/users/{id | userPrincipalName}?$select=a"
            ),
            "/users/{id}"
        );
        assert_eq!(relative_path("/v1.0/me/events"), "/me/events");
        assert_eq!(relative_path("/beta"), "/");
        assert_eq!(relative_path("/deviceManagement/x"), "/deviceManagement/x");
        assert_eq!(
            relative_path("/deviceManagement/roleDefinitions/"),
            "/deviceManagement/roleDefinitions"
        );
        assert_eq!(
            relative_path("/workbook/names(<name>)/range"),
            "/workbook/names({name})/range"
        );
    }

    #[test]
    fn status_line_without_version() {
        assert_eq!(
            parse_start_line("HTTP 201 Created"),
            Some(StartLine::Status {
                code: 201,
                reason: "Created".into()
            })
        );
    }
}
