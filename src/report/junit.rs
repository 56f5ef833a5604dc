//! junit.xml: one testsuite per operation (in name order), one testcase per case. A failed
//! check is a `<failure>` with its message, the request and the response; warnings go to
//! system-out, never to failure; `<skipped>` only for cases that did not run. An operation
//! skipped whole (it records no case) is a testsuite of one skipped testcase named after it,
//! with the reason, so CI lists it.
//!
//! Written with quick-xml as the cases stream past, so memory stays flat: each testcase is
//! rendered at once into a temporary file, and only its place there (16 bytes a case) is kept
//! per operation; at the end the suites are written from the tally's counts, each copying its
//! testcases from that file. (quick-junit, which the first version used, builds the whole
//! report in memory: about 400 bytes a case.)

use super::repro::reproduction;
use crate::results::{CaseResult, Exchange, RunResults, Verdict};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The most of a body shown in a failure.
const BODY_PREVIEW: usize = 4096;

/// Builds junit.xml as the cases stream past.
pub struct Builder {
    testcases: BufWriter<File>,
    written: u64,
    /// Per operation, where its testcases are in `testcases` (offset, length).
    places: BTreeMap<String, Vec<(u64, u32)>>,
    scratch: Vec<u8>,
    error: Option<std::io::Error>,
    /// The results.json the reproductions replay from.
    results_file: PathBuf,
}

impl Builder {
    /// Creates the temporary file the testcases go to.
    pub fn new(results_file: &Path) -> std::io::Result<Builder> {
        Ok(Builder {
            testcases: BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?),
            written: 0,
            places: BTreeMap::new(),
            scratch: Vec::new(),
            error: None,
            results_file: results_file.to_path_buf(),
        })
    }

    /// Renders one case's testcase.
    pub fn case(&mut self, results: &RunResults, case: &CaseResult) {
        if self.error.is_some() {
            return;
        }
        self.scratch.clear();
        let rendered = test_case(
            results,
            case,
            &self.results_file,
            &mut Writer::new(&mut self.scratch),
        )
        .and_then(|()| Ok(self.testcases.write_all(&self.scratch)?));
        match rendered {
            Ok(()) => {
                let length = u32::try_from(self.scratch.len()).unwrap_or(u32::MAX);
                let places = self.places.entry(case.operation.clone()).or_default();
                places.push((self.written, length));
                self.written += self.scratch.len() as u64;
            }
            Err(e) => self.error = Some(std::io::Error::other(e)),
        }
    }

    /// Writes junit.xml to `out`.
    pub fn finish(self, results: &RunResults, out: impl Write) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let testcases = self.testcases.into_inner().map_err(|e| e.into_error())?;
        let mut xml = Writer::new_with_indent(out, b' ', 4);
        write_report(results, &self.places, &testcases, &mut xml).map_err(std::io::Error::other)?;
        xml.into_inner().flush()
    }
}

