//! The cases of a run, kept on disk rather than in memory: each finished case is appended to
//! a temporary file as one line of JSON, and only a [`Tally`] (totals, root causes, failures,
//! per-operation counts) stays in memory. Memory therefore stays flat however many cases a
//! run has; reports read the cases back one at a time.
//!
//! The temporary file lives in the system's temporary directory (`TMPDIR`) and has no name
//! there: it is unlinked as soon as it is created, so even a killed run leaves nothing behind.
//! Each reader reads at its own offset (positioned reads), so several can read at once.

use super::{CaseResult, RootCause, Totals, Verdict};
use crate::checks::Check;
use crate::diagnostic::Severity;
use crate::failure::FailureKey;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::sync::Arc;

/// Counts of a set of cases, folded as each case is added; the order cases are added in does
/// not change it (a run split into partitions and merged has the same tally as a single run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases, verdicts and requests (root-cause counts are filled by [`Tally::totals`]).
    counts: Totals,
    /// One root cause per (operation, check, key), described by its shortest occurrence (the
    /// shortest message; of equally short ones, the case with the smallest id).
    causes: BTreeMap<(String, Check, String), RootCause>,
    /// Every error finding of a failed case, with its message (for the baseline comparison).
    pub failures: BTreeMap<FailureKey, String>,
    /// Per operation: passed, failed, warned, skipped.
    pub operations: BTreeMap<String, [usize; 4]>,
    /// The codes of every check that produced a finding.
    pub checks: BTreeSet<&'static str>,
}

impl Tally {
    fn add(&mut self, case: &CaseResult) {
        let slot = match case.verdict {
            Verdict::Passed => 0,
            Verdict::Failed => 1,
            Verdict::Warned => 2,
            Verdict::Skipped => 3,
        };
        self.counts.cases += 1;
        *[
            &mut self.counts.passed,
            &mut self.counts.failed,
            &mut self.counts.warned,
            &mut self.counts.skipped,
        ][slot] += 1;
        self.counts.requests += case.exchanges.len();
        self.operations.entry(case.operation.clone()).or_default()[slot] += 1;
        let mut seen_here = BTreeSet::new();
        for f in &case.findings {
            self.checks.insert(f.check.code());
            if case.verdict == Verdict::Failed && f.is_error() {
                let key = FailureKey {
                    operation: case.operation.clone(),
                    check: f.check,
                    case: case.id.clone(),
                };
                self.failures
                    .entry(key)
                    .or_insert_with(|| f.message.clone());
            }
            let key = (case.operation.clone(), f.check, f.key.clone());
            let first_here = seen_here.insert(key.clone());
            let cause = self.causes.entry(key).or_insert_with(|| RootCause {
                operation: case.operation.clone(),
                check: f.check,
                key: f.key.clone(),
                severity: f.severity,
                convention: f.convention,
                message: f.message.clone(),
                rule: f.rule.clone(),
                first_case: case.id.clone(),
                occurrences: 0,
            });
            cause.occurrences += 1;
            if first_here && describes_better(&f.message, &case.id, cause) {
                cause.severity = f.severity;
                cause.convention = f.convention;
                cause.message.clone_from(&f.message);
                cause.rule.clone_from(&f.rule);
                cause.first_case.clone_from(&case.id);
            }
        }
    }

    /// Returns the root causes, by operation, check and key: each with its check, operation,
    /// property (`key`), page rule (`rule`: page, line and column) and count (`occurrences`).
    pub fn root_causes(&self) -> Vec<RootCause> {
        self.causes.values().cloned().collect()
    }

    /// Returns the totals, root causes counted by severity.
    pub fn totals(&self) -> Totals {
        let count = |s: Severity| self.causes.values().filter(|c| c.severity == s).count();
        Totals {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            ..self.counts.clone()
        }
    }
}

/// Tells whether a finding with `message` in case `id` describes a root cause better than
/// the occurrence that describes it now: a shorter message does (a root cause reads best by
/// its smallest example, not a 4 KiB payload), and of equally long ones the smaller case id,
/// so the description does not depend on the order cases finish in.
fn describes_better(message: &str, id: &str, cause: &RootCause) -> bool {
    (message.len(), id) < (cause.message.len(), cause.first_case.as_str())
}

/// The cases of a run, on disk, and their tally. Cloning shares the file.
#[derive(Debug, Clone)]
pub struct Cases {
    file: Arc<File>,
    tally: Arc<Tally>,
}

/// Appends cases to a new [`Cases`] file.
#[derive(Debug)]
pub struct CasesWriter {
    out: BufWriter<File>,
    tally: Tally,
    line: Vec<u8>,
    error: Option<std::io::Error>,
}

impl CasesWriter {
    /// Creates the temporary file.
    pub fn new() -> std::io::Result<CasesWriter> {
        let out = BufWriter::with_capacity(256 * 1024, tempfile::tempfile()?);
        Ok(CasesWriter {
            out,
            tally: Tally::default(),
            line: Vec::new(),
            error: None,
        })
    }

