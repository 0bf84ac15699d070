//! What a probe saw, as data. The runner fills these in step by step (so a deadline that
//! strikes half-way leaves a truthful partial record); `diagnose` reads them; the JSON
//! report serializes them as they are, in the shape of schema v1.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};

use crate::proto::Reply;

mod data;
mod tls;
pub use data::*;
pub use tls::*;

/// A data-connection mode, in the order a client would try them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Epsv,
    Pasv,
    Eprt,
    Port,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Epsv, Mode::Pasv, Mode::Eprt, Mode::Port];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Epsv => "epsv",
            Mode::Pasv => "pasv",
            Mode::Eprt => "eprt",
            Mode::Port => "port",
        }
    }

    pub fn is_passive(self) -> bool {
        matches!(self, Mode::Epsv | Mode::Pasv)
    }

    /// PASV and PORT carry IPv4 addresses only (RFC 959); EPSV/EPRT exist for IPv6.
    pub fn is_ipv4_only(self) -> bool {
        matches!(self, Mode::Pasv | Mode::Port)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

/// Milliseconds with one decimal, as the report shows times.
pub fn ms(d: &Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn serialize_ms_opt<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(ms(d)),
        None => s.serialize_none(),
    }
}

pub(super) fn serialize_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(ms(d))
}

pub(super) fn serialize_display<T: fmt::Display, S: Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn serialize_display_opt<T: fmt::Display, S: Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// A server reply as the report quotes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyRecord {
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

/// The step of a probe, for errors, timeouts and a deadline that struck mid-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Resolve,
    Connect,
    Banner,
    /// AUTH TLS and the handshake (or the handshake at once, for implicit FTPS).
    Tls,
    Login,
    Features,
    /// Waiting for the reply to PASV/EPSV/PORT/EPRT.
    Request,
    /// Dialling the passive data port.
    DataConnect,
    /// Waiting for the server to connect back (active modes).
    Accept,
    /// Sending LIST/RETR and waiting for its 1yz.
    TransferStart,
    /// The data connection's TLS handshake (PROT P).
    DataTls,
    /// Reading the data connection.
    TransferData,
    /// Waiting for the 226 after the data.
    TransferEnd,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Banner => "banner",
            Stage::Tls => "tls",
            Stage::Login => "login",
            Stage::Features => "features",
            Stage::Request => "request",
            Stage::DataConnect => "data-connect",
            Stage::Accept => "accept",
            Stage::TransferStart => "transfer-start",
            Stage::DataTls => "data-tls",
            Stage::TransferData => "transfer-data",
            Stage::TransferEnd => "transfer-end",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a step failed when it failed on the control connection rather than with a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// No answer within --timeout.
    Timeout,
    /// The server closed the control connection.
    Closed,
    /// The server answered with a code this step cannot go on from.
    UnexpectedReply,
    /// The reply could not be framed (line too long, too many lines, not a reply).
    BadReply,
    /// A socket error, or the connection was already out of step.
    Io,
    /// The server refused this extra connection (421): the runner fell back to one.
    Refused,
    /// The TLS handshake failed.
    Tls,
}

/// A step that went wrong, with the stage and what happened in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepError {
    pub stage: Stage,
    pub kind: ErrorKind,
    pub detail: String,
    /// The reply that ended the step, when one did.
    pub reply: Option<ReplyRecord>,
}

impl StepError {
    /// A failure no reply stands for (a timeout, a socket error, a local problem).
    pub fn new(stage: Stage, kind: ErrorKind, detail: impl Into<String>) -> StepError {
        StepError {
            stage,
            kind,
            detail: detail.into(),
            reply: None,
        }
    }
}

/// Why a selected mode was skipped without being tried, when it says something about the
/// server (the diagnosis reports these; "not selected" or "IPv4 only" it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTried {
    /// The deadline struck first.
    Deadline,
    /// The server refused the connection it would have run on.
    Refused,
}

/// One mode's attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeOutcome {
    pub mode: Mode,
    /// Why the mode was not attempted; `None` when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The command as sent: `PASV`, `EPSV`, `PORT 127,0,0,1,4,1`, `EPRT |1|127.0.0.1|1025|`.
    pub request: Option<String>,
    pub reply: Option<ReplyRecord>,
    /// Passive modes: what the 227 advertised (`None` for EPSV and active modes).
    pub advertised: Option<Advertised>,
    pub dials: Vec<DialRecord>,
    /// Active modes only.
    pub accept: Option<AcceptRecord>,
    pub transfer: Option<TransferRecord>,
    /// The step that went wrong on the control connection, or the unparseable reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Set when the deadline struck while this mode was at that stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Stage>,
    #[serde(rename = "elapsed_ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// The step under way; what `interrupted` becomes if the deadline strikes.
    #[serde(skip)]
    pub in_progress: Option<Stage>,
    /// When the mode began, so that an interrupted one still reports its time.
    #[serde(skip)]
    pub started: Option<Instant>,
    /// When the step under way began (a dial the deadline cuts short reports its time).
    #[serde(skip)]
    pub step_started: Option<Instant>,
    #[serde(skip)]
    pub not_tried: Option<NotTried>,
    /// How long the 220 took on this mode's own control connection, when it had one
    /// (the concurrent modes each open theirs).
    #[serde(
        rename = "greeting_ms",
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_ms_opt"
    )]
    pub greeting: Option<Duration>,
}

