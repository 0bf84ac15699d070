//! The ladder diagram of one mode, as data: lanes (client, the NAT or firewall a finding
//! points at, the server, the address a 227 advertised), the steps between them in time
//! order, and numbered notes for a learner. Drawn from the report's timeline; the
//! terminal (`explain`), SVG (`html`) and Mermaid (`mermaid`) printers each draw it.

use std::net::IpAddr;

use super::timeline::{CloseBy, CloseKind, TimelineEntry, TimelineEvent};
use super::{ModeReport, Report, Status};
use crate::addr::AddrClass;
use crate::diagnose::FindingId;
use crate::probe::record::{DialResult, ModeOutcome};

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
    /// A reset in answer to a connect.
    Reset,
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

/// Lane indexes of one diagram.
struct Lanes {
    client: usize,
    middlebox: Option<usize>,
    server: usize,
    advertised: Option<usize>,
    server_ip: Option<IpAddr>,
    advertised_ip: Option<IpAddr>,
}

fn lanes(report: &Report, m: &ModeReport) -> (Vec<Lane>, Lanes) {
    let mode = &m.outcome;
    let mut out = vec![Lane {
        kind: LaneKind::Client,
        title: "client".to_string(),
        addr: report
            .control
            .local
            .map(|a| a.ip().to_string())
            .unwrap_or_default(),
    }];
    let middlebox = middlebox_title(report, mode).map(|title| {
        out.push(Lane {
            kind: LaneKind::Middlebox,
            title: title.to_string(),
            addr: String::new(),
        });
        out.len() - 1
    });
    let server_ip = report.control.peer.map(|p| p.ip());
    out.push(Lane {
        kind: LaneKind::Server,
        title: "server".to_string(),
        addr: server_ip.map(|ip| ip.to_string()).unwrap_or_default(),
    });
    let server = out.len() - 1;
    let advertised_ip = mode
        .advertised
        .as_ref()
        .map(|a| a.ip)
        .filter(|ip| Some(*ip) != server_ip.map(|s| s.to_canonical()));
    let advertised = advertised_ip.map(|ip| {
        out.push(Lane {
            kind: LaneKind::Advertised,
            title: "advertised".to_string(),
            addr: ip.to_string(),
        });
        out.len() - 1
    });
    let idx = Lanes {
        client: 0,
        middlebox,
        server,
        advertised,
        server_ip,
        advertised_ip,
    };
    (out, idx)
}

/// The NAT or firewall a finding of this mode (or the session) points at.
fn middlebox_title(report: &Report, mode: &ModeOutcome) -> Option<&'static str> {
    let concerns = |id: FindingId| {
        report
            .findings
            .iter()
            .any(|f| f.id == id && (f.mode.is_none() || f.mode == Some(mode.mode)))
    };
    if concerns(FindingId::AlgRewrite) {
        Some("NAT (FTP ALG)")
    } else if concerns(FindingId::PasvPrivateAddress) || concerns(FindingId::ClientBehindNat) {
        Some("NAT")
    } else if concerns(FindingId::DataConnectTimeout) || concerns(FindingId::ActiveConnectTimeout) {
        Some("firewall")
    } else {
        None
    }
}

/// Collects notes, numbering each text once.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, text: String) -> usize {
        match self.0.iter().position(|n| *n == text) {
            Some(i) => i + 1,
            None => {
                self.0.push(text);
                self.0.len()
            }
        }
    }
}

