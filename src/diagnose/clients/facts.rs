//! What the probe saw, put as a client meets it: the control connection and the TLS
//! offer here; for each data mode the event a client with a given PASV-address policy
//! runs into in events.rs.

use std::net::SocketAddr;

use super::ClientStep;
use crate::diagnose::{Finding, Severity};
use crate::probe::record::{
    DialResult, ErrorKind, Login, Mode, ProbeOutcome, ReplyRecord, Stage, Tls, TransferResult,
};

/// How the client's control connection goes, up to a logged-in session.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Control {
    Ok,
    /// Stops at once: refused, unreachable, a name that does not resolve, a 421 banner.
    Fails(ClientStep, String),
    /// Unanswered connect: hangs until the connect timeout.
    ConnectDropped(String),
    /// Connected, and no reply comes (a greeting, a reply to USER/PASS).
    Silent(ClientStep, String),
    /// USER/PASS refused.
    LoginRefused(String),
    /// The probe cannot tell.
    Unknown(ClientStep, String),
}

/// What the server answered to AUTH TLS, as far as the probe found out.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TlsOffer {
    /// AUTH TLS and the handshake worked.
    Offered,
    /// AUTH TLS refused: plaintext only.
    Refused(String),
    /// AUTH TLS accepted, then the handshake failed.
    Broken(String),
    /// The probe did not ask (--tls off).
    NotAsked,
    /// TLS from the first byte (ftps://): the probe never spoke plaintext.
    Implicit,
    /// The handshake worked, but the certificate check refused the certificate (an
    /// anonymous probe went on unchecked): the reason.
    Untrusted(String),
}

/// Which conversation the client holds: the probe's records of the TLS session apply to a
/// TLS client; a plaintext client meets what the plaintext comparison saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    Plain,
    Tls,
}

/// What a client meets in one data mode.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Event {
    /// The data connection and the transfer work; the note says how, where it matters.
    Works(Option<String>),
    /// The request refused, or its reply unusable.
    Rejected(String),
    /// The data connect refused or unreachable at once.
    Refused(String),
    /// The data connect unanswered.
    Dropped(String),
    /// The request got no reply.
    NoReply(String),
    /// Active: the server never connects back.
    AcceptNever(String),
    /// Active: the server connected from another address.
    ForeignSource(SocketAddr),
    TransferFailed(String),
    TransferStalled(String),
    /// Under PROT P the server waits for the data handshake before its 1yz
    /// (data-tls-deadlock): what the client meets depends on when it handshakes.
    TlsDeadlock(String),
    /// The probe's records cannot tell.
    Unknown(String),
}

impl Event {
    /// The same event, its words after `lead`.
    pub(super) fn prefixed(self, lead: &str) -> Event {
        let p = |why: String| format!("{lead}{why}");
        match self {
            Event::Works(note) => Event::Works(note.map(p)),
            Event::Rejected(w) => Event::Rejected(p(w)),
            Event::Refused(w) => Event::Refused(p(w)),
            Event::Dropped(w) => Event::Dropped(p(w)),
            Event::NoReply(w) => Event::NoReply(p(w)),
            Event::AcceptNever(w) => Event::AcceptNever(p(w)),
            Event::ForeignSource(a) => Event::ForeignSource(a),
            Event::TransferFailed(w) => Event::TransferFailed(p(w)),
            Event::TransferStalled(w) => Event::TransferStalled(p(w)),
            Event::TlsDeadlock(w) => Event::TlsDeadlock(p(w)),
            Event::Unknown(w) => Event::Unknown(p(w)),
        }
    }
}

/// The probe's records with the findings, read as clients meet them.
pub(super) struct Facts<'a> {
    pub outcome: &'a ProbeOutcome,
    pub findings: &'a [Finding],
}

