//! The baseline gate decides how a run ends: the exit code of a finished run comes from its
//! failures, the baseline, the accepted failures and the fail-on rules.

use crate::common;

use graph_conformance::baseline::FailOn;
use graph_conformance::checks::{Check, Evidence, Finding};
use graph_conformance::gate::{Gate, GateConfig, Verdict};
use graph_conformance::results::{CaseKind, CaseResult, RunResults};
use rstest::rstest;
use std::path::Path;

fn case(id: &str, failed: bool, skipped: bool) -> CaseResult {
    let findings = if failed {
        let evidence = Evidence::Value {
            property: "p".into(),
            sent: "1".into(),
            got: "2".into(),
        };
        vec![Finding::new(Check::Echo, false, "p", "m", None, evidence)]
    } else {
        Vec::new()
    };
    let mut case = CaseResult {
        id: id.into(),
        operation: id.split('/').next().unwrap().into(),
        kind: CaseKind::Valid,
        verdict: CaseResult::verdict_of(&findings),
        skipped_reason: None,
        exchanges: Vec::new(),
        findings,
        shrink: None,
        duration_ms: 1.0,
    };
    if skipped {
        case.verdict = graph_conformance::results::Verdict::Skipped;
        case.skipped_reason = Some("no value for {id}".into());
    }
    case
}

/// A run: each id passes, unless it ends in `!` (fails) or `~` (skipped).
fn run(ids: &[&str]) -> RunResults {
    let cases = ids
        .iter()
        .map(|id| {
            let bare = id.trim_end_matches(['!', '~']);
            case(bare, id.ends_with('!'), id.ends_with('~'))
        })
        .collect();
    RunResults::from_vec(common::run_info(), cases).unwrap()
}

fn gate(baseline: Option<&Path>, fail_on: FailOn, fail_on_skip: bool) -> Gate {
    Gate::load(GateConfig {
        baseline,
        accept: None,
        fail_on,
        fail_on_skip,
    })
    .unwrap()
}

fn judged(gate: &Gate, mut results: RunResults) -> Verdict {
    gate.apply(&mut results, "2026-12-02");
    gate.verdict(&results)
}

#[rstest]
#[case::every_check_passed(&["a/valid/001", "b/valid/001"], false, 0)]
#[case::a_failure_fails(&["a/valid/001!", "b/valid/001"], false, 1)]
#[case::a_skipped_operation_passes_by_default(&["a/valid/001", "b/valid/001~"], false, 0)]
#[case::a_skipped_operation_fails_under_fail_on_skip(&["a/valid/001", "b/valid/001~"], true, 1)]
#[case::nothing_ran_is_a_usage_error(&["a/valid/001~"], false, 2)]
fn a_run_without_history_exits_by_its_findings(
    #[case] ids: &[&str],
    #[case] fail_on_skip: bool,
    #[case] exit: u8,
) {
    let gate = gate(None, FailOn::New, fail_on_skip);
    assert_eq!(judged(&gate, run(ids)).exit_code(), exit);
}

#[rstest]
#[case::a_failure_already_in_the_baseline_passes(&["a/valid/001!"], FailOn::New, 0)]
#[case::a_new_failure_fails(&["a/valid/001!", "a/valid/002!"], FailOn::New, 1)]
#[case::fail_on_all_fails_on_an_old_failure(&["a/valid/001!"], FailOn::All, 1)]
fn a_baseline_decides_which_failures_block(
    #[case] now: &[&str],
    #[case] fail_on: FailOn,
    #[case] exit: u8,
) {
    let dir = tempfile::tempdir().unwrap();
    let before = run(&["a/valid/001!", "a/valid/002"]);
    let written = graph_conformance::report::write(dir.path(), &before).unwrap();
    let results = written
        .iter()
        .find(|p| p.ends_with("results.json"))
        .unwrap();
    let gate = gate(Some(results), fail_on, false);
    assert_eq!(judged(&gate, run(now)).exit_code(), exit);
}

#[test]
fn the_blocking_failures_are_named() {
    let gate = gate(None, FailOn::New, false);
    let Verdict::Failed(blocking) = judged(&gate, run(&["a/valid/001!", "a/valid/002"])) else {
        panic!("a failure blocks");
    };
    let cases: Vec<&str> = blocking.iter().map(|k| k.case.as_str()).collect();
    assert_eq!(cases, ["a/valid/001"]);
}

#[test]
fn an_unreadable_baseline_is_refused_before_the_run() {
    let config = GateConfig {
        baseline: Some(Path::new("/nonexistent/results.json")),
        accept: None,
        fail_on: FailOn::New,
        fail_on_skip: false,
    };
    assert!(Gate::load(config).is_err());
}
