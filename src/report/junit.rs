//! The JUnit XML printer (`--format junit`), in the dialect CI tools read (GitLab,
//! Jenkins, junitparser): one `<testsuite>` per target (named by its URL, which a
//! `<property name="url">` also carries), one `<testcase>` per mode with `name` = the mode,
//! and one more named `control` for the control connection (a server that cannot be
//! reached skips every mode; without it the suite would look green).
//!
//! `classname` is `ftpdoctor.HOST_PORT` with every character outside `[A-Za-z0-9_]` made
//! `_` (see [`classname`]): Jenkins splits a classname at its dots into package and class,
//! so a URL or a dotted host would scatter one target over a tree of packages.
//!
//! A failing case carries its findings' summary, evidence and fix in the body of
//! `<failure>` (GitLab shows the body, not the `message` attribute). Warnings and info
//! findings go to `<system-out>`. Server text may hold bytes XML cannot carry at all (NUL,
//! ESC): [`xml_text`] shows those escaped instead.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{ModeReport, Report, Status};
use crate::diagnose::{Finding, Severity};
use crate::probe::record::Mode;

/// Writes `reports` as one `<testsuites>` document.
///
/// ```
/// # use ftpdoctor::report::junit::write_junit;
/// let mut out = Vec::new();
/// write_junit(&[], &mut out)?;
/// assert!(String::from_utf8_lossy(&out).contains("<testsuites name=\"ftpdoctor\" tests=\"0\""));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_junit(reports: &[Report], out: &mut impl Write) -> io::Result<()> {
    let suites: Vec<Suite> = reports.iter().map(Suite::of).collect();
    let count = |f: fn(&Case) -> bool| -> usize {
        suites
            .iter()
            .map(|s| s.cases.iter().filter(|c| f(c)).count())
            .sum()
    };
    let tests = count(|_| true);
    let failures = count(|c| c.failures.is_some());
    let time: f64 = reports.iter().map(|r| r.elapsed_ms / 1000.0).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="ftpdoctor" tests="{tests}" failures="{failures}" errors="0" time="{time:.3}">"#
    )?;
    for suite in &suites {
        suite.write(out)?;
    }
    writeln!(out, "</testsuites>")
}

/// One target's suite, decided before anything is written.
struct Suite<'a> {
    report: &'a Report,
    cases: Vec<Case<'a>>,
}

/// One test case: the control connection or a mode.
struct Case<'a> {
    name: &'static str,
    seconds: f64,
    /// The error findings that fail it.
    failures: Option<Vec<&'a Finding>>,
    /// Why it did not run.
    skipped: Option<String>,
    /// Warnings and info findings.
    notes: Vec<&'a Finding>,
    /// What else a reader of the case wants to see (the control case: the banner).
    context: Option<String>,
}

impl<'a> Suite<'a> {
    fn of(report: &'a Report) -> Suite<'a> {
        let mut control = Case::new("control", report.elapsed_ms / 1000.0, None, report);
        control.context = report
            .control
            .banner
            .as_ref()
            .map(|banner| format!("Banner: {banner}\n"));
        let mut cases = vec![control];
        cases.extend(report.modes.iter().map(|m| Case::of_mode(m, report)));
        Suite { report, cases }
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let failures = self.cases.iter().filter(|c| c.failures.is_some()).count();
        let skipped = self.cases.iter().filter(|c| c.skipped.is_some()).count();
        let name = xml_attr(&self.report.target.input);
        writeln!(
            out,
            r#"  <testsuite name="{name}" tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="{:.3}">"#,
            self.cases.len(),
            self.report.elapsed_ms / 1000.0
        )?;
        writeln!(
            out,
            r#"    <properties><property name="url" value="{name}"/></properties>"#
        )?;
        let classname = classname(self.report);
        for case in &self.cases {
            case.write(&classname, self.report, out)?;
        }
        writeln!(out, "  </testsuite>")
    }
}

impl<'a> Case<'a> {
    fn new(name: &'static str, seconds: f64, mode: Option<Mode>, report: &'a Report) -> Case<'a> {
        let mine: Vec<&Finding> = report.findings.iter().filter(|f| f.mode == mode).collect();
        let errors: Vec<&Finding> = mine
            .iter()
            .copied()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        Case {
            name,
            seconds,
            failures: (!errors.is_empty()).then_some(errors),
            skipped: None,
            notes: mine
                .into_iter()
                .filter(|f| f.severity < Severity::Error)
                .collect(),
            context: None,
        }
    }

