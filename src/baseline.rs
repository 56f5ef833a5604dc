//! Nightly regression: a run compared with an earlier one (the baseline) and with a file of
//! accepted failures, so that only what changed, or what nobody accepted, fails the build.
//!
//! A failure is keyed on (operation, check code, case id): with the same seed the same case
//! id is the same payload, so the same failure matches across runs.

use crate::case_pattern::matches_pattern;
use crate::checks::Check;
use crate::failure::{AcceptedFailure, BaselineDiff, Failure, FailureKey, HistoryRun};
use crate::results::{RunResults, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How many earlier runs a results file remembers, for flakiness.
pub const HISTORY_RUNS: usize = 10;

/// One entry of an accepted-failures file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    /// Operation id; absent matches every operation.
    #[serde(default)]
    pub operation: Option<String>,
    /// Check code; absent matches every check.
    #[serde(default)]
    pub check: Option<Check>,
    /// Case id or pattern (`*`, `?`); absent matches every case.
    #[serde(default)]
    pub case: Option<String>,
    pub reason: String,
    /// The last day (YYYY-MM-DD) the acceptance holds.
    pub expires: String,
}

impl Acceptance {
    fn matches(&self, key: &FailureKey) -> bool {
        self.operation.as_ref().is_none_or(|o| *o == key.operation)
            && self.check.is_none_or(|c| c == key.check)
            && self.case.as_ref().is_none_or(|p| {
                if p.contains(['*', '?']) {
                    matches_pattern(p, &key.case)
                } else {
                    *p == key.case
                }
            })
    }

    /// Tells whether the entry names no operation, no check and no case but wildcards: it
    /// would accept every failure.
    fn accepts_everything(&self) -> bool {
        self.operation.is_none()
            && self.check.is_none()
            && self.case.as_deref().is_none_or(|p| {
                p.is_empty() || p.contains('*') && p.chars().all(|c| matches!(c, '*' | '?'))
            })
    }

    fn expired(&self, today: &str) -> bool {
        today > self.expires.as_str()
    }
}

/// The file of accepted failures (`[[accept]]` entries in TOML, or `{"accept": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptFile {
    #[serde(default)]
    pub accept: Vec<Acceptance>,
}

/// Why a baseline or acceptance file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read {path}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a results.json file")]
    NotResults {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{path} has results format version {found}; this graph-conformance reads version {supported} (re-run, or render it with the version that wrote it)"
    )]
    UnsupportedVersion {
        path: String,
        found: u64,
        supported: u32,
    },
    #[error(
        "{path} is not an accepted-failures file (TOML [[accept]] or JSON {{\"accept\": [...]}})"
    )]
    NotAcceptFile {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{path}: entry {index} expires {expires:?}, not a YYYY-MM-DD date")]
    BadDate {
        path: String,
        index: usize,
        expires: String,
    },
    #[error(
        "{path}: entry {index} has no operation, no check and no case (or only wildcards), so it would accept every failure; expected at least one of operation, check or case to say what it accepts"
    )]
    AcceptsEverything { path: String, index: usize },
}

/// The version a results file declares, read on its own (whatever else the file holds).
#[derive(Deserialize)]
struct Version {
    schema_version: Option<u64>,
}

/// Reads a results.json to compare with, render or replay. A file of another format version
/// is refused: its fields may mean something else.
pub fn load_results(path: &Path) -> Result<RunResults, BaselineError> {
    let shown = path.display().to_string();
    let open = || {
        std::fs::File::open(path)
            .map(|file| std::io::BufReader::with_capacity(256 * 1024, file))
            .map_err(|source| BaselineError::Unreadable {
                path: shown.clone(),
                source,
            })
    };
    let parsed: Result<RunResults, _> = serde_json::from_reader(open()?);
    let version = match &parsed {
        Ok(results) => Some(u64::from(results.schema_version)),
        Err(_) => serde_json::from_reader::<_, Version>(open()?)
            .ok()
            .and_then(|v| v.schema_version),
    };
    match version {
        Some(found) if found != u64::from(SCHEMA_VERSION) => {
            Err(BaselineError::UnsupportedVersion {
                path: shown,
                found,
                supported: SCHEMA_VERSION,
            })
        }
        _ => parsed.map_err(|source| BaselineError::NotResults {
            path: shown,
            source,
        }),
    }
}

