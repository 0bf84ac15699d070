//! `--explain`: each mode's ladder diagram in the terminal, time down the left, and the
//! numbered notes for a learner under it, then the client matrix grouped by the step where
//! each client would stop. Fits the width the table gets (the terminal's, 100 columns when
//! piped), from 60 to 200 columns; below 100 each arrow's words go on a line of their own
//! above it, where they have the whole width. Unicode box drawing, or plain ASCII; colour
//! only when asked for.
//!
//! Server text is cleaned (control characters shown escaped) and anything that might not
//! take exactly one column (wide or combining characters) becomes `?`, so that no reply
//! can bend the grid; the JSON report and `--transcript` keep it as it came.

mod clients;

use std::io::{self, Write};

use super::ladder::{Arrow, Ladder, LaneKind, Step, ladders};
use super::{Report, Status, text};

/// How the diagrams are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainStyle {
    /// Box-drawing characters; ASCII when false (a non-UTF-8 locale, or --ascii).
    pub unicode: bool,
    /// ANSI colours for the status and the failed connects.
    pub color: bool,
    /// No line is wider than this (kept within 60..=200).
    pub width: u16,
}

impl Default for ExplainStyle {
    fn default() -> ExplainStyle {
        ExplainStyle {
            unicode: true,
            color: false,
            width: 100,
        }
    }
}

/// Columns of the time on the left: `  1004.5 ` (ms).
const TIME: usize = 10;
/// Room kept at either edge of the lanes for the lane titles.
const EDGE: usize = 8;
/// Narrowest diagram: with four lanes, below this a lane title no longer fits between
/// its neighbours (the table's own bound).
const MIN_WIDTH: usize = 60;
/// Widest diagram: past it the arrows are too long to follow (the table's own bound).
const MAX_WIDTH: usize = 200;
/// Below this width, lanes 15 to 20 columns apart leave an arrow's words no room: they go
/// on a line of their own, above the arrow, with the width to the right edge.
const NARROW_BELOW: usize = 100;

struct Glyphs {
    lane: char,
    middlebox: char,
    right: char,
    left: char,
    cross: char,
}

const UNICODE: Glyphs = Glyphs {
    lane: '│',
    middlebox: '┆',
    right: '▶',
    left: '◀',
    cross: '✕',
};

const ASCII: Glyphs = Glyphs {
    lane: '|',
    middlebox: ':',
    right: '>',
    left: '<',
    cross: 'X',
};

fn shaft(arrow: Arrow, unicode: bool) -> char {
    match (arrow, unicode) {
        (Arrow::Command, true) => '─',
        (Arrow::Reply, true) => '╌',
        (Arrow::Connect | Arrow::Dropped | Arrow::Refused, true) => '━',
        (Arrow::Tls, true) => '≈',
        (Arrow::Data, true) => '═',
        (Arrow::Close | Arrow::NotDialled, true) => '┈',
        (Arrow::Command, false) => '-',
        (Arrow::Reply | Arrow::Close | Arrow::NotDialled, false) => '.',
        (Arrow::Connect | Arrow::Dropped | Arrow::Refused, false) => '=',
        (Arrow::Tls, false) => '~',
        (Arrow::Data, false) => '#',
        (Arrow::Note, _) => ' ',
    }
}

/// Writes every attempted mode's diagram and notes.
///
/// ```
/// use ftpdoctor::report::explain::{ExplainStyle, write_explain};
/// # fn report() -> ftpdoctor::report::Report { unimplemented!() }
/// # if false {
/// let mut out = Vec::new();
/// write_explain(&report(), &ExplainStyle::default(), &mut out)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_explain(
    report: &Report,
    style: &ExplainStyle,
    out: &mut impl Write,
) -> io::Result<()> {
    for ladder in ladders(report) {
        writeln!(out)?;
        write_ladder(&ladder, style, out)?;
    }
    clients::write_clients(&report.clients, style, out)
}

