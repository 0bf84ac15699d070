//! The client predictions, table-tested on hand-built probe records: each row is a
//! misconfiguration and what chosen clients must be predicted to do there.

use std::time::Duration;

use super::ClientId::{self, *};
use super::ClientStep::{self, *};
use super::Prediction::{self, *};
use super::{ClientPrediction, predict};
use crate::diagnose::diagnose;
use crate::diagnose::testkit::*;
use crate::probe::record::{
    DataTlsRecord, DialResult, ErrorKind, Mode, PlaintextCheck, ProbeOutcome, ReuseCheck,
    SampleOutcome, SamplePort, Stage, Tls, TlsMode, TlsRecord,
};

type Expect = (ClientId, Prediction, Option<ClientStep>, Option<f64>);

fn predictions(o: &ProbeOutcome) -> Vec<ClientPrediction> {
    predict(o, &diagnose(o), &ClientId::ALL)
}

fn check(name: &str, o: &ProbeOutcome, expect: &[Expect]) {
    let all = predictions(o);
    for &(id, prediction, step, wait) in expect {
        let got = all
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("{name}: no prediction for {id}"));
        assert_eq!(
            (got.prediction, got.step, got.expected_wait_s),
            (prediction, step, wait),
            "{name}: {id}: {}",
            got.reason
        );
        assert!(
            !got.reason.is_empty() && !got.reason.contains('\n'),
            "{name}: {id}"
        );
    }
}

/// A healthy probe whose control went TLS (AUTH TLS, PROT P), every data handshake resumed.
fn over_tls(o: &mut ProbeOutcome) {
    o.control.tls = Tls::Explicit;
    let mut rec = TlsRecord::new(TlsMode::Auto);
    rec.auth_reply = reply(234, "Proceed with negotiation.");
    rec.prot_reply = reply(200, "PROT now Private.");
    rec.data_protected = true;
    o.control.tls_details = Some(rec);
    for m in &mut o.modes {
        if let Some(t) = m.transfer.as_mut() {
            t.tls = Some(DataTlsRecord {
                ok: true,
                version: Some("TLSv1.3".to_string()),
                resumed: true,
                elapsed: Duration::from_millis(2),
                error: None,
            });
        }
    }
    o.plaintext_check = Some(PlaintextCheck {
        pasv_reply: reply(227, "Entering Passive Mode (127,0,0,1,195,81)."),
        pasv_addr: Some(sa("127.0.0.1:50001")),
        ..PlaintextCheck::default()
    });
}

fn plaintext_server(o: &mut ProbeOutcome) {
    let mut rec = TlsRecord::new(TlsMode::Auto);
    rec.auth_reply = reply(500, "AUTH not understood");
    o.control.tls_details = Some(rec);
}

#[test]
fn healthy_server_works_for_every_client() {
    let mut o = healthy();
    plaintext_server(&mut o);
    for p in predictions(&o) {
        let expected = if p.id == CurlSslReqd || p.id == FtplibTls {
            Fails
        } else {
            Works
        };
        assert_eq!(p.prediction, expected, "{}: {}", p.id, p.reason);
    }
}

#[test]
fn epsv_first_clients_never_notice_a_private_pasv_address() {
    let mut o = healthy_between("203.0.113.2:40000", "198.51.100.1:21");
    plaintext_server(&mut o);
    pasv_advertises(&mut o, "10.0.0.5", DialResult::Connected);
    check(
        "private PASV address",
        &o,
        &[
            (Curl, Works, None, None),
            (BasicFtp, Works, None, None),
            (Tnftp, Works, None, None),
            // Follows it: the SYN goes unanswered, 20 tries of 135 s and 145 s of pauses.
            (Wget, Hangs, Some(DataConnect), Some(2845.0)),
            (CurlDisableEpsv, Works, None, None),
            (Ftplib, Works, None, None),
            (Lftp, Works, None, None),
            (Ncftp, Works, None, None),
            (Filezilla, Works, None, None),
            (Winscp, Works, None, None),
        ],
    );
    let wget = predictions(&o).into_iter().find(|p| p.id == Wget);
    let reason = wget.map(|p| p.reason).unwrap_or_default();
    assert!(
        reason.contains("10.0.0.5") && reason.contains("pasv-private-address"),
        "{reason}"
    );
}

