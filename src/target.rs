//! What a run (or a replay) tests: the endpoint `--base-url` names, or, when none is given,
//! the embedded reference mock, started on a thread of its own and sent a stand-in token.

use crate::mock::{Fault, MockConfig, MockServer};
use crate::suite::Suite;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::Arc;

/// The token sent to the embedded mock when none is given (the mock requires one).
pub const MOCK_TOKEN: &str = "embedded-mock-token";

/// The endpoint under test.
pub struct Target {
    base_url: String,
    mock: Option<MockServer>,
}

impl Target {
    /// Returns `base_url` as the target, or starts the embedded mock serving `suite` with
    /// `faults` when there is none.
    pub fn start(
        suite: &Arc<Suite>,
        base_url: Option<String>,
        faults: &[Fault],
    ) -> std::io::Result<Target> {
        let config = MockConfig {
            faults: faults.to_vec(),
            ..MockConfig::default()
        };
        Target::start_with(suite, base_url, config)
    }

    /// Returns `base_url` as the target, or starts the embedded mock serving `suite` as
    /// `config` says (faults, page size) when there is none.
    pub fn start_with(
        suite: &Arc<Suite>,
        base_url: Option<String>,
        config: MockConfig,
    ) -> std::io::Result<Target> {
        let mock = match base_url {
            Some(base_url) => {
                return Ok(Target {
                    base_url,
                    mock: None,
                });
            }
            None => start_mock(suite, config)?,
        };
        Ok(Target {
            base_url: mock.base_url(),
            mock: Some(mock),
        })
    }

    /// Returns the service root requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Tells whether the target is the embedded mock.
    pub fn is_embedded_mock(&self) -> bool {
        self.mock.is_some()
    }

    /// Returns the token to send: the one given, or the embedded mock's stand-in.
    pub fn token(&self, given: Option<SecretString>) -> Option<SecretString> {
        given.or_else(|| self.mock.as_ref().map(|_| SecretString::from(MOCK_TOKEN)))
    }

    /// Stops the embedded mock, if it is the target.
    pub async fn shutdown(self) {
        if let Some(server) = self.mock {
            server.shutdown().await;
        }
    }
}

fn start_mock(suite: &Arc<Suite>, config: MockConfig) -> std::io::Result<MockServer> {
    MockServer::start_on_own_thread(
        Arc::clone(suite),
        config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
}
