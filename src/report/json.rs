//! results.json: the record, with each failing case's reproduction added.

use super::repro::reproduction;
use crate::results::{RunResults, Verdict};
use serde_json::Value;

/// Renders results.json (2-space indentation, trailing newline).
pub fn render(results: &RunResults) -> String {
    let mut value = serde_json::to_value(results).expect("results serialize");
    if let Some(cases) = value.get_mut("cases").and_then(Value::as_array_mut) {
        for (case, record) in results.cases.iter().zip(cases.iter_mut()) {
            if case.verdict == Verdict::Failed {
                record["reproduce"] = serde_json::json!(reproduction(&results.run, case));
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
    text.push('\n');
    text
}
