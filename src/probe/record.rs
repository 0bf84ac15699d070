//! What a probe saw, as plain records: no working state, nothing that needs the network.
//! The runner builds them step by step (so a deadline that strikes half-way leaves a
//! truthful partial record), `diagnose` reads them, and the report (`crate::report`)
//! carries them in schema v1 (docs/report-schema.md): the field names, renames and
//! omissions below are the schema's.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::proto::Reply;
use crate::timeline::Stamped;
use crate::wire::{serialize_display_opt, serialize_ips, wire_enum};

mod cause;
mod cut;
mod data;
mod dns;
mod proxy;
mod sample;
mod step;
mod tls;
mod transfers;
mod try_error;
pub use cause::Cause;
pub use cut::*;
pub use data::*;
pub use dns::*;
pub use proxy::*;
pub use sample::*;
pub use step::*;
pub use tls::*;
pub use transfers::*;
pub use try_error::{TryError, cause_words};

wire_enum! {
    /// A data-connection mode, in the order a client would try them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Mode {
        /// Extended passive (RFC 2428): the server names only a port; the client dials the control peer.
        Epsv = "epsv",
        /// Passive (RFC 959): the server names an IPv4 address and port in its 227.
        Pasv = "pasv",
        /// Extended active (RFC 2428): the client names an address of either family; the server connects back.
        Eprt = "eprt",
        /// Active (RFC 959): the client names an IPv4 address and port; the server connects back.
        Port = "port",
    }
}

impl Mode {
    /// EPSV and PASV: the client dials the server.
    pub fn is_passive(self) -> bool {
        matches!(self, Mode::Epsv | Mode::Pasv)
    }

    /// PASV and PORT carry IPv4 addresses only (RFC 959); EPSV/EPRT exist for IPv6.
    pub fn is_ipv4_only(self) -> bool {
        matches!(self, Mode::Pasv | Mode::Port)
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown mode {s:?} (expected epsv, pasv, eprt or port)"))
    }
}

/// A server reply as the report quotes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyRecord {
    /// The reply code (`227`, `530`, ...).
    pub code: u16,
    /// Without the code prefixes; lines of a multi-line reply joined with `\n`.
    pub text: String,
}

impl From<&Reply> for ReplyRecord {
    fn from(reply: &Reply) -> ReplyRecord {
        ReplyRecord {
            code: reply.code,
            text: reply.text(),
        }
    }
}

impl fmt::Display for ReplyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text.lines().last() {
            Some(last) if self.text.contains('\n') => write!(f, "{} {}", self.code, last),
            _ => write!(f, "{} {}", self.code, self.text),
        }
    }
}

/// Why a mode was not attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Left out of --modes.
    NotSelected,
    /// PASV and PORT on an IPv6 control connection: they carry IPv4 addresses only.
    Ipv4Only,
    /// No control session to run it on: the name did not resolve, or the session was
    /// not set up (the control connection's error says why).
    NoSession,
    /// The deadline struck before this mode was tried.
    Deadline,
    /// The server refused the connection this mode would have run on.
    Refused,
    /// An active mode through an HTTP proxy: CONNECT carries no inbound connection.
    ProxyNoInbound,
    /// An active mode through a SOCKS5 proxy that answered BIND "not supported".
    ProxyNoBind,
}

impl SkipReason {
    /// Whether the skip says something about the server, so that the diagnosis reports
    /// it: a deadline or a refusal does; "not selected" or "IPv4 only" does not.
    pub fn tells_about_server(self) -> bool {
        matches!(self, SkipReason::Deadline | SkipReason::Refused)
    }
}

/// A mode that was not attempted: why, and the sentence the report shows (the report's
/// `skipped` field is that sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Why, for the diagnosis and the status.
    pub reason: SkipReason,
    /// The sentence the report shows.
    pub text: String,
}

