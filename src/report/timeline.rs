//! The report's timeline (schema v1 `timeline`, docs/report-schema.md): every event of the
//! probe in time order, tagged with its connection. The report holds the probe's own
//! typed records ([`crate::timeline::Stamped`], which serialize in the v1 shape); this
//! module writes them as transcript lines. The ladder diagrams, the HTML page's SVG and
//! the Mermaid text are all drawn from the same records.

use std::fmt::Write as _;
use std::io::{self, Write};

use std::net::SocketAddr;

use crate::timeline::{CloseHow, Closer, Conn, Event, Stamped, SubstituteWhy};
use crate::wire::ms;

/// The event in a few words, for a transcript line (server text as it came; the
/// printer cleans it).
pub fn describe(event: &Event) -> String {
    match event {
        Event::Connect { to, .. } => format!("connect → {to}"),
        Event::Connected { local } => format!("connected (local {local})"),
        Event::Refused { .. } => "refused (RST or ICMP port-unreachable)".to_string(),
        Event::Timeout { after } => {
            format!("no answer to the connect after {} ms", ms(after))
        }
        Event::Unreachable { os_error } => match os_error {
            Some(e) => format!("unreachable ({e})"),
            None => "unreachable".to_string(),
        },
        Event::Substitute {
            advertised,
            to,
            why,
        } => substitute(*advertised, *to, *why),
        Event::Listen { on } => format!("listening on {on}"),
        Event::Accepted { from } => format!("accepted from {from}"),
        Event::TlsStart => "TLS handshake starts".to_string(),
        Event::TlsDone { version, resumed } => format!(
            "TLS handshake done: {version}, {}",
            if *resumed {
                "session resumed"
            } else {
                "new session"
            }
        ),
        Event::TlsFailed { why } => format!("TLS handshake failed: {why}"),
        Event::Send { line } => format!("> {line}"),
        Event::Reply { code, text } => {
            format!("< {code} {}", text.replace('\n', " | "))
        }
        Event::DataFirst => "first data byte".to_string(),
        Event::DataLast { bytes } => format!("last data byte ({bytes} B in all)"),
        Event::DataCut { bytes } => format!("stopped reading at the cap ({bytes} B)"),
        Event::Close { by, how } => format!(
            "closed by {} ({})",
            match by {
                Closer::Us => "us",
                Closer::Peer => "the server",
            },
            match how {
                CloseHow::Fin => "FIN",
                CloseHow::Rst => "RST",
            }
        ),
        Event::StepTimeout { waiting_for, after } => {
            format!("gave up waiting for {waiting_for} after {} ms", ms(after))
        }
        Event::Deadline => "--deadline struck".to_string(),
    }
}

/// The address a 227 advertised, what was dialled instead, and why, as curl -v says it
/// ("Skip 10.0.0.5 for data connection, reuse 127.0.0.1 instead").
fn substitute(advertised: SocketAddr, to: SocketAddr, why: SubstituteWhy) -> String {
    let reason = match why {
        SubstituteWhy::AdvertisedDiffers => {
            "it is not the server's address (--follow-advertised dials it)"
        }
        SubstituteWhy::NamesNoHost => "it names no remote host",
        SubstituteWhy::LoopbackFromRemote => {
            "a loopback address from a server not on loopback would reach this host"
        }
        SubstituteWhy::AdvertisedFailed => {
            return format!(
                "the advertised {advertised} did not connect ({why}): dialling {to} instead"
            );
        }
    };
    format!(
        "{} not dialled: {reason} ({why}); dialling {to} instead",
        advertised.ip()
    )
}

/// What each connection was opened for (`control-2` → `epsv`), from its connect event.
pub fn purpose_of(timeline: &[Stamped], conn: &Conn) -> Option<&'static str> {
    timeline.iter().find_map(|e| match &e.event {
        Event::Connect { purpose, .. } if e.conn == *conn => Some(*purpose),
        _ => None,
    })
}

/// The label a transcript line carries: `control-2 epsv`, `data-pasv`.
pub fn session_label(timeline: &[Stamped], entry: &Stamped) -> String {
    let mut label = entry.conn.to_string();
    if let Conn::Control(_) = entry.conn {
        match (entry.mode, purpose_of(timeline, &entry.conn)) {
            (Some(mode), _) => {
                let _ = write!(label, " {mode}");
            }
            (None, Some(purpose)) => {
                let _ = write!(label, " {purpose}");
            }
            (None, None) => {}
        }
    }
    label
}

/// Writes the timeline in time order, one event a line: `  12.3 ms  [control-2 epsv] > EPSV`.
/// `clean` makes server text safe for where it goes (the terminal's escapes, say).
///
/// ```
/// use std::time::Duration;
/// use ftpdoctor::report::timeline::write_timeline;
/// use ftpdoctor::timeline::{Conn, Event, Stamped};
/// let events = vec![Stamped {
///     at: Duration::from_micros(500),
///     conn: Conn::Control(1),
///     mode: None,
///     event: Event::Send { line: "PASS ****".to_string() },
/// }];
/// let mut out = Vec::new();
/// write_timeline(&events, &|s: &str| s.to_string(), &mut out)?;
/// assert_eq!(String::from_utf8(out)?, "     0.5 ms  [control-1] > PASS ****\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_timeline(
    timeline: &[Stamped],
    clean: &dyn Fn(&str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    for entry in timeline {
        writeln!(
            out,
            "{:>8.1} ms  [{}] {}",
            ms(&entry.at),
            clean(&session_label(timeline, entry)),
            clean(&describe(&entry.event))
        )?;
    }
    Ok(())
}

