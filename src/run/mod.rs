//! Running a derived suite against an endpoint: the plan (a value: every case before any is
//! sent), the HTTP client, the runner that turns each planned case into a result through
//! the checks, and the event stream the record and the console are sinks of.
//!
//! `run` returns `Ok(results)` whenever the endpoint answered at all, however many checks
//! failed ("failed checks are results, not errors"); `Err` is for configuration and for an
//! endpoint that cannot be reached.

mod client;
mod events;
mod families;
mod inventory;
mod lifecycle;
mod listing;
mod plan;
mod runner;
mod state;

pub use client::{
    ACCEPT_ENCODING, Client, ClientError, HEADER_NAME_CAP, HEADER_VALUE_CAP, Limits,
    MAX_RECORDED_HEADERS, NoAnswer, REDACTED, is_secret_header, is_throttling, retry_after,
    unprotected_secrets,
};
pub use events::{Both, RunEvent, Sink};
pub use families::repair;
use inventory::Inventory;
use plan::Effect;
pub use plan::{Plan, partition_of, stream_seed};
pub use runner::{THROTTLED, is_throttled};

use crate::results::{CaseResult, RunInfo, RunResults};
use crate::suite::{Suite, SuiteError};
use futures::StreamExt;
use secrecy::SecretString;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The seed used when none is given, so two nightly runs compare case by case.
pub const DEFAULT_SEED: u64 = 20_261_123;
/// Returns the most requests in flight when `--concurrency` is not given: eight per core, at
/// least 8 and at most 64. The client runs on one thread and mostly waits on the network, so
/// in-flight requests hide the server's latency; more cores usually mean a bigger machine at
/// both ends (on this project's 2 cores, 16 and 32 beat 8 against the embedded mock).
pub fn default_concurrency() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    (8 * cores).clamp(8, 64)
}
/// Generated valid payloads per operation when `--cases` is not given.
pub const DEFAULT_CASES: u32 = 20;

/// The default of `--max-pages`: enough for any list a test tenant or a mock holds, few
/// enough that an endless chain of next links ends the case in seconds.
pub const DEFAULT_MAX_PAGES: u32 = 100;

/// Tells whether a case id is wanted (`--only`, `replay`'s exact id, `--partition`).
pub type CaseFilter<'a> = Box<dyn Fn(&str) -> bool + Sync + 'a>;

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The service root, version included (`http://127.0.0.1:8080/beta`).
    pub base_url: String,
    pub token: Option<SecretString>,
    pub seed: u64,
    /// Generated valid payloads per operation.
    pub cases: u32,
    /// Only cases whose id matches this pattern run.
    pub only: Option<String>,
    /// Only the case with exactly this id runs (`replay`).
    pub exact: Option<String>,
    /// `(K, N)`: only the cases of partition K of N run (`--partition K/N`).
    pub partition: Option<(u32, u32)>,
    /// `{placeholder}` values given with `--id NAME=VALUE`.
    pub ids: BTreeMap<String, String>,
    /// Convention checks fail instead of warning.
    pub strict: bool,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Headers (by name, any case) whose values are secrets like the token
    /// (`--secret-header NAME`): recorded as `[REDACTED]` and scrubbed from what a server
    /// sends. Headers whose names say so (`Authorization`, `X-Api-Key`, `Cookie`...) are
    /// secret without being named here.
    pub secret_headers: Vec<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The deadline of the whole run; cases not started by then are skipped.
    pub max_time: Option<Duration>,
    /// The most response body bytes read.
    pub max_body: usize,
    /// Retries of a throttling answer, a 429 or a 503 with `Retry-After` (honouring
    /// `Retry-After`, up to 10 s). A case still throttled after them is skipped, not failed.
    pub retries: u32,
    /// Connections are kept alive and reused; `false` (`--no-keep-alive`) opens a fresh
    /// connection for every request.
    pub keep_alive: bool,
    /// The most requests in flight at once. Operation chains on different resources run
    /// side by side (those on one resource in order), and within an operation the cases
    /// that must be rejected run side by side.
    pub concurrency: usize,
    /// The most requests per second, shared by every chain.
    pub rate_limit: Option<f64>,
    /// Whether the base URL is the embedded reference mock.
    pub embedded_mock: bool,
    /// The faults injected in the embedded mock, recorded for reproductions.
    pub mock_faults: Vec<String>,
    /// The most pages of one list read by following `@odata.nextLink` (`--max-pages`).
    pub max_pages: u32,
}

