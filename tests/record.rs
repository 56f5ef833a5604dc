//! The record of a run is kept on disk, not in memory: cases go to a file as they finish and
//! only their tally stays. The tally does not depend on the order cases finish in, the record
//! reads back exactly as written, results.json holds one case per line, and report.html lists
//! a bounded number of cases however many fail.

use crate::common;

use graph_conformance::baseline;
use graph_conformance::checks::{Check, Finding};
use graph_conformance::report;
use graph_conformance::results::{CaseKind, CaseResult, Cases, RunInfo, RunResults, Verdict};
use proptest::prelude::*;
use rstest::rstest;

fn info() -> RunInfo {
    common::run_info()
}

/// A case of operation `op` numbered `n`, failing `check` on `key` when given (the message
/// names the case, so the root cause shows which case describes it).
fn case(op: &str, n: u32, failure: Option<(Check, &str)>) -> CaseResult {
    let id = format!("{op}/valid/{n:03}");
    let findings: Vec<Finding> = failure
        .map(|(check, key)| {
            let message = format!("{key} broken in {id}");
            let rule = graph_conformance::checks::parse_span("w.md:3:1");
            Finding::new(check, false, key, message, rule, value_evidence())
        })
        .into_iter()
        .collect();
    CaseResult {
        verdict: CaseResult::verdict_of(&findings),
        id,
        operation: op.into(),
        kind: CaseKind::Valid,
        skipped_reason: None,
        exchanges: Vec::new(),
        findings,
        shrink: None,
        duration_ms: 1.0,
    }
}

