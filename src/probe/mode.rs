//! One data-connection mode on a logged-in session: the request, the data connection
//! (dialled or accepted), and the transfer.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use tokio::net::TcpStream;

use super::context::Run;
use super::from_net::dial_result;
use super::record::{
    Advertised, Cut, DialRecord, DialResult, DialWhy, ErrorKind, Mode, ModeOutcome, ReplyRecord,
    Stage, StepError, TransferResult,
};
use super::session::{Session, step_error};

mod active;
mod listener;
use super::transfer::{finish, new_record, transfer_command};
use crate::addr::{AddrClass, classify};
use crate::net::DialOutcome;
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg};
use crate::timeline::{Event, SubstituteWhy};
use active::active;

/// Runs `mode` on `session`, filling in `out` as each step ends; a wait the deadline or
/// the user cuts records itself (and the mode's `interrupted` stage).
pub(super) async fn run_mode(session: &mut Session, run: &Run<'_>, out: &mut ModeOutcome) {
    let started = Instant::now();
    if let Some(tap) = session.conn.tap_mut() {
        tap.set_mode(Some(out.mode.as_str()));
    }
    if out.mode.is_passive() {
        passive(session, run, out).await;
        second_connection(session, run, out).await;
    } else {
        active(session, run, out).await;
    }
    session.data_tap = None;
    if let Some(tap) = session.conn.tap_mut() {
        tap.set_mode(None);
    }
    out.elapsed = started.elapsed();
}

/// The deadline or the user cut this mode's wait at `stage`.
fn note_cut(out: &mut ModeOutcome, stage: Stage, cut: Cut) {
    out.interrupted = Some(stage);
    out.cut = Some(cut);
}

/// A transfer whose wait was cut: the mode says where.
fn note_transfer_cut(out: &mut ModeOutcome) {
    if let Some(t) = &out.transfer
        && let Some(cut) = t.cut
    {
        note_cut(out, t.stalled_at.unwrap_or(Stage::TransferStart), cut);
    }
}

/// A step error that was a cut: the mode says where.
fn note_error_cut(out: &mut ModeOutcome) {
    if let Some(err) = &out.error
        && let Some(cut) = err.cut
    {
        note_cut(out, err.stage, cut);
    }
}

/// Room the deadline must leave for the second data connection: its request, dial and
/// transfer each get --timeout, so it is tried only when all three fit.
const SECOND_CONNECTION_STEPS: u32 = 3;

/// A passive mode that worked makes one more data connection in the same session: the
/// first may have been luck (a NAT pool's addresses, or a load balancer's backends, lined
/// up for it). Skipped when the deadline leaves no room for it.
async fn second_connection(session: &mut Session, run: &Run<'_>, out: &mut ModeOutcome) {
    let worked = out
        .transfer
        .as_ref()
        .is_some_and(|t| t.outcome == TransferResult::Ok)
        && out.error.is_none();
    let room = run
        .budget
        .deadline_at
        .saturating_duration_since(Instant::now())
        > run.budget.step * SECOND_CONNECTION_STEPS;
    if !worked || !room || !session.usable() {
        return;
    }
    let mut again = ModeOutcome::new(out.mode);
    passive(session, run, &mut again).await;
    out.second_connection = Some(Box::new(again));
}

/// Sends the mode's request and returns its reply if it was a 2yz.
async fn request(
    session: &mut Session,
    cmd: Command,
    out: &mut ModeOutcome,
) -> Option<crate::proto::Reply> {
    out.request = Some(cmd.redacted());
    match session.command(&cmd).await {
        Ok(reply) => {
            out.reply = Some(ReplyRecord::from(&reply));
            if reply.is_positive_preliminary() {
                // A 1yz here promises another reply that no step will read.
                session
                    .conn
                    .mark_out_of_step("a 1yz reply to a mode request");
            }
            // 4yz/5yz: the diagnosis reads it from `reply`; nothing more to do.
            reply.is_positive_completion().then_some(reply)
        }
        Err(err) => {
            out.error = Some(step_error(Stage::Request, &err));
            note_error_cut(out);
            None
        }
    }
}