impl Serialize for Skipped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One mode's attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeOutcome {
    /// Which mode this is.
    pub mode: Mode,
    /// Why the mode was not attempted; `None` when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
    /// The command as sent: `PASV`, `EPSV`, `PORT 127,0,0,1,4,1`, `EPRT |1|127.0.0.1|1025|`.
    pub request: Option<String>,
    /// Active modes: the address and port the PORT/EPRT told the server to connect to, as
    /// the probe chose it (not in the JSON: `request` shows it as sent).
    #[serde(skip)]
    pub sent: Option<SocketAddr>,
    /// The reply to the request; the diagnosis reads the address and the refusals from it.
    pub reply: Option<ReplyRecord>,
    /// Passive modes: what the 227 advertised (`None` for EPSV and active modes).
    pub advertised: Option<Advertised>,
    /// Every data-port dial, in order (passive modes): the advertised address, then any substitute.
    pub dials: Vec<DialRecord>,
    /// Active modes only.
    pub accept: Option<AcceptRecord>,
    /// The LIST/RETR over the data connection, when one was made.
    pub transfer: Option<TransferRecord>,
    /// The step that went wrong on the control connection, or the unparseable reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Set when the deadline or the user cut one of this mode's waits: the stage it was at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Stage>,
    /// The cut itself, which the record of the wait (dial, accept, transfer, error)
    /// carries too.
    #[serde(skip)]
    pub cut: Option<Cut>,
    /// From sending the request to the end of the transfer.
    #[serde(rename = "elapsed_ms", serialize_with = "crate::wire::serialize_ms")]
    pub elapsed: Duration,
    /// How long the 220 took on this mode's own control connection, when it had one
    /// (the concurrent modes each open theirs).
    #[serde(
        rename = "greeting_ms",
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::serialize_ms_opt"
    )]
    pub greeting: Option<Duration>,
    /// The session this mode ran on, as the server described it: its greeting and what
    /// STAT said. Compared across the modes' sessions, it shows a client leaving from
    /// several addresses (a NAT pool) or sessions landing on different servers.
    #[serde(rename = "session", skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionView>,
    /// Passive modes that worked: one more data connection in the same session, as a
    /// single-session client makes for its next transfer. The first one can be luck (a
    /// NAT pool's addresses or a load balancer's backends lined up); this one settles it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_connection: Option<Box<ModeOutcome>>,
}

/// One control session as the server described it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// The 220 greeting, lines joined with `\n`.
    pub banner: Option<String>,
    /// What STAT said, when the server answered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_view: Option<ServerView>,
}

impl ModeOutcome {
    /// A mode about to be tried: nothing recorded yet.
    pub fn new(mode: Mode) -> ModeOutcome {
        ModeOutcome {
            mode,
            skipped: None,
            request: None,
            sent: None,
            reply: None,
            advertised: None,
            dials: Vec::new(),
            accept: None,
            transfer: None,
            error: None,
            interrupted: None,
            cut: None,
            elapsed: Duration::ZERO,
            greeting: None,
            session: None,
            second_connection: None,
        }
    }

    /// A mode that was not attempted, with the sentence the report shows.
    pub fn skipped(mode: Mode, reason: SkipReason, text: impl Into<String>) -> ModeOutcome {
        ModeOutcome {
            skipped: Some(Skipped {
                reason,
                text: text.into(),
            }),
            ..ModeOutcome::new(mode)
        }
    }

    /// Why the mode was skipped, if it was.
    pub fn skip_reason(&self) -> Option<SkipReason> {
        self.skipped.as_ref().map(|s| s.reason)
    }
}

wire_enum! {
    /// How the login went.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Login {
        /// USER/PASS was accepted.
        Ok = "ok",
        /// USER/PASS was refused (the reply is in `login_reply`).
        Failed = "failed",
        /// The session ended before the login: no connection, no greeting, a TLS failure.
        NotAttempted = "not-attempted",
    }
}

/// The first control connection: connect, banner, login, FEAT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlOutcome {
    /// The server's end of the control connection, once connected.
    #[serde(serialize_with = "serialize_display_opt")]
    pub peer: Option<SocketAddr>,
    /// Our end of the control connection: what the server should see, unless a NAT rewrites it.
    #[serde(serialize_with = "serialize_display_opt")]
    pub local: Option<SocketAddr>,
    /// The 220 greeting, lines joined with `
    /// `.
    pub banner: Option<String>,
    /// Whether the control connection ended up under TLS, and how.
    pub tls: Tls,
    /// The handshake, certificate and data protection, unless --tls off.
    pub tls_details: Option<TlsRecord>,
    /// How the login went.
    pub login: Login,
    /// The login name used (never the password).
    pub user: String,
    /// What FEAT listed, one feature a line, as the server spelt it.
    pub features: Vec<String>,
    /// FEAT went unanswered or broke the connection: the features are unknown, and the
    /// modes ran on fresh connections. FEAT is informational, so this is no finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_error: Option<String>,
    /// Every control-port connect tried, in order (one per resolved address until one works).
    pub connects: Vec<ConnectRecord>,
    /// The reply that refused the login, when one did.
    pub login_reply: Option<ReplyRecord>,
    /// What STAT said, when the server answered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_view: Option<ServerView>,
    /// Where setting up the session failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// How long the 220 greeting took after the TCP connect.
    #[serde(
        rename = "greeting_ms",
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::serialize_ms_opt"
    )]
    pub greeting: Option<Duration>,
    /// `--proxy`: the proxy every connection went through (`peer` is then the server,
    /// `local` our end toward the proxy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyRecord>,
}

