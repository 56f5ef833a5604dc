//! Lists read page by page within their bounds, and their query options: what a whole
//! list shows the run (the ids of its collection, what its query cases use), and what each
//! option means, held by [`crate::checks`].

use super::client::Received;
use super::inventory::ListSample;
use super::lifecycle::{Steps, missing};
use super::plan::{OperationPlan, Query};
use super::runner::{Attempt, Runner, answer, unanswered};
use crate::checks::{self, Finding, PagingFault};
use crate::model::OperationKind;
use crate::path_template::encode_segment;
use serde_json::Value;
use std::collections::BTreeSet;

/// Judges a list read with a query option: what the option means, broken.
type QueryCheck<'a> = Box<dyn Fn(&Pages) -> Option<Finding> + 'a>;

/// A list read page by page: every exchange, the items, and how it ended.
#[derive(Default)]
pub(super) struct Pages {
    pub(super) attempts: Vec<Attempt>,
    pub(super) items: Vec<Value>,
    /// Items per page, in order.
    pub(super) sizes: Vec<usize>,
    pub(super) first: Option<Value>,
    /// The `@odata.count` of every page that has one.
    pub(super) counts: Vec<u64>,
    /// Every page was read, up to one without a next link, each a success.
    pub(super) complete: bool,
    /// The first page was refused with a 4xx (a query option the server does not support).
    pub(super) refused: bool,
}

