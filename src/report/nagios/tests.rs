use super::*;
use crate::report::sample;
use crate::report::{SkipReason, Skipped};

fn render(reports: &[Report]) -> String {
    let mut out = Vec::new();
    write_nagios(reports, &Thresholds::default(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

/// The perfdata of the status line (what follows its only `|`), read as the guidelines
/// define it: `'label'=value;warn;crit;min;max`, separated by spaces, labels quoted.
fn perfdata_of(first: &str) -> Vec<String> {
    let (_, mut rest) = first.split_once(" | ").unwrap_or_else(|| panic!("{first}"));
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let body = rest
            .strip_prefix('\'')
            .unwrap_or_else(|| panic!("unquoted: {rest}"));
        let (label, after) = body.split_once("'=").unwrap_or_else(|| panic!("{rest}"));
        assert!(!label.contains('\''), "{label}");
        let (value, next) = after.split_once(' ').unwrap_or((after, ""));
        entries.push(format!("'{label}'={value}"));
        rest = next;
    }
    entries
}

#[test]
fn error_finding_is_critical_with_the_worst_finding_on_the_status_line() {
    let report = sample::report();
    assert_eq!(State::of(&report), State::Critical);
    let text = render(&[report]);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("FTP CRITICAL - "), "{first}");
    assert_eq!(first.matches('|').count(), 1, "{first}");
    // One line per mode and one per finding follow the status line.
    let report = sample::report();
    assert_eq!(
        text.lines().count(),
        1 + report.modes.len() + report.findings.len(),
        "{text}"
    );
    for line in text.lines().skip(1) {
        assert!(!line.contains('|'), "{line}");
    }
}

#[test]
fn perfdata_gives_seconds_with_min_zero_and_u_for_a_mode_that_did_not_run() {
    let report = sample::wide_report();
    let text = render(std::slice::from_ref(&report));
    let perf = perfdata_of(text.lines().next().unwrap_or_default());
    let max = report.deadline_ms / 1000.0;
    for mode in &report.modes {
        let name = mode.outcome.mode.as_str();
        let entry = perf
            .iter()
            .find(|p| p.starts_with(&format!("'{name}'=")))
            .unwrap_or_else(|| panic!("no {name} in {perf:?}"));
        match mode.status {
            Status::Skipped => assert_eq!(*entry, format!("'{name}'=U;;;0;{max}")),
            _ => {
                let value = entry
                    .strip_prefix(&format!("'{name}'="))
                    .and_then(|v| v.strip_suffix(&format!("s;;;0;{max}")))
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or_else(|| panic!("{entry}"));
                assert!((value - mode.outcome.elapsed.as_secs_f64()).abs() < 1e-6);
            }
        }
    }
    assert!(perf.iter().any(|p| p.starts_with("'time'=")), "{perf:?}");
}

#[test]
fn no_finding_is_ok_and_names_the_working_modes() {
    let mut report = sample::report();
    report.findings.clear();
    report.verdict = Verdict::Ok;
    for mode in &mut report.modes {
        if mode.status != Status::Skipped {
            mode.status = Status::Ok;
        }
    }
    assert_eq!(State::of(&report), State::Ok);
    let text = render(&[report]);
    assert!(
        text.starts_with("FTP OK - ") && text.contains("data connections work"),
        "{text}"
    );
}

#[test]
fn warning_only_is_warning_exit_1() {
    let mut report = sample::report();
    report.findings.retain(|f| f.severity < Severity::Error);
    report.verdict = Verdict::Warn;
    assert_eq!(State::of(&report), State::Warning);
    assert_eq!(State::of(&report).exit_code(), 1);
    assert!(render(&[report]).starts_with("FTP WARNING - "));
}

#[test]
fn several_targets_take_the_worst_state_and_label_perfdata_by_target() {
    let mut ok = sample::report();
    ok.findings.clear();
    ok.verdict = Verdict::Ok;
    ok.target.input = "ftp://ok.example/".to_string();
    let failing = sample::report();
    assert_eq!(
        State::worst(&[ok.clone(), failing.clone()]),
        State::Critical
    );
    let text = render(&[ok, failing]);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("1 of 2 targets not ok"), "{first}");
    assert!(first.contains("'ftp://ok.example/ epsv'="), "{first}");
}

