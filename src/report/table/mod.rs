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
mod client_groups;
mod clients;
mod findings;
mod header;
pub(crate) use findings::verdict_text;
pub(crate) use header::header_fields;
pub(crate) use modes::mode_cells;
mod layout;
mod modes;
mod summary;
mod tls;
mod transfers;

pub use summary::{SummaryRow, write_summary};

use std::io::{self, Write};

use super::Report;
pub use super::timeline::TimelineView;
use crate::report::text::{clean, to_ascii, truncate};

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
    /// How `--transcript` prints the timeline: in time order, or grouped by session.
    pub timeline: TimelineView,
    /// `-vv`: the conversation of every session as curl -v shows it, after the report.
    pub conversation: bool,
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

impl TableStyle {
    /// Server or prose text made safe for the terminal, and ASCII when the style is.
    pub(super) fn prose(&self, text: &str) -> String {
        let text = clean(text);
        match self.glyphs.ascii {
            true => to_ascii(&text).into_owned(),
            false => text.into_owned(),
        }
    }

    /// One line of at most `width` characters, cut with `…` (`...` in ASCII).
    pub(super) fn cut(&self, line: &str, width: usize) -> String {
        if !self.glyphs.ascii {
            return truncate(line, width);
        }
        let ascii = to_ascii(line);
        let cut = truncate(&ascii, width);
        match cut.strip_suffix('…') {
            Some(kept) => {
                let kept: String = kept.chars().take(width.saturating_sub(3)).collect();
                format!("{kept}...")
            }
            None => cut,
        }
    }

    /// A finished line as it goes out: in ASCII, anything left that is not (a server's
    /// text in the transcript) becomes `?`.
    pub(super) fn emit(&self, line: &str) -> String {
        match self.glyphs.ascii {
            true => to_ascii(line).into_owned(),
            false => line.to_string(),
        }
    }
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
            timeline: TimelineView::Time,
            conversation: false,
        }
    }
}

/// Writes the report for people: header, mode table, findings, verdict, transcript.
///
/// ```
/// use std::time::Duration;
/// use ftpdoctor::report::{
///     ControlOutcome, Mode, ModeOutcome, ProbeOutcome, SkipReason, Strategy, TargetInfo,
/// };
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
///     modes: vec![ModeOutcome::skipped(Mode::Epsv, SkipReason::NotSelected, "not selected (--modes)")],
///     strategy: Strategy::Concurrent,
///     fallback_reply: None,
///     fallback_error: None,
///     plaintext_check: None,
///     deadline_hit: false,
///     interrupted: false,
///     deadline: Duration::from_secs(30),
///     transcript: Vec::new(),
///     timeline: Vec::new(),
///     timeline_dropped: 0,
///     elapsed: Duration::from_millis(3),
///     sample: None,
///     reuse_check: None,
///     size_check: None,
///     idle: None,
///     upload: None,
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
    let mut lines = header::header(report, style);
    lines.push(String::new());
    // Trailing blanks would count against the width and serve no one.
    lines.extend(modes::mode_table(report, style));
    lines.push(String::new());
    if !report.findings.is_empty() {
        lines.extend(findings::findings(report, style));
        lines.push(String::new());
    }
    let matrix = clients::client_lines(
        &report.clients,
        usize::from(style.width),
        style.color,
        style.verbose,
    );
    if !matrix.is_empty() {
        lines.extend(matrix);
        lines.push(String::new());
    }
    lines.extend(findings::closing(report, style));
    for line in &lines {
        writeln!(out, "{}", style.emit(line.trim_end()))?;
    }
    let prose = |s: &str| style.prose(s);
    if style.conversation && !report.timeline.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "conversation (-vv, as curl -v shows it; each session in turn, PASS masked):"
        )?;
        super::timeline::write_conversation(&report.timeline, &prose, out)?;
    }
    if report.transcript.is_some() && !report.timeline.is_empty() {
        writeln!(out)?;
        return match style.timeline {
            TimelineView::Time => {
                writeln!(out, "timeline (ms from the start of the probe):")?;
                super::timeline::write_timeline(&report.timeline, &prose, out)
            }
            TimelineView::Grouped => {
                writeln!(out, "timeline by session (ms from the start of the probe):")?;
                super::timeline::write_grouped(&report.timeline, &prose, out)
            }
        };
    }
    if let Some(transcript) = &report.transcript {
        writeln!(out)?;
        writeln!(out, "control-channel transcript:")?;
        for entry in transcript {
            let line = format!(
                "[{}] {} {}",
                clean(&entry.session),
                entry.dir,
                clean(&entry.line)
            );
            writeln!(out, "{}", style.emit(&line))?;
        }
    }
    Ok(())
}

/// `host:port`, with an IPv6 literal in brackets as in a URL.
pub(super) fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{}]:{port}", clean(host))
    } else {
        format!("{}:{port}", clean(host))
    }
}

#[cfg(test)]
mod tests;
