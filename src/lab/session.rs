//! One control connection of the lab server.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

mod data;
mod idle;
mod log;
mod mtu;
mod tls;
mod upload;

use data::{ActiveVerb, DataPlan, Transfer};
use tls::LabStream;

use super::fs::{Node, resolve};
use super::scenario::{Active, Anonymous, Banner, Epsv, LoginOver, Profile};
use super::{LAB_PASSWORD, LAB_USER, Shared, TlsOffer};
use crate::proto::{Command, CommandError, CommandFramer, Framed, Reply};
use crate::stream::MaybeTls;

#[derive(Debug, PartialEq, Eq)]
enum Login {
    None,
    /// USER accepted, PASS expected. `true` for anonymous.
    Pending {
        name: String,
        anonymous: bool,
    },
    Done,
}

struct Session {
    stream: LabStream,
    local: SocketAddr,
    peer: SocketAddr,
    shared: Arc<Shared>,
    /// Command bytes received but not yet a full line; kept here so nothing is lost
    /// between reads.
    commands: CommandFramer,
    login: Login,
    cwd: String,
    data: DataPlan,
    /// After `EPSV ALL` only EPSV may set up data connections (RFC 2428 section 4).
    epsv_all: bool,
    /// PBSZ came (RFC 4217 wants it before PROT).
    pbsz: bool,
    /// PROT P: data connections are TLS too.
    protect_data: bool,
    /// 0 for the server's first session.
    index: usize,
}

/// Serves one client until QUIT, disconnect, idle timeout or an I/O error.
pub(super) async fn run(stream: TcpStream, shared: Arc<Shared>) {
    let (Ok(local), Ok(peer)) = (stream.local_addr(), stream.peer_addr()) else {
        return;
    };
    // Replies go out as several small writes (150, then 226 after the data); with Nagle
    // the 226 waits for the client's delayed ACK, 40 ms per transfer on Linux.
    let _ = stream.set_nodelay(true);
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
    let canonical = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
    let mut session = Session {
        stream: MaybeTls::Plain(stream),
        local: canonical(local),
        peer: canonical(peer),
        shared,
        commands: CommandFramer::new(),
        login: Login::None,
        cwd: "/".to_string(),
        data: DataPlan::None,
        epsv_all: false,
        pbsz: false,
        protect_data: false,
        index: 0,
    };
    session.index = session
        .shared
        .sessions_begun
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    session.log("connected");
    if session.profile().tls == Some(TlsOffer::Implicit) && !session.start_tls().await {
        return;
    }
    // An I/O error ends the session; the client has gone or stopped reading.
    match session.serve().await {
        Ok(()) => session.log("closed"),
        Err(e) => session.log(&format!("closed: {e}")),
    }
}

/// How many bytes one read of the control connection takes: a few command lines.
const READ_CHUNK: usize = 1024;

