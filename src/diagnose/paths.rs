//! Findings about the path rather than one step: the passive port range as sampled
//! (--sample-ports), and a control connection that is IPv4 underneath an IPv6 address.

use std::net::IpAddr;

use super::context::new_finding;
use super::{Finding, FindingId};
use crate::addr::{AddrClass, classify, embedded_v4};
use crate::probe::record::{DialResult, ProbeOutcome};

/// The sampled range: it describes the server's passive ports, not one mode, so the
/// finding has `mode: null` and each passive mode keeps the status of its own transfer
/// (a mode that worked once may still fail on the next port: the summary says how often).
pub(super) fn sampled_range(outcome: &ProbeOutcome) -> Option<Finding> {
    let sample = outcome.sample.as_ref()?;
    if !sample.has_unreachable() {
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
            "Passive modes work for none of the {} sampled ports.",
            sample.ports.len()
        ),
        n => format!(
            "Passive modes work for {n} of {} sampled ports: a transfer fails whenever the \
             server hands out one of the others.",
            sample.ports.len()
        ),
    };
    Some(new_finding(
        FindingId::PassivePortsFiltered,
        None,
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

#[cfg(test)]
mod tests {
    use super::super::testkit::healthy_between;
    use super::*;

    #[test]
    fn nat64_peer_names_the_ipv4_server_behind_the_translator() {
        let outcome = healthy_between("[2001:db8::2]:40000", "[64:ff9b::c000:201]:21");
        let f = translated_path(&outcome).expect("a NAT64 peer is reported");
        assert_eq!(f.id, FindingId::Ipv6TranslatedPath);
        assert!(
            f.summary.contains("NAT64") && f.summary.contains("192.0.2.1"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence.contains("(nat64) embeds 192.0.2.1"),
            "{}",
            f.evidence
        );
    }

    #[test]
    fn plain_ipv6_and_ipv4_peers_are_no_translated_path() {
        assert!(translated_path(&healthy_between("[::1]:40000", "[::1]:21")).is_none());
        assert!(translated_path(&healthy_between("127.0.0.1:40000", "127.0.0.1:21")).is_none());
    }

    #[test]
    fn sampled_range_finding_is_about_the_range_not_one_mode() {
        use crate::probe::record::{SampleOutcome, SamplePort};
        let mut outcome = healthy_between("127.0.0.1:40000", "127.0.0.1:21");
        outcome.sample = Some(sample_with(&[
            (50001, DialResult::Connected),
            (50002, DialResult::Timeout),
        ]));
        let f = sampled_range(&outcome).expect("one port was filtered");
        assert_eq!(f.mode, None);
        assert!(
            f.summary
                .starts_with("Passive modes work for 1 of 2 sampled ports"),
            "{}",
            f.summary
        );

        fn sample_with(ports: &[(u16, DialResult)]) -> SampleOutcome {
            let mut s = SampleOutcome::new("EPSV", u16::try_from(ports.len()).unwrap_or(u16::MAX));
            for &(port, outcome) in ports {
                s.push(SamplePort {
                    port,
                    addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
                    outcome,
                    elapsed: std::time::Duration::ZERO,
                });
            }
            s
        }
    }
}
