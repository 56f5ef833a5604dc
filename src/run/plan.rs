//! The plan: a value that says everything a run will do before it does it. The suite is
//! turned into chains (one per resource and depth; chains run concurrently, the operations of a chain
//! in lifecycle order, deletes last), each operation into its planned cases (id, kind, request,
//! expectation) or a reason it is skipped. The progress total, `--only`, `--partition` and
//! the runner all read this one value, so the ids a run records are the plan's.
//!
//! Also the small pure helpers the runner needs (path templates, seeds, `--only` patterns).

use super::families::{self, NotRun};
use crate::case::CaseFile;
use crate::checks::{Check, Expected};
use crate::digest;
use crate::generate::{Acceptance, BoundaryPayload, Neighbours, PayloadModel, Vocabulary};
use crate::model::{OperationKind, Span};
use crate::path_template::PathTemplate;
use crate::results::{CaseKind, SkippedOperation};
use crate::secret::Secrets;
use crate::suite::{Suite, SuiteError};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One operation, ready to exercise.
pub struct OperationPlan<'s> {
    pub case: &'s CaseFile,
    pub model: PayloadModel,
    /// What the rest of the suite tells about this operation.
    pub neighbours: Neighbours,
    pub response_schema: Cow<'s, Value>,
    pub request_validator: jsonschema::Validator,
    pub response_validator: jsonschema::Validator,
    /// A page of a list: `{"value": [items]}` with its paging annotations.
    pub page_validator: Option<jsonschema::Validator>,
}

impl<'s> OperationPlan<'s> {
    /// Compiles the schemas of `case`; `vocabulary` is the suite's.
    pub fn new(
        suite: &'s Suite,
        vocabulary: &Vocabulary,
        case: &'s CaseFile,
    ) -> Result<OperationPlan<'s>, SuiteError> {
        // the resource's schemas are borrowed from the suite, not copied per operation
        let (request_schema, request_validator) = match request_body_schema(case) {
            Some(inline) => {
                let validator = suite.validator_of(&inline)?;
                (Cow::Owned(inline), validator)
            }
            None => (
                Cow::Borrowed(suite.resolve_schema(&case.request_schema)?),
                suite.validator(&case.request_schema)?,
            ),
        };
        let (response_schema, response_validator) = match success_body_schema(case) {
            Some(inline) => {
                let validator = suite.validator_of(&inline)?;
                (Cow::Owned(inline), validator)
            }
            None => (
                Cow::Borrowed(suite.resolve_schema(&case.response_schema)?),
                suite.validator(&case.response_schema)?,
            ),
        };
        let page_validator = page_schema(case)
            .map(|schema| suite.validator_of(&schema))
            .transpose()?;
        Ok(OperationPlan {
            case,
            model: PayloadModel::from_request_schema(&request_schema),
            neighbours: vocabulary.neighbours(case),
            response_schema,
            request_validator,
            response_validator,
            page_validator,
        })
    }

    /// What a success of this operation must be: its documented status and its response
    /// schema.
    pub fn expected<'a>(&'a self, strict: bool, secrets: &'a Secrets) -> Expected<'a> {
        self.expected_under(&self.response_validator, strict, secrets)
    }

    /// What one page of this operation's list must be: the status, and a page of items
    /// (the response schema when the operation reads no list).
    pub fn expected_page<'a>(&'a self, strict: bool, secrets: &'a Secrets) -> Expected<'a> {
        let validator = self.page_validator.as_ref();
        self.expected_under(
            validator.unwrap_or(&self.response_validator),
            strict,
            secrets,
        )
    }

    fn expected_under<'a>(
        &'a self,
        validator: &'a jsonschema::Validator,
        strict: bool,
        secrets: &'a Secrets,
    ) -> Expected<'a> {
        Expected {
            status: &self.case.status,
            validator,
            schema: &self.response_schema,
            strict,
            secrets,
        }
    }

    /// Tells whether creates may leave `@odata.type` out: a create into a collection that
    /// serves this one type of the suite (in a collection of several types an untyped
    /// create may legitimately make the base type).
    pub fn sends_untyped_creates(&self) -> bool {
        self.case.kind == OperationKind::Create
            && self.model.odata_type.is_some()
            && !self.neighbours.shared_collection
    }
}

