//! The data connection of one mode and what went over it: passive dials, the active
//! accept, the transfer. Each rule stays quiet when an earlier finding already tells
//! the story (no data connection → no transfer-failed) or when the deadline, not the
//! network, cut the step short.

use std::time::Duration;

use crate::diagnose::context::Cx;
use crate::diagnose::words::{
    dial_line, millis, quote, request_verb, sock_with_class, transfer_verb, upper,
};
use crate::diagnose::{Finding, FindingId};
use crate::probe::record::{
    AcceptResult, Cut, CutBy, DialRecord, DialResult, DialWhy, ModeOutcome, ProbeOutcome, Stage,
    StepError, TransferResult,
};

/// A data connection open under PROT P, no handshake begun on it and no 1yz: the server
/// waits for the client's handshake, which (as RFC 4217 orders it) waits for the 1yz.
fn tls_deadlock(cx: Cx, t: &crate::probe::record::TransferRecord) -> bool {
    let protected = cx
        .outcome
        .control
        .tls_details
        .as_ref()
        .is_some_and(|r| r.data_protected);
    let m = cx.m;
    let open = if m.mode.is_passive() {
        connected(m)
    } else {
        m.accept
            .as_ref()
            .is_some_and(|a| a.outcome == AcceptResult::Accepted)
    };
    protected
        && open
        && t.stalled_at == Some(Stage::TransferStart)
        && t.preliminary_reply.is_none()
        && t.tls.is_none()
        && t.bytes == 0
}

/// The data connection as evidence: the address dialled or the connect-back accepted.
fn data_line(m: &ModeOutcome) -> String {
    let dialled = m
        .dials
        .iter()
        .find(|d| d.outcome == DialResult::Connected)
        .map(|d| format!("data connection to {} open", d.addr));
    let accepted = m
        .accept
        .as_ref()
        .and_then(|a| a.from)
        .map(|from| format!("data connection from {from} accepted"));
    dialled
        .or(accepted)
        .unwrap_or_else(|| "data connection open".to_string())
}

/// How long a dial or a wait for a connection must have gone unanswered before the
/// deadline or the user cut it for the silence itself to be evidence of a drop: one
/// initial retransmission timeout (RFC 6298, 1 s), after which a SYN that a host answers
/// (even with a RST) has had its answer on any path.
const SILENCE_THAT_IS_EVIDENCE: Duration = Duration::from_secs(1);

/// Whether a silent wait tells of a drop. One that its own timeout (--timeout) ended
/// always does: that is how long the user chose to wait. One that was cut does after
/// [`SILENCE_THAT_IS_EVIDENCE`], whoever cut it; under a deadline too short to ever give
/// a wait that long (a Prometheus scrape of 1 s), after half the deadline, so that a
/// dropped port gets the same finding whichever of the two ends the wait.
pub(in crate::diagnose) fn silence_is_evidence(cut: Option<Cut>, deadline: Duration) -> bool {
    cut.is_none_or(|c| c.after >= SILENCE_THAT_IS_EVIDENCE.min(deadline / 2))
}

/// Whether this mode's cut wait was a silence long enough to tell (a dial, or the wait
/// for the server's connection): its finding is then the one the network earned, and
/// no deadline-exceeded is said for it.
pub(in crate::diagnose) fn cut_told(outcome: &ProbeOutcome, m: &ModeOutcome) -> bool {
    match m.interrupted {
        Some(Stage::DataConnect) => told_dials(m, outcome.deadline)
            .last()
            .is_some_and(|d| d.outcome == DialResult::Timeout),
        Some(Stage::Accept) => m.accept.as_ref().is_some_and(|a| {
            a.outcome == AcceptResult::Timeout && silence_is_evidence(a.cut, outcome.deadline)
        }),
        _ => false,
    }
}

/// The dials that tell something: every one tried (not one policy forbade), but a dial
/// cut before its silence could tell (a cut after 50 ms proves nothing).
fn told_dials(m: &ModeOutcome, deadline: Duration) -> Vec<&DialRecord> {
    m.dials
        .iter()
        .filter(|d| d.outcome != DialResult::SkippedPolicy)
        .filter(|d| silence_is_evidence(d.cut, deadline))
        .collect()
}