    /// Appends a case. The first write error is kept and returned by [`CasesWriter::finish`]
    /// (a run does not stop mid-way because its record cannot be written).
    pub fn push(&mut self, case: &CaseResult) {
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        let written = serde_json::to_writer(&mut self.line, case)
            .map_err(std::io::Error::other)
            .and_then(|()| {
                self.line.push(b'\n');
                self.out.write_all(&self.line)
            });
        match written {
            Ok(()) => self.tally.add(case),
            Err(e) => self.error = Some(e),
        }
    }

    /// Flushes the file and returns the cases, or the first write error.
    pub fn finish(mut self) -> std::io::Result<Cases> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Cases {
            file: Arc::new(file),
            tally: Arc::new(self.tally),
        })
    }
}

impl Cases {
    /// Writes `cases` to a new file (for results built in memory: tests, examples).
    pub fn from_vec(cases: impl IntoIterator<Item = CaseResult>) -> std::io::Result<Cases> {
        let mut writer = CasesWriter::new()?;
        for case in cases {
            writer.push(&case);
        }
        writer.finish()
    }

    /// Returns how many cases there are.
    pub fn len(&self) -> usize {
        self.tally.counts.cases
    }

    /// Tells whether there is no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the tally of the cases.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Reads the cases back, in the order they were added, one at a time.
    pub fn iter(&self) -> std::io::Result<CaseIter> {
        Ok(CaseIter {
            lines: self.lines()?,
        })
    }

    /// Reads the cases back as [`iter`](Cases::iter) does, each with its line of JSON as
    /// written (a report may copy it instead of serializing the case again).
    pub fn lines(&self) -> std::io::Result<CaseLines> {
        let at = Positioned {
            file: Arc::clone(&self.file),
            offset: 0,
        };
        Ok(CaseLines {
            lines: BufReader::with_capacity(256 * 1024, at),
        })
    }

    /// Reads every case into memory (for small sets: tests, one replayed case).
    pub fn to_vec(&self) -> std::io::Result<Vec<CaseResult>> {
        self.iter()?.collect()
    }

    /// Returns the case with id `id`.
    pub fn find(&self, id: &str) -> std::io::Result<Option<CaseResult>> {
        for case in self.iter()? {
            let case = case?;
            if case.id == id {
                return Ok(Some(case));
            }
        }
        Ok(None)
    }
}

/// The cases of a [`Cases`] file, read one line at a time.
#[derive(Debug)]
pub struct CaseIter {
    lines: CaseLines,
}

/// The cases of a [`Cases`] file with their lines of JSON (no line end), one at a time.
#[derive(Debug)]
pub struct CaseLines {
    lines: BufReader<Positioned>,
}

/// One case as read back, and its line of JSON.
#[derive(Debug)]
pub struct CaseLine {
    pub json: String,
    pub case: CaseResult,
}

/// Reads a shared file from an offset of its own (the file's cursor is never moved).
#[derive(Debug)]
struct Positioned {
    file: Arc<File>,
    offset: u64,
}

impl Read for Positioned {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.offset)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl Iterator for CaseIter {
    type Item = std::io::Result<CaseResult>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.lines.next()?.map(|line| line.case))
    }
}

impl Iterator for CaseLines {
    type Item = std::io::Result<CaseLine>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut json = String::new();
        match self.lines.read_line(&mut json) {
            Ok(0) => None,
            Ok(_) => {
                if json.ends_with('\n') {
                    json.pop();
                }
                let case = serde_json::from_str(&json).map_err(std::io::Error::other);
                Some(case.map(|case| CaseLine { json, case }))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl PartialEq for Cases {
    /// Two sets of cases are equal when they hold the same cases in the same order.
    fn eq(&self, other: &Cases) -> bool {
        if self.tally != other.tally {
            return false;
        }
        match (self.iter(), other.iter()) {
            (Ok(a), Ok(b)) => a
                .zip(b)
                .all(|(a, b)| matches!((a, b), (Ok(a), Ok(b)) if a == b)),
            _ => false,
        }
    }
}

impl Serialize for Cases {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for case in self.iter().map_err(S::Error::custom)? {
            seq.serialize_element(&case.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Cases {
    /// Reads a JSON array of cases straight to a new file, one case in memory at a time.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cases, D::Error> {
        deserializer.deserialize_seq(CasesVisitor)
    }
}

struct CasesVisitor;

impl<'de> Visitor<'de> for CasesVisitor {
    type Value = Cases;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of cases")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cases, A::Error> {
        use serde::de::Error;
        let mut writer = CasesWriter::new().map_err(A::Error::custom)?;
        while let Some(case) = seq.next_element::<CaseResult>()? {
            writer.push(&case);
        }
        writer.finish().map_err(A::Error::custom)
    }
}
