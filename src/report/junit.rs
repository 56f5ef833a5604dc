//! junit.xml through quick-junit: one testsuite per operation, one testcase per case. A
//! failed check is a `<failure>` with its message, the request and the response; warnings go
//! to system-out, never to failure; `<skipped>` only for cases that did not run.

use super::repro::reproduction;
use crate::results::{CaseResult, Exchange, RunResults, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

/// The most of a body shown in a failure.
const BODY_PREVIEW: usize = 4096;

/// Builds junit.xml as the cases stream past: one testsuite per operation, in name order.
/// quick-junit holds the report in memory, so each case is kept lean: a passing one is its
/// name and time; only a failure carries its request, response and reproduction.
#[derive(Default)]
pub struct Builder {
    suites: BTreeMap<String, TestSuite>,
}

impl Builder {
    /// Adds one case to its operation's testsuite.
    pub fn case(&mut self, results: &RunResults, case: &CaseResult) {
        if !self.suites.contains_key(&case.operation) {
            let suite = new_suite(results, &case.operation);
            self.suites.insert(case.operation.clone(), suite);
        }
        if let Some(suite) = self.suites.get_mut(&case.operation) {
            suite.add_test_case(test_case(results, case));
        }
    }

    /// Writes junit.xml to `out` (straight from the report, with no copy of it as text).
    pub fn finish(self, results: &RunResults, out: impl std::io::Write) -> std::io::Result<()> {
        let mut report = Report::new("graph-conformance");
        report.set_time(Duration::from_secs_f64(results.run.duration_ms / 1000.0));
        report.add_test_suites(self.suites.into_values());
        report.serialize(out).map_err(std::io::Error::other)
    }
}

fn new_suite(results: &RunResults, operation: &str) -> TestSuite {
    let mut suite = TestSuite::new(operation);
    suite.add_property(("seed", results.run.seed.to_string().as_str()));
    suite.add_property(("base_url", results.run.base_url.as_str()));
    if let Some(diff) = &results.baseline {
        suite.add_property(("baseline.started", diff.baseline_started.as_str()));
        suite.add_property(("baseline.new", diff.new.len().to_string().as_str()));
        suite.add_property((
            "baseline.still_failing",
            diff.still_failing.len().to_string().as_str(),
        ));
        suite.add_property(("baseline.fixed", diff.fixed.len().to_string().as_str()));
    }
    suite
}

fn test_case(results: &RunResults, case: &CaseResult) -> TestCase {
    let status = match case.verdict {
        Verdict::Passed | Verdict::Warned => TestCaseStatus::success(),
        Verdict::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(case.skipped_reason.clone().unwrap_or_default());
            status
        }
        Verdict::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            if let Some(first) = case.findings.iter().find(|f| f.is_error()) {
                status.set_message(format!("[{}] {}", first.check, first.message));
                status.set_type(first.check.code());
            }
            status.set_description(failure_text(results, case));
            status
        }
    };
    let mut test_case = TestCase::new(case.id.as_str(), status);
    test_case.set_classname(case.operation.as_str());
    test_case.set_time(Duration::from_secs_f64(case.duration_ms / 1000.0));
    let warnings: Vec<String> = case
        .findings
        .iter()
        .filter(|f| !f.is_error())
        .map(|f| format!("warning [{}] {}", f.check, f.message))
        .collect();
    if !warnings.is_empty() {
        test_case.set_system_out(warnings.join("\n"));
    }
    test_case
}

fn failure_text(results: &RunResults, case: &CaseResult) -> String {
    let mut text = String::new();
    for f in &case.findings {
        let rule = f
            .rule
            .as_deref()
            .map(|r| format!(" (page rule: {r})"))
            .unwrap_or_default();
        text.push_str(&format!(
            "{} [{}] {}{rule}\n",
            f.severity.as_str(),
            f.check,
            f.message
        ));
    }
    for exchange in &case.exchanges {
        text.push_str(&exchange_text(exchange));
    }
    text.push_str("\nReproduce with:\n");
    for command in reproduction(&results.run, case) {
        text.push_str(&format!("  {command}\n"));
    }
    text
}

/// Writes an exchange as text: the request, then the response (bodies capped).
pub(super) fn exchange_text(exchange: &Exchange) -> String {
    let request = &exchange.request;
    let mut text = format!("\n> {} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        text.push_str(&format!("> {name}: {value}\n"));
    }
    if let Some(body) = &request.body {
        text.push_str(&format!(">\n{}\n", preview(body)));
    }
    match (&exchange.response, &exchange.error) {
        (Some(response), _) => {
            text.push_str(&format!("< {}\n", response.status));
            for (name, value) in &response.headers {
                text.push_str(&format!("< {name}: {value}\n"));
            }
            text.push_str(&format!("<\n{}\n", preview(&response.body)));
            if response.truncated {
                text.push_str(&format!(
                    "(body truncated: {} bytes, {} recorded)\n",
                    response.body_bytes, response.body_cap
                ));
            }
        }
        (None, Some(error)) => text.push_str(&format!("< no response: {error}\n")),
        (None, None) => {}
    }
    text
}

fn preview(body: &str) -> String {
    if body.len() <= BODY_PREVIEW {
        return body.to_string();
    }
    let cut = body.floor_char_boundary(BODY_PREVIEW);
    format!("{}... ({} more bytes)", &body[..cut], body.len() - cut)
}
