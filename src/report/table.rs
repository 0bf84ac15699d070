//! The table printer, for people: a short header about the target and its control
//! connection, one row per mode, the findings most severe first with their evidence and
//! fix, the verdict, and the transcript when asked for.
//!
//! Everything the server sent (banner, replies) and everything the OS said (dial errors)
//! passes through [`clean`] first: a hostile server must not be able to move the cursor
//! or recolour the user's terminal, and `color: false` must mean no escape byte at all.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets::UTF8_FULL};

use super::{ModeReport, Report, Status, Verdict};
use crate::diagnose::{Finding, Severity};
use crate::probe::{
    AcceptResult, DialRecord, DialResult, DialWhy, ErrorKind, Login, ModeOutcome, ReplyRecord,
    Stage, StepError, Strategy, Tls, TransferResult, ms,
};

/// How to print the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI colours on status cells, severities and the verdict.
    pub color: bool,
    /// No line of the header, table or findings is wider than this (the transcript is
    /// printed verbatim).
    pub width: u16,
}

impl Default for TableStyle {
    /// No colour (the safe choice for pipes and logs) and 100 columns, which fits the
    /// mode table without wrapping every cell and still fits a half-screen terminal.
    fn default() -> TableStyle {
        TableStyle {
            color: false,
            width: 100,
        }
    }
}

/// Width of the header's labels ("features  "), so the values line up.
const LABEL: usize = 10;
/// A reply quoted in a table cell is cut here: the whole text is in the JSON report and
/// in the findings' evidence, and a long 227 text would squeeze the other columns.
const REPLY_CHARS: usize = 60;
/// A request (`EPRT |2|…|`) or transfer command (`LIST /long/path/`) in a cell.
const COMMAND_CHARS: usize = 50;
/// An error text in a cell.
const DETAIL_CHARS: usize = 80;
/// The labels of a finding's detail lines, padded so their texts line up.
const DETAIL_INDENT: &str = "             ";

/// Writes the report for people: header, mode table, findings, verdict, transcript.
///
/// ```
/// use std::time::Duration;
/// use ftpdoctor::probe::{ControlOutcome, Mode, ModeOutcome, ProbeOutcome, Strategy, TargetInfo};
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
///     },
///     control: ControlOutcome::new("anonymous"),
///     modes: vec![ModeOutcome::skipped(Mode::Epsv, "not selected (--modes)")],
///     strategy: Strategy::Concurrent,
///     fallback_reply: None,
///     deadline_hit: false,
///     deadline_ms: Duration::from_secs(30),
///     transcript: Vec::new(),
///     elapsed: Duration::from_millis(3),
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
    let width = usize::from(style.width);
    for line in header(report, width) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for line in mode_table(report, style).lines() {
        // Trailing blanks would count against the width and serve no one.
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)?;
    if !report.findings.is_empty() {
        for line in findings(&report.findings, width, style.color) {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", verdict_line(report, style.color))?;
    if let Some(transcript) = &report.transcript {
        writeln!(out)?;
        writeln!(out, "control-channel transcript:")?;
        for entry in transcript {
            writeln!(
                out,
                "[{}] {} {}",
                clean(&entry.session),
                entry.dir,
                clean(&entry.line)
            )?;
        }
    }
    Ok(())
}

// ---- header ---------------------------------------------------------------------------

fn header(report: &Report, width: usize) -> Vec<String> {
    let target = &report.target;
    let control = &report.control;
    let mut lines = Vec::new();
    let mut line = |label: &str, value: String| {
        lines.push(truncate(&format!("{label:<LABEL$}{value}"), width));
    };

    let host_port = join_host_port(&target.host, target.port);
    let resolved: Vec<String> = target.resolved.iter().map(ToString::to_string).collect();
    // A literal address resolves to itself; saying so again is noise.
    let resolved = if resolved.is_empty() {
        " (not resolved)".to_string()
    } else if resolved == [target.host.as_str()] {
        String::new()
    } else {
        format!(" ({})", resolved.join(", "))
    };
    line(
        "target",
        format!("{} → {host_port}{resolved}", clean(&target.input)),
    );

    line(
        "control",
        match (control.peer, control.local) {
            (Some(peer), Some(local)) => format!("peer {peer}, local {local}"),
            (Some(peer), None) => format!("peer {peer}"),
            _ => "not connected".to_string(),
        },
    );
    if let Some(banner) = &control.banner {
        line(
            "banner",
            clean(banner.lines().next().unwrap_or("")).into_owned(),
        );
    }
    let login = match control.login {
        Login::Ok => format!("ok as {}", clean(&control.user)),
        Login::Failed => match &control.login_reply {
            Some(reply) => format!("failed as {} ({})", clean(&control.user), reply_text(reply)),
            None => format!("failed as {}", clean(&control.user)),
        },
        Login::NotAttempted => "not attempted".to_string(),
    };
    let tls = match control.tls {
        Tls::None => "none",
    };
    line("login", format!("{login}; TLS {tls}"));
    if control.login == Login::Ok {
        line(
            "features",
            comma_list(&control.features, width.saturating_sub(LABEL)),
        );
    }
    if let Some(err) = &control.error {
        line("error", step_error(err));
    }
    match report.strategy {
        Strategy::Concurrent => {}
        Strategy::Sequential => line(
            "strategy",
            "modes ran in turn on one connection (--sequential)".to_string(),
        ),
        Strategy::SequentialFallback => line(
            "strategy",
            match &report.fallback_reply {
                Some(reply) => format!(
                    "modes ran in turn on one connection: the server refused more ({})",
                    reply_text(reply)
                ),
                None => "modes ran in turn on one connection: the server refused more".to_string(),
            },
        ),
    }
    if report.deadline_hit {
        line(
            "deadline",
            format!(
                "hit after {}: unfinished steps are marked in the table",
                human_ms(report.elapsed_ms)
            ),
        );
    }
    lines
}

/// `host:port`, with an IPv6 literal in brackets as in a URL.
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{}]:{port}", clean(host))
    } else {
        format!("{}:{port}", clean(host))
    }
}

