//! The console: what a person or a log sees of a run. Cases and the summary go to stdout,
//! progress and notes to stderr. A console that was closed (`run ... | head -1`) stops
//! printing and the run goes on to write its reports: nothing here can panic on a write.

use crate::checks::Finding;
use crate::results::{CaseResult, RootCause, RunResults, Verdict};
use crate::run::{RunEvent, Sink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// When the console uses colour (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Tells whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color(),
        }
    }
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints one line on stdout; once stdout is closed, prints nothing more.
pub fn out(line: &str) {
    write_line(&mut std::io::stdout().lock(), &STDOUT_CLOSED, line);
}

/// Prints one line on stderr; once stderr is closed, prints nothing more.
pub fn err(line: &str) {
    write_line(&mut std::io::stderr().lock(), &STDERR_CLOSED, line);
}

fn write_line(stream: &mut dyn Write, closed: &AtomicBool, line: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if writeln!(stream, "{line}")
        .and_then(|()| stream.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}

/// The longest quoted value a console line shows; longer ones are cut with an ellipsis.
pub const VALUE_SHOWN: usize = 60;
/// The longest message a console line shows.
pub const MESSAGE_SHOWN: usize = 300;

/// How the console of a run looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleOptions {
    pub color: ColorChoice,
    /// Only the summary: no progress, no line per case.
    pub quiet: bool,
    /// A token was given (the 401 hint is for runs without one).
    pub token_given: bool,
}

/// The console of one run: a progress bar on a terminal, one line per failing case, each
/// warning once per root cause, and the closing lines.
pub struct Console {
    options: ConsoleOptions,
    warned: BTreeSet<(String, String, String)>,
    bar: Option<ProgressBar>,
    color: bool,
    answers: usize,
    unauthorized: usize,
    /// Skipped cases by reason: each reason is printed a few times, the rest counted.
    skips: std::collections::BTreeMap<String, usize>,
    /// The first reason a case of each operation was skipped for.
    skip_reasons: std::collections::BTreeMap<String, String>,
}

/// How many cases one skip reason is printed for; the rest are counted in the summary.
const SKIPS_SHOWN: usize = 3;

impl Console {
    /// A console for a run; its progress bar is drawn once the run says how many cases it
    /// plans (see [`Sink`]).
    pub fn new(options: ConsoleOptions) -> Console {
        Console {
            options,
            warned: BTreeSet::new(),
            bar: None,
            color: options.color.enabled(std::io::stdout().is_terminal()),
            answers: 0,
            unauthorized: 0,
            skips: std::collections::BTreeMap::new(),
            skip_reasons: std::collections::BTreeMap::new(),
        }
    }

