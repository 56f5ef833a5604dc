//! Derive copes with real Graph documentation (`../shared/graph-pages`, present in CI and on
//! developer machines, absent from a bare clone): every page is read without a panic, every
//! create and update page is derived or explained by a diagnostic naming it, and pages of
//! other kinds never become operations.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::diagnostic::Severity;
use std::path::Path;

#[test]
fn real_pages_derive_or_explain_themselves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-pages");
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        eprintln!("../shared/graph-pages is not here; nothing to check");
        return;
    };
    let pages = collect_pages(std::slice::from_ref(&dir)).unwrap();
    let derivation = derive(&pages);
    let mut derived = 0;
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, kind) = (cols[0], cols[5]);
        let operation = derivation
            .contract
            .operations
            .iter()
            .find(|o| o.page == file);
        let explained = derivation
            .diagnostics
            .iter()
            .any(|d| d.span.file == file && matches!(d.severity, Severity::Error | Severity::Note));
        match kind {
            "create" | "update" => {
                assert!(
                    operation.is_some() || explained,
                    "{file}: neither derived nor explained"
                );
                derived += usize::from(operation.is_some());
            }
            _ => assert!(
                operation.is_none(),
                "{file} ({kind}) must not become an operation"
            ),
        }
        if let Some(op) = operation {
            assert_eq!(op.kind.verb(), kind, "{file}");
        }
    }
    assert!(
        derived >= 40,
        "only {derived} real create/update pages derived"
    );
}