/// The schema of what an operation's request body holds when it is not its resource: an
/// action's parameters, a `$ref`'s `{"@odata.id"}`.
fn request_body_schema(case: &CaseFile) -> Option<Value> {
    match case.kind {
        OperationKind::Action => Some(
            case.parameters_schema
                .clone()
                .unwrap_or_else(|| serde_json::json!({ "type": "object" })),
        ),
        OperationKind::AddReference => Some(crate::schema::bodies::reference_schema()),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Function
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => None,
    }
}

/// The schema of what an operation answers (of each item, for a list) when it is not its
/// resource's object: an action's or function's result, a `$ref` list's references.
fn success_body_schema(case: &CaseFile) -> Option<Value> {
    match case.kind {
        OperationKind::Action | OperationKind::Function => case.result_schema.clone(),
        OperationKind::ListReferences => Some(crate::schema::bodies::reference_schema()),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::AddReference
        | OperationKind::RemoveReference => None,
    }
}

/// The schema of one page of a list: Graph's collection body around the items.
fn page_schema(case: &CaseFile) -> Option<Value> {
    use crate::schema::bodies::{collection_schema, reference_schema};
    match case.kind {
        // an item that says it is another type (a collection several types share, a derived
        // type) is held to that type's page, not this one's
        OperationKind::List => Some(collection_schema(serde_json::json!({
            "if": {
                "required": ["@odata.type"],
                "properties": {
                    "@odata.type": { "not": { "const": format!("#microsoft.graph.{}", case.resource) } }
                }
            },
            "then": true,
            "else": { "$ref": case.response_schema },
        }))),
        OperationKind::ListReferences => Some(collection_schema(reference_schema())),
        OperationKind::Get
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference => None,
    }
}

/// What the valid requests of an operation do to its object: it decides what their
/// answers are held to, and whether they may run side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Each request makes a new object: a new id, the state later updates start from.
    /// Requests go side by side.
    Creates,
    /// Each request changes the object in the path: it answers that object, echoing what
    /// was sent and keeping the rest. Requests go one at a time.
    Updates,
    /// Each request sets the whole object in the path (PUT): it answers what was sent, and
    /// what it was not sent is no longer known. Requests go one at a time.
    Replaces,
    /// Requests change nothing (get, list, function, `$ref` list). Side by side.
    Reads,
    /// Each request runs an action, with the effects its page describes. One at a time.
    Invokes,
    /// The request deletes the object in the path. Runs after every other step of the run.
    Deletes,
    /// Each request adds or removes a reference of a navigation. One at a time.
    References,
}

/// Where a convention case is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConventionTarget {
    /// The operation's own path.
    Operation,
    /// The operation's path with a fresh, unknown id in its last placeholder.
    UnknownId,
}

/// A Graph-wide convention case: what is sent, and which answers it expects.
#[derive(Debug, Clone)]
pub struct Convention {
    pub check: Check,
    pub what: &'static str,
    pub expected: &'static str,
    pub accepts: fn(u16) -> bool,
    pub target: ConventionTarget,
    pub body: Option<String>,
    pub authorized: bool,
}

