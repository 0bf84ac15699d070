//! What happened on the probe's connections, in time order. One [`Recorder`] per probe;
//! each connection holds a [`Tap`] on it (a cheap clone) naming the connection, and
//! records [`Event`]s as they happen. Times are monotonic, from the recorder's start.
//!
//! The events are the report's raw material for the timeline and for every picture of
//! it (ladder diagrams, SVG, Mermaid); nothing here renders them. They serialize in the
//! report's v1 shape (docs/report-schema.md, `timeline`): an `event` tag in kebab-case,
//! the event's fields beside it, addresses as text, durations in ms. Depends on `wire`
//! only: `net` records into it, the probe's records carry what it kept, and the report
//! holds and prints those same values.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::wire::{serialize_display, serialize_ms, wire_enum};

/// Events one probe keeps. A probe of four modes makes about 80; `--sample-ports 256`
/// about 1,500. Past this many a server is feeding us without end (a reply per byte, a
/// thousand 120s), and the timeline stops growing rather than the memory.
pub const MAX_EVENTS: usize = 10_000;

/// Bytes of text (a command or reply) kept per event. Replies may be 64 KiB; the
/// transcript keeps them whole, the timeline only what a picture can show.
pub const MAX_EVENT_TEXT: usize = 1024;

/// Which connection an event happened on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Conn {
    /// The probe as a whole (the deadline).
    Probe,
    /// The Nth control session of the probe, from 1, in the order they were opened.
    Control(u32),
    /// A data connection of `mode` (`epsv`, ... or `sample`); the Nth of that mode, from 1.
    Data {
        /// The mode (`epsv`, `pasv`, `eprt`, `port`, `plaintext` or `sample`).
        mode: &'static str,
        /// The Nth connection of that mode, from 1.
        n: u32,
    },
}

impl fmt::Display for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conn::Probe => f.write_str("probe"),
            Conn::Control(n) => write!(f, "control-{n}"),
            Conn::Data { mode, n: 1 } => write!(f, "data-{mode}"),
            Conn::Data { mode, n } => write!(f, "data-{mode}-{n}"),
        }
    }
}

/// Who closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Closer {
    /// The probe hung up.
    Us,
    /// The server (or something on the way) hung up.
    Peer,
}

/// How a connection was closed: an orderly FIN, or a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseHow {
    /// An orderly close (FIN).
    Fin,
    /// A reset (RST).
    Rst,
}

wire_enum! {
    /// Why the probe dialled the control peer instead of the address a 227 advertised.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SubstituteWhy {
        /// The advertised address is not the control peer's, and --follow-advertised was
        /// not given (curl's default since 7.74, CVE-2020-8284).
        AdvertisedDiffers = "advertised-differs",
        /// The advertised address names no remote host (unspecified, multicast,
        /// broadcast): it is never dialled.
        NamesNoHost = "names-no-host",
        /// A loopback address from a server that is not on loopback would reach this
        /// very host: it is never dialled.
        LoopbackFromRemote = "loopback-from-remote",
        /// --follow-advertised dialled the advertised address, and it did not connect.
        AdvertisedFailed = "advertised-failed",
    }
}

