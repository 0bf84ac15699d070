//! What a client meets in one data mode ([`Facts::event`]): the request, the dial by its
//! PASV-address policy, the accept, the data connection's TLS and the transfer, read from
//! the probe's records of that mode and the findings about it.

use std::net::IpAddr;

use super::facts::{Event, Facts, Path, describe_error, request_name};
use super::profile::PasvAddress;
use crate::addr::{AddrClass, classify};
use crate::diagnose::FindingId;
use crate::probe::record::{
    AcceptResult, DialResult, DialWhy, ErrorKind, Mode, ModeOutcome, SkipReason, Stage,
    TransferResult,
};

impl<'a> Facts<'a> {
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
            // Through --proxy, a client using the same proxy cannot get the connection back.
            let key = match m.skip_reason() {
                Some(SkipReason::ProxyNoInbound) => Some("proxy-no-inbound"),
                Some(SkipReason::ProxyNoBind) => Some("proxy-no-bind"),
                _ => None,
            };
            if let Some(key) = key {
                let what = request_name(mode);
                return Event::Refused(format!("{what}'s connection cannot come back ({key})"));
            }
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