/// The request a planned case sends and what its answer is held to.
#[derive(Debug, Clone)]
pub enum Step {
    /// A body the page says must succeed.
    Exercise(Map<String, Value>),
    /// A body the page's contract forbids: any 4xx is right.
    Reject {
        body: String,
        what: String,
        key: String,
        rule: Option<Span>,
    },
    /// Two PATCHes of disjoint subsets: the second must keep what the first set.
    Merge(Map<String, Value>, Map<String, Value>),
    /// A body at an edge, to be accepted (or, at an edge no page states, rejected).
    Boundary(BoundaryBody, Acceptance),
    /// A Graph-wide convention.
    Convention(Convention),
    /// A GET of the operation's path (a get, a function): its answer, and what the run knows
    /// of the object.
    Read,
    /// A GET of the operation's collection, paged to the end, with a query option.
    List(Query),
    /// An action's POST of these parameters (none: no body).
    Invoke(Option<Map<String, Value>>),
    /// A DELETE of the operation's path.
    Delete,
    /// After a delete: a read of the object (through the get operation named) must answer
    /// 404, and the list named must no longer hold it.
    Gone {
        get: Option<String>,
        list: Option<String>,
    },
    /// A write of this whole body, then a read of the object through the get operation
    /// named: it shows what was written.
    ReadBack {
        write: Map<String, Value>,
        get: String,
    },
    /// A `$ref` POST of this body; the `$ref` list named must then hold it.
    AddReference {
        body: Map<String, Value>,
        list: Option<String>,
    },
    /// A `$ref` DELETE of what the run added; the `$ref` list named must then not hold it.
    RemoveReference { list: Option<String> },
}

/// What a boundary case sends.
#[derive(Debug, Clone)]
pub enum BoundaryBody {
    /// A field at an edge, built when the case runs (the plan keeps which edge, not its
    /// value), with the resource's own `@odata.type` when `typed` (a create).
    Edge {
        payload: BoundaryPayload,
        typed: bool,
    },
    /// A body given whole.
    Given(Map<String, Value>),
}

impl BoundaryBody {
    /// The body to send for the operation `plan`.
    pub fn body(&self, plan: &OperationPlan) -> Map<String, Value> {
        match self {
            BoundaryBody::Edge {
                payload,
                typed: true,
            } => families::with_type(plan, payload.body()),
            BoundaryBody::Edge {
                payload,
                typed: false,
            } => payload.body(),
            BoundaryBody::Given(body) => body.clone(),
        }
    }
}

/// The query option a list case sends, and whether its page states support for it (when it
/// does not, a breach is a convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// No query option: the whole collection.
    All,
    /// `$top=1`.
    Top { stated: bool },
    /// `$select` of two documented properties.
    Select { stated: bool },
    /// `$filter=<property> eq <value>` on a value an item is known to hold.
    Filter { stated: bool },
    /// `$count=true`.
    Count { stated: bool },
}

/// One case of the plan.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub id: String,
    pub kind: CaseKind,
    pub step: Step,
}

/// The generated valid cases of an operation: drawn in order from one seeded stream, so
/// case `n` is the same body whichever cases run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidCases {
    /// Every case from 1 to this number.
    Upto(u32),
    /// Only these numbers, in increasing order.
    Listed(Vec<u32>),
}

impl ValidCases {
    /// Returns how many cases run.
    pub fn len(&self) -> usize {
        match self {
            ValidCases::Upto(n) => usize::try_from(*n).unwrap_or(usize::MAX),
            ValidCases::Listed(numbers) => numbers.len(),
        }
    }

    /// Tells whether no case runs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the last number drawn from the stream.
    pub fn last(&self) -> u32 {
        match self {
            ValidCases::Upto(n) => *n,
            ValidCases::Listed(numbers) => numbers.last().copied().unwrap_or(0),
        }
    }

    /// Tells whether case `n` runs.
    pub fn has(&self, n: u32) -> bool {
        match self {
            ValidCases::Upto(to) => (1..=*to).contains(&n),
            ValidCases::Listed(numbers) => numbers.binary_search(&n).is_ok(),
        }
    }

    /// Counts the cases from `n` on.
    pub fn from(&self, n: u32) -> usize {
        match self {
            ValidCases::Upto(to) if n > *to => 0,
            ValidCases::Upto(to) => usize::try_from(to - n.max(1) + 1).unwrap_or(usize::MAX),
            ValidCases::Listed(numbers) => numbers.iter().filter(|&&m| m >= n).count(),
        }
    }

    fn kept(count: u32, op: &str, keep: &dyn Fn(&str) -> bool) -> ValidCases {
        let numbers = (1..=count)
            .filter(|&n| keep(&valid_case_id(op, n)))
            .collect();
        ValidCases::Listed(numbers)
    }
}

/// Returns the id of generated valid case `n` of operation `op`.
pub fn valid_case_id(op: &str, n: u32) -> String {
    format!("{op}/valid/{n:03}")
}

