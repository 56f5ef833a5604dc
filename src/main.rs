//! The command line: parses flags, calls the library, prints, and picks the exit code.
//! This is the only place that prints errors or decides how the process ends.
//!
//! Exit codes (a contract scripts rely on): 0 every check passed (warnings allowed), 1 a
//! check failed (or derive found a page error or drift), 2 a usage or configuration error, or
//! an endpoint that cannot be reached.

use clap::{Parser, Subcommand};
use graph_conformance::baseline::{self, AcceptFile, FailOn};
use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::diagnostic::Severity;
use graph_conformance::emit::SuiteFiles;
use graph_conformance::mock::{Fault, MockConfig, MockServer};
use graph_conformance::report;
use graph_conformance::results::{CaseResult, RunResults, Verdict};
use graph_conformance::run::{
    DEFAULT_CASES, DEFAULT_SEED, RunOptions, default_concurrency, planned_cases, run,
};
use graph_conformance::suite::Suite;
use indicatif::{ProgressBar, ProgressStyle};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Contract and conformance tests for REST APIs documented the way Microsoft Graph documents its own.
#[derive(Parser)]
#[command(name = "graph-conformance", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance suite against an endpoint (default: the embedded reference mock).
    Run(Box<RunArgs>),
    /// Serve the reference mock, optionally with faults injected.
    Mock(MockArgs),
    /// Re-render the reports of a results.json (no network), optionally against a baseline.
    Report(ReportArgs),
    /// Re-run one case of a results.json and print the checks' verdict.
    Replay(ReplayArgs),
    /// Derive JSON Schemas (schemas/) and test cases (cases/) from Graph reference pages.
    Derive {
        /// Page files, or directories whose .md and .txt files are read in sorted order.
        #[arg(required = true, value_name = "PAGES")]
        pages: Vec<PathBuf>,
        /// The directory that receives schemas/ and cases/.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Write nothing; exit 1 and name every file that would change if the output is stale.
        #[arg(long)]
        check: bool,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The service root, version included (http://127.0.0.1:8080/beta). Without it, the
    /// embedded reference mock is started and tested.
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    base_url: Option<String>,
    /// The bearer token sent as `Authorization: Bearer ...` (never printed or recorded).
    #[arg(
        long,
        env = "GRAPH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
    /// Where results.json is written.
    #[arg(long, value_name = "DIR", default_value = "report")]
    report_dir: PathBuf,
    /// Run another derived suite (a directory with schemas/ and cases/) instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    suite: Option<PathBuf>,
    /// The seed of every generated case; the same seed gives the same cases.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Generated valid payloads per operation (at least 1).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CASES, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// Run only the cases whose id matches (`update-*`, `*/invalid/*`, or a substring).
    #[arg(long, value_name = "PATTERN")]
    only: Option<String>,
    /// A value for a path placeholder, e.g. --id ndesConnectorId=abc (repeatable).
    #[arg(long = "id", value_name = "NAME=VALUE", value_parser = parse_id)]
    ids: Vec<(String, String)>,
    /// Fail on Graph-wide convention checks instead of warning.
    #[arg(long)]
    strict: bool,
    /// An extra header sent with every request, e.g. --header 'x-proxy-tenant: t1' (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// A deadline for the whole run, in seconds; cases not started by then are skipped.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    max_time: Option<u64>,
    /// The most response body read, in bytes (suffixes K, M: 512K, 16M); longer bodies are cut and reported.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_body: usize,
    /// Retries of a 429 or 503 answer, honouring Retry-After up to 10 seconds.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    /// With the embedded mock only: inject a fault (repeatable; see `mock --list-faults`).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    faults: Vec<Fault>,
    /// The most requests in flight at once (default: 8 per core, 8 to 64); operations on one
    /// resource stay in order.
    #[arg(long, value_name = "N", default_value_t = default_concurrency() as u64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// The most requests per second, shared by every chain (e.g. 50 or 50/s).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    rate_limit: Option<f64>,
    /// Run only partition K of N (by a stable hash of the case id), for a CI matrix; join the
    /// partitions' results with `report merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<(u32, u32)>,
    #[command(flatten)]
    gate: GateArgs,
}

/// How failures are judged against history: a baseline run and accepted failures.
#[derive(clap::Args)]
struct GateArgs {
    /// An earlier results.json: findings are classified new, still failing or fixed.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// A file of accepted failures (TOML [[accept]] or JSON), each with a reason and an expiry date.
    #[arg(long, value_name = "FILE")]
    accept: Option<PathBuf>,
    /// With a baseline, fail on `new` failures only (default) or on `all`.
    #[arg(long, value_name = "WHICH", default_value = "new", value_parser = ["new", "all"])]
    fail_on: String,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The results.json to render; or `merge` followed by the results of every partition of
    /// a run (`--partition K/N`), to join them into one report.
    #[arg(value_name = "RESULTS.json", required = true, num_args = 1..)]
    results: Vec<PathBuf>,
    /// Where the reports are written.
    #[arg(long, value_name = "DIR", default_value = "report")]
    report_dir: PathBuf,
    #[command(flatten)]
    gate: GateArgs,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The id of the case to re-run (as in results.json and the console).
    #[arg(value_name = "CASE_ID")]
    case: String,
    /// The results.json the case comes from.
    #[arg(long, value_name = "FILE", default_value = "report/results.json")]
    results: PathBuf,
    /// The endpoint to replay against (default: the run's; the embedded mock if the run used it).
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    base_url: Option<String>,
    /// The bearer token (never printed or recorded).
    #[arg(
        long,
        env = "GRAPH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
    /// The derived suite the run used, if not the embedded one.
    #[arg(long, value_name = "DIR")]
    suite: Option<PathBuf>,
}

#[derive(clap::Args)]
struct MockArgs {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, value_name = "P", default_value_t = 8080)]
    port: u16,
    /// The path prefix (service version) the operations are served under.
    #[arg(long, value_name = "PREFIX", default_value = "/beta", value_parser = parse_prefix)]
    prefix: String,
    /// Inject a fault in every response (repeatable).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    faults: Vec<Fault>,
    /// List the faults and exit.
    #[arg(long)]
    list_faults: bool,
    /// Serve another derived suite instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    suite: Option<PathBuf>,
}

