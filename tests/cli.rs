//! The `derive` command line: its files, its `--check` mode and its exit-code contract
//! (0 ok, 1 findings, 2 usage or unreadable input).

use rstest::rstest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PAGE: &str = r##"# Update sprocket

Update a [sprocket](../resources/sprocket.md).

## HTTP request
``` http
PATCH /factory/sprockets/{sprocketId}
```

## Request body
|Property|Type|Description|
|:---|:---|:---|
|id|String|The key.|
|label|String|A label.|
|mode|sprocketMode|How it turns. Possible values are: `idle`, `spinning`.|

## Response
If successful, this method returns a `200 OK` response code and an updated sprocket.

## Example
### Request
``` http
PATCH https://graph.microsoft.com/beta/factory/sprockets/{sprocketId}
Content-type: application/json

{
  "label": "left",
  "mode": "idle"
}
```
### Response
``` http
HTTP/1.1 200 OK
Content-Type: application/json

{
  "@odata.type": "#microsoft.graph.sprocket",
  "id": "s-1",
  "label": "left",
  "mode": "idle"
}
```
"##;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
}

fn pages_dir(pages: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in pages {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn derive(pages: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("derive")
        .arg(pages)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["schemas", "cases"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
        }
    }
    files
}

#[test]
fn derive_writes_one_schema_per_resource_one_case_per_operation_and_openapi() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    let output = derive(pages.path(), out.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let names: Vec<_> = files_under(out.path())
        .into_iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "schemas/openapi.json",
            "schemas/sprocket.json",
            "cases/update-sprocket.json"
        ]
    );
}

#[test]
fn derive_is_byte_identical_across_runs_and_working_directories() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = bin()
        .current_dir(a.path())
        .arg("derive")
        .arg(pages.path())
        .output()
        .unwrap();
    let second = bin()
        .current_dir(b.path())
        .arg("derive")
        .arg(pages.path())
        .arg("--out")
        .arg(b.path())
        .output()
        .unwrap();
    assert!(first.status.success() && second.status.success());
    let (fa, fb) = (files_under(a.path()), files_under(b.path()));
    assert_eq!(fa, fb);
    for (path, bytes) in &fa {
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.ends_with("}\n"),
            "{} ends with a newline",
            path.display()
        );
        assert!(
            text.contains("\n  \""),
            "{} is indented by 2 spaces",
            path.display()
        );
        assert!(
            !text.contains(&pages.path().display().to_string()),
            "{} holds no machine path",
            path.display()
        );
    }
}

#[test]
fn committed_output_is_current_with_check() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    derive(pages.path(), out.path(), &[]);
    let output = derive(pages.path(), out.path(), &["--check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("up to date"));
}

#[test]
fn check_names_every_added_changed_and_removed_file_and_writes_nothing() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    derive(pages.path(), out.path(), &[]);
    std::fs::write(out.path().join("cases/update-gone.json"), "{}\n").unwrap();
    std::fs::remove_file(out.path().join("schemas/openapi.json")).unwrap();
    let case = out.path().join("cases/update-sprocket.json");
    let edited = std::fs::read_to_string(&case)
        .unwrap()
        .replace("\"label\"", "\"tag\"");
    std::fs::write(&case, &edited).unwrap();

    let output = derive(pages.path(), out.path(), &["--check"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("would add schemas/openapi.json"), "{err}");
    assert!(err.contains("would remove cases/update-gone.json"), "{err}");
    assert!(
        err.contains("would change cases/update-sprocket.json"),
        "{err}"
    );
    assert!(
        err.contains("-") && err.contains("+"),
        "a short diff is shown: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(&case).unwrap(),
        edited,
        "--check writes nothing"
    );
    assert!(out.path().join("cases/update-gone.json").exists());
}

#[test]
fn derive_removes_files_it_no_longer_produces() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(out.path().join("cases")).unwrap();
    std::fs::write(out.path().join("cases/update-gone.json"), "{}\n").unwrap();
    std::fs::write(out.path().join("cases/notes.txt"), "kept").unwrap();
    derive(pages.path(), out.path(), &[]);
    assert!(!out.path().join("cases/update-gone.json").exists());
    assert!(
        out.path().join("cases/notes.txt").exists(),
        "only .json files are owned by derive"
    );
}

