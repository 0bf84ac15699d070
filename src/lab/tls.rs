//! The lab's FTPS side: a private CA and a server certificate made at start-up (nothing
//! on disk to go stale), and the rustls acceptor that uses them.

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the server certificate carries: what a client on this machine dials.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The lab CA's common name, as a report's certificate issuer shows it.
pub const CA_NAME: &str = "ftpdoctor lab CA";
/// The server certificate's common name, as a report's certificate subject shows it.
pub const SERVER_NAME: &str = "ftpdoctor lab server";

/// Tickets per handshake: each data connection of a session resumes with one, and TLS 1.3
/// tickets are single-use.
const TICKETS_PER_HANDSHAKE: usize = 4;

/// A server certificate and the CA that signed it.
#[derive(Clone)]
pub struct LabTls {
    pub(super) acceptor: TlsAcceptor,
    /// The CA certificate in PEM, for a client's --ca-file.
    pub ca_pem: String,
    /// The server certificate as sent in the handshake.
    pub server_der: CertificateDer<'static>,
}

impl std::fmt::Debug for LabTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LabTls")
    }
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("lab certificate: {e}"))
}

impl LabTls {
    /// A CA and a server certificate valid from a day ago for `valid_days` more days (a
    /// negative count makes one that has expired).
    pub fn generate(valid_days: i64) -> io::Result<LabTls> {
        let now = time::OffsetDateTime::now_utc();
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, CA_NAME);
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca_params.not_before = now - time::Duration::days(2);
        ca_params.not_after = now + time::Duration::days(3650);
        let ca_key = KeyPair::generate().map_err(tls_error)?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(tls_error)?;

        let names: Vec<String> = SERVER_NAMES.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).map_err(tls_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, SERVER_NAME);
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(valid_days);
        let key = KeyPair::generate().map_err(tls_error)?;
        let cert = params.signed_by(&key, &ca).map_err(tls_error)?;

        let server_der = cert.der().clone();
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(vec![server_der.clone()], key_der)
            .map_err(tls_error)?;
        config.send_tls13_tickets = TICKETS_PER_HANDSHAKE;
        Ok(LabTls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca_pem: ca.pem(),
            server_der,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::net::CertInfo;

    #[test]
    fn report_reads_the_lab_certificate_as_made() {
        let lab = LabTls::generate(30).unwrap_or_else(|e| panic!("{e}"));
        let now = SystemTime::now();
        let cert = CertInfo::parse(lab.server_der.as_ref(), now)
            .unwrap_or_else(|| panic!("the lab certificate does not parse"));
        assert_eq!(cert.subject, format!("CN={SERVER_NAME}"));
        assert_eq!(cert.issuer, format!("CN={CA_NAME}"));
        assert_eq!(cert.names, ["localhost", "127.0.0.1", "::1"]);
        // Made "now" for 30 days: whole days left are 29 (a second has passed) or 30.
        assert!(matches!(cert.days_left, 29 | 30), "{}", cert.days_left);
        let lifetime = cert
            .not_after
            .duration_since(cert.not_before)
            .unwrap_or_default();
        // Valid from a day back, so a client clock a little behind still accepts it.
        let day = Duration::from_secs(86_400);
        assert!(
            lifetime >= day * 30 && lifetime <= day * 31 + day,
            "{lifetime:?}"
        );
    }

    #[test]
    fn expired_certificate_counts_days_since_expiry_as_negative() {
        let lab = LabTls::generate(-3).unwrap_or_else(|e| panic!("{e}"));
        let cert = CertInfo::parse(lab.server_der.as_ref(), SystemTime::now())
            .unwrap_or_else(|| panic!("the lab certificate does not parse"));
        assert!(matches!(cert.days_left, -4 | -3), "{}", cert.days_left);
    }

    #[test]
    fn ca_pem_is_one_certificate() {
        let lab = LabTls::generate(30).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lab.ca_pem.matches("BEGIN CERTIFICATE").count(), 1);
    }
}
