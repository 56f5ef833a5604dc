//! The HTTP client: sends one request, records it (secrets redacted) and what came back
//! (scrubbed of every secret, then capped).
//!
//! Built for servers suspected of being wrong: redirects are not followed (a 3xx is an answer
//! like any other, and the bearer token never travels to another origin); bodies are read up
//! to a cap and never decompressed (a gzip bomb stays a small blob); every request has a
//! timeout, and the run a deadline; 429 and 503 are retried a bounded number of times,
//! honouring `Retry-After` up to a limit. A failure to get an answer is recorded as the
//! exchange's error, never raised.

use crate::results::{Exchange, RecordedRequest, RecordedResponse};
use crate::secret::Secrets;
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

/// The most of a response body that is recorded in results.
pub const RECORD_CAP: usize = 64 * 1024;
/// The value that stands for the token in every record.
pub const REDACTED: &str = "Bearer [REDACTED]";
/// The most response headers recorded; the headers the tool reads (`Content-Type`,
/// `Retry-After`) are recorded whatever their place.
pub const MAX_RECORDED_HEADERS: usize = 64;
/// The most bytes of a response header's name recorded.
pub const HEADER_NAME_CAP: usize = 256;
/// The most bytes of a response header's value recorded.
pub const HEADER_VALUE_CAP: usize = 1024;

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
    #[error("cannot build the HTTP client")]
    Build(#[source] reqwest::Error),
    #[error("the header `{0}` is not a valid HTTP header")]
    Header(String),
    #[error("the token is empty: give a non-empty token (GRAPH_TOKEN or --token)")]
    EmptyToken,
    #[error("the token cannot be sent in an HTTP header: it holds a character such as CR or LF")]
    Token,
}

/// Sends requests to one service root with one token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// `Bearer <token>`, marked sensitive.
    authorization: Option<reqwest::header::HeaderValue>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// The token and every secret header value, scrubbed from what the server sends.
    secrets: Secrets,
    limits: Limits,
    /// When the next request may start, under `--rate-limit`.
    next_slot: std::sync::Mutex<Instant>,
    /// One permit per request in flight, `limits.in_flight` in all.
    in_flight: tokio::sync::Semaphore,
}

/// A header as sent and as recorded.
type HeaderPair = (reqwest::header::HeaderName, reqwest::header::HeaderValue);

