//! Pages nothing may crash: huge, binary, not UTF-8, with unclosed fences or front matter,
//! with ragged tables. Each gets diagnostics naming its file and a line inside it, and derive
//! goes on with the next page.

use graph_conformance::derive::{PageSource, derive};
use rstest::rstest;
use std::process::Command;

const BASE: &str = include_str!("fixtures/mutation_base.md");

fn lines_of(text: &str) -> u32 {
    u32::try_from(text.split('\n').count()).unwrap()
}

/// Derives `text` as a page beside the untouched base page, and checks every diagnostic.
fn derive_beside_base(name: &str, text: String) -> graph_conformance::derive::Derivation {
    let pages = vec![
        PageSource {
            name: name.into(),
            text: text.clone(),
        },
        PageSource {
            name: "base.md".into(),
            text: BASE.into(),
        },
    ];
    let derivation = derive(&pages);
    for d in derivation
        .diagnostics
        .iter()
        .filter(|d| d.span.file == name)
    {
        assert!(d.span.line >= 1 && d.span.line <= lines_of(&text), "{d}");
    }
    assert!(
        derivation
            .contract
            .operations
            .iter()
            .any(|o| o.page == "base.md"),
        "derive went on with the next page"
    );
    derivation
}

fn huge_page() -> String {
    let rows: String = (0..40_000)
        .map(|i| format!("|extra{i}|String|Extra property {i}.|\n"))
        .collect();
    BASE.replace(
        "|seenDateTime|DateTimeOffset|Last seen.|\n",
        &format!("|seenDateTime|DateTimeOffset|Last seen.|\n{rows}"),
    )
}

#[test]
fn a_page_of_several_mib_derives() {
    let page = huge_page().replace("gizmo", "widget");
    assert!(page.len() > 1_500_000);
    let derivation = derive_beside_base("huge.md", page);
    let widget = derivation
        .contract
        .resource("widget")
        .expect("the huge page derives");
    assert_eq!(widget.properties.len(), 40_004);
}

#[rstest]
#[case::binary_garbage((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 as char).collect::<String>())]
#[case::nul_bytes("\0\0\0# Update x\0\n## HTTP request\n```http\n\0PATCH /x/{id}\n".to_string())]
#[case::unclosed_fence(BASE.replace("```\n\n## Request body", "\n## Request body"))]
#[case::unclosed_front_matter(format!("---\ntitle: \"x\n{}", BASE.trim_start_matches("---\n")))]
#[case::ragged_table_rows(BASE.replace("|label|String|Shown to people.|", "|label|String|\n|oops|\n|a|b|c|d|e|"))]
#[case::table_without_rows(BASE.replace("|id|String|Identifier.|\n|label|String|Shown to people.|\n|phase|gizmoPhase|Lifecycle. Possible values are: `draft`, `live`, `retired`.|\n|seenDateTime|DateTimeOffset|Last seen.|\n", ""))]
#[case::only_headings("# a\n## b\n### c\n#### HTTP request\n##### Request body\n###### Response\n".repeat(500))]
#[case::deeply_nested_quotes_and_lists(format!("{}{}", "> - ".repeat(5000), BASE))]
#[case::a_json_body_nested_100000_deep(BASE.replace("{\n  \"label\": \"blue\",", &format!("{{\n  \"label\": {}1{},", "[".repeat(100_000), "]".repeat(100_000))))]
fn a_hostile_page_gets_diagnostics_inside_it_and_no_panic(#[case] text: String) {
    derive_beside_base("hostile.md", text.replace("gizmo", "hostile"));
}

#[test]
fn invalid_utf8_is_a_warning_and_the_page_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = BASE.replace("blue", "bl\u{e9}").into_bytes();
    let at = bytes.iter().position(|b| *b == 0xc3).unwrap();
    bytes[at] = 0xff;
    std::fs::write(dir.path().join("latin.md"), bytes).unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_graph-conformance"))
        .arg("derive")
        .arg(dir.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("latin.md:1:1: warning[encoding]"),
        "{stderr}"
    );
    assert!(stderr.contains("derived 1 operations"), "{stderr}");
}