#[test]
fn zero_address_in_227_fails_at_once_for_clients_that_follow_it() {
    let mut o = healthy_between("203.0.113.2:40000", "198.51.100.1:21");
    plaintext_server(&mut o);
    pasv_advertises(&mut o, "0.0.0.0", DialResult::Connected);
    check(
        "0.0.0.0 in 227",
        &o,
        &[
            (Wget, Fails, Some(DataConnect), None),
            // lftp counts 0/8 as reserved and fixes it; FileZilla's list misses it, and
            // it falls back to active mode.
            (Lftp, Works, None, None),
            (Filezilla, Works, None, None),
            // Refused three times, then RETR without a data connection.
            (Ncftp, Hangs, Some(DataConnect), None),
            (CurlDisableEpsv, Works, None, None),
            (Curl, Works, None, None),
        ],
    );
}

#[test]
fn stale_public_pasv_address_hangs_followers_and_is_fixed_only_by_class_rules() {
    let mut o = healthy_between("192.0.2.2:40000", "93.184.216.34:21");
    plaintext_server(&mut o);
    refuse_request(&mut o, Mode::Epsv, 502, "Command not implemented.");
    pasv_advertises(&mut o, "198.51.100.7", DialResult::Connected);
    check(
        "stale public PASV address, no EPSV",
        &o,
        &[
            (Ncftp, Hangs, Some(DataConnect), Some(60.0)),
            (Lftp, Hangs, Some(DataConnect), None),
            (CurlDisableEpsv, Works, None, None),
            (BasicFtp, Fails, Some(Request), None),
        ],
    );
}

#[test]
fn active_mode_behind_a_firewall_that_drops_the_connect_back_hangs() {
    let mut o = healthy();
    plaintext_server(&mut o);
    accept_times_out(&mut o, Mode::Eprt);
    accept_times_out(&mut o, Mode::Port);
    check(
        "connect-back dropped",
        &o,
        &[
            (CurlActive, Hangs, Some(Accept), Some(60.0)),
            (CommonsNet, Hangs, Some(Accept), None),
            (WindowsFtp, Hangs, Some(Accept), None),
            (WgetActive, Hangs, Some(Accept), None),
            (NcftpActive, Hangs, Some(Accept), Some(135.0)),
            (Curl, Works, None, None),
        ],
    );
}

#[test]
fn ftp_url_to_an_implicit_tls_port_hangs_every_client_at_the_greeting() {
    let mut o = healthy();
    session_failed(
        &mut o,
        err(Stage::Banner, ErrorKind::Timeout, "no greeting within 5 s"),
    );
    for p in predictions(&o) {
        assert_eq!(
            (p.prediction, p.step),
            (Hangs, Some(Banner)),
            "{}: {}",
            p.id,
            p.reason
        );
    }
    check(
        "silent greeting",
        &o,
        &[
            (Curl, Hangs, Some(Banner), Some(120.0)),
            (Ftplib, Hangs, Some(Banner), None),
            (BasicFtp, Hangs, Some(Banner), Some(30.0)),
        ],
    );
}

#[test]
fn client_that_does_not_resume_tls_fails_where_the_server_requires_reuse() {
    let mut o = healthy();
    over_tls(&mut o);
    o.reuse_check = Some(ReuseCheck {
        mode: Mode::Epsv,
        accepted: false,
        reply: reply(522, "SSL connection failed: session reuse required"),
        error: None,
    });
    check(
        "reuse required",
        &o,
        &[
            (FtplibTls, Fails, Some(DataTls), None),
            (CurlSslReqd, Works, None, None),
            (Filezilla, Works, None, None),
            (Curl, Works, None, None),
        ],
    );
    o.reuse_check = None;
    check(
        "reuse unknown",
        &o,
        &[(FtplibTls, Depends, Some(DataTls), None)],
    );
    o.reuse_check = Some(ReuseCheck {
        mode: Mode::Epsv,
        accepted: true,
        reply: reply(226, "Transfer complete."),
        error: None,
    });
    check("reuse not required", &o, &[(FtplibTls, Works, None, None)]);
}

#[test]
fn server_waiting_for_the_data_handshake_hangs_clients_that_wait_for_the_150() {
    let mut o = healthy();
    over_tls(&mut o);
    for m in [Mode::Epsv, Mode::Pasv, Mode::Eprt, Mode::Port] {
        transfer_stalls(&mut o, m, Stage::TransferStart);
        if let Some(t) = &mut mode(&mut o, m).transfer {
            t.tls = None;
        }
    }
    check(
        "data tls deadlock",
        &o,
        &[
            // RFC 4217's order: the 150, then the handshake; the server wants it reversed.
            (FtplibTls, Hangs, Some(DataTls), None),
            // FileZilla and curl handshake as soon as the data connection opens.
            (Filezilla, Works, None, None),
            (CurlSslReqd, Works, None, None),
            // No PROT P, no data handshake: plaintext clients never meet it.
            (Curl, Works, None, None),
            (Wget, Works, None, None),
            (WindowsFtp, Works, None, None),
        ],
    );
}