impl RunOptions {
    /// Returns options for `base_url` with every default.
    pub fn new(base_url: impl Into<String>) -> RunOptions {
        RunOptions {
            base_url: base_url.into(),
            token: None,
            seed: DEFAULT_SEED,
            cases: DEFAULT_CASES,
            only: None,
            exact: None,
            partition: None,
            ids: BTreeMap::new(),
            strict: false,
            headers: Vec::new(),
            secret_headers: Vec::new(),
            timeout: Duration::from_secs(30),
            max_time: None,
            max_body: client::Limits::default().max_body,
            retries: client::Limits::default().retries,
            keep_alive: true,
            concurrency: default_concurrency(),
            rate_limit: None,
            embedded_mock: false,
            mock_faults: Vec::new(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl RunOptions {
    /// Returns the filter of case ids (`--only`, `replay`'s exact id, `--partition`), or
    /// `None` when every case is wanted.
    pub fn filter(&self) -> Option<CaseFilter<'_>> {
        let filtered = self.only.is_some() || self.exact.is_some() || self.partition.is_some();
        filtered.then(|| Box::new(|id: &str| self.wants(id)) as CaseFilter<'_>)
    }

    /// Returns a warning for each of the run's secrets too short to be protected in reports
    /// (the CLI prints each once, before the run).
    pub fn secret_warnings(&self) -> Vec<String> {
        unprotected_secrets(self.token.as_ref(), &self.headers, &self.secret_headers)
    }

    /// Tells whether the case `id` is to run under `--only` (and `replay`'s exact id).
    pub fn wants(&self, id: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|p| crate::case_pattern::matches_pattern(p, id))
            && self.exact.as_deref().is_none_or(|e| e == id)
            && self
                .partition
                .is_none_or(|(k, n)| plan::partition_of(id, n) == k)
    }
}

/// Plans a run of `suite` under `options`: the one value the progress total, `--only`,
/// `--partition` and the runner read.
pub fn plan<'s>(suite: &'s Suite, options: &RunOptions) -> Result<Plan<'s>, SuiteError> {
    let filter = options.filter();
    let settings = plan::Settings {
        cases: options.cases,
        seed: options.seed,
        keep: filter.as_deref(),
    };
    plan::plan(suite, &settings)
}

/// Counts the cases a run of `suite` under `options` will have (for a progress bar).
pub fn planned_cases(suite: &Suite, options: &RunOptions) -> Result<usize, SuiteError> {
    Ok(plan(suite, options)?.cases())
}

/// Why a run could not happen.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the suite cannot be run")]
    Suite(#[from] SuiteError),
    #[error("cannot record the cases of the run in a temporary file")]
    Record(#[source] std::io::Error),
    #[error("cannot reach {url}: {cause}; {}", unreachable_hint(cause))]
    Unreachable { url: String, cause: String },
    #[error(
        "--id {name}={value:?} cannot be sent: an id stands as one path segment, and URL parsers resolve an empty, `.` or `..` segment (even percent-encoded) to another resource"
    )]
    UnsafeId { name: String, value: String },
}

/// What to check when the endpoint cannot be reached: the certificate when TLS failed, the
/// server and the URL otherwise.
fn unreachable_hint(cause: &str) -> &'static str {
    let cause = cause.to_ascii_lowercase();
    if ["certificate", "tls", "handshake", "unknownissuer"]
        .iter()
        .any(|word| cause.contains(word))
    {
        "the TLS handshake failed: for a server whose certificate comes from a private CA, point SSL_CERT_FILE at the CA's PEM file"
    } else {
        "is the server running, and is --base-url the service root (e.g. http://127.0.0.1:8080/beta)?"
    }
}

/// Runs every operation of `suite` against `options.base_url`, calling `on_case` as each
/// case finishes. Finished cases go to disk at once (see [`crate::results::Cases`]): memory
/// does not grow with the number of cases.
pub async fn run(
    suite: &Suite,
    options: &RunOptions,
    mut on_case: &mut dyn FnMut(&CaseResult),
) -> Result<RunResults, RunError> {
    execute(&plan(suite, options)?, options, &mut on_case).await
}