impl Session {
    /// What this server does differently: the one place a session learns its scenario.
    fn profile(&self) -> &'static Profile {
        self.shared.config.scenario.profile()
    }

    async fn serve(&mut self) -> io::Result<()> {
        self.send(&self.banner()).await?;
        loop {
            let (wait, forgets) = self.command_wait();
            let line = match (timeout(wait, self.read_line()).await, forgets) {
                (Ok(line), _) => line?,
                (Err(_), Some(how)) => return self.forgotten(how).await,
                (Err(_), None) => return self.send(&Reply::new(421, "Timeout.")).await,
            };
            let cmd = match line {
                None => return Ok(()),
                Some(Framed::TooLong) => {
                    // Answer and go on: closing with unread input would send an RST
                    // that can destroy the reply before the client reads it.
                    self.send(&Reply::new(500, "Command line too long."))
                        .await?;
                    continue;
                }
                Some(Framed::Line(text)) => {
                    let cmd = Command::parse(&text);
                    self.log_command(&cmd, &text);
                    cmd
                }
            };
            let keep_going = match cmd {
                // Like a strict FTP-inspecting firewall that drops verbs it does not know.
                Ok(cmd) if self.shared.config.unanswered.contains(&cmd.verb()) => {
                    self.log("(not answered, as this lab is set up)");
                    true
                }
                Ok(cmd) => self.handle(cmd).await?,
                Err(CommandError::Empty) => {
                    self.send(&Reply::new(500, "Empty command.")).await?;
                    true
                }
                Err(CommandError::UnsupportedProtocol { .. }) => {
                    self.send(&self.unsupported_protocol()).await?;
                    true
                }
                Err(_) => {
                    self.send(&Reply::new(501, "Syntax error in parameters or arguments."))
                        .await?;
                    true
                }
            };
            if !keep_going {
                return Ok(());
            }
        }
    }

    fn banner(&self) -> Reply {
        match self.profile().banner {
            Banner::PureFtpd => Reply::multiline(
                220,
                &[
                    "--------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
                    "You are user number 1 of 50 allowed.",
                    "Local time is now 02:20. Server port: 21.",
                    "This is an ftpdoctor lab imitating Pure-FTPd.",
                    "IPv6 connections are also welcome on this server.",
                    "You will be disconnected after 15 minutes of inactivity.",
                ],
            ),
            Banner::Lab => match self.backend() {
                Some(name) => Reply::new(220, format!("ftpdoctor lab backend {name} ready.")),
                None => Reply::new(220, "ftpdoctor lab FTP server ready."),
            },
        }
    }

    /// lb-split: the backend this control connection reached (`A` or `B`, in turn).
    fn backend(&self) -> Option<char> {
        self.shared.balancer.as_ref().map(|_| {
            if self.index.is_multiple_of(2) {
                'A'
            } else {
                'B'
            }
        })
    }

    /// The next command line (or the news that one was too long), `None` when the
    /// client closed.
    async fn read_line(&mut self) -> io::Result<Option<Framed>> {
        loop {
            if let Some(line) = self.commands.next_line() {
                return Ok(Some(line));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            self.commands.push(&chunk[..n]);
        }
    }

    pub(super) async fn send(&mut self, reply: &Reply) -> io::Result<()> {
        self.log_reply(reply);
        let wire = reply.to_string();
        // A TLS stream may hold the record back until flushed.
        let write = async {
            self.stream.write_all(wire.as_bytes()).await?;
            self.stream.flush().await
        };
        match timeout(self.shared.config.transfer_timeout, write).await {
            Ok(result) => result,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }

    /// Handles one command; `false` ends the session.
    async fn handle(&mut self, cmd: Command) -> io::Result<bool> {
        let open_to_all = matches!(
            cmd,
            Command::User(_)
                | Command::Pass(_)
                | Command::Syst
                | Command::Feat
                | Command::Noop
                | Command::Quit
        ) || (self.profile().tls.is_some()
            && matches!(cmd, Command::Auth(_) | Command::Pbsz(_) | Command::Prot(_)));
        if !open_to_all && self.login != Login::Done && !matches!(cmd, Command::Other { .. }) {
            self.send(&Reply::new(530, "Please login with USER and PASS."))
                .await?;
            return Ok(true);
        }
        let reply = match cmd {
            Command::User(name) => self.user(name),
            Command::Pass(password) => self.pass(password.expose()),
            Command::Syst => Reply::new(215, "UNIX Type: L8"),
            Command::Feat => self.feat(),
            Command::Pwd => Reply::new(257, format!("\"{}\" is the current directory", self.cwd)),
            Command::Cwd(dir) => {
                let path = resolve(&self.cwd, &dir);
                if matches!(self.shared.tree.get(&path), Some(Node::Dir(_))) {
                    self.cwd = path;
                    Reply::new(250, "Directory successfully changed.")
                } else {
                    Reply::new(550, "Failed to change directory.")
                }
            }
            Command::Type(_) => Reply::new(200, "Type set."),
            Command::Pasv => self.pasv().await,
            Command::Epsv(arg) => self.epsv(arg).await,
            Command::Port(addr) => self.port(SocketAddr::V4(addr), ActiveVerb::Port).await,
            Command::Eprt(addr) => self.port(addr, ActiveVerb::Eprt).await,
            Command::List(arg) => return self.transfer(Transfer::List(self.list_path(arg))).await,
            Command::Nlst(arg) => return self.transfer(Transfer::Nlst(self.list_path(arg))).await,
            Command::Retr(file) => {
                return self
                    .transfer(Transfer::Retr(resolve(&self.cwd, &file)))
                    .await;
            }
            Command::Size(file) => self.size(&resolve(&self.cwd, &file)),
            Command::Stor(file) => return self.stor(resolve(&self.cwd, &file)).await,
            Command::Dele(file) => self.dele(&resolve(&self.cwd, &file)),
            Command::Auth(mechanism) => return self.auth(&mechanism).await,
            Command::Pbsz(size) => self.pbsz(size),
            Command::Prot(level) => self.prot(level),
            Command::Stat => self.stat(),
            Command::Noop => Reply::new(200, "NOOP ok."),
            Command::Quit => {
                self.send(&Reply::new(221, "Goodbye.")).await?;
                return Ok(false);
            }
            // No MLST in FEAT, so no MLSD either: clients read the `ls -l` lines.
            Command::Mlsd(_) | Command::Other { .. } => Reply::new(502, "Command not implemented."),
        };
        self.send(&reply).await?;
        Ok(true)
    }

    fn size(&self, path: &str) -> Reply {
        match self.shared.tree.get(path) {
            Some(Node::File(data)) => Reply::new(213, data.len().to_string()),
            _ => match self.shared.uploads.as_ref().and_then(|u| u.size(path)) {
                Some(size) => Reply::new(213, size.to_string()),
                None => Reply::new(550, "Could not get file size."),
            },
        }
    }

    fn user(&mut self, name: String) -> Reply {
        let anonymous = name.eq_ignore_ascii_case("anonymous") || name.eq_ignore_ascii_case("ftp");
        if self.profile().login == LoginOver::TlsOnly && !self.stream.is_tls() {
            // vsftpd's words with force_anon_logins_ssl / force_local_logins_ssl.
            return match anonymous {
                true => Reply::new(530, "Anonymous sessions must use encryption."),
                false => Reply::new(530, "Non-anonymous sessions must use encryption."),
            };
        }
        if anonymous && self.profile().anonymous == Anonymous::NoPassword {
            // Pure-FTPd logs anonymous users in without asking for a password.
            self.login = Login::Done;
            return Reply::new(230, "Anonymous user logged in");
        }
        self.login = Login::Pending { name, anonymous };
        Reply::new(331, "Please specify the password.")
    }

    fn pass(&mut self, password: &str) -> Reply {
        match std::mem::replace(&mut self.login, Login::None) {
            Login::None => Reply::new(503, "Login with USER first."),
            Login::Done => {
                self.login = Login::Done;
                Reply::new(230, "Already logged in.")
            }
            Login::Pending { name, anonymous } => {
                if anonymous || (name == LAB_USER && password == LAB_PASSWORD) {
                    self.login = Login::Done;
                    Reply::new(230, "Login successful.")
                } else {
                    Reply::new(530, "Login incorrect.")
                }
            }
        }
    }

    fn feat(&self) -> Reply {
        let mut features = vec![" EPRT", " EPSV", " PASV", " SIZE", " UTF8"];
        if self.profile().tls == Some(TlsOffer::Explicit) {
            features.extend([" AUTH TLS", " PBSZ", " PROT"]);
        }
        if self.profile().epsv == Epsv::NotImplemented {
            features.retain(|f| *f != " EPSV");
        }
        if self.profile().active == Active::NotImplemented {
            features.retain(|f| *f != " EPRT");
        }
        Reply::with_raw_middle(211, "Features:", &features, "End")
    }
}