/// One thing that happened on a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A TCP connect began; `purpose` (`for` in JSON) says what the connection is for
    /// (`control`, a mode, `plaintext` or `sample`).
    Connect {
        /// The address dialled.
        #[serde(serialize_with = "serialize_display")]
        to: SocketAddr,
        /// What the connection is for.
        #[serde(rename = "for")]
        purpose: &'static str,
    },
    /// The TCP handshake completed.
    Connected {
        /// Our end of the new connection.
        #[serde(serialize_with = "serialize_display")]
        local: SocketAddr,
    },
    /// The connect was refused: a RST in answer to the SYN, or an ICMP port-unreachable
    /// (what a firewall's `reject` sends by default); the system reads both as
    /// "connection refused".
    Refused {
        /// What the system said.
        #[serde(rename = "error", skip_serializing_if = "Option::is_none")]
        os_error: Option<String>,
    },
    /// No answer to the SYN within the step's limit.
    Timeout {
        /// The step's limit that ran out.
        #[serde(rename = "after_ms", serialize_with = "serialize_ms")]
        after: Duration,
    },
    /// No route to the address (ICMP unreachable).
    Unreachable {
        /// What the system said.
        #[serde(rename = "error", skip_serializing_if = "Option::is_none")]
        os_error: Option<String>,
    },
    /// The probe dials the control peer with the advertised port in place of the
    /// address a 227 advertised, which it did not dial (or which did not connect).
    Substitute {
        /// What the 227 advertised.
        #[serde(serialize_with = "serialize_display")]
        advertised: SocketAddr,
        /// What the probe dials instead.
        #[serde(serialize_with = "serialize_display")]
        to: SocketAddr,
        /// Why.
        why: SubstituteWhy,
    },
    /// We listen for the server's connection (active modes).
    Listen {
        /// The address we listen on.
        #[serde(serialize_with = "serialize_display")]
        on: SocketAddr,
    },
    /// The server connected to our listener.
    Accepted {
        /// Where the server's connection came from.
        #[serde(serialize_with = "serialize_display")]
        from: SocketAddr,
    },
    /// A TLS handshake began.
    TlsStart,
    /// The TLS handshake completed.
    TlsDone {
        /// The negotiated version.
        version: String,
        /// The session was resumed from the control connection's.
        resumed: bool,
    },
    /// The TLS handshake failed.
    TlsFailed {
        /// What the TLS library said.
        why: String,
    },
    /// A command as sent, PASS masked.
    Send {
        /// The command line, without CRLF.
        line: String,
    },
    /// A reply from the server.
    Reply {
        /// The reply code.
        code: u16,
        /// The reply text, lines joined with `
        /// `.
        text: String,
    },
    /// The first data bytes arrived.
    DataFirst,
    /// The data ended (the server closed it) after this many bytes.
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
        by: Closer,
        /// How it was closed.
        how: CloseHow,
    },
    /// A step waited its full --timeout for `waiting_for`.
    StepTimeout {
        /// What the step waited for.
        waiting_for: String,
        /// How long it waited.
        #[serde(rename = "after_ms", serialize_with = "serialize_ms")]
        after: Duration,
    },
    /// --deadline struck.
    Deadline,
}

/// An event with when and where it happened: in JSON `t_ms`, `conn` (`control-N`,
/// `data-MODE[-N]` or `probe`), `mode` when there is one, and the event's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamped {
    /// From the recorder's start.
    #[serde(rename = "t_ms", serialize_with = "serialize_ms")]
    pub at: Duration,
    /// Which connection.
    #[serde(serialize_with = "serialize_display")]
    pub conn: Conn,
    /// The mode the connection was serving at the time, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'static str>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

struct Inner {
    start: Instant,
    events: Mutex<Vec<Stamped>>,
    next_control: AtomicU32,
    next_data: Mutex<Vec<(&'static str, u32)>>,
    dropped: AtomicU64,
}

/// The probe's event log, shared by its connections. Cloning shares it.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::new()
    }
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Recorder {
        Recorder {
            inner: Arc::new(Inner {
                start: Instant::now(),
                events: Mutex::new(Vec::new()),
                next_control: AtomicU32::new(1),
                next_data: Mutex::new(Vec::new()),
                dropped: AtomicU64::new(0),
            }),
        }
    }

    /// A tap for the next control session.
    pub fn control(&self) -> Tap {
        let n = self.inner.next_control.fetch_add(1, Ordering::Relaxed);
        self.tap(Conn::Control(n), None)
    }

    /// A tap for the next data connection of `mode`.
    pub fn data(&self, mode: &'static str) -> Tap {
        let n = match self.inner.next_data.lock() {
            Ok(mut counts) => match counts.iter_mut().find(|(m, _)| *m == mode) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((mode, 1));
                    1
                }
            },
            Err(_) => 0,
        };
        self.tap(Conn::Data { mode, n }, Some(mode))
    }

    /// A tap for events of the probe as a whole.
    pub fn probe(&self) -> Tap {
        self.tap(Conn::Probe, None)
    }

    fn tap(&self, conn: Conn, mode: Option<&'static str>) -> Tap {
        Tap {
            recorder: self.clone(),
            conn,
            mode,
        }
    }

    /// Every event so far, in time order.
    pub fn events(&self) -> Vec<Stamped> {
        let mut events = match self.inner.events.lock() {
            Ok(events) => events.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        // Stamped under the lock, so already in order; sorting is cheap insurance.
        events.sort_by_key(|e| e.at);
        events
    }

    /// Events not kept because [`MAX_EVENTS`] was reached.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    fn push(&self, conn: &Conn, mode: Option<&'static str>, event: Event) {
        let Ok(mut events) = self.inner.events.lock() else {
            return;
        };
        if events.len() >= MAX_EVENTS {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        events.push(Stamped {
            at: self.inner.start.elapsed(),
            conn: conn.clone(),
            mode,
            event: bounded(event),
        });
    }
}

