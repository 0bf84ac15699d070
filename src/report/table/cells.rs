//! The text of the mode table's cells: request and reply, advertised address, data
//! connection, transfer. Each cell is kept short enough that a row of four modes stays a
//! few lines tall at 100 columns; what a cell leaves out is in the evidence of the
//! findings about it and in the JSON report.

use crate::probe::record::{
    AcceptResult, Cut, CutBy, DialRecord, DialResult, DialWhy, ErrorKind, ModeOutcome, ReplyRecord,
    Stage, StepError, TransferResult,
};
use crate::wire::ms;

use crate::report::text::{bytes, clean, human_ms, truncate, truncate_words};

/// A reply quoted outside the mode table's request cell (header, transfer, errors) is
/// cut here: the whole text is in the JSON report and in the findings' evidence, and a
/// long 226 text would squeeze the other columns.
const REPLY_CHARS: usize = 60;
/// The text after the code in the request cell's reply. Long enough for the usual
/// "Illegal PORT command." and for any standard `(h1,h2,h3,h4,p1,p2)`.
const SHORT_REPLY_CHARS: usize = 28;
/// A request (`EPRT |2|…|`) or transfer command (`LIST /long/path/`) in a cell.
const COMMAND_CHARS: usize = 50;
/// An error text in a cell.
const DETAIL_CHARS: usize = 80;

/// `REQUEST → reply`, the reply abbreviated by [`short_reply`]. The request is shown in
/// full (up to [`COMMAND_CHARS`]): the address in a PORT or EPRT is the point of the row.
pub(super) fn request_cell(o: &ModeOutcome) -> String {
    let Some(request) = &o.request else {
        return "—".to_string();
    };
    let request = truncate(&clean(request), COMMAND_CHARS);
    match (&o.reply, &o.error) {
        (Some(reply), _) => format!("{request} → {}", short_reply(reply)),
        (None, Some(err)) => format!("{request} → no reply ({})", kind_words(err.kind)),
        (None, None) => format!("{request} → no reply"),
    }
}

/// A reply as the request cell shows it: the code, then for 227/229 only the part in
/// parentheses (the address or port, which is what the row is about) and otherwise the
/// text cut at [`SHORT_REPLY_CHARS`]. Quoting whole replies made every row 5–7 lines
/// tall, and nothing is lost by cutting them: a finding about a reply quotes it whole in
/// its evidence, and the JSON report (and `--transcript`) has every reply in full.
pub(super) fn short_reply(reply: &ReplyRecord) -> String {
    // The last line of a multi-line reply, as `ReplyRecord`'s Display shows it: the
    // earlier ones are the server's chatter.
    let line = reply.text.lines().last().unwrap_or("");
    let text = match reply.code {
        227 | 229 => parenthesised(line).unwrap_or(line),
        _ => line,
    };
    let text = truncate_words(&clean(text), SHORT_REPLY_CHARS);
    if text.is_empty() {
        reply.code.to_string()
    } else {
        format!("{} {text}", reply.code)
    }
}

/// `(…)` with its parentheses, the first such group in `line`.
fn parenthesised(line: &str) -> Option<&str> {
    let open = line.find('(')?;
    let close = open + line[open..].find(')')?;
    Some(&line[open..=close])
}

pub(super) fn advertised_cell(o: &ModeOutcome) -> String {
    match &o.advertised {
        // Two lines: the column then needs only an address's width, not address + class.
        Some(a) => format!(
            "{}\n{}",
            std::net::SocketAddr::new(a.ip, a.port),
            a.class.as_str()
        ),
        None => "—".to_string(),
    }
}

pub(super) fn data_cell(o: &ModeOutcome) -> String {
    if let Some(why) = &o.skipped {
        return format!("skipped: {}", clean(&why.text));
    }
    if o.mode.is_passive() {
        if o.dials.is_empty() {
            return "—".to_string();
        }
        return o.dials.iter().map(dial_line).collect::<Vec<_>>().join("\n");
    }
    match &o.accept {
        Some(a) => match a.outcome {
            AcceptResult::Accepted => {
                let from = a.from.map(|f| format!(" from {f}")).unwrap_or_default();
                let when = if a.during_request {
                    format!(" (during {})", o.mode.as_str().to_uppercase())
                } else {
                    String::new()
                };
                format!("accepted{from} in {}{when}", human_ms(ms(&a.elapsed)))
            }
            AcceptResult::Timeout => format!(
                "no connection in {}{}",
                human_ms(ms(&a.elapsed)),
                cut_words(a.cut)
            ),
            AcceptResult::Failed => {
                format!("our listener failed after {}", human_ms(ms(&a.elapsed)))
            }
        },
        // An active mode that never got as far as waiting: say why if we could not listen.
        None => match &o.error {
            Some(err) if err.stage == Stage::Accept => truncate(&clean(&err.detail), DETAIL_CHARS),
            None if crate::diagnose::not_exercised(o) => {
                "not exercised: the server refused the path before connecting back".to_string()
            }
            _ => "—".to_string(),
        },
    }
}

