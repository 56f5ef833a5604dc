//! Executes the plan: one operation after another, each through its kinds of case
//! (documented examples, PATCH merge, generated valid payloads, conventions, invalid
//! payloads), checking every answer and shrinking failing generated payloads.

use super::RunOptions;
use super::client::{Client, NoAnswer, Outgoing, Received};
use super::plan::{self, OperationPlan};
use super::state::{self, ObjectStates, Source};
use crate::checks::{self, Answer, Check, Expected, Finding};
use crate::generate::{
    Acceptance, FieldKind, PayloadModel, body_strategy, boundary_payloads, invalid_payloads,
    value_strategy,
};
use crate::path_template::{PathTemplate, Unresolved, encode_segment};
use crate::results::{CaseKind, CaseResult, Exchange, Shrink, Verdict};
use crate::secret::Secrets;
use futures::StreamExt;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// A Graph-wide convention case: what is sent, and which answers it expects.
struct Convention {
    check: Check,
    what: &'static str,
    expected: &'static str,
    accepts: fn(u16) -> bool,
    path: String,
    body: String,
    authorized: bool,
}

/// A case whose body must be rejected: what is sent, and what the finding says if it is not.
struct Rejection<'a> {
    id: &'a str,
    kind: CaseKind,
    body: &'a str,
    what: &'a str,
    key: &'a str,
    rule: Option<String>,
}

/// The most requests spent shrinking one failing payload.
const MAX_SHRINK_STEPS: u32 = 64;

/// The reason recorded for a case whose request the deadline cut off.
const CUT_OFF: &str = "cut off by the --max-time deadline";

/// One request and everything the checks made of it.
struct Attempt {
    exchange: Exchange,
    findings: Vec<Finding>,
    /// The run's deadline cut the request off: nothing is known of the server's answer.
    cut_off: bool,
    /// The request left (false when the deadline came before it could be sent: its
    /// exchange is then not recorded).
    sent: bool,
}

impl Attempt {
    fn fails_with(&self, check: Check) -> bool {
        self.findings
            .iter()
            .any(|f| f.is_error() && f.check == check)
    }

    fn first_error(&self) -> Option<Check> {
        self.findings.iter().find(|f| f.is_error()).map(|f| f.check)
    }
}

/// Runs cases and hands each finished one to [`Shared::on_case`].
pub struct Runner<'a> {
    pub client: &'a Client,
    pub options: &'a RunOptions,
    /// What concurrent runners share: ids, and where finished cases go.
    pub shared: &'a Shared<'a>,
    /// Root causes (operation, check, key) already shrunk: a payload failing the same way is
    /// reported as it is, not shrunk again.
    pub shrunk: RefCell<BTreeSet<(String, Check, String)>>,
    /// A per-run value that makes the unknown id of the unknown-id convention fresh in every
    /// run, so that a server which once created it cannot make later runs fail.
    pub nonce: u64,
}

/// The state the runners of one run share. They run concurrently on one task, so plain
/// `RefCell`s suffice; no borrow is ever held across an `.await`.
pub struct Shared<'a> {
    /// Ids created by POSTs in this run, by collection path template and resource (a
    /// collection may hold several types: an update of one type needs an object of it).
    pub created: RefCell<BTreeMap<(String, String), String>>,
    /// The expected state of the objects the run's updates change.
    pub objects: RefCell<ObjectStates>,
    /// Every id seen so far (documented and created), for the new-id check.
    pub seen_ids: RefCell<BTreeSet<String>>,
    /// Told of every case as it finishes (the run's record and its progress).
    pub on_case: RefCell<&'a mut dyn FnMut(&CaseResult)>,
    /// Cases not started because the run's deadline had passed: counted, not recorded.
    pub not_started: Cell<usize>,
}

