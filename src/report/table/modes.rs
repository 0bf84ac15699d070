//! The mode table: one row per mode — request and reply, advertised address, data
//! connection, transfer, time, status — in seven columns from 100 columns up, in five
//! below (the advertised address joins the data connection, the time the status). A
//! skipped mode takes one line.

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets::{ASCII_FULL, UTF8_FULL},
};

use super::TableStyle;
use super::cells::{advertised_cell, data_cell, request_cell, transfer_cell};
use super::layout::{COMPACT, Layout, PADDING, WIDE, floors};
use crate::probe::record::ModeOutcome;
use crate::report::text::truncate_words;
use crate::report::{ModeReport, Report, Status};
use crate::wire::ms;

/// Narrowest width that gets all seven columns.
const WIDE_FROM: u16 = 100;

/// Longest skip reason shown: it sits in the request cell, whose header ("Request →
/// reply") is this wide, so the row stays one line. The JSON report has the whole reason.
const SKIP_CHARS: usize = 15;

/// The mode table's lines, trailing blanks trimmed.
pub(super) fn mode_table(report: &Report, style: &TableStyle) -> Vec<String> {
    let layout = match style.width >= WIDE_FROM {
        true => &WIDE,
        false => &COMPACT,
    };
    let mut table = Table::new();
    table
        .load_style(match style.glyphs.ascii {
            true => ASCII_FULL,
            false => UTF8_FULL,
        })
        // Whether to style and how wide to be is our caller's decision, not whatever
        // stdout happens to be: the output may be going to a file or a Vec.
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(layout.headers.iter().map(|h| style.emit(h)));
    if style.color {
        table.enforce_styling();
        // Colour the word, not the padding around it.
        table.style_text_only();
    }
    let rows: Vec<Vec<String>> = report
        .modes
        .iter()
        .map(|m| {
            let cells = match layout.ms {
                Some(_) => wide_cells(m),
                None => compact_cells(m),
            };
            cells.iter().map(|c| style.emit(c)).collect()
        })
        .collect();
    for (mode, cells) in report.modes.iter().zip(&rows) {
        table.add_row(mode_row(mode.status, cells, style.color));
    }
    fix_floors(&mut table, layout, &rows, style.width);
    if let Some(col) = layout.ms.and_then(|ms| table.column_mut(ms)) {
        col.set_cell_alignment(CellAlignment::Right);
    }
    table.lines().map(|l| l.trim_end().to_string()).collect()
}

fn fix_floors(table: &mut Table, layout: &Layout, rows: &[Vec<String>], width: u16) {
    let Some(floors) = floors(layout, rows, usize::from(width)) else {
        return;
    };
    for (i, floor) in floors.into_iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            let width = u16::try_from(floor + PADDING).unwrap_or(u16::MAX);
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
        }
    }
}

/// `not selected (--modes)`, short enough for one line of the request column.
fn skip_words(why: &str) -> String {
    let short = match why {
        w if w.starts_with("not selected") => "not selected",
        w if w.starts_with("carries only IPv4") => "IPv4 only",
        w if w.starts_with("the control session was not set up") => "no session",
        w if w.starts_with("the name did not resolve") => "no address",
        w if w.starts_with("the deadline struck") => "deadline hit",
        w => w,
    };
    truncate_words(short, SKIP_CHARS)
}

/// A skipped mode: its reason in the request cell, a dash elsewhere — one line.
fn skipped_cells(o: &ModeOutcome, why: &str, columns: usize) -> Vec<String> {
    let mut cells = vec!["—".to_string(); columns];
    cells[0] = o.mode.as_str().to_uppercase();
    cells[1] = skip_words(why);
    cells[columns - 1] = Status::Skipped.as_str().to_string();
    cells
}

/// A mode's row as text: mode, request → reply, advertised, data connection, transfer,
/// ms, status (the HTML page shows the same; a skipped mode's whole reason included).
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

fn wide_cells(mode: &ModeReport) -> Vec<String> {
    let o = &mode.outcome;
    match &o.skipped {
        Some(why) => skipped_cells(o, &why.text, WIDE.headers.len()),
        None => mode_cells(mode).to_vec(),
    }
}

fn compact_cells(mode: &ModeReport) -> Vec<String> {
    let o = &mode.outcome;
    if let Some(why) = &o.skipped {
        return skipped_cells(o, &why.text, COMPACT.headers.len());
    }
    // The data cell names the advertised address already; its class is what is missing.
    let data = match &o.advertised {
        Some(a) => format!("advertised {}\n{}", a.class, data_cell(o)),
        None => data_cell(o),
    };
    vec![
        o.mode.as_str().to_uppercase(),
        request_cell(o),
        data,
        transfer_cell(o),
        format!("{}\n{:.1} ms", mode.status.as_str(), ms(&o.elapsed)),
    ]
}

fn mode_row(status: Status, cells: &[String], color: bool) -> Vec<Cell> {
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
        Status::Refused => Some(Color::Magenta),
        Status::Skipped => None,
    }
}
