//! The Nagios/Icinga printer (`--format nagios`), after the monitoring-plugins
//! development guidelines: one status line `FTP STATUS - summary | perfdata`, then one line
//! per mode and one per finding. docs/monitoring.md shows it with a command definition.
//!
//! Server text reaches these lines (finding evidence quotes replies), so everything is
//! passed through [`plain`]: a `|` would start perfdata, a line break a new line of output,
//! and control bytes would reach the operator's terminal or web UI.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, Status, Verdict};
use crate::diagnose::Severity;

/// A plugin's state, with the exit code the guidelines give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Exit 0: no warning or error finding.
    Ok,
    /// Exit 1: at least one warning finding.
    Warning,
    /// Exit 2: at least one error finding (unreachable servers and timeouts included).
    Critical,
    /// Exit 3: ftpdoctor could not run (bad arguments, unreadable files, internal error).
    Unknown,
}

impl State {
    /// The word of the status line.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// The plugin's exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    /// The state a report's verdict stands for, less the findings `--allow` waived.
    pub fn of(report: &Report) -> State {
        match report.worst_counted() {
            Some(Severity::Error) => State::Critical,
            Some(Severity::Warn) => State::Warning,
            Some(Severity::Info) | None => State::Ok,
        }
    }

    /// The worst state of several reports (OK for none).
    pub fn worst(reports: &[Report]) -> State {
        reports.iter().map(State::of).max().unwrap_or(State::Ok)
    }

    /// The worst state of several reports, each also judged by its total time against
    /// `thresholds` (OK for none): what `--format nagios -w -c` exits with.
    pub fn worst_within(reports: &[Report], thresholds: &Thresholds) -> State {
        reports
            .iter()
            .map(|r| State::of(r).max(thresholds.state_of(r)))
            .max()
            .unwrap_or(State::Ok)
    }
}

/// `-w SECONDS -c SECONDS`: thresholds on a probe's total time, in plain seconds as
/// check_ftp and check_tcp take them. A time above one raises the state to it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    /// WARNING above this many seconds.
    pub warning: Option<f64>,
    /// CRITICAL above this many seconds.
    pub critical: Option<f64>,
}

impl Thresholds {
    /// The state `report`'s total time alone stands for.
    pub fn state_of(&self, report: &Report) -> State {
        let seconds = report.elapsed_ms / 1000.0;
        match (self.warning, self.critical) {
            (_, Some(c)) if seconds > c => State::Critical,
            (Some(w), _) if seconds > w => State::Warning,
            _ => State::Ok,
        }
    }

    /// `, over the -c 10 s threshold`, when the report's time is past one.
    fn exceeded(&self, report: &Report) -> String {
        let (flag, limit) = match (self.state_of(report), self.warning, self.critical) {
            (State::Critical, _, Some(c)) => ("-c", c),
            (State::Warning, Some(w), _) => ("-w", w),
            _ => return String::new(),
        };
        format!(
            "; took {:.3} s, over the {flag} {limit} s threshold",
            report.elapsed_ms / 1000.0
        )
    }

    /// `;warn;crit` of the time's perfdata (empty fields when not set).
    fn perfdata(&self) -> String {
        let field = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        format!("{};{}", field(self.warning), field(self.critical))
    }
}

/// Longest summary on the status line: Nagios shows the first line in overviews, and
/// older cores cut plugin output at 4 KiB, perfdata included.
const MAX_SUMMARY_CHARS: usize = 240;

/// Writes the plugin output for `reports`: the status line with perfdata for every mode
/// of every target, then one line per mode and per finding. The caller exits with
/// [`State::worst_within`]'s code.
///
/// ```
/// # use ftpdoctor::report::nagios::{Thresholds, write_nagios};
/// let mut out = Vec::new();
/// write_nagios(&[], &Thresholds::default(), &mut out)?;
/// assert_eq!(String::from_utf8_lossy(&out), "FTP UNKNOWN - no target was probed\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_nagios(
    reports: &[Report],
    thresholds: &Thresholds,
    out: &mut impl Write,
) -> io::Result<()> {
    if reports.is_empty() {
        return write_unknown("no target was probed", out);
    }
    let state = State::worst_within(reports, thresholds);
    let several = reports.len() > 1;
    let summary = cut(&status_summary(reports, thresholds), MAX_SUMMARY_CHARS);
    let perfdata: Vec<String> = reports
        .iter()
        .flat_map(|r| perfdata(r, thresholds, several))
        .collect();
    writeln!(
        out,
        "FTP {} - {} | {}",
        state.as_str(),
        summary,
        perfdata.join(" ")
    )?;
    for report in reports {
        let prefix = match several {
            true => format!("{} ", plain(&report.target.input)),
            false => String::new(),
        };
        for mode in &report.modes {
            writeln!(out, "{prefix}{}", mode_line(mode, report.rounds))?;
        }
        for (i, finding) in report.findings.iter().enumerate() {
            let mode = finding.mode.map_or("control", |m| m.as_str());
            writeln!(
                out,
                "{prefix}[{}] {} ({mode}): {} Evidence: {} Fix: {}",
                severity_word(finding.severity),
                finding.id,
                plain(&finding.summary),
                plain(&finding.evidence),
                plain(&super::repeats::fix_text(report, i)),
            )?;
        }
    }
    Ok(())
}

