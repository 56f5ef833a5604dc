//! The families of cases an operation is planned into: documented examples, the lifecycle
//! (PATCH merge), generated valid payloads, boundaries, conventions and invalid payloads.
//!
//! Each family is one function with an exhaustive `match` on the operation kind, so a new
//! kind is a compile error in every family until it says what that kind gets, and a kind the
//! runner cannot exercise yet says so with a [`NotRun`] reason instead of a case. The
//! repair of the documented examples they replay lives here too.

use super::plan::{
    BoundaryBody, Convention, ConventionTarget, Effect, OperationPlan, PlannedCase, Query, Step,
};
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
use std::collections::BTreeSet;

/// Why an operation is not run: said by the family that cannot plan its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun(pub &'static str);

/// The reason of an operation whose request or answer is a stream, which the runner does
/// not send or judge.
const STREAM: NotRun = NotRun(
    "its request body is a stream (a file's bytes), which the runner does not generate; it is in the contract (cases/) but not run",
);

/// The name of the boundary case of a create that leaves `@odata.type` out.
pub const UNTYPED: &str = "untyped";

/// Returns what the valid requests of an operation do to the object, which decides what
/// their answers are held to and whether they may run side by side.
pub fn effect(plan: &OperationPlan) -> Result<Effect, NotRun> {
    if plan.case.request_body == crate::model::RequestBody::Stream {
        return Err(STREAM);
    }
    Ok(match plan.case.kind {
        OperationKind::Create => Effect::Creates,
        OperationKind::Update => Effect::Updates,
        OperationKind::Replace => Effect::Replaces,
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Function
        | OperationKind::ListReferences => Effect::Reads,
        OperationKind::Delete => Effect::Deletes,
        OperationKind::Action => Effect::Invokes,
        OperationKind::AddReference | OperationKind::RemoveReference => Effect::References,
    })
}

/// Plans the documented examples and each kind's own first step: a write replays each
/// request body (repaired to agree with its page; one that contradicts its page is also
/// sent as written, to be rejected); a read reads; an action is invoked with each
/// documented body; a delete deletes; a `$ref` add sends its documented reference.
pub fn examples(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    let op = &plan.case.id;
    let case = |name: &str, kind, step| PlannedCase {
        id: format!("{op}/{name}"),
        kind,
        step,
    };
    Ok(match plan.case.kind {
        OperationKind::Create | OperationKind::Update | OperationKind::Replace => {
            example_cases(plan)
        }
        OperationKind::Get => vec![case("read", CaseKind::Lifecycle, Step::Read)],
        OperationKind::Function => vec![case("call", CaseKind::Example, Step::Read)],
        OperationKind::List | OperationKind::ListReferences => {
            vec![case("list", CaseKind::Lifecycle, Step::List(Query::All))]
        }
        OperationKind::Action => invocations(plan),
        OperationKind::Delete => vec![case("delete", CaseKind::Lifecycle, Step::Delete)],
        OperationKind::AddReference => {
            // as written: a placeholder in its `@odata.id` is filled when the case runs
            let written = plan.case.examples.iter();
            let body = written
                .filter_map(|e| e.request.body.as_ref()?.as_object())
                .find(|b| b.get("@odata.id").is_some_and(Value::is_string))
                .cloned()
                .unwrap_or_else(|| first_example(plan));
            let step = Step::AddReference { body, list: None };
            vec![case("add", CaseKind::Lifecycle, step)]
        }
        OperationKind::RemoveReference => {
            let step = Step::RemoveReference { list: None };
            vec![case("remove", CaseKind::Lifecycle, step)]
        }
    })
}

