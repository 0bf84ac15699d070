//! Hand-built probe outcomes for the rule tests: a healthy probe of one server, and the
//! mutations that turn it into each misconfiguration. No network is involved: these are
//! only records of what a probe would have seen.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::{Finding, FindingId, Severity, diagnose};
use crate::addr::classify;
use crate::probe::record::{
    AcceptRecord, AcceptResult, Advertised, ConnectRecord, ControlOutcome, Cut, CutBy, DialRecord,
    DialResult, DialWhy, ErrorKind, Login, Mode, ModeOutcome, ProbeOutcome, ReplyRecord,
    SkipReason, Stage, StepError, Strategy, TargetInfo, TransferRecord, TransferResult,
};

pub(super) fn sa(s: &str) -> SocketAddr {
    s.parse().expect("a socket address literal")
}

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().expect("an IP literal")
}

pub(super) fn reply(code: u16, text: &str) -> Option<ReplyRecord> {
    Some(ReplyRecord {
        code,
        text: text.to_string(),
    })
}

pub(super) fn err(stage: Stage, kind: ErrorKind, detail: &str) -> StepError {
    StepError::new(stage, kind, detail)
}

pub(super) fn dial(addr: SocketAddr, why: DialWhy, outcome: DialResult) -> DialRecord {
    DialRecord {
        proxy: None,
        addr,
        why,
        outcome,
        elapsed: match outcome {
            DialResult::Timeout => Duration::from_secs(5),
            DialResult::SkippedPolicy => Duration::ZERO,
            _ => Duration::from_micros(400),
        },
        error: match outcome {
            DialResult::Refused => Some("Connection refused (os error 111)".to_string()),
            DialResult::SkippedPolicy => {
                Some("not the control peer (--follow-advertised dials it)".to_string())
            }
            _ => None,
        },
        cut: None,
    }
}

pub(super) fn transfer_ok() -> TransferRecord {
    TransferRecord {
        command: "LIST".to_string(),
        verb: crate::probe::TransferVerb::List,
        outcome: TransferResult::Ok,
        bytes: 120,
        elapsed: Duration::from_millis(2),
        preliminary_reply: reply(150, "Here comes the directory listing."),
        final_reply: reply(226, "Directory send OK."),
        stalled_at: None,
        error: None,
        cause: None,
        truncated: false,
        tls: None,
        cut: None,
    }
}

/// A probe in which every mode worked, control connection `local` → `peer` (IPv4).
pub(super) fn healthy_between(local: &str, peer: &str) -> ProbeOutcome {
    let (local, peer) = (sa(local), sa(peer));
    let (lip, pip) = (local.ip(), peer.ip());
    let octets = |ip: IpAddr| ip.to_string().replace('.', ",");
    let mut epsv = ModeOutcome::new(Mode::Epsv);
    epsv.request = Some("EPSV".to_string());
    epsv.reply = reply(229, "Entering Extended Passive Mode (|||50000|)");
    epsv.dials = vec![dial(
        SocketAddr::new(pip, 50000),
        DialWhy::Epsv,
        DialResult::Connected,
    )];
    epsv.transfer = Some(transfer_ok());

    let mut pasv = ModeOutcome::new(Mode::Pasv);
    pasv.request = Some("PASV".to_string());
    pasv.reply = reply(
        227,
        &format!("Entering Passive Mode ({},195,81).", octets(pip)),
    );
    pasv.advertised = Some(Advertised {
        ip: pip,
        port: 50001,
        class: classify(pip),
    });
    pasv.dials = vec![dial(
        SocketAddr::new(pip, 50001),
        DialWhy::Advertised,
        DialResult::Connected,
    )];
    pasv.transfer = Some(transfer_ok());

    let active = |mode: Mode, request: String, port: u16| {
        let mut m = ModeOutcome::new(mode);
        m.request = Some(request);
        m.sent = Some(SocketAddr::new(lip, port));
        m.reply = reply(200, "command successful. Consider using EPSV.");
        m.accept = Some(AcceptRecord {
            listen: SocketAddr::new(lip, port),
            from: Some(SocketAddr::new(pip, 20)),
            outcome: AcceptResult::Accepted,
            elapsed: Duration::from_millis(1),
            during_request: false,
            cut: None,
        });
        m.transfer = Some(transfer_ok());
        m
    };
    let eprt = active(Mode::Eprt, format!("EPRT |1|{lip}|40001|"), 40001);
    let port = active(Mode::Port, format!("PORT {},156,66", octets(lip)), 40002);

    let mut control = ControlOutcome::new("anonymous");
    control.peer = Some(peer);
    control.local = Some(local);
    control.banner = Some("(vsFTPd 3.0.3)".to_string());
    control.login = Login::Ok;
    control.features = vec!["EPSV".to_string(), "PASV".to_string()];
    control.connects = vec![ConnectRecord {
        addr: peer,
        outcome: DialResult::Connected,
        elapsed: Duration::from_micros(300),
        error: None,
        cut: None,
    }];
    ProbeOutcome {
        target: TargetInfo {
            input: format!("ftp://{peer}/"),
            host: pip.to_string(),
            port: peer.port(),
            resolved: vec![pip],
            path: String::new(),
            dns: None,
            address: None,
        },
        control,
        modes: vec![epsv, pasv, eprt, port],
        strategy: Strategy::Concurrent,
        fallback_reply: None,
        fallback_error: None,
        plaintext_check: None,
        deadline_hit: false,
        interrupted: false,
        deadline: Duration::from_secs(30),
        transcript: Vec::new(),
        timeline: Vec::new(),
        timeline_dropped: 0,
        elapsed: Duration::from_millis(40),
        sample: None,
        reuse_check: None,
        size_check: None,
        idle: None,
        upload: None,
    }
}

