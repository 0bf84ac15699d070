//! The live status line of a single probe on a terminal: which step each mode is
//! waiting on, read from the probe's event log so far. Pure: the runner draws it.
//!
//! A probe of a blackholed port is silent for a whole --timeout; this line is what tells
//! the person watching that it is waiting, and on what.

use std::time::Duration;

use crate::timeline::{Conn, Event, Stamped};

/// The modes in the order the table shows them.
const MODES: [&str; 4] = ["epsv", "pasv", "eprt", "port"];

/// A wait shorter than this is not worth a number: most steps on a working server.
const SHOW_WAIT_AFTER: Duration = Duration::from_millis(500);

/// One line, at most `width` columns: `EPSV data connect to 10.0.0.5:40000 (3.1 s) · PASV
/// done · ...`, or what the control session waits on before any mode has begun.
pub fn status_line(events: &[Stamped], now: Duration, width: usize) -> String {
    let mut parts = Vec::new();
    for mode in MODES {
        if let Some(last) = events.iter().rev().find(|e| e.mode == Some(mode)) {
            parts.push(format!("{} {}", mode.to_uppercase(), state(last, now)));
        }
    }
    if parts.is_empty()
        && let Some(last) = events.iter().rev().find(|e| e.conn != Conn::Probe)
    {
        parts.push(format!("control {}", state(last, now)));
    }
    let line = match parts.is_empty() {
        true => "starting…".to_string(),
        false => format!("waiting: {}", parts.join(" · ")),
    };
    fit(&line, width)
}

/// What the connection whose last event is `last` waits on now, and for how long.
fn state(last: &Stamped, now: Duration) -> String {
    let data = matches!(last.conn, Conn::Data { .. });
    let (waiting, on) = match &last.event {
        Event::Connect { to, .. } if data => (true, format!("on the data connect to {to}")),
        Event::Connect { to, .. } => (true, format!("on the connect to {to}")),
        Event::Substitute { to, .. } => (true, format!("on the data connect to {to}")),
        Event::Connected { .. } if data => (true, "to start the transfer".to_string()),
        Event::Connected { .. } => (true, "for the greeting".to_string()),
        Event::Listen { on } => (true, format!("for the server to connect to {on}")),
        Event::Accepted { .. } => (true, "to start the transfer".to_string()),
        Event::TlsStart => (true, "on the TLS handshake".to_string()),
        Event::TlsDone { .. } => (true, "for the next reply".to_string()),
        Event::Send { line } => {
            let verb = line.split(' ').next().unwrap_or_default();
            (true, format!("for the reply to {}", printable(verb)))
        }
        Event::Reply {
            code: 100..=199, ..
        }
        | Event::DataFirst => (true, "for the data".to_string()),
        Event::Reply {
            code: 226 | 250, ..
        } => (false, "done".to_string()),
        Event::Reply { code, .. } => (true, format!("after a {code}")),
        Event::DataLast { .. } | Event::DataCut { .. } => (true, "for the 226".to_string()),
        Event::Refused { .. } => (false, "refused".to_string()),
        Event::Timeout { .. } | Event::StepTimeout { .. } => (false, "timed out".to_string()),
        Event::Unreachable { .. } => (false, "unreachable".to_string()),
        Event::TlsFailed { .. } => (false, "TLS failed".to_string()),
        Event::Close { .. } => (false, "closed".to_string()),
        Event::Deadline => (false, "deadline".to_string()),
    };
    let waited = now.saturating_sub(last.at);
    match waiting && waited >= SHOW_WAIT_AFTER {
        true => format!("{on} ({:.1} s)", waited.as_secs_f64()),
        false => on,
    }
}

/// Only printable characters reach the terminal.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Cut to `width` columns with `…`; one column is left free so the cursor never wraps.
fn fit(line: &str, width: usize) -> String {
    crate::report::text::cut(line, width.saturating_sub(1).max(1), '…')
}

/// What to write to replace the previous status line (`previous` columns wide) with
/// `line`. With `escapes` the line is cleared with `ESC[K`; without (TERM=dumb,
/// NO_COLOR) only a carriage return and blanks are used.
pub fn frame(line: &str, previous: usize, escapes: bool) -> String {
    match escapes {
        true => format!("\r\x1b[K{line}"),
        false => {
            let pad = previous.saturating_sub(line.chars().count());
            format!("\r{line}{}", " ".repeat(pad))
        }
    }
}

/// What removes a status line `previous` columns wide, leaving the cursor at its start.
pub fn clear(previous: usize, escapes: bool) -> String {
    match escapes {
        true => "\r\x1b[K".to_string(),
        false => format!("\r{}\r", " ".repeat(previous)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Conn, Event, Stamped};

    fn at(ms: u64, conn: Conn, mode: Option<&'static str>, event: Event) -> Stamped {
        Stamped {
            at: Duration::from_millis(ms),
            conn,
            mode,
            event,
        }
    }

    fn addr(s: &str) -> std::net::SocketAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn blackholed_data_port_shows_which_mode_waits_on_which_connect_and_how_long() {
        let events = [
            at(
                0,
                Conn::Control(1),
                None,
                Event::Connect {
                    to: addr("127.0.0.1:21"),
                    purpose: "control",
                },
            ),
            at(
                5,
                Conn::Control(1),
                Some("epsv"),
                Event::Send {
                    line: "EPSV".into(),
                },
            ),
            at(
                6,
                Conn::Control(1),
                Some("epsv"),
                Event::Reply {
                    code: 229,
                    text: "ok".into(),
                },
            ),
            at(
                7,
                Conn::Data { mode: "epsv", n: 1 },
                Some("epsv"),
                Event::Connect {
                    to: addr("127.0.0.1:4000"),
                    purpose: "epsv",
                },
            ),
            at(
                8,
                Conn::Control(2),
                Some("pasv"),
                Event::Reply {
                    code: 226,
                    text: "done".into(),
                },
            ),
            at(
                9,
                Conn::Control(3),
                Some("eprt"),
                Event::Listen {
                    on: addr("127.0.0.1:5000"),
                },
            ),
        ];
        let line = status_line(&events, Duration::from_millis(3107), 200);
        assert_eq!(
            line,
            "waiting: EPSV on the data connect to 127.0.0.1:4000 (3.1 s) · PASV done · \
             EPRT for the server to connect to 127.0.0.1:5000 (3.1 s)"
        );
    }

    #[test]
    fn before_any_mode_the_control_session_is_shown() {
        let events = [at(
            0,
            Conn::Control(1),
            None,
            Event::Connected {
                local: addr("127.0.0.1:1"),
            },
        )];
        assert_eq!(
            status_line(&events, Duration::from_millis(100), 80),
            "waiting: control for the greeting"
        );
        assert_eq!(status_line(&[], Duration::ZERO, 80), "starting…");
    }

    #[test]
    fn status_line_is_cut_to_the_terminal_width() {
        let events = [at(
            0,
            Conn::Control(1),
            Some("epsv"),
            Event::Send {
                line: "EPSV".into(),
            },
        )];
        let line = status_line(&events, Duration::from_secs(9), 20);
        assert_eq!(line.chars().count(), 19);
        assert!(line.ends_with('…'));
    }

    #[test]
    fn dumb_terminal_gets_a_carriage_return_and_blanks_never_an_escape() {
        let f = frame("short", 12, false);
        assert_eq!(f, "\rshort       ");
        assert!(!f.contains('\x1b') && !clear(12, false).contains('\x1b'));
        assert_eq!(clear(3, false), "\r   \r");
        assert_eq!(frame("x", 0, true), "\r\x1b[Kx");
    }
}
