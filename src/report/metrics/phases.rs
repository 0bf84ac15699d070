//! Phase durations, read off the timeline as blackbox_exporter's
//! `probe_http_duration_seconds{phase=…}` reads them off its HTTP trace: each phase
//! runs from the event that starts it to the one that ends it, on one connection.
//!
//! | phase | from | to |
//! |---|---|---|
//! | connect | control `connect` | `connected` / `refused` / `timeout` / `unreachable` |
//! | banner | control `connected` | the first reply |
//! | tls | `AUTH TLS` sent (or `tls-start`) | `tls-done` / `tls-failed` |
//! | login | `USER` sent | the first reply that is not 3yz |
//! | request | `EPSV`/`PASV`/`EPRT`/`PORT` sent | its reply |
//! | data_connect | data `connect` or `listen` | `connected` / `accepted` / failure |
//! | data_tls | data `tls-start` | `tls-done` / `tls-failed` |
//! | transfer | `LIST`/`NLST`/`RETR` sent | the final reply |
//!
//! A phase cut short by a step timeout or the deadline ends there. The scope is the
//! mode the events served (`control` for the first control session), and the first
//! occurrence of a phase in a scope counts (a fallback's retry does not add to it).

use std::collections::BTreeMap;

use crate::timeline::{self, Event, Stamped};

/// Scopes a phase may be reported for: the first control session and the modes.
const SCOPES: [&str; 5] = ["control", "epsv", "pasv", "eprt", "port"];

/// One connection's phases under way: name, the scope it counts for, start (ms).
#[derive(Default)]
struct Open {
    scope: String,
    data: bool,
    open: Vec<(&'static str, String, f64)>,
}

impl Open {
    fn start(&mut self, phase: &'static str, scope: String, t: f64) {
        if !self.open.iter().any(|(p, _, _)| *p == phase) {
            self.open.push((phase, scope, t));
        }
    }