/// The exit-code contract: 0 ok, 1 findings, 2 usage, configuration or reachability error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Findings,
    UsageError,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::from(0),
            Outcome::Findings => ExitCode::from(1),
            Outcome::UsageError => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let outcome = match cli.command {
        Command::Derive { pages, out, check } => run_derive(&pages, &out, check),
        Command::Run(args) => with_runtime(Runtime::Client, || run_suite(*args)),
        Command::Mock(args) => with_runtime(Runtime::Server, || serve_mock(args)),
        Command::Report(args) => rerender(&args),
        Command::Replay(args) => with_runtime(Runtime::Client, || replay(args)),
    };
    outcome.into()
}

/// Prints a command-line error; for an unknown flag, also every flag the command accepts.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::CommandFactory;
    use clap::error::ErrorKind;
    let _ = error.print();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            return ExitCode::from(0);
        }
        ErrorKind::UnknownArgument => {
            let name = std::env::args().nth(1).unwrap_or_default();
            let command = Cli::command();
            if let Some(sub) = command.find_subcommand(&name) {
                let flags: Vec<String> = sub
                    .get_arguments()
                    .filter_map(|a| a.get_long())
                    .map(|l| format!("--{l}"))
                    .collect();
                eprintln!("accepted by `{name}`: {}", flags.join(", "));
            }
        }
        _ => {}
    }
    Outcome::UsageError.into()
}

/// Which tokio runtime a command runs on.
enum Runtime {
    /// One thread: a run is one task driving many requests, and an embedded mock serves on a
    /// thread of its own, so wakeups never cross threads.
    Client,
    /// A worker per core: the mock serves many clients.
    Server,
}

fn with_runtime<F: std::future::Future<Output = Outcome>>(
    runtime: Runtime,
    task: impl FnOnce() -> F,
) -> Outcome {
    let mut builder = match runtime {
        Runtime::Client => tokio::runtime::Builder::new_current_thread(),
        Runtime::Server => tokio::runtime::Builder::new_multi_thread(),
    };
    match builder.enable_all().build() {
        Ok(runtime) => runtime.block_on(task()),
        Err(e) => fail(&e),
    }
}

fn load_suite(dir: Option<&Path>) -> Result<Suite, graph_conformance::suite::SuiteError> {
    match dir {
        Some(dir) => Suite::load(dir),
        None => Suite::embedded(),
    }
}

