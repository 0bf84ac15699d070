//! Who really made the data connection: a NAT pool that gives this client's connections
//! several source addresses (egress-address-varies), a server that rejects a data
//! connection for where it came from (data-source-rejected), and a load balancer that
//! sends control and data connections to different servers (lb-no-affinity).
//!
//! The evidence is every place a server names our address (STAT on each session, a
//! PORT/EPRT refusal, a 425 naming a foreign address), the known rejection texts below,
//! and how the sessions' greetings and passive dials compare.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::context::new_finding;
use super::words::{quote, upper};
use super::{Finding, FindingId, Severity};
use crate::probe::record::{
    DialResult, ModeOutcome, ProbeOutcome, ReplyRecord, Stage, TransferResult,
};
use crate::proto::stat::{first_address, refusal_names_client};

/// A reply a server gives a data connection that came from another address than the
/// control connection, with where the text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KnownRejection {
    /// The server that sends it.
    pub server: &'static str,
    /// Its reply code.
    pub code: u16,
    /// Words the reply text contains (compared without regard to case).
    pub text: &'static str,
    /// The setting that makes the server check, and where the text was seen.
    pub source: &'static str,
}

/// Every known rejection of a data connection for its source address. Each was measured
/// against the real server behind a NAT router whose pool gives a client's connections
/// two source addresses in turn (the netns-pool stage). Pure-FTPd sends no reply at all:
/// it accepts the TCP connection and never answers the LIST (see [`silent_rejection`]).
pub(super) const KNOWN_REJECTIONS: &[KnownRejection] = &[
    KnownRejection {
        server: "vsftpd",
        code: 425,
        text: "Security: Bad IP connecting",
        source: "vsftpd 3.0.3 (pasv_promiscuous=NO, the default), measured",
    },
    KnownRejection {
        server: "pyftpdlib",
        code: 425,
        text: "Rejected data connection from foreign address",
        source: "pyftpdlib 2.2.0 (permit_foreign_addresses=False, the default), measured",
    },
    KnownRejection {
        server: "ProFTPD",
        code: 425,
        text: "Unable to build data connection: Permission denied",
        source: "ProFTPD 1.3.8 (AllowForeignAddress off, the default), measured",
    },
];

/// The known rejection this reply is, if it is one.
pub(super) fn known_rejection(reply: &ReplyRecord) -> Option<&'static KnownRejection> {
    let text = reply.text.to_ascii_lowercase();
    KNOWN_REJECTIONS
        .iter()
        .find(|k| k.code == reply.code && text.contains(&k.text.to_ascii_lowercase()))
}

/// One place a server named the address it sees us at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sighting {
    ip: IpAddr,
    /// Where: `STAT on the epsv session`, `PORT refusal`, `425 to LIST over EPSV`.
    place: String,
}

/// Every address the server named for this client, in the order the report lists them.
fn sightings(outcome: &ProbeOutcome) -> Vec<Sighting> {
    let mut out = Vec::new();
    let stat = |view: Option<&crate::probe::record::ServerView>| view.and_then(|v| v.client);
    if let Some(ip) = stat(outcome.control.server_view.as_ref()) {
        out.push(Sighting {
            ip,
            place: "STAT on the first session".into(),
        });
    }
    for m in outcome.modes.iter().filter(|m| m.skipped.is_none()) {
        let view = m.session.as_ref().and_then(|s| s.server_view.as_ref());
        if let Some(ip) = stat(view) {
            out.push(Sighting {
                ip,
                place: format!("STAT on the {} session", m.mode.as_str()),
            });
        }
        if let Some(ip) = active_refusal_names(m) {
            out.push(Sighting {
                ip,
                place: format!("{} refusal", upper(m.mode)),
            });
        }
        for ip in attempts(m).filter_map(|a| rejection(a).and_then(|(r, _)| first_address(&r.text)))
        {
            out.push(Sighting {
                ip,
                place: format!("425 to the transfer over {}", upper(m.mode)),
            });
        }
    }
    out
}

/// The address a PORT/EPRT refusal says the server accepts (Pure-FTPd's `only to X`).
fn active_refusal_names(m: &ModeOutcome) -> Option<IpAddr> {
    if m.mode.is_passive() {
        return None;
    }
    let reply = m.reply.as_ref().filter(|r| (400..600).contains(&r.code))?;
    let sent = m.sent?.ip();
    refusal_names_client(&reply.text, sent)
}