/// The lab's view: a server on loopback, probed from loopback.
pub(super) fn healthy() -> ProbeOutcome {
    healthy_between("127.0.0.1:40000", "127.0.0.1:2121")
}

pub(super) fn mode(o: &mut ProbeOutcome, mode: Mode) -> &mut ModeOutcome {
    o.modes
        .iter_mut()
        .find(|m| m.mode == mode)
        .expect("every mode is in the base outcome")
}

/// PASV advertises `adv` instead of the peer: the advertised address is not dialled (the
/// default policy) and the control peer with the advertised port ends as `substitute`.
pub(super) fn pasv_advertises(o: &mut ProbeOutcome, adv: &str, substitute: DialResult) {
    let peer = o.control.peer.expect("the base outcome has a peer").ip();
    let adv = ip(adv);
    let m = mode(o, Mode::Pasv);
    m.reply = reply(
        227,
        &format!(
            "Entering Passive Mode ({},195,82).",
            adv.to_string().replace('.', ",")
        ),
    );
    m.advertised = Some(Advertised {
        ip: adv,
        port: 50002,
        class: classify(adv),
    });
    m.dials = vec![
        dial(
            SocketAddr::new(adv, 50002),
            DialWhy::Advertised,
            DialResult::SkippedPolicy,
        ),
        dial(
            SocketAddr::new(peer, 50002),
            DialWhy::ControlPeerSubstitute,
            substitute,
        ),
    ];
    if substitute != DialResult::Connected {
        m.transfer = None;
    }
}

/// The passive mode's only dial ended as `outcome`, so no transfer followed.
pub(super) fn passive_dial_fails(o: &mut ProbeOutcome, which: Mode, outcome: DialResult) {
    let m = mode(o, which);
    for d in &mut m.dials {
        *d = dial(d.addr, d.why, outcome);
    }
    m.transfer = None;
}

/// The session never came up: every mode skipped, as the runner's `skip_all` leaves them.
pub(super) fn session_failed(o: &mut ProbeOutcome, error: StepError) {
    o.control.error = Some(error);
    o.control.features.clear();
    for m in &mut o.modes {
        *m = ModeOutcome::skipped(
            m.mode,
            SkipReason::NoSession,
            "the control session was not set up",
        );
    }
}

pub(super) type Row = (FindingId, Severity, Option<Mode>);

pub(super) const E: Severity = Severity::Error;
pub(super) const W: Severity = Severity::Warn;
pub(super) const I: Severity = Severity::Info;
pub(super) const CONTROL: Option<Mode> = None;
pub(super) const EPSV: Option<Mode> = Some(Mode::Epsv);
pub(super) const PASV: Option<Mode> = Some(Mode::Pasv);
pub(super) const EPRT: Option<Mode> = Some(Mode::Eprt);
pub(super) const PORT: Option<Mode> = Some(Mode::Port);

/// One row of a table test: a probe record and exactly the findings it must yield.
pub(super) struct Case {
    pub name: &'static str,
    pub outcome: ProbeOutcome,
    pub expect: Vec<Row>,
}

