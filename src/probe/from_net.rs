//! The network layer's answers turned into the records' terms: `net` knows nothing of
//! the report, and the records nothing of sockets or rustls.

use super::record::{CertRecord, DialResult, TlsFailureReason, TlsFailureRecord, TlsRecord};
use crate::net::{CertInfo, DialOutcome, Handshake, TlsFailure, Trust};

/// How a dial ended, as the report says it.
pub(super) fn dial_result(outcome: DialOutcome) -> DialResult {
    match outcome {
        DialOutcome::Connected => DialResult::Connected,
        DialOutcome::Refused => DialResult::Refused,
        DialOutcome::Timeout => DialResult::Timeout,
        DialOutcome::Unreachable => DialResult::Unreachable,
    }
}

/// The certificate as the report describes it.
pub(super) fn cert_record(c: &CertInfo) -> CertRecord {
    CertRecord {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        not_before: c.not_before,
        not_after: c.not_after,
        days_left: c.days_left,
        names: c.names.clone(),
    }
}

/// A failed handshake as the report describes it.
pub(super) fn tls_failure(failure: TlsFailure, detail: impl Into<String>) -> TlsFailureRecord {
    let reason = match failure {
        TlsFailure::Certificate => TlsFailureReason::Certificate,
        TlsFailure::Protocol => TlsFailureReason::Protocol,
        TlsFailure::Closed => TlsFailureReason::Closed,
        TlsFailure::Timeout => TlsFailureReason::Timeout,
        TlsFailure::Other => TlsFailureReason::Other,
        TlsFailure::PlaintextReply => TlsFailureReason::PlaintextReply,
    };
    TlsFailureRecord {
        reason,
        detail: detail.into(),
    }
}

/// What a completed handshake negotiated, into the control connection's TLS record. It
/// passed the certificate check, if `trust` made one (not --insecure).
pub(super) fn note_handshake(rec: &mut TlsRecord, h: &Handshake, trust: &Trust) {
    rec.version = Some(h.version.clone());
    rec.cipher = Some(h.cipher.clone());
    rec.certificate = h.certificate.as_ref().map(cert_record);
    rec.verified = !matches!(trust, Trust::Insecure(_));
}
