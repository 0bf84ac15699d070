//! The data side of a lab session: passive listeners, active connect-back, transfers.

use std::borrow::Cow;
use std::io;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::Session;
use super::mtu::send_into_hole;

/// How long PORT/EPRT looks at a connection made during an earlier PORT/EPRT to see if the
/// client closed it: a reset or FIN on loopback is there long before this.
const DEAD_CONNECTION_PROBE: Duration = Duration::from_millis(50);
use crate::lab::fs::{Node, resolve};
use crate::lab::port_range::Passive;
use crate::lab::scenario::{Active, DataTls, Epsv, HOLE_PASSES_BYTES, PasvAddress, TransferStart};
use crate::proto::passive::{format_227, format_229};
use crate::proto::{EpsvArg, Reply};

/// How the next transfer gets its data connection.
#[derive(Debug)]
pub(super) enum DataPlan {
    None,
    /// PASV/EPSV: a listener of ours the client should connect to, and the one on the
    /// configured `pasv_address`, if any.
    Passive(TcpListener, Option<TcpListener>),
    /// PASV/EPSV pointed the client at a dead port; nothing will ever connect.
    Unanswered,
    /// PORT/EPRT: we connect to this (always a loopback address).
    Active(SocketAddr),
    /// PORT/EPRT accepted, but this server will never connect back (active-blocked).
    ActiveNever,
    /// Connected back during PORT/EPRT already (`connect_during_port`, as pyftpdlib).
    Connected(TcpStream),
}

const LISTING: &str = "Here comes the directory listing.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ActiveVerb {
    Port,
    Eprt,
}

impl ActiveVerb {
    fn name(self) -> &'static str {
        match self {
            ActiveVerb::Port => "PORT",
            ActiveVerb::Eprt => "EPRT",
        }
    }
}

pub(super) enum Transfer {
    List(String),
    Nlst(String),
    Retr(String),
}

