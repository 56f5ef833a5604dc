//! What `report merge` requires of the results it joins: every partition of one split run,
//! each once, all run with the same settings. Anything else would make a merged record claim
//! cases it never ran, or count some twice.

use super::{RunInfo, RunResults};

/// Why results cannot be merged into the record of one run.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(
        "results file {index} is not a partition (it was run without --partition K/N); expected the results of every partition of one split run"
    )]
    NotAPartition { index: usize },
    #[error("partition {partition} is given twice; expected each partition of the split once")]
    SamePartitionTwice { partition: String },
    #[error(
        "partitions {first} and {other} belong to different splits; expected every partition of one --partition K/{count} split"
    )]
    DifferentSplits {
        first: String,
        other: String,
        count: u32,
    },
    #[error(
        "partition {missing} is missing; expected the results of every partition 1/{count} to {count}/{count}"
    )]
    MissingPartition { missing: String, count: u32 },
    #[error(
        "partition {partition} was run with {setting} {found}, partition {first} with {expected}; expected every partition of one run with the same {setting}"
    )]
    DifferentRuns {
        partition: String,
        first: String,
        setting: &'static str,
        expected: String,
        found: String,
    },
    #[error(
        "case {case} is in partition {first} and in partition {second}; expected each case in one partition"
    )]
    CaseTwice {
        case: String,
        first: String,
        second: String,
    },
    #[error("cannot read the cases of partition {partition}")]
    Read {
        partition: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot record the merged cases")]
    Record(#[source] std::io::Error),
}

/// Returns the operations the partitions skipped whole, each once (an operation skipped at
/// run time is skipped by every partition that holds some of its cases).
pub(super) fn skipped_operations(parts: &[RunResults]) -> Vec<super::SkippedOperation> {
    let mut seen = std::collections::BTreeSet::new();
    parts
        .iter()
        .flat_map(|p| &p.run.skipped_operations)
        .filter(|s| seen.insert(s.operation.clone()))
        .cloned()
        .collect()
}

/// Checks that `parts` are every partition of one split run, each once, with one setting.
pub(super) fn check_partitions(parts: &[RunResults]) -> Result<(), MergeError> {
    let mut split = None;
    let mut given = std::collections::BTreeSet::new();
    for (index, part) in parts.iter().enumerate() {
        let label = part.run.partition.as_deref().unwrap_or_default();
        let Some((k, n)) = parse_partition(label) else {
            return Err(MergeError::NotAPartition { index: index + 1 });
        };
        let (first, count) = *split.get_or_insert((label, n));
        if n != count {
            return Err(MergeError::DifferentSplits {
                first: first.to_string(),
                other: label.to_string(),
                count,
            });
        }
        if !given.insert(k) {
            return Err(MergeError::SamePartitionTwice {
                partition: label.to_string(),
            });
        }
        same_run(&parts[0].run, &part.run)?;
    }
    let count = split.map_or(0, |(_, n)| n);
    match (1..=count).find(|k| !given.contains(k)) {
        Some(k) => Err(MergeError::MissingPartition {
            missing: format!("{k}/{count}"),
            count,
        }),
        None => Ok(()),
    }
}

/// Parses `K/N` with 1 <= K <= N.
fn parse_partition(label: &str) -> Option<(u32, u32)> {
    let (k, n) = label.split_once('/')?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    (1..=n).contains(&k).then_some((k, n))
}

/// A setting of a run, by name, and how to show it.
type Setting = (&'static str, fn(&RunInfo) -> String);

/// Checks that `other` was run with the settings of `first`.
fn same_run(first: &RunInfo, other: &RunInfo) -> Result<(), MergeError> {
    let settings: [Setting; 7] = [
        ("tool version", |r| r.version.clone()),
        ("suite", |r| {
            if r.suite.is_empty() {
                "(not recorded)".to_string()
            } else {
                r.suite.clone()
            }
        }),
        ("seed", |r| r.seed.to_string()),
        ("cases per operation", |r| r.cases_per_operation.to_string()),
        ("--only", |r| {
            r.only.clone().unwrap_or_else(|| "(none)".into())
        }),
        ("strictness", |r| {
            if r.strict { "--strict" } else { "not strict" }.to_string()
        }),
        ("endpoint", endpoint),
    ];
    for (setting, value) in settings {
        let (expected, found) = (value(first), value(other));
        if expected != found {
            return Err(MergeError::DifferentRuns {
                partition: other.partition.clone().unwrap_or_default(),
                first: first.partition.clone().unwrap_or_default(),
                setting,
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// The endpoint a run tested: its base URL, or the embedded mock (which listens on a port of
/// its own in each partition) with its faults.
fn endpoint(run: &RunInfo) -> String {
    if run.embedded_mock {
        let faults = if run.mock_faults.is_empty() {
            "no faults".to_string()
        } else {
            format!("faults {}", run.mock_faults.join(", "))
        };
        format!("the embedded mock ({faults})")
    } else {
        run.base_url.clone()
    }
}