impl ControlOutcome {
    /// Nothing happened yet; `user` is the login name to be used.
    pub fn new(user: &str) -> ControlOutcome {
        ControlOutcome {
            peer: None,
            local: None,
            banner: None,
            tls: Tls::None,
            tls_details: None,
            login: Login::NotAttempted,
            user: user.to_string(),
            features: Vec::new(),
            features_error: None,
            connects: Vec::new(),
            login_reply: None,
            server_view: None,
            error: None,
            greeting: None,
            proxy: None,
        }
    }
}

/// The target as given and as resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    /// As given, with any password masked.
    pub input: String,
    /// The host name or literal, as given.
    pub host: String,
    /// The control port (21 unless given, 990 for ftps://).
    pub port: u16,
    /// Every address the name resolved to, in the order they were tried.
    #[serde(serialize_with = "serialize_ips")]
    pub resolved: Vec<IpAddr>,
    /// What LIST or RETR asked for (`/` unless the URL names a path).
    pub path: String,
    /// The A/AAAA queries, when DNS was asked (not for literals or `localhost`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsRecord>,
    /// With --all-addresses: the one resolved address this report probed.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_display_opt"
    )]
    pub address: Option<IpAddr>,
}

wire_enum! {
    /// How the modes shared control connections.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Strategy {
        /// One control connection per mode, all at once.
        Concurrent = "concurrent",
        /// One control connection, modes in turn (--sequential).
        Sequential = "sequential",
        /// The server refused extra connections (421), so the rest ran on one.
        SequentialFallback = "sequential-fallback",
    }
}

/// One line of the control-channel conversation, PASS masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptEntry {
    /// `control` for the first session, or the mode whose session it was.
    pub session: String,
    /// `>` for client, `<` for server.
    pub dir: &'static str,
    /// The line as sent or received, without CRLF.
    pub line: String,
}

/// Everything one probe of one target saw. The report (`crate::report::Report`) lays
/// it out as schema v1; this record is not serialized itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeOutcome {
    /// The target as given and as resolved.
    pub target: TargetInfo,
    /// The first control session.
    pub control: ControlOutcome,
    /// One record per mode, in --modes order, tried or skipped.
    pub modes: Vec<ModeOutcome>,
    /// How the modes shared control connections.
    pub strategy: Strategy,
    /// The reply that refused an extra control connection, when the runner fell back.
    pub fallback_reply: Option<ReplyRecord>,
    /// Why an extra control connection could not be used, when the runner fell back:
    /// a refusal, or something else (a TLS failure) that is not a connection limit.
    pub fallback_error: Option<StepError>,
    /// The plaintext session compared with the TLS one, when the control went TLS.
    pub plaintext_check: Option<PlaintextCheck>,
    /// Set when --deadline cut the probe short, or the user did (`interrupted`).
    pub deadline_hit: bool,
    /// The user interrupted the probe (Ctrl-C): it ended then, as at its deadline.
    pub interrupted: bool,
    /// The --deadline the probe ran under.
    pub deadline: Duration,
    /// Every control session's conversation, PASS masked.
    pub transcript: Vec<TranscriptEntry>,
    /// Every event on every connection, in time order.
    pub timeline: Vec<Stamped>,
    /// Events past the timeline's cap, not kept.
    pub timeline_dropped: u64,
    /// The whole probe.
    pub elapsed: Duration,
    /// --sample-ports: the passive port range as sampled.
    pub sample: Option<SampleOutcome>,
    /// FTPS: one more data connection without resuming the TLS session, to learn whether
    /// the server requires reuse (what clients that never resume meet).
    pub reuse_check: Option<ReuseCheck>,
    /// The full-size packet check (`--size-check auto`), after the modes.
    pub size_check: Option<SizeCheck>,
    /// `--idle D`: how long the path keeps an idle control connection.
    pub idle: Option<IdleCheck>,
    /// `--upload`: the other direction.
    pub upload: Option<UploadCheck>,
}
