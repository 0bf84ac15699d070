//! Data-connection dials and accepts, with their outcome as data.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::timeline::{Event, Tap};

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

/// Connects to `addr` within `limit`, recording the attempt and its end on `tap`
/// (`purpose` says what the connection is for: `control`, or a mode).
pub async fn dial(addr: SocketAddr, limit: Duration, tap: &Tap, purpose: &'static str) -> Dial {
    let started = Instant::now();
    tap.record(Event::Connect { to: addr, purpose });
    let (outcome, error, stream) = match timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => (DialOutcome::Connected, None, Some(stream)),
        Ok(Err(err)) => (DialOutcome::from_error(&err), Some(err.to_string()), None),
        Err(_) => (DialOutcome::Timeout, None, None),
    };
    tap.record(match (outcome, &stream) {
        (DialOutcome::Connected, Some(s)) => match s.local_addr() {
            Ok(local) => Event::Connected { local },
            Err(e) => Event::Unreachable {
                os_error: Some(e.to_string()),
            },
        },
        (DialOutcome::Refused, _) => Event::Refused {
            os_error: error.clone(),
        },
        (DialOutcome::Timeout, _) => Event::Timeout { after: limit },
        _ => Event::Unreachable {
            os_error: error.clone(),
        },
    });
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
/// was reset before we took it is skipped, and the wait goes on. The connection, or the
/// wait that ran out, is recorded on `tap`.
pub async fn accept(listener: &TcpListener, limit: Duration, tap: &Tap) -> Accept {
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
    let outcome = waited.unwrap_or(AcceptOutcome::Timeout);
    match &outcome {
        AcceptOutcome::Accepted { from, .. } => tap.record(Event::Accepted { from: *from }),
        AcceptOutcome::Timeout => tap.record(Event::StepTimeout {
            waiting_for: "the server's data connection".to_string(),
            after: limit,
        }),
        AcceptOutcome::Failed(_) => {}
    }
    Accept {
        outcome,
        elapsed: started.elapsed(),
    }
}
