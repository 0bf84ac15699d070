//! The table printer, for people: a short header about the target and its control
//! connection, one row per mode, the findings most severe first with their evidence and
//! fix, what each client would do, the verdict, and the transcript when asked for.
//!
//! Everything the server sent (banner, replies) and everything the OS said (dial errors)
//! passes through `text::clean` first: a hostile server must not be able to move the cursor
//! or recolour the user's terminal, and `color: false` must mean no escape byte at all.
//!
//! The cells' text is made in `cells`, the mode table's least column widths in
//! `layout`, the text helpers (cleaning, cutting, wrapping) live in `text`; this module
//! puts the parts together.

mod cells;
mod clients;
mod findings;
pub(crate) use findings::verdict_text;
mod layout;
mod summary;
mod text;
mod tls;

pub use summary::write_summary;

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets::UTF8_FULL,
};

use super::{ModeReport, Report, Status};
use crate::probe::{Login, Strategy, ms};
use cells::{advertised_cell, data_cell, reply_text, request_cell, step_error, transfer_cell};
use layout::{MS, PADDING, floors};
use text::{clean, comma_list, human_ms, truncate};

/// How to print the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI colours on status cells, severities and the verdict.
    pub color: bool,
    /// No line of the header, table or findings is wider than this (the transcript is
    /// printed verbatim).
    pub width: u16,
    /// Every finding with its evidence, full fix and reference (`-v`); otherwise a
    /// symptom shows its evidence under its cause, and a lone info finding its short fix.
    pub verbose: bool,
    /// Box drawing and arrows, or their ASCII stand-ins.
    pub glyphs: Glyphs,
}

/// The characters the table draws with beyond ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    /// Before a symptom nested under its cause.
    pub nested: &'static str,
    /// Only ASCII: a terminal whose locale is not UTF-8 (`LANG=C`), or `--ascii`.
    pub ascii: bool,
}

impl Glyphs {
    /// Box drawing, `→`, `…`.
    pub const UNICODE: Glyphs = Glyphs {
        nested: "↳",
        ascii: false,
    };
    /// `+-|`, `->`, `...`.
    pub const ASCII: Glyphs = Glyphs {
        nested: "`-",
        ascii: true,
    };
}

impl Default for TableStyle {
    /// No colour (the safe choice for pipes and logs) and 100 columns, which fits the
    /// mode table without wrapping every cell and still fits a half-screen terminal.
    fn default() -> TableStyle {
        TableStyle {
            color: false,
            width: 100,
            verbose: false,
            glyphs: Glyphs::UNICODE,
        }
    }
}

/// Width of the header's labels ("features  "), so the values line up.
const LABEL: usize = 10;

