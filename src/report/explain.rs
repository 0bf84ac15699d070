//! `--explain`: each mode's ladder diagram in the terminal, time down the left, and the
//! numbered notes for a learner under it, then the client matrix grouped by the step where
//! each client would stop. Fits the width (100 columns by default); Unicode box drawing, or
//! plain ASCII; colour only when asked for.
//!
//! Server text is cleaned (control characters shown escaped) and anything that might not
//! take exactly one column (wide or combining characters) becomes `?`, so that no reply
//! can bend the grid; the JSON report and `--transcript` keep it as it came.

mod clients;

use std::io::{self, Write};

use super::ladder::{Arrow, Ladder, LaneKind, ladders};
use super::{Report, Status};

/// How the diagrams are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainStyle {
    /// Box-drawing characters; ASCII when false (a non-UTF-8 locale, or --ascii).
    pub unicode: bool,
    /// ANSI colours for the status and the failed connects.
    pub color: bool,
    /// No line is wider than this.
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
    let width = usize::from(style.width).max(TIME + 2 * EDGE + 10);
    let g = if style.unicode { &UNICODE } else { &ASCII };
    let xs = positions(ladder.lanes.len(), width);
    let (rule, bullet) = if style.unicode {
        ('─', '▸')
    } else {
        ('-', '>')
    };
    let title = format!("{} {} {}", bullet, ladder.title, status_word(ladder.status));
    let painted = paint(&title, status_colour(ladder.status), style.color);
    let pad = width.saturating_sub(title.chars().count() + 1);
    writeln!(out, "{painted} {}", rule.to_string().repeat(pad))?;

    let mut titles = blank(width);
    let mut addrs = blank(width);
    for (lane, &x) in ladder.lanes.iter().zip(&xs) {
        centre(&mut titles, x, &safe(&lane.title, style.unicode), width);
        centre(&mut addrs, x, &safe(&lane.addr, style.unicode), width);
    }
    put(&mut titles, 0, "      ms");
    writeln!(out, "{}", line(&titles))?;
    writeln!(out, "{}", line(&addrs))?;
    let lanes_row = |row: &mut Vec<char>| {
        for (lane, &x) in ladder.lanes.iter().zip(&xs) {
            row[x] = match lane.kind {
                LaneKind::Middlebox | LaneKind::Advertised => g.middlebox,
                _ => g.lane,
            };
        }
    };
    let mut empty = blank(width);
    lanes_row(&mut empty);
    writeln!(out, "{}", line(&empty))?;

    for step in &ladder.steps {
        let mut row = blank(width);
        lanes_row(&mut row);
        put(&mut row, 0, &format!("{:>8.1}", step.t_ms));
        let note = step.note.map(|n| format!(" ({n})")).unwrap_or_default();
        let (a, b) = (xs[step.from], xs[step.to]);
        if step.arrow == Arrow::Note || a == b {
            // To the right of the lane, up to the next one (or the edge).
            let end = xs.iter().copied().find(|&x| x > a + 1).unwrap_or(width);
            let room = end.saturating_sub(a + 3);
            let n = note.chars().count();
            let text = fit(
                &safe(&step.label, style.unicode),
                room.saturating_sub(n),
                style.unicode,
            ) + &note;
            put(&mut row, a + 2, &text);
        } else {
            draw_arrow(&mut row, step.arrow, a, b, g, style.unicode);
            let (lo, hi) = (a.min(b), a.max(b));
            let room = hi.saturating_sub(lo + 5);
            let n = note.chars().count() + 2;
            let label = fit(
                &safe(&step.label, style.unicode),
                room.saturating_sub(n),
                style.unicode,
            );
            put(&mut row, lo + 2, &format!(" {label}{note} "));
        }
        let text = line(&row);
        let red = matches!(step.arrow, Arrow::Dropped | Arrow::Refused);
        writeln!(out, "{}", paint(&text, "31", style.color && red))?;
    }
    writeln!(out, "{}", line(&empty))?;
    for (i, note) in ladder.notes.iter().enumerate() {
        let lead = format!("  ({}) ", i + 1);
        for (j, l) in wrap(note, width - lead.len(), style.unicode)
            .iter()
            .enumerate()
        {
            match j {
                0 => writeln!(out, "{lead}{l}")?,
                _ => writeln!(out, "{}{l}", " ".repeat(lead.len()))?,
            }
        }
    }
    Ok(())
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

