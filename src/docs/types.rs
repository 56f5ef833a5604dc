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
    Some(match EdmType::primitive(name) {
        Some(primitive) => primitive,
        None if has_members => EdmType::Enum(name.to_string()),
        None => EdmType::Named(name.to_string()),
    })
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
