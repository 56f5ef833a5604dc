//! The HTTP client: sends one request, records it (secrets redacted) and what came back
//! (scrubbed of every secret, then capped).
//!
//! Built for servers suspected of being wrong: redirects are not followed (a 3xx is an answer
//! like any other, and the bearer token never travels to another origin); bodies are read up
//! to a cap and never decompressed (a gzip bomb stays a small blob); every request has a
//! timeout, and the run a deadline; throttling (a 429, or a 503 with `Retry-After`) is
//! retried a bounded number of times, honouring `Retry-After` up to a limit, and a request
//! that went out on a reused (pooled) connection which died before any byte of the answer is
//! retried once on a fresh connection (never one that went out on a connection opened for
//! it). A failure to get an answer is recorded as the exchange's error, never raised.

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
    /// Retries of a throttling answer (a 429, or a 503 with `Retry-After`).
    pub retries: u32,
    /// The longest `Retry-After` honoured.
    pub max_retry_wait: Duration,
    /// When the whole run must end; no request outlives it.
    pub deadline: Option<Instant>,
    /// The most requests per second, over the whole run.
    pub rate_limit: Option<f64>,
    /// The most requests in flight at once, over the whole run (`--concurrency`).
    pub in_flight: usize,
    /// Connections are kept alive and reused (`false`: `--no-keep-alive`, a fresh connection
    /// for every request).
    pub keep_alive: bool,
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
            keep_alive: true,
        }
    }
}

/// A request to send, relative to the service root.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: reqwest::Method,
    /// The resolved path (`/deviceManagement/ndesConnectors/abc`).
    pub path: String,
    /// The query string, without its `?` (`$top=1`, or a next link's own query).
    pub query: Option<String>,
    pub body: Option<String>,
    /// Whether to send the bearer token.
    pub authorized: bool,
}

/// What came back, as the checks need it.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    pub content_type: Option<String>,
    /// The `Content-Encoding` the server sent, if any (the body is as it came, never
    /// decompressed).
    pub content_encoding: Option<String>,
    pub body: Vec<u8>,
    /// The body was longer than the cap; `body` holds its first `cap` bytes.
    pub truncated: bool,
    pub cap: usize,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswer {
    /// The server did not answer (connect, timeout, a broken body): a finding against it.
    Transport,
    /// The run's `--max-time` deadline cut the request off while it was in flight.
    CutOff,
    /// The deadline came (or no `--rate-limit` slot is left before it) before the request
    /// could be sent: nothing was sent.
    NotSent,
    /// The server was throttling (a 429, or a 503 with `Retry-After` or after a retry) when
    /// the retries were used up: its answer says nothing of the request. The exchange holds
    /// that answer.
    Throttled,
}

/// The value of `Accept-Encoding` on every request: bodies are read as sent, never
/// decompressed, so no content coding is accepted (RFC 9110, 12.5.3).
pub const ACCEPT_ENCODING: &str = "identity";

/// Why one attempt got no answer.
struct Failed {
    /// In words, as the exchange records it (scrubbed before it is).
    message: String,
    why: NoAnswer,
    /// The connection closed or was reset before any byte of the answer arrived.
    connection_lost: bool,
    /// The request went out on a connection taken from the pool, not one opened for it
    /// ([`opened_connection`]).
    reused: bool,
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
    #[error(
        "the token cannot be sent in an HTTP header: it holds a line break or another control character"
    )]
    Token,
}

/// Sends requests to one service root with one token.
pub struct Client {
    http: reqwest::Client,
    /// A client that never reuses a connection, for the one retry of a request whose pooled
    /// connection died before any byte of the answer.
    fresh: reqwest::Client,
    base: String,
    /// The service root as parsed once (`None` if it is not a URL: nothing is then sent).
    root: Option<reqwest::Url>,
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
        let http = http_client(limits.timeout, limits.keep_alive)?;
        let fresh = http_client(limits.timeout, false)?;
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
            fresh,
            base: base.trim_end_matches('/').to_string(),
            root: reqwest::Url::parse(base.trim_end_matches('/')).ok(),
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

