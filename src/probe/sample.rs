//! `--sample-ports N`: N passive requests in a row on one session, each port dialled at
//! once (control peer + port, never an advertised address), to see the server's passive
//! port range and which part of it a firewall lets through.
//!
//! Each port is dialled before the next request: servers close the previous passive
//! listener on a new PASV/EPSV, so ports collected first and dialled later would all
//! look refused.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::outcome::{
    ControlOutcome, DialResult, ErrorKind, Login, Mode, ProbeOutcome, ReplyRecord, Stage,
    StepError, serialize_ms,
};
use super::session::{Session, establish, step_error};
use super::{ProbeConfig, Sessions};
use crate::net::dial;
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg};

/// Most passive requests one probe sends: each makes the server open a listener, and
/// a few hundred samples already show any range a firewall is configured with.
pub const MAX_SAMPLE_PORTS: u16 = 256;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplePort {
    /// What the reply advertised.
    pub port: u16,
    /// What was dialled: the control peer with that port.
    #[serde(serialize_with = "super::outcome::serialize_display")]
    pub addr: SocketAddr,
    pub outcome: DialResult,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleOutcome {
    /// `EPSV` or `PASV`.
    pub request: &'static str,
    /// Requests asked for (--sample-ports).
    pub requested: u16,
    /// One entry per answered request, in order.
    pub ports: Vec<SamplePort>,
    /// Lowest and highest port seen: the likely configured range.
    pub lowest: Option<u16>,
    pub highest: Option<u16>,
    /// Dials that connected.
    pub reachable: usize,
    /// `12 of 16 sampled ports reachable; 50010–50019 filtered`.
    pub summary: String,
    /// Why sampling stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
}

impl SampleOutcome {
    /// Nothing sampled yet: `request` is `EPSV` or `PASV`, `requested` the N asked for.
    pub fn new(request: &'static str, requested: u16) -> SampleOutcome {
        SampleOutcome {
            request,
            requested,
            ports: Vec::new(),
            lowest: None,
            highest: None,
            reachable: 0,
            summary: String::new(),
            error: None,
        }
    }

    /// Records one dialled port and brings the range and summary up to date.
    pub fn push(&mut self, port: SamplePort) {
        self.lowest = Some(self.lowest.map_or(port.port, |p| p.min(port.port)));
        self.highest = Some(self.highest.map_or(port.port, |p| p.max(port.port)));
        if port.outcome == DialResult::Connected {
            self.reachable += 1;
        }
        self.ports.push(port);
        self.summary = summarise(self);
    }

    /// Distinct ports whose dials ended in `outcome`, as ranges (`50010–50019, 50030`).
    pub fn ranges(&self, outcome: DialResult) -> String {
        let mut ports: Vec<u16> = self
            .ports
            .iter()
            .filter(|p| p.outcome == outcome)
            .map(|p| p.port)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        let mut runs: Vec<(u16, u16)> = Vec::new();
        for p in ports {
            match runs.last_mut() {
                Some((_, hi)) if hi.checked_add(1) == Some(p) => *hi = p,
                _ => runs.push((p, p)),
            }
        }
        runs.iter()
            .map(|&(lo, hi)| match lo == hi {
                true => lo.to_string(),
                false => format!("{lo}–{hi}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether any sampled port could not be reached.
    pub fn has_unreachable(&self) -> bool {
        self.reachable < self.ports.len()
    }
}

fn summarise(s: &SampleOutcome) -> String {
    let mut text = format!(
        "{} of {} sampled ports reachable",
        s.reachable,
        s.ports.len()
    );
    for (outcome, word) in [
        (DialResult::Timeout, "filtered"),
        (DialResult::Refused, "refused"),
        (DialResult::Unreachable, "unreachable"),
    ] {
        let ranges = s.ranges(outcome);
        if !ranges.is_empty() {
            text.push_str(&format!("; {ranges} {word}"));
        }
    }
    if let (Some(lo), Some(hi)) = (s.lowest, s.highest) {
        text.push_str(&format!(" (ports seen {lo}–{hi})"));
    }
    text
}

/// Samples the passive range when asked to and a session could be set up.
pub(super) async fn run(config: &ProbeConfig, out: &mut ProbeOutcome, sessions: &mut Sessions) {
    if config.sample_ports == 0 {
        return;
    }
    // No session was set up (no connect, refused login): nothing to sample on.
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        return;
    };
    let request = verb(config, out, peer);
    // As the modes' sessions: never plaintext after a first session with TLS.
    let later = super::same_as_first(config, out);
    let sample = out
        .sample
        .insert(SampleOutcome::new(request, config.sample_ports));
    // A mode's session that is still in step will do; else a fresh one.
    let reuse = sessions
        .slots
        .iter()
        .position(|s| s.as_ref().is_some_and(Session::usable));
    let session = match reuse {
        Some(i) => sessions.slots[i].as_mut(),
        None => {
            let mut scratch = ControlOutcome::new(&config.credentials.user);
            let result = establish(
                peer,
                &later,
                "sample",
                &mut scratch,
                false,
                &mut sessions.sample,
            )
            .await;
            if let Err(err) = result {
                sample.error = Some(err);
                return;
            }
            sessions.sample.as_mut()
        }
    };
    let Some(session) = session else {
        return;
    };
    for _ in 0..config.sample_ports {
        let cmd = match request {
            "EPSV" => Command::Epsv(EpsvArg::None),
            _ => Command::Pasv,
        };
        let reply = match session.conn.command(&cmd).await {
            Ok(reply) => reply,
            Err(err) => {
                sample.error = Some(step_error(Stage::Request, &err));
                return;
            }
        };
        let port = match (request, reply.code) {
            ("EPSV", 229) => parse_229(&reply).map_err(|e| e.to_string()),
            ("PASV", 227) => parse_227(&reply)
                .map(|a| a.port())
                .map_err(|e| e.to_string()),
            _ => Err(format!(
                "expected a passive reply, got {}",
                ReplyRecord::from(&reply)
            )),
        };
        let port = match port {
            Ok(port) => port,
            Err(detail) => {
                sample.error = Some(StepError {
                    reply: Some(ReplyRecord::from(&reply)),
                    ..StepError::new(Stage::Request, ErrorKind::UnexpectedReply, detail)
                });
                return;
            }
        };
        let addr = SocketAddr::new(peer.ip(), port);
        let started = Instant::now();
        let tap = config.timeline.data("sample");
        let dialled = dial(addr, config.step_timeout, &tap, "sample").await;
        sample.push(SamplePort {
            port,
            addr,
            outcome: DialResult::from(dialled.outcome),
            elapsed: started.elapsed(),
        });
        // Dropping the stream closes the data connection; the next request replaces
        // the server's listener.
    }
}

/// EPSV, unless EPSV was refused or left out with --modes (then PASV, on IPv4 only).
fn verb(config: &ProbeConfig, out: &ProbeOutcome, peer: SocketAddr) -> &'static str {
    let epsv_refused = out
        .modes
        .iter()
        .any(|m| m.mode == Mode::Epsv && m.reply.as_ref().is_some_and(|r| r.code >= 400));
    let no_epsv = epsv_refused || !config.modes.contains(&Mode::Epsv);
    match no_epsv && peer.ip().to_canonical().is_ipv4() {
        true => "PASV",
        false => "EPSV",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(port: u16, outcome: DialResult) -> SamplePort {
        SamplePort {
            port,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            outcome,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn summary_groups_filtered_ports_into_ranges() {
        let mut s = SampleOutcome::new("EPSV", 6);
        for (p, o) in [
            (50001, DialResult::Connected),
            (50010, DialResult::Timeout),
            (50011, DialResult::Timeout),
            (50012, DialResult::Timeout),
            (50020, DialResult::Refused),
            (50011, DialResult::Timeout),
        ] {
            s.push(port(p, o));
        }
        assert_eq!(
            s.summary,
            "1 of 6 sampled ports reachable; 50010–50012 filtered; 50020 refused (ports seen 50001–50020)"
        );
        assert!(s.has_unreachable());
    }

    #[test]
    fn all_reachable_says_only_the_count_and_range() {
        let mut s = SampleOutcome::new("PASV", 2);
        s.push(port(40000, DialResult::Connected));
        s.push(port(40001, DialResult::Connected));
        assert_eq!(
            s.summary,
            "2 of 2 sampled ports reachable (ports seen 40000–40001)"
        );
        assert!(!s.has_unreachable());
    }

    #[test]
    fn highest_port_does_not_overflow_a_range() {
        let mut s = SampleOutcome::new("EPSV", 2);
        s.push(port(65535, DialResult::Timeout));
        s.push(port(65534, DialResult::Timeout));
        assert_eq!(s.ranges(DialResult::Timeout), "65534–65535");
    }
}
