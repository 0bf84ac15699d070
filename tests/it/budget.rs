//! Black-box: every wait of a probe is handed its budget (the step's own timeout, within
//! what is left of --deadline, unless Ctrl-C) and records how it ended. The finding for a
//! dropped port must not depend on which of the two limits struck first: an alert keyed
//! on the finding id would flap between scrapes otherwise.

use crate::common;

use serde_json::Value;

use common::cli::{findings, mode, probe_json};
use common::start;
use ftpdoctor::lab::Scenario;

/// The first dial of `name`'s mode.
fn first_dial(report: &Value, name: &str) -> Value {
    mode(report, name)["dials"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_passive_port_is_data_connect_timeout_whether_timeout_or_deadline_ends_the_dial() {
    let server = start(Scenario::BlockedData).await;
    let url = server.url();
    // The step's own timeout ends the dial; then a 1 s deadline (a Prometheus scrape's)
    // shorter than the timeout ends it, after a little less than a second of silence.
    let (own, cut) = tokio::join!(
        probe_json(&url, &["--timeout", "1s", "--deadline", "10s"]),
        probe_json(&url, &["--timeout", "5s", "--deadline", "1s"]),
    );
    for run in [&own, &cut] {
        let report = run.json();
        let ids = findings(&report);
        for wanted in ["data-connect-timeout@epsv", "data-connect-timeout@pasv"] {
            assert!(ids.iter().any(|id| id == wanted), "{wanted}\n{}", run.shown);
        }
        assert!(
            !ids.iter().any(|id| id.starts_with("deadline-exceeded")),
            "{}",
            run.shown
        );
        assert_eq!(
            first_dial(&report, "epsv")["outcome"],
            "timeout",
            "{}",
            run.shown
        );
    }
    // Only the cut dial says who cut it; the one its own timeout ended has no `cut_by`.
    let own = own.json();
    let cut_report = cut.json();
    assert_eq!(first_dial(&own, "epsv").get("cut_by"), None);
    assert_eq!(own["deadline_hit"], false);
    for name in ["epsv", "pasv"] {
        assert_eq!(
            first_dial(&cut_report, name)["cut_by"],
            "deadline",
            "{}",
            cut.shown
        );
        assert_eq!(
            mode(&cut_report, name)["interrupted"],
            "data-connect",
            "{}",
            cut.shown
        );
    }
    assert_eq!(cut_report["deadline_hit"], true, "{}", cut.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_greeting_past_the_timeout_is_banner_slow_not_a_cut() {
    let server = ftpdoctor::lab::FaultServer::start(
        ftpdoctor::lab::Fault::SlowGreeting,
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
    )
    .await
    .unwrap_or_else(|e| panic!("starting the fault: {e}"));
    // The greeting comes after 1.5 s, past --timeout 1s: it is awaited to the deadline.
    let run = probe_json(
        &server.url(),
        &["--deadline", "10s", "--tls", "off", "--modes", "epsv,pasv"],
    )
    .await;
    server.shutdown().await;
    let report = run.json();
    let ids = findings(&report);
    assert!(ids.iter().any(|id| id == "banner-slow@-"), "{}", run.shown);
    assert_eq!(report["deadline_hit"], false, "{}", run.shown);
}
