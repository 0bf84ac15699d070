//! The rules, table-tested: each case mutates a healthy probe into one misconfiguration
//! and lists exactly the findings (id, severity, mode) it must produce, in order. This
//! file holds the control-connection and PASV-address cases and runs every table;
//! `mode_tests.rs` holds the request, data-connection, transfer and deadline cases.

use std::time::Duration;

use super::testkit::*;
use super::{FindingId, diagnose};
use crate::probe::record::{
    ConnectRecord, DialResult, ErrorKind, Login, Mode, ModeOutcome, SkipReason, Stage, Strategy,
};

use FindingId::*;

fn cases() -> Vec<Case> {
    vec![
        case("healthy loopback probe", |_| {}, &[]),
        on(
            "public client, public server",
            healthy_between("8.8.4.4:40000", "8.8.8.8:21"),
            &[],
        ),
        on(
            "LAN client, LAN server",
            healthy_between("192.168.1.20:40000", "192.168.1.10:21"),
            &[],
        ),
        case(
            "modes not selected",
            |o| {
                for m in &mut o.modes {
                    *m = ModeOutcome::skipped(
                        m.mode,
                        SkipReason::NotSelected,
                        "not selected (--modes)",
                    );
                }
            },
            &[],
        ),
        // Control connection.
        case(
            "dns failure",
            |o| {
                not_connected(o);
                o.target.host = "ftp.nonexistent.invalid".to_string();
                session_failed(
                    o,
                    err(
                        Stage::Resolve,
                        ErrorKind::Io,
                        "ftp.nonexistent.invalid: no such host",
                    ),
                );
            },
            &[(DnsFailure, E, CONTROL)],
        ),
        case(
            "control connect refused",
            |o| {
                not_connected(o);
                o.control.connects = vec![ConnectRecord {
                    addr: sa("127.0.0.1:2121"),
                    outcome: DialResult::Refused,
                    elapsed: Duration::from_micros(200),
                    error: Some("Connection refused (os error 111)".to_string()),
                    cut: None,
                }];
                session_failed(
                    o,
                    err(
                        Stage::Connect,
                        ErrorKind::Io,
                        "connect to 127.0.0.1:2121: refused",
                    ),
                );
            },
            &[(ControlUnreachable, E, CONTROL)],
        ),
        case(
            "banner timeout",
            |o| {
                o.control.banner = None;
                o.control.login = Login::NotAttempted;
                session_failed(
                    o,
                    err(
                        Stage::Banner,
                        ErrorKind::Timeout,
                        "no reply within 5s (waiting for the reply to the banner)",
                    ),
                );
            },
            &[(BannerTimeout, E, CONTROL)],
        ),
        case(
            "banner 421",
            |o| {
                o.control.login = Login::NotAttempted;
                let mut e = err(
                    Stage::Banner,
                    ErrorKind::Refused,
                    "expected 220, got 421 Too many users",
                );
                e.reply = reply(421, "Too many users");
                session_failed(o, e);
            },
            &[(ControlFailed, E, CONTROL)],
        ),
        case(
            "login failed",
            |o| {
                o.control.login = Login::Failed;
                o.control.login_reply = reply(530, "Login incorrect.");
                let mut e = err(
                    Stage::Login,
                    ErrorKind::UnexpectedReply,
                    "expected 230 to PASS, got 530 Login incorrect.",
                );
                e.reply = reply(530, "Login incorrect.");
                session_failed(o, e);
            },
            &[(LoginFailed, E, CONTROL)],
        ),
        case(
            "vsftpd 500 OOPS at USER is the server failing, not the login",
            |o| {
                o.control.login = Login::Failed;
                let oops = "OOPS: cannot change directory:/nonexistent";
                o.control.login_reply = reply(500, oops);
                let mut e = err(
                    Stage::Login,
                    ErrorKind::UnexpectedReply,
                    "expected 331 or 230 to USER, got 500 OOPS: cannot change directory:/nonexistent",
                );
                e.reply = reply(500, oops);
                session_failed(o, e);
            },
            &[(ControlFailed, E, CONTROL)],
        ),
        case(
            "FEAT closed",
            |o| {
                session_failed(
                    o,
                    err(
                        Stage::Features,
                        ErrorKind::Closed,
                        "server closed the connection",
                    ),
                );
            },
            &[(ControlFailed, E, CONTROL)],
        ),
        case(
            "deadline before the session",
            control_deadline,
            &[(DeadlineExceeded, E, CONTROL)],
        ),
        case(
            "connection limit fallback",
            |o| {
                o.strategy = Strategy::SequentialFallback;
                o.fallback_reply = reply(
                    421,
                    "There are too many connections from your internet address.",
                );
            },
            &[(ConnectionLimit, I, CONTROL)],
        ),
        case(
            "reconnect refused: a mode not tried",
            |o| {
                o.fallback_reply = reply(421, "Too many connections (1) from this IP");
                *mode(o, Mode::Port) = ModeOutcome::skipped(
                    Mode::Port,
                    SkipReason::Refused,
                    "the server refused another connection (421 Too many connections (1) from this IP)",
                );
            },
            &[(ConnectionLimit, I, CONTROL)],
        ),
        case(
            "deadline after login: modes not tried",
            |o| {
                o.deadline_hit = true;
                for m in [Mode::Eprt, Mode::Port] {
                    *mode(o, m) = ModeOutcome::skipped(
                        m,
                        SkipReason::Deadline,
                        "the deadline struck before this mode was tried",
                    );
                }
            },
            &[(DeadlineExceeded, E, CONTROL)],
        ),
        on(
            "client behind NAT",
            healthy_between("10.1.2.3:40000", "8.8.8.8:21"),
            &[(ClientBehindNat, I, CONTROL)],
        ),
        // The PASV address.
        case(
            "private pasv, substitute connects",
            |o| pasv_advertises(o, "10.0.0.5", DialResult::Connected),
            &[
                (PasvPrivateAddress, E, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "0.0.0.0 pasv",
            |o| pasv_advertises(o, "0.0.0.0", DialResult::Connected),
            &[
                (PasvPrivateAddress, E, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "shared (CGNAT) pasv",
            |o| pasv_advertises(o, "100.64.0.1", DialResult::Connected),
            &[
                (PasvPrivateAddress, E, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "reserved pasv",
            |o| pasv_advertises(o, "240.0.0.1", DialResult::Connected),
            &[
                (PasvPrivateAddress, E, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "documentation pasv",
            |o| pasv_advertises(o, "198.51.100.7", DialResult::Connected),
            &[
                (PasvAddressMismatch, W, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "other loopback pasv",
            |o| pasv_advertises(o, "127.0.0.2", DialResult::Connected),
            &[
                (PasvAddressMismatch, W, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        on(
            "public pasv to a LAN client (no hairpin)",
            {
                let mut o = healthy_between("192.168.1.20:40000", "192.168.1.10:21");
                pasv_advertises(&mut o, "8.8.4.4", DialResult::Connected);
                o
            },
            &[
                (PasvAddressMismatch, W, PASV),
                (SubstituteAddressWorks, I, PASV),
            ],
        ),
        case(
            "private pasv, substitute times out",
            |o| pasv_advertises(o, "10.0.0.5", DialResult::Timeout),
            &[(PasvPrivateAddress, E, PASV), (DataConnectTimeout, E, PASV)],
        ),
        case(
            "private pasv, substitute connects but LIST fails",
            |o| {
                pasv_advertises(o, "10.0.0.5", DialResult::Connected);
                transfer_fails(o, Mode::Pasv, 425, "Can't open data connection.");
            },
            &[(PasvPrivateAddress, E, PASV), (TransferFailed, E, PASV)],
        ),
        case(
            "garbled 227",
            |o| {
                let mut e = err(
                    Stage::Request,
                    ErrorKind::BadReply,
                    "number 300 out of range",
                );
                e.reply = reply(227, "Entering Passive Mode (10,0,0,300,1,2).");
                request_error(o, Mode::Pasv, e);
            },
            &[(PasvUnparseable, E, PASV)],
        ),
        case(
            "garbled 229",
            |o| {
                let mut e = err(
                    Stage::Request,
                    ErrorKind::BadReply,
                    "no port between the delimiters",
                );
                e.reply = reply(229, "Entering Extended Passive Mode (|||x|)");
                request_error(o, Mode::Epsv, e);
            },
            &[(PasvUnparseable, E, EPSV)],
        ),
        case(
            "PASV reply not framable",
            |o| {
                request_error(
                    o,
                    Mode::Pasv,
                    err(
                        Stage::Request,
                        ErrorKind::BadReply,
                        "bad reply: line too long",
                    ),
                );
            },
            &[(ControlFailed, E, PASV)],
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut all = cases();
    all.extend(super::mode_tests::cases());
    all.extend(super::tls_tests::cases());
    all
}

#[test]
fn every_case_yields_exactly_its_findings() {
    for c in all_cases() {
        let got = diagnose(&c.outcome);
        assert_eq!(rows(&got), c.expect, "case {:?}: {got:#?}", c.name);
    }
}

#[test]
fn every_finding_has_summary_evidence_fix_and_reference() {
    for c in all_cases() {
        for f in diagnose(&c.outcome) {
            for (field, text) in [
                ("summary", &f.summary),
                ("evidence", &f.evidence),
                ("fix", &f.fix),
                ("reference", &f.reference),
            ] {
                assert!(
                    !text.trim().is_empty(),
                    "case {:?}: {} has no {field}",
                    c.name,
                    f.id
                );
            }
        }
    }
}

#[test]
fn order_follows_mode_all_not_the_outcome() {
    let mut o = healthy();
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Timeout);
    refuse_request(&mut o, Mode::Port, 500, "Illegal PORT command.");
    o.strategy = Strategy::SequentialFallback;
    o.modes.reverse();
    let got = rows(&diagnose(&o));
    assert_eq!(
        got,
        [
            (ConnectionLimit, I, CONTROL),
            (DataConnectTimeout, E, EPSV),
            (PortRejected, E, PORT)
        ]
    );
}

#[test]
fn control_unreachable_says_refused_in_words() {
    let mut o = healthy();
    not_connected(&mut o);
    o.control.connects = vec![ConnectRecord {
        addr: sa("127.0.0.1:2121"),
        outcome: DialResult::Refused,
        elapsed: Duration::from_micros(200),
        error: Some("Connection refused (os error 111)".to_string()),
        cut: None,
    }];
    session_failed(
        &mut o,
        err(Stage::Connect, ErrorKind::Io, "connect: refused"),
    );
    let f = only(&o, ControlUnreachable);
    assert!(f.summary.contains("refused"), "{}", f.summary);
    assert!(f.evidence.contains("nothing listens") && f.evidence.contains("os error 111"));
}

#[test]
fn login_failed_names_the_user_and_quotes_the_reply() {
    let mut o = healthy();
    o.control.user = "alice".to_string();
    o.control.login = Login::Failed;
    o.control.login_reply = reply(530, "Login incorrect.");
    session_failed(
        &mut o,
        err(Stage::Login, ErrorKind::UnexpectedReply, "expected 230"),
    );
    let f = only(&o, LoginFailed);
    assert!(f.summary.contains("\"alice\""), "{}", f.summary);
    assert!(
        f.evidence.contains("\"530 Login incorrect.\""),
        "{}",
        f.evidence
    );
}

#[test]
fn client_behind_nat_shows_both_classes() {
    let f = only(
        &healthy_between("10.1.2.3:40000", "8.8.8.8:21"),
        ClientBehindNat,
    );
    assert!(
        f.evidence.contains("10.1.2.3:40000 (private"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.contains("8.8.8.8 (public)"), "{}", f.evidence);
}

#[test]
fn docs_describe_every_finding_id() {
    // ALL comes from the enum's own declaration (wire_enum!), so it holds every id once.
    let docs = include_str!("../../docs/findings.md");
    for id in FindingId::ALL {
        assert_eq!(FindingId::from_wire(id.as_str()), Some(id));
        let entry = super::catalogue::entry(id);
        assert!(!entry.fix.is_empty(), "the catalogue has no fix for {id}");
        assert!(
            !entry.reference.is_empty(),
            "the catalogue has no reference for {id}"
        );
        assert!(!super::fixes::short(id).is_empty(), "no short fix for {id}");
        assert!(
            docs.contains(&format!("\n## {id}\n")),
            "docs/findings.md has no section for {id}"
        );
        let severity = super::catalogue::entry(id).severity;
        let section = docs
            .split(&format!("\n## {id}\n"))
            .nth(1)
            .unwrap_or_default();
        let section = section.split("\n## ").next().unwrap_or_default();
        assert!(
            section.contains(&format!("Severity: **{severity}**")),
            "docs/findings.md gives {id} another severity than {severity}"
        );
    }
}
