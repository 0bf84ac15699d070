//! The embedded lab FTP server: a real server on tokio, serving a small in-memory tree,
//! that misbehaves on purpose according to its [`Scenario`].
//!
//! Safety: the lab listens where it is told (127.0.0.1:0 by default) and connects out only
//! for PORT/EPRT, and then only to the client's own loopback address; any other gets `500`
//! (docs/safety.md). Its commands and limits are in docs/cli.md.
//!
//! [`fault`] holds the fault lab: scripted servers that break the protocol itself (a
//! banner that never comes, a reply that never ends, ...), loopback only, never in the demo.

mod dead_ports;
pub mod fault;
pub mod fs;
pub mod mystery;
mod port_range;
mod scenario;
mod server;
mod session;
mod table;
mod tls;
pub mod uploads;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;

use scenario::{PassivePorts, Uploads};
use server::{ServerTask, WhenFull};

pub use dead_ports::{Blackhole, ClosedPort};
pub use fault::{Fault, FaultServer, UnknownFault};
pub use port_range::RANGE_LEN;
pub use scenario::{HOLE_MAX_MSS, HOLE_PASSES_BYTES, Scenario, TlsOffer, UnknownScenario};
pub use tls::{CA_NAME, LabTls, SERVER_NAME};

/// The named account besides anonymous (anonymous and ftp take any password).
pub const LAB_USER: &str = "student";
/// [`LAB_USER`]'s password.
pub const LAB_PASSWORD: &str = "lab-password";

/// How to run a lab server: the scenario, where to listen, and the knobs tests turn.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// The misconfiguration to serve.
    pub scenario: Scenario,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// How long the server waits for a client's passive data connection and for its own
    /// active connect, before answering 425 (vsftpd accept_timeout / connect_timeout).
    pub data_timeout: Duration,
    /// How long a client may take to read a transfer or a reply before the server gives
    /// up on it (vsftpd data_connection_timeout).
    pub transfer_timeout: Duration,
    /// A control connection with no command for this long is closed (vsftpd's
    /// idle_session_timeout defaults to 300 s).
    pub idle_timeout: Duration,
    /// idle-timeout and idle-reset: a control connection with no command for this long
    /// is forgotten by the path (`lab --idle-after`).
    pub idle_after: Duration,
    /// Writable scenarios: DELE answers `550 Permission denied.` although STOR works
    /// (vsftpd's anonymous uploads without anon_other_write_enable).
    pub refuse_dele: bool,
    /// Sessions served at once; more are answered `421` and closed, as real servers do
    /// (vsftpd max_clients, Pure-FTPd -c).
    pub max_sessions: usize,
    /// Advertise this address in every 227 instead of the scenario's. When it is another
    /// loopback address, the lab also listens there (same port) and counts what arrives
    /// in [`LabServer::advertised_accepts`]: the proof that a client dialled it.
    pub pasv_address: Option<Ipv4Addr>,
    /// Connect back during PORT/EPRT itself and answer `200 Active data connection
    /// established.`, as pyftpdlib does, instead of after LIST/RETR.
    pub connect_during_port: bool,
    /// Verbs the server never answers (tests: a FEAT that goes unanswered).
    pub unanswered: Vec<&'static str>,
    /// AUTH TLS works on the first connection only; later ones get `502` (a load balancer
    /// with one FTPS-capable backend): a client must not fall back to plaintext there.
    pub tls_first_session_only: bool,
    /// Bind the active-mode (PORT/EPRT) connection to this local address, so that it
    /// comes from somewhere other than the control connection's address (tests:
    /// 127.0.0.2, as a server behind a load balancer or with a separate data NIC).
    pub active_source: Option<IpAddr>,
    /// How long the TLS scenarios' server certificate is valid from start-up, in days
    /// (negative: it has already expired).
    pub cert_valid_days: i64,
    /// What tls-reuse-required answers a data connection that did not resume the control
    /// session: vsftpd's `522 SSL connection failed: session reuse required` by default;
    /// ProFTPD says `425 Unable to build data connection: Operation not permitted`.
    pub reuse_refusal: (u16, &'static str),
    /// With an IPv4 `listen` address: also listen on [::1] with the same port, so that
    /// one server answers on both of `localhost`'s addresses. Dead data ports and the
    /// partial range exist on the IPv4 address only.
    pub also_ipv6: bool,
    /// Log each session's commands (PASS masked), replies and data connections to
    /// stderr (`lab -v`), so that an instructor sees what a student's client sent.
    pub verbose: bool,
    /// `lab --contain`: every "wrong" address a 227 advertises is moved inside
    /// 127.0.0.0/8 ([`contained`]), where nothing listens, so that a client which follows
    /// it fails at once and nothing leaves the machine.
    pub contain: bool,
}

