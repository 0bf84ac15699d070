//! The header's TLS lines: how the control connection is protected, the data
//! connections' protection, and the certificate.

use crate::probe::record::{ControlOutcome, Stage, Tls, TlsRecord};

use super::cells::reply_text;
use crate::report::text::clean;

/// `tls` line: "explicit, TLSv1.3 TLS13_AES_256_GCM_SHA384; data private".
pub(super) fn tls_line(control: &ControlOutcome) -> String {
    let Some(rec) = &control.tls_details else {
        // No TLS record: either TLS was off, or the session ended before it could start
        // (nothing listening, no greeting) — which says nothing about --tls.
        return match &control.error {
            Some(e) if matches!(e.stage, Stage::Resolve | Stage::Connect | Stage::Banner) => {
                "not reached (the session ended before TLS could start)".to_string()
            }
            _ => "off (--tls off)".to_string(),
        };
    };
    if let Some(err) = &rec.error {
        return format!("handshake failed ({}): {}", err.reason, clean(&err.detail));
    }
    match control.tls {
        Tls::None => match &rec.auth_reply {
            Some(reply) => format!("not offered: AUTH TLS answered {}", reply_text(reply)),
            None => "none".to_string(),
        },
        Tls::Explicit | Tls::Implicit => {
            let how = if control.tls == Tls::Explicit {
                "explicit (AUTH TLS)"
            } else {
                "implicit"
            };
            let version = rec.version.as_deref().unwrap_or("?");
            let cipher = rec.cipher.as_deref().unwrap_or("?");
            format!("{how}, {version} {cipher}; data {}", data_words(rec))
        }
    }
}

fn data_words(rec: &TlsRecord) -> String {
    match (&rec.prot_reply, rec.data_protected) {
        (_, true) => "private (PROT P)".to_string(),
        (Some(reply), false) => format!("in clear: PROT P answered {}", reply_text(reply)),
        (None, false) => "in clear".to_string(),
    }
}

/// `cert` line, when there was a certificate: subject, issuer, expiry, verification.
pub(super) fn cert_line(control: &ControlOutcome) -> Option<String> {
    let rec = control.tls_details.as_ref()?;
    let cert = rec.certificate.as_ref()?;
    let expiry = humantime::format_rfc3339_seconds(cert.not_after).to_string();
    let date = expiry.split('T').next().unwrap_or(&expiry);
    let left = match cert.days_left {
        d if d < 0 => format!("EXPIRED {} days ago", -d),
        1 => "1 day left".to_string(),
        d => format!("{d} days left"),
    };
    // Whether it was checked comes first: a long subject must not push it off the line.
    // "--insecure" only when it was given: a check that refused the certificate is a
    // rejection, whether the handshake stopped there or an anonymous probe went on.
    let insecure = rec.error.is_none() && !rec.went_on_unverified;
    let verified = match (rec.verified, &rec.verify_error) {
        (true, _) => String::new(),
        (false, Some(why)) if rec.went_on_unverified => format!(
            "REJECTED: {} (the anonymous probe went on unchecked); ",
            clean(why)
        ),
        (false, Some(why)) if !insecure => format!("REJECTED: {}; ", clean(why)),
        (false, Some(why)) => format!("NOT VERIFIED (--insecure), would fail: {}; ", clean(why)),
        (false, None) => "not verified (--insecure), would pass; ".to_string(),
    };
    Some(format!(
        "{verified}{} issued by {}, expires {date} ({left})",
        clean(&cert.subject),
        clean(&cert.issuer)
    ))
}