/// Runs a plan made by [`plan`] under the same `options` (so the progress total read from
/// the plan is the number of cases the run records, less those the deadline leaves out),
/// telling `sink` every event of the run; the record is the other sink of the stream.
pub async fn execute(
    plan: &Plan<'_>,
    options: &RunOptions,
    sink: &mut dyn Sink,
) -> Result<RunResults, RunError> {
    let suite = plan.suite;
    if let Some((name, value)) = options
        .ids
        .iter()
        .find(|(_, value)| !crate::path_template::is_segment_value(value))
    {
        return Err(RunError::UnsafeId {
            name: name.clone(),
            value: value.clone(),
        });
    }
    let started_at = crate::format::now_utc();
    let started = Instant::now();
    let limits = client::Limits {
        timeout: options.timeout,
        max_body: options.max_body,
        retries: options.retries,
        // a deadline beyond what an Instant holds is no deadline (never a panic)
        deadline: options.max_time.and_then(|t| started.checked_add(t)),
        rate_limit: options.rate_limit,
        in_flight: options.concurrency.max(1),
        keep_alive: options.keep_alive,
        ..client::Limits::default()
    };
    let client = Client::new(
        &options.base_url,
        options.token.clone(),
        &options.headers,
        &options.secret_headers,
        limits,
    )?;
    preflight(&client).await?;
    let mut recorder = events::Recorder::new().map_err(RunError::Record)?;
    let mut stream = Both(&mut recorder, sink);
    stream.event(RunEvent::RunStarted {
        planned: plan.cases(),
    });
    for skipped in &plan.skipped {
        stream.event(RunEvent::OperationSkipped {
            operation: &skipped.operation,
            reason: &skipped.reason,
        });
    }
    let not_started = run_chains(suite, options, &client, plan, &mut stream).await;
    let recorded = recorder.finish().map_err(RunError::Record)?;
    let info = RunInfo {
        tool: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        seed: options.seed,
        base_url: options.base_url.clone(),
        embedded_mock: options.embedded_mock,
        mock_faults: options.mock_faults.clone(),
        started: started_at,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        cases_per_operation: options.cases,
        only: options.only.clone(),
        strict: options.strict,
        ids: options.ids.keys().cloned().collect(),
        token_sent: client.has_token(),
        partition: options.partition.map(|(k, n)| format!("{k}/{n}")),
        suite: crate::results::suite_fingerprint(suite),
        not_started,
        throttled: recorded.throttled,
        skipped_operations: recorded.skipped,
    };
    let results = RunResults::new(info, recorded.cases);
    sink.event(RunEvent::RunFinished {
        totals: &results.totals,
    });
    Ok(results)
}

/// Runs the chains of the plan, `options.concurrency` of them at once, each in order,
/// telling `sink` of every case and skipped operation; returns how many cases the deadline
/// left unstarted.
/// The two phases of a run: every step but the deletes, then the deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Lifecycle,
    Deletes,
}

async fn run_chains(
    suite: &Suite,
    options: &RunOptions,
    client: &Client,
    plan: &Plan<'_>,
    sink: &mut dyn Sink,
) -> usize {
    let shared = runner::Shared {
        objects: RefCell::default(),
        seen_ids: RefCell::new(documented_ids(suite)),
        sink: RefCell::new(sink),
        not_started: std::cell::Cell::new(0),
        inventory: RefCell::new(Inventory::documented_by(suite)),
    };
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let runner = || runner::Runner {
        plan,
        client,
        options,
        shared: &shared,
        shrunk: RefCell::new(BTreeSet::new()),
        nonce,
    };
    // waves of increasing depth, so that a parent's create or list fills a child's path;
    // then the deletes, deepest first, once every other step has read what they delete
    let mut depths: Vec<usize> = plan.chains.iter().map(|c| c.depth).collect();
    depths.dedup();
    for phase in [Phase::Lifecycle, Phase::Deletes] {
        if phase == Phase::Deletes {
            depths.reverse();
        }
        for depth in &depths {
            let chains = plan.chains.iter().filter(|c| c.depth == *depth);
            let runs = chains.map(|chain| {
                let runner = runner();
                async move {
                    for operation in &chain.operations {
                        let deletes = operation.effect == Effect::Deletes;
                        if deletes == (phase == Phase::Deletes) {
                            runner.run_operation(operation).await;
                        }
                    }
                }
            });
            futures::stream::iter(runs)
                .buffer_unordered(options.concurrency.max(1))
                .collect::<()>()
                .await;
        }
    }
    shared.not_started.get()
}

/// Sends one request to the service root: any HTTP answer (throttling too) means the
/// endpoint is reachable.
async fn preflight(client: &Client) -> Result<(), RunError> {
    let probe = client::Outgoing {
        method: reqwest::Method::GET,
        path: "/".to_string(),
        query: None,
        body: None,
        authorized: true,
    };
    let (exchange, received) = client.send(&probe).await;
    match received {
        Ok(_) | Err(NoAnswer::Throttled) => Ok(()),
        Err(_) => Err(RunError::Unreachable {
            url: client.base().to_string(),
            cause: exchange.error.unwrap_or_default(),
        }),
    }
}

fn documented_ids(suite: &Suite) -> BTreeSet<String> {
    suite
        .cases
        .iter()
        .flat_map(|c| c.examples.iter())
        .filter_map(|e| {
            e.response
                .as_ref()?
                .body
                .as_ref()?
                .get("id")?
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    #[rstest]
    #[case::untrusted_certificate(
        "the request failed: error sending request: client error (Connect): invalid peer certificate: UnknownIssuer",
        "SSL_CERT_FILE"
    )]
    #[case::tls_to_plain_http(
        "the request failed: error sending request: received corrupt message of type InvalidContentType (tls)",
        "SSL_CERT_FILE"
    )]
    #[case::refused(
        "could not connect: tcp connect error: Connection refused (os error 111)",
        "is the server running"
    )]
    fn an_unreachable_endpoint_says_what_to_check(#[case] cause: &str, #[case] hint: &str) {
        assert!(super::unreachable_hint(cause).contains(hint));
    }
}
