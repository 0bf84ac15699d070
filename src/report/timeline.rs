//! The report's timeline (schema v1 `timeline`, docs/report-schema.md): every event of the
//! probe in time order, tagged with its connection. The ladder diagrams, the HTML page's
//! SVG and the Mermaid text are all drawn from these records.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::timeline::{CloseHow, Closer, Event, Stamped};
use crate::wire::ms;

/// One event: when (ms from the probe's start), on which connection, during which mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Milliseconds from the probe's start, as measured (nanoseconds kept, so that phase
    /// durations keep sub-millisecond precision); JSON and every printer show one decimal.
    #[serde(serialize_with = "crate::wire::serialize_tenth_ms")]
    pub t_ms: f64,
    /// `control-N` (the Nth control session), `data-MODE[-N]`, or `probe`.
    pub conn: String,
    /// The mode the connection served at the time, when it served one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// What happened, its fields beside `t_ms` in the JSON object.
    #[serde(flatten)]
    pub event: TimelineEvent,
}

/// Who closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseBy {
    /// The probe hung up.
    Us,
    /// The server (or something on the way) hung up.
    Peer,
}

/// How it was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseKind {
    /// An orderly close (FIN).
    Fin,
    /// A reset (RST).
    Rst,
}

/// What happened, with the event's own fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum TimelineEvent {
    /// A TCP connect began; `for` is `control`, a mode, `plaintext` or `sample`.
    Connect {
        /// The address dialled.
        to: String,
        /// What the connection is for.
        #[serde(rename = "for")]
        purpose: String,
    },
    /// The TCP handshake completed.
    Connected {
        /// Our end of the new connection.
        local: String,
    },
    /// RST in answer to the SYN.
    Refused {
        /// What the system said.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// No answer to the SYN.
    Timeout {
        /// The step's limit that ran out.
        after_ms: f64,
    },
    /// No route to the address (ICMP unreachable).
    Unreachable {
        /// What the system said.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// We listen for the server's connection (active modes).
    Listen {
        /// The address we listen on.
        on: String,
    },
    /// The server connected to our listener.
    Accepted {
        /// Where the server's connection came from.
        from: String,
    },
    /// A TLS handshake began.
    TlsStart,
    /// The TLS handshake completed.
    TlsDone {
        /// The negotiated version (`TLSv1.3`).
        version: String,
        /// The session was resumed from the control connection's.
        resumed: bool,
    },
    /// The TLS handshake failed.
    TlsFailed {
        /// What the TLS library said.
        why: String,
    },
    /// A command, PASS masked.
    Send {
        /// The command line as sent.
        line: String,
    },
    /// A reply from the server.
    Reply {
        /// The reply code.
        code: u16,
        /// The reply text, lines joined with `
        /// `, cut to a length a picture can show.
        text: String,
    },
    /// The first data bytes arrived.
    DataFirst,
    /// The data ended: the server closed the data connection.
    DataLast {
        /// Data bytes read in all.
        bytes: u64,
    },
    /// We stopped reading at the transfer cap.
    DataCut {
        /// Data bytes read when we stopped.
        bytes: u64,
    },
    /// A connection closed.
    Close {
        /// Who closed it.
        by: CloseBy,
        /// How it was closed.
        how: CloseKind,
    },
    /// A step waited its full --timeout.
    StepTimeout {
        /// What the step waited for.
        waiting_for: String,
        /// How long it waited.
        after_ms: f64,
    },
    /// --deadline struck.
    Deadline,
}

impl TimelineEvent {
    /// The event's name as the schema spells it (`tls-done`, `step-timeout`).
    pub fn name(&self) -> &'static str {
        match self {
            TimelineEvent::Connect { .. } => "connect",
            TimelineEvent::Connected { .. } => "connected",
            TimelineEvent::Refused { .. } => "refused",
            TimelineEvent::Timeout { .. } => "timeout",
            TimelineEvent::Unreachable { .. } => "unreachable",
            TimelineEvent::Listen { .. } => "listen",
            TimelineEvent::Accepted { .. } => "accepted",
            TimelineEvent::TlsStart => "tls-start",
            TimelineEvent::TlsDone { .. } => "tls-done",
            TimelineEvent::TlsFailed { .. } => "tls-failed",
            TimelineEvent::Send { .. } => "send",
            TimelineEvent::Reply { .. } => "reply",
            TimelineEvent::DataFirst => "data-first",
            TimelineEvent::DataLast { .. } => "data-last",
            TimelineEvent::DataCut { .. } => "data-cut",
            TimelineEvent::Close { .. } => "close",
            TimelineEvent::StepTimeout { .. } => "step-timeout",
            TimelineEvent::Deadline => "deadline",
        }
    }

    /// The event in a few words, for a transcript line (server text as it came; the
    /// printer cleans it).
    pub fn describe(&self) -> String {
        match self {
            TimelineEvent::Connect { to, .. } => format!("connect → {to}"),
            TimelineEvent::Connected { local } => format!("connected (local {local})"),
            TimelineEvent::Refused { .. } => "refused (RST)".to_string(),
            TimelineEvent::Timeout { after_ms } => {
                format!("no answer to the connect after {after_ms} ms")
            }
            TimelineEvent::Unreachable { error } => match error {
                Some(e) => format!("unreachable ({e})"),
                None => "unreachable".to_string(),
            },
            TimelineEvent::Listen { on } => format!("listening on {on}"),
            TimelineEvent::Accepted { from } => format!("accepted from {from}"),
            TimelineEvent::TlsStart => "TLS handshake starts".to_string(),
            TimelineEvent::TlsDone { version, resumed } => format!(
                "TLS handshake done: {version}, {}",
                if *resumed {
                    "session resumed"
                } else {
                    "new session"
                }
            ),
            TimelineEvent::TlsFailed { why } => format!("TLS handshake failed: {why}"),
            TimelineEvent::Send { line } => format!("> {line}"),
            TimelineEvent::Reply { code, text } => {
                format!("< {code} {}", text.replace('\n', " | "))
            }
            TimelineEvent::DataFirst => "first data byte".to_string(),
            TimelineEvent::DataLast { bytes } => format!("last data byte ({bytes} B in all)"),
            TimelineEvent::DataCut { bytes } => format!("stopped reading at the cap ({bytes} B)"),
            TimelineEvent::Close { by, how } => format!(
                "closed by {} ({})",
                match by {
                    CloseBy::Us => "us",
                    CloseBy::Peer => "the server",
                },
                match how {
                    CloseKind::Fin => "FIN",
                    CloseKind::Rst => "RST",
                }
            ),
            TimelineEvent::StepTimeout {
                waiting_for,
                after_ms,
            } => format!("gave up waiting for {waiting_for} after {after_ms} ms"),
            TimelineEvent::Deadline => "--deadline struck".to_string(),
        }
    }
}