/// What ended the wait a finding rests on, when something other than the wait's own
/// timeout did: --deadline, or the user's Ctrl-C.
fn cut_note(cut: Option<Cut>) -> &'static str {
    match cut.map(|c| c.by) {
        None => "",
        Some(CutBy::Interrupt) => " (until Ctrl-C cut the wait)",
        Some(CutBy::Deadline) => " (until --deadline cut the wait)",
    }
}

/// Whether any real dial (not one policy forbade) connected.
fn connected(m: &ModeOutcome) -> bool {
    m.dials.iter().any(|d| d.outcome == DialResult::Connected)
}

pub(super) fn data_connect(cx: Cx) -> Option<Finding> {
    let m = cx.m;
    if !m.mode.is_passive() || connected(m) {
        return None;
    }
    // A dial cut before its silence could tell is left out: the deadline finding says
    // where the probe stood.
    let tried = told_dials(m, cx.outcome.deadline);
    let last = tried.last()?;
    let also = match tried.len() {
        1 => String::new(),
        n => format!(" ({} other address tried failed too)", n - 1),
    };
    let (id, what) = match last.outcome {
        DialResult::Timeout => (
            FindingId::DataConnectTimeout,
            format!(
                "Dialling the passive data port {} timed out{}: a firewall drops the \
                 server's passive port range{also}.",
                last.addr,
                cut_note(last.cut)
            ),
        ),
        DialResult::Refused => (
            FindingId::DataConnectRefused,
            format!(
                "The passive data port {} refused the connection: nothing listens there, or a \
                 firewall rejects it{also}.",
                last.addr
            ),
        ),
        DialResult::Unreachable => (
            FindingId::DataConnectRefused,
            format!(
                "The passive data port {} is unreachable: there is no route to {}{also}.",
                last.addr,
                last.addr.ip()
            ),
        ),
        DialResult::Connected | DialResult::SkippedPolicy => return None,
    };
    let dials: Vec<String> = m.dials.iter().map(dial_line).collect();
    Some(cx.finding(
        id,
        what,
        format!("{}; dials: {}", cx.exchange(), dials.join("; ")),
    ))
}

pub(super) fn substitute_works(cx: Cx) -> Option<Finding> {
    let m = cx.m;
    let sub = m
        .dials
        .iter()
        .find(|d| d.why == DialWhy::ControlPeerSubstitute && d.outcome == DialResult::Connected)?;
    let transfer_ok = m
        .transfer
        .as_ref()
        .is_none_or(|t| t.outcome == TransferResult::Ok);
    if !transfer_ok {
        return None;
    }
    let mut evidence: Vec<String> = m
        .dials
        .iter()
        .filter(|d| d.why == DialWhy::Advertised)
        .map(dial_line)
        .collect();
    evidence.push(dial_line(sub));
    if let Some(t) = &m.transfer {
        evidence.push(format!("{} then completed ({} bytes)", t.command, t.bytes));
    }
    Some(cx.finding(
        FindingId::SubstituteAddressWorks,
        format!(
            "The control peer with the advertised port ({}) accepts the data connection: \
             clients that ignore the PASV address (curl, Python ftplib; FileZilla when the \
             server's own address is routable) will work.",
            sub.addr
        ),
        evidence.join("; "),
    ))
}

/// No reply to PORT/EPRT and no connection either: the probe kept the wait as an accept
/// that timed out during the request (pyftpdlib connects back before it answers).
pub(super) fn silent_connect_back(cx: Cx, err: &StepError) -> Finding {
    let m = cx.m;
    let verb = request_verb(m);
    let (listen, waited) = match &m.accept {
        Some(a) => (a.listen.to_string(), millis(&a.elapsed)),
        None => ("our listener".to_string(), "the step timeout".to_string()),
    };
    cx.finding(
        FindingId::ActiveConnectTimeout,
        format!(
            "The server never answered {verb} and never connected back to {listen}: a \
             server that connects back while answering (pyftpdlib) waits here for a \
             connection that a firewall drops."
        ),
        format!(
            "{}; listened on {listen} for {waited} and no connection came ({})",
            cx.exchange(),
            err.detail
        ),
    )
}