/// Writes one diagram and its notes.
pub(crate) fn write_ladder(
    ladder: &Ladder,
    style: &ExplainStyle,
    out: &mut impl Write,
) -> io::Result<()> {
    let grid = Grid::new(ladder, style);
    let width = grid.width;
    let (rule, bullet) = if style.unicode {
        ('─', '▸')
    } else {
        ('-', '>')
    };
    let title = format!("{} {} {}", bullet, ladder.title, ladder.status.as_str());
    let painted = tint(&title, status_colour(ladder.status), style.color);
    let pad = width.saturating_sub(title.chars().count() + 1);
    writeln!(out, "{painted} {}", rule.to_string().repeat(pad))?;

    let mut titles = blank(width);
    let mut addrs = blank(width);
    // Each lane's title and address, centred and never into the next lane's.
    let gap = match grid.xs[..] {
        [a, b, ..] => b - a - 1,
        _ => width,
    };
    for (lane, &x) in ladder.lanes.iter().zip(&grid.xs) {
        centre(
            &mut titles,
            x,
            &text::single_width(&lane.title, style.unicode),
            width,
            gap,
        );
        centre(
            &mut addrs,
            x,
            &text::single_width(&lane.addr, style.unicode),
            width,
            gap,
        );
    }
    put(&mut titles, 0, "      ms");
    writeln!(out, "{}", line(&titles))?;
    writeln!(out, "{}", line(&addrs))?;
    let empty = line(&grid.lanes_row());
    writeln!(out, "{empty}")?;
    for step in &ladder.steps {
        for row in grid.step_rows(step) {
            writeln!(out, "{row}")?;
        }
    }
    writeln!(out, "{empty}")?;
    for (i, note) in ladder.notes.iter().enumerate() {
        for l in wrap(note, width, &format!("  ({}) ", i + 1), style.unicode) {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

/// Where one diagram's lanes stand and how its rows are drawn.
struct Grid<'a> {
    style: &'a ExplainStyle,
    glyphs: &'static Glyphs,
    width: usize,
    /// Below [`NARROW_BELOW`]: each arrow's words on a line of their own.
    narrow: bool,
    xs: Vec<usize>,
    kinds: Vec<LaneKind>,
}

impl<'a> Grid<'a> {
    fn new(ladder: &Ladder, style: &'a ExplainStyle) -> Grid<'a> {
        let width = usize::from(style.width).clamp(MIN_WIDTH, MAX_WIDTH);
        Grid {
            style,
            glyphs: if style.unicode { &UNICODE } else { &ASCII },
            width,
            narrow: width < NARROW_BELOW,
            xs: positions(ladder.lanes.len(), width),
            kinds: ladder.lanes.iter().map(|l| l.kind).collect(),
        }
    }

    /// A blank row with the lanes drawn.
    fn lanes_row(&self) -> Vec<char> {
        let mut row = blank(self.width);
        for (kind, &x) in self.kinds.iter().zip(&self.xs) {
            row[x] = match kind {
                LaneKind::Middlebox | LaneKind::Advertised => self.glyphs.middlebox,
                _ => self.glyphs.lane,
            };
        }
        row
    }

    /// `text` cut to `room` columns (safe for the grid), the note's number kept.
    fn label(&self, text: &str, note: &str, room: usize) -> String {
        let room = room.saturating_sub(note.chars().count());
        fit(
            &text::single_width(text, self.style.unicode),
            room,
            self.style.unicode,
        ) + note
    }

    /// The row (or, narrow, the words' row and the arrow's) of one step.
    fn step_rows(&self, step: &Step) -> Vec<String> {
        let mut rows = Vec::new();
        let mut row = self.lanes_row();
        put(&mut row, 0, &format!("{:>8.1}", step.t_ms));
        let note = step.note.map(|n| format!(" ({n})")).unwrap_or_default();
        let (a, b) = (self.xs[step.from], self.xs[step.to]);
        let (lo, hi) = (a.min(b), a.max(b));
        let on_one_lane = step.arrow == Arrow::Note || a == b;
        if self.narrow {
            // The words from the step's leftmost lane to the edge.
            let text = self.label(&step.label, &note, self.width.saturating_sub(lo + 2));
            if on_one_lane {
                put(&mut row, lo + 2, &text);
            } else {
                let mut over = self.lanes_row();
                put(&mut over, lo + 2, &text);
                rows.push(line(&over));
                draw_arrow(&mut row, step.arrow, a, b, self.glyphs, self.style.unicode);
            }
        } else if on_one_lane {
            // To the right of the lane, up to the next one (or the edge).
            let end = self.xs.iter().copied().find(|&x| x > a + 1);
            let room = end.unwrap_or(self.width).saturating_sub(a + 3);
            put(&mut row, a + 2, &self.label(&step.label, &note, room));
        } else {
            draw_arrow(&mut row, step.arrow, a, b, self.glyphs, self.style.unicode);
            let room = hi.saturating_sub(lo + 5).saturating_sub(2);
            let label = self.label(&step.label, &note, room);
            put(&mut row, lo + 2, &format!(" {label} "));
        }
        let red = matches!(step.arrow, Arrow::Dropped | Arrow::Refused);
        rows.push(tint(&line(&row), RED, self.style.color && red));
        rows
    }
}

fn draw_arrow(row: &mut [char], arrow: Arrow, a: usize, b: usize, g: &Glyphs, unicode: bool) {
    let c = shaft(arrow, unicode);
    let (lo, hi) = (a.min(b), a.max(b));
    for cell in row.iter_mut().take(hi).skip(lo + 1) {
        *cell = c;
    }
    let rightwards = b > a;
    match arrow {
        // A SYN that got no answer stops short of where it was going.
        Arrow::Dropped | Arrow::NotDialled => {
            row[if rightwards { hi - 1 } else { lo + 1 }] = g.cross;
        }
        Arrow::Tls => {
            row[lo + 1] = g.left;
            row[hi - 1] = g.right;
        }
        _ if rightwards => row[hi - 1] = g.right,
        _ => row[lo + 1] = g.left,
    }
}

/// Lane x positions, spread across the width.
fn positions(n: usize, width: usize) -> Vec<usize> {
    let first = TIME + EDGE;
    let last = width - EDGE - 1;
    match n {
        0 => Vec::new(),
        1 => vec![first],
        _ => (0..n)
            .map(|i| first + i * (last - first) / (n - 1))
            .collect(),
    }
}

fn blank(width: usize) -> Vec<char> {
    vec![' '; width]
}

fn put(row: &mut [char], at: usize, text: &str) {
    for (i, c) in text.chars().enumerate() {
        if let Some(cell) = row.get_mut(at + i) {
            *cell = c;
        }
    }
}

fn centre(row: &mut [char], x: usize, text: &str, width: usize, gap: usize) {
    let room = (2 * EDGE.min(width - x).min(x) + 6).min(gap);
    let text: String = text.chars().take(room).collect();
    let start = x.saturating_sub(text.chars().count() / 2);
    put(row, start, &text);
}

fn line(row: &[char]) -> String {
    row.iter().collect::<String>().trim_end().to_string()
}

/// The title's colour (plain, not bold: the diagram's lines are drawn in it too).
fn status_colour(status: Status) -> &'static str {
    match status {
        Status::Ok => GREEN,
        Status::Warn => YELLOW,
        Status::Fail => RED,
        Status::Refused => MAGENTA,
        Status::Skipped => DIM,
    }
}

// ANSI SGR codes of the diagrams: plain colours, where the table's words are bold.
/// Green: a mode that works, a client that works.
const GREEN: &str = "\x1b[32m";
/// Yellow: warnings, a client that hangs.
const YELLOW: &str = "\x1b[33m";
/// Red: failures, a dropped or refused arrow.
const RED: &str = "\x1b[31m";
/// Magenta: a mode the server refused.
const MAGENTA: &str = "\x1b[35m";
/// Cyan: a client whose fate depends.
const CYAN: &str = "\x1b[36m";
/// Dim: a mode that was skipped.
const DIM: &str = "\x1b[2m";

/// `text` in `colour` when `on`.
fn tint(text: &str, colour: &str, on: bool) -> String {
    match on {
        true => text::paint(text, colour),
        false => text.to_string(),
    }
}

/// `text` cut to `room` columns, with the mark the style can show.
fn fit(text: &str, room: usize, unicode: bool) -> String {
    text::cut(text, room, if unicode { '…' } else { '~' })
}

/// A note's words, each made safe for the grid, wrapped to `width` columns under `first`
/// (then as many spaces).
fn wrap(note: &str, width: usize, first: &str, unicode: bool) -> Vec<String> {
    let words: Vec<String> = note
        .split_whitespace()
        .map(|w| text::single_width(w, unicode))
        .collect();
    text::wrap(
        &words.join(" "),
        width,
        first,
        &" ".repeat(first.chars().count()),
    )
}

#[cfg(test)]
mod tests;
