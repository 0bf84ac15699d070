//! The fleet summary: one row per report — target, verdict, failing modes, first
//! finding — after the per-target tables, or alone with `--summary`.

use std::io::{self, Write};

use comfy_table::{
    Cell, Color, ContentArrangement, Table,
    presets::{ASCII_FULL, UTF8_FULL},
};

use super::{TableStyle, join_host_port};
use crate::report::text::{clean, plural, truncate_words};
use crate::report::{Report, Status, Verdict};

const HEADERS: [&str; 4] = ["Target", "Verdict", "Failing modes", "First finding"];

/// Longest first-finding text in a row: the row is an index into the full reports,
/// not a replacement for them.
const FINDING_CHARS: usize = 90;

/// What the summary keeps of one report: its row and verdict, a few hundred bytes, so
/// that `--summary` over a fleet of ten thousand holds rows, not full reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    target: String,
    verdict: Verdict,
    failing: String,
    first: String,
}

impl SummaryRow {
    /// The row of `report`.
    pub fn of(report: &Report) -> SummaryRow {
        SummaryRow {
            target: target_cell(report),
            verdict: report.verdict,
            failing: failing_modes(report),
            first: first_finding(report),
        }
    }
}

/// Writes the summary table of `rows` (from `targets` targets) and a tally line (`12 targets: 9 ok, 1 warn, 2 fail`, or
/// `14 reports (12 targets): ...` when --all-addresses gave some targets several rows).
///
/// ```
/// use ftpdoctor::report::table::{TableStyle, write_summary};
/// let mut out = Vec::new();
/// write_summary(&[], 0, &TableStyle::default(), &mut out)?;
/// assert!(String::from_utf8(out)?.ends_with("0 targets: 0 ok, 0 warn, 0 fail\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_summary(
    reports: &[SummaryRow],
    targets: usize,
    style: &TableStyle,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut table = Table::new();
    table
        .load_style(match style.glyphs.ascii {
            true => ASCII_FULL,
            false => UTF8_FULL,
        })
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(HEADERS.to_vec());
    if style.color {
        table.enforce_styling();
        table.style_text_only();
    }
    for report in reports {
        // Coloured by comfy-table, which leaves the escapes out of the cell's width: a
        // word painted beforehand counts them and pushes the border out.
        let mut verdict = Cell::new(report.verdict.as_str());
        if style.color {
            verdict = verdict.fg(match report.verdict {
                Verdict::Ok => Color::Green,
                Verdict::Warn => Color::Yellow,
                Verdict::Fail => Color::Red,
            });
        }
        table.add_row(vec![
            Cell::new(style.emit(&report.target)),
            verdict,
            Cell::new(style.emit(&report.failing)),
            Cell::new(style.emit(&report.first)),
        ]);
    }
    for line in table.lines() {
        writeln!(out, "{}", style.emit(line.trim_end()))?;
    }
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    // With --all-addresses a target has a row per address.
    let noun = |n: usize, one: &str| format!("{n} {one}{}", plural(n));
    let counted = match targets == reports.len() {
        true => noun(targets, "target"),
        false => format!(
            "{} ({})",
            noun(reports.len(), "report"),
            noun(targets, "target")
        ),
    };
    writeln!(
        out,
        "{counted}: {} ok, {} warn, {} fail",
        count(Verdict::Ok),
        count(Verdict::Warn),
        count(Verdict::Fail)
    )
}

/// The input, and with --all-addresses the address this row is about.
fn target_cell(report: &Report) -> String {
    let input = clean(&report.target.input).into_owned();
    match report.target.address {
        Some(ip) => format!(
            "{input}\n{}",
            join_host_port(&ip.to_string(), report.target.port)
        ),
        None => input,
    }
}

fn failing_modes(report: &Report) -> String {
    let failing: Vec<&str> = report
        .modes
        .iter()
        .filter(|m| matches!(m.status, Status::Fail | Status::Warn))
        .map(|m| m.outcome.mode.as_str())
        .collect();
    match failing.is_empty() {
        true => "—".to_string(),
        false => failing.join(", "),
    }
}

/// The report's first finding: the root cause of its most severe group of findings.
fn first_finding(report: &Report) -> String {
    match report.findings.first() {
        Some(f) => truncate_words(
            &format!("{} {}: {}", f.severity, f.id, clean(&f.summary)),
            FINDING_CHARS,
        ),
        None => "—".to_string(),
    }
}
