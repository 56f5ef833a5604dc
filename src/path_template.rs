//! Path templates (`/users/{id}/messages/{message-id}`, `/workbook/names({name})/range`), the
//! one reader of them: parsing, refusing templates that cannot be sent, listing and filling
//! placeholders (each id percent-encoded as one segment), matching a concrete request path the
//! way Graph does (segments compare case-insensitively, the OData key syntax `users('x')` is
//! `users/x`), and the collection/key address of an item. Derive, suite load, the plan, the
//! mock's routing and the checks all read templates here.

use std::collections::BTreeMap;

/// Why a path template cannot be sent under a service root: an HTTP client would resolve it
/// outside the operation (or the service root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeTemplate {
    #[error("it does not start with `/`")]
    NotRooted,
    #[error("it holds a `?` or `#`")]
    QueryOrFragment,
    #[error("it has an empty segment (`//` or a trailing `/`)")]
    EmptySegment,
    #[error("it has a `.` or `..` segment, which would resolve outside the operation")]
    DotSegment,
}

/// Why a path template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    /// No value for this placeholder.
    #[error("no value for `{{{0}}}`: pass --id {0}=VALUE")]
    Missing(String),
    /// The value cannot stand as a path segment: empty, or `.`/`..`, which every URL parser
    /// resolves (percent-encoded as `%2E` too) and so would address another resource.
    #[error(
        "the id {value:?} for `{{{name}}}` cannot stand in a URL path: URL parsers resolve `.` \
         and `..` segments (even percent-encoded), so the request would go to another resource"
    )]
    Unsafe { name: String, value: String },
}

/// One piece of a path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Placeholder(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    text: String,
    segments: Vec<Vec<Piece>>,
}

/// Where an item lives: its collection (a concrete path) and its key within it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Address {
    pub collection: String,
    pub key: String,
}

impl PathTemplate {
    /// Parses `text` (a path relative to the service root); `{name}` marks a placeholder.
    /// A name written again stands for another value (`/groups/{id}/threads/{id}` is a
    /// group's id, then a thread's): its repeats are read as `{id-2}`, `{id-3}` (see
    /// [`distinct_placeholders`]), in the text too (then written
    /// without empty segments).
    pub fn parse(text: &str) -> PathTemplate {
        let mut segments: Vec<Vec<Piece>> = split_path(text).map(parse_segment).collect();
        if !distinct_placeholders(&mut segments) {
            return PathTemplate {
                text: text.to_string(),
                segments,
            };
        }
        let mut renamed = String::with_capacity(text.len() + 8);
        for segment in &segments {
            renamed.push('/');
            for piece in segment {
                match piece {
                    Piece::Literal(literal) => renamed.push_str(literal),
                    Piece::Placeholder(name) => renamed.push_str(&format!("{{{name}}}")),
                }
            }
        }
        PathTemplate {
            text: renamed,
            segments,
        }
    }

    /// Parses `text`, refusing a template that cannot be sent (see [`problem`]).
    pub fn checked(text: &str) -> Result<PathTemplate, UnsafeTemplate> {
        problem(text).map_or_else(|| Ok(PathTemplate::parse(text)), Err)
    }

