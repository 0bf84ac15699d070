//! The exporter's own metrics (`/metrics`): probes by module and result, probes in
//! flight, refusals by reason, config reloads, and the process. Probe results are never
//! here: each `/probe` scrape has its own registry (report/metrics.rs).

use std::sync::atomic::AtomicU64;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

/// Why a request was refused, as the `reason` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: no or an invalid target, a missing module, a bad parameter.
    BadRequest,
    /// 400: a module no config names.
    UnknownModule,
    /// 400: a password (or user) in the query string.
    Credentials,
    /// 403: the module does not allow the target.
    NotAllowed,
    /// 503: as many probes as allowed are running.
    Busy,
    /// 401: basic auth missing or wrong.
    Unauthorized,
    /// The connection was closed at once: as many connections as allowed are open.
    Connections,
}

impl Refusal {
    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadRequest => "bad-request",
            Refusal::UnknownModule => "unknown-module",
            Refusal::Credentials => "credentials-in-url",
            Refusal::NotAllowed => "target-not-allowed",
            Refusal::Busy => "too-many-probes",
            Refusal::Unauthorized => "unauthorized",
            Refusal::Connections => "too-many-connections",
        }
    }
}

type Pair = [(&'static str, String); 2];
type One = [(&'static str, &'static str); 1];

/// The exporter's own registry and the handles that update it.
#[derive(Debug)]
pub struct ExporterMetrics {
    registry: Registry,
    probes: Family<Pair, Counter>,
    in_flight: Gauge,
    refusals: Family<One, Counter>,
    reloads: Family<One, Counter>,
    last_reload_ok: Gauge,
    last_reload_success: Gauge<f64, AtomicU64>,
}

impl Default for ExporterMetrics {
    fn default() -> Self {
        ExporterMetrics::new()
    }
}

impl ExporterMetrics {
    /// Registers every metric; the config counts as loaded now.
    pub fn new() -> ExporterMetrics {
        let mut registry = Registry::default();
        let probes = Family::<Pair, Counter>::default();
        registry.register(
            "ftpdoctor_probes",
            "Probes run, by module and result (success, failure)",
            probes.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "ftpdoctor_probes_in_flight",
            "Probes running now",
            in_flight.clone(),
        );
        let refusals = Family::<One, Counter>::default();
        registry.register(
            "ftpdoctor_refusals",
            "Requests refused, by reason",
            refusals.clone(),
        );
        let reloads = Family::<One, Counter>::default();
        registry.register(
            "ftpdoctor_config_reloads",
            "Config reloads (SIGHUP, POST /-/reload), by result",
            reloads.clone(),
        );
        let last_reload_ok = Gauge::default();
        registry.register(
            "ftpdoctor_config_last_reload_successful",
            "Whether the last config load succeeded (a failed reload keeps the previous config)",
            last_reload_ok.clone(),
        );
        let last_reload_success = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "ftpdoctor_config_last_reload_success_timestamp_seconds",
            "When the config was last loaded successfully, as a Unix timestamp",
            last_reload_success.clone(),
        );
        let build = Family::<[(&'static str, &'static str); 1], Gauge>::default();
        registry.register(
            "ftpdoctor_build_info",
            "ftpdoctor's version; always 1",
            build.clone(),
        );
        build
            .get_or_create(&[("version", env!("CARGO_PKG_VERSION"))])
            .set(1);
        registry.register_collector(Box::new(ProcessCollector));
        let metrics = ExporterMetrics {
            registry,
            probes,
            in_flight,
            refusals,
            reloads,
            last_reload_ok,
            last_reload_success,
        };
        metrics.last_reload_ok.set(1);
        metrics.last_reload_success.set(unix_now());
        // Every reason and result shows from the start (0), so rate() works at once.
        for r in [
            Refusal::BadRequest,
            Refusal::UnknownModule,
            Refusal::Credentials,
            Refusal::NotAllowed,
            Refusal::Busy,
            Refusal::Unauthorized,
            Refusal::Connections,
        ] {
            let _ = metrics.refusals.get_or_create(&[("reason", r.as_str())]);
        }
        for result in ["success", "failure"] {
            let _ = metrics.reloads.get_or_create(&[("result", result)]);
        }
        metrics
    }

    /// The registry to encode for `/metrics`.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A probe of `module` finished.
    pub fn probed(&self, module: &str, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.probes
            .get_or_create(&[
                ("module", module.to_string()),
                ("result", result.to_string()),
            ])
            .inc();
    }

    /// A probe started; the guard counts it in flight until dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// A request was refused.
    pub fn refused(&self, why: Refusal) {
        self.refusals
            .get_or_create(&[("reason", why.as_str())])
            .inc();
    }

    /// A reload was tried.
    pub fn reloaded(&self, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.reloads.get_or_create(&[("result", result)]).inc();
        self.last_reload_ok.set(i64::from(ok));
        if ok {
            self.last_reload_success.set(unix_now());
        }
    }
}

/// Counts one probe in flight while it lives.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The standard process metrics (`process_*`, as client libraries name them), read
/// from /proc at each scrape. Linux only; elsewhere none are written.
#[derive(Debug)]
struct ProcessCollector;

/// Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux
/// architecture ftpdoctor builds for.
const USER_HZ: f64 = 100.0;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(p) = ProcessStats::read() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(p.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            None,
            cpu.metric_type(),
        )?)?;
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                p.resident_bytes,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                p.virtual_bytes,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors",
                p.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors",
                p.max_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds",
                p.start_time,
            ),
        ];
        for (name, help, value) in gauges {
            let g = ConstGauge::new(value);
            g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)?;
        }
        Ok(())
    }
}

struct ProcessStats {
    cpu_seconds: f64,
    resident_bytes: f64,
    virtual_bytes: f64,
    open_fds: f64,
    max_fds: f64,
    start_time: f64,
}

impl ProcessStats {
    fn read() -> Option<ProcessStats> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The command name is in parentheses and may hold spaces: fields start after it.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
        let cpu_seconds = (field(14)? + field(15)?) / USER_HZ;
        let start_ticks = field(22)?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let kib = |key: &str| -> Option<f64> {
            let line = status.lines().find(|l| l.starts_with(key))?;
            Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? * 1024.0)
        };
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let btime: f64 = boot
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as f64;
        let max_fds =
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(0.0, |(soft, _)| soft as f64);
        Some(ProcessStats {
            cpu_seconds,
            resident_bytes: kib("VmRSS:")?,
            virtual_bytes: kib("VmSize:")?,
            open_fds,
            max_fds,
            start_time: btime + start_ticks / USER_HZ,
        })
    }
}