/// One operation's planned cases, in the order they run: the examples and lifecycle steps,
/// the generated valid payloads, then boundaries, conventions and invalid payloads.
pub struct PlannedOperation<'s> {
    pub plan: OperationPlan<'s>,
    pub effect: Effect,
    pub before: Vec<PlannedCase>,
    pub valid: ValidCases,
    pub after: Vec<PlannedCase>,
    /// For a create: the delete the contract documents for the items of its collection,
    /// when there is one; the run then deletes each boundary case's object once judged.
    pub disposal: Option<String>,
}

impl PlannedOperation<'_> {
    /// Returns the operation's id.
    pub fn id(&self) -> &str {
        &self.plan.case.id
    }

    /// Counts the planned cases.
    pub fn len(&self) -> usize {
        self.before.len() + self.valid.len() + self.after.len()
    }

    /// Tells whether no case is planned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lists the ids of the planned cases, in plan order.
    pub fn ids(&self) -> impl Iterator<Item = String> + '_ {
        let valid = (1..=self.valid.last())
            .filter(|n| self.valid.has(*n))
            .map(|n| valid_case_id(self.id(), n));
        let fixed =
            |cases: &'_ [PlannedCase]| cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        fixed(&self.before)
            .into_iter()
            .chain(valid)
            .chain(fixed(&self.after))
    }
}

/// The operations on one resource at one depth, in the order they run: on one family of
/// resources when they share a collection (see [`Vocabulary::family`]), as each changes the
/// objects the others list.
pub struct Chain<'s> {
    pub operations: Vec<PlannedOperation<'s>>,
    /// How many parent objects its paths go through (`/teams/{id}/channels`: 1): chains run
    /// in waves of increasing depth, so a parent's create or list fills a child's path.
    pub depth: usize,
}

/// Everything a run does: its chains, and the operations it skips, each with the reason.
pub struct Plan<'s> {
    pub suite: &'s Suite,
    pub chains: Vec<Chain<'s>>,
    pub skipped: Vec<SkippedOperation>,
}

impl Plan<'_> {
    /// Counts the planned cases.
    pub fn cases(&self) -> usize {
        self.operations().map(PlannedOperation::len).sum()
    }

    /// Lists every planned operation, chain by chain.
    pub fn operations(&self) -> impl Iterator<Item = &PlannedOperation<'_>> {
        self.chains.iter().flat_map(|c| &c.operations)
    }

    /// Returns the planned operation `id`.
    pub fn operation(&self, id: &str) -> Option<&PlannedOperation<'_>> {
        self.operations().find(|o| o.id() == id)
    }

    /// Lists the ids of every planned case, chain by chain.
    pub fn ids(&self) -> impl Iterator<Item = String> + '_ {
        self.operations().flat_map(PlannedOperation::ids)
    }
}

/// What the plan is made under: `--cases`, the seed, and which case ids are wanted.
pub struct Settings<'a> {
    pub cases: u32,
    pub seed: u64,
    /// Tells whether a case (or, for a skipped operation, the operation) id is wanted;
    /// none keeps everything.
    pub keep: Option<&'a (dyn Fn(&str) -> bool + Sync)>,
}

