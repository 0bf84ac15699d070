//! The printer's output read back with a strict XML parser (roxmltree); tests/ and the
//! CI stage read it with a JUnit consumer (junitparser) as CI tools do.

use super::*;
use crate::report::sample;
use crate::report::{SkipReason, Skipped};

fn render(reports: &[Report]) -> String {
    let mut out = Vec::new();
    write_junit(reports, &mut out).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

fn cases<'a>(doc: &'a roxmltree::Document<'a>) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect()
}

#[test]
fn one_suite_per_target_and_one_case_per_mode_plus_control() {
    let report = sample::report();
    let xml = render(&[report.clone(), sample::wide_report()]);
    let doc = parse(&xml);
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2);
    let first: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = first.iter().filter_map(|c| c.attribute("name")).collect();
    let mut expected = vec!["control"];
    expected.extend(report.modes.iter().map(|m| m.outcome.mode.as_str()));
    assert_eq!(names, expected);
    let want = format!(
        "ftpdoctor.{}_{}",
        report.target.host.replace(['.', ':', '-'], "_"),
        report.target.port
    );
    for case in &first {
        assert_eq!(case.attribute("classname"), Some(want.as_str()));
    }
    let url = suites[0]
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("url"))
        .and_then(|n| n.attribute("value"));
    assert_eq!(url, Some(report.target.input.as_str()));
    assert_eq!(
        suites[0].attribute("tests"),
        Some(expected.len().to_string().as_str())
    );
}

#[test]
fn failing_mode_has_summary_evidence_and_fix_in_the_failure_body() {
    let report = sample::report();
    let xml = render(std::slice::from_ref(&report));
    let doc = parse(&xml);
    for mode in &report.modes {
        let case = cases(&doc)
            .into_iter()
            .find(|c| c.attribute("name") == Some(mode.outcome.mode.as_str()))
            .unwrap_or_else(|| panic!("no case for {}", mode.outcome.mode));
        let failure = case.children().find(|n| n.has_tag_name("failure"));
        let skipped = case.children().find(|n| n.has_tag_name("skipped"));
        match mode.status {
            Status::Fail => {
                let body = failure.and_then(|f| f.text()).unwrap_or_default();
                let finding = report
                    .findings
                    .iter()
                    .find(|f| f.mode == Some(mode.outcome.mode) && f.severity == Severity::Error)
                    .unwrap_or_else(|| panic!("sample has no error for {}", mode.outcome.mode));
                for part in [&finding.summary, &finding.evidence, &finding.fix] {
                    assert!(body.contains(part.as_str()), "{part} not in {body}");
                }
            }
            Status::Skipped => assert!(skipped.is_some() && failure.is_none()),
            Status::Refused => assert!(skipped.is_some() && failure.is_none()),
            Status::Ok | Status::Warn => assert!(failure.is_none() && skipped.is_none()),
        }
        if mode.status == Status::Warn {
            let out = case
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .and_then(|n| n.text())
                .unwrap_or_default();
            assert!(out.contains("[warn]"), "{out}");
        }
    }
}

#[test]
fn hostile_text_is_escaped_and_characters_xml_cannot_carry_are_shown_escaped() {
    let mut report = sample::report();
    let hostile = "caf\u{e9} \0 \u{1b}[2J \u{fffd}\u{fffe} <b>&amp;</b> \"q\" 'a' ]]> line\r\nnext";
    report.target.input = format!("ftp://h/{hostile}");
    for finding in &mut report.findings {
        finding.summary = hostile.to_string();
        finding.evidence = hostile.to_string();
    }
    for mode in &mut report.modes {
        if mode.outcome.skipped.is_some() {
            mode.outcome.skipped = Some(Skipped {
                reason: SkipReason::NotSelected,
                text: hostile.to_string(),
            });
        }
    }
    let xml = render(&[report]);
    let doc = parse(&xml);
    let url = doc
        .descendants()
        .find(|n| n.has_tag_name("property"))
        .and_then(|n| n.attribute("value"))
        .unwrap_or_default();
    // What a reader sees: the text, with the unrepresentable characters spelled out.
    assert!(
        url.contains("<b>&amp;</b> \"q\" 'a' ]]> line\r\nnext"),
        "{url:?}"
    );
    assert!(
        url.contains("\\u{0} \\u{1b}[2J \u{fffd}\\u{fffe}"),
        "{url:?}"
    );
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(failure.contains("<b>&amp;</b>"), "{failure}");
}

#[test]
fn unreachable_server_fails_the_control_case_though_every_mode_is_skipped() {
    let mut report = sample::report();
    report.findings = vec![sample::finding(
        crate::diagnose::FindingId::ControlUnreachable,
        Severity::Error,
        None,
    )];
    for mode in &mut report.modes {
        mode.outcome.skipped = Some(Skipped {
            reason: SkipReason::NoSession,
            text: "the session never got that far".to_string(),
        });
        mode.status = Status::Skipped;
    }
    let xml = render(&[report]);
    let doc = parse(&xml);
    let control = cases(&doc)
        .into_iter()
        .find(|c| c.attribute("name") == Some("control"))
        .unwrap_or_else(|| panic!("{xml}"));
    assert!(
        control.children().any(|n| n.has_tag_name("failure")),
        "{xml}"
    );
    let root = doc.root_element();
    assert_eq!(root.attribute("failures"), Some("1"));
}

#[test]
fn classname_has_no_dots_and_two_ports_on_one_host_differ() {
    let mut a = sample::report();
    a.target.host = "ftp.example.com".into();
    a.target.port = 21;
    let mut b = a.clone();
    b.target.port = 2121;
    let xml = render(&[a, b]);
    let doc = parse(&xml);
    let names: std::collections::BTreeSet<&str> = cases(&doc)
        .iter()
        .filter_map(|c| c.attribute("classname"))
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    assert_eq!(
        names,
        [
            "ftpdoctor.ftp_example_com_21",
            "ftpdoctor.ftp_example_com_2121"
        ]
    );
}

#[test]
fn a_fix_repeated_from_an_earlier_finding_is_named_not_repeated() {
    let mut report = sample::report();
    let errors: Vec<usize> = (0..report.findings.len())
        .filter(|&i| report.findings[i].severity == Severity::Error)
        .collect();
    assert!(errors.len() >= 2, "the sample needs two errors");
    let fix = report.findings[errors[0]].fix.clone();
    report.findings[errors[1]].fix = fix.clone();
    let xml = render(&[report]);
    assert_eq!(
        xml.matches(&crate::report::junit::xml_text(&fix)).count(),
        1,
        "{xml}"
    );
    assert!(xml.contains("Fix: as for "), "{xml}");
}