    /// Tells whether no request can start before the run's deadline any more: it has passed,
    /// or the next `--rate-limit` slot comes at or after it.
    pub fn past_deadline(&self) -> bool {
        let Some(deadline) = self.limits.deadline else {
            return false;
        };
        let paced = self.limits.rate_limit.is_some_and(|r| r > 0.0);
        self.deadline_passed()
            || (paced && *self.next_slot.lock().unwrap_or_else(|e| e.into_inner()) >= deadline)
    }

    /// Tells whether the run's deadline has passed.
    fn deadline_passed(&self) -> bool {
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

    /// Sends `outgoing` and records the exchange; `Err` tells why no answer came (the
    /// exchange's error says it in words). Throttling (a 429, or a 503 with `Retry-After`) is
    /// retried (at most `retries` times) after its `Retry-After`, when the wait ends before
    /// the deadline; a throttling answer that is left is [`NoAnswer::Throttled`]. A 503
    /// without `Retry-After` to a request that was never retried is an answer (a 5xx).
    pub async fn send(&self, outgoing: &Outgoing) -> (Exchange, Result<Received, NoAnswer>) {
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let (mut exchange, received) = self.send_once(outgoing).await;
            let throttled = received
                .as_ref()
                .is_ok_and(|r| is_throttling(r.status, retry_after_header(&exchange), retries));
            let wait = throttled
                .then(|| self.retry_wait(&exchange, retries))
                .flatten();
            match wait {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                None => {
                    exchange.retries = retries;
                    exchange.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
                    let received = if throttled {
                        Err(NoAnswer::Throttled)
                    } else {
                        received
                    };
                    return (exchange, received);
                }
            }
        }
    }

    /// Returns how long to wait before retrying a throttling answer, if a retry is allowed:
    /// its `Retry-After` (seconds or an HTTP date; 1 s when absent or unreadable) up to
    /// `max_retry_wait`, and only when the wait ends before the deadline.
    fn retry_wait(&self, exchange: &Exchange, done: u32) -> Option<Duration> {
        if done >= self.limits.retries {
            return None;
        }
        let header =
            retry_after_header(exchange).and_then(|v| retry_after(v, std::time::SystemTime::now()));
        let wait = header
            .unwrap_or(Duration::from_secs(1))
            .min(self.limits.max_retry_wait);
        let fits = self
            .limits
            .deadline
            .is_none_or(|d| Instant::now().checked_add(wait).is_some_and(|end| end < d));
        fits.then_some(wait)
    }

    /// Waits for this request's slot under `--rate-limit`: slots are spaced `1/rate` apart,
    /// shared by every concurrent runner, so the rate never exceeds the limit. Returns
    /// `false`, at once, when the slot would come at or after the deadline (the request is
    /// then not sent).
    async fn pace(&self) -> bool {
        let Some(rate) = self.limits.rate_limit.filter(|r| *r > 0.0) else {
            return true;
        };
        let interval = slot_interval(rate);
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            if self.limits.deadline.is_some_and(|d| slot >= d) {
                return false;
            }
            *next = later(slot, interval);
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
        true
    }

