//! NAT evidence and modes a server lacks, from hand-built outcomes shaped like what the
//! real servers sent behind the netns NAT router (fixtures/captured/*-nat-*).

use super::testkit::*;
use super::{FindingId, diagnose};
use crate::probe::record::Mode;

use FindingId::*;

/// The netns lab: the client behind the masquerade, the server's public side in TEST-NET.
fn behind_masquerade() -> crate::probe::record::ProbeOutcome {
    healthy_between("192.168.50.2:40000", "203.0.113.1:21")
}

#[test]
fn private_client_to_test_net_server_is_client_behind_nat() {
    let f = only(&behind_masquerade(), ClientBehindNat);
    assert!(f.summary.contains("192.168.50.2"), "{}", f.summary);
    assert!(
        f.evidence.contains("203.0.113.1 (documentation"),
        "{}",
        f.evidence
    );
}

#[test]
fn test_net_client_to_test_net_server_is_no_nat() {
    let o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    assert_eq!(rows(&diagnose(&o)), []);
}

#[test]
fn pureftpd_refusal_naming_the_address_it_sees_is_client_behind_nat() {
    // Both ends private (a LAN-to-LAN path through a NAT): only the refusal tells.
    let mut o = healthy_between("10.88.0.2:40000", "10.77.0.2:21");
    let refusal = "I won't open a connection to 10.88.0.2 (only to 10.77.0.1)";
    refuse_request(&mut o, Mode::Eprt, 500, refusal);
    refuse_request(&mut o, Mode::Port, 500, refusal);
    assert_eq!(
        rows(&diagnose(&o)),
        [
            (ClientBehindNat, I, CONTROL),
            (PortRejected, E, EPRT),
            (PortRejected, E, PORT)
        ]
    );
    let nat = only_first(&o, ClientBehindNat);
    assert!(nat.summary.contains("as 10.77.0.1"), "{}", nat.summary);
    assert!(
        nat.evidence.contains("only to 10.77.0.1"),
        "{}",
        nat.evidence
    );
    let rejected = only_first(&o, PortRejected);
    assert!(
        rejected
            .summary
            .contains("the server sees this client as 10.77.0.1, not as 10.88.0.2"),
        "{}",
        rejected.summary
    );
}

#[test]
fn pyftpdlib_refusal_naming_only_the_address_sent_is_no_nat_evidence() {
    let mut o = healthy_between("10.88.0.2:40000", "10.77.0.2:21");
    let refusal = "Rejected data connection to foreign address 10.88.0.2:43721.";
    refuse_request(&mut o, Mode::Port, 501, refusal);
    assert_eq!(rows(&diagnose(&o)), [(PortRejected, E, PORT)]);
}

#[test]
fn proftpd_greeting_with_a_private_address_is_server_behind_nat() {
    let mut o = healthy_between("203.0.113.2:40000", "203.0.113.1:21");
    o.control.banner = Some("ProFTPD Server (lab proftpd) [10.77.0.2]".to_string());
    assert_eq!(rows(&diagnose(&o)), [(ServerBehindNat, I, CONTROL)]);
    let f = only(&o, ServerBehindNat);
    assert!(f.summary.contains("10.77.0.2"), "{}", f.summary);
    assert!(f.evidence.contains("[10.77.0.2]"), "{}", f.evidence);
}

#[test]
fn proftpd_greeting_with_the_address_dialled_is_no_nat() {
    let mut o = healthy();
    o.control.banner = Some("ProFTPD Server (lab proftpd) [127.0.0.1]".to_string());
    assert_eq!(rows(&diagnose(&o)), []);
    let mut o = healthy_between("192.168.1.20:40000", "192.168.1.10:21");
    o.control.banner = Some("ProFTPD Server (lab) [192.168.1.10]".to_string());
    assert_eq!(rows(&diagnose(&o)), []);
}

