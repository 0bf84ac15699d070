//! Every format's printing of a run's reports, in one place: `probe` and `demo` both
//! write through [`write_reports`].

use std::io::{self, Write};

use super::Format;
use crate::report::Report;
use crate::report::explain::{ExplainStyle, write_explain};
use crate::report::html::write_html;
use crate::report::json::{write_json, write_jsonl};
use crate::report::junit::write_junit;
use crate::report::mermaid::write_mermaid;
use crate::report::nagios::{Thresholds, write_nagios};
use crate::report::table::{TableStyle, write_table};

/// How reports are printed besides their format: the table's looks.
#[derive(Debug, Clone, Default)]
pub struct PrintOptions {
    /// Width, colour and glyphs of the table format.
    pub style: TableStyle,
    /// Table format: each report's ladder diagrams and notes too (--explain).
    pub explain: Option<ExplainStyle>,
    /// `--format nagios`: -w/-c on the probe's total time.
    pub thresholds: Thresholds,
}

impl PrintOptions {
    /// The table in `style`, with ladder diagrams when `explain` is `Some(unicode)`.
    pub fn new(style: TableStyle, explain: Option<bool>) -> PrintOptions {
        let explain = explain.map(|unicode| ExplainStyle {
            unicode,
            color: style.color,
            width: style.width,
        });
        PrintOptions {
            style,
            explain,
            thresholds: Thresholds::default(),
        }
    }
}

/// Writes `reports` in `format`: the table's reports one after another (a blank line
/// between), every other format as one document (or one line each, jsonl).
pub fn write_reports(
    format: Format,
    reports: &[Report],
    print: &PrintOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write_table(report, &print.style, out)?;
                if let Some(style) = &print.explain {
                    write_explain(report, style, out)?;
                }
            }
            Ok(())
        }
        Format::Json => write_json(reports, out),
        Format::Jsonl => reports.iter().try_for_each(|r| write_jsonl(r, out)),
        Format::Nagios => write_nagios(reports, &print.thresholds, out),
        Format::Junit => write_junit(reports, out),
        Format::Mermaid => write_mermaid(reports, out),
        Format::Html => write_html(reports, out),
    }
}

/// Stops writing once the reader has gone (`| head`); other write errors still count.
pub(super) struct Printer<'a, W: Write> {
    out: &'a mut W,
    closed: bool,
}

impl<'a, W: Write> Printer<'a, W> {
    pub(super) fn new(out: &'a mut W) -> Printer<'a, W> {
        Printer { out, closed: false }
    }

    pub(super) fn print(&mut self, f: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match f(self.out) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}
