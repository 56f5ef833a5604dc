//! What a list answer is held to: its shape (`{"value": [...]}`), its paging links, and the
//! query options a page states support for (or, where it is silent, Graph's conventions).
//!
//! Every function judges what one answer (or the pages of one list, read to the end) shows;
//! none sends anything.

use super::{Check, Evidence, Finding};
use crate::model::Span;
use crate::secret::Secrets;
use serde_json::Value;

/// Reads the items of one page of a list: `Err` is the finding of a page that is not
/// `{"value": [...]}`.
pub fn list_items<'a>(
    body: &'a Value,
    rule: &Span,
    strict: bool,
) -> Result<&'a [Value], Box<Finding>> {
    match body.get("value") {
        Some(Value::Array(items)) => Ok(items),
        other => {
            let got = match other {
                None => "no `value`".to_string(),
                Some(v) => format!("`value` is {}", super::json_kind(v)),
            };
            Err(Box::new(Finding::new(
                Check::ListShape,
                strict,
                "value",
                format!("a page of the list is not {{\"value\": [...]}}: {got}"),
                Some(rule.clone()),
                Evidence::Value {
                    property: "value".to_string(),
                    sent: "an array".to_string(),
                    got,
                },
            )))
        }
    }
}

/// Reads a page's `@odata.nextLink`, when it has one that is a string.
pub fn next_link(body: &Value) -> Option<&str> {
    body.get("@odata.nextLink")?.as_str()
}

/// Why paging through a list stopped before its last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagingFault {
    /// The link names a page already read.
    Loop { link: String },
    /// The link leaves the service's origin (it is never sent, nor the token with it).
    Foreign { link: String },
    /// The cap of pages was reached with a next link still to follow.
    Cap { pages: u32 },
}

/// The finding of a paging fault.
pub fn paging(fault: &PagingFault, rule: &Span, strict: bool, secrets: &Secrets) -> Finding {
    let quote = |link: &str| secrets.quote(link, super::QUOTE_CAP);
    let (check, key, message, got) = match fault {
        PagingFault::Loop { link } => (
            Check::NextLinkLoop,
            "next-link",
            format!("@odata.nextLink {} names a page already read", quote(link)),
            quote(link),
        ),
        PagingFault::Foreign { link } => (
            Check::NextLinkOrigin,
            "next-link",
            format!(
                "@odata.nextLink {} leaves the service root: not followed, and the token is never sent there",
                quote(link)
            ),
            quote(link),
        ),
        PagingFault::Cap { pages } => (
            Check::PageCap,
            "pages",
            format!("the list still had an @odata.nextLink after {pages} pages (--max-pages)"),
            pages.to_string(),
        ),
    };
    Finding::new(
        check,
        strict,
        key,
        message,
        Some(rule.clone()),
        Evidence::Value {
            property: "@odata.nextLink".to_string(),
            sent: String::new(),
            got,
        },
    )
}

/// Checks `$top=N`: no page holds more than `top` items.
pub fn top(page_items: &[usize], top: usize, rule: Option<Span>, strict: bool) -> Option<Finding> {
    let most = page_items.iter().copied().max()?;
    (most > top).then(|| {
        Finding::new(
            Check::Top,
            strict,
            "$top",
            format!("$top={top} answered a page of {most} items"),
            rule,
            Evidence::Value {
                property: "$top".to_string(),
                sent: top.to_string(),
                got: most.to_string(),
            },
        )
    })
}

/// Checks `$select`: no item holds a documented property that was not selected (`id` and
/// annotations aside, which Graph may add), and the selected properties `set` on an item
/// come back.
pub fn select(
    items: &[Value],
    selected: &[String],
    documented: impl Fn(&str) -> bool,
    set: &[(String, String)],
    rule: Option<Span>,
    strict: bool,
) -> Option<Finding> {
    let extra = items.iter().filter_map(Value::as_object).find_map(|item| {
        item.keys()
            .find(|k| *k != "id" && !k.contains('@') && documented(k) && !selected.contains(k))
            .cloned()
    });
    let missing = set.iter().find_map(|(id, property)| {
        let item = items
            .iter()
            .find(|i| i.get("id").and_then(Value::as_str) == Some(id))?;
        item.get(property).is_none().then(|| property.clone())
    });
    let sent = selected.join(",");
    let (message, got) = match (extra, missing) {
        (Some(extra), _) => (
            format!("$select={sent} answered `{extra}`, a documented property not selected"),
            extra,
        ),
        (None, Some(missing)) => (
            format!("$select={sent} left out `{missing}`, which is set on the object"),
            missing,
        ),
        (None, None) => return None,
    };
    Some(Finding::new(
        Check::Select,
        strict,
        "$select",
        message,
        rule,
        Evidence::Value {
            property: "$select".to_string(),
            sent,
            got,
        },
    ))
}