#[test]
fn hostile_server_text_cannot_add_a_line_or_perfdata() {
    let mut report = sample::report();
    let hostile = "bad\r\nFTP OK - forged | 'x'=1 \u{1b}[2J\0 caf\u{fffd} \u{2028}next";
    report.target.input = format!("ftp://h/{hostile}");
    for finding in &mut report.findings {
        finding.summary = hostile.to_string();
        finding.evidence = hostile.to_string();
        finding.fix = hostile.to_string();
    }
    if let Some(mode) = report
        .modes
        .iter_mut()
        .find(|m| m.outcome.skipped.is_some())
    {
        mode.outcome.skipped = Some(Skipped {
            reason: SkipReason::NotSelected,
            text: hostile.to_string(),
        });
    }
    let text = render(&[report.clone(), report.clone()]);
    let lines: Vec<&str> = text.lines().collect();
    let expected = 1 + 2 * (report.modes.len() + report.findings.len());
    assert_eq!(lines.len(), expected, "{text}");
    assert_eq!(lines[0].matches('|').count(), 1, "{}", lines[0]);
    assert!(lines[0].starts_with("FTP CRITICAL - "));
    for line in &lines[1..] {
        assert!(!line.contains('|'), "{line}");
    }
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    // Every entry still reads as one: 2 targets × (4 modes + total time).
    assert_eq!(perfdata_of(lines[0]).len(), 2 * (report.modes.len() + 1));
}

#[test]
fn plain_keeps_text_readable() {
    assert_eq!(
        plain("Entering Extended Passive Mode (|||50000|)"),
        "Entering Extended Passive Mode (¦¦¦50000¦)"
    );
    assert_eq!(plain("a\r\nb\tc"), "a  b c");
    assert_eq!(plain("\u{1b}[2J"), "\\u{1b}[2J");
}

#[test]
fn unknown_is_one_line() {
    let mut out = Vec::new();
    write_unknown("--netrc: unreadable\nsecond | line", &mut out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        String::from_utf8_lossy(&out),
        "FTP UNKNOWN - --netrc: unreadable\n"
    );
    assert_eq!(State::Unknown.exit_code(), 3);
}

fn healthy_taking(seconds: f64) -> Report {
    let mut report = sample::report();
    report.findings.clear();
    report.verdict = Verdict::Ok;
    for mode in &mut report.modes {
        if mode.status != Status::Skipped {
            mode.status = Status::Ok;
        }
    }
    report.elapsed_ms = seconds * 1000.0;
    report.deadline_ms = 30_000.0;
    report
}

fn render_with(reports: &[Report], thresholds: Thresholds) -> String {
    let mut out = Vec::new();
    write_nagios(reports, &thresholds, &mut out).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn time_over_w_is_warning_over_c_is_critical_with_thresholds_in_perfdata() {
    let thresholds = Thresholds {
        warning: Some(5.0),
        critical: Some(10.0),
    };
    for (seconds, state) in [
        (1.0, State::Ok),
        (6.0, State::Warning),
        (12.5, State::Critical),
    ] {
        let report = healthy_taking(seconds);
        assert_eq!(
            State::worst_within(std::slice::from_ref(&report), &thresholds),
            state
        );
        let text = render_with(&[report], thresholds);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("FTP {} - ", state.as_str())),
            "{first}"
        );
        let perf = perfdata_of(first);
        let time = perf
            .iter()
            .find(|p| p.starts_with("'time'="))
            .unwrap_or_else(|| panic!("{perf:?}"));
        assert!(time.ends_with("s;5;10;0;30"), "{time}");
        match state {
            State::Ok => assert!(!first.contains("threshold"), "{first}"),
            State::Warning => assert!(first.contains("over the -w 5 s threshold"), "{first}"),
            _ => assert!(first.contains("over the -c 10 s threshold"), "{first}"),
        }
    }
}

#[test]
fn a_time_threshold_never_lowers_a_findings_state() {
    let report = sample::report();
    let thresholds = Thresholds {
        warning: Some(1000.0),
        critical: None,
    };
    assert_eq!(
        State::worst_within(std::slice::from_ref(&report), &thresholds),
        State::Critical
    );
}

#[test]
fn a_fix_repeated_from_an_earlier_finding_is_named_in_the_long_output() {
    let mut report = sample::report();
    assert!(report.findings.len() >= 2);
    let fix = report.findings[0].fix.clone();
    report.findings[1].fix = fix.clone();
    let text = render(&[report.clone()]);
    assert_eq!(text.matches(&plain(&fix)).count(), 1, "{text}");
    assert!(
        text.contains(&format!(
            "Fix: as for {}",
            crate::report::repeats::finding_name(&report.findings[0])
        )),
        "{text}"
    );
}
