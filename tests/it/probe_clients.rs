//! `--clients`: the client matrix, end to end against the lab (the real clients are run
//! against the same scenarios by .ci/stage-clients.sh).

use crate::common;

use serde_json::Value;

use common::cli::{ftpdoctor, probe_json};
use common::start;
use ftpdoctor::lab::Scenario;

fn clients(report: &Value) -> Vec<Value> {
    report["clients"].as_array().cloned().unwrap_or_default()
}

fn client(report: &Value, id: &str) -> Value {
    clients(report)
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn private_pasv_address_hangs_wget_but_not_the_epsv_first_clients() {
    let server = start(Scenario::PrivatePasv).await;
    let run = probe_json(&server.url(), &["--tls", "off", "--clients", "all"]).await;
    let report = run.json();
    let ids: Vec<String> = clients(&report)
        .iter()
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids.len(), 19, "{}", run.shown);
    assert_eq!(ids.first().map(String::as_str), Some("curl"));
    let wget = client(&report, "wget");
    assert_eq!(wget["prediction"], "hangs", "{}", run.shown);
    assert_eq!(wget["step"], "data-connect", "{}", run.shown);
    assert!(
        wget["expected_wait_s"].as_f64().unwrap_or(0.0) > 100.0,
        "{wget}"
    );
    let reason = wget["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("10.0.0.5") && reason.contains("pasv-private-address"),
        "{reason}"
    );
    for id in ["curl", "basic-ftp", "tnftp", "ftplib", "lftp"] {
        let c = client(&report, id);
        assert_eq!(c["prediction"], "works", "{id}: {c}");
        assert_eq!(c["step"], Value::Null, "{id}: {c}");
        assert_eq!(c["verified"], true, "{id}");
    }
    for id in ["filezilla", "winscp", "windows-ftp"] {
        assert_eq!(client(&report, id)["verified"], false, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn default_list_is_six_clients_in_json_and_a_matrix_under_the_findings() {
    let server = start(Scenario::ActiveBlocked).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    let ids: Vec<Value> = clients(&run.json())
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(
        ids,
        ["curl", "lftp", "wget", "ftplib", "filezilla", "windows-ftp"],
        "{}",
        run.shown
    );
    let windows = client(&run.json(), "windows-ftp");
    assert_eq!(windows["prediction"], "hangs", "{windows}");
    assert_eq!(windows["step"], "accept", "{windows}");

    let table = ftpdoctor(
        [
            "probe",
            &server.url(),
            "--tls",
            "off",
            "--timeout",
            "1s",
            "--clients",
            "curl-active,curl",
        ]
        .map(String::from)
        .to_vec(),
        Vec::new(),
    )
    .await;
    let text = &table.stdout;
    let matrix = text
        .find("clients (predicted")
        .unwrap_or_else(|| panic!("{}", table.shown));
    let findings = text
        .find("ERROR active-connect-timeout")
        .unwrap_or(usize::MAX);
    let verdict = text.find("verdict:").unwrap_or(0);
    assert!(findings < matrix && matrix < verdict, "{}", table.shown);
    // One line per distinct outcome (issue 20, 16): curl-active's is its own.
    assert!(
        text.contains("  hangs   curl-active: at accept, 60 s: "),
        "{}",
        table.shown
    );
    assert!(
        text.lines().all(|l| l.chars().count() <= 100),
        "{}",
        table.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_flag_keeps_the_order_given_and_refuses_unknown_ids() {
    let server = start(Scenario::Healthy).await;
    let run = probe_json(
        &server.url(),
        &["--tls", "off", "--clients", "wget-active,curl,wget-active"],
    )
    .await;
    let ids: Vec<Value> = clients(&run.json())
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, ["wget-active", "curl"], "{}", run.shown);

    let bad = probe_json(&server.url(), &["--clients", "curl,gopher"]).await;
    assert_eq!(bad.code, 2, "{}", bad.shown);
    assert!(
        bad.stderr.contains("\"gopher\"") && bad.stderr.contains("windows-ftp"),
        "{}",
        bad.shown
    );
}
