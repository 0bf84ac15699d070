//! `ftpdoctor serve`: flags, validated into [`ServeOptions`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::serve::{DEFAULT_LISTEN, ServeOptions};

pub(super) const SERVE_EXAMPLES: &str = "\
Examples:
  ftpdoctor serve --config modules.yml
  ftpdoctor serve --config modules.yml --listen 0.0.0.0:9123 --web-config web.yml
  ftpdoctor serve --check-config /etc/ftpdoctor/ftpdoctor.yml
  curl 'http://127.0.0.1:9123/probe?target=ftp.example.com&module=lan'

A Prometheus exporter in the manner of blackbox_exporter: GET /probe?target=&module=
answers with the probe's metrics (HTTP 200 with probe_success 0 when it fails; 400 for
a bad request, 403 for a target the module does not list, 503 when --max-probes are
running). /metrics has the exporter's own, / a landing page; SIGHUP or POST /-/reload
reloads the config. The config and every metric: docs/monitoring.md.";

/// Most probes at once allowed by --max-probes: each may hold a dozen sockets.
const MAX_PROBES_LIMIT: u64 = 4096;

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// The modules file (YAML)
    #[arg(long, value_name = "FILE", required_unless_present = "check_config")]
    config: Option<PathBuf>,
    /// Check this modules file (keys, targets, password and CA files) and exit: 0 when it
    /// is good, 2 with the reason when not; nothing listens
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "web_config"])]
    check_config: Option<PathBuf>,
    /// TLS and basic auth for the exporter's HTTP, in Prometheus exporter-toolkit's format
    #[arg(long, value_name = "FILE")]
    web_config: Option<PathBuf>,
    /// Taken off X-Prometheus-Scrape-Timeout-Seconds for the probe's deadline
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = offset)]
    timeout_offset: Duration,
    /// Probes at once; past that a scrape gets 503 at once
    #[arg(long, value_name = "N", default_value = "64", value_parser = clap::value_parser!(u64).range(1..=MAX_PROBES_LIMIT))]
    max_probes: u64,
}

/// An offset may be zero (use the whole scrape timeout), unlike a step timeout.
fn offset(s: &str) -> Result<Duration, String> {
    match s {
        "0" | "0s" | "0ms" => Ok(Duration::ZERO),
        _ => super::positive_duration(s),
    }
}

/// What `serve` was asked: to run, or to check a config.
pub(super) enum Serve {
    Run(ServeOptions),
    Check(PathBuf),
}

impl ServeArgs {
    pub(super) fn into_serve(mut self) -> Serve {
        match (self.check_config.take(), self.config.take()) {
            (Some(path), _) => Serve::Check(path),
            // clap requires --config without --check-config.
            (None, config) => Serve::Run(self.into_options(config.unwrap_or_default())),
        }
    }

    fn into_options(self, config: PathBuf) -> ServeOptions {
        ServeOptions {
            listen: self.listen,
            config,
            web_config: self.web_config,
            timeout_offset: self.timeout_offset,
            max_probes: usize::try_from(self.max_probes).unwrap_or(usize::MAX),
        }
    }
}