/// The one line a plugin prints when it could not run (exit 3): `FTP UNKNOWN - why`.
pub fn write_unknown(why: &str, out: &mut impl Write) -> io::Result<()> {
    let first = why.lines().next().unwrap_or_default();
    writeln!(
        out,
        "FTP UNKNOWN - {}",
        cut(&plain(first), MAX_SUMMARY_CHARS)
    )
}

/// The status line's text: per target, the verdict and what caused it.
fn status_summary(reports: &[Report], thresholds: &Thresholds) -> String {
    let parts: Vec<String> = reports
        .iter()
        .map(|r| format!("{}{}", target_summary(r), thresholds.exceeded(r)))
        .collect();
    match reports.len() {
        1 => parts.join(""),
        n => {
            let failing = reports.iter().filter(|r| r.verdict != Verdict::Ok).count();
            format!("{failing} of {n} targets not ok; {}", parts.join("; "))
        }
    }
}

fn target_summary(report: &Report) -> String {
    let target = plain(&report.target.input);
    let worst = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .max_by_key(|f| f.severity);
    let Some(worst) = worst else {
        let ok: Vec<&str> = report
            .modes
            .iter()
            .filter(|m| m.status == Status::Ok)
            .map(|m| m.outcome.mode.as_str())
            .collect();
        return match ok.is_empty() {
            true => format!("{target}: no mode ran"),
            false => format!("{target}: data connections work ({})", ok.join(", ")),
        };
    };
    let others = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .count()
        - 1;
    let more = match others {
        0 => String::new(),
        n => format!(" (+{n} more)"),
    };
    format!(
        "{target}: {} {}{more}",
        worst.id,
        plain(&worst.summary).trim_end_matches('.')
    )
}

/// `'epsv'=0.004s;;;0;30` for a mode that ran, `'eprt'=U;;;0;30` for one that did not (the
/// guidelines' "unknown"), and the whole probe as `'time'=0.012s;5;10;0;30` with the -w/-c
/// thresholds; the maximum is the deadline.
fn perfdata(report: &Report, thresholds: &Thresholds, with_target: bool) -> Vec<String> {
    let max = report.deadline_ms / 1000.0;
    let label = |name: &str| match with_target {
        true => label(&format!("{} {name}", report.target.input)),
        false => label(name),
    };
    let mut data: Vec<String> = report
        .modes
        .iter()
        .map(|m| match m.status {
            Status::Skipped => format!("{}=U;;;0;{max}", label(m.outcome.mode.as_str())),
            _ => format!(
                "{}={:.6}s;;;0;{max}",
                label(m.outcome.mode.as_str()),
                m.outcome.elapsed.as_secs_f64()
            ),
        })
        .collect();
    if let Some(rounds) = report.rounds {
        data.extend(report.modes.iter().filter_map(|m| {
            let ok = m.ok_rounds?;
            let name = format!("{} ok_rounds", m.outcome.mode.as_str());
            Some(format!("{}={ok};;;0;{rounds}", label(&name)))
        }));
    }
    data.push(format!(
        "{}={:.6}s;{};0;{max}",
        label("time"),
        report.elapsed_ms / 1000.0,
        thresholds.perfdata()
    ));
    data
}

/// A perfdata label: single-quoted, without the characters the format gives a meaning
/// (`'` ends it, `=` ends the label, `|` and line breaks end perfdata).
fn label(name: &str) -> String {
    let name: String = plain(name)
        .chars()
        .map(|c| match c {
            '\'' | '=' => '_',
            c => c,
        })
        .collect();
    format!("'{name}'")
}

fn mode_line(mode: &super::ModeReport, rounds: Option<u32>) -> String {
    let line = mode_status_line(mode);
    match (rounds, mode.ok_rounds) {
        (Some(rounds), Some(ok)) => format!("{line}; worked in {ok} of {rounds} rounds"),
        _ => line,
    }
}

fn mode_status_line(mode: &super::ModeReport) -> String {
    let m = &mode.outcome;
    match (&m.skipped, mode.status) {
        (Some(why), _) => format!("{}: skipped ({})", m.mode, plain(&why.text)),
        (None, Status::Refused) => format!(
            "{}: refused, not offered by the server ({})",
            m.mode,
            m.reply
                .as_ref()
                .map(|r| plain(&format!("{} {}", r.code, r.text)))
                .unwrap_or_default()
        ),
        (None, status) => format!(
            "{}: {} in {:.1} ms",
            m.mode,
            status.as_str(),
            m.elapsed.as_secs_f64() * 1000.0
        ),
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "INFO",
        Severity::Warn => "WARNING",
        Severity::Error => "CRITICAL",
    }
}

/// Text made safe for one line of plugin output: line breaks and tabs become spaces,
/// other control characters are shown escaped (`\u{1b}`), and `|` (which starts perfdata
/// anywhere in the output) becomes `¦`.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' => out.push('¦'),
            // U+2028/2029 are line breaks to some renderers (Icinga Web's JavaScript).
            '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, `…` marking a cut.
fn cut(text: &str, max: usize) -> String {
    crate::report::text::cut(text, max, '…')
}

#[cfg(test)]
mod tests;
