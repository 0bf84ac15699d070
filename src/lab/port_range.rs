//! A passive port range that a firewall opened only in part (scenario `partial-range`):
//! ten consecutive ports handed out in turn, of which the first seven work, two are
//! refused (RST) and the last is dropped (connects time out) — all on the lab's own
//! address, so nothing outside loopback is involved.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpSocket};

use super::dead_ports::{Blackhole, ClosedPort, new_socket};

/// Ports in the range: enough to show a range, few enough to sample whole in a demo.
pub const RANGE_LEN: u16 = 10;
/// Offsets whose connects are refused, and the one whose connects time out.
const REFUSED: [u16; 2] = [7, 8];
const DROPPED: u16 = 9;

/// Where a range may start: below Linux's ephemeral ports (32768–60999 by default), so
/// the kernel does not hand a range port to some outgoing connection meanwhile.
const FIRST_BASE: u16 = 20_000;
const LAST_BASE: u16 = 32_000;
/// Random starts tried before giving up (other labs may hold ranges of their own).
const BASE_ATTEMPTS: u64 = 32;

/// Most pending connections on a range port: one client's data connection.
const BACKLOG: u32 = 8;

#[derive(Debug)]
enum Slot {
    /// Reserved while idle (bound, not listening); taken by a session while in use.
    Open(Mutex<Option<TcpSocket>>),
    /// Held for the range's lifetime; only the port number is read.
    Refused {
        _held: ClosedPort,
    },
    Dropped {
        _held: Blackhole,
    },
}

/// What a passive request gets.
#[derive(Debug)]
pub enum Passive {
    Listening(TcpListener, u16),
    /// A refused or dropped port: nothing will ever connect.
    Dead(u16),
}

#[derive(Debug)]
pub struct PortRange {
    ip: IpAddr,
    base: u16,
    slots: Vec<Slot>,
    next: AtomicUsize,
}

impl PortRange {
    /// Reserves [`RANGE_LEN`] consecutive free ports on `ip`.
    pub async fn reserve(ip: IpAddr) -> io::Result<PortRange> {
        let random = RandomState::new();
        let mut last_err = io::Error::other("no attempt made");
        for attempt in 0..BASE_ATTEMPTS {
            let spread = u64::from(LAST_BASE - FIRST_BASE);
            let offset = u16::try_from(random.hash_one(attempt) % spread).unwrap_or(0);
            let base = FIRST_BASE + offset;
            match PortRange::try_at(ip, base).await {
                Ok(range) => return Ok(range),
                Err(e) => last_err = e,
            }
        }
        Err(io::Error::new(
            last_err.kind(),
            format!("no {RANGE_LEN} free consecutive ports for the passive range: {last_err}"),
        ))
    }

    async fn try_at(ip: IpAddr, base: u16) -> io::Result<PortRange> {
        let mut slots = Vec::new();
        for offset in 0..RANGE_LEN {
            let at = SocketAddr::new(ip, base + offset);
            slots.push(if REFUSED.contains(&offset) {
                Slot::Refused {
                    _held: ClosedPort::bind_at(at)?,
                }
            } else if offset == DROPPED {
                Slot::Dropped {
                    _held: Blackhole::bind_at(at).await?,
                }
            } else {
                Slot::Open(Mutex::new(Some(reserve_port(at)?)))
            });
        }
        Ok(PortRange {
            ip,
            base,
            slots,
            next: AtomicUsize::new(0),
        })
    }

    /// The next port in turn. An open port another session is still using is skipped
    /// (as a server skips a port in use); `None` when every open port is busy.
    pub fn next(&self) -> Option<Passive> {
        for _ in 0..self.slots.len() {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
            let port = self.base + u16::try_from(i).unwrap_or(0);
            match &self.slots[i] {
                Slot::Refused { .. } | Slot::Dropped { .. } => return Some(Passive::Dead(port)),
                Slot::Open(reserved) => {
                    let held = reserved.lock().ok().and_then(|mut s| s.take());
                    let socket = match held {
                        Some(s) => s,
                        None => match reserve_port(SocketAddr::new(self.ip, port)) {
                            Ok(s) => s,
                            Err(_) => continue,
                        },
                    };
                    if let Ok(listener) = socket.listen(BACKLOG) {
                        return Some(Passive::Listening(listener, port));
                    }
                }
            }
        }
        None
    }
}

/// A socket bound to `at` and not listening: the port is ours until it listens.
fn reserve_port(at: SocketAddr) -> io::Result<TcpSocket> {
    let socket = new_socket(at.ip())?;
    // A port whose last data connection is in TIME_WAIT can be bound again at once.
    socket.set_reuseaddr(true)?;
    socket.bind(at)?;
    Ok(socket)
}
