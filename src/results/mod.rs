//! The record of a run (`results.json`): every case with its requests, responses and
//! findings, the root causes, and totals. It is the single source every report renders from.

use crate::checks::{Check, Finding};
use crate::diagnostic::Severity;
use crate::failure::{AcceptedFailure, BaselineDiff, HistoryRun};
use serde::{Deserialize, Serialize};

mod cases;
mod merge;

pub use cases::{CaseIter, CaseLine, CaseLines, Cases, CasesWriter, Tally};
pub use merge::MergeError;

/// The version of the `results.json` format; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// A request as sent, with secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A response as received, its body capped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), at most `body_cap` bytes of it.
    pub body: String,
    /// The size of the whole body received, in bytes.
    pub body_bytes: usize,
    /// The cap applied to `body`; `truncated` when the body was longer.
    pub body_cap: usize,
    pub truncated: bool,
    /// Headers left out of `headers` by the cap on their count.
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub headers_dropped: usize,
    /// Some header was left out, or its name or value cut, by the caps on headers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub headers_truncated: bool,
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

/// One request and what came back (a response, or the transport error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RecordedRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many times a throttling answer (429, 503) was retried before this one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
    /// The request was sent again, once, on a fresh connection: its pooled connection closed
    /// or was reset before any byte of the answer came.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reconnected: bool,
    pub duration_ms: f64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What a case exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// A documented example, replayed (repaired when it contradicts its page).
    Example,
    /// A documented example that contradicts its page, sent as written: it must be rejected.
    ExampleAsWritten,
    /// A generated valid payload.
    Valid,
    /// A valid payload at an edge of the core (sent on every run, whatever the seed).
    Boundary,
    /// Two PATCHes of disjoint subsets: echo and merge.
    Merge,
    /// A payload the page's contract forbids.
    Invalid,
    /// A Graph-wide convention no page states.
    Convention,
    /// A step of a resource's lifecycle: a read, a list, a read back after a write, a
    /// delete and what must be gone after it, a reference added or removed.
    Lifecycle,
    /// A list with a query option (`$top`, `$select`, `$filter`, `$count`).
    Query,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    /// Passed with warnings (conventions).
    Warned,
    Failed,
    Skipped,
}

/// How a failing generated payload was shrunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shrink {
    /// Requests sent while shrinking.
    pub steps: u32,
    /// The body first found failing, before shrinking.
    pub original_body: String,
}

/// One case of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub operation: String,
    pub kind: CaseKind,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_reason: Option<String>,
    pub exchanges: Vec<Exchange>,
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrink: Option<Shrink>,
    pub duration_ms: f64,
}

impl CaseResult {
    /// Returns the verdict that `findings` give a case that ran.
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        if findings.iter().any(Finding::is_error) {
            Verdict::Failed
        } else if findings.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Warned
        }
    }
}

/// One root cause: the findings of one check about one thing in one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCause {
    pub operation: String,
    pub check: Check,
    pub key: String,
    pub severity: Severity,
    pub convention: bool,
    pub message: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::checks::span_text"
    )]
    pub rule: Option<crate::model::Span>,
    /// The case that describes the root cause: its shortest occurrence (the shortest
    /// message; of equally short ones, the smallest case id). The name is kept from when
    /// it was the case with the smallest id.
    pub first_case: String,
    pub occurrences: u32,
}

/// Counts of cases and root causes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub cases: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    /// Root causes of error severity.
    pub errors: usize,
    /// Root causes of warning severity.
    pub warnings: usize,
    pub requests: usize,
}

/// The run's settings, as recorded (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub tool: String,
    pub version: String,
    pub seed: u64,
    pub base_url: String,
    /// `true` when the embedded reference mock served the run.
    pub embedded_mock: bool,
    /// The faults injected in the embedded mock (`--fault`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mock_faults: Vec<String>,
    pub started: String,
    pub duration_ms: f64,
    pub cases_per_operation: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
    pub strict: bool,
    /// The names of the `--id` overrides (the values are in the requests).
    pub ids: Vec<String>,
    pub token_sent: bool,
    /// `K/N` when this run is one partition of a split run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// The fingerprint of the suite that ran (see [`suite_fingerprint`]); empty in records
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suite: String,
    /// Cases the `--max-time` deadline left unstarted: counted, not recorded one by one.
    #[serde(default)]
    pub not_started: usize,
    /// Cases skipped because the server was still throttling (429, 503) when the retries
    /// were used up (each is also recorded, skipped, with the reason).
    #[serde(default)]
    pub throttled: usize,
    /// The operations none of whose cases were sent, each with the reason (absent from
    /// records written before operations were skipped whole).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_operations: Vec<SkippedOperation>,
}

