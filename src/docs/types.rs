//! Property table cells: the Graph type column and the enum members in a description.

use crate::model::EdmType;

/// Reads a type cell (`String`, `[ndesConnectorState](...)`, `String collection`,
/// `Collection(microsoft.graph.x)`), given the enum members found in the description.
pub fn parse_type(cell: &str, has_members: bool) -> Option<EdmType> {
    let text = cell.replace(['`', '*', '\\'], "");
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix("Collection(")
        .or_else(|| text.strip_prefix("collection("))
        .and_then(|t| t.strip_suffix(')'))
    {
        return parse_type(inner, has_members).map(|t| EdmType::Collection(Box::new(t)));
    }
    let lower = text.to_ascii_lowercase();
    if let Some(stripped) = lower.strip_suffix(" collection") {
        let inner = &text[..stripped.len()];
        return parse_type(inner, has_members).map(|t| EdmType::Collection(Box::new(t)));
    }
    let name = text
        .split_whitespace()
        .next()?
        .trim_start_matches("microsoft.graph.")
        .trim_start_matches("graph.")
        .trim_end_matches([',', '.', ';']);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    Some(match primitive(name) {
        Some(primitive) => primitive,
        None if has_members => EdmType::Enum(name.to_string()),
        None => EdmType::Named(name.to_string()),
    })
}

/// Reads a primitive type name; `DateTime`, which the pages write for `DateTimeOffset`
/// (Graph has no other date-time type), is `DateTimeOffset`.
fn primitive(name: &str) -> Option<EdmType> {
    let bare = name.strip_prefix("Edm.").unwrap_or(name);
    if bare.eq_ignore_ascii_case("datetime") {
        return Some(EdmType::DateTimeOffset);
    }
    EdmType::primitive(name)
}

/// Reads a property row's type cell and description together: the type and its members.
///
/// A named type whose description announces values is an enum: with the listed members, or,
/// when none can be read, with no members (a plain string, never an object). Members are kept
/// only for an enum or a string type (a `String` cell that lists values).
pub fn property_type(cell: &str, description: &str) -> Option<(EdmType, Vec<String>)> {
    let members = parse_members(description);
    let ty = parse_type(cell, members.announced())?;
    let members = match members {
        Members::Listed(members) if matches!(ty.element(), EdmType::String | EdmType::Enum(_)) => {
            members
        }
        Members::None | Members::Listed(_) | Members::Unreadable => Vec::new(),
    };
    Some((ty, members))
}

const ENUM_PHRASES: [&str; 6] = [
    "possible values are:",
    "possible values are",
    "possible values:",
    "allowed values are:",
    "allowed values:",
    "valid values are:",
];

/// The outcome of looking for enum members in a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    /// The description does not list values.
    None,
    /// The listed values, in order; `null` is never one of them (see `nullable`).
    Listed(Vec<String>),
    /// The description announces values but none could be read.
    Unreadable,
}

impl Members {
    /// Tells whether the description announces values, readable or not.
    pub fn announced(&self) -> bool {
        match self {
            Members::None => false,
            Members::Listed(_) | Members::Unreadable => true,
        }
    }
}

/// Finds the enum members of a description; a listed `null` is not a member (every
/// response property may be null anyway).
pub fn parse_members(description: &str) -> Members {
    let lower = description.to_ascii_lowercase();
    let Some((at, phrase)) = ENUM_PHRASES
        .iter()
        .filter_map(|p| lower.find(p).map(|i| (i, *p)))
        .min_by_key(|(i, p)| (*i, usize::MAX - p.len()))
    else {
        return Members::None;
    };
    let tail = sentence(&description[at + phrase.len()..]);
    let mut members = if tail.contains('`') {
        backticked(tail)
    } else {
        listed_words(tail)
    };
    members.retain(|m| m != "null");
    if members.is_empty() {
        Members::Unreadable
    } else {
        Members::Listed(members)
    }
}

