//! Black-box: metrics of a running `ftpdoctor serve` checked against facts known
//! elsewhere: the process figures against /proc/PID, the certificate expiry against the
//! lab certificate's lifetime, the sampled passive range against the partial-range lab.

use crate::common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::exporter::{Exporter, temp_dir, value};
use ftpdoctor::lab::{CERT_VALID_DAYS, RANGE_LEN, Scenario};

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A figure from /proc/PID/status (`VmRSS:`, …), in bytes.
fn status_bytes(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| kib * 1024.0)
        .unwrap_or_else(|| panic!("no {key} in {status}"))
}

/// The soft limit on open files from /proc/PID/limits.
fn max_open_files(pid: u32) -> f64 {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/limits: {e}"));
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|soft| soft.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no open files limit in {limits}"))
}

#[tokio::test]
async fn own_metrics_carry_the_process_figures_the_kernel_gives() {
    let before = unix_now();
    let exporter = Exporter::start(
        &temp_dir("process"),
        "modules:\n  lab:\n    targets: [\"127.0.0.1\"]\n",
        &[],
    );
    let pid = exporter.child.id();
    let answer = exporter.get("/metrics").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let own = &answer.body;
    let metric = |name: &str| value(own, name).unwrap_or_else(|| panic!("no {name} in {own}"));

    // Memory moves between two reads: the same order of magnitude is the check.
    let rss = metric("process_resident_memory_bytes");
    let kernel_rss = status_bytes(pid, "VmRSS:");
    assert!(
        rss > kernel_rss / 2.0 && rss < kernel_rss * 2.0,
        "rss {rss} vs VmRSS {kernel_rss}"
    );
    let virt = metric("process_virtual_memory_bytes");
    assert!(virt >= rss, "virtual {virt} below resident {rss}");
    assert_eq!(metric("process_max_fds"), max_open_files(pid));
    // stdin, stdout, stderr, the listener and this scrape's connection at least.
    let fds = metric("process_open_fds");
    assert!(fds >= 5.0, "open fds {fds}");
    let start = metric("process_start_time_seconds");
    let after = unix_now();
    // /proc gives the start in clock ticks since boot: a tick or two of rounding.
    assert!(
        start > before - 2.0 && start < after + 2.0,
        "start {start} not between {before} and {after}"
    );
    let cpu = metric("process_cpu_seconds_total");
    assert!((0.0..60.0).contains(&cpu), "cpu {cpu}");
    let build = format!(
        "ftpdoctor_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(value(own, &build), Some(1.0), "{own}");
}

#[tokio::test]
async fn ftps_scrape_has_the_certificate_expiry_and_sample_ports_the_range_it_saw() {
    let tls = common::start(Scenario::Tls).await;
    let ca = common::ca_file(&tls).unwrap_or_else(|| panic!("the tls scenario has a CA"));
    let partial = common::start(Scenario::PartialRange).await;
    let (t, p) = (tls.addr().port(), partial.addr().port());
    let config = format!(
        "modules:\n  ftps:\n    tls: explicit\n    ca_file: {}\n    timeout: 2s\n    deadline: 10s\n    \
         targets: [\"127.0.0.1:{t}\"]\n  sample:\n    tls: off\n    timeout: 500ms\n    deadline: 10s\n    \
         sample_ports: {RANGE_LEN}\n    targets: [\"127.0.0.1:{p}\"]\n",
        ca.display()
    );
    let exporter = Exporter::start(&temp_dir("facts"), &config, &[]);

    let ftps = exporter
        .get(&format!("/probe?module=ftps&target=127.0.0.1:{t}"))
        .await;
    assert_eq!(ftps.status, 200, "{ftps:?}");
    assert_eq!(
        value(&ftps.body, "probe_success"),
        Some(1.0),
        "{}",
        ftps.body
    );
    // The lab's certificate is made at start for CERT_VALID_DAYS days from then.
    let expiry = value(&ftps.body, "probe_ssl_earliest_cert_expiry")
        .unwrap_or_else(|| panic!("no expiry in {}", ftps.body));
    let expected = unix_now() + CERT_VALID_DAYS as f64 * 86_400.0;
    assert!(
        (expiry - expected).abs() < 120.0,
        "expiry {expiry}, expected about {expected}"
    );
    assert!(
        !ftps.body.contains("probe_ftp_passive_ports_sampled"),
        "no sampling unless the module asks: {}",
        ftps.body
    );

    let sample = exporter
        .get(&format!("/probe?module=sample&target=127.0.0.1:{p}"))
        .await;
    assert_eq!(sample.status, 200, "{sample:?}");
    let metric = |name: &str| {
        value(&sample.body, name).unwrap_or_else(|| panic!("no {name} in {}", sample.body))
    };
    // partial-range: ten consecutive ports, seven open, the other three refused or filtered.
    assert_eq!(
        metric("probe_ftp_passive_ports_sampled"),
        f64::from(RANGE_LEN)
    );
    assert_eq!(metric("probe_ftp_passive_ports_reachable"), 7.0);
    assert_eq!(
        metric("probe_ftp_passive_port_highest") - metric("probe_ftp_passive_port_lowest"),
        f64::from(RANGE_LEN - 1)
    );
    assert!(
        !sample.body.contains("probe_ssl_earliest_cert_expiry"),
        "no certificate without TLS: {}",
        sample.body
    );
}