/// Plans a run of `suite`: every operation, in [`order`], grouped into chains by resource
/// (family) and depth (a resource's operations under a parent wait for the wave that fills it);
/// operations without a wanted case are left out.
pub fn plan<'s>(suite: &'s Suite, settings: &Settings) -> Result<Plan<'s>, SuiteError> {
    let vocabulary = Vocabulary::of(suite);
    let mut chains: Vec<((String, usize), Vec<PlannedOperation>)> = Vec::new();
    let mut skipped = Vec::new();
    // each operation is planned on its own (validators compiled, payloads listed), on every
    // core; the chains are then formed in order
    let ordered = order(suite, &vocabulary);
    let planned: Vec<_> = ordered
        .par_iter()
        .map(|case| {
            Ok(operation(
                OperationPlan::new(suite, &vocabulary, case)?,
                settings,
            ))
        })
        .collect::<Result<_, SuiteError>>()?;
    for (case, planned) in ordered.into_iter().zip(planned) {
        let planned = match planned {
            Ok(planned) => planned,
            Err(NotRun(reason)) => {
                if settings.keep.is_none_or(|keep| keep(&case.id)) {
                    skipped.push(SkippedOperation {
                        operation: case.id.clone(),
                        reason: reason.to_string(),
                    });
                }
                continue;
            }
        };
        let key = (chain_name(case, &vocabulary), parents(case));
        match chains.iter_mut().find(|(k, _)| *k == key) {
            Some((_, operations)) => operations.push(planned),
            None => chains.push((key, vec![planned])),
        }
    }
    let mut chains: Vec<Chain> = chains
        .into_iter()
        .map(|((_, depth), mut operations)| {
            families::across(&mut operations, settings.seed);
            if let Some(keep) = settings.keep {
                for op in &mut operations {
                    op.before.retain(|c| keep(&c.id));
                    op.after.retain(|c| keep(&c.id));
                }
            }
            operations.retain(|op| !op.is_empty());
            Chain { operations, depth }
        })
        .filter(|chain| !chain.operations.is_empty())
        .collect();
    chains.sort_by_key(|c| c.depth);
    Ok(Plan {
        suite,
        chains,
        skipped,
    })
}

/// Names the chain an operation runs in: its resource's family; for a `$ref` operation,
/// the family of the object its navigation hangs from (pages document the add, list and
/// remove of one navigation under different resources, the remove takes what the add put
/// there, and all of them need the object the holder's create made), else the navigation.
fn chain_name(case: &CaseFile, vocabulary: &Vocabulary) -> String {
    let Some(navigation) = families::reference_list_shape(&case.path, case.kind) else {
        return vocabulary.family(&case.resource).to_string();
    };
    let holder = navigation
        .trim_end_matches("/$ref")
        .rsplit_once('/')
        .and_then(|(holder, _)| holder.strip_suffix("/{}"));
    match holder.and_then(|collection| vocabulary.resource_in(collection)) {
        Some(resource) => vocabulary.family(resource).to_string(),
        None => navigation,
    }
}

/// Counts the parent objects an operation's path goes through: its keys, but the one that
/// names its own object (an action's or a function's is the object it is bound to; a `$ref`
/// operation's the object its navigation hangs from and, for a removal, the reference). An
/// operation with a request line of no placeholder (`POST /me/messages` beside `POST
/// /me/mailFolders/{id}/messages`) waits for no parent: the runner sends that line first.
fn parents(case: &CaseFile) -> usize {
    let first = case.request_lines().into_iter().next();
    if first.is_some_and(|line| line.placeholders().is_empty()) {
        return 0;
    }
    let template = PathTemplate::parse(&case.path);
    let bound = || {
        let parent = template.parent();
        usize::from(parent.is_some_and(|p| p.collection().is_some()))
    };
    let own = match case.kind {
        OperationKind::Create | OperationKind::List => 0,
        OperationKind::Get
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete => usize::from(template.collection().is_some()),
        OperationKind::Action | OperationKind::Function => bound(),
        OperationKind::AddReference | OperationKind::ListReferences => 1,
        OperationKind::RemoveReference => 2,
    };
    template.keys().saturating_sub(own)
}

/// Plans one operation through every family of cases, keeping the wanted ones.
fn operation<'s>(
    plan: OperationPlan<'s>,
    settings: &Settings,
) -> Result<PlannedOperation<'s>, NotRun> {
    let effect = families::effect(&plan)?;
    let mut before = families::examples(&plan)?;
    before.extend(families::queries(&plan));
    before.extend(families::lifecycle(&plan, settings.seed)?);
    let count = families::valid(&plan, settings.cases)?;
    let mut after = families::boundaries(&plan)?;
    after.extend(families::conventions(&plan)?);
    after.extend(families::invalid(&plan)?);
    let valid = match settings.keep {
        None => ValidCases::Upto(count),
        Some(keep) => {
            before.retain(|c| keep(&c.id));
            after.retain(|c| keep(&c.id));
            ValidCases::kept(count, &plan.case.id, keep)
        }
    };
    // kept for the whole run by every operation: no spare room
    before.shrink_to_fit();
    after.shrink_to_fit();
    Ok(PlannedOperation {
        plan,
        effect,
        before,
        valid,
        after,
        disposal: None,
    })
}

