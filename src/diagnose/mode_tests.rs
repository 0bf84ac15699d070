//! The request, data-connection, transfer and deadline cases (run by `tests.rs` with
//! the rest), and checks of what those findings say.

use super::diagnose;
use super::testkit::*;
use crate::probe::record::{
    AcceptRecord, AcceptResult, DialResult, DialWhy, ErrorKind, Mode, ModeOutcome, Stage,
    TransferResult,
};

use super::FindingId::*;

pub(super) fn cases() -> Vec<Case> {
    vec![
        // Requests refused or broken.
        case(
            "EPSV 502",
            |o| refuse_request(o, Mode::Epsv, 502, "Command not implemented."),
            &[(EpsvUnsupported, W, EPSV)],
        ),
        case(
            "PASV 425",
            |o| refuse_request(o, Mode::Pasv, 425, "Can't open passive connection."),
            &[(PasvRejected, E, PASV)],
        ),
        case(
            "PORT 500",
            |o| refuse_request(o, Mode::Port, 500, "Illegal PORT command."),
            &[(PortRejected, E, PORT)],
        ),
        case(
            "EPRT 522",
            |o| {
                refuse_request(
                    o,
                    Mode::Eprt,
                    522,
                    "Network protocol not supported, use (1)",
                )
            },
            &[(PortRejected, E, EPRT)],
        ),
        case(
            "150 to PASV",
            |o| refuse_request(o, Mode::Pasv, 150, "Opening."),
            &[(ControlFailed, E, PASV)],
        ),
        case(
            "no reply to PASV",
            |o| {
                request_error(
                    o,
                    Mode::Pasv,
                    err(
                        Stage::Request,
                        ErrorKind::Timeout,
                        "no reply within 5s (waiting for the reply to PASV)",
                    ),
                );
            },
            &[(ControlFailed, E, PASV)],
        ),
        case(
            "closed after PORT",
            |o| {
                request_error(
                    o,
                    Mode::Port,
                    err(
                        Stage::Request,
                        ErrorKind::Closed,
                        "server closed the connection",
                    ),
                );
            },
            &[(ControlFailed, E, PORT)],
        ),
        // pyftpdlib connects back while answering PORT/EPRT: its failures arrive there.
        case(
            "PORT 425: pyftpdlib's connect back was refused",
            |o| refuse_request(o, Mode::Port, 425, "Can't connect to specified address."),
            &[(ActiveConnectTimeout, E, PORT)],
        ),
        case(
            "EPRT 421: pyftpdlib's connect back timed out",
            |o| refuse_request(o, Mode::Eprt, 421, "Active data channel timed out."),
            &[(ActiveConnectTimeout, E, EPRT)],
        ),
        case(
            "no reply to EPRT and no connection: pyftpdlib still connecting back",
            |o| {
                request_error(
                    o,
                    Mode::Eprt,
                    err(
                        Stage::Request,
                        ErrorKind::Timeout,
                        "no reply within 5s (waiting for the reply to EPRT)",
                    ),
                );
                mode(o, Mode::Eprt).accept = Some(AcceptRecord {
                    listen: sa("192.0.2.10:40000"),
                    from: None,
                    outcome: AcceptResult::Timeout,
                    elapsed: std::time::Duration::from_secs(5),
                    during_request: true,
                    cut: None,
                });
            },
            &[(ActiveConnectTimeout, E, EPRT)],
        ),
        case(
            "EPRT's own session refused",
            |o| {
                let mut e = err(
                    Stage::Banner,
                    ErrorKind::Refused,
                    "expected 220, got 421 Too many",
                );
                e.reply = reply(421, "Too many");
                let m = mode(o, Mode::Eprt);
                *m = ModeOutcome::new(Mode::Eprt);
                m.error = Some(e);
            },
            &[(ControlFailed, E, EPRT)],
        ),
        case(
            "LIST could not be sent (passive)",
            |o| {
                let m = mode(o, Mode::Epsv);
                m.error = Some(err(
                    Stage::TransferStart,
                    ErrorKind::Io,
                    "I/O error: broken pipe",
                ));
                if let Some(t) = &mut m.transfer {
                    // What `new_record` leaves when nothing more happens.
                    t.outcome = TransferResult::Timeout;
                    t.stalled_at = Some(Stage::TransferStart);
                }
            },
            &[(ControlFailed, E, EPSV)],
        ),
        // Passive data connections.
        case(
            "epsv dial timeout",
            |o| passive_dial_fails(o, Mode::Epsv, DialResult::Timeout),
            &[(DataConnectTimeout, E, EPSV)],
        ),
        case(
            "epsv dial refused",
            |o| passive_dial_fails(o, Mode::Epsv, DialResult::Refused),
            &[(DataConnectRefused, E, EPSV)],
        ),
        case(
            "pasv dial unreachable",
            |o| passive_dial_fails(o, Mode::Pasv, DialResult::Unreachable),
            &[(DataConnectRefused, E, PASV)],
        ),
        // Active data connections.
        case(
            "accept timeout, then 425",
            |o| {
                accept_times_out(o, Mode::Eprt);
                transfer_fails(o, Mode::Eprt, 425, "Failed to establish connection.");
            },
            &[(ActiveConnectTimeout, E, EPRT)],
        ),
        case(
            "control closed while waiting for the connect-back",
            |o| {
                // The reply branch of the race failed first: the accept was cut short,
                // and its record still says Timeout, as it starts.
                accept_times_out(o, Mode::Eprt);
                let m = mode(o, Mode::Eprt);
                m.transfer = None;
                m.error = Some(err(
                    Stage::TransferStart,
                    ErrorKind::Closed,
                    "server closed the connection",
                ));
            },
            &[(ControlFailed, E, EPRT)],
        ),
        case(
            "accept timeout, no reply",
            |o| {
                accept_times_out(o, Mode::Port);
                mode(o, Mode::Port).transfer = None;
            },
            &[(ActiveConnectTimeout, E, PORT)],
        ),
        case(
            "unexpected active source",
            |o| {
                if let Some(a) = &mut mode(o, Mode::Eprt).accept {
                    a.from = Some(sa("127.0.0.9:20"));
                }
            },
            &[(ActiveUnexpectedSource, W, EPRT)],
        ),
        case(
            "our listener failed",
            |o| {
                if let Some(a) = &mut mode(o, Mode::Port).accept {
                    a.outcome = AcceptResult::Failed;
                    a.from = None;
                }
                mode(o, Mode::Port).transfer = None;
            },
            &[(ControlFailed, E, PORT)],
        ),
        case(
            "could not listen at all",
            |o| {
                let m = mode(o, Mode::Port);
                *m = ModeOutcome::new(Mode::Port);
                m.error = Some(err(
                    Stage::Accept,
                    ErrorKind::Io,
                    "could not listen for the server's connection: EADDRNOTAVAIL",
                ));
            },
            &[(ControlFailed, E, PORT)],
        ),
        // Transfers.
        case(
            "LIST 550",
            |o| transfer_fails(o, Mode::Pasv, 550, "Failed to open directory."),
            &[(TransferFailed, E, PASV)],
        ),
        case(
            "no 1yz",
            |o| transfer_stalls(o, Mode::Epsv, Stage::TransferStart),
            &[(TransferTimeout, E, EPSV)],
        ),
        case(
            "data stalls",
            |o| transfer_stalls(o, Mode::Port, Stage::TransferData),
            &[(TransferTimeout, E, PORT)],
        ),
        case(
            "no 226",
            |o| transfer_stalls(o, Mode::Eprt, Stage::TransferEnd),
            &[(TransferTimeout, E, EPRT)],
        ),
        // The deadline.
        case(
            "deadline mid-transfer",
            |o| {
                o.deadline_hit = true;
                transfer_stalls(o, Mode::Epsv, Stage::TransferData);
                cut_at(mode(o, Mode::Epsv), Stage::TransferData, 2000);
            },
            &[(DeadlineExceeded, E, EPSV)],
        ),
        case(
            "deadline while waiting for the server to connect",
            |o| {
                o.deadline_hit = true;
                accept_times_out(o, Mode::Port);
                let m = mode(o, Mode::Port);
                m.transfer = None;
                cut_at(m, Stage::Accept, 300);
            },
            &[(DeadlineExceeded, E, PORT)],
        ),
        case(
            "deadline shorter than timeout cut a silent wait for the connect-back",
            |o| {
                o.deadline_hit = true;
                accept_times_out(o, Mode::Port);
                let m = mode(o, Mode::Port);
                m.transfer = None;
                cut_at(m, Stage::Accept, 1500);
            },
            &[(ActiveConnectTimeout, E, PORT)],
        ),
        case(
            "deadline shorter than timeout cut a silent dial",
            |o| {
                o.deadline_hit = true;
                passive_dial_fails(o, Mode::Pasv, DialResult::Timeout);
                let m = mode(o, Mode::Pasv);
                m.transfer = None;
                cut_at(m, Stage::DataConnect, 1980);
            },
            &[(DataConnectTimeout, E, PASV)],
        ),
        case(
            "deadline cut a dial after a moment of silence",
            |o| {
                o.deadline_hit = true;
                passive_dial_fails(o, Mode::Pasv, DialResult::Timeout);
                let m = mode(o, Mode::Pasv);
                m.transfer = None;
                cut_at(m, Stage::DataConnect, 200);
            },
            &[(DeadlineExceeded, E, PASV)],
        ),
        case(
            "deadline while dialling the substitute",
            |o| {
                o.deadline_hit = true;
                pasv_advertises(o, "10.0.0.5", DialResult::Timeout);
                let m = mode(o, Mode::Pasv);
                m.dials.retain(|d| d.why == DialWhy::Advertised);
                // The substitute's dial, cut a moment after it began.
                m.dials.push(dial(
                    "127.0.0.1:50000".parse().unwrap_or_else(|e| panic!("{e}")),
                    DialWhy::ControlPeerSubstitute,
                    DialResult::Timeout,
                ));
                cut_at(m, Stage::DataConnect, 50);
            },
            &[(PasvPrivateAddress, E, PASV), (DeadlineExceeded, E, PASV)],
        ),
        case(
            "deadline after the followed advertised dial timed out",
            |o| {
                // --follow-advertised: the advertised dial is recorded, the substitute
                // after it was in flight when the deadline struck.
                o.deadline_hit = true;
                pasv_advertises(o, "10.0.0.5", DialResult::Timeout);
                let m = mode(o, Mode::Pasv);
                m.dials.retain(|d| d.why == DialWhy::Advertised);
                for d in &mut m.dials {
                    *d = dial(d.addr, d.why, DialResult::Timeout);
                }
                m.dials.push(dial(
                    "127.0.0.1:50000".parse().unwrap_or_else(|e| panic!("{e}")),
                    DialWhy::ControlPeerSubstitute,
                    DialResult::Timeout,
                ));
                cut_at(m, Stage::DataConnect, 50);
            },
            // The advertised dial waited its whole timeout: that silence is the finding.
            &[(PasvPrivateAddress, E, PASV), (DataConnectTimeout, E, PASV)],
        ),
    ]
}