impl From<&Stamped> for TimelineEntry {
    fn from(s: &Stamped) -> TimelineEntry {
        TimelineEntry {
            t_ms: s.at.as_secs_f64() * 1000.0,
            conn: s.conn.to_string(),
            mode: s.mode.map(str::to_string),
            event: TimelineEvent::from(&s.event),
        }
    }
}

impl From<&Event> for TimelineEvent {
    fn from(e: &Event) -> TimelineEvent {
        match e {
            Event::Connect { to, purpose } => TimelineEvent::Connect {
                to: to.to_string(),
                purpose: purpose.to_string(),
            },
            Event::Connected { local } => TimelineEvent::Connected {
                local: local.to_string(),
            },
            Event::Refused { os_error } => TimelineEvent::Refused {
                error: os_error.clone(),
            },
            Event::Timeout { after } => TimelineEvent::Timeout {
                after_ms: ms(after),
            },
            Event::Unreachable { os_error } => TimelineEvent::Unreachable {
                error: os_error.clone(),
            },
            Event::Listen { on } => TimelineEvent::Listen { on: on.to_string() },
            Event::Accepted { from } => TimelineEvent::Accepted {
                from: from.to_string(),
            },
            Event::TlsStart => TimelineEvent::TlsStart,
            Event::TlsDone { version, resumed } => TimelineEvent::TlsDone {
                version: version.clone(),
                resumed: *resumed,
            },
            Event::TlsFailed { why } => TimelineEvent::TlsFailed { why: why.clone() },
            Event::Send { line } => TimelineEvent::Send { line: line.clone() },
            Event::Reply { code, text } => TimelineEvent::Reply {
                code: *code,
                text: text.clone(),
            },
            Event::DataFirst => TimelineEvent::DataFirst,
            Event::DataLast { bytes } => TimelineEvent::DataLast { bytes: *bytes },
            Event::DataCut { bytes } => TimelineEvent::DataCut { bytes: *bytes },
            Event::Close { by, how } => TimelineEvent::Close {
                by: match by {
                    Closer::Us => CloseBy::Us,
                    Closer::Peer => CloseBy::Peer,
                },
                how: match how {
                    CloseHow::Fin => CloseKind::Fin,
                    CloseHow::Rst => CloseKind::Rst,
                },
            },
            Event::StepTimeout { waiting_for, after } => TimelineEvent::StepTimeout {
                waiting_for: waiting_for.clone(),
                after_ms: ms(after),
            },
            Event::Deadline => TimelineEvent::Deadline,
        }
    }
}

/// What each connection was opened for (`control-2` → `epsv`), from its connect event.
pub fn purpose_of<'a>(timeline: &'a [TimelineEntry], conn: &str) -> Option<&'a str> {
    timeline.iter().find_map(|e| match &e.event {
        TimelineEvent::Connect { purpose, .. } if e.conn == conn => Some(purpose.as_str()),
        _ => None,
    })
}

/// The label a transcript line carries: `control-2 epsv`, `data-pasv`.
pub fn session_label(timeline: &[TimelineEntry], entry: &TimelineEntry) -> String {
    let mut label = entry.conn.clone();
    if entry.conn.starts_with("control-") {
        match (&entry.mode, purpose_of(timeline, &entry.conn)) {
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
/// use ftpdoctor::report::timeline::{TimelineEntry, TimelineEvent, write_timeline};
/// let events = vec![TimelineEntry {
///     t_ms: 0.5,
///     conn: "control-1".to_string(),
///     mode: None,
///     event: TimelineEvent::Send { line: "PASS ****".to_string() },
/// }];
/// let mut out = Vec::new();
/// write_timeline(&events, &|s: &str| s.to_string(), &mut out)?;
/// assert_eq!(String::from_utf8(out)?, "     0.5 ms  [control-1] > PASS ****\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_timeline(
    timeline: &[TimelineEntry],
    clean: &dyn Fn(&str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    for entry in timeline {
        writeln!(
            out,
            "{:>8.1} ms  [{}] {}",
            entry.t_ms,
            clean(&session_label(timeline, entry)),
            clean(&entry.event.describe())
        )?;
    }
    Ok(())
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
        let entry = TimelineEntry::from(&rec.events()[0]);
        let json = serde_json::to_value(&entry).unwrap_or_default();
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
        let timeline: Vec<TimelineEntry> = rec.events().iter().map(Into::into).collect();
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
