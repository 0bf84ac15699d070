//! The passive machine replayed with values: replies as servers send them, dials as the
//! network ends them. Each case names the quirk it pins.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::*;
use crate::probe::record::CutBy;
use crate::proto::ReplyParser;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn reply(text: &str) -> Reply {
    let mut parser = ReplyParser::new();
    parser.feed(format!("{text}\r\n").as_bytes());
    match parser.next_reply() {
        Ok(Some(reply)) => reply,
        other => panic!("{text}: {other:?}"),
    }
}

fn ended(outcome: DialResult) -> Dialled {
    Dialled::Ended {
        outcome,
        elapsed: Duration::from_millis(3),
        error: None,
        proxy: None,
    }
}

/// What the machine is fed after its first action, in turn.
enum Input {
    Reply(&'static str),
    Failure(StepError),
    Dial(Dialled),
}

/// One case: the plan, what comes back, and every action the machine takes.
struct Case {
    name: &'static str,
    mode: Mode,
    peer: &'static str,
    follow: bool,
    inputs: Vec<Input>,
    actions: Vec<Action>,
}

fn run(case: &Case) -> ModeOutcome {
    let mut out = ModeOutcome::new(case.mode);
    let plan = Plan {
        mode: case.mode,
        peer: ip(case.peer),
        follow_advertised: case.follow,
    };
    let mut m = PassiveMachine::new(plan, &mut out);
    let mut actions = vec![m.start()];
    for input in &case.inputs {
        actions.push(match input {
            Input::Reply(text) => m.on_reply(&reply(text)),
            Input::Failure(err) => m.on_failure(err.clone()),
            Input::Dial(d) => m.on_dial(d.clone()),
        });
    }
    assert_eq!(actions, case.actions, "{}", case.name);
    out
}

fn dial(addr: &str, why: DialWhy, substitute: Option<Event>) -> Action {
    Action::Dial {
        addr: sock(addr),
        why,
        substitute,
    }
}

fn substitute(advertised: &str, to: &str, why: SubstituteWhy) -> Option<Event> {
    Some(Event::Substitute {
        advertised: sock(advertised),
        to: sock(to),
        why,
    })
}

const PASV_LOCAL: &str = "227 Entering Passive Mode (10,0,0,5,195,80).";
const PASV_PEER: &str = "227 Entering Passive Mode (203,0,113,5,195,80).";

#[test]
fn passive_conversations_from_request_to_data_connection() {
    let cases = [
        Case {
            name: "a 227 naming the control peer is dialled as advertised",
            mode: Mode::Pasv,
            peer: "203.0.113.5",
            follow: false,
            inputs: vec![
                Input::Reply(PASV_PEER),
                Input::Dial(ended(DialResult::Connected)),
            ],
            actions: vec![
                Action::Send(Command::Pasv),
                dial("203.0.113.5:50000", DialWhy::Advertised, None),
                Action::Transfer,
            ],
        },
        Case {
            name: "a private 227 is not dialled: the control peer stands in",
            mode: Mode::Pasv,
            peer: "203.0.113.5",
            follow: false,
            inputs: vec![
                Input::Reply(PASV_LOCAL),
                Input::Dial(ended(DialResult::Connected)),
            ],
            actions: vec![
                Action::Send(Command::Pasv),
                dial(
                    "203.0.113.5:50000",
                    DialWhy::ControlPeerSubstitute,
                    substitute(
                        "10.0.0.5:50000",
                        "203.0.113.5:50000",
                        SubstituteWhy::AdvertisedDiffers,
                    ),
                ),
                Action::Transfer,
            ],
        },
        Case {
            name: "follow-advertised dials the 227, then the peer when it times out",
            mode: Mode::Pasv,
            peer: "203.0.113.5",
            follow: true,
            inputs: vec![
                Input::Reply(PASV_LOCAL),
                Input::Dial(ended(DialResult::Timeout)),
                Input::Dial(ended(DialResult::Refused)),
            ],
            actions: vec![
                Action::Send(Command::Pasv),
                dial("10.0.0.5:50000", DialWhy::Advertised, None),
                dial(
                    "203.0.113.5:50000",
                    DialWhy::ControlPeerSubstitute,
                    substitute(
                        "10.0.0.5:50000",
                        "203.0.113.5:50000",
                        SubstituteWhy::AdvertisedFailed,
                    ),
                ),
                Action::Done,
            ],
        },
        Case {
            name: "follow-advertised still never dials 0.0.0.0",
            mode: Mode::Pasv,
            peer: "203.0.113.5",
            follow: true,
            inputs: vec![Input::Reply("227 Entering Passive Mode (0,0,0,0,195,80).")],
            actions: vec![
                Action::Send(Command::Pasv),
                dial(
                    "203.0.113.5:50000",
                    DialWhy::ControlPeerSubstitute,
                    substitute(
                        "0.0.0.0:50000",
                        "203.0.113.5:50000",
                        SubstituteWhy::NamesNoHost,
                    ),
                ),
            ],
        },
        Case {
            name: "EPSV dials the control peer at the 229's port",
            mode: Mode::Epsv,
            peer: "2001:db8::5",
            follow: false,
            inputs: vec![
                Input::Reply("229 Entering Extended Passive Mode (|||50000|)"),
                Input::Dial(ended(DialResult::Connected)),
            ],
            actions: vec![
                Action::Send(Command::Epsv(EpsvArg::None)),
                dial("[2001:db8::5]:50000", DialWhy::Epsv, None),
                Action::Transfer,
            ],
        },
        Case {
            name: "a 1yz to PASV leaves the session out of step",
            mode: Mode::Pasv,
            peer: "203.0.113.5",
            follow: false,
            inputs: vec![Input::Reply("150 Here it comes.")],
            actions: vec![
                Action::Send(Command::Pasv),
                Action::Abandon("a 1yz reply to a mode request"),
            ],
        },
        Case {
            name: "a refused EPSV ends the mode without an error of ours",
            mode: Mode::Epsv,
            peer: "203.0.113.5",
            follow: false,
            inputs: vec![Input::Reply("502 EPSV not implemented.")],
            actions: vec![Action::Send(Command::Epsv(EpsvArg::None)), Action::Done],
        },
    ];
    for case in &cases {
        let out = run(case);
        assert_eq!(out.error, None, "{}", case.name);
        assert!(out.reply.is_some(), "{}", case.name);
    }
}

#[test]
fn a_private_227_is_recorded_as_a_dial_skipped_by_policy() {
    let out = run(&Case {
        name: "skipped",
        mode: Mode::Pasv,
        peer: "203.0.113.5",
        follow: false,
        inputs: vec![
            Input::Reply(PASV_LOCAL),
            Input::Dial(ended(DialResult::Connected)),
        ],
        actions: vec![
            Action::Send(Command::Pasv),
            dial(
                "203.0.113.5:50000",
                DialWhy::ControlPeerSubstitute,
                substitute(
                    "10.0.0.5:50000",
                    "203.0.113.5:50000",
                    SubstituteWhy::AdvertisedDiffers,
                ),
            ),
            Action::Transfer,
        ],
    });
    assert_eq!(out.request.as_deref(), Some("PASV"));
    let adv = out.advertised.as_ref().map(|a| (a.ip, a.port));
    assert_eq!(adv, Some((ip("10.0.0.5"), 50000)));
    let dials: Vec<_> = out
        .dials
        .iter()
        .map(|d| (d.addr, d.why, d.outcome))
        .collect();
    assert_eq!(
        dials,
        [
            (
                sock("10.0.0.5:50000"),
                DialWhy::Advertised,
                DialResult::SkippedPolicy
            ),
            (
                sock("203.0.113.5:50000"),
                DialWhy::ControlPeerSubstitute,
                DialResult::Connected
            ),
        ]
    );
}

#[test]
fn an_unparseable_227_is_a_bad_reply_that_quotes_it() {
    let out = run(&Case {
        name: "unparseable",
        mode: Mode::Pasv,
        peer: "203.0.113.5",
        follow: false,
        inputs: vec![Input::Reply("227 Entering Passive Mode.")],
        actions: vec![Action::Send(Command::Pasv), Action::Done],
    });
    let err = out
        .error
        .as_ref()
        .map(|e| (e.stage, e.kind, e.reply.clone()));
    assert_eq!(
        err,
        Some((Stage::Request, ErrorKind::BadReply, out.reply.clone()))
    );
    assert!(out.dials.is_empty());
}

#[test]
fn a_request_cut_by_the_deadline_says_where_the_mode_stopped() {
    let cut = Cut {
        by: CutBy::Deadline,
        after: Duration::from_millis(700),
    };
    let err = StepError {
        cut: Some(cut),
        ..StepError::new(Stage::Request, ErrorKind::Timeout, "no reply")
    };
    let out = run(&Case {
        name: "cut request",
        mode: Mode::Pasv,
        peer: "203.0.113.5",
        follow: false,
        inputs: vec![Input::Failure(err)],
        actions: vec![Action::Send(Command::Pasv), Action::Done],
    });
    assert_eq!(out.interrupted, Some(Stage::Request));
    assert_eq!(out.cut, Some(cut));
    assert_eq!(out.reply, None);
}

#[test]
fn a_dial_cut_by_ctrl_c_records_itself_and_dials_nothing_more() {
    let cut = Cut {
        by: CutBy::Interrupt,
        after: Duration::from_millis(40),
    };
    let out = run(&Case {
        name: "cut dial",
        mode: Mode::Pasv,
        peer: "203.0.113.5",
        follow: true,
        inputs: vec![Input::Reply(PASV_LOCAL), Input::Dial(Dialled::Cut(cut))],
        actions: vec![
            Action::Send(Command::Pasv),
            dial("10.0.0.5:50000", DialWhy::Advertised, None),
            Action::Done,
        ],
    });
    assert_eq!(out.interrupted, Some(Stage::DataConnect));
    let dial = out.dials.first().map(|d| (d.outcome, d.elapsed, d.cut));
    assert_eq!(dial, Some((DialResult::Timeout, cut.after, Some(cut))));
    assert_eq!(out.dials.len(), 1);
}

#[test]
fn follow_advertised_never_dials_what_cannot_be_the_server() {
    let remote = ip("203.0.113.5");
    for bad in ["0.0.0.0", "224.0.0.1", "255.255.255.255", "127.0.0.1"] {
        assert!(never_dial(ip(bad), remote).is_some(), "{bad}");
    }
    assert_eq!(never_dial(ip("198.51.100.7"), remote), None);
    assert_eq!(never_dial(ip("10.0.0.5"), remote), None);
}

#[test]
fn loopback_server_may_advertise_another_loopback_address() {
    assert_eq!(never_dial(ip("127.0.0.2"), ip("127.0.0.1")), None);
    assert!(never_dial(ip("0.0.0.0"), ip("127.0.0.1")).is_some());
}
