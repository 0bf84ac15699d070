//! `ftpdoctor serve`: a Prometheus multi-target exporter in the manner of
//! blackbox_exporter. `GET /probe?target=&module=` runs one probe with the module's
//! options on the same engine as `probe` and answers with its metrics; `/metrics` has
//! the exporter's own; `/` is a landing page; SIGHUP and `POST /-/reload` reload the
//! config. docs/monitoring.md describes it all.
//!
//! Built on hyper (through axum's router), whose HTTP/1 server bounds the request head
//! and times out slow clients, and on the official prometheus-client crate, which
//! escapes label values and writes both text formats.
//!
//! - [`config`]: the YAML modules file.
//! - [`allow`]: the targets a module may probe, checked before any socket opens.
//! - [`metrics`]: the exporter's own metrics.
//! - `http`: the routes; `landing`: the `/` page; `listen`: connections and their limits.

pub mod allow;
pub mod config;
mod http;
mod landing;
mod listen;
mod logins;
pub mod metrics;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use config::{Config, ConfigError};
use metrics::ExporterMetrics;

/// Where `serve` listens unless told: loopback, so that a fresh start is no open proxy.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9123";

/// How `serve` runs, validated from its flags.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The modules file.
    pub config: PathBuf,
    /// TLS and basic auth for the exporter's own HTTP (exporter-toolkit's format).
    pub web_config: Option<PathBuf>,
    /// Taken off the scrape's timeout so the answer gets out before Prometheus gives up.
    pub timeout_offset: Duration,
    /// Probes at once; past that, 503 at once.
    pub max_probes: usize,
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The modules file is bad. Transparent: its own text is the whole message, which
    /// anyhow's `{:#}` would otherwise print twice (once as this error, once as its source).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The web config is bad.
    #[error("{0}")]
    WebConfig(String),
    /// The listening socket.
    /// Not a `source`: the message already says it, and a source would be printed again.
    #[error("listening on {addr}: {error}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        error: std::io::Error,
    },
    /// A signal handler could not be installed.
    #[error("installing the SIGHUP handler: {0}")]
    Signal(std::io::Error),
}

/// How many finished probes the landing page shows.
const RECENT_PROBES: usize = 32;

/// One finished probe, for the landing page.
#[derive(Debug, Clone)]
struct Recent {
    /// Its number since start, for `/report?id=N` (the page links the report, it does not
    /// inline it: 32 reports made a page of hundreds of kilobytes).
    id: u64,
    when: std::time::SystemTime,
    module: String,
    /// The target as given (a password is refused before this, so there is none).
    target: String,
    success: bool,
    seconds: f64,
    /// What went wrong, in a few words (the report's `summary.cause`), if anything.
    cause: Option<String>,
    /// What `/report?id=N` shows, rendered only when asked.
    debug: DebugSource,
}

/// What a probe's debug text is made from. Rendering it (the table, the exposition) on
/// every scrape cost a third of a scrape's CPU under callgrind, and few are ever read, so
/// it is rendered when `debug=true` or `/report?id=N` asks.
#[derive(Debug, Clone)]
struct DebugSource {
    report: Option<Arc<crate::report::Report>>,
    module: config::Module,
    deadline: Duration,
    /// The scrape's time, for the registry of a probe that did not finish.
    seconds: f64,
}

/// What every request handler shares.
#[derive(Debug)]
struct State {
    config: RwLock<Arc<Config>>,
    config_path: PathBuf,
    probes: Arc<Semaphore>,
    metrics: ExporterMetrics,
    recent: Mutex<VecDeque<Recent>>,
    /// The next [`Recent::id`].
    next_id: std::sync::atomic::AtomicU64,
    timeout_offset: Duration,
}

impl State {
    fn config(&self) -> Arc<Config> {
        match self.config.read() {
            Ok(c) => c.clone(),
            // A panic while holding the lock cannot leave a half-written Arc behind.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Loads the config again; a bad one keeps the old, says why in the log and in
    /// `ftpdoctor_config_last_reload_successful`.
    fn reload(&self) -> Result<usize, ConfigError> {
        let loaded = Config::load(&self.config_path);
        self.metrics.reloaded(loaded.is_ok());
        match loaded {
            Ok(config) => {
                let modules = config.modules.len();
                let mut slot = match self.config.write() {
                    Ok(slot) => slot,
                    Err(poisoned) => poisoned.into_inner(),
                };
                *slot = Arc::new(config);
                eprintln!(
                    "ftpdoctor serve: config reloaded from {} ({modules} modules)",
                    self.config_path.display()
                );
                Ok(modules)
            }
            Err(e) => {
                eprintln!("ftpdoctor serve: reload failed, keeping the previous config: {e}");
                Err(e)
            }
        }
    }

    fn remember(&self, mut probe: Recent) {
        probe.id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut recent = match self.recent.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        if recent.len() == RECENT_PROBES {
            recent.pop_front();
        }
        recent.push_back(probe);
    }

    /// A remembered probe's report, while it is among the last [`RECENT_PROBES`].
    fn recent_report(&self, id: u64) -> Option<DebugSource> {
        let recent = match self.recent.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        recent.iter().find(|r| r.id == id).map(|r| r.debug.clone())
    }
}

/// Runs the exporter until `shutdown` completes. A bad config stops it before it
/// listens; `ready` gets the bound address (port 0 picks one).
pub(crate) async fn run(
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    let config = Config::load(&options.config)?;
    let web = match &options.web_config {
        Some(path) => Some(listen::WebConfig::load(path).map_err(ServeError::WebConfig)?),
        None => None,
    };
    let state = Arc::new(State {
        config: RwLock::new(Arc::new(config)),
        config_path: options.config.clone(),
        probes: Arc::new(Semaphore::new(options.max_probes.max(1))),
        metrics: ExporterMetrics::new(),
        recent: Mutex::new(VecDeque::new()),
        next_id: std::sync::atomic::AtomicU64::new(1),
        timeout_offset: options.timeout_offset,
    });
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(ServeError::Signal)?;
    let reloader = state.clone();
    let reloads = tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let _ = reloader.reload();
        }
    });
    let router = http::router(state.clone(), web.as_ref().and_then(|w| w.users.clone()));
    let full = || state.metrics.refused(metrics::Refusal::Connections);
    let served = listen::serve(options.listen, router, web, ready, full, shutdown).await;
    reloads.abort();
    served
}
