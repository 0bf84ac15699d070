//! Black-box: more of issue 20's "it says something false" — a mistyped path is not a
//! firewall, a login refused in plaintext is not "ok", a partly open passive range does
//! not fail the mode whose own transfer worked.

use crate::common;

use common::cli::{findings, ftpdoctor, mode, probe_json, statuses};
use common::start;
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