/// Where `--contain` moves an advertised address: `127.B.C.D` for `A.B.C.D`
/// (10.0.0.5 → 127.0.0.5, 198.51.100.7 → 127.51.100.7), on the loopback network where the
/// lab listens on 127.0.0.1 only, so that a connect there is refused at once. Loopback
/// addresses stay, and so does 0.0.0.0: a connect to it never leaves the host.
pub fn contained(ip: Ipv4Addr) -> Ipv4Addr {
    if ip.is_loopback() || ip.is_unspecified() {
        return ip;
    }
    let [_, b, c, d] = ip.octets();
    let moved = Ipv4Addr::new(127, b, c, d);
    // 127.0.0.1 is where the lab listens: the wrong address must not be the right one.
    match moved == Ipv4Addr::LOCALHOST {
        true => Ipv4Addr::new(127, 0, 0, 2),
        false => moved,
    }
}

/// Default for [`LabConfig::cert_valid_days`]: Let's Encrypt's lifetime, well clear of
/// the probe's 14-day warning.
pub const CERT_VALID_DAYS: i64 = 90;

/// Default for [`LabConfig::idle_after`]: short enough for a demo, long enough that a
/// probe's own pauses between commands never reach it.
pub const IDLE_AFTER: Duration = Duration::from_secs(4);

/// Default for [`LabConfig::max_sessions`]: a lab serves one student or one test run
/// (the probe opens one connection per mode); the cap keeps a runaway client loop from
/// exhausting file descriptors.
pub const MAX_SESSIONS: usize = 64;

impl LabConfig {
    /// The scenario on 127.0.0.1, a free port, with the defaults a real server has.
    pub fn new(scenario: Scenario) -> LabConfig {
        LabConfig {
            scenario,
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            data_timeout: Duration::from_secs(10),
            transfer_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(300),
            idle_after: IDLE_AFTER,
            refuse_dele: false,
            max_sessions: MAX_SESSIONS,
            pasv_address: None,
            connect_during_port: false,
            unanswered: Vec::new(),
            active_source: None,
            cert_valid_days: CERT_VALID_DAYS,
            // The string in Debian's vsftpd 3.0.3 binary, and what it sent in tests/interop.
            reuse_refusal: (522, "SSL connection failed: session reuse required"),
            also_ipv6: false,
            tls_first_session_only: false,
            verbose: false,
            contain: false,
        }
    }
}

/// What every session of one server shares.
#[derive(Debug)]
struct Shared {
    config: LabConfig,
    tree: fs::Tree,
    /// blocked-data and refused-data: the port advertised for every passive request.
    dead_port: Option<DeadPort>,
    /// Data connections that arrived on a `pasv_address` listener.
    advertised_accepts: AtomicUsize,
    /// partial-range: the passive ports handed out in turn.
    port_range: Option<port_range::PortRange>,
    /// The TLS scenarios' certificate and acceptor.
    tls: Option<LabTls>,
    /// Sessions begun so far, for `tls_first_session_only`.
    sessions_begun: AtomicUsize,
    /// The writable scenarios' uploaded files.
    uploads: Option<uploads::UploadDir>,
    /// lb-split: the load balancer's data-connection turns, and the port the other
    /// backend refuses.
    balancer: Option<Balancer>,
}

/// lb-split's load balancer: which backend the next data connection reaches.
#[derive(Debug)]
struct Balancer {
    /// Data connections handed out so far; even turns reach backend A, odd ones B.
    data_turns: AtomicUsize,
    /// Where a data connection that reaches the wrong backend ends: refused.
    refused: ClosedPort,
}

/// A data port that does not work, held for the server's lifetime.
#[derive(Debug)]
enum DeadPort {
    /// Connects time out.
    Blackhole(Blackhole),
    /// Connects are refused.
    Closed(ClosedPort),
}

impl DeadPort {
    fn addr(&self) -> SocketAddr {
        match self {
            DeadPort::Blackhole(hole) => hole.addr(),
            DeadPort::Closed(closed) => closed.addr(),
        }
    }
}