/// Cuts `text` at the first sentence end that is not inside backticks.
fn sentence(text: &str) -> &str {
    let mut in_code = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' if !in_code && !after_digit(bytes, i) => {
                let next = bytes.get(i + 1).copied();
                if next.is_none() || next.is_some_and(|n| n.is_ascii_whitespace()) {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// Tells whether the byte before `i` is a digit (`1.` numbers a value, it ends no sentence).
fn after_digit(bytes: &[u8], i: usize) -> bool {
    i > 0 && bytes[i - 1].is_ascii_digit()
}

fn backticked(text: &str) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    for (i, piece) in text.split('`').enumerate() {
        let value = piece.trim();
        if i % 2 == 1 && is_member(value) && !members.iter().any(|m| m == value) {
            members.push(value.to_string());
        }
    }
    members
}

fn listed_words(text: &str) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    let cleaned = text.replace(['*', '"', '\''], " ");
    for piece in cleaned.split([',', ';']) {
        for word in piece.split(" or ").flat_map(|p| p.split(" and ")) {
            let word = word.trim();
            let word = strip_numbering(word);
            let value = word.split_whitespace().next().unwrap_or_default();
            if is_member(value) && !members.iter().any(|m| m == value) {
                members.push(value.to_string());
            }
        }
    }
    members
}

fn strip_numbering(word: &str) -> &str {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    match word[digits..].strip_prefix(['.', ')']) {
        Some(rest) if digits > 0 => rest.trim_start(),
        _ => word,
    }
}

fn is_member(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn named(name: &str) -> EdmType {
        EdmType::Named(name.into())
    }

    fn collection(inner: EdmType) -> EdmType {
        EdmType::Collection(Box::new(inner))
    }

    #[rstest]
    #[case::date_time_is_date_time_offset("DateTime", EdmType::DateTimeOffset)]
    #[case::date_time_in_any_case("datetime", EdmType::DateTimeOffset)]
    #[case::date_time_with_the_edm_prefix("Edm.DateTime", EdmType::DateTimeOffset)]
    #[case::date_time_collection("DateTime collection", collection(EdmType::DateTimeOffset))]
    #[case::date_time_offset_unchanged("DateTimeOffset", EdmType::DateTimeOffset)]
    #[case::a_named_type_stays_an_object("dateTimeTimeZone", named("dateTimeTimeZone"))]
    fn date_time_means_date_time_offset(#[case] cell: &str, #[case] expected: EdmType) {
        assert_eq!(parse_type(cell, false), Some(expected));
    }

    #[rstest]
    #[case::listed_members_make_an_enum(
        "widgetState",
        "The state. Possible values are: `idle`, `busy`.",
        EdmType::Enum("widgetState".into()),
        &["idle", "busy"]
    )]
    #[case::announced_but_unlisted_is_a_plain_string_enum(
        "widgetState",
        "The state. Possible values are: 0 (off), 1 (on).",
        EdmType::Enum("widgetState".into()),
        &[]
    )]
    #[case::announced_but_unlisted_collection(
        "widgetState collection",
        "The states. Possible values are: `1`, `2`.",
        collection(EdmType::Enum("widgetState".into())),
        &[]
    )]
    #[case::no_announcement_is_an_object(
        "widgetSettings",
        "The settings.",
        named("widgetSettings"),
        &[]
    )]
    #[case::a_string_cell_keeps_its_members(
        "String",
        "The mode. Possible values are: `slow`, `fast`.",
        EdmType::String,
        &["slow", "fast"]
    )]
    #[case::a_number_cell_drops_listed_values(
        "Int32",
        "The level. Possible values are: `one`, `two`.",
        EdmType::Int32,
        &[]
    )]
    fn an_enum_without_members_is_a_plain_string(
        #[case] cell: &str,
        #[case] description: &str,
        #[case] ty: EdmType,
        #[case] members: &[&str],
    ) {
        let members: Vec<String> = members.iter().map(ToString::to_string).collect();
        assert_eq!(property_type(cell, description), Some((ty, members)));
    }

    #[test]
    fn members_stop_at_the_sentence_end() {
        assert_eq!(
            parse_members("State. Possible values are: `none`, `active`. Default is `none`."),
            Members::Listed(vec!["none".into(), "active".into()])
        );
    }

    #[test]
    fn collection_of_enum() {
        assert_eq!(
            parse_type("dayOfWeek collection", true),
            Some(EdmType::Collection(Box::new(EdmType::Enum(
                "dayOfWeek".into()
            ))))
        );
    }
}
