//! The exposition as text; CI checks every lab scenario's and fault's with promtool
//! (.ci/stage-prometheus.sh).

use super::*;
use crate::report::sample;

fn render(report: &Report, fail_on: Severity, format: Exposition) -> String {
    let mut out = Vec::new();
    write_metrics(report, fail_on, format, &mut out).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of the sample named exactly `series` (name and labels as printed).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn error_finding_makes_probe_success_0_and_warn_only_with_fail_on_warn() {
    let report = sample::report();
    let text = render(&report, Severity::Error, Exposition::Text);
    assert_eq!(value(&text, "probe_success"), Some(0.0), "{text}");
    let mut warn_only = report.clone();
    warn_only.findings.retain(|f| f.severity < Severity::Error);
    let text = render(&warn_only, Severity::Error, Exposition::Text);
    assert_eq!(value(&text, "probe_success"), Some(1.0), "{text}");
    let text = render(&warn_only, Severity::Warn, Exposition::Text);
    assert_eq!(value(&text, "probe_success"), Some(0.0), "{text}");
}

#[test]
fn one_series_per_finding_with_id_severity_and_mode() {
    let report = sample::report();
    let text = render(&report, Severity::Error, Exposition::Text);
    for f in &report.findings {
        let mode = f.mode.map_or("control", |m| m.as_str());
        let series = format!(
            "probe_ftp_finding{{id=\"{}\",severity=\"{}\",mode=\"{mode}\"}}",
            f.id, f.severity
        );
        assert!(
            value(&text, &series).is_some_and(|v| v >= 1.0),
            "{series} in\n{text}"
        );
    }
    assert!(text.contains("# TYPE probe_ftp_finding gauge"), "{text}");
}

#[test]
fn mode_status_is_a_state_set_and_skipped_modes_have_no_duration() {
    let report = sample::wide_report();
    let text = render(&report, Severity::Error, Exposition::Text);
    for mode in &report.modes {
        let name = mode.outcome.mode.as_str();
        let ones: f64 = STATUSES
            .iter()
            .filter_map(|s| {
                value(
                    &text,
                    &format!(
                        "probe_ftp_mode_status{{mode=\"{name}\",status=\"{}\"}}",
                        s.as_str()
                    ),
                )
            })
            .sum();
        assert_eq!(ones, 1.0, "{name}:\n{text}");
        let duration = value(
            &text,
            &format!("probe_ftp_mode_duration_seconds{{mode=\"{name}\"}}"),
        );
        assert_eq!(
            duration.is_none(),
            mode.status == Status::Skipped,
            "{name}:\n{text}"
        );
    }
    let verdict = format!(
        "probe_ftp_verdict{{verdict=\"{}\"}}",
        report.verdict.as_str()
    );
    assert_eq!(value(&text, &verdict), Some(1.0));
}

#[test]
fn advertised_class_and_phases_come_from_the_mode_records() {
    let report = sample::report();
    let text = render(&report, Severity::Error, Exposition::Text);
    assert_eq!(
        value(
            &text,
            "probe_ftp_advertised_address_class{mode=\"pasv\",class=\"private\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        value(
            &text,
            "probe_ftp_duration_seconds{mode=\"control\",phase=\"connect\"}"
        )
        .is_some(),
        "{text}"
    );
}

#[test]
fn text_format_has_the_prometheus_content_type_and_openmetrics_ends_with_eof() {
    assert_eq!(
        Exposition::Text.content_type(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(Exposition::from_accept(None), Exposition::Text);
    assert_eq!(
        Exposition::from_accept(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
        )),
        Exposition::OpenMetrics
    );
    // What Prometheus 3 sends by default: OpenMetrics weighted above the text format.
    assert_eq!(
        Exposition::from_accept(Some(
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        )),
        Exposition::OpenMetrics
    );
    // Named but refused (q=0), or weighted below the text format: the text format.
    for accept in [
        "application/openmetrics-text;q=0, text/plain",
        "text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5",
        "application/openmetrics-text;q=bogus",
        "text/html",
    ] {
        assert_eq!(
            Exposition::from_accept(Some(accept)),
            Exposition::Text,
            "{accept}"
        );
    }
    let report = sample::report();
    let text = render(&report, Severity::Error, Exposition::OpenMetrics);
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(!render(&report, Severity::Error, Exposition::Text).contains("# EOF"));
}

#[test]
fn repeat_adds_rounds_and_each_modes_ok_rounds_and_nothing_without_it() {
    let report = sample::report();
    let text = render(&report, Severity::Error, Exposition::Text);
    assert!(!text.contains("rounds"), "{text}");
    let mut repeated = report.clone();
    repeated.rounds = Some(3);
    for (m, ok) in repeated.modes.iter_mut().zip([3, 1, 3, 0]) {
        m.ok_rounds = Some(ok);
    }
    for format in [Exposition::Text, Exposition::OpenMetrics] {
        let text = render(&repeated, Severity::Error, format);
        assert_eq!(value(&text, "probe_ftp_rounds"), Some(3.0), "{text}");
        assert_eq!(
            value(&text, "probe_ftp_mode_ok_rounds{mode=\"pasv\"}"),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            text.matches("# TYPE probe_ftp_mode_ok_rounds gauge")
                .count(),
            1,
            "{text}"
        );
    }
}
