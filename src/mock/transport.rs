//! Faithful transport variants of the mock: what HTTP allows any server to do, and a client
//! must take in its stride. None changes what the pages state, so a run against a variant
//! must pass as against the plain mock.

use axum::serve::Listener;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How the mock's connections and answers vary, within what HTTP allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transport {
    /// Closes a kept-alive connection that stayed idle longer than this when the next
    /// request arrives on it, without answering it and without having sent
    /// `Connection: close` (RFC 9112, 9.6): the idle close that crosses a request on the
    /// wire, made certain.
    pub idle_close: Option<Duration>,
    /// Answers every n-th request (counted over the server) 429 `Retry-After: 0` and 503
    /// `Retry-After: 1` in turn, without handling it: throttling.
    pub throttle_every: Option<u32>,
}

/// A listener whose connections close when a request arrives after an idle time.
pub(super) struct IdleClosingListener {
    pub(super) inner: TcpListener,
    pub(super) idle: Duration,
}

impl Listener for IdleClosingListener {
    type Io = IdleClosing;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        let io = IdleClosing {
            stream,
            idle: self.idle,
            answered_at: None,
            closed: false,
        };
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that ends (an EOF to the HTTP server, which then closes it) when the first
/// bytes after an answer arrive more than `idle` after it; those bytes are dropped unread.
pub(super) struct IdleClosing {
    stream: TcpStream,
    idle: Duration,
    /// When the last answer was written, until the next request's first bytes arrive.
    answered_at: Option<Instant>,
    closed: bool,
}

impl AsyncRead for IdleClosing {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.closed {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before
            && let Some(answered_at) = self.answered_at.take()
            && answered_at.elapsed() > self.idle
        {
            buf.set_filled(before);
            self.closed = true;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for IdleClosing {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.stream).poll_write(cx, buf))?;
        if written > 0 {
            self.answered_at = Some(Instant::now());
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Tells what the `n`-th request (from 1) gets under `throttle_every`: `None` when it is
/// handled, else the status, reason, `Retry-After` and Graph error code of its answer.
pub(super) fn throttled(
    every: Option<u32>,
    n: u64,
) -> Option<(u16, &'static str, &'static str, &'static str)> {
    let every = u64::from(every.filter(|e| *e > 0)?);
    if !n.is_multiple_of(every) {
        return None;
    }
    Some(if (n / every).is_multiple_of(2) {
        (429, "Too Many Requests", "0", "TooManyRequests")
    } else {
        (503, "Service Unavailable", "1", "ServiceUnavailable")
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    #[rstest]
    #[case::off(None, 7, None)]
    #[case::zero_is_off(Some(0), 7, None)]
    #[case::not_the_nth(Some(7), 6, None)]
    #[case::the_first_nth_is_a_503(Some(7), 7, Some(503))]
    #[case::the_second_nth_is_a_429(Some(7), 14, Some(429))]
    fn every_nth_request_is_throttled(
        #[case] every: Option<u32>,
        #[case] n: u64,
        #[case] status: Option<u16>,
    ) {
        assert_eq!(super::throttled(every, n).map(|t| t.0), status);
    }
}
