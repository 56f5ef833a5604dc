//! The HTTP client: sends one request, records it (secrets redacted) and what came back.
//!
//! Redirects are not followed (a 3xx is an answer like any other, and the bearer token never
//! travels to another origin); bodies are read up to a cap; every failure to get an answer
//! is recorded as the exchange's error, never raised.

use crate::results::{Exchange, RecordedRequest, RecordedResponse};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

/// The most of a response body that is read; the rest is dropped.
pub const READ_CAP: usize = 16 * 1024 * 1024;
/// The most of a response body that is recorded in results.
pub const RECORD_CAP: usize = 64 * 1024;
/// The value that stands for the token in every record.
pub const REDACTED: &str = "Bearer [REDACTED]";

/// A request to send, relative to the service root.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: reqwest::Method,
    /// The resolved path (`/deviceManagement/ndesConnectors/abc`).
    pub path: String,
    pub body: Option<String>,
    /// Whether to send the bearer token.
    pub authorized: bool,
}

/// What came back, as the checks need it.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    #[error("the header `{0}` is not a valid HTTP header")]
    Header(String),
}

/// Sends requests to one service root with one token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<SecretString>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
}

impl Client {
    /// Builds a client for `base` (the service root, version included).
    pub fn new(
        base: &str,
        token: Option<SecretString>,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Client, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("graph-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| ClientError::Header(name.clone()))?;
                let mut v = reqwest::header::HeaderValue::from_str(value)
                    .map_err(|_| ClientError::Header(name.clone()))?;
                v.set_sensitive(is_secret_header(name));
                Ok((n, v))
            })
            .collect::<Result<_, ClientError>>()?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            headers,
        })
    }

    /// Returns the service root.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Tells whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Sends `outgoing` and records the exchange; `Received` is `None` on a transport error.
    pub async fn send(&self, outgoing: &Outgoing) -> (Exchange, Option<Received>) {
        let url = format!("{}{}", self.base, outgoing.path);
        let mut request = self
            .http
            .request(outgoing.method.clone(), &url)
            .header(reqwest::header::ACCEPT, "application/json");
        let mut recorded_headers = vec![("Accept".to_string(), "application/json".to_string())];
        if outgoing.authorized
            && let Some(token) = &self.token
        {
            let mut value = reqwest::header::HeaderValue::from_str(&format!(
                "Bearer {}",
                token.expose_secret()
            ))
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer invalid"));
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
            recorded_headers.push(("Authorization".to_string(), REDACTED.to_string()));
        }
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
            let shown = if value.is_sensitive() {
                "[REDACTED]".to_string()
            } else {
                value.to_str().unwrap_or("?").to_string()
            };
            recorded_headers.push((name.to_string(), shown));
        }
        if let Some(body) = &outgoing.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            recorded_headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        let recorded = RecordedRequest {
            method: outgoing.method.to_string(),
            url: url.clone(),
            headers: recorded_headers,
            body: outgoing.body.clone(),
        };
        let started = Instant::now();
        let outcome = self.receive(request).await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok((response, received)) => (
                Exchange {
                    request: recorded,
                    response: Some(response),
                    error: None,
                    duration_ms,
                },
                Some(received),
            ),
            Err(error) => (
                Exchange {
                    request: recorded,
                    response: None,
                    error: Some(self.scrub(&error)),
                    duration_ms,
                },
                None,
            ),
        }
    }

    async fn receive(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(RecordedResponse, Received), String> {
        let mut response = request.send().await.map_err(|e| describe_error(&e))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(|e| describe_error(&e))? {
            total += chunk.len();
            let room = READ_CAP.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if total > READ_CAP {
                break;
            }
        }
        let shown = &body[..body.len().min(RECORD_CAP)];
        let recorded = RecordedResponse {
            status,
            headers,
            body: String::from_utf8_lossy(shown).into_owned(),
            body_bytes: total,
            body_cap: RECORD_CAP,
            truncated: total > RECORD_CAP,
        };
        Ok((
            recorded,
            Received {
                status,
                content_type,
                body,
            },
        ))
    }

    /// Removes the token from a message, should any layer ever echo it.
    pub fn scrub(&self, message: &str) -> String {
        match &self.token {
            Some(token) if !token.expose_secret().is_empty() => {
                message.replace(token.expose_secret(), "[REDACTED]")
            }
            _ => message.to_string(),
        }
    }
}

fn describe_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the body could not be read"
    } else {
        "the request failed"
    };
    let mut message = format!("{kind}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Tells whether a header's value must never be recorded.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["auth", "cookie", "token", "secret", "key", "password"]
        .iter()
        .any(|s| name.contains(s))
}
