//! The metadata cross-check: the CSDL reader on small fixtures written for each rule, and a
//! measure on Microsoft's real CSDL and the real reference pages (`../shared`) when present.

use graph_conformance::derive::{collect_pages, derive};
use graph_conformance::metadata::{Metadata, cross_check};
use std::path::Path;
use std::time::Instant;

/// Reads `../shared/<relative>`, or says it is absent (a bare clone) and returns `None`;
/// under CI (`CI` set and not `0`/`false`) absence is a failure.
fn shared(relative: &str) -> Option<std::path::PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").unwrap_or_default();
    let ci = !matches!(ci.trim(), "" | "0") && !ci.trim().eq_ignore_ascii_case("false");
    assert!(!ci, "CI is set but {} is absent", path.display());
    eprintln!("{} is not here; nothing to measure", path.display());
    None
}

#[test]
fn real_metadata_against_the_real_reference() {
    let (Some(csdl), Some(api)) = (
        shared("graph-metadata/v1.0-2021-07-20.xml"),
        shared("graph-reference-v1.0/api"),
    ) else {
        return;
    };
    let xml = std::fs::read_to_string(&csdl).unwrap();
    let started = Instant::now();
    let metadata = Metadata::parse("v1.0-2021-07-20.xml", &xml).unwrap();
    let parse_time = started.elapsed();
    let count = |kind| metadata.types.iter().filter(|t| t.kind == kind).count();
    let properties: usize = metadata.types.iter().map(|t| t.properties.len()).sum();
    eprintln!(
        "parsed in {parse_time:?}: {} entity types, {} complex types, {} enum types, {properties} properties",
        count(graph_conformance::metadata::TypeKind::Entity),
        count(graph_conformance::metadata::TypeKind::Complex),
        metadata.enums.len()
    );
    let pages = collect_pages(&[api]).unwrap();
    let derivation = derive(&pages);
    let check = cross_check(&metadata, &derivation.contract.resources);
    eprintln!(
        "{} resources ({} not in metadata); {} comparable, {} agree ({:.1} %), {} not in metadata",
        derivation.contract.resources.len(),
        check.resources_not_in_metadata,
        check.comparable,
        check.agreeing,
        check.agreement_rate().unwrap_or_default() * 100.0,
        check.not_in_metadata
    );
    for d in check.disagreements.iter().take(400) {
        eprintln!("{d}");
    }
}
