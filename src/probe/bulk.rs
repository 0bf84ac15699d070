//! One data connection for a bulk transfer after the modes (the size check, the upload),
//! on a mode that worked, at the system's MSS or a lowered one (TCP_MAXSEG set before the
//! SYN, or on the listener for the active modes). Each runs on a control session of its
//! own, so that a stalled transfer leaves nothing out of step for the next try.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::context::Run;
use super::from_net::cause;
use super::login::unexpected;
use super::record::{ControlOutcome, DialResult, Mode, ReplyRecord, Stage, StepError, TryError};
use super::runner::{Sessions, quit};
use super::session::{Fail, Role, Session, establish, step_error};
use super::tls::{DataStream, secure_data};
use crate::net::mss::{connect_with_mss, listen_with_mss};
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg, Reply, TransferType};
use crate::timeline::Event;

/// How long a politely closed session waits for its 221 before the next one opens.
const QUIT_WAIT: Duration = Duration::from_millis(500);

/// A data connection asked for, not yet carrying anything.
pub(super) enum Pending {
    /// Passive: dialled already.
    Dialled(TcpStream),
    /// Active: the server connects once the transfer command went out.
    Listening(TcpListener),
}

/// A fresh logged-in session in `sessions.transfer` (the previous one said goodbye and
/// went to the transcript), in binary mode; when the probe runs one connection at a
/// time, a mode's session still in step instead.
pub(super) async fn open_session<'s>(
    peer: SocketAddr,
    run: &Run<'_>,
    label: &'static str,
    sessions: &'s mut Sessions,
) -> Result<&'s mut Session, StepError> {
    let wait = QUIT_WAIT.min(run.step());
    quit(&mut sessions.transfer, wait).await;
    let old = sessions.transfer.take();
    sessions.retire(old);
    // One connection at a time (--sequential, a server that admits one): a mode's session
    // still in step carries on; else every other session says goodbye before a new one.
    let reusable = sessions
        .slots
        .iter()
        .position(|s| s.as_ref().is_some_and(Session::usable));
    match reusable {
        Some(i) if sessions.one_at_a_time => sessions.transfer = sessions.slots[i].take(),
        _ => {
            if sessions.one_at_a_time {
                for i in 0..sessions.slots.len() {
                    quit(&mut sessions.slots[i], wait).await;
                    let old = sessions.slots[i].take();
                    sessions.retire(old);
                }
            }
            let mut scratch = ControlOutcome::new(&run.credentials.user);
            let role = Role::Extra(label);
            establish(peer, run, role, &mut scratch, &mut sessions.transfer).await?;
        }
    }
    let Some(session) = sessions.transfer.as_mut() else {
        return Err(StepError::new(
            Stage::Connect,
            super::record::ErrorKind::Io,
            "no session",
        ));
    };
    let reply = session
        .command(&Command::Type(TransferType::Binary))
        .await
        .map_err(|e| step_error(Stage::Login, &e))?;
    if !reply.is_positive_completion() {
        return Err(unexpected(Stage::Login, &reply, "200 to TYPE I"));
    }
    Ok(session)
}