pub(super) fn case(
    name: &'static str,
    mutate: impl FnOnce(&mut ProbeOutcome),
    expect: &[Row],
) -> Case {
    let mut outcome = healthy();
    mutate(&mut outcome);
    Case {
        name,
        outcome,
        expect: expect.to_vec(),
    }
}

pub(super) fn on(name: &'static str, outcome: ProbeOutcome, expect: &[Row]) -> Case {
    Case {
        name,
        outcome,
        expect: expect.to_vec(),
    }
}

/// No TCP connection at all: the record the runner leaves before `connect` succeeds.
pub(super) fn not_connected(o: &mut ProbeOutcome) {
    o.control.peer = None;
    o.control.local = None;
    o.control.banner = None;
    o.control.login = Login::NotAttempted;
    o.control.connects.clear();
}

/// The deadline cut the wait for the greeting: the session was never set up.
pub(super) fn control_deadline(o: &mut ProbeOutcome) {
    o.deadline_hit = true;
    o.control.banner = None;
    o.control.login = Login::NotAttempted;
    let cut = Cut {
        by: CutBy::Deadline,
        after: std::time::Duration::from_millis(29_900),
    };
    o.control.error = Some(StepError::cut(Stage::Banner, cut, "no reply to the banner"));
    for m in &mut o.modes {
        *m = ModeOutcome::skipped(
            m.mode,
            SkipReason::NoSession,
            "the deadline struck before the session was set up",
        );
    }
}

/// The deadline cut `m`'s wait at `stage` after `after_ms` of silence: the mode and the
/// record of the wait (last dial, accept, transfer) say so.
pub(super) fn cut_at(m: &mut ModeOutcome, stage: Stage, after_ms: u64) {
    let cut = Cut {
        by: CutBy::Deadline,
        after: std::time::Duration::from_millis(after_ms),
    };
    m.interrupted = Some(stage);
    m.cut = Some(cut);
    match stage {
        Stage::DataConnect => {
            if let Some(d) = m.dials.last_mut() {
                d.outcome = DialResult::Timeout;
                d.elapsed = cut.after;
                d.cut = Some(cut);
            }
        }
        Stage::Accept => {
            if let Some(a) = &mut m.accept {
                a.elapsed = cut.after;
                a.cut = Some(cut);
            }
        }
        _ => {
            if let Some(t) = &mut m.transfer {
                t.cut = Some(cut);
            }
        }
    }
}

pub(super) fn transfer_stalls(o: &mut ProbeOutcome, which: Mode, stage: Stage) {
    if let Some(t) = &mut mode(o, which).transfer {
        t.outcome = TransferResult::Timeout;
        t.stalled_at = Some(stage);
        t.final_reply = None;
        if stage == Stage::TransferStart {
            t.preliminary_reply = None;
        }
        t.bytes = if stage == Stage::TransferStart {
            0
        } else {
            4096
        };
    }
}

pub(super) fn transfer_fails(o: &mut ProbeOutcome, which: Mode, code: u16, text: &str) {
    if let Some(t) = &mut mode(o, which).transfer {
        t.outcome = TransferResult::Failed;
        t.preliminary_reply = None;
        t.final_reply = reply(code, text);
        t.bytes = 0;
    }
}

/// The request's reply and nothing after it, as when the server refuses the request.
pub(super) fn refuse_request(o: &mut ProbeOutcome, which: Mode, code: u16, text: &str) {
    let m = mode(o, which);
    m.reply = reply(code, text);
    m.advertised = None;
    m.dials.clear();
    m.accept = None;
    m.transfer = None;
}

pub(super) fn request_error(o: &mut ProbeOutcome, which: Mode, error: StepError) {
    refuse_request(o, which, 0, "");
    let m = mode(o, which);
    m.reply = error.reply.clone();
    m.error = Some(error);
}

pub(super) fn accept_times_out(o: &mut ProbeOutcome, which: Mode) {
    if let Some(a) = &mut mode(o, which).accept {
        a.outcome = AcceptResult::Timeout;
        a.from = None;
        a.elapsed = Duration::from_secs(5);
    }
}

pub(super) fn rows(findings: &[Finding]) -> Vec<Row> {
    findings
        .iter()
        .map(|f| (f.id, f.severity, f.mode))
        .collect()
}

/// The one finding of `id` that `o` yields.
pub(super) fn only(o: &ProbeOutcome, id: FindingId) -> Finding {
    let found: Vec<Finding> = diagnose(o).into_iter().filter(|f| f.id == id).collect();
    assert_eq!(found.len(), 1, "one {id} expected in {found:#?}");
    found.into_iter().next().expect("checked above")
}
