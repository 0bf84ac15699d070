//! The table printer: what each part says, that it fits the width, and that colour is
//! all-or-nothing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::cells::short_reply;
use super::{TableStyle, write_table};
use crate::addr::AddrClass;
use crate::diagnose::{Finding, FindingId, Severity};
use crate::probe::record::{Advertised, DialRecord, DialResult, DialWhy, Mode, ReplyRecord};
use crate::report::text::{clean, comma_list, truncate, truncate_words, wrap};
use crate::report::{Report, Status, Verdict, sample};
use crate::timeline::Event;

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
        in_transcript |= line == "control-channel transcript:"
            || line == "timeline (ms from the start of the probe):";
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
            width: 100,
            verbose: false,
            glyphs: super::Glyphs::UNICODE,
            timeline: super::TimelineView::Time,
            conversation: false,
        }
    );
}

#[test]
fn header_names_target_control_banner_login_and_features() {
    let text = plain(&sample::report());
    let head: Vec<&str> = text.lines().take(6).collect();
    assert_eq!(
        head,
        [
            "target    ftp://127.0.0.1:2121/ → 127.0.0.1:2121",
            "control   peer 127.0.0.1:2121, local 127.0.0.1:40112",
            "banner    (vsFTPd 3.0.3)",
            "tls       off (--tls off)",
            "login     ok as anonymous",
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
        // Only the address part of a 227: the whole reply is in the evidence.
        "PASV → 227 (10,0,0,5,4,1)",
        "EPRT |1|127.0.0.1|40000| → 200 EPRT command successful.",
        "PORT 127,0,0,1,156,65 → 200 PORT command successful…",
        "10.0.0.5:1025 private", // two lines in its cell
        "10.0.0.5:1025 not dialled (policy)",
        "substitute 127.0.0.1:1025 refused 0.3 ms",
        "accepted from 127.0.0.1:20 in 1.2 ms",
        "LIST → 226 120 B", // two lines in its cell
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
    let head = text
        .lines()
        .find(|l| l.starts_with("│ Mode"))
        .expect("a header row");
    assert!(head.contains(" ms ┆"), "{head}");
    assert!(!text.contains("Time (ms)"), "{text}");
}

/// How many lines each mode's row takes, in order.
fn row_heights(text: &str) -> Vec<usize> {
    let mut heights = Vec::new();
    let mut in_body = false;
    for line in text.lines() {
        if line.starts_with('╞') {
            in_body = true;
            heights.push(0);
        } else if in_body && line.starts_with('├') {
            heights.push(0);
        } else if line.starts_with('└') {
            in_body = false;
        } else if in_body
            && line.starts_with('│')
            && let Some(h) = heights.last_mut()
        {
            *h += 1;
        }
    }
    heights
}

fn reply(code: u16, text: &str) -> ReplyRecord {
    ReplyRecord {
        code,
        text: text.to_string(),
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}

/// Every mode works, with the replies real servers send: the table people see most.
fn healthy() -> Report {
    let mut r = sample::report();
    r.findings.clear();
    r.verdict = Verdict::Ok;
    let accept = r.modes[2].outcome.accept.clone();
    let transfer = r.modes[2].outcome.transfer.clone();
    for m in &mut r.modes {
        m.status = Status::Ok;
        let o = &mut m.outcome;
        o.transfer = transfer.clone();
        match o.mode {
            Mode::Epsv => {
                o.reply = Some(reply(229, "Entering Extended Passive Mode (|||39767|)"));
                o.dials = vec![DialRecord {
                    proxy: None,
                    addr: loopback(39767),
                    why: DialWhy::Epsv,
                    outcome: DialResult::Connected,
                    elapsed: Duration::from_micros(400),
                    error: None,
                    cut: None,
                }];
            }
            Mode::Pasv => {
                o.reply = Some(reply(227, "Entering Passive Mode (127,0,0,1,178,105)."));
                o.advertised = Some(Advertised {
                    ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    port: 45673,
                    class: AddrClass::Loopback,
                });
                o.dials = vec![DialRecord {
                    proxy: None,
                    addr: loopback(45673),
                    why: DialWhy::Advertised,
                    outcome: DialResult::Connected,
                    elapsed: Duration::from_micros(300),
                    error: None,
                    cut: None,
                }];
            }
            Mode::Eprt => {
                o.request = Some("EPRT |1|127.0.0.1|41653|".to_string());
                o.reply = Some(reply(200, "EPRT command successful. Consider using EPSV."));
            }
            Mode::Port => {
                o.request = Some("PORT 127,0,0,1,162,183".to_string());
                o.reply = Some(reply(200, "PORT command successful. Consider using PASV."));
                o.accept = accept.clone();
            }
        }
    }
    r
}

#[test]
fn healthy_rows_take_at_most_three_lines_at_100_columns() {
    let text = plain(&healthy());
    let heights = row_heights(&text);
    assert_eq!(heights.len(), 4, "{text}");
    assert!(heights.iter().all(|&h| h <= 3), "{heights:?}\n{text}");
    let flat = flatten(&text);
    for needle in [
        "EPSV → 229 (|||39767|)",
        "PASV → 227 (127,0,0,1,178,105)",
        "EPRT |1|127.0.0.1|41653| → 200 EPRT command successful…",
        "PORT 127,0,0,1,162,183 → 200 PORT command successful…",
    ] {
        assert!(flat.contains(needle), "missing {needle:?} in\n{text}");
    }
    // What was sent stays on one line, and no address is cut in two.
    for whole in [
        "EPRT |1|127.0.0.1|41653|",
        "127.0.0.1:45673",
        "127.0.0.1:39767",
    ] {
        assert!(text.lines().any(|l| l.contains(whole)), "{whole}\n{text}");
    }
}

#[test]
fn pasv_and_epsv_replies_shrink_to_their_parenthesised_part() {
    assert_eq!(
        short_reply(&reply(227, "Entering Passive Mode (10,0,0,5,178,105).")),
        "227 (10,0,0,5,178,105)"
    );
    assert_eq!(
        short_reply(&reply(229, "Entering Extended Passive Mode (|||39767|)")),
        "229 (|||39767|)"
    );
    // A multi-line reply: its last line, as the reply's Display shows it.
    assert_eq!(
        short_reply(&reply(
            227,
            "Passive mode on.\nEntering Passive Mode (127,0,0,1,4,1)"
        )),
        "227 (127,0,0,1,4,1)"
    );
    // Garbage between the parentheses is what the user needs to see.
    assert_eq!(
        short_reply(&reply(227, "Entering Passive Mode (ftp,example,com,1,2)")),
        "227 (ftp,example,com,1,2)"
    );
    // Cleaned like all server text.
    assert_eq!(
        short_reply(&reply(229, "Entering (|||5\x1b[31m0002|)")),
        "229 (|||5\\u{1b}[31m0002|)"
    );
}

#[test]
fn pasv_reply_without_parentheses_is_cut_at_28_characters() {
    // RFC 959 does not require the parentheses, and some servers leave them out.
    assert_eq!(
        short_reply(&reply(227, "Entering Passive Mode 10,0,0,5,178,105")),
        "227 Entering Passive Mode…"
    );
    // An unclosed parenthesis is no parenthesised part.
    assert_eq!(
        short_reply(&reply(229, "Entering Extended Passive Mode (|||39767")),
        "229 Entering Extended Passive…"
    );
}

#[test]
fn other_replies_keep_their_code_and_28_characters_of_text() {
    assert_eq!(
        short_reply(&reply(500, "Illegal PORT command.")),
        "500 Illegal PORT command."
    );
    let long = short_reply(&reply(
        500,
        "Illegal PORT command: the address is not the control connection's peer.",
    ));
    assert_eq!(long, "500 Illegal PORT command: the…");
    assert!(long.chars().count() <= "500 ".len() + 28, "{long}");
    assert_eq!(
        short_reply(&reply(200, "PORT command successful. Consider using PASV.")),
        "200 PORT command successful…"
    );
    assert_eq!(short_reply(&reply(200, "")), "200");
}

#[test]
fn long_500_reply_in_the_table_is_short_and_whole_in_the_evidence() {
    let mut report = sample::report();
    let text = "Illegal PORT command: the address is not the control connection's peer.";
    report.modes[3].outcome.reply = Some(reply(500, text));
    report.findings[3].evidence = format!("\"PORT 127,0,0,1,156,65\" was answered \"500 {text}\"");
    let out = plain(&report);
    assert!(
        flatten(&out).contains("PORT 127,0,0,1,156,65 → 500 Illegal PORT command: the…"),
        "{out}"
    );
    // The findings quote the reply whole (wrapped), so nothing is lost.
    let evidence: String = out
        .lines()
        .skip_while(|l| !l.starts_with("  evidence:  \"PORT"))
        .take_while(|l| l.starts_with("  evidence:") || l.starts_with("             "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(evidence.contains(text), "{out}");
    assert_fits(&out, 100);
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
        flat.contains("PASV | IPv4 only | — | — | — | — | skipped"),
        "{text}"
    );
    // One line, in the wide layout and the compact one.
    for width in [100, 80] {
        let style = TableStyle {
            width,
            ..TableStyle::default()
        };
        let text = render(&sample::wide_report(), &style);
        let row = text.lines().position(|l| l.starts_with("│ PASV")).unwrap();
        let next = text.lines().nth(row + 1).unwrap_or_default();
        assert!(!next.starts_with("│ "), "{text}");
    }
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
            ..TableStyle::default()
        };
        assert_fits(&render(&sample::wide_report(), &style), usize::from(width));
    }
}

#[test]
fn findings_root_causes_first_symptoms_nested_with_wrapped_details() {
    let mut report = sample::report();
    // The order Report::new gives: the NAT and the active timeout it explains, then
    // the private 227, then the EPSV warning.
    assert_eq!(report.findings[2].id, FindingId::PasvPrivateAddress);
    report.findings[2].evidence = "word ".repeat(60);
    let text = plain(&report);
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["ERROR", "WARN", "INFO", "↳"]
                .iter()
                .any(|w| l.starts_with(w))
        })
        .collect();
    assert_eq!(
        heads,
        [
            "INFO client-behind-nat: client-behind-nat happened",
            "↳ ERROR active-connect-timeout (port): active-connect-timeout happened",
            "ERROR pasv-private-address (pasv): pasv-private-address happened",
            "WARN epsv-unsupported (epsv): epsv-unsupported happened",
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
    // The symptom shows its evidence, indented under its cause, and no fix of its own.
    assert!(text.contains("    evidence:  the evidence for active-connect-timeout"));
    assert!(
        !text.contains("the fix for active-connect-timeout"),
        "{text}"
    );
    assert_fits(&text, 100);
}

fn finding(id: FindingId, severity: Severity, mode: Option<Mode>, fix: &str) -> Finding {
    Finding {
        fix: fix.to_string(),
        reference: format!("the reference for {id}"),
        ..sample::finding(id, severity, mode)
    }
}

#[test]
fn a_fix_printed_above_is_referred_to_not_repeated() {
    let timeout = "open the passive port range in the server's firewall";
    let pasv = "set the server's public address for passive mode";
    let nat = "forward the data ports on the client's NAT";
    let (findings, summary) = sample::grouped(vec![
        finding(
            FindingId::SubstituteAddressWorks,
            Severity::Info,
            Some(Mode::Pasv),
            pasv,
        ),
        finding(
            FindingId::DataConnectTimeout,
            Severity::Error,
            Some(Mode::Epsv),
            timeout,
        ),
        finding(
            FindingId::DataConnectTimeout,
            Severity::Error,
            Some(Mode::Pasv),
            timeout,
        ),
        finding(
            FindingId::PasvPrivateAddress,
            Severity::Error,
            Some(Mode::Pasv),
            pasv,
        ),
        finding(FindingId::ClientBehindNat, Severity::Info, None, nat),
        finding(FindingId::ConnectionLimit, Severity::Info, None, nat),
    ]);
    let report = Report {
        findings,
        waived: Vec::new(),
        summary,
        ..sample::report()
    };
    let verbose = TableStyle {
        verbose: true,
        ..TableStyle::default()
    };
    let text = render(&report, &verbose);
    let fixes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("fix:"))
        .map(str::trim)
        .collect();
    // The private 227 leads; the PASV timeout (dialling it) and the substitute sit under
    // it; the EPSV timeout stands alone; then the infos.
    assert_eq!(
        fixes,
        [
            "set the server's public address for passive mode",
            "open the passive port range in the server's firewall",
            "as for pasv-private-address (pasv) above",
            "as for data-connect-timeout (pasv) above",
            "forward the data ports on the client's NAT",
            "as for client-behind-nat above",
        ],
        "{text}"
    );
    // Evidence and reference stay with every finding.
    assert_eq!(text.matches("evidence:  the evidence for").count(), 6);
    assert_eq!(text.matches("reference: the reference for").count(), 6);
    assert!(text.contains("evidence:  the evidence for substitute-address-works"));
}

#[test]
fn without_verbose_symptoms_show_evidence_and_lone_infos_their_short_fix() {
    let (findings, summary) = sample::grouped(vec![
        finding(
            FindingId::PasvPrivateAddress,
            Severity::Error,
            Some(Mode::Pasv),
            "x",
        ),
        finding(
            FindingId::SubstituteAddressWorks,
            Severity::Info,
            Some(Mode::Pasv),
            "x",
        ),
        finding(
            FindingId::TlsUnavailable,
            Severity::Info,
            None,
            "a long fix",
        ),
    ]);
    let report = Report {
        findings,
        waived: Vec::new(),
        summary,
        ..sample::report()
    };
    let text = plain(&report);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("INFO tls-unavailable"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(block.len(), 3, "{text}");
    let words: Vec<&str> = block[1..]
        .iter()
        .flat_map(|l| l.split_whitespace())
        .collect();
    assert!(words.join(" ").contains("--tls off"), "{block:?}");
    assert!(!text.contains("a long fix"), "{text}");
    assert!(text.contains("(-v: every finding's evidence"), "{text}");
}

#[test]
fn different_fixes_are_all_printed() {
    let verbose = TableStyle {
        verbose: true,
        ..TableStyle::default()
    };
    let text = render(&sample::report(), &verbose);
    assert!(!text.contains("as for"), "{text}");
    assert_eq!(text.matches("fix:       the fix for").count(), 4);
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
    let (findings, mut summary) = sample::grouped(ok.findings);
    summary.works = Mode::ALL.to_vec();
    (summary.warns, summary.fails) = (Vec::new(), Vec::new());
    (ok.findings, ok.summary) = (findings, summary);
    let text = plain(&ok);
    assert!(
        text.ends_with("verdict: ok — all four modes work (1 info)\n"),
        "{text}"
    );
}

#[test]
fn transcript_only_when_asked_for() {
    assert!(!plain(&sample::report()).contains("transcript"));
    assert!(!plain(&sample::report()).contains("timeline"));
    let mut report = sample::wide_report();
    let text = plain(&report);
    assert!(
        text.ends_with(
            "timeline (ms from the start of the probe):\n     \
             0.2 ms  [control-1 control] connect → 127.0.0.1:2121\n     \
             0.4 ms  [control-1 control] connected (local 127.0.0.1:40112)\n     \
             1.2 ms  [control-1 control] > PASS ****\n     \
             2.0 ms  [control-1 epsv] < 229 Entering Extended Passive Mode (|||50002|)\n  \
             5002.3 ms  [data-epsv] no answer to the connect after 5000 ms\n  \
             5004.6 ms  [control-1 control] closed by us (FIN)\n"
        ),
        "{text}"
    );
    // A report without a timeline (an older probe's) still prints the transcript.
    report.timeline.clear();
    let text = plain(&report);
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
    // Inside the parentheses, which the table shows, and in a reply it shows cut.
    if let Some(reply) = &mut report.modes[0].outcome.reply {
        reply.text = "Entering\x1b[31m Extended Passive Mode (|||50\x1b[5m002|)".to_string();
    }
    if let Some(reply) = &mut report.modes[2].outcome.reply {
        reply.text = "\x1b[2JEPRT command successful.".to_string();
    }
    report.findings[0].evidence = "quoted \x1b[1mreply\x1b[0m".to_string();
    if let Some(t) = &mut report.transcript {
        t[1].line = "230 \x1b[5mblink".to_string();
    }
    if let Some(Event::Reply { text, .. }) = report.timeline.get_mut(3).map(|e| &mut e.event) {
        *text = "Entering \x1b]0;pwned\x07 mode".to_string();
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
        ..TableStyle::default()
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
fn truncate_words_cuts_between_words_and_keeps_the_ellipsis_on_the_last() {
    assert_eq!(truncate_words("short", 28), "short");
    assert_eq!(
        truncate_words("PORT command successful. Consider using PASV.", 28),
        "PORT command successful…"
    );
    // Cut right before a space: the last word is whole already.
    assert_eq!(truncate_words("abcd efgh ijkl", 10), "abcd efgh…");
    // One long token is cut mid-way rather than reduced to a stub.
    assert_eq!(truncate_words("a 0123456789abcdef", 10), "a 0123456…");
    assert_eq!(truncate_words("first\nsecond", 80), "first…");
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

#[test]
fn tls_off_is_not_claimed_when_tls_was_never_reached() {
    let mut report = sample::report();
    report.control.error = Some(crate::probe::StepError {
        stage: crate::probe::Stage::Connect,
        kind: crate::probe::ErrorKind::Io,
        detail: "Connection refused (os error 111)".to_string(),
        reply: None,
        frame: None,
        cut: None,
        cause: None,
    });
    let text = plain(&report);
    let tls = text
        .lines()
        .find(|l| l.starts_with("tls "))
        .unwrap_or_default();
    assert!(tls.contains("not reached"), "{text}");
    assert!(!text.contains("--tls off"), "{text}");
    // A session that went on without a TLS record did run with --tls off.
    let text = plain(&sample::report());
    assert!(text.contains("tls       off (--tls off)"), "{text}");
}

#[test]
fn cert_line_keeps_not_verified_visible_at_80_columns() {
    let mut report = sample::report();
    let mut tls = crate::probe::TlsRecord::new(crate::probe::TlsMode::Explicit);
    tls.certificate = Some(crate::probe::CertRecord {
        subject: format!("CN={}", "long-name.".repeat(12)),
        issuer: "CN=Some Very Long Intermediate Certificate Authority Name G2".to_string(),
        not_before: std::time::SystemTime::UNIX_EPOCH,
        not_after: std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000),
        days_left: 90,
        names: Vec::new(),
    });
    report.control.tls_details = Some(tls);
    let style = TableStyle {
        width: 80,
        ..TableStyle::default()
    };
    let text = render(&report, &style);
    let cert = text
        .lines()
        .find(|l| l.starts_with("cert "))
        .unwrap_or_default();
    assert!(cert.contains("not verified (--insecure)"), "{text}");
    assert_fits(&text, 80);
}

#[test]
fn header_lines_wrap_with_a_hanging_indent_where_the_key_number_is() {
    let mut report = sample::report();
    let mut s = crate::probe::record::SampleOutcome::new("EPSV", 16);
    s.summary = "12 of 16 sampled ports reachable; 23080–23081 filtered; 23090–23091 refused \
                 (ports seen 23078–23093)"
        .to_string();
    report.sample = Some(s);
    report.interrupted = true;
    report.elapsed_ms = 29_899.787;
    for width in [60u16, 80, 120] {
        let style = TableStyle {
            width,
            ..TableStyle::default()
        };
        let text = render(&report, &style);
        assert_fits(&text, usize::from(width));
        let header: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        let joined = header
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.contains("(ports seen 23078–23093)"), "{text}");
        assert!(
            joined.contains("interrupted (Ctrl-C) after 29.9 s"),
            "{text}"
        );
        for l in &header {
            let label = l.split_whitespace().next().unwrap_or("");
            assert!(
                !(l.ends_with('…') && ["ports", "stopped"].contains(&label)),
                "{l}"
            );
        }
        // Continuation lines hang under the value, not under the label.
        let ports = header
            .iter()
            .position(|l| l.starts_with("ports "))
            .unwrap_or_else(|| panic!("{text}"));
        if let Some(next) = header.get(ports + 1).filter(|l| !l.starts_with("size")) {
            assert!(next.starts_with("          ") || width >= 120, "{text}");
        }
    }
}