/// Writes the report for people: header, mode table, findings, verdict, transcript.
///
/// ```
/// use std::time::Duration;
/// use ftpdoctor::probe::{ControlOutcome, Mode, ModeOutcome, ProbeOutcome, Strategy, TargetInfo};
/// use ftpdoctor::report::Report;
/// use ftpdoctor::report::table::{TableStyle, write_table};
///
/// let outcome = ProbeOutcome {
///     target: TargetInfo {
///         input: "127.0.0.1:2121".to_string(),
///         host: "127.0.0.1".to_string(),
///         port: 2121,
///         resolved: vec!["127.0.0.1".parse()?],
///         path: String::new(),
///         dns: None,
///         address: None,
///     },
///     control: ControlOutcome::new("anonymous"),
///     modes: vec![ModeOutcome::skipped(Mode::Epsv, "not selected (--modes)")],
///     strategy: Strategy::Concurrent,
///     fallback_reply: None,
///     plaintext_check: None,
///     deadline_hit: false,
///     deadline_ms: Duration::from_secs(30),
///     transcript: Vec::new(),
///     timeline: Vec::new(),
///     timeline_dropped: 0,
///     elapsed: Duration::from_millis(3),
///     sample: None,
///     reuse_check: None,
/// };
/// let report = Report::new(outcome, Vec::new(), false);
///
/// let mut out = Vec::new();
/// write_table(&report, &TableStyle::default(), &mut out)?;
/// let text = String::from_utf8(out)?;
/// assert!(text.starts_with("target    127.0.0.1:2121 → 127.0.0.1:2121\n"));
/// // One row per mode; cells wrap to fit the width, the status is the last column.
/// let row = text.lines().find(|l| l.starts_with("│ EPSV")).ok_or("no EPSV row")?;
/// assert!(row.trim_end_matches([' ', '│']).ends_with("skipped"));
/// assert!(text.ends_with("verdict: ok — no mode was attempted\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_table(report: &Report, style: &TableStyle, out: &mut impl Write) -> io::Result<()> {
    let width = usize::from(style.width);
    for line in header(report, width) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for line in mode_table(report, style).lines() {
        // Trailing blanks would count against the width and serve no one.
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)?;
    if !report.findings.is_empty() {
        for line in findings::findings(report, style) {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    let matrix = clients::client_lines(&report.clients, width, style.color);
    if !matrix.is_empty() {
        for line in matrix {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    for line in findings::closing(report, style) {
        writeln!(out, "{}", line.trim_end())?;
    }
    if report.transcript.is_some() && !report.timeline.is_empty() {
        writeln!(out)?;
        writeln!(out, "timeline (ms from the start of the probe):")?;
        let clean = |s: &str| clean(s).into_owned();
        return super::timeline::write_timeline(&report.timeline, &clean, out);
    }
    if let Some(transcript) = &report.transcript {
        writeln!(out)?;
        writeln!(out, "control-channel transcript:")?;
        for entry in transcript {
            writeln!(
                out,
                "[{}] {} {}",
                clean(&entry.session),
                entry.dir,
                clean(&entry.line)
            )?;
        }
    }
    Ok(())
}

// ---- header ---------------------------------------------------------------------------

/// The header's lines as (label, value) pairs, uncut (the HTML page shows the same).
pub(crate) fn header_fields(report: &Report) -> Vec<(String, String)> {
    header(report, usize::MAX / 2)
        .into_iter()
        .map(|line| {
            let (label, value) = line.split_at(
                line.char_indices()
                    .nth(LABEL)
                    .map_or(line.len(), |(i, _)| i),
            );
            (label.trim().to_string(), value.to_string())
        })
        .collect()
}

fn header(report: &Report, width: usize) -> Vec<String> {
    let target = &report.target;
    let control = &report.control;
    let mut lines = Vec::new();
    let mut line = |label: &str, value: String| {
        lines.push(truncate(&format!("{label:<LABEL$}{value}"), width));
    };

    let host_port = join_host_port(&target.host, target.port);
    let resolved: Vec<String> = target.resolved.iter().map(ToString::to_string).collect();
    // A literal address resolves to itself; saying so again is noise.
    let resolved = if resolved.is_empty() {
        " (not resolved)".to_string()
    } else if resolved == [target.host.as_str()] {
        String::new()
    } else {
        format!(" ({})", resolved.join(", "))
    };
    line(
        "target",
        format!("{} → {host_port}{resolved}", clean(&target.input)),
    );
    if let Some(ip) = target.address {
        line(
            "address",
            format!("{ip} only (--all-addresses: one report per resolved address)"),
        );
    }

    line(
        "control",
        match (control.peer, control.local) {
            (Some(peer), Some(local)) => format!("peer {peer}, local {local}"),
            (Some(peer), None) => format!("peer {peer}"),
            _ => "not connected".to_string(),
        },
    );
    if let Some(banner) = &control.banner {
        line(
            "banner",
            clean(banner.lines().next().unwrap_or("")).into_owned(),
        );
    }
    let login = match control.login {
        Login::Ok => format!("ok as {}", clean(&control.user)),
        Login::Failed => match &control.login_reply {
            Some(reply) => format!("failed as {} ({})", clean(&control.user), reply_text(reply)),
            None => format!("failed as {}", clean(&control.user)),
        },
        Login::NotAttempted => "not attempted".to_string(),
    };
    line("tls", tls::tls_line(control));
    if let Some(cert) = tls::cert_line(control) {
        line("cert", cert);
    }
    line("login", login);
    if control.login == Login::Ok {
        line(
            "features",
            comma_list(&control.features, width.saturating_sub(LABEL)),
        );
    }
    if let Some(err) = &control.error {
        line("problem", step_error(err));
    }
    match report.strategy {
        Strategy::Concurrent => {}
        Strategy::Sequential => line(
            "strategy",
            "modes ran in turn on one connection (--sequential)".to_string(),
        ),
        Strategy::SequentialFallback => line(
            "strategy",
            match &report.fallback_reply {
                Some(reply) => format!(
                    "modes ran in turn on one connection: the server refused more ({})",
                    reply_text(reply)
                ),
                None => "modes ran in turn on one connection: the server refused more".to_string(),
            },
        ),
    }
    if let Some(sample) = &report.sample {
        line("ports", clean(&sample.summary).into_owned());
    }
    if report.deadline_hit {
        line(
            "deadline",
            format!(
                "hit after {}: unfinished steps are marked in the table",
                human_ms(report.elapsed_ms)
            ),
        );
    }
    lines
}

/// `host:port`, with an IPv6 literal in brackets as in a URL.
pub(super) fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{}]:{port}", clean(host))
    } else {
        format!("{}:{port}", clean(host))
    }
}

