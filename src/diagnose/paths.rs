//! Findings about the path rather than one step: the passive port range as sampled
//! (--sample-ports), and a control connection that is IPv4 underneath an IPv6 address.

use std::net::IpAddr;

use super::{Finding, FindingId, new_finding};
use crate::addr::{AddrClass, classify, embedded_v4};
use crate::probe::{DialResult, Mode, ProbeOutcome};

/// The sampled range, attached to the mode whose request sampled it: a mode that
/// worked once may fail on the next port.
pub(super) fn sampled_range(outcome: &ProbeOutcome, mode: Mode) -> Option<Finding> {
    let sample = outcome.sample.as_ref()?;
    let sampled_mode = match sample.request {
        "PASV" => Mode::Pasv,
        _ => Mode::Epsv,
    };
    if sampled_mode != mode || !sample.has_unreachable() {
        return None;
    }
    let peer = outcome.control.peer.map(|p| p.ip().to_string());
    let mut evidence = format!(
        "{} {} requests on one session, each port dialled at once at the control peer {}: {}",
        sample.ports.len(),
        sample.request,
        peer.as_deref().unwrap_or("?"),
        sample.summary
    );
    if sample.ranges(DialResult::Timeout).is_empty()
        && sample.ranges(DialResult::Refused).is_empty()
    {
        evidence.push_str(" (unreachable: no route or another network error)");
    } else {
        evidence.push_str(
            " (filtered: the dial timed out, a firewall drops the packets; refused: RST)",
        );
    }
    let summary = match sample.reachable {
        0 => format!(
            "None of the {} sampled passive ports could be reached.",
            sample.ports.len()
        ),
        n => format!(
            "Only {n} of {} sampled passive ports could be reached: transfers fail whenever \
             the server picks one of the others.",
            sample.ports.len()
        ),
    };
    Some(new_finding(
        FindingId::PassivePortsFiltered,
        Some(mode),
        summary,
        evidence,
    ))
}

/// An IPv4-mapped or NAT64 control peer: the server is IPv4 behind that address.
pub(super) fn translated_path(outcome: &ProbeOutcome) -> Option<Finding> {
    let IpAddr::V6(peer) = outcome.control.peer?.ip() else {
        return None;
    };
    let class = classify(IpAddr::V6(peer));
    let v4 = embedded_v4(peer)?;
    let summary = match class {
        AddrClass::Ipv4Mapped => format!(
            "The control connection goes to the IPv4-mapped address {peer}: it is IPv4 \
             ({v4}) underneath."
        ),
        AddrClass::Nat64 => format!(
            "The control connection goes through NAT64: {peer} is the IPv4 server {v4} \
             behind a translator."
        ),
        _ => return None,
    };
    Some(new_finding(
        FindingId::Ipv6TranslatedPath,
        None,
        summary,
        format!("control peer {peer} ({class}) embeds {v4}"),
    ))
}
