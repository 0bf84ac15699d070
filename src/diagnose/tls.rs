//! Findings about FTPS: AUTH TLS refused, handshakes that failed (control or data), the
//! certificate, PROT P. What TLS reveals about the path (a middlebox that rewrites the
//! plaintext 227 or PORT) is nat.rs's.

use super::context::{Cx, new_finding};
use super::words::quote;
use super::{Finding, FindingId, Severity};
use crate::probe::record::{
    ControlOutcome, ErrorKind, ProbeOutcome, ReplyRecord, StepError, Tls, TlsFailureReason,
    TlsMode, TlsRecord, TransferRecord,
};

/// Days before expiry from which the certificate is worth a warning (docs/findings.md, tls-certificate-expiring).
const EXPIRY_WARNING_DAYS: i64 = 14;

fn control_finding(id: FindingId, summary: String, evidence: String) -> Finding {
    new_finding(id, None, summary, evidence)
}

/// After 234 the server answered our ClientHello with a plaintext reply (kept as the
/// step's reply): it reads the socket in plaintext a moment after its 234.
pub(super) fn starttls_race(err: &StepError) -> Option<Finding> {
    if err.stage != crate::probe::record::Stage::Tls || err.kind != ErrorKind::Tls {
        return None;
    }
    let reply = err.reply.as_ref()?;
    Some(race(format!(
        "our ClientHello was answered in plaintext with {}",
        quote(reply)
    )))
}

fn race(evidence: String) -> Finding {
    control_finding(
        FindingId::TlsStarttlsRace,
        "After its 234 to AUTH TLS the server read our TLS ClientHello as an FTP command and \
         answered in plaintext: it switches the connection to TLS a moment too late, a race \
         that any client sending its ClientHello at once can lose."
            .to_string(),
        evidence,
    )
}

/// The finding for a session that failed while TLS was being set up.
pub(super) fn setup_failed(c: &ControlOutcome, err: &StepError) -> Option<Finding> {
    let rec = c.tls_details.as_ref()?;
    if let Some(f) = starttls_race(err) {
        return Some(f);
    }
    if err.kind == ErrorKind::Tls {
        let reason = rec.error.as_ref().map_or("other", |e| e.reason.as_str());
        return Some(super::fixes::for_what_was_seen(
            control_finding(
                FindingId::TlsHandshakeFailed,
                format!(
                    "The TLS handshake on the control connection failed ({reason}): {}.",
                    err.detail
                ),
                format!(
                    "stage control, reason {reason}: {}; {}",
                    err.detail,
                    requested(rec.requested)
                ),
            ),
            reason,
        ));
    }
    // --tls explicit: AUTH TLS refused stops the probe, so it is an error. Anything else
    // at this stage (AUTH unanswered, PBSZ or PROT failing) is no statement that the
    // server lacks TLS: the generic control failure tells it.
    let refused = rec.auth_reply.as_ref().filter(|r| r.code != AUTH_OK)?;
    let mut f = unavailable(c, Some(refused))?;
    f.severity = Severity::Error;
    Some(f)
}

/// The reply to AUTH TLS that starts the handshake.
const AUTH_OK: u16 = 234;

fn requested(mode: TlsMode) -> String {
    match mode {
        TlsMode::Implicit => "implicit TLS (ftps://)".to_string(),
        other => format!("--tls {}", other.as_str()),
    }
}

fn unavailable(c: &ControlOutcome, reply: Option<&ReplyRecord>) -> Option<Finding> {
    let rec = c.tls_details.as_ref()?;
    let answered = match (reply, &rec.auth_error) {
        (Some(r), _) => format!("answered {}", quote(r)),
        (None, Some(e)) => format!("not answered ({e})"),
        (None, None) => "not answered".to_string(),
    };
    let summary = match (rec.requested, reply) {
        (TlsMode::Explicit, _) => format!(
            "The server does not offer TLS (AUTH TLS was {answered}), and --tls explicit \
             requires it: the probe stopped before sending any credentials."
        ),
        (_, None) => format!(
            "AUTH TLS was {answered}: something on the path (a firewall that drops commands \
             it does not know) or the server ignores it. The probe went on in plaintext on a \
             new connection: the login and the data crossed the network unencrypted."
        ),
        (_, Some(_)) => format!(
            "The server does not offer TLS (AUTH TLS was {answered}): the login and the data \
             went over the network in plaintext."
        ),
    };
    Some(control_finding(
        FindingId::TlsUnavailable,
        summary,
        format!("\"AUTH TLS\" {answered}; {}", requested(rec.requested)),
    ))
}

