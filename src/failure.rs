//! A failure as the run record remembers it across runs: its key (operation, check, case
//! id), the earlier runs it failed in, and how it stands against a baseline and the accepted
//! failures. The record (`results`) holds these; `baseline` computes them, so both read this
//! module and neither reads the other's.
//!
//! With the same seed the same case id is the same payload, so the same failure matches
//! across runs.

use crate::checks::Check;
use serde::{Deserialize, Serialize};

/// One failure, as it is matched across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FailureKey {
    pub operation: String,
    pub check: Check,
    pub case: String,
}

impl std::fmt::Display for FailureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.case, self.check)
    }
}

/// A failure with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    #[serde(flatten)]
    pub key: FailureKey,
    pub message: String,
    /// It failed in some of the remembered runs and passed in others.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
}

/// The failures of one earlier run, remembered in later results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRun {
    pub started: String,
    pub failing: Vec<FailureKey>,
}

/// This run against its baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineDiff {
    /// When the baseline run started.
    pub baseline_started: String,
    pub new: Vec<Failure>,
    pub still_failing: Vec<Failure>,
    pub fixed: Vec<Failure>,
}

/// A failure that an acceptance covers, and whether the acceptance still holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedFailure {
    #[serde(flatten)]
    pub key: FailureKey,
    pub reason: String,
    pub expires: String,
    pub expired: bool,
}