    fn of_mode(mode: &'a ModeReport, report: &'a Report) -> Case<'a> {
        let m = &mode.outcome;
        let mut case = Case::new(
            m.mode.as_str(),
            m.elapsed.as_secs_f64(),
            Some(m.mode),
            report,
        );
        if let (Some(rounds), Some(ok)) = (report.rounds, mode.ok_rounds) {
            case.context = Some(format!("Worked in {ok} of {rounds} rounds (--repeat)\n"));
        }
        if mode.status == Status::Skipped {
            // A skipped mode fails nothing of its own; a finding about it (the deadline
            // struck first) still shows in system-out.
            case.skipped = Some(
                m.skipped
                    .as_ref()
                    .map(|s| s.text.clone())
                    .unwrap_or_default(),
            );
            case.notes.extend(case.failures.take().unwrap_or_default());
        }
        if mode.status == Status::Refused {
            // Not a broken path, and not a pass either: the server does not offer the
            // mode, so nothing of it could be tested.
            let reply = m
                .reply
                .as_ref()
                .map(|r| format!(": {} {}", r.code, r.text))
                .unwrap_or_default();
            case.skipped = Some(format!(
                "refused: the server does not offer {}{reply}",
                m.mode.as_str().to_ascii_uppercase()
            ));
        }
        case
    }

    fn write(&self, classname: &str, report: &Report, out: &mut impl Write) -> io::Result<()> {
        write!(
            out,
            r#"    <testcase classname="{classname}" name="{}" time="{:.3}">"#,
            self.name, self.seconds
        )?;
        if let Some(failures) = &self.failures {
            let first = failures.first().map(|f| f.summary.as_str()).unwrap_or("");
            let ids: Vec<&str> = failures.iter().map(|f| f.id.as_str()).collect();
            write!(
                out,
                "\n      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml_attr(first),
                ids.join(" "),
                xml_text(&findings_text(report, failures))
            )?;
        }
        if let Some(why) = &self.skipped {
            write!(out, "\n      <skipped message=\"{}\"/>", xml_attr(why))?;
        }
        let mut system_out = self.context.clone().unwrap_or_default();
        system_out.push_str(&findings_text(report, &self.notes));
        if !system_out.is_empty() {
            write!(
                out,
                "\n      <system-out>{}</system-out>",
                xml_text(&system_out)
            )?;
        }
        if self.failures.is_some() || self.skipped.is_some() || !system_out.is_empty() {
            write!(out, "\n    ")?;
        }
        writeln!(out, "</testcase>")
    }
}

/// Findings as a person reads them in a CI job's test view: each with its severity and
/// id, summary, evidence, fix and reference on lines of their own. A fix that an earlier
/// finding already gave is named, not repeated.
fn findings_text(report: &Report, findings: &[&Finding]) -> String {
    let mut text = String::new();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let fix = match report.findings.iter().position(|r| std::ptr::eq(r, *f)) {
            Some(at) => super::repeats::fix_text(report, at),
            None => f.fix.clone(),
        };
        let _ = write!(
            text,
            "[{}] {}: {}\nEvidence: {}\nFix: {fix}\nReference: {}\n",
            f.severity, f.id, f.summary, f.evidence, f.reference
        );
    }
    text
}

pub use crate::report::text::{xml_attr, xml_text};
/// `ftpdoctor.HOST_PORT`, every character outside `[A-Za-z0-9_]` replaced by `_`, so that
/// Jenkins (which splits classnames at dots) shows one class per target, and two targets
/// on one host differ by their port. With `--all-addresses`, the address probed is added.
///
/// ```
/// # use ftpdoctor::report::junit::classname_of;
/// assert_eq!(classname_of("ftp.example.com", 2121, None), "ftpdoctor.ftp_example_com_2121");
/// assert_eq!(classname_of("::1", 21, None), "ftpdoctor.__1_21");
/// ```
pub fn classname_of(host: &str, port: u16, address: Option<std::net::IpAddr>) -> String {
    let mut raw = format!("{host}_{port}");
    if let Some(address) = address {
        raw.push_str(&format!("_{address}"));
    }
    let safe: String = raw
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || c == '_' {
            true => c,
            false => '_',
        })
        .collect();
    format!("ftpdoctor.{safe}")
}

fn classname(report: &Report) -> String {
    let t = &report.target;
    classname_of(&t.host, t.port, t.address)
}

#[cfg(test)]
mod tests;