/// Control-level TLS findings of a session that was set up (or failed at a later step).
pub(super) fn control_findings(outcome: &ProbeOutcome) -> Vec<Finding> {
    let c = &outcome.control;
    let Some(rec) = &c.tls_details else {
        return Vec::new();
    };
    let failed_at_tls = c
        .error
        .as_ref()
        .is_some_and(|e| e.stage == crate::probe::record::Stage::Tls);
    let mut out = Vec::new();
    if rec.requested == TlsMode::Auto && !failed_at_tls {
        out.extend(auto_handshake_failed(c, rec));
        out.extend(auto_unavailable(c, rec));
    }
    out.extend(certificate_expiring(rec));
    if c.tls == Tls::None {
        return out;
    }
    out.extend(not_trusted(rec));
    out.extend(data_clear(c, rec));
    out
}

/// --tls auto went on in plaintext after a broken handshake: the handshake is still the
/// finding, and the modes were tested without it.
fn auto_handshake_failed(c: &ControlOutcome, rec: &TlsRecord) -> Option<Finding> {
    let failure = rec.error.as_ref().filter(|_| c.tls == Tls::None)?;
    Some(if failure.reason == TlsFailureReason::PlaintextReply {
        race(format!(
            "{}; then ftpdoctor went on in plaintext (--tls auto)",
            failure.detail
        ))
    } else {
        super::fixes::for_what_was_seen(
            control_finding(
                FindingId::TlsHandshakeFailed,
                format!(
                    "The server accepted AUTH TLS (234) but the handshake failed ({}): {}. \
                     ftpdoctor went on in plaintext (--tls auto) to test the modes.",
                    failure.reason, failure.detail
                ),
                format!(
                    "stage control, reason {}: {}; {}",
                    failure.reason,
                    failure.detail,
                    requested(rec.requested)
                ),
            ),
            failure.reason.as_str(),
        )
    })
}

/// --tls auto found AUTH TLS refused or unanswered and went on in plaintext.
fn auto_unavailable(c: &ControlOutcome, rec: &TlsRecord) -> Option<Finding> {
    let refused = rec.auth_reply.as_ref().is_some_and(|r| r.code != AUTH_OK);
    let unanswered = rec.auth_reply.is_none() && rec.auth_error.is_some();
    if !(refused || unanswered) {
        return None;
    }
    unavailable(c, rec.auth_reply.as_ref()).map(|mut f| {
        // Anonymous FTP in plaintext is what public mirrors do: no secret crossed.
        // A named user's password did, which is worth a warning.
        if crate::proto::is_anonymous(&c.user) {
            f.severity = Severity::Info;
        }
        f
    })
}

/// Recorded even when verification refused it: an expired certificate is why.
fn certificate_expiring(rec: &TlsRecord) -> Option<Finding> {
    let cert = rec
        .certificate
        .as_ref()
        .filter(|cert| cert.days_left < EXPIRY_WARNING_DAYS)?;
    let expiry = humantime::format_rfc3339_seconds(cert.not_after);
    let summary = match cert.days_left {
        -1 => "The server's certificate expired yesterday.".to_string(),
        d if d < 0 => format!("The server's certificate expired {} days ago.", -d),
        0 => "The server's certificate expires within a day.".to_string(),
        1 => "The server's certificate expires in 1 day.".to_string(),
        d => format!("The server's certificate expires in {d} days."),
    };
    Some(control_finding(
        FindingId::TlsCertificateExpiring,
        summary,
        format!(
            "certificate {} issued by {}, valid until {expiry}",
            cert.subject, cert.issuer
        ),
    ))
}

