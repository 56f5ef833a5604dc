//! results.json: the record, with each failing case's reproduction added. Written as the cases
//! stream past: the run's settings first, then one case per line (compact JSON, so `grep` on a
//! case id finds the whole case), then the root causes, the totals and the baseline
//! comparison. Only one case is in memory at a time.

use super::repro::reproduction;
use crate::failure::{AcceptedFailure, BaselineDiff, HistoryRun};
use crate::results::{CaseLine, CaseResult, RootCause, RunInfo, RunResults, Totals, Verdict};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct Head<'a> {
    schema_version: u32,
    run: &'a RunInfo,
}

#[derive(Serialize)]
struct Tail<'a> {
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

/// Writes results.json to `out`, one case at a time, as [`Writer`] is fed.
pub struct Writer<W: Write> {
    out: W,
    cases: usize,
    results_file: PathBuf,
}

impl<W: Write> Writer<W> {
    /// Writes everything before the cases.
    pub fn start(
        results: &RunResults,
        results_file: &Path,
        mut out: W,
    ) -> std::io::Result<Writer<W>> {
        let head = Head {
            schema_version: results.schema_version,
            run: &results.run,
        };
        let text = serde_json::to_vec_pretty(&head)?;
        out.write_all(text.strip_suffix(b"\n}").unwrap_or(&text))?;
        out.write_all(b",\n  \"cases\": [")?;
        Ok(Writer {
            out,
            cases: 0,
            results_file: results_file.to_path_buf(),
        })
    }

    /// Writes one case, on a line of its own.
    pub fn case(&mut self, results: &RunResults, case: &CaseResult) -> std::io::Result<()> {
        let record = CaseRecord {
            case,
            reproduce: (case.verdict == Verdict::Failed)
                .then(|| reproduction(&results.run, case, &self.results_file)),
        };
        self.separate()?;
        serde_json::to_writer(&mut self.out, &record)?;
        Ok(())
    }

    /// Writes one case read back from the record: its line as written, unless it failed
    /// (a failed case also says how to reproduce it).
    pub fn case_line(&mut self, results: &RunResults, line: &CaseLine) -> std::io::Result<()> {
        if line.case.verdict == Verdict::Failed {
            return self.case(results, &line.case);
        }
        self.separate()?;
        self.out.write_all(line.json.as_bytes())
    }

    /// Starts the line of the next case.
    fn separate(&mut self) -> std::io::Result<()> {
        let separator: &[u8] = if self.cases == 0 {
            b"\n    "
        } else {
            b",\n    "
        };
        self.cases += 1;
        self.out.write_all(separator)
    }

    /// Writes everything after the cases and returns the output.
    pub fn finish(mut self, results: &RunResults) -> std::io::Result<W> {
        let close: &[u8] = if self.cases == 0 { b"]," } else { b"\n  ]," };
        self.out.write_all(close)?;
        let tail = Tail {
            findings: &results.findings,
            totals: &results.totals,
            baseline: results.baseline.as_ref(),
            history: &results.history,
            accepted: &results.accepted,
        };
        let text = serde_json::to_vec_pretty(&tail)?;
        self.out
            .write_all(text.strip_prefix(b"{").unwrap_or(&text))?;
        self.out.write_all(b"\n")?;
        Ok(self.out)
    }
}