    /// Runs `wait` until it completes or the deadline passes (`None`).
    async fn before_deadline<T>(&self, wait: impl std::future::Future<Output = T>) -> Option<T> {
        match self.limits.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), wait).await.ok(),
            None => Some(wait.await),
        }
    }

    async fn send_once(&self, outgoing: &Outgoing) -> (Exchange, Result<Received, NoAnswer>) {
        let mut url = format!("{}{}", self.base, outgoing.path);
        let target = reqwest::Url::parse(&url).ok().filter(|target| {
            self.root
                .as_ref()
                .is_some_and(|root| under_root(root, target))
        });
        let target = target.map(|mut target| {
            if let Some(query) = &outgoing.query {
                target.set_query(Some(query));
                url = format!("{url}?{query}");
            }
            target
        });
        let Some(target) = target else {
            let (_, recorded) = self.build(&self.http, outgoing, url.as_str(), &url);
            let error = format!(
                "not sent: {url} does not stay under the service root {}",
                self.base
            );
            return (
                exchange(recorded, None, Some(error), 0.0),
                Err(NoAnswer::Transport),
            );
        };
        let (request, recorded) = self.build(&self.http, outgoing, target.clone(), &url);
        // never closed, so acquiring cannot fail; a permit is held for one attempt only (not
        // across a retry's wait)
        let permit = self.before_deadline(self.in_flight.acquire()).await;
        if permit.is_none() || !self.pace().await || self.deadline_passed() {
            let error = "not sent: the --max-time deadline had passed".to_string();
            return (
                exchange(recorded, None, Some(error), 0.0),
                Err(NoAnswer::NotSent),
            );
        }
        let started = Instant::now();
        let mut outcome = self.attempt(request).await;
        let reconnected = self.limits.keep_alive
            && matches!(&outcome, Err(failed) if failed.connection_lost && failed.reused);
        if reconnected {
            outcome = self.reconnect(outgoing, target, &url).await;
        }
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (mut recorded, received) = match outcome {
            Ok((response, received)) => (
                exchange(recorded, Some(response), None, duration_ms),
                Ok(received),
            ),
            Err(failed) => {
                let error = Some(self.scrub(&failed.message));
                (
                    exchange(recorded, None, error, duration_ms),
                    Err(failed.why),
                )
            }
        };
        recorded.reconnected = reconnected;
        (recorded, received)
    }

    /// Sends the request again, once, on a fresh connection: it went out on a reused
    /// (pooled) connection, which died before any byte of the answer. That says nothing of
    /// the server: a server may close an idle connection at any time (RFC 9112, 9.6), and
    /// the close crossed the request on the wire. A request that died on a connection
    /// opened for it is never resent (the server may have acted on it): it is a finding.
    /// When the deadline leaves no room for the resend, the request is cut off.
    async fn reconnect(
        &self,
        outgoing: &Outgoing,
        target: reqwest::Url,
        url: &str,
    ) -> Result<(RecordedResponse, Received), Failed> {
        if !self.pace().await || self.deadline_passed() {
            return Err(Failed {
                message: "cut off by the --max-time deadline before the request could be resent on a fresh connection".to_string(),
                why: NoAnswer::CutOff,
                connection_lost: false,
                reused: false,
            });
        }
        let (request, _) = self.build(&self.fresh, outgoing, target, url);
        self.attempt(request).await
    }

    /// Sends one request within the time left and reads its answer.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(RecordedResponse, Received), Failed> {
        let budget = self.budget();
        let failed = |message: String, why| Failed {
            message,
            why,
            connection_lost: false,
            reused: false,
        };
        match tokio::time::timeout(budget, self.receive(request)).await {
            Ok(outcome) => outcome,
            Err(_) if self.deadline_passed() => Err(failed(
                format!(
                    "cut off by the --max-time deadline after {:.1}s",
                    budget.as_secs_f64()
                ),
                NoAnswer::CutOff,
            )),
            Err(_) => Err(failed(
                format!(
                    "timed out: no complete response within {:.1}s",
                    budget.as_secs_f64()
                ),
                NoAnswer::Transport,
            )),
        }
    }

    fn build(
        &self,
        http: &reqwest::Client,
        outgoing: &Outgoing,
        target: impl reqwest::IntoUrl,
        url: &str,
    ) -> (reqwest::RequestBuilder, RecordedRequest) {
        let mut request = http
            .request(outgoing.method.clone(), target)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_ENCODING, ACCEPT_ENCODING);
        let mut recorded_headers = vec![
            ("Accept".to_string(), "application/json".to_string()),
            ("Accept-Encoding".to_string(), ACCEPT_ENCODING.to_string()),
        ];
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
    ) -> Result<(RecordedResponse, Received), Failed> {
        let (sent, opened) = opened_connection::watch(request.send()).await;
        let mut response = sent.map_err(|error| Failed {
            connection_lost: is_connection_lost(&error),
            reused: !opened,
            message: describe_error(error),
            why: NoAnswer::Transport,
        })?;
        let status = response.status().as_u16();
        let headers = RecordedHeaders::of(response.headers(), &self.secrets);
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let content_type = header_text(reqwest::header::CONTENT_TYPE);
        let content_encoding = header_text(reqwest::header::CONTENT_ENCODING);
        let cap = self.limits.max_body;
        let mut body = Vec::new();
        let mut total = 0usize;
        let broken = |error| Failed {
            message: describe_error(error),
            why: NoAnswer::Transport,
            connection_lost: false,
            reused: false,
        };
        while let Some(chunk) = response.chunk().await.map_err(broken)? {
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
                content_encoding,
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

/// Returns the spacing of requests at `rate` per second, saturating (a rate of 1e-300 gives
/// `Duration::MAX`, not a panic).
fn slot_interval(rate: f64) -> Duration {
    Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::MAX)
}

/// Returns `instant + by`, saturating at a century ahead (an `Instant` cannot hold more).
fn later(instant: Instant, by: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    instant
        .checked_add(by.min(CENTURY))
        .or_else(|| instant.checked_add(Duration::from_secs(24 * 3600)))
        .unwrap_or(instant)
}

impl Client {
    /// Reads a link the server sent (an `@odata.nextLink`) as a path under the service root
    /// and its query; `None` when it leaves the root (another origin, a path outside it,
    /// credentials in it): such a link is never sent, nor the token with it.
    pub fn within_root(&self, link: &str) -> Option<(String, Option<String>)> {
        let root = self.root.as_ref()?;
        let mut target = reqwest::Url::parse(link).ok()?;
        let query = target.query().map(str::to_string);
        target.set_query(None);
        if target.fragment().is_some() || !under_root(root, &target) {
            return None;
        }
        let path = target.path()[root.path().trim_end_matches('/').len()..].to_string();
        Some((path, query))
    }
}

/// Tells whether `target` (the base joined with a resolved path, parsed as the HTTP client
/// parses it) still names something under the service root `root`: same origin, a path
/// under the base path, no query or fragment. Dot segments (`..`, `%2E%2E`) are resolved by
/// the parser, so a path that climbs out of the root is caught here.
fn under_root(root: &reqwest::Url, target: &reqwest::Url) -> bool {
    let root_path = root.path().trim_end_matches('/');
    let path = target.path();
    let in_path = path == root_path
        || path
            .strip_prefix(root_path)
            .is_some_and(|rest| rest.starts_with('/'));
    root.origin() == target.origin()
        && in_path
        && target.query().is_none()
        && target.fragment().is_none()
        && target.username().is_empty()
        && target.password().is_none()
}

/// Reads a `Retry-After` value: delta-seconds, or an HTTP date (IMF-fixdate,
/// `Wed, 21 Oct 2015 07:28:00 GMT`) turned into the time left until it (zero when past).
pub fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = imf_fixdate(value)?;
    let now = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Some(Duration::from_secs(
        u64::try_from(at.saturating_sub(now)).unwrap_or(0),
    ))
}

