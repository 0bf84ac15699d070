//! The FTPS and middlebox rules, table-tested like the rest (run from `tests.rs`).

use std::time::{Duration, SystemTime};

use super::FindingId::*;
use super::testkit::*;
use crate::probe::record::{
    CertRecord, DataTlsRecord, Mode, PlaintextCheck, ProbeOutcome, ServerView, StepError, Tls,
    TlsFailureReason, TlsFailureRecord, TlsMode, TlsRecord, TransferResult,
};

/// A healthy probe whose control connection went TLS by AUTH TLS, PROT P accepted.
fn over_tls(o: &mut ProbeOutcome) {
    o.control.tls = Tls::Explicit;
    let mut rec = TlsRecord::new(TlsMode::Auto);
    rec.auth_reply = reply(234, "Proceed with negotiation.");
    rec.version = Some("TLSv1.3".to_string());
    rec.cipher = Some("TLS13_AES_256_GCM_SHA384".to_string());
    rec.certificate = Some(cert(90));
    rec.verified = true;
    rec.prot_reply = reply(200, "PROT now Private.");
    rec.data_protected = true;
    o.control.tls_details = Some(rec);
}

fn cert(days_left: i64) -> CertRecord {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    CertRecord {
        subject: "CN=ftp.example.com".to_string(),
        issuer: "CN=Example CA".to_string(),
        not_before: now - Duration::from_secs(86_400 * 30),
        not_after: now + Duration::from_secs(86_400 * days_left.max(0) as u64),
        days_left,
        names: vec!["ftp.example.com".to_string()],
    }
}

fn tls_rec(o: &mut ProbeOutcome) -> &mut TlsRecord {
    o.control
        .tls_details
        .get_or_insert_with(|| TlsRecord::new(TlsMode::Auto))
}

fn data_tls(
    o: &mut ProbeOutcome,
    which: Mode,
    ok: bool,
    resumed: bool,
    final_code: u16,
    text: &str,
) {
    let m = mode(o, which);
    if let Some(t) = m.transfer.as_mut() {
        t.tls = Some(DataTlsRecord {
            ok,
            version: ok.then(|| "TLSv1.3".to_string()),
            resumed,
            elapsed: Duration::from_millis(2),
            error: (!ok).then(|| TlsFailureRecord {
                reason: TlsFailureReason::Closed,
                detail: "the server closed the connection".to_string(),
            }),
        });
        t.outcome = TransferResult::Failed;
        t.bytes = 0;
        t.final_reply = reply(final_code, text);
    }
}