impl Runner<'_> {
    /// Runs every case of one operation.
    pub async fn run_operation(&self, plan: &OperationPlan<'_>) {
        let op = plan.case;
        if !plan::any_case(plan, self.options.cases, &|id| self.wanted(id)) {
            return;
        }
        if let Some(reason) = plan::not_run(op.kind) {
            self.skip(&plan::not_run_id(&op.id), &op.id, reason.to_string());
            return;
        }
        if self.client.past_deadline() {
            let filter = self.options.filter();
            let count = plan::count_cases(plan, self.options.cases, filter.as_deref());
            self.count_not_started(count);
            return;
        }
        let (path, documented) = match self.path_for(plan) {
            Ok(found) => found,
            Err(unresolved) => {
                self.skip(
                    &format!("{}/unresolved", op.id),
                    &op.id,
                    unresolved.to_string(),
                );
                return;
            }
        };
        if documented && self.target_missing(plan, &path).await {
            let template = PathTemplate::parse(&op.path);
            let name = template.last_placeholder().unwrap_or("id");
            let reason = format!(
                "the documented example object {path} does not exist on this server (an empty PATCH got 404); \
                 pass --id {name}=VALUE naming an existing object to test this operation"
            );
            self.skip(&format!("{}/target", op.id), &op.id, reason);
            return;
        }
        self.examples(plan, &path).await;
        if !plan.is_create() {
            self.merge(plan, &path).await;
        }
        self.valid(plan, &path).await;
        self.boundaries(plan, &path).await;
        self.rejections(plan, &path).await;
    }

    /// Sends the cases that must be rejected (conventions, then invalid payloads) side by
    /// side: each is judged on its own answer, and on a faithful server none changes
    /// anything. They are recorded in plan order whatever order they finish in.
    async fn rejections(&self, plan: &OperationPlan<'_>, path: &str) {
        type Pending<'f> =
            std::pin::Pin<Box<dyn std::future::Future<Output = Option<CaseResult>> + 'f>>;
        let mut pending: Vec<Pending> = Vec::new();
        for (id, convention) in self.conventions(plan, path) {
            pending.push(Box::pin(self.convention(plan, id, convention)));
        }
        let table = Some(plan.case.source.spans.property_table.to_string());
        for payload in invalid_payloads(&plan.model, &plan.neighbours, table) {
            let id = format!("{}/invalid/{}", plan.case.id, payload.name);
            pending.push(Box::pin(async move {
                let rejection = Rejection {
                    id: &id,
                    kind: CaseKind::Invalid,
                    body: &payload.body,
                    what: &payload.what,
                    key: &payload.key,
                    rule: payload.rule.clone(),
                };
                self.reject(plan, path, rejection).await
            }));
        }
        let finished: Vec<Option<CaseResult>> = futures::stream::iter(pending)
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let finished: Vec<CaseResult> = finished.into_iter().flatten().collect();
        self.unfollowed(path, &finished.iter().collect::<Vec<_>>());
        finished.into_iter().for_each(|r| self.record(r));
    }

    /// Resolves the operation's path: `--id` values first, then an id this run created in
    /// the collection, then the documented example's id. The flag tells that the documented
    /// id was used (the server may not hold that object: it is a fixture, not the contract).
    fn path_for(&self, plan: &OperationPlan) -> Result<(String, bool), Unresolved> {
        let op = plan.case;
        let mut values = self.options.ids.clone();
        let mut documented = false;
        let template = PathTemplate::parse(&op.path);
        if let (Some(name), Some(collection)) = (template.last_placeholder(), template.collection())
            && !values.contains_key(name)
        {
            let key = (collection.to_string(), op.resource.clone());
            let created = self.shared.created.borrow().get(&key).cloned();
            documented = created.is_none();
            if let Some(id) = created.or_else(|| documented_id(plan)) {
                values.insert(name.to_string(), id);
            }
        }
        template.fill(&values).map(|path| (path, documented))
    }

    /// Tells whether the documented example object at `path` is absent. The suite documents
    /// no read of an object, so the probe is an empty PATCH (which changes nothing): only a
    /// 404 says the object is missing. A success says it is there, and any other answer cannot
    /// tell (a faithful server may refuse a PATCH of nothing with 400), so the operation runs
    /// and its own cases judge the server.
    async fn target_missing(&self, plan: &OperationPlan<'_>, path: &str) -> bool {
        let (_, received) = self.send(plan, path, Some("{}".to_string()), true).await;
        received.is_ok_and(|r| r.status == 404)
    }

    /// Tells whether case `id` runs now: `--only` wants it and the run's deadline has not
    /// passed (a case left out by the deadline is counted in [`Shared::not_started`], not
    /// recorded).
    fn should_run(&self, id: &str) -> bool {
        if !self.wanted(id) {
            return false;
        }
        if self.client.past_deadline() {
            self.count_not_started(1);
            return false;
        }
        true
    }

    fn count_not_started(&self, count: usize) {
        let counted = &self.shared.not_started;
        counted.set(counted.get().saturating_add(count));
    }

    fn wanted(&self, id: &str) -> bool {
        self.options.wants(id)
    }

    /// Records a finished case. It is already free of secrets: the client scrubbed what the
    /// server sent (body, headers, transport error) before capping it, and every finding
    /// scrubbed the server values it quotes where it quotes them (see [`Runner::quote`]).
    /// What the tool sent (bodies, URLs, its own words) is never rewritten.
    fn record(&self, result: CaseResult) {
        (self.shared.on_case.borrow_mut())(&result);
    }

    /// Returns a server value as a message quotes it: scrubbed of every secret.
    fn quote(&self, value: &impl std::fmt::Display) -> String {
        self.client.secrets().scrub(&value.to_string())
    }

    fn skip(&self, id: &str, operation: &str, reason: String) {
        self.record(CaseResult {
            id: id.to_string(),
            operation: operation.to_string(),
            kind: CaseKind::Example,
            verdict: Verdict::Skipped,
            skipped_reason: Some(reason),
            exchanges: Vec::new(),
            findings: Vec::new(),
            shrink: None,
            duration_ms: 0.0,
        });
    }

    /// Returns the result of a case that ran: its findings are those of its attempts.
    fn result(
        &self,
        id: String,
        plan: &OperationPlan,
        kind: CaseKind,
        started: Instant,
        attempts: Vec<Attempt>,
        shrink: Option<Shrink>,
    ) -> CaseResult {
        let mut findings = Vec::new();
        let mut exchanges = Vec::new();
        let cut_off = attempts.iter().any(|a| a.cut_off);
        let skipped_reason = cut_off.then(|| unjudged(&attempts, self.options.retries));
        for attempt in attempts {
            findings.extend(attempt.findings);
            if attempt.sent {
                exchanges.push(attempt.exchange);
            }
        }
        if cut_off {
            // nothing is known of how the server would have answered: no verdict on it
            findings.clear();
        }
        CaseResult {
            id,
            operation: plan.case.id.clone(),
            kind,
            verdict: if cut_off {
                Verdict::Skipped
            } else {
                CaseResult::verdict_of(&findings)
            },
            skipped_reason,
            exchanges,
            findings,
            shrink,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    async fn send(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: Option<String>,
        authorized: bool,
    ) -> (Exchange, Result<Received, NoAnswer>) {
        let method = reqwest::Method::from_bytes(plan.case.method.as_str().as_bytes())
            .unwrap_or(reqwest::Method::PATCH);
        let outgoing = Outgoing {
            method,
            path: path.to_string(),
            body,
            authorized,
        };
        self.client.send(&outgoing).await
    }

    /// Sends a body the page says must succeed and checks the answer: status, body, schema,
    /// echo, and for a create a new id.
    async fn exercise(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: &Map<String, Value>,
    ) -> Attempt {
        let (exchange, received) = self.send_object(plan, path, body).await;
        self.judge_success(plan, path, body, exchange, received)
    }

    /// Sends `body` as the operation's JSON object, with the token.
    async fn send_object(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: &Map<String, Value>,
    ) -> (Exchange, Result<Received, NoAnswer>) {
        let text = Value::Object(body.clone()).to_string();
        self.send(plan, path, Some(text), true).await
    }

    /// Sends a body at an edge no page states: a 4xx is a fine answer (only its error body
    /// is checked, as a convention); any other answer is judged as a success must be, so a
    /// server that accepts must store the value exactly.
    async fn accept_or_reject(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: &Map<String, Value>,
    ) -> Attempt {
        let (exchange, received) = self.send_object(plan, path, body).await;
        match &received {
            Ok(r) if (400..500).contains(&r.status) => {
                let strict = self.options.strict;
                let secrets = self.client.secrets();
                let findings = checks::error_shape(r.status, &r.body, strict, secrets);
                Attempt {
                    exchange,
                    findings: findings.into_iter().collect(),
                    cut_off: false,
                    sent: true,
                }
            }
            _ => self.judge_success(plan, path, body, exchange, received),
        }
    }

    /// Judges the answer to a body that must succeed.
    fn judge_success(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: &Map<String, Value>,
        exchange: Exchange,
        received: Result<Received, NoAnswer>,
    ) -> Attempt {
        let strict = self.options.strict;
        let received = match received {
            Ok(received) => received,
            Err(why) => {
                if !plan.is_create() {
                    self.follow_update(plan, path, body, None, &BTreeSet::new(), false);
                }
                return unanswered(exchange, why, plan, strict);
            }
        };
        if !plan.is_create() && refused_empty_patch(body, received.status) {
            let findings = checks::error_shape(
                received.status,
                &received.body,
                strict,
                self.client.secrets(),
            );
            return Attempt {
                exchange,
                findings: findings.into_iter().collect(),
                cut_off: false,
                sent: true,
            };
        }
        let expected = Expected {
            status: &plan.case.status,
            validator: &plan.response_validator,
            schema: &plan.response_schema,
            strict,
            secrets: self.client.secrets(),
        };
        let verdict = checks::check_success(answer(&received), &expected);
        let mut findings = verdict.findings;
        // the answer states the object truly when it echoes all that was sent (one root cause)
        let mut faithful = !body.keys().any(|k| verdict.schema_failed.contains(k));
        if let Some(response) = &verdict.body {
            let is_date = |name: &str| is_date_field(plan, name);
            let mismatches =
                checks::echo_mismatches(body, response, &verdict.schema_failed, is_date);
            faithful &= mismatches.is_empty();
            for (name, sent, got) in mismatches {
                findings.push(self.echo_finding(plan, name, &sent, &got));
            }
            findings.extend(checks::odata_type_present(response, strict));
            if !plan.is_create() && !verdict.schema_failed.contains("id") {
                let other = same_object(plan, path, response, strict, self.client.secrets());
                faithful &= other.is_none();
                findings.extend(other);
            }
            if plan.is_create() && !verdict.schema_failed.contains("id") {
                findings.extend(self.new_id(plan, response));
                self.remember_create(plan, body, response, &verdict.schema_failed);
            }
        }
        if !plan.is_create() {
            let response = verdict.body.as_ref();
            let skip = &verdict.schema_failed;
            findings.extend(self.follow_update(plan, path, body, response, skip, faithful));
        }
        Attempt {
            exchange,
            findings,
            cut_off: false,
            sent: true,
        }
    }

    /// Reports a property the answer does not echo: a string that came back in its NFC
    /// form was normalised (a convention), any other change is an echo failure.
    fn echo_finding(
        &self,
        plan: &OperationPlan,
        name: String,
        sent: &Value,
        got: &Value,
    ) -> Finding {
        let strict = self.options.strict;
        let quoted = self.quote(got);
        if checks::is_nfc_of(sent, got, is_date_field(plan, &name)) {
            let msg = format!(
                "`{name}` was sent as {sent} but the response has {quoted}, its Unicode NFC normalisation: strings are stored as sent"
            );
            return Finding::new(Check::UnicodeNormalization, strict, name, msg, None);
        }
        let msg = format!("`{name}` was sent as {sent} but the response has {quoted}");
        let rule = Some(plan.case.status.span.to_string());
        Finding::new(Check::Echo, strict, name, msg, rule)
    }

    fn new_id(&self, plan: &OperationPlan, response: &Value) -> Option<Finding> {
        let id = response.get("id").and_then(Value::as_str)?.to_string();
        let fresh = self.shared.seen_ids.borrow_mut().insert(id.clone());
        if fresh && self.client.secrets().reveals(&id) {
            // never put in a URL (the record and the reproductions would hold the secret)
            return None;
        }
        if fresh {
            self.shared
                .created
                .borrow_mut()
                .entry((plan.case.path.clone(), plan.case.resource.clone()))
                .or_insert(id);
            return None;
        }
        let msg = format!(
            "the create returned id {:?}, which an earlier object already has",
            self.quote(&id)
        );
        Some(Finding::new(
            Check::NewId,
            self.options.strict,
            "id",
            msg,
            Some(plan.case.status.span.to_string()),
        ))
    }

    /// Records what the create of the object later updates use answered, as its state.
    fn remember_create(
        &self,
        plan: &OperationPlan,
        sent: &Map<String, Value>,
        response: &Value,
        skip: &BTreeSet<String>,
    ) {
        let Some(id) = response.get("id").and_then(Value::as_str) else {
            return;
        };
        let key = (plan.case.path.clone(), plan.case.resource.clone());
        if self.shared.created.borrow().get(&key).map(String::as_str) != Some(id) {
            return;
        }
        let answer = state::answered_state(sent, response, skip, |n| is_date_field(plan, n));
        self.shared.objects.borrow_mut().created(id, answer);
    }

    /// Follows an update of the object at `path` in its expected state and, when the answer
    /// is `faithful` to what was sent, checks that every property the update was not sent
    /// kept its value (a PATCH changes only what it is sent).
    fn follow_update(
        &self,
        plan: &OperationPlan,
        path: &str,
        sent: &Map<String, Value>,
        response: Option<&Value>,
        skip: &BTreeSet<String>,
        faithful: bool,
    ) -> Vec<Finding> {
        let is_date = |name: &str| is_date_field(plan, name);
        let id = self.created_id_of(plan, path);
        let mut objects = self.shared.objects.borrow_mut();
        let expected = objects
            .expected(path, id.as_deref(), |n| plan.model.field(n).is_some())
            .clone();
        let unkept = match response {
            Some(response) if faithful => {
                let values = expected.iter().map(|(name, known)| (name, &known.value));
                checks::unkept_values(values, sent, response, skip, is_date)
            }
            _ => Vec::new(),
        };
        let changed: BTreeSet<String> = unkept.iter().map(|(name, _, _)| name.clone()).collect();
        objects.updated(path, sent, response, &changed, is_date);
        drop(objects);
        let sent_names: Vec<&str> = sent
            .keys()
            .filter(|k| !k.starts_with('@'))
            .map(String::as_str)
            .collect();
        unkept
            .into_iter()
            .map(|(name, want, got)| {
                let want = match expected.get(&name).map(|k| k.source) {
                    Some(Source::Answered) => self.quote(&want),
                    _ => want.to_string(),
                };
                let msg = format!(
                    "`{name}` was not sent, but after a PATCH of {sent_names:?} it is {}; it was {want} (a PATCH changes only what it is sent)",
                    self.quote(&got)
                );
                let rule = Some(plan.case.source.spans.request_line.to_string());
                Finding::new(Check::Merge, self.options.strict, name, msg, rule)
            })
            .collect()
    }

    /// Returns the id of the object at `path` when this run created it.
    fn created_id_of(&self, plan: &OperationPlan, path: &str) -> Option<String> {
        let template = PathTemplate::parse(&plan.case.path);
        let collection = template.collection()?;
        let key = (collection.to_string(), plan.case.resource.clone());
        let id = self.shared.created.borrow().get(&key).cloned()?;
        let target = path.rsplit('/').next()?;
        encode_segment(&id)
            .eq_ignore_ascii_case(target)
            .then_some(id)
    }

    /// Makes the state of the object at `path` unknown when a case the state model does not
    /// follow (one that must be rejected) got anything but a 4xx: it may have changed it.
    fn unfollowed(&self, path: &str, results: &[&CaseResult]) {
        let refused = |e: &Exchange| {
            e.response
                .as_ref()
                .is_some_and(|r| (400..500).contains(&r.status))
        };
        if !results.iter().flat_map(|r| &r.exchanges).all(refused) {
            self.shared.objects.borrow_mut().forget(path);
        }
    }

    async fn examples(&self, plan: &OperationPlan<'_>, path: &str) {
        for (i, example) in plan.case.examples.iter().enumerate() {
            let Some(Value::Object(body)) = &example.request.body else {
                continue;
            };
            let id = format!("{}/example-{}", plan.case.id, i + 1);
            if self.should_run(&id) {
                let started = Instant::now();
                let repaired = repair(&plan.model, body);
                let attempt = self.exercise(plan, path, &repaired).await;
                self.record(self.result(
                    id.clone(),
                    plan,
                    CaseKind::Example,
                    started,
                    vec![attempt],
                    None,
                ));
            }
            if example.request_contradicts_page() {
                let what = format!(
                    "the page's example {} as written, which contradicts the page's own table",
                    i + 1
                );
                let rule = example.findings.first().map(|f| f.span.to_string());
                let as_written = Rejection {
                    id: &format!("{id}-as-written"),
                    kind: CaseKind::ExampleAsWritten,
                    body: &Value::Object(body.clone()).to_string(),
                    what: &what,
                    key: "example",
                    rule,
                };
                if let Some(result) = self.reject(plan, path, as_written).await {
                    self.unfollowed(path, &[&result]);
                    self.record(result);
                }
            }
        }
    }

    async fn merge(&self, plan: &OperationPlan<'_>, path: &str) {
        let id = format!("{}/merge", plan.case.id);
        let fields: Vec<_> = plan.model.generated_fields().collect();
        if fields.len() < 2 || !self.should_run(&id) {
            return;
        }
        let started = Instant::now();
        let mut runner = seeded_runner(self.options.seed, &id);
        let mut values: Vec<(String, Value)> = fields
            .iter()
            .filter_map(|f| {
                Some((
                    f.name.clone(),
                    value_strategy(&f.kind)
                        .new_tree(&mut runner)
                        .ok()?
                        .current(),
                ))
            })
            .collect();
        let turn = usize::try_from(self.options.seed % values.len().max(1) as u64).unwrap_or(0);
        values.rotate_left(turn);
        let half = values.len().div_ceil(2);
        let first: Map<String, Value> = values[..half].iter().cloned().collect();
        let second: Map<String, Value> = values[half..].iter().cloned().collect();
        // the second PATCH's answer must keep what the first set (checked as every update is)
        let one = self.exercise(plan, path, &first).await;
        let two = self.exercise(plan, path, &second).await;
        self.record(self.result(id, plan, CaseKind::Merge, started, vec![one, two], None));
    }

    /// Sends the generated valid payloads. A create makes a new object each time, so its
    /// cases go side by side (a window of `--concurrency` at a time); an update's go one at a
    /// time, since concurrent PATCHes of one object could change what another echoes. Each
    /// window is drawn from the seeded stream in order and concluded in order (shrinking
    /// included), so the cases and their root causes do not depend on the concurrency.
    async fn valid(&self, plan: &OperationPlan<'_>, path: &str) {
        let strategy = body_strategy(&plan.model);
        let mut runner = seeded_runner(self.options.seed, &format!("{}/valid", plan.case.id));
        let window = if plan.is_create() {
            self.options.concurrency.max(1)
        } else {
            1
        };
        let mut numbers = 1..=self.options.cases;
        let mut ended = false;
        while !ended {
            let mut drawn = Vec::new();
            for n in numbers.by_ref() {
                if self.client.past_deadline() {
                    // nothing more is generated: the rest is counted
                    let filter = self.options.filter();
                    let rest =
                        plan::count_valid(&plan.case.id, n, self.options.cases, filter.as_deref());
                    self.count_not_started(rest);
                    ended = true;
                    break;
                }
                let id = format!("{}/valid/{n:03}", plan.case.id);
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    continue;
                };
                if self.should_run(&id) {
                    drawn.push((id, tree));
                }
                if drawn.len() == window {
                    break;
                }
            }
            if drawn.is_empty() {
                return;
            }
            let sent = drawn
                .iter()
                .map(|(_, tree)| self.send_valid(plan, path, tree.current()));
            let sent = futures::future::join_all(sent).await;
            for ((id, mut tree), (started, attempt)) in drawn.into_iter().zip(sent) {
                match attempt {
                    Some(attempt) => {
                        self.conclude_valid(plan, path, id, &mut tree, started, attempt)
                            .await;
                    }
                    None => {
                        let reason = "the generated body breaks the request schema (a generator defect; nothing was sent)";
                        self.skip(&id, &plan.case.id, reason.to_string());
                    }
                }
            }
        }
    }

    /// Sends one generated body, unless it breaks the request schema (then nothing is sent).
    async fn send_valid(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        body: Map<String, Value>,
    ) -> (Instant, Option<Attempt>) {
        let started = Instant::now();
        if !plan
            .request_validator
            .is_valid(&Value::Object(body.clone()))
        {
            return (started, None);
        }
        let attempt = self.exercise(plan, path, &generated(plan, body)).await;
        (started, Some(attempt))
    }

    /// Records a generated case; the first failure of each root cause is shrunk first.
    async fn conclude_valid(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        id: String,
        tree: &mut impl ValueTree<Value = Map<String, Value>>,
        started: Instant,
        attempt: Attempt,
    ) {
        let Some(check) = attempt.first_error() else {
            self.record(self.result(id, plan, CaseKind::Valid, started, vec![attempt], None));
            return;
        };
        let key = attempt
            .findings
            .iter()
            .find(|f| f.is_error())
            .map(|f| f.key.clone())
            .unwrap_or_default();
        if !self
            .shrunk
            .borrow_mut()
            .insert((plan.case.id.clone(), check, key))
        {
            self.record(self.result(id, plan, CaseKind::Valid, started, vec![attempt], None));
            return;
        }
        let original_body = attempt.exchange.request.body.clone().unwrap_or_default();
        let (minimal, steps) = self.shrink(plan, path, tree, check, attempt).await;
        let shrink = Some(Shrink {
            steps,
            original_body,
        });
        self.record(self.result(id, plan, CaseKind::Valid, started, vec![minimal], shrink));
    }

    /// Sends each boundary payload: an edge of the core must succeed like any valid payload,
    /// an edge no page states may be rejected with a 4xx (see [`Acceptance`]). A create into
    /// a collection of one type also sends its first example without `@odata.type` (the
    /// pages' own create examples carry it or not).
    /// (Side by side for a create, one at a time for an update, as generated payloads.)
    async fn boundaries(&self, plan: &OperationPlan<'_>, path: &str) {
        let window = if plan.is_create() {
            self.options.concurrency.max(1)
        } else {
            1
        };
        let mut payloads: Vec<(String, Map<String, Value>, Acceptance)> =
            boundary_payloads(&plan.model)
                .into_iter()
                .map(|p| (p.name, typed(plan, p.body), p.acceptance))
                .collect();
        if plan.sends_untyped_creates() {
            let untyped = untyped_example(plan);
            payloads.push((plan::UNTYPED.to_string(), untyped, Acceptance::Required));
        }
        let cases = payloads
            .into_iter()
            .map(|(name, body, acceptance)| {
                let id = format!("{}/boundary/{name}", plan.case.id);
                (id, body, acceptance)
            })
            .filter(|(id, _, _)| self.should_run(id))
            .map(|(id, body, acceptance)| async move {
                let started = Instant::now();
                let attempt = match acceptance {
                    Acceptance::Required => self.exercise(plan, path, &body).await,
                    Acceptance::AcceptOrReject => self.accept_or_reject(plan, path, &body).await,
                };
                self.result(id, plan, CaseKind::Boundary, started, vec![attempt], None)
            });
        let finished: Vec<CaseResult> = futures::stream::iter(cases)
            .buffered(window)
            .collect()
            .await;
        finished.into_iter().for_each(|r| self.record(r));
    }

    /// Shrinks a failing payload with proptest's value tree toward the smallest body that
    /// still fails the same check.
    async fn shrink(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        tree: &mut impl ValueTree<Value = Map<String, Value>>,
        check: Check,
        failing: Attempt,
    ) -> (Attempt, u32) {
        let mut best = failing;
        let mut steps = 0;
        let mut more = tree.simplify();
        while more && steps < MAX_SHRINK_STEPS {
            steps += 1;
            let attempt = self
                .exercise(plan, path, &generated(plan, tree.current()))
                .await;
            if attempt.cut_off {
                // the deadline ends shrinking; the smallest failure found so far stands
                break;
            }
            if attempt.fails_with(check) {
                best = attempt;
                more = tree.simplify();
            } else {
                more = tree.complicate();
            }
        }
        (best, steps)
    }

    /// The Graph-wide convention cases of an operation, with their ids.
    fn conventions(&self, plan: &OperationPlan<'_>, path: &str) -> Vec<(String, Convention)> {
        let op = &plan.case.id;
        let body = first_example_body(plan);
        let mut cases = vec![(
            format!("{op}/convention/no-token"),
            Convention {
                check: Check::AuthRequired,
                what: "a request without a token",
                expected: "401",
                accepts: |status| status == 401,
                path: path.to_string(),
                body: body.clone(),
                authorized: false,
            },
        )];
        if !plan.is_create()
            && let template = PathTemplate::parse(&plan.case.path)
            && let Some(name) = template.last_placeholder()
        {
            let id = format!("{op}/convention/unknown-id");
            let mut values = self.options.ids.clone();
            values.insert(
                name.to_string(),
                unknown_id(self.options.seed ^ self.nonce, &id),
            );
            if let Ok(unknown_path) = template.fill(&values) {
                let unknown = Convention {
                    check: Check::UnknownId,
                    what: "a PATCH to an unknown id",
                    expected: "404",
                    accepts: |status| status == 404,
                    path: unknown_path,
                    body: body.clone(),
                    authorized: true,
                };
                cases.push((id, unknown));
            }
        }
        let unknown_property = Convention {
            check: Check::UnknownProperty,
            what: "a property the page does not list",
            expected: "400",
            accepts: |status| (400..500).contains(&status),
            path: path.to_string(),
            body: serde_json::json!({ "graphConformanceUnknownProperty": "x" }).to_string(),
            authorized: true,
        };
        cases.push((
            format!("{op}/convention/unknown-property"),
            unknown_property,
        ));
        cases
    }

    /// Runs one convention case: an answer `accepts` allows passes (its error body is then
    /// checked for the Graph shape), a 5xx is a server error, anything else a warning.
    async fn convention(
        &self,
        plan: &OperationPlan<'_>,
        id: String,
        convention: Convention,
    ) -> Option<CaseResult> {
        if !self.should_run(&id) {
            return None;
        }
        let started = Instant::now();
        let strict = self.options.strict;
        let (exchange, received) = self
            .send(
                plan,
                &convention.path,
                Some(convention.body),
                convention.authorized,
            )
            .await;
        let findings = match &received {
            Err(why) => {
                let attempt = unanswered(exchange, *why, plan, strict);
                return Some(self.result(
                    id,
                    plan,
                    CaseKind::Convention,
                    started,
                    vec![attempt],
                    None,
                ));
            }
            Ok(r) if checks::is_server_error(r.status) => {
                vec![server_error(r.status, convention.what, plan, strict)]
            }
            Ok(r) if !checks::is_valid_status(r.status) => {
                checks::check_valid_status(r.status, convention.what, strict, None)
                    .into_iter()
                    .collect()
            }
            Ok(r) if (convention.accepts)(r.status) => {
                checks::error_shape(r.status, &r.body, strict, self.client.secrets())
                    .into_iter()
                    .collect()
            }
            Ok(r) => {
                let msg = format!(
                    "{} got {}, not {}",
                    convention.what, r.status, convention.expected
                );
                vec![Finding::new(
                    convention.check,
                    strict,
                    convention.check.code(),
                    msg,
                    None,
                )]
            }
        };
        let attempt = Attempt {
            exchange,
            findings,
            cut_off: false,
            sent: true,
        };
        Some(self.result(id, plan, CaseKind::Convention, started, vec![attempt], None))
    }

    /// Sends a body the page's contract forbids: any 4xx is right.
    async fn reject(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        rejection: Rejection<'_>,
    ) -> Option<CaseResult> {
        let Rejection {
            id,
            kind,
            body,
            what,
            key,
            rule,
        } = rejection;
        if !self.should_run(id) {
            return None;
        }
        let started = Instant::now();
        let strict = self.options.strict;
        let (exchange, received) = self.send(plan, path, Some(body.to_string()), true).await;
        let findings = match &received {
            Err(why) => {
                let attempt = unanswered(exchange, *why, plan, strict);
                return Some(self.result(id.to_string(), plan, kind, started, vec![attempt], None));
            }
            Ok(r) => {
                let answer = answer(r);
                match checks::check_rejected(answer, what, key, rule, strict) {
                    Some(finding) if finding.check == Check::InvalidRejected => {
                        vec![recased_acceptance(plan, body, r, strict).unwrap_or(finding)]
                    }
                    Some(finding) => vec![finding],
                    None => checks::error_shape(r.status, &r.body, strict, self.client.secrets())
                        .into_iter()
                        .collect(),
                }
            }
        };
        let attempt = Attempt {
            exchange,
            findings,
            cut_off: false,
            sent: true,
        };
        Some(self.result(id.to_string(), plan, kind, started, vec![attempt], None))
    }
}

