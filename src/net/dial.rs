//! Data-connection dials and accepts, with their outcome as data.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// How a dial ended, in the words of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialOutcome {
    Connected,
    /// RST: nothing listens there.
    Refused,
    /// No answer at all: a firewall drops the packets.
    Timeout,
    /// The network said no route, or some other error.
    Unreachable,
}

impl DialOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DialOutcome::Connected => "connected",
            DialOutcome::Refused => "refused",
            DialOutcome::Timeout => "timeout",
            DialOutcome::Unreachable => "unreachable",
        }
    }

    fn from_error(err: &io::Error) -> DialOutcome {
        match err.kind() {
            io::ErrorKind::ConnectionRefused => DialOutcome::Refused,
            io::ErrorKind::TimedOut => DialOutcome::Timeout,
            _ => DialOutcome::Unreachable,
        }
    }
}

#[derive(Debug)]
pub struct Dial {
    pub addr: SocketAddr,
    pub outcome: DialOutcome,
    pub elapsed: Duration,
    pub stream: Option<TcpStream>,
}

/// Connects to `addr` within `limit`.
pub async fn dial(addr: SocketAddr, limit: Duration) -> Dial {
    let started = Instant::now();
    let (outcome, stream) = match timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => (DialOutcome::Connected, Some(stream)),
        Ok(Err(err)) => (DialOutcome::from_error(&err), None),
        Err(_) => (DialOutcome::Timeout, None),
    };
    Dial {
        addr,
        outcome,
        elapsed: started.elapsed(),
        stream,
    }
}

#[derive(Debug)]
pub struct Accept {
    /// Where the server's data connection came from, if it came.
    pub from: Option<SocketAddr>,
    pub elapsed: Duration,
    pub stream: Option<TcpStream>,
}

/// Waits up to `limit` for the server to connect back (active mode).
pub async fn accept(listener: &TcpListener, limit: Duration) -> Accept {
    let started = Instant::now();
    let accepted = timeout(limit, listener.accept())
        .await
        .ok()
        .and_then(Result::ok);
    Accept {
        from: accepted.as_ref().map(|(_, from)| *from),
        elapsed: started.elapsed(),
        stream: accepted.map(|(stream, _)| stream),
    }
}
