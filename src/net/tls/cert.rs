//! What the report says of a server certificate: who it names, who signed it, when it
//! expires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use x509_parser::prelude::{FromDer, X509Certificate};

/// The server certificate's details, as the report shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514 form, as OpenSSL prints it: `CN=ftp.example.com, O=Example`.
    pub subject: String,
    /// Who signed it, in the same form.
    pub issuer: String,
    /// The start of its validity.
    pub not_before: SystemTime,
    /// The end of its validity.
    pub not_after: SystemTime,
    /// Whole days from the handshake to `not_after`; negative once it has expired.
    pub days_left: i64,
    /// DNS names and addresses from subjectAltName.
    pub names: Vec<String>,
}

const DAY_SECS: i64 = 86_400;

impl CertInfo {
    /// `None` for a certificate x509-parser cannot read: the handshake verified (or
    /// --insecure accepted) it, and the report then only lacks its details.
    pub fn parse(der: &[u8], now: SystemTime) -> Option<CertInfo> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let validity = cert.validity();
        let not_after = at(validity.not_after.timestamp());
        let days_left = seconds_between(now, not_after).div_euclid(DAY_SECS);
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|ext| {
                ext.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        x509_parser::extensions::GeneralName::DNSName(dns) => Some(dns.to_string()),
                        x509_parser::extensions::GeneralName::IPAddress(raw) => ip_text(raw),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(CertInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: at(validity.not_before.timestamp()),
            not_after,
            days_left,
            names,
        })
    }
}

fn ip_text(raw: &[u8]) -> Option<String> {
    match raw.len() {
        4 => <[u8; 4]>::try_from(raw)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(raw)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

fn at(unix: i64) -> SystemTime {
    let magnitude = Duration::from_secs(unix.unsigned_abs());
    if unix >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

/// `to - from` in whole seconds, negative when `to` is earlier.
fn seconds_between(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
