//! Findings about one data-connection mode, in the order its steps ran: the request and
//! its reply, the advertised address, the data connection (dialled or accepted), the
//! transfer, and last the deadline if it cut the mode short.

mod data;

pub(super) use data::cut_told;

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::context::Cx;
use super::words::{
    capitalise, dial_line, failure_clause, failure_evidence, ip_with_class, quote, request_verb,
    sock_with_class, transfer_verb, upper,
};
use super::{Finding, FindingId};
use crate::addr::{AddrClass, classify};
use crate::probe::record::{
    DialResult, ErrorKind, Mode, ModeOutcome, ProbeOutcome, ReplyRecord, Stage, StepError,
};

pub(super) fn findings(outcome: &ProbeOutcome, m: &ModeOutcome) -> Vec<Finding> {
    if m.skipped.is_some() {
        return Vec::new();
    }
    let cx = Cx { outcome, m };
    let mut out = Vec::new();
    match &m.error {
        // A wait that was cut: the deadline finding below says where.
        Some(err) if err.cut.is_some() => {}
        Some(err) => out.push(step_error(cx, err)),
        None => out.extend(m.reply.as_ref().and_then(|r| request_refused(cx, r))),
    }
    out.extend(advertised(cx));
    out.extend(data::data_connect(cx));
    out.extend(data::substitute_works(cx));
    out.extend(data::accept(cx));
    out.extend(data::transfer(cx));
    out.extend(super::nat::middlebox(outcome, m));
    if let (Some(stage), Some(cut)) = (m.interrupted, m.cut)
        && !data::cut_told(outcome, m)
    {
        out.push(deadline(cx, stage, cut.by));
    }
    out
}

/// Findings of a passive mode's second data connection that its first did not have: a
/// single-session client's next transfer meets them, so they count for the mode.
pub(super) fn second_connection(outcome: &ProbeOutcome, m: &ModeOutcome) -> Vec<Finding> {
    // (After a refused first one the second is a retry: only its success tells.)
    let worked = m
        .transfer
        .as_ref()
        .is_some_and(|t| t.outcome == crate::probe::record::TransferResult::Ok);
    let Some(second) = m.second_connection.as_deref().filter(|_| worked) else {
        return Vec::new();
    };
    let first: BTreeSet<FindingId> = findings(outcome, m).iter().map(|f| f.id).collect();
    findings(outcome, second)
        .into_iter()
        .filter(|f| !first.contains(&f.id))
        .map(|mut f| {
            let mut rest = f.summary.chars();
            let first_char = rest.next().map(|c| c.to_lowercase().collect::<String>());
            f.summary = format!(
                "The second data connection in the same session failed where the first worked, \
                 so the first was luck: {}{}",
                first_char.unwrap_or_default(),
                rest.as_str()
            );
            f.evidence = format!("second data connection: {}", f.evidence);
            f
        })
        .collect()
}

fn step_error(cx: Cx, err: &StepError) -> Finding {
    let m = cx.m;
    let reply = err.reply.as_ref().or(m.reply.as_ref());
    match (err.stage, err.kind, reply) {
        // With no reply to quote, the reply could not even be framed: that is the
        // control channel failing, not a 227/229 the parser disliked.
        (Stage::Request, ErrorKind::BadReply, Some(reply)) => unparseable(cx, err, reply),
        (Stage::Request, ErrorKind::Timeout, None) if m.accept.is_some() => {
            data::silent_connect_back(cx, err)
        }
        (Stage::Accept, ErrorKind::Io, _) => cx.finding(
            FindingId::ControlFailed,
            format!(
                "{}: ftpdoctor could not listen for the server's data connection (a local \
                 problem, not the server's).",
                upper(m.mode)
            ),
            err.detail.clone(),
        ),
        _ => {
            let mut evidence = failure_evidence(err);
            if m.request.is_some() {
                evidence.push_str(&format!("; {}", cx.exchange()));
            }
            // After the request the clause names the verb; later (or earlier, on the
            // mode's own session) it does not, so the mode leads the sentence.
            let clause = failure_clause(err, Some(m));
            let summary = match err.stage {
                Stage::Request => format!("{}.", capitalise(&clause)),
                _ => format!("{}: {clause}.", upper(m.mode)),
            };
            cx.finding(FindingId::ControlFailed, summary, evidence)
        }
    }
}

fn unparseable(cx: Cx, err: &StepError, reply: &ReplyRecord) -> Finding {
    let verb = request_verb(cx.m);
    let expected = if cx.m.mode == Mode::Epsv { 229 } else { 227 };
    let summary = if reply.code == expected {
        format!("The {expected} reply to {verb} cannot be parsed.")
    } else {
        format!(
            "The reply to {verb} ({}, where {expected} was expected) cannot be parsed.",
            reply.code
        )
    };
    let f = cx.finding(
        FindingId::PasvUnparseable,
        summary,
        format!(
            "{verb} was answered {}; parser: {}",
            quote(reply),
            err.detail
        ),
    );
    // The fix speaks of the reply that was sent: a broken 229 is not cured by "use EPSV".
    super::fixes::for_what_was_seen(f, super::fixes::unparseable_key(cx.m.mode, reply.code))
}