async fn run_suite(args: RunArgs) -> Outcome {
    let suite = match load_suite(args.suite.as_deref()) {
        Ok(suite) => Arc::new(suite),
        Err(e) => return fail(&e),
    };
    if args.base_url.is_some() && !args.faults.is_empty() {
        eprintln!("error: --fault only applies to the embedded mock; drop --base-url or --fault");
        return Outcome::UsageError;
    }
    let gate = match Gate::load(&args.gate) {
        Ok(gate) => gate,
        Err(e) => return fail(&e),
    };
    if let Err(e) = check_writable(&args.report_dir) {
        return fail(&e);
    }
    let (base_url, mock) = match endpoint(&suite, args.base_url.clone(), &args.faults).await {
        Ok(found) => found,
        Err(e) => return fail(&e),
    };
    if let Some(server) = &mock {
        eprintln!(
            "no --base-url: testing the embedded reference mock at {}",
            server.base_url()
        );
    }
    let token = token_for(args.token.clone(), mock.as_ref());
    let options = RunOptions {
        token,
        seed: args.seed,
        cases: args.cases,
        only: args.only.clone(),
        ids: args.ids.iter().cloned().collect(),
        strict: args.strict,
        headers: args.headers.clone(),
        timeout: Duration::from_secs(args.timeout),
        max_time: args.max_time.map(Duration::from_secs),
        max_body: args.max_body,
        retries: args.retries,
        partition: args.partition,
        concurrency: usize::try_from(args.concurrency).unwrap_or_else(|_| default_concurrency()),
        rate_limit: args.rate_limit,
        embedded_mock: mock.is_some(),
        mock_faults: args.faults.iter().map(|f| f.name().to_string()).collect(),
        ..RunOptions::new(base_url)
    };
    eprintln!(
        "running {} operations, {} generated cases each, seed {} (--seed to vary)",
        suite.cases.len(),
        options.cases,
        options.seed
    );
    let mut console = Console::new(planned_cases(&suite, &options).unwrap_or(0));
    let outcome = run(&suite, &options, &mut |case| console.case_finished(case)).await;
    console.finish();
    if let Some(server) = mock {
        server.shutdown().await;
    }
    match outcome {
        Ok(results) => conclude(results, &gate, &args.report_dir, &console),
        Err(e) => fail(&e),
    }
}

/// The token sent to the embedded mock when none is given (the mock requires one).
const MOCK_TOKEN: &str = "embedded-mock-token";

/// Returns the endpoint to test: `base_url`, or the embedded mock (started) when there is none.
async fn endpoint(
    suite: &Arc<Suite>,
    base_url: Option<String>,
    faults: &[Fault],
) -> std::io::Result<(String, Option<MockServer>)> {
    match base_url {
        Some(url) => Ok((url, None)),
        None => {
            let server = start_mock(suite, faults)?;
            Ok((server.base_url(), Some(server)))
        }
    }
}

/// Returns the token to send: the one given, or the embedded mock's stand-in.
fn token_for(given: Option<String>, mock: Option<&MockServer>) -> Option<SecretString> {
    given
        .or_else(|| mock.map(|_| MOCK_TOKEN.to_string()))
        .map(SecretString::from)
}