/// A mode's own attempt and its second data connection, if it made one.
fn attempts(m: &ModeOutcome) -> impl Iterator<Item = &ModeOutcome> {
    std::iter::once(m).chain(m.second_connection.as_deref())
}

/// The mode's transfer reply, when it is a known rejection of the data connection's source.
fn rejection(m: &ModeOutcome) -> Option<(&ReplyRecord, &'static KnownRejection)> {
    let t = m.transfer.as_ref()?;
    if t.outcome != TransferResult::Failed {
        return None;
    }
    let reply = t.final_reply.as_ref()?;
    known_rejection(reply).map(|k| (reply, k))
}

/// Distinct addresses among the sightings.
fn distinct(sightings: &[Sighting]) -> BTreeSet<IpAddr> {
    sightings.iter().map(|s| s.ip).collect()
}

/// Pure-FTPd's way: the data connection was made, the server never answered the LIST
/// with 150, and the server has seen this client from more than one address.
fn silent_rejection(outcome: &ProbeOutcome, m: &ModeOutcome) -> bool {
    let Some(t) = m.transfer.as_ref() else {
        return false;
    };
    m.mode.is_passive()
        && m.interrupted.is_none()
        && t.outcome == TransferResult::Timeout
        && t.stalled_at == Some(Stage::TransferStart)
        && m.dials.iter().any(|d| d.outcome == DialResult::Connected)
        && distinct(&sightings(outcome)).len() > 1
}

/// data-source-rejected for this mode, in place of transfer-failed / transfer-timeout.
pub(super) fn data_source_rejected(outcome: &ProbeOutcome, m: &ModeOutcome) -> Option<Finding> {
    let verb = super::words::transfer_verb(m);
    if let Some((reply, known)) = rejection(m) {
        let from = first_address(&reply.text)
            .map(|ip| format!(" (it names {ip})"))
            .unwrap_or_default();
        return Some(new_finding(
            FindingId::DataSourceRejected,
            Some(m.mode),
            format!(
                "The data connection over {} was made, but the server rejected it because it \
                 came from another address than the control connection{from}: {}.",
                upper(m.mode),
                quote(reply)
            ),
            format!(
                "{verb} answered {}; this is {}'s rejection of a foreign data connection ({})",
                quote(reply),
                known.server,
                known.source
            ),
        ));
    }
    if !silent_rejection(outcome, m) {
        return None;
    }
    let seen = sightings(outcome);
    Some(new_finding(
        FindingId::DataSourceRejected,
        Some(m.mode),
        format!(
            "The data connection over {} was made, but the server never answered {verb}: the \
             server sees this client from more than one address, and Pure-FTPd ignores a data \
             connection from another address than the control connection.",
            upper(m.mode)
        ),
        format!("no 150/125 to {verb}; {}", sightings_line(&seen)),
    ))
}

fn sightings_line(seen: &[Sighting]) -> String {
    seen.iter()
        .map(|s| format!("{}: {}", s.place, s.ip))
        .collect::<Vec<_>>()
        .join("; ")
}

/// egress-address-varies: the server saw this client from more than one address, or
/// rejected a data connection for coming from another one. An error when a transfer
/// failed because of it.
pub(super) fn egress_address_varies(outcome: &ProbeOutcome) -> Option<Finding> {
    let seen = sightings(outcome);
    let addrs = distinct(&seen);
    let rejected: Vec<&ModeOutcome> = outcome
        .modes
        .iter()
        .filter(|m| attempts(m).any(|a| rejection(a).is_some() || silent_rejection(outcome, a)))
        .collect();
    if addrs.len() < 2 && rejected.is_empty() {
        return None;
    }
    let list = addrs
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let summary = if addrs.len() > 1 {
        format!(
            "The server saw this client from more than one address ({list}): its connections \
             leave through a NAT pool or a gateway with several public IPs."
        )
    } else {
        "The server saw a data connection come from another address than its control \
         connection: this client's connections leave through a NAT pool or a gateway with \
         several public IPs."
            .to_string()
    };
    let mut evidence = vec![sightings_line(&seen)];
    for m in &rejected {
        evidence.push(format!("{} rejected for its source", upper(m.mode)));
    }
    evidence.retain(|e| !e.is_empty());
    let mut f = new_finding(
        FindingId::EgressAddressVaries,
        None,
        summary,
        evidence.join("; "),
    );
    if !rejected.is_empty() {
        f.severity = Severity::Error;
    }
    Some(f)
}

