//! Derive copes with real Graph documentation (`../shared/graph-pages`, present in CI and on
//! developer machines, absent from a bare clone): every page is read without a panic, every
//! create and update page is derived or explained by a diagnostic naming it, and pages of
//! other kinds never become operations.
//!
//! Outside CI a missing folder skips the check; under CI (the `CI` variable set, as `.ci/run`
//! and hosted runners do) it fails, so a checkout without the shared folder beside it cannot
//! pass a check it never ran.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::diagnostic::Severity;
use rstest::rstest;
use std::path::Path;

/// What a run does when the real pages are not there.
#[derive(Debug, PartialEq, Eq)]
enum WhenAbsent {
    /// A bare clone on a developer machine: say so and check nothing.
    Skip,
    /// CI: the shared folder is expected beside the checkout, so its absence is a failure.
    Fail,
}

/// Decides from the `CI` variable: set to anything but empty, `0` or `false` means CI.
fn when_absent(ci: Option<&str>) -> WhenAbsent {
    match ci.map(str::trim) {
        None | Some("" | "0") => WhenAbsent::Skip,
        Some(value) if value.eq_ignore_ascii_case("false") => WhenAbsent::Skip,
        Some(_) => WhenAbsent::Fail,
    }
}

#[rstest]
#[case::unset_is_a_developer_machine(None, WhenAbsent::Skip)]
#[case::empty_is_unset(Some(""), WhenAbsent::Skip)]
#[case::zero_is_off(Some("0"), WhenAbsent::Skip)]
#[case::false_is_off(Some("false"), WhenAbsent::Skip)]
#[case::false_in_capitals_is_off(Some("FALSE"), WhenAbsent::Skip)]
#[case::true_as_hosted_runners_set_it(Some("true"), WhenAbsent::Fail)]
#[case::one_as_ci_run_sets_it(Some("1"), WhenAbsent::Fail)]
#[case::any_other_value_is_ci(Some("woodpecker"), WhenAbsent::Fail)]
fn missing_real_pages_fail_only_under_ci(#[case] ci: Option<&str>, #[case] expected: WhenAbsent) {
    assert_eq!(when_absent(ci), expected);
}

#[test]
fn real_pages_derive_or_explain_themselves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-pages");
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        let missing = dir.join("MANIFEST.tsv");
        match when_absent(std::env::var("CI").ok().as_deref()) {
            WhenAbsent::Skip => eprintln!("{} is not here; nothing to check", missing.display()),
            WhenAbsent::Fail => panic!(
                "CI is set but {} cannot be read: CI expects the shared folder beside the checkout",
                missing.display()
            ),
        }
        return;
    };
    let pages = collect_pages(std::slice::from_ref(&dir)).unwrap();
    let derivation = derive(&pages);
    let mut derived = 0;
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, method) = (cols[0], cols[4]);
        let operation = derivation
            .contract
            .operations
            .iter()
            .find(|o| o.page == file || o.spans.merged.iter().any(|s| s.file == file));
        let explained = derivation
            .diagnostics
            .iter()
            .any(|d| d.span.file == file && matches!(d.severity, Severity::Error | Severity::Note));
        assert!(
            operation.is_some() || explained,
            "{file}: neither derived nor explained"
        );
        derived += usize::from(operation.is_some());
        if let Some(op) = operation {
            assert_eq!(
                op.method.as_str(),
                method,
                "{file}: the method the manifest records"
            );
        }
    }
    assert!(derived >= 95, "only {derived} of the real pages derived");
}

/// `.ci/run` checks the shared folder before anything else, and names what is missing: run
/// from a copy of the script in a checkout whose sibling `shared/` lacks `present` parts.
#[rstest]
#[case::no_shared_folder(&[], &["../shared/graph-docs", "../shared/graph-pages/MANIFEST.tsv"])]
#[case::no_real_pages(&["graph-docs"], &["../shared/graph-pages/MANIFEST.tsv"])]
#[case::no_source_pages(&["graph-pages/MANIFEST.tsv"], &["../shared/graph-docs"])]
fn ci_run_names_the_missing_shared_folder_first(
    #[case] present: &[&str],
    #[case] missing: &[&str],
) {
    let root = tempfile::tempdir().unwrap();
    let checkout = root.path().join("checkout");
    std::fs::create_dir_all(checkout.join(".ci")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run");
    std::fs::copy(&script, checkout.join(".ci/run")).unwrap();
    for part in present {
        let path = root.path().join("shared").join(part);
        match path.extension() {
            Some(_) => {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, "file\n").unwrap();
            }
            None => std::fs::create_dir_all(&path).unwrap(),
        }
    }
    let out = std::process::Command::new("bash")
        .arg(checkout.join(".ci/run"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("CI expects the shared folder beside the checkout"),
        "{stderr}"
    );
    for part in missing {
        assert!(stderr.contains(part), "{part} not named: {stderr}");
    }
    for part in present {
        assert!(!stderr.contains(part), "{part} is there: {stderr}");
    }
    assert!(!stdout.contains("== cargo"), "a cargo step ran: {stdout}");
}