async fn passive(session: &mut Session, run: &Run<'_>, out: &mut ModeOutcome) {
    let peer = session.peer.ip();
    let cmd = match out.mode {
        Mode::Epsv => Command::Epsv(EpsvArg::None),
        _ => Command::Pasv,
    };
    let Some(reply) = request(session, cmd, out).await else {
        return;
    };
    // Why a substitute is dialled, if one is: the policy's reason, else that the advertised
    // address (dialled under --follow-advertised) did not connect.
    let (targets, substitute_why) = if out.mode == Mode::Epsv {
        match parse_229(&reply) {
            Ok(port) => (
                vec![(SocketAddr::new(peer, port), DialWhy::Epsv)],
                SubstituteWhy::AdvertisedFailed,
            ),
            Err(err) => return unparseable(out, err.to_string()),
        }
    } else {
        match parse_227(&reply) {
            Ok(addr) => {
                let ip = IpAddr::V4(*addr.ip());
                out.advertised = Some(Advertised {
                    ip,
                    port: addr.port(),
                    class: classify(ip),
                });
                pasv_targets(SocketAddr::new(ip, addr.port()), peer, run, out)
            }
            Err(err) => return unparseable(out, err.to_string()),
        }
    };
    let mut data = None;
    for (addr, why) in targets {
        let tap = run.timeline.data(out.mode.as_str());
        if let (DialWhy::ControlPeerSubstitute, Some(adv)) = (why, &out.advertised) {
            tap.record(Event::Substitute {
                advertised: SocketAddr::new(adv.ip, adv.port),
                to: addr,
                why: substitute_why,
            });
        }
        let via = run.proxy.as_deref();
        let Some(dialled) = dial_data(session, via, out, (addr, why), &tap).await else {
            return;
        };
        if let (DialOutcome::Connected, Some(stream)) = (dialled.outcome, dialled.stream) {
            session.data_tap = Some(tap);
            data = Some(stream);
            break;
        }
    }
    // No data connection: stop here. The server waits for one that never comes and
    // gives up by itself; the control connection stays in step (no command is pending).
    let Some(data) = data else {
        return;
    };
    transfer_passive(session, run, out, data).await;
}

/// One dial of a passive data port, recorded in `out.dials`; `None` when the deadline or
/// the user cut it (the mode then says so).
async fn dial_data(
    session: &Session,
    via: Option<&crate::net::proxy::Proxy>,
    out: &mut ModeOutcome,
    (addr, why): (SocketAddr, DialWhy),
    tap: &crate::timeline::Tap,
) -> Option<crate::net::Dial> {
    let budget = &session.budget;
    let dialled = budget
        .run(super::proxy::dial(
            via,
            addr,
            budget.step,
            tap,
            out.mode.as_str(),
        ))
        .await;
    let (outcome, elapsed, error, cut, proxy) = match &dialled {
        Ok((d, answer)) => (
            dial_result(d.outcome),
            d.elapsed,
            d.error.clone(),
            None,
            answer.clone(),
        ),
        Err(cut) => (DialResult::Timeout, cut.after, None, Some(*cut), None),
    };
    out.dials.push(DialRecord {
        proxy,
        addr,
        why,
        outcome,
        elapsed,
        error,
        cut,
    });
    match dialled {
        Ok((dialled, _)) => Some(dialled),
        Err(cut) => {
            note_cut(out, Stage::DataConnect, cut);
            None
        }
    }
}

fn unparseable(out: &mut ModeOutcome, detail: String) {
    out.error = Some(StepError {
        reply: out.reply.clone(),
        ..StepError::new(Stage::Request, ErrorKind::BadReply, detail)
    });
}

/// Where to dial for a 227. The advertised address itself only when it is the control
/// peer or the user opted in (and never an address that cannot name a remote host);
/// otherwise a `skipped-policy` record says what was not dialled, and the control peer
/// with the advertised port stands in (what curl, FileZilla and ftplib do; docs/safety.md).
fn pasv_targets(
    advertised: SocketAddr,
    peer: IpAddr,
    run: &Run<'_>,
    out: &mut ModeOutcome,
) -> (Vec<(SocketAddr, DialWhy)>, SubstituteWhy) {
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
    let refusal = if !run.options.follow_advertised {
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
            out.dials.push(DialRecord {
                proxy: None,
                addr: advertised,
                why: DialWhy::Advertised,
                outcome: DialResult::SkippedPolicy,
                elapsed: std::time::Duration::ZERO,
                error: Some(words),
                cut: None,
            });
            (vec![substitute], why)
        }
    }
}

/// Addresses not dialled even with --follow-advertised: they do not name the server.
/// On Linux a connect to 0.0.0.0 reaches this very host, and so does a loopback address
/// from a server that is not itself on loopback: a remote server could otherwise make
/// the probe talk to a local service.
fn never_dial(ip: IpAddr, peer: IpAddr) -> Option<(SubstituteWhy, String)> {
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

async fn transfer_passive(
    session: &mut Session,
    run: &Run<'_>,
    out: &mut ModeOutcome,
    data: TcpStream,
) {
    let cmd = transfer_command(run);
    let started = Instant::now();
    let rec = out.transfer.insert(new_record(&cmd));
    if let Err(err) = session.send(&cmd).await {
        out.error = Some(step_error(Stage::TransferStart, &err));
        return note_error_cut(out);
    }
    finish(session, run, data, None, rec, started).await;
    note_transfer_cut(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
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
}