#[test]
fn a_page_error_exits_1_and_names_file_and_line() {
    let broken = PAGE.replace(
        "PATCH /factory/sprockets/{sprocketId}",
        "PATCH ** Collection URI for factory.sprocket not found",
    );
    let pages = pages_dir(&[("broken.md", &broken)]);
    let out = tempfile::tempdir().unwrap();
    let output = derive(pages.path(), out.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("broken.md:7:1: error[not-a-path]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn warnings_alone_exit_0() {
    let contradicting = PAGE.replace(
        "\"mode\": \"idle\"\n}\n```\n### Response",
        "\"mode\": \"Idle\"\n}\n```\n### Response",
    );
    let pages = pages_dir(&[("warned.md", &contradicting)]);
    let out = tempfile::tempdir().unwrap();
    let output = derive(pages.path(), out.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("warned.md:28:3: warning[example-enum]"),
        "{}",
        stderr(&output)
    );
}

#[rstest]
#[case::unknown_flag(&["derive", "x", "--chek"], "--check")]
#[case::no_pages(&["derive"], "PAGES")]
#[case::unknown_command(&["derrive"], "derive")]
fn usage_errors_exit_2_and_say_what_is_accepted(#[case] args: &[&str], #[case] hint: &str) {
    let output = bin().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(hint), "{}", stderr(&output));
}

#[test]
fn unreadable_input_exits_2_naming_the_path() {
    let out = tempfile::tempdir().unwrap();
    let output = derive(Path::new("/nonexistent/pages"), out.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/nonexistent/pages"),
        "{}",
        stderr(&output)
    );
}

/// A page that yields no operation, with its reason.
const OVERVIEW: &str = "# Sprockets overview\n\nSprockets turn.\n";

#[rstest]
#[case::every_page_yields_an_operation(&[("sprocket-update.md", PAGE)], 100, 0)]
#[case::half_the_pages_yield_one_and_the_floor_is_50(&[("sprocket-update.md", PAGE), ("overview.md", OVERVIEW)], 50, 0)]
#[case::half_the_pages_yield_one_and_the_floor_is_90(&[("sprocket-update.md", PAGE), ("overview.md", OVERVIEW)], 90, 1)]
fn min_coverage_judges_the_derivation_by_the_pages_that_yield_an_operation(
    #[case] pages: &[(&str, &str)],
    #[case] floor: u8,
    #[case] exit: i32,
) {
    let pages = pages_dir(pages);
    let out = tempfile::tempdir().unwrap();
    let floor = floor.to_string();
    let output = derive(pages.path(), out.path(), &["--min-coverage", &floor]);
    assert_eq!(output.status.code(), Some(exit), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("coverage: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn coverage_json_counts_operations_per_kind_and_pages_without_one_per_reason() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE), ("overview.md", OVERVIEW)]);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("coverage.json");
    let output = derive(
        pages.path(),
        out.path(),
        &["--coverage", file.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let coverage: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(coverage["pages"], 2);
    assert_eq!(coverage["pages_with_operation"], 1);
    assert_eq!(coverage["operations"]["update"], 1);
    assert_eq!(coverage["operations"]["get"], 0, "every kind is listed");
    assert_eq!(coverage["skipped"]["skipped"], 1);
    assert_eq!(coverage["unexplained"], 0);
}

#[test]
fn a_min_coverage_above_100_is_a_usage_error_naming_the_range() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    let output = derive(pages.path(), out.path(), &["--min-coverage", "101"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("0..=100"), "{}", stderr(&output));
}

#[rstest]
#[case::a_disagreement_is_a_warning_naming_the_csdl_line(&[], "warning[metadata-")]
#[case::metadata_wins_reports_what_it_changed(&["--metadata-wins"], "--metadata-wins: ")]
fn metadata_cross_checks_the_derived_properties(#[case] extra: &[&str], #[case] says: &str) {
    let csdl = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="sprocket">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
        <Property Name="label" Type="Edm.Int32" />
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let metadata = pages_dir(&[("v1.xml", csdl)]);
    let out = tempfile::tempdir().unwrap();
    let path = metadata.path().join("v1.xml");
    let mut args = vec!["--metadata", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = derive(pages.path(), out.path(), &args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("metadata: 1 of 2 comparable properties agree"),
        "{err}"
    );
    assert!(err.contains(says), "{err}");
    assert!(err.contains("v1.xml:"), "the CSDL line is named: {err}");
}

#[test]
fn an_unreadable_metadata_file_exits_2_naming_it() {
    let pages = pages_dir(&[("sprocket-update.md", PAGE)]);
    let out = tempfile::tempdir().unwrap();
    let output = derive(
        pages.path(),
        out.path(),
        &["--metadata", "/nonexistent/v1.xml"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/nonexistent/v1.xml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_with_a_coverage_floor_judges_drift_and_coverage_not_page_errors() {
    let broken = PAGE.replace(
        "PATCH /factory/sprockets/{sprocketId}",
        "PATCH ~/factory/sprockets/{sprocketId}",
    );
    let pages = pages_dir(&[("sprocket-update.md", PAGE), ("broken.md", &broken)]);
    let out = tempfile::tempdir().unwrap();
    let floor = ["--min-coverage", "50"];
    assert_eq!(
        derive(pages.path(), out.path(), &floor).status.code(),
        Some(0)
    );
    let check = derive(
        pages.path(),
        out.path(),
        &["--check", "--min-coverage", "50"],
    );
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("error[not-a-path]"),
        "the error is reported"
    );
    let without_floor = derive(pages.path(), out.path(), &["--check"]);
    assert_eq!(
        without_floor.status.code(),
        Some(1),
        "without a floor a page error fails"
    );
}