fn ladder(report: &Report, m: &ModeReport) -> Ladder {
    let mode = &m.outcome;
    let name = mode.mode.as_str();
    let (lane_list, l) = lanes(report, m);
    let events: Vec<&TimelineEntry> = report
        .timeline
        .iter()
        .filter(|e| e.mode.as_deref() == Some(name))
        .collect();
    let mut notes = Notes::default();
    let mut steps = Vec::new();
    let mut not_dialled_shown = false;
    // Active modes: we listen, and until the server's connection comes, a step timeout on
    // the data connection is the server never connecting back.
    let mut awaiting_connect_back = false;
    for (i, e) in events.iter().enumerate() {
        let on_data = e.conn.starts_with("data-");
        let step = |from: usize, to: usize, arrow: Arrow, label: String| Step {
            t_ms: e.t_ms,
            from,
            to,
            arrow,
            label,
            note: None,
        };
        let mut s =
            match &e.event {
                TimelineEvent::Send { line } => {
                    let mut s = step(l.client, l.server, Arrow::Command, line.clone());
                    s.note = request_note(line).map(|n| notes.add(n));
                    s
                }
                TimelineEvent::Reply { code, text } => {
                    let first = text.lines().next().unwrap_or_default();
                    let mut s = step(l.server, l.client, Arrow::Reply, format!("{code} {first}"));
                    s.note = reply_note(*code, mode, &l).map(|n| notes.add(n));
                    s
                }
                TimelineEvent::Connect { to, .. } => {
                    let ip = to.parse::<std::net::SocketAddr>().ok().map(|a| a.ip());
                    let target = match (l.advertised, ip) {
                        (Some(adv), Some(ip)) if Some(ip) == l.advertised_ip => adv,
                        _ => l.server,
                    };
                    let port = to.rsplit(':').next().unwrap_or_default();
                    let outcome = events[i + 1..]
                        .iter()
                        .find(|n| n.conn == e.conn)
                        .map(|n| &n.event);
                    match outcome {
                        Some(TimelineEvent::Timeout { .. }) => {
                            let mut s = step(
                                l.client,
                                l.middlebox.unwrap_or(target),
                                Arrow::Dropped,
                                format!("SYN → port {port}"),
                            );
                            s.note = Some(notes.add(
                            "Nothing answered the SYN: a firewall drops packets to this port \
                             without a word, so the client waits its whole timeout \
                             (RFC 9293 3.5; RFC 1579 on firewall-friendly FTP)."
                                .to_string(),
                        ));
                            s
                        }
                        Some(TimelineEvent::Refused { .. }) => step(
                            l.client,
                            target,
                            Arrow::Connect,
                            format!("SYN → port {port}"),
                        ),
                        _ => {
                            let mut s = step(
                                l.client,
                                target,
                                Arrow::Connect,
                                format!("TCP connect → port {port}"),
                            );
                            if !not_dialled_shown {
                                s.note = substitute_note(mode, &l).map(|n| notes.add(n));
                            }
                            s
                        }
                    }
                }
                TimelineEvent::Connected { .. } => continue,
                TimelineEvent::Refused { .. } => {
                    let mut s = step(l.server, l.client, Arrow::Reset, "RST".to_string());
                    s.note = Some(notes.add(
                    "The SYN was answered with a reset: nothing listens on that port, or a \
                     firewall rejects (rather than drops) the connection (RFC 9293 3.5.2)."
                        .to_string(),
                ));
                    s
                }
                TimelineEvent::Timeout { after_ms } => step(
                    l.client,
                    l.client,
                    Arrow::Note,
                    format!("no answer after {after_ms} ms"),
                ),
                TimelineEvent::Unreachable { error } => step(
                    l.client,
                    l.client,
                    Arrow::Note,
                    format!(
                        "unreachable{}",
                        error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                ),
                TimelineEvent::Listen { on } => {
                    awaiting_connect_back = true;
                    let port = on.rsplit(':').next().unwrap_or_default();
                    step(
                        l.client,
                        l.client,
                        Arrow::Note,
                        format!("listens on port {port}"),
                    )
                }
                TimelineEvent::Accepted { from } => {
                    awaiting_connect_back = false;
                    let mut s = step(
                        l.server,
                        l.client,
                        Arrow::Connect,
                        format!("connect from {from}"),
                    );
                    s.note = Some(
                        notes.add(
                            "The server opened the data connection to the client: in active mode \
                     the server connects back (RFC 959 3.2)."
                                .to_string(),
                        ),
                    );
                    s
                }
                TimelineEvent::TlsStart => continue,
                TimelineEvent::TlsDone { version, resumed } => {
                    let mut s = step(
                        l.client,
                        l.server,
                        Arrow::Tls,
                        format!(
                            "TLS {version}{}",
                            if *resumed {
                                ", resumed"
                            } else {
                                ", new session"
                            }
                        ),
                    );
                    if on_data {
                        s.note = Some(notes.add(if *resumed {
                            "The data connection has its own TLS handshake and resumed the \
                         control connection's session, which servers such as vsftpd \
                         (require_ssl_reuse) demand (RFC 4217 7)."
                                .to_string()
                        } else {
                            "The data connection has its own TLS handshake, here a new session \
                         (RFC 4217 7)."
                                .to_string()
                        }));
                    }
                    s
                }
                TimelineEvent::TlsFailed { why } => {
                    step(l.client, l.server, Arrow::Tls, format!("TLS failed: {why}"))
                }
                TimelineEvent::DataFirst => continue,
                TimelineEvent::DataLast { bytes } => {
                    step(l.server, l.client, Arrow::Data, format!("data: {bytes} B"))
                }
                TimelineEvent::DataCut { bytes } => step(
                    l.server,
                    l.client,
                    Arrow::Data,
                    format!("data: {bytes} B, cut at the cap"),
                ),
                TimelineEvent::Close { by, how } => {
                    let how = match how {
                        CloseKind::Fin => "FIN",
                        CloseKind::Rst => "RST",
                    };
                    let what = if on_data { "data" } else { "control" };
                    match by {
                        CloseBy::Us => {
                            step(l.client, l.server, Arrow::Close, format!("{how} ({what})"))
                        }
                        CloseBy::Peer => {
                            step(l.server, l.client, Arrow::Close, format!("{how} ({what})"))
                        }
                    }
                }
                TimelineEvent::StepTimeout {
                    waiting_for,
                    after_ms,
                } => {
                    let mut s = step(
                        l.client,
                        l.client,
                        Arrow::Note,
                        format!("waited {after_ms} ms for {waiting_for}: gave up"),
                    );
                    if on_data && awaiting_connect_back {
                        // The connection that never came, drawn from the server and
                        // stopping short of the client (at the firewall, when one is drawn).
                        s = step(
                            l.server,
                            l.middlebox.unwrap_or(l.client),
                            Arrow::Dropped,
                            format!("no connect-back in {after_ms} ms"),
                        );
                        s.note = Some(notes.add(
                        "The server never connected back. A firewall or NAT in front of the \
                         client does not let the server's connection in; passive mode avoids \
                         this (RFC 959 3.2; RFC 1579)."
                            .to_string(),
                    ));
                    }
                    s
                }
                TimelineEvent::Deadline => step(
                    l.client,
                    l.client,
                    Arrow::Note,
                    "--deadline struck".to_string(),
                ),
            };
        // The advertised address the policy did not dial, right after the 227.
        if let (TimelineEvent::Reply { code: 227, .. }, Some(adv)) = (&e.event, l.advertised) {
            steps.push(s);
            if let Some(d) = mode
                .dials
                .iter()
                .find(|d| d.outcome == DialResult::SkippedPolicy)
            {
                not_dialled_shown = true;
                s = Step {
                    t_ms: e.t_ms,
                    from: l.client,
                    to: adv,
                    arrow: Arrow::NotDialled,
                    label: format!("not dialled: {}", d.addr),
                    note: Some(
                        notes.add(
                            "ftpdoctor does not dial an advertised address other than the \
                         server's own (curl CVE-2020-8284): it dials the server's address \
                         with the advertised port instead, as curl does (FileZilla does it \
                         only when the server's own address is routable)."
                                .to_string(),
                        ),
                    ),
                };
            } else {
                continue;
            }
        }
        steps.push(s);
    }
    if steps.is_empty() {
        steps.push(Step {
            t_ms: 0.0,
            from: l.client,
            to: l.client,
            arrow: Arrow::Note,
            label: "nothing on the wire for this mode (see the findings)".to_string(),
            note: None,
        });
    }
    Ladder {
        title: name.to_ascii_uppercase(),
        status: m.status,
        lanes: lane_list,
        steps,
        notes: notes.0,
    }
}

/// What a mode's request asks for.
fn request_note(line: &str) -> Option<String> {
    let verb = line.split_whitespace().next()?.to_ascii_uppercase();
    Some(match verb.as_str() {
        "PASV" => "PASV asks the server to listen on a new port and to say where, as \
                   h1,h2,h3,h4,p1,p2 in a 227 reply (RFC 959 4.1.2)."
            .to_string(),
        "EPSV" => "EPSV asks the same, but the 229 reply carries only the port: the client \
                   connects to the address it already uses for the control connection \
                   (RFC 2428 3)."
            .to_string(),
        "PORT" => "PORT tells the server the client's address and a port it listens on; the \
                   server connects back to it for the data (RFC 959 4.1.2, active mode)."
            .to_string(),
        "EPRT" => "EPRT is PORT for any address family, IPv6 included (RFC 2428 2).".to_string(),
        "LIST" | "RETR" => format!(
            "{verb} asks for the data; the server answers 150 (or 125), moves the data over \
             the data connection and says 226 when it is done (RFC 959 4.1.3, 5.4)."
        ),
        _ => return None,
    })
}

/// What a reply means for the learner, where it means something particular.
fn reply_note(code: u16, mode: &ModeOutcome, l: &Lanes) -> Option<String> {
    match code {
        227 => {
            let adv = mode.advertised.as_ref()?;
            Some(match (l.advertised_ip, adv.class) {
                (Some(ip), AddrClass::Private | AddrClass::Shared) => format!(
                    "The 227 carried {ip}, a {} address ({}): the server sits behind NAT \
                     and was not told its public address. A client that follows it hangs \
                     here.",
                    adv.class,
                    if adv.class == AddrClass::Private {
                        "RFC 1918"
                    } else {
                        "RFC 6598"
                    }
                ),
                (Some(ip), class) => format!(
                    "The 227 carried {ip} ({class}), not the address the client reached the \
                     server on: a stale or wrong masquerade address (RFC 959 4.1.2)."
                ),
                (None, _) => format!(
                    "The 227 carried the server's own address and port {} (p1×256+p2, \
                     RFC 959 4.1.2).",
                    adv.port
                ),
            })
        }
        229 => Some(
            "229 gives only the port, between delimiters: (|||port|) (RFC 2428 3).".to_string(),
        ),
        500..=504 => Some(format!(
            "{code}: the server does not accept this command here (RFC 959 4.2)."
        )),
        425 => {
            Some("425: the server could not open the data connection (RFC 959 4.2).".to_string())
        }
        _ => None,
    }
}

/// The control peer dialled with the advertised port, in place of the advertised address.
fn substitute_note(mode: &ModeOutcome, l: &Lanes) -> Option<String> {
    let _ = l.server_ip?;
    mode.dials
        .iter()
        .any(|d| d.why == crate::probe::record::DialWhy::ControlPeerSubstitute)
        .then(|| {
            "The client dialled the server's own address with the advertised port: what \
             curl (--ftp-skip-pasv-ip, the default since 7.74) does, and FileZilla when the \
             server's own address is routable."
                .to_string()
        })
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
