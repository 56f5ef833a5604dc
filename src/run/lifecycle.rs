//! The steps of a resource's lifecycle and the reads that check them: a read of an object
//! (and what the run knows it holds), a list paged to the end within its bounds (and its
//! query options), an action, a delete and what must be gone after it, a `$ref` added and
//! removed. What each step is held to lives in [`crate::checks`]; this module sends the
//! requests and hands the answers over.

use super::client::{NoAnswer, Outgoing, Received};
use super::inventory::ListSample;
use super::plan::{OperationPlan, PlannedOperation, Query, Step};
use super::runner::{Attempt, Runner, Target, answer, is_date_field, unanswered};
use crate::checks::{self, Finding, PagingFault};
use crate::model::{OperationKind, ResponseBody};
use crate::path_template::{decode_path, encode_segment};
use crate::results::Exchange;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Judges a list read with a query option: what the option means, broken.
type QueryCheck<'a> = Box<dyn Fn(&Pages) -> Option<Finding> + 'a>;

/// What one case's steps did, or why it is skipped.
type Steps = Result<Vec<Attempt>, String>;

/// A list read page by page: every exchange, the items, and how it ended.
#[derive(Default)]
struct Pages {
    attempts: Vec<Attempt>,
    items: Vec<Value>,
    /// Items per page, in order.
    sizes: Vec<usize>,
    first: Option<Value>,
    /// The `@odata.count` of every page that has one.
    counts: Vec<u64>,
    /// Every page was read, up to one without a next link, each a success.
    complete: bool,
    /// The first page was refused with a 4xx (a query option the server does not support).
    refused: bool,
}

/// Says why a case that used a documented example's id is skipped when the server has no
/// such object.
fn missing(path: &str) -> String {
    format!(
        "{MISSING} {path} does not exist on this server (it answered 404); pass --id NAME=VALUE naming an existing object to test this operation"
    )
}

/// How the reason of a case skipped for a missing documented object starts.
pub(super) const MISSING: &str = "the documented example object";

