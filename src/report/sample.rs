//! Hand-built reports for the printers' unit tests: the shapes a real probe produces
//! (a NAT'd PASV, a refused EPSV, an active mode that times out, a skipped mode), built
//! from the public types so that the tests see what the printers will see.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::{ModeReport, Report, SCHEMA, Status, Verdict};
use crate::addr::AddrClass;
use crate::diagnose::{Finding, FindingId, Severity};
use crate::probe::record::{
    AcceptRecord, AcceptResult, Advertised, ConnectRecord, ControlOutcome, DialRecord, DialResult,
    DialWhy, Login, Mode, ModeOutcome, ReplyRecord, SkipReason, Strategy, TargetInfo,
    TranscriptEntry, TransferRecord, TransferResult,
};
use crate::timeline::{CloseHow, Closer, Conn, Event, Stamped};

fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), port)
}

fn reply(code: u16, text: &str) -> Option<ReplyRecord> {
    Some(ReplyRecord {
        code,
        text: text.to_string(),
    })
}

pub(super) fn finding(id: FindingId, severity: Severity, mode: Option<Mode>) -> Finding {
    Finding {
        id,
        severity,
        mode,
        summary: format!("{id} happened"),
        evidence: format!("the evidence for {id}"),
        fix: format!("the fix for {id}"),
        reference: "RFC 959 4.1.2".to_string(),
    }
}

/// A loopback server that advertises a private address in its 227: PASV fails (the
/// substitute dial is refused), EPSV is refused, EPRT works, PORT times out.
/// The findings grouped as `Report::new` groups them, with a summary that names the
/// modes of [`report`] (the samples pin the layout; the summary's words have their own
/// tests in diagnose).
pub(crate) fn grouped(findings: Vec<Finding>) -> (Vec<Finding>, crate::diagnose::Summary) {
    let grouped = crate::diagnose::by_cause(findings);
    let summary = crate::diagnose::Summary {
        works: vec![Mode::Eprt],
        warns: vec![Mode::Epsv],
        fails: vec![Mode::Pasv, Mode::Port],
        refused: Vec::new(),
        refused_codes: Vec::new(),
        ports_note_idle: false,
        meanwhile: None,
        skipped: Vec::new(),
        untested: Vec::new(),
        sampled: None,
        root_cause: None,
        cause: None,
        fix: None,
        notes: Vec::new(),
        explained_by: grouped.explained_by,
        headline: "EPRT works; EPSV works with a warning; PASV and PORT fail".to_string(),
    };
    (grouped.findings, summary)
}