fn example_cases(plan: &OperationPlan) -> Vec<PlannedCase> {
    let op = &plan.case.id;
    let mut cases = Vec::new();
    for (i, example) in plan.case.examples.iter().enumerate() {
        let Some(Value::Object(body)) = &example.request.body else {
            continue;
        };
        let id = format!("{op}/example-{}", i + 1);
        let mut sent = repaired(plan, body);
        if plan.neighbours.names_own_type {
            // a create into a collection of several types says which it makes (an example
            // naming another type, as the Add attachment page's itemAttachment under its
            // fileAttachment operation, had it dropped)
            sent = with_type(plan, sent);
        }
        cases.push(PlannedCase {
            id: id.clone(),
            kind: CaseKind::Example,
            step: Step::Exercise(sent),
        });
        // the contract decides, not the method page's table alone: a row its resource page
        // overrules (`String` here, `Boolean` there) makes no example invalid
        let breaks_contract = || {
            let written = Value::Object(body.clone());
            !plan.request_validator.is_valid(&written)
        };
        if example.request_contradicts_page() && breaks_contract() {
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

/// The documented invocations of an action: each example's parameters (repaired), or one
/// without parameters when the page documents none.
fn invocations(plan: &OperationPlan) -> Vec<PlannedCase> {
    let op = &plan.case.id;
    let sends_nothing = plan.case.request_body == crate::model::RequestBody::None;
    let mut cases: Vec<PlannedCase> = plan
        .case
        .examples
        .iter()
        .enumerate()
        .filter_map(|(i, example)| {
            let body = example.request.body.as_ref()?.as_object()?;
            let body = (!sends_nothing).then(|| repaired(plan, body));
            Some(PlannedCase {
                id: format!("{op}/example-{}", i + 1),
                kind: CaseKind::Example,
                step: Step::Invoke(body),
            })
        })
        .collect();
    if cases.is_empty() {
        let body = (!sends_nothing).then(Map::new);
        cases.push(PlannedCase {
            id: format!("{op}/invoke"),
            kind: CaseKind::Example,
            step: Step::Invoke(body),
        });
    }
    cases
}

/// Plans the query options of a list: `$top`, `$select`, `$filter` with `eq` and `$count`,
/// each held to its meaning where the page states support for it, and as a convention
/// where it is silent.
pub fn queries(plan: &OperationPlan) -> Vec<PlannedCase> {
    match plan.case.kind {
        OperationKind::List => {}
        OperationKind::Get
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Vec::new(),
    }
    let stated = |option: &str| plan.case.query_options.iter().any(|o| o == option);
    let options = [
        (
            "top",
            Query::Top {
                stated: stated("$top"),
            },
        ),
        (
            "select",
            Query::Select {
                stated: stated("$select"),
            },
        ),
        (
            "filter",
            Query::Filter {
                stated: stated("$filter"),
            },
        ),
        (
            "count",
            Query::Count {
                stated: stated("$count"),
            },
        ),
    ];
    options
        .into_iter()
        .map(|(name, query)| PlannedCase {
            id: format!("{}/query/{name}", plan.case.id),
            kind: CaseKind::Query,
            step: Step::List(query),
        })
        .collect()
}

/// Plans the steps that join the operations of one resource: after an update or a replace,
/// a read of the object through the resource's get; after a delete, a read that must find
/// nothing and a list that must not hold it; a `$ref` add and remove checked through the
/// `$ref` list of their navigation.
pub fn across(operations: &mut [super::plan::PlannedOperation], seed: u64) {
    let shape = |path: &str| PathTemplate::parse(path).shape();
    // a chain may hold a family of resources: each joins its own operations
    let find = |kind: OperationKind, wanted: &str, resource: &str| {
        operations
            .iter()
            .filter(|o| o.plan.case.resource == resource)
            .find(|o| o.plan.case.kind == kind && shape(&o.plan.case.path) == wanted)
            .map(|o| o.id().to_string())
    };
    let mut joined: Vec<(usize, Vec<PlannedCase>)> = Vec::new();
    let mut disposals: Vec<(usize, String)> = Vec::new();
    for (index, op) in operations.iter().enumerate() {
        let case = &op.plan.case;
        let (own, res) = (shape(&case.path), case.resource.as_str());
        let added = match case.kind {
            OperationKind::Update | OperationKind::Replace => find(OperationKind::Get, &own, res)
                .map(|get| PlannedCase {
                    id: format!("{}/read-back", case.id),
                    kind: CaseKind::Lifecycle,
                    step: Step::ReadBack {
                        write: written(&op.plan, seed),
                        get,
                    },
                })
                .into_iter()
                .collect(),
            OperationKind::Delete => {
                let get = find(OperationKind::Get, &own, res);
                let template = PathTemplate::parse(&case.path);
                let list = template
                    .collection()
                    .and_then(|c| find(OperationKind::List, &shape(c), res));
                vec![PlannedCase {
                    id: format!("{}/gone", case.id),
                    kind: CaseKind::Lifecycle,
                    step: Step::Gone { get, list },
                }]
            }
            OperationKind::Create => {
                let item = PathTemplate::parse(&case.path).child_item("id").shape();
                disposals.extend(find(OperationKind::Delete, &item, res).map(|d| (index, d)));
                Vec::new()
            }
            OperationKind::Get
            | OperationKind::List
            | OperationKind::Action
            | OperationKind::Function
            | OperationKind::AddReference
            | OperationKind::RemoveReference
            | OperationKind::ListReferences => Vec::new(),
        };
        joined.push((index, added));
    }
    for (index, delete) in disposals {
        operations[index].disposal = Some(delete);
    }
    for (index, added) in joined {
        // right after the generated payloads: the last write is then one of them, which an
        // ignored write cannot have matched by chance (boundaries repeat across writes)
        let after = &mut operations[index].after;
        after.splice(0..0, added);
    }
    // a navigation's `$ref` operations share a chain whatever resource their pages name
    let lists: Vec<(String, String)> = operations
        .iter()
        .filter(|o| o.plan.case.kind == OperationKind::ListReferences)
        .map(|o| (shape(&o.plan.case.path), o.id().to_string()))
        .collect();
    for op in operations.iter_mut() {
        let navigation = reference_list_shape(&op.plan.case.path, op.plan.case.kind);
        let list = navigation.and_then(|n| {
            lists
                .iter()
                .find(|(s, _)| *s == n)
                .map(|(_, id)| id.clone())
        });
        for case in &mut op.before {
            match &mut case.step {
                Step::AddReference { list: slot, .. } | Step::RemoveReference { list: slot } => {
                    slot.clone_from(&list);
                }
                _ => {}
            }
        }
    }
}

/// The body a read back writes first: the page's first example (repaired), else a value
/// for every generated property, drawn from the run's seed.
fn written(plan: &OperationPlan, seed: u64) -> Map<String, Value> {
    let example = first_example(plan);
    if example.keys().any(|k| !k.starts_with('@')) {
        return example;
    }
    let mut runner = super::runner::seeded_runner(seed, &format!("{}/read-back", plan.case.id));
    plan.model
        .generated_fields()
        .filter_map(|f| {
            let tree = value_strategy(&f.kind).new_tree(&mut runner).ok()?;
            Some((f.name.clone(), tree.current()))
        })
        .collect()
}

/// The shape of the `$ref` list a reference operation's navigation has: an add posts to it
/// (`/a/{}/owners/$ref`), a list reads it; a remove deletes `/a/{}/owners/{}/$ref`.
pub(super) fn reference_list_shape(path: &str, kind: OperationKind) -> Option<String> {
    let shape = PathTemplate::parse(path).shape();
    match kind {
        OperationKind::AddReference | OperationKind::ListReferences => Some(shape),
        OperationKind::RemoveReference => {
            let navigation = shape.strip_suffix("/{}/$ref")?;
            Some(format!("{navigation}/$ref"))
        }
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Create
        | OperationKind::Update
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function => None,
    }
}

/// Plans the lifecycle steps: an update is sent two PATCHes of disjoint halves of its
/// generated properties (the second must keep what the first set); a create has none yet.
pub fn lifecycle(plan: &OperationPlan, seed: u64) -> Result<Vec<PlannedCase>, NotRun> {
    match plan.case.kind {
        OperationKind::Update => Ok(merge_case(plan, seed).into_iter().collect()),
        OperationKind::Create
        | OperationKind::Get
        | OperationKind::List
        | OperationKind::Replace
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Ok(Vec::new()),
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

/// Says how many generated valid payloads an operation is sent (`--cases`): the writes and
/// the actions with parameters; none for the rest, which send no body to generate.
pub fn valid(plan: &OperationPlan, cases: u32) -> Result<u32, NotRun> {
    match plan.case.kind {
        OperationKind::Create | OperationKind::Update | OperationKind::Replace => Ok(cases),
        OperationKind::Action if plan.case.parameters_schema.is_some() => Ok(cases),
        OperationKind::Action
        | OperationKind::Get
        | OperationKind::List
        | OperationKind::Delete
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => Ok(0),
    }
}

/// Plans the boundary payloads: an edge of the core must succeed, an edge no page states
/// may be rejected (see [`Acceptance`]). A create says its type in each; a create into a
/// collection of one type also sends its first example without `@odata.type`.
pub fn boundaries(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    let typed = match plan.case.kind {
        OperationKind::Create => true,
        OperationKind::Update | OperationKind::Replace => false,
        OperationKind::Get
        | OperationKind::List
        | OperationKind::Delete
        | OperationKind::Action
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Ok(Vec::new()),
    };
    let op = &plan.case.id;
    let boundary = |name: &str, body, acceptance| PlannedCase {
        id: format!("{op}/boundary/{name}"),
        kind: CaseKind::Boundary,
        step: Step::Boundary(body, acceptance),
    };
    let mut cases: Vec<PlannedCase> = boundary_payloads(&plan.model)
        .into_iter()
        .map(|payload| {
            let (name, acceptance) = (payload.name.clone(), payload.acceptance);
            boundary(&name, BoundaryBody::Edge { payload, typed }, acceptance)
        })
        .collect();
    if typed && plan.sends_untyped_creates() {
        let mut untyped = first_example(plan);
        untyped.remove("@odata.type");
        let body = BoundaryBody::Given(untyped);
        cases.push(boundary(UNTYPED, body, Acceptance::Required));
    }
    Ok(cases)
}

/// Plans the Graph-wide conventions no page states: no token gets 401, an unknown id gets
/// 404 (an operation on one object), an unknown property gets a 4xx.
pub fn conventions(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    let item = plan.case.path.ends_with('}')
        && PathTemplate::parse(&plan.case.path)
            .last_placeholder()
            .is_some();
    // (an unknown id gets 404; an unknown property 400)
    let (addressed, sends_object) = match plan.case.kind {
        OperationKind::Create => (false, true),
        OperationKind::Update => (item, true),
        // an upsert creates what an unknown id addresses
        OperationKind::Replace => {
            let upserts = plan.case.kind.creates_when_absent(plan.case.status.code);
            (item && !upserts, true)
        }
        OperationKind::Get | OperationKind::Delete => (item, false),
        // an action's parameter table is its whole contract: a parameter it does not list is
        // invalid (see [`invalid`]), not a convention
        OperationKind::Action => (false, false),
        OperationKind::List
        | OperationKind::Function
        | OperationKind::AddReference
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => (false, false),
    };
    let op = &plan.case.id;
    let body = sends_object.then(|| Value::Object(first_example(plan)).to_string());
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
                what: "a request to an unknown id",
                expected: "404",
                accepts: |status| status == 404,
                target: ConventionTarget::UnknownId,
                body,
                authorized: true,
            },
        ));
    }
    if !sends_object {
        return Ok(cases);
    }
    cases.push(convention(
        "unknown-property",
        Convention {
            check: Check::UnknownProperty,
            what: "a property the page does not list",
            expected: "400",
            accepts: |status| (400..500).contains(&status),
            target: ConventionTarget::Operation,
            body: Some(serde_json::json!({ "graphConformanceUnknownProperty": "x" }).to_string()),
            authorized: true,
        },
    ));
    Ok(cases)
}

/// Plans the payloads the page's contract forbids: each must get a 4xx.
pub fn invalid(plan: &OperationPlan) -> Result<Vec<PlannedCase>, NotRun> {
    match plan.case.kind {
        OperationKind::Create | OperationKind::Update | OperationKind::Replace => {}
        OperationKind::Action if plan.case.parameters_schema.is_some() => {}
        OperationKind::AddReference => return Ok(vec![not_a_reference(plan)]),
        OperationKind::Action
        | OperationKind::Get
        | OperationKind::List
        | OperationKind::Delete
        | OperationKind::Function
        | OperationKind::RemoveReference
        | OperationKind::ListReferences => return Ok(Vec::new()),
    }
    let table = Some(plan.case.source.spans.property_table.to_string());
    let mut cases: Vec<PlannedCase> = invalid_payloads(&plan.model, &plan.neighbours, table)
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
    if plan.case.kind == OperationKind::Action {
        cases.push(unknown_parameter(plan));
    }
    Ok(cases)
}

/// An action's documented parameters with one its table does not list.
fn unknown_parameter(plan: &OperationPlan) -> PlannedCase {
    let mut body = first_example(plan);
    body.insert(
        "graphConformanceUnknownParameter".to_string(),
        Value::from("x"),
    );
    PlannedCase {
        id: format!("{}/invalid/unknown-parameter", plan.case.id),
        kind: CaseKind::Invalid,
        step: Step::Reject {
            body: Value::Object(body).to_string(),
            what: "a parameter the table does not list".to_string(),
            key: "unknown-parameter".to_string(),
            rule: Some(plan.case.source.spans.property_table.clone()),
        },
    }
}

/// The `$ref` body without `@odata.id`: the page states the body is a reference.
fn not_a_reference(plan: &OperationPlan) -> PlannedCase {
    PlannedCase {
        id: format!("{}/invalid/no-odata-id", plan.case.id),
        kind: CaseKind::Invalid,
        step: Step::Reject {
            body: "{}".to_string(),
            what: "a $ref body without @odata.id".to_string(),
            key: "@odata.id".to_string(),
            rule: Some(plan.case.source.spans.request_line.clone()),
        },
    }
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
    body.map(|b| repaired(plan, b)).unwrap_or_default()
}

/// Repairs a documented example as [`repair`] does, then holds it to the operation's request
/// schema, the rule the server applies: a property it still breaks (a Guid that is no
/// Guid, a format the field's kind does not read) takes a generated value, or is dropped.
fn repaired(plan: &OperationPlan, body: &Map<String, Value>) -> Map<String, Value> {
    let mut out = repair(&plan.model, body);
    let instance = Value::Object(out.clone());
    let broken: BTreeSet<String> = plan
        .request_validator
        .iter_errors(&instance)
        .filter_map(|e| crate::schema::top_level_property(e.instance_path().as_str()))
        .collect();
    for name in broken {
        let generated = plan
            .model
            .field(&name)
            .and_then(|f| generated_value(&f.kind));
        match generated {
            Some(value) => out.insert(name, value),
            None => out.remove(&name),
        };
    }
    out
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
    generated_value(kind)
}

/// Returns a valid value of `kind`, the same on every call; `None` for a kind never
/// generated.
fn generated_value(kind: &FieldKind) -> Option<Value> {
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
