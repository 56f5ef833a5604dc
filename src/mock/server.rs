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
    task: Option<JoinHandle<()>>,
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
        let contract = Contract::compile(&suite)
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidData, message))?;
        let store = Store::preload(&contract, &suite);
        let listener = tokio::net::TcpListener::bind(addr).await?;
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
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                eprintln!("graph-conformance mock: {e}");
            }
        });
        Ok(MockServer {
            addr,
            base_url,
            stop: Some(stop),
            task: Some(task),
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
        if let Some(task) = self.task.take() {
            let _ = task.await;
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