impl Runner<'_> {
    /// Runs one lifecycle step of `op` at `target`.
    pub(super) async fn lifecycle(
        &self,
        op: &PlannedOperation<'_>,
        target: &Target,
        step: &Step,
    ) -> Steps {
        let plan = &op.plan;
        let (path, documented) = (target.path.as_str(), target.documented);
        match step {
            Step::Read => self.read(plan, path, documented).await.map(|a| vec![a]),
            Step::List(query) => self.list(plan, path, *query, documented).await,
            Step::Invoke(body) => {
                let attempt = self.invoke(plan, path, body.as_ref()).await;
                skip_missing(attempt, path, documented).map(|a| vec![a])
            }
            Step::Delete => self.delete(plan, path, documented).await.map(|a| vec![a]),
            Step::Gone { get, list } => {
                self.gone(plan, path, get.as_deref(), list.as_deref()).await
            }
            Step::ReadBack { write, get } => self.read_back(op, path, write, get, documented).await,
            Step::AddReference { body, list } => {
                self.add_reference(plan, path, body, list.as_deref(), documented)
                    .await
            }
            Step::RemoveReference { list } => {
                self.remove_reference(plan, path, list.as_deref(), documented)
                    .await
            }
            Step::Exercise(_)
            | Step::Reject { .. }
            | Step::Merge(..)
            | Step::Boundary(..)
            | Step::Convention(_) => Err("a payload case is not a lifecycle step".to_string()),
        }
    }

    /// Sends a request of `method` with the token.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: Option<String>,
        body: Option<String>,
    ) -> (Exchange, Result<Received, NoAnswer>) {
        let outgoing = Outgoing {
            method,
            path: path.to_string(),
            query,
            body,
            authorized: true,
        };
        self.client.send(&outgoing).await
    }

    /// Judges an answer the page says succeeds: its status and, when the operation answers
    /// JSON, its body against the schema of what it answers.
    fn judge(&self, plan: &OperationPlan, received: &Received) -> (Vec<Finding>, Option<Value>) {
        let strict = self.options.strict;
        if !answers_json(plan) {
            let status = checks::check_status(received.status, &plan.case.status, strict);
            return (status.into_iter().collect(), None);
        }
        let expected = plan.expected(strict, self.client.secrets());
        let verdict = checks::check_success(answer(received), &expected);
        (verdict.findings, verdict.body)
    }

    /// Sends one request of the operation's own method and judges it as a success.
    pub(super) async fn invoke(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: Option<&Map<String, Value>>,
    ) -> Attempt {
        let text = body.map(|b| Value::Object(b.clone()).to_string());
        let (exchange, received) = self.send(plan, path, text, true).await;
        self.judged(plan, exchange, received).0
    }

    /// Judges what a request got: an attempt, and the body when it succeeded with one.
    fn judged(
        &self,
        plan: &OperationPlan,
        exchange: Exchange,
        received: Result<Received, NoAnswer>,
    ) -> (Attempt, Option<Value>, Option<u16>) {
        let received = match received {
            Ok(received) => received,
            Err(why) => {
                return (
                    unanswered(exchange, why, plan, self.options.strict),
                    None,
                    None,
                );
            }
        };
        let (findings, body) = self.judge(plan, &received);
        let attempt = Attempt {
            exchange,
            findings,
            cut_off: false,
            sent: true,
        };
        (attempt, body, Some(received.status))
    }

    /// Reads the object at `path` (a get, or a function's result) and, for an object this
    /// run created, checks it holds what the create was sent.
    async fn read(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        documented: bool,
    ) -> Result<Attempt, String> {
        let (exchange, received) = self.request(reqwest::Method::GET, path, None, None).await;
        let (mut attempt, body, status) = self.judged(plan, exchange, received);
        if documented && status == Some(404) {
            return Err(missing(path));
        }
        if plan.case.kind == OperationKind::Get
            && let Some(id) = self.shared.inventory.borrow().created_here(path)
        {
            let found = self.created_read(plan, path, &id, status, body.as_ref(), "its create");
            if status == Some(404) {
                // one root cause: the object is not there (not a wrong status of a read)
                attempt
                    .findings
                    .retain(|f| f.check != checks::Check::StatusCode);
            }
            attempt.findings.extend(found);
        }
        Ok(attempt)
    }

    /// Judges a read of the object `id` at `path`, which this run created (and wrote to, as
    /// `what` says): it is there, it is that object, and it holds what was sent. An object
    /// that is not there is forgotten, so later steps address another.
    fn created_read(
        &self,
        plan: &OperationPlan,
        path: &str,
        id: &str,
        status: Option<u16>,
        body: Option<&Value>,
        what: &str,
    ) -> Vec<Finding> {
        let rule = &plan.case.status.span;
        let strict = self.options.strict;
        let mut findings = Vec::new();
        if let Some(missing) =
            status.and_then(|s| checks::not_found_after_write(s, what, rule, strict))
        {
            self.shared
                .inventory
                .borrow_mut()
                .forget_created_beside(path, id);
            findings.push(missing);
        }
        if let Some(body) = body {
            let answered = body.get("id").and_then(Value::as_str);
            let secrets = self.client.secrets();
            match checks::same_read(id, answered, rule, strict, secrets) {
                Some(other) => findings.push(other),
                None => findings.extend(self.held(plan, path, Some(id), body, what, rule)),
            }
        }
        findings
    }

    /// Checks that `body` (a read of the object at `path`) holds every value the run sent it.
    fn held(
        &self,
        plan: &OperationPlan,
        path: &str,
        id: Option<&str>,
        body: &Value,
        what: &str,
        rule: &crate::model::Span,
    ) -> Vec<Finding> {
        let expected = self.shared.objects.borrow().sent_values(path, id);
        let values = expected
            .iter()
            .map(|(name, known)| (name, &known.value, is_date_field(plan, name)));
        checks::read_back(
            values,
            body,
            what,
            rule,
            self.options.strict,
            self.client.secrets(),
        )
    }

    /// After a write of the object at `path`: reads it through the get operation `get` and
    /// checks it holds what the writes were sent.
    async fn read_back(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        write: &Map<String, Value>,
        get: &str,
        documented: bool,
    ) -> Steps {
        let plan = &op.plan;
        let Some(reader) = self.plan.operation(get) else {
            return Err(format!("its read, {get}, is not part of this run"));
        };
        let written = self.exercise(op, path, write).await;
        if written.cut_off || written.findings.iter().any(Finding::is_error) {
            // the write failed (its own finding says how): there is nothing to read back
            return Ok(vec![written]);
        }
        let (exchange, received) = self.request(reqwest::Method::GET, path, None, None).await;
        let (mut attempt, body, status) = self.judged(&reader.plan, exchange, received);
        if documented && status == Some(404) {
            return Err(missing(path));
        }
        let what = format!("its {}", plan.case.kind);
        if let Some(id) = self.shared.inventory.borrow().created_here(path) {
            let found = self.created_read(plan, path, &id, status, body.as_ref(), &what);
            attempt.findings.extend(found);
        } else if let Some(body) = &body {
            let rule = &plan.case.source.spans.request_line;
            attempt
                .findings
                .extend(self.held(plan, path, None, body, &what, rule));
        }
        Ok(vec![written, attempt])
    }

    /// Lists the collection at `path` with `query`, and checks what the option means.
    async fn list(
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
                let pages = self.pages(plan, path, None, Reading::WHOLE).await;
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
        let partial = matches!(query, Query::Select { .. });
        let mut pages = self
            .pages(
                plan,
                path,
                text,
                Reading {
                    tolerant: true,
                    partial,
                },
            )
            .await;
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
            let finding = created.iter().find_map(|id| {
                let finding = checks::listed(&pages.items, id, true, rule, strict, secrets)?;
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
    async fn pages(
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
                pages.attempts.push(Attempt {
                    exchange,
                    findings: Vec::new(),
                    cut_off: false,
                    sent: true,
                });
                return pages;
            }
            let (mut findings, body) = self.judge_page(plan, &received);
            if reading.partial {
                findings.retain(|f| !is_required_rule(f));
            }
            let mut attempt = Attempt {
                exchange,
                findings,
                cut_off: false,
                sent: true,
            };
            let Some(body) = body else {
                pages.attempts.push(attempt);
                return pages;
            };
            let items = body
                .get("value")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
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
        let Ok(json) = serde_json::from_slice::<Value>(&received.body) else {
            return (verdict.findings, verdict.body);
        };
        match checks::list_items(&json, &plan.case.status.span, strict) {
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

    /// Deletes the object at `path`; a success makes it deleted for the run.
    async fn delete(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        documented: bool,
    ) -> Result<Attempt, String> {
        let (exchange, received) = self.send(plan, path, None, true).await;
        let (attempt, _, status) = self.judged(plan, exchange, received);
        if documented && status == Some(404) {
            return Err(missing(path));
        }
        if status.is_some() && attempt.findings.iter().all(|f| !f.is_error()) {
            self.shared.inventory.borrow_mut().deleted(path);
        }
        Ok(attempt)
    }

    /// After a delete of the object at `path` succeeded: a read must answer 404, and the list
    /// of its collection must not hold it.
    async fn gone(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        get: Option<&str>,
        list: Option<&str>,
    ) -> Steps {
        if !self.shared.inventory.borrow().is_deleted(path) {
            return Err("its delete did not succeed: there is nothing to find gone".to_string());
        }
        let (strict, secrets) = (self.options.strict, self.client.secrets());
        let rule = &plan.case.status.span;
        let mut attempts = Vec::new();
        if let Some(reader) = get.and_then(|id| self.plan.operation(id)) {
            let (exchange, received) = self.request(reqwest::Method::GET, path, None, None).await;
            let attempt = match received {
                Err(why) => unanswered(exchange, why, &reader.plan, strict),
                Ok(r) => Attempt {
                    exchange,
                    findings: checks::gone(r.status, rule, strict).into_iter().collect(),
                    cut_off: false,
                    sent: true,
                },
            };
            attempts.push(attempt);
        }
        let collection = path.rsplit_once('/').map(|(head, _)| head.to_string());
        let id = decode_path(path).pop();
        if let (Some(lister), Some(collection), Some(id)) =
            (list.and_then(|id| self.plan.operation(id)), collection, id)
        {
            let mut pages = self
                .pages(&lister.plan, &collection, None, Reading::WHOLE)
                .await;
            if pages.complete
                && let Some(last) = pages.attempts.last_mut()
            {
                last.findings.extend(checks::listed(
                    &pages.items,
                    &id,
                    false,
                    rule,
                    strict,
                    secrets,
                ));
            }
            attempts.extend(pages.attempts);
        }
        if attempts.is_empty() {
            return Err("the resource documents no read or list to find it gone".to_string());
        }
        Ok(attempts)
    }

    /// Adds the reference `body` at `path` (a `$ref`); the `$ref` list `list` must then hold it.
    async fn add_reference(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: &Map<String, Value>,
        list: Option<&str>,
        documented: bool,
    ) -> Steps {
        let named = body.get("@odata.id").and_then(Value::as_str);
        if named.is_none_or(|link| link.contains('{')) {
            return Err(
                "the page's example reference names no object (a placeholder in its @odata.id)"
                    .to_string(),
            );
        }
        let attempt = self.invoke(plan, path, Some(body)).await;
        let attempt = skip_missing(attempt, path, documented)?;
        let succeeded =
            attempt.exchange.response.is_some() && attempt.findings.iter().all(|f| !f.is_error());
        let id = body
            .get("@odata.id")
            .and_then(Value::as_str)
            .and_then(|link| link.trim_end_matches('/').rsplit('/').next())
            .map(str::to_string);
        let mut attempts = vec![attempt];
        if let (true, Some(id)) = (succeeded, id) {
            let listed = self.references_hold(plan, path, &id, true, list).await;
            let shown = listed
                .iter()
                .all(|a| a.findings.iter().all(|f| !f.is_error()));
            if shown {
                // the remove takes what the add put there (and nothing the list does not show)
                self.shared.inventory.borrow_mut().referenced(path, &id);
            }
            attempts.extend(listed);
        }
        Ok(attempts)
    }

    /// Removes the reference this run added to the navigation of `path` (or, when it added
    /// none, the documented one); the `$ref` list `list` must then not hold it.
    async fn remove_reference(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        list: Option<&str>,
        documented: bool,
    ) -> Steps {
        let navigation = path
            .strip_suffix("/$ref")
            .and_then(|head| head.rsplit_once('/'))
            .map(|(nav, _)| format!("{nav}/$ref"));
        let added = navigation
            .as_ref()
            .and_then(|n| self.shared.inventory.borrow().reference(n));
        let (target, id, documented) = match (&navigation, added) {
            (Some(nav), Some(id)) => {
                let head = nav.trim_end_matches("/$ref");
                (
                    format!("{head}/{}/$ref", encode_segment(&id)),
                    Some(id),
                    false,
                )
            }
            _ => (
                path.to_string(),
                decode_path(path).into_iter().rev().nth(1),
                documented,
            ),
        };
        let attempt = self.invoke(plan, &target, None).await;
        let attempt = skip_missing(attempt, &target, documented)?;
        let succeeded =
            attempt.exchange.response.is_some() && attempt.findings.iter().all(|f| !f.is_error());
        let mut attempts = vec![attempt];
        if let (true, Some(id), Some(nav)) = (succeeded, id, navigation) {
            attempts.extend(self.references_hold(plan, &nav, &id, false, list).await);
        }
        Ok(attempts)
    }

    /// Lists the `$ref`s at `path` through the `$ref` list operation `list` and checks
    /// whether they hold `id`.
    async fn references_hold(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        id: &str,
        present: bool,
        list: Option<&str>,
    ) -> Vec<Attempt> {
        let Some(lister) = list.and_then(|l| self.plan.operation(l)) else {
            return Vec::new();
        };
        let mut pages = self.pages(&lister.plan, path, None, Reading::WHOLE).await;
        let (strict, secrets) = (self.options.strict, self.client.secrets());
        let rule = &plan.case.status.span;
        if pages.complete
            && let Some(last) = pages.attempts.last_mut()
        {
            last.findings.extend(checks::reference(
                &pages.items,
                id,
                present,
                rule,
                strict,
                secrets,
            ));
        }
        pages.attempts
    }
}

/// How a list is read.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// A 4xx first page is a refusal, not a failure (a query option the server does not
    /// support, or not on that property).
    tolerant: bool,
    /// Items hold only what was selected: the schema's `required` no longer applies.
    partial: bool,
}

impl Reading {
    /// A list with no query option.
    const WHOLE: Reading = Reading {
        tolerant: false,
        partial: false,
    };
}

/// Tells whether a finding is a schema's `required` rule (which `$select` lifts).
fn is_required_rule(finding: &Finding) -> bool {
    finding.check == checks::Check::ResponseSchema
        && matches!(&finding.evidence, Some(checks::Evidence::Schema { schema_path, .. }) if schema_path.ends_with("/required"))
}

/// Skips a case whose documented example object the server does not hold.
pub(super) fn skip_missing(
    attempt: Attempt,
    path: &str,
    documented: bool,
) -> Result<Attempt, String> {
    let status = attempt.exchange.response.as_ref().map(|r| r.status);
    if documented && status == Some(404) {
        return Err(missing(path));
    }
    Ok(attempt)
}

/// The status of the first page of a list, when it was answered.
fn first_status(pages: &Pages) -> Option<u16> {
    pages
        .attempts
        .first()?
        .exchange
        .response
        .as_ref()
        .map(|r| r.status)
}

/// Tells whether an operation's success answer is JSON the checks read: not a 204 or a
/// redirect, and a kind whose page documents a body.
fn answers_json(plan: &OperationPlan) -> bool {
    let status = plan.case.status.code;
    if status == 204 || (300..400).contains(&status) {
        return false;
    }
    match plan.case.kind {
        OperationKind::Get => !matches!(
            plan.case.response,
            ResponseBody::Stream | ResponseBody::None
        ),
        OperationKind::Action | OperationKind::Function => plan.case.result_schema.is_some(),
        OperationKind::List
        | OperationKind::ListReferences
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace => true,
        OperationKind::Delete | OperationKind::AddReference | OperationKind::RemoveReference => {
            false
        }
    }
}

/// The documented properties of the operation's object, `id` and annotations aside, in
/// schema order.
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
