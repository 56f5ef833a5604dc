//! results.json: the record, with each failing case's reproduction added. Serialized
//! straight from the results (no intermediate JSON tree), so memory stays near the size of
//! the text.

use super::repro::reproduction;
use crate::baseline::{AcceptedFailure, BaselineDiff, HistoryRun};
use crate::results::{CaseResult, RootCause, RunInfo, RunResults, Totals, Verdict};
use serde::Serialize;

#[derive(Serialize)]
struct Record<'a> {
    schema_version: u32,
    run: &'a RunInfo,
    cases: Vec<CaseRecord<'a>>,
    findings: &'a [RootCause],
    totals: &'a Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineDiff>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    history: &'a [HistoryRun],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    accepted: &'a [AcceptedFailure],
}

#[derive(Serialize)]
struct CaseRecord<'a> {
    #[serde(flatten)]
    case: &'a CaseResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    reproduce: Option<Vec<String>>,
}

/// Renders results.json (2-space indentation, trailing newline).
pub fn render(results: &RunResults) -> String {
    let record = Record {
        schema_version: results.schema_version,
        run: &results.run,
        cases: results
            .cases
            .iter()
            .map(|case| CaseRecord {
                case,
                reproduce: (case.verdict == Verdict::Failed)
                    .then(|| reproduction(&results.run, case)),
            })
            .collect(),
        findings: &results.findings,
        totals: &results.totals,
        baseline: results.baseline.as_ref(),
        history: &results.history,
        accepted: &results.accepted,
    };
    let mut text = serde_json::to_string_pretty(&record).expect("results serialize");
    text.push('\n');
    text
}