fn cases_strategy() -> impl Strategy<Value = Vec<CaseResult>> {
    let failure = prop::option::of((
        prop::sample::select(vec![Check::Echo, Check::ResponseSchema, Check::StatusCode]),
        prop::sample::select(vec!["a", "b"]),
    ));
    let one = (
        prop::sample::select(vec!["update-a", "create-b"]),
        0u32..40,
        failure,
    );
    prop::collection::vec(one, 1..40).prop_map(|drawn| {
        let mut seen = std::collections::BTreeSet::new();
        drawn
            .into_iter()
            .filter(|(op, n, _)| seen.insert((*op, *n)))
            .map(|(op, n, failure)| case(op, n, failure))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_tally_does_not_depend_on_the_order_cases_finish_in(
        (cases, shuffled) in cases_strategy().prop_flat_map(|cases| {
            let shuffled = Just(cases.clone()).prop_shuffle();
            (Just(cases), shuffled)
        })
    ) {
        let one = Cases::from_vec(cases).unwrap();
        let other = Cases::from_vec(shuffled).unwrap();
        prop_assert_eq!(one.tally(), other.tally());
        let (a, b) = (RunResults::new(info(), one), RunResults::new(info(), other));
        prop_assert_eq!(a.findings, b.findings);
        prop_assert_eq!(a.totals, b.totals);
    }
}

fn value_evidence() -> graph_conformance::checks::Evidence {
    graph_conformance::checks::Evidence::Value {
        property: "a".into(),
        sent: "1".into(),
        got: "2".into(),
    }
}

/// A case of `update-a` numbered `n` failing `echo` on `a` with `message`.
fn failing_with(n: u32, message: &str) -> CaseResult {
    let findings = vec![Finding::new(
        Check::Echo,
        false,
        "a",
        message,
        graph_conformance::checks::parse_span("w.md:3:1"),
        value_evidence(),
    )];
    CaseResult {
        findings,
        ..case("update-a", n, Some((Check::Echo, "a")))
    }
}

#[rstest]
#[case::shortest_last(&[1, 2, 3])]
#[case::shortest_first(&[3, 2, 1])]
#[case::shortest_between(&[2, 3, 1])]
fn root_cause_is_described_by_its_shortest_occurrence(#[case] order: &[usize]) {
    let payload = "x".repeat(4096);
    let occurrences = [
        failing_with(
            1,
            &format!("`a` was sent as \"{payload}\" but came back as \"y\""),
        ),
        failing_with(7, "`a` was sent as \"\" but came back as \"y\""),
        failing_with(4, "`a` was sent as \"\" but came back as \"z\""),
    ];
    let cases = order.iter().map(|&k| occurrences[k - 1].clone()).collect();
    let results = RunResults::from_vec(info(), cases).unwrap();
    let [cause] = results.findings.as_slice() else {
        panic!("{:?}", results.findings)
    };
    assert_eq!(
        (cause.first_case.as_str(), cause.message.as_str()),
        (
            "update-a/valid/004",
            "`a` was sent as \"\" but came back as \"z\""
        ),
        "the shortest message; of two equally short, the smaller id"
    );
    assert_eq!(cause.occurrences, 3);
    assert_eq!(
        cause.rule.as_ref().map(ToString::to_string).as_deref(),
        Some("w.md:3:1")
    );
}

#[test]
fn the_record_reads_back_exactly_as_written_in_the_order_written() {
    let written: Vec<CaseResult> = (0..500)
        .map(|n| {
            case(
                "update-a",
                499 - n,
                (n % 7 == 0).then_some((Check::Echo, "a")),
            )
        })
        .collect();
    let cases = Cases::from_vec(written.clone()).unwrap();
    assert_eq!(cases.len(), 500);
    assert_eq!(cases.to_vec().unwrap(), written);
    assert_eq!(
        cases.find("update-a/valid/013").unwrap(),
        Some(written[486].clone())
    );
    assert_eq!(cases.find("update-a/valid/999").unwrap(), None);
}

#[test]
fn results_json_reloads_into_the_same_record() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<CaseResult> = (0..50)
        .map(|n| {
            case(
                "update-a",
                n,
                (n % 5 == 0).then_some((Check::ResponseSchema, "b")),
            )
        })
        .collect();
    let results = RunResults::from_vec(info(), cases).unwrap();
    report::write(dir.path(), &results).unwrap();
    let loaded = baseline::load_results(&dir.path().join("results.json")).unwrap();
    assert_eq!(loaded, results);
    assert_eq!(loaded.cases.tally(), results.cases.tally());
}

#[test]
fn results_json_holds_a_passing_case_exactly_as_serialized_and_a_failing_one_with_its_reproduction()
{
    let cases: Vec<CaseResult> = (0..12)
        .map(|n| case("get-c", n, (n % 4 == 0).then_some((Check::Echo, "a"))))
        .collect();
    let results = RunResults::from_vec(info(), cases.clone()).unwrap();
    let text = report::render(std::path::Path::new("report"), &results)
        .unwrap()
        .remove(0)
        .1;
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim().trim_end_matches(','))
        .collect();
    for case in &cases {
        let serialized = serde_json::to_string(case).unwrap();
        let copied = lines.contains(&serialized.as_str());
        assert_eq!(copied, case.verdict != Verdict::Failed, "{}", case.id);
    }
}

#[test]
fn results_json_holds_each_case_whole_on_one_line() {
    let cases: Vec<CaseResult> = (0..20)
        .map(|n| case("create-b", n, (n % 3 == 0).then_some((Check::Echo, "a"))))
        .collect();
    let text = report::render(
        std::path::Path::new("report"),
        &RunResults::from_vec(info(), cases).unwrap(),
    )
    .unwrap()
    .remove(0)
    .1;
    for n in 0..20 {
        let id = format!("\"id\":\"create-b/valid/{n:03}\"");
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(&id)).collect();
        let [line] = lines.as_slice() else {
            panic!("{id} on {} lines", lines.len())
        };
        let case: serde_json::Value =
            serde_json::from_str(line.trim().trim_end_matches(',')).unwrap();
        assert_eq!(case["verdict"] == "failed", n % 3 == 0);
        assert_eq!(
            case.get("reproduce").is_some(),
            n % 3 == 0,
            "failures carry a reproduction"
        );
    }
}

