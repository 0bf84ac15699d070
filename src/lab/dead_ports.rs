//! Data ports that do not work, made on loopback without touching a firewall:
//! one that never answers (a connect times out) and one that refuses (RST).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// How long one filler connect may take before we call the accept queue full. A loopback
/// handshake completes in microseconds; a dropped SYN is retried only after a second.
const FILL_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);

/// Connects tried before giving up. Linux queues backlog + 1 connections, so with a
/// backlog of 0 the second connect already goes unanswered.
const MAX_ATTEMPTS: usize = 10;

/// Unanswered connects in a row that prove the queue full: one alone could be a slow
/// machine rather than a dropped SYN.
const UNANSWERED_TO_CONFIRM: usize = 2;

pub(super) fn new_socket(ip: IpAddr) -> io::Result<TcpSocket> {
    match ip {
        IpAddr::V4(_) => TcpSocket::new_v4(),
        IpAddr::V6(_) => TcpSocket::new_v6(),
    }
}

/// Where to reach a socket bound to `addr`: an unspecified address means loopback.
fn dialable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// A listener that never accepts and whose accept queue is kept full. Linux drops a SYN
/// for a listener whose accept queue is full (tcp_conn_request: "LISTENOVERFLOWS"), so a
/// client's connect hangs until its own timeout, exactly as through a firewall that drops
/// packets — and no address outside loopback is involved.
#[derive(Debug)]
pub struct Blackhole {
    addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

impl Blackhole {
    /// Binds to `ip` (as the server's listener is bound, so any address that reaches the
    /// server reaches this port) and fills the queue over loopback.
    pub async fn bind(ip: IpAddr) -> io::Result<Blackhole> {
        Blackhole::bind_at(SocketAddr::new(ip, 0)).await
    }

    /// As [`Blackhole::bind`], on a given port (a lab passive range's dropped part).
    pub async fn bind_at(at: SocketAddr) -> io::Result<Blackhole> {
        let socket = new_socket(at.ip())?;
        socket.bind(at)?;
        let listener = socket.listen(0)?;
        let addr = dialable(listener.local_addr()?);
        let mut fillers = Vec::new();
        let mut unanswered = 0;
        for _ in 0..MAX_ATTEMPTS {
            match tokio::time::timeout(FILL_CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    fillers.push(stream);
                    unanswered = 0;
                }
                Ok(Err(e)) => return Err(e),
                // SYNs go unanswered: the queue is full, and stays full since nothing accepts.
                Err(_) => {
                    unanswered += 1;
                    if unanswered == UNANSWERED_TO_CONFIRM {
                        return Ok(Blackhole {
                            addr,
                            _listener: listener,
                            _fillers: fillers,
                        });
                    }
                }
            }
        }
        Err(io::Error::other(format!(
            "accept queue of {addr} still took connections after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// Where connects time out.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// A port that is bound but not listening: connects to it are refused with RST, and
/// holding the socket keeps another program from taking the port meanwhile.
#[derive(Debug)]
pub struct ClosedPort {
    addr: SocketAddr,
    _socket: TcpSocket,
}

impl ClosedPort {
    /// Binds a free port on `ip` and never listens on it.
    pub fn bind(ip: IpAddr) -> io::Result<ClosedPort> {
        ClosedPort::bind_at(SocketAddr::new(ip, 0))
    }

    /// As [`ClosedPort::bind`], on a given port.
    pub fn bind_at(at: SocketAddr) -> io::Result<ClosedPort> {
        let socket = new_socket(at.ip())?;
        socket.bind(at)?;
        Ok(ClosedPort {
            addr: dialable(socket.local_addr()?),
            _socket: socket,
        })
    }

    /// Where connects are refused.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
