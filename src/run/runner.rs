//! Executes the plan: each chain's operations in order, each operation's planned cases in
//! plan order, checking every answer and shrinking failing generated payloads. What a case
//! sends and what it is held to come from the plan; the runner only adds what the run has
//! learnt (a created id, the expected state of an object).

use super::RunOptions;
use super::client::{Client, NoAnswer, Outgoing, Received};
use super::events::{RunEvent, Sink};
use super::families::with_type;
use super::inventory::Inventory;
use super::plan::{
    self, Convention, ConventionTarget, Effect, OperationPlan, PlannedCase, PlannedOperation, Step,
};
use super::state::{self, ObjectStates, Source};
use crate::checks::{self, Answer, Check, Finding};
use crate::generate::{Acceptance, FieldKind, body_strategy};
use crate::model::OperationKind;
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

/// A case whose body must be rejected: what is sent, and what the finding says if it is not.
struct Rejection<'a> {
    body: &'a str,
    what: &'a str,
    key: &'a str,
    rule: Option<crate::model::Span>,
}

/// The most requests spent shrinking one failing payload.
const MAX_SHRINK_STEPS: u32 = 64;

/// The reason recorded for a case whose request the deadline cut off.
const CUT_OFF: &str = "cut off by the --max-time deadline";

/// One request and everything the checks made of it.
pub(super) struct Attempt {
    pub exchange: Exchange,
    pub findings: Vec<Finding>,
    /// The run's deadline cut the request off: nothing is known of the server's answer.
    pub cut_off: bool,
    /// The request left (false when the deadline came before it could be sent: its
    /// exchange is then not recorded).
    pub sent: bool,
    /// A create made this object, which no later step follows (not the first object of its
    /// create): the run deletes a boundary case's once the case is judged.
    pub transient: Option<String>,
}

impl Attempt {
    /// The attempt of a request that was answered, with what the checks made of it.
    pub(super) fn answered(exchange: Exchange, findings: Vec<Finding>) -> Attempt {
        Attempt {
            exchange,
            findings,
            cut_off: false,
            sent: true,
            transient: None,
        }
    }

    fn fails_with(&self, check: Check) -> bool {
        self.findings
            .iter()
            .any(|f| f.is_error() && f.check == check)
    }

    fn first_error(&self) -> Option<Check> {
        self.findings.iter().find(|f| f.is_error()).map(|f| f.check)
    }
}

/// Runs planned cases and tells [`Shared::sink`] of each finished one.
pub struct Runner<'a> {
    /// The plan being run (a step joined to another operation finds it here).
    pub plan: &'a super::plan::Plan<'a>,
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
    /// The expected state of the objects the run's updates change.
    pub objects: RefCell<ObjectStates>,
    /// Every id seen so far (documented and created), for the new-id check.
    pub seen_ids: RefCell<BTreeSet<String>>,
    /// Told of every case as it finishes and every operation skipped at run time (the
    /// run's record, its console and progress).
    pub sink: RefCell<&'a mut dyn Sink>,
    /// Cases not started because the run's deadline had passed: counted, not recorded.
    pub not_started: Cell<usize>,
    /// What the run knows of the server's objects: the ids of each collection (placeholders
    /// are filled from it), what it created, deleted and referenced, and its last lists.
    pub inventory: RefCell<Inventory>,
}

