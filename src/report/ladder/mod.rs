//! The ladder diagram of one mode, as data: lanes (client, the NAT or firewall a finding
//! points at, the server, the address a 227 advertised), the steps between them in time
//! order, and numbered notes for a learner. Drawn from the report's timeline; the
//! terminal (`explain`), SVG (`html`) and Mermaid (`mermaid`) printers each draw it.

mod lanes;
mod notes;

use std::net::SocketAddr;
use std::time::Duration;

use self::lanes::{Lanes, lanes};
use self::notes::Note;
use super::{ModeReport, Report, Status};
use crate::addr::AddrClass;
use crate::probe::record::{DialWhy, ModeOutcome};
use crate::timeline::{CloseHow, Closer, Conn, Event, Stamped, SubstituteWhy};
use crate::wire::ms;

/// What stands on a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneKind {
    Client,
    /// The NAT or firewall a finding points at.
    Middlebox,
    Server,
    /// The address a 227 advertised, when it is not the server's.
    Advertised,
}

/// One vertical line of the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub kind: LaneKind,
    /// `client`, `NAT / firewall`, `server`, `advertised`.
    pub title: String,
    /// The address under the title (may be empty).
    pub addr: String,
}

/// How a step is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrow {
    /// A command on the control connection.
    Command,
    /// A reply on the control connection.
    Reply,
    /// A TCP connect that was answered (solid, to the lane it reached).
    Connect,
    /// A TCP connect nobody answered: it stops short, crossed out.
    Dropped,
    /// A connect refused: a RST, or an ICMP port-unreachable (a firewall's `reject`).
    Refused,
    /// A TLS handshake (both ways).
    Tls,
    /// Data on the data connection.
    Data,
    /// A connection closed.
    Close,
    /// Not dialled by the safety policy (dotted).
    NotDialled,
    /// Something that happened on one lane only (a wait, a listen): no arrow.
    Note,
}

/// One row: an arrow from lane `from` to lane `to` (equal for a [`Arrow::Note`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub t_ms: f64,
    pub from: usize,
    pub to: usize,
    pub arrow: Arrow,
    /// Words on the arrow; server text as it came (printers escape or clean it).
    pub label: String,
    /// The learner's note this step refers to, numbered from 1.
    pub note: Option<usize>,
}

/// One mode's diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    /// `EPSV`, `PASV`, `EPRT`, `PORT`.
    pub title: String,
    pub status: Status,
    pub lanes: Vec<Lane>,
    pub steps: Vec<Step>,
    /// Plain words for a learner, each with its RFC section; `steps[i].note` points here.
    pub notes: Vec<String>,
}

/// The diagrams of every mode that was attempted, in the report's order.
pub fn ladders(report: &Report) -> Vec<Ladder> {
    report
        .modes
        .iter()
        .filter(|m| m.status != Status::Skipped)
        .map(|m| ladder(report, m))
        .collect()
}

/// Collects notes, numbering each text once.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, note: Note) -> usize {
        let text = note.text();
        match self.0.iter().position(|n| *n == text) {
            Some(i) => i + 1,
            None => {
                self.0.push(text);
                self.0.len()
            }
        }
    }
}

/// One diagram under construction: the mode's events, read in order, one function per
/// kind of event.
struct Draw<'a> {
    mode: &'a ModeOutcome,
    l: Lanes,
    events: Vec<&'a Stamped>,
    notes: Notes,
    steps: Vec<Step>,
    not_dialled_shown: bool,
    /// Active modes: we listen, and until the server's connection comes, a step timeout
    /// on the data connection is the server never connecting back.
    awaiting_connect_back: bool,
}

fn ladder(report: &Report, m: &ModeReport) -> Ladder {
    let mode = &m.outcome;
    let (lane_list, l) = lanes(report, m);
    let events = report
        .timeline
        .iter()
        .filter(|e| e.mode == Some(mode.mode.as_str()))
        .collect();
    let mut d = Draw {
        mode,
        l,
        events,
        notes: Notes::default(),
        steps: Vec::new(),
        not_dialled_shown: false,
        awaiting_connect_back: false,
    };
    for i in 0..d.events.len() {
        d.event(i);
    }
    if d.steps.is_empty() {
        let client = d.l.client;
        d.steps.push(Step {
            t_ms: 0.0,
            from: client,
            to: client,
            arrow: Arrow::Note,
            label: "nothing on the wire for this mode (see the findings)".to_string(),
            note: None,
        });
    }
    Ladder {
        title: mode.mode.as_str().to_ascii_uppercase(),
        status: m.status,
        lanes: lane_list,
        steps: d.steps,
        notes: d.notes.0,
    }
}