/// Orders operations in the steps of a resource's lifecycle: create, list, get, update,
/// replace, actions, functions, references, delete (each group by id), so a created object
/// is listed, read and changed before it is deleted, and an operation on one object of a
/// collection nothing creates finds one its list showed. An action whose answer joins a
/// collection (see [`Vocabulary::joins`]) runs with the creates.
pub fn order<'s>(suite: &'s Suite, vocabulary: &Vocabulary) -> Vec<&'s CaseFile> {
    let mut cases: Vec<&CaseFile> = suite.cases.iter().collect();
    let place = |case: &CaseFile| match vocabulary.joins(case) {
        Some(_) => step(OperationKind::Create),
        None => step(case.kind),
    };
    cases.sort_by_cached_key(|c| (place(c), c.id.clone()));
    cases
}

/// The place of a kind in a lifecycle.
pub fn step(kind: OperationKind) -> u8 {
    match kind {
        OperationKind::Create => 0,
        OperationKind::List => 1,
        OperationKind::Get => 2,
        OperationKind::Update => 3,
        OperationKind::Replace => 4,
        OperationKind::Action => 5,
        OperationKind::Function => 6,
        OperationKind::AddReference => 7,
        OperationKind::ListReferences => 8,
        OperationKind::RemoveReference => 9,
        OperationKind::Delete => 10,
    }
}

/// Derives the 32-byte seed of one stream of a run from the run seed and a label, so each
/// operation's cases stay the same whatever else runs.
pub fn stream_seed(seed: u64, label: &str) -> [u8; 32] {
    let mut state = digest::fnv1a64_from(seed ^ digest::FNV_OFFSET, label.as_bytes());
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

/// Returns the partition (1 to `n`) a case belongs to: a stable hash of its id (FNV-1a), so
/// the split is the same on every machine and in every run.
pub fn partition_of(id: &str, n: u32) -> u32 {
    let hash = digest::fnv1a64(id.as_bytes());
    u32::try_from(hash % u64::from(n.max(1))).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path_template::{PathTemplate, Unresolved};
    use std::collections::BTreeMap;

    #[rstest::rstest]
    #[case::a_slash("a/b", "a%2Fb")]
    #[case::a_question_mark("a?b", "a%3Fb")]
    #[case::a_hash("a#b", "a%23b")]
    #[case::a_percent("%2E%2E", "%252E%252E")]
    #[case::a_backslash("..\\x", "..%5Cx")]
    #[case::three_dots("...", "...")]
    #[case::a_dot_inside("a.b", "a.b")]
    fn ids_are_percent_encoded_as_one_path_segment(#[case] id: &str, #[case] sent: &str) {
        // the plan fills its paths with the one template reader
        let values = BTreeMap::from([("aId".to_string(), id.to_string())]);
        let template = PathTemplate::parse("/a/{aId}");
        assert_eq!(template.fill(&values), Ok(format!("/a/{sent}")));
    }

    #[rstest::rstest]
    #[case::dot_dot("..")]
    #[case::dot(".")]
    #[case::empty("")]
    fn ids_that_cannot_be_a_path_segment_are_refused(#[case] id: &str) {
        let values = BTreeMap::from([("aId".to_string(), id.to_string())]);
        assert_eq!(
            PathTemplate::parse("/a/{aId}").fill(&values),
            Err(Unresolved::Unsafe {
                name: "aId".to_string(),
                value: id.to_string()
            })
        );
    }

    #[test]
    fn stream_seeds_differ_by_label_and_repeat() {
        assert_eq!(stream_seed(1, "a"), stream_seed(1, "a"));
        assert_ne!(stream_seed(1, "a"), stream_seed(1, "b"));
        assert_ne!(stream_seed(1, "a"), stream_seed(2, "a"));
    }
}