/// Judges a success answer to a body that sends one enum property as a member in another
/// letter case: when the answer stores the member (or does not say what it stored), the
/// acceptance is the enum-case convention's breach, not an invalid value accepted.
fn recased_acceptance(
    plan: &OperationPlan,
    body: &str,
    received: &Received,
    strict: bool,
) -> Option<Finding> {
    if !(200..300).contains(&received.status) {
        return None;
    }
    let sent: Map<String, Value> = serde_json::from_str(body).ok()?;
    let (name, value) = sent.iter().next().filter(|_| sent.len() == 1)?;
    let value = value.as_str()?;
    let FieldKind::Enum(members) = &plan.model.field(name)?.kind else {
        return None;
    };
    let member = recased_member(members, value)?;
    let response: Option<Value> = serde_json::from_slice(&received.body).ok();
    let stored = response.as_ref().and_then(|r| r.get(name.as_str()));
    let told = match stored {
        None => "did not say what it stored".to_string(),
        Some(Value::String(got)) if got == member => format!("stored the member \"{member}\""),
        Some(_) => return None,
    };
    let msg = format!(
        "the server answered {} to `{name}` as \"{value}\", the member \"{member}\" in another letter case, and {told}; Graph rejects it",
        received.status
    );
    Some(Finding::new(
        Check::EnumCase,
        strict,
        name.as_str(),
        msg,
        None,
    ))
}