impl Draw<'_> {
    /// The steps event `i` draws (none for the ones a picture leaves out).
    fn event(&mut self, i: usize) {
        let e = self.events[i];
        let on_data = matches!(e.conn, Conn::Data { .. });
        let step = match &e.event {
            Event::Send { line } => self.send(line),
            Event::Reply { code, text } => self.reply(*code, text),
            Event::Connect { to, .. } => self.connect(i, *to),
            Event::Refused { .. } => self.refused(),
            Event::Timeout { after } => self.note(format!("no answer after {} ms", ms(after))),
            Event::Unreachable { os_error } => self.note(format!(
                "unreachable{}",
                os_error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )),
            Event::Substitute {
                advertised, why, ..
            } => match self.substitute(*advertised, *why) {
                Some(step) => step,
                None => return,
            },
            Event::Listen { on } => self.listen(*on),
            Event::Accepted { from } => self.accepted(*from),
            Event::TlsDone { version, resumed } => self.tls_done(version, *resumed, on_data),
            Event::TlsFailed { why } => self.arrow(
                self.l.client,
                self.l.server,
                Arrow::Tls,
                format!("TLS failed: {why}"),
            ),
            Event::DataLast { bytes } => self.arrow(
                self.l.server,
                self.l.client,
                Arrow::Data,
                format!("data: {bytes} B"),
            ),
            Event::DataCut { bytes } => self.arrow(
                self.l.server,
                self.l.client,
                Arrow::Data,
                format!("data: {bytes} B, cut at the cap"),
            ),
            Event::Close { by, how } => self.close(*by, *how, on_data),
            Event::StepTimeout { waiting_for, after } => {
                self.step_timeout(waiting_for, *after, on_data)
            }
            Event::Deadline => self.note("--deadline struck".to_string()),
            Event::Connected { .. } | Event::TlsStart | Event::DataFirst => return,
        };
        self.steps.push(Step {
            t_ms: ms(&e.at),
            ..step
        });
    }

    /// An arrow between two lanes, at a time [`Draw::event`] fills in.
    fn arrow(&self, from: usize, to: usize, arrow: Arrow, label: String) -> Step {
        Step {
            t_ms: 0.0,
            from,
            to,
            arrow,
            label,
            note: None,
        }
    }

    /// Something that happened on the client's lane only.
    fn note(&self, label: String) -> Step {
        self.arrow(self.l.client, self.l.client, Arrow::Note, label)
    }

    fn with_note(&mut self, mut step: Step, note: Note) -> Step {
        step.note = Some(self.notes.add(note));
        step
    }

    fn send(&mut self, line: &str) -> Step {
        let mut s = self.arrow(
            self.l.client,
            self.l.server,
            Arrow::Command,
            line.to_string(),
        );
        s.note = Note::for_request(line).map(|n| self.notes.add(n));
        s
    }

    fn reply(&mut self, code: u16, text: &str) -> Step {
        let first = text.lines().next().unwrap_or_default();
        let mut s = self.arrow(
            self.l.server,
            self.l.client,
            Arrow::Reply,
            format!("{code} {first}"),
        );
        s.note = reply_note(code, self.mode, &self.l).map(|n| self.notes.add(n));
        s
    }

    /// A TCP connect, drawn by how it ended: dropped (stops short), refused, or answered.
    fn connect(&mut self, i: usize, to: SocketAddr) -> Step {
        let e = self.events[i];
        let l = &self.l;
        let target = match l.advertised {
            Some(adv) if Some(to.ip()) == l.advertised_ip => adv,
            _ => l.server,
        };
        let port = to.port();
        let outcome = self.events[i + 1..]
            .iter()
            .find(|n| n.conn == e.conn)
            .map(|n| &n.event);
        match outcome {
            Some(Event::Timeout { .. }) => {
                let s = self.arrow(
                    l.client,
                    l.middlebox.unwrap_or(target),
                    Arrow::Dropped,
                    format!("SYN → port {port}"),
                );
                self.with_note(s, Note::Dropped)
            }
            Some(Event::Refused { .. }) => self.arrow(
                l.client,
                target,
                Arrow::Connect,
                format!("SYN → port {port}"),
            ),
            _ => {
                let mut s = self.arrow(
                    l.client,
                    target,
                    Arrow::Connect,
                    format!("TCP connect → port {port}"),
                );
                if !self.not_dialled_shown {
                    s.note = substitute_note(self.mode, &self.l).map(|n| self.notes.add(n));
                }
                s
            }
        }
    }

    fn refused(&mut self) -> Step {
        let s = self.arrow(
            self.l.server,
            self.l.client,
            Arrow::Refused,
            "refused (RST or ICMP)".to_string(),
        );
        self.with_note(s, Note::Refused)
    }

    fn listen(&mut self, on: SocketAddr) -> Step {
        self.awaiting_connect_back = true;
        self.note(format!("listens on port {}", on.port()))
    }

    fn accepted(&mut self, from: SocketAddr) -> Step {
        self.awaiting_connect_back = false;
        let s = self.arrow(
            self.l.server,
            self.l.client,
            Arrow::Connect,
            format!("connect from {from}"),
        );
        self.with_note(s, Note::ConnectedBack)
    }

    fn tls_done(&mut self, version: &str, resumed: bool, on_data: bool) -> Step {
        let s = self.arrow(
            self.l.client,
            self.l.server,
            Arrow::Tls,
            format!(
                "TLS {version}{}",
                if resumed {
                    ", resumed"
                } else {
                    ", new session"
                }
            ),
        );
        match on_data {
            true => self.with_note(s, Note::DataTls { resumed }),
            false => s,
        }
    }

    fn close(&self, by: Closer, how: CloseHow, on_data: bool) -> Step {
        let how = match how {
            CloseHow::Fin => "FIN",
            CloseHow::Rst => "RST",
        };
        let what = if on_data { "data" } else { "control" };
        let (from, to) = match by {
            Closer::Us => (self.l.client, self.l.server),
            Closer::Peer => (self.l.server, self.l.client),
        };
        self.arrow(from, to, Arrow::Close, format!("{how} ({what})"))
    }

    fn step_timeout(&mut self, waiting_for: &str, after: Duration, on_data: bool) -> Step {
        let after_ms = ms(&after);
        if on_data && self.awaiting_connect_back {
            // The connection that never came, drawn from the server and stopping short of
            // the client (at the firewall, when one is drawn).
            let s = self.arrow(
                self.l.server,
                self.l.middlebox.unwrap_or(self.l.client),
                Arrow::Dropped,
                format!("no connect-back in {after_ms} ms"),
            );
            return self.with_note(s, Note::NeverConnectedBack);
        }
        self.note(format!("waited {after_ms} ms for {waiting_for}: gave up"))
    }

    /// The advertised address the probe did not dial (none when it dialled it under
    /// --follow-advertised and it failed: that connect is drawn already).
    fn substitute(&mut self, advertised: SocketAddr, why: SubstituteWhy) -> Option<Step> {
        if why == SubstituteWhy::AdvertisedFailed {
            return None;
        }
        self.not_dialled_shown = true;
        let label = format!("not dialled: {advertised} ({why})");
        let s = match self.l.advertised {
            Some(lane) => self.arrow(self.l.client, lane, Arrow::NotDialled, label),
            None => self.note(label),
        };
        Some(self.with_note(s, Note::NotDialled))
    }
}