/// Parses an IMF-fixdate (RFC 9110, 5.6.7) into seconds since the Unix epoch.
fn imf_fixdate(value: &str) -> Option<i64> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = value.split(' ').collect();
    let [weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let weekday = weekday.strip_suffix(',')?;
    let number = |text: &str, len: usize| {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<i64>().ok())
            .flatten()
    };
    let (day, year) = (number(day, 2)?, number(year, 4)?);
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let clock: Vec<&str> = time.split(':').collect();
    let [h, m, s] = clock.as_slice() else {
        return None;
    };
    let (h, m, s) = (number(h, 2)?, number(m, 2)?, number(s, 2)?);
    let month = i64::try_from(month).ok()?;
    let in_month = i64::from(crate::format::days_in_month(
        u32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
    ));
    if !(1..=in_month).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    DAYS.contains(&weekday).then_some(())?;
    let days = crate::format::days_from_civil(year, month, day);
    Some(days * 86_400 + h * 3600 + m * 60 + s)
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
        reconnected: false,
        duration_ms,
    }
}

/// Builds the HTTP client: redirects are answers, and `keep_alive: false` keeps no idle
/// connection (every request opens its own).
fn http_client(timeout: Duration, keep_alive: bool) -> Result<reqwest::Client, ClientError> {
    let builder = reqwest::Client::builder()
        .connector_layer(opened_connection::MarkOpened)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .user_agent(concat!("graph-conformance/", env!("CARGO_PKG_VERSION")));
    let builder = if keep_alive {
        builder
    } else {
        builder.pool_max_idle_per_host(0)
    };
    builder.build().map_err(ClientError::Build)
}

