//! One data-connection mode on a logged-in session: the request, the data connection
//! (dialled or accepted), and the transfer.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::attempt::Attempt;
use super::context::Run;
use super::from_net::dial_result;
use super::record::{
    AcceptRecord, AcceptResult, Advertised, DialRecord, DialResult, DialWhy, ErrorKind, Mode,
    ReplyRecord, Stage, StepError, TransferRecord,
};
use super::session::{Session, step_error};
use super::transfer::{Opening, finish, new_record, note_opening, transfer_command};
use crate::addr::{AddrClass, classify};
use crate::net::{AcceptOutcome, DialOutcome, accept, dial};
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg};
use crate::timeline::{Event, SubstituteWhy, Tap};

/// Runs `mode` on `session`, filling in `out` as each step begins and ends, so that a
/// deadline striking at any await leaves a truthful partial record.
pub(super) async fn run_mode(session: &mut Session, run: &Run<'_>, out: &mut Attempt) {
    let started = Instant::now();
    out.started = Some(started);
    if let Some(tap) = session.conn.tap_mut() {
        tap.set_mode(Some(out.mode.as_str()));
    }
    if out.mode.is_passive() {
        passive(session, run, out).await;
    } else {
        active(session, run, out).await;
    }
    session.data_tap = None;
    if let Some(tap) = session.conn.tap_mut() {
        tap.set_mode(None);
    }
    out.in_progress = None;
    out.elapsed = started.elapsed();
}

/// Sends the mode's request and returns its reply if it was a 2yz.
async fn request(
    session: &mut Session,
    cmd: Command,
    out: &mut Attempt,
) -> Option<crate::proto::Reply> {
    out.in_progress = Some(Stage::Request);
    out.request = Some(cmd.redacted());
    match session.conn.command(&cmd).await {
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
            None
        }
    }
}