/// What a reply means for the learner, where it means something particular.
fn reply_note(code: u16, mode: &ModeOutcome, l: &Lanes) -> Option<Note> {
    match code {
        227 => {
            let adv = mode.advertised.as_ref()?;
            Some(match (l.advertised_ip, adv.class) {
                (Some(ip), class @ (AddrClass::Private | AddrClass::Shared)) => {
                    Note::PasvPrivate { ip, class }
                }
                (Some(ip), class) => Note::PasvOther { ip, class },
                (None, _) => Note::PasvOwn { port: adv.port },
            })
        }
        229 => Some(Note::Epsv),
        500..=504 => Some(Note::NotAccepted(code)),
        425 => Some(Note::NoDataConnection),
        _ => None,
    }
}

/// The control peer dialled with the advertised port, in place of the advertised address.
fn substitute_note(mode: &ModeOutcome, l: &Lanes) -> Option<Note> {
    let _ = l.server_ip?;
    mode.dials
        .iter()
        .any(|d| d.why == DialWhy::ControlPeerSubstitute)
        .then_some(Note::Substitute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn epsv_of_the_sample_shows_a_dropped_connect_through_a_firewall() {
        let report = sample::report();
        let all = ladders(&report);
        let epsv = all.iter().find(|l| l.title == "EPSV");
        let Some(epsv) = epsv else {
            panic!("no EPSV ladder: {all:#?}");
        };
        assert!(
            epsv.steps
                .iter()
                .any(|s| s.arrow == Arrow::Reply && s.label.starts_with("229"))
        );
        assert!(
            epsv.steps
                .iter()
                .any(|s| s.arrow == Arrow::Note && s.label.contains("5000"))
        );
    }
}
