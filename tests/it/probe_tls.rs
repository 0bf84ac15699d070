//! Black-box: FTPS as `ftpdoctor probe` sees it — certificate checks (--ca-file,
//! --insecure, none), --tls explicit and off, session reuse, expiring certificates, and
//! credentials kept out of plaintext.

use crate::common;

use serde_json::Value;

use common::cli::{findings, ftpdoctor, mode, probe_json, statuses};
use common::{LAB_DATA_TIMEOUT, ca_file, start};
use ftpdoctor::lab::{LAB_PASSWORD, LAB_USER, LabConfig, LabServer, Scenario};

fn ca_args(server: &LabServer) -> (std::path::PathBuf, Vec<String>) {
    let path = ca_file(server).unwrap_or_else(|| panic!("{} has no TLS", server.scenario()));
    let args = vec!["--ca-file".to_string(), path.display().to_string()];
    (path, args)
}

async fn probe(url: &str, extra: &[String]) -> common::cli::Run {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    probe_json(url, &extra).await
}

fn summary(report: &Value, id: &str) -> String {
    finding(report, id)["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The transcript shows the session, and no USER in it: no credentials went out.
fn assert_no_user_sent(report: &Value, shown: &str) {
    let transcript = report["transcript"].as_array().cloned().unwrap_or_default();
    assert!(!transcript.is_empty(), "{shown}");
    assert!(
        transcript
            .iter()
            .all(|e| !e["line"].as_str().unwrap_or_default().starts_with("USER")),
        "{shown}"
    );
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == id))
        .unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_report_names_version_cipher_certificate_and_resumed_data_sessions() {
    let server = start(Scenario::Tls).await;
    let (_ca, args) = ca_args(&server);
    let run = probe(&server.url(), &args).await;
    let report = run.json();
    let tls = &report["control"]["tls_details"];
    assert_eq!(report["control"]["tls"], "explicit", "{}", run.shown);
    assert_eq!(tls["auth_reply"]["code"], 234, "{}", run.shown);
    assert_eq!(tls["verified"], true, "{}", run.shown);
    assert_eq!(tls["data_protected"], true, "{}", run.shown);
    assert!(
        tls["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("TLSv1."))
    );
    assert!(tls["cipher"].as_str().is_some_and(|c| c.starts_with("TLS")));
    assert_eq!(tls["certificate"]["subject"], "CN=ftpdoctor lab server");
    assert_eq!(tls["certificate"]["issuer"], "CN=ftpdoctor lab CA");
    // Each data connection did its own handshake and resumed the control session.
    for name in ["epsv", "pasv", "eprt", "port"] {
        let data_tls = &mode(&report, name)["transfer"]["tls"];
        assert_eq!(data_tls["ok"], true, "{name}: {}", run.shown);
        assert_eq!(data_tls["resumed"], true, "{name}: {}", run.shown);
    }
    // The plaintext comparison ran and found the same address.
    assert_eq!(
        report["plaintext_check"]["pasv_addr"]
            .as_str()
            .map(|a| a.starts_with("127.0.0.1:")),
        Some(true),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_ca_fails_the_control_handshake_before_a_named_login() {
    let server = start(Scenario::Tls).await;
    // A named login: its password is never sent over a session whose certificate the
    // check refused (an anonymous probe goes on: tests/it/truth.rs).
    let run = ftpdoctor(
        [
            "probe",
            &server.url(),
            "--format",
            "json",
            "--timeout",
            "1s",
            "--transcript",
            "--user",
            "student",
            "--password-env",
            "LAB_PW",
        ]
        .iter()
        .map(ToString::to_string)
        .collect(),
        vec![("LAB_PW", "lab-password".to_string())],
    )
    .await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["tls-handshake-failed@-"],
        "{}",
        run.shown
    );
    let f = finding(&report, "tls-handshake-failed");
    assert!(
        f["summary"]
            .as_str()
            .is_some_and(|s| s.contains("certificate")),
        "{}",
        run.shown
    );
    assert_eq!(
        report["control"]["tls_details"]["error"]["reason"],
        "certificate"
    );
    assert_eq!(report["control"]["login"], "not-attempted", "{}", run.shown);
    assert_no_user_sent(&report, &run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn insecure_goes_on_and_says_what_verification_would_have_said() {
    let server = start(Scenario::Tls).await;
    let run = probe_json(&server.url(), &["--insecure"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["tls-unverified@-"], "{}", run.shown);
    let summary = summary(&report, "tls-unverified");
    assert!(summary.contains("would have failed"), "{summary}");
    assert!(summary.contains("UnknownIssuer"), "{summary}");
    assert_eq!(report["control"]["tls_details"]["verified"], false);
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn insecure_with_the_right_ca_would_have_passed() {
    let server = start(Scenario::Tls).await;
    let (_ca, mut args) = ca_args(&server);
    args.push("--insecure".to_string());
    let run = probe(&server.url(), &args).await;
    let summary = summary(&run.json(), "tls-unverified");
    assert!(summary.contains("would have passed"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_requiring_session_reuse_refuses_a_client_that_does_not_resume() {
    let server = start(Scenario::TlsReuseRequired).await;
    let (_ca, mut args) = ca_args(&server);
    args.push("--no-tls-reuse".to_string());
    let run = probe(&server.url(), &args).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        [
            "tls-handshake-failed@eprt",
            "tls-handshake-failed@epsv",
            "tls-handshake-failed@pasv",
            "tls-handshake-failed@port",
        ],
        "{}",
        run.shown
    );
    let f = finding(&report, "tls-handshake-failed");
    assert!(
        f["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("reason session-reuse") && e.contains("522")),
        "{}",
        run.shown
    );
    assert_eq!(mode(&report, "epsv")["transfer"]["tls"]["resumed"], false);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_explicit_against_a_plaintext_server_stops_before_the_password() {
    let server = start(Scenario::Healthy).await;
    let run = probe_json(&server.url(), &["--tls", "explicit", "--transcript"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["tls-unavailable@-"], "{}", run.shown);
    assert_eq!(finding(&report, "tls-unavailable")["severity"], "error");
    assert_eq!(
        statuses(&report),
        [
            "epsv=skipped",
            "pasv=skipped",
            "eprt=skipped",
            "port=skipped"
        ],
        "{}",
        run.shown
    );
    assert_no_user_sent(&run.json(), &run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_auto_against_a_plaintext_server_warns_and_goes_on() {
    // A named user's password crossed in plaintext: worth a warning.
    let server = start(Scenario::Healthy).await;
    let url = format!(
        "ftp://{}:{}@{}/",
        ftpdoctor::lab::LAB_USER,
        ftpdoctor::lab::LAB_PASSWORD,
        server.addr()
    );
    let run = probe_json(&url, &["--fail-on", "warn"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["tls-unavailable@-"], "{}", run.shown);
    assert_eq!(finding(&report, "tls-unavailable")["severity"], "warn");
    assert_eq!(report["control"]["tls"], "none");
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_auto_anonymous_on_a_plaintext_server_is_info_and_the_healthy_lab_ends_ok() {
    // Anonymous FTP sends no secret: the lab's healthy scenario is ok under the default.
    let server = start(Scenario::Healthy).await;
    let run = probe_json(&server.url(), &["--fail-on", "warn"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["tls-unavailable@-"], "{}", run.shown);
    assert_eq!(finding(&report, "tls-unavailable")["severity"], "info");
    assert_eq!(report["verdict"], "ok", "{}", run.shown);
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn plaintext_login_refused_by_a_tls_only_server_names_tls() {
    let server = start(Scenario::TlsRequired).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["login-failed@-"], "{}", run.shown);
    let summary = summary(&report, "login-failed");
    assert!(summary.contains("requires TLS"), "{summary}");
    assert!(report["control"]["tls_details"].is_null(), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_only_server_refuses_the_plaintext_comparison_session() {
    let server = start(Scenario::TlsRequired).await;
    let (_ca, args) = ca_args(&server);
    let run = probe(&server.url(), &args).await;
    let skipped = run.json()["plaintext_check"]["skipped"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(skipped.contains("530"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn named_users_password_never_crosses_in_plaintext() {
    let server = start(Scenario::Tls).await;
    let (_ca, mut args) = ca_args(&server);
    args.extend(
        [
            "--user",
            LAB_USER,
            "--password-env",
            "FTPDOCTOR_TEST_PW",
            "--transcript",
        ]
        .map(String::from),
    );
    let mut full = vec![
        "probe".to_string(),
        server.url(),
        "--format".to_string(),
        "json".to_string(),
    ];
    full.extend(args);
    let run = ftpdoctor(full, vec![("FTPDOCTOR_TEST_PW", LAB_PASSWORD.to_string())]).await;
    let report = run.json();
    assert_eq!(report["control"]["login"], "ok", "{}", run.shown);
    let skipped = report["plaintext_check"]["skipped"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(skipped.contains("would send the password"), "{}", run.shown);
    let transcript = report["transcript"].as_array().cloned().unwrap_or_default();
    assert!(
        transcript.iter().all(|e| e["session"] != "plaintext"),
        "{}",
        run.shown
    );
}

async fn start_with_cert_days(days: i64) -> LabServer {
    let mut config = LabConfig::new(Scenario::Tls);
    config.data_timeout = LAB_DATA_TIMEOUT;
    config.cert_valid_days = days;
    LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_expiring_within_two_weeks_is_a_warning() {
    let server = start_with_cert_days(5).await;
    let (_ca, args) = ca_args(&server);
    let run = probe(&server.url(), &args).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["tls-certificate-expiring@-"],
        "{}",
        run.shown
    );
    let days = report["control"]["tls_details"]["certificate"]["days_left"].as_i64();
    assert!(matches!(days, Some(4 | 5)), "{}", run.shown);
    assert_eq!(report["verdict"], "warn", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_certificate_fails_verification_and_insecure_says_expired() {
    let server = start_with_cert_days(-3).await;
    let (_ca, args) = ca_args(&server);
    let run = probe(&server.url(), &args).await;
    // Refused, and still described: the expiry is why.
    assert_eq!(
        findings(&run.json()),
        ["tls-certificate-expiring@-", "tls-handshake-failed@-"],
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("Expired"), "{}", run.shown);
    let days = run.json()["control"]["tls_details"]["certificate"]["days_left"].as_i64();
    assert!(matches!(days, Some(-4 | -3)), "{}", run.shown);

    let mut insecure = args.clone();
    insecure.push("--insecure".to_string());
    let run = probe(&server.url(), &insecure).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["tls-certificate-expiring@-", "tls-unverified@-"],
        "{}",
        run.shown
    );
    let summary = summary(&report, "tls-certificate-expiring");
    assert!(summary.contains("expired"), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ftps_target_keeps_implicit_tls_under_tls_explicit_and_a_bad_ca_file_exits_2() {
    let server = start(Scenario::TlsImplicit).await;
    // The URL's scheme settles it (a fleet may mix ftp:// and ftps://); stderr says so.
    let run = probe_json(&server.url(), &["--tls", "explicit", "--insecure"]).await;
    assert_eq!(run.json()["control"]["tls"], "implicit", "{}", run.shown);
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        run.stderr.contains(
            "--tls explicit applies to ftp:// targets; 1 ftps:// target(s) use implicit TLS"
        ),
        "{}",
        run.shown
    );
    let run = probe_json(&server.url(), &["--ca-file", "/nonexistent/ca.pem"]).await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("--ca-file"), "{}", run.shown);
}

/// A server that says 234 to AUTH TLS and then never speaks TLS.
async fn silent_after_234() -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.write_all(b"220 hi\r\n").await;
                let mut buf = [0u8; 256];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(b"234 go ahead\r\n").await;
                tokio::time::sleep(std::time::Duration::from_secs(20)).await;
            });
        }
    });
    (format!("ftp://{addr}/"), task)
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_handshake_times_out_as_a_tls_failure() {
    let (url, task) = silent_after_234().await;
    let run = probe_json(&url, &[]).await;
    let report = run.json();
    // --tls auto then goes on in plaintext, where this server answers USER with its 234.
    assert_eq!(
        findings(&report),
        ["login-failed@-", "tls-handshake-failed@-"],
        "{}",
        run.shown
    );
    assert_eq!(
        report["control"]["tls_details"]["error"]["reason"],
        "timeout"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn deadline_in_the_handshake_names_the_handshake() {
    let (url, task) = silent_after_234().await;
    let run = probe_json(&url, &["--timeout", "10s", "--deadline", "1s"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["deadline-exceeded@-"], "{}", run.shown);
    assert_eq!(report["control"]["error"]["stage"], "tls", "{}", run.shown);
    let summary = summary(&report, "deadline-exceeded");
    assert!(summary.contains("TLS handshake"), "{summary}");
    assert!(
        run.elapsed < std::time::Duration::from_secs(5),
        "{}",
        run.shown
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn later_sessions_never_fall_back_to_plaintext_once_the_first_had_tls() {
    // A load balancer with one FTPS backend: AUTH TLS works on the first connection only.
    let mut config = LabConfig::new(Scenario::Tls);
    config.data_timeout = LAB_DATA_TIMEOUT;
    config.tls_first_session_only = true;
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let (_ca, ca) = ca_args(&server);
    let mut args = vec![
        "probe".to_string(),
        server.url(),
        "--format".to_string(),
        "json".to_string(),
        "--transcript".to_string(),
    ];
    args.extend(ca);
    args.extend(["--user", LAB_USER, "--password-env", "FTPDOCTOR_TEST_PW"].map(String::from));
    let run = ftpdoctor(args, vec![("FTPDOCTOR_TEST_PW", LAB_PASSWORD.to_string())]).await;
    let report = run.json();
    // Every session that sent PASS had its TLS handshake first.
    let transcript = report["transcript"].as_array().cloned().unwrap_or_default();
    let mut secured = std::collections::HashSet::new();
    for e in &transcript {
        let (session, line) = (
            e["session"].as_str(),
            e["line"].as_str().unwrap_or_default(),
        );
        if line.starts_with("TLS handshake") {
            secured.insert(session);
        }
        if line.starts_with("PASS") {
            assert!(
                secured.contains(&session),
                "PASS in clear on {session:?}: {}",
                run.shown
            );
        }
    }
    // The modes still ran, in turn on the TLS session.
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(report["strategy"], "sequential-fallback", "{}", run.shown);
    assert_eq!(findings(&report), ["connection-limit@-"], "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn active_addr_is_sent_alike_in_plaintext_and_tls_so_no_false_alg_rewrite() {
    let server = start(Scenario::Tls).await;
    let (_ca, mut args) = ca_args(&server);
    args.extend(["--active-addr", "127.0.0.2"].map(String::from));
    let run = probe(&server.url(), &args).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["port-rejected@eprt", "port-rejected@port"],
        "{}",
        run.shown
    );
    assert!(
        report["plaintext_check"]["port_request"]
            .as_str()
            .is_some_and(|r| r.starts_with("PORT 127,0,0,2,")),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unanswered_auth_tls_goes_on_in_plaintext_and_says_so() {
    // A strict FTP-inspecting firewall that drops verbs it does not know.
    let mut config = LabConfig::new(Scenario::Healthy);
    config.data_timeout = LAB_DATA_TIMEOUT;
    config.unanswered = vec!["AUTH"];
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let run = probe_json(&server.url(), &[]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["tls-unavailable@-"], "{}", run.shown);
    let summary = summary(&report, "tls-unavailable");
    assert!(summary.contains("not answered"), "{summary}");
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn session_closed_after_a_reuse_refusal_does_not_break_the_next_mode() {
    // vsftpd ends the session after "522 ... session reuse required"; in turn on one
    // connection, each mode must still get its own diagnosis.
    let server = start(Scenario::TlsReuseRequired).await;
    let (_ca, mut args) = ca_args(&server);
    args.extend(["--no-tls-reuse", "--sequential"].map(String::from));
    let run = probe(&server.url(), &args).await;
    assert_eq!(
        findings(&run.json()),
        [
            "tls-handshake-failed@eprt",
            "tls-handshake-failed@epsv",
            "tls-handshake-failed@pasv",
            "tls-handshake-failed@port",
        ],
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_waits_for_the_data_handshake_before_its_150_is_a_deadlock_not_a_timeout() {
    // The lab waits for the data handshake as long as for a slow transfer (60 s), as the
    // servers in the wild wait: the probe's --timeout for the 150 ends first.
    let server = start(Scenario::TlsDataDeadlock).await;
    let (_ca, mut args) = ca_args(&server);
    args.extend(["--clients", "curl-ssl-reqd,ftplib-tls,filezilla,curl,lftp"].map(String::from));
    let run = probe(&server.url(), &args).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        [
            "data-tls-deadlock@eprt",
            "data-tls-deadlock@epsv",
            "data-tls-deadlock@pasv",
            "data-tls-deadlock@port",
        ],
        "{}",
        run.shown
    );
    let f = finding(&report, "data-tls-deadlock");
    let said = format!("{} {}", f["summary"], f["evidence"]);
    assert!(
        said.contains("FileZilla") && said.contains("PROT P") && said.contains("data connection"),
        "{}",
        run.shown
    );
    let fate = |id: &str| {
        let c = report["clients"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["id"] == id))
            .cloned()
            .unwrap_or(Value::Null);
        (
            c["prediction"].as_str().unwrap_or("?").to_string(),
            c["step"].as_str().unwrap_or("-").to_string(),
        )
    };
    // Those that wait for the 150 wait with the server; FileZilla and curl handshake at
    // once; the plaintext clients never send PROT P and so never meet it.
    assert_eq!(
        fate("curl-ssl-reqd"),
        ("works".into(), "-".into()),
        "{}",
        run.shown
    );
    assert_eq!(
        fate("ftplib-tls"),
        ("hangs".into(), "data-tls".into()),
        "{}",
        run.shown
    );
    assert_eq!(
        fate("filezilla"),
        ("works".into(), "-".into()),
        "{}",
        run.shown
    );
    assert_eq!(fate("curl"), ("works".into(), "-".into()), "{}", run.shown);
    assert_eq!(fate("lftp"), ("works".into(), "-".into()), "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}
