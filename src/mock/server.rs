//! The server: binds a listener, serves every request through one axum fallback handler
//! (routing is the suite's own, see [`super::contract`]), and shuts down gracefully.

use super::coding;
use super::contract::{Contract, LeftOut};
use super::fault::{FAULT_HEADER, Fault, FaultSet};
use super::handler::{Request, Shared};
use super::store::{Ids, Store};
use super::transport::{IdleClosingListener, Transport, throttled};
use crate::suite::{Suite, SuiteError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The largest request body the mock reads (larger ones get axum's plain 413).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The suite cannot be served (a schema that does not compile, a `$ref` that points
    /// nowhere): the suite is at fault, not the address.
    #[error("the suite is invalid: operation `{operation}` cannot be served")]
    InvalidSuite {
        operation: String,
        #[source]
        source: SuiteError,
    },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the mock's runtime")]
    Runtime(#[source] std::io::Error),
}

impl From<MockError> for std::io::Error {
    /// Carries a [`MockError`] where an `io::Error` is expected (`InvalidData` when the
    /// suite is at fault); `get_ref` downcasts back to it.
    fn from(error: MockError) -> Self {
        let kind = match &error {
            MockError::InvalidSuite { .. } => std::io::ErrorKind::InvalidData,
            MockError::Listen { source, .. } | MockError::Runtime(source) => source.kind(),
        };
        std::io::Error::new(kind, error)
    }
}

/// The most items a page of a list holds unless [`MockConfig::page_size`] says otherwise:
/// small, so that paging really happens.
pub const DEFAULT_PAGE_SIZE: usize = 2;

/// How a [`MockServer`] behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The path of the service root (`/beta`); every case path is served under it.
    pub prefix: String,
    /// Faults active for every request (more can be named per request in [`FAULT_HEADER`]).
    pub faults: Vec<Fault>,
    /// The most items a page of a list holds (at least 1).
    pub page_size: usize,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            prefix: "/beta".to_string(),
            faults: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// A running reference mock of the suite's operations.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    base_url: String,
    left_out: Vec<LeftOut>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<Serving>,
}

/// Where a mock is served: a task of the caller's runtime, or a thread of its own.
#[derive(Debug)]
enum Serving {
    Task(JoinHandle<()>),
    Thread(std::thread::JoinHandle<()>),
}

impl MockServer {
    /// Binds `addr` (e.g. 127.0.0.1:0) and serves `suite` in a spawned tokio task.
    ///
    /// Fails when the suite cannot be served ([`MockError::InvalidSuite`], checked first)
    /// or the address cannot be bound.
    pub async fn start(
        suite: Arc<Suite>,
        config: MockConfig,
        addr: SocketAddr,
    ) -> Result<MockServer, MockError> {
        MockServer::start_with(suite, config, Transport::default(), addr).await
    }

    /// Like [`MockServer::start`], with a faithful transport variant ([`Transport`]).
    pub async fn start_with(
        suite: Arc<Suite>,
        config: MockConfig,
        transport: Transport,
        addr: SocketAddr,
    ) -> Result<MockServer, MockError> {
        let contract = compile(&suite)?;
        let left_out = contract.left_out.clone();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MockError::Listen { addr, source })?;
        let (addr, base_url, stop, served) = serve(&suite, contract, &config, transport, listener)
            .map_err(|source| MockError::Listen { addr, source })?;
        Ok(MockServer {
            addr,
            base_url,
            left_out,
            stop: Some(stop),
            task: Some(Serving::Task(tokio::spawn(served))),
        })
    }

    /// Like [`MockServer::start`], but serves on a thread of its own with its own
    /// single-threaded runtime, so that a client in the same process (`run` without
    /// `--base-url`) and the mock each keep a core instead of contending for one runtime.
    ///
    /// Fails as [`MockServer::start`] does; the error is a [`MockError`] carried in an
    /// `io::Error` (`InvalidData` when the suite is at fault). The suite is compiled before
    /// the runtime exists, and a runtime that cannot be used is shut down in the background:
    /// called from async code, a failure is an error, never a panic.
    pub fn start_on_own_thread(
        suite: Arc<Suite>,
        config: MockConfig,
        addr: SocketAddr,
    ) -> std::io::Result<MockServer> {
        let contract = compile(&suite)?;
        let left_out = contract.left_out.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        let listen = |source| MockError::Listen { addr, source };
        let bound = std::net::TcpListener::bind(addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .and_then(|listener| {
                let _entered = runtime.enter();
                let listener = tokio::net::TcpListener::from_std(listener)?;
                serve(&suite, contract, &config, Transport::default(), listener)
            });
        let (addr, base_url, stop, served) = match bound {
            Ok(served) => served,
            Err(source) => {
                runtime.shutdown_background();
                return Err(listen(source).into());
            }
        };
        let thread = std::thread::Builder::new()
            .name("mock".to_string())
            .spawn(move || runtime.block_on(served))
            .map_err(MockError::Runtime)?;
        Ok(MockServer {
            addr,
            base_url,
            left_out,
            stop: Some(stop),
            task: Some(Serving::Thread(thread)),
        })
    }
    /// Returns the bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the service root, prefix included (`http://127.0.0.1:PORT/beta`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Returns the operations of the suite that are not served, each with its reason.
    pub fn left_out(&self) -> &[LeftOut] {
        &self.left_out
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(Serving::Task(task)) => {
                let _ = task.await;
            }
            Some(Serving::Thread(thread)) => {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
            None => {}
        }
    }
}

impl Drop for MockServer {
    /// Signals the server task to stop when the handle is dropped without [`MockServer::shutdown`].
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What serving a listener takes: the bound address, the base URL, the stop signal, and the
/// future that serves until it is signalled.
type Served = (
    SocketAddr,
    String,
    oneshot::Sender<()>,
    std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
);

/// Compiles the suite's contract for serving.
fn compile(suite: &Suite) -> Result<Contract, MockError> {
    Contract::compile(suite)
        .map_err(|(operation, source)| MockError::InvalidSuite { operation, source })
}

/// Prepares serving `contract` on `listener`.
fn serve(
    suite: &Suite,
    contract: Contract,
    config: &MockConfig,
    transport: Transport,
    listener: tokio::net::TcpListener,
) -> std::io::Result<Served> {
    let store = Store::preload(&contract, suite);
    let addr = listener.local_addr()?;
    let prefix = normalise_prefix(&config.prefix);
    let base_url = format!("http://{}{prefix}", reachable(addr));
    let shared = Arc::new(Shared {
        contract,
        store: Mutex::new(store),
        ids: Ids::new(),
        faults: FaultSet::of(&config.faults),
        prefix,
        base_url: base_url.clone(),
        page_size: config.page_size.max(1),
    });
    let front = Arc::new(Front {
        shared,
        transport,
        requests: AtomicU64::new(0),
    });
    let router = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(front);
    let (stop, stopped) = oneshot::channel::<()>();
    let served = Box::pin(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let served = match transport.idle_close {
            Some(idle) => {
                let listener = IdleClosingListener {
                    inner: listener,
                    idle,
                };
                axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            None => {
                axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        if let Err(e) = served {
            eprintln!("graph-conformance mock: {e}");
        }
    });
    Ok((addr, base_url, stop, served))
}

/// What the router serves: the handler's state, and the transport variant in front of it.
struct Front {
    shared: Arc<Shared>,
    transport: Transport,
    /// Requests received so far (for `throttle_every`).
    requests: AtomicU64,
}

impl Front {
    /// Returns the throttling answer this request gets, if it gets one.
    fn throttle(&self) -> Option<Response> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let (status, _, retry_after, code) = throttled(self.transport.throttle_every, n)?;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let body = serde_json::json!({
            "error": { "code": code, "message": "throttled: retry after the Retry-After" }
        });
        let headers = [
            (header::CONTENT_TYPE, "application/json"),
            (header::RETRY_AFTER, retry_after),
        ];
        Some((status, headers, body.to_string()).into_response())
    }
}

/// Hands one request to the shared handler (unless the transport throttles it), and codes
/// its answer as the active faults say.
async fn handle(
    State(front): State<Arc<Front>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(throttled) = front.throttle() {
        return throttled;
    }
    let shared = &front.shared;
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let faults: Vec<&str> = headers
        .get_all(FAULT_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let request = Request {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        authorization: text(header::AUTHORIZATION.as_str()),
        fault_header: (!faults.is_empty()).then(|| faults.join(",")),
        client_request_id: text("client-request-id"),
        host: text(header::HOST.as_str()),
        body: &body,
    };
    let response = shared.respond(&request);
    let faults = shared
        .faults_of(request.fault_header.as_deref())
        .unwrap_or(shared.faults);
    let accept_encoding = text(header::ACCEPT_ENCODING.as_str());
    if coding::gzips(faults, response.status().as_u16(), accept_encoding) {
        return coding::gzipped(response).await;
    }
    response
}

/// Writes the prefix as `/segment...` without a trailing slash (empty for the root).
fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// Replaces an unspecified bind address (0.0.0.0, ::) by the loopback one for URLs.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
