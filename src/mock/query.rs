//! The OData query options the mock reads from a request's query string (percent-decoded,
//! `+` as a space): `$top`, `$select`, `$filter` (`<property> eq <literal>`), `$count`,
//! `$skiptoken` (the mock's own paging token) and `$id` (a `$ref` removal's target).
//! `$skip`, `$orderby`, `$search`, `$expand` and anything else are accepted and ignored.

use super::render::GraphError;
use serde_json::Value;

/// The query options of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Query {
    /// The query string as sent, without its `$skiptoken` (what a nextLink repeats).
    pub kept: String,
    pub top: Option<usize>,
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    pub count: bool,
    /// Where the page starts, from the mock's own `$skiptoken`.
    pub skip: usize,
    /// `$id`: the `@odata.id` a `DELETE .../$ref?$id=...` removes.
    pub id: Option<String>,
}

/// `$filter=<property> eq <literal>`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    pub property: String,
    pub literal: Value,
}

impl Filter {
    /// Tells whether `object`'s property equals the literal (numbers compare by value; a
    /// missing property is null).
    pub fn keeps(&self, object: &serde_json::Map<String, Value>) -> bool {
        let value = object.get(&self.property).unwrap_or(&Value::Null);
        match (value, &self.literal) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        }
    }
}

/// Writes the paging token of the page starting at `offset`.
pub(crate) fn skiptoken(offset: usize) -> String {
    format!("P{offset:x}")
}

impl Query {
    /// Reads a raw query string; `Err` is the Graph 400 for an option the mock cannot honour
    /// (a `$top` that is no count, a `$filter` of another form, a `$count` that is no
    /// boolean, a `$skiptoken` it did not write).
    pub fn parse(raw: &str) -> Result<Query, GraphError> {
        let mut query = Query::default();
        let mut kept = Vec::new();
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            let value = decode(value);
            let option = name.trim().to_ascii_lowercase();
            if option == "$skiptoken" {
                query.skip = read_skiptoken(&value)?;
                continue;
            }
            kept.push(pair);
            query.read(&option, value)?;
        }
        query.kept = kept.join("&");
        Ok(query)
    }

    fn read(&mut self, option: &str, value: String) -> Result<(), GraphError> {
        match option {
            "$top" => {
                let top = value.trim().parse::<usize>().map_err(|_| {
                    bad(format!(
                        "Invalid $top value '{value}': a non-negative integer."
                    ))
                })?;
                self.top = Some(top);
            }
            "$select" => {
                let names = value
                    .split(',')
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty());
                self.select = Some(names.collect());
            }
            "$filter" => self.filter = Some(parse_filter(&value)?),
            "$count" => {
                self.count = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(format!("Invalid $count value '{value}'."))),
                };
            }
            "$id" => self.id = Some(value),
            _ => {}
        }
        Ok(())
    }
}

fn bad(message: String) -> GraphError {
    GraphError::new(400, "BadRequest", message)
}

fn read_skiptoken(value: &str) -> Result<usize, GraphError> {
    value
        .strip_prefix('P')
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| bad(format!("Invalid $skiptoken '{value}'.")))
}

/// Reads `<property> eq <literal>`; the literal is `'text'` (`''` for a quote), a number,
/// `true`, `false` or `null`.
fn parse_filter(text: &str) -> Result<Filter, GraphError> {
    let unsupported = || {
        bad(format!(
            "Unsupported $filter '{text}': only '<property> eq <literal>' is supported."
        ))
    };
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let (property, rest) = text.split_at(end);
    let rest = rest.trim_start();
    let operator = rest.get(..2).filter(|op| op.eq_ignore_ascii_case("eq"));
    let after = rest.get(2..).filter(|r| r.starts_with(char::is_whitespace));
    let (Some(_), Some(literal)) = (operator, after) else {
        return Err(unsupported());
    };
    if property.is_empty() {
        return Err(unsupported());
    }
    let literal = parse_literal(literal.trim()).ok_or_else(unsupported)?;
    Ok(Filter {
        property: property.to_string(),
        literal,
    })
}

fn parse_literal(text: &str) -> Option<Value> {
    if let Some(quoted) = text.strip_prefix('\'') {
        let inner = quoted.strip_suffix('\'')?;
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        return Some(Value::String(inner.replace("''", "'")));
    }
    match text {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        "null" => Some(Value::Null),
        _ => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .map(Value::Number),
    }
}

/// Percent-decodes a query component, `+` as a space.
fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::text("name eq 'Brass'", "name", json!("Brass"))]
    #[case::a_doubled_quote("name eq 'O''Neil'", "name", json!("O'Neil"))]
    #[case::a_number("size eq 12", "size", json!(12))]
    #[case::a_fraction("size eq 1.5", "size", json!(1.5))]
    #[case::a_boolean("on eq true", "on", json!(true))]
    #[case::null("mode eq null", "mode", Value::Null)]
    #[case::the_operator_in_capitals("name EQ 'x'", "name", json!("x"))]
    fn an_equality_filter_is_read(
        #[case] text: &str,
        #[case] property: &str,
        #[case] literal: Value,
    ) {
        let filter = parse_filter(text).unwrap();
        assert_eq!(
            (filter.property.as_str(), filter.literal),
            (property, literal)
        );
    }

    #[rstest]
    #[case::another_operator("size gt 1")]
    #[case::a_function("startswith(name,'a')")]
    #[case::an_unclosed_quote("name eq 'a")]
    #[case::a_lone_quote_inside("name eq 'a'b'")]
    #[case::a_bare_word("name eq brass")]
    #[case::two_clauses("a eq 1 and b eq 2")]
    #[case::no_property(" eq 1")]
    fn other_filters_are_refused(#[case] text: &str) {
        assert_eq!(parse_filter(text).map_err(|e| e.status), Err(400));
    }

    #[test]
    fn options_are_percent_decoded_and_the_skiptoken_is_not_kept() {
        let raw = format!(
            "%24filter=name+eq+%27a%20b%27&$top=3&$skiptoken={}",
            skiptoken(4)
        );
        let query = Query::parse(&raw).unwrap();
        assert_eq!(query.filter.unwrap().literal, json!("a b"));
        assert_eq!((query.top, query.skip), (Some(3), 4));
        assert_eq!(query.kept, "%24filter=name+eq+%27a%20b%27&$top=3");
    }

    #[rstest]
    #[case::top("$top=x")]
    #[case::count("$count=yes")]
    #[case::skiptoken("$skiptoken=other")]
    fn unreadable_options_are_400(#[case] raw: &str) {
        assert_eq!(Query::parse(raw).map_err(|e| e.status), Err(400));
    }
}
