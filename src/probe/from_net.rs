//! The network layer's answers turned into the records' terms: `net` knows nothing of
//! the report, and the records nothing of sockets or rustls.

use super::record::{Cause, CertRecord, DialResult, TlsFailureReason, TlsFailureRecord, TlsRecord};
use crate::net::{CertInfo, ControlError, DialOutcome, Handshake, TlsFailure, Trust};

/// The control connection's error as the record's typed cause.
pub(super) fn cause(err: &ControlError) -> Cause {
    match err {
        ControlError::Timeout {
            waiting_for, after, ..
        } => Cause::NoReply {
            waiting_for: waiting_for.clone(),
            after: *after,
        },
        ControlError::SendTimeout { after, .. } => Cause::SendTimeout { after: *after },
        ControlError::Closed { mid_reply } => Cause::Closed {
            mid_reply: *mid_reply,
        },
        ControlError::Io(e) => Cause::Io(e.kind()),
        ControlError::Reply(frame) => Cause::Frame(frame.clone()),
        ControlError::Command(_) => Cause::Unsendable,
        ControlError::PlaintextBeforeTls => Cause::PlaintextBeforeTls,
        ControlError::Unusable { .. } => Cause::OutOfStep,
    }
}

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
    TlsFailureRecord {
        reason: tls_reason(failure),
        detail: detail.into(),
    }
}

/// Why a handshake failed, in the report's terms.
pub(super) fn tls_reason(failure: TlsFailure) -> TlsFailureReason {
    match failure {
        TlsFailure::Certificate => TlsFailureReason::Certificate,
        TlsFailure::Protocol => TlsFailureReason::Protocol,
        TlsFailure::Closed => TlsFailureReason::Closed,
        TlsFailure::Timeout => TlsFailureReason::Timeout,
        TlsFailure::Other => TlsFailureReason::Other,
        TlsFailure::PlaintextReply => TlsFailureReason::PlaintextReply,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_silent_server_is_a_typed_no_reply_beside_its_words() {
        let err = ControlError::Timeout {
            waiting_for: "LIST".to_string(),
            after: Duration::from_secs(2),
            arrived: 0,
        };
        assert_eq!(
            cause(&err),
            Cause::NoReply {
                waiting_for: "LIST".to_string(),
                after: Duration::from_secs(2),
            }
        );
        let reset = ControlError::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(
            cause(&reset),
            Cause::Io(std::io::ErrorKind::ConnectionReset)
        );
    }
}
