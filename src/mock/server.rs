//! The server: binds a listener, serves every request through one axum fallback handler
//! (routing is the suite's own, see [`super::contract`]), and shuts down gracefully.

use super::contract::Contract;
use super::fault::{FAULT_HEADER, Fault, FaultSet};
use super::handler::{Request, Shared};
use super::store::{Ids, Store};
use crate::suite::Suite;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The largest request body the mock reads (larger ones get axum's plain 413).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How a [`MockServer`] behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The path of the service root (`/beta`); every case path is served under it.
    pub prefix: String,
    /// Faults active for every request (more can be named per request in [`FAULT_HEADER`]).
    pub faults: Vec<Fault>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            prefix: "/beta".to_string(),
            faults: Vec::new(),
        }
    }
}

/// A running reference mock of the suite's operations.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    base_url: String,
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
    /// Fails when the address cannot be bound or a schema of the suite does not compile
    /// (`InvalidData`).
    pub async fn start(
        suite: Arc<Suite>,
        config: MockConfig,
        addr: SocketAddr,
    ) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let (addr, base_url, stop, served) = serve(&suite, &config, listener)?;
        Ok(MockServer {
            addr,
            base_url,
            stop: Some(stop),
            task: Some(Serving::Task(tokio::spawn(served))),
        })
    }

    /// Like [`MockServer::start`], but serves on a thread of its own with its own
    /// single-threaded runtime, so that a client in the same process (`run` without
    /// `--base-url`) and the mock each keep a core instead of contending for one runtime.
    pub fn start_on_own_thread(
        suite: Arc<Suite>,
        config: MockConfig,
        addr: SocketAddr,
    ) -> std::io::Result<MockServer> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (addr, base_url, stop, served) = serve(&suite, &config, listener)?;
        let thread = std::thread::Builder::new()
            .name("mock".to_string())
            .spawn(move || runtime.block_on(served))?;
        Ok(MockServer {
            addr,
            base_url,
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

/// Compiles the suite's contract and prepares serving `listener`; fails when a schema of the
/// suite does not compile (`InvalidData`).
fn serve(
    suite: &Suite,
    config: &MockConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<Served> {
    let contract = Contract::compile(suite)
        .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidData, message))?;
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
    });
    let router = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared);
    let (stop, stopped) = oneshot::channel::<()>();
    let served = Box::pin(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            eprintln!("graph-conformance mock: {e}");
        }
    });
    Ok((addr, base_url, stop, served))
}

/// Hands one request to the shared handler.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let faults: Vec<&str> = headers
        .get_all(FAULT_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let request = Request {
        method: method.as_str(),
        path: uri.path(),
        authorization: text(header::AUTHORIZATION.as_str()),
        fault_header: (!faults.is_empty()).then(|| faults.join(",")),
        client_request_id: text("client-request-id"),
        host: text(header::HOST.as_str()),
        body: &body,
    };
    shared.respond(&request)
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
