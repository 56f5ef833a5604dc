//! The baseline gate: a finished run judged against an earlier run (`--baseline`), the
//! accepted failures (`--accept`) and the fail-on rules, reduced to one closed [`Verdict`]
//! before the exit code is chosen (0 / 1 / 2, the contract scripts rely on).

use crate::baseline::{self, AcceptFile, BaselineError, FailOn};
use crate::failure::FailureKey;
use crate::results::RunResults;
use std::path::Path;

/// Where the gate's history comes from and what fails it.
#[derive(Debug, Clone, Copy)]
pub struct GateConfig<'a> {
    /// An earlier results.json: findings are classified new, still failing or fixed.
    pub baseline: Option<&'a Path>,
    /// A file of accepted failures.
    pub accept: Option<&'a Path>,
    pub fail_on: FailOn,
    /// A skipped operation (nothing of it ran) fails the run.
    pub fail_on_skip: bool,
}

/// A baseline, accepted failures and the fail-on rules, loaded before anything runs.
#[derive(Debug, Clone)]
pub struct Gate {
    baseline: Option<RunResults>,
    accept: Option<AcceptFile>,
    fail_on: FailOn,
    fail_on_skip: bool,
}

/// How a run stands once judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing blocks: every check passed, or failed only where accepted or already failing.
    Passed,
    /// These failures block the run.
    Failed(Vec<FailureKey>),
    /// `--fail-on-skip`: these operations were skipped.
    Skipped(Vec<String>),
    /// No case ran, so nothing was tested (a green run must mean something was tested).
    NothingRan { skipped: usize, not_started: usize },
}

impl Verdict {
    /// Returns the exit code of the contract: 0 passed, 1 findings, 2 nothing was tested.
    pub fn exit_code(&self) -> u8 {
        match self {
            Verdict::Passed => 0,
            Verdict::Failed(_) | Verdict::Skipped(_) => 1,
            Verdict::NothingRan { .. } => 2,
        }
    }
}

impl Gate {
    /// Loads the baseline and the accepted failures `config` names.
    pub fn load(config: GateConfig<'_>) -> Result<Gate, BaselineError> {
        Ok(Gate {
            baseline: config.baseline.map(baseline::load_results).transpose()?,
            accept: config.accept.map(baseline::load_accept_file).transpose()?,
            fail_on: config.fail_on,
            fail_on_skip: config.fail_on_skip,
        })
    }

    /// Classifies `results` against the baseline and the accepted failures (expired on
    /// `today`, `YYYY-MM-DD`), recording the classification in them.
    pub fn apply(&self, results: &mut RunResults, today: &str) {
        if let Some(old) = &self.baseline {
            results.baseline = Some(baseline::diff(results, old));
            results.history = baseline::history_for(old);
        }
        if let Some(file) = &self.accept {
            results.accepted = baseline::accepted(results, file, today);
        }
    }

    /// Judges classified `results`.
    pub fn verdict(&self, results: &RunResults) -> Verdict {
        let blocking = baseline::blocking(results, self.fail_on);
        let t = &results.totals;
        let skipped = results.skipped_operations();
        if blocking.is_empty() && t.passed + t.warned + t.failed == 0 {
            Verdict::NothingRan {
                skipped: t.skipped,
                not_started: results.run.not_started,
            }
        } else if self.fail_on_skip && !skipped.is_empty() {
            Verdict::Skipped(skipped.into_iter().map(str::to_string).collect())
        } else if blocking.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Failed(blocking)
        }
    }
}
