//! The HTTP client: sends one request, records it (secrets redacted) and what came back.
//!
//! Built for servers suspected of being wrong: redirects are not followed (a 3xx is an answer
//! like any other, and the bearer token never travels to another origin); bodies are read up
//! to a cap and never decompressed (a gzip bomb stays a small blob); every request has a
//! timeout, and the run a deadline; 429 and 503 are retried a bounded number of times,
//! honouring `Retry-After` up to a limit. A failure to get an answer is recorded as the
//! exchange's error, never raised.

use crate::results::{Exchange, RecordedRequest, RecordedResponse};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

/// The most of a response body that is recorded in results.
pub const RECORD_CAP: usize = 64 * 1024;
/// The value that stands for the token in every record.
pub const REDACTED: &str = "Bearer [REDACTED]";

/// How long, how much and how often the client waits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per request (connect, send, and read the whole body).
    pub timeout: Duration,
    /// The most body bytes read; the rest is dropped and the response marked truncated.
    pub max_body: usize,
    /// Retries of a 429 or 503 answer.
    pub retries: u32,
    /// The longest `Retry-After` honoured.
    pub max_retry_wait: Duration,
    /// When the whole run must end; no request outlives it.
    pub deadline: Option<Instant>,
    /// The most requests per second, over the whole run.
    pub rate_limit: Option<f64>,
    /// The most requests in flight at once, over the whole run (`--concurrency`).
    pub in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            max_body: 16 * 1024 * 1024,
            retries: 2,
            max_retry_wait: Duration::from_secs(10),
            deadline: None,
            rate_limit: None,
            in_flight: tokio::sync::Semaphore::MAX_PERMITS,
        }
    }
}

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
    /// The body was longer than the cap; `body` holds its first `cap` bytes.
    pub truncated: bool,
    pub cap: usize,
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
    limits: Limits,
    /// When the next request may start, under `--rate-limit`.
    next_slot: std::sync::Mutex<Instant>,
    /// One permit per request in flight, `limits.in_flight` in all.
    in_flight: tokio::sync::Semaphore,
}

/// A header as sent and as recorded.
type HeaderPair = (reqwest::header::HeaderName, reqwest::header::HeaderValue);

impl Client {
    /// Builds a client for `base` (the service root, version included).
    pub fn new(
        base: &str,
        token: Option<SecretString>,
        headers: &[(String, String)],
        limits: Limits,
    ) -> Result<Client, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.timeout)
            .user_agent(concat!("graph-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        let headers = headers
            .iter()
            .map(|(n, v)| header_pair(n, v))
            .collect::<Result<_, _>>()?;
        let permits = limits
            .in_flight
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            headers,
            limits,
            next_slot: std::sync::Mutex::new(Instant::now()),
            in_flight: tokio::sync::Semaphore::new(permits),
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

    /// Tells whether the run's deadline has passed.
    pub fn past_deadline(&self) -> bool {
        self.limits.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Returns the time a request may take now: the per-request timeout, or what is left
    /// before the deadline if that is shorter.
    fn budget(&self) -> Duration {
        match self.limits.deadline {
            Some(deadline) => self
                .limits
                .timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.limits.timeout,
        }
    }

    /// Sends `outgoing` and records the exchange; `Received` is `None` on a transport error.
    /// A 429 or 503 is retried (at most `retries` times) after its `Retry-After`.
    pub async fn send(&self, outgoing: &Outgoing) -> (Exchange, Option<Received>) {
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let (mut exchange, received) = self.send_once(outgoing).await;
            let wait = received
                .as_ref()
                .and_then(|r| self.retry_wait(r, &exchange, retries));
            match wait {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                None => {
                    exchange.retries = retries;
                    exchange.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
                    return (exchange, received);
                }
            }
        }
    }

    /// Returns how long to wait before retrying a 429 or 503, if a retry is allowed.
    fn retry_wait(&self, received: &Received, exchange: &Exchange, done: u32) -> Option<Duration> {
        if !matches!(received.status, 429 | 503) || done >= self.limits.retries {
            return None;
        }
        let header = exchange
            .response
            .as_ref()?
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| v.trim().parse::<u64>().ok());
        let wait = Duration::from_secs(header.unwrap_or(1)).min(self.limits.max_retry_wait);
        let fits = self
            .limits
            .deadline
            .is_none_or(|d| Instant::now() + wait < d);
        fits.then_some(wait)
    }

    /// Waits for this request's slot under `--rate-limit`: slots are spaced `1/rate` apart,
    /// shared by every concurrent runner, so the rate never exceeds the limit.
    async fn pace(&self) {
        let Some(rate) = self.limits.rate_limit.filter(|r| *r > 0.0) else {
            return;
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    async fn send_once(&self, outgoing: &Outgoing) -> (Exchange, Option<Received>) {
        // never closed, so acquiring cannot fail; a permit is held for one attempt only (not
        // across a retry's wait)
        let _permit = self.in_flight.acquire().await.ok();
        self.pace().await;
        let url = format!("{}{}", self.base, outgoing.path);
        let (request, recorded) = self.build(outgoing, &url);
        let started = Instant::now();
        let budget = self.budget();
        let outcome = match tokio::time::timeout(budget, self.receive(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "timed out: no complete response within {:.1}s",
                budget.as_secs_f64()
            )),
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok((response, received)) => (
                exchange(recorded, Some(response), None, duration_ms),
                Some(received),
            ),
            Err(error) => (
                exchange(recorded, None, Some(self.scrub(&error)), duration_ms),
                None,
            ),
        }
    }

    fn build(&self, outgoing: &Outgoing, url: &str) -> (reqwest::RequestBuilder, RecordedRequest) {
        let mut request = self
            .http
            .request(outgoing.method.clone(), url)
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
            url: url.to_string(),
            headers: recorded_headers,
            body: outgoing.body.clone(),
        };
        (request, recorded)
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
        let cap = self.limits.max_body;
        let mut body = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(|e| describe_error(&e))? {
            total += chunk.len();
            let room = cap.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if total > cap {
                break;
            }
        }
        let truncated = total > cap;
        let shown = &body[..body.len().min(RECORD_CAP)];
        let recorded = RecordedResponse {
            status,
            headers,
            body: String::from_utf8_lossy(shown).into_owned(),
            body_bytes: total,
            body_cap: RECORD_CAP.min(cap),
            truncated: total > RECORD_CAP.min(cap),
        };
        Ok((
            recorded,
            Received {
                status,
                content_type,
                body,
                truncated,
                cap,
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

fn exchange(
    request: RecordedRequest,
    response: Option<RecordedResponse>,
    error: Option<String>,
    duration_ms: f64,
) -> Exchange {
    Exchange {
        request,
        response,
        error,
        retries: 0,
        duration_ms,
    }
}

fn header_pair(name: &str, value: &str) -> Result<HeaderPair, ClientError> {
    let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ClientError::Header(name.to_string()))?;
    let mut v = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| ClientError::Header(name.to_string()))?;
    v.set_sensitive(is_secret_header(name));
    Ok((n, v))
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
