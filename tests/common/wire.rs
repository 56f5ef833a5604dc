//! HTTP/1.1 by hand, for test servers that must send what a real server never would: one
//! request read off a socket, and a reply written byte for byte.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Returns the value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The bytes on the socket are not HTTP (a TLS ClientHello, say).
#[derive(Debug)]
pub struct NotHttp;

/// Reads one request (keep-alive: what follows stays in `buf`); `None` when the connection
/// closed.
pub async fn read_request(
    socket: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> Option<Result<Request, NotHttp>> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.first().is_some_and(|b| !b.is_ascii_uppercase()) {
            return Some(Err(NotHttp));
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let target = request_line.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let end = head_end + 4 + length;
    while buf.len() < end {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end + 4..end].to_vec();
    buf.drain(..end);
    Some(Ok(Request {
        method,
        target,
        headers,
        body,
    }))
}

/// Returns a reply with `status`, `headers` and `body` (and its Content-Length).
pub fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// What an upstream answered, less the headers a reply writes itself.
pub struct Forwarded {
    /// `200 OK`.
    pub status: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Forwarded {
    /// Returns the answer as a reply to write back.
    pub fn reply(&self) -> Vec<u8> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        reply(&self.status, &headers, &self.body)
    }
}

/// Sends `request` on to `upstream` (a service root's origin, `http://127.0.0.1:P`), as a
/// front before the mock does, and returns what came back.
pub async fn forward(http: &reqwest::Client, upstream: &str, request: &Request) -> Forwarded {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
    let mut outgoing = http
        .request(method, format!("{upstream}{}", request.target))
        .body(request.body.clone());
    let hop = [
        "connection",
        "content-length",
        "keep-alive",
        "accept-encoding",
    ];
    for (name, value) in &request.headers {
        if !hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            outgoing = outgoing.header(name.as_str(), value.as_str());
        }
    }
    let response = outgoing.send().await.unwrap();
    let status = response.status();
    let status = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Unknown")
    );
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !["content-length", "transfer-encoding", "connection"].contains(&name.as_str())
        })
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = response.bytes().await.unwrap().to_vec();
    Forwarded {
        status,
        headers,
        body,
    }
}
