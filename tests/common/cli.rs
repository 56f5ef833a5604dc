//! The binary as a user runs it: its command, its output, and the mock it serves.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// The binary, with no token and no colour preference inherited from the test's
/// environment.
pub fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graph-conformance"));
    command.env_remove("GRAPH_TOKEN").env_remove("NO_COLOR");
    command
}

/// Runs `run --report-dir REPORT ARGS...` to its end.
pub fn run(args: &[&str], report: &Path) -> Output {
    bin()
        .arg("run")
        .arg("--report-dir")
        .arg(report)
        .args(args)
        .output()
        .unwrap()
}

/// Returns stdout then stderr, as text.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The reference mock served by `graph-conformance mock --port 0`, stopped when dropped.
pub struct ServedMock {
    child: Child,
    /// Its service root (`http://127.0.0.1:P/beta`).
    pub url: String,
}

impl ServedMock {
    pub fn start() -> ServedMock {
        ServedMock::start_with(&[])
    }

    /// Starts the mock with `extra` flags (`--throttle-every 7`, say).
    pub fn start_with(extra: &[&str]) -> ServedMock {
        let mut child = bin()
            .args(["mock", "--port", "0"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the mock prints its URL")
            .to_string();
        ServedMock { child, url }
    }
}

impl Drop for ServedMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