/// As many items as fit in `room` columns, then how many were left out.
fn comma_list(items: &[String], room: usize) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let items: Vec<Cow<'_, str>> = items.iter().map(|i| clean(i)).collect();
    let full = items.join(", ");
    if full.chars().count() <= room {
        return full;
    }
    let mut shown = String::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let candidate = format!("{shown}{sep}{item}");
        let left_after = items.len() - i - 1;
        // Keep room for the "… (+N more)" that has to follow this item.
        let tail = format!(", … (+{left_after} more)").chars().count();
        if left_after == 0 || candidate.chars().count() + tail > room {
            return format!("{shown}{sep}… (+{} more)", items.len() - i);
        }
        shown = candidate;
    }
    shown
}

// ---- mode table -----------------------------------------------------------------------

fn mode_table(report: &Report, style: &TableStyle) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL)
        // Whether to style and how wide to be is our caller's decision, not whatever
        // stdout happens to be: the output may be going to a file or a Vec.
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(vec![
            "Mode",
            "Request → reply",
            "Advertised",
            "Data connection",
            "Transfer",
            "Time (ms)",
            "Status",
        ]);
    if style.color {
        table.enforce_styling();
        // Colour the word, not the padding around it.
        table.style_text_only();
    }
    for mode in &report.modes {
        table.add_row(mode_row(mode, style.color));
    }
    if let Some(col) = table.column_mut(5) {
        col.set_cell_alignment(CellAlignment::Right);
    }
    table
}

fn mode_row(mode: &ModeReport, color: bool) -> Vec<Cell> {
    let o = &mode.outcome;
    let status = Cell::new(mode.status.as_str());
    let status = match (color, status_color(mode.status)) {
        (true, Some(c)) => status.fg(c),
        _ => status,
    };
    vec![
        Cell::new(o.mode.as_str().to_uppercase()),
        Cell::new(request_cell(o)),
        Cell::new(advertised_cell(o)),
        Cell::new(data_cell(o)),
        Cell::new(transfer_cell(o)),
        Cell::new(format!("{:.1}", ms(&o.elapsed))),
        status,
    ]
}