#[test]
fn partly_filtered_passive_range_depends_with_the_sampled_share() {
    let mut o = healthy();
    plaintext_server(&mut o);
    let mut sample = SampleOutcome::new("EPSV", 10);
    for (i, outcome) in [
        DialResult::Connected,
        DialResult::Connected,
        DialResult::Refused,
        DialResult::Connected,
        DialResult::Timeout,
    ]
    .into_iter()
    .enumerate()
    {
        sample.push(SamplePort {
            port: 50000 + i as u16,
            addr: sa(&format!("127.0.0.1:{}", 50000 + i)),
            outcome,
            elapsed: Duration::from_millis(1),
        });
    }
    o.sample = Some(sample);
    check(
        "partly filtered",
        &o,
        &[
            (Curl, Depends, Some(Request), None),
            (Wget, Depends, Some(Request), None),
            (CurlActive, Works, None, None),
        ],
    );
    let curl = predictions(&o).into_iter().find(|p| p.id == Curl);
    let reason = curl.map(|p| p.reason).unwrap_or_default();
    assert!(
        reason.contains("3 of 5 sampled ports reachable (60%)"),
        "{reason}"
    );
}

#[test]
fn passive_modes_that_disagree_depend_even_without_sampling() {
    let mut o = healthy();
    plaintext_server(&mut o);
    passive_dial_fails(&mut o, Mode::Pasv, DialResult::Refused);
    check(
        "EPSV port open, PASV port refused",
        &o,
        &[
            (Curl, Depends, Some(Request), None),
            (Ftplib, Depends, Some(Request), None),
        ],
    );
}

#[test]
fn blackholed_passive_range_hangs_each_client_for_its_own_timeout() {
    let mut o = healthy();
    plaintext_server(&mut o);
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Timeout);
    passive_dial_fails(&mut o, Mode::Pasv, DialResult::Timeout);
    check(
        "blocked data",
        &o,
        &[
            // curl's own 300 s is longer than Linux's SYN give-up; EPSV, then PASV.
            (Curl, Hangs, Some(DataConnect), Some(270.0)),
            (CurlDisableEpsv, Hangs, Some(DataConnect), Some(135.0)),
            (BasicFtp, Hangs, Some(DataConnect), Some(60.0)),
            (Ftplib, Hangs, Some(DataConnect), Some(135.0)),
            (Lftp, Hangs, Some(DataConnect), None),
            (Tnftp, Hangs, Some(DataConnect), Some(135.0)),
            (CurlActive, Works, None, None),
            (CommonsNet, Works, None, None),
            (Filezilla, Hangs, Some(DataConnect), Some(20.0)),
        ],
    );
}

#[test]
fn refused_passive_port_fails_at_once_unless_the_client_retries_or_falls_back() {
    let mut o = healthy();
    plaintext_server(&mut o);
    passive_dial_fails(&mut o, Mode::Epsv, DialResult::Refused);
    passive_dial_fails(&mut o, Mode::Pasv, DialResult::Refused);
    check(
        "refused data",
        &o,
        &[
            (Curl, Fails, Some(DataConnect), None),
            (Wget, Fails, Some(DataConnect), None),
            (Ftplib, Fails, Some(DataConnect), None),
            (BasicFtp, Fails, Some(DataConnect), None),
            (Lftp, Hangs, Some(DataConnect), None),
            // FEAT lists PASV (vsftpd, Pure-FTPd): ncftp sends RETR anyway and waits.
            (Ncftp, Hangs, Some(DataConnect), None),
            (Tnftp, Works, None, None),
            (Filezilla, Works, None, None),
        ],
    );
    // FEAT without PASV (ProFTPD, pyftpdlib): ncftp falls back to PORT.
    o.control.features = vec!["EPSV".to_string(), "EPRT".to_string()];
    check(
        "refused data, PASV not in FEAT",
        &o,
        &[
            (Ncftp, Works, None, None),
            (Curl, Fails, Some(DataConnect), None),
        ],
    );
}

#[test]
fn missing_epsv_sends_epsv_first_clients_to_pasv() {
    let mut o = healthy();
    plaintext_server(&mut o);
    refuse_request(&mut o, Mode::Epsv, 502, "Command not implemented.");
    check(
        "no EPSV",
        &o,
        &[
            (Curl, Works, None, None),
            (BasicFtp, Works, None, None),
            (Tnftp, Works, None, None),
        ],
    );
}

