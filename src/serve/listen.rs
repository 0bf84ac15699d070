//! Connections: the accept loop and its limits, hyper's HTTP/1 server with a bounded
//! request head and a header timeout, and the optional TLS of `--web-config`
//! (Prometheus exporter-toolkit's format: `tls_server_config` and `basic_auth_users`
//! with bcrypt hashes).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use super::ServeError;

/// Largest request head (request line and headers) read: a scrape's is a few hundred
/// bytes; hyper answers 431 past this instead of buffering more.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Time a client has to send its whole request head: a slow client (slowloris) is cut
/// off here instead of holding a connection.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a TLS client has for its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest life of one connection: Prometheus keeps connections alive between scrapes,
/// and a client that stops reading an answer must not hold one forever either.
const MAX_CONNECTION_LIFE: Duration = Duration::from_secs(300);

/// Connections open at once; more are closed at once. Each is small, but a flood of
/// idle ones would otherwise use up file descriptors the probes need.
const MAX_CONNECTIONS: usize = 1024;

/// Largest web config read.
const MAX_WEB_CONFIG_BYTES: u64 = 64 * 1024;

/// `--web-config`, loaded.
#[derive(Clone)]
pub(super) struct WebConfig {
    tls: Option<TlsAcceptor>,
    /// User name to bcrypt hash.
    pub(super) users: Option<Arc<BTreeMap<String, String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebConfig {
    tls_server_config: Option<RawTls>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert_file: String,
    key_file: String,
}

impl WebConfig {
    /// Reads the web config; errors name the file (and the line, for YAML errors).
    pub(super) fn load(path: &Path) -> Result<WebConfig, String> {
        let shown = path.display();
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_WEB_CONFIG_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("{shown}: cannot read it: {e}"))?;
        if bytes.len() as u64 > MAX_WEB_CONFIG_BYTES {
            return Err(format!("{shown}: larger than {MAX_WEB_CONFIG_BYTES} bytes"));
        }
        let raw: RawWebConfig = serde_saphyr::from_slice(&bytes).map_err(|e| {
            let line = e
                .location()
                .map_or(String::new(), |l| format!(" line {}", l.line()));
            let first = e.to_string();
            format!(
                "{shown}{line}: {}",
                first.lines().next().unwrap_or_default()
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let tls = match raw.tls_server_config {
            Some(t) => Some(
                tls_acceptor(&base.join(&t.cert_file), &base.join(&t.key_file))
                    .map_err(|e| format!("{shown}: {e}"))?,
            ),
            None => None,
        };
        if let Some(users) = &raw.basic_auth_users {
            for (user, hash) in users {
                // Checked now, so a typo shows at start-up and not as every login failing.
                if bcrypt::verify("", hash).is_err() {
                    return Err(format!(
                        "{shown}: basic_auth_users {user}: not a bcrypt hash"
                    ));
                }
            }
        }
        Ok(WebConfig {
            tls,
            users: raw.basic_auth_users.filter(|u| !u.is_empty()).map(Arc::new),
        })
    }
}

fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| format!("cert_file {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("cert_file {}: no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("key_file {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("cert_file and key_file: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accepts connections on `addr` and serves `router` on each until `shutdown`.
pub(super) async fn serve(
    addr: SocketAddr,
    router: axum::Router,
    web: Option<WebConfig>,
    ready: impl FnOnce(SocketAddr),
    on_full: impl Fn(),
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| ServeError::Listen { addr, error })?;
    let bound = listener
        .local_addr()
        .map_err(|error| ServeError::Listen { addr, error })?;
    ready(bound);
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let tls = web.and_then(|w| w.tls);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return Ok(()),
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to free up
                // instead of spinning on the error.
                eprintln!("ftpdoctor serve: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            on_full();
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = tokio::time::timeout(MAX_CONNECTION_LIFE, async move {
                match tls {
                    None => http1(TokioIo::new(stream), service).await,
                    Some(acceptor) => {
                        if let Ok(Ok(tls)) =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                                .await
                        {
                            http1(TokioIo::new(tls), service).await;
                        }
                    }
                }
            })
            .await;
        });
    }
}

async fn http1<I>(io: I, service: TowerToHyperService<axum::Router>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_REQUEST_HEAD)
        .serve_connection(io, service)
        .await;
}