/// Cuts an event's text to [`MAX_EVENT_TEXT`] bytes, on a character boundary.
fn bounded(event: Event) -> Event {
    fn cut(mut s: String) -> String {
        if s.len() > MAX_EVENT_TEXT {
            let mut end = MAX_EVENT_TEXT;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push('…');
        }
        s
    }
    match event {
        Event::Send { line } => Event::Send { line: cut(line) },
        Event::Reply { code, text } => Event::Reply {
            code,
            text: cut(text),
        },
        Event::TlsFailed { why } => Event::TlsFailed { why: cut(why) },
        other => other,
    }
}

/// One connection's handle on the recorder: cheap to clone, records with its name.
#[derive(Clone, Debug)]
pub struct Tap {
    recorder: Recorder,
    conn: Conn,
    mode: Option<&'static str>,
}

impl Tap {
    /// A tap on a recorder of its own, for callers that keep no timeline.
    pub fn detached() -> Tap {
        Recorder::new().probe()
    }

    /// Records `event` now.
    pub fn record(&self, event: Event) {
        self.recorder.push(&self.conn, self.mode, event);
    }

    /// Tags this connection's next events with the mode it now serves (or none).
    pub fn set_mode(&mut self, mode: Option<&'static str>) {
        self.mode = mode;
    }

    /// The connection this tap names.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// The recorder, for taps on further connections.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_connections_of_one_mode_are_numbered() {
        let rec = Recorder::new();
        assert_eq!(rec.data("pasv").conn().to_string(), "data-pasv");
        assert_eq!(rec.data("pasv").conn().to_string(), "data-pasv-2");
        assert_eq!(rec.data("epsv").conn().to_string(), "data-epsv");
        assert_eq!(rec.control().conn().to_string(), "control-1");
        assert_eq!(rec.control().conn().to_string(), "control-2");
    }

    #[test]
    fn events_come_back_in_time_order_with_their_connection_and_mode() {
        let rec = Recorder::new();
        let mut control = rec.control();
        control.record(Event::TlsStart);
        control.set_mode(Some("epsv"));
        rec.data("epsv").record(Event::DataFirst);
        control.record(Event::Deadline);
        let events = rec.events();
        assert_eq!(events.len(), 3);
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(events[0].mode, None);
        assert_eq!(events[1].conn.to_string(), "data-epsv");
        assert_eq!(events[2].mode, Some("epsv"));
    }

    #[test]
    fn a_flood_of_events_stops_at_the_cap_and_counts_the_rest() {
        let tap = Tap::detached();
        for _ in 0..MAX_EVENTS + 5 {
            tap.record(Event::DataFirst);
        }
        assert_eq!(tap.recorder().events().len(), MAX_EVENTS);
        assert_eq!(tap.recorder().dropped(), 5);
    }

    #[test]
    fn a_huge_reply_is_cut_on_a_char_boundary() {
        let tap = Tap::detached();
        let text = "é".repeat(MAX_EVENT_TEXT);
        tap.record(Event::Reply { code: 220, text });
        let events = tap.recorder().events();
        let Event::Reply { text, .. } = &events[0].event else {
            panic!("not a reply: {:?}", events[0]);
        };
        assert!(text.len() <= MAX_EVENT_TEXT + '…'.len_utf8());
        assert!(text.ends_with('…'));
    }
}
