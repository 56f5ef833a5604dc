//! The families of cases an operation is planned into: documented examples, the lifecycle
//! (PATCH merge), generated valid payloads, boundaries, conventions and invalid payloads.
//!
//! Each family is one function with an exhaustive `match` on the operation kind, so a new
//! kind is a compile error in every family until it says what that kind gets, and a kind the
//! runner cannot exercise yet says so with a [`NotRun`] reason instead of a case. The
//! repair of the documented examples they replay lives here too.

use super::plan::{Convention, ConventionTarget, Effect, OperationPlan, PlannedCase, Step};
use crate::checks::Check;
use crate::generate::{
    Acceptance, FieldKind, PayloadModel, boundary_payloads, invalid_payloads, value_strategy,
};
use crate::model::OperationKind;
use crate::path_template::PathTemplate;
use crate::results::CaseKind;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value};

/// Why an operation is not run: said by the family that cannot plan its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun(pub &'static str);

/// The reason of every kind the runner does not exercise yet.
const NOT_RUN_YET: NotRun = NotRun(
    "the runner exercises create and update operations only; this kind is in the contract (cases/) but not run yet",
);

/// The name of the boundary case of a create that leaves `@odata.type` out.
pub const UNTYPED: &str = "untyped";

/// Returns what the valid requests of an operation do to the object, which decides what
/// their answers are held to and whether they may run side by side.
pub fn effect(kind: OperationKind) -> Result<Effect, NotRun> {
    match kind {
        OperationKind::Create => Ok(Effect::Creates),
        OperationKind::Update => Ok(Effect::Updates),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Err(NOT_RUN_YET),
    }
}

/// Plans the documented examples: each request body replayed (repaired to agree with its
/// page), and one that contradicts its page also sent as written, to be rejected.
pub fn examples(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    match plan.case.kind {
        OperationKind::Create | OperationKind::Update => Ok(example_cases(plan)),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Err(NOT_RUN_YET),
    }
}

fn example_cases(plan: &OperationPlan) -> Vec<PlannedCase> {
    let op = &plan.case.id;
    let mut cases = Vec::new();
    for (i, example) in plan.case.examples.iter().enumerate() {
        let Some(Value::Object(body)) = &example.request.body else {
            continue;
        };
        let id = format!("{op}/example-{}", i + 1);
        cases.push(PlannedCase {
            id: id.clone(),
            kind: CaseKind::Example,
            step: Step::Exercise(repair(&plan.model, body)),
        });
        if example.request_contradicts_page() {
            let what = format!(
                "the page's example {} as written, which contradicts the page's own table",
                i + 1
            );
            cases.push(PlannedCase {
                id: format!("{id}-as-written"),
                kind: CaseKind::ExampleAsWritten,
                step: Step::Reject {
                    body: Value::Object(body.clone()).to_string(),
                    what,
                    key: "example".to_string(),
                    rule: example.findings.first().map(|f| f.span.clone()),
                },
            });
        }
    }
    cases
}

/// Plans the lifecycle steps: an update is sent two PATCHes of disjoint halves of its
/// generated properties (the second must keep what the first set); a create has none yet.
pub fn lifecycle(plan: &OperationPlan, seed: u64) -> Result<Vec<PlannedCase>, NotRun> {
    match plan.case.kind {
        OperationKind::Create => Ok(Vec::new()),
        OperationKind::Update => Ok(merge_case(plan, seed).into_iter().collect()),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Err(NOT_RUN_YET),
    }
}

fn merge_case(plan: &OperationPlan, seed: u64) -> Option<PlannedCase> {
    let id = format!("{}/merge", plan.case.id);
    let fields: Vec<_> = plan.model.generated_fields().collect();
    if fields.len() < 2 {
        return None;
    }
    let mut runner = super::runner::seeded_runner(seed, &id);
    let mut values: Vec<(String, Value)> = fields
        .iter()
        .filter_map(|f| {
            let tree = value_strategy(&f.kind).new_tree(&mut runner).ok()?;
            Some((f.name.clone(), tree.current()))
        })
        .collect();
    let turn = usize::try_from(seed % values.len().max(1) as u64).unwrap_or(0);
    values.rotate_left(turn);
    let half = values.len().div_ceil(2);
    let first: Map<String, Value> = values[..half].iter().cloned().collect();
    let second: Map<String, Value> = values[half..].iter().cloned().collect();
    Some(PlannedCase {
        id,
        kind: CaseKind::Merge,
        step: Step::Merge(first, second),
    })
}