impl Runner<'_> {
    /// Lists the collection at `path` with `query`, and checks what the option means.
    pub(super) async fn list(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        query: Query,
        documented: bool,
    ) -> Steps {
        let strict = self.options.strict;
        let rule = Some(plan.case.status.span.clone());
        let stated_as = |finding: Finding, stated: bool| {
            if stated {
                finding
            } else {
                finding.as_convention(strict)
            }
        };
        let (text, check): (Option<String>, QueryCheck) = match query {
            Query::All => {
                // the objects created before the list is read (one another chain creates
                // while it is read may come after its last page)
                let created = self.shared.inventory.borrow().created_in(path);
                let pages = self.pages(plan, path, None, Reading::SUMMARY).await;
                return self.whole_list(plan, path, pages, &created, documented);
            }
            Query::Top { stated } => (
                Some("$top=1".to_string()),
                Box::new(move |p: &Pages| {
                    checks::top(&p.sizes, 1, rule.clone(), strict).map(|f| stated_as(f, stated))
                }),
            ),
            Query::Count { stated } => (
                Some("$count=true".to_string()),
                Box::new(move |p: &Pages| {
                    let first = p.first.as_ref()?;
                    // pages that disagree on the count saw the collection change while they
                    // were read (another chain's create): their total proves nothing
                    let steady = p.counts.windows(2).all(|w| w[0] == w[1]);
                    let total = (p.complete && steady).then_some(p.items.len());
                    checks::count(first, total, rule.clone(), strict).map(|f| stated_as(f, stated))
                }),
            ),
            Query::Select { stated } => {
                let (selected, set) = self.selection(plan, path);
                if selected.is_empty() {
                    return Err("the resource documents no property to select".to_string());
                }
                let documented_props = documented_properties(plan);
                let query = format!("$select={}", selected.join(","));
                (
                    Some(encode_query(&query)),
                    Box::new(move |p: &Pages| {
                        let documented = |name: &str| documented_props.iter().any(|d| d == name);
                        checks::select(&p.items, &selected, documented, &set, rule.clone(), strict)
                            .map(|f| stated_as(f, stated))
                    }),
                )
            }
            Query::Filter { stated } => {
                let Some((property, value, holder)) = self.filter_on(plan, path) else {
                    return Err(
                        "no listed item holds a text or boolean value to filter on".to_string()
                    );
                };
                let query = format!("$filter={property} eq {}", literal(&value));
                (
                    Some(encode_query(&query)),
                    Box::new(move |p: &Pages| {
                        checks::filter(&p.items, &property, &value, &holder, rule.clone(), strict)
                            .map(|f| stated_as(f, stated))
                    }),
                )
            }
        };
        let reading = Reading {
            tolerant: true,
            partial: matches!(query, Query::Select { .. }),
            // `$top` and `$count` judge how many items there are, not what they hold
            summary: matches!(query, Query::Top { .. } | Query::Count { .. }),
        };
        let mut pages = self.pages(plan, path, text, reading).await;
        if documented && pages.first.is_none() && first_status(&pages) == Some(404) {
            return Err(missing(path));
        }
        if !pages.refused
            && pages
                .attempts
                .iter()
                .all(|a| !a.findings.iter().any(Finding::is_error))
            && let Some(finding) = check(&pages)
            && let Some(last) = pages.attempts.last_mut()
        {
            last.findings.push(finding);
        }
        Ok(pages.attempts)
    }

    /// Concludes a list without query option: the objects this run had `created` in it must
    /// be there; what it holds is remembered (ids for paths, items for the query options).
    fn whole_list(
        &self,
        plan: &OperationPlan,
        path: &str,
        mut pages: Pages,
        created: &[String],
        documented: bool,
    ) -> Steps {
        if documented && pages.first.is_none() && first_status(&pages) == Some(404) {
            return Err(missing(path));
        }
        if !pages.complete {
            return Ok(pages.attempts);
        }
        let ids: Vec<(String, Option<String>)> = pages
            .items
            .iter()
            .filter_map(|i| {
                let id = i.get("id")?.as_str()?.to_string();
                let resource = i
                    .get("@odata.type")
                    .and_then(Value::as_str)
                    .and_then(|t| t.strip_prefix("#microsoft.graph."))
                    .map(str::to_string);
                Some((id, resource))
            })
            .filter(|(id, _)| crate::path_template::is_segment_value(id))
            .collect();
        let mut inventory = self.shared.inventory.borrow_mut();
        for (id, resource) in &ids {
            inventory.know(path, id, false, resource.as_deref());
        }
        drop(inventory);
        if plan.case.kind == OperationKind::List {
            let rule = &plan.case.status.span;
            let (strict, secrets) = (self.options.strict, self.client.secrets());
            let listed = checks::ItemIds::of(&pages.items);
            let finding = created.iter().find_map(|id| {
                let finding = checks::listed(&listed, id, true, rule, strict, secrets)?;
                // the creates' ids are not trusted to address anything any more
                let item = format!("{path}/{}", encode_segment(id));
                self.shared
                    .inventory
                    .borrow_mut()
                    .forget_created_beside(&item, id);
                Some(finding)
            });
            if let Some(last) = pages.attempts.last_mut() {
                last.findings.extend(finding);
            }
        }
        if plan.case.kind == OperationKind::List {
            let sample = sample(plan, &pages.items);
            let mut inventory = self.shared.inventory.borrow_mut();
            inventory.sampled(path, &plan.case.id, sample);
        }
        Ok(pages.attempts)
    }

    /// Chooses what `$select` asks for: up to two documented properties an item of the
    /// operation's last whole list holds (set, with the id of that item), else the first two
    /// documented ones.
    fn selection(&self, plan: &OperationPlan, path: &str) -> (Vec<String>, Vec<(String, String)>) {
        let inventory = self.shared.inventory.borrow();
        match inventory
            .sample(path, &plan.case.id)
            .and_then(|s| s.selected.as_ref())
        {
            Some((id, held)) => {
                let set = held.iter().map(|n| (id.clone(), n.clone())).collect();
                (held.clone(), set)
            }
            None => (
                documented_properties(plan).into_iter().take(2).collect(),
                Vec::new(),
            ),
        }
    }

    /// Chooses what `$filter` compares: the first documented text or boolean property an
    /// item of the operation's last whole list holds, its value, and that item's id.
    fn filter_on(&self, plan: &OperationPlan, path: &str) -> Option<(String, Value, String)> {
        let inventory = self.shared.inventory.borrow();
        inventory.sample(path, &plan.case.id)?.filter.clone()
    }

    /// Reads a list from `path` page by page, following `@odata.nextLink` within bounds: at
    /// most `--max-pages` pages, never a page twice, never off the service root (a link
    /// elsewhere is not followed, and the token never goes there). With `tolerant`, a 4xx
    /// first page is a refusal, not a failure (a query option the server does not support).
    pub(super) async fn pages(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        query: Option<String>,
        reading: Reading,
    ) -> Pages {
        let strict = self.options.strict;
        let rule = &plan.case.status.span;
        let mut pages = Pages::default();
        let mut seen = BTreeSet::from([page_key(path, query.as_deref())]);
        let mut link = (path.to_string(), query);
        loop {
            let (exchange, received) = self
                .request(reqwest::Method::GET, &link.0, link.1.clone(), None)
                .await;
            let received = match received {
                Ok(received) => received,
                Err(why) => {
                    pages.attempts.push(unanswered(exchange, why, plan, strict));
                    return pages;
                }
            };
            if pages.attempts.is_empty()
                && reading.tolerant
                && (400..500).contains(&received.status)
            {
                pages.refused = true;
                pages.attempts.push(Attempt::answered(exchange, Vec::new()));
                return pages;
            }
            let (mut findings, body) = self.judge_page(plan, &received);
            if reading.partial {
                findings.retain(|f| !is_required_rule(f));
            }
            let mut attempt = Attempt::answered(exchange, findings);
            let Some(mut body) = body else {
                pages.attempts.push(attempt);
                return pages;
            };
            // the items move out of the page, which keeps its annotations
            let mut items = match body.get_mut("value") {
                Some(Value::Array(items)) => std::mem::take(items),
                _ => Vec::new(),
            };
            if reading.summary {
                items = items.into_iter().map(summary).collect();
            }
            pages.sizes.push(items.len());
            pages
                .counts
                .extend(body.get("@odata.count").and_then(Value::as_u64));
            pages.items.extend(items);
            let next = checks::next_link(&body).map(str::to_string);
            pages.first.get_or_insert(body);
            let Some(next) = next else {
                pages.complete = attempt.findings.iter().all(|f| !f.is_error());
                pages.attempts.push(attempt);
                return pages;
            };
            let fault = if pages.sizes.len() >= self.options.max_pages.max(1) as usize {
                Some(PagingFault::Cap {
                    pages: self.options.max_pages,
                })
            } else {
                match self.client.within_root(&next) {
                    None => Some(PagingFault::Foreign { link: next.clone() }),
                    Some((p, q)) if !seen.insert(page_key(&p, q.as_deref())) => {
                        Some(PagingFault::Loop { link: next.clone() })
                    }
                    Some(found) => {
                        link = found;
                        None
                    }
                }
            };
            if let Some(fault) = fault {
                attempt
                    .findings
                    .push(checks::paging(&fault, rule, strict, self.client.secrets()));
                pages.attempts.push(attempt);
                return pages;
            }
            pages.attempts.push(attempt);
        }
    }

    /// Judges one page of a list: a success, `{"value": [...]}` (the shape check owns that
    /// rule), each item under the operation's schema of an item.
    fn judge_page(
        &self,
        plan: &OperationPlan,
        received: &Received,
    ) -> (Vec<Finding>, Option<Value>) {
        let strict = self.options.strict;
        let expected = plan.expected_page(strict, self.client.secrets());
        let verdict = checks::check_success(answer(received), &expected);
        if received.status != plan.case.status.code {
            return (verdict.findings, None);
        }
        // the body check parsed the body when it is an object; another JSON value is parsed
        // here for the shape check to name
        let parsed;
        let json = match &verdict.body {
            Some(body) => body,
            None => match serde_json::from_slice::<Value>(&received.body) {
                Ok(other) => {
                    parsed = other;
                    &parsed
                }
                Err(_) => return (verdict.findings, None),
            },
        };
        match checks::list_items(json, &plan.case.status.span, strict) {
            Ok(_) => (verdict.findings, verdict.body),
            Err(shape) => {
                let mut findings: Vec<Finding> = verdict
                    .findings
                    .into_iter()
                    .filter(|f| {
                        !matches!(
                            f.check,
                            checks::Check::JsonBody | checks::Check::ResponseSchema
                        )
                    })
                    .collect();
                findings.push(*shape);
                (findings, None)
            }
        }
    }
}

