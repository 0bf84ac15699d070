//! The plaintext comparison. A NAT router's FTP helper (ALG) rewrites the address in a
//! 227 and a PORT it can read, and cannot read them inside TLS; so when the control
//! connection is TLS, the same PASV and PORT in a plaintext session show whether
//! something on the path rewrites FTP.

use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpListener;

use super::ControlOutcome;
use super::attempt::Working;
use super::context::Run;
use super::record::{Mode, PlaintextCheck, ReplyRecord, Tls, TlsMode};
use super::session::{Role, Session, establish};
use crate::proto::Command;
use crate::proto::passive::parse_227;

/// Runs the comparison when it can tell something, recording why not otherwise.
pub(super) async fn check(run: &Run<'_>, out: &mut Working, slot: &mut Option<Session>) {
    let nothing_to_learn = out.control.tls == Tls::None || run.tls == TlsMode::Implicit;
    if nothing_to_learn || run.budget.ended_by().is_some() {
        return;
    }
    let Some(peer) = out.control.peer else { return };
    let tried = |mode: Mode| {
        out.modes
            .iter()
            .any(|m| m.mode == mode && m.skipped.is_none())
    };
    let (pasv, port, eprt) = (tried(Mode::Pasv), tried(Mode::Port), tried(Mode::Eprt));
    if !pasv && !port && !eprt {
        return;
    }
    let record = out.plaintext_check.insert(PlaintextCheck::default());
    if !run.credentials.is_anonymous() {
        // The whole point of TLS is that this password never crosses in clear.
        record.skipped = Some(format!(
            "would send the password of \"{}\" in plaintext; only anonymous logins are compared",
            run.credentials.user
        ));
        return;
    }
    let plain = run.with_tls(TlsMode::Off);
    let mut scratch = ControlOutcome::new(&run.credentials.user);
    let role = Role::Extra("plaintext");
    if let Err(err) = establish(peer, &plain, role, &mut scratch, slot).await {
        record.login_refused = scratch.login_reply.clone();
        record.skipped = Some(match &scratch.login_reply {
            Some(reply) => format!("the server refused a plaintext login ({reply})"),
            None => format!("no plaintext session: {}", err.detail),
        });
        return;
    }
    let Some(session) = slot.as_mut() else { return };
    if pasv {
        match session.command(&Command::Pasv).await {
            Ok(reply) => {
                record.pasv_addr = parse_227(&reply)
                    .ok()
                    .map(|a| SocketAddr::new(IpAddr::V4(*a.ip()), a.port()));
                record.pasv_reply = Some(ReplyRecord::from(&reply));
            }
            Err(err) => record.error = Some(format!("PASV: {err}")),
        }
    }
    // The listeners stay open until the session ends: pyftpdlib connects during PORT/EPRT,
    // and a connection reset by a closed listener makes it send an unasked
    // "425 Can't connect" that would be read as the next command's reply.
    let mut listeners = Vec::new();
    for (mode, wanted) in [(Mode::Eprt, eprt), (Mode::Port, port)] {
        if wanted && session.usable() {
            listeners.extend(active_check(session, run, mode, record).await);
        }
    }
}

/// PORT or EPRT with the address the modes sent (ours, or --active-addr) and a listener
/// of our own, which the server will not use: no transfer follows. Returns the listener,
/// for the caller to hold until the session ends.
async fn active_check(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    record: &mut PlaintextCheck,
) -> Option<TcpListener> {
    let local = session.local.ip();
    let listener = match TcpListener::bind(SocketAddr::new(local, 0)).await {
        Ok(l) => l,
        Err(err) => {
            record.error = Some(format!("could not listen for {mode}: {err}"));
            return None;
        }
    };
    let listen = listener.local_addr().ok()?;
    let tell = SocketAddr::new(run.options.active_addr.unwrap_or(local), listen.port());
    let cmd = match (mode, tell) {
        (Mode::Port, SocketAddr::V4(v4)) => Command::Port(v4),
        (Mode::Port, SocketAddr::V6(_)) => return None,
        _ => Command::Eprt(tell),
    };
    let (request, reply) = match mode {
        Mode::Port => (&mut record.port_request, &mut record.port_reply),
        _ => (&mut record.eprt_request, &mut record.eprt_reply),
    };
    *request = Some(cmd.redacted());
    match session.command(&cmd).await {
        Ok(r) => *reply = Some(ReplyRecord::from(&r)),
        Err(err) => record.error = Some(format!("{}: {err}", cmd.verb())),
    }
    Some(listener)
}