fn centre(row: &mut [char], x: usize, text: &str, width: usize) {
    let room = 2 * EDGE.min(width - x).min(x) + 6;
    let text: String = text.chars().take(room).collect();
    let start = x.saturating_sub(text.chars().count() / 2);
    put(row, start, &text);
}

fn line(row: &[char]) -> String {
    row.iter().collect::<String>().trim_end().to_string()
}

/// At most `room` characters, the last one `…` (or `~`) when something was cut.
fn fit(text: &str, room: usize, unicode: bool) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(room.saturating_sub(1)).collect();
    if room > 0 {
        cut.push(if unicode { '…' } else { '~' });
    }
    cut
}

/// Server text made safe for a grid: control characters escaped, anything that might
/// not take exactly one column replaced.
fn safe(text: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.extend(c.escape_default()),
            ' '..='~' => out.push(c),
            '→' if !unicode => out.push_str("->"),
            '×' if !unicode => out.push('x'),
            '\u{a0}'..='\u{2ff}' | '→' | '…' if unicode => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

fn wrap(text: &str, width: usize, unicode: bool) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let word = safe(word, unicode);
        let last = lines.last_mut().map_or(0, |l| l.chars().count());
        if last > 0 && last + 1 + word.chars().count() > width {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(&word);
        }
    }
    lines
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Refused => "refused",
        Status::Skipped => "skipped",
    }
}

fn status_colour(status: Status) -> &'static str {
    match status {
        Status::Ok => "32",
        Status::Warn => "33",
        Status::Fail => "31",
        Status::Refused => "35",
        Status::Skipped => "2",
    }
}

fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ladder::{Lane, Step};

    fn ladder_with(label: &str, lanes: usize) -> Ladder {
        let kinds = [
            LaneKind::Client,
            LaneKind::Middlebox,
            LaneKind::Server,
            LaneKind::Advertised,
        ];
        Ladder {
            title: "PASV".to_string(),
            status: Status::Fail,
            lanes: kinds[..lanes]
                .iter()
                .map(|&kind| Lane {
                    kind,
                    title: "server".to_string(),
                    addr: "203.0.113.10".to_string(),
                })
                .collect(),
            steps: vec![
                Step {
                    t_ms: 1.5,
                    from: lanes - 1,
                    to: 0,
                    arrow: Arrow::Reply,
                    label: label.to_string(),
                    note: Some(1),
                },
                Step {
                    t_ms: 1002.5,
                    from: 0,
                    to: 1,
                    arrow: Arrow::Dropped,
                    label: "SYN → port 50002".to_string(),
                    note: Some(2),
                },
            ],
            notes: vec!["PASV asks the server to listen (RFC 959 4.1.2).".to_string(); 2],
        }
    }

    fn render(ladder: &Ladder, style: ExplainStyle) -> String {
        let mut out = Vec::new();
        assert!(write_ladder(ladder, &style, &mut out).is_ok());
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn a_huge_hostile_reply_never_breaks_the_grid() {
        let hostile = format!("227 \x1b[2J{}漢字\u{301}", "x".repeat(500));
        for lanes in 2..=4 {
            for unicode in [true, false] {
                let style = ExplainStyle {
                    unicode,
                    ..ExplainStyle::default()
                };
                let text = render(&ladder_with(&hostile, lanes), style);
                assert!(!text.contains('\x1b'), "{text}");
                for l in text.lines() {
                    assert!(l.chars().count() <= 100, "{} wide: {l}", l.chars().count());
                }
                let rows: Vec<&str> = text.lines().filter(|l| l.contains("1.5")).collect();
                assert_eq!(rows.len(), 1, "{text}");
                // The label is cut; the note's number survives the cut.
                assert!(rows[0].contains('…') || rows[0].contains('~'), "{text}");
                assert!(rows[0].contains("(1)"), "{text}");
            }
        }
    }

    #[test]
    fn ascii_style_has_no_byte_over_127() {
        let style = ExplainStyle {
            unicode: false,
            ..ExplainStyle::default()
        };
        let text = render(&ladder_with("227 Entering Passive Mode", 4), style);
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains('X'), "a dropped SYN is crossed out: {text}");
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = render(&ladder_with("227 ok", 2), ExplainStyle::default());
        assert!(!plain.contains('\x1b'));
        let coloured = render(
            &ladder_with("227 ok", 2),
            ExplainStyle {
                color: true,
                ..ExplainStyle::default()
            },
        );
        assert!(coloured.contains("\x1b[31m"));
    }
}