/// Says how many generated valid payloads an operation is sent (`--cases`).
pub fn valid(plan: &OperationPlan, cases: u32) -> Result<u32, NotRun> {
    match plan.case.kind {
        OperationKind::Create | OperationKind::Update => Ok(cases),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Err(NOT_RUN_YET),
    }
}

/// Plans the boundary payloads: an edge of the core must succeed, an edge no page states
/// may be rejected (see [`Acceptance`]). A create says its type in each; a create into a
/// collection of one type also sends its first example without `@odata.type`.
pub fn boundaries(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    let typed = match plan.case.kind {
        OperationKind::Create => true,
        OperationKind::Update => false,
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Err(NOT_RUN_YET),
    };
    let op = &plan.case.id;
    let boundary = |name: &str, body, acceptance| PlannedCase {
        id: format!("{op}/boundary/{name}"),
        kind: CaseKind::Boundary,
        step: Step::Boundary(body, acceptance),
    };
    let mut cases: Vec<PlannedCase> = boundary_payloads(&plan.model)
        .into_iter()
        .map(|p| {
            let body = if typed {
                with_type(plan, p.body)
            } else {
                p.body
            };
            boundary(&p.name, body, p.acceptance)
        })
        .collect();
    if typed && plan.sends_untyped_creates() {
        let mut untyped = first_example(plan);
        untyped.remove("@odata.type");
        cases.push(boundary(UNTYPED, untyped, Acceptance::Required));
    }
    Ok(cases)
}

/// Plans the Graph-wide conventions no page states: no token gets 401, an unknown id gets
/// 404 (an operation on one object), an unknown property gets a 4xx.
pub fn conventions(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    let addressed = match plan.case.kind {
        OperationKind::Create => false,
        OperationKind::Update => PathTemplate::parse(&plan.case.path)
            .last_placeholder()
            .is_some(),
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Err(NOT_RUN_YET),
    };
    let op = &plan.case.id;
    let body = Value::Object(first_example(plan)).to_string();
    let convention = |name: &str, convention| PlannedCase {
        id: format!("{op}/convention/{name}"),
        kind: CaseKind::Convention,
        step: Step::Convention(convention),
    };
    let mut cases = vec![convention(
        "no-token",
        Convention {
            check: Check::AuthRequired,
            what: "a request without a token",
            expected: "401",
            accepts: |status| status == 401,
            target: ConventionTarget::Operation,
            body: body.clone(),
            authorized: false,
        },
    )];
    if addressed {
        cases.push(convention(
            "unknown-id",
            Convention {
                check: Check::UnknownId,
                what: "a PATCH to an unknown id",
                expected: "404",
                accepts: |status| status == 404,
                target: ConventionTarget::UnknownId,
                body,
                authorized: true,
            },
        ));
    }
    cases.push(convention(
        "unknown-property",
        Convention {
            check: Check::UnknownProperty,
            what: "a property the page does not list",
            expected: "400",
            accepts: |status| (400..500).contains(&status),
            target: ConventionTarget::Operation,
            body: serde_json::json!({ "graphConformanceUnknownProperty": "x" }).to_string(),
            authorized: true,
        },
    ));
    Ok(cases)
}

/// Plans the payloads the page's contract forbids: each must get a 4xx.
pub fn invalid(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    match plan.case.kind {
        OperationKind::Create | OperationKind::Update => {}
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Err(NOT_RUN_YET),
    }
    let table = Some(plan.case.source.spans.property_table.to_string());
    let cases = invalid_payloads(&plan.model, &plan.neighbours, table)
        .into_iter()
        .map(|payload| PlannedCase {
            id: format!("{}/invalid/{}", plan.case.id, payload.name),
            kind: CaseKind::Invalid,
            step: Step::Reject {
                body: payload.body,
                what: payload.what,
                key: payload.key,
                rule: payload.rule.as_deref().and_then(crate::checks::parse_span),
            },
        })
        .collect();
    Ok(cases)
}

/// Adds the resource's own `@odata.type` to a create's body: a POST into a collection that
/// holds several types (Intune's `deviceConfigurations`) says which one it creates, as every
/// documented create example does.
pub fn with_type(plan: &OperationPlan, mut body: Map<String, Value>) -> Map<String, Value> {
    if let Some(odata_type) = &plan.model.odata_type
        && !body.contains_key("@odata.type")
    {
        body.insert("@odata.type".to_string(), Value::String(odata_type.clone()));
    }
    body
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