/// Reads an accepted-failures file, TOML or JSON. Every entry must say what it accepts.
pub fn load_accept_file(path: &Path) -> Result<AcceptFile, BaselineError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Unreadable {
        path: shown.clone(),
        source,
    })?;
    let parsed: AcceptFile = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| Box::new(e) as Box<_>)
    } else {
        toml::from_str(&text).map_err(|e| Box::new(e) as Box<_>)
    }
    .map_err(|source| BaselineError::NotAcceptFile {
        path: shown.clone(),
        source,
    })?;
    for (index, entry) in parsed.accept.iter().enumerate() {
        if !is_date(&entry.expires) {
            return Err(BaselineError::BadDate {
                path: shown,
                index: index + 1,
                expires: entry.expires.clone(),
            });
        }
        if entry.accepts_everything() {
            return Err(BaselineError::AcceptsEverything {
                path: shown,
                index: index + 1,
            });
        }
    }
    Ok(parsed)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Returns the failures of a run: every error finding of a failed case.
pub fn failures(results: &RunResults) -> BTreeMap<FailureKey, String> {
    results.cases.tally().failures.clone()
}

/// Compares `current` with `baseline`; flakiness is read from the remembered history.
pub fn diff(current: &RunResults, baseline: &RunResults) -> BaselineDiff {
    let now = failures(current);
    let before = failures(baseline);
    let history = history_for(baseline);
    let flaky = |key: &FailureKey| {
        let seen = history
            .iter()
            .filter(|run| run.failing.contains(key))
            .count();
        seen > 0 && seen < history.len()
    };
    let failure = |key: &FailureKey, message: &String| Failure {
        key: key.clone(),
        message: message.clone(),
        flaky: flaky(key),
    };
    BaselineDiff {
        baseline_started: baseline.run.started.clone(),
        new: now
            .iter()
            .filter(|(k, _)| !before.contains_key(*k))
            .map(|(k, m)| failure(k, m))
            .collect(),
        still_failing: now
            .iter()
            .filter(|(k, _)| before.contains_key(*k))
            .map(|(k, m)| failure(k, m))
            .collect(),
        fixed: before
            .iter()
            .filter(|(k, _)| !now.contains_key(*k))
            .map(|(k, m)| failure(k, m))
            .collect(),
    }
}

/// Returns the history a run carries forward: the baseline's own failures, then what it
/// remembered, at most [`HISTORY_RUNS`] runs.
pub fn history_for(baseline: &RunResults) -> Vec<HistoryRun> {
    let own = HistoryRun {
        started: baseline.run.started.clone(),
        failing: failures(baseline).into_keys().collect(),
    };
    std::iter::once(own)
        .chain(baseline.history.iter().cloned())
        .take(HISTORY_RUNS)
        .collect()
}

/// Matches the run's failures with the accepted ones, as of `today` (YYYY-MM-DD).
pub fn accepted(results: &RunResults, file: &AcceptFile, today: &str) -> Vec<AcceptedFailure> {
    failures(results)
        .into_keys()
        .filter_map(|key| {
            let entry = file.accept.iter().find(|a| a.matches(&key))?;
            Some(AcceptedFailure {
                expired: entry.expired(today),
                reason: entry.reason.clone(),
                expires: entry.expires.clone(),
                key,
            })
        })
        .collect()
}

/// Which failures fail the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// With a baseline, only failures that are new (or whose acceptance expired).
    New,
    /// Every failure that is not accepted.
    All,
}

/// Returns the failures that fail the build: with a baseline and `FailOn::New`, the new
/// ones; otherwise all; minus those accepted and not expired.
pub fn blocking(results: &RunResults, fail_on: FailOn) -> Vec<FailureKey> {
    let accepted: BTreeSet<&FailureKey> = results
        .accepted
        .iter()
        .filter(|a| !a.expired)
        .map(|a| &a.key)
        .collect();
    let candidates: Vec<FailureKey> = match (&results.baseline, fail_on) {
        (Some(diff), FailOn::New) => {
            let expired = results
                .accepted
                .iter()
                .filter(|a| a.expired)
                .map(|a| a.key.clone());
            diff.new
                .iter()
                .map(|f| f.key.clone())
                .chain(expired)
                .collect()
        }
        _ => failures(results).into_keys().collect(),
    };
    let mut out: Vec<FailureKey> = candidates
        .into_iter()
        .filter(|k| !accepted.contains(k))
        .collect();
    out.sort();
    out.dedup();
    out
}