async fn passive(session: &mut Session, run: &Run<'_>, out: &mut Attempt) {
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
    out.in_progress = Some(Stage::DataConnect);
    let mut data = None;
    for (addr, why) in targets {
        // Recorded before the wait, so a deadline that strikes mid-dial leaves it shown.
        out.dials.push(DialRecord {
            addr,
            why,
            outcome: DialResult::Timeout,
            elapsed: std::time::Duration::ZERO,
            error: Some("cut short by --deadline".to_string()),
        });
        out.step_started = Some(Instant::now());
        let tap = run.timeline.data(out.mode.as_str());
        if let (DialWhy::ControlPeerSubstitute, Some(adv)) = (why, &out.advertised) {
            tap.record(Event::Substitute {
                advertised: SocketAddr::new(adv.ip, adv.port),
                to: addr,
                why: substitute_why,
            });
        }
        let dialled = dial(addr, run.step(), &tap, out.mode.as_str()).await;
        if let Some(rec) = out.dials.last_mut() {
            rec.outcome = dial_result(dialled.outcome);
            rec.elapsed = dialled.elapsed;
            rec.error = dialled.error;
        }
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

fn unparseable(out: &mut Attempt, detail: String) {
    out.error = Some(StepError {
        stage: Stage::Request,
        kind: ErrorKind::BadReply,
        detail,
        reply: out.reply.clone(),
        frame: None,
        cause: None,
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
    out: &mut Attempt,
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
                addr: advertised,
                why: DialWhy::Advertised,
                outcome: DialResult::SkippedPolicy,
                elapsed: std::time::Duration::ZERO,
                error: Some(words),
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
    out: &mut Attempt,
    data: TcpStream,
) {
    let cmd = transfer_command(run);
    let started = Instant::now();
    // Through `record` rather than the deref: the transfer stays borrowed while the
    // working fields beside it change.
    let rec = out.record.transfer.insert(new_record(&cmd));
    out.in_progress = Some(Stage::TransferStart);
    if let Err(err) = session.conn.send(&cmd).await {
        out.record.error = Some(step_error(Stage::TransferStart, &err));
        return;
    }
    finish(session, run, data, None, rec, started).await;
    out.in_progress = rec.stalled_at;
}

async fn active(session: &mut Session, run: &Run<'_>, out: &mut Attempt) {
    let Some((listening, cmd)) = listen(session, run, out).await else {
        return;
    };
    let request_started = Instant::now();
    if request(session, cmd, out).await.is_none() {
        silent_connect_back(out, &listening.listener, listening.tell, request_started).await;
        return;
    }
    let told_at = Instant::now();
    let queued = connected_during_request(&listening).await;
    out.accept = Some(match &queued {
        Some((_, accepted)) => accepted.clone(),
        None => awaited_accept(listening.tell),
    });

    let cmd = transfer_command(run);
    let started = Instant::now();
    let mut rec = new_record(&cmd);
    out.in_progress = Some(Stage::TransferStart);
    if let Err(err) = session.conn.send(&cmd).await {
        out.error = Some(step_error(Stage::TransferStart, &err));
        return;
    }
    let (data, opening) = match queued {
        Some((stream, _)) => (Some(stream), None),
        None => match wait_for_connection(session, run, out, &listening, &mut rec, told_at).await {
            (Waited::RefusedFirst, _) => {
                rec.elapsed = started.elapsed();
                out.accept = None;
                out.transfer = Some(rec);
                return;
            }
            (Waited::Connected(stream), opening) => (Some(stream), opening),
            (Waited::NoConnection, opening) => (None, opening),
        },
    };
    let Some(data) = data else {
        // Whatever the server says about LIST now (425, late) would come out of turn.
        if matches!(opening, None | Some(Opening::Preliminary)) {
            session
                .conn
                .mark_out_of_step("gave up waiting for the server to connect");
        }
        if matches!(opening, Some(Opening::Refused)) {
            out.transfer = Some(rec);
        }
        return;
    };
    let rec = out.record.transfer.insert(rec);
    out.in_progress = Some(Stage::TransferStart);
    finish(session, run, data, opening, rec, started).await;
    out.in_progress = rec.stalled_at;
}

/// Where the server is to connect back: a listener on the control connection's local
/// address, and the address told.
struct Listening {
    listener: TcpListener,
    tell: SocketAddr,
    tap: Tap,
}

/// Listens for the server's data connection and builds the PORT or EPRT that tells it
/// where; `None` (recorded as the mode's error) when that cannot be done.
async fn listen(
    session: &mut Session,
    run: &Run<'_>,
    out: &mut Attempt,
) -> Option<(Listening, Command)> {
    let local_ip = session.local.ip();
    let listener = match TcpListener::bind(SocketAddr::new(local_ip, 0)).await {
        Ok(l) => l,
        Err(err) => return listen_failed(out, err.to_string()),
    };
    let listen = match listener.local_addr() {
        Ok(a) => a,
        Err(err) => return listen_failed(out, err.to_string()),
    };
    let tap = run.timeline.data(out.mode.as_str());
    tap.record(Event::Listen { on: listen });
    session.data_tap = Some(tap.clone());
    // Over an IPv4-mapped path the server sees IPv4: tell it the IPv4 address.
    let tell = SocketAddr::new(
        run.options.active_addr.unwrap_or(local_ip.to_canonical()),
        listen.port(),
    );
    let cmd = match (out.mode, tell) {
        (Mode::Port, SocketAddr::V4(v4)) => Command::Port(v4),
        (Mode::Port, SocketAddr::V6(_)) => {
            return listen_failed(out, "PORT carries only IPv4 addresses".to_string());
        }
        _ => Command::Eprt(tell),
    };
    out.sent = Some(tell);
    Some((
        Listening {
            listener,
            tell,
            tap,
        },
        cmd,
    ))
}

/// An accept not yet seen: what the record says until the server connects.
fn awaited_accept(tell: SocketAddr) -> AcceptRecord {
    AcceptRecord {
        listen: tell,
        from: None,
        outcome: AcceptResult::Timeout,
        elapsed: std::time::Duration::ZERO,
        during_request: false,
    }
}

/// pyftpdlib connects during PORT itself: such a connection is already queued.
async fn connected_during_request(listening: &Listening) -> Option<(TcpStream, AcceptRecord)> {
    match timeout(std::time::Duration::ZERO, listening.listener.accept()).await {
        Ok(Ok((stream, from))) => {
            listening.tap.record(Event::Accepted { from });
            let accepted = AcceptRecord {
                from: Some(from),
                outcome: AcceptResult::Accepted,
                during_request: true,
                ..awaited_accept(listening.tell)
            };
            Some((stream, accepted))
        }
        _ => None,
    }
}

/// How the wait for the server's data connection ended.
enum Waited {
    Connected(TcpStream),
    /// It did not connect (timed out, failed); the accept record says which.
    NoConnection,
    /// A refusal other than 425 came before any connect attempt (vsftpd answers a
    /// missing file's RETR with 550 without connecting back): there was nothing to
    /// accept, and the transfer's reply tells the story.
    RefusedFirst,
}

/// The transfer command is sent and no connection came during the request: races the
/// accept against the reply (most servers connect first and send 150 after, some send
/// 150 first), records the accept, and says how the server opened the transfer.
async fn wait_for_connection(
    session: &mut Session,
    run: &Run<'_>,
    out: &mut Attempt,
    listening: &Listening,
    rec: &mut TransferRecord,
    told_at: Instant,
) -> (Waited, Option<Opening>) {
    out.in_progress = Some(Stage::Accept);
    // The reply's limit is longer so that silence shows up as the accept timing out,
    // which is the real story.
    let verb = transfer_command(run).verb().to_string();
    let reply_limit = run.step() * 2;
    let mut accepted = None;
    let mut opening = None;
    tokio::select! {
        // A connection that is already there wins over a reply that is already there.
        biased;
        got = accept(&listening.listener, run.step(), &listening.tap) => accepted = Some(got),
        reply = session.conn.read_reply_within(reply_limit, &verb) => match reply {
            Ok(reply) => opening = Some(note_opening(rec, &reply)),
            Err(err) => {
                out.error = Some(step_error(Stage::TransferStart, &err));
            }
        },
    }
    // A 1yz, or a 2yz from a server that sends no 1yz: the connection may still come.
    if accepted.is_none() && matches!(opening, Some(Opening::Preliminary | Opening::Complete)) {
        let left = run.step().saturating_sub(told_at.elapsed());
        accepted = Some(accept(&listening.listener, left, &listening.tap).await);
    }
    let mut rec_accept = awaited_accept(listening.tell);
    rec_accept.elapsed = told_at.elapsed();
    let refused_first = matches!(opening, Some(Opening::Refused))
        && rec.final_reply.as_ref().is_some_and(|r| r.code != 425);
    if accepted.is_none() && refused_first {
        return (Waited::RefusedFirst, opening);
    }
    let mut waited = Waited::NoConnection;
    if let Some(got) = accepted {
        match got.outcome {
            AcceptOutcome::Accepted { from, stream } => {
                rec_accept.from = Some(from);
                rec_accept.outcome = AcceptResult::Accepted;
                waited = Waited::Connected(stream);
            }
            AcceptOutcome::Timeout => rec_accept.outcome = AcceptResult::Timeout,
            AcceptOutcome::Failed(_) => rec_accept.outcome = AcceptResult::Failed,
        }
    }
    out.accept = Some(rec_accept);
    (waited, opening)
}

/// pyftpdlib connects back while it answers PORT/EPRT, and says nothing until that
/// connect succeeds or its own 30 s timeout ends. A reply that timed out while nothing
/// reached our listener is that connect-back hanging: kept as an accept that timed out
/// during the request, for the diagnosis to name.
async fn silent_connect_back(
    out: &mut Attempt,
    listener: &TcpListener,
    listen: SocketAddr,
    since: Instant,
) {
    let timed_out = out
        .error
        .as_ref()
        .is_some_and(|e| e.kind == ErrorKind::Timeout);
    let nothing_came = !matches!(
        timeout(std::time::Duration::ZERO, listener.accept()).await,
        Ok(Ok(_))
    );
    if timed_out && nothing_came {
        out.accept = Some(AcceptRecord {
            listen,
            from: None,
            outcome: AcceptResult::Timeout,
            elapsed: since.elapsed(),
            during_request: true,
        });
    }
}

/// Records that no listener could be set up; `None` for the caller to return.
fn listen_failed<T>(out: &mut Attempt, detail: String) -> Option<T> {
    out.error = Some(StepError::new(
        Stage::Accept,
        ErrorKind::Io,
        format!("could not listen for the server's connection: {detail}"),
    ));
    None
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
