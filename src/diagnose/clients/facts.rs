//! What the probe saw, put as a client meets it: the control connection, the TLS offer,
//! and for each data mode the event a client with a given PASV-address policy runs into.

use std::net::{IpAddr, SocketAddr};

use super::ClientStep;
use super::profile::PasvAddress;
use crate::addr::{AddrClass, classify};
use crate::diagnose::{Finding, FindingId, Severity};
use crate::probe::record::{
    AcceptResult, DialResult, DialWhy, ErrorKind, Login, Mode, ModeOutcome, ProbeOutcome,
    ReplyRecord, Stage, Tls, TransferResult,
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
    fn prefixed(self, lead: &str) -> Event {
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

    fn deadlocked(&self, mode: Mode) -> bool {
        self.findings
            .iter()
            .any(|f| f.id == FindingId::DataTlsDeadlock && f.mode == Some(mode))
    }

    fn mode_record(&self, mode: Mode) -> Option<&'a ModeOutcome> {
        self.outcome.modes.iter().find(|m| m.mode == mode)
    }

    /// What a client meets using `mode`, dialling PASV addresses by `policy`, on `path`,
    /// resuming the control TLS session on data connections or not (`resumes`), asking
    /// again in the same session after a failed data connection or not (`retries`).
    pub fn event(
        &self,
        mode: Mode,
        policy: PasvAddress,
        path: Path,
        resumes: bool,
        retries: bool,
    ) -> Event {
        let client = Client { path, resumes };
        let Some(m) = self.mode_record(mode) else {
            return Event::Unknown(format!("the probe did not try {}", request_name(mode)));
        };
        if let Some(why) = &m.skipped {
            return Event::Unknown(format!("the probe skipped {} ({why})", request_name(mode)));
        }
        // A deadline that cut a long silent wait leaves the silence to go by.
        if let Some(stage) = m.interrupted
            && !crate::diagnose::modes::cut_told(self.outcome, m)
        {
            let by = match m.cut.map(|c| c.by).or(self.outcome.cut_by()) {
                Some(crate::probe::record::CutBy::Interrupt) => {
                    "the probe was interrupted (Ctrl-C)"
                }
                _ => "the probe's deadline struck",
            };
            return Event::Unknown(format!("{by} during {} at {stage}", request_name(mode)));
        }
        let cite = self.cite(Some(mode));
        if path == Path::Plain
            && let Some(event) = self.plaintext_override(mode, &cite)
        {
            return event;
        }
        if let Some(err) = &m.error
            && err.stage == Stage::Request
        {
            return match err.kind {
                ErrorKind::Timeout => {
                    Event::NoReply(format!("{} is never answered{cite}", request_name(mode)))
                }
                _ => Event::Rejected(format!(
                    "{} is answered {}{cite}",
                    request_name(mode),
                    describe_error(err.reply.as_ref(), &err.detail)
                )),
            };
        }
        let first = self.record_event(m, mode, policy, &cite, client);
        // A single-session client's next data connection meets what the probe's second
        // one met: when that failed, the first one worked by luck.
        match (&first, m.second_connection.as_deref()) {
            (Event::Works(_), Some(second)) => match self
                .record_event(second, mode, policy, &cite, client)
            {
                Event::Works(_) => first,
                // It asks again after the failure, and the next one goes as the first.
                _ if retries => Event::Works(Some(
                    "every other data connection in one session fails here (the probe's second \
                     did), and it asks again"
                        .to_string(),
                )),
                again => again.prefixed("a second data connection in the same session: "),
            },
            _ => first,
        }
    }

    /// What one attempt of `mode` (the mode's own, or its second data connection) met,
    /// from its reply on.
    fn record_event(
        &self,
        m: &ModeOutcome,
        mode: Mode,
        policy: PasvAddress,
        cite: &str,
        client: Client,
    ) -> Event {
        match &m.reply {
            Some(r) if r.code >= 400 => {
                return Event::Rejected(format!("{} is answered {r}{cite}", request_name(mode)));
            }
            None => {
                return Event::Unknown(format!("the probe got no reply to {}", request_name(mode)));
            }
            Some(_) => {}
        }
        let connected = if mode.is_passive() {
            match self.passive_dial(m, policy, cite) {
                Ok(note) => note,
                Err(event) => return event,
            }
        } else {
            match self.accept(m, cite) {
                Ok(()) => None,
                Err(event) => return event,
            }
        };
        self.transfer(m, connected, cite, client)
    }

    /// A plaintext client on a TLS server meets what the plaintext comparison saw, which
    /// differs where a NAT helper rewrites what it can read.
    fn plaintext_override(&self, mode: Mode, cite: &str) -> Option<Event> {
        let check = self.outcome.plaintext_check.as_ref()?;
        let reply = match mode {
            Mode::Port => check.port_reply.as_ref(),
            Mode::Eprt => check.eprt_reply.as_ref(),
            Mode::Pasv => {
                let (Some(addr), Some(peer)) = (check.pasv_addr, self.peer()) else {
                    return None;
                };
                let tls_adv = self.mode_record(Mode::Pasv)?.advertised?;
                if addr.ip() == tls_adv.ip || addr.ip() != peer.ip() {
                    return None;
                }
                // Rewritten to the right address: the substitute dial stands for it.
                let m = self.mode_record(Mode::Pasv)?;
                let note = format!(
                    "in plaintext the 227 names {} (rewritten by a NAT helper; alg-rewrite)",
                    addr.ip()
                );
                return Some(
                    match dial_of(m, &[DialWhy::ControlPeerSubstitute, DialWhy::Advertised]) {
                        Some(DialResult::Connected) => {
                            self.transfer(m, Some(note), cite, Client::PLAIN)
                        }
                        Some(DialResult::Timeout) => {
                            Event::Dropped(format!("{note}; its port never answers"))
                        }
                        Some(_) => Event::Refused(format!("{note}; its port refuses")),
                        None => Event::Unknown(note),
                    },
                );
            }
            Mode::Epsv => return None,
        }?;
        let tls_reply = self.mode_record(mode)?.reply.as_ref();
        if tls_reply.is_some_and(|r| r.code < 400) {
            return None;
        }
        Some(if reply.code < 400 {
            Event::Works(Some(format!(
                "in plaintext {} is accepted ({reply}) where inside TLS it is not (alg-rewrite); \
                 the probe did not test the connect-back in plaintext",
                request_name(mode)
            )))
        } else {
            Event::Rejected(format!("{} is answered {reply}{cite}", request_name(mode)))
        })
    }

    /// The passive data connect as a client with `policy` makes it: the note on success.
    fn passive_dial(
        &self,
        m: &ModeOutcome,
        policy: PasvAddress,
        cite: &str,
    ) -> Result<Option<String>, Event> {
        let Some(peer) = self.peer() else {
            return Err(Event::Unknown("the control peer is unknown".to_string()));
        };
        let (outcome, note) = if m.mode == Mode::Epsv {
            (dial_of(m, &[DialWhy::Epsv]), None)
        } else {
            let Some(adv) = m.advertised else {
                return Err(Event::Rejected(format!("the 227 cannot be parsed{cite}")));
            };
            if adv.ip == peer.ip() {
                (dial_of(m, &[DialWhy::Advertised]), None)
            } else {
                let follow = match policy {
                    PasvAddress::Follow => true,
                    PasvAddress::Ignore => false,
                    PasvAddress::Fix(rule) => !rule.replaces(adv.ip, peer.ip()),
                    PasvAddress::RefuseOther => {
                        if adv.class == AddrClass::Loopback
                            && classify(peer.ip()) == AddrClass::Loopback
                        {
                            false
                        } else {
                            return Err(Event::Rejected(format!(
                                "the 227 names another host, {}, which it refuses to dial{cite}",
                                adv.ip
                            )));
                        }
                    }
                };
                let rule = match policy {
                    PasvAddress::Fix(rule) => {
                        format!("; {}", rule.why(adv.ip, peer.ip(), !follow))
                    }
                    _ => String::new(),
                };
                if follow {
                    return self.follow(m, adv.ip, adv.class, &rule, cite).map(Some);
                }
                let verb = if policy == PasvAddress::Ignore {
                    "ignores"
                } else {
                    "replaces"
                };
                let note = format!(
                    "{verb} the PASV address {} ({}{rule}) and dials the control peer",
                    adv.ip, adv.class
                );
                (
                    dial_of(m, &[DialWhy::ControlPeerSubstitute, DialWhy::Advertised]),
                    Some(note),
                )
            }
        };
        let ctx = note.clone().map(|n| format!("{n}; ")).unwrap_or_default();
        if let Some(share) = self.partly_filtered() {
            return Err(Event::Unknown(format!(
                "{ctx}the passive port range is partly filtered: {share}"
            )));
        }
        match outcome {
            Some(DialResult::Connected) => Ok(note),
            Some(DialResult::Timeout) => Err(Event::Dropped(format!(
                "{ctx}the {} data port never answers{cite}",
                request_name(m.mode)
            ))),
            Some(DialResult::Refused | DialResult::Unreachable) => Err(Event::Refused(format!(
                "{ctx}the {} data port refuses the connection{cite}",
                request_name(m.mode)
            ))),
            Some(DialResult::SkippedPolicy) | None => Err(Event::Unknown(format!(
                "{ctx}the probe did not dial the {} data port",
                request_name(m.mode)
            ))),
        }
    }

    /// A client that dials the advertised address itself.
    fn follow(
        &self,
        m: &ModeOutcome,
        ip: IpAddr,
        class: AddrClass,
        rule: &str,
        cite: &str,
    ) -> Result<String, Event> {
        let note = format!("follows the PASV address {ip} ({class}{rule}){cite}");
        let dialled = m
            .dials
            .iter()
            .find(|d| d.addr.ip() == ip && d.outcome != DialResult::SkippedPolicy)
            .map(|d| d.outcome);
        match (dialled, class) {
            (Some(DialResult::Connected), _) => Ok(note),
            (Some(DialResult::Timeout), _) => {
                Err(Event::Dropped(format!("{note}: it never answers")))
            }
            (Some(_), _) => Err(Event::Refused(format!("{note}: refused"))),
            (None, AddrClass::Unspecified) => Err(Event::Refused(format!(
                "{note}: 0.0.0.0 means the client's own machine, where nothing listens on that port"
            ))),
            (None, AddrClass::Loopback) => Err(Event::Refused(format!(
                "{note}: a loopback address is the client's own machine"
            ))),
            (None, c) if c == classify(self.peer().map_or(ip, |p| p.ip())) => Err(Event::Unknown(
                format!("{note}, which the probe did not dial (--follow-advertised does)"),
            )),
            (None, _) => Err(Event::Dropped(format!(
                "{note}, not the server it talks to: nothing answers there from outside"
            ))),
        }
    }

    /// `7 of 10 sampled ports reachable` when the passive range is partly filtered, by
    /// --sample-ports or by the two passive modes disagreeing.
    fn partly_filtered(&self) -> Option<String> {
        if let Some(sample) = &self.outcome.sample {
            let n = sample.ports.len();
            if sample.reachable > 0 && sample.reachable < n {
                let pct = sample.reachable * 100 / n;
                return Some(format!(
                    "{} of {n} sampled ports reachable ({pct}%), so it works for that share of transfers",
                    sample.reachable
                ));
            }
            return None;
        }
        let peer = self.peer()?;
        let results: Vec<DialResult> = self
            .outcome
            .modes
            .iter()
            .filter(|m| m.mode.is_passive())
            .flat_map(|m| m.dials.iter())
            .filter(|d| d.addr.ip() == peer.ip() && d.outcome != DialResult::SkippedPolicy)
            .map(|d| d.outcome)
            .collect();
        let ok = results
            .iter()
            .filter(|&&r| r == DialResult::Connected)
            .count();
        (ok > 0 && ok < results.len()).then(|| {
            format!(
                "{ok} of {} passive ports the probe dialled answered (--sample-ports N gives the share)",
                results.len()
            )
        })
    }

    fn accept(&self, m: &ModeOutcome, cite: &str) -> Result<(), Event> {
        let Some(accept) = &m.accept else {
            return Err(Event::Unknown(format!(
                "the probe has no record of the {} connect-back",
                request_name(m.mode)
            )));
        };
        match accept.outcome {
            AcceptResult::Accepted => {
                let from = accept
                    .from
                    .filter(|f| Some(f.ip()) != self.peer().map(|p| p.ip()));
                match from {
                    Some(from) => Err(Event::ForeignSource(from)),
                    None => Ok(()),
                }
            }
            AcceptResult::Timeout => Err(Event::AcceptNever(format!(
                "{} is accepted but the server never connects back{cite}",
                request_name(m.mode)
            ))),
            AcceptResult::Failed => Err(Event::Unknown(
                "the probe's own listener failed".to_string(),
            )),
        }
    }

    fn transfer(&self, m: &ModeOutcome, note: Option<String>, cite: &str, client: Client) -> Event {
        let Some(t) = &m.transfer else {
            return Event::Unknown(format!(
                "the probe made no transfer in {}",
                request_name(m.mode)
            ));
        };
        let ctx = note.clone().map(|n| format!("{n}; ")).unwrap_or_default();
        if t.outcome != TransferResult::Ok
            && let Some(why) = self.data_tls_spared(m, client)
        {
            return Event::Works(Some(format!("{ctx}{why}")));
        }
        match t.outcome {
            TransferResult::Ok => Event::Works(note),
            TransferResult::Failed => Event::TransferFailed(format!(
                "{ctx}the transfer fails: {}{cite}",
                describe_error(
                    t.final_reply.as_ref(),
                    t.error.as_deref().unwrap_or("closed")
                )
            )),
            TransferResult::Timeout if self.deadlocked(m.mode) => Event::TlsDeadlock(format!(
                "{ctx}the server waits for the data connection's TLS handshake before its 150{cite}"
            )),
            TransferResult::Timeout => Event::TransferStalled(format!(
                "{ctx}the transfer stalls at {}{cite}",
                t.stalled_at.map_or("the data", Stage::as_str)
            )),
        }
    }
}