fn dial_line(d: &DialRecord) -> String {
    let addr = match d.why {
        DialWhy::ControlPeerSubstitute => format!("substitute {}", d.addr),
        DialWhy::Advertised | DialWhy::Epsv => d.addr.to_string(),
    };
    let took = human_ms(ms(&d.elapsed));
    match d.outcome {
        DialResult::Connected => format!("{addr} connected {took}"),
        DialResult::Refused => format!("{addr} refused {took}"),
        // A wait someone else ended is no timeout: say how long it went unanswered.
        DialResult::Timeout if d.cut.is_some() => {
            format!("{addr} no answer in {took}{}", cut_words(d.cut))
        }
        DialResult::Timeout => format!("{addr} timeout after {took}"),
        DialResult::Unreachable => format!("{addr} unreachable {took}"),
        DialResult::SkippedPolicy => format!("{addr} not dialled (policy)"),
    }
}

/// ` (cut by Ctrl-C)` or ` (cut by --deadline)` after a wait that was cut short.
fn cut_words(cut: Option<Cut>) -> String {
    cut.map(|c| format!(" (cut by {})", c.by.words()))
        .unwrap_or_default()
}

pub(super) fn transfer_cell(o: &ModeOutcome) -> String {
    if o.skipped.is_some() {
        return "—".to_string();
    }
    let mut cell = match &o.transfer {
        Some(t) => {
            let after = if t.bytes > 0 {
                format!(" after {}", bytes(t.bytes))
            } else {
                String::new()
            };
            match t.outcome {
                // Read like the request cell, what was sent and then what came back, and
                // the byte count on a line of its own: wrapped by the table, `LIST: 63 B,
                // 226` came out as `LIST: 63` / `B, 226` in a narrow column.
                TransferResult::Ok => {
                    let command = truncate(&clean(&t.command), COMMAND_CHARS);
                    match &t.final_reply {
                        Some(r) => format!("{command} → {}\n{}", r.code, bytes(t.bytes)),
                        None => format!("{command}\n{}", bytes(t.bytes)),
                    }
                }
                TransferResult::Failed => match (&t.final_reply, &t.error) {
                    (Some(reply), _) => format!("failed: {}{after}", reply_text(reply)),
                    (None, Some(err)) => {
                        format!("failed: {}{after}", truncate(&clean(err), DETAIL_CHARS))
                    }
                    (None, None) => format!("failed{after}"),
                },
                TransferResult::Timeout => match t.stalled_at {
                    Some(stage) => format!("timeout at {stage}{after}"),
                    None => format!("timeout{after}"),
                },
            }
        }
        None => match &o.error {
            Some(err) => step_error(err),
            None if o.reply.as_ref().is_some_and(|r| r.code >= 400) => {
                "not attempted: request refused".to_string()
            }
            None if o.request.is_some() && !connected(o) => {
                "not started: no data connection".to_string()
            }
            None => "—".to_string(),
        },
    };
    // Under PROT P: whether the data connection's own handshake resumed the session.
    if let Some(tls) = o.transfer.as_ref().and_then(|t| t.tls.as_ref()) {
        cell.push_str(match (tls.ok, tls.resumed) {
            (true, true) => "\nTLS resumed",
            (true, false) => "\nTLS new session",
            (false, _) => "\nTLS failed",
        });
    }
    if let Some(stage) = o.interrupted {
        let what = match o.cut.map(|c| c.by) {
            Some(CutBy::Interrupt) => "interrupted",
            _ => "deadline hit",
        };
        cell.push_str(&format!("\n{what} at {stage}"));
    }
    cell
}

/// Whether the mode got a data connection, dialled or accepted.
fn connected(o: &ModeOutcome) -> bool {
    o.dials.iter().any(|d| d.outcome == DialResult::Connected)
        || o.accept
            .as_ref()
            .is_some_and(|a| a.outcome == AcceptResult::Accepted)
}

/// A failed step as one line: what went wrong, where, and the reply or error text.
pub(super) fn step_error(err: &StepError) -> String {
    step_error_within(err, DETAIL_CHARS)
}

/// [`step_error`] with the detail cut at `max` characters: the header wraps it instead.
pub(super) fn step_error_within(err: &StepError, max: usize) -> String {
    let detail = match &err.reply {
        Some(reply) if err.detail.is_empty() => reply_text(reply),
        _ => truncate(&clean(&err.detail), max),
    };
    format!("{} at {}: {detail}", kind_words(err.kind), err.stage)
}

fn kind_words(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Timeout => "timeout",
        ErrorKind::Closed => "connection closed",
        ErrorKind::UnexpectedReply => "unexpected reply",
        ErrorKind::BadReply => "bad reply",
        ErrorKind::Io => "failed",
        ErrorKind::Refused => "refused",
        ErrorKind::Tls => "TLS failed",
    }
}

/// A reply quoted whole, as the header and the transfer cell show it: code and (last)
/// line, cleaned and cut at [`REPLY_CHARS`].
pub(super) fn reply_text(reply: &ReplyRecord) -> String {
    truncate(&clean(&reply.to_string()), REPLY_CHARS)
}
