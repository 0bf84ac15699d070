//! Black-box: more of issue 20's "it says something false" — a mistyped path is not a
//! firewall, a login refused in plaintext is not "ok", a partly open passive range does
//! not fail the mode whose own transfer worked.

use crate::common;

use common::cli::{findings, ftpdoctor, mode, probe_json, statuses};
use common::{ca_file, start};
use ftpdoctor::lab::Scenario;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn mistyped_path_is_one_path_not_found_not_four_failed_transfers() {
    let server = start(Scenario::Healthy).await;
    let url = format!("{}nope/", server.url());
    let run = probe_json(&url, &["--tls", "off"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["path-not-found@-"], "{}", run.shown);
    // The passive modes connected: a typo is not a firewall. The active ones were told
    // 550 before the server connected back: their data path was not exercised.
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=skipped", "port=skipped"],
        "{}",
        run.shown
    );
    for name in ["epsv", "pasv"] {
        assert_eq!(
            mode(&report, name)["dials"][0]["outcome"],
            "connected",
            "{}",
            run.shown
        );
    }
    let evidence = report["findings"][0]["evidence"]
        .as_str()
        .unwrap_or_default();
    assert!(
        evidence.contains("550") && evidence.contains("EPRT and PORT answered before"),
        "{evidence}"
    );
    let headline = report["summary"]["headline"].as_str().unwrap_or_default();
    assert!(
        headline.starts_with("EPSV and PASV work; EPRT and PORT not exercised"),
        "{headline}"
    );

    let table = ftpdoctor(
        args(&["probe", &url, "--tls", "off", "--timeout", "1s"]),
        vec![("COLUMNS", "100".to_string())],
    )
    .await;
    assert_eq!(table.code, 1, "{}", table.shown);
    assert!(table.stdout.contains("not exercised"), "{}", table.shown);
    assert!(!table.stdout.contains("transfer-failed"), "{}", table.shown);
}

/// `tls-required` probed over TLS: the modes work, yet plaintext clients fail at login;
/// the verdict says so (warn) as the matrix does. With `--tls off` the login fails and the
/// fix is "use FTPS", never "check the user and password".
#[tokio::test(flavor = "multi_thread")]
async fn tls_required_is_not_ok_while_plaintext_clients_fail_and_tls_off_says_use_ftps() {
    let server = start(Scenario::TlsRequired).await;
    let ca = ca_file(&server).unwrap_or_else(|| panic!("no CA file"));
    let ca = ca.to_string_lossy().to_string();
    let run = probe_json(&server.url(), &["--ca-file", &ca, "--clients", "all"]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["plaintext-login-refused@-"],
        "{}",
        run.shown
    );
    assert_eq!(report["verdict"], "warn", "{}", run.shown);
    let curl = report["clients"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "curl").cloned())
        .unwrap_or_default();
    assert_eq!(curl["prediction"], "fails", "{}", run.shown);
    let f = &report["findings"][0];
    let fix = f["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("--ssl-reqd") && fix.contains("ftp:ssl-allow-anonymous yes"),
        "{fix}"
    );
    assert!(!fix.contains("ssl-force"), "{fix}");

    let off = probe_json(&server.url(), &["--tls", "off"]).await;
    let report = off.json();
    assert_eq!(findings(&report), ["login-failed@-"], "{}", off.shown);
    let fix = report["findings"][0]["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("use FTPS") && fix.contains("--ssl-reqd") && !fix.contains("password (--user"),
        "{fix}"
    );
    let short = report["summary"]["fix"].as_str().unwrap_or_default();
    assert!(
        short.starts_with("use FTPS") && !short.contains("check the user"),
        "{short}"
    );
}