/// Returns the `Retry-After` value of the exchange's answer, if it has one.
fn retry_after_header(exchange: &Exchange) -> Option<&str> {
    exchange
        .response
        .as_ref()?
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.as_str())
}

/// Tells whether an answer is throttling: a 429, or a 503 that says when to come back
/// (`Retry-After`) or that follows a throttling answer already retried. A 503 without
/// `Retry-After` to a first try is a server error, not throttling.
pub fn is_throttling(status: u16, retry_after: Option<&str>, retried: u32) -> bool {
    match status {
        429 => true,
        503 => retry_after.is_some() || retried > 0,
        _ => false,
    }
}

/// Tells whether a request failed because its connection closed or was reset before any
/// byte of the answer came: no response head (the request itself failed, not its body), no
/// timeout, no failure to connect, and a cause that is the connection's end (hyper's
/// "connection closed before message completed", a reset, a broken pipe, an early EOF).
fn is_connection_lost(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    if error.is_timeout() || error.is_connect() || error.is_body() || error.is_decode() {
        return false;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        if cause.to_string() == INCOMPLETE_MESSAGE {
            return true;
        }
        source = cause.source();
    }
    false
}

/// How hyper describes a connection that closed before the answer was complete.
const INCOMPLETE_MESSAGE: &str = "connection closed before message completed";

/// Whether a request went out on a connection opened for it, or on one taken from the pool.
///
/// reqwest does not say which, so the client's connector carries a layer ([`MarkOpened`])
/// that marks, in a cell local to the task that sends the request ([`watch`]), a connection
/// whose opening completed in that task. hyper-util's pool (`connection_for` in
/// `client/legacy/client.rs`) races the pool checkout, polled first, against opening a
/// connection, in the request's own task: when the checkout wins, the opening (if it started)
/// is finished in a task of its own, where the cell does not exist, so it marks nothing; when
/// the opening wins, it completed in the request's task. So "nothing marked" means the
/// request went out on a pooled connection, and a mark means it most likely went out on the
/// fresh one (or, if the pool won in the instant between the connection and its HTTP
/// handshake, on a pooled one: then it is not resent, which is the safe side).
mod opened_connection {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    tokio::task_local! {
        /// Set when a connection was opened in the task that sends the request.
        static OPENED: Cell<bool>;
    }

    /// Runs `send` (one request, until its response head or its failure) and tells whether
    /// a connection was opened for it.
    pub(super) async fn watch<T>(send: impl Future<Output = T>) -> (T, bool) {
        OPENED
            .scope(Cell::new(false), async move {
                let sent = send.await;
                // inside the scope the cell exists; were it not there, say "opened" (no resend)
                (sent, OPENED.try_with(Cell::get).unwrap_or(true))
            })
            .await
    }

    /// The connector layer that marks every connection opened in a watched task.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct MarkOpened;

    impl<S> tower_layer::Layer<S> for MarkOpened {
        type Service = Marking<S>;

        fn layer(&self, connector: S) -> Marking<S> {
            Marking(connector)
        }
    }

    /// A connector that marks the connections it opens ([`MarkOpened`]).
    #[derive(Debug, Clone)]
    pub(super) struct Marking<S>(S);

    type Opening<C, E> = Pin<Box<dyn Future<Output = Result<C, E>> + Send>>;

    impl<S, R> tower_service::Service<R> for Marking<S>
    where
        S: tower_service::Service<R>,
        S::Future: Send + 'static,
        S::Response: Send + 'static,
        S::Error: 'static,
    {
        type Response = S::Response;
        type Error = S::Error;
        type Future = Opening<S::Response, S::Error>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
            self.0.poll_ready(cx)
        }