pub(crate) fn report() -> Report {
    let peer = v4(127, 0, 0, 1, 2121);
    let mut control = ControlOutcome::new("anonymous");
    control.peer = Some(peer);
    control.local = Some(v4(127, 0, 0, 1, 40112));
    control.banner = Some("(vsFTPd 3.0.3)".to_string());
    control.login = Login::Ok;
    control.features = ["EPSV", "PASV", "SIZE", "UTF8"].map(String::from).to_vec();
    control.connects = vec![ConnectRecord {
        addr: peer,
        outcome: DialResult::Connected,
        elapsed: Duration::from_micros(200),
        error: None,
        cut: None,
    }];

    let mut epsv = ModeOutcome::new(Mode::Epsv);
    epsv.request = Some("EPSV".to_string());
    epsv.reply = reply(500, "Unknown command.");
    epsv.elapsed = Duration::from_micros(400);

    let mut pasv = ModeOutcome::new(Mode::Pasv);
    pasv.request = Some("PASV".to_string());
    pasv.reply = reply(227, "Entering Passive Mode (10,0,0,5,4,1).");
    pasv.advertised = Some(Advertised {
        ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
        port: 1025,
        class: AddrClass::Private,
    });
    pasv.dials = vec![
        DialRecord {
            proxy: None,
            addr: v4(10, 0, 0, 5, 1025),
            why: DialWhy::Advertised,
            outcome: DialResult::SkippedPolicy,
            elapsed: Duration::ZERO,
            error: Some("not the control peer (--follow-advertised dials it)".to_string()),
            cut: None,
        },
        DialRecord {
            proxy: None,
            addr: v4(127, 0, 0, 1, 1025),
            why: DialWhy::ControlPeerSubstitute,
            outcome: DialResult::Refused,
            elapsed: Duration::from_micros(300),
            error: Some("Connection refused (os error 111)".to_string()),
            cut: None,
        },
    ];
    pasv.elapsed = Duration::from_micros(1200);

    let mut eprt = ModeOutcome::new(Mode::Eprt);
    eprt.request = Some("EPRT |1|127.0.0.1|40000|".to_string());
    eprt.reply = reply(200, "EPRT command successful.");
    eprt.accept = Some(AcceptRecord {
        listen: v4(127, 0, 0, 1, 40000),
        from: Some(v4(127, 0, 0, 1, 20)),
        outcome: AcceptResult::Accepted,
        elapsed: Duration::from_micros(1200),
        during_request: false,
        cut: None,
    });
    eprt.transfer = Some(TransferRecord {
        command: "LIST".to_string(),
        verb: crate::probe::TransferVerb::List,
        outcome: TransferResult::Ok,
        bytes: 120,
        elapsed: Duration::from_micros(2100),
        preliminary_reply: reply(150, "Here comes the directory listing."),
        final_reply: reply(226, "Directory send OK."),
        stalled_at: None,
        error: None,
        cause: None,
        truncated: false,
        tls: None,
        cut: None,
    });
    eprt.elapsed = Duration::from_micros(5000);

    let mut port = ModeOutcome::new(Mode::Port);
    port.request = Some("PORT 127,0,0,1,156,65".to_string());
    port.reply = reply(200, "PORT command successful. Consider using PASV.");
    port.accept = Some(AcceptRecord {
        listen: v4(127, 0, 0, 1, 40001),
        from: None,
        outcome: AcceptResult::Timeout,
        elapsed: Duration::from_secs(5),
        during_request: false,
        cut: None,
    });
    port.elapsed = Duration::from_millis(5003);

    let findings = vec![
        finding(FindingId::EpsvUnsupported, Severity::Warn, Some(Mode::Epsv)),
        finding(FindingId::ClientBehindNat, Severity::Info, None),
        finding(
            FindingId::PasvPrivateAddress,
            Severity::Error,
            Some(Mode::Pasv),
        ),
        finding(
            FindingId::ActiveConnectTimeout,
            Severity::Error,
            Some(Mode::Port),
        ),
    ];

    let status = [Status::Warn, Status::Fail, Status::Ok, Status::Fail];
    let (findings, summary) = grouped(findings);
    Report {
        schema: SCHEMA,
        target: TargetInfo {
            input: "ftp://127.0.0.1:2121/".to_string(),
            host: "127.0.0.1".to_string(),
            port: 2121,
            resolved: vec![peer.ip()],
            path: "/".to_string(),
            dns: None,
            address: None,
        },
        control,
        modes: [epsv, pasv, eprt, port]
            .into_iter()
            .zip(status)
            .map(|(outcome, status)| ModeReport {
                outcome,
                status,
                ok_rounds: None,
            })
            .collect(),
        summary,
        findings,
        waived: Vec::new(),
        verdict: Verdict::Fail,
        strategy: Strategy::Concurrent,
        fallback_reply: None,
        plaintext_check: None,
        tls_reuse_check: None,
        deadline_hit: false,
        interrupted: false,
        deadline_ms: 30000.0,
        rounds: None,
        elapsed_ms: 41.0,
        transcript: None,
        sample: None,
        size_check: None,
        idle: None,
        upload: None,
        clients: Vec::new(),
        timeline: timeline(),
        timeline_dropped: 0,
    }
}