// ---- mode table -----------------------------------------------------------------------

/// The mode table's columns. "ms" rather than "Time (ms)": the header is the widest
/// thing in that column, and every column it takes is one the request cell has not.
const HEADERS: [&str; 7] = [
    "Mode",
    "Request → reply",
    "Advertised",
    "Data connection",
    "Transfer",
    "ms",
    "Status",
];

fn mode_table(report: &Report, style: &TableStyle) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL)
        // Whether to style and how wide to be is our caller's decision, not whatever
        // stdout happens to be: the output may be going to a file or a Vec.
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(HEADERS.to_vec());
    if style.color {
        table.enforce_styling();
        // Colour the word, not the padding around it.
        table.style_text_only();
    }
    let rows: Vec<[String; 7]> = report.modes.iter().map(mode_cells).collect();
    for (mode, cells) in report.modes.iter().zip(&rows) {
        table.add_row(mode_row(mode.status, cells, style.color));
    }
    if let Some(floors) = floors(&rows, usize::from(style.width)) {
        for (i, floor) in floors.into_iter().enumerate() {
            if let Some(col) = table.column_mut(i) {
                let width = u16::try_from(floor + PADDING).unwrap_or(u16::MAX);
                col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            }
        }
    }
    if let Some(col) = table.column_mut(MS) {
        col.set_cell_alignment(CellAlignment::Right);
    }
    table
}

/// A mode's row as text: mode, request → reply, advertised, data connection, transfer,
/// ms, status (the HTML page shows the same).
pub(crate) fn mode_cells(mode: &ModeReport) -> [String; 7] {
    let o = &mode.outcome;
    [
        o.mode.as_str().to_uppercase(),
        request_cell(o),
        advertised_cell(o),
        data_cell(o),
        transfer_cell(o),
        format!("{:.1}", ms(&o.elapsed)),
        mode.status.as_str().to_string(),
    ]
}

fn mode_row(status: Status, cells: &[String; 7], color: bool) -> Vec<Cell> {
    let mut row: Vec<Cell> = cells.iter().map(Cell::new).collect();
    if color
        && let Some(c) = status_color(status)
        && let Some(last) = row.pop()
    {
        row.push(last.fg(c));
    }
    row
}

fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Ok => Some(Color::Green),
        Status::Warn => Some(Color::Yellow),
        Status::Fail => Some(Color::Red),
        Status::Skipped => None,
    }
}

#[cfg(test)]
mod tests;