fn start_mock(suite: &Arc<Suite>, faults: &[Fault]) -> std::io::Result<MockServer> {
    let config = MockConfig {
        faults: faults.to_vec(),
        ..MockConfig::default()
    };
    MockServer::start_on_own_thread(
        Arc::clone(suite),
        config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
}

/// A baseline, accepted failures and the fail-on rule, loaded before anything runs.
struct Gate {
    baseline: Option<RunResults>,
    accept: Option<AcceptFile>,
    fail_on: FailOn,
}

impl Gate {
    fn load(args: &GateArgs) -> Result<Gate, graph_conformance::baseline::BaselineError> {
        Ok(Gate {
            baseline: args
                .baseline
                .as_deref()
                .map(baseline::load_results)
                .transpose()?,
            accept: args
                .accept
                .as_deref()
                .map(baseline::load_accept_file)
                .transpose()?,
            fail_on: if args.fail_on == "all" {
                FailOn::All
            } else {
                FailOn::New
            },
        })
    }

    /// Classifies `results` against the baseline and the accepted failures.
    fn apply(&self, results: &mut RunResults) {
        if let Some(old) = &self.baseline {
            results.baseline = Some(baseline::diff(results, old));
            results.history = baseline::history_for(old);
        }
        if let Some(file) = &self.accept {
            let today = graph_conformance::format::now_utc();
            results.accepted = baseline::accepted(results, file, &today[..10]);
        }
    }
}

/// Writes the reports, prints the closing lines, and picks the exit code.
fn conclude(mut results: RunResults, gate: &Gate, dir: &Path, console: &Console) -> Outcome {
    gate.apply(&mut results);
    let paths = match report::write(dir, &results) {
        Ok(paths) => paths,
        Err(e) => return fail(&e),
    };
    console.summary(&results);
    for expired in results.accepted.iter().filter(|a| a.expired) {
        println!(
            "EXPIRED {} [{}]: accepted until {} ({}); the acceptance expired, so it fails again",
            expired.key.case, expired.key.check, expired.expires, expired.reason
        );
    }
    let blocking = baseline::blocking(&results, gate.fail_on);
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    eprintln!("reports: {}", shown.join(", "));
    if blocking.is_empty() {
        Outcome::Success
    } else {
        Outcome::Findings
    }
}

fn rerender(args: &ReportArgs) -> Outcome {
    let gate = match Gate::load(&args.gate) {
        Ok(gate) => gate,
        Err(e) => return fail(&e),
    };
    let (merge, files) = match args.results.split_first() {
        Some((first, rest)) if first.as_os_str() == "merge" => (true, rest),
        _ => (false, args.results.as_slice()),
    };
    if (merge && files.len() < 2) || (!merge && files.len() != 1) {
        eprintln!(
            "error: expected `report RESULTS.json` or `report merge A.json B.json ...` (two or more partitions)"
        );
        return Outcome::UsageError;
    }
    let mut parts = Vec::new();
    for file in files {
        match baseline::load_results(file) {
            Ok(results) => parts.push(results),
            Err(e) => return fail(&e),
        }
    }
    let results = if merge {
        match RunResults::merge(parts) {
            Ok(merged) => merged,
            Err(e) => return fail(&e),
        }
    } else {
        parts.pop()
    };
    let Some(results) = results else {
        return Outcome::UsageError;
    };
    if let Err(e) = check_writable(&args.report_dir) {
        return fail(&e);
    }
    conclude(results, &gate, &args.report_dir, &Console::new(0))
}

async fn replay(args: ReplayArgs) -> Outcome {
    let recorded = match baseline::load_results(&args.results) {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    let found = match recorded.cases.find(&args.case) {
        Ok(found) => found,
        Err(e) => return fail(&e),
    };
    let Some(case) = found else {
        let operation = args.case.split('/').next().unwrap_or_default();
        let near: Vec<String> = recorded
            .cases
            .iter()
            .into_iter()
            .flatten()
            .map_while(Result::ok)
            .map(|c| c.id)
            .filter(|id| id.starts_with(operation))
            .take(10)
            .collect();
        eprintln!(
            "error: no case {:?} in {}; some ids there: {}",
            args.case,
            args.results.display(),
            near.join(", ")
        );
        return Outcome::UsageError;
    };
    let suite = match load_suite(args.suite.as_deref()) {
        Ok(suite) => Arc::new(suite),
        Err(e) => return fail(&e),
    };
    let run_info = &recorded.run;
    let faults: Vec<Fault> = run_info
        .mock_faults
        .iter()
        .filter_map(|f| Fault::parse(f))
        .collect();
    let recorded_url = (!run_info.embedded_mock).then(|| run_info.base_url.clone());
    let (base_url, mock) =
        match endpoint(&suite, args.base_url.clone().or(recorded_url), &faults).await {
            Ok(found) => found,
            Err(e) => return fail(&e),
        };
    let token = token_for(args.token.clone(), mock.as_ref());
    let options = RunOptions {
        token,
        seed: run_info.seed,
        cases: run_info.cases_per_operation,
        exact: Some(case.id.clone()),
        strict: run_info.strict,
        embedded_mock: mock.is_some(),
        ..RunOptions::new(base_url)
    };
    eprintln!(
        "replaying {} (recorded: {:?}) against {}",
        case.id, case.verdict, options.base_url
    );
    let outcome = run(&suite, &options, &mut |_| {}).await;
    if let Some(server) = mock {
        server.shutdown().await;
    }
    let results = match outcome {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    let again = match results.cases.find(&case.id) {
        Ok(again) => again,
        Err(e) => return fail(&e),
    };
    let Some(again) = again else {
        eprintln!(
            "error: the case did not run again (the suite no longer has it, or its operation was skipped)"
        );
        return Outcome::UsageError;
    };
    println!("{} {:?}", again.id, again.verdict);
    for f in &again.findings {
        let rule = f
            .rule
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        println!(
            "  {} [{}] {}{rule}",
            f.severity.as_str(),
            f.check,
            f.message
        );
    }
    if let Some(reason) = &again.skipped_reason {
        println!("  skipped: {reason}");
    }
    if again.verdict == Verdict::Failed {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

/// The console: a progress bar on a terminal, one line per failing case, warnings once per
/// root cause, and the closing lines. No escape codes off a terminal or under NO_COLOR.
struct Console {
    warned: BTreeSet<(String, String, String)>,
    bar: Option<ProgressBar>,
    color: bool,
}

impl Console {
    fn new(total: usize) -> Console {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let bar = (terminal && !no_color && total > 0).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} cases {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Console {
            warned: BTreeSet::new(),
            bar,
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    fn tag(&self, word: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }

    fn case_finished(&mut self, case: &CaseResult) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        match case.verdict {
            Verdict::Failed => {
                let Some(f) = case.findings.iter().find(|f| f.is_error()) else {
                    return;
                };
                let rule = f
                    .rule
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                self.line(&format!(
                    "{} {} [{}] {}{rule}",
                    self.tag("FAIL", "31"),
                    case.id,
                    f.check,
                    f.message
                ));
            }
            Verdict::Warned => {
                for f in &case.findings {
                    let key = (
                        case.operation.clone(),
                        f.check.code().to_string(),
                        f.key.clone(),
                    );
                    if self.warned.insert(key) {
                        self.line(&format!(
                            "{} {} [{}] {}",
                            self.tag("WARN", "33"),
                            case.id,
                            f.check,
                            f.message
                        ));
                    }
                }
            }
            Verdict::Skipped => {
                self.line(&format!(
                    "SKIP {} {}",
                    case.id,
                    case.skipped_reason.as_deref().unwrap_or_default()
                ));
            }
            Verdict::Passed => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn summary(&self, results: &RunResults) {
        let t = &results.totals;
        println!("{} passed, {} failed", t.passed + t.warned, t.failed);
        let baseline = results
            .baseline
            .as_ref()
            .map(|d| {
                format!(
                    "; since the baseline: {} new, {} still failing, {} fixed",
                    d.new.len(),
                    d.still_failing.len(),
                    d.fixed.len()
                )
            })
            .unwrap_or_default();
        println!(
            "{} cases ({} with warnings, {} skipped), {} root causes failing and {} warnings, {} requests in {:.2}s, seed {}{baseline}",
            t.cases,
            t.warned,
            t.skipped,
            t.errors,
            t.warnings,
            t.requests,
            results.run.duration_ms / 1000.0,
            results.run.seed
        );
    }
}

async fn serve_mock(args: MockArgs) -> Outcome {
    if args.list_faults {
        for fault in Fault::all() {
            let kind = if fault.is_convention() {
                "convention"
            } else {
                "page"
            };
            println!("{:<24} {kind:<10} {}", fault.name(), fault.description());
        }
        return Outcome::Success;
    }
    let suite = match load_suite(args.suite.as_deref()) {
        Ok(suite) => Arc::new(suite),
        Err(e) => return fail(&e),
    };
    let config = MockConfig {
        prefix: args.prefix,
        faults: args.faults,
    };
    let server =
        match MockServer::start(suite, config, SocketAddr::from(([127, 0, 0, 1], args.port))).await
        {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
                return Outcome::UsageError;
            }
        };
    eprintln!(
        "serving the reference mock at {} (Ctrl-C stops it)",
        server.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Outcome::Success
}

fn check_writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot create the report directory {}: {e}", dir.display()),
        )
    })?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot write to the report directory {}: {e}",
                dir.display()
            ),
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn parse_base_url(value: &str) -> Result<String, String> {
    let ok = (value.starts_with("http://") || value.starts_with("https://"))
        && value.len() > "https://".len();
    let parsed = ok.then(|| reqwest::Url::parse(value).ok()).flatten();
    match parsed {
        Some(url) if url.host_str().is_some() => Ok(value.trim_end_matches('/').to_string()),
        _ => Err("expected an http:// or https:// URL of the service root, e.g. http://127.0.0.1:8080/beta".into()),
    }
}

fn parse_id(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, id)) if !name.is_empty() && !id.is_empty() => {
            Ok((name.trim_matches(['{', '}']).to_string(), id.to_string()))
        }
        _ => Err(
            "expected NAME=VALUE, e.g. --id ndesConnectorId=e71fa706-a706-e71f-06a7-1fe706a71fe7"
                .into(),
        ),
    }
}

fn parse_header(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((name, v))
            if !name.trim().is_empty()
                && reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).is_ok() =>
        {
            Ok((name.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(
            "expected 'NAME: VALUE' with a valid header name, e.g. --header 'x-tenant: t1'".into(),
        ),
    }
}

fn parse_rate(value: &str) -> Result<f64, String> {
    let number = value.trim().trim_end_matches("/s");
    match number.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1_000_000.0 => Ok(rate),
        _ => Err("expected requests per second above 0, e.g. 50 or 50/s or 0.5".into()),
    }
}

fn parse_partition(value: &str) -> Result<(u32, u32), String> {
    let parsed = value
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((k, n)) if (1..=n).contains(&k) && n <= 1000 => Ok((k, n)),
        _ => Err("expected K/N with 1 <= K <= N <= 1000, e.g. 2/4".into()),
    }
}