/// A running lab server. Dropping it stops the server and every session at once.
#[derive(Debug)]
pub struct LabServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// The [::1] listener's address, with `also_ipv6`.
    v6_addr: Option<SocketAddr>,
    scenario: Scenario,
    task: ServerTask,
}

impl LabServer {
    /// Binds and starts serving in the background of the current tokio runtime.
    pub async fn start(config: LabConfig) -> io::Result<LabServer> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let v6 = match (config.also_ipv6, addr) {
            (true, SocketAddr::V4(_)) => {
                let at = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port());
                Some(TcpListener::bind(at).await?)
            }
            _ => None,
        };
        let v6_addr = match &v6 {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        let scenario = config.scenario;
        let profile = scenario.profile();
        // Dead ports sit on the listening address so that the advertised address is right
        // and only the port misbehaves.
        let (dead_port, port_range) = match profile.passive_ports {
            PassivePorts::Ephemeral => (None, None),
            PassivePorts::Blackholed => (
                Some(DeadPort::Blackhole(Blackhole::bind(addr.ip()).await?)),
                None,
            ),
            PassivePorts::Closed => (Some(DeadPort::Closed(ClosedPort::bind(addr.ip())?)), None),
            PassivePorts::PartialRange => {
                (None, Some(port_range::PortRange::reserve(addr.ip()).await?))
            }
        };
        let tls = match profile.tls {
            Some(_) => Some(LabTls::generate(config.cert_valid_days)?),
            None => None,
        };
        let balancer = match profile.backends {
            scenario::Backends::One => None,
            scenario::Backends::TwoInTurn => Some(Balancer {
                data_turns: AtomicUsize::new(0),
                refused: ClosedPort::bind(addr.ip())?,
            }),
        };
        let uploads = match profile.uploads {
            Uploads::Allowed => Some(uploads::UploadDir::create()?),
            Uploads::Refused => None,
        };
        let max_sessions = config.max_sessions;
        let shared = Arc::new(Shared {
            config,
            tree: fs::Tree::default(),
            dead_port,
            advertised_accepts: AtomicUsize::new(0),
            port_range,
            tls,
            sessions_begun: AtomicUsize::new(0),
            uploads,
            balancer,
        });
        let serving = Arc::clone(&shared);
        let task = ServerTask::spawn(
            listener,
            v6,
            max_sessions,
            WhenFull::Refuse,
            move |stream| session::run(stream, Arc::clone(&serving)),
        );
        Ok(LabServer {
            shared,
            addr,
            v6_addr,
            scenario,
            task,
        })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the lab also listens on [::1] (`also_ipv6`), same port as [`LabServer::addr`].
    pub fn v6_addr(&self) -> Option<SocketAddr> {
        self.v6_addr
    }

    /// The scenario it serves.
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// The CA that signed a TLS scenario's certificate, in PEM: what a client's
    /// --ca-file needs.
    pub fn ca_pem(&self) -> Option<&str> {
        self.shared.tls.as_ref().map(|t| t.ca_pem.as_str())
    }

    /// The writable scenarios' temporary directory, deleted when the server goes.
    pub fn upload_dir(&self) -> Option<&std::path::Path> {
        self.shared.uploads.as_ref().map(|u| u.path())
    }

    /// The size of an uploaded file at `path` (an absolute FTP path), if it is there.
    pub fn uploaded_size(&self, path: &str) -> Option<u64> {
        self.shared.uploads.as_ref()?.size(path)
    }

    /// Data connections made to the `pasv_address` listener so far.
    pub fn advertised_accepts(&self) -> usize {
        self.shared.advertised_accepts.load(Ordering::SeqCst)
    }

    /// Whether it runs under `--contain` (wrong addresses moved into 127.0.0.0/8).
    pub fn contained(&self) -> bool {
        self.shared.config.contain
    }

    /// `ftp://127.0.0.1:PORT/` (`ftps://` for implicit TLS; IPv6 addresses in brackets).
    /// A server listening on every address is named by its loopback address.
    pub fn url(&self) -> String {
        let scheme = match self.scenario.tls() {
            Some(TlsOffer::Implicit) => "ftps",
            _ => "ftp",
        };
        server::url(scheme, self.addr)
    }

    /// Stops accepting, ends every session, and waits until all of it is gone.
    pub async fn shutdown(self) {
        self.task.shutdown().await;
    }
}
