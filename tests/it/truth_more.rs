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

/// `--sample-ports` on `partial-range`: the sample describes the passive range, so its
/// finding has `mode: null`, and each passive mode keeps the status of its own transfer
/// (EPSV's transfer worked: EPSV is not failed by ports it never used).
#[tokio::test(flavor = "multi_thread")]
async fn sampled_partial_range_is_mode_null_and_each_passive_mode_keeps_its_own_status() {
    let server = start(Scenario::PartialRange).await;
    let run = probe_json(&server.url(), &["--tls", "off", "--sample-ports", "16"]).await;
    let report = run.json();
    let all = report["findings"].as_array().cloned().unwrap_or_default();
    let sample = all
        .iter()
        .find(|f| f["id"] == "passive-ports-filtered")
        .unwrap_or_else(|| panic!("no passive-ports-filtered:\n{}", run.shown));
    assert_eq!(sample["mode"], serde_json::Value::Null, "{}", run.shown);
    let reachable = report["sample"]["reachable"].as_u64().unwrap_or(0);
    let summary = sample["summary"].as_str().unwrap_or_default();
    assert!(
        summary.starts_with(&format!(
            "Passive modes work for {reachable} of 16 sampled ports"
        )),
        "{summary}"
    );
    for name in ["epsv", "pasv"] {
        let m = mode(&report, name);
        let own_error = all
            .iter()
            .any(|f| f["mode"] == name && f["severity"] == "error");
        let want = if own_error { "fail" } else { "ok" };
        assert_eq!(m["status"], want, "{name}: {}", run.shown);
        if m["transfer"]["outcome"] == "ok" {
            assert_eq!(m["status"], "ok", "{name}: {}", run.shown);
        }
    }
}

/// A refused control port used to print the same client line six times and push the
/// findings off the first screen: the matrix now says it once ("all six"), and -v keeps
/// one line per client.
#[tokio::test(flavor = "multi_thread")]
async fn client_matrix_on_a_refused_port_is_one_line_for_all_six() {
    // Bind and drop a listener: nothing listens on that loopback port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("ftp://127.0.0.1:{port}/");
    let run = |verbose: bool| {
        let mut list = vec!["probe", url.as_str(), "--timeout", "1s"];
        if verbose {
            list.push("-v");
        }
        ftpdoctor(args(&list), vec![("COLUMNS", "80".to_string())])
    };
    let table = run(false).await;
    let matrix: Vec<&str> = table
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("clients ("))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        matrix
            .first()
            .is_some_and(|l| l.starts_with("  fails   all six: at connect:")),
        "{}",
        table.shown
    );
    assert!(
        !matrix.iter().any(|l| l.starts_with("  curl ")),
        "{}",
        table.shown
    );
    let verbose = run(true).await;
    for id in ["curl", "lftp", "wget", "ftplib", "filezilla", "windows-ftp"] {
        assert!(
            verbose
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("  {id} ")) && l.contains("fails")),
            "{id}: {}",
            verbose.shown
        );
    }
}
