//! Black-box: the answer at a glance. Against real lab scenarios, the report names the
//! root cause first, groups its symptoms under it, and ends (table) or carries (JSON
//! `summary`) the modes that work, the cause and the one fix.

use crate::common;

use serde_json::Value;

use common::cli::{ftpdoctor, probe_json};
use common::{ca_file, start};
use ftpdoctor::lab::Scenario;

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| match f["mode"].as_str() {
                    Some(m) => format!("{}@{m}", f["id"].as_str().unwrap_or("?")),
                    None => format!("{}@-", f["id"].as_str().unwrap_or("?")),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_pasv_headline_says_epsv_works_and_names_pasv_address() {
    let server = start(Scenario::PrivatePasv).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    let report = run.json();
    let summary = &report["summary"];
    assert_eq!(
        summary["works"],
        serde_json::json!(["epsv", "eprt", "port"])
    );
    assert_eq!(summary["fails"], serde_json::json!(["pasv"]));
    assert_eq!(summary["root_cause"]["id"], "pasv-private-address");
    let cause = summary["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("10.0.0.5"), "{}", run.shown);
    let fix = summary["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("pasv_address"), "{}", run.shown);
    let headline = summary["headline"].as_str().unwrap_or_default();
    assert!(
        headline.starts_with("EPSV, EPRT and PORT work; PASV fails; PASV advertises 10.0.0.5"),
        "{headline}"
    );
    // The substitute that works around the address sits under it.
    assert_eq!(
        ids(&report),
        ["pasv-private-address@pasv", "substitute-address-works@pasv"]
    );
    assert_eq!(summary["explained_by"], serde_json::json!([null, 0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn alg_rewrite_leads_the_private_227_and_refused_port_it_explains() {
    let server = start(Scenario::AlgRewrite).await;
    let ca = ca_file(&server).expect("the alg-rewrite lab has TLS");
    let run = probe_json(
        &server.url(),
        &["--ca-file", ca.to_str().unwrap_or_default()],
    )
    .await;
    let report = run.json();
    let ids = ids(&report);
    assert_eq!(ids[0], "alg-rewrite@pasv", "{}", run.shown);
    let at = |id: &str| ids.iter().position(|i| i == id);
    // Each symptom comes after the alg-rewrite of its mode, and says so.
    for (symptom, cause) in [
        ("pasv-private-address@pasv", "alg-rewrite@pasv"),
        ("port-rejected@eprt", "alg-rewrite@eprt"),
        ("port-rejected@port", "alg-rewrite@port"),
    ] {
        let (s, c) = (at(symptom).unwrap(), at(cause).unwrap());
        assert!(c < s, "{ids:?}");
        assert_eq!(report["summary"]["explained_by"][s], c, "{ids:?}");
    }
    assert_eq!(report["summary"]["root_cause"]["id"], "alg-rewrite");
    assert_eq!(report["summary"]["works"], serde_json::json!(["epsv"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn table_ends_with_verdict_modes_cause_and_fix() {
    let server = start(Scenario::BlockedData).await;
    let args = [
        "probe",
        &server.url(),
        "--tls",
        "off",
        "--timeout",
        "500ms",
        "--modes",
        "epsv,pasv,eprt",
    ]
    .map(String::from)
    .to_vec();
    let run = ftpdoctor(args, Vec::new()).await;
    let tail: Vec<&str> = run.stdout.lines().rev().take(8).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let text = tail.join("\n");
    assert!(
        tail.iter()
            .any(|l| l.starts_with("verdict: fail (2 errors)")),
        "{}",
        run.shown
    );
    assert!(
        text.contains("modes: EPRT works; EPSV and PASV fail"),
        "{text}"
    );
    assert!(
        text.contains("cause: a firewall drops the passive data ports"),
        "{text}"
    );
    assert!(
        text.contains("fix:   open the passive port range"),
        "{text}"
    );
    // One group: the PASV timeout is the same dropped range as the EPSV one.
    assert!(
        run.stdout.contains("↳ ERROR data-connect-timeout (pasv)"),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_plain_ftp_is_ok_with_a_two_line_tls_note() {
    let server = start(Scenario::Healthy).await;
    let args = ["probe", &server.url()].map(String::from).to_vec();
    let run = ftpdoctor(args, Vec::new()).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let block: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("INFO tls-unavailable"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        (2..=4).contains(&block.len()),
        "the TLS note is short: {block:?}\n{}",
        run.shown
    );
    assert!(!run.stdout.contains("reference:"), "{}", run.shown);
    assert!(
        run.stdout
            .contains("verdict: ok — all four modes work (1 info)"),
        "{}",
        run.shown
    );
    // -v gives the whole finding.
    let args = ["probe", &server.url(), "-v"].map(String::from).to_vec();
    let verbose = ftpdoctor(args, Vec::new()).await;
    assert!(
        verbose.stdout.contains("reference: RFC 4217"),
        "{}",
        verbose.shown
    );
}