/// lb-no-affinity: some passive dials were refused while others connected and
/// transferred, and the sessions show different servers behind the one address (their
/// greetings or STAT texts differ), or the same port was both refused and connected. A
/// range a firewall opened only in part refuses the same ports every time, from one server.
pub(super) fn lb_no_affinity(outcome: &ProbeOutcome) -> Option<Finding> {
    let passive: Vec<&ModeOutcome> = outcome
        .modes
        .iter()
        .filter(|m| m.mode.is_passive() && m.skipped.is_none())
        .flat_map(attempts)
        .collect();
    let refused: Vec<&ModeOutcome> = passive.iter().copied().filter(|m| was_refused(m)).collect();
    let worked: Vec<&ModeOutcome> = passive.iter().copied().filter(|m| transferred(m)).collect();
    if refused.is_empty() || worked.is_empty() {
        return None;
    }
    let greetings = greetings(outcome);
    let same_port = refused.iter().any(|r| {
        r.dials.iter().any(|d| {
            worked
                .iter()
                .any(|w| w.dials.iter().any(|x| x.addr.port() == d.addr.port()))
        })
    });
    // In one session, a data connection worked and the next was refused, in two modes:
    // connections handed to servers in turn. A range open only in part refuses a block
    // of ports, so at most one mode meets the edge of the block.
    let alternating = outcome
        .modes
        .iter()
        .filter(|m| {
            m.mode.is_passive()
                && transferred(m)
                && m.second_connection.as_deref().is_some_and(was_refused)
        })
        .count()
        >= 2;
    if greetings.len() < 2 && !same_port && !alternating {
        return None;
    }
    Some(lb_finding(
        &refused,
        &worked,
        &greetings,
        same_port,
        alternating,
    ))
}

fn was_refused(m: &ModeOutcome) -> bool {
    m.dials.iter().any(|d| d.outcome == DialResult::Refused)
        && !m.dials.iter().any(|d| d.outcome == DialResult::Connected)
}

fn transferred(m: &ModeOutcome) -> bool {
    m.transfer
        .as_ref()
        .is_some_and(|t| t.outcome == TransferResult::Ok)
}

fn lb_finding(
    refused: &[&ModeOutcome],
    worked: &[&ModeOutcome],
    greetings: &BTreeSet<&str>,
    same_port: bool,
    alternating: bool,
) -> Finding {
    let ports = |ms: &[&ModeOutcome]| {
        ms.iter()
            .flat_map(|m| {
                m.dials
                    .iter()
                    .map(move |d| format!("{} port {}", upper(m.mode), d.addr.port()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut evidence = vec![format!(
        "data connections refused: {}; worked: {}",
        ports(refused),
        ports(worked)
    )];
    if greetings.len() > 1 {
        let quoted: Vec<String> = greetings
            .iter()
            .map(|g| format!("\"{}\"", g.replace('\n', " | ")))
            .collect();
        evidence.push(format!(
            "the sessions were greeted as {}",
            quoted.join(" and ")
        ));
    }
    if same_port {
        evidence.push("the same passive port was refused once and worked once".into());
    }
    if alternating {
        evidence.push(
            "in the same session a data connection worked and the next one was refused, in \
             both passive modes"
                .into(),
        );
    }
    new_finding(
        FindingId::LbNoAffinity,
        None,
        "Control and data connections land on different servers behind one address: a load \
         balancer or NodePort spreads them with no source affinity, so a data connection \
         reaches a server that never opened that passive port."
            .to_string(),
        evidence.join("; "),
    )
}

/// The distinct greetings of every session (the first and each mode's own).
fn greetings(outcome: &ProbeOutcome) -> BTreeSet<&str> {
    outcome
        .control
        .banner
        .as_deref()
        .into_iter()
        .chain(
            outcome
                .modes
                .iter()
                .filter_map(|m| m.session.as_ref().and_then(|s| s.banner.as_deref())),
        )
        .collect()
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