/// A 4yz/5yz (or a senseless 1yz/3yz) to the mode's request.
fn request_refused(cx: Cx, reply: &ReplyRecord) -> Option<Finding> {
    let verb = request_verb(cx.m);
    let code = reply.code;
    if (200..300).contains(&code) {
        return None;
    }
    let rejected = (400..600).contains(&code);
    Some(match cx.m.mode {
        Mode::Epsv if rejected => cx.finding(
            FindingId::EpsvUnsupported,
            format!("The server does not support EPSV: it answered {code}."),
            cx.exchange(),
        ),
        Mode::Pasv if rejected => cx.finding(
            FindingId::PasvRejected,
            format!("The server rejected PASV with {code}."),
            cx.exchange(),
        ),
        // Not a refusal of the address: a server that connects back while answering
        // (pyftpdlib) reports its failed connect as 425, or 421 when it timed out.
        Mode::Eprt | Mode::Port if matches!(code, 421 | 425) => data::connect_back_failed(cx),
        Mode::Eprt | Mode::Port if not_implemented(reply) => cx.finding(
            FindingId::ActiveUnsupported,
            format!(
                "The server has no active mode: it answered {verb} with {code} (not \
                 implemented), whatever the address."
            ),
            cx.exchange(),
        ),
        Mode::Eprt | Mode::Port if rejected => port_rejected(cx, code),
        _ => cx.finding(
            FindingId::ControlFailed,
            format!("The server answered {verb} with {code}, which no data transfer can follow."),
            cx.exchange(),
        ),
    })
}

/// The reply by which the server said that it does not offer this mode at all (502/504
/// or "not implemented", see [`not_implemented`]), when no data connection was made. A
/// mode so answered, with no error finding about it, has the status `refused`: it did
/// not work, and nothing is broken on the path either.
pub fn refusal(m: &ModeOutcome) -> Option<&ReplyRecord> {
    let connected = m.dials.iter().any(|d| d.outcome == DialResult::Connected)
        || m.accept.is_some()
        || m.transfer.is_some();
    if m.skipped.is_some() || m.error.is_some() || connected {
        return None;
    }
    m.reply.as_ref().filter(|r| not_implemented(r))
}

/// A verb the server does not implement, as opposed to an address it refuses: 502 (RFC
/// 959 "command not implemented"), 504 ("not implemented for that parameter"), or words
/// to that effect with a 500 (`500 'EPRT': command not understood`). A reply that names
/// an address is about the address, whatever its code.
fn not_implemented(reply: &ReplyRecord) -> bool {
    let text = reply.text.to_ascii_lowercase();
    let names_address = text.split_whitespace().any(|w| {
        w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != ':' && c != '.')
            .trim_end_matches('.')
            .parse::<IpAddr>()
            .is_ok()
    });
    let words = [
        "not implemented",
        "not understood",
        "unknown command",
        "not supported",
    ];
    !names_address
        && (matches!(reply.code, 502 | 504)
            || (reply.code == 500 && words.iter().any(|w| text.contains(w))))
}

fn port_rejected(cx: Cx, code: u16) -> Finding {
    let verb = request_verb(cx.m);
    let control = &cx.outcome.control;
    let mut evidence = cx.exchange();
    let sent = cx.m.sent.map(|a| a.ip());
    if let Some(ip) = sent {
        evidence.push_str(&format!("; address sent {}", ip_with_class(ip)));
    }
    if let (Some(local), Some(peer)) = (control.local, control.peer) {
        evidence.push_str(&format!(
            "; control connection from {} to {}",
            sock_with_class(local),
            sock_with_class(peer)
        ));
    }
    // Say why the server may see a different address: that is what makes it refuse.
    let seen = sent.zip(cx.m.reply.as_ref()).and_then(|(ip, reply)| {
        crate::proto::stat::refusal_names_client(&reply.text, ip).map(|seen| (ip, seen))
    });
    let names_seen;
    let why = match (sent, control.local, control.peer) {
        _ if let Some((ip, seen)) = seen => {
            names_seen = format!(" — the server sees this client as {seen}, not as {ip}");
            names_seen.as_str()
        }
        (Some(ip), Some(local), _) if ip != local.ip() => {
            " — the address sent is not this machine's end of the control connection"
        }
        (_, Some(local), Some(peer))
            if classify(local.ip()).is_local_scope()
                && super::nat::public_like(peer.ip().to_canonical()) =>
        {
            " — behind NAT the server sees a different address than the one sent"
        }
        _ => "",
    };
    cx.finding(
        FindingId::PortRejected,
        format!("The server rejected {verb} with {code}{why}."),
        evidence,
    )
}

