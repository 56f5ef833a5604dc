//! summary.md: for a CI job summary or a PR comment: totals, new failures first, the root
//! causes grouped by check, a compact table per operation; no links; never over its size
//! limit, however many findings (rows past the limit are counted, not shown).
//!
//! It is pasted where markdown is live (GitHub job summaries, PR comments), so every string
//! that is not one of its own fixed words (messages quoting server values, keys, operation
//! and case ids, URLs, reasons, dates) goes through [`inert`]: one code span each, on one
//! line, which no markdown or HTML inside can break out of.

use crate::checks::Check;
use crate::results::RunResults;
use std::collections::BTreeMap;

/// The longest message shown in a table cell.
const CELL: usize = 160;

/// Renders summary.md within `limit` bytes.
pub fn render(results: &RunResults, limit: usize) -> String {
    let mut doc = Doc {
        text: String::new(),
        limit,
        omitted: 0,
    };
    let t = &results.totals;
    doc.line(&format!(
        "# graph-conformance: {} passed, {} failed\n",
        t.passed + t.warned,
        t.failed
    ));
    doc.line(&format!(
        "{} cases ({} with warnings, {} skipped), {} requests in {:.2}s against {}; seed `{}`; {} failing root causes, {} warnings.\n",
        t.cases,
        t.warned,
        t.skipped,
        t.requests,
        results.run.duration_ms / 1000.0,
        inert(&results.run.base_url, Place::Text),
        results.run.seed,
        t.errors,
        t.warnings
    ));
    baseline(&mut doc, results);
    accepted(&mut doc, results);
    by_check(&mut doc, results);
    operations(&mut doc, results);
    doc.finish()
}

struct Doc {
    text: String,
    limit: usize,
    omitted: usize,
}

impl Doc {
    /// Appends a line if it fits (with room for the closing note); counts it otherwise.
    fn line(&mut self, line: &str) {
        if self.text.len() + line.len() + 200 > self.limit {
            self.omitted += 1;
            return;
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn finish(mut self) -> String {
        if self.omitted > 0 {
            self.text.push_str(&format!("\n_{} more lines omitted to stay under {} KiB; see results.json or report.html._\n", self.omitted, self.limit / 1024));
        }
        self.text
    }
}

/// Where an inert string goes: running text, or a table cell (where a pipe ends the cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Text,
    Cell,
}

/// Makes `text` inert markdown: one code span, on one line, fenced with more backticks than
/// any run of them inside, so that no image, link, autolink, HTML tag, `@mention`, `#123`
/// reference or emphasis in it is live; in a table cell, pipes are escaped (GitHub takes
/// `\|` as a pipe inside a code span of a table, and any other pipe as the end of the cell).
pub fn inert(text: &str, place: Place) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    if flat.is_empty() {
        return "(empty)".to_string();
    }
    let longest_run = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if flat.starts_with(['`', ' ']) || flat.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    let content = match place {
        Place::Text => flat,
        Place::Cell => flat.replace('|', "\\|"),
    };
    format!("{fence}{pad}{content}{pad}{fence}")
}

/// Makes `text` an inert table cell, shortened to [`CELL`] characters.
fn cell(text: &str) -> String {
    inert(&super::shorten(text, CELL), Place::Cell)
}

fn baseline(doc: &mut Doc, results: &RunResults) {
    let Some(diff) = &results.baseline else {
        return;
    };
    doc.line(&format!(
        "## Since the baseline ({})\n\n**{} new**, {} still failing, {} fixed.\n",
        inert(&diff.baseline_started, Place::Text),
        diff.new.len(),
        diff.still_failing.len(),
        diff.fixed.len()
    ));
    if !diff.new.is_empty() {
        doc.line("### New failures\n\n| case | check | message |\n|---|---|---|");
        for f in &diff.new {
            let flaky = if f.flaky { " (flaky)" } else { "" };
            doc.line(&format!(
                "| {}{flaky} | `{}` | {} |",
                cell(&f.key.case),
                f.key.check.code(),
                cell(&f.message)
            ));
        }
        doc.line("");
    }
    if !diff.fixed.is_empty() {
        doc.line("### Fixed\n\n| case | check |\n|---|---|");
        for f in &diff.fixed {
            doc.line(&format!(
                "| {} | `{}` |",
                cell(&f.key.case),
                f.key.check.code()
            ));
        }
        doc.line("");
    }
}

fn accepted(doc: &mut Doc, results: &RunResults) {
    if results.accepted.is_empty() {
        return;
    }
    doc.line("## Accepted failures\n\n| case | check | reason | expires |\n|---|---|---|---|");
    for a in &results.accepted {
        let expires = if a.expired {
            format!("**expired** {}", cell(&a.expires))
        } else {
            cell(&a.expires)
        };
        doc.line(&format!(
            "| {} | `{}` | {} | {expires} |",
            cell(&a.key.case),
            a.key.check.code(),
            cell(&a.reason)
        ));
    }
    doc.line("");
}

fn by_check(doc: &mut Doc, results: &RunResults) {
    if results.findings.is_empty() {
        doc.line("No findings.\n");
        return;
    }
    let mut groups: BTreeMap<(bool, Check), Vec<_>> = BTreeMap::new();
    for cause in &results.findings {
        groups
            .entry((cause.convention, cause.check))
            .or_default()
            .push(cause);
    }
    doc.line("## Findings by check\n");
    for ((_, check), causes) in groups {
        doc.line(&format!(
            "### `{}`: {} ({})\n",
            check.code(),
            check.name(),
            causes.len()
        ));
        doc.line("| operation | about | severity | message | page rule | cases |\n|---|---|---|---|---|---|");
        for c in causes {
            doc.line(&format!(
                "| {} | {} | {} | {} | {} | {} |",
                cell(&c.operation),
                cell(&c.key),
                c.severity.as_str(),
                cell(&c.message),
                c.rule
                    .as_ref()
                    .map_or("convention".to_string(), |r| cell(&r.to_string())),
                c.occurrences
            ));
        }
        doc.line("");
    }
}

fn operations(doc: &mut Doc, results: &RunResults) {
    let counts = &results.cases.tally().operations;
    doc.line("## Operations\n\n| operation | passed | of them with warnings | failed | skipped |\n|---|---|---|---|---|");
    for (op, [passed, failed, warned, skipped]) in counts {
        doc.line(&format!(
            "| {} | {} | {warned} | {failed} | {skipped} |",
            cell(op),
            passed + warned
        ));
    }
    skipped_operations(doc, results);
}

/// Lists the operations skipped whole (they have no case to count), each with the reason.
fn skipped_operations(doc: &mut Doc, results: &RunResults) {
    let skipped = &results.run.skipped_operations;
    if skipped.is_empty() {
        return;
    }
    doc.line("\n## Skipped operations\n\n| operation | why |\n|---|---|");
    for s in skipped {
        doc.line(&format!("| {} | {} |", cell(&s.operation), cell(&s.reason)));
    }
}