#[test]
fn refused_port_fails_or_retries_by_client() {
    let mut o = healthy();
    plaintext_server(&mut o);
    refuse_request(&mut o, Mode::Eprt, 500, "Illegal EPRT command.");
    refuse_request(&mut o, Mode::Port, 500, "Illegal PORT command.");
    check(
        "PORT refused",
        &o,
        &[
            (CurlActive, Fails, Some(Request), None),
            (CommonsNet, Fails, Some(Request), None),
            (NcftpActive, Fails, Some(Request), None),
            (TnftpActive, Fails, Some(Request), None),
            (WgetActive, Hangs, Some(Request), Some(145.0)),
            (LftpActive, Hangs, Some(Request), None),
            (Curl, Works, None, None),
        ],
    );
}

#[test]
fn unparseable_227_fails_pasv_only_clients() {
    let mut o = healthy();
    plaintext_server(&mut o);
    let mut e = err(Stage::Request, ErrorKind::BadReply, "no address in the 227");
    e.reply = reply(227, "Entering Passive Mode (ftp,example,com,1,2)");
    request_error(&mut o, Mode::Pasv, e);
    check(
        "garbled 227",
        &o,
        &[
            (CurlDisableEpsv, Fails, Some(Request), None),
            (Ftplib, Fails, Some(Request), None),
            (Ncftp, Fails, Some(Request), None),
            (Wget, Hangs, Some(Request), Some(145.0)),
            (Curl, Works, None, None),
        ],
    );
}

#[test]
fn server_that_refuses_plaintext_logins_fails_plaintext_clients() {
    let mut o = healthy();
    over_tls(&mut o);
    o.plaintext_check = Some(PlaintextCheck {
        login_refused: reply(530, "Anonymous sessions must use encryption."),
        ..PlaintextCheck::skipped("the server refused a plaintext login")
    });
    check(
        "TLS required",
        &o,
        &[
            (Curl, Fails, Some(Login), None),
            (Ftplib, Fails, Some(Login), None),
            // Anonymous: lftp stays in plaintext (ftp:ssl-allow-anonymous off).
            (Lftp, Fails, Some(Login), None),
            (Wget, Hangs, Some(Login), Some(145.0)),
            (CurlSslReqd, Works, None, None),
            (FtplibTls, Depends, Some(DataTls), None),
            (Filezilla, Works, None, None),
        ],
    );
}

#[test]
fn refused_control_port_fails_and_a_dropped_one_hangs() {
    let mut o = healthy();
    not_connected(&mut o);
    o.control.connects = vec![crate::probe::record::ConnectRecord {
        addr: sa("127.0.0.1:2121"),
        outcome: DialResult::Refused,
        elapsed: Duration::from_millis(1),
        error: None,
        cut: None,
    }];
    session_failed(&mut o, err(Stage::Connect, ErrorKind::Io, "refused"));
    check("refused", &o, &[(Curl, Fails, Some(Connect), None)]);
    o.control.connects[0].outcome = DialResult::Timeout;
    check(
        "dropped",
        &o,
        &[
            (Curl, Hangs, Some(Connect), Some(135.0)),
            (WindowsFtp, Hangs, Some(Connect), Some(21.0)),
        ],
    );
}

#[test]
fn connect_back_from_another_address_fails_or_hangs_clients_that_check_it() {
    let mut o = healthy();
    plaintext_server(&mut o);
    for which in [Mode::Eprt, Mode::Port] {
        if let Some(a) = mode(&mut o, which).accept.as_mut() {
            a.from = Some(sa("127.0.0.9:20"));
        }
    }
    check(
        "connect-back from elsewhere",
        &o,
        &[
            (CommonsNet, Fails, Some(Accept), None),
            (NcftpActive, Hangs, Some(Accept), Some(135.0)),
            (CurlActive, Works, None, None),
        ],
    );
}

#[test]
fn on_ipv6_every_client_uses_epsv_and_eprt() {
    let mut o = healthy_between("[2001:db8::2]:40000", "[2001:db8::1]:21");
    plaintext_server(&mut o);
    o.modes.retain(|m| !m.mode.is_ipv4_only());
    check(
        "IPv6",
        &o,
        &[
            (Wget, Works, None, None),
            (WindowsFtp, Works, None, None),
            (Ftplib, Works, None, None),
        ],
    );
}

#[test]
fn ids_round_trip_and_the_default_list_is_a_subset() {
    for id in ClientId::ALL {
        assert_eq!(id.as_str().parse::<ClientId>(), Ok(id));
        assert!(!super::profile(id).describes.is_empty());
        assert_eq!(super::profile(id).id, id);
    }
    assert!(
        ClientId::DEFAULT
            .iter()
            .all(|id| ClientId::ALL.contains(id))
    );
    let err = "nope"
        .parse::<ClientId>()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("windows-ftp") && err.contains("\"nope\""),
        "{err}"
    );
}
