//! Path templates (`/deviceManagement/ndesConnectors/{ndesConnectorId}`,
//! `/workbook/names({name})/range`): parsing, matching request paths segment by segment
//! (placeholders may sit inside a segment), and the collection/key address of an item.

/// One piece of a path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Placeholder(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    text: String,
    segments: Vec<Vec<Piece>>,
}

/// Where an item lives: its collection (a concrete path) and its key within it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Address {
    pub collection: String,
    pub key: String,
}

impl Template {
    /// Parses `text` (a path relative to the service root); `{name}` marks a placeholder.
    pub fn parse(text: &str) -> Template {
        let segments = split_path(text).map(parse_segment).collect();
        Template {
            text: text.to_string(),
            segments,
        }
    }

    /// Returns the template as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Returns this template with one more segment, a placeholder called `name`.
    pub fn child_item(&self, name: &str) -> Template {
        let mut segments = self.segments.clone();
        segments.push(vec![Piece::Placeholder(name.to_string())]);
        Template {
            text: format!("{}/{{{name}}}", self.text.trim_end_matches('/')),
            segments,
        }
    }

    /// Returns the template with placeholder names erased: equal shapes match equal paths.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            for piece in segment {
                match piece {
                    Piece::Literal(text) => out.push_str(&text.to_ascii_lowercase()),
                    Piece::Placeholder(_) => out.push_str("{}"),
                }
            }
        }
        out
    }

    /// Counts literal characters; a more specific template wins over a more generic one.
    pub fn specificity(&self) -> usize {
        self.pieces()
            .map(|p| match p {
                Piece::Literal(text) => text.len(),
                Piece::Placeholder(_) => 0,
            })
            .sum()
    }

    /// Matches decoded path segments; returns the placeholder values in template order.
    /// Literals compare ASCII case-insensitively; a placeholder takes at least one character.
    pub fn matches(&self, segments: &[String]) -> Option<Vec<String>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        for (pieces, segment) in self.segments.iter().zip(segments) {
            values.extend(match_pieces(pieces, segment)?);
        }
        Some(values)
    }

    /// Writes the concrete path: literals as the template spells them, placeholders replaced
    /// by `values` (in template order).
    pub fn render(&self, values: &[String]) -> String {
        let mut values = values.iter();
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            render_segment(segment, &mut values, &mut out);
        }
        out
    }

    /// Returns the address of the item this template names, given its placeholder values.
    ///
    /// The key is the last placeholder of the last segment. When that segment is only the
    /// placeholder (`/a/b/{bId}`), the collection is the path without it (`/a/b`); when the
    /// placeholder sits inside text (`/a/names({name})`), the collection keeps the segment
    /// with the key erased (`/a/names({})`). A template whose last segment has no placeholder
    /// names a singleton: the collection is the whole path and the key is empty.
    pub fn address(&self, values: &[String]) -> Address {
        let Some((last, parents)) = self.segments.split_last() else {
            return Address {
                collection: String::new(),
                key: String::new(),
            };
        };
        let own = last
            .iter()
            .filter(|p| matches!(p, Piece::Placeholder(_)))
            .count();
        let before = values.len().saturating_sub(own);
        let parent = Template {
            text: String::new(),
            segments: parents.to_vec(),
        }
        .render(&values[..before]);
        if own == 0 {
            return Address {
                collection: self.render(values),
                key: String::new(),
            };
        }
        let key = values[values.len() - 1].clone();
        if let [Piece::Placeholder(_)] = last.as_slice() {
            return Address {
                collection: parent,
                key,
            };
        }
        let mut own_values: Vec<String> = values[before..values.len() - 1].to_vec();
        own_values.push("{}".to_string());
        let mut collection = parent;
        collection.push('/');
        render_segment(last, &mut own_values.iter(), &mut collection);
        Address { collection, key }
    }

    fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.segments.iter().flatten()
    }
}