/// Returns the member `value` spells in another letter case (none when it is a member).
fn recased_member<'m>(members: &'m [String], value: &str) -> Option<&'m str> {
    if members.iter().any(|m| m == value) {
        return None;
    }
    let lower = value.to_lowercase();
    members
        .iter()
        .find(|m| m.to_lowercase() == lower)
        .map(String::as_str)
}

fn answer(received: &Received) -> Answer<'_> {
    Answer {
        status: received.status,
        content_type: received.content_type.as_deref(),
        content_encoding: received.content_encoding.as_deref(),
        body: &received.body,
        truncated_at: received.truncated.then_some(received.cap),
    }
}

/// The attempt of a request that got no answer: a transport failure of the server, or a
/// request the deadline cut off or the server throttled to the end (no finding: the case
/// is skipped, see [`unjudged`]).
fn unanswered(exchange: Exchange, why: NoAnswer, plan: &OperationPlan, strict: bool) -> Attempt {
    match why {
        NoAnswer::Transport => transport_failure(exchange, plan, strict),
        NoAnswer::CutOff | NoAnswer::NotSent | NoAnswer::Throttled => Attempt {
            exchange,
            findings: Vec::new(),
            cut_off: true,
            sent: why != NoAnswer::NotSent,
        },
    }
}

