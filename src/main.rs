//! The command line: parses flags, calls the library, prints, and picks the exit code.
//! This is the only place that prints errors or decides how the process ends.
//!
//! Exit codes (a contract scripts rely on): 0 every check passed (warnings allowed), 1 a
//! check failed (or derive found a page error or drift), 2 a usage or configuration error, or
//! an endpoint that cannot be reached.

use clap::{Parser, Subcommand};
use graph_conformance::baseline::{self, FailOn};
use graph_conformance::console::{self, ColorChoice, Console, ConsoleOptions};
use graph_conformance::coverage::Coverage;
use graph_conformance::credentials::{self, TokenOrigin, TokenSources};
use graph_conformance::derive::{Derivation, collect_pages, derive};
use graph_conformance::diagnostic::Severity;
use graph_conformance::gate::{Gate, GateConfig, Verdict};
use graph_conformance::metadata::{self, Metadata};
use graph_conformance::mock::{Fault, MockConfig, MockServer};
use graph_conformance::replay::{Replay, ReplayRequest};
use graph_conformance::report;
use graph_conformance::results::RunResults;
use graph_conformance::run::{
    DEFAULT_CASES, DEFAULT_SEED, Plan, RunOptions, default_concurrency, execute, plan,
};
use graph_conformance::suite::Suite;
use graph_conformance::target::Target;
use graph_conformance::{atomic_file, emit};
use secrecy::SecretString;
use std::collections::BTreeSet;
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
    /// When to colour the console: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,
    /// Print only the summary (no progress bar, no line per case).
    #[arg(long, short, global = true)]
    quiet: bool,
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
        /// Compare every derived property's type and enum members with Microsoft's CSDL
        /// metadata (`$metadata` XML); each disagreement is a warning naming both lines.
        #[arg(long, value_name = "CSDL.xml")]
        metadata: Option<PathBuf>,
        /// Where pages and metadata disagree, take the metadata's type and members.
        #[arg(long, requires = "metadata")]
        metadata_wins: bool,
        /// Write the coverage table (pages, operations per kind, skips per reason,
        /// diagnostics per code) as JSON to FILE.
        #[arg(long, value_name = "FILE.json")]
        coverage: Option<PathBuf>,
        /// Judge the derivation by its coverage alone: exit 1 when fewer than PERCENT of the
        /// pages yield an operation (page errors are then reported, not fatal).
        #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
        min_coverage: Option<u8>,
    },
    /// Print a shell completion script (e.g. `graph-conformance completions bash > /etc/bash_completion.d/graph-conformance`).
    Completions {
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

/// Where the bearer token comes from; `GRAPH_TOKEN` is read when neither flag is given.
#[derive(clap::Args)]
struct TokenArgs {
    /// A file holding the bearer token, sent as `Authorization: Bearer ...` (`-` reads it from
    /// stdin). Without it, --token, then the GRAPH_TOKEN environment variable.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// The bearer token itself. Every user of the machine sees it in `ps`: prefer
    /// GRAPH_TOKEN or --token-file.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The service root, version included (http://127.0.0.1:8080/beta). Without it, the
    /// embedded reference mock is started and tested.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[command(flatten)]
    token: TokenArgs,
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
    /// Treat the values of this header as secret, in what is sent and in what a server
    /// reflects (repeatable; names with auth, cookie, token, secret, key or password are
    /// secret already).
    #[arg(long = "secret-header", value_name = "NAME")]
    secret_headers: Vec<String>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// A deadline for the whole run, in seconds; cases not started by then are skipped.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    max_time: Option<u64>,
    /// The most response body read, in bytes (suffixes K, M: 512K, 16M); longer bodies are cut and reported.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_body: usize,
    /// Retries of a throttling answer (429, or 503 with Retry-After), honouring Retry-After up
    /// to 10 seconds; a case still throttled after them is skipped, not failed.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    /// Open a fresh connection for every request (no pooled connection is reused, so none
    /// can be closed by the server while idle).
    #[arg(long)]
    no_keep_alive: bool,
    /// With the embedded mock only: the most items on a page of its lists (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = graph_conformance::mock::DEFAULT_PAGE_SIZE as u16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    mock_page_size: u16,
    /// With the embedded mock only: inject a fault (repeatable; see `mock --list-faults`).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    faults: Vec<Fault>,
    /// The most requests in flight at once (default: 8 per core, 8 to 64); operations on one
    /// resource stay in order.
    #[arg(long, value_name = "N", default_value_t = default_concurrency() as u64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    concurrency: u64,
    /// The most pages of one list read by following @odata.nextLink (1 to 100000); a list
    /// with a next link still after them is a `page-cap` warning.
    #[arg(long, value_name = "N", default_value_t = graph_conformance::run::DEFAULT_MAX_PAGES, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_pages: u32,
    /// The most requests per second, shared by every chain (e.g. 50 or 50/s; 0.001 to 1000000).
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
    /// Exit 1 when an operation was skipped (nothing of it ran), as a nightly run should.
    #[arg(long)]
    fail_on_skip: bool,
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
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[command(flatten)]
    token: TokenArgs,
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
    /// Faithful but unfriendly: close a kept-alive connection, unanswered and without
    /// `Connection: close`, when a request arrives after this many idle milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    idle_close: Option<u64>,
    /// Faithful but unfriendly: answer every N-th request 429 or 503 with Retry-After.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    throttle_every: Option<u32>,
    /// The most items a page of a list holds (later pages through @odata.nextLink).
    #[arg(long, value_name = "N", default_value_t = graph_conformance::mock::DEFAULT_PAGE_SIZE as u16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    page_size: u16,
}

/// The exit-code contract: 0 ok, 1 findings, 2 usage, configuration or reachability error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Findings,
    UsageError,
}