fn status_color(status: Status) -> Option<Color> {
    match status {
        Status::Ok => Some(Color::Green),
        Status::Warn => Some(Color::Yellow),
        Status::Fail => Some(Color::Red),
        Status::Skipped => None,
    }
}

fn request_cell(o: &ModeOutcome) -> String {
    let Some(request) = &o.request else {
        return "—".to_string();
    };
    let request = truncate(&clean(request), COMMAND_CHARS);
    match (&o.reply, &o.error) {
        (Some(reply), _) => format!("{request} → {}", reply_text(reply)),
        (None, Some(err)) => format!("{request} → no reply ({})", kind_words(err.kind)),
        (None, None) => format!("{request} → no reply"),
    }
}

fn advertised_cell(o: &ModeOutcome) -> String {
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

fn data_cell(o: &ModeOutcome) -> String {
    if let Some(why) = &o.skipped {
        return format!("skipped: {}", clean(why));
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
            AcceptResult::Timeout => format!("no connection in {}", human_ms(ms(&a.elapsed))),
            AcceptResult::Failed => {
                format!("our listener failed after {}", human_ms(ms(&a.elapsed)))
            }
        },
        // An active mode that never got as far as waiting: say why if we could not listen.
        None => match &o.error {
            Some(err) if err.stage == Stage::Accept => truncate(&clean(&err.detail), DETAIL_CHARS),
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
        DialResult::Timeout => format!("{addr} timeout after {took}"),
        DialResult::Unreachable => format!("{addr} unreachable {took}"),
        DialResult::SkippedPolicy => format!("{addr} not dialled (policy)"),
    }
}

fn transfer_cell(o: &ModeOutcome) -> String {
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
                TransferResult::Ok => {
                    let code = t
                        .final_reply
                        .as_ref()
                        .map(|r| format!(", {}", r.code))
                        .unwrap_or_default();
                    format!(
                        "{}: {}{code}",
                        truncate(&clean(&t.command), COMMAND_CHARS),
                        bytes(t.bytes)
                    )
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
    if let Some(stage) = o.interrupted {
        cell.push_str(&format!("\ndeadline hit at {stage}"));
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

fn step_error(err: &StepError) -> String {
    let detail = match &err.reply {
        Some(reply) if err.detail.is_empty() => reply_text(reply),
        _ => truncate(&clean(&err.detail), DETAIL_CHARS),
    };
    format!("{} at {}: {detail}", kind_words(err.kind), err.stage)
}

fn kind_words(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Timeout => "timeout",
        ErrorKind::Closed => "connection closed",
        ErrorKind::UnexpectedReply => "unexpected reply",
        ErrorKind::BadReply => "bad reply",
        ErrorKind::Io => "error",
        ErrorKind::Refused => "refused",
    }
}

/// A reply as a cell shows it: code and (last) line, cleaned and cut.
fn reply_text(reply: &ReplyRecord) -> String {
    truncate(&clean(&reply.to_string()), REPLY_CHARS)
}

// ---- findings and verdict -------------------------------------------------------------

fn findings(all: &[Finding], width: usize, color: bool) -> Vec<String> {
    let mut sorted: Vec<&Finding> = all.iter().collect();
    // Stable: within a severity, the order diagnose chose (control first, then by mode).
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut lines = Vec::new();
    for (i, f) in sorted.into_iter().enumerate() {
        // Fixes run to several lines: a blank line keeps one finding from another.
        if i > 0 {
            lines.push(String::new());
        }
        let word = f.severity.as_str().to_uppercase();
        let mode = f.mode.map(|m| format!(" ({m})")).unwrap_or_default();
        let first = format!("{word} {}{mode}: ", f.id);
        let mut head = wrap(&clean(&f.summary), width, &first, "  ");
        // The severity word is painted after wrapping so escapes never count as width.
        if color
            && let Some(line) = head.first_mut()
            && let Some(after) = line.strip_prefix(word.as_str())
        {
            *line = format!("{}{after}", paint(&word, severity_ansi(f.severity)));
        }
        lines.extend(head);
        for (label, text) in [
            ("evidence:", &f.evidence),
            ("fix:", &f.fix),
            ("reference:", &f.reference),
        ] {
            let first = format!("  {label:<w$}", w = DETAIL_INDENT.len() - 2);
            lines.extend(wrap(&clean(text), width, &first, DETAIL_INDENT));
        }
    }
    lines
}

fn verdict_line(report: &Report, color: bool) -> String {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warn),
        count(Severity::Info),
    );
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(format!("{errors} error{}", plural(errors)));
    }
    if warnings > 0 {
        counts.push(format!("{warnings} warning{}", plural(warnings)));
    }
    if infos > 0 {
        counts.push(format!("{infos} info"));
    }
    let counts = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    let word = report.verdict.as_str();
    let word = if color {
        paint(word, verdict_ansi(report.verdict))
    } else {
        word.to_string()
    };
    match report.verdict {
        Verdict::Ok if report.modes.iter().all(|m| m.status == Status::Skipped) => {
            format!("verdict: {word} — no mode was attempted{counts}")
        }
        Verdict::Ok => format!("verdict: {word} — all selected modes work{counts}"),
        Verdict::Warn | Verdict::Fail => format!("verdict: {word}{counts}"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// ANSI SGR codes for the words outside the table (comfy-table colours only its cells).
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const GREEN: &str = "\x1b[1;32m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

fn severity_ansi(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => RED,
        Severity::Warn => YELLOW,
        Severity::Info => CYAN,
    }
}

fn verdict_ansi(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => RED,
        Verdict::Warn => YELLOW,
        Verdict::Ok => GREEN,
    }
}

fn paint(word: &str, code: &str) -> String {
    format!("{code}{word}{RESET}")
}

// ---- text helpers ---------------------------------------------------------------------

/// Server and OS text made safe for a terminal: control characters (ESC, CR, C1 CSI, …)
/// are shown escaped (`\u{1b}`), line breaks are kept for the callers that want them.
fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters, the last one `…` when something was cut. Line breaks end the
/// text too: a cut multi-line reply would otherwise leak its next lines into the layout.
fn truncate(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    let cut_line = first.len() < text.trim_end().len();
    if first.chars().count() <= max && !cut_line {
        return first.to_string();
    }
    let keep: String = first.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}…")
}

