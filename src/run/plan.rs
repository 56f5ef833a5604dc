//! The plan: a value that says everything a run will do before it does it. The suite is
//! turned into chains (one per resource; chains run concurrently, the operations of a chain
//! in order, creates first), each operation into its planned cases (id, kind, request,
//! expectation) or a reason it is skipped. The progress total, `--only`, `--partition` and
//! the runner all read this one value, so the ids a run records are the plan's.
//!
//! Also the small pure helpers the runner needs (path templates, seeds, `--only` patterns).

use super::families::{self, NotRun};
use crate::case::CaseFile;
use crate::checks::Check;
use crate::generate::{Acceptance, Neighbours, PayloadModel, Vocabulary};
use crate::model::{OperationKind, Span};
use crate::results::{CaseKind, SkippedOperation};
use crate::suite::{Suite, SuiteError};
use serde_json::{Map, Value};

/// One operation, ready to exercise.
pub struct OperationPlan<'s> {
    pub case: &'s CaseFile,
    pub model: PayloadModel,
    /// What the rest of the suite tells about this operation.
    pub neighbours: Neighbours,
    pub response_schema: Value,
    pub request_validator: jsonschema::Validator,
    pub response_validator: jsonschema::Validator,
}

impl<'s> OperationPlan<'s> {
    /// Compiles the schemas of `case`; `vocabulary` is the suite's.
    pub fn new(
        suite: &Suite,
        vocabulary: &Vocabulary,
        case: &'s CaseFile,
    ) -> Result<OperationPlan<'s>, SuiteError> {
        let request_schema = suite.resolve_schema(&case.request_schema)?.clone();
        Ok(OperationPlan {
            case,
            model: PayloadModel::from_request_schema(&request_schema),
            neighbours: vocabulary.neighbours(case),
            response_schema: suite.resolve_schema(&case.response_schema)?.clone(),
            request_validator: suite.validator(&case.request_schema)?,
            response_validator: suite.validator(&case.response_schema)?,
        })
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
    pub body: String,
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
    Boundary(Map<String, Value>, Acceptance),
    /// A Graph-wide convention.
    Convention(Convention),
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

/// The operations on one resource, in the order they run.
pub struct Chain<'s> {
    pub operations: Vec<PlannedOperation<'s>>,
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
    pub keep: Option<&'a dyn Fn(&str) -> bool>,
}

/// Plans a run of `suite`: every operation, in [`order`], grouped into chains by resource;
/// operations without a wanted case are left out.
pub fn plan<'s>(suite: &'s Suite, settings: &Settings) -> Result<Plan<'s>, SuiteError> {
    let vocabulary = Vocabulary::of(suite);
    let mut chains: Vec<(String, Chain)> = Vec::new();
    let mut skipped = Vec::new();
    for case in order(suite) {
        let compiled = OperationPlan::new(suite, &vocabulary, case)?;
        let planned = match operation(compiled, settings) {
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
        if planned.is_empty() {
            continue;
        }
        match chains.iter_mut().find(|(r, _)| *r == case.resource) {
            Some((_, chain)) => chain.operations.push(planned),
            None => chains.push((
                case.resource.clone(),
                Chain {
                    operations: vec![planned],
                },
            )),
        }
    }
    let chains = chains.into_iter().map(|(_, chain)| chain).collect();
    Ok(Plan {
        suite,
        chains,
        skipped,
    })
}

/// Plans one operation through every family of cases, keeping the wanted ones.
fn operation<'s>(
    plan: OperationPlan<'s>,
    settings: &Settings,
) -> Result<PlannedOperation<'s>, NotRun> {
    let effect = families::effect(plan.case.kind)?;
    let mut before = families::examples(&plan)?;
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
    Ok(PlannedOperation {
        plan,
        effect,
        before,
        valid,
        after,
    })
}

/// Orders operations so that creates run before updates (a created id can then fill an
/// update's placeholder), each group by id.
pub fn order(suite: &Suite) -> Vec<&CaseFile> {
    let mut cases: Vec<&CaseFile> = suite.cases.iter().collect();
    cases.sort_by_key(|c| (c.kind != OperationKind::Create, c.id.clone()));
    cases
}

/// Derives the 32-byte seed of one stream of a run from the run seed and a label, so each
/// operation's cases stay the same whatever else runs.
pub fn stream_seed(seed: u64, label: &str) -> [u8; 32] {
    let mut state = label.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
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
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
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