fn plaintext_pasv(o: &mut ProbeOutcome, said: &str) {
    o.plaintext_check = Some(PlaintextCheck {
        pasv_reply: reply(227, "Entering Passive Mode (127,0,0,1,195,80)."),
        pasv_addr: Some(sa(said)),
        ..PlaintextCheck::default()
    });
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "plaintext server, --tls auto, a named user's password crossed in plaintext",
            |o| {
                o.control.user = "alice".to_string();
                let rec = tls_rec(o);
                rec.auth_reply = reply(530, "Please login with USER and PASS.");
            },
            &[(TlsUnavailable, W, CONTROL)],
        ),
        case(
            "plaintext server, --tls auto, anonymous login: nothing secret crossed, info only",
            |o| {
                o.control.user = "anonymous".to_string();
                let rec = tls_rec(o);
                rec.auth_reply = reply(530, "Please login with USER and PASS.");
            },
            &[(TlsUnavailable, I, CONTROL)],
        ),
        case(
            "plaintext server, --tls explicit",
            |o| {
                let rec = tls_rec(o);
                rec.requested = TlsMode::Explicit;
                rec.auth_reply = reply(500, "AUTH not understood");
                let mut e = err(
                    crate::probe::record::Stage::Tls,
                    crate::probe::record::ErrorKind::UnexpectedReply,
                    "expected 234 to AUTH TLS, got 500",
                );
                e.reply = reply(500, "AUTH not understood");
                session_failed(o, e);
            },
            &[(TlsUnavailable, E, CONTROL)],
        ),
        case(
            "certificate from an unknown CA",
            |o| {
                let rec = tls_rec(o);
                rec.auth_reply = reply(234, "Proceed with negotiation.");
                rec.error = Some(TlsFailureRecord {
                    reason: TlsFailureReason::Certificate,
                    detail: "invalid peer certificate: UnknownIssuer".to_string(),
                });
                session_failed(
                    o,
                    StepError::new(
                        crate::probe::record::Stage::Tls,
                        crate::probe::record::ErrorKind::Tls,
                        "invalid peer certificate: UnknownIssuer",
                    ),
                );
            },
            &[(TlsHandshakeFailed, E, CONTROL)],
        ),
        case("FTPS, all well", over_tls, &[]),
        case(
            "FTPS, certificate expires in 10 days",
            |o| {
                over_tls(o);
                tls_rec(o).certificate = Some(cert(10));
            },
            &[(TlsCertificateExpiring, W, CONTROL)],
        ),
        case(
            "FTPS, certificate still 14 days",
            |o| {
                over_tls(o);
                tls_rec(o).certificate = Some(cert(14));
            },
            &[],
        ),
        case(
            "FTPS, --insecure",
            |o| {
                over_tls(o);
                let rec = tls_rec(o);
                rec.verified = false;
                rec.verify_error = Some("invalid peer certificate: UnknownIssuer".to_string());
            },
            &[(TlsUnverified, I, CONTROL)],
        ),
        case(
            "FTPS, PROT P refused",
            |o| {
                over_tls(o);
                let rec = tls_rec(o);
                rec.prot_reply = reply(534, "PROT P refused by policy.");
                rec.data_protected = false;
            },
            &[(TlsDataClear, W, CONTROL)],
        ),
        case(
            "FTPS, data connection not resumed: 522 (vsftpd require_ssl_reuse)",
            |o| {
                over_tls(o);
                data_tls(
                    o,
                    Mode::Epsv,
                    true,
                    false,
                    522,
                    "SSL connection failed: session reuse required",
                );
            },
            &[(TlsHandshakeFailed, E, EPSV)],
        ),
        case(
            "FTPS, data handshake cut off",
            |o| {
                over_tls(o);
                data_tls(
                    o,
                    Mode::Pasv,
                    false,
                    false,
                    425,
                    "Unable to build data connection.",
                );
            },
            &[(TlsHandshakeFailed, E, PASV)],
        ),
        case(
            "FTPS, data handshake failed and then 522: not a reuse matter",
            |o| {
                over_tls(o);
                data_tls(o, Mode::Epsv, false, false, 522, "SSL connection failed.");
            },
            &[(TlsHandshakeFailed, E, EPSV)],
        ),
        case(
            "FTPS, PBSZ unanswered after 234: no claim that TLS is missing",
            |o| {
                let rec = tls_rec(o);
                rec.auth_reply = reply(234, "Proceed with negotiation.");
                rec.version = Some("TLSv1.3".to_string());
                session_failed(
                    o,
                    err(
                        crate::probe::record::Stage::Tls,
                        crate::probe::record::ErrorKind::Timeout,
                        "no reply within 5s (waiting for the reply to PBSZ)",
                    ),
                );
            },
            &[(ControlFailed, E, CONTROL)],
        ),
        case(
            "FTPS, a plain 550 on a protected data connection is no TLS matter",
            |o| {
                over_tls(o);
                data_tls(o, Mode::Eprt, true, true, 550, "Failed to open file.");
            },
            &[(TransferFailed, E, EPRT)],
        ),
        case(
            "ALG rewrites the plaintext 227",
            |o| {
                over_tls(o);
                pasv_advertises(o, "10.77.0.2", crate::probe::record::DialResult::Connected);
                plaintext_pasv(o, "127.0.0.1:50010");
            },
            &[
                (PasvPrivateAddress, E, PASV),
                (SubstituteAddressWorks, I, PASV),
                (AlgRewrite, W, PASV),
            ],
        ),
        case(
            "plaintext and TLS 227 agree",
            |o| {
                over_tls(o);
                plaintext_pasv(o, "127.0.0.1:50010");
            },
            &[],
        ),
        case(
            "ALG rewrites the plaintext PORT",
            |o| {
                over_tls(o);
                refuse_request(o, Mode::Port, 500, "Illegal PORT command.");
                o.plaintext_check = Some(PlaintextCheck {
                    port_request: Some("PORT 127,0,0,1,4,1".to_string()),
                    port_reply: reply(200, "PORT command successful."),
                    ..PlaintextCheck::default()
                });
            },
            &[(PortRejected, E, PORT), (AlgRewrite, W, PORT)],
        ),
        case(
            "STAT sees another client address",
            |o| {
                o.control.server_view = Some(ServerView {
                    reply: reply(211, "FTP server status:"),
                    client: Some(ip("198.51.100.20")),
                });
            },
            &[(ClientBehindNat, I, CONTROL)],
        ),
        case(
            "STAT sees our own address",
            |o| {
                o.control.server_view = Some(ServerView {
                    reply: reply(211, "FTP server status:"),
                    client: o.control.local.map(|l| l.ip()),
                });
            },
            &[],
        ),
    ]
}

#[test]
fn failed_data_handshake_is_not_blamed_on_session_reuse() {
    let mut o = healthy();
    over_tls(&mut o);
    data_tls(
        &mut o,
        Mode::Epsv,
        false,
        false,
        522,
        "SSL connection failed.",
    );
    let found = super::diagnose(&o);
    let f = found
        .iter()
        .find(|f| f.id == TlsHandshakeFailed)
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(f.evidence.contains("reason closed"), "{}", f.evidence);
}