/// An operation the run did not exercise, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedOperation {
    pub operation: String,
    pub reason: String,
}

/// Returns the fingerprint of a suite: a hash (FNV-1a, 64 bits) of its schema documents and
/// case files, so that runs of different suites can be told apart (`report merge`).
pub fn suite_fingerprint(suite: &crate::suite::Suite) -> String {
    let mut hash = crate::digest::Fnv1a::default();
    // Serializing values and case files cannot fail (no maps with non-string keys).
    let _ = serde_json::to_writer(&mut hash, &suite.schemas);
    let _ = serde_json::to_writer(&mut hash, &suite.cases);
    format!("fnv1a64:{:016x}", hash.0)
}

/// The whole record of a run. Its cases are on disk (see [`Cases`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub schema_version: u32,
    pub run: RunInfo,
    pub cases: Cases,
    pub findings: Vec<RootCause>,
    pub totals: Totals,
    /// This run against the baseline, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    /// The failures of earlier runs (newest first), carried from the baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryRun>,
    /// Failures covered by the accepted-failures file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<AcceptedFailure>,
}

impl RunResults {
    /// Builds the record from its cases: root causes and totals come from their tally.
    pub fn new(run: RunInfo, cases: Cases) -> RunResults {
        RunResults {
            schema_version: SCHEMA_VERSION,
            run,
            findings: cases.tally().root_causes(),
            totals: cases.tally().totals(),
            cases,
            baseline: None,
            history: Vec::new(),
            accepted: Vec::new(),
        }
    }

    /// Builds the record from cases held in memory (tests, examples).
    pub fn from_vec(run: RunInfo, cases: Vec<CaseResult>) -> std::io::Result<RunResults> {
        Ok(RunResults::new(run, Cases::from_vec(cases)?))
    }

    /// Joins the results of the partitions of one run (`--partition K/N`) into one record:
    /// every case once (partition by partition), root causes and totals recounted. The parts
    /// must be every partition of one split, each once, of runs with the same settings
    /// (version, suite, seed, cases per operation, `--only`, strictness, endpoint).
    pub fn merge(parts: Vec<RunResults>) -> Result<Option<RunResults>, MergeError> {
        let Some(first) = parts.first() else {
            return Ok(None);
        };
        merge::check_partitions(&parts)?;
        let mut run = first.run.clone();
        run.not_started = parts.iter().map(|p| p.run.not_started).sum();
        run.throttled = parts.iter().map(|p| p.run.throttled).sum();
        run.skipped_operations = merge::skipped_operations(&parts);
        let mut writer = CasesWriter::new().map_err(MergeError::Record)?;
        let mut seen = std::collections::HashMap::new();
        for part in &parts {
            let label = part.run.partition.clone().unwrap_or_default();
            run.started = run.started.min(part.run.started.clone());
            run.duration_ms = run.duration_ms.max(part.run.duration_ms);
            let read = |e| MergeError::Read {
                partition: label.clone(),
                source: e,
            };
            for case in part.cases.iter().map_err(read)? {
                let case = case.map_err(read)?;
                if let Some(earlier) = seen.insert(case.id.clone(), label.clone()) {
                    return Err(MergeError::CaseTwice {
                        case: case.id,
                        first: earlier,
                        second: label,
                    });
                }
                writer.push(&case);
            }
        }
        run.partition = None;
        let cases = writer.finish().map_err(MergeError::Record)?;
        Ok(Some(RunResults::new(run, cases)))
    }

    /// Returns the operations none of whose cases ran: those skipped whole (a kind not run
    /// yet, no value for a placeholder, a missing example object), and those every case of
    /// which was skipped (the deadline, throttling).
    pub fn skipped_operations(&self) -> Vec<&str> {
        let whole = self
            .run
            .skipped_operations
            .iter()
            .map(|s| s.operation.as_str());
        let every_case = self
            .cases
            .tally()
            .operations
            .iter()
            .filter(|(_, [passed, failed, warned, skipped])| {
                passed + failed + warned == 0 && *skipped > 0
            })
            .map(|(operation, _)| operation.as_str());
        let mut all: Vec<&str> = whole.chain(every_case).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Tells whether any check failed (the run's exit code is then 1).
    pub fn failed(&self) -> bool {
        self.totals.failed > 0
    }
}
