//! A data mode as pure machines. Here, a passive mode's way to its data connection: the request (PASV or
//! EPSV), its 227/229, where to dial (the advertised address, or the control peer in its
//! place), and each dial's end, with no I/O and no clock (the shape of `login.rs`).
//! `mode.rs` drives it: it sends, dials and runs the transfer (1yz, data, 226) on the
//! data connection the machine settles on; data_mode_tests.rs drives it with values.
//!
//! The driver asks [`PassiveMachine::start`] for the first [`Action`], does it and
//! reports back: the request's reply ([`PassiveMachine::on_reply`]) or why none came
//! ([`PassiveMachine::on_failure`]), each dial's end ([`PassiveMachine::on_dial`]), each
//! time for the next action, until `Transfer`, `Abandon` or `Done`. What happened goes
//! into the mode's [`ModeOutcome`] as it happens.
//!
//! [`transfer`]: the rest, for every mode: the 1yz, the data connection's TLS, the data
//! and the 226 (`transfer.rs` drives it).

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::addr::{AddrClass, classify};
use crate::probe::record::{
    Advertised, Cut, DialRecord, DialResult, DialWhy, ErrorKind, Mode, ModeOutcome, ProxyAnswer,
    ReplyRecord, Stage, StepError,
};
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg, Reply};
use crate::timeline::{Event, SubstituteWhy};

/// What the passive mode is to do: the choices made before it started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// PASV or EPSV.
    pub mode: Mode,
    /// The control connection's peer: EPSV's host, and PASV's stand-in.
    pub peer: IpAddr,
    /// --follow-advertised: dial a 227's address even when it is not the control peer.
    pub follow_advertised: bool,
}

/// What the driver is to do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Send the request and report its reply.
    Send(Command),
    /// Dial `addr` (record `substitute` on the data connection's timeline first, when
    /// there is one) and report how the dial ended.
    Dial {
        /// Where.
        addr: SocketAddr,
        /// Why this address.
        why: DialWhy,
        /// The timeline's note that this address stands in for the advertised one.
        substitute: Option<Event>,
    },
    /// The last dial connected: run the transfer on it.
    Transfer,
    /// The reply left the session out of step (a 1yz promises another reply no step
    /// will read): mark it so, for these words, and end the mode.
    Abandon(&'static str),
    /// The mode ends here; its outcome says why.
    Done,
}

/// How one dial ended, as the driver reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Dialled {
    /// The dial ended by itself (connected, refused, its own timeout...).
    Ended {
        /// How.
        outcome: DialResult,
        /// After how long.
        elapsed: Duration,
        /// What the system said.
        error: Option<String>,
        /// Through a proxy that would not connect: what it answered.
        proxy: Option<ProxyAnswer>,
    },
    /// The deadline or the user cut the wait.
    Cut(Cut),
}

/// Where the conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Request,
    Dial { addr: SocketAddr, why: DialWhy },
    Finished,
}

/// One passive mode, from its request to a data connection (or to the reason there is
/// none).
#[derive(Debug)]
pub(crate) struct PassiveMachine<'a> {
    plan: Plan,
    step: Step,
    /// Addresses still to dial, in order.
    targets: VecDeque<(SocketAddr, DialWhy)>,
    /// Why a substitute is dialled, if one is: the policy's reason, else that the
    /// advertised address (dialled under --follow-advertised) did not connect.
    substitute_why: SubstituteWhy,
    /// What the mode showed, for the report.
    out: &'a mut ModeOutcome,
}

