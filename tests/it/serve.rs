//! Black-box: `ftpdoctor serve` as a process, spoken to over raw HTTP/1.1, probing lab
//! scenarios on 127.0.0.1. Status codes, the exposition, the allowlist (checked with a
//! listener that must see no connection), the probe limit, reloads, bad configs.

use crate::common;

use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use common::exporter::{Exporter, request, temp_dir, value};
use ftpdoctor::lab::Scenario;

/// A module per lab port: the port allowed, short limits so failing probes end quickly.
fn config(ports: &[u16], extra: &str) -> String {
    let targets: Vec<String> = ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect();
    format!(
        "modules:\n  lab:\n    timeout: 1s\n    deadline: 5s\n    tls: off\n    targets: [{}]\n{extra}",
        targets.join(", ")
    )
}

fn probe_path(port: u16, module: &str) -> String {
    format!("/probe?target=127.0.0.1:{port}&module={module}")
}

#[tokio::test]
async fn healthy_is_success_1_and_blocked_data_success_0_with_its_findings() {
    let healthy = common::start(Scenario::Healthy).await;
    let blocked = common::start(Scenario::BlockedData).await;
    let (h, b) = (healthy.addr().port(), blocked.addr().port());
    let exporter = Exporter::start(&temp_dir("success"), &config(&[h, b], ""), &[]);
    let ok = exporter.get(&probe_path(h, "lab")).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(
        ok.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(value(&ok.body, "probe_success"), Some(1.0), "{}", ok.body);
    assert_eq!(
        value(&ok.body, "probe_ftp_mode_success{mode=\"epsv\"}"),
        Some(1.0),
        "{}",
        ok.body
    );
    let failed = exporter.get(&probe_path(b, "lab")).await;
    assert_eq!(
        failed.status, 200,
        "a failed probe is still a good scrape: {failed:?}"
    );
    assert_eq!(
        value(&failed.body, "probe_success"),
        Some(0.0),
        "{}",
        failed.body
    );
    let finding = "probe_ftp_finding{id=\"data-connect-timeout\",severity=\"error\",mode=\"pasv\"}";
    assert_eq!(value(&failed.body, finding), Some(1.0), "{}", failed.body);
    let own = exporter.get("/metrics").await.body;
    assert_eq!(
        value(
            &own,
            "ftpdoctor_probes_total{module=\"lab\",result=\"success\"}"
        ),
        Some(1.0),
        "{own}"
    );
    assert_eq!(
        value(
            &own,
            "ftpdoctor_probes_total{module=\"lab\",result=\"failure\"}"
        ),
        Some(1.0),
        "{own}"
    );
    assert!(
        !own.contains("probe_success"),
        "the exporter's own metrics only: {own}"
    );
}

#[tokio::test]
async fn target_outside_the_allowlist_is_403_and_not_one_connection_is_made() {
    let healthy = common::start(Scenario::Healthy).await;
    // A listener that is no lab: any SYN toward it would complete in its backlog.
    let bystander = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = bystander
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let exporter = Exporter::start(
        &temp_dir("allow"),
        &config(&[healthy.addr().port()], ""),
        &[],
    );
    for target in [
        format!("127.0.0.1:{port}"),
        format!("ftp://127.0.0.1:{port}/pub/"),
        format!("localhost:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
    ] {
        let answer = exporter
            .get(&format!("/probe?module=lab&target={target}"))
            .await;
        assert_eq!(answer.status, 403, "{target}: {answer:?}");
        assert_eq!(answer.body.lines().count(), 1, "{answer:?}");
    }
    let seen = tokio::time::timeout(Duration::from_millis(300), bystander.accept()).await;
    assert!(
        seen.is_err(),
        "the exporter connected to a target it refused: {seen:?}"
    );
    assert_eq!(
        exporter
            .own("ftpdoctor_refusals_total{reason=\"target-not-allowed\"}")
            .await,
        Some(4.0)
    );
}

#[tokio::test]
async fn bad_requests_get_400_with_one_line_and_passwords_are_never_logged() {
    let healthy = common::start(Scenario::Healthy).await;
    let p = healthy.addr().port();
    let exporter = Exporter::start(&temp_dir("bad"), &config(&[p], ""), &[]);
    let secret = "hunter2secret";
    for (path, words) in [
        ("/probe?module=lab".to_string(), "target"),
        (format!("/probe?target=127.0.0.1:{p}"), "module"),
        (
            format!("/probe?target=127.0.0.1:{p}&module=nope"),
            "unknown module",
        ),
        (
            "/probe?target=ftp://[::1&module=lab".to_string(),
            "invalid target",
        ),
        (
            format!("/probe?target=127.0.0.1:{p}&module=lab&debug=maybe"),
            "debug",
        ),
        (
            format!("/probe?target=127.0.0.1:{p}&module=lab&module=lab"),
            "more than once",
        ),
        (
            format!("/probe?target=ftp://bob:{secret}@127.0.0.1:{p}/&module=lab"),
            "credentials",
        ),
        (
            format!("/probe?target=127.0.0.1:{p}&module=lab&password={secret}"),
            "credentials",
        ),
        (
            format!("/probe?target=ftp://bob:{secret}/x@127.0.0.1:{p}/&module=lab"),
            "credentials",
        ),
        ("/probe?target=%ZZ&module=lab".to_string(), "invalid target"),
    ] {
        let answer = exporter.get(&path).await;
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(answer.body.lines().count(), 1, "{path}: {answer:?}");
        assert!(answer.body.contains(words), "{path}: {answer:?}");
        assert!(!answer.body.contains(secret), "{path}: {answer:?}");
    }
    let timeout = exporter
        .get_with(
            &probe_path(p, "lab"),
            "X-Prometheus-Scrape-Timeout-Seconds: soon\r\n",
        )
        .await;
    assert_eq!(timeout.status, 400, "{timeout:?}");
    let landing = exporter.get("/").await;
    let own = exporter.get("/metrics").await.body;
    let stderr = exporter.stop();
    for text in [&landing.body, &own, &stderr] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn past_max_probes_the_answer_is_503_at_once() {
    let blocked = common::start(Scenario::BlockedData).await;
    let healthy = common::start(Scenario::Healthy).await;
    let (b, h) = (blocked.addr().port(), healthy.addr().port());
    let exporter = Exporter::start(
        &temp_dir("busy"),
        &config(&[b, h], ""),
        &["--max-probes", "1"],
    );
    let addr = exporter.addr;
    let slow_path = probe_path(b, "lab");
    let slow = tokio::spawn(async move {
        request(
            addr,
            &format!("GET {slow_path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
        )
        .await
    });
    // Wait until the slow probe is in flight.
    let waiting = Instant::now();
    while exporter.own("ftpdoctor_probes_in_flight").await != Some(1.0) {
        assert!(
            waiting.elapsed() < Duration::from_secs(5),
            "the first probe never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let busy = exporter.get(&probe_path(h, "lab")).await;
    assert_eq!(busy.status, 503, "{busy:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "503 took {:?}",
        started.elapsed()
    );
    let first = slow.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        exporter
            .own("ftpdoctor_refusals_total{reason=\"too-many-probes\"}")
            .await,
        Some(1.0)
    );
}

#[tokio::test]
async fn scrape_timeout_header_shortens_the_probe_below_the_module_deadline() {
    let blocked = common::start(Scenario::BlockedData).await;
    let b = blocked.addr().port();
    // The module would wait 5 s per step and 10 s in all for the dropped data port.
    let slow = format!(
        "modules:\n  slow:\n    timeout: 5s\n    deadline: 10s\n    tls: off\n    modes: [pasv]\n    targets: [\"127.0.0.1:{b}\"]\n"
    );
    let exporter = Exporter::start(&temp_dir("timeout"), &slow, &["--timeout-offset", "300ms"]);
    let started = Instant::now();
    let answer = exporter
        .get_with(
            &probe_path(b, "slow"),
            "X-Prometheus-Scrape-Timeout-Seconds: 1.3\r\n",
        )
        .await;
    let took = started.elapsed();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        took < Duration::from_millis(1300),
        "answered after {took:?}, past the scrape timeout"
    );
    assert_eq!(
        value(&answer.body, "probe_success"),
        Some(0.0),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn reload_takes_a_good_config_and_keeps_the_old_one_on_a_bad_one() {
    let healthy = common::start(Scenario::Healthy).await;
    let p = healthy.addr().port();
    let dir = temp_dir("reload");
    let exporter = Exporter::start(&dir, &config(&[p], ""), &[]);
    let second = config(
        &[p],
        &format!("  second:\n    tls: off\n    targets: [\"127.0.0.1:{p}\"]\n"),
    );
    std::fs::write(dir.join("modules.yml"), &second).unwrap_or_else(|e| panic!("{e}"));
    let reloaded = exporter.post("/-/reload").await;
    assert_eq!(reloaded.status, 200, "{reloaded:?}");
    assert_eq!(exporter.get(&probe_path(p, "second")).await.status, 200);
    // A bad config: the error names the line, the old modules stay.
    std::fs::write(
        dir.join("modules.yml"),
        format!("{second}  third:\n    tiemout: 1s\n    targets: any\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let refused = exporter.post("/-/reload").await;
    assert_eq!(refused.status, 500, "{refused:?}");
    assert!(
        refused.body.contains("line 11") && refused.body.contains("tiemout"),
        "{refused:?}"
    );
    assert_eq!(exporter.get(&probe_path(p, "second")).await.status, 200);
    assert_eq!(
        exporter
            .own("ftpdoctor_config_last_reload_successful")
            .await,
        Some(0.0)
    );
    // SIGHUP reloads too: fixed again, the metric says so.
    std::fs::write(dir.join("modules.yml"), &second).unwrap_or_else(|e| panic!("{e}"));
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &exporter.child.id().to_string()])
        .status();
    assert!(hup.is_ok_and(|s| s.success()));
    let waiting = Instant::now();
    while exporter
        .own("ftpdoctor_config_last_reload_successful")
        .await
        != Some(1.0)
    {
        assert!(
            waiting.elapsed() < Duration::from_secs(5),
            "SIGHUP did not reload"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        exporter
            .own("ftpdoctor_config_reloads_total{result=\"success\"}")
            .await,
        Some(2.0)
    );
    assert_eq!(
        exporter.get("/-/reload").await.status,
        405,
        "reload is POST only"
    );
    let stderr = exporter.stop();
    assert!(
        stderr.contains("reload failed") && stderr.contains("line 11"),
        "{stderr}"
    );
}

#[tokio::test]
async fn bad_config_stops_serve_at_start_naming_file_and_line() {
    let dir = temp_dir("badconfig");
    let path = dir.join("modules.yml");
    std::fs::write(
        &path,
        "modules:\n  lab:\n    targets: any\n    modes: [epsv, sideways]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = common::cli::ftpdoctor(
        vec![
            "serve".into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--config".into(),
            path.display().to_string(),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr.contains(&format!("{} line 4", path.display())),
        "{}",
        run.shown
    );
    assert!(run.stderr.contains("sideways"), "{}", run.shown);
    assert!(run.stdout.is_empty(), "nothing listened: {}", run.shown);
}

#[tokio::test]
async fn slow_and_oversized_clients_do_not_hold_the_server() {
    let healthy = common::start(Scenario::Healthy).await;
    let p = healthy.addr().port();
    let exporter = Exporter::start(&temp_dir("slow"), &config(&[p], ""), &[]);
    // A client that sends half a request head and stops.
    let mut idle = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(exporter.addr)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::io::AsyncWriteExt::write_all(&mut s, b"GET /probe?target=")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        idle.push(s);
    }
    let ok = exporter.get(&probe_path(p, "lab")).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    // A request head past the limit is refused, and the server goes on.
    let huge = format!(
        "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let refused = request(exporter.addr, &huge).await;
    assert_eq!(refused.status, 431, "{refused:?}");
    assert_eq!(exporter.get("/metrics").await.status, 200);
}

#[tokio::test]
async fn openmetrics_when_asked_landing_page_escapes_and_debug_shows_the_report() {
    let healthy = common::start(Scenario::Healthy).await;
    let p = healthy.addr().port();
    let exporter = Exporter::start(&temp_dir("landing"), &config(&[p], ""), &[]);
    let om = exporter
        .get_with(
            &probe_path(p, "lab"),
            "Accept: application/openmetrics-text;version=1.0.0\r\n",
        )
        .await;
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(om.body.ends_with("# EOF\n"), "{}", om.body);
    let hostile =
        format!("/probe?module=lab&target=ftp://127.0.0.1:{p}/%3Cscript%3Ealert(1)%3C/script%3E");
    assert_eq!(exporter.get(&hostile).await.status, 200);
    let debug = exporter
        .get(&format!("{}&debug=true", probe_path(p, "lab")))
        .await;
    assert_eq!(debug.status, 200);
    for part in [
        "Report:",
        "Metrics that would have been returned:",
        "probe_success 1",
        "module lab:",
    ] {
        assert!(debug.body.contains(part), "{part}: {}", debug.body);
    }
    let page = exporter.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;"), "{}", page.body);
    assert!(page.body.contains("lab"), "{}", page.body);
}

/// A certificate for 127.0.0.1 (self-signed) and its key, as PEM.
fn self_signed() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("{e}"));
    (cert.pem(), key.serialize_pem())
}

/// One request over TLS to `addr`, trusting `ca_pem`; `None` when the handshake fails.
async fn tls_request(addr: std::net::SocketAddr, ca_pem: &str, raw: &str) -> Option<String> {
    use rustls_pki_types::pem::PemObject;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.ok()?).ok()?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").ok()?;
    let mut tls = connector.connect(name, tcp).await.ok()?;
    tls.write_all(raw.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut out)).await;
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn web_config_serves_tls_with_basic_auth_checked_against_bcrypt() {
    let healthy = common::start(Scenario::Healthy).await;
    let dir = temp_dir("web");
    let (cert, key) = self_signed();
    std::fs::write(dir.join("exporter.crt"), &cert).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("exporter.key"), &key).unwrap_or_else(|e| panic!("{e}"));
    // Cost 4, the lowest bcrypt allows: the test checks the hash, not its strength.
    let hash = bcrypt::hash("scrape-secret", 4).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("web.yml"),
        format!("tls_server_config:\n  cert_file: exporter.crt\n  key_file: exporter.key\nbasic_auth_users:\n  prometheus: {hash}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let web = dir.join("web.yml").display().to_string();
    let exporter = Exporter::start(
        &dir,
        &config(&[healthy.addr().port()], ""),
        &["--web-config", &web],
    );
    let path = probe_path(healthy.addr().port(), "lab");
    let ask =
        |auth: &str| format!("GET {path} HTTP/1.1\r\nHost: t\r\n{auth}Connection: close\r\n\r\n");
    let none = tls_request(exporter.addr, &cert, &ask(""))
        .await
        .unwrap_or_default();
    assert!(none.starts_with("HTTP/1.1 401"), "{none}");
    assert!(
        none.to_ascii_lowercase()
            .contains("www-authenticate: basic"),
        "{none}"
    );
    use base64::Engine as _;
    let wrong = base64::engine::general_purpose::STANDARD.encode("prometheus:guess");
    let wrong = tls_request(
        exporter.addr,
        &cert,
        &ask(&format!("Authorization: Basic {wrong}\r\n")),
    )
    .await
    .unwrap_or_default();
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let right = base64::engine::general_purpose::STANDARD.encode("prometheus:scrape-secret");
    let right = tls_request(
        exporter.addr,
        &cert,
        &ask(&format!("Authorization: Basic {right}\r\n")),
    )
    .await
    .unwrap_or_default();
    assert!(right.starts_with("HTTP/1.1 200"), "{right}");
    assert!(right.contains("\nprobe_success 1"), "{right}");
    // Plain HTTP to the TLS port gets no answer a client could take for HTTP.
    let plain = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(exporter.addr).await.ok()?;
        s.write_all(ask("").as_bytes()).await.ok()?;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        Some(out)
    })
    .await;
    let plain = plain.ok().flatten().unwrap_or_default();
    assert!(!plain.starts_with(b"HTTP/1.1 200"), "{plain:?}");
}

#[tokio::test]
async fn bad_web_config_stops_serve_at_start() {
    let dir = temp_dir("badweb");
    std::fs::write(
        dir.join("modules.yml"),
        "modules:\n  a:\n    targets: any\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("web.yml"),
        "basic_auth_users:\n  prometheus: plaintext-password\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = common::cli::ftpdoctor(
        ["serve", "--listen", "127.0.0.1:0", "--config"]
            .iter()
            .map(ToString::to_string)
            .chain([
                dir.join("modules.yml").display().to_string(),
                "--web-config".to_string(),
                dir.join("web.yml").display().to_string(),
            ])
            .collect(),
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("not a bcrypt hash"), "{}", run.shown);
}