impl Facts<'_> {
    /// Why a transfer the probe saw fail in its data TLS does not fail for this client:
    /// a plaintext client has no data TLS at all, and a client that resumes the control
    /// session meets no refusal of an unresumed one (the probe's `--no-tls-reuse` shows
    /// only that the server requires it).
    fn data_tls_spared(&self, m: &ModeOutcome, client: Client) -> Option<String> {
        let t = m.transfer.as_ref()?;
        let tls = t.tls.as_ref()?;
        // (A deadlock before the 150 has its own event, with each client's timing.)
        let tls_failed = self
            .findings
            .iter()
            .any(|f| f.mode == Some(m.mode) && f.id == FindingId::TlsHandshakeFailed);
        if !tls_failed {
            return None;
        }
        match client.path {
            Path::Plain => Some(
                "a plaintext session has no data TLS, so the data TLS failure the probe met                  does not apply"
                    .to_string(),
            ),
            Path::Tls
                if client.resumes
                    && tls.ok
                    && !tls.resumed
                    && self.reuse_required() == Some(true) =>
            {
                Some(
                    "it resumes the control TLS session on data connections, as the server                      requires (the probe did not: --no-tls-reuse)"
                        .to_string(),
                )
            }
            Path::Tls => None,
        }
    }
}

/// The client as a data mode meets it: the conversation it holds, and whether its data
/// connections resume the control TLS session.
#[derive(Debug, Clone, Copy)]
pub(super) struct Client {
    path: Path,
    resumes: bool,
}

impl Client {
    const PLAIN: Client = Client {
        path: Path::Plain,
        resumes: false,
    };
}

fn dial_of(m: &ModeOutcome, whys: &[DialWhy]) -> Option<DialResult> {
    whys.iter()
        .find_map(|why| m.dials.iter().find(|d| d.why == *why))
        .map(|d| d.outcome)
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

fn describe_error(reply: Option<&ReplyRecord>, detail: &str) -> String {
    match reply {
        Some(r) => format!("{r}"),
        None => detail.to_string(),
    }
}
