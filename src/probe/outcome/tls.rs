//! What the probe saw of TLS (RFC 4217) and of middleboxes: the control connection's
//! handshake and certificate, each data connection's handshake, what STAT says the server
//! sees, and the plaintext session that shows whether something rewrites FTP on the way.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use serde::{Serialize, Serializer};

use super::{ReplyRecord, serialize_display_opt, serialize_ms};
use crate::net::{CertInfo, Handshake, TlsFailure};

/// What the user asked for (--tls, or ftps://).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Try AUTH TLS; go on in plaintext if the server refuses.
    Auto,
    /// AUTH TLS, and a refusal is an error.
    Explicit,
    /// TLS from the first byte (ftps://, port 990).
    Implicit,
    Off,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Auto => "auto",
            TlsMode::Explicit => "explicit",
            TlsMode::Implicit => "implicit",
            TlsMode::Off => "off",
        }
    }
}

/// How the control connection ended up (the report's `control.tls`, docs/report-schema.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    None,
    Explicit,
    Implicit,
}

fn serialize_time<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_seconds(*t))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertRecord {
    pub subject: String,
    pub issuer: String,
    #[serde(serialize_with = "serialize_time")]
    pub not_before: SystemTime,
    #[serde(serialize_with = "serialize_time")]
    pub not_after: SystemTime,
    /// Whole days left when the probe ran; negative once expired.
    pub days_left: i64,
    pub names: Vec<String>,
}

impl From<&CertInfo> for CertRecord {
    fn from(c: &CertInfo) -> CertRecord {
        CertRecord {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            not_before: c.not_before,
            not_after: c.not_after,
            days_left: c.days_left,
            names: c.names.clone(),
        }
    }
}

/// A handshake that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsFailureRecord {
    /// certificate, protocol, closed, timeout, other; `session-reuse` when the server
    /// said (425/522) that it wanted the control session resumed.
    pub reason: &'static str,
    pub detail: String,
}

impl TlsFailureRecord {
    pub fn new(failure: TlsFailure, detail: impl Into<String>) -> TlsFailureRecord {
        TlsFailureRecord {
            reason: failure.as_str(),
            detail: detail.into(),
        }
    }
}

/// The control connection's TLS, as far as it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsRecord {
    pub requested: TlsMode,
    /// The reply to AUTH TLS (explicit FTPS).
    pub auth_reply: Option<ReplyRecord>,
    /// AUTH TLS got no reply (timeout, closed): with --tls auto the probe went on in
    /// plaintext on a new connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<String>,
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub certificate: Option<CertRecord>,
    /// The certificate was checked and passed: false with --insecure, and false until a
    /// handshake happened (a server without TLS has no verified certificate).
    pub verified: bool,
    /// Whether a handshake's certificate gets checked (not --insecure).
    #[serde(skip)]
    pub checks_certificate: bool,
    /// With --insecure: why verification would have refused the certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
    /// The reply to PROT P: data connections are private only after a 2yz.
    pub prot_reply: Option<ReplyRecord>,
    pub data_protected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TlsFailureRecord>,
}

impl TlsRecord {
    /// A record for a session that asks for `requested`; `checks_certificate` is false
    /// with --insecure.
    pub fn new(requested: TlsMode, checks_certificate: bool) -> TlsRecord {
        TlsRecord {
            requested,
            auth_reply: None,
            auth_error: None,
            version: None,
            cipher: None,
            certificate: None,
            verified: false,
            checks_certificate,
            verify_error: None,
            prot_reply: None,
            data_protected: false,
            error: None,
        }
    }

    pub fn note_handshake(&mut self, h: &Handshake) {
        self.version = Some(h.version.clone());
        self.cipher = Some(h.cipher.clone());
        self.certificate = h.certificate.as_ref().map(CertRecord::from);
        // A completed handshake passed the check, if there was one.
        self.verified = self.checks_certificate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_details_verified_is_false_when_no_handshake_happened() {
        // AUTH TLS refused: "tls": "none" must not come with "verified": true.
        let refused = TlsRecord::new(TlsMode::Auto, true);
        assert!(!refused.verified);
        let json = serde_json::to_value(&refused).unwrap_or_default();
        assert_eq!(json["verified"], false);
        assert!(json.get("checks_certificate").is_none());
    }
}

/// One data connection's handshake under PROT P.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataTlsRecord {
    pub ok: bool,
    pub version: Option<String>,
    /// The control connection's session was resumed (vsftpd require_ssl_reuse asks it).
    pub resumed: bool,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TlsFailureRecord>,
}

/// What STAT says about the connection, where the server says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerView {
    pub reply: Option<ReplyRecord>,
    /// The client address the server says it sees.
    #[serde(serialize_with = "serialize_display_opt")]
    pub client: Option<IpAddr>,
}

/// The same requests in a plaintext session, to compare with the TLS one: a middlebox
/// can read (and rewrite) only the plaintext.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlaintextCheck {
    /// Why the comparison was not made, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub pasv_reply: Option<ReplyRecord>,
    #[serde(serialize_with = "serialize_display_opt")]
    pub pasv_addr: Option<SocketAddr>,
    pub port_request: Option<String>,
    pub port_reply: Option<ReplyRecord>,
    pub eprt_request: Option<String>,
    pub eprt_reply: Option<ReplyRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reply that refused the plaintext login (a server that requires TLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_refused: Option<ReplyRecord>,
}

impl PlaintextCheck {
    pub fn skipped(why: impl Into<String>) -> PlaintextCheck {
        PlaintextCheck {
            skipped: Some(why.into()),
            ..PlaintextCheck::default()
        }
    }
}

/// FTPS: a data connection made without resuming the control connection's TLS session,
/// as clients that never resume make them (Python's `FTP_TLS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReuseCheck {
    /// The passive mode it ran in.
    pub mode: super::Mode,
    /// The server let the fresh session through and the transfer completed.
    pub accepted: bool,
    /// The reply that ended the transfer, when one did.
    pub reply: Option<ReplyRecord>,
    /// What went wrong, in words, when no reply says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
