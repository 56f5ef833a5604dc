//! report.html: one self-contained page (no external assets, works offline): totals, the
//! baseline comparison, root causes, and per operation the cases that did not simply pass
//! (the first [`CASES_SHOWN`] of each, the rest counted and left to results.json), expandable
//! to their request, response and reproduction, filtered by check and severity.
//! minijinja renders it with HTML auto-escaping on: whatever a server answered is text.
//! Long values never widen the page: every cell wraps anywhere, and a value longer than
//! [`VALUE_SHOWN`] characters is shown shortened, the whole of it one click away.

use super::ReportError;
use super::junit::exchange_text;
use super::repro::reproduction;
use crate::results::{CaseResult, RunResults, Verdict};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, HtmlEscape, Value, context};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("report.html.j2");

/// The most cases that did not simply pass listed per operation: a page of a run where every
/// case failed would otherwise grow with the run (results.json has every case).
pub const CASES_SHOWN: usize = 200;

/// The most characters of a message or value shown before "show all".
pub const VALUE_SHOWN: usize = 240;

#[derive(Serialize)]
struct OperationView<'a> {
    id: &'a str,
    passed: usize,
    failed: usize,
    warned: usize,
    skipped: usize,
    /// The first cases that did not simply pass.
    cases: &'a [CaseView],
    /// How many more did not simply pass.
    more: usize,
}

#[derive(Serialize)]
struct CaseView {
    id: String,
    kind: crate::results::CaseKind,
    verdict: Verdict,
    skipped_reason: Option<String>,
    findings: Vec<FindingView>,
    checks: Vec<&'static str>,
    severities: Vec<&'static str>,
    exchanges: String,
    reproduce: Vec<String>,
}

/// A finding as the page shows it: its severity, and its one rendering (`Display`).
#[derive(Serialize)]
struct FindingView {
    severity: &'static str,
    shown: String,
}

/// Builds report.html as the cases stream past, keeping only the cases it lists.
pub struct Builder {
    listed: BTreeMap<String, Vec<CaseView>>,
    /// The results.json the reproductions replay from.
    results_file: PathBuf,
}

impl Builder {
    /// Starts a page whose reproductions replay from `results_file`.
    pub fn new(results_file: &Path) -> Builder {
        Builder {
            listed: BTreeMap::new(),
            results_file: results_file.to_path_buf(),
        }
    }

    /// Keeps `case` when it did not simply pass and its operation has room.
    pub fn case(&mut self, results: &RunResults, case: &CaseResult) {
        if case.verdict == Verdict::Passed {
            return;
        }
        let listed = self.listed.entry(case.operation.clone()).or_default();
        if listed.len() < CASES_SHOWN {
            listed.push(case_view(results, case, &self.results_file));
        }
    }

    /// Renders report.html.
    pub fn finish(self, results: &RunResults) -> Result<String, ReportError> {
        render(results, &self.listed)
    }
}

fn render(
    results: &RunResults,
    listed: &BTreeMap<String, Vec<CaseView>>,
) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_filter("value", value);
    env.add_template("report.html", TEMPLATE).map_err(fail)?;
    let template = env.get_template("report.html").map_err(fail)?;
    let checks = &results.cases.tally().checks;
    let accepted: Vec<_> = results
        .accepted
        .iter()
        .map(|a| context! { case => &a.key.case, check => a.key.check.code(), reason => &a.reason, expires => &a.expires, expired => a.expired })
        .collect();
    let baseline = results.baseline.as_ref().map(|d| {
        let rows = |list: &[crate::failure::Failure]| {
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
            findings => Value::from(Serde(&super::root_causes(results))),
            checks => Value::from(Serde(&checks)),
            baseline => baseline,
            accepted => accepted,
            operations => Value::from(Serde(&operations(results, listed))),
        })
        .map_err(fail)
}

/// Shows a message or value, escaped: whole when short, otherwise its first
/// [`VALUE_SHOWN`] characters with the whole of it in a `<details>` one click away.
fn value(text: String) -> Value {
    let shown = super::shorten(&text, VALUE_SHOWN);
    if shown.len() == text.len() {
        return Value::from_safe_string(HtmlEscape(&text).to_string());
    }
    Value::from_safe_string(format!(
        "{}<details class=\"full\"><summary>show all {} characters</summary>{}</details>",
        HtmlEscape(&shown),
        text.chars().count(),
        HtmlEscape(&text)
    ))
}

fn fail(error: minijinja::Error) -> ReportError {
    ReportError::Template(error)
}

fn operations<'a>(
    results: &'a RunResults,
    listed: &'a BTreeMap<String, Vec<CaseView>>,
) -> Vec<OperationView<'a>> {
    let tally = results.cases.tally();
    tally
        .operations
        .iter()
        .map(|(id, &[passed, failed, warned, skipped])| {
            let cases = listed.get(id).map_or(&[][..], Vec::as_slice);
            OperationView {
                id,
                passed,
                failed,
                warned,
                skipped,
                cases,
                more: (failed + warned + skipped).saturating_sub(cases.len()),
            }
        })
        .collect()
}

fn case_view(results: &RunResults, case: &CaseResult, results_file: &Path) -> CaseView {
    CaseView {
        id: case.id.clone(),
        kind: case.kind,
        verdict: case.verdict,
        skipped_reason: case.skipped_reason.clone(),
        findings: case
            .findings
            .iter()
            .map(|f| FindingView {
                severity: f.severity.as_str(),
                shown: f.to_string(),
            })
            .collect(),
        checks: case.findings.iter().map(|f| f.check.code()).collect(),
        severities: case.findings.iter().map(|f| f.severity.as_str()).collect(),
        exchanges: case.exchanges.iter().map(exchange_text).collect(),
        reproduce: if case.verdict == Verdict::Failed {
            reproduction(&results.run, case, results_file)
        } else {
            Vec::new()
        },
    }
}
