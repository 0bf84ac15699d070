//! The JUnit XML printer (`--format junit`), in the dialect CI tools read (GitLab,
//! Jenkins, junitparser): one `<testsuite>` per target, one `<testcase>` per mode with
//! `classname` = the target and `name` = the mode, and one more named `control` for the
//! control connection (a server that cannot be reached skips every mode; without it the
//! suite would look green).
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
        for case in &self.cases {
            case.write(&name, out)?;
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
        case
    }

    fn write(&self, classname: &str, out: &mut impl Write) -> io::Result<()> {
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
                xml_text(&findings_text(failures))
            )?;
        }
        if let Some(why) = &self.skipped {
            write!(out, "\n      <skipped message=\"{}\"/>", xml_attr(why))?;
        }
        let mut system_out = self.context.clone().unwrap_or_default();
        system_out.push_str(&findings_text(&self.notes));
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
/// id, summary, evidence, fix and reference on lines of their own.
fn findings_text(findings: &[&Finding]) -> String {
    let mut text = String::new();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let _ = write!(
            text,
            "[{}] {}: {}\nEvidence: {}\nFix: {}\nReference: {}\n",
            f.severity, f.id, f.summary, f.evidence, f.fix, f.reference
        );
    }
    text
}

pub use crate::report::text::{xml_attr, xml_text};

#[cfg(test)]
mod tests;
