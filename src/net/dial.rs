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
    /// What the system said, when it said no (for "unreachable", which covers several).
    pub error: Option<String>,
    pub stream: Option<TcpStream>,
}

/// Connects to `addr` within `limit`.
pub async fn dial(addr: SocketAddr, limit: Duration) -> Dial {
    let started = Instant::now();
    let (outcome, error, stream) = match timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => (DialOutcome::Connected, None, Some(stream)),
        Ok(Err(err)) => (DialOutcome::from_error(&err), Some(err.to_string()), None),
        Err(_) => (DialOutcome::Timeout, None, None),
    };
    Dial {
        addr,
        outcome,
        elapsed: started.elapsed(),
        error,
        stream,
    }
}

/// How waiting for the server's active-mode connection ended.
#[derive(Debug)]
pub enum AcceptOutcome {
    Accepted {
        from: SocketAddr,
        stream: TcpStream,
    },
    Timeout,
    /// The listener itself failed (out of file descriptors, say): not the server's doing.
    Failed(io::Error),
}

#[derive(Debug)]
pub struct Accept {
    pub outcome: AcceptOutcome,
    pub elapsed: Duration,
}

/// Waits up to `limit` for the server to connect back (active mode). A connection that
/// was reset before we took it is skipped, and the wait goes on.
pub async fn accept(listener: &TcpListener, limit: Duration) -> Accept {
    let started = Instant::now();
    let waited = timeout(limit, async {
        loop {
            match listener.accept().await {
                Ok((stream, from)) => return AcceptOutcome::Accepted { from, stream },
                Err(err) if err.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(err) => return AcceptOutcome::Failed(err),
            }
        }
    })
    .await;
    Accept {
        outcome: waited.unwrap_or(AcceptOutcome::Timeout),
        elapsed: started.elapsed(),
    }
}
