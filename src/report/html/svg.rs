//! One ladder diagram as inline SVG: lanes as vertical lines, each step an arrow with its
//! label, time down the left. Plain shapes and text only (no ids, no references, no
//! script), so several diagrams on one page cannot collide and nothing is fetched.

use std::fmt::Write as _;

use super::esc;
use crate::report::ladder::{Arrow, Ladder, LaneKind};

const WIDTH: f64 = 880.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = 70.0;
const HEAD: f64 = 58.0;
const ROW: f64 = 30.0;
/// Rough width of one ASCII character of the 12 px label font, for cutting labels to fit.
const CHAR_PX: f64 = 6.6;
/// Rough width of any other character: wide scripts and the replacement character take
/// about twice an ASCII letter, and a label must never run past its arrow.
const WIDE_PX: f64 = 12.5;

fn lane_x(i: usize, n: usize) -> f64 {
    if n <= 1 {
        return LEFT + 60.0;
    }
    LEFT + 60.0 + (WIDTH - LEFT - RIGHT - 120.0) * i as f64 / (n - 1) as f64
}

fn char_px(c: char) -> f64 {
    if c.is_ascii() { CHAR_PX } else { WIDE_PX }
}

/// As much of `text` as fits in `px`, with `…` when something was cut.
fn cut(text: &str, px: f64) -> String {
    let room = px.max(4.0 * CHAR_PX);
    if text.chars().map(char_px).sum::<f64>() <= room {
        return text.to_string();
    }
    let mut used = WIDE_PX;
    let mut s: String = text
        .chars()
        .take_while(|&c| {
            used += char_px(c);
            used <= room
        })
        .collect();
    s.push('…');
    s
}

struct Stroke {
    colour: &'static str,
    width: f64,
    dash: &'static str,
}

fn stroke(arrow: Arrow) -> Stroke {
    let s = |colour, width, dash| Stroke {
        colour,
        width,
        dash,
    };
    match arrow {
        Arrow::Command => s("#1f2937", 1.4, ""),
        Arrow::Reply => s("#4b5563", 1.4, "5 4"),
        Arrow::Connect => s("#2563eb", 2.4, ""),
        Arrow::Dropped | Arrow::Refused => s("#dc2626", 2.4, ""),
        Arrow::Tls => s("#7c3aed", 1.8, "2 3"),
        Arrow::Data => s("#059669", 4.0, ""),
        Arrow::Close => s("#9ca3af", 1.2, "1 3"),
        Arrow::NotDialled => s("#9ca3af", 1.4, "2 4"),
        Arrow::Note => s("#6b7280", 1.0, ""),
    }
}

fn head(svg: &mut String, x: f64, y: f64, rightwards: bool, colour: &str) {
    let d = if rightwards { -9.0 } else { 9.0 };
    let _ = write!(
        svg,
        r#"<polygon points="{x:.1},{y:.1} {:.1},{:.1} {:.1},{:.1}" fill="{colour}"/>"#,
        x + d,
        y - 4.5,
        x + d,
        y + 4.5
    );
}

fn cross(svg: &mut String, x: f64, y: f64, colour: &str) {
    let _ = write!(
        svg,
        r#"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{colour}" stroke-width="2.4"/>"#,
        x - 5.0,
        y - 5.0
    );
}