/// Splits a path into its non-empty segments.
fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Splits a raw request path into percent-decoded segments (a trailing slash is ignored).
pub(crate) fn decode_path(path: &str) -> Vec<String> {
    split_path(path).map(percent_decode).collect()
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(Some(high)), Some(Some(low))) = (
                bytes.get(i + 1).map(|b| hex(*b)),
                bytes.get(i + 2).map(|b| hex(*b)),
            )
        {
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_segment(segment: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        let placeholder = rest.find('{').and_then(|open| {
            let close = open + rest[open..].find('}')?;
            (close > open + 1).then_some((open, close))
        });
        match placeholder {
            Some((open, close)) => {
                if open > 0 {
                    pieces.push(Piece::Literal(rest[..open].to_string()));
                }
                pieces.push(Piece::Placeholder(rest[open + 1..close].to_string()));
                rest = &rest[close + 1..];
            }
            None => {
                pieces.push(Piece::Literal(rest.to_string()));
                rest = "";
            }
        }
    }
    pieces
}

fn render_segment<'a>(
    pieces: &[Piece],
    values: &mut impl Iterator<Item = &'a String>,
    out: &mut String,
) {
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder(name) => match values.next() {
                Some(value) => out.push_str(value),
                None => out.push_str(&format!("{{{name}}}")),
            },
        }
    }
}

/// Matches one segment against its pieces, backtracking over placeholder lengths.
fn match_pieces(pieces: &[Piece], text: &str) -> Option<Vec<String>> {
    match pieces.split_first() {
        None => text.is_empty().then(Vec::new),
        Some((Piece::Literal(literal), rest)) => {
            let head = text.get(..literal.len())?;
            if !head.eq_ignore_ascii_case(literal) {
                return None;
            }
            match_pieces(rest, &text[literal.len()..])
        }
        Some((Piece::Placeholder(_), rest)) => {
            let ends = text.char_indices().map(|(i, _)| i).skip(1);
            for end in ends.chain(std::iter::once(text.len())) {
                if end == 0 {
                    continue;
                }
                if let Some(mut values) = match_pieces(rest, &text[end..]) {
                    values.insert(0, text[..end].to_string());
                    return Some(values);
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        decode_path(path)
    }

    #[test]
    fn matches_whole_segment_placeholders() {
        let t = Template::parse("/deviceManagement/ndesConnectors/{ndesConnectorId}");
        assert_eq!(
            t.matches(&segments("/devicemanagement/ndesConnectors/abc")),
            Some(vec!["abc".to_string()])
        );
        assert_eq!(
            t.matches(&segments("/deviceManagement/ndesConnectors")),
            None
        );
        assert_eq!(
            t.address(&["abc".to_string()]),
            Address {
                collection: "/deviceManagement/ndesConnectors".into(),
                key: "abc".into()
            }
        );
    }

    #[test]
    fn matches_placeholders_inside_a_segment() {
        let t = Template::parse("/me/drive/items/{itemId}/workbook/names({name})/range");
        let values = t
            .matches(&segments("/me/drive/items/x1/workbook/names(a%29b)/range"))
            .unwrap();
        assert_eq!(values, vec!["x1".to_string(), "a)b".to_string()]);
        assert_eq!(
            t.matches(&segments("/me/drive/items/x1/workbook/names()/range")),
            None
        );
        let item = Template::parse("/workbook/names({name})");
        assert_eq!(
            item.address(&["n".to_string()]),
            Address {
                collection: "/workbook/names({})".into(),
                key: "n".into()
            }
        );
    }

    #[test]
    fn addresses_singletons_and_children() {
        let singleton = Template::parse("/users/{userId}/settings");
        assert_eq!(
            singleton.address(&["u1".to_string()]),
            Address {
                collection: "/users/u1/settings".into(),
                key: String::new()
            }
        );
        let create = Template::parse("/users/{userId}/events");
        let item = create.child_item("id");
        assert_eq!(item.shape(), "/users/{}/events/{}");
        assert_eq!(
            item.address(&["u1".to_string(), "e1".to_string()])
                .collection,
            create.render(&["u1".to_string()])
        );
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(decode_path("/a%20b/c%2Fd/%zz/"), vec!["a b", "c/d", "%zz"]);
    }
}
