//! Where the server's active-mode connection arrives: a listener of our own, or a
//! SOCKS5 proxy's BIND (`--proxy socks5://`), waited for alike.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::net::proxy::BindWait;
use crate::net::proxy::Bound;
use crate::net::{Accept, AcceptOutcome, accept};
use crate::timeline::{Event, Tap};

/// A listener, or a BIND whose second reply is the connection.
pub(super) enum Listener {
    /// Ours.
    Tcp(TcpListener),
    /// The proxy's (taken once the server connected); `proxy` stands in for a
    /// connecting host the proxy names by name.
    Bind {
        wait: Option<BindWait>,
        proxy: SocketAddr,
    },
}

impl Listener {
    /// Waits up to `limit` for the server's connection, recorded on `tap`.
    pub(super) async fn accept(&mut self, limit: Duration, tap: &Tap) -> Accept {
        let (wait, proxy) = match self {
            Listener::Tcp(listener) => return accept(listener, limit, tap).await,
            Listener::Bind { wait, proxy } => (wait, *proxy),
        };
        let started = Instant::now();
        let outcome = match wait.as_mut() {
            None => AcceptOutcome::Failed(io::Error::other("the BIND was already used")),
            Some(bind) => match timeout(limit, bind.connection()).await {
                Ok(Ok(bound)) => match wait.take() {
                    Some(bind) => {
                        let from = from(&bound, proxy);
                        tap.record(Event::Accepted { from });
                        AcceptOutcome::Accepted {
                            from,
                            stream: bind.into_stream(),
                        }
                    }
                    None => AcceptOutcome::Failed(io::Error::other("the BIND was already used")),
                },
                Ok(Err(err)) => AcceptOutcome::Failed(io::Error::other(err.to_string())),
                Err(_) => {
                    tap.record(Event::StepTimeout {
                        waiting_for: "the server's data connection (through the proxy)".to_string(),
                        after: limit,
                    });
                    AcceptOutcome::Timeout
                }
            },
        };
        Accept {
            outcome,
            elapsed: started.elapsed(),
        }
    }

    /// A connection that is already there, without waiting.
    pub(super) async fn ready(&mut self) -> Option<(TcpStream, SocketAddr)> {
        match self {
            Listener::Tcp(listener) => match timeout(Duration::ZERO, listener.accept()).await {
                Ok(Ok(got)) => Some(got),
                _ => None,
            },
            Listener::Bind { wait, proxy } => {
                let bind = wait.as_mut()?;
                match timeout(Duration::ZERO, bind.connection()).await {
                    Ok(Ok(bound)) => {
                        let from = from(&bound, *proxy);
                        Some((wait.take()?.into_stream(), from))
                    }
                    _ => None,
                }
            }
        }
    }
}

/// The connecting host as the proxy reported it.
fn from(bound: &Bound, proxy: SocketAddr) -> SocketAddr {
    match bound {
        Bound::Ip(addr) => *addr,
        Bound::Name(_, port) => SocketAddr::new(proxy.ip(), *port),
    }
}