/// A certificate that was not checked: refused and gone on without (the anonymous probe),
/// or not checked at all (--insecure).
fn not_trusted(rec: &TlsRecord) -> Option<Finding> {
    if rec.went_on_unverified {
        let why = rec.verify_error.as_deref().unwrap_or("refused");
        return Some(super::fixes::for_what_was_seen(
            control_finding(
                FindingId::TlsHandshakeFailed,
                format!(
                    "The server's certificate is not trusted ({why}): clients that check it \
                     refuse the connection. The anonymous probe went on without the check \
                     (no password at stake) to test the data connections."
                ),
                format!(
                    "stage control, reason certificate: {why}; {}; {}",
                    match &rec.certificate {
                        Some(cert) =>
                            format!("certificate {} issued by {}", cert.subject, cert.issuer),
                        None => "no certificate details".to_string(),
                    },
                    requested(rec.requested)
                ),
            ),
            "certificate",
        ));
    }
    if rec.verified {
        return None;
    }
    let would = match &rec.verify_error {
        Some(why) => format!("verification would have failed: {why}"),
        None => "verification would have passed".to_string(),
    };
    Some(control_finding(
        FindingId::TlsUnverified,
        format!("The server's certificate was not checked (--insecure); {would}."),
        match &rec.certificate {
            Some(cert) => format!("certificate {} issued by {}", cert.subject, cert.issuer),
            None => "no certificate details".to_string(),
        },
    ))
}

/// PROT P refused on a TLS control connection: the data goes in plaintext.
fn data_clear(c: &ControlOutcome, rec: &TlsRecord) -> Option<Finding> {
    if c.login != crate::probe::record::Login::Ok || rec.data_protected {
        return None;
    }
    let reply = rec.prot_reply.as_ref()?;
    Some(control_finding(
        FindingId::TlsDataClear,
        "The control connection is TLS, but the server refused PROT P: listings and files \
         cross the network unencrypted."
            .to_string(),
        format!("\"PROT P\" was answered {}", quote(reply)),
    ))
}

/// A transfer that failed because of its data connection's TLS: the handshake itself, or
/// the server's 425/522 refusing it (session not resumed).
pub(super) fn data_failure(cx: Cx, t: &TransferRecord) -> Option<Finding> {
    let tls = t.tls.as_ref()?;
    let refusal = t.final_reply.as_ref().filter(|r| {
        let text = r.text.to_ascii_lowercase();
        r.code == 522
            || (matches!(r.code, 425 | 426) && (text.contains("ssl") || text.contains("tls")))
            // ProFTPD refuses a data session that did not resume with a 425 that names no
            // TLS at all ("Unable to build data connection: Operation not permitted"),
            // right after a handshake that completed and before any data.
            || (matches!(r.code, 425 | 426) && tls.ok && !tls.resumed && t.bytes == 0)
    });
    if tls.ok && refusal.is_none() {
        return None;
    }
    // A completed handshake that did not resume, then refused: what servers that require
    // reuse do. A handshake that failed outright says nothing about reuse.
    let reuse = refusal.is_some_and(|r| r.text.to_ascii_lowercase().contains("reuse"))
        || (refusal.is_some() && tls.ok && !tls.resumed);
    let reason = match (&tls.error, reuse) {
        (_, true) => "session-reuse",
        (Some(e), false) => e.reason.as_str(),
        (None, false) => "refused",
    };
    let mut evidence = vec![format!("stage data, reason {reason}")];
    if let Some(e) = &tls.error {
        evidence.push(e.detail.clone());
    }
    evidence.push(format!(
        "handshake {}, session {}",
        if tls.ok { "completed" } else { "failed" },
        if tls.resumed {
            "resumed"
        } else {
            "not resumed"
        }
    ));
    if let Some(r) = &t.final_reply {
        evidence.push(format!("final {}", quote(r)));
    }
    let summary = match reason {
        "session-reuse" => format!(
            "The server refused the {} data connection's TLS because it did not resume the \
             control connection's TLS session.",
            cx.m.mode.as_str().to_ascii_uppercase()
        ),
        _ => format!(
            "The TLS handshake on the {} data connection failed ({reason}).",
            cx.m.mode.as_str().to_ascii_uppercase()
        ),
    };
    let f = cx.finding(FindingId::TlsHandshakeFailed, summary, evidence.join("; "));
    Some(super::fixes::for_what_was_seen(f, reason))
}
