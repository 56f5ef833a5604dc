//! Splitting a run across a CI matrix: `--partition K/N` runs a deterministic share of the
//! cases (by case id), the shares cover every case exactly once, and `report merge` joins
//! them into the findings a single run gives.

use crate::common;

use graph_conformance::mock::Fault;
use graph_conformance::run::{RunOptions, partition_of, planned_cases, run};
use proptest::prelude::*;

fn every_case_id() -> Vec<String> {
    let suite = common::suite();
    let mut ids = Vec::new();
    let options = RunOptions::new("http://unused");
    for case in &suite.cases {
        for n in 1..=options.cases {
            ids.push(format!("{}/valid/{n:03}", case.id));
        }
        ids.push(format!("{}/merge", case.id));
        ids.push(format!("{}/invalid/broken-json", case.id));
    }
    ids
}

proptest! {
    #[test]
    fn partitions_cover_every_case_exactly_once(n in 1u32..=16, salt in any::<u64>()) {
        let ids: Vec<String> = every_case_id().into_iter().map(|id| format!("{id}#{salt}")).collect();
        for id in &ids {
            let owners: Vec<u32> = (1..=n).filter(|k| partition_of(id, n) == *k).collect();
            prop_assert_eq!(owners.len(), 1, "{} is in partitions {:?}", id, owners);
        }
    }
}

#[test]
fn planned_partitions_add_up_to_the_whole_run() {
    let suite = common::suite();
    let whole = planned_cases(&suite, &RunOptions::new("http://unused")).unwrap();
    for n in [2, 3, 7] {
        let parts: usize = (1..=n)
            .map(|k| {
                planned_cases(
                    &suite,
                    &RunOptions {
                        partition: Some((k, n)),
                        ..RunOptions::new("http://unused")
                    },
                )
                .unwrap()
            })
            .sum();
        assert_eq!(parts, whole, "N = {n}");
    }
}

#[tokio::test]
async fn merged_partitions_have_the_findings_of_a_single_run() {
    let suite = common::suite();
    let fault = Fault::parse("wrong-content-type");
    let single = {
        let mock = common::mock(&suite).await;
        common::run_with_fault(&suite, &mock, fault, 5).await
    };
    // The partitions of one run test one endpoint (`report merge` refuses others).
    let mock = common::mock(&suite).await;
    let mut parts = Vec::new();
    for k in 1..=3 {
        let mut options = common::options(&mock.base_url(), 5);
        options.headers.push((
            graph_conformance::mock::FAULT_HEADER.into(),
            "wrong-content-type".into(),
        ));
        options.partition = Some((k, 3));
        let part = run(&suite, &options, &mut |_| {}).await.unwrap();
        assert_eq!(
            part.run.partition.as_deref(),
            Some(format!("{k}/3").as_str())
        );
        parts.push(part);
    }
    let merged = graph_conformance::results::RunResults::merge(parts)
        .unwrap()
        .unwrap();
    assert_eq!(merged.findings, single.findings);
    assert_eq!(merged.totals.cases, single.totals.cases);
    assert_eq!(merged.totals.failed, single.totals.failed);
    let ids_of = |r: &graph_conformance::results::RunResults| -> Vec<String> {
        r.cases
            .to_vec()
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    let (mut ids, mut single_ids) = (ids_of(&merged), ids_of(&single));
    ids.sort_unstable();
    single_ids.sort_unstable();
    assert_eq!(ids, single_ids);
}

#[test]
fn report_merge_joins_partition_files_from_the_command_line() {
    let bin = env!("CARGO_BIN_EXE_graph-conformance");
    let dir = tempfile::tempdir().unwrap();
    for k in 1..=2 {
        let out = dir.path().join(format!("p{k}"));
        let output = std::process::Command::new(bin)
            .args([
                "run",
                "--cases",
                "3",
                "--partition",
                &format!("{k}/2"),
                "--report-dir",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
    }
    let merged = dir.path().join("merged");
    let output = std::process::Command::new(bin)
        .args(["report", "merge"])
        .arg(dir.path().join("p1/results.json"))
        .arg(dir.path().join("p2/results.json"))
        .arg("--report-dir")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("results.json")).unwrap()).unwrap();
    let p1: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("p1/results.json")).unwrap())
            .unwrap();
    let p2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("p2/results.json")).unwrap())
            .unwrap();
    let count = |v: &serde_json::Value| v["cases"].as_array().unwrap().len();
    assert_eq!(count(&results), count(&p1) + count(&p2));
    let bad = std::process::Command::new(bin)
        .args(["run", "--partition", "3/2"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("1 <= K <= N"));
}
