//! `--proxy`: what the proxy itself did (refused the control connection, blocked the
//! data port, had no BIND), and the findings that assume a direct path, which a proxy
//! makes wrong: the server sees the proxy, never us.

use super::context::new_finding;
use super::words::{dial_line, upper};
use super::{Finding, FindingId};
use crate::probe::record::{ProbeOutcome, ProxyRecord, ProxyVerdict, SkipReason, Stage, StepError};

/// The control connection failed at the proxy (not at the server behind it): the
/// finding that stands for the setup failure, when it was the proxy's.
pub(super) fn refused(outcome: &ProbeOutcome, err: &StepError) -> Option<Finding> {
    let proxy = outcome.control.proxy.as_ref()?;
    let failure = proxy.failure.as_ref()?;
    if err.stage != Stage::Connect || err.cut.is_some() {
        return None;
    }
    if failure.verdict == ProxyVerdict::TargetFailed {
        // The proxy tried and the server did not answer: that is the server's port.
        return None;
    }
    let server = match outcome.control.connects.last() {
        Some(c) => format!("the FTP server {}", c.addr),
        None => "the FTP server".to_string(),
    };
    let summary = match failure.verdict {
        ProxyVerdict::Denied => format!(
            "The proxy {} refused to connect to {server}: its rules do not allow it.",
            proxy.url
        ),
        ProxyVerdict::Login => format!(
            "The proxy {} wants a login, or refused the one given (--proxy-user, \
             --proxy-password-env).",
            proxy.url
        ),
        _ => format!(
            "The proxy {} could not be used to reach {server}: {}.",
            proxy.url,
            broken_clause(&failure.answer)
        ),
    };
    Some(new_finding(
        FindingId::ProxyRefused,
        None,
        summary,
        format!("{}: {}", about(proxy), failure.answer),
    ))
}

/// The broken proxy's failure as a clause: what it did.
fn broken_clause(answer: &str) -> String {
    let lower = answer.to_ascii_lowercase();
    let what = if lower.contains("could not be reached") {
        "it could not be reached"
    } else if lower.contains("closed the connection") {
        "it closed the connection in the middle of the handshake"
    } else if lower.contains("no answer") {
        "it did not answer in time"
    } else if lower.contains("did not resolve") {
        "its name did not resolve"
    } else {
        "it answered something that is not the proxy protocol"
    };
    what.to_string()
}

fn about(proxy: &ProxyRecord) -> String {
    match proxy.addr {
        Some(addr) if !proxy.url.contains(&addr.to_string()) => {
            format!("proxy {} ({addr})", proxy.url)
        }
        _ => format!("proxy {}", proxy.url),
    }
}

/// Through a proxy: the proxy's own findings added, and those that assume a direct
/// path left out or reworded.
pub(super) fn adjust(outcome: &ProbeOutcome, findings: &mut Vec<Finding>) {
    let Some(proxy) = &outcome.control.proxy else {
        return;
    };
    // The server sees the proxy: our own address, and where the server's data
    // connection came from as the proxy reports it, say nothing about a NAT of ours.
    findings.retain(|f| {
        !matches!(
            f.id,
            FindingId::ClientBehindNat | FindingId::ActiveUnexpectedSource
        )
    });
    let control_port = outcome.control.peer.map(|p| p.port());
    for m in &outcome.modes {
        let denied: Vec<_> = m
            .dials
            .iter()
            .chain(m.second_connection.iter().flat_map(|s| s.dials.iter()))
            .filter(|d| {
                d.proxy
                    .as_ref()
                    .is_some_and(|a| a.verdict == ProxyVerdict::Denied)
            })
            .collect();
        let Some(first) = denied.first() else {
            continue;
        };
        findings.retain(|f| {
            f.mode != Some(m.mode)
                || !matches!(
                    f.id,
                    FindingId::DataConnectRefused | FindingId::DataConnectTimeout
                )
        });
        let control = control_port.map_or("the control port".to_string(), |p| format!("port {p}"));
        findings.push(new_finding(
            FindingId::ProxyBlocksDataPort,
            Some(m.mode),
            format!(
                "The proxy {} let the control connection through to {control} but refused the \
                 {} data connection to port {}: it does not allow the server's passive ports.",
                proxy.url,
                upper(m.mode),
                first.addr.port()
            ),
            denied
                .iter()
                .map(|d| dial_line(d))
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    if let Some(skipped) = outcome
        .modes
        .iter()
        .find(|m| m.skip_reason() == Some(SkipReason::ProxyNoBind))
    {
        findings.push(new_finding(
            FindingId::ProxyNoBind,
            None,
            format!(
                "The SOCKS5 proxy {} has no BIND: active mode (EPRT, PORT) cannot work \
                 through it.",
                proxy.url
            ),
            skipped
                .skipped
                .as_ref()
                .map_or(String::new(), |s| s.text.clone()),
        ));
    }
    for f in findings.iter_mut() {
        let note = match f.id {
            FindingId::PortRejected => {
                "; through the proxy, PORT/EPRT named the proxy's BIND address, while the \
                 server sees the proxy's outgoing address"
            }
            FindingId::EgressAddressVaries => {
                "; through the proxy, these are the proxy's outgoing addresses"
            }
            _ => continue,
        };
        f.evidence.push_str(note);
    }
}

#[cfg(test)]
mod tests;
