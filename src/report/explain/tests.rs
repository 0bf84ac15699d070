//! Unit tests of the terminal ladder: widths, hostile text, ASCII, colour.
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
fn ladders_follow_the_width_from_60_to_200_with_words_above_the_arrow_below_100() {
    let ladder = ladder_with("227 Entering Passive Mode (10,0,0,5,195,82).", 4);
    for (asked, fits) in [
        (40, 60),
        (60, 60),
        (80, 80),
        (99, 99),
        (100, 100),
        (250, 200),
    ] {
        let style = ExplainStyle {
            width: asked,
            ..ExplainStyle::default()
        };
        let text = render(&ladder, style);
        let widest = text.lines().map(|l| l.chars().count()).max();
        assert!(widest <= Some(fits), "{asked}: {widest:?}\n{text}");
        let reply_row = text.lines().position(|l| l.contains("227 Entering"));
        let Some(reply_row) = reply_row else {
            panic!("{asked}: no reply row\n{text}");
        };
        let arrow_row = text.lines().position(|l| l.contains('◀'));
        if fits < 100 {
            // The words on their own line (whole where the width allows), the arrow
            // under them.
            assert!(
                fits < 80 || text.contains("227 Entering Passive Mode (10,0,0,5,195,82). (1)"),
                "{text}"
            );
            assert_eq!(arrow_row, Some(reply_row + 1), "{text}");
        } else {
            assert_eq!(arrow_row, Some(reply_row), "{text}");
        }
    }
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
