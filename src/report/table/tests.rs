//! The table printer: what each part says, that it fits the width, and that colour is
//! all-or-nothing.

use super::{TableStyle, clean, comma_list, truncate, wrap, write_table};
use crate::report::{Report, sample};

fn render(report: &Report, style: &TableStyle) -> String {
    let mut out = Vec::new();
    write_table(report, style, &mut out).expect("writing to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

fn plain(report: &Report) -> String {
    render(report, &TableStyle::default())
}

#[track_caller]
fn assert_fits(text: &str, width: usize) {
    let mut in_transcript = false;
    for line in text.lines() {
        // The transcript is verbatim by design; everything above it must fit.
        in_transcript |= line == "control-channel transcript:";
        if !in_transcript {
            let n = line.chars().count();
            assert!(n <= width, "line of {n} > {width} chars:\n{line}\n\n{text}");
        }
    }
}

#[test]
fn default_style_is_plain_and_100_wide() {
    assert_eq!(
        TableStyle::default(),
        TableStyle {
            color: false,
            width: 100
        }
    );
}

#[test]
fn header_names_target_control_banner_login_and_features() {
    let text = plain(&sample::report());
    let head: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        head,
        [
            "target    ftp://127.0.0.1:2121/ → 127.0.0.1:2121",
            "control   peer 127.0.0.1:2121, local 127.0.0.1:40112",
            "banner    (vsFTPd 3.0.3)",
            "login     ok as anonymous; TLS none",
            "features  EPSV, PASV, SIZE, UTF8",
        ]
    );
    // Concurrent and within the deadline: nothing to say about either.
    assert!(!text.contains("strategy"));
    assert!(!text.contains("deadline"));
}

#[test]
fn header_tells_fallback_deadline_resolved_list_and_cuts_long_values() {
    let text = plain(&sample::wide_report());
    assert!(
        text.contains("(2001:db8:1234:5678:9abc:def0:1234:5678, 203.0.113.1)")
            || text.contains("…"),
        "{text}"
    );
    let strategy = text
        .lines()
        .find(|l| l.starts_with("strategy"))
        .expect("a strategy line");
    assert!(
        strategy.starts_with(
            "strategy  modes ran in turn on one connection: the server refused more (421 Too many"
        ),
        "{strategy}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("deadline  hit after 41.0 ms"))
    );
    // Only the banner's first line, cut at the width.
    let banner = text
        .lines()
        .find(|l| l.starts_with("banner"))
        .expect("a banner line");
    assert!(
        banner.ends_with('…') && !text.contains("second line"),
        "{banner}"
    );
    let features = text
        .lines()
        .find(|l| l.starts_with("features"))
        .expect("a features line");
    assert!(features.contains("FEATURE0, FEATURE1"), "{features}");
    assert!(features.ends_with("more)"), "{features}");
}

#[test]
fn mode_rows_say_request_reply_advertised_dials_accepts_and_transfers() {
    let text = plain(&sample::report());
    for needle in [
        "EPSV → 500 Unknown command.",
        "PASV → 227 Entering Passive Mode",
        "10.0.0.5:1025 private", // two lines in its cell
        "10.0.0.5:1025 not dialled (policy)",
        "substitute 127.0.0.1:1025 refused 0.3 ms",
        "accepted from 127.0.0.1:20 in 1.2 ms",
        "LIST: 120 B, 226",
        "no connection in 5.0 s",
        "not attempted: request refused",
        "not started: no data connection",
    ] {
        // Cells wrap, so compare with the table's borders and padding squeezed out.
        let flat = flatten(&text);
        assert!(flat.contains(needle), "missing {needle:?} in\n{text}");
    }
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("│ ")).collect();
    let status_of = |mode: &str| {
        rows.iter()
            .find(|l| l.starts_with(&format!("│ {mode} ")))
            .map(|l| l.trim_end_matches('│').trim_end().rsplit(' ').next())
    };
    assert_eq!(status_of("EPSV"), Some(Some("warn")));
    assert_eq!(status_of("PASV"), Some(Some("fail")));
    assert_eq!(status_of("EPRT"), Some(Some("ok")));
    assert_eq!(status_of("PORT"), Some(Some("fail")));
}