impl<'a> PassiveMachine<'a> {
    /// A passive mode that records into `out`.
    pub(crate) fn new(plan: Plan, out: &'a mut ModeOutcome) -> PassiveMachine<'a> {
        PassiveMachine {
            plan,
            step: Step::Request,
            targets: VecDeque::new(),
            substitute_why: SubstituteWhy::AdvertisedFailed,
            out,
        }
    }

    /// The first action: the request.
    pub(crate) fn start(&mut self) -> Action {
        let cmd = match self.plan.mode {
            Mode::Epsv => Command::Epsv(EpsvArg::None),
            _ => Command::Pasv,
        };
        self.out.request = Some(cmd.redacted());
        self.step = Step::Request;
        Action::Send(cmd)
    }

    /// The request's reply came. A 4yz/5yz ends the mode (the diagnosis reads it); a
    /// 2yz is parsed for where to dial.
    pub(crate) fn on_reply(&mut self, reply: &Reply) -> Action {
        if self.step != Step::Request {
            return self.finish();
        }
        self.out.reply = Some(ReplyRecord::from(reply));
        if reply.is_positive_preliminary() {
            self.step = Step::Finished;
            return Action::Abandon("a 1yz reply to a mode request");
        }
        if !reply.is_positive_completion() {
            return self.finish();
        }
        let peer = self.plan.peer;
        if self.plan.mode == Mode::Epsv {
            match parse_229(reply) {
                Ok(port) => {
                    let target = (SocketAddr::new(peer, port), DialWhy::Epsv);
                    self.targets = VecDeque::from([target]);
                }
                Err(err) => return self.unparseable(err.to_string()),
            }
        } else {
            match parse_227(reply) {
                Ok(addr) => {
                    let ip = IpAddr::V4(*addr.ip());
                    self.out.advertised = Some(Advertised {
                        ip,
                        port: addr.port(),
                        class: classify(ip),
                    });
                    let advertised = SocketAddr::new(ip, addr.port());
                    let (targets, why) = self.pasv_targets(advertised);
                    self.targets = targets.into();
                    self.substitute_why = why;
                }
                Err(err) => return self.unparseable(err.to_string()),
            }
        }
        self.next_dial()
    }

    /// No reply to the request: `err` says why (a timeout, a cut, a close).
    pub(crate) fn on_failure(&mut self, err: StepError) -> Action {
        self.out.error = Some(err);
        note_error_cut(self.out);
        self.finish()
    }

    /// The dial under way ended. Connected: transfer on it. Cut: the mode ends, saying
    /// where. Otherwise the next address, if there is one.
    pub(crate) fn on_dial(&mut self, dialled: Dialled) -> Action {
        let Step::Dial { addr, why } = self.step else {
            return self.finish();
        };
        let (outcome, elapsed, error, cut, proxy) = match dialled {
            Dialled::Ended {
                outcome,
                elapsed,
                error,
                proxy,
            } => (outcome, elapsed, error, None, proxy),
            Dialled::Cut(cut) => (DialResult::Timeout, cut.after, None, Some(cut), None),
        };
        self.out.dials.push(DialRecord {
            proxy,
            addr,
            why,
            outcome,
            elapsed,
            error,
            cut,
        });
        if let Some(cut) = cut {
            note_cut(self.out, Stage::DataConnect, cut);
            return self.finish();
        }
        if outcome == DialResult::Connected {
            self.step = Step::Finished;
            return Action::Transfer;
        }
        self.next_dial()
    }

    /// The next address to dial; none left means no data connection. The server then
    /// waits for one that never comes and gives up by itself; the control connection
    /// stays in step (no command is pending).
    fn next_dial(&mut self) -> Action {
        let Some((addr, why)) = self.targets.pop_front() else {
            return self.finish();
        };
        self.step = Step::Dial { addr, why };
        let substitute = match (why, &self.out.advertised) {
            (DialWhy::ControlPeerSubstitute, Some(adv)) => Some(Event::Substitute {
                advertised: SocketAddr::new(adv.ip, adv.port),
                to: addr,
                why: self.substitute_why,
            }),
            _ => None,
        };
        Action::Dial {
            addr,
            why,
            substitute,
        }
    }

    fn unparseable(&mut self, detail: String) -> Action {
        self.out.error = Some(StepError {
            reply: self.out.reply.clone(),
            ..StepError::new(Stage::Request, ErrorKind::BadReply, detail)
        });
        self.finish()
    }

    fn finish(&mut self) -> Action {
        self.step = Step::Finished;
        Action::Done
    }

    /// Where to dial for a 227. The advertised address itself only when it is the
    /// control peer or the user opted in (and never an address that cannot name a remote
    /// host); otherwise a `skipped-policy` record says what was not dialled, and the
    /// control peer with the advertised port stands in (what curl, FileZilla and ftplib
    /// do; docs/safety.md).
    fn pasv_targets(
        &mut self,
        advertised: SocketAddr,
    ) -> (Vec<(SocketAddr, DialWhy)>, SubstituteWhy) {
        let peer = self.plan.peer;
        let substitute = (
            SocketAddr::new(peer, advertised.port()),
            DialWhy::ControlPeerSubstitute,
        );
        // An IPv4-mapped control peer (::ffff:a.b.c.d) is that IPv4 server.
        if advertised.ip() == peer.to_canonical() {
            return (
                vec![(advertised, DialWhy::Advertised)],
                SubstituteWhy::AdvertisedFailed,
            );
        }
        let refusal = if !self.plan.follow_advertised {
            Some((
                SubstituteWhy::AdvertisedDiffers,
                "not the control peer (--follow-advertised dials it)".to_string(),
            ))
        } else {
            never_dial(advertised.ip(), peer)
        };
        match refusal {
            None => (
                vec![(advertised, DialWhy::Advertised), substitute],
                SubstituteWhy::AdvertisedFailed,
            ),
            Some((why, words)) => {
                self.out.dials.push(DialRecord {
                    proxy: None,
                    addr: advertised,
                    why: DialWhy::Advertised,
                    outcome: DialResult::SkippedPolicy,
                    elapsed: Duration::ZERO,
                    error: Some(words),
                    cut: None,
                });
                (vec![substitute], why)
            }
        }
    }
}

/// Addresses not dialled even with --follow-advertised: they do not name the server.
/// On Linux a connect to 0.0.0.0 reaches this very host, and so does a loopback address
/// from a server that is not itself on loopback: a remote server could otherwise make
/// the probe talk to a local service.
pub(crate) fn never_dial(ip: IpAddr, peer: IpAddr) -> Option<(SubstituteWhy, String)> {
    match classify(ip) {
        AddrClass::Unspecified | AddrClass::Multicast | AddrClass::Broadcast => Some((
            SubstituteWhy::NamesNoHost,
            format!("{} address {ip} names no remote host", classify(ip)),
        )),
        AddrClass::Loopback if !peer.is_loopback() => Some((
            SubstituteWhy::LoopbackFromRemote,
            format!(
                "loopback address {ip} from a server that is not on loopback would reach this \
                 host"
            ),
        )),
        _ => None,
    }
}

/// The deadline or the user cut this mode's wait at `stage`.
pub(crate) fn note_cut(out: &mut ModeOutcome, stage: Stage, cut: Cut) {
    out.interrupted = Some(stage);
    out.cut = Some(cut);
}

/// A step error that was a cut: the mode says where.
pub(crate) fn note_error_cut(out: &mut ModeOutcome) {
    if let Some(err) = &out.error
        && let Some(cut) = err.cut
    {
        note_cut(out, err.stage, cut);
    }
}

pub(crate) mod transfer;

#[cfg(test)]
#[path = "data_mode_tests.rs"]
mod tests;