/// One event of each shape the documented example shows.
fn timeline() -> Vec<Stamped> {
    let at = |us: u64, conn: Conn, mode: Option<&'static str>, event: Event| Stamped {
        at: Duration::from_micros(us),
        conn,
        mode,
        event,
    };
    let addr = |s: &str| s.parse().unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
    let epsv = Conn::Data { mode: "epsv", n: 1 };
    vec![
        at(
            200,
            Conn::Control(1),
            None,
            Event::Connect {
                to: addr("127.0.0.1:2121"),
                purpose: "control",
            },
        ),
        at(
            400,
            Conn::Control(1),
            None,
            Event::Connected {
                local: addr("127.0.0.1:40112"),
            },
        ),
        at(
            1_200,
            Conn::Control(1),
            None,
            Event::Send {
                line: "PASS ****".to_string(),
            },
        ),
        at(
            2_000,
            Conn::Control(1),
            Some("epsv"),
            Event::Reply {
                code: 229,
                text: "Entering Extended Passive Mode (|||50002|)".to_string(),
            },
        ),
        at(
            5_002_300,
            epsv,
            Some("epsv"),
            Event::Timeout {
                after: Duration::from_secs(5),
            },
        ),
        at(
            5_004_600,
            Conn::Control(1),
            None,
            Event::Close {
                by: Closer::Us,
                how: CloseHow::Fin,
            },
        ),
    ]
}

/// The worst case for the table's width: IPv6 everywhere, long replies and paths, a
/// long banner and feature list, the 421 fallback, a deadline, and a skipped mode.
pub(crate) fn wide_report() -> Report {
    let ip6 = IpAddr::V6(Ipv6Addr::new(
        0x2001, 0xdb8, 0x1234, 0x5678, 0x9abc, 0xdef0, 0x1234, 0x5678,
    ));
    let local6 = IpAddr::V6(Ipv6Addr::new(
        0x2001, 0xdb8, 0xffff, 0xeeee, 0xdddd, 0xcccc, 0xbbbb, 0xaaaa,
    ));
    let long = "x".repeat(150);
    let mut r = report();
    r.target.input = format!("ftp://anonymous@[{ip6}]:2121/pub/{long}/");
    r.target.host = ip6.to_string();
    r.target.resolved = vec![ip6, IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1))];
    r.control.peer = Some(SocketAddr::new(ip6, 2121));
    r.control.local = Some(SocketAddr::new(local6, 40112));
    r.control.banner = Some(format!("Welcome {long}\nsecond line"));
    r.control.features = (0..40).map(|i| format!("FEATURE{i}")).collect();
    r.strategy = Strategy::SequentialFallback;
    r.fallback_reply = reply(421, "Too many connections from your IP address, try later.");
    r.deadline_hit = true;

    let data = SocketAddr::new(ip6, 50002);
    for m in &mut r.modes {
        let o = &mut m.outcome;
        o.reply = reply(
            o.reply.as_ref().map_or(200, |r| r.code),
            &format!("A very long reply text that goes on and on {long}"),
        );
        match o.mode {
            Mode::Epsv => {
                o.request = Some("EPSV".to_string());
                o.reply = reply(229, "Entering Extended Passive Mode (|||50002|)");
                o.dials = vec![DialRecord {
                    proxy: None,
                    addr: data,
                    why: DialWhy::Epsv,
                    outcome: DialResult::Timeout,
                    elapsed: Duration::from_secs(5),
                    error: None,
                    cut: None,
                }];
            }
            Mode::Pasv => {
                *o = ModeOutcome::skipped(
                    Mode::Pasv,
                    SkipReason::Ipv4Only,
                    "carries only IPv4 addresses (RFC 959); EPSV/EPRT serve IPv6",
                );
                m.status = Status::Skipped;
            }
            Mode::Eprt => {
                o.request = Some(format!("EPRT |2|{local6}|40000|"));
                if let Some(a) = &mut o.accept {
                    a.listen = SocketAddr::new(local6, 40000);
                    a.from = Some(SocketAddr::new(ip6, 20));
                }
                if let Some(t) = &mut o.transfer {
                    t.command = format!("LIST /pub/{long}/");
                    t.outcome = TransferResult::Failed;
                    t.final_reply =
                        reply(426, &format!("Connection closed; transfer aborted {long}"));
                }
            }
            Mode::Port => {
                o.request = None;
                o.reply = None;
                o.accept = None;
                o.interrupted = Some(crate::probe::record::Stage::Request);
            }
        }
    }
    r.transcript = Some(vec![
        TranscriptEntry {
            session: "control".to_string(),
            dir: ">",
            line: "USER anonymous".to_string(),
        },
        TranscriptEntry {
            session: "control".to_string(),
            dir: "<",
            line: "230 Login successful.".to_string(),
        },
    ]);
    r
}