fn write_report(
    results: &RunResults,
    places: &BTreeMap<String, Vec<(u64, u32)>>,
    testcases: &File,
    xml: &mut Writer<impl Write>,
) -> quick_xml::Result<()> {
    let totals = &results.totals;
    let skipped_whole = &results.run.skipped_operations;
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("testsuites");
    root.extend_attributes([
        ("name", "graph-conformance"),
        (
            "tests",
            (totals.cases + skipped_whole.len()).to_string().as_str(),
        ),
        (
            "skipped",
            (totals.skipped + skipped_whole.len()).to_string().as_str(),
        ),
        ("failures", totals.failed.to_string().as_str()),
        ("errors", "0"),
        (
            "time",
            format!("{:.3}", results.run.duration_ms / 1000.0).as_str(),
        ),
    ]);
    xml.write_event(Event::Start(root))?;
    let counts = &results.cases.tally().operations;
    for (operation, places) in places {
        let [passed, failed, warned, skipped] = counts.get(operation).copied().unwrap_or_default();
        let mut suite = BytesStart::new("testsuite");
        suite.extend_attributes([
            ("name", xml_text(operation).as_ref()),
            (
                "tests",
                (passed + failed + warned + skipped).to_string().as_str(),
            ),
            ("skipped", skipped.to_string().as_str()),
            ("errors", "0"),
            ("failures", failed.to_string().as_str()),
        ]);
        xml.write_event(Event::Start(suite))?;
        properties(results, xml)?;
        for &(offset, length) in places {
            xml.write_indent()?;
            let mut bytes = vec![0; length as usize];
            read_at(testcases, &mut bytes, offset)?;
            xml.get_mut().write_all(&bytes)?;
        }
        xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    for skipped in skipped_whole {
        skipped_operation(results, &skipped.operation, &skipped.reason, xml)?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    xml.write_indent()?;
    Ok(())
}

/// Writes the testsuite of an operation skipped whole: one skipped testcase, with the reason.
fn skipped_operation(
    results: &RunResults,
    operation: &str,
    reason: &str,
    xml: &mut Writer<impl Write>,
) -> quick_xml::Result<()> {
    let mut suite = BytesStart::new("testsuite");
    suite.extend_attributes([
        ("name", xml_text(operation).as_ref()),
        ("tests", "1"),
        ("skipped", "1"),
        ("errors", "0"),
        ("failures", "0"),
    ]);
    xml.write_event(Event::Start(suite))?;
    properties(results, xml)?;
    let mut case = BytesStart::new("testcase");
    case.extend_attributes([
        ("name", xml_text(operation).as_ref()),
        ("classname", xml_text(operation).as_ref()),
        ("time", "0.000"),
    ]);
    xml.write_event(Event::Start(case))?;
    let mut skipped = BytesStart::new("skipped");
    skipped.push_attribute(("message", xml_text(reason).as_ref()));
    xml.write_event(Event::Empty(skipped))?;
    xml.write_event(Event::End(BytesEnd::new("testcase")))?;
    xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    Ok(())
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_exact_at(file, buf, offset);
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

fn properties(results: &RunResults, xml: &mut Writer<impl Write>) -> quick_xml::Result<()> {
    let mut list = vec![
        ("seed", results.run.seed.to_string()),
        ("base_url", results.run.base_url.clone()),
    ];
    if let Some(diff) = &results.baseline {
        list.extend([
            ("baseline.started", diff.baseline_started.clone()),
            ("baseline.new", diff.new.len().to_string()),
            (
                "baseline.still_failing",
                diff.still_failing.len().to_string(),
            ),
            ("baseline.fixed", diff.fixed.len().to_string()),
        ]);
    }
    xml.write_event(Event::Start(BytesStart::new("properties")))?;
    for (name, value) in list {
        let mut property = BytesStart::new("property");
        property.extend_attributes([("name", name), ("value", xml_text(&value).as_ref())]);
        xml.write_event(Event::Empty(property))?;
    }
    xml.write_event(Event::End(BytesEnd::new("properties")))?;
    Ok(())
}

/// Renders one testcase (on one line, but for the text of its failure).
fn test_case(
    results: &RunResults,
    case: &CaseResult,
    results_file: &Path,
    xml: &mut Writer<impl Write>,
) -> quick_xml::Result<()> {
    let mut start = BytesStart::new("testcase");
    start.extend_attributes([
        ("name", xml_text(&case.id).as_ref()),
        ("classname", xml_text(&case.operation).as_ref()),
        ("time", format!("{:.3}", case.duration_ms / 1000.0).as_str()),
    ]);
    let warnings: Vec<String> = case
        .findings
        .iter()
        .filter(|f| !f.is_error())
        .map(|f| format!("warning {f}"))
        .collect();
    let body = match case.verdict {
        Verdict::Passed | Verdict::Warned => None,
        Verdict::Skipped => {
            let mut skipped = BytesStart::new("skipped");
            let reason = case.skipped_reason.as_deref().unwrap_or_default();
            skipped.push_attribute(("message", xml_text(reason).as_ref()));
            Some((skipped, None))
        }
        Verdict::Failed => {
            let mut failure = BytesStart::new("failure");
            if let Some(first) = case.findings.iter().find(|f| f.is_error()) {
                let message = first.to_string();
                failure.push_attribute(("message", xml_text(&message).as_ref()));
                failure.push_attribute(("type", first.check.code()));
            }
            Some((failure, Some(failure_text(results, case, results_file))))
        }
    };
    if body.is_none() && warnings.is_empty() {
        xml.write_event(Event::Empty(start))?;
        return Ok(());
    }
    xml.write_event(Event::Start(start))?;
    if let Some((element, text)) = body {
        match text {
            None => xml.write_event(Event::Empty(element))?,
            Some(text) => {
                let name = element.name().as_ref().to_vec();
                xml.write_event(Event::Start(element))?;
                xml.write_event(Event::Text(BytesText::new(&xml_text(&text))))?;
                xml.write_event(Event::End(BytesEnd::new(String::from_utf8_lossy(&name))))?;
            }
        }
    }
    if !warnings.is_empty() {
        xml.write_event(Event::Start(BytesStart::new("system-out")))?;
        xml.write_event(Event::Text(BytesText::new(&xml_text(&warnings.join("\n")))))?;
        xml.write_event(Event::End(BytesEnd::new("system-out")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

/// Replaces the characters XML 1.0 cannot hold (most control characters: a server may send
/// anything) by U+FFFD; quick-xml escapes the rest.
fn xml_text(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || !(c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

fn failure_text(results: &RunResults, case: &CaseResult, results_file: &Path) -> String {
    let mut text = String::new();
    for f in &case.findings {
        text.push_str(&format!("{} {f}\n", f.severity.as_str()));
    }
    for exchange in &case.exchanges {
        text.push_str(&exchange_text(exchange));
    }
    text.push_str("\nReproduce with:\n");
    for command in reproduction(&results.run, case, results_file) {
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