/// A 425 (or pyftpdlib's 421 "Active data channel timed out.") to PORT/EPRT itself.
pub(super) fn connect_back_failed(cx: Cx) -> Finding {
    let verb = request_verb(cx.m);
    let code = cx.m.reply.as_ref().map(|r| r.code).unwrap_or_default();
    cx.finding(
        FindingId::ActiveConnectTimeout,
        format!(
            "The server tried to connect back during {verb} and could not: it answered {code}."
        ),
        format!(
            "{}; a server that connects back while answering PORT/EPRT (pyftpdlib) reports \
             a connect that was dropped (421) or refused (425) this way",
            cx.exchange()
        ),
    )
}

pub(super) fn accept(cx: Cx) -> Option<Finding> {
    let m = cx.m;
    let a = m.accept.as_ref()?;
    let mode = upper(m.mode);
    match a.outcome {
        // The record starts as Timeout before the wait, and a control error cuts the
        // wait short: only an error-free wait, silent long enough, really timed out.
        AcceptResult::Timeout
            if silence_is_evidence(a.cut, cx.outcome.deadline) && m.error.is_none() =>
        {
            let final_reply = m.transfer.as_ref().and_then(|t| t.final_reply.as_ref());
            let mut evidence = format!(
                "{}; listened on {} for {} and no connection came",
                cx.exchange(),
                a.listen,
                millis(&a.elapsed)
            );
            if let Some(r) = final_reply {
                evidence.push_str(&format!("; {} was answered {}", transfer_verb(m), quote(r)));
            }
            let instead = final_reply
                .map(|r| format!(" (it answered {} instead)", r.code))
                .unwrap_or_default();
            let summary = format!(
                "The server accepted {} but never connected back to {}{instead}{}.",
                request_verb(m),
                a.listen,
                cut_note(a.cut)
            );
            Some(cx.finding(FindingId::ActiveConnectTimeout, summary, evidence))
        }
        AcceptResult::Timeout => None,
        AcceptResult::Failed => Some(cx.finding(
            FindingId::ControlFailed,
            format!(
                "{mode}: ftpdoctor's own listener failed while waiting for the server's data \
                 connection (a local problem, not the server's)."
            ),
            format!("listened on {} for {}", a.listen, millis(&a.elapsed)),
        )),
        AcceptResult::Accepted => {
            let from = a.from?;
            let peer = cx.peer()?;
            (from.ip() != peer.ip()).then(|| {
                let summary = format!(
                    "The active data connection came from {}, not from the control peer {}.",
                    from.ip(),
                    peer.ip()
                );
                let evidence = format!(
                    "data connection from {} to {}; control peer {}",
                    sock_with_class(from),
                    a.listen,
                    sock_with_class(peer)
                );
                cx.finding(FindingId::ActiveUnexpectedSource, summary, evidence)
            })
        }
    }
}

/// The probe stopped reading at its cap: say how much it read and whether the server
/// answered the hang-up (426, or 226 if it had finished) — an ok that hides a missing
/// final reply would hide a server that never ends its transfers.
fn capped(cx: Cx, t: &crate::probe::record::TransferRecord, verb: &str) -> Finding {
    let after = match &t.final_reply {
        Some(r) => format!("the server answered the hang-up with {}", quote(r)),
        None => format!(
            "no final reply came within {} of hanging up (the session was not reused)",
            millis(&crate::probe::record::CAPPED_REPLY_WAIT)
        ),
    };
    cx.finding(
        FindingId::TransferCapped,
        format!(
            "The probe stopped reading the {verb} over {} at its cap, after {} bytes; {after}.",
            upper(cx.m.mode),
            t.bytes
        ),
        format!(
            "\"{}\"; {} bytes read in {}, then we closed the data connection; final reply: {}",
            t.command,
            t.bytes,
            millis(&t.elapsed),
            t.final_reply.as_ref().map_or("none".to_string(), quote)
        ),
    )
}

