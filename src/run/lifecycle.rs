//! The steps of a resource's lifecycle and the reads that check them: a read of an object
//! (and what the run knows it holds), an action, a delete and what must be gone after it, a
//! `$ref` added and removed (lists and their query options are [`super::listing`]'s). What
//! each step is held to lives in [`crate::checks`]; this module sends the requests and hands
//! the answers over.

use super::client::{NoAnswer, Outgoing, Received};
use super::listing::Reading;
use super::plan::{OperationPlan, PlannedOperation, Step};
use super::runner::{Attempt, Runner, Sources, Target, answer, is_date_field, unanswered};
use crate::checks::{self, Finding};
use crate::model::{OperationKind, ResponseBody};
use crate::path_template::{PathTemplate, decode_path, encode_segment};
use crate::results::Exchange;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What one case's steps did, or why it is skipped.
pub(super) type Steps = Result<Vec<Attempt>, String>;

/// Says why a case that used a documented example's id is skipped when the server has no
/// such object.
pub(super) fn missing(path: &str) -> String {
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
    pub(super) async fn request(
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
        let (attempt, answered, _) = self.judged(plan, exchange, received);
        if let (Some(joins), Some(object)) = (plan.neighbours.joins, &answered)
            && attempt.findings.iter().all(|f| !f.is_error())
        {
            self.joined(plan, joins.collection(path), object);
        }
        attempt
    }

    /// Remembers the object a get read at `path`, a request line with no placeholder
    /// (`/me/drive`), as one of each top collection another line of the get addresses it in
    /// (`/drives/{drive-id}`): the lines of one operation name one object.
    fn addressed(&self, plan: &OperationPlan, path: &str, object: &Value) {
        let Some(id) = self.usable_id(object) else {
            return;
        };
        let lines = plan.case.request_lines();
        let read_whole = lines
            .iter()
            .any(|l| l.placeholders().is_empty() && l.text().eq_ignore_ascii_case(path));
        if plan.case.kind != OperationKind::Get || !read_whole {
            return;
        }
        let resource = plan.case.resource.as_str();
        let mut inventory = self.shared.inventory.borrow_mut();
        for line in &lines {
            let top = line.collection().filter(|c| !c.contains('{'));
            if let Some(collection) = top.filter(|_| line.placeholders().len() == 1) {
                inventory.know_inferred(collection, id, resource);
            }
        }
    }

    /// Returns the id an answered object shows, unless it reveals a secret (it is then never
    /// put in a URL, where the record and the reproductions would hold it).
    fn usable_id<'v>(&self, object: &'v Value) -> Option<&'v str> {
        let id = object.get("id").and_then(Value::as_str)?;
        (!self.client.secrets().reveals(id)).then_some(id)
    }

    /// Remembers the object an action answered as one of the collection it joins.
    fn joined(&self, plan: &OperationPlan, collection: &str, object: &Value) {
        let Some(id) = self.usable_id(object) else {
            return;
        };
        let mut inventory = self.shared.inventory.borrow_mut();
        inventory.know_inferred(collection, id, &plan.case.resource);
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
        let attempt = Attempt::answered(exchange, findings);
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
        if let Some(object) = &body
            && attempt.findings.iter().all(|f| !f.is_error())
        {
            self.addressed(plan, path, object);
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
                Ok(r) => Attempt::answered(
                    exchange,
                    checks::gone(r.status, rule, strict).into_iter().collect(),
                ),
            };
            attempts.push(attempt);
        }
        let collection = path.rsplit_once('/').map(|(head, _)| head.to_string());
        let id = decode_path(path).pop();
        if let (Some(lister), Some(collection), Some(id)) =
            (list.and_then(|id| self.plan.operation(id)), collection, id)
        {
            let mut pages = self
                .pages(&lister.plan, &collection, None, Reading::SUMMARY)
                .await;
            if pages.complete
                && let Some(last) = pages.attempts.last_mut()
            {
                last.findings.extend(checks::listed(
                    &checks::ItemIds::of(&pages.items),
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
        let no_object = || {
            "the page's example reference names no object (a placeholder in its @odata.id) and the run knows none there".to_string()
        };
        let mut body = body.clone();
        let mut fixture = false;
        if let Some(link) = named.filter(|link| link.contains('{')) {
            let (filled, from_pages) = self.fill_link(link).ok_or_else(no_object)?;
            body.insert("@odata.id".to_string(), Value::String(filled));
            fixture = from_pages;
        } else if named.is_none() {
            return Err(no_object());
        }
        let body = &body;
        let attempt = self.invoke(plan, path, Some(body)).await;
        let attempt = skip_missing(attempt, path, documented)?;
        let status = attempt.exchange.response.as_ref().map(|r| r.status);
        if fixture && status.is_some_and(|s| (400..500).contains(&s)) {
            // the object another page's example names is not one this server holds
            return Err(format!(
                "the reference names an object another page's example shows, which this server refused (it answered {}); pass --id NAME=VALUE naming an existing object to test this operation",
                status.unwrap_or_default()
            ));
        }
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

    /// Fills the placeholders of a reference's `@odata.id` (`https://host/v1.0/a/{id}`) as a
    /// path is filled (see [`Runner::fill_known`]; no `--id`, which names the request
    /// line's placeholders); `true` when a value is a fixture.
    fn fill_link(&self, link: &str) -> Option<(String, bool)> {
        let after_scheme = link.find("://").map_or(0, |at| at + 3);
        let path_at = after_scheme + link[after_scheme..].find('/')?;
        let version_end = path_at + 1 + link[path_at + 1..].find('/')?;
        let template = PathTemplate::parse(&link[version_end..]);
        let known = self.fill_known(
            &template,
            BTreeMap::new(),
            |_| None,
            Sources::ServerAndPages,
        );
        let filled = template
            .fill(&known.values)
            .ok()
            .filter(|_| known.complete)?;
        Some((format!("{}{filled}", &link[..version_end]), known.fixture))
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
            // the navigation no longer holds it: later steps address another
            let item = format!("{}/{}", nav.trim_end_matches("/$ref"), encode_segment(&id));
            self.shared.inventory.borrow_mut().deleted(&item);
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