/// The start of the reason of a case skipped because the server was throttling.
pub const THROTTLED: &str = "throttled";

/// Tells whether a case was skipped because the server was throttling to the end.
pub fn is_throttled(case: &CaseResult) -> bool {
    case.verdict == Verdict::Skipped
        && case
            .skipped_reason
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("{THROTTLED}:")))
}

/// Says why a case whose server answer is unknown was skipped: the server was still
/// throttling when the `retries` were used up (its exchange holds that answer: throttling
/// is not a fault), or the deadline cut a request off.
fn unjudged(attempts: &[Attempt], retries: u32) -> String {
    let throttled = attempts
        .iter()
        .filter(|a| a.cut_off)
        .find_map(|a| Some((a.exchange.response.as_ref()?, a.exchange.retries)));
    let Some((response, done)) = throttled else {
        return CUT_OFF.to_string();
    };
    let retry_after = if response
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
    {
        "with Retry-After"
    } else {
        "without Retry-After"
    };
    let left = if done < retries {
        "; its Retry-After ends after the --max-time deadline".to_string()
    } else {
        String::new()
    };
    format!(
        "{THROTTLED}: the server still answered {} {retry_after} after {done} of {retries} retries (--retries){left}",
        response.status
    )
}

fn transport_failure(exchange: Exchange, plan: &OperationPlan, strict: bool) -> Attempt {
    let message = format!(
        "no response: {}",
        exchange.error.as_deref().unwrap_or("unknown error")
    );
    let finding = Finding::new(
        Check::Transport,
        strict,
        "transport",
        message,
        Some(plan.case.source.spans.request_line.to_string()),
    );
    Attempt {
        exchange,
        findings: vec![finding],
        cut_off: false,
        sent: true,
    }
}