#[test]
fn unreachable_data_port_is_called_unreachable() {
    let mut o = healthy();
    passive_dial_fails(&mut o, Mode::Pasv, DialResult::Unreachable);
    let f = only(&o, DataConnectRefused);
    assert!(f.summary.contains("unreachable"), "{}", f.summary);
    assert!(f.fix.contains("pasv_min_port") && f.fix.contains("ftp:passive-mode off"));
}

#[test]
fn active_connect_timeout_quotes_the_425() {
    let mut o = healthy();
    accept_times_out(&mut o, Mode::Eprt);
    transfer_fails(&mut o, Mode::Eprt, 425, "Failed to establish connection.");
    let f = only(&o, ActiveConnectTimeout);
    assert!(
        f.summary.contains("127.0.0.1:40001") && f.summary.contains("425"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .contains("\"425 Failed to establish connection.\""),
        "{}",
        f.evidence
    );
}

#[test]
fn transfer_timeout_names_the_stage() {
    for (stage, words) in [
        (Stage::TransferStart, "150/125"),
        (Stage::TransferData, "stopped after 4096 bytes"),
        (Stage::TransferEnd, "226"),
    ] {
        let mut o = healthy();
        transfer_stalls(&mut o, Mode::Pasv, stage);
        let f = only(&o, TransferTimeout);
        assert!(f.summary.contains(words), "{stage}: {}", f.summary);
        assert!(
            f.evidence.contains(stage.as_str()),
            "{stage}: {}",
            f.evidence
        );
    }
}

#[test]
fn deadline_names_where_it_struck() {
    let mut o = healthy();
    o.deadline_hit = true;
    transfer_stalls(&mut o, Mode::Epsv, Stage::TransferData);
    cut_at(mode(&mut o, Mode::Epsv), Stage::TransferData, 2000);
    let f = only(&o, DeadlineExceeded);
    assert!(
        f.summary.contains("30.0 s") && f.summary.contains("receiving the data"),
        "{}",
        f.summary
    );
    assert!(f.evidence.contains("transfer-data"), "{}", f.evidence);

    let mut o = healthy();
    control_deadline(&mut o);
    let first = &diagnose(&o)[0];
    assert!(
        first.summary.contains("waiting for the 220"),
        "{}",
        first.summary
    );
}

#[test]
fn dials_are_listed_with_why_outcome_and_time() {
    let mut o = healthy();
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Timeout);
    let f = only(&o, DataConnectTimeout);
    assert!(
        f.evidence
            .contains("127.0.0.1:50000 (control peer + EPSV port): timed out")
            && f.evidence.contains("5000.0 ms"),
        "{}",
        f.evidence
    );
}