impl ModeOutcome {
    pub fn new(mode: Mode) -> ModeOutcome {
        ModeOutcome {
            mode,
            skipped: None,
            request: None,
            reply: None,
            advertised: None,
            dials: Vec::new(),
            accept: None,
            transfer: None,
            error: None,
            interrupted: None,
            elapsed: Duration::ZERO,
            in_progress: None,
            started: None,
            step_started: None,
            not_tried: None,
            greeting: None,
        }
    }

    pub fn skipped(mode: Mode, why: impl Into<String>) -> ModeOutcome {
        ModeOutcome {
            skipped: Some(why.into()),
            ..ModeOutcome::new(mode)
        }
    }

    /// Skipped for a reason the diagnosis reports.
    pub fn not_tried(mode: Mode, reason: NotTried, why: impl Into<String>) -> ModeOutcome {
        ModeOutcome {
            not_tried: Some(reason),
            ..ModeOutcome::skipped(mode, why)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Login {
    Ok,
    Failed,
    NotAttempted,
}

/// The first control connection: connect, banner, login, FEAT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlOutcome {
    #[serde(serialize_with = "serialize_display_opt")]
    pub peer: Option<SocketAddr>,
    #[serde(serialize_with = "serialize_display_opt")]
    pub local: Option<SocketAddr>,
    pub banner: Option<String>,
    pub tls: Tls,
    /// The handshake, certificate and data protection, unless --tls off.
    pub tls_details: Option<TlsRecord>,
    pub login: Login,
    /// The login name used (never the password).
    pub user: String,
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
        serialize_with = "serialize_ms_opt"
    )]
    pub greeting: Option<Duration>,
}

impl ControlOutcome {
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    /// As given, with any password masked.
    pub input: String,
    pub host: String,
    pub port: u16,
    #[serde(serialize_with = "serialize_ips")]
    pub resolved: Vec<IpAddr>,
    pub path: String,
    /// The A/AAAA queries, when DNS was asked (not for literals or `localhost`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<crate::net::resolve::DnsRecord>,
    /// With --all-addresses: the one resolved address this report probed.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_display_opt"
    )]
    pub address: Option<IpAddr>,
}

fn serialize_ips<S: Serializer>(ips: &[IpAddr], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ips.iter().map(|ip| ip.to_string()))
}

/// How the modes shared control connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// One control connection per mode, all at once.
    Concurrent,
    /// One control connection, modes in turn (--sequential).
    Sequential,
    /// The server refused extra connections (421), so the rest ran on one.
    SequentialFallback,
}

/// One line of the control-channel conversation, PASS masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptEntry {
    /// `control` for the first session, or the mode whose session it was.
    pub session: String,
    /// `>` for client, `<` for server.
    pub dir: &'static str,
    pub line: String,
}

/// Everything one probe of one target saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeOutcome {
    pub target: TargetInfo,
    pub control: ControlOutcome,
    pub modes: Vec<ModeOutcome>,
    pub strategy: Strategy,
    /// The reply that refused an extra control connection, when the runner fell back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reply: Option<ReplyRecord>,
    /// Why an extra control connection could not be used, when the runner fell back:
    /// a refusal, or something else (a TLS failure) that is not a connection limit.
    #[serde(skip)]
    pub fallback_error: Option<StepError>,
    /// The plaintext session compared with the TLS one, when the control went TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext_check: Option<PlaintextCheck>,
    /// Set when --deadline cut the probe short, or the user did (`interrupted`).
    pub deadline_hit: bool,
    /// The user interrupted the probe (Ctrl-C): it ended then, as at its deadline.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    #[serde(serialize_with = "serialize_ms")]
    pub deadline_ms: Duration,
    #[serde(skip)]
    pub transcript: Vec<TranscriptEntry>,
    /// Every event on every connection, in time order.
    #[serde(skip)]
    pub timeline: Vec<crate::net::timeline::Stamped>,
    /// Events past the timeline's cap, not kept.
    #[serde(skip)]
    pub timeline_dropped: u64,
    #[serde(skip)]
    pub elapsed: Duration,
    /// --sample-ports: the passive port range as sampled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<super::SampleOutcome>,
    /// FTPS: one more data connection without resuming the TLS session, to learn whether
    /// the server requires reuse (what clients that never resume meet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reuse_check: Option<ReuseCheck>,
}