fn server_error(status: u16, what: &str, plan: &OperationPlan, strict: bool) -> Finding {
    let msg = format!("the server answered {status} to {what}");
    Finding::new(
        Check::ServerError,
        strict,
        "5xx",
        msg,
        Some(plan.case.status.span.to_string()),
    )
}

/// Adds the resource's own `@odata.type` to a create's body: a POST into a collection that
/// holds several types (Intune's `deviceConfigurations`) says which one it creates, as every
/// documented create example does. Updates keep the generated choice.
fn typed(plan: &OperationPlan, mut body: Map<String, Value>) -> Map<String, Value> {
    if plan.is_create()
        && let Some(odata_type) = &plan.model.odata_type
        && !body.contains_key("@odata.type")
    {
        body.insert("@odata.type".to_string(), Value::String(odata_type.clone()));
    }
    body
}

/// Returns a generated body as it is sent: a create into a collection of one type keeps the
/// generated choice of `@odata.type` (typed or not, both must succeed); any other create
/// says its type, as [`typed`].
fn generated(plan: &OperationPlan, body: Map<String, Value>) -> Map<String, Value> {
    if plan.sends_untyped_creates() {
        body
    } else {
        typed(plan, body)
    }
}

/// Returns the first documented request body, repaired, without `@odata.type`; `{}` when
/// there is none.
fn untyped_example(plan: &OperationPlan) -> Map<String, Value> {
    let mut body = first_example(plan);
    body.remove("@odata.type");
    body
}