/// The text of each table cell, in reading order, with wrapped lines joined: row lines
/// are split at the `│` borders and each column's pieces are glued back together.
fn flatten(text: &str) -> String {
    let mut cells: Vec<String> = Vec::new();
    let mut flat = String::new();
    for line in text.lines() {
        if line.starts_with('│') {
            // UTF8_FULL: `│` outside, `┆` between columns.
            let parts: Vec<&str> = line.trim_matches('│').split('┆').map(str::trim).collect();
            cells.resize(parts.len(), String::new());
            for (cell, part) in cells.iter_mut().zip(parts) {
                if !part.is_empty() {
                    if !cell.is_empty() {
                        cell.push(' ');
                    }
                    cell.push_str(part);
                }
            }
        } else {
            for cell in cells.drain(..) {
                flat.push_str(&cell);
                flat.push_str(" | ");
            }
            flat.push_str(line);
            flat.push('\n');
        }
    }
    flat
}

#[test]
fn skipped_mode_shows_its_reason_and_interrupted_mode_its_stage() {
    let text = plain(&sample::wide_report());
    let flat = flatten(&text);
    assert!(
        flat.contains("skipped: carries only IPv4 addresses (RFC 959); EPSV/EPRT serve IPv6"),
        "{text}"
    );
    assert!(flat.contains("deadline hit at request"), "{text}");
    assert!(flat.contains("timeout after 5.0 s"), "{text}");
    assert!(flat.contains("failed: 426 Connection closed"), "{text}");
}

#[test]
fn four_modes_with_ipv6_and_long_replies_fit_in_100_columns() {
    let text = plain(&sample::wide_report());
    assert_fits(&text, 100);
    // The long parts are really there, wrapped or cut, not dropped.
    assert!(text.contains("2001:db8:1234:5678"), "{text}");
    assert!(text.lines().filter(|l| l.starts_with("│ ")).count() >= 4);
}

#[test]
fn narrower_widths_are_respected_too() {
    for width in [80, 72] {
        let style = TableStyle {
            color: false,
            width,
        };
        assert_fits(&render(&sample::wide_report(), &style), usize::from(width));
    }
}

#[test]
fn findings_most_severe_first_with_wrapped_details() {
    let mut report = sample::report();
    report.findings[2].evidence = "word ".repeat(60);
    let text = plain(&report);
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("ERROR") || l.starts_with("WARN") || l.starts_with("INFO"))
        .collect();
    assert_eq!(
        heads,
        [
            "ERROR pasv-private-address (pasv): pasv-private-address happened",
            "ERROR active-connect-timeout (port): active-connect-timeout happened",
            "WARN epsv-unsupported (epsv): epsv-unsupported happened",
            "INFO client-behind-nat: client-behind-nat happened",
        ]
    );
    let evidence: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  evidence:  word"))
        .take_while(|l| l.starts_with("  evidence:") || l.starts_with("             word"))
        .collect();
    assert!(evidence.len() >= 3, "wrapped over lines: {evidence:?}");
    assert!(text.contains("  fix:       the fix for pasv-private-address"));
    assert!(text.contains("  reference: RFC 959 4.1.2"));
    assert_fits(&text, 100);
}

#[test]
fn verdict_counts_findings_by_severity() {
    let text = plain(&sample::report());
    assert!(
        text.lines()
            .any(|l| l == "verdict: fail (2 errors, 1 warning, 1 info)"),
        "{text}"
    );

    let mut ok = sample::report();
    ok.findings
        .retain(|f| f.severity == crate::diagnose::Severity::Info);
    ok.verdict = crate::report::Verdict::Ok;
    let text = plain(&ok);
    assert!(
        text.ends_with("verdict: ok — all selected modes work (1 info)\n"),
        "{text}"
    );
}