/// How a list is read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    /// A 4xx first page is a refusal, not a failure (a query option the server does not
    /// support, or not on that property).
    pub(super) tolerant: bool,
    /// Items hold only what was selected: the schema's `required` no longer applies.
    pub(super) partial: bool,
    /// Only a [`summary`] of each item is kept (once its page is judged): what a whole list
    /// shows the run, while a run reads thousands of items at once.
    pub(super) summary: bool,
}

impl Reading {
    /// A list with no query option.
    pub(super) const WHOLE: Reading = Reading {
        tolerant: false,
        partial: false,
        summary: false,
    };

    /// A list with no query option, of which only the items' ids and values are used.
    pub(super) const SUMMARY: Reading = Reading {
        summary: true,
        ..Reading::WHOLE
    };
}

/// Tells whether a finding is a schema's `required` rule (which `$select` lifts).
fn is_required_rule(finding: &Finding) -> bool {
    finding.check == checks::Check::ResponseSchema
        && matches!(&finding.evidence, Some(checks::Evidence::Schema { schema_path, .. }) if schema_path.ends_with("/required"))
}

/// The status of the first page of a list, when it was answered.
pub(super) fn first_status(pages: &Pages) -> Option<u16> {
    pages
        .attempts
        .first()?
        .exchange
        .response
        .as_ref()
        .map(|r| r.status)
}

