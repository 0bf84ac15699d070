//! Black-box: behaviour first seen on real servers (tests/interop, tests/netns) where
//! ftpdoctor was wrong, pinned here against the embedded lab on 127.0.0.1:0.

use crate::common;

use std::time::Duration;

use common::cli::{findings, mode, probe_json};
use ftpdoctor::lab::{LabConfig, LabServer, Scenario};

/// pyftpdlib, whose connect back during PORT/EPRT a client firewall drops: the lab waits
/// `wait` (pyftpdlib: 30 s) before it answers `421 Active data channel timed out.`.
async fn connect_back_dropped(wait: Duration) -> LabServer {
    let mut config = LabConfig::new(Scenario::ActiveBlocked);
    config.connect_during_port = true;
    config.data_timeout = wait;
    LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn pyftpdlib_silent_port_while_connecting_back_is_active_connect_timeout() {
    // The lab answers long after the probe's 1 s step timeout: all the probe sees is
    // silence after PORT/EPRT and nothing on its listener. Seen through the netns router:
    // this was reported as control-failed ("no reply"), which hides the firewall.
    let server = connect_back_dropped(Duration::from_secs(20)).await;
    let run = probe_json(&server.url(), &["--modes", "eprt,port", "--tls", "off"]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["active-connect-timeout@eprt", "active-connect-timeout@port"],
        "{}",
        run.shown
    );
    for name in ["eprt", "port"] {
        let m = mode(&report, name);
        assert_eq!(m["accept"]["outcome"], "timeout", "{}", run.shown);
        assert_eq!(m["accept"]["during_request"], true, "{}", run.shown);
        assert!(m["reply"].is_null(), "{}", run.shown);
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn pyftpdlib_421_active_data_channel_timed_out_is_not_port_rejected() {
    // Within the probe's timeout the lab gives up and says so, as pyftpdlib does after
    // its 30 s: the address was accepted, the connection never came.
    let server = connect_back_dropped(Duration::from_millis(300)).await;
    let run = probe_json(&server.url(), &["--modes", "eprt,port", "--tls", "off"]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["active-connect-timeout@eprt", "active-connect-timeout@port"],
        "{}",
        run.shown
    );
    for name in ["eprt", "port"] {
        assert_eq!(mode(&report, name)["reply"]["code"], 421, "{}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proftpd_reuse_refusal_425_naming_no_tls_is_tls_handshake_failed() {
    // ProFTPD 1.3.8 (mod_tls, reuse required by default) to a data connection that did not
    // resume: "425 Unable to build data connection: Operation not permitted". Seen on the
    // real server: this was reported as transfer-failed, which names no TLS setting.
    let mut config = LabConfig::new(Scenario::TlsReuseRequired);
    config.reuse_refusal = (
        425,
        "Unable to build data connection: Operation not permitted",
    );
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let ca = common::ca_file(&server).unwrap_or_else(|| panic!("a TLS scenario has a CA"));
    let ca = ca.to_string_lossy().into_owned();
    let run = probe_json(
        &server.url(),
        &[
            "--tls",
            "explicit",
            "--ca-file",
            &ca,
            "--no-tls-reuse",
            "--modes",
            "epsv,port",
        ],
    )
    .await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["tls-handshake-failed@epsv", "tls-handshake-failed@port"],
        "{}",
        run.shown
    );
    let f = &report["findings"][0];
    assert!(
        f["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("reason session-reuse")),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pyftpdlib_unasked_425_after_a_closed_listener_is_no_alg_rewrite() {
    // FTPS on pyftpdlib, which connects during PORT/EPRT: the plaintext comparison session
    // sends EPRT, then PORT. Seen through the netns router: with EPRT's listener closed
    // before PORT, pyftpdlib answered the reset with an unasked 425, read as PORT's reply,
    // and the report claimed a middlebox (alg-rewrite) where there was none.
    let mut config = LabConfig::new(Scenario::Tls);
    config.connect_during_port = true;
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let ca = common::ca_file(&server).unwrap_or_else(|| panic!("a TLS scenario has a CA"));
    let ca = ca.to_string_lossy().into_owned();
    let run = probe_json(&server.url(), &["--tls", "explicit", "--ca-file", &ca]).await;
    let report = run.json();
    assert_eq!(findings(&report), Vec::<String>::new(), "{}", run.shown);
    assert_eq!(report["verdict"], "ok", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_session_ends_with_quit_and_its_221() {
    // Real servers log a session dropped without QUIT as an aborted one.
    let server = common::start(Scenario::Healthy).await;
    let run = probe_json(&server.url(), &["--transcript", "--tls", "off"]).await;
    let report = run.json();
    let transcript = report["transcript"].as_array().cloned().unwrap_or_default();
    let mut sessions: Vec<String> = transcript
        .iter()
        .filter_map(|t| t["session"].as_str().map(String::from))
        .collect();
    sessions.dedup();
    assert!(sessions.len() >= 4, "one session per mode: {}", run.shown);
    // The full-size packet check's sessions stop reading at the check's limit and close
    // without waiting for the server's 226 or 426 (which of the two depends on timing).
    for session in sessions.iter().filter(|s| s.as_str() != "size-check") {
        let lines: Vec<String> = transcript
            .iter()
            .filter(|t| t["session"] == session.as_str() && t["dir"] != "*")
            .map(|t| {
                format!(
                    "{} {}",
                    t["dir"].as_str().unwrap_or("?"),
                    t["line"].as_str().unwrap_or("")
                )
            })
            .collect();
        let n = lines.len();
        assert!(n >= 2, "{session}: {lines:?}");
        assert_eq!(lines[n - 2], "> QUIT", "{session}: {lines:?}");
        assert!(lines[n - 1].starts_with("< 221"), "{session}: {lines:?}");
    }
}