impl Client {
    /// Builds a client for `base` (the service root, version included). The values of the
    /// headers named in `secret_headers` (any case), and of every header
    /// [`is_secret_header`] names, are secrets like the token.
    pub fn new(
        base: &str,
        token: Option<SecretString>,
        headers: &[(String, String)],
        secret_headers: &[String],
        limits: Limits,
    ) -> Result<Client, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.timeout)
            .user_agent(concat!("graph-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        let secret = |name: &str| is_secret(name, secret_headers);
        let token = token.as_ref().map(ExposeSecret::expose_secret);
        let authorization = token.map(authorization).transpose()?;
        let secret_values = headers
            .iter()
            .filter(|(n, _)| secret(n))
            .map(|(_, v)| v.as_str());
        let secrets = Secrets::new(token.into_iter().chain(secret_values));
        let headers: Vec<HeaderPair> = headers
            .iter()
            .map(|(n, v)| header_pair(n, v, secret(n)))
            .collect::<Result<_, _>>()?;
        let permits = limits
            .in_flight
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            authorization,
            headers,
            secrets,
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
        self.authorization.is_some()
    }

    /// Returns the run's secrets, for the checks that quote what a server sent.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
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
            && let Some(value) = &self.authorization
        {
            request = request.header(reqwest::header::AUTHORIZATION, value.clone());
            recorded_headers.push(("Authorization".to_string(), REDACTED.to_string()));
        }
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
            let shown = if value.is_sensitive() {
                crate::secret::REDACTED.to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
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
        let mut response = request.send().await.map_err(describe_error)?;
        let status = response.status().as_u16();
        let headers = RecordedHeaders::of(response.headers(), &self.secrets);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let cap = self.limits.max_body;
        let mut body = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(describe_error)? {
            total += chunk.len();
            let room = cap.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if total > cap {
                break;
            }
        }
        let truncated = total > cap;
        let record_cap = RECORD_CAP.min(cap);
        let recorded = RecordedResponse {
            status,
            headers: headers.kept,
            body: self.recorded_body(&body, record_cap),
            body_bytes: total,
            body_cap: record_cap,
            truncated: total > record_cap,
            headers_dropped: headers.dropped,
            headers_truncated: headers.truncated,
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

    /// Returns the first `cap` bytes of a body as text, scrubbed before the cut (so a secret
    /// across the cut leaves no prefix behind).
    fn recorded_body(&self, body: &[u8], cap: usize) -> String {
        let window = body.len().min(cap.saturating_add(self.secrets.reach()));
        let text = String::from_utf8_lossy(&body[..window]);
        self.secrets.scrub_cut(&text, cap).text
    }

    /// Removes every secret from server-controlled text (a transport error, say).
    pub fn scrub(&self, message: &str) -> String {
        self.secrets.scrub(message)
    }
}

/// The response headers as recorded: scrubbed, then capped in count and size.
struct RecordedHeaders {
    kept: Vec<(String, String)>,
    /// Headers left out by the cap on their count.
    dropped: usize,
    /// Some header was left out or cut.
    truncated: bool,
}

impl RecordedHeaders {
    fn of(headers: &reqwest::header::HeaderMap, secrets: &Secrets) -> RecordedHeaders {
        let mut recorded = RecordedHeaders {
            kept: Vec::new(),
            dropped: 0,
            truncated: false,
        };
        for (name, value) in headers {
            let read_by_the_tool =
                *name == reqwest::header::CONTENT_TYPE || *name == reqwest::header::RETRY_AFTER;
            if recorded.kept.len() >= MAX_RECORDED_HEADERS && !read_by_the_tool {
                recorded.dropped += 1;
                recorded.truncated = true;
                continue;
            }
            let name = secrets.scrub_cut(name.as_str(), HEADER_NAME_CAP);
            let value =
                secrets.scrub_cut(&String::from_utf8_lossy(value.as_bytes()), HEADER_VALUE_CAP);
            recorded.truncated |= name.cut || value.cut;
            recorded.kept.push((name.text, value.text));
        }
        recorded
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

fn header_pair(name: &str, value: &str, secret: bool) -> Result<HeaderPair, ClientError> {
    let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ClientError::Header(name.to_string()))?;
    let mut v = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| ClientError::Header(name.to_string()))?;
    v.set_sensitive(secret);
    Ok((n, v))
}

/// Returns the `Authorization` value for `token`, marked sensitive; an empty token, or one
/// no HTTP header can carry (CR, LF), is an error rather than a request that lies.
fn authorization(token: &str) -> Result<reqwest::header::HeaderValue, ClientError> {
    if token.trim().is_empty() {
        return Err(ClientError::EmptyToken);
    }
    let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| ClientError::Token)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Describes why a request got no response, without its URL (the record holds it, and it is
/// the tool's own text, which is never scrubbed).
fn describe_error(error: reqwest::Error) -> String {
    let error = error.without_url();
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
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Tells whether the header `name` is secret: its name says so, or `--secret-header` named it.
fn is_secret(name: &str, secret_headers: &[String]) -> bool {
    is_secret_header(name) || secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Returns a warning for each secret too short to be told apart from ordinary text, which
/// reports therefore do not protect (to print once, before the run).
pub fn unprotected_secrets(
    token: Option<&SecretString>,
    headers: &[(String, String)],
    secret_headers: &[String],
) -> Vec<String> {
    let token = token
        .and_then(|t| crate::secret::short_token_warning(t.expose_secret()))
        .into_iter();
    let headers = headers
        .iter()
        .filter(|(name, value)| {
            is_secret(name, secret_headers)
                && !value.is_empty()
                && !crate::secret::is_protected(value)
        })
        .map(|(name, _)| {
            format!(
                "the value of the secret header `{name}` is shorter than {} characters: it is not protected in reports",
                crate::secret::MIN_PROTECTED_SECRET_LEN
            )
        });
    token.chain(headers).collect()
}

/// Tells whether a header's value must never be recorded.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["auth", "cookie", "token", "secret", "key", "password"]
        .iter()
        .any(|s| name.contains(s))
}
