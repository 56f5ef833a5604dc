//! `replay`: one recorded case run again, with the seed, cases per operation and strictness
//! of the run that recorded it, against the endpoint that run used (the embedded mock with
//! its faults, or a URL), so a failure can be reproduced and a fix checked.
//!
//! A URL read from a results file is never sent a token on its own say: a file can be edited
//! by anyone who handled it, so with a token the endpoint must be given again.

use crate::baseline::{self, BaselineError};
use crate::endpoint::{BaseUrlError, parse_base_url};
use crate::mock::Fault;
use crate::results::{CaseResult, RunInfo, RunResults};
use crate::run::{RunError, RunOptions, run};
use crate::suite::{Suite, SuiteError};
use crate::target::Target;
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to replay, and where.
pub struct ReplayRequest<'a> {
    /// The case id, as in results.json and the console.
    pub case: &'a str,
    /// The results.json the case comes from.
    pub results: &'a Path,
    /// The endpoint to replay against, checked (default: the recorded run's).
    pub base_url: Option<String>,
    pub token: Option<SecretString>,
    /// The derived suite the run used, if not the embedded one.
    pub suite: Option<&'a Path>,
}

/// Why a case could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Record(#[from] BaselineError),
    #[error("cannot read the cases of {}", path.display())]
    Cases {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no case {id:?} in {}; {near}", path.display())]
    NoCase {
        id: String,
        path: PathBuf,
        near: String,
    },
    #[error(
        "{} names the endpoint {url}; a token is given, so say where it may go: pass --base-url \
         (a results file can be edited by anyone who handled it)",
        path.display()
    )]
    TokenNeedsBaseUrl { path: PathBuf, url: String },
    #[error("the endpoint {} names is refused", path.display())]
    RecordedEndpoint { path: PathBuf, source: BaseUrlError },
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error("cannot start the embedded mock")]
    Mock(#[source] std::io::Error),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot read the replayed case")]
    Replayed(#[source] std::io::Error),
    #[error(
        "the case did not run again (the suite no longer has it, or its operation was skipped)"
    )]
    NotRunAgain,
}

/// A case ready to run again: the recorded case, the suite and the started target.
pub struct Replay {
    /// The case as recorded.
    pub recorded: CaseResult,
    suite: Arc<Suite>,
    target: Target,
    options: RunOptions,
}

impl Replay {
    /// Finds the case in its record, decides the endpoint and starts it (the embedded mock
    /// with the recorded faults when the run used it and no URL is given).
    pub fn prepare(request: ReplayRequest<'_>) -> Result<Replay, ReplayError> {
        let record = baseline::load_results(request.results)?;
        let recorded = find_case(&record, request.case, request.results)?;
        let base_url = endpoint(
            &record.run,
            request.base_url,
            request.token.is_some(),
            request.results,
        )?;
        let suite = Arc::new(Suite::load_or_embedded(request.suite)?);
        let faults: Vec<Fault> = record
            .run
            .mock_faults
            .iter()
            .filter_map(|f| Fault::parse(f))
            .collect();
        let target = Target::start(&suite, base_url, &faults).map_err(ReplayError::Mock)?;
        let info = &record.run;
        let options = RunOptions {
            token: target.token(request.token),
            seed: info.seed,
            cases: info.cases_per_operation,
            exact: Some(recorded.id.clone()),
            strict: info.strict,
            embedded_mock: target.is_embedded_mock(),
            ..RunOptions::new(target.base_url().to_string())
        };
        Ok(Replay {
            recorded,
            suite,
            target,
            options,
        })
    }

    /// Returns the service root the case is sent to.
    pub fn base_url(&self) -> &str {
        self.target.base_url()
    }

    /// Runs the case again and returns how it went this time.
    pub async fn run(self) -> Result<CaseResult, ReplayError> {
        let outcome = run(&self.suite, &self.options, &mut |_| {}).await;
        self.target.shutdown().await;
        let results = outcome?;
        results
            .cases
            .find(&self.recorded.id)
            .map_err(ReplayError::Replayed)?
            .ok_or(ReplayError::NotRunAgain)
    }
}

/// Returns the recorded case `id`, or names the cases near it.
fn find_case(record: &RunResults, id: &str, path: &Path) -> Result<CaseResult, ReplayError> {
    let found = record.cases.find(id).map_err(|source| ReplayError::Cases {
        path: path.to_path_buf(),
        source,
    })?;
    found.ok_or_else(|| ReplayError::NoCase {
        id: id.to_string(),
        path: path.to_path_buf(),
        near: near_cases(record, id),
    })
}

/// Decides the endpoint: the given one; else the recorded URL, unless a token would go to
/// it on the file's say; else (the run used the embedded mock) none.
fn endpoint(
    run: &RunInfo,
    given: Option<String>,
    token_given: bool,
    path: &Path,
) -> Result<Option<String>, ReplayError> {
    if given.is_some() || run.embedded_mock {
        return Ok(given);
    }
    if token_given {
        return Err(ReplayError::TokenNeedsBaseUrl {
            path: path.to_path_buf(),
            url: run.base_url.clone(),
        });
    }
    parse_base_url(&run.base_url)
        .map(Some)
        .map_err(|source| ReplayError::RecordedEndpoint {
            path: path.to_path_buf(),
            source,
        })
}

/// Describes the cases near an unknown id: some of its operation, or the operations there.
fn near_cases(recorded: &RunResults, id: &str) -> String {
    let operation = id.split('/').next().unwrap_or_default();
    let mut near = Vec::new();
    let mut operations = BTreeSet::new();
    for case in recorded
        .cases
        .iter()
        .into_iter()
        .flatten()
        .map_while(Result::ok)
    {
        if case.operation == operation && near.len() < 10 {
            near.push(case.id);
        }
        operations.insert(case.operation);
    }
    if !near.is_empty() {
        format!("some ids of {operation} there: {}", near.join(", "))
    } else if operations.is_empty() {
        "it holds no case".to_string()
    } else {
        format!(
            "it has no operation {operation:?}; its operations: {}",
            operations.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
}