#[test]
fn transcript_only_when_asked_for() {
    assert!(!plain(&sample::report()).contains("transcript"));
    let text = plain(&sample::wide_report());
    assert!(text.ends_with(
        "control-channel transcript:\n\
         [control] > USER anonymous\n\
         [control] < 230 Login successful.\n"
    ));
}

#[test]
fn without_colour_there_is_no_escape_byte_even_from_a_hostile_server() {
    let mut report = sample::wide_report();
    report.control.banner = Some("\x1b[2J\x1b]0;pwned\x07 hello \u{9b}31m".to_string());
    if let Some(reply) = &mut report.modes[0].outcome.reply {
        reply.text = "Entering\x1b[31m Extended Passive Mode (|||50002|)".to_string();
    }
    report.findings[0].evidence = "quoted \x1b[1mreply\x1b[0m".to_string();
    if let Some(t) = &mut report.transcript {
        t[1].line = "230 \x1b[5mblink".to_string();
    }
    let text = plain(&report);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(!text.contains('\u{9b}'), "{text:?}");
    assert!(text.contains("\\u{1b}[2J"), "shown escaped: {text}");
}

#[test]
fn with_colour_status_severity_and_verdict_are_painted() {
    let style = TableStyle {
        color: true,
        width: 100,
    };
    let text = render(&sample::report(), &style);
    assert!(text.contains("\x1b[1;31mERROR\x1b[0m pasv-private-address"));
    assert!(text.contains("\x1b[1;33mWARN\x1b[0m epsv-unsupported"));
    assert!(text.contains("verdict: \x1b[1;31mfail\x1b[0m (2 errors"));
    // comfy-table paints the status cells itself.
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("│ EPRT ")).collect();
    assert!(rows.iter().any(|l| l.contains('\x1b')), "{rows:?}");
}

#[test]
fn wrap_breaks_at_words_keeps_line_breaks_and_cuts_long_words() {
    assert_eq!(
        wrap("one two three four", 12, "> ", "  "),
        ["> one two", "  three four"]
    );
    assert_eq!(wrap("a\nb", 80, "> ", "  "), ["> a", "  b"]);
    assert_eq!(
        wrap("[2001:db8::1234:5678]:50002", 12, "> ", "  "),
        ["> [2001:db8:", "  :1234:5678", "  ]:50002"]
    );
    assert_eq!(wrap("", 10, "> ", "  "), ["> "]);
    // A prefix as wide as the line still makes progress, one character at a time.
    assert_eq!(wrap("ab", 2, "> ", "  "), ["> a", "  b"]);
}

#[test]
fn truncate_counts_characters_and_stops_at_a_line_break() {
    assert_eq!(truncate("short", 10), "short");
    assert_eq!(truncate("exactly10!", 10), "exactly10!");
    assert_eq!(truncate("exactly 11!", 10), "exactly 1…");
    assert_eq!(truncate("→→→→→", 3), "→→…");
    assert_eq!(truncate("first\nsecond", 80), "first…");
}

#[test]
fn comma_list_says_how_many_did_not_fit() {
    let items: Vec<String> = ["EPSV", "PASV", "SIZE", "UTF8"].map(String::from).to_vec();
    assert_eq!(comma_list(&items, 80), "EPSV, PASV, SIZE, UTF8");
    assert_eq!(comma_list(&items, 22), "EPSV, PASV, SIZE, UTF8");
    assert_eq!(comma_list(&items, 21), "EPSV, … (+3 more)");
    assert_eq!(comma_list(&items, 5), "… (+4 more)");
    assert_eq!(comma_list(&[], 80), "none");
}

#[test]
fn clean_escapes_control_characters_but_keeps_line_breaks() {
    assert_eq!(clean("plain"), "plain");
    assert_eq!(clean("a\x1bb"), "a\\u{1b}b");
    assert_eq!(clean("a\r\nb\tc"), "a\\r\nb\\tc");
}