        fn call(&mut self, destination: R) -> Self::Future {
            let opening = self.0.call(destination);
            Box::pin(async move {
                let connection = opening.await?;
                // outside a watched task (an opening the pool finished in the background)
                // there is no cell, and nothing to mark
                let _ = OPENED.try_with(|opened| opened.set(true));
                Ok(connection)
            })
        }
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
    match crate::credentials::unsendable(token) {
        Some(crate::credentials::Unsendable::Blank) => return Err(ClientError::EmptyToken),
        Some(crate::credentials::Unsendable::ControlCharacter) => return Err(ClientError::Token),
        None => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::time::{SystemTime, UNIX_EPOCH};

    /// 2015-10-21T07:28:00Z, the RFC's example date.
    const RFC_EXAMPLE: u64 = 1_445_412_480;

    fn at(epoch: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(epoch)
    }

    #[rstest]
    #[case::delta_seconds("120", RFC_EXAMPLE, Some(120))]
    #[case::an_http_date_ahead("Wed, 21 Oct 2015 07:28:00 GMT", RFC_EXAMPLE - 90, Some(90))]
    #[case::an_http_date_now("Wed, 21 Oct 2015 07:28:00 GMT", RFC_EXAMPLE, Some(0))]
    #[case::an_http_date_in_the_past_means_no_wait("Wed, 21 Oct 2015 07:28:00 GMT", RFC_EXAMPLE + 3600, Some(0))]
    #[case::a_leap_day("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800 - 5, Some(5))]
    #[case::spaces_around(" 7 ", RFC_EXAMPLE, Some(7))]
    #[case::not_gmt("Wed, 21 Oct 2015 07:28:00 UTC", RFC_EXAMPLE, None)]
    #[case::no_weekday("21 Oct 2015 07:28:00 GMT", RFC_EXAMPLE, None)]
    #[case::day_32("Wed, 32 Oct 2015 07:28:00 GMT", RFC_EXAMPLE, None)]
    #[case::february_30("Mon, 30 Feb 2015 07:28:00 GMT", RFC_EXAMPLE, None)]
    #[case::hour_24("Wed, 21 Oct 2015 24:00:00 GMT", RFC_EXAMPLE, None)]
    #[case::an_unknown_month("Wed, 21 Okt 2015 07:28:00 GMT", RFC_EXAMPLE, None)]
    #[case::negative_seconds("-5", RFC_EXAMPLE, None)]
    #[case::empty("", RFC_EXAMPLE, None)]
    fn retry_after_is_delta_seconds_or_an_imf_fixdate(
        #[case] value: &str,
        #[case] now: u64,
        #[case] expected: Option<u64>,
    ) {
        assert_eq!(
            retry_after(value, at(now)),
            expected.map(Duration::from_secs)
        );
    }

    #[rstest]
    #[case::a_429_is_throttling(429, None, 0, true)]
    #[case::a_429_with_retry_after_is_throttling(429, Some("1"), 0, true)]
    #[case::a_503_with_retry_after_is_throttling(503, Some("0"), 0, true)]
    #[case::a_503_without_retry_after_to_a_first_try_is_a_server_error(503, None, 0, false)]
    #[case::a_503_without_retry_after_after_a_throttling_retry_is_throttling(503, None, 1, true)]
    #[case::a_500_with_retry_after_is_a_server_error(500, Some("1"), 0, false)]
    #[case::a_200_is_an_answer(200, Some("1"), 1, false)]
    fn throttling_is_a_429_or_a_503_that_says_when_to_come_back(
        #[case] status: u16,
        #[case] retry_after: Option<&str>,
        #[case] retried: u32,
        #[case] throttling: bool,
    ) {
        assert_eq!(is_throttling(status, retry_after, retried), throttling);
    }

    #[rstest]
    #[case::a_million_per_second(1e6, Duration::from_micros(1))]
    #[case::one_per_1000_s(0.001, Duration::from_secs(1000))]
    #[case::one_in_1e300_s(1e-300, Duration::MAX)]
    #[case::the_smallest_subnormal_rate(5e-324, Duration::MAX)]
    #[case::an_infinite_rate(f64::INFINITY, Duration::ZERO)]
    fn rate_spacing_saturates_instead_of_panicking(#[case] rate: f64, #[case] spacing: Duration) {
        assert_eq!(slot_interval(rate), spacing);
        let now = Instant::now();
        assert!(later(now, slot_interval(rate)) >= now);
    }

    /// How a raw test server treats the requests that reach it.
    #[derive(Debug, Clone, Copy)]
    enum Server {
        /// Reads every request and closes its connection unanswered: with a FIN, or
        /// (`reset`) a RST.
        ClosesEveryRequest { reset: bool },
        /// Answers the first request of every connection (200, `{}`, kept alive, no
        /// `Connection: close`) and closes the connection unanswered when a second arrives:
        /// a server that closed its idle connection as the request crossed it.
        AnswersOnePerConnection,
    }

    /// What reached a raw test server.
    #[derive(Default)]
    struct Reached {
        connections: std::sync::atomic::AtomicUsize,
        /// The request line of every request read, in order.
        requests: std::sync::Mutex<Vec<String>>,
    }

    impl Reached {
        fn connections(&self) -> usize {
            self.connections.load(std::sync::atomic::Ordering::SeqCst)
        }

        fn requests(&self, method: &str) -> usize {
            let requests = self.requests.lock().unwrap();
            requests.iter().filter(|r| r.starts_with(method)).count()
        }
    }

    /// Starts a raw HTTP/1.1 server on 127.0.0.1; returns its root URL.
    async fn serve(server: Server) -> (String, std::sync::Arc<Reached>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let root = format!("http://{}/beta", listener.local_addr().unwrap());
        let reached = std::sync::Arc::new(Reached::default());
        let counts = std::sync::Arc::clone(&reached);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counts
                    .connections
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(connection(socket, server, std::sync::Arc::clone(&counts)));
            }
        });
        (root, reached)
    }

    async fn connection(
        mut socket: tokio::net::TcpStream,
        server: Server,
        reached: std::sync::Arc<Reached>,
    ) {
        use tokio::io::AsyncWriteExt;
        let mut buf = Vec::new();
        let mut answered = 0;
        while let Some(line) = read_request(&mut socket, &mut buf).await {
            reached.requests.lock().unwrap().push(line);
            match server {
                Server::ClosesEveryRequest { reset } => {
                    if reset {
                        let _ = socket.set_zero_linger();
                    }
                    return;
                }
                Server::AnswersOnePerConnection if answered > 0 => return,
                Server::AnswersOnePerConnection => {}
            }
            let reply =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
            if socket.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            answered += 1;
        }
    }

    /// Reads one request (head and `Content-Length` body) and returns its request line;
    /// `None` when the connection ends first.
    async fn read_request(socket: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<String> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    buf.drain(..end + 4 + length);
                    return head.lines().next().map(str::to_string);
                }
            }
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn client(root: &str, keep_alive: bool) -> Client {
        let limits = Limits {
            timeout: Duration::from_secs(5),
            keep_alive,
            ..Limits::default()
        };
        Client::new(root, None, &[], &[], limits).unwrap()
    }

    fn outgoing(method: reqwest::Method) -> Outgoing {
        Outgoing {
            method,
            query: None,
            path: "/things".to_string(),
            body: Some("{}".to_string()),
            authorized: false,
        }
    }

    /// A request that went out on a connection opened for it, and that the server closed
    /// unanswered, may have been acted on: it is never resent, whatever its method; the
    /// server saw it once, and the exchange records the transport failure.
    #[rstest]
    #[case::a_post_closed_with_a_fin(reqwest::Method::POST, false, true)]
    #[case::a_post_closed_with_a_reset(reqwest::Method::POST, true, true)]
    #[case::a_get_closed_with_a_fin(reqwest::Method::GET, false, true)]
    #[case::a_post_without_keep_alive(reqwest::Method::POST, false, false)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_on_a_fresh_connection_that_dies_is_not_resent(
        #[case] method: reqwest::Method,
        #[case] reset: bool,
        #[case] keep_alive: bool,
    ) {
        let (root, reached) = serve(Server::ClosesEveryRequest { reset }).await;
        let (exchange, received) = client(&root, keep_alive)
            .send(&outgoing(method.clone()))
            .await;
        assert_eq!(received.err(), Some(NoAnswer::Transport));
        assert!(!exchange.reconnected);
        assert!(exchange.error.is_some());
        assert_eq!(reached.requests(method.as_str()), 1, "sent once");
        assert_eq!(reached.connections(), 1);
    }

    /// A request that went out on a reused (pooled) connection which the server closed
    /// unanswered (an idle close crossing it, no `Connection: close`) is resent once on a
    /// fresh connection, and answered; the resend is recorded. Under load the pool may hand
    /// the second request a connection of its own (the first's is not back in the pool yet),
    /// which the server answers: the scenario is then tried again, with a fresh client.
    #[rstest]
    #[case::a_post(reqwest::Method::POST)]
    #[case::a_patch(reqwest::Method::PATCH)]
    #[case::a_get(reqwest::Method::GET)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_on_a_reused_connection_that_dies_is_resent_once_on_a_fresh_one(
        #[case] method: reqwest::Method,
    ) {
        let (root, reached) = serve(Server::AnswersOnePerConnection).await;
        for _ in 0..20 {
            let before = reached.requests(method.as_str());
            let client = client(&root, true);
            let (first, received) = client.send(&outgoing(reqwest::Method::GET)).await;
            assert_eq!(received.map(|r| r.status).ok(), Some(200));
            assert!(
                !first.reconnected,
                "the first request opened its connection"
            );
            // the first connection goes back to the pool once its answer is read
            tokio::time::sleep(Duration::from_millis(20)).await;
            let (exchange, received) = client.send(&outgoing(method.clone())).await;
            assert_eq!(received.map(|r| r.status).ok(), Some(200));
            assert!(exchange.error.is_none());
            if exchange.reconnected {
                // the pooled request and its resend (and the first, for a GET)
                let sent = if method == reqwest::Method::GET { 3 } else { 2 };
                assert_eq!(reached.requests(method.as_str()) - before, sent);
                return;
            }
        }
        panic!("no request of 20 went out on a pooled connection");
    }

    /// Without keep-alive every request has a connection of its own: the same server answers
    /// every request, and nothing is resent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_keep_alive_every_request_opens_its_connection() {
        let (root, reached) = serve(Server::AnswersOnePerConnection).await;
        let client = client(&root, false);
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let (exchange, received) = client.send(&outgoing(method)).await;
            assert_eq!(received.map(|r| r.status).ok(), Some(200));
            assert!(!exchange.reconnected);
        }
        assert_eq!(reached.connections(), 2);
    }

    #[rstest]
    #[case::the_root_itself("http://h:1/beta", "http://h:1/beta", true)]
    #[case::a_path_under_it("http://h:1/beta", "http://h:1/beta/a/b", true)]
    #[case::dot_dot_climbs_out("http://h:1/beta", "http://h:1/beta/../x", false)]
    #[case::encoded_dot_dot_climbs_out(
        "http://h:1/beta",
        "http://h:1/beta/a/%2E%2E/%2e%2e/x",
        false
    )]
    #[case::a_sibling_with_the_root_as_prefix("http://h:1/beta", "http://h:1/betax/a", false)]
    #[case::a_query("http://h:1/beta?q=1", "http://h:1/beta?q=1/a", false)]
    #[case::a_fragment("http://h:1/beta#f", "http://h:1/beta#f/a", false)]
    #[case::another_host("http://h:1/beta", "http://h:1@evil/beta/a", false)]
    fn only_urls_under_the_service_root_are_sent(
        #[case] base: &str,
        #[case] url: &str,
        #[case] sent: bool,
    ) {
        let (root, target) = (reqwest::Url::parse(base), reqwest::Url::parse(url));
        assert_eq!(under_root(&root.unwrap(), &target.unwrap()), sent);
    }
}
