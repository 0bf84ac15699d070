//! The Prometheus printer: one report as the metrics of one `/probe` scrape, in a
//! fresh registry per probe (as blackbox_exporter does), encoded by the official
//! prometheus-client crate, which escapes label values (`\\`, `"`, line breaks) so that
//! no text can add a sample. docs/monitoring.md lists every metric.
//!
//! Names follow blackbox_exporter where it has them (`probe_success`,
//! `probe_duration_seconds`, `probe_ssl_earliest_cert_expiry`, `probe_ip_protocol`), so
//! existing alert rules keep working; everything FTP-specific is under `probe_ftp_`.

use std::io::{self, Write};
use std::sync::atomic::AtomicU64;
use std::time::UNIX_EPOCH;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{Report, Status, Verdict};
use crate::diagnose::Severity;

/// Which exposition format a scrape gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// The Prometheus text format 0.0.4, what every Prometheus reads.
    Text,
    /// OpenMetrics 1.0, when the scrape's `Accept` asks for it.
    OpenMetrics,
}

impl Exposition {
    /// The Content-Type of the format, exactly as Prometheus expects it.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an `Accept` header asks for: OpenMetrics only when it names it with a
    /// weight (`q`) above zero and at least that of the text format (`text/plain`,
    /// `text/*`, `*/*`); Prometheus ranks them by `q` in every scrape.
    pub fn from_accept(accept: Option<&str>) -> Exposition {
        let (mut openmetrics, mut text) = (0.0_f64, 0.0_f64);
        for range in accept.unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f64>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Exposition::OpenMetrics
        } else {
            Exposition::Text
        }
    }
}