/// How `--transcript` lays out the timeline in the table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimelineView {
    /// Every event in time order, each labelled with its session (`--transcript`).
    #[default]
    Time,
    /// Each session's events together, sessions in the order they began
    /// (`--transcript=grouped`).
    Grouped,
}

/// Each session's label and events, sessions in the order their first event came.
fn by_session(timeline: &[Stamped]) -> Vec<(String, Vec<&Stamped>)> {
    let mut seen: Vec<&Conn> = Vec::new();
    for e in timeline {
        if !seen.contains(&&e.conn) {
            seen.push(&e.conn);
        }
    }
    seen.into_iter()
        .filter_map(|conn| {
            let events: Vec<&Stamped> = timeline.iter().filter(|e| e.conn == *conn).collect();
            let label = session_label(timeline, events.first()?);
            Some((label, events))
        })
        .collect()
}

/// Writes the timeline one session after another: a `[control-2 pasv]` line, then that
/// session's events, `    12.3 ms  > PASV`.
pub fn write_grouped(
    timeline: &[Stamped],
    clean: &dyn Fn(&str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    for (label, events) in by_session(timeline) {
        writeln!(out, "[{}]", clean(&label))?;
        for e in events {
            writeln!(
                out,
                "{:>10.1} ms  {}",
                ms(&e.at),
                clean(&describe(&e.event))
            )?;
        }
    }
    Ok(())
}

/// Writes each session's conversation as curl -v shows one: `> ` what we sent, `< ` what
/// the server said (every line), `* ` what happened on the connection (the connect, the
/// address not dialled and why, TLS, the close). Sessions one after another, in the order
/// they began, each under a `* session ...` line.
pub fn write_conversation(
    timeline: &[Stamped],
    clean: &dyn Fn(&str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    for (label, events) in by_session(timeline) {
        writeln!(out, "* session {}", clean(&label))?;
        for e in events {
            for line in curl_lines(&e.event) {
                writeln!(out, "{}", clean(&line))?;
            }
        }
    }
    Ok(())
}

/// One event in curl -v's words and marks.
fn curl_lines(event: &Event) -> Vec<String> {
    match event {
        Event::Connect { to, .. } => vec![format!("*   Trying {to}...")],
        Event::Connected { local } => vec![format!("* Connected (from {local})")],
        Event::Substitute {
            advertised,
            to,
            why: SubstituteWhy::AdvertisedFailed,
        } => vec![format!(
            "* {advertised} did not connect: connect to {to} instead"
        )],
        Event::Substitute {
            advertised,
            to,
            why,
        } => vec![format!(
            "* Skip {} for data connection ({why}: {}), connect to {to} instead",
            advertised.ip(),
            match why {
                SubstituteWhy::NamesNoHost => "it names no remote host",
                SubstituteWhy::LoopbackFromRemote => "loopback, from a server not on loopback",
                _ => "not the server's address; --follow-advertised dials it",
            }
        )],
        Event::Refused { .. } => {
            vec!["* connect refused (RST or ICMP port-unreachable)".to_string()]
        }
        Event::Send { line } => vec![format!("> {line}")],
        Event::Reply { code, text } => {
            let mut lines: Vec<String> = text.lines().map(|l| format!("< {l}")).collect();
            match lines.first_mut() {
                Some(first) => *first = format!("< {code} {}", &first[2..]),
                None => lines.push(format!("< {code}")),
            }
            lines
        }
        other => vec![format!("* {}", describe(other))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Recorder, Tap};

    #[test]
    fn json_shape_is_flat_with_the_event_name_as_a_tag() {
        let rec = Recorder::new();
        let tap: Tap = rec.control();
        tap.record(Event::Close {
            by: Closer::Peer,
            how: CloseHow::Rst,
        });
        let json = serde_json::to_value(&rec.events()[0]).unwrap_or_default();
        assert_eq!(json["conn"], "control-1");
        assert_eq!(json["event"], "close");
        assert_eq!(json["by"], "peer");
        assert_eq!(json["how"], "rst");
        assert!(json["t_ms"].is_f64());
        assert!(json.get("mode").is_none());
    }

    #[test]
    fn control_sessions_are_labelled_with_what_they_serve() {
        let rec = Recorder::new();
        let mut tap = rec.control();
        let addr = "127.0.0.1:21".parse().unwrap_or_else(|e| panic!("{e}"));
        tap.record(Event::Connect {
            to: addr,
            purpose: "control",
        });
        tap.set_mode(Some("pasv"));
        tap.record(Event::Send {
            line: "PASV".to_string(),
        });
        let timeline = rec.events();
        let mut out = Vec::new();
        let same = |s: &str| s.to_string();
        assert!(write_timeline(&timeline, &same, &mut out).is_ok());
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(
            text.contains("[control-1 control] connect → 127.0.0.1:21"),
            "{text}"
        );
        assert!(text.contains("[control-1 pasv] > PASV"), "{text}");
    }
}