    /// Prints a case line on stdout, above the progress bar if one is drawn.
    fn line(&self, text: &str) {
        if self.options.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.suspend(|| out(text)),
            None => out(text),
        }
    }

    fn tag(&self, word: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }

    /// Draws the progress bar of a run of `planned` cases, on a terminal.
    fn run_started(&mut self, planned: usize) {
        let terminal = std::io::stderr().is_terminal();
        if terminal && !self.options.quiet && planned > 0 {
            self.bar = Some(progress_bar(planned));
        }
    }

    /// Prints an operation skipped whole, with the reason (see [`Console::skip`]).
    fn operation_skipped(&mut self, operation: &str, reason: &str) {
        self.skip(operation, operation, reason);
    }

    /// Told of every finished case.
    fn case_finished(&mut self, case: &CaseResult) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        for response in case.exchanges.iter().filter_map(|e| e.response.as_ref()) {
            self.answers += 1;
            self.unauthorized += usize::from(response.status == 401);
        }
        match case.verdict {
            Verdict::Failed => self.failed(case),
            Verdict::Warned => self.warned(case),
            Verdict::Skipped => self.skipped(case),
            Verdict::Passed => {}
        }
    }

    fn skipped(&mut self, case: &CaseResult) {
        let reason = case.skipped_reason.as_deref().unwrap_or_default();
        self.skip(&case.id, &case.operation, reason);
    }

    /// Prints a skipped case or operation `id`: each reason a few times, the rest counted.
    fn skip(&mut self, id: &str, operation: &str, reason: &str) {
        self.skip_reasons
            .entry(operation.to_string())
            .or_insert_with(|| reason.to_string());
        let seen = self.skips.entry(reason.to_string()).or_default();
        *seen += 1;
        if *seen <= SKIPS_SHOWN {
            self.line(&format!("SKIP {id} {reason}"));
        }
    }

    fn failed(&self, case: &CaseResult) {
        let Some(f) = case.findings.iter().find(|f| f.is_error()) else {
            return;
        };
        self.line(&format!(
            "{} {} {}",
            self.tag("FAIL", "31"),
            case.id,
            shown(f)
        ));
    }

    fn warned(&mut self, case: &CaseResult) {
        for f in &case.findings {
            let key = (
                case.operation.clone(),
                f.check.code().to_string(),
                f.key.clone(),
            );
            if self.warned.insert(key) {
                self.line(&format!(
                    "{} {} {}",
                    self.tag("WARN", "33"),
                    case.id,
                    shown(f)
                ));
            }
        }
    }

    /// Clears the progress bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Prints the closing lines: the root causes, the totals, and a hint when most answers
    /// were 401 and no token was given.
    pub fn summary(&self, results: &RunResults) {
        if !self.options.quiet {
            for (reason, count) in &self.skips {
                if *count > SKIPS_SHOWN {
                    out(&format!(
                        "SKIP {} more cases: {reason}",
                        count - SKIPS_SHOWN
                    ));
                }
            }
            root_causes(&crate::report::root_causes(results));
        }
        for operation in results.skipped_operations() {
            let whole = results
                .run
                .skipped_operations
                .iter()
                .find(|s| s.operation == operation)
                .map(|s| &s.reason);
            let reason = whole
                .or_else(|| self.skip_reasons.get(operation))
                .map_or("see results.json", String::as_str);
            out(&format!(
                "{} operation {operation}: nothing of it ran: {reason}",
                self.tag("SKIPPED", "33")
            ));
        }
        if results.run.throttled > 0 {
            out(&format!(
                "{} cases skipped: throttled (429 or 503 still answered after --retries); raise --retries, or lower --rate-limit or --concurrency",
                results.run.throttled
            ));
        }
        if results.run.not_started > 0 {
            out(&format!(
                "{} cases not started: deadline (--max-time)",
                results.run.not_started
            ));
        }
        let t = &results.totals;
        out(&format!(
            "{} passed, {} failed",
            t.passed + t.warned,
            t.failed
        ));
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
        out(&format!(
            "{} cases ({} with warnings, {} skipped), {} root causes failing and {} warnings, {} requests in {:.2}s, seed {}{baseline}",
            t.cases,
            t.warned,
            t.skipped,
            t.errors,
            t.warnings,
            t.requests,
            results.run.duration_ms / 1000.0,
            results.run.seed
        ));
        if let Some(hint) = self.unauthorized_hint() {
            err(&hint);
        }
    }

    /// A hint when most answers were 401 and no token was given.
    fn unauthorized_hint(&self) -> Option<String> {
        (!self.options.token_given && self.answers > 0 && self.unauthorized * 2 > self.answers)
            .then(|| {
                format!(
                    "hint: {} of {} answers were 401 Unauthorized and no token was given: put the bearer token in GRAPH_TOKEN or a file named by --token-file (- reads it from stdin)",
                    self.unauthorized, self.answers
                )
            })
    }
}

impl Sink for Console {
    fn event(&mut self, event: RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { planned } => self.run_started(planned),
            RunEvent::OperationSkipped { operation, reason } => {
                self.operation_skipped(operation, reason);
            }
            RunEvent::CaseFinished { result } => self.case_finished(result),
            RunEvent::RunFinished { .. } => self.finish(),
        }
    }
}

fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} cases") {
        bar.set_style(style);
    }
    bar
}