#[test]
fn pasv_private_address_quotes_the_227_and_both_classes() {
    let mut o = healthy();
    pasv_advertises(&mut o, "10.0.0.5", DialResult::Connected);
    let f = only(&o, PasvPrivateAddress);
    assert!(
        f.evidence
            .contains("\"227 Entering Passive Mode (10,0,0,5,195,82).\""),
        "{}",
        f.evidence
    );
    assert!(
        f.evidence
            .contains("10.0.0.5 (private: private-use, RFC 1918)"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.contains("127.0.0.1 (loopback"), "{}", f.evidence);
    assert!(f.fix.contains("pasv_address") && f.fix.contains("--ftp-skip-pasv-ip"));
    let sub = only(&o, SubstituteAddressWorks);
    assert!(sub.summary.contains("127.0.0.1:50002"), "{}", sub.summary);
}

#[test]
fn epsv_unparseable_says_229() {
    let mut o = healthy();
    let mut e = err(Stage::Request, ErrorKind::BadReply, "no port");
    e.reply = reply(229, "Entering Extended Passive Mode (|||x|)");
    request_error(&mut o, Mode::Epsv, e);
    let f = only(&o, PasvUnparseable);
    assert!(
        f.summary.contains("229") && f.summary.contains("EPSV"),
        "{}",
        f.summary
    );
    assert!(f.evidence.contains("(|||x|)"), "{}", f.evidence);
    assert!(f.fix.contains("229") && !f.fix.contains("227"), "{}", f.fix);
    assert!(super::short_fix(&f).contains("use PASV"));
}

#[test]
fn pasv_answered_229_is_told_to_send_a_227() {
    let mut o = healthy();
    let mut e = err(Stage::Request, ErrorKind::BadReply, "expected 227");
    e.reply = reply(229, "Entering Extended Passive Mode (|||50000|)");
    request_error(&mut o, Mode::Pasv, e);
    let f = only(&o, PasvUnparseable);
    assert!(f.fix.contains("answer PASV with a 227"), "{}", f.fix);
    assert!(super::short_fix(&f).contains("use EPSV"));
}

#[test]
fn port_rejected_behind_nat_explains_the_address_check() {
    let mut o = healthy_between("10.1.2.3:40000", "8.8.8.8:21");
    refuse_request(&mut o, Mode::Port, 500, "Illegal PORT command.");
    let f = only(&o, PortRejected);
    assert!(f.summary.contains("NAT"), "{}", f.summary);
    assert!(
        f.evidence.contains("\"PORT 10,1,2,3,156,66\""),
        "{}",
        f.evidence
    );
    assert!(
        f.evidence.contains("address sent 10.1.2.3 (private"),
        "{}",
        f.evidence
    );
    assert!(f.fix.contains("port_promiscuous") && f.fix.contains("--active-addr"));
}