    fn end(&mut self, phase: &str, t: f64, done: &mut BTreeMap<(String, &'static str), f64>) {
        let Some(i) = self.open.iter().position(|(p, _, _)| *p == phase) else {
            return;
        };
        let (phase, scope, start) = self.open.remove(i);
        if SCOPES.contains(&scope.as_str()) {
            // The timeline keeps nanoseconds: a loopback phase of 40 µs is not 0. Rounded to
            // the microsecond, past which the clock reads and scheduling are noise.
            let seconds = ((t - start).max(0.0) * 1000.0).round() / 1_000_000.0;
            done.entry((scope, phase)).or_insert(seconds);
        }
    }

    fn end_all(&mut self, t: f64, done: &mut BTreeMap<(String, &'static str), f64>) {
        let phases: Vec<&'static str> = self.open.iter().map(|(p, _, _)| *p).collect();
        for phase in phases {
            self.end(phase, t, done);
        }
    }
}

/// `(scope, phase) → seconds` for every phase the timeline shows.
pub(super) fn phases(timeline: &[Stamped]) -> BTreeMap<(String, &'static str), f64> {
    let mut done = BTreeMap::new();
    let mut conns: BTreeMap<&timeline::Conn, Open> = BTreeMap::new();
    for entry in timeline {
        // Unrounded: `ms` keeps one decimal, and a loopback phase of 40 µs is not 0.
        let t = entry.at.as_secs_f64() * 1000.0;
        if matches!(entry.event, Event::Deadline) {
            for conn in conns.values_mut() {
                conn.end_all(t, &mut done);
            }
            continue;
        }
        let conn = conns.entry(&entry.conn).or_default();
        let serving = entry
            .mode
            .map_or_else(|| conn.scope.clone(), str::to_string);
        match &entry.event {
            Event::Connect { purpose, .. } => {
                conn.data = matches!(entry.conn, timeline::Conn::Data { .. });
                conn.scope = match (conn.data, entry.mode) {
                    (true, Some(mode)) => mode.to_string(),
                    _ => purpose.to_string(),
                };
                let phase = if conn.data { "data_connect" } else { "connect" };
                conn.start(phase, conn.scope.clone(), t);
            }
            Event::Listen { .. } => {
                conn.data = true;
                conn.scope = serving.clone();
                conn.start("data_connect", serving, t);
            }
            Event::Connected { .. } => {
                let phase = if conn.data { "data_connect" } else { "connect" };
                conn.end(phase, t, &mut done);
                if !conn.data {
                    conn.start("banner", conn.scope.clone(), t);
                }
            }
            Event::Refused { .. } | Event::Timeout { .. } | Event::Unreachable { .. } => {
                conn.end("connect", t, &mut done);
                conn.end("data_connect", t, &mut done);
            }
            Event::Accepted { .. } => conn.end("data_connect", t, &mut done),
            Event::Send { line } => {
                let verb = line
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                match verb.as_str() {
                    "USER" => conn.start("login", conn.scope.clone(), t),
                    "AUTH" => conn.start("tls", conn.scope.clone(), t),
                    "EPSV" | "PASV" | "EPRT" | "PORT" => conn.start("request", serving, t),
                    "LIST" | "NLST" | "RETR" => conn.start("transfer", serving, t),
                    _ => {}
                }
            }
            Event::Reply { code, .. } => {
                conn.end("banner", t, &mut done);
                conn.end("request", t, &mut done);
                if !(300..400).contains(code) {
                    conn.end("login", t, &mut done);
                }
                if *code >= 200 {
                    conn.end("transfer", t, &mut done);
                }
                if *code >= 400 {
                    // AUTH TLS refused: the phase ends with the refusal.
                    conn.end("tls", t, &mut done);
                }
            }
            Event::TlsStart => {
                let phase = if conn.data { "data_tls" } else { "tls" };
                conn.start(phase, serving, t);
            }
            Event::TlsDone { .. } | Event::TlsFailed { .. } => {
                let phase = if conn.data { "data_tls" } else { "tls" };
                conn.end(phase, t, &mut done);
            }
            Event::StepTimeout { .. } => conn.end_all(t, &mut done),
            _ => {}
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t_ms: f64, conn: &str, mode: Option<&'static str>, event: Event) -> Stamped {
        let conn = match conn {
            "probe" => timeline::Conn::Probe,
            "data-epsv" => timeline::Conn::Data { mode: "epsv", n: 1 },
            c => timeline::Conn::Control(
                c.trim_start_matches("control-").parse().unwrap_or_default(),
            ),
        };
        Stamped {
            at: std::time::Duration::from_secs_f64(t_ms / 1000.0),
            conn,
            mode,
            event,
        }
    }

    fn send(line: &str) -> Event {
        Event::Send {
            line: line.to_string(),
        }
    }

    fn reply(code: u16) -> Event {
        Event::Reply {
            code,
            text: String::new(),
        }
    }

    fn connect(purpose: &'static str) -> Event {
        Event::Connect {
            to: std::net::SocketAddr::from(([127, 0, 0, 1], 21)),
            purpose,
        }
    }

    fn connected() -> Event {
        Event::Connected {
            local: std::net::SocketAddr::from(([127, 0, 0, 1], 4000)),
        }
    }

    /// Explicit FTPS, then EPSV whose data port is dropped: every control phase, the
    /// request, and a data connect that ends with its timeout.
    #[test]
    fn phases_of_an_ftps_session_whose_data_port_is_dropped() {
        let c = "control-1";
        let epsv = Some("epsv");
        let timeline = vec![
            at(0.0, c, None, connect("control")),
            at(1.0, c, None, connected()),
            at(3.0, c, None, reply(220)),
            at(3.0, c, None, send("AUTH TLS")),
            at(4.0, c, None, reply(234)),
            at(4.0, c, None, Event::TlsStart),
            at(
                24.0,
                c,
                None,
                Event::TlsDone {
                    version: "TLSv1.3".into(),
                    resumed: false,
                },
            ),
            at(24.0, c, None, send("USER anonymous")),
            at(25.0, c, None, reply(331)),
            at(25.0, c, None, send("PASS ****")),
            at(30.0, c, None, reply(230)),
            at(31.0, c, epsv, send("EPSV")),
            at(33.0, c, epsv, reply(229)),
            at(33.0, "data-epsv", epsv, connect("epsv")),
            at(
                1033.0,
                "data-epsv",
                epsv,
                Event::Timeout {
                    after: std::time::Duration::from_secs(1),
                },
            ),
        ];
        let got = phases(&timeline);
        let want = [
            ("control", "connect", 0.001),
            ("control", "banner", 0.002),
            ("control", "tls", 0.021),
            ("control", "login", 0.006),
            ("epsv", "request", 0.002),
            ("epsv", "data_connect", 1.0),
        ];
        for (scope, phase, seconds) in want {
            let value = got.get(&(scope.to_string(), phase)).copied();
            assert!(
                value.is_some_and(|v| (v - seconds).abs() < 1e-9),
                "{scope} {phase}: {value:?} in {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn a_transfer_cut_by_the_deadline_ends_there_and_other_sessions_count_for_their_mode() {
        let timeline = vec![
            at(0.0, "control-2", None, connect("pasv")),
            at(2.0, "control-2", None, connected()),
            at(5.0, "control-2", Some("pasv"), send("LIST")),
            at(6.0, "control-2", Some("pasv"), reply(150)),
            at(9.0, "probe", None, Event::Deadline),
        ];
        let got = phases(&timeline);
        assert_eq!(got.get(&("pasv".to_string(), "connect")), Some(&0.002));
        assert_eq!(got.get(&("pasv".to_string(), "transfer")), Some(&0.004));
        assert!(!got.keys().any(|(scope, _)| scope == "control"), "{got:?}");
    }
}