#[test]
fn port_and_eprt_502_not_implemented_is_active_unsupported_not_port_rejected() {
    let mut o = healthy();
    refuse_request(&mut o, Mode::Eprt, 502, "EPRT not implemented.");
    refuse_request(&mut o, Mode::Port, 502, "Command not implemented.");
    assert_eq!(
        rows(&diagnose(&o)),
        [(ActiveUnsupported, W, EPRT), (ActiveUnsupported, W, PORT)]
    );
    let f = only_first(&o, ActiveUnsupported);
    assert!(
        f.evidence.contains("\"502 EPRT not implemented.\""),
        "{}",
        f.evidence
    );
    assert!(!f.fix.contains("NAT"), "{}", f.fix);
}

#[test]
fn eprt_500_command_not_understood_is_active_unsupported() {
    let mut o = healthy();
    refuse_request(
        &mut o,
        Mode::Eprt,
        500,
        "'EPRT |1|127.0.0.1|40001|': command not understood",
    );
    assert_eq!(rows(&diagnose(&o)), [(ActiveUnsupported, W, EPRT)]);
}

#[test]
fn port_500_illegal_port_command_stays_port_rejected() {
    let mut o = healthy();
    refuse_request(&mut o, Mode::Port, 500, "Illegal PORT command.");
    // A 504 that names the address is about the address.
    refuse_request(
        &mut o,
        Mode::Eprt,
        504,
        "Not for 127.0.0.1 (not implemented for that parameter)",
    );
    assert_eq!(
        rows(&diagnose(&o)),
        [(PortRejected, E, EPRT), (PortRejected, E, PORT)]
    );
}

/// The first finding of `id` (several modes may yield one each).
fn only_first(o: &crate::probe::record::ProbeOutcome, id: FindingId) -> super::Finding {
    diagnose(o)
        .into_iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn late_greeting_on_a_modes_own_connection_is_banner_slow() {
    let mut o = healthy();
    o.control.greeting = Some(std::time::Duration::from_millis(40));
    mode(&mut o, Mode::Pasv).greeting = Some(std::time::Duration::from_millis(10_020));
    assert_eq!(rows(&diagnose(&o)), [(BannerSlow, W, CONTROL)]);
    let f = only(&o, BannerSlow);
    assert!(f.summary.contains("after up to 10.0 s"), "{}", f.summary);
    assert!(
        f.evidence.contains("10.0 s on PASV's own connection"),
        "{}",
        f.evidence
    );
    assert!(!f.evidence.contains("first control"), "{}", f.evidence);
}

#[test]
fn greeting_within_a_second_is_no_finding() {
    let mut o = healthy();
    o.control.greeting = Some(std::time::Duration::from_millis(999));
    assert_eq!(rows(&diagnose(&o)), []);
}

#[test]
fn extra_connection_lost_to_a_starttls_race_is_not_a_connection_limit() {
    let mut o = healthy();
    o.strategy = crate::probe::Strategy::SequentialFallback;
    let mut race = err(
        crate::probe::Stage::Tls,
        crate::probe::ErrorKind::Tls,
        "the server answered the ClientHello in plaintext",
    );
    race.reply = reply(502, "Command not allowed: \\x16\\x03\\x01");
    o.fallback_error = Some(race);
    assert_eq!(rows(&diagnose(&o)), [(TlsStarttlsRace, E, CONTROL)]);
    let f = only(&o, TlsStarttlsRace);
    assert!(
        f.evidence
            .contains("\"502 Command not allowed: \\x16\\x03\\x01\""),
        "{}",
        f.evidence
    );
}

#[test]
fn extra_connection_refused_with_421_is_still_a_connection_limit() {
    let mut o = healthy();
    o.strategy = crate::probe::Strategy::SequentialFallback;
    let mut refused = err(
        crate::probe::Stage::Banner,
        crate::probe::ErrorKind::Refused,
        "expected 220, got 421",
    );
    refused.reply = reply(421, "Too many connections.");
    o.fallback_error = Some(refused);
    assert_eq!(rows(&diagnose(&o)), [(ConnectionLimit, I, CONTROL)]);
}
