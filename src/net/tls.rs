//! The client's TLS (RFC 4217): on the control connection after `AUTH TLS` or from the
//! first byte (implicit FTPS), and on each data connection under `PROT P`. rustls with
//! the ring provider: no OpenSSL, nothing to find on the system.

mod cert;
mod plaintext;

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, HandshakeKind, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub use cert::CertInfo;
pub use plaintext::{Watched, escaped};

/// Sessions each control connection remembers for its data connections to resume: TLS 1.3
/// tickets are single-use, and a --sequential probe opens four data connections on one
/// control connection.
const SESSIONS_PER_CONTROL: usize = 8;

/// Whom the client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The Mozilla roots bundled in webpki-roots: the same verdict on every machine.
    WebPki,
    /// A private CA from --ca-file, instead of the public roots.
    Roots(Vec<CertificateDer<'static>>),
    /// --insecure: verify nothing, but record what verification would have said.
    Insecure(Box<Trust>),
}

/// Why a `--ca-file` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The file could not be read.
    #[error("cannot read CA file {path}: {reason}")]
    Unreadable {
        /// The file as given.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The file holds no certificate to trust.
    #[error("CA file {path} holds no PEM certificate")]
    Empty {
        /// The file as given.
        path: String,
    },
}

impl Trust {
    /// The certificates of PEM text (the lab's CA, say).
    pub fn from_pem(pem: &str) -> Result<Trust, TrustError> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TrustError::Unreadable {
                path: "(PEM text)".to_string(),
                reason: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(TrustError::Empty {
                path: "(PEM text)".to_string(),
            });
        }
        Ok(Trust::Roots(certs))
    }

    /// The certificates of a PEM file, for --ca-file.
    pub fn from_ca_file(path: &Path) -> Result<Trust, TrustError> {
        let shown = path.display().to_string();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .map_err(|e| TrustError::Unreadable {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(TrustError::Empty { path: shown });
        }
        Ok(Trust::Roots(certs))
    }

    fn verifier(
        &self,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
        let roots = match self {
            Trust::Insecure(inner) => return inner.verifier(provider),
            Trust::WebPki => {
                RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
            }
            Trust::Roots(certs) => {
                let mut store = RootCertStore::empty();
                let (_, ignored) = store.add_parsable_certificates(certs.iter().cloned());
                if store.is_empty() {
                    return Err(TlsError::setup(format!(
                        "none of the CA certificates is usable ({ignored} rejected)"
                    )));
                }
                store
            }
        };
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
            .build()
            .map(|v| v as Arc<dyn ServerCertVerifier>)
            .map_err(|e| TlsError::setup(e.to_string()))
    }
}

/// Why a handshake failed, in the report's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The certificate did not verify (unknown issuer, wrong name, expired, ...).
    Certificate,
    /// The two sides did not agree: an alert, no common version or cipher, garbage.
    Protocol,
    /// The server closed the connection mid-handshake (what servers that require session
    /// reuse do to a data connection that did not resume).
    Closed,
    /// The handshake did not finish within the step's limit.
    Timeout,
    /// Our own setup or the socket failed.
    Other,
    /// The server answered the ClientHello with a plaintext FTP reply: it read it as a
    /// command (a server that switches to TLS a moment after its 234).
    PlaintextReply,
}

/// A handshake that failed: why, in the report's terms, and what the TLS library said.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct TlsError {
    /// Why, in the report's terms.
    pub failure: TlsFailure,
    /// What the TLS library said.
    pub detail: String,
    /// The certificate the server sent, when the handshake got that far: an expired or
    /// misnamed one is worth describing even though it was refused.
    pub certificate: Option<Box<CertInfo>>,
    /// The plaintext FTP reply the server sent instead of a ServerHello (its bytes, up to
    /// the first line end): it read our ClientHello as a command.
    pub plaintext_reply: Option<Vec<u8>>,
}

impl TlsError {
    fn setup(detail: String) -> TlsError {
        TlsError {
            failure: TlsFailure::Other,
            detail,
            certificate: None,
            plaintext_reply: None,
        }
    }

    fn from_io(err: &io::Error) -> TlsError {
        if let Some(reply) = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<plaintext::PlaintextReply>())
        {
            return TlsError {
                failure: TlsFailure::PlaintextReply,
                detail: reply.to_string(),
                certificate: None,
                plaintext_reply: Some(reply.0.clone()),
            };
        }
        let rustls_err = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        let failure = match rustls_err {
            Some(rustls::Error::InvalidCertificate(_)) => TlsFailure::Certificate,
            Some(_) => TlsFailure::Protocol,
            None => match err.kind() {
                io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe => TlsFailure::Closed,
                _ => TlsFailure::Other,
            },
        };
        let detail = match (rustls_err, failure) {
            (Some(e), _) => e.to_string(),
            (None, TlsFailure::Closed) => format!("the server closed the connection ({err})"),
            (None, _) => err.to_string(),
        };
        TlsError {
            failure,
            detail,
            certificate: None,
            plaintext_reply: None,
        }
    }
}

