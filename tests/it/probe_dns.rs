//! Black-box: names through our own DNS server on loopback (--dns-server), each DNS
//! failure its own finding, address families, one report per resolved address, and the
//! IPv6 paths (::1, IPv4-mapped). No test asks the system resolver about a made-up name.

use crate::common;

use std::net::IpAddr;

use common::cli::{findings, mode, probe_json};
use common::dns::{Answer, DnsServer};
use common::start;
use ftpdoctor::lab::{LabConfig, LabServer, Scenario};
use serde_json::Value;

const NAME: &str = "ftp.lab.test";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn probe_name(dns: &DnsServer, port: u16, extra: &[&str]) -> common::cli::Run {
    let url = format!("ftp://{NAME}:{port}/");
    let server = dns.addr.to_string();
    // Plain FTP: the lab's healthy scenarios offer no TLS, which is not what these pin.
    let mut args = vec!["--dns-server", server.as_str(), "--tls", "off"];
    args.extend_from_slice(extra);
    probe_json(&url, &args).await
}

fn query<'a>(report: &'a Value, qtype: &str) -> Option<&'a Value> {
    report["target"]["dns"]["queries"]
        .as_array()?
        .iter()
        .find(|q| q["type"] == qtype)
}

#[tokio::test(flavor = "multi_thread")]
async fn name_resolves_through_the_given_server_with_a_and_aaaa_recorded() {
    let lab = start(Scenario::Healthy).await;
    let dns = DnsServer::start(&[(NAME, Answer::Records(vec![ip("127.0.0.1"), ip("::1")]))]).await;
    let run = probe_name(&dns, lab.addr().port(), &[]).await;
    let report = run.json();
    assert_eq!(
        report["target"]["resolved"],
        serde_json::json!(["127.0.0.1", "::1"]),
        "{}",
        run.shown
    );
    assert_eq!(
        report["target"]["dns"]["server"],
        dns.addr.to_string(),
        "{}",
        run.shown
    );
    assert_eq!(
        query(&report, "A").map(|q| q["outcome"].clone()),
        Some("ok".into())
    );
    assert_eq!(
        query(&report, "AAAA").map(|q| q["outcome"].clone()),
        Some("ok".into())
    );
    assert_eq!(
        report["control"]["peer"],
        lab.addr().to_string(),
        "{}",
        run.shown
    );
    assert_eq!(report["verdict"], "ok", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn nxdomain_is_dns_failure() {
    let dns = DnsServer::start(&[(NAME, Answer::NxDomain)]).await;
    let run = probe_name(&dns, 21, &[]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-failure@-"], "{}", run.shown);
    assert_eq!(
        query(&report, "A").map(|q| q["outcome"].clone()),
        Some("nxdomain".into())
    );
    assert_eq!(
        report["target"]["resolved"],
        serde_json::json!([]),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn name_without_records_of_the_family_asked_is_dns_failure() {
    let dns = DnsServer::start(&[(NAME, Answer::Records(vec![ip("127.0.0.1")]))]).await;
    let run = probe_name(&dns, 21, &["--address-family", "6"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-failure@-"], "{}", run.shown);
    // Only AAAA was asked for.
    assert!(query(&report, "A").is_none(), "{}", run.shown);
    assert_eq!(
        query(&report, "AAAA").map(|q| q["outcome"].clone()),
        Some("no-records".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn servfail_is_its_own_finding() {
    let dns = DnsServer::start(&[(NAME, Answer::ServFail)]).await;
    let run = probe_name(&dns, 21, &[]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-servfail@-"], "{}", run.shown);
    assert_eq!(
        query(&report, "A").map(|q| q["outcome"].clone()),
        Some("servfail".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_by_the_resolver_counts_as_servfail() {
    let dns = DnsServer::start(&[(NAME, Answer::Refused)]).await;
    let run = probe_name(&dns, 21, &[]).await;
    assert_eq!(findings(&run.json()), ["dns-servfail@-"], "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_resolver_port_is_dns_refused_at_once_not_a_timeout() {
    // A loopback UDP port that was free a moment ago: ICMP port unreachable.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("ftp://{NAME}:21/");
    let server = closed.to_string();
    let args = [
        "--dns-server",
        server.as_str(),
        "--tls",
        "off",
        "--timeout",
        "5s",
    ];
    let run = probe_json(&url, &args).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-refused@-"], "{}", run.shown);
    for qtype in ["A", "AAAA"] {
        assert_eq!(
            query(&report, qtype).map(|q| q["outcome"].clone()),
            Some("unreachable".into()),
            "{}",
            run.shown
        );
    }
    // At once: nowhere near the 5 s --timeout a dns-timeout would have cost.
    assert!(
        run.elapsed < std::time::Duration::from_secs(2),
        "{:?}\n{}",
        run.elapsed,
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_resolver_is_dns_timeout() {
    let dns = DnsServer::start(&[(NAME, Answer::Silent)]).await;
    let run = probe_name(&dns, 21, &["--timeout", "300ms"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-timeout@-"], "{}", run.shown);
    assert_eq!(
        query(&report, "A").map(|q| q["outcome"].clone()),
        Some("timeout".into())
    );
    assert_eq!(
        report["control"]["error"]["stage"], "resolve",
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_addresses_reports_a_half_broken_pair_one_section_each() {
    // 127.0.0.2 is loopback too, but nothing listens there: one address of the pair is down.
    let lab = start(Scenario::Healthy).await;
    let dns = DnsServer::start(&[(
        NAME,
        Answer::Records(vec![ip("127.0.0.1"), ip("127.0.0.2")]),
    )])
    .await;
    let run = probe_name(&dns, lab.addr().port(), &["--all-addresses"]).await;
    let reports = run.json();
    let reports = reports.as_array().cloned().unwrap_or_default();
    assert_eq!(reports.len(), 2, "{}", run.shown);
    assert_eq!(
        reports[0]["target"]["address"], "127.0.0.1",
        "{}",
        run.shown
    );
    assert_eq!(reports[0]["verdict"], "ok", "{}", run.shown);
    assert_eq!(
        reports[1]["target"]["address"], "127.0.0.2",
        "{}",
        run.shown
    );
    assert_eq!(
        findings(&reports[1]),
        ["control-unreachable@-"],
        "{}",
        run.shown
    );
    // Both sections report the one resolution.
    for r in &reports {
        assert_eq!(
            r["target"]["resolved"],
            serde_json::json!(["127.0.0.1", "127.0.0.2"])
        );
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn pasv_address_not_among_the_resolved_ones_is_said_in_the_evidence() {
    let lab = start(Scenario::MismatchPasv).await;
    let dns = DnsServer::start(&[(NAME, Answer::Records(vec![ip("127.0.0.1")]))]).await;
    let run = probe_name(&dns, lab.addr().port(), &["--modes", "pasv"]).await;
    let report = run.json();
    let evidence = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "pasv-address-mismatch"))
        .map(|f| f["evidence"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        evidence.contains(
            "198.51.100.7 is not among the addresses ftp.lab.test resolves to (127.0.0.1)"
        ),
        "{}",
        run.shown
    );
}

async fn lab_on_v6(scenario: Scenario) -> Option<LabServer> {
    let mut config = LabConfig::new(scenario);
    config.listen = "[::1]:0".parse().ok()?;
    match LabServer::start(config).await {
        Ok(lab) => Some(lab),
        Err(e) => {
            eprintln!("no ::1 on this machine ({e}); skipping");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_name_uses_epsv_and_eprt_and_says_why_pasv_and_port_are_skipped() {
    let Some(lab) = lab_on_v6(Scenario::Healthy).await else {
        return;
    };
    let dns = DnsServer::start(&[(NAME, Answer::Records(vec![ip("127.0.0.1"), ip("::1")]))]).await;
    let run = probe_name(&dns, lab.addr().port(), &["--address-family", "6"]).await;
    let report = run.json();
    assert_eq!(
        report["target"]["resolved"],
        serde_json::json!(["::1"]),
        "{}",
        run.shown
    );
    assert_eq!(mode(&report, "epsv")["status"], "ok", "{}", run.shown);
    assert_eq!(mode(&report, "eprt")["status"], "ok", "{}", run.shown);
    for m in ["pasv", "port"] {
        assert_eq!(mode(&report, m)["status"], "skipped", "{}", run.shown);
        let why = mode(&report, m)["skipped"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(why.contains("only IPv4"), "{m}: {why}");
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv4_mapped_target_runs_all_four_modes_and_reports_the_path() {
    let lab = start(Scenario::Healthy).await;
    let url = format!("ftp://[::ffff:127.0.0.1]:{}/", lab.addr().port());
    let run = probe_json(&url, &["--tls", "off"]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["ipv6-translated-path@-"],
        "{}",
        run.shown
    );
    for m in ["epsv", "pasv", "eprt", "port"] {
        assert_eq!(mode(&report, m)["status"], "ok", "{m}: {}", run.shown);
    }
    // The server sees IPv4: PORT and EPRT carry the IPv4 address.
    let eprt = mode(&report, "eprt")["request"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(eprt.starts_with("EPRT |1|127.0.0.1|"), "{eprt}");
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn literal_of_the_wrong_family_is_reported_not_dialled() {
    let run = probe_json("ftp://127.0.0.1:9/", &["--address-family", "6"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["dns-failure@-"], "{}", run.shown);
    assert_eq!(
        report["control"]["connects"],
        serde_json::json!([]),
        "{}",
        run.shown
    );
}

async fn dual_stack_lab() -> Option<LabServer> {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.also_ipv6 = true;
    match LabServer::start(config).await {
        Ok(lab) => Some(lab),
        Err(e) => {
            eprintln!("no ::1 on this machine, or its port is taken ({e}); skipping");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn localhost_all_addresses_probes_ipv4_and_ipv6_of_one_dual_stack_lab() {
    let Some(lab) = dual_stack_lab().await else {
        return;
    };
    let url = format!("ftp://localhost:{}/", lab.addr().port());
    let run = probe_json(&url, &["--all-addresses", "--tls", "off"]).await;
    let reports = run.json();
    let reports = reports.as_array().cloned().unwrap_or_default();
    assert_eq!(reports.len(), 2, "{}", run.shown);
    // localhost needs no DNS: no queries are recorded.
    assert!(reports[0]["target"]["dns"].is_null(), "{}", run.shown);
    assert_eq!(
        reports[0]["target"]["address"], "127.0.0.1",
        "{}",
        run.shown
    );
    assert_eq!(reports[1]["target"]["address"], "::1", "{}", run.shown);
    for m in ["epsv", "pasv", "eprt", "port"] {
        assert_eq!(
            mode(&reports[0], m)["status"],
            "ok",
            "v4 {m}: {}",
            run.shown
        );
    }
    assert_eq!(mode(&reports[1], "epsv")["status"], "ok", "{}", run.shown);
    assert_eq!(mode(&reports[1], "eprt")["status"], "ok", "{}", run.shown);
    assert_eq!(
        mode(&reports[1], "pasv")["status"],
        "skipped",
        "{}",
        run.shown
    );
    assert_eq!(
        reports[1]["control"]["peer"],
        format!("[::1]:{}", lab.addr().port()),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_counts_reports_and_targets_apart_with_all_addresses() {
    let Some(lab) = dual_stack_lab().await else {
        return;
    };
    let url = format!("ftp://localhost:{}/", lab.addr().port());
    let args = [
        "probe",
        &url,
        "--all-addresses",
        "--tls",
        "off",
        "--summary",
    ];
    let run = common::cli::ftpdoctor(args.map(String::from).to_vec(), Vec::new()).await;
    assert!(
        run.stdout
            .trim_end()
            .ends_with("2 reports (1 target): 2 ok, 0 warn, 0 fail"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("[::1]:"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_addresses_keeps_the_deadline_while_resolving() {
    // The shared resolution is inside the target's --deadline, as a single probe's is.
    let dns = DnsServer::start(&[(NAME, Answer::Silent)]).await;
    let run = probe_name(
        &dns,
        21,
        &["--all-addresses", "--timeout", "5s", "--deadline", "1s"],
    )
    .await;
    let report = run.json();
    let report = report
        .as_array()
        .and_then(|all| all.first())
        .unwrap_or(&report);
    assert_eq!(findings(report), ["dns-timeout@-"], "{}", run.shown);
    assert!(
        run.elapsed < std::time::Duration::from_secs(3),
        "{:?}: {}",
        run.elapsed,
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_addresses_probes_at_most_sixteen_of_a_long_answer() {
    // Twenty loopback addresses where nothing listens: each probe is refused at once.
    let many: Vec<IpAddr> = (1..=20).map(|i| ip(&format!("127.0.0.{i}"))).collect();
    let dns = DnsServer::start(&[(NAME, Answer::Records(many))]).await;
    let run = probe_name(&dns, 9, &["--all-addresses", "--modes", "epsv"]).await;
    let reports = run.json().as_array().cloned().unwrap_or_default();
    assert_eq!(
        reports.len(),
        ftpdoctor::pipeline::MAX_ADDRESSES,
        "{}",
        run.shown
    );
    // Each report still lists every address the name has.
    let resolved = reports[0]["target"]["resolved"].as_array().map(Vec::len);
    assert_eq!(resolved, Some(20), "{}", run.shown);
}
