//! The transfer machine replayed with values: replies as servers send them, the data as
//! the network ends it. Each case names the quirk it pins.

use super::{DataEnd, Next, Opening, TransferMachine};
use crate::probe::record::{CAPPED_REPLY_WAIT, Cut, CutBy, Stage, TransferRecord, TransferResult};
use crate::proto::{Command, Reply, ReplyParser};
use std::time::Duration;

fn reply(text: &str) -> Reply {
    let mut parser = ReplyParser::new();
    parser.feed(format!("{text}\r\n").as_bytes());
    match parser.next_reply() {
        Ok(Some(reply)) => reply,
        other => panic!("{text}: {other:?}"),
    }
}

/// What the machine is fed after `start`, in turn.
enum Input {
    Reply(&'static str),
    Failure,
    Secured(bool),
    Data(DataEnd),
}

struct Case {
    name: &'static str,
    opening: Option<Opening>,
    /// The cap was reached while reading (the driver's read sets it).
    truncated: bool,
    inputs: Vec<Input>,
    nexts: Vec<Next>,
    outcome: TransferResult,
    stalled_at: Option<Stage>,
    out_of_step: Option<&'static str>,
}

const AWAIT: Next = Next::Await { within: None };

fn run(case: &Case) -> TransferRecord {
    let mut rec = super::new_record(&Command::List(None));
    let mut m = TransferMachine::new(&mut rec);
    let mut nexts = vec![m.start(case.opening)];
    for input in &case.inputs {
        nexts.push(match input {
            Input::Reply(text) => m.on_reply(&reply(text)),
            Input::Failure => m.on_failure(),
            Input::Secured(ok) => m.on_secured(*ok),
            Input::Data(end) => {
                m.rec.truncated = case.truncated;
                m.on_data_end(*end)
            }
        });
    }
    assert_eq!(nexts, case.nexts, "{}", case.name);
    assert_eq!(m.out_of_step.as_deref(), case.out_of_step, "{}", case.name);
    assert_eq!(m.rec.outcome, case.outcome, "{}", case.name);
    assert_eq!(m.rec.stalled_at, case.stalled_at, "{}", case.name);
    rec
}

#[test]
fn transfers_from_the_opening_reply_to_the_completion_reply() {
    let cut = Cut {
        by: CutBy::Interrupt,
        after: Duration::from_millis(300),
    };
    let cases = [
        Case {
            name: "150, the data, 226: ok",
            opening: None,
            truncated: false,
            inputs: vec![
                Input::Reply("150 Here comes the directory listing."),
                Input::Secured(true),
                Input::Data(DataEnd::ByPeer),
                Input::Reply("226 Directory send OK."),
            ],
            nexts: vec![AWAIT, Next::Secure, Next::ReadData, AWAIT, Next::Done],
            outcome: TransferResult::Ok,
            stalled_at: None,
            out_of_step: None,
        },
        Case {
            name: "a 226 with no 150 before it ends with the data",
            opening: None,
            truncated: false,
            inputs: vec![
                Input::Reply("226 Transfer complete."),
                Input::Secured(true),
                Input::Data(DataEnd::ByPeer),
            ],
            nexts: vec![AWAIT, Next::Secure, Next::ReadData, Next::Done],
            outcome: TransferResult::Ok,
            stalled_at: None,
            out_of_step: None,
        },
        Case {
            name: "a 550 to LIST: no data connection is used",
            opening: None,
            truncated: false,
            inputs: vec![Input::Reply("550 No such directory.")],
            nexts: vec![AWAIT, Next::Done],
            outcome: TransferResult::Failed,
            stalled_at: None,
            out_of_step: None,
        },
        Case {
            name: "no 150 within --timeout: stalled at the transfer's start",
            opening: None,
            truncated: false,
            inputs: vec![Input::Failure],
            nexts: vec![AWAIT, Next::Stalled(Stage::TransferStart)],
            outcome: TransferResult::Timeout,
            stalled_at: Some(Stage::TransferStart),
            out_of_step: None,
        },
        Case {
            name: "the data, then no 226: stalled at the transfer's end",
            opening: Some(Opening::Preliminary),
            truncated: false,
            inputs: vec![
                Input::Secured(true),
                Input::Data(DataEnd::ByPeer),
                Input::Failure,
            ],
            nexts: vec![
                Next::Secure,
                Next::ReadData,
                AWAIT,
                Next::Stalled(Stage::TransferEnd),
            ],
            outcome: TransferResult::Timeout,
            stalled_at: Some(Stage::TransferEnd),
            out_of_step: None,
        },
        Case {
            name: "a 426 after the data: failed",
            opening: Some(Opening::Preliminary),
            truncated: false,
            inputs: vec![
                Input::Secured(true),
                Input::Data(DataEnd::ByPeer),
                Input::Reply("426 Failure writing network stream."),
            ],
            nexts: vec![Next::Secure, Next::ReadData, AWAIT, Next::Done],
            outcome: TransferResult::Failed,
            stalled_at: None,
            out_of_step: None,
        },
        Case {
            name: "hung up at the cap: the 426 is read within the short wait",
            opening: Some(Opening::Preliminary),
            truncated: true,
            inputs: vec![
                Input::Secured(true),
                Input::Data(DataEnd::ByUs),
                Input::Reply("426 Failure writing network stream."),
            ],
            nexts: vec![
                Next::Secure,
                Next::ReadData,
                Next::Await {
                    within: Some(CAPPED_REPLY_WAIT),
                },
                Next::Done,
            ],
            outcome: TransferResult::Ok,
            stalled_at: None,
            out_of_step: None,
        },
        Case {
            name: "hung up at the cap and no reply: ok, but out of step",
            opening: Some(Opening::Preliminary),
            truncated: true,
            inputs: vec![
                Input::Secured(true),
                Input::Data(DataEnd::ByUs),
                Input::Failure,
            ],
            nexts: vec![
                Next::Secure,
                Next::ReadData,
                Next::Await {
                    within: Some(CAPPED_REPLY_WAIT),
                },
                Next::Done,
            ],
            outcome: TransferResult::Ok,
            stalled_at: None,
            out_of_step: Some("no reply after the transfer size limit"),
        },
        Case {
            name: "no data for --timeout: the 226 still owed leaves the session out of step",
            opening: Some(Opening::Preliminary),
            truncated: false,
            inputs: vec![Input::Secured(true), Input::Data(DataEnd::Stalled)],
            nexts: vec![Next::Secure, Next::ReadData, Next::Done],
            outcome: TransferResult::Timeout,
            stalled_at: Some(Stage::TransferData),
            out_of_step: Some("abandoned a stalled transfer"),
        },
        Case {
            name: "Ctrl-C during the data: a timeout cut by the user, out of step",
            opening: Some(Opening::Preliminary),
            truncated: false,
            inputs: vec![Input::Secured(true), Input::Data(DataEnd::Cut(cut))],
            nexts: vec![Next::Secure, Next::ReadData, Next::Done],
            outcome: TransferResult::Timeout,
            stalled_at: Some(Stage::TransferData),
            out_of_step: Some("Ctrl-C cut the transfer short"),
        },
        Case {
            name: "a data handshake refused: the 522 after it is read, then out of step",
            opening: Some(Opening::Preliminary),
            truncated: false,
            inputs: vec![
                Input::Secured(false),
                Input::Reply("522 SSL connection failed: session reuse required"),
            ],
            nexts: vec![Next::Secure, AWAIT, Next::Done],
            outcome: TransferResult::Failed,
            stalled_at: None,
            out_of_step: Some("the server refused the data connection's TLS"),
        },
    ];
    for case in &cases {
        run(case);
    }
}

#[test]
fn a_refused_data_handshake_quotes_the_reply_that_says_why() {
    let rec = run(&Case {
        name: "522",
        opening: Some(Opening::Preliminary),
        truncated: false,
        inputs: vec![
            Input::Secured(false),
            Input::Reply("522 SSL connection failed: session reuse required"),
        ],
        nexts: vec![Next::Secure, AWAIT, Next::Done],
        outcome: TransferResult::Failed,
        stalled_at: None,
        out_of_step: Some("the server refused the data connection's TLS"),
    });
    assert_eq!(rec.final_reply.as_ref().map(|r| r.code), Some(522));
    assert!(
        rec.error
            .as_deref()
            .is_some_and(|e| e.starts_with("TLS handshake on the data connection failed")),
        "{:?}",
        rec.error
    );
}
