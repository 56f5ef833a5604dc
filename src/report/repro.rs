//! Reproductions: a curl command per request of a failing case that replays it exactly, with
//! `$GRAPH_TOKEN` where the token was (so it works when pasted and never holds the secret).

use crate::results::{CaseResult, Exchange, RunInfo};
use crate::run::REDACTED;
use std::path::Path;

/// Quotes a string for a POSIX shell.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Returns the curl command that replays `exchange`.
pub fn curl_command(exchange: &Exchange) -> String {
    let request = &exchange.request;
    let mut parts = vec![
        "curl -sS -i".to_string(),
        format!("-X {}", request.method),
        quote(&request.url),
    ];
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("authorization") && value == REDACTED {
            parts.push("-H \"Authorization: Bearer $GRAPH_TOKEN\"".to_string());
        } else if value == "[REDACTED]" {
            let var = format!(
                "GRAPH_HEADER_{}",
                name.to_ascii_uppercase().replace('-', "_")
            );
            parts.push(format!("-H \"{name}: ${var}\""));
        } else {
            parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-raw {}", quote(body)));
    }
    parts.join(" ")
}

/// Quotes a string for a POSIX shell when it needs quoting.
fn quote_if_needed(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Returns the commands that reproduce a failing case: with the embedded mock, first the
/// command that serves it on the same port (and the same faults); last, the `replay` of the
/// case from `results_file`, the results.json this run writes.
pub fn reproduction(run: &RunInfo, case: &CaseResult, results_file: &Path) -> Vec<String> {
    let mut commands = Vec::new();
    if run.embedded_mock {
        let port = run
            .base_url
            .split(':')
            .nth(2)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("8080");
        let faults: String = run
            .mock_faults
            .iter()
            .map(|f| format!(" --fault {f}"))
            .collect();
        commands.push(format!("graph-conformance mock --port {port}{faults} &"));
    }
    commands.extend(case.exchanges.iter().map(curl_command));
    commands.push(format!(
        "graph-conformance replay {} --results {}",
        quote(&case.id),
        quote_if_needed(&results_file.to_string_lossy())
    ));
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RecordedRequest;

    #[test]
    fn the_token_becomes_a_variable_and_quotes_survive() {
        let exchange = Exchange {
            request: RecordedRequest {
                method: "PATCH".into(),
                url: "http://h/beta/x".into(),
                headers: vec![("Authorization".into(), REDACTED.into())],
                body: Some("{\"a\":\"it's\"}".into()),
            },
            response: None,
            error: None,
            retries: 0,
            reconnected: false,
            duration_ms: 0.0,
        };
        assert_eq!(
            curl_command(&exchange),
            "curl -sS -i -X PATCH 'http://h/beta/x' -H \"Authorization: Bearer $GRAPH_TOKEN\" --data-raw '{\"a\":\"it'\\''s\"}'"
        );
    }
}
