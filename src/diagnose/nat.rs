//! Whether a NAT sits in front of the client or the server, from every piece of evidence
//! the probe collects: what STAT says the server sees, the address a PORT/EPRT refusal
//! names, the classes of our two control addresses, and the address a greeting names.
//! And a middlebox's FTP helper (ALG) that rewrites the plaintext 227 or PORT, seen by
//! comparing the plaintext check with the same request inside TLS.

use std::net::IpAddr;

use super::context::new_finding;
use super::words::{ip_with_class, quote, sock_with_class};
use super::{Finding, FindingId};
use crate::addr::{AddrClass, classify};
use crate::probe::record::{ControlOutcome, Mode, ModeOutcome, ProbeOutcome, ReplyRecord};
use crate::proto::stat::{greeting_names_server, refusal_names_client};

/// client-behind-nat, from the strongest evidence there is: what the server says it
/// sees (STAT, then a PORT/EPRT refusal), else the classes of the two ends.
pub(super) fn client_behind_nat(outcome: &ProbeOutcome) -> Option<Finding> {
    nat_from_stat(&outcome.control)
        .or_else(|| from_refusal(outcome))
        .or_else(|| from_classes(&outcome.control))
}

/// Reachable across the internet for this purpose. Documentation (TEST-NET) and
/// benchmarking ranges count: labs, exercises and our own NAT lab use them as the
/// "public" side, and a local-scope client talking to one has been translated.
pub(super) fn public_like(ip: IpAddr) -> bool {
    matches!(
        classify(ip),
        AddrClass::Public | AddrClass::Documentation | AddrClass::Benchmarking
    )
}

/// Loopback to loopback (the lab, a local test) is no NAT: the server must be public
/// for our local-scope address to have been translated on the way.
fn from_classes(c: &ControlOutcome) -> Option<Finding> {
    let (local, peer) = (c.local?, c.peer?);
    let local_class = classify(local.ip());
    if !local_class.is_local_scope() || !public_like(peer.ip().to_canonical()) {
        return None;
    }
    Some(new_finding(
        FindingId::ClientBehindNat,
        None,
        format!(
            "This machine talks to the server at {} from a {local_class} address ({}): a NAT \
             sits in between, so active modes (EPRT/PORT) need its help.",
            peer.ip(),
            local.ip()
        ),
        format!(
            "control connection from {} to {}",
            sock_with_class(local),
            ip_with_class(peer.ip())
        ),
    ))
}

/// A PORT/EPRT refusal that names the address the server would accept (Pure-FTPd's
/// `500 I won't open a connection to 10.88.0.2 (only to 10.77.0.1)`): that is us, as the
/// server sees us.
fn from_refusal(outcome: &ProbeOutcome) -> Option<Finding> {
    let local = outcome.control.local?.ip().to_canonical();
    outcome
        .modes
        .iter()
        .filter(|m| matches!(m.mode, Mode::Eprt | Mode::Port))
        .find_map(|m| {
            let reply = m.reply.as_ref().filter(|r| (400..600).contains(&r.code))?;
            let request = m.request.as_deref()?;
            let sent = m.sent?.ip();
            let seen = refusal_names_client(&reply.text, sent)?;
            (seen != local).then(|| {
                new_finding(
                    FindingId::ClientBehindNat,
                    None,
                    format!(
                        "The server sees this client as {seen}, but its own address is {local}: \
                         a NAT sits in between, so active modes (EPRT/PORT) need its help."
                    ),
                    format!(
                        "{} was answered {}; our control connection leaves from {}",
                        request.split(' ').next().unwrap_or(request),
                        quote(reply),
                        ip_with_class(local)
                    ),
                )
            })
        })
}

