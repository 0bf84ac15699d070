//! The findings, grouped by cause, and the closing lines: the verdict and the headline —
//! which modes work, the root cause, the one fix — so that the last lines an admin reads
//! are the answer.
//!
//! A cause gets its evidence, fix and reference; the symptoms it explains sit indented
//! under it with their evidence only (their fix is the cause's). A lone info finding (no
//! TLS on an anonymous server, a client behind NAT while passive works) takes two lines:
//! the summary and the short fix. `verbose` prints every finding in full.

use std::collections::HashMap;

use super::super::{Report, Status, Verdict};
use super::TableStyle;
use crate::diagnose::{Finding, FindingId, Severity};
use crate::probe::record::{Mode, SkipReason};
use crate::report::text::{CYAN, GREEN, RED, YELLOW, paint, plural, wrap};

/// The labels of a finding's detail lines, padded so their texts line up.
const DETAIL_LABEL: usize = 11;
/// How far a symptom is indented under its cause, per level.
const NEST: usize = 2;
/// Deepest nesting shown: a symptom of a symptom still fits at 80 columns.
const MAX_DEPTH: usize = 2;

/// The findings block, one finding after another with a blank line between groups.
pub(super) fn findings(report: &Report, style: &TableStyle) -> Vec<String> {
    let width = usize::from(style.width);
    let by = &report.summary.explained_by;
    let mut lines = Vec::new();
    // Fix text already printed → the finding that printed it (same fix on EPSV and PASV).
    let mut fixes: HashMap<&str, &Finding> = HashMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        let cause = by.get(i).copied().flatten();
        let depth = depth(by, i).min(MAX_DEPTH);
        let has_symptoms = by.contains(&Some(i));
        if cause.is_none() && i > 0 {
            lines.push(String::new());
        }
        let pad = " ".repeat(depth * NEST);
        let lead = match depth {
            0 => pad.clone(),
            _ => format!("{}{} ", " ".repeat((depth - 1) * NEST), style.glyphs.nested),
        };
        let word = f.severity.as_str().to_uppercase();
        let waived = match report.is_waived(f) {
            true => ", waived",
            false => "",
        };
        let first = format!("{lead}{word} {}{waived}: ", finding_name(f.id, f.mode));
        let mut head = wrap(&style.prose(&f.summary), width, &first, &format!("{pad}  "));
        // The severity word is painted after wrapping so escapes never count as width.
        if style.color
            && let Some(line) = head.first_mut()
            && let Some((before, after)) = line.split_once(word.as_str())
        {
            *line = format!("{before}{}{after}", paint(&word, severity_ansi(f.severity)));
        }
        lines.extend(head);
        let detail = |label: &str, text: &str| {
            let first = format!("{pad}  {label:<DETAIL_LABEL$}");
            let rest = " ".repeat(first.chars().count());
            wrap(&style.prose(text), width, &first, &rest)
        };
        let brief = cause.is_none() && !has_symptoms && f.severity == Severity::Info;
        if style.verbose || (cause.is_none() && !brief) {
            let fix = match fixes.get(f.fix.as_str()) {
                Some(earlier) if !f.fix.is_empty() => {
                    format!("as for {} above", finding_name(earlier.id, earlier.mode))
                }
                _ => {
                    fixes.insert(&f.fix, f);
                    f.fix.clone()
                }
            };
            lines.extend(detail("evidence:", &f.evidence));
            lines.extend(detail("fix:", &fix));
            lines.extend(detail("reference:", &f.reference));
        } else if brief {
            lines.extend(detail("fix:", crate::diagnose::short_fix(f)));
        } else {
            lines.extend(detail("evidence:", &f.evidence));
        }
    }
    if !style.verbose && report.findings.iter().any(|f| f.severity == Severity::Info) {
        lines.push(String::new());
        lines.push("(-v: every finding's evidence, full fix and reference)".to_string());
    }
    lines
}