impl Outcome {
    /// Returns the outcome of a gate's verdict.
    fn of(verdict: &Verdict) -> Outcome {
        match verdict.exit_code() {
            0 => Outcome::Success,
            1 => Outcome::Findings,
            _ => Outcome::UsageError,
        }
    }
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
    let look = ConsoleOptions {
        color: cli.color,
        quiet: cli.quiet,
        token_given: false,
    };
    let outcome = match cli.command {
        Command::Derive {
            pages,
            out,
            check,
            metadata,
            metadata_wins,
            coverage,
            min_coverage,
        } => {
            let options = DeriveOptions {
                check,
                metadata,
                metadata_wins,
                coverage,
                min_coverage,
            };
            run_derive(&pages, &out, &options)
        }
        Command::Run(args) => with_runtime(Runtime::Client, || run_suite(*args, look)),
        Command::Mock(args) => with_runtime(Runtime::Server, || serve_mock(args)),
        Command::Report(args) => rerender(&args, look),
        Command::Replay(args) => with_runtime(Runtime::Client, || replay(args)),
        Command::Completions { shell } => completions(shell),
    };
    outcome.into()
}

/// Prints the completion script of `shell`.
fn completions(shell: clap_complete::Shell) -> Outcome {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "graph-conformance", &mut script);
    console::out(String::from_utf8_lossy(&script).trim_end());
    Outcome::Success
}