/// Checks `$filter=<property> eq <value>`: every item has that value, and the item known to
/// have it (`holder`, by id) is among them.
pub fn filter(
    items: &[Value],
    property: &str,
    value: &Value,
    holder: &str,
    rule: Option<Span>,
    strict: bool,
) -> Option<Finding> {
    let sent = format!("{property} eq {value}");
    let other = items.iter().find(|item| item.get(property) != Some(value));
    let message = match other {
        Some(item) => format!(
            "$filter={sent} answered an item whose `{property}` is {}",
            item.get(property)
                .map_or("absent".to_string(), Value::to_string)
        ),
        None if !items
            .iter()
            .any(|i| i.get("id").and_then(Value::as_str) == Some(holder)) =>
        {
            format!("$filter={sent} left out the object `{holder}`, which has that value")
        }
        None => return None,
    };
    Some(Finding::new(
        Check::Filter,
        strict,
        "$filter",
        message,
        rule,
        Evidence::Value {
            property: property.to_string(),
            sent,
            got: items.len().to_string(),
        },
    ))
}

/// Checks `$count=true`: the first page carries `@odata.count`, an integer that equals the
/// number of items the pages held when they were read to the end (`total`, none when paging
/// stopped early).
pub fn count(
    first_page: &Value,
    total: Option<usize>,
    rule: Option<Span>,
    strict: bool,
) -> Option<Finding> {
    let got = first_page.get("@odata.count");
    let message = match (got.and_then(Value::as_u64), total) {
        (None, _) => format!(
            "$count=true answered no integer @odata.count ({})",
            got.map_or("absent".to_string(), Value::to_string)
        ),
        (Some(n), Some(total)) if usize::try_from(n).ok() != Some(total) => {
            format!("@odata.count is {n}, but the pages held {total} items")
        }
        _ => return None,
    };
    Some(Finding::new(
        Check::Count,
        strict,
        "$count",
        message,
        rule,
        Evidence::Value {
            property: "@odata.count".to_string(),
            sent: total.map_or(String::new(), |t| t.to_string()),
            got: got.map_or("absent".to_string(), Value::to_string),
        },
    ))
}

/// The ids the items of a list hold, gathered once: a list of hundreds of items is asked
/// about each object a run created in it.
pub struct ItemIds<'a> {
    ids: std::collections::HashSet<&'a str>,
    items: usize,
}

impl<'a> ItemIds<'a> {
    pub fn of(items: &'a [Value]) -> Self {
        let ids = items
            .iter()
            .filter_map(|item| item.get("id").and_then(Value::as_str))
            .collect();
        ItemIds {
            ids,
            items: items.len(),
        }
    }
}

/// Checks that the items of a list read to the end hold (or, after a delete, no longer hold)
/// the object `id`.
pub fn listed(
    items: &ItemIds,
    id: &str,
    present: bool,
    rule: &Span,
    strict: bool,
    secrets: &Secrets,
) -> Option<Finding> {
    if items.ids.contains(id) == present {
        return None;
    }
    let shown = secrets.quote(id, super::QUOTE_CAP);
    let (check, message) = if present {
        (
            Check::Listed,
            format!("the list does not hold `{shown}`, created in it by this run"),
        )
    } else {
        (
            Check::Deleted,
            format!("the list still holds `{shown}` after its delete succeeded"),
        )
    };
    Some(Finding::new(
        check,
        strict,
        "id",
        message,
        Some(rule.clone()),
        Evidence::Value {
            property: "id".to_string(),
            sent: shown,
            got: format!("{} items", items.items),
        },
    ))
}