type F64Gauge = Gauge<f64, AtomicU64>;
type Labels = Vec<(&'static str, String)>;

/// Registers a gauge without labels set to `value`.
fn gauge(registry: &mut Registry, name: &str, help: &str, value: f64) {
    let g = F64Gauge::default();
    g.set(value);
    registry.register(name, help, g);
}

/// A labelled gauge family whose series come out in the order they were first set, on
/// every scrape. prometheus-client's `Family` keeps its series in a `HashMap`, whose
/// order differs from one registry to the next: diffs of two scrapes, and people reading
/// them, want the same order each time (modes in probe order, then statuses in order).
#[derive(Debug, Default)]
struct Series {
    name: &'static str,
    help: &'static str,
    rows: Vec<(Labels, f64)>,
}

impl Series {
    fn new(name: &'static str, help: &'static str) -> Series {
        Series {
            name,
            help,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, labels: Labels) -> &mut f64 {
        let at = match self.rows.iter().position(|(l, _)| *l == labels) {
            Some(at) => at,
            None => {
                self.rows.push((labels, 0.0));
                self.rows.len() - 1
            }
        };
        &mut self.rows[at].1
    }

    /// Sets the series with `labels` (added at the end if new).
    fn set(&mut self, labels: Labels, value: f64) {
        *self.row(labels) = value;
    }

    /// Adds one to the series with `labels` (from 0 if new).
    fn inc(&mut self, labels: Labels) {
        *self.row(labels) += 1.0;
    }

    fn register(self, registry: &mut Registry) {
        let (name, help) = (self.name, self.help);
        registry.register(name, help, self);
    }
}

impl EncodeMetric for Series {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, value) in &self.rows {
            encoder.encode_family(labels)?.encode_gauge(value)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The registry of one probe: `probe_success` is 1 when no finding reaches `fail_on`.
pub fn probe_registry(report: &Report, fail_on: Severity) -> Registry {
    let mut r = Registry::default();
    let success = report.worst().is_none_or(|worst| worst < fail_on);
    gauge(
        &mut r,
        "probe_success",
        "Whether the probe succeeded: no finding at or above the module's fail_on",
        f64::from(u8::from(success)),
    );
    gauge(
        &mut r,
        "probe_duration_seconds",
        "How long the probe took to complete in seconds",
        report.elapsed_ms / 1000.0,
    );
    if let Some(peer) = report.control.peer {
        let protocol = if peer.is_ipv4() { 4.0 } else { 6.0 };
        gauge(
            &mut r,
            "probe_ip_protocol",
            "The IP protocol of the control connection (4 or 6)",
            protocol,
        );
    }
    if let Some(cert) = report
        .control
        .tls_details
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
    {
        let expiry = match cert.not_after.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs_f64(),
            Err(before) => -before.duration().as_secs_f64(),
        };
        gauge(
            &mut r,
            "probe_ssl_earliest_cert_expiry",
            "The server certificate's expiry as a Unix timestamp",
            expiry,
        );
    }
    if let Some(version) = report
        .control
        .tls_details
        .as_ref()
        .and_then(|t| t.version.clone())
    {
        let mut info = Series::new(
            "probe_tls_version_info",
            "The TLS version of the control connection",
        );
        info.set(vec![("version", version)], 1.0);
        info.register(&mut r);
    }
    verdict_metrics(&mut r, report);
    mode_metrics(&mut r, report);
    finding_metrics(&mut r, report);
    sample_metrics(&mut r, report);
    r
}

/// The registry of a probe that gave no report (the exporter's own backstop struck):
/// `probe_success 0` and how long it ran.
pub fn failed_registry(seconds: f64) -> Registry {
    let mut r = Registry::default();
    gauge(
        &mut r,
        "probe_success",
        "Whether the probe succeeded: no finding at or above the module's fail_on",
        0.0,
    );
    gauge(
        &mut r,
        "probe_duration_seconds",
        "How long the probe took to complete in seconds",
        seconds,
    );
    r
}

/// Writes `registry` in `format` (OpenMetrics ends with `# EOF`).
pub fn write_registry(
    registry: &Registry,
    format: Exposition,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut text = String::new();
    let encoded = match format {
        Exposition::Text => {
            prometheus_client::encoding::prometheus_text::encode(&mut text, registry)
        }
        Exposition::OpenMetrics => prometheus_client::encoding::text::encode(&mut text, registry),
    };
    encoded.map_err(|_| io::Error::other("encoding the metrics failed"))?;
    out.write_all(text.as_bytes())
}

/// Writes the metrics of one probe: [`probe_registry`] in `format`.
///
/// ```
/// # use ftpdoctor::report::metrics::{Exposition, write_registry, failed_registry};
/// let mut out = Vec::new();
/// write_registry(&failed_registry(1.5), Exposition::Text, &mut out)?;
/// assert!(String::from_utf8_lossy(&out).contains("\nprobe_success 0.0\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_metrics(
    report: &Report,
    fail_on: Severity,
    format: Exposition,
    out: &mut impl Write,
) -> io::Result<()> {
    write_registry(&probe_registry(report, fail_on), format, out)
}

const VERDICTS: [Verdict; 3] = [Verdict::Ok, Verdict::Warn, Verdict::Fail];
const STATUSES: [Status; 5] = [
    Status::Ok,
    Status::Warn,
    Status::Fail,
    Status::Refused,
    Status::Skipped,
];

fn verdict_metrics(r: &mut Registry, report: &Report) {
    let mut verdict = Series::new(
        "probe_ftp_verdict",
        "The report's verdict: 1 for the one it is, 0 for the others",
    );
    for v in VERDICTS {
        verdict.set(
            vec![("verdict", v.as_str().to_string())],
            f64::from(u8::from(v == report.verdict)),
        );
    }
    verdict.register(r);
}

fn mode_metrics(r: &mut Registry, report: &Report) {
    let mut status = Series::new(
        "probe_ftp_mode_status",
        "Each mode's status: 1 for the one it has, 0 for the others",
    );
    let mut success = Series::new(
        "probe_ftp_mode_success",
        "Whether the mode's data connection and transfer worked (ok or warn; 0 for fail and for refused, a mode the server does not offer); absent when skipped",
    );
    let mut duration = Series::new(
        "probe_ftp_mode_duration_seconds",
        "How long the mode took, in seconds; absent when skipped",
    );
    let mut phases = Series::new(
        "probe_ftp_duration_seconds",
        "Duration of each phase of the probe by mode, in seconds",
    );
    let mut advertised = Series::new(
        "probe_ftp_advertised_address_class",
        "The class of the address a PASV reply advertised (1 per mode and class)",
    );
    for ((scope, phase), seconds) in phases::phases(&report.timeline) {
        phases.set(vec![("mode", scope), ("phase", phase.to_string())], seconds);
    }
    for mode in &report.modes {
        let name = mode.outcome.mode.as_str().to_string();
        for s in STATUSES {
            status.set(
                vec![("mode", name.clone()), ("status", s.as_str().to_string())],
                f64::from(u8::from(s == mode.status)),
            );
        }
        if mode.status == Status::Skipped {
            continue;
        }
        let worked = matches!(mode.status, Status::Ok | Status::Warn);
        success.set(vec![("mode", name.clone())], f64::from(u8::from(worked)));
        duration.set(
            vec![("mode", name.clone())],
            mode.outcome.elapsed.as_secs_f64(),
        );
        if let Some(a) = &mode.outcome.advertised {
            advertised.set(
                vec![("mode", name.clone()), ("class", a.class.to_string())],
                1.0,
            );
        }
    }
    for series in [status, success, duration, phases, advertised] {
        series.register(r);
    }
    rounds_metrics(r, report);
}

/// --repeat N: in how many of the rounds each mode worked (absent without --repeat).
fn rounds_metrics(r: &mut Registry, report: &Report) {
    let Some(rounds) = report.rounds else {
        return;
    };
    let mut total = Series::new("probe_ftp_rounds", "Rounds the probe ran (--repeat)");
    total.set(Vec::new(), f64::from(rounds));
    let mut ok = Series::new(
        "probe_ftp_mode_ok_rounds",
        "In how many rounds of --repeat the mode worked (status ok or warn)",
    );
    for mode in &report.modes {
        if let Some(n) = mode.ok_rounds {
            let name = mode.outcome.mode.as_str().to_string();
            ok.set(vec![("mode", name)], f64::from(n));
        }
    }
    total.register(r);
    ok.register(r);
}

fn finding_metrics(r: &mut Registry, report: &Report) {
    let mut findings = Series::new(
        "probe_ftp_finding",
        "Findings of the probe by id, severity and mode (control: the control connection); the value counts them",
    );
    for f in &report.findings {
        let mode = f.mode.map_or("control", |m| m.as_str()).to_string();
        findings.inc(vec![
            ("id", f.id.as_str().to_string()),
            ("severity", f.severity.as_str().to_string()),
            ("mode", mode),
        ]);
    }
    findings.register(r);
}

fn sample_metrics(r: &mut Registry, report: &Report) {
    let Some(sample) = &report.sample else {
        return;
    };
    gauge(
        r,
        "probe_ftp_passive_ports_sampled",
        "Passive ports sampled (sample_ports)",
        sample.ports.len() as f64,
    );
    gauge(
        r,
        "probe_ftp_passive_ports_reachable",
        "Sampled passive ports that connected",
        sample.reachable as f64,
    );
    if let (Some(low), Some(high)) = (sample.lowest, sample.highest) {
        gauge(
            r,
            "probe_ftp_passive_port_lowest",
            "Lowest passive port seen while sampling",
            f64::from(low),
        );
        gauge(
            r,
            "probe_ftp_passive_port_highest",
            "Highest passive port seen while sampling",
            f64::from(high),
        );
    }
}

mod phases;

#[cfg(test)]
mod tests;
