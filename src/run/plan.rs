//! The plan: which operations run in which order, with what path, and with which compiled
//! schemas and payload model; plus the small pure helpers the runner needs (path templates,
//! seeds, `--only` patterns).

use crate::case::CaseFile;
use crate::generate::{Neighbours, PayloadModel, Vocabulary};
use crate::model::OperationKind;
use crate::path_template::PathTemplate;
use crate::suite::{Suite, SuiteError};
use serde_json::Value;

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

    /// Tells whether this operation is a create (POST to a collection).
    pub fn is_create(&self) -> bool {
        self.case.kind == OperationKind::Create
    }

    /// Tells whether creates may leave `@odata.type` out: a create into a collection that
    /// serves this one type of the suite (in a collection of several types an untyped
    /// create may legitimately make the base type).
    pub fn sends_untyped_creates(&self) -> bool {
        self.is_create() && self.model.odata_type.is_some() && !self.neighbours.shared_collection
    }
}

/// Compiles the plan of every operation of `suite`, in [`order`].
pub fn plans(suite: &Suite) -> Result<Vec<OperationPlan<'_>>, SuiteError> {
    let vocabulary = Vocabulary::of(suite);
    order(suite)
        .into_iter()
        .map(|case| OperationPlan::new(suite, &vocabulary, case))
        .collect()
}

/// The name of the boundary case of a create that leaves `@odata.type` out.
pub const UNTYPED: &str = "untyped";

/// Says why operations of `kind` are not run yet, or nothing for the kinds the runner runs.
pub fn not_run(kind: OperationKind) -> Option<&'static str> {
    match kind {
        OperationKind::Create | OperationKind::Update => None,
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Some(
            "the runner exercises create and update operations only; this kind is in the contract (cases/) but not run yet",
        ),
    }
}

/// The id of the one case an operation that is not run records (see [`not_run`]).
pub fn not_run_id(op: &str) -> String {
    format!("{op}/not-run")
}

/// Tells whether an operation has a case `keep` wants, listing ids only until one is found.
pub fn any_case(plan: &OperationPlan, cases: u32, keep: &dyn Fn(&str) -> bool) -> bool {
    if not_run(plan.case.kind).is_some() {
        return keep(&not_run_id(&plan.case.id));
    }
    let (before, after) = fixed_case_ids(plan);
    before.iter().chain(&after).any(|id| keep(id))
        || valid_case_ids(&plan.case.id, 1, cases).any(|id| keep(&id))
}

/// Counts the cases of an operation that `filter` keeps (every one when there is no
/// filter: then counted without listing them, so a million generated cases cost nothing).
pub fn count_cases(
    plan: &OperationPlan,
    cases: u32,
    filter: Option<&dyn Fn(&str) -> bool>,
) -> usize {
    if not_run(plan.case.kind).is_some() {
        let id = not_run_id(&plan.case.id);
        return usize::from(filter.is_none_or(|keep| keep(&id)));
    }
    let (before, after) = fixed_case_ids(plan);
    let fixed = before.iter().chain(&after);
    match filter {
        None => fixed
            .count()
            .saturating_add(count_valid(&plan.case.id, 1, cases, None)),
        Some(keep) => {
            fixed.filter(|id| keep(id)).count() + count_valid(&plan.case.id, 1, cases, filter)
        }
    }
}

/// Counts the generated valid cases `from..=to` of operation `op` that `filter` keeps.
pub fn count_valid(op: &str, from: u32, to: u32, filter: Option<&dyn Fn(&str) -> bool>) -> usize {
    match filter {
        None if from > to => 0,
        None => usize::try_from(to - from).map_or(usize::MAX, |n| n.saturating_add(1)),
        Some(keep) => valid_case_ids(op, from, to).filter(|id| keep(id)).count(),
    }
}

/// Lists the ids of the generated valid cases `from..=to` of operation `op`.
pub fn valid_case_ids(op: &str, from: u32, to: u32) -> impl Iterator<Item = String> + '_ {
    (from..=to).map(move |n| format!("{op}/valid/{n:03}"))
}

/// Lists the ids of an operation's cases that run before its generated valid cases
/// (examples, merge) and after them (boundaries, conventions, invalid payloads).
fn fixed_case_ids(plan: &OperationPlan) -> (Vec<String>, Vec<String>) {
    let op = &plan.case.id;
    let mut before = Vec::new();
    for (i, example) in plan.case.examples.iter().enumerate() {
        if example
            .request
            .body
            .as_ref()
            .is_some_and(serde_json::Value::is_object)
        {
            before.push(format!("{op}/example-{}", i + 1));
            if example.request_contradicts_page() {
                before.push(format!("{op}/example-{}-as-written", i + 1));
            }
        }
    }
    if !plan.is_create() && plan.model.generated_fields().count() >= 2 {
        before.push(format!("{op}/merge"));
    }
    let mut after: Vec<String> = crate::generate::boundary_payloads(&plan.model)
        .into_iter()
        .map(|p| format!("{op}/boundary/{}", p.name))
        .collect();
    if plan.sends_untyped_creates() {
        after.push(format!("{op}/boundary/{UNTYPED}"));
    }
    after.push(format!("{op}/convention/no-token"));
    if !plan.is_create()
        && PathTemplate::parse(&plan.case.path)
            .last_placeholder()
            .is_some()
    {
        after.push(format!("{op}/convention/unknown-id"));
    }
    after.push(format!("{op}/convention/unknown-property"));
    after.extend(
        crate::generate::invalid_payloads(&plan.model, &plan.neighbours, None)
            .into_iter()
            .map(|p| format!("{op}/invalid/{}", p.name)),
    );
    (before, after)
}

/// Groups plans into chains: the operations on one resource, in plan order (a create before
/// the updates that use its id). Chains touch different resources and may run concurrently.
pub fn chains<'p, 's>(plans: &'p [OperationPlan<'s>]) -> Vec<Vec<&'p OperationPlan<'s>>> {
    let mut chains: Vec<Vec<&OperationPlan>> = Vec::new();
    for plan in plans {
        match chains
            .iter_mut()
            .find(|c| c[0].case.resource == plan.case.resource)
        {
            Some(chain) => chain.push(plan),
            None => chains.push(vec![plan]),
        }
    }
    chains
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

    #[test]
    fn stream_seeds_differ_by_label_and_repeat() {
        assert_eq!(stream_seed(1, "a"), stream_seed(1, "a"));
        assert_ne!(stream_seed(1, "a"), stream_seed(1, "b"));
        assert_ne!(stream_seed(1, "a"), stream_seed(2, "a"));
    }
}