/// Checks that an update answers with the object it was sent to: the response's `id` is the
/// id in the request path (when the path ends with it).
fn same_object(
    plan: &OperationPlan,
    path: &str,
    response: &Value,
    strict: bool,
    secrets: &Secrets,
) -> Option<Finding> {
    PathTemplate::parse(&plan.case.path)
        .last_placeholder()
        .filter(|_| plan.case.path.ends_with('}'))?;
    let target = path.rsplit('/').next()?;
    let id = response.get("id")?.as_str()?;
    (!encode_segment(id).eq_ignore_ascii_case(target)).then(|| {
        let msg = format!(
            "the update of {target:?} answered with the object {:?}",
            secrets.scrub(id)
        );
        Finding::new(
            Check::Echo,
            strict,
            "id",
            msg,
            Some(plan.case.status.span.to_string()),
        )
    })
}

fn is_date_field(plan: &OperationPlan, name: &str) -> bool {
    plan.model
        .field(name)
        .is_some_and(|f| is_date_kind(&f.kind))
}

/// Tells whether an update sent nothing to change (annotations at most) and the server refused
/// it with a 4xx other than 404: pages do not say whether a PATCH of nothing is an error, and
/// faithful servers differ. (A 404 still says the object is not there.)
fn refused_empty_patch(body: &Map<String, Value>, status: u16) -> bool {
    body.keys().all(|k| k.starts_with('@')) && (400..500).contains(&status) && status != 404
}

