//! Paging of lists (`{"value": [...]}` and `$ref` lists): `$top` caps the items in total,
//! each page holds at most the mock's page size, and every page but the last carries an
//! absolute `@odata.nextLink` on the request's own origin: the same path and query with
//! the mock's `$skiptoken`. The paging faults bend exactly one of these rules.

use super::fault::{Fault, FaultSet};
use super::query::{Query, skiptoken};

/// The origin nextLinks point at under [`Fault::NextLinkOtherHost`].
const OTHER_ORIGIN: &str = "https://other-origin.invalid";

/// Where a list was asked for: what its nextLinks repeat.
pub(super) struct Origin<'a> {
    /// `http://127.0.0.1:PORT`.
    pub origin: &'a str,
    /// The request path as sent (prefix included).
    pub path: &'a str,
}

/// One page of a list.
pub(super) struct Page<T> {
    pub items: Vec<T>,
    pub next_link: Option<String>,
}

/// Cuts the page `query` asks for out of every matching item.
pub(super) fn page<T>(
    matched: Vec<T>,
    query: &Query,
    faults: FaultSet,
    page_size: usize,
    at: &Origin<'_>,
) -> Page<T> {
    let cap = match query.top {
        Some(top) if !faults.has(Fault::ListIgnoresTop) => top.min(matched.len()),
        _ => matched.len(),
    };
    let page_size = page_size.max(1);
    let start = query.skip.min(cap);
    let end = start.saturating_add(page_size).min(cap);
    let next = if faults.has(Fault::NextLinkEndless) {
        Some(query.skip.saturating_add(page_size))
    } else {
        (end < cap).then_some(end)
    };
    let next_link = match next {
        Some(offset) => Some(link(query, faults, at, Some(offset))),
        None if faults.has(Fault::NextLinkLoop) => Some(link(query, faults, at, None)),
        None => None,
    };
    let items = matched.into_iter().skip(start).take(end - start).collect();
    Page { items, next_link }
}

/// Writes the link to the page starting at `offset` (the first page when `None`).
fn link(query: &Query, faults: FaultSet, at: &Origin<'_>, offset: Option<usize>) -> String {
    let origin = if faults.has(Fault::NextLinkOtherHost) {
        OTHER_ORIGIN
    } else {
        at.origin
    };
    let mut parts: Vec<String> = Vec::new();
    if !query.kept.is_empty() {
        parts.push(query.kept.clone());
    }
    if let Some(offset) = offset {
        parts.push(format!("$skiptoken={}", skiptoken(offset)));
    }
    if parts.is_empty() {
        format!("{origin}{}", at.path)
    } else {
        format!("{origin}{}?{}", at.path, parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Origin<'static> = Origin {
        origin: "http://h:1",
        path: "/beta/gadgets",
    };

    fn pages(total: usize, raw: &str, faults: FaultSet) -> Vec<Page<usize>> {
        let mut out = Vec::new();
        let mut query = Query::parse(raw).unwrap();
        for _ in 0..10 {
            let page = page((0..total).collect(), &query, faults, 2, &AT);
            let next = page.next_link.clone();
            out.push(page);
            let Some(next) = next else { break };
            let raw = next.split_once('?').map_or("", |(_, q)| q).to_string();
            query = Query::parse(&raw).unwrap();
        }
        out
    }

    #[test]
    fn pages_cover_every_item_once_and_the_last_has_no_link() {
        let pages = pages(5, "", FaultSet::default());
        let items: Vec<usize> = pages.iter().flat_map(|p| p.items.clone()).collect();
        assert_eq!(items, [0, 1, 2, 3, 4]);
        assert_eq!(pages.len(), 3);
        assert!(pages[2].next_link.is_none());
        let first = pages[0].next_link.as_deref().unwrap();
        assert_eq!(
            first,
            format!("http://h:1/beta/gadgets?$skiptoken={}", skiptoken(2))
        );
    }

    #[test]
    fn top_caps_the_items_in_total_and_links_keep_the_query() {
        let pages = pages(5, "$top=3", FaultSet::default());
        let items: Vec<usize> = pages.iter().flat_map(|p| p.items.clone()).collect();
        assert_eq!(items, [0, 1, 2]);
        assert!(
            pages[0]
                .next_link
                .as_deref()
                .unwrap()
                .contains("?$top=3&$skiptoken=")
        );
    }
}
