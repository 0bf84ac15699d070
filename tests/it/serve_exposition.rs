//! Black-box: what a Prometheus user reads from `serve`. Series in the same order on
//! every scrape, phase durations below a millisecond kept, the `default` module, errors
//! that say what would have been accepted, and a landing page with dates, causes and
//! links to reports instead of the reports themselves.

use crate::common;

use common::exporter::{Exporter, temp_dir};
use ftpdoctor::lab::Scenario;

/// The sample lines (no comments) of an exposition: what a diff of two scrapes compares.
fn series_names(body: &str) -> Vec<String> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(series, _)| series.to_string()))
        .collect()
}

#[tokio::test]
async fn series_come_in_the_same_order_on_every_scrape() {
    let lab = common::start(Scenario::Healthy).await;
    let p = lab.addr().port();
    let config = format!("modules:\n  lab:\n    tls: off\n    targets: [\"127.0.0.1:{p}\"]\n");
    let exporter = Exporter::start(&temp_dir("order"), &config, &[]);
    let path = format!("/probe?target=127.0.0.1:{p}&module=lab");
    let first = series_names(&exporter.get(&path).await.body);
    assert!(first.len() > 20, "{first:?}");
    for _ in 0..4 {
        let again = series_names(&exporter.get(&path).await.body);
        // The phases present may differ by a timing; the series both have keep one order.
        let common: Vec<&String> = first.iter().filter(|s| again.contains(s)).collect();
        let again_common: Vec<&String> = again.iter().filter(|s| first.contains(s)).collect();
        assert_eq!(common, again_common);
    }
    // Modes in probe order, statuses in one order under each mode.
    let statuses: Vec<&String> = first
        .iter()
        .filter(|s| s.starts_with("probe_ftp_mode_status{"))
        .collect();
    assert!(
        statuses[0].contains("mode=\"epsv\"") && statuses[0].contains("status=\"ok\""),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn phase_durations_keep_sub_millisecond_precision() {
    let lab = common::start(Scenario::Healthy).await;
    let p = lab.addr().port();
    let config = format!("modules:\n  lab:\n    tls: off\n    targets: [\"127.0.0.1:{p}\"]\n");
    let exporter = Exporter::start(&temp_dir("precision"), &config, &[]);
    let body = exporter
        .get(&format!("/probe?target=127.0.0.1:{p}&module=lab"))
        .await
        .body;
    let phases: Vec<f64> = body
        .lines()
        .filter(|l| l.starts_with("probe_ftp_duration_seconds{"))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse().ok())
        .collect();
    assert!(phases.len() > 10, "{body}");
    // Loopback phases take microseconds: with 0.1 ms steps some read 0 and the others
    // had at most four decimals.
    assert!(phases.iter().all(|&s| s > 0.0), "a phase read 0:\n{body}");
    let digits = |s: f64| format!("{s}").split_once('.').map_or(0, |(_, d)| d.len());
    assert!(phases.iter().any(|&s| digits(s) > 4), "{phases:?}");
}

#[tokio::test]
async fn a_scrape_without_module_uses_the_module_named_default() {
    let lab = common::start(Scenario::Healthy).await;
    let p = lab.addr().port();
    let config = format!(
        "modules:\n  default:\n    tls: off\n    targets: [\"127.0.0.1:{p}\"]\n  other:\n    targets: any\n"
    );
    let exporter = Exporter::start(&temp_dir("default"), &config, &[]);
    let answer = exporter.get(&format!("/probe?target=127.0.0.1:{p}")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains("\nprobe_success 1"), "{answer:?}");
}

#[tokio::test]
async fn unknown_or_missing_module_lists_the_known_ones() {
    let config = "modules:\n  lan:\n    targets: any\n  dmz:\n    targets: any\n";
    let exporter = Exporter::start(&temp_dir("unknown"), config, &[]);
    for path in [
        "/probe?target=127.0.0.1:1&module=nope",
        "/probe?target=127.0.0.1:1",
    ] {
        let answer = exporter.get(path).await;
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(answer.body.lines().count(), 1, "{answer:?}");
        assert!(
            answer.body.contains("known modules: dmz, lan"),
            "{path}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn a_403_names_the_patterns_the_module_allows() {
    let config = "modules:\n  lan:\n    targets: [\"10.0.0.0/8\", \"ftp.example.com:2121\", \"192.0.2.7\"]\n";
    let exporter = Exporter::start(&temp_dir("forbidden"), config, &[]);
    let answer = exporter.get("/probe?target=127.0.0.1:21&module=lan").await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert!(
        answer.body.contains(
            "allows: 10.0.0.0/8, ftp.example.com:2121, 192.0.2.7 (without a port: 21 and 990)"
        ),
        "{answer:?}"
    );
}

#[tokio::test]
async fn landing_page_shows_dates_and_causes_and_links_reports_instead_of_inlining_them() {
    let blocked = common::start(Scenario::BlockedData).await;
    let p = blocked.addr().port();
    let config = format!(
        "modules:\n  lab:\n    timeout: 1s\n    deadline: 5s\n    tls: off\n    targets: [\"127.0.0.1:{p}\"]\n"
    );
    let exporter = Exporter::start(&temp_dir("landing-page"), &config, &[]);
    let probe = format!("/probe?target=127.0.0.1:{p}&module=lab");
    for _ in 0..3 {
        assert_eq!(exporter.get(&probe).await.status, 200);
    }
    let page = exporter.get("/").await.body;
    assert!(page.contains("<th>When (UTC)</th>"), "{page}");
    assert!(page.contains("<th>Cause</th>"), "{page}");
    // A date, not Unix seconds: YYYY-MM-DD HH:MM:SS.
    let recent = page
        .split("<h2>Recent probes</h2>")
        .nth(1)
        .unwrap_or_default();
    let date = recent
        .split("<tr><td>")
        .nth(1)
        .and_then(|row| row.split("</td>").next())
        .unwrap_or_default();
    assert!(
        date.len() == 19 && date.as_bytes()[4] == b'-' && date.as_bytes()[13] == b':',
        "{date:?} in {page}"
    );
    assert!(!page.contains("<pre>"), "no report inline: {page}");
    assert!(
        !page.contains("Metrics that would have been returned"),
        "{page}"
    );
    let link = page
        .split("href=\"/report?id=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no report link: {page}"));
    let report = exporter.get(&format!("/report?id={link}")).await;
    assert_eq!(report.status, 200, "{report:?}");
    assert!(report.body.contains("Report:"), "{report:?}");
    // The cause column carries the verdict's words, the same as the report's.
    let cause_cell = page
        .split("<td>failure</td><td>")
        .nth(1)
        .and_then(|rest| rest.split("</td>").next())
        .unwrap_or_default();
    assert!(!cause_cell.is_empty() && cause_cell != "—", "{page}");
    assert_eq!(exporter.get("/report?id=999999").await.status, 404);
}