/// How many causes stand above finding `i`.
fn depth(explained_by: &[Option<usize>], i: usize) -> usize {
    let mut depth = 0;
    let mut at = i;
    while let Some(Some(cause)) = explained_by.get(at) {
        depth += 1;
        at = *cause;
        if depth > explained_by.len() {
            break;
        }
    }
    depth
}

/// `id (mode)`, or the bare id for a finding about the control connection.
pub(super) fn finding_name(id: FindingId, mode: Option<Mode>) -> String {
    match mode {
        Some(mode) => format!("{id} ({mode})"),
        None => id.to_string(),
    }
}

/// The closing lines: the verdict with its counts, then the headline (what works, the
/// cause, the fix, and where another run could differ).
pub(super) fn closing(report: &Report, style: &TableStyle) -> Vec<String> {
    let width = usize::from(style.width);
    let summary = &report.summary;
    let mut lines = vec![verdict_line(report, style.color)];
    let label = |label: &str| format!("  {label:<7}");
    let mut add = |name: &str, text: &str| {
        let first = label(name);
        let hang = " ".repeat(first.chars().count().max(9));
        lines.extend(wrap(&style.prose(text), width, &first, &hang));
    };
    if !report.waived.is_empty() {
        let list: Vec<String> = report
            .waived
            .iter()
            .map(|w| finding_name(w.id, w.mode))
            .collect();
        add(
            "allow:",
            &format!("{} waived: not counted for the exit code", list.join(", ")),
        );
    }
    if report.verdict != Verdict::Ok {
        add("modes:", &summary.modes_sentence());
    }
    if let (Some(cause), Some(root)) = (&summary.cause, summary.root_cause) {
        add(
            "cause:",
            &format!("{cause} — {}", finding_name(root.id, root.mode)),
        );
    }
    if let Some(fix) = &summary.fix {
        add("fix:", fix);
    }
    if let Some(meanwhile) = &summary.meanwhile {
        add("meanwhile: ", meanwhile);
    }
    // The passive ports tried matter only when a passive mode failed (JSON keeps them).
    let skip = usize::from(summary.ports_note_idle);
    for note in summary.notes.iter().skip(skip) {
        add("note:", note);
    }
    lines
}

/// `verdict: fail (2 errors)`, without colour (the HTML page shows the same).
pub(crate) fn verdict_text(report: &Report) -> String {
    verdict_line(report, false)
}

fn verdict_line(report: &Report, color: bool) -> String {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warn),
        count(Severity::Info),
    );
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(format!("{errors} error{}", plural(errors)));
    }
    if warnings > 0 {
        counts.push(format!("{warnings} warning{}", plural(warnings)));
    }
    if infos > 0 {
        counts.push(format!("{infos} info"));
    }
    let counts = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    let word = report.verdict.as_str();
    let word = if color {
        paint(word, verdict_ansi(report.verdict))
    } else {
        word.to_string()
    };
    let untried: Vec<&str> = report
        .modes
        .iter()
        .filter(|m| {
            m.outcome
                .skip_reason()
                .is_some_and(SkipReason::tells_about_server)
        })
        .map(|m| m.outcome.mode.as_str())
        .collect();
    match report.verdict {
        Verdict::Ok if report.modes.iter().all(|m| m.status == Status::Skipped) => {
            format!("verdict: {word} — no mode was attempted{counts}")
        }
        Verdict::Ok if !untried.is_empty() => format!(
            "verdict: {word} — the modes tried work; not tried: {}{counts}",
            untried.join(", ")
        ),
        Verdict::Ok => format!(
            "verdict: {word} — {}{counts}",
            report.summary.modes_sentence()
        ),
        Verdict::Warn | Verdict::Fail => format!("verdict: {word}{counts}"),
    }
}

fn severity_ansi(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => RED,
        Severity::Warn => YELLOW,
        Severity::Info => CYAN,
    }
}

fn verdict_ansi(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => RED,
        Verdict::Warn => YELLOW,
        Verdict::Ok => GREEN,
    }
}
