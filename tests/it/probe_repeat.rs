//! `--repeat N` against the lab: the rounds put together (each mode's `ok_rounds`, its
//! details from its last failing round), `mode-intermittent` for a mode that works in
//! some rounds only, and nothing of it in the report without the flag.

use crate::common;

use serde_json::Value;

use common::cli::{findings, mode, modes, probe_json};
use common::start;
use ftpdoctor::lab::Scenario;

fn ok_rounds(report: &Value) -> Vec<(String, u64)> {
    modes(report)
        .iter()
        .map(|m| {
            let name = m["mode"].as_str().unwrap_or("?").to_string();
            (name, m["ok_rounds"].as_u64().unwrap_or(u64::MAX))
        })
        .collect()
}

#[tokio::test]
async fn every_round_healthy_counts_every_round_and_finds_nothing_intermittent() {
    let server = start(Scenario::Healthy).await;
    let run = probe_json(&server.url(), &["--repeat", "3"]).await;
    let report = run.json();
    assert_eq!(report["rounds"], 3, "{}", run.shown);
    for (name, ok) in ok_rounds(&report) {
        assert_eq!(ok, 3, "{name}: {}", run.shown);
    }
    assert_eq!(report["verdict"], "ok", "{}", run.shown);
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f.starts_with("mode-intermittent"))
    );
}

#[tokio::test]
async fn without_repeat_the_report_has_no_rounds_at_all() {
    let server = start(Scenario::Healthy).await;
    let run = probe_json(&server.url(), &[]).await;
    assert!(!run.stdout.contains("rounds"), "{}", run.shown);
}

#[tokio::test]
async fn every_round_refused_is_a_failure_in_every_round_not_intermittent() {
    let server = start(Scenario::RefusedData).await;
    let run = probe_json(&server.url(), &["--repeat", "2"]).await;
    let report = run.json();
    assert_eq!(report["rounds"], 2, "{}", run.shown);
    for name in ["epsv", "pasv"] {
        assert_eq!(mode(&report, name)["ok_rounds"], 0, "{name}: {}", run.shown);
        assert_eq!(
            mode(&report, name)["status"],
            "fail",
            "{name}: {}",
            run.shown
        );
    }
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f.starts_with("mode-intermittent"))
    );
    assert_eq!(run.code, 1);
}

#[tokio::test]
async fn lb_split_fails_passive_modes_in_every_round_and_predicts_a_draw() {
    let server = start(Scenario::LbSplit).await;
    // One session per round, modes in turn: the backends' turns then fall the same way
    // in every round (concurrent sessions race for them, and a round may win every draw).
    let args = ["--repeat", "3", "--sequential", "--clients", "curl,lftp"];
    let run = probe_json(&server.url(), &args).await;
    let report = run.json();
    assert_eq!(report["rounds"], 3, "{}", run.shown);
    for (name, ok) in ok_rounds(&report) {
        let expected = if matches!(name.as_str(), "eprt" | "port") {
            3
        } else {
            0
        };
        assert_eq!(ok, expected, "{name}: {}", run.shown);
    }
    assert!(
        findings(&report).contains(&"lb-no-affinity@-".to_string()),
        "{}",
        run.shown
    );
    let clients = report["clients"].as_array().cloned().unwrap_or_default();
    let fate = |id: &str| {
        clients
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["prediction"].as_str().unwrap_or("?").to_string())
    };
    assert_eq!(fate("curl").as_deref(), Some("depends"), "{}", run.shown);
    assert_eq!(fate("lftp").as_deref(), Some("depends"), "{}", run.shown);
}

#[tokio::test]
async fn partly_closed_range_is_intermittent_naming_the_failed_rounds() {
    // One session, modes in turn: the range's ports are handed out in order, so the
    // refused and dropped ones fall into some rounds only.
    let server = start(Scenario::PartialRange).await;
    let run = probe_json(&server.url(), &["--repeat", "4", "--sequential"]).await;
    let report = run.json();
    let found = findings(&report);
    let mut intermittent = 0;
    for (name, ok) in ok_rounds(&report) {
        let flagged = found.contains(&format!("mode-intermittent@{name}"));
        assert_eq!(flagged, ok > 0 && ok < 4, "{name}: {ok} ok: {}", run.shown);
        intermittent += usize::from(flagged);
    }
    assert!(intermittent > 0, "{}", run.shown);
    // The failed round's error stays: the verdict does not forget it.
    assert_eq!(report["verdict"], "fail", "{}", run.shown);
    let text = report["findings"].to_string();
    assert!(text.contains("round "), "{}", run.shown);
}

#[tokio::test]
async fn serve_module_repeat_exposes_each_modes_ok_rounds() {
    use common::exporter::{Exporter, temp_dir};
    let lab = start(Scenario::Healthy).await;
    let p = lab.addr().port();
    let config = format!(
        "modules:\n  lab:\n    tls: off\n    repeat: 2\n    targets: [\"127.0.0.1:{p}\"]\n"
    );
    let exporter = Exporter::start(&temp_dir("repeat"), &config, &[]);
    let body = exporter
        .get(&format!("/probe?target=127.0.0.1:{p}&module=lab"))
        .await
        .body;
    assert!(body.contains("probe_ftp_rounds 2"), "{body}");
    for m in ["epsv", "pasv", "eprt", "port"] {
        let line = format!("probe_ftp_mode_ok_rounds{{mode=\"{m}\"}} 2");
        assert!(body.contains(&line), "{line} in {body}");
    }
}