/// Returns the token to send, from --token-file, --token or GRAPH_TOKEN, warning when it
/// was given where others can see it.
fn token(args: &TokenArgs) -> Result<Option<SecretString>, credentials::TokenError> {
    let environment = std::env::var_os("GRAPH_TOKEN");
    let sources = TokenSources {
        file: args.token_file.as_deref(),
        flag: args.token.as_deref(),
        environment: environment.as_deref(),
    };
    let Some((token, origin)) = credentials::resolve(&sources)? else {
        return Ok(None);
    };
    if origin == TokenOrigin::Flag {
        console::err(
            "warning: --token is visible to every user of this machine (ps, /proc): prefer GRAPH_TOKEN or --token-file",
        );
    }
    Ok(Some(token))
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
                console::err(&format!("accepted by `{name}`: {}", flags.join(", ")));
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

async fn run_suite(args: RunArgs, look: ConsoleOptions) -> Outcome {
    let base_url = match parse_base_url(args.base_url.as_deref()) {
        Ok(url) => url,
        Err(outcome) => return outcome,
    };
    let suite = match Suite::load_or_embedded(args.suite.as_deref()) {
        Ok(suite) => Arc::new(suite),
        Err(e) => return fail(&e),
    };
    if args.base_url.is_some() && !args.faults.is_empty() {
        console::err(
            "error: --fault only applies to the embedded mock; drop --base-url or --fault",
        );
        return Outcome::UsageError;
    }
    if let Err(message) = check_ids(&suite, &args.ids) {
        console::err(&format!("error: {message}"));
        return Outcome::UsageError;
    }
    let given_token = match token(&args.token) {
        Ok(token) => token,
        Err(e) => return fail(&e),
    };
    let gate = match load_gate(&args.gate) {
        Ok(gate) => gate,
        Err(e) => return fail(&e),
    };
    if let Err(e) = report::check_writable(&args.report_dir) {
        return fail(&e);
    }
    let options = RunOptions {
        token: None,
        seed: args.seed,
        cases: args.cases,
        only: args.only.clone(),
        ids: args.ids.iter().cloned().collect(),
        strict: args.strict,
        headers: args.headers.clone(),
        secret_headers: args.secret_headers.clone(),
        timeout: Duration::from_secs(args.timeout),
        max_time: args.max_time.map(Duration::from_secs),
        max_body: args.max_body,
        retries: args.retries,
        keep_alive: !args.no_keep_alive,
        partition: args.partition,
        concurrency: usize::try_from(args.concurrency).unwrap_or_else(|_| default_concurrency()),
        rate_limit: args.rate_limit,
        max_pages: args.max_pages,
        mock_faults: args.faults.iter().map(|f| f.name().to_string()).collect(),
        ..RunOptions::new(String::new())
    };
    let mock = MockConfig {
        faults: args.faults.clone(),
        page_size: usize::from(args.mock_page_size),
        ..MockConfig::default()
    };
    // the embedded mock compiles its contract on a thread of its own while the run plans
    let (plan, target) = std::thread::scope(|scope| {
        let starting = scope.spawn(|| Target::start_with(&suite, base_url, mock));
        let plan = plan(&suite, &options);
        let target = starting
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (plan, target)
    });
    let target = match target {
        Ok(target) => target,
        Err(e) => return fail(&e),
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => {
            target.shutdown().await;
            return fail(&e);
        }
    };
    if let Err(message) = something_to_test(&suite, &options, &plan) {
        target.shutdown().await;
        console::err(&format!("error: {message}"));
        return Outcome::UsageError;
    }
    if target.is_embedded_mock() {
        console::err(&format!(
            "no --base-url: testing the embedded reference mock at {}",
            target.base_url()
        ));
    }
    let look = ConsoleOptions {
        token_given: given_token.is_some(),
        ..look
    };
    let options = RunOptions {
        token: target.token(given_token),
        base_url: target.base_url().to_string(),
        embedded_mock: target.is_embedded_mock(),
        ..options
    };
    for warning in options.secret_warnings() {
        console::err(&format!("warning: {warning}"));
    }
    if !look.quiet {
        console::err(&format!(
            "running {} operations, {} generated cases each, seed {} (--seed to vary)",
            suite.cases.len(),
            options.cases,
            options.seed
        ));
    }
    let mut console = Console::new(look);
    let outcome = execute(&plan, &options, &mut console).await;
    console.finish();
    target.shutdown().await;
    match outcome {
        Ok(results) => conclude(results, &gate, &args.report_dir, &console),
        Err(e) => fail(&e),
    }
}

/// Refuses a run that would test nothing: an empty suite, or `--only` and `--partition`
/// keeping no case (a green run must mean that something was tested).
fn something_to_test(suite: &Suite, options: &RunOptions, plan: &Plan) -> Result<(), String> {
    if suite.cases.is_empty() {
        return Err("the suite has no operations, so nothing would be tested: give --suite a directory that derive wrote (schemas/ and cases/)".into());
    }
    if plan.cases() > 0 || !plan.skipped.is_empty() {
        return Ok(());
    }
    let mut filters = Vec::new();
    if let Some(pattern) = &options.only {
        filters.push(format!("--only {pattern:?}"));
    }
    if let Some((k, n)) = options.partition {
        filters.push(format!("--partition {k}/{n}"));
    }
    let example = suite
        .cases
        .first()
        .map_or("create-widget", |c| c.id.as_str());
    Err(format!(
        "{} keeps none of the suite's cases, so nothing would be tested; case ids look like {example}/example/0, {example}/invalid/*, {example}/*",
        filters.join(" with ")
    ))
}

/// Refuses an `--id NAME` that fills no placeholder of the suite, listing those it has.
fn check_ids(suite: &Suite, ids: &[(String, String)]) -> Result<(), String> {
    let placeholders: BTreeSet<String> = suite
        .cases
        .iter()
        .flat_map(|c| {
            let template = graph_conformance::path_template::PathTemplate::parse(&c.path);
            template
                .placeholders()
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    match ids.iter().find(|(name, _)| !placeholders.contains(name)) {
        None => Ok(()),
        Some((name, _)) => Err(format!(
            "--id {name}=...: no path of the suite has a {{{name}}} placeholder; the suite's placeholders are: {}",
            placeholders.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Loads the gate the flags name.
fn load_gate(args: &GateArgs) -> Result<Gate, graph_conformance::baseline::BaselineError> {
    Gate::load(GateConfig {
        baseline: args.baseline.as_deref(),
        accept: args.accept.as_deref(),
        fail_on: if args.fail_on == "all" {
            FailOn::All
        } else {
            FailOn::New
        },
        fail_on_skip: args.fail_on_skip,
    })
}

/// Writes the reports, prints the closing lines, and picks the exit code.
fn conclude(mut results: RunResults, gate: &Gate, dir: &Path, console: &Console) -> Outcome {
    let today = graph_conformance::format::now_utc();
    gate.apply(&mut results, &today[..10]);
    let paths = match report::write(dir, &results) {
        Ok(paths) => paths,
        Err(e) => return fail(&e),
    };
    console.summary(&results);
    for expired in results.accepted.iter().filter(|a| a.expired) {
        console::out(&format!(
            "EXPIRED {} [{}]: accepted until {} ({}); the acceptance expired, so it fails again",
            expired.key.case, expired.key.check, expired.expires, expired.reason
        ));
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    console::err(&format!("reports: {}", shown.join(", ")));
    let verdict = gate.verdict(&results);
    match &verdict {
        Verdict::NothingRan {
            skipped,
            not_started,
        } => console::err(&format!(
            "error: no case ran, so nothing was tested: {skipped} skipped (see the SKIP lines), {not_started} not started by the --max-time deadline"
        )),
        Verdict::Skipped(operations) => console::err(&format!(
            "error: --fail-on-skip: {} operations were skipped (see the SKIPPED lines)",
            operations.len()
        )),
        Verdict::Passed | Verdict::Failed(_) => {}
    }
    Outcome::of(&verdict)
}

fn rerender(args: &ReportArgs, look: ConsoleOptions) -> Outcome {
    let gate = match load_gate(&args.gate) {
        Ok(gate) => gate,
        Err(e) => return fail(&e),
    };
    let (merge, files) = match args.results.split_first() {
        Some((first, rest)) if first.as_os_str() == "merge" => (true, rest),
        _ => (false, args.results.as_slice()),
    };
    if (merge && files.len() < 2) || (!merge && files.len() != 1) {
        console::err(
            "error: expected `report RESULTS.json` or `report merge A.json B.json ...` (two or more partitions)",
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
    if let Err(e) = report::check_writable(&args.report_dir) {
        return fail(&e);
    }
    conclude(results, &gate, &args.report_dir, &Console::new(look))
}

async fn replay(args: ReplayArgs) -> Outcome {
    let token = match token(&args.token) {
        Ok(token) => token,
        Err(e) => return fail(&e),
    };
    let base_url = match parse_base_url(args.base_url.as_deref()) {
        Ok(url) => url,
        Err(outcome) => return outcome,
    };
    let request = ReplayRequest {
        case: &args.case,
        results: &args.results,
        base_url,
        token,
        suite: args.suite.as_deref(),
    };
    let replay = match Replay::prepare(request) {
        Ok(replay) => replay,
        Err(e) => return fail(&e),
    };
    console::err(&format!(
        "replaying {} (recorded: {:?}) against {}",
        replay.recorded.id,
        replay.recorded.verdict,
        replay.base_url()
    ));
    let again = match replay.run().await {
        Ok(again) => again,
        Err(e) => return fail(&e),
    };
    console::out(&format!("{} {:?}", again.id, again.verdict));
    for f in &again.findings {
        console::out(&format!("  {} {}", f.severity.as_str(), console::shown(f)));
    }
    if let Some(reason) = &again.skipped_reason {
        console::out(&format!("  skipped: {reason}"));
    }
    if again.verdict == graph_conformance::results::Verdict::Failed {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

async fn serve_mock(args: MockArgs) -> Outcome {
    if args.list_faults {
        let width = Fault::all().iter().map(|f| f.name().len()).max();
        let width = width.unwrap_or_default();
        for fault in Fault::all() {
            let kind = fault.kind().label();
            console::out(&format!(
                "{:<width$} {kind:<10} {}",
                fault.name(),
                fault.description()
            ));
        }
        return Outcome::Success;
    }
    let suite = match Suite::load_or_embedded(args.suite.as_deref()) {
        Ok(suite) => Arc::new(suite),
        Err(e) => return fail(&e),
    };
    let config = MockConfig {
        prefix: args.prefix,
        faults: args.faults,
        page_size: usize::from(args.page_size),
    };
    let transport = graph_conformance::mock::Transport {
        idle_close: args.idle_close.map(Duration::from_millis),
        throttle_every: args.throttle_every,
    };
    let address = SocketAddr::from(([127, 0, 0, 1], args.port));
    let server = match MockServer::start_with(suite, config, transport, address).await {
        Ok(server) => server,
        Err(e) => return fail(&e),
    };
    for left_out in server.left_out() {
        console::err(&format!(
            "note: operation `{}` is not served: {}",
            left_out.operation, left_out.reason
        ));
    }
    console::err(&format!(
        "serving the reference mock at {} (Ctrl-C stops it)",
        server.base_url()
    ));
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Outcome::Success
}

/// Checks `--base-url` (the URL is never repeated: it may hold credentials).
fn parse_base_url(value: Option<&str>) -> Result<Option<String>, Outcome> {
    value
        .map(graph_conformance::endpoint::parse_base_url)
        .transpose()
        .map_err(|e| {
            console::err(&format!("error: invalid value for --base-url: {e}"));
            Outcome::UsageError
        })
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

/// The slowest `--rate-limit` (one request every 1000 s) and the fastest.
const MIN_RATE: f64 = 0.001;
const MAX_RATE: f64 = 1_000_000.0;

fn parse_rate(value: &str) -> Result<f64, String> {
    let number = value.trim().trim_end_matches("/s");
    match number.parse::<f64>() {
        Ok(rate) if (MIN_RATE..=MAX_RATE).contains(&rate) => Ok(rate),
        _ => {
            Err("expected requests per second from 0.001 to 1000000, e.g. 50 or 50/s or 0.5".into())
        }
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
        "G" | "GB" | "GIB" => 1024 * 1024 * 1024,
        _ => 0,
    };
    match digits.parse::<usize>() {
        Ok(n) if n > 0 && multiplier > 0 && n <= 1024 * 1024 * 1024 / multiplier => {
            Ok(n * multiplier)
        }
        _ => Err("expected a size from 1 byte to 1G, like 65536, 512K, 16M or 1G".into()),
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

/// What `derive` does besides deriving.
struct DeriveOptions {
    check: bool,
    metadata: Option<PathBuf>,
    metadata_wins: bool,
    coverage: Option<PathBuf>,
    min_coverage: Option<u8>,
}

fn run_derive(pages: &[PathBuf], out: &Path, options: &DeriveOptions) -> Outcome {
    graph_conformance::derive::work_on_this_thread();
    let sources = match collect_pages(pages) {
        Ok(sources) => sources,
        Err(e) => return fail(&e),
    };
    let mut derivation = derive(&sources);
    if let Some(path) = &options.metadata {
        let metadata = match Metadata::read(path) {
            Ok(metadata) => metadata,
            Err(e) => return fail(&e),
        };
        let summary =
            metadata::compare_derivation(&metadata, &mut derivation, options.metadata_wins);
        console::err(&summary);
    }
    for diagnostic in &derivation.diagnostics {
        console::err(&format!("{diagnostic}"));
    }
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    drop(sources); // the pages' text is no longer needed: the contract holds what it says
    let coverage = Coverage::of(&derivation, &names);
    console::err(&coverage.table());
    if let Some(path) = &options.coverage {
        let json = serde_json::to_value(&coverage).unwrap_or_default();
        if let Err(e) = atomic_file::write_atomically(path, &emit::pretty(&json)) {
            return fail(&e);
        }
    }
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
    // with a coverage floor, page errors are reported, not fatal: the floor judges
    let fatal_errors = if options.min_coverage.is_some() {
        0
    } else {
        errors
    };
    let outcome = if options.check {
        report_check(&derivation, out, &summary, fatal_errors)
    } else {
        let written = match emit::write(&derivation, out) {
            Ok(written) => written,
            Err(e) => return fail(&e),
        };
        console::err(&format!(
            "{summary}; wrote {written} files under {}",
            out.display()
        ));
        if fatal_errors > 0 {
            Outcome::Findings
        } else {
            Outcome::Success
        }
    };
    match options
        .min_coverage
        .and_then(|floor| coverage.shortfall(floor))
    {
        Some(shortfall) => {
            console::err(&shortfall.to_string());
            Outcome::Findings
        }
        None => outcome,
    }
}

fn report_check(derivation: &Derivation, out: &Path, summary: &str, errors: usize) -> Outcome {
    let drift = match emit::check(derivation, out) {
        Ok(drift) => drift,
        Err(e) => return fail(&e),
    };
    for d in &drift {
        console::err(&format!("{d}"));
    }
    if drift.is_empty() {
        console::err(&format!(
            "{summary}; schemas/ and cases/ under {} are up to date",
            out.display()
        ));
    } else {
        console::err(&format!(
            "{summary}; {} files under {} are out of date: run `graph-conformance derive` without --check to update them",
            drift.len(),
            out.display()
        ));
    }
    if drift.is_empty() && errors == 0 {
        Outcome::Success
    } else {
        Outcome::Findings
    }
}

/// Prints an error and its causes, and returns the usage-or-configuration outcome.
fn fail(error: &dyn std::error::Error) -> Outcome {
    console::err(&format!("error: {error}"));
    let mut source = error.source();
    while let Some(cause) = source {
        console::err(&format!("  caused by: {cause}"));
        source = cause.source();
    }
    Outcome::UsageError
}
