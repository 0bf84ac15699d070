//! Black-box: a late greeting and a greeting that never comes. A late 220 is waited for
//! until --deadline (the lateness is the finding); a silent server is not blamed on
//! implicit TLS unless the port is 990.

use crate::common;

use common::cli::{findings, probe_json};
use ftpdoctor::lab::{Fault, FaultServer};

async fn fault(fault: Fault) -> FaultServer {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    FaultServer::start(fault, listen)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_greeting_later_than_timeout_is_waited_for_until_the_deadline() {
    let server = fault(Fault::SlowGreeting).await;
    let run = probe_json(&server.url(), &["--tls", "off", "--modes", "epsv,pasv"]).await;
    let report = run.json();
    assert_eq!(report["verdict"], "warn", "{}", run.shown);
    assert!(
        findings(&report)
            .iter()
            .any(|f| f.starts_with("banner-slow")),
        "{}",
        run.shown
    );
    let slow = report["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == "banner-slow"))
        .cloned()
        .unwrap_or_default();
    assert!(
        slow["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("--deadline")),
        "{slow}"
    );
}

#[tokio::test]
async fn a_silent_server_off_port_990_is_not_blamed_on_implicit_tls() {
    let server = fault(Fault::SilentBanner).await;
    let run = probe_json(
        &server.url(),
        &["--tls", "off", "--modes", "epsv,pasv", "--deadline", "2s"],
    )
    .await;
    let report = run.json();
    assert!(
        findings(&report)
            .iter()
            .any(|f| f.starts_with("banner-timeout")),
        "{}",
        run.shown
    );
    for client in report["clients"].as_array().cloned().unwrap_or_default() {
        let reason = client["reason"].as_str().unwrap_or_default();
        assert!(
            !reason.contains("990") && !reason.contains("implicit"),
            "{client}"
        );
    }
    for finding in report["findings"].as_array().cloned().unwrap_or_default() {
        let fix = finding["fix"].as_str().unwrap_or_default();
        assert!(!fix.contains("990"), "{finding}");
    }
}

#[tokio::test]
async fn a_trickling_greeting_cut_by_the_deadline_says_how_many_bytes_arrived() {
    let server = fault(Fault::TrickleBanner).await;
    let run = probe_json(
        &server.url(),
        &[
            "--tls",
            "off",
            "--modes",
            "epsv,pasv",
            "--deadline",
            "2500ms",
        ],
    )
    .await;
    let report = run.json();
    let timeout = report["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == "banner-timeout"))
        .cloned()
        .unwrap_or_default();
    let evidence = timeout["evidence"].as_str().unwrap_or_default();
    assert!(
        evidence.contains("bytes of it had arrived")
            || evidence.contains("1 byte of it had arrived"),
        "{}",
        run.shown
    );
}