/// Asks for a data connection in `mode` and makes (passive) or awaits (active) it, with
/// TCP_MAXSEG `mss` when given.
pub(super) async fn request(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    mss: Option<u32>,
    label: &'static str,
) -> Result<Pending, TryError> {
    let tap = run.timeline.data(label);
    session.data_tap = Some(tap.clone());
    if mode.is_passive() {
        let cmd = match mode {
            Mode::Epsv => Command::Epsv(EpsvArg::None),
            _ => Command::Pasv,
        };
        let reply = ask(session, &cmd).await?;
        let peer = session.peer.ip();
        let bad = |why: &dyn std::fmt::Display| TryError::BadAddress {
            verb: cmd.verb().to_string(),
            why: why.to_string(),
        };
        let addr = match mode {
            Mode::Epsv => SocketAddr::new(peer, parse_229(&reply).map_err(|e| bad(&e))?),
            _ => {
                let advertised = parse_227(&reply).map_err(|e| bad(&e))?;
                // The control peer with the advertised port, as the modes dial by default.
                SocketAddr::new(peer, advertised.port())
            }
        };
        if let Some(via) = run.proxy.as_deref() {
            let dial = super::proxy::dial(Some(via), addr, run.step(), &tap, label);
            let (dialled, _) = session
                .budget
                .run(dial)
                .await
                .map_err(|cut| TryError::Cut(cut.by))?;
            return match dialled.stream {
                Some(stream) => Ok(Pending::Dialled(stream)),
                None => Err(TryError::Dial {
                    to: addr,
                    outcome: super::from_net::dial_result(dialled.outcome),
                    kind: None,
                }),
            };
        }
        tap.record(Event::Connect {
            to: addr,
            purpose: label,
        });
        let dial = async {
            match mss {
                Some(mss) => connect_with_mss(addr, mss, run.step()).await,
                None => match timeout(run.step(), TcpStream::connect(addr)).await {
                    Ok(result) => result,
                    Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
                },
            }
        };
        let dialled = session
            .budget
            .run(dial)
            .await
            .map_err(|cut| TryError::Cut(cut.by))?;
        let stream = dialled.map_err(|e| dial_error(addr, &e))?;
        if let Ok(local) = stream.local_addr() {
            tap.record(Event::Connected { local });
        }
        return Ok(Pending::Dialled(stream));
    }
    if run.proxy.is_some() {
        return Err(TryError::ActiveThroughProxy);
    }
    let local = session.local.ip();
    let at = SocketAddr::new(local, 0);
    let listener = match mss {
        Some(mss) => listen_with_mss(at, mss),
        None => TcpListener::bind(at).await,
    }
    .map_err(|e| TryError::Listen {
        on: local,
        kind: e.kind(),
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| TryError::Listen {
            on: local,
            kind: e.kind(),
        })?
        .port();
    let tell = SocketAddr::new(
        run.options.active_addr.unwrap_or(local.to_canonical()),
        port,
    );
    tap.record(Event::Listen { on: tell });
    let cmd = match (mode, tell) {
        (Mode::Port, SocketAddr::V4(v4)) => Command::Port(v4),
        (Mode::Port, SocketAddr::V6(_)) => return Err(TryError::PortNeedsIpv4),
        _ => Command::Eprt(tell),
    };
    ask(session, &cmd).await?;
    Ok(Pending::Listening(listener))
}

/// Sends a mode request and wants a 2yz.
async fn ask(session: &mut Session, cmd: &Command) -> Result<Reply, TryError> {
    let reply = session
        .command(cmd)
        .await
        .map_err(|e| failed(cmd.verb(), e))?;
    match reply.is_positive_completion() {
        true => Ok(reply),
        false => Err(refusal(cmd, &reply)),
    }
}

/// A command the server refused.
pub(super) fn refusal(cmd: &Command, reply: &Reply) -> TryError {
    TryError::Refused {
        verb: cmd.verb().to_string(),
        reply: ReplyRecord::from(reply),
    }
}

/// A command whose sending or reply failed on the control connection.
pub(super) fn failed(verb: &str, fail: Fail) -> TryError {
    match fail {
        Fail::Control(e) => TryError::Control {
            verb: verb.to_string(),
            cause: cause(&e),
        },
        Fail::Cut { cut, .. } => TryError::Cut(cut.by),
    }
}

/// A data dial that failed, typed as the modes' dial records are.
fn dial_error(to: SocketAddr, e: &std::io::Error) -> TryError {
    let outcome = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => DialResult::Refused,
        std::io::ErrorKind::TimedOut => DialResult::Timeout,
        _ => DialResult::Unreachable,
    };
    TryError::Dial {
        to,
        outcome,
        kind: Some(e.kind()),
    }
}

/// The data connection, once the transfer command went out: the dialled one, or the
/// server's within `limit`.
pub(super) async fn connection(
    session: &Session,
    pending: Pending,
    limit: Duration,
) -> Result<TcpStream, TryError> {
    match pending {
        Pending::Dialled(stream) => Ok(stream),
        Pending::Listening(listener) => match session
            .budget
            .run(timeout(limit, listener.accept()))
            .await
            .map_err(|cut| TryError::Cut(cut.by))?
        {
            Ok(Ok((stream, from))) => {
                if let Some(tap) = &session.data_tap {
                    tap.record(Event::Accepted { from });
                }
                Ok(stream)
            }
            Ok(Err(e)) => Err(TryError::Accept(e.kind())),
            Err(_) => Err(TryError::NoConnectBack { within: limit }),
        },
    }
}

/// The first mode whose transfer worked, passive ones first: what a bulk transfer uses.
pub(super) fn working_mode(modes: &[super::record::ModeOutcome]) -> Option<Mode> {
    let ok = |m: Mode| {
        modes.iter().any(|a| {
            a.mode == m
                && a.transfer
                    .as_ref()
                    .is_some_and(|t| t.outcome == super::record::TransferResult::Ok)
        })
    };
    [Mode::Epsv, Mode::Pasv, Mode::Eprt, Mode::Port]
        .into_iter()
        .find(|&m| ok(m))
}

/// The data connection's TLS handshake under PROT P (the plain stream otherwise), within
/// `limit` and the budget; a failed or cut handshake leaves the session out of step.
pub(super) async fn secure(
    session: &mut Session,
    tcp: TcpStream,
    limit: Duration,
) -> Result<DataStream, TryError> {
    let client = session.data_tls.as_ref();
    let tap = session.data_tap.clone();
    let why = match secure_data(client, tap, &session.budget, tcp, limit).await {
        Ok((Some(data), _)) => return Ok(data),
        Ok((None, _)) => TryError::DataTls,
        Err(cut) => TryError::Cut(cut.by),
    };
    session.conn.mark_out_of_step("a failed data handshake");
    Err(why)
}
