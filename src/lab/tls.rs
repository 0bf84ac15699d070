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

pub const CA_NAME: &str = "ftpdoctor lab CA";
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