/// What one completed handshake negotiated.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The IANA name: `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// An earlier session was resumed (what require_ssl_reuse asks of data connections).
    pub resumed: bool,
    /// The server certificate, as far as it could be read.
    pub certificate: Option<CertInfo>,
}

impl fmt::Display for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.version, self.cipher)?;
        if self.resumed {
            f.write_str(", session resumed")?;
        }
        Ok(())
    }
}

/// One control connection's TLS: its own session cache, so that its data connections
/// resume its session and not another's (FileZilla Server checks that they match).
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
    server_name: ServerName<'static>,
    /// What verification said of the last certificate, and the certificate itself.
    recorder: Arc<Recorder>,
}

impl TlsClient {
    /// `host` is what certificates are checked against: the target's name, or its address.
    /// Without `resume` every handshake starts afresh, as a client without session reuse.
    pub fn new(trust: &Trust, host: &str, resume: bool) -> Result<TlsClient, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let recorder = Arc::new(Recorder {
            inner: trust.verifier(&provider)?,
            accept_anyway: matches!(trust, Trust::Insecure(_)),
            seen: Mutex::new(None),
        });
        let verifier: Arc<dyn ServerCertVerifier> = recorder.clone();
        let mut config = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        config.resumption = if resume {
            Resumption::in_memory_sessions(SESSIONS_PER_CONTROL)
        } else {
            Resumption::disabled()
        };
        let server_name = match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(host.to_string())
                .map_err(|e| TlsError::setup(format!("{host:?} is no TLS server name: {e}")))?,
        };
        Ok(TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
            server_name,
            recorder,
        })
    }

    /// Runs the client handshake on `tcp` within `limit`.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        limit: Duration,
    ) -> Result<(TlsStream<Watched>, Handshake), TlsError> {
        let watched = plaintext::Watched::new(tcp);
        let connect = self.connector.connect(self.server_name.clone(), watched);
        let finished = timeout(limit, connect).await;
        let stream = match finished {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => {
                return Err(TlsError {
                    certificate: self.seen_certificate(),
                    ..TlsError::from_io(&err)
                });
            }
            Err(_) => {
                return Err(TlsError {
                    failure: TlsFailure::Timeout,
                    detail: format!("no handshake within {}", crate::wire::human(limit)),
                    certificate: self.seen_certificate(),
                    plaintext_reply: None,
                });
            }
        };
        let (_, conn) = stream.get_ref();
        let handshake = Handshake {
            version: conn
                .protocol_version()
                .and_then(|v| v.as_str())
                .map(|v| v.replace("TLSv1_", "TLSv1."))
                .unwrap_or_else(|| "unknown".to_string()),
            cipher: conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_else(|| "unknown".to_string()),
            resumed: conn.handshake_kind() == Some(HandshakeKind::Resumed),
            certificate: conn
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|der| CertInfo::parse(der, SystemTime::now())),
        };
        Ok((stream, handshake))
    }

    /// With --insecure: why the certificate would have been refused, if it would.
    pub fn verification_complaint(&self) -> Option<String> {
        let seen = self.recorder.seen.lock().ok()?;
        seen.as_ref()?.1.clone()
    }

    fn seen_certificate(&self) -> Option<Box<CertInfo>> {
        let seen = self.recorder.seen.lock().ok()?;
        CertInfo::parse(seen.as_ref()?.0.as_ref(), SystemTime::now()).map(Box::new)
    }
}

/// Asks the real verifier and keeps the certificate and the verdict for the report; with
/// --insecure it then accepts the certificate anyway. Handshake signatures are always
/// checked.
#[derive(Debug)]
struct Recorder {
    inner: Arc<dyn ServerCertVerifier>,
    accept_anyway: bool,
    /// The end-entity certificate last seen, and why verification refused it (if it did).
    seen: Mutex<Option<(CertificateDer<'static>, Option<String>)>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Ok(mut seen) = self.seen.lock() {
            let complaint = verdict.as_ref().err().map(ToString::to_string);
            *seen = Some((end_entity.clone().into_owned(), complaint));
        }
        match verdict {
            Err(_) if self.accept_anyway => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