/// Wraps `text` by words at `width` columns: the first line starts with `first`, the
/// others with `rest`. Line breaks in the text are kept (a multi-line reply quoted in the
/// evidence stays readable); a word longer than a whole line is cut.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    // Whether `line` holds only its prefix, so the next word needs no space before it.
    let mut bare = true;
    for (i, paragraph) in text.split('\n').enumerate() {
        if i > 0 {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            len = rest.chars().count();
            bare = true;
        }
        for word in paragraph.split_whitespace() {
            let mut word = word;
            while !word.is_empty() {
                let wlen = word.chars().count();
                let need = if bare { wlen } else { wlen + 1 };
                if len + need <= width {
                    if !bare {
                        line.push(' ');
                    }
                    line.push_str(word);
                    len += need;
                    bare = false;
                    break;
                }
                if !bare {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    len = rest.chars().count();
                    bare = true;
                    continue;
                }
                // Alone on a line and still too long (a URL, an IPv6 address): cut it.
                // At least one character per line, so a prefix wider than `width` still
                // makes progress.
                let room = width.saturating_sub(len).max(1);
                let split = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
                line.push_str(&word[..split]);
                word = &word[split..];
                if word.is_empty() {
                    // Only the one-character-per-line case gets here: the line is full.
                    len += room;
                    bare = false;
                } else {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    len = rest.chars().count();
                }
            }
        }
    }
    lines.push(line);
    lines
}

/// A byte count as people read it.
fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    match n {
        n if n < 10 * KIB => format!("{n} B"),
        n if n < 10 * KIB * KIB => format!("{:.1} KiB", n as f64 / KIB as f64),
        n => format!("{:.1} MiB", n as f64 / (KIB * KIB) as f64),
    }
}

/// Milliseconds as people read them: `0.3 ms`, `41.0 ms`, `5.0 s`.
fn human_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests;