impl Runner<'_> {
    /// Runs every planned case of one operation, in plan order; an operation whose path
    /// cannot be filled, or whose documented example object is missing, is skipped whole.
    pub async fn run_operation(&self, op: &PlannedOperation<'_>) {
        let plan = &op.plan;
        if self.client.past_deadline() {
            self.count_not_started(op.len());
            return;
        }
        let target = match self.path_for(plan) {
            Ok(found) => found,
            Err(unresolved) => return self.skip_operation(op, unresolved.to_string()),
        };
        let path = target.path.clone();
        let template = PathTemplate::parse(&plan.case.path);
        let name = template.last_placeholder().unwrap_or("id");
        let other = self
            .shared
            .inventory
            .borrow()
            .other_resource(&path, &plan.case.resource)
            .map(str::to_string);
        if target.documented
            && let Some(other) = other
        {
            let reason = format!(
                "the documented example object {path} is a {other} on this server, not a {}; \
                 pass --id {name}=VALUE naming one to test this operation",
                plan.case.resource
            );
            return self.skip_operation(op, reason);
        }
        if target.documented
            && op.effect == Effect::Updates
            && self.target_missing(plan, &path).await
        {
            let reason = format!(
                "the documented example object {path} does not exist on this server (an empty PATCH got 404); \
                 pass --id {name}=VALUE naming an existing object to test this operation"
            );
            return self.skip_operation(op, reason);
        }
        for case in &op.before {
            if let Some(result) = self.run_case(op, &target, case).await {
                if let Some(reason) = missing_object(&result) {
                    // the documented object is not on this server: nothing of it can run
                    return self.skip_operation(op, reason);
                }
                if !is_followed(&case.step) {
                    self.unfollowed(&path, &[&result]);
                }
                self.record(result);
            }
        }
        self.valid(op, &path).await;
        let (boundaries, rejections): (Vec<&PlannedCase>, Vec<&PlannedCase>) =
            op.after.iter().partition(|c| is_followed(&c.step));
        // boundaries change the object like valid payloads: side by side only for a create
        let window = self.window(op.effect);
        let finished = self.run_cases(op, &target, &boundaries, window).await;
        finished.into_iter().for_each(|r| self.record(r));
        // the cases that must be rejected are each judged on their own answer, and on a
        // faithful server none changes anything: side by side
        let finished = self
            .run_cases(op, &target, &rejections, self.concurrency())
            .await;
        self.unfollowed(&path, &finished.iter().collect::<Vec<_>>());
        finished.into_iter().for_each(|r| self.record(r));
    }

    /// Records that an operation was skipped whole, and why: none of its cases is recorded.
    fn skip_operation(&self, op: &PlannedOperation, reason: String) {
        let event = RunEvent::OperationSkipped {
            operation: op.id(),
            reason: &reason,
        };
        self.shared.sink.borrow_mut().event(event);
    }

    fn concurrency(&self) -> usize {
        self.options.concurrency.max(1)
    }

    /// Returns how many requests that change the object may be in flight at once: a create
    /// makes a new object each time, while concurrent PATCHes of one object could change
    /// what another echoes.
    fn window(&self, effect: Effect) -> usize {
        match effect {
            Effect::Creates | Effect::Reads => self.concurrency(),
            Effect::Updates
            | Effect::Replaces
            | Effect::Invokes
            | Effect::Deletes
            | Effect::References => 1,
        }
    }

    /// Runs `cases`, `window` at a time, and returns their results in plan order whatever
    /// order they finish in.
    async fn run_cases(
        &self,
        op: &PlannedOperation<'_>,
        target: &Target,
        cases: &[&PlannedCase],
        window: usize,
    ) -> Vec<CaseResult> {
        let finished: Vec<Option<CaseResult>> = futures::stream::iter(cases)
            .map(|case| self.run_case(op, target, case))
            .buffered(window)
            .collect()
            .await;
        finished.into_iter().flatten().collect()
    }

    /// Runs one planned case, unless the run's deadline has passed.
    async fn run_case(
        &self,
        op: &PlannedOperation<'_>,
        target: &Target,
        case: &PlannedCase,
    ) -> Option<CaseResult> {
        if !self.should_run() {
            return None;
        }
        let path = target.path.as_str();
        let started = Instant::now();
        let attempts = match &case.step {
            Step::Read
            | Step::List(_)
            | Step::Invoke(_)
            | Step::Delete
            | Step::Gone { .. }
            | Step::ReadBack { .. }
            | Step::AddReference { .. }
            | Step::RemoveReference { .. } => match self.lifecycle(op, target, &case.step).await {
                Ok(attempts) => attempts,
                Err(reason) => return Some(skipped(case.id.clone(), case.kind, op.id(), reason)),
            },
            Step::Exercise(body) => {
                let attempt = self.exercise(op, path, body).await;
                match super::lifecycle::skip_missing(attempt, path, unprobed(op, target)) {
                    Ok(attempt) => vec![attempt],
                    Err(reason) => {
                        return Some(skipped(case.id.clone(), case.kind, op.id(), reason));
                    }
                }
            }
            // a boundary's object exists for its edge alone: it is deleted once judged (the
            // examples' and generated payloads' objects stay, for the lists to hold)
            Step::Boundary(body, Acceptance::Required) => {
                let attempt = self.exercise(op, path, &body.body(&op.plan)).await;
                self.dispose(op, path, attempt).await
            }
            Step::Boundary(body, Acceptance::AcceptOrReject) => {
                let attempt = self.accept_or_reject(op, path, &body.body(&op.plan)).await;
                self.dispose(op, path, attempt).await
            }
            Step::Merge(first, second) => {
                // the second PATCH's answer must keep what the first set (checked as every
                // update is)
                let one = self.exercise(op, path, first).await;
                vec![one, self.exercise(op, path, second).await]
            }
            Step::Convention(convention) => {
                match self.convention_path(op, path, &case.id, convention.target) {
                    Ok(sent_to) => vec![self.convention(&op.plan, &sent_to, convention).await],
                    Err(why) => {
                        let reason = why.to_string();
                        return Some(skipped(case.id.clone(), case.kind, op.id(), reason));
                    }
                }
            }
            Step::Reject {
                body,
                what,
                key,
                rule,
            } => {
                let rejection = Rejection {
                    body,
                    what,
                    key,
                    rule: rule.clone(),
                };
                vec![self.reject(&op.plan, path, rejection).await]
            }
        };
        Some(self.result(
            case.id.clone(),
            &op.plan,
            case.kind,
            started,
            attempts,
            None,
        ))
    }

    /// Resolves the operation's path. Each placeholder, left to right, takes its `--id`
    /// value, else an id the run knows in the concrete collection before it (one it created
    /// there, else one a list showed); the first of the operation's request lines (shallowest
    /// first, see [`crate::case::CaseFile::request_lines`]) the run can fill whole is the one
    /// sent. When the run can fill none, the documented example's values fill the path
    /// (`--id` values over them), and what the run knows fills what the example leaves open.
    /// The flag tells that the object addressed is not one the run created, listed or was
    /// given (a documented value, a singleton): the server may not hold it, as it is a
    /// fixture, not the contract.
    fn path_for(&self, plan: &OperationPlan) -> Result<Target, Unresolved> {
        let target = |path, documented, from_example| Target {
            path,
            documented,
            from_example,
        };
        let lines = plan.case.request_lines();
        if let Some((filled, known)) = self.first_filled(plan, &lines, Sources::Server) {
            // an inferred object is not one the run saw: a 404 to it (or, for a create, to
            // an inferred parent) skips
            return filled.map(|path| target(path, !known.seen, known.fixture));
        }
        let template = PathTemplate::parse(&plan.case.path);
        let known = self.known_values(plan, &template, Sources::Server).values;
        let mut values = documented_values(plan, &template);
        values.extend(self.options.ids.clone());
        if template
            .placeholders()
            .iter()
            .all(|n| values.contains_key(*n))
        {
            return template.fill(&values).map(|path| target(path, true, true));
        }
        // what the run knows, and where it knows nothing an id another page's example
        // shows there (a fixture: a 404 then skips)
        if let Some((filled, known)) = self.first_filled(plan, &lines, Sources::ServerAndPages) {
            return filled.map(|path| target(path, !known.seen, true));
        }
        values.extend(known);
        template.fill(&values).map(|path| target(path, true, true))
    }

    /// Fills the first of `lines` whose every placeholder the run knows from `sources`, with
    /// what the run knows of it.
    fn first_filled(
        &self,
        plan: &OperationPlan,
        lines: &[PathTemplate],
        sources: Sources,
    ) -> Option<(Result<String, Unresolved>, Known)> {
        lines.iter().find_map(|line| {
            let known = self.known_values(plan, line, sources);
            known.complete.then(|| (line.fill(&known.values), known))
        })
    }

    /// Fills the placeholders of `template` the run knows, left to right (`--id`, then the
    /// ids it created or listed, then, from `sources`, the ids the suite's examples show),
    /// up to the first it does not know.
    fn known_values(
        &self,
        plan: &OperationPlan,
        template: &PathTemplate,
        sources: Sources,
    ) -> Known {
        let own = |name: &str| {
            (template.collection().is_some() && template.last_placeholder() == Some(name))
                .then_some(plan.case.resource.as_str())
        };
        self.fill_known(template, self.options.ids.clone(), own, sources)
    }

    /// Fills the placeholders of `template` that `given` leaves open, left to right, each
    /// with an id the run knows in the concrete collection before it (for the object an
    /// operation acts on, `own` names its resource: one known to be another is not taken),
    /// then, from `sources`, one the suite's examples show there; up to the first it knows
    /// none for.
    pub(super) fn fill_known<'r>(
        &self,
        template: &PathTemplate,
        given: BTreeMap<String, String>,
        own: impl Fn(&str) -> Option<&'r str>,
        sources: Sources,
    ) -> Known {
        let mut known = given;
        // the object itself is one the run created or listed (a 404 is then an answer about
        // it); otherwise it is a fixture the server may not hold
        let (mut seen, mut fixture) = (false, false);
        for name in template.placeholders() {
            let own = own(name);
            if known.contains_key(name) {
                // an object `--id` names is one the run is told exists
                seen |= own.is_some();
                continue;
            }
            let Some(collection) = collection_before(template, name, &known) else {
                return Known::incomplete(known, seen);
            };
            let inventory = self.shared.inventory.borrow();
            let found = match inventory.known_id(&collection, own) {
                Some(id) => {
                    let inferred = inventory.is_inferred(&collection, &id);
                    seen |= own.is_some() && !inferred;
                    fixture |= inferred;
                    Some(id)
                }
                None if sources == Sources::ServerAndPages => {
                    fixture = true;
                    inventory.documented_id(&collection)
                }
                None => None,
            };
            drop(inventory);
            match found {
                Some(id) => {
                    known.insert(name.to_string(), id);
                }
                None => return Known::incomplete(known, seen),
            }
        }
        Known {
            values: known,
            seen,
            fixture,
            complete: true,
        }
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
    fn should_run(&self) -> bool {
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

    /// Records a finished case. It is already free of secrets: the client scrubbed what the
    /// server sent (body, headers, transport error) before capping it, and every finding
    /// scrubbed the server values it quotes where it quotes them (see [`Runner::quote`]).
    /// What the tool sent (bodies, URLs, its own words) is never rewritten.
    fn record(&self, result: CaseResult) {
        let event = RunEvent::CaseFinished { result: &result };
        self.shared.sink.borrow_mut().event(event);
    }

    /// Returns a server value as a message quotes it: scrubbed of every secret.
    fn quote(&self, value: &impl std::fmt::Display) -> String {
        self.client.secrets().scrub(&value.to_string())
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

    pub(super) async fn send(
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
            query: None,
            body,
            authorized,
        };
        self.client.send(&outgoing).await
    }

    /// Sends a body the page says must succeed and checks the answer: status, body, schema,
    /// echo, and what the operation's effect promises (a new id, the object kept).
    pub(super) async fn exercise(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        body: &Map<String, Value>,
    ) -> Attempt {
        match op.effect {
            Effect::Creates | Effect::Updates | Effect::Replaces => {
                let (exchange, received) = self.send_object(&op.plan, path, body).await;
                self.judge_success(op, path, body, exchange, received)
            }
            Effect::Invokes | Effect::Reads | Effect::Deletes | Effect::References => {
                self.invoke(&op.plan, path, Some(body)).await
            }
        }
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
        op: &PlannedOperation<'_>,
        path: &str,
        body: &Map<String, Value>,
    ) -> Attempt {
        let (exchange, received) = self.send_object(&op.plan, path, body).await;
        match &received {
            Ok(r) if (400..500).contains(&r.status) => self.refused(exchange, r),
            _ => self.judge_success(op, path, body, exchange, received),
        }
    }

    /// The attempt of a fine refusal: only its error body is checked, as a convention.
    fn refused(&self, exchange: Exchange, received: &Received) -> Attempt {
        let strict = self.options.strict;
        let secrets = self.client.secrets();
        let findings = checks::error_shape(received.status, &received.body, strict, secrets);
        Attempt::answered(exchange, findings.into_iter().collect())
    }

    /// Judges the answer to a body that must succeed.
    fn judge_success(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        body: &Map<String, Value>,
        exchange: Exchange,
        received: Result<Received, NoAnswer>,
    ) -> Attempt {
        let plan = &op.plan;
        let strict = self.options.strict;
        let received = match (received, op.effect) {
            (Ok(received), Effect::Updates) if refused_empty_patch(body, received.status) => {
                return self.refused(exchange, &received);
            }
            (Ok(received), _) => received,
            (Err(why), effect) => {
                match effect {
                    Effect::Updates => {
                        self.follow_update(plan, path, body, None, &BTreeSet::new(), false);
                    }
                    Effect::Replaces => self.shared.objects.borrow_mut().forget(path),
                    Effect::Creates
                    | Effect::Reads
                    | Effect::Invokes
                    | Effect::Deletes
                    | Effect::References => {}
                }
                return unanswered(exchange, why, plan, strict);
            }
        };
        let expected = plan.expected(strict, self.client.secrets());
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
                let is_date = is_date_field(plan, &name);
                let rule = &plan.case.status.span;
                let secrets = self.client.secrets();
                findings.push(checks::echo(
                    name, &sent, &got, is_date, rule, strict, secrets,
                ));
            }
            findings.extend(checks::odata_type_present(response, strict));
        }
        let response = verdict.body.as_ref();
        let skip = &verdict.schema_failed;
        let id_checked = !skip.contains("id");
        let mut transient = None;
        match op.effect {
            Effect::Creates => {
                if let Some(response) = response.filter(|_| id_checked) {
                    let (finding, made) = self.new_id(plan, path, response);
                    findings.extend(finding);
                    transient = made;
                    self.remember_create(plan, body, response, skip);
                }
            }
            Effect::Updates => {
                if let Some(response) = response.filter(|_| id_checked) {
                    let other = same_object(plan, path, response, strict, self.client.secrets());
                    faithful &= other.is_none();
                    findings.extend(other);
                }
                findings.extend(self.follow_update(plan, path, body, response, skip, faithful));
                if response.is_none() && findings.iter().all(|f| !f.is_error()) {
                    self.shared.objects.borrow_mut().stored(path, body);
                }
            }
            Effect::Replaces => {
                if let Some(response) = response.filter(|_| id_checked) {
                    findings.extend(same_object(
                        plan,
                        path,
                        response,
                        strict,
                        self.client.secrets(),
                    ));
                }
                let mut objects = self.shared.objects.borrow_mut();
                objects.forget(path);
                match response {
                    Some(response) if faithful => {
                        let is_date = |n: &str| is_date_field(plan, n);
                        objects.updated(path, body, Some(response), &BTreeSet::new(), is_date);
                    }
                    None if findings.iter().all(|f| !f.is_error()) => objects.stored(path, body),
                    _ => {}
                }
            }
            Effect::Reads | Effect::Invokes | Effect::Deletes | Effect::References => {}
        }
        Attempt {
            transient,
            ..Attempt::answered(exchange, findings)
        }
    }

    /// Deletes the object `attempt` created, when it is transient and the contract documents
    /// a delete for the collection's items: a collection then does not fill with an object
    /// per edge (32 KiB strings among them), and a tenant keeps nothing of a boundary case.
    /// The delete is recorded after the create; it is housekeeping, not judged, and an object
    /// whose delete did not succeed stays known as created.
    async fn dispose(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        mut attempt: Attempt,
    ) -> Vec<Attempt> {
        let transient = attempt.transient.take();
        let (Some(id), Some(_)) = (transient, &op.disposal) else {
            return vec![attempt];
        };
        let item = format!("{}/{}", path.trim_end_matches('/'), encode_segment(&id));
        let (exchange, received) = self
            .request(reqwest::Method::DELETE, &item, None, None)
            .await;
        match received {
            Err(NoAnswer::NotSent) => return vec![attempt],
            Ok(r) if (200..300).contains(&r.status) => {
                self.shared.inventory.borrow_mut().deleted(&item);
            }
            Ok(_) | Err(_) => {}
        }
        vec![attempt, Attempt::answered(exchange, Vec::new())]
    }

    /// Checks that a create answered a new id, and remembers it for the updates of the
    /// collection (unless it reveals a secret: it is then never put in a URL, where the record
    /// and the reproductions would hold it). Returns the finding, and the id when the object
    /// is transient: not the first object of its create, which later steps follow.
    fn new_id(
        &self,
        plan: &OperationPlan,
        path: &str,
        response: &Value,
    ) -> (Option<Finding>, Option<String>) {
        let Some(id) = response.get("id").and_then(Value::as_str) else {
            return (None, None);
        };
        let fresh = self.shared.seen_ids.borrow_mut().insert(id.to_string());
        let mut transient = None;
        if fresh && !self.client.secrets().reveals(id) {
            let mut inventory = self.shared.inventory.borrow_mut();
            inventory.know(path, id, true, Some(&plan.case.resource));
            let template = PathTemplate::parse(&plan.case.path);
            inventory.claim_first_created(template.text(), &plan.case.resource, id);
            let first = inventory.first_created(template.text(), &plan.case.resource);
            transient = (first != Some(id)).then(|| id.to_string());
        }
        let rule = &plan.case.status.span;
        let finding = checks::new_id(id, fresh, rule, self.options.strict, self.client.secrets());
        (finding, transient)
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
        let inventory = self.shared.inventory.borrow();
        let template = PathTemplate::parse(&plan.case.path);
        if inventory.first_created(template.text(), &plan.case.resource) != Some(id) {
            return;
        }
        drop(inventory);
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
        let rule = &plan.case.source.spans.request_line;
        let (strict, secrets) = (self.options.strict, self.client.secrets());
        unkept
            .into_iter()
            .map(|(name, want, got)| {
                let was = match expected.get(&name).map(|k| k.source) {
                    Some(Source::Answered) => self.quote(&want),
                    _ => want.to_string(),
                };
                checks::unkept(name, was, &got, &sent_names, rule, strict, secrets)
            })
            .collect()
    }

    /// Returns the id of the object at `path` when this run created it.
    fn created_id_of(&self, plan: &OperationPlan, path: &str) -> Option<String> {
        let template = PathTemplate::parse(&plan.case.path);
        let id = self
            .shared
            .inventory
            .borrow()
            .first_created(template.collection()?, &plan.case.resource)?
            .to_string();
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

    /// Sends the generated valid payloads, a window at a time (see [`Runner::window`]). Each
    /// window is drawn from the seeded stream in order and concluded in order (shrinking
    /// included), so the cases and their root causes do not depend on the concurrency.
    async fn valid(&self, op: &PlannedOperation<'_>, path: &str) {
        let plan = &op.plan;
        let strategy = body_strategy(&plan.model);
        let mut runner = seeded_runner(self.options.seed, &format!("{}/valid", op.id()));
        let window = self.window(op.effect);
        let mut numbers = 1..=op.valid.last();
        let mut ended = false;
        while !ended {
            let mut drawn = Vec::new();
            for n in numbers.by_ref() {
                if self.client.past_deadline() {
                    // nothing more is generated: the rest is counted
                    self.count_not_started(op.valid.from(n));
                    ended = true;
                    break;
                }
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    continue;
                };
                if op.valid.has(n) {
                    drawn.push((plan::valid_case_id(op.id(), n), tree));
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
                .map(|(_, tree)| self.send_valid(op, path, tree.current()));
            let sent = futures::future::join_all(sent).await;
            for ((id, mut tree), (started, attempt)) in drawn.into_iter().zip(sent) {
                match attempt {
                    Some(attempt) => {
                        self.conclude_valid(op, path, id, &mut tree, started, attempt)
                            .await;
                    }
                    None => {
                        let reason = "the generated body breaks the request schema (a generator defect; nothing was sent)";
                        self.record(skipped(id, CaseKind::Valid, op.id(), reason.to_string()));
                    }
                }
            }
        }
    }

    /// Sends one generated body, unless it breaks the request schema (then nothing is sent).
    async fn send_valid(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        body: Map<String, Value>,
    ) -> (Instant, Option<Attempt>) {
        let started = Instant::now();
        if !op
            .plan
            .request_validator
            .is_valid(&Value::Object(body.clone()))
        {
            return (started, None);
        }
        let attempt = self.exercise(op, path, &generated(op, body)).await;
        (started, Some(attempt))
    }

    /// Records a generated case; the first failure of each root cause is shrunk first.
    async fn conclude_valid(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        id: String,
        tree: &mut impl ValueTree<Value = Map<String, Value>>,
        started: Instant,
        attempt: Attempt,
    ) {
        let plan = &op.plan;
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
        let (minimal, steps) = self.shrink(op, path, tree, check, attempt).await;
        let shrink = Some(Shrink {
            steps,
            original_body,
        });
        self.record(self.result(id, plan, CaseKind::Valid, started, vec![minimal], shrink));
    }

    /// Shrinks a failing payload with proptest's value tree toward the smallest body that
    /// still fails the same check.
    async fn shrink(
        &self,
        op: &PlannedOperation<'_>,
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
                .exercise(op, path, &generated(op, tree.current()))
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

    /// Returns where a convention case is sent: the operation's path, or the same path
    /// with a fresh unknown id in its last placeholder.
    fn convention_path(
        &self,
        op: &PlannedOperation<'_>,
        path: &str,
        id: &str,
        target: ConventionTarget,
    ) -> Result<String, Unresolved> {
        match target {
            ConventionTarget::Operation => Ok(path.to_string()),
            ConventionTarget::UnknownId => {
                let unknown = unknown_id(self.options.seed ^ self.nonce, id);
                // the object the operation acts on, under the parents its own path has
                let segments = crate::path_template::decode_path(path);
                for line in op.plan.case.request_lines() {
                    let Some(mut values) = line.matches(&segments) else {
                        continue;
                    };
                    if line.collection().is_none() {
                        continue;
                    }
                    if let Some(last) = values.last_mut() {
                        last.clone_from(&unknown);
                    }
                    let names = line.placeholders().into_iter().map(str::to_string);
                    return line.fill(&names.zip(values).collect());
                }
                let template = PathTemplate::parse(&op.plan.case.path);
                let mut values = self.options.ids.clone();
                if let Some(name) = template.last_placeholder() {
                    values.insert(name.to_string(), unknown);
                }
                template.fill(&values)
            }
        }
    }

    /// Runs one convention case: an answer `accepts` allows passes (its error body is then
    /// checked for the Graph shape), a 5xx is a server error, anything else a warning.
    async fn convention(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        convention: &Convention,
    ) -> Attempt {
        let strict = self.options.strict;
        let (exchange, received) = self
            .send(plan, path, convention.body.clone(), convention.authorized)
            .await;
        let findings = match &received {
            Err(why) => return unanswered(exchange, *why, plan, strict),
            Ok(r) if checks::is_server_error(r.status) => {
                let rule = &plan.case.status.span;
                vec![checks::server_error(
                    r.status,
                    convention.what,
                    rule,
                    strict,
                )]
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
            Ok(r) => vec![checks::convention_breached(
                convention.check,
                convention.what,
                convention.expected,
                r.status,
                strict,
            )],
        };
        Attempt::answered(exchange, findings)
    }

    /// Sends a body the page's contract forbids: any 4xx is right.
    async fn reject(
        &self,
        plan: &OperationPlan<'_>,
        path: &str,
        rejection: Rejection<'_>,
    ) -> Attempt {
        let Rejection {
            body,
            what,
            key,
            rule,
        } = rejection;
        let strict = self.options.strict;
        let (exchange, received) = self.send(plan, path, Some(body.to_string()), true).await;
        let findings = match &received {
            Err(why) => return unanswered(exchange, *why, plan, strict),
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
        Attempt::answered(exchange, findings)
    }
}

/// Tells whether the state model follows what a step does to the object: it follows the
/// bodies that must succeed, not those that must be rejected (a faulty server may accept
/// them, and then the object's state is unknown).
fn is_followed(step: &Step) -> bool {
    match step {
        Step::Exercise(_) | Step::Merge(..) | Step::Boundary(..) => true,
        Step::Read
        | Step::List(_)
        | Step::Invoke(_)
        | Step::Delete
        | Step::Gone { .. }
        | Step::ReadBack { .. }
        | Step::AddReference { .. }
        | Step::RemoveReference { .. } => true,
        Step::Reject { .. } | Step::Convention(_) => false,
    }
}

/// Where an operation's cases are sent: its resolved path, and whether a documented
/// example's id filled it (the server may not hold that object: a 404 then skips a case
/// rather than failing it).
/// Where [`Runner::fill_known`] takes a placeholder's value from, besides what it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sources {
    /// The ids the run created or listed.
    Server,
    /// Those, then the ids the suite's examples show.
    ServerAndPages,
}

/// Returns the concrete collection before placeholder `name` of `template`, when it stands
/// as a whole segment after a collection `values` fill.
pub(super) fn collection_before(
    template: &PathTemplate,
    name: &str,
    values: &BTreeMap<String, String>,
) -> Option<String> {
    let marker = format!("/{{{name}}}");
    let at = template.text().find(&marker)?;
    let rest = &template.text()[at + marker.len()..];
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    PathTemplate::parse(&template.text()[..at])
        .fill(values)
        .ok()
}

/// What the run knows of the placeholders of one request line.
pub(super) struct Known {
    pub values: BTreeMap<String, String>,
    /// The object itself is one the run created, listed or was given.
    pub seen: bool,
    /// A value is a fixture: an id another page's example shows, or one the run inferred
    /// (see [`Inventory::know_inferred`]).
    pub fixture: bool,
    /// Every placeholder has a value.
    pub complete: bool,
}

impl Known {
    fn incomplete(values: BTreeMap<String, String>, seen: bool) -> Known {
        Known {
            values,
            seen,
            fixture: false,
            complete: false,
        }
    }
}

pub(super) struct Target {
    pub path: String,
    pub documented: bool,
    /// A documented example's value filled a placeholder (the object or a parent of it).
    pub from_example: bool,
}

/// Tells whether a 404 to an example sent to `target` says that the server does not hold
/// the documented example object: a create's is the parent a documented example's id
/// names, an update's was probed before (see [`Runner::run_operation`]); every other effect
/// finds out from the answer.
fn unprobed(op: &PlannedOperation, target: &Target) -> bool {
    match op.effect {
        Effect::Creates => target.from_example,
        Effect::Updates => false,
        Effect::Replaces
        | Effect::Reads
        | Effect::Invokes
        | Effect::Deletes
        | Effect::References => target.documented,
    }
}

/// Returns why a case was skipped when the documented example object it addressed is not
/// on the server (see [`super::lifecycle`]).
fn missing_object(result: &CaseResult) -> Option<String> {
    let reason = result.skipped_reason.as_deref()?;
    reason
        .starts_with(super::lifecycle::MISSING)
        .then(|| reason.to_string())
}

/// Returns the record of a case that was not sent, and why.
fn skipped(id: String, kind: CaseKind, operation: &str, reason: String) -> CaseResult {
    CaseResult {
        id,
        operation: operation.to_string(),
        kind,
        verdict: Verdict::Skipped,
        skipped_reason: Some(reason),
        exchanges: Vec::new(),
        findings: Vec::new(),
        shrink: None,
        duration_ms: 0.0,
    }
}

/// Judges a success answer to a body that sends one enum property as a member in another
/// letter case (see [`checks::enum_case`]).
fn recased_acceptance(
    plan: &OperationPlan,
    body: &str,
    received: &Received,
    strict: bool,
) -> Option<Finding> {
    let sent: Map<String, Value> = serde_json::from_str(body).ok()?;
    let members = |name: &str| match &plan.model.field(name)?.kind {
        FieldKind::Enum(members) => Some(members.clone()),
        _ => None,
    };
    let response: Option<Value> = serde_json::from_slice(&received.body).ok();
    checks::enum_case(&sent, members, received.status, response.as_ref(), strict)
}

pub(super) fn answer(received: &Received) -> Answer<'_> {
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
pub(super) fn unanswered(
    exchange: Exchange,
    why: NoAnswer,
    plan: &OperationPlan,
    strict: bool,
) -> Attempt {
    match why {
        NoAnswer::Transport => transport_failure(exchange, plan, strict),
        NoAnswer::CutOff | NoAnswer::NotSent | NoAnswer::Throttled => Attempt {
            exchange,
            findings: Vec::new(),
            cut_off: true,
            sent: why != NoAnswer::NotSent,
            transient: None,
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
    let rule = &plan.case.source.spans.request_line;
    let finding = checks::transport(exchange.error.as_deref(), rule, strict);
    Attempt::answered(exchange, vec![finding])
}

/// Returns a generated body as it is sent: a create into a collection of one type keeps the
/// generated choice of `@odata.type` (typed or not, both must succeed); any other create
/// says its type (see [`with_type`]); an update sends what was generated.
fn generated(op: &PlannedOperation, body: Map<String, Value>) -> Map<String, Value> {
    match op.effect {
        Effect::Creates if op.plan.sends_untyped_creates() => body,
        Effect::Creates => with_type(&op.plan, body),
        Effect::Updates
        | Effect::Replaces
        | Effect::Reads
        | Effect::Invokes
        | Effect::Deletes
        | Effect::References => body,
    }
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
    let rule = &plan.case.status.span;
    checks::same_object(target, id, encode_segment, rule, strict, secrets)
}

pub(super) fn is_date_field(plan: &OperationPlan, name: &str) -> bool {
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

/// Returns a proptest runner seeded for one stream of the run.
pub(super) fn seeded_runner(seed: u64, label: &str) -> TestRunner {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &plan::stream_seed(seed, label));
    TestRunner::new_with_rng(Config::default(), rng)
}

fn unknown_id(seed: u64, label: &str) -> String {
    let b = plan::stream_seed(seed, label);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&b[..16]);
    crate::generate::guid(&bytes)
}

/// Returns the values the documented examples give the placeholders of `template`: those
/// of the first example request whose path matches it, and, for the last placeholder when
/// no request path gives it, the id of the first example response.
fn documented_values(plan: &OperationPlan, template: &PathTemplate) -> BTreeMap<String, String> {
    let names = template.placeholders();
    let mut values: BTreeMap<String, String> = plan
        .case
        .examples
        .iter()
        .find_map(|e| template.match_path(&e.request.path))
        .map(|found| names.iter().map(|n| n.to_string()).zip(found).collect())
        .unwrap_or_default();
    // an example URL that still spells a placeholder (`/things/{thing-id}`) gives no value
    values.retain(|_, v| !v.contains('{') && !v.contains('}'));
    // an object's own id, when the operation acts on that object (an action's answer is
    // another object, a create's or a list's one of the collection)
    let on_itself = matches!(
        plan.case.kind,
        OperationKind::Get | OperationKind::Update | OperationKind::Replace | OperationKind::Delete
    );
    if let Some(name) = template.last_placeholder()
        && on_itself
        && template.collection().is_some()
        && !values.contains_key(name)
        && let Some(id) = plan.case.examples.iter().find_map(|e| {
            let id = e.response.as_ref()?.body.as_ref()?.get("id")?.as_str()?;
            Some(id.to_string())
        })
    {
        values.insert(name.to_string(), id);
    }
    values.retain(|_, v| crate::path_template::is_segment_value(v));
    values
}