fn is_date_kind(kind: &FieldKind) -> bool {
    match kind {
        FieldKind::DateTime => true,
        FieldKind::Array(inner) => is_date_kind(inner),
        _ => false,
    }
}

fn seeded_runner(seed: u64, label: &str) -> TestRunner {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &plan::stream_seed(seed, label));
    TestRunner::new_with_rng(Config::default(), rng)
}

fn unknown_id(seed: u64, label: &str) -> String {
    let b = plan::stream_seed(seed, label);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&b[..16]);
    crate::generate::guid(&bytes)
}

/// Returns the id of the first documented example response.
fn documented_id(plan: &OperationPlan) -> Option<String> {
    plan.case.examples.iter().find_map(|e| {
        let id = e.response.as_ref()?.body.as_ref()?.get("id")?.as_str()?;
        Some(id.to_string())
    })
}

/// Returns the first documented request body, repaired, as text; `{}` when there is none.
fn first_example_body(plan: &OperationPlan) -> String {
    Value::Object(first_example(plan)).to_string()
}

/// Returns the first documented request body, repaired; empty when there is none.
fn first_example(plan: &OperationPlan) -> Map<String, Value> {
    let body = plan
        .case
        .examples
        .iter()
        .find_map(|e| e.request.body.as_ref()?.as_object());
    body.map(|b| repair(&plan.model, b)).unwrap_or_default()
}

/// Repairs a documented example so it agrees with its page: values that break the table are
/// replaced by valid ones, properties the table does not list and foreign `@odata.type`s are
/// dropped; everything else stays as documented.
pub fn repair(model: &PayloadModel, body: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in body {
        if name == "@odata.type" {
            if model
                .odata_type
                .as_deref()
                .is_some_and(|t| value.as_str() == Some(t))
            {
                out.insert(name.clone(), value.clone());
            }
            continue;
        }
        if name.starts_with('@') {
            out.insert(name.clone(), value.clone());
            continue;
        }
        let Some(field) = model.field(name) else {
            continue;
        };
        match repaired_value(&field.kind, value) {
            Some(v) => out.insert(name.clone(), v),
            None => continue,
        };
    }
    out
}

fn repaired_value(kind: &FieldKind, value: &Value) -> Option<Value> {
    let valid = match (kind, value) {
        (FieldKind::Enum(members), Value::String(s)) => members.contains(s),
        (FieldKind::DateTime, Value::String(s)) => {
            crate::format::is_date_time_offset(s, crate::format::Strictness::GraphCore)
        }
        (
            FieldKind::String
            | FieldKind::Guid
            | FieldKind::Date
            | FieldKind::TimeOfDay
            | FieldKind::Duration
            | FieldKind::Binary,
            v,
        ) => v.is_string(),
        (FieldKind::Boolean, v) => v.is_boolean(),
        (FieldKind::Integer { .. }, v) => v.is_i64() || v.is_u64(),
        (FieldKind::Number, v) => v.is_number(),
        (FieldKind::Array(_), v) => v.is_array(),
        (FieldKind::Object | FieldKind::OpenEnum, _) => return None,
        _ => false,
    };
    if valid {
        return Some(value.clone());
    }
    let mut runner = TestRunner::deterministic();
    kind.is_generated()
        .then(|| {
            value_strategy(kind)
                .new_tree(&mut runner)
                .ok()
                .map(|t| t.current())
        })
        .flatten()
}
