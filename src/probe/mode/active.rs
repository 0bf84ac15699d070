//! The active modes (PORT, EPRT): listen, tell the server where, and wait for its
//! connection while the transfer command is answered.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::{TcpListener, TcpStream};

use super::super::context::Run;
use super::super::record::{
    AcceptRecord, AcceptResult, Cut, ErrorKind, Mode, ModeOutcome, Stage, StepError, TransferRecord,
};
use super::super::session::{Session, control_error, step_error};
use super::super::transfer::{Opening, finish, new_record, note_opening, transfer_command};
use super::listener::Listener;
use super::{note_cut, note_error_cut, note_transfer_cut, request};
use crate::net::AcceptOutcome;
use crate::proto::Command;
use crate::timeline::{Event, Tap};

pub(super) async fn active(session: &mut Session, run: &Run<'_>, out: &mut ModeOutcome) {
    let Some((mut listening, cmd)) = listen(session, run, out).await else {
        return;
    };
    let request_started = Instant::now();
    if request(session, cmd, out).await.is_none() {
        silent_connect_back(
            out,
            &mut listening.listener,
            listening.tell,
            request_started,
        )
        .await;
        return;
    }
    let told_at = Instant::now();
    let queued = connected_during_request(&mut listening).await;
    out.accept = Some(match &queued {
        Some((_, accepted)) => accepted.clone(),
        None => awaited_accept(listening.tell),
    });

    let cmd = transfer_command(run);
    let started = Instant::now();
    let mut rec = new_record(&cmd);
    if let Err(err) = session.send(&cmd).await {
        out.error = Some(step_error(Stage::TransferStart, &err));
        return note_error_cut(out);
    }
    let (data, opening) = match queued {
        Some((stream, _)) => (Some(stream), None),
        None => {
            match wait_for_connection(session, run, out, &mut listening, &mut rec, told_at).await {
                (Waited::RefusedFirst, _) => {
                    rec.elapsed = started.elapsed();
                    out.accept = None;
                    out.transfer = Some(rec);
                    return;
                }
                (Waited::Connected(stream), opening) => (Some(stream), opening),
                (Waited::NoConnection, opening) => (None, opening),
            }
        }
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
    let rec = out.transfer.insert(rec);
    finish(session, run, data, opening, rec, started).await;
    note_transfer_cut(out);
}

/// Where the server is to connect back: a listener on the control connection's local
/// address, and the address told.
struct Listening {
    listener: Listener,
    tell: SocketAddr,
    tap: Tap,
}

/// Listens for the server's data connection and builds the PORT or EPRT that tells it
/// where; `None` (recorded as the mode's error) when that cannot be done.
async fn listen(
    session: &mut Session,
    run: &Run<'_>,
    out: &mut ModeOutcome,
) -> Option<(Listening, Command)> {
    let local_ip = session.local.ip();
    let tap = run.timeline.data(out.mode.as_str());
    let (listener, listen) = match run.proxy.as_deref() {
        Some(proxy) => through_proxy(session, proxy, out, &tap).await?,
        None => {
            let listener = match TcpListener::bind(SocketAddr::new(local_ip, 0)).await {
                Ok(l) => l,
                Err(err) => return listen_failed(out, err.to_string()),
            };
            match listener.local_addr() {
                Ok(a) => (Listener::Tcp(listener), a),
                Err(err) => return listen_failed(out, err.to_string()),
            }
        }
    };
    tap.record(Event::Listen { on: listen });
    session.data_tap = Some(tap.clone());
    // Over an IPv4-mapped path the server sees IPv4: tell it the IPv4 address.
    let tell = SocketAddr::new(
        run.options
            .active_addr
            .unwrap_or(listen.ip().to_canonical()),
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
        cut: None,
    }
}

/// pyftpdlib connects during PORT itself: such a connection is already queued.
async fn connected_during_request(listening: &mut Listening) -> Option<(TcpStream, AcceptRecord)> {
    match listening.listener.ready().await {
        Some((stream, from)) => {
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
    out: &mut ModeOutcome,
    listening: &mut Listening,
    rec: &mut TransferRecord,
    told_at: Instant,
) -> (Waited, Option<Opening>) {
    // The reply's limit is longer so that silence shows up as the accept timing out,
    // which is the real story.
    let verb = transfer_command(run).verb().to_string();
    let reply_limit = run.step() * 2;
    let budget = session.budget.clone();
    let mut accepted = None;
    let mut opening = None;
    let raced = budget
        .run(async {
            tokio::select! {
                // A connection that is already there wins over a reply that is already there.
                biased;
                got = listening.listener.accept(run.step(), &listening.tap) => Ok(got),
                reply = session.conn.read_reply_within(reply_limit, &verb) => Err(reply),
            }
        })
        .await;
    match raced {
        Ok(Ok(got)) => accepted = Some(got),
        Ok(Err(Ok(reply))) => opening = Some(note_opening(rec, &reply)),
        Ok(Err(Err(err))) => {
            out.error = Some(control_error(Stage::TransferStart, &err));
        }
        Err(cut) => return accept_cut(session, out, listening, told_at, cut, None),
    }
    // A 1yz, or a 2yz from a server that sends no 1yz: the connection may still come.
    if accepted.is_none() && matches!(opening, Some(Opening::Preliminary | Opening::Complete)) {
        let left = run.step().saturating_sub(told_at.elapsed());
        match budget
            .run(listening.listener.accept(left, &listening.tap))
            .await
        {
            Ok(got) => accepted = Some(got),
            Err(cut) => return accept_cut(session, out, listening, told_at, cut, opening),
        }
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

/// The deadline or the user cut the wait for the server's connection: the accept says
/// so, and the transfer's replies would now come out of turn.
fn accept_cut(
    session: &mut Session,
    out: &mut ModeOutcome,
    listening: &Listening,
    told_at: Instant,
    cut: Cut,
    opening: Option<Opening>,
) -> (Waited, Option<Opening>) {
    session.conn.mark_out_of_step(format!(
        "{} cut the wait for the server's connection",
        cut.by.words()
    ));
    out.accept = Some(AcceptRecord {
        elapsed: told_at.elapsed(),
        cut: Some(cut),
        ..awaited_accept(listening.tell)
    });
    note_cut(out, Stage::Accept, cut);
    (Waited::NoConnection, opening)
}

/// pyftpdlib connects back while it answers PORT/EPRT, and says nothing until that
/// connect succeeds or its own 30 s timeout ends. A reply that timed out while nothing
/// reached our listener is that connect-back hanging: kept as an accept that timed out
/// during the request, for the diagnosis to name.
async fn silent_connect_back(
    out: &mut ModeOutcome,
    listener: &mut Listener,
    listen: SocketAddr,
    since: Instant,
) {
    let timed_out = out
        .error
        .as_ref()
        .is_some_and(|e| e.kind == ErrorKind::Timeout && e.cut.is_none());
    let nothing_came = listener.ready().await.is_none();
    if timed_out && nothing_came {
        out.accept = Some(AcceptRecord {
            listen,
            from: None,
            outcome: AcceptResult::Timeout,
            elapsed: since.elapsed(),
            during_request: true,
            cut: None,
        });
    }
}

/// Records that no listener could be set up; `None` for the caller to return.
fn listen_failed<T>(out: &mut ModeOutcome, detail: String) -> Option<T> {
    out.error = Some(StepError::new(
        Stage::Accept,
        ErrorKind::Io,
        format!("could not listen for the server's connection: {detail}"),
    ));
    None
}

/// SOCKS5 BIND in place of our own listener (an HTTP proxy's active modes were skipped
/// before they began): the proxy listens for the server. An unspecified bound address
/// (0.0.0.0) names no host, so the proxy's own address stands in, and the timeline says
/// so. A proxy without BIND skips the mode (`proxy-no-bind`).
async fn through_proxy(
    session: &Session,
    proxy: &crate::net::proxy::Proxy,
    out: &mut ModeOutcome,
    tap: &Tap,
) -> Option<(Listener, SocketAddr)> {
    use super::super::record::SkipReason;
    use crate::net::proxy::{ProxyError, Refusal};
    let budget = &session.budget;
    let asked = super::super::proxy::bind(proxy, session.peer.ip(), budget.step);
    let bound = match budget.run(asked).await {
        Ok(bound) => bound,
        Err(cut) => {
            note_cut(out, Stage::Accept, cut);
            return listen_failed(out, "the proxy's BIND was cut short".to_string());
        }
    };
    match bound {
        Ok((wait, tell, substituted)) => {
            if substituted {
                tap.record(Event::Substitute {
                    advertised: SocketAddr::new(
                        std::net::Ipv4Addr::UNSPECIFIED.into(),
                        tell.port(),
                    ),
                    to: tell,
                    why: crate::timeline::SubstituteWhy::NamesNoHost,
                });
            }
            let listener = Listener::Bind {
                wait: Some(wait),
                proxy: proxy.addr,
            };
            Some((listener, tell))
        }
        Err(
            err @ ProxyError::Refused {
                refusal: Refusal::Unsupported,
                ..
            },
        ) => {
            *out = ModeOutcome::skipped(
                out.mode,
                SkipReason::ProxyNoBind,
                format!(
                    "proxy-no-bind: the SOCKS5 proxy {} has no BIND ({err}), so the server \
                     cannot connect back through it",
                    proxy.addr
                ),
            );
            None
        }
        Err(err) => listen_failed(out, format!("the proxy's BIND failed: {err}")),
    }
}
