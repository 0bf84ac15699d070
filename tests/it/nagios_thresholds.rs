//! Black-box: `--format nagios -w SECONDS -c SECONDS`, thresholds on the probe's total
//! time as check_ftp and check_tcp take them; refused with any other format.

use crate::common;

use common::bin::Ftpdoctor;
use ftpdoctor::lab::Scenario;

#[tokio::test]
async fn time_past_w_turns_a_healthy_probe_into_warning_with_thresholds_in_perfdata() {
    let lab = common::start(Scenario::Healthy).await;
    let run = Ftpdoctor::probe(&lab.url())
        .args(&["--format", "nagios", "--tls", "off", "-w", "0", "-c", "60"])
        .run_async()
        .await;
    assert_eq!(run.code, 1, "{}", run.shown);
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("FTP WARNING - "), "{}", run.shown);
    assert!(first.contains("over the -w 0 s threshold"), "{}", run.shown);
    let time = first
        .split_whitespace()
        .find(|p| p.starts_with("'time'="))
        .unwrap_or_else(|| panic!("{}", run.shown));
    // 'time'=VALUEs;warn;crit;min;max, max = the deadline (30 s by default).
    assert!(time.ends_with("s;0;60;0;30"), "{}", run.shown);
}

#[tokio::test]
async fn time_past_c_is_critical_and_within_both_is_ok() {
    let lab = common::start(Scenario::Healthy).await;
    let critical = Ftpdoctor::probe(&lab.url())
        .args(&[
            "--format",
            "nagios",
            "--tls",
            "off",
            "--warning",
            "0",
            "--critical",
            "0",
        ])
        .run_async()
        .await;
    assert_eq!(critical.code, 2, "{}", critical.shown);
    assert!(
        critical.stdout.starts_with("FTP CRITICAL - "),
        "{}",
        critical.shown
    );
    let ok = Ftpdoctor::probe(&lab.url())
        .args(&["--format", "nagios", "--tls", "off", "-w", "20", "-c", "25"])
        .run_async()
        .await;
    assert_eq!(ok.code, 0, "{}", ok.shown);
    assert!(ok.stdout.contains(";20;25;0;30"), "{}", ok.shown);
}

#[tokio::test]
async fn w_and_c_without_format_nagios_are_refused_with_exit_2() {
    for args in [
        vec!["probe", "ftp://127.0.0.1:1/", "-w", "5"],
        vec!["probe", "ftp://127.0.0.1:1/", "-c", "5", "--format", "json"],
    ] {
        let run = Ftpdoctor::new(&args).run_async().await;
        assert_eq!(run.code, 2, "{}", run.shown);
        assert!(run.stdout.is_empty(), "{}", run.shown);
        assert!(
            run.stderr.contains("thresholds for --format nagios"),
            "{}",
            run.shown
        );
    }
}

#[tokio::test]
async fn a_threshold_that_is_not_seconds_is_unknown_under_nagios() {
    let run = Ftpdoctor::new(&[
        "probe",
        "ftp://127.0.0.1:1/",
        "--format",
        "nagios",
        "-w",
        "5s",
    ])
    .run_async()
    .await;
    assert_eq!(run.code, 3, "{}", run.shown);
    assert!(run.stdout.starts_with("FTP UNKNOWN - "), "{}", run.shown);
}