/// Prints the root causes of error severity, one line each: check, operation, what it is
/// about, the page line of the rule, and how many findings share it.
fn root_causes(causes: &[&RootCause]) {
    let failing: Vec<&RootCause> = causes
        .iter()
        .copied()
        .filter(|c| c.severity == crate::diagnostic::Severity::Error)
        .collect();
    if failing.is_empty() {
        return;
    }
    out(&format!("root causes failing ({}):", failing.len()));
    for cause in failing {
        let about = if cause.key.is_empty() {
            String::new()
        } else {
            format!(" {}", shorten_to(&cause.key, VALUE_SHOWN))
        };
        let rule = cause
            .rule
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        out(&format!(
            "  [{}] {}{about}{rule}: {} finding{}, e.g. {}",
            cause.check,
            cause.operation,
            cause.occurrences,
            if cause.occurrences == 1 { "" } else { "s" },
            cause.first_case
        ));
    }
}

/// Shows a finding on one console line: its one rendering (see [`Finding`]'s `Display`),
/// its message shortened (see [`shorten`]) so that the page rule always shows.
pub fn shown(finding: &Finding) -> String {
    Finding {
        message: shorten(&finding.message),
        ..finding.clone()
    }
    .to_string()
}

/// Shortens a message for one console line: every quoted value (`"..."` or `` `...` ``)
/// longer than [`VALUE_SHOWN`] characters is cut with an ellipsis, and the whole line is
/// cut at [`MESSAGE_SHOWN`].
pub fn shorten(message: &str) -> String {
    let mut shown = String::with_capacity(message.len().min(MESSAGE_SHOWN * 4));
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        shown.push_str(&rest[..=start]);
        let inner = &rest[start + 1..];
        let end = closing_quote(inner, quote).unwrap_or(inner.len());
        shown.push_str(&shorten_to(&inner[..end], VALUE_SHOWN));
        rest = &inner[end..];
        if let Some(close) = rest.chars().next() {
            shown.push(close);
            rest = &rest[close.len_utf8()..];
        }
    }
    shown.push_str(rest);
    shorten_to(&shown, MESSAGE_SHOWN)
}

fn shorten_to(value: &str, max: usize) -> String {
    crate::report::shorten(value, max).into_owned()
}

/// Returns the byte offset of the quote closing a value (a backslash escapes a `"`).
fn closing_quote(inner: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::short_message_is_kept("expected 201, got 400", "expected 201, got 400")]
    #[case::long_json_string_is_cut(
        &format!("`displayName` was sent as \"{}\" but the response has \"b\"", "a".repeat(500)),
        &format!("`displayName` was sent as \"{}…\" but the response has \"b\"", "a".repeat(59))
    )]
    #[case::escaped_quote_stays_inside(
        &format!("sent \"{}\\\"{}\" got 1", "a".repeat(10), "b".repeat(100)),
        &format!("sent \"{}\\\"{}…\" got 1", "a".repeat(10), "b".repeat(47))
    )]
    #[case::unclosed_quote_is_cut(&format!("sent \"{}", "c".repeat(100)), &format!("sent \"{}…", "c".repeat(59)))]
    fn console_lines_shorten_long_values(#[case] message: &str, #[case] shown: &str) {
        assert_eq!(shorten(message), shown);
    }

    #[test]
    fn console_lines_are_bounded_whatever_the_message() {
        let message = "word ".repeat(10_000);
        assert_eq!(shorten(&message).chars().count(), MESSAGE_SHOWN);
    }

    #[rstest]
    #[case::always_colours_a_pipe(ColorChoice::Always, false, true)]
    #[case::never_colours_a_terminal(ColorChoice::Never, true, false)]
    #[case::auto_leaves_a_pipe_plain(ColorChoice::Auto, false, false)]
    fn color_choice_decides_colour(
        #[case] choice: ColorChoice,
        #[case] terminal: bool,
        #[case] coloured: bool,
    ) {
        assert_eq!(choice.enabled(terminal), coloured);
    }
}