#[rstest]
#[case::fewer_than_the_cap(20, 0)]
#[case::more_than_the_cap(report::HTML_CASES_SHOWN + 50, 50)]
fn report_html_lists_a_bounded_number_of_cases_per_operation(
    #[case] failing: usize,
    #[case] more: usize,
) {
    let cases: Vec<CaseResult> = (0..failing as u32)
        .map(|n| case("update-a", n, Some((Check::Echo, "a"))))
        .collect();
    let results = RunResults::from_vec(info(), cases).unwrap();
    assert_eq!(results.totals.failed, failing);
    let html = report::render(std::path::Path::new("report"), &results)
        .unwrap()
        .remove(2)
        .1;
    let rows = html.matches("<tr class=\"case\"").count();
    assert_eq!(rows, failing.min(report::HTML_CASES_SHOWN));
    let note = format!("{more} more cases that did not simply pass are in results.json");
    assert_eq!(html.contains(&note), more > 0, "{note}");
}

#[test]
fn an_empty_run_has_an_empty_record() {
    let results = RunResults::from_vec(info(), Vec::new()).unwrap();
    assert!(results.cases.is_empty());
    let text = report::render(std::path::Path::new("report"), &results)
        .unwrap()
        .remove(0)
        .1;
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["cases"], serde_json::json!([]));
    assert_eq!(results.totals.cases, 0);
    assert!(!results.failed());
}

#[test]
fn junit_groups_interleaved_cases_by_operation_and_survives_control_characters() {
    // cases of two operations interleaved, as partitions merged or concurrent chains give them
    let mut cases = Vec::new();
    for n in 0..30 {
        let op = if n % 2 == 0 { "update-a" } else { "create-b" };
        let failure = (n % 4 == 1).then_some((Check::Echo, "a\u{0}\u{1b}[31m"));
        cases.push(case(op, n, failure));
    }
    let results = RunResults::from_vec(info(), cases).unwrap();
    let xml = report::render(std::path::Path::new("report"), &results)
        .unwrap()
        .remove(1)
        .1;
    let parsed = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(parsed.tests, 30);
    assert_eq!(parsed.failures, results.totals.failed as u64);
    let names: Vec<&str> = parsed.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["create-b", "update-a"],
        "one suite per operation, by name"
    );
    for suite in &parsed.suites {
        assert_eq!(suite.tests, 15);
        assert_eq!(suite.cases.len(), 15);
        assert!(
            suite
                .cases
                .iter()
                .all(|c| c.classname.as_deref() == Some(suite.name.as_str()))
        );
    }
}

/// A finding as `results.json` held it before evidence was recorded, with `rule` as given.
fn finding_written_with_rule(rule: &str) -> serde_json::Value {
    let mut finding = serde_json::to_value(Finding::new(
        Check::Echo,
        false,
        "a",
        "`a` was sent as 1 but the response has 2",
        None,
        value_evidence(),
    ))
    .unwrap();
    let object = finding.as_object_mut().unwrap();
    object.remove("evidence");
    object.insert("rule".into(), rule.into());
    finding
}

#[test]
fn a_finding_written_before_evidence_loads_with_its_page_rule() {
    let finding: Finding = serde_json::from_value(finding_written_with_rule("w.md:3:1")).unwrap();
    assert_eq!(finding.evidence, None);
    assert_eq!(
        finding.rule,
        graph_conformance::checks::parse_span("w.md:3:1")
    );
    assert_eq!(finding.rule.map(|r| r.line), Some(3));
}

#[test]
fn a_rule_that_is_not_a_page_position_is_refused_by_name() {
    let error =
        serde_json::from_value::<Finding>(finding_written_with_rule("the page")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"the page\" is not a page position"),
        "{error}"
    );
}