/// The 227's address against the control peer (PASV only: 229 carries no address).
fn advertised(cx: Cx) -> Option<Finding> {
    let adv = cx.m.advertised?;
    // An IPv4-mapped control peer (::ffff:a.b.c.d) is the IPv4 server itself.
    let peer = cx.peer()?.ip().to_canonical();
    if adv.ip == peer {
        return None;
    }
    let peer_class = classify(peer);
    // Local-scope classes (the NAT mistake, unspecified included) and the ones that can
    // never name a server. Documentation and benchmarking are unroutable too, but they
    // are a configuration copied from an example, so they count as a mismatch.
    let cannot_serve = adv.class.is_local_scope()
        || matches!(
            adv.class,
            AddrClass::Multicast | AddrClass::Broadcast | AddrClass::Reserved
        );
    let mut evidence = format!(
        "{}; advertised {} port {}; control peer {}",
        cx.exchange(),
        ip_with_class(adv.ip),
        adv.port,
        ip_with_class(peer)
    );
    // A name's other addresses: the 227 may name another of the server's own addresses
    // (a multi-homed host), or one that DNS does not know at all (a NAT's inside).
    let target = &cx.outcome.target;
    if target.dns.is_some() && !target.resolved.is_empty() {
        let known = target.resolved.iter().any(|ip| ip.to_canonical() == adv.ip);
        let list: Vec<String> = target.resolved.iter().map(ToString::to_string).collect();
        evidence.push_str(&format!(
            "; {} {} among the addresses {} resolves to ({})",
            adv.ip,
            if known { "is" } else { "is not" },
            target.host,
            list.join(", ")
        ));
    }
    if let Some(d) =
        cx.m.dials
            .iter()
            .find(|d| d.outcome == DialResult::SkippedPolicy)
    {
        evidence.push_str(&format!("; {}", dial_line(d)));
    }
    Some(if adv.class != peer_class && cannot_serve {
        cx.finding(
            FindingId::PasvPrivateAddress,
            format!(
                "PASV advertises {}, {}, instead of the server's address {peer}.",
                adv.ip,
                unusable_because(adv.class)
            ),
            evidence,
        )
    } else {
        cx.finding(
            FindingId::PasvAddressMismatch,
            format!(
                "PASV advertises {} ({}), not the address the client is connected to ({peer}).",
                adv.ip, adv.class
            ),
            evidence,
        )
    })
}

fn unusable_because(class: AddrClass) -> String {
    match class {
        AddrClass::Loopback => "a loopback address (a client would connect to itself)".to_string(),
        AddrClass::LinkLocal => {
            "a link-local address, valid only on the server's own link".to_string()
        }
        AddrClass::Unspecified => "the unspecified address, which names no host".to_string(),
        AddrClass::Multicast | AddrClass::Broadcast => {
            format!("a {class} address, which TCP cannot connect to")
        }
        AddrClass::Reserved => "a reserved address, not in use on the Internet".to_string(),
        other => {
            format!("a {other} address that clients outside the server's network cannot reach")
        }
    }
}

fn deadline(cx: Cx, stage: Stage, by: crate::probe::record::CutBy) -> Finding {
    let m = cx.m;
    let mode = upper(m.mode);
    let doing = match stage {
        // A mode interrupted before its request went out (the runner skips modes the
        // deadline reached before they began; this covers one caught mid-start).
        Stage::Request if m.request.is_none() => None,
        Stage::Login => Some("opening its own control session".to_string()),
        Stage::Request => Some(format!("waiting for the reply to {}", request_verb(m))),
        Stage::DataConnect => Some("dialling the data port".to_string()),
        Stage::Accept => Some("waiting for the server to connect back".to_string()),
        Stage::TransferStart => Some(format!("waiting for the 150/125 to {}", transfer_verb(m))),
        Stage::TransferData => Some("receiving the data".to_string()),
        Stage::TransferEnd => Some("waiting for the 226 after the data".to_string()),
        other => Some(format!("at the {other} step")),
    };
    let deadline = cx.outcome.deadline;
    let cut_by = by;
    let by = super::words::cut_short_by(cut_by, deadline);
    let summary = match doing {
        Some(doing) => format!("{by} while {mode} was {doing}."),
        None => format!("{by} before {mode} was tried."),
    };
    let mut evidence = vec![format!(
        "{} at stage {stage}",
        super::words::cut_short_evidence(cut_by, deadline)
    )];
    if m.request.is_some() {
        evidence.push(cx.exchange());
    }
    evidence.extend(m.dials.iter().map(dial_line));
    if let Some(a) = &m.accept {
        evidence.push(format!("listening on {}", a.listen));
    }
    if let Some(t) = &m.transfer {
        evidence.push(format!("\"{}\": {} bytes so far", t.command, t.bytes));
    }
    super::control::cut_finding(cut_by, Some(m.mode), summary, evidence.join("; "))
}