impl<'a> Facts<'a> {
    pub fn new(outcome: &'a ProbeOutcome, findings: &'a [Finding]) -> Facts<'a> {
        Facts { outcome, findings }
    }

    pub fn peer(&self) -> Option<SocketAddr> {
        self.outcome.control.peer
    }

    pub fn anonymous(&self) -> bool {
        crate::proto::is_anonymous(&self.outcome.control.user)
    }

    /// ` (id)` of the most severe finding about `mode` (the control connection for
    /// `None`), for reasons to point at.
    pub fn cite(&self, mode: Option<Mode>) -> String {
        self.findings
            .iter()
            .filter(|f| f.mode == mode && f.severity > Severity::Info)
            .max_by_key(|f| f.severity)
            .map(|f| format!(" ({})", f.id))
            .unwrap_or_default()
    }

    pub fn control(&self) -> Control {
        let c = &self.outcome.control;
        let Some(err) = &c.error else {
            return match c.login {
                Login::Ok => Control::Ok,
                Login::Failed => Control::LoginRefused(quote(c.login_reply.as_ref())),
                Login::NotAttempted => {
                    Control::Unknown(ClientStep::Login, "the probe never logged in".to_string())
                }
            };
        };
        let cite = self.cite(None);
        match (err.stage, err.kind) {
            (Stage::Resolve, _) => Control::Fails(
                ClientStep::Resolve,
                format!("the name does not resolve{cite}"),
            ),
            (Stage::Connect, _) => match c.connects.last().map(|r| r.outcome) {
                Some(DialResult::Timeout) => {
                    Control::ConnectDropped(format!("the control port never answers{cite}"))
                }
                Some(DialResult::Refused) => Control::Fails(
                    ClientStep::Connect,
                    format!("the control port refuses connections{cite}"),
                ),
                _ => Control::Fails(
                    ClientStep::Connect,
                    format!("the control port is unreachable{cite}"),
                ),
            },
            // Implicit TLS only where it can be: port 990 spoken to in plaintext.
            (Stage::Banner, ErrorKind::Timeout) if self.outcome.target.port == 990 => {
                Control::Silent(
                    ClientStep::Banner,
                    format!(
                        "connects, but no greeting comes{cite} — port 990 is implicit FTPS, \
                         where the server waits for a TLS hello first"
                    ),
                )
            }
            (Stage::Banner, ErrorKind::Timeout) => Control::Silent(
                ClientStep::Banner,
                format!("connects, but no whole greeting comes in time{cite}"),
            ),
            (Stage::Banner, _) => Control::Fails(
                ClientStep::Banner,
                format!(
                    "the greeting is {}{cite}",
                    describe_error(err.reply.as_ref(), &err.detail)
                ),
            ),
            (Stage::Login, ErrorKind::Timeout) => Control::Silent(
                ClientStep::Login,
                format!("the login is never answered{cite}"),
            ),
            (Stage::Login, _) if c.login == Login::Failed => {
                Control::LoginRefused(quote(c.login_reply.as_ref()))
            }
            (Stage::Tls, _) => Control::Unknown(
                ClientStep::Tls,
                format!("the probe's TLS session failed{cite}, so it saw nothing after it"),
            ),
            (stage, _) => Control::Unknown(
                ClientStep::Login,
                format!("the probe's session broke at {stage}{cite}"),
            ),
        }
    }

    pub fn tls_offer(&self) -> TlsOffer {
        let c = &self.outcome.control;
        if c.tls == Tls::Implicit {
            return TlsOffer::Implicit;
        }
        let Some(details) = &c.tls_details else {
            return TlsOffer::NotAsked;
        };
        if details.went_on_unverified {
            let why = details.verify_error.as_deref().unwrap_or("refused");
            return TlsOffer::Untrusted(why.to_string());
        }
        if c.tls == Tls::Explicit {
            return TlsOffer::Offered;
        }
        match &details.auth_reply {
            Some(r) if r.code == 234 => TlsOffer::Broken(
                details
                    .error
                    .as_ref()
                    .map(|e| e.detail.clone())
                    .unwrap_or_else(|| "the handshake failed".to_string()),
            ),
            Some(r) => TlsOffer::Refused(format!("AUTH TLS answered {r}")),
            None => TlsOffer::Refused("AUTH TLS unanswered".to_string()),
        }
    }

    /// A plaintext login on a server the probe spoke TLS to: refused (the reply), or
    /// `None` when it worked or was never the question. `Err` when the probe did not try.
    pub fn plaintext_login(&self) -> Result<Option<String>, String> {
        if self.outcome.control.tls == Tls::None {
            return Ok(None);
        }
        match &self.outcome.plaintext_check {
            Some(check) => match (&check.login_refused, &check.skipped) {
                (Some(reply), _) => Ok(Some(reply.to_string())),
                (None, Some(why)) if check.pasv_reply.is_none() && check.port_reply.is_none() => {
                    Err(format!("the probe did not log in in plaintext ({why})"))
                }
                _ => Ok(None),
            },
            None => Err("the probe did not log in in plaintext".to_string()),
        }
    }

    /// Whether the server refuses a data connection that does not resume the control
    /// connection's TLS session: `None` when every data handshake resumed, so the probe
    /// cannot tell (`--no-tls-reuse` shows it).
    pub fn reuse_required(&self) -> Option<bool> {
        if let Some(check) = &self.outcome.reuse_check {
            return Some(!check.accepted);
        }
        let mut answer = None;
        for m in &self.outcome.modes {
            let Some(t) = &m.transfer else { continue };
            let Some(tls) = &t.tls else { continue };
            if tls.ok && !tls.resumed && t.outcome == TransferResult::Ok {
                answer = Some(false);
            }
            // (A record's failure reason is never "session-reuse": that is the
            // diagnosis's word for exactly this case.)
            if tls.ok && !tls.resumed && t.outcome == TransferResult::Failed {
                return Some(true);
            }
        }
        answer
    }

    /// Whether the server's FEAT named this command (`false` also when FEAT failed).
    pub fn feat_lists(&self, command: &str) -> bool {
        self.outcome.control.features.iter().any(|f| {
            f.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(command))
        })
    }
}

/// The command a mode sends, as reasons name it.
pub(super) fn request_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Epsv => "EPSV",
        Mode::Pasv => "PASV",
        Mode::Eprt => "EPRT",
        Mode::Port => "PORT",
    }
}

fn quote(reply: Option<&ReplyRecord>) -> String {
    reply.map_or_else(|| "refused".to_string(), |r| format!("answered {r}"))
}

pub(super) fn describe_error(reply: Option<&ReplyRecord>, detail: &str) -> String {
    match reply {
        Some(r) => format!("{r}"),
        None => detail.to_string(),
    }
}
