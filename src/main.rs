//! The command line: parses flags, calls the library, prints, and picks the exit code.
//! This is the only place that prints errors or decides how the process ends.

use clap::{Parser, Subcommand};
use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::diagnostic::Severity;
use graph_conformance::emit::SuiteFiles;
use std::path::PathBuf;
use std::process::ExitCode;

/// Contract and conformance tests for REST APIs documented the way Microsoft Graph documents its own.
#[derive(Parser)]
#[command(name = "graph-conformance", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

/// The exit-code contract: 0 ok, 1 findings, 2 usage or input error.
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
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Derive { pages, out, check } => run_derive(&pages, &out, check),
    };
    outcome.into()
}

fn run_derive(pages: &[PathBuf], out: &std::path::Path, check: bool) -> Outcome {
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

fn report_check(
    files: &SuiteFiles,
    out: &std::path::Path,
    summary: &str,
    errors: usize,
) -> Outcome {
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

/// Prints an error and its causes, and returns the usage-or-input outcome.
fn fail(error: &dyn std::error::Error) -> Outcome {
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    Outcome::UsageError
}
