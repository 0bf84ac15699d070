//! What the probe saw of TLS (RFC 4217) and of middleboxes: the control connection's
//! handshake and certificate, each data connection's handshake, what STAT says the server
//! sees, and the plaintext session that shows whether something rewrites FTP on the way.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::ReplyRecord;
use crate::wire::{serialize_display_opt, serialize_ms, serialize_time, wire_enum};

wire_enum! {
    /// What the user asked for (--tls, or ftps://).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TlsMode {
        /// Try AUTH TLS; go on in plaintext if the server refuses.
        Auto = "auto",
        /// AUTH TLS, and a refusal is an error.
        Explicit = "explicit",
        /// TLS from the first byte (ftps://, port 990).
        Implicit = "implicit",
        /// No TLS: plaintext only, AUTH TLS is never sent.
        Off = "off",
    }
}

wire_enum! {
    /// How the control connection ended up (the report's `control.tls`, docs/report-schema.md).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Tls {
        /// Plaintext: no TLS asked for, or AUTH TLS refused with --tls auto.
        None = "none",
        /// AUTH TLS succeeded and the handshake completed.
        Explicit = "explicit",
        /// TLS from the first byte (ftps://).
        Implicit = "implicit",
    }
}

/// The server certificate, as the report describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertRecord {
    /// The certificate's subject, as a distinguished name.
    pub subject: String,
    /// The issuer, as a distinguished name.
    pub issuer: String,
    /// Start of the validity period.
    #[serde(serialize_with = "serialize_time")]
    pub not_before: SystemTime,
    /// End of the validity period.
    #[serde(serialize_with = "serialize_time")]
    pub not_after: SystemTime,
    /// Whole days left when the probe ran; negative once expired.
    pub days_left: i64,
    /// The DNS names and addresses it is valid for (subjectAltName).
    pub names: Vec<String>,
}

wire_enum! {
    /// Why a handshake failed, in the report's terms.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TlsFailureReason {
        /// The certificate did not verify (unknown issuer, wrong name, expired, ...).
        Certificate = "certificate",
        /// The two sides did not agree: an alert, no common version or cipher, garbage.
        Protocol = "protocol",
        /// The server closed the connection mid-handshake.
        Closed = "closed",
        /// The handshake did not finish within --timeout.
        Timeout = "timeout",
        /// Our own setup or the socket failed.
        Other = "other",
        /// The server answered the ClientHello with a plaintext FTP reply: it read it as
        /// a command (a server that switches to TLS a moment after its 234).
        PlaintextReply = "plaintext-reply",
    }
}

/// A handshake that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsFailureRecord {
    /// Why, in the report's terms.
    pub reason: TlsFailureReason,
    /// What the TLS library said.
    pub detail: String,
}

/// The control connection's TLS, as far as it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsRecord {
    /// What was asked for (--tls, or the URL's scheme).
    pub requested: TlsMode,
    /// The reply to AUTH TLS (explicit FTPS).
    pub auth_reply: Option<ReplyRecord>,
    /// AUTH TLS got no reply (timeout, closed): with --tls auto the probe went on in
    /// plaintext on a new connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<String>,
    /// Why AUTH TLS got no reply, typed, beside `auth_error`'s words.
    #[serde(skip)]
    pub auth_cause: Option<super::Cause>,
    /// The negotiated version (`TLSv1.3`), once the handshake completed.
    pub version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher: Option<String>,
    /// The server certificate, when the handshake got as far as one.
    pub certificate: Option<CertRecord>,
    /// The certificate was checked and passed: false with --insecure, and false until a
    /// handshake happened (a server without TLS has no verified certificate).
    pub verified: bool,
    /// With --insecure: why verification would have refused the certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
    /// Without --insecure, an anonymous login went on past a certificate the check refused
    /// (`verify_error` says why): no secret was at stake, and the data modes were probed.
    /// Absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub went_on_unverified: bool,
    /// The reply to PROT P: data connections are private only after a 2yz.
    pub prot_reply: Option<ReplyRecord>,
    /// PROT P was accepted: the data connections run TLS too.
    pub data_protected: bool,
    /// Why the handshake failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TlsFailureRecord>,
}

impl TlsRecord {
    /// Nothing negotiated yet, nothing verified (a server without TLS has no verified
    /// certificate).
    pub fn new(requested: TlsMode) -> TlsRecord {
        TlsRecord {
            requested,
            auth_reply: None,
            auth_error: None,
            auth_cause: None,
            version: None,
            cipher: None,
            certificate: None,
            verified: false,
            verify_error: None,
            went_on_unverified: false,
            prot_reply: None,
            data_protected: false,
            error: None,
        }
    }
}

/// One data connection's handshake under PROT P.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataTlsRecord {
    /// The handshake completed.
    pub ok: bool,
    /// The negotiated version.
    pub version: Option<String>,
    /// The control connection's session was resumed (vsftpd require_ssl_reuse asks it).
    pub resumed: bool,
    /// How long the handshake took.
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TlsFailureRecord>,
}

/// What STAT says about the connection, where the server says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerView {
    /// The reply to STAT, when the server answered it.
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
    /// The plaintext session's reply to PASV.
    pub pasv_reply: Option<ReplyRecord>,
    /// The address that reply advertised, when it could be parsed.
    #[serde(serialize_with = "serialize_display_opt")]
    pub pasv_addr: Option<SocketAddr>,
    /// The PORT command the plaintext session sent.
    pub port_request: Option<String>,
    /// The plaintext session's reply to PORT.
    pub port_reply: Option<ReplyRecord>,
    /// The EPRT command the plaintext session sent.
    pub eprt_request: Option<String>,
    /// The plaintext session's reply to EPRT.
    pub eprt_reply: Option<ReplyRecord>,
    /// Why the plaintext session broke off, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reply that refused the plaintext login (a server that requires TLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_refused: Option<ReplyRecord>,
}

impl PlaintextCheck {
    /// A comparison that was not made, and why.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_details_verified_is_false_when_no_handshake_happened() {
        // AUTH TLS refused: "tls": "none" must not come with "verified": true.
        let refused = TlsRecord::new(TlsMode::Auto);
        assert!(!refused.verified);
        let json = serde_json::to_value(&refused).unwrap_or_default();
        assert_eq!(json["verified"], false);
    }
}
