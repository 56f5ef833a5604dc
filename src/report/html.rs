//! report.html: one self-contained page (no external assets, works offline): totals, the
//! baseline comparison, root causes, and per operation every case that did not simply pass,
//! expandable to its request, response and reproduction, filtered by check and severity.
//! minijinja renders it with HTML auto-escaping on: whatever a server answered is text.

use super::ReportError;
use super::junit::exchange_text;
use super::repro::reproduction;
use crate::results::{CaseResult, RunResults, Verdict};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value, context};
use serde::Serialize;
use std::collections::BTreeSet;

const TEMPLATE: &str = include_str!("report.html.j2");

#[derive(Serialize)]
struct OperationView<'a> {
    id: &'a str,
    passed: usize,
    failed: usize,
    warned: usize,
    skipped: usize,
    /// The cases that did not simply pass.
    cases: Vec<CaseView<'a>>,
}

#[derive(Serialize)]
struct CaseView<'a> {
    id: &'a str,
    kind: &'a crate::results::CaseKind,
    verdict: &'a Verdict,
    skipped_reason: Option<&'a str>,
    findings: &'a [crate::checks::Finding],
    checks: Vec<&'static str>,
    severities: Vec<&'static str>,
    exchanges: String,
    reproduce: Vec<String>,
}

/// Renders report.html.
pub fn render(results: &RunResults) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| fail(&e))?;
    let template = env.get_template("report.html").map_err(|e| fail(&e))?;
    let checks: BTreeSet<&str> = results
        .cases
        .iter()
        .flat_map(|c| c.findings.iter().map(|f| f.check.code()))
        .collect();
    let accepted: Vec<_> = results
        .accepted
        .iter()
        .map(|a| context! { case => &a.key.case, check => a.key.check.code(), reason => &a.reason, expires => &a.expires, expired => a.expired })
        .collect();
    let baseline = results.baseline.as_ref().map(|d| {
        let rows = |list: &[crate::baseline::Failure]| {
            list.iter()
                .map(|f| context! { case => &f.key.case, check => f.key.check.code(), message => &f.message, flaky => f.flaky })
                .collect::<Vec<_>>()
        };
        context! { baseline_started => &d.baseline_started, new => rows(&d.new), still_failing => rows(&d.still_failing), fixed => rows(&d.fixed) }
    });
    template
        .render(context! {
            run => Value::from(Serde(&results.run)),
            totals => Value::from(Serde(&results.totals)),
            duration => format!("{:.2}s", results.run.duration_ms / 1000.0),
            findings => Value::from(Serde(&errors_first(results))),
            checks => Value::from(Serde(&checks)),
            baseline => baseline,
            accepted => accepted,
            operations => Value::from(Serde(&operations(results))),
        })
        .map_err(|e| fail(&e))
}

/// Orders root causes errors first, then by operation and check.
fn errors_first(results: &RunResults) -> Vec<&crate::results::RootCause> {
    let mut causes: Vec<_> = results.findings.iter().collect();
    causes.sort_by_key(|c| (c.severity, &c.operation, c.check, &c.key));
    causes
}

fn fail(error: &minijinja::Error) -> ReportError {
    ReportError::Render {
        file: "report.html",
        message: error.to_string(),
    }
}

fn operations(results: &RunResults) -> Vec<OperationView<'_>> {
    let by_operation = super::by_operation(results);
    by_operation
        .into_iter()
        .map(|(id, cases)| {
            let count = |v: Verdict| cases.iter().filter(|c| c.verdict == v).count();
            OperationView {
                id,
                passed: count(Verdict::Passed),
                failed: count(Verdict::Failed),
                warned: count(Verdict::Warned),
                skipped: count(Verdict::Skipped),
                cases: cases
                    .iter()
                    .filter(|c| c.verdict != Verdict::Passed)
                    .map(|c| case_view(results, c))
                    .collect(),
            }
        })
        .collect()
}

fn case_view<'a>(results: &'a RunResults, case: &'a CaseResult) -> CaseView<'a> {
    CaseView {
        id: &case.id,
        kind: &case.kind,
        verdict: &case.verdict,
        skipped_reason: case.skipped_reason.as_deref(),
        findings: &case.findings,
        checks: case.findings.iter().map(|f| f.check.code()).collect(),
        severities: case.findings.iter().map(|f| f.severity.as_str()).collect(),
        exchanges: case.exchanges.iter().map(exchange_text).collect(),
        reproduce: if case.verdict == Verdict::Failed {
            reproduction(&results.run, case)
        } else {
            Vec::new()
        },
    }
}