pub(super) fn transfer(cx: Cx) -> Option<Finding> {
    let m = cx.m;
    let t = m.transfer.as_ref()?;
    // A control error ended the mode; the record (it starts as a timeout at
    // transfer-start) says nothing the error finding does not.
    if m.error.is_some() {
        return None;
    }
    let verb = transfer_verb(m);
    let mut evidence = vec![format!("\"{}\"", t.command)];
    if let Some(r) = &t.preliminary_reply {
        evidence.push(format!("preliminary {}", quote(r)));
    }
    evidence.push(format!("{} bytes in {}", t.bytes, millis(&t.elapsed)));
    if let Some(r) = &t.final_reply {
        evidence.push(format!("final {}", quote(r)));
    }
    if let Some(e) = &t.error {
        evidence.push(e.clone());
    }
    match t.outcome {
        TransferResult::Ok if t.truncated => Some(capped(cx, t, &verb)),
        TransferResult::Ok => None,
        TransferResult::Failed => {
            // No data connection: the connect finding already tells this story, and the
            // 425 that follows is its echo.
            let accept_failed = m
                .accept
                .as_ref()
                .is_some_and(|a| a.outcome != AcceptResult::Accepted);
            if accept_failed || (m.mode.is_passive() && !connected(m)) {
                return None;
            }
            if let Some(f) = crate::diagnose::tls::data_failure(cx, t) {
                return Some(f);
            }
            if let Some(f) = crate::diagnose::source::data_source_rejected(cx.outcome, m) {
                return Some(f);
            }
            let why = match (&t.final_reply, &t.error) {
                (Some(r), _) => format!("the server answered {}", quote(r)),
                (None, Some(e)) => format!("{e}."),
                (None, None) => "no reason given.".to_string(),
            };
            Some(cx.finding(
                FindingId::TransferFailed,
                format!("The {verb} over {} did not complete: {why}", upper(m.mode)),
                evidence.join("; "),
            ))
        }
        // A timeout the deadline or the user caused is the deadline finding's to report.
        TransferResult::Timeout if t.cut.is_some() || m.interrupted.is_some() => None,
        TransferResult::Timeout if tls_deadlock(cx, t) => {
            evidence.insert(1, data_line(m));
            evidence
                .push("PROT P in force, no TLS handshake started on the data connection".into());
            Some(cx.finding(
                FindingId::DataTlsDeadlock,
                format!(
                    "The data connection over {} was open under PROT P, but the server never \
                     answered {verb} with 150/125: it waits for the data connection's TLS \
                     handshake while the client waits for the 150, so both wait. Clients that \
                     handshake at once work (FileZilla, curl in passive mode); those that wait \
                     for the 150, as Python's FTP_TLS, hang.",
                    upper(m.mode)
                ),
                evidence.join("; "),
            ))
        }
        TransferResult::Timeout => {
            if let Some(f) = crate::diagnose::source::data_source_rejected(cx.outcome, m) {
                return Some(f);
            }
            evidence.insert(
                0,
                format!(
                    "stalled at {}",
                    t.stalled_at.map_or("an unknown stage", Stage::as_str)
                ),
            );
            let summary = match t.stalled_at {
                Some(Stage::TransferStart) => format!(
                    "The server never answered {verb} with 150/125 (no 1yz) although the data \
                     connection was open."
                ),
                Some(Stage::TransferData) => format!(
                    "The data of {verb} stopped after {} bytes: the data connection went silent.",
                    t.bytes
                ),
                Some(Stage::TransferEnd) => format!(
                    "All {} bytes of {verb} arrived but the server never sent the 226 that ends \
                     the transfer.",
                    t.bytes
                ),
                _ => format!("The {verb} over {} timed out.", upper(m.mode)),
            };
            let f = cx.finding(FindingId::TransferTimeout, summary, evidence.join("; "));
            Some(match t.stalled_at {
                Some(stage) => crate::diagnose::fixes::for_what_was_seen(f, stage.as_str()),
                None => f,
            })
        }
    }
}
