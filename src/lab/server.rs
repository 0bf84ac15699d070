//! What the lab and the fault lab share as running servers: the accept loop with its
//! session cap, the stop signal, and the task that a drop aborts.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::proto::Reply;

/// How long the accept loop waits after a failed accept (out of file descriptors and the
/// like) before trying again, instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long the accept loop spends on a client it turns away: the reply goes into an
/// empty send buffer at once; the rest is a short wait for the client to read it.
const BUSY_REPLY_TIMEOUT: Duration = Duration::from_millis(100);

/// Most bytes read from a turned-away client before closing: closing with unread input
/// would send an RST that can destroy the 421 before the client reads it.
const BUSY_DRAIN_LIMIT: u64 = 4096;

/// What the accept loop does with a connection beyond the session cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WhenFull {
    /// `421 Too many connections`, as real servers do (vsftpd max_clients).
    Refuse,
    /// Close it without a word: a fault server owes nobody a polite reply.
    Close,
}

/// The serving task of one server. Dropping it stops the server and every session at
/// once; [`ServerTask::shutdown`] does the same and waits until all of it is gone.
#[derive(Debug)]
pub(super) struct ServerTask {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServerTask {
    /// Serves every connection on `listener` (and `also`, when given) with `serve`, at most
    /// `max_sessions` at once, in the background of the current tokio runtime.
    pub(super) fn spawn<F, Fut>(
        listener: TcpListener,
        also: Option<TcpListener>,
        max_sessions: usize,
        when_full: WhenFull,
        serve: F,
    ) -> ServerTask
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel();
        let limits = Limits {
            max_sessions,
            when_full,
        };
        let task = tokio::spawn(accept_loop(listener, also, limits, serve, stopped));
        ServerTask {
            stop: Some(stop),
            task,
        }
    }

    /// Stops accepting, ends every session, and waits until all of it is gone.
    pub(super) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `SCHEME://ADDR/` (IPv6 addresses in brackets). A server listening on every address is
/// named by its loopback address, which a client can dial.
pub(super) fn url(scheme: &str, addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("{scheme}://{}/", SocketAddr::new(ip, addr.port()))
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_sessions: usize,
    when_full: WhenFull,
}

async fn accept_loop<F, Fut>(
    listener: TcpListener,
    also: Option<TcpListener>,
    limits: Limits,
    serve: F,
    mut stopped: oneshot::Receiver<()>,
) where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Sessions live in the set: when this task ends or is aborted, the set is dropped and
    // every session is aborted with it, so nothing outlives the server.
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = accept_either(&listener, also.as_ref()) => match accepted {
                // Count only live sessions: reap the finished ones first.
                Ok(stream) if live(&mut sessions) >= limits.max_sessions => {
                    if limits.when_full == WhenFull::Refuse {
                        refuse_busy(stream, limits.max_sessions).await;
                    }
                }
                Ok(stream) => {
                    sessions.spawn(serve(stream));
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            // Reap finished sessions so the set does not grow with every connection.
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    sessions.shutdown().await;
}

/// The next connection on either listener.
async fn accept_either(first: &TcpListener, second: Option<&TcpListener>) -> io::Result<TcpStream> {
    let accepted = match second {
        Some(second) => tokio::select! {
            got = first.accept() => got,
            got = second.accept() => got,
        },
        None => first.accept().await,
    };
    accepted.map(|(stream, _peer)| stream)
}

fn live(sessions: &mut JoinSet<()>) -> usize {
    while sessions.try_join_next().is_some() {}
    sessions.len()
}

async fn refuse_busy(mut stream: TcpStream, max: usize) {
    let reply = Reply::new(
        421,
        format!("Too many connections ({max} max); try again later."),
    );
    let _ = tokio::time::timeout(BUSY_REPLY_TIMEOUT, async {
        stream.write_all(reply.to_string().as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = Vec::new();
        (&mut stream)
            .take(BUSY_DRAIN_LIMIT)
            .read_to_end(&mut sink)
            .await
    })
    .await;
}
