//! Fuzzes the page reader: any bytes, read as a page (lossy UTF-8, as derive does), must give
//! diagnostics whose lines lie inside the input, and never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let report = graph_conformance::docs::read_page("fuzz.md", &text);
    let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
    for d in &report.diagnostics {
        assert!(d.span.line >= 1 && d.span.line <= lines, "{d}");
    }
});