/// The greeting names the server's own address (ProFTPD's `[10.77.0.2]`), a local-scope
/// one, while we reached it at a public-like one: a NAT forwards to it.
pub(super) fn server_behind_nat(c: &ControlOutcome) -> Option<Finding> {
    let peer = c.peer?.ip().to_canonical();
    let own = greeting_names_server(c.banner.as_deref()?)?;
    if own == peer || !classify(own).is_local_scope() || !public_like(peer) {
        return None;
    }
    Some(new_finding(
        FindingId::ServerBehindNat,
        None,
        format!(
            "The server's greeting names its own address {own}, not {peer} where it was \
             reached: it sits behind a NAT that forwards to it."
        ),
        format!(
            "greeting \"{}\"; control peer {}",
            c.banner.as_deref().unwrap_or_default().replace('\n', " | "),
            ip_with_class(peer)
        ),
    ))
}

/// The server says (STAT) it sees this client at another address than ours: a NAT.
pub(super) fn nat_from_stat(c: &ControlOutcome) -> Option<Finding> {
    let seen = c.server_view.as_ref()?.client?;
    let local = c.local?;
    if seen == local.ip().to_canonical() {
        return None;
    }
    Some(new_finding(
        FindingId::ClientBehindNat,
        None,
        format!(
            "The server sees this client as {seen}, but its own address is {}: a NAT sits in \
             between, so active modes (EPRT/PORT) need its help.",
            local.ip()
        ),
        format!(
            "STAT says \"Connected to {}\"; our control connection leaves from {}",
            ip_with_class(seen),
            ip_with_class(local.ip())
        ),
    ))
}

/// PASV or PORT answered differently in plaintext than inside TLS: something on the path
/// reads and rewrites plaintext FTP.
pub(super) fn middlebox(outcome: &ProbeOutcome, m: &ModeOutcome) -> Option<Finding> {
    let check = outcome.plaintext_check.as_ref()?;
    match m.mode {
        Mode::Pasv => {
            let tls_ip = m.advertised.as_ref()?.ip;
            let plain = check.pasv_addr?;
            if plain.ip() == tls_ip {
                return None;
            }
            Some(new_finding(
                FindingId::AlgRewrite,
                Some(Mode::Pasv),
                format!(
                    "Something on the path rewrites FTP: the plaintext 227 said {}, the same \
                     server inside TLS said {tls_ip}. FTPS clients get the unrewritten address \
                     and hang where plain FTP works.",
                    plain.ip()
                ),
                format!(
                    "plaintext PASV: {}; PASV inside TLS: {}",
                    check.pasv_reply.as_ref().map_or("?".to_string(), quote),
                    m.reply.as_ref().map_or("?".to_string(), quote)
                ),
            ))
        }
        Mode::Port | Mode::Eprt => {
            let (plain, plain_request) = match m.mode {
                Mode::Port => (check.port_reply.as_ref()?, &check.port_request),
                _ => (check.eprt_reply.as_ref()?, &check.eprt_request),
            };
            let verb = m.mode.as_str().to_ascii_uppercase();
            let inside = m.reply.as_ref()?;
            if plain.code / 100 == inside.code / 100 || !(is_ok(plain) || is_ok(inside)) {
                return None;
            }
            let (accepted, rejected) = match is_ok(plain) {
                true => ("in plaintext", "inside TLS"),
                false => ("inside TLS", "in plaintext"),
            };
            Some(new_finding(
                FindingId::AlgRewrite,
                Some(m.mode),
                format!(
                    "{verb} was accepted {accepted} and rejected {rejected}: a middlebox rewrites \
                     the plaintext {verb} (a NAT's FTP helper puts its own address in it)."
                ),
                format!(
                    "plaintext \"{}\" answered {}; inside TLS \"{}\" answered {}",
                    plain_request.as_deref().unwrap_or(&verb),
                    quote(plain),
                    m.request.as_deref().unwrap_or(&verb),
                    quote(inside)
                ),
            ))
        }
        _ => None,
    }
}

fn is_ok(r: &ReplyRecord) -> bool {
    (200..300).contains(&r.code)
}
