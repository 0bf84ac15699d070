//! The report's timeline (schema v1 `timeline`, docs/report-schema.md): every event of the
//! probe in time order, tagged with its connection. The report holds the probe's own
//! typed records ([`crate::timeline::Stamped`], which serialize in the v1 shape); this
//! module writes them as transcript lines. The ladder diagrams, the HTML page's SVG and
//! the Mermaid text are all drawn from the same records.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::timeline::{CloseHow, Closer, Conn, Event, Stamped};
use crate::wire::ms;

/// The event in a few words, for a transcript line (server text as it came; the
/// printer cleans it).
pub fn describe(event: &Event) -> String {
    match event {
        Event::Connect { to, .. } => format!("connect → {to}"),
        Event::Connected { local } => format!("connected (local {local})"),
        Event::Refused { .. } => "refused (RST)".to_string(),
        Event::Timeout { after } => {
            format!("no answer to the connect after {} ms", ms(after))
        }
        Event::Unreachable { os_error } => match os_error {
            Some(e) => format!("unreachable ({e})"),
            None => "unreachable".to_string(),
        },
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