fn parse_size(value: &str) -> Result<usize, String> {
    let value = value.trim();
    let (digits, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, ""),
    };
    let multiplier = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1024,
        "M" | "MB" | "MIB" => 1024 * 1024,
        _ => 0,
    };
    match digits.parse::<usize>() {
        Ok(n) if n > 0 && multiplier > 0 && n <= 1024 * 1024 * 1024 / multiplier => {
            Ok(n * multiplier)
        }
        _ => Err("expected a size from 1 byte to 1G, like 65536, 512K or 16M".into()),
    }
}

fn parse_prefix(value: &str) -> Result<String, String> {
    if value.is_empty()
        || (value.starts_with('/') && !value.ends_with('/') && !value.contains(char::is_whitespace))
    {
        Ok(value.to_string())
    } else {
        Err("expected a path like /beta or /v1.0 (or an empty string)".into())
    }
}

fn parse_fault(value: &str) -> Result<Fault, String> {
    Fault::parse(value).ok_or_else(|| {
        let names: Vec<&str> = Fault::all().iter().map(|f| f.name()).collect();
        format!("unknown fault; accepted: {}", names.join(", "))
    })
}

fn run_derive(pages: &[PathBuf], out: &Path, check: bool) -> Outcome {
    let sources = match collect_pages(pages) {
        Ok(sources) => sources,
        Err(e) => return fail(&e),
    };
    let derivation = derive(&sources);
    for diagnostic in &derivation.diagnostics {
        eprintln!("{diagnostic}");
    }
    let files = SuiteFiles::render(&derivation);
    let errors = derivation.count(Severity::Error);
    let summary = format!(
        "derived {} operations and {} resources from {} pages: {} errors, {} warnings, {} skipped",
        derivation.contract.operations.len(),
        derivation.contract.resources.len(),
        derivation.pages,
        errors,
        derivation.count(Severity::Warning),
        derivation.count(Severity::Note),
    );
    if check {
        return report_check(&files, out, &summary, errors);
    }
    if let Err(e) = files.write(out) {
        return fail(&e);
    }
    eprintln!(
        "{summary}; wrote {} files under {}",
        files.files.len(),
        out.display()
    );
    if errors > 0 {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

fn report_check(files: &SuiteFiles, out: &Path, summary: &str, errors: usize) -> Outcome {
    let drift = match files.check(out) {
        Ok(drift) => drift,
        Err(e) => return fail(&e),
    };
    for d in &drift {
        eprintln!("{d}");
    }
    if drift.is_empty() {
        eprintln!(
            "{summary}; schemas/ and cases/ under {} are up to date",
            out.display()
        );
    } else {
        eprintln!(
            "{summary}; {} files under {} are out of date: run `graph-conformance derive` without --check to update them",
            drift.len(),
            out.display()
        );
    }
    if drift.is_empty() && errors == 0 {
        Outcome::Success
    } else {
        Outcome::Findings
    }
}

/// Prints an error and its causes, and returns the usage-or-configuration outcome.
fn fail(error: &dyn std::error::Error) -> Outcome {
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    Outcome::UsageError
}