impl Session {
    /// Sets up a passive data connection; returns the port to advertise, or the reply
    /// to send instead.
    async fn open_passive(&mut self) -> Result<u16, Reply> {
        if let Some(dead) = &self.shared.dead_port {
            self.data = DataPlan::Unanswered;
            let port = dead.addr().port();
            self.log(&format!(
                "data: advertising port {port}, which never answers here"
            ));
            return Ok(port);
        }
        if let Some(port) = self.other_backends_turn() {
            self.data = DataPlan::Unanswered;
            self.log(&format!(
                "data: the next data connection reaches the other backend: port {port} refused"
            ));
            return Ok(port);
        }
        if let Some(range) = &self.shared.port_range {
            return match range.next() {
                Some(Passive::Listening(listener, port)) => {
                    self.data = DataPlan::Passive(listener, None);
                    self.log(&format!("data: listening on port {port}"));
                    Ok(port)
                }
                Some(Passive::Dead(port)) => {
                    self.data = DataPlan::Unanswered;
                    self.log(&format!(
                        "data: advertising port {port}, which never answers here"
                    ));
                    Ok(port)
                }
                None => Err(Reply::new(425, "Can't open passive connection.")),
            };
        }
        let listener = TcpListener::bind(SocketAddr::new(self.local.ip(), 0))
            .await
            .map_err(|_| Reply::new(425, "Can't open passive connection."))?;
        let port = listener
            .local_addr()
            .map_err(|_| Reply::new(425, "Can't open passive connection."))?
            .port();
        self.log(&format!("data: listening on port {port}"));
        let decoy = match self.shared.config.pasv_address {
            Some(ip) if ip.is_loopback() && IpAddr::V4(ip) != self.local.ip() => {
                // Same port on another address: free unless someone else holds it.
                TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), port))
                    .await
                    .ok()
            }
            _ => None,
        };
        self.data = DataPlan::Passive(listener, decoy);
        Ok(port)
    }

    /// lb-split: the port to advertise when the coming data connection's turn belongs to
    /// the other backend (one that refuses it); `None` when it reaches this one.
    fn other_backends_turn(&self) -> Option<u16> {
        let lb = self.shared.balancer.as_ref()?;
        let turn = lb
            .data_turns
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (turn % 2 != self.index % 2).then(|| lb.refused.addr().port())
    }

    pub(super) async fn pasv(&mut self) -> Reply {
        if self.epsv_all {
            return Reply::new(503, "PASV not allowed after EPSV ALL.");
        }
        let IpAddr::V4(local_ip) = self.local.ip() else {
            return Reply::new(500, "PASV is IPv4 only; use EPSV on IPv6.");
        };
        let claimed = match self.profile().pasv {
            PasvAddress::Garbled(text) => {
                self.data = DataPlan::None;
                return Reply::new(227, text);
            }
            PasvAddress::Claims(ip) => Some(ip),
            PasvAddress::Local => None,
        };
        match self.open_passive().await {
            Ok(port) => {
                // Behind an FTP helper only the plaintext 227 gets rewritten (to the
                // right address, here); inside TLS the server's own private one shows.
                let unrewritten = match self.profile().alg {
                    Some(alg) if self.stream.is_tls() => Some(alg.server_private),
                    _ => None,
                };
                let advertised = self
                    .shared
                    .config
                    .pasv_address
                    .or(claimed)
                    .or(unrewritten)
                    .unwrap_or(local_ip);
                let advertised = match self.shared.config.contain {
                    true => crate::lab::contained(advertised),
                    false => advertised,
                };
                Reply::new(227, format_227(SocketAddrV4::new(advertised, port)))
            }
            Err(reply) => reply,
        }
    }

    fn family(&self) -> u8 {
        if self.local.is_ipv4() { 1 } else { 2 }
    }

    pub(super) async fn epsv(&mut self, arg: EpsvArg) -> Reply {
        if self.profile().epsv == Epsv::NotImplemented {
            return Reply::new(502, "Command not implemented.");
        }
        match arg {
            EpsvArg::All => {
                self.epsv_all = true;
                Reply::new(200, "EPSV ALL ok.")
            }
            EpsvArg::Protocol(p) if p != self.family() => self.unsupported_protocol(),
            _ => match self.open_passive().await {
                Ok(port) => Reply::new(229, format_229(port)),
                Err(reply) => reply,
            },
        }
    }

    pub(super) async fn port(&mut self, addr: SocketAddr, verb: ActiveVerb) -> Reply {
        if self.profile().active == Active::NotImplemented {
            return Reply::new(502, "Command not implemented.");
        }
        let name = verb.name();
        if self.epsv_all {
            return Reply::new(503, format!("{name} not allowed after EPSV ALL."));
        }
        self.report_dead_active_connection().await;
        // Behind the helper, a plaintext PORT arrives rewritten to the NAT's outside
        // address, which is where the server sees the client; inside TLS it still names
        // the client's own address, and vsftpd refuses a PORT to anyone but the peer.
        let unrewritten = self.profile().alg.is_some() && self.stream.is_tls();
        if self.profile().active == Active::Illegal || unrewritten {
            return Reply::new(500, format!("Illegal {name} command."));
        }
        if verb == ActiveVerb::Eprt && addr.is_ipv4() != self.local.is_ipv4() {
            return self.unsupported_protocol();
        }
        // The lab's one outgoing connection: only back to the client itself, and only on
        // loopback, so it can neither dial out nor be used to bounce (RFC 2577) to other
        // hosts or to local services of a client that is not local.
        if !addr.ip().is_loopback() || addr.ip() != self.peer.ip() {
            return Reply::new(
                500,
                format!(
                    "Illegal {name} command: this lab only connects back to the client's own loopback address."
                ),
            );
        }
        self.data = if self.profile().active == Active::NeverConnects {
            if self.shared.config.connect_during_port {
                // pyftpdlib behind a client firewall that drops its connect: no answer to
                // PORT/EPRT until its own connect timeout, then this 421 (the session stays).
                self.data = DataPlan::None;
                tokio::time::sleep(self.shared.config.data_timeout).await;
                return Reply::new(421, "Active data channel timed out.");
            }
            DataPlan::ActiveNever
        } else if self.shared.config.connect_during_port {
            let wait = self.shared.config.data_timeout;
            match timeout(wait, self.connect_back(addr)).await {
                Ok(Ok(stream)) => {
                    self.data = DataPlan::Connected(stream);
                    return Reply::new(200, "Active data connection established.");
                }
                _ => {
                    self.data = DataPlan::None;
                    return Reply::new(425, "Can't connect to specified address.");
                }
            }
        } else {
            DataPlan::Active(addr)
        };
        match verb {
            ActiveVerb::Eprt => Reply::new(200, "EPRT command successful. Consider using EPSV."),
            ActiveVerb::Port => Reply::new(200, "PORT command successful. Consider using PASV."),
        }
    }

    /// pyftpdlib answers for an active data connection that the client closed before any
    /// transfer, whenever it notices: `425 Can't connect to specified address.` arrives
    /// unasked, ahead of the reply to the next command. Only a connection made during
    /// PORT/EPRT (`connect_during_port`) can be in that state.
    async fn report_dead_active_connection(&mut self) {
        let DataPlan::Connected(stream) = &self.data else {
            return;
        };
        let mut byte = [0u8; 1];
        let dead = matches!(
            timeout(DEAD_CONNECTION_PROBE, stream.peek(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        );
        if dead {
            self.data = DataPlan::None;
            // Nothing to do about a client that is gone too: its next read fails anyway.
            let _ = self
                .send(&Reply::new(425, "Can't connect to specified address."))
                .await;
        }
    }

    /// RFC 2428: EPRT/EPSV naming a protocol this connection does not use.
    pub(super) fn unsupported_protocol(&self) -> Reply {
        Reply::new(
            522,
            format!("Network protocol not supported, use ({})", self.family()),
        )
    }

    /// LIST/NLST arguments may carry `ls` flags (`LIST -la /pub`); the path is what is left.
    pub(super) fn list_path(&self, arg: Option<String>) -> String {
        let path = arg
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .rfind(|word| !word.starts_with('-'))
            .unwrap_or(".")
            .to_string();
        resolve(&self.cwd, &path)
    }

    pub(super) async fn transfer(&mut self, what: Transfer) -> io::Result<bool> {
        let shared = Arc::clone(&self.shared);
        let (payload, opening, done) = match &what {
            Transfer::List(path) => (
                shared.tree.listing(path).map(Cow::Owned),
                LISTING.to_string(),
                "Directory send OK.",
            ),
            Transfer::Nlst(path) => (
                shared.tree.names(path).map(Cow::Owned),
                LISTING.to_string(),
                "Directory send OK.",
            ),
            Transfer::Retr(path) => match shared.tree.get(path) {
                Some(Node::File(data)) => (
                    Some(Cow::Borrowed(data.as_slice())),
                    format!(
                        "Opening BINARY mode data connection for {path} ({} bytes).",
                        data.len()
                    ),
                    "Transfer complete.",
                ),
                _ => (None, String::new(), ""),
            },
        };
        let plan = std::mem::replace(&mut self.data, DataPlan::None);
        let Some(payload) = payload else {
            self.send(&Reply::new(550, "Failed to open file.")).await?;
            return Ok(true);
        };
        let Some(data) = self.connect_data(plan).await? else {
            return Ok(true);
        };
        let stalls = payload.len() > HOLE_PASSES_BYTES && self.hole_stalls(&data);
        let opening = match self.profile().transfer_start {
            TransferStart::Reply125 => {
                Reply::new(125, "Data connection already open. Transfer starting.")
            }
            TransferStart::Reply150 | TransferStart::AfterDataTls => Reply::new(150, opening),
        };
        let handshake_first =
            self.profile().transfer_start == TransferStart::AfterDataTls && self.protect_data;
        // Before its 1yz the server waits for the handshake as for a slow reader of the
        // transfer (the servers in the wild wait that long or for ever), after it as for a
        // data connection.
        let wait = if handshake_first {
            self.shared.config.transfer_timeout
        } else {
            self.send(&opening).await?;
            self.shared.config.data_timeout
        };
        let mut data = match self.secure_data(data, wait).await {
            Ok(data) => data,
            Err(reply) => {
                self.send(&reply).await?;
                // vsftpd ends the whole session after refusing a data connection's TLS
                // (its 522); ProFTPD's 425 keeps it.
                let vsftpd_exit = reply.code == 522;
                let must_resume = self.profile().data_tls == DataTls::MustResume;
                return Ok(!(must_resume && vsftpd_exit));
            }
        };
        if handshake_first {
            self.send(&opening).await?;
        }
        let limit = self.shared.config.transfer_timeout;
        let sent = match stalls {
            true => Ok(Err(send_into_hole(&mut data, &payload, limit).await)),
            false => {
                timeout(limit, async {
                    data.write_all(&payload).await?;
                    data.shutdown().await
                })
                .await
            }
        };
        drop(data);
        self.log(&match &sent {
            Ok(Ok(())) => format!("data: {} bytes sent, closed", payload.len()),
            Ok(Err(e)) => format!("data: sending failed: {e}"),
            Err(_) => "data: the client stopped reading".to_string(),
        });
        let closing = match sent {
            Ok(Ok(())) => Reply::new(226, done),
            _ => Reply::new(426, "Failure writing network stream."),
        };
        self.send(&closing).await?;
        Ok(true)
    }

    /// The data connection for a transfer, or `None` after the 425 that says why not.
    pub(super) async fn connect_data(&mut self, plan: DataPlan) -> io::Result<Option<TcpStream>> {
        let wait = self.shared.config.data_timeout;
        let outgoing = matches!(plan, DataPlan::Active(_) | DataPlan::Connected(_));
        let stream = match plan {
            DataPlan::None => {
                self.send(&Reply::new(425, "Use PORT or PASV first."))
                    .await?;
                return Ok(None);
            }
            DataPlan::Passive(listener, None) => timeout(wait, listener.accept())
                .await
                .ok()
                .and_then(Result::ok)
                .map(|(s, _)| s),
            DataPlan::Passive(listener, Some(decoy)) => timeout(wait, async {
                tokio::select! {
                    got = listener.accept() => got,
                    got = decoy.accept() => {
                        self.shared.advertised_accepts.fetch_add(1, Ordering::SeqCst);
                        got
                    }
                }
            })
            .await
            .ok()
            .and_then(Result::ok)
            .map(|(s, _)| s),
            DataPlan::Active(addr) => timeout(wait, self.connect_back(addr))
                .await
                .ok()
                .and_then(Result::ok),
            DataPlan::Connected(stream) => Some(stream),
            // As a real server would: wait out its own timeout, then give up.
            DataPlan::Unanswered | DataPlan::ActiveNever => {
                tokio::time::sleep(wait).await;
                None
            }
        };
        match &stream {
            Some(s) => self.log(&match (s.peer_addr(), s.local_addr()) {
                (Ok(peer), Ok(local)) if outgoing => format!("data: connected {local} -> {peer}"),
                (Ok(peer), Ok(local)) => format!("data: accepted {peer} -> {local}"),
                _ => "data: connection made".to_string(),
            }),
            None => {
                self.log(&format!(
                    "data: no connection within {}",
                    humantime::format_duration(wait)
                ));
                self.send(&Reply::new(425, "Failed to establish connection."))
                    .await?;
            }
        }
        Ok(stream)
    }

    /// The active-mode connection to the client. It leaves from the control connection's
    /// local address, as a real server's does (ncftp rejects a data connection "that did
    /// not originate from remote server"), or from `active_source` when configured.
    async fn connect_back(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let source = self.shared.config.active_source.unwrap_or(self.local.ip());
        let socket = match source {
            IpAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            IpAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        if source.is_ipv4() == addr.is_ipv4() {
            socket.bind(SocketAddr::new(source, 0))?;
        }
        socket.connect(addr).await
    }
}