/// What a list's query cases need of its items (the items themselves are not kept: a run
/// lists thousands of them): for `$select`, the first item with an id that holds a
/// documented property, with up to two it holds; for `$filter`, the first documented text
/// or boolean value an item with an id holds.
fn sample(plan: &OperationPlan, items: &[Value]) -> ListSample {
    let documented = documented_properties(plan);
    let with_id = || {
        items
            .iter()
            .filter_map(|item| Some((item.get("id")?.as_str()?.to_string(), item)))
    };
    let selected = with_id().next().and_then(|(id, item)| {
        let held: Vec<String> = documented
            .iter()
            .filter(|name| item.get(*name).is_some_and(|v| !v.is_null()))
            .take(2)
            .cloned()
            .collect();
        (!held.is_empty()).then_some((id, held))
    });
    let filter = with_id().find_map(|(id, item)| {
        documented.iter().find_map(|name| {
            let value = item.get(name)?;
            let usable = value.is_boolean()
                || value
                    .as_str()
                    .is_some_and(|t| !t.is_empty() && t.len() <= 200);
            usable.then(|| (name.clone(), value.clone(), id.clone()))
        })
    });
    ListSample { selected, filter }
}

/// What a run keeps of a listed item: its id and annotations as answered, each other
/// boolean, number, null and text of at most 200 characters as answered (a value `$filter`
/// may compare), and an empty object for any other value (held, not comparable).
fn summary(item: Value) -> Value {
    let Value::Object(members) = item else {
        return item;
    };
    let kept = members.into_iter().map(|(name, value)| {
        let comparable = match &value {
            Value::String(text) => text.len() <= 200,
            Value::Array(_) | Value::Object(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) => true,
        };
        if comparable || name == "id" || name.starts_with('@') {
            (name, value)
        } else {
            (name, Value::Object(serde_json::Map::new()))
        }
    });
    Value::Object(kept.collect())
}

/// The documented properties of the operation's object, `id` and annotations aside, in
/// schema order.
fn documented_properties(plan: &OperationPlan) -> Vec<String> {
    plan.response_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.keys()
                .filter(|k| *k != "id" && !k.contains('@'))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The OData literal of a JSON value: a quoted string (`'` doubled) or `true`/`false`.
fn literal(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{}'", text.replace('\'', "''")),
        other => other.to_string(),
    }
}

/// Percent-encodes a query string's values: everything but unreserved characters and the
/// few OData spells with (`$ = , ' ( )`), so a value's `&`, `#`, `+` or space stays data.
fn encode_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 16);
    for byte in query.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~$=,'()".contains(&byte);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The key a page is known by for loop detection: its path and query, case-folded in the
/// path as Graph folds it.
fn page_key(path: &str, query: Option<&str>) -> String {
    format!(
        "{}?{}",
        path.to_ascii_lowercase(),
        query.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::summary;
    use rstest::rstest;
    use serde_json::{Value, json};

    #[rstest]
    #[case::an_id_is_kept_whatever_its_length(json!({"id": "x".repeat(300)}), json!({"id": "x".repeat(300)}))]
    #[case::an_annotation_is_kept(json!({"@odata.type": "#microsoft.graph.gadget"}), json!({"@odata.type": "#microsoft.graph.gadget"}))]
    #[case::a_short_text_a_boolean_a_number_and_null_are_kept(
        json!({"name": "lamp", "on": true, "watts": 40, "note": null}),
        json!({"name": "lamp", "on": true, "watts": 40, "note": null})
    )]
    #[case::a_long_text_is_held_not_comparable(json!({"body": "x".repeat(201)}), json!({"body": {}}))]
    #[case::an_object_or_an_array_is_held_not_comparable(
        json!({"size": {"w": 1}, "tags": ["a"]}),
        json!({"size": {}, "tags": {}})
    )]
    fn a_listed_item_is_kept_as_its_id_annotations_and_comparable_values(
        #[case] item: Value,
        #[case] kept: Value,
    ) {
        assert_eq!(summary(item), kept);
    }
}