    /// Returns the template as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Returns the placeholder names in order, each once.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for piece in self.pieces() {
            if let Piece::Placeholder(name) = piece
                && !names.contains(&name.as_str())
            {
                names.push(name);
            }
        }
        names
    }

    /// Counts the segments that are one placeholder: the keys of the objects the path goes
    /// through (`/a/{aId}/b/{bId}/f(x={x})`: 2; a function's arguments are no key).
    pub fn keys(&self) -> usize {
        let key = |segment: &&Vec<Piece>| matches!(segment.as_slice(), [Piece::Placeholder(_)]);
        self.segments.iter().filter(key).count()
    }

    /// Returns the name of the last placeholder (the key of the item a template names).
    pub fn last_placeholder(&self) -> Option<&str> {
        self.pieces().rev().find_map(|p| match p {
            Piece::Placeholder(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }

    /// Returns each placeholder once, with the function whose argument list holds it
    /// (`/range(address={a})` gives `("a", Some("range"))`).
    pub fn placeholder_calls(&self) -> Vec<(&str, Option<&str>)> {
        let mut found: Vec<(&str, Option<&str>)> = Vec::new();
        for segment in &self.segments {
            let mut function = None;
            for piece in segment {
                match piece {
                    Piece::Literal(text) if function.is_none() => {
                        function = text.split_once('(').map(|(name, _)| name);
                    }
                    Piece::Literal(_) => {}
                    Piece::Placeholder(name) => {
                        if !found.iter().any(|(n, _)| n == name) {
                            found.push((name, function.filter(|f| !f.is_empty())));
                        }
                        function = function.or(Some(""));
                    }
                }
            }
        }
        found
    }

    /// Returns the collection of an item template, the path before its last segment, when
    /// that segment is one placeholder: `/a/b/{bId}` -> `/a/b`.
    pub fn collection(&self) -> Option<&str> {
        let [Piece::Placeholder(_)] = self.segments.last()?.as_slice() else {
            return None;
        };
        self.text
            .trim_end_matches('/')
            .rsplit_once('/')
            .map(|(head, _)| head)
    }

    /// Fills the template as written, each value percent-encoded as one path segment; `Err`
    /// names the first placeholder without a usable value.
    pub fn fill(&self, values: &BTreeMap<String, String>) -> Result<String, Unresolved> {
        let mut out = String::with_capacity(self.text.len() + 32);
        for (i, segment) in self.text.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            for piece in parse_segment(segment) {
                match piece {
                    Piece::Literal(text) => out.push_str(&text),
                    Piece::Placeholder(name) => out.push_str(&encode_segment(value(values, name)?)),
                }
            }
        }
        Ok(out)
    }

    /// Matches a raw request path (relative to the service root): percent-decoded, segments
    /// compared case-insensitively, and the OData key syntax `users('x')` read as `users/x`.
    pub fn match_path(&self, path: &str) -> Option<Vec<String>> {
        self.matches(&decode_path(path))
    }

    /// Returns this template without its last segment (`/a/{aId}/act` -> `/a/{aId}`);
    /// `None` for a template of no segment.
    pub fn parent(&self) -> Option<PathTemplate> {
        let (_, parents) = self.segments.split_last()?;
        let text = self
            .text
            .trim_end_matches('/')
            .rsplit_once('/')
            .map_or("", |(head, _)| head);
        Some(PathTemplate {
            text: text.to_string(),
            segments: parents.to_vec(),
        })
    }

    /// Counts the placeholders as they occur (a name written twice counts twice): the
    /// number of values [`PathTemplate::matches`] returns.
    pub fn arity(&self) -> usize {
        self.pieces()
            .filter(|p| matches!(p, Piece::Placeholder(_)))
            .count()
    }

    /// Returns this template with one more segment, a placeholder called `name`.
    pub fn child_item(&self, name: &str) -> PathTemplate {
        let mut segments = self.segments.clone();
        segments.push(vec![Piece::Placeholder(name.to_string())]);
        PathTemplate {
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
    /// A segment written in the OData key syntax (`users('x')`) matches as two (`users/x`)
    /// when the segments as written do not match.
    pub fn matches(&self, segments: &[String]) -> Option<Vec<String>> {
        self.matches_read(segments).or_else(|| {
            let keyed = key_syntax_reading(segments)?;
            self.matches_read(&keyed)
        })
    }

    /// Counts the segments a path must have to match as written (see
    /// [`PathTemplate::matches_read`]).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Matches segments already read, as [`PathTemplate::matches`] does but without the
    /// OData key syntax: the caller passes the segments as written or their
    /// [`key_syntax_reading`], read once for every template it tries.
    pub fn matches_read(&self, segments: &[String]) -> Option<Vec<String>> {
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
        let parent = PathTemplate {
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
        // too few values (a template that does not match its own text) leave the key empty
        let key = values.last().cloned().unwrap_or_default();
        if let [Piece::Placeholder(_)] = last.as_slice() {
            return Address {
                collection: parent,
                key,
            };
        }
        let mut own_values: Vec<String> = values[before..values.len().saturating_sub(1)].to_vec();
        own_values.push("{}".to_string());
        let mut collection = parent;
        collection.push('/');
        render_segment(last, &mut own_values.iter(), &mut collection);
        Address { collection, key }
    }

    fn pieces(&self) -> impl DoubleEndedIterator<Item = &Piece> {
        self.segments.iter().flatten()
    }
}

/// Names what makes a path template unsafe to send under a service root, if anything: it
/// must start with `/`, and hold no `?`, `#`, empty segment (`//`) or dot segment (`.`,
/// `..`, percent-encoded or not).
pub fn problem(template: &str) -> Option<UnsafeTemplate> {
    if !template.starts_with('/') {
        return Some(UnsafeTemplate::NotRooted);
    }
    if template.contains(['?', '#']) {
        return Some(UnsafeTemplate::QueryOrFragment);
    }
    if template == "/" {
        return None;
    }
    template[1..].split('/').find_map(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        if segment.is_empty() {
            Some(UnsafeTemplate::EmptySegment)
        } else if decoded == "." || decoded == ".." {
            Some(UnsafeTemplate::DotSegment)
        } else {
            None
        }
    })
}

/// Tells whether `value` can be sent as one path segment and arrive as itself: not empty
/// (`/a//b`), not `.` or `..` (resolved away by the URL parser, encoded or not).
pub fn is_segment_value(value: &str) -> bool {
    !matches!(value, "" | "." | "..")
}

/// Percent-encodes what may not stand in a path segment.
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Returns the value of placeholder `name`, refusing one that cannot be a path segment.
fn value(values: &BTreeMap<String, String>, name: String) -> Result<&str, Unresolved> {
    match values.get(&name) {
        None => Err(Unresolved::Missing(name)),
        Some(value) if !is_segment_value(value) => Err(Unresolved::Unsafe {
            name,
            value: value.clone(),
        }),
        Some(value) => Ok(value),
    }
}

/// Rewrites segments in the OData key syntax (`users('x')`, `users(x)`) as two (`users`,
/// `x`); `None` when no segment uses it. Named arguments (`range(address='A1')`) are no key.
pub fn key_syntax_reading(segments: &[String]) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(segments.len() + 1);
    let mut keyed = false;
    for segment in segments {
        match key_of(segment) {
            Some((name, key)) => {
                keyed = true;
                out.push(name.to_string());
                out.push(key);
            }
            None => out.push(segment.clone()),
        }
    }
    keyed.then_some(out)
}

/// Splits `name('key')` or `name(key)` into the name and the key (`''` unescaped to `'`).
fn key_of(segment: &str) -> Option<(&str, String)> {
    let (name, rest) = segment.split_once('(')?;
    let inner = rest.strip_suffix(')')?;
    if name.is_empty() || inner.is_empty() || inner.contains(['=', ',', '(', ')']) {
        return None;
    }
    let key = match inner.strip_prefix('\'') {
        Some(quoted) => quoted.strip_suffix('\'')?.replace("''", "'"),
        None => inner.to_string(),
    };
    (!key.is_empty()).then_some((name, key))
}

/// Splits a path into its non-empty segments.
fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Splits a raw request path into percent-decoded segments (a trailing slash is ignored).
pub fn decode_path(path: &str) -> Vec<String> {
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

/// Renames each repeat of a placeholder name to the first free `name-N`, N from 2, so that
/// every placeholder names one value; tells whether it renamed any.
fn distinct_placeholders(segments: &mut [Vec<Piece>]) -> bool {
    let written: Vec<String> = segments
        .iter()
        .flatten()
        .filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name.clone()),
            Piece::Literal(_) => None,
        })
        .collect();
    let mut taken: Vec<String> = Vec::new();
    let mut renamed = false;
    for piece in segments.iter_mut().flatten() {
        let Piece::Placeholder(name) = piece else {
            continue;
        };
        if taken.contains(name) {
            let free = (2..)
                .map(|n| format!("{name}-{n}"))
                .find(|c| !taken.contains(c) && !written.contains(c))
                .unwrap_or_default();
            *name = free;
            renamed = true;
        }
        taken.push(name.clone());
    }
    renamed
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
    use rstest::rstest;

    fn ids(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[rstest]
    #[case::none("/a/b", &[], None)]
    #[case::one("/a/{aId}", &["aId"], Some("aId"))]
    #[case::two_in_order("/a/{aId}/b/{bId}", &["aId", "bId"], Some("bId"))]
    #[case::a_repeated_name_is_another_value("/a/{x}/b/{x}", &["x", "x-2"], Some("x-2"))]
    #[case::a_repeat_takes_a_free_name("/a/{x}/b/{x}/c/{x-2}", &["x", "x-3", "x-2"], Some("x-2"))]
    #[case::an_unclosed_brace_is_literal("/a/{aId}/b/{b", &["aId"], Some("aId"))]
    #[case::empty_braces_are_literal("/a/{}", &[], None)]
    #[case::inside_a_segment("/names({name})/range", &["name"], Some("name"))]
    fn placeholders_are_named_in_order(
        #[case] template: &str,
        #[case] names: &[&str],
        #[case] last: Option<&str>,
    ) {
        let template = PathTemplate::parse(template);
        assert_eq!(template.placeholders(), names);
        assert_eq!(template.last_placeholder(), last);
    }

    #[rstest]
    #[case::an_item("/a/b/{bId}", Some("/a/b"))]
    #[case::a_collection("/a/b", None)]
    #[case::a_key_inside_text("/a/names({name})", None)]
    fn an_item_template_names_its_collection(
        #[case] template: &str,
        #[case] collection: Option<&str>,
    ) {
        assert_eq!(PathTemplate::parse(template).collection(), collection);
    }

    #[rstest]
    #[case::a_path_argument("/a/{x}/b", &[("x", None)])]
    #[case::a_function_argument("/range(address={a})", &[("a", Some("range"))])]
    #[case::a_key_then_an_argument(
        "/items/{id}/f(x={v})",
        &[("id", None), ("v", Some("f"))]
    )]
    fn placeholders_know_the_function_they_are_an_argument_of(
        #[case] template: &str,
        #[case] calls: &[(&str, Option<&str>)],
    ) {
        assert_eq!(PathTemplate::parse(template).placeholder_calls(), calls);
    }

    #[rstest]
    #[case::a_space_and_a_slash("x y/z", "/a/x%20y%2Fz")]
    #[case::a_question_mark("a?b", "/a/a%3Fb")]
    #[case::a_hash("a#b", "/a/a%23b")]
    #[case::a_percent("%2E%2E", "/a/%252E%252E")]
    #[case::a_backslash("..\\x", "/a/..%5Cx")]
    #[case::three_dots("...", "/a/...")]
    #[case::a_dot_inside("a.b", "/a/a.b")]
    fn ids_are_percent_encoded_as_one_path_segment(#[case] id: &str, #[case] sent: &str) {
        let template = PathTemplate::parse("/a/{aId}");
        assert_eq!(template.fill(&ids(&[("aId", id)])).as_deref(), Ok(sent));
    }

    #[test]
    fn a_template_is_filled_as_written() {
        let template = PathTemplate::parse("/Users/{u}/names({n})/range");
        let filled = template.fill(&ids(&[("u", "1"), ("n", "a b")]));
        assert_eq!(filled.as_deref(), Ok("/Users/1/names(a%20b)/range"));
    }

    #[test]
    fn a_repeated_name_is_filled_with_its_own_value() {
        let template = PathTemplate::parse("/groups/{id}/threads/{id}/reply");
        assert_eq!(template.text(), "/groups/{id}/threads/{id-2}/reply");
        let filled = template.fill(&ids(&[("id", "g"), ("id-2", "t")]));
        assert_eq!(filled.as_deref(), Ok("/groups/g/threads/t/reply"));
        let matched = template.match_path("/groups/g/threads/t/reply");
        assert_eq!(matched, Some(vec!["g".to_string(), "t".to_string()]));
    }

    #[test]
    fn a_missing_value_is_named() {
        let template = PathTemplate::parse("/a/{aId}/b/{bId}");
        assert_eq!(
            template.fill(&ids(&[("aId", "1")])),
            Err(Unresolved::Missing("bId".to_string()))
        );
    }

    #[rstest]
    #[case::dot_dot("..")]
    #[case::dot(".")]
    #[case::empty("")]
    fn ids_that_cannot_be_a_path_segment_are_refused(#[case] id: &str) {
        let template = PathTemplate::parse("/a/{aId}");
        assert_eq!(
            template.fill(&ids(&[("aId", id)])),
            Err(Unresolved::Unsafe {
                name: "aId".to_string(),
                value: id.to_string()
            })
        );
    }

    #[rstest]
    #[case::relative("a/b", Some(UnsafeTemplate::NotRooted))]
    #[case::a_query("/a?b=1", Some(UnsafeTemplate::QueryOrFragment))]
    #[case::a_fragment("/a#b", Some(UnsafeTemplate::QueryOrFragment))]
    #[case::an_empty_segment("/a//b", Some(UnsafeTemplate::EmptySegment))]
    #[case::a_trailing_slash("/a/", Some(UnsafeTemplate::EmptySegment))]
    #[case::a_dot_dot_segment("/a/../b", Some(UnsafeTemplate::DotSegment))]
    #[case::an_encoded_dot_segment("/a/%2e%2E/b", Some(UnsafeTemplate::DotSegment))]
    #[case::the_root("/", None)]
    #[case::a_plain_template("/a/{id}/b", None)]
    fn unsafe_templates_are_refused(#[case] text: &str, #[case] problem: Option<UnsafeTemplate>) {
        assert_eq!(PathTemplate::checked(text).err(), problem);
    }

    #[rstest]
    #[case::segments_compare_case_insensitively("/devicemanagement/NDESConnectors/abc", &["abc"])]
    #[case::percent_escapes_are_decoded("/deviceManagement/ndesConnectors/a%20b", &["a b"])]
    #[case::a_trailing_slash_is_ignored("/deviceManagement/ndesConnectors/abc/", &["abc"])]
    #[case::the_odata_key_syntax_is_a_segment("/deviceManagement/ndesConnectors('abc')", &["abc"])]
    #[case::an_unquoted_key_is_a_segment("/deviceManagement/ndesConnectors(abc)", &["abc"])]
    #[case::a_doubled_quote_is_a_quote("/deviceManagement/ndesConnectors('o''k')", &["o'k"])]
    fn a_concrete_path_matches_its_template(#[case] path: &str, #[case] values: &[&str]) {
        let template = PathTemplate::parse("/deviceManagement/ndesConnectors/{ndesConnectorId}");
        assert_eq!(
            template.match_path(path),
            Some(values.iter().map(|v| v.to_string()).collect())
        );
    }

    #[rstest]
    #[case::the_collection("/deviceManagement/ndesConnectors")]
    #[case::another_collection("/deviceManagement/other/abc")]
    #[case::one_segment_more("/deviceManagement/ndesConnectors/abc/x")]
    #[case::an_empty_key("/deviceManagement/ndesConnectors('')")]
    #[case::named_arguments_are_no_key("/deviceManagement/ndesConnectors(id='abc')")]
    fn other_paths_do_not_match(#[case] path: &str) {
        let template = PathTemplate::parse("/deviceManagement/ndesConnectors/{ndesConnectorId}");
        assert_eq!(template.match_path(path), None);
    }

    #[test]
    fn placeholders_inside_a_segment_match_at_least_one_character() {
        let t = PathTemplate::parse("/me/drive/items/{itemId}/workbook/names({name})/range");
        assert_eq!(
            t.match_path("/me/drive/items/x1/workbook/names(a%29b)/range"),
            Some(vec!["x1".to_string(), "a)b".to_string()])
        );
        assert_eq!(
            t.match_path("/me/drive/items/x1/workbook/names()/range"),
            None
        );
    }

    #[rstest]
    #[case::a_whole_segment_key("/a/things/{id}", &["k"], "/a/things", "k")]
    #[case::a_key_inside_text("/workbook/names({name})", &["n"], "/workbook/names({})", "n")]
    #[case::a_singleton("/users/{userId}/settings", &["u1"], "/users/u1/settings", "")]
    fn an_item_has_a_collection_and_a_key(
        #[case] template: &str,
        #[case] values: &[&str],
        #[case] collection: &str,
        #[case] key: &str,
    ) {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            PathTemplate::parse(template).address(&values),
            Address {
                collection: collection.into(),
                key: key.into()
            }
        );
    }

    #[test]
    fn a_child_item_lives_in_its_parent_collection() {
        let create = PathTemplate::parse("/users/{userId}/events");
        let item = create.child_item("id");
        assert_eq!(item.shape(), "/users/{}/events/{}");
        assert_eq!(
            item.address(&["u1".to_string(), "e1".to_string()])
                .collection,
            create.render(&["u1".to_string()])
        );
    }

    #[test]
    fn a_parent_drops_the_last_segment_and_its_values() {
        let function = PathTemplate::parse("/gadgets/{gadgetId}/usage(period='{period}')");
        let parent = function.parent().unwrap();
        assert_eq!(parent.text(), "/gadgets/{gadgetId}");
        assert_eq!(parent.shape(), "/gadgets/{}");
        assert_eq!((function.arity(), parent.arity()), (2, 1));
        assert_eq!(PathTemplate::parse("/a/{x}/b/{x}").arity(), 2);
        assert_eq!(PathTemplate::parse("/me").parent().unwrap().text(), "");
    }

    #[test]
    fn a_function_segment_matches_its_parameters() {
        let function = PathTemplate::parse("/gadgets/{gadgetId}/usage(period='{period}')");
        assert_eq!(
            function.match_path("/gadgets/7f2a/usage(period='D7')"),
            Some(vec!["7f2a".to_string(), "D7".to_string()])
        );
        assert_eq!(
            function.match_path("/gadgets/7f2a/usage(period=%27D7%27)"),
            Some(vec!["7f2a".to_string(), "D7".to_string()])
        );
        assert_eq!(function.match_path("/gadgets/7f2a/usage()"), None);
    }

    #[rstest::rstest]
    #[case::none("/me/drive", 0)]
    #[case::one_key("/teams/{teamId}/channels", 1)]
    #[case::two_keys("/teams/{teamId}/channels/{channelId}", 2)]
    #[case::function_arguments_are_no_keys("/a/{aId}/usage(period='{period}')", 1)]
    #[case::a_key_in_key_syntax_is_no_segment_key("/a('{aId}')", 0)]
    fn keys_are_the_segments_that_are_one_placeholder(#[case] text: &str, #[case] keys: usize) {
        assert_eq!(PathTemplate::parse(text).keys(), keys);
    }

    #[test]
    fn shapes_erase_placeholder_names_and_letter_case() {
        assert_eq!(
            PathTemplate::parse("/Users/{id}").shape(),
            PathTemplate::parse("/users/{usersId}").shape()
        );
    }

    #[test]
    fn decoding_leaves_broken_escapes_as_written() {
        assert_eq!(decode_path("/a%20b/c%2Fd/%zz/"), vec!["a b", "c/d", "%zz"]);
    }
}