/// The diagram as an `<svg>` element.
pub(super) fn ladder_svg(ladder: &Ladder) -> String {
    let n = ladder.lanes.len();
    let height = HEAD + ROW * (ladder.steps.len() as f64 + 1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="ladder" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{} ladder diagram" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">"#,
        esc(&ladder.title)
    );
    let _ = write!(
        svg,
        r##"<text x="12" y="{:.1}" fill="#6b7280" font-size="11">ms</text>"##,
        HEAD - 8.0
    );
    for (i, lane) in ladder.lanes.iter().enumerate() {
        let x = lane_x(i, n);
        let (fill, dash) = match lane.kind {
            LaneKind::Middlebox => ("#b45309", "6 4"),
            LaneKind::Advertised => ("#9ca3af", "3 4"),
            _ => ("#374151", ""),
        };
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="18" text-anchor="middle" font-weight="600" fill="{fill}">{}</text><text x="{x:.1}" y="34" text-anchor="middle" fill="#6b7280" font-size="11">{}</text><line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{height:.1}" stroke="{fill}" stroke-width="1.5" stroke-dasharray="{dash}"/>"##,
            esc(&lane.title),
            esc(&lane.addr),
            HEAD - 14.0
        );
    }
    for (row, step) in ladder.steps.iter().enumerate() {
        let y = HEAD + ROW * (row as f64 + 0.75);
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#6b7280" font-size="11" font-variant-numeric="tabular-nums">{:.1}</text>"##,
            LEFT - 10.0,
            y + 4.0,
            step.t_ms
        );
        let note = step.note.map(|n| format!(" ({n})")).unwrap_or_default();
        let (a, b) = (lane_x(step.from, n), lane_x(step.to, n));
        let st = stroke(step.arrow);
        let full = format!("{}{note}", step.label);
        // The label is cut, never the note's number after it.
        let shown = |px: f64| {
            let note_px = note.chars().map(char_px).sum::<f64>();
            format!("{}{note}", cut(&step.label, px - note_px))
        };
        if step.arrow == Arrow::Note || step.from == step.to {
            let room = WIDTH - a - 20.0;
            let _ = write!(
                svg,
                r##"<circle cx="{a:.1}" cy="{y:.1}" r="3.5" fill="{}"/><text x="{:.1}" y="{:.1}" fill="#374151" font-style="italic"><title>{}</title>{}</text>"##,
                st.colour,
                a + 10.0,
                y + 4.0,
                esc(&full),
                esc(&shown(room))
            );
            continue;
        }
        let rightwards = b > a;
        let end = match step.arrow {
            // A SYN nobody answered stops short of where it was going.
            Arrow::Dropped | Arrow::NotDialled => a + (b - a) * 0.78,
            _ => b,
        };
        let _ = write!(
            svg,
            r#"<line x1="{a:.1}" y1="{y:.1}" x2="{end:.1}" y2="{y:.1}" stroke="{}" stroke-width="{}" stroke-dasharray="{}"/>"#,
            st.colour, st.width, st.dash
        );
        match step.arrow {
            Arrow::Dropped | Arrow::NotDialled => cross(&mut svg, end, y, st.colour),
            Arrow::Tls => {
                head(&mut svg, b, y, rightwards, st.colour);
                head(&mut svg, a, y, !rightwards, st.colour);
            }
            _ => head(&mut svg, b, y, rightwards, st.colour),
        }
        let span = (b - a).abs();
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{}"><title>{}</title>{}</text>"#,
            (a + b) / 2.0,
            y - 6.0,
            if st.colour == "#9ca3af" {
                "#6b7280"
            } else {
                st.colour
            },
            esc(&full),
            esc(&shown(span - 16.0))
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_are_cut_sooner_than_ascii() {
        let room = 100.0;
        let ascii = cut(&"x".repeat(100), room);
        let wide = cut(&"\u{fffd}".repeat(100), room);
        assert!(ascii.ends_with('…') && wide.ends_with('…'));
        assert!(
            wide.chars().count() < ascii.chars().count() / 2 + 2,
            "{wide}"
        );
        let width = |s: &str| s.chars().map(char_px).sum::<f64>();
        assert!(width(&ascii) <= room + WIDE_PX && width(&wide) <= room + WIDE_PX);
        assert_eq!(cut("PASV (1)", room), "PASV (1)");
    }

    #[test]
    fn a_long_reply_keeps_its_note_number_in_the_diagram() {
        let ladder = Ladder {
            title: "PASV".to_string(),
            status: crate::report::Status::Ok,
            lanes: ["client", "server"]
                .map(|t| crate::report::ladder::Lane {
                    kind: LaneKind::Client,
                    title: t.to_string(),
                    addr: String::new(),
                })
                .to_vec(),
            steps: vec![crate::report::ladder::Step {
                t_ms: 1.0,
                from: 1,
                to: 0,
                arrow: Arrow::Reply,
                label: format!("227 {}", "\u{fffd}".repeat(300)),
                note: Some(2),
            }],
            notes: Vec::new(),
        };
        let svg = ladder_svg(&ladder);
        assert!(svg.contains("… (2)</text>"), "{svg}");
    }
}
