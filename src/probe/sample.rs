//! `--sample-ports N`: N passive requests in a row on one session, each port dialled at
//! once (control peer + port, never an advertised address), to see the server's passive
//! port range and which part of it a firewall lets through.
//!
//! Each port is dialled before the next request: servers close the previous passive
//! listener on a new PASV/EPSV, so ports collected first and dialled later would all
//! look refused.

use std::net::SocketAddr;
use std::time::Instant;

use super::attempt::Working;
use super::context::Run;
use super::from_net::dial_result;
use super::record::{
    ControlOutcome, ErrorKind, Login, Mode, ReplyRecord, SampleOutcome, SamplePort, Stage,
    StepError,
};
use super::runner::{Sessions, same_as_first};
use super::session::{Role, Session, establish, step_error};
use crate::proto::passive::{parse_227, parse_229};
use crate::proto::{Command, EpsvArg};

/// Most passive requests one probe sends: each makes the server open a listener, and
/// a few hundred samples already show any range a firewall is configured with.
pub const MAX_SAMPLE_PORTS: u16 = 256;

/// Samples the passive range when asked to and a session could be set up.
pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    if run.options.sample_ports == 0 || run.budget.ended_by().is_some() {
        return;
    }
    // No session was set up (no connect, refused login): nothing to sample on.
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        return;
    };
    let request = verb(run, out, peer);
    // As the modes' sessions: never plaintext after a first session with TLS.
    let later = same_as_first(run, out);
    let sample = out
        .sample
        .insert(SampleOutcome::new(request, run.options.sample_ports));
    // A mode's session that is still in step will do; else a fresh one.
    let reuse = sessions
        .slots
        .iter()
        .position(|s| s.as_ref().is_some_and(Session::usable));
    let session = match reuse {
        Some(i) => sessions.slots[i].as_mut(),
        None => {
            let mut scratch = ControlOutcome::new(&run.credentials.user);
            let role = Role::Extra("sample");
            let slot = &mut sessions.sample;
            let result = establish(peer, &later, role, &mut scratch, slot).await;
            if let Err(err) = result {
                sample.error = Some(err);
                return;
            }
            sessions.sample.as_mut()
        }
    };
    let Some(session) = session else {
        return;
    };
    for _ in 0..run.options.sample_ports {
        let cmd = match request {
            "EPSV" => Command::Epsv(EpsvArg::None),
            _ => Command::Pasv,
        };
        let reply = match session.command(&cmd).await {
            Ok(reply) => reply,
            Err(err) => {
                sample.error = Some(step_error(Stage::Request, &err));
                return;
            }
        };
        let port = match (request, reply.code) {
            ("EPSV", 229) => parse_229(&reply).map_err(|e| e.to_string()),
            ("PASV", 227) => parse_227(&reply)
                .map(|a| a.port())
                .map_err(|e| e.to_string()),
            _ => Err(format!(
                "expected a passive reply, got {}",
                ReplyRecord::from(&reply)
            )),
        };
        let port = match port {
            Ok(port) => port,
            Err(detail) => {
                sample.error = Some(StepError {
                    reply: Some(ReplyRecord::from(&reply)),
                    ..StepError::new(Stage::Request, ErrorKind::UnexpectedReply, detail)
                });
                return;
            }
        };
        // A cut dial ends the sample: the ports so far are what it found.
        let Some(dialled) = dial_port(run, SocketAddr::new(peer.ip(), port)).await else {
            return;
        };
        sample.push(dialled);
        // Dropping the stream closes the data connection; the next request replaces
        // the server's listener.
    }
}

/// EPSV, unless EPSV was refused or left out with --modes (then PASV, on IPv4 only).
fn verb(run: &Run<'_>, out: &Working, peer: SocketAddr) -> &'static str {
    let epsv_refused = out
        .modes
        .iter()
        .any(|m| m.mode == Mode::Epsv && m.reply.as_ref().is_some_and(|r| r.code >= 400));
    let no_epsv = epsv_refused || !run.options.modes.contains(&Mode::Epsv);
    match no_epsv && peer.ip().to_canonical().is_ipv4() {
        true => "PASV",
        false => "EPSV",
    }
}

/// Dials one sampled port; `None` when the deadline or the user cut the dial.
async fn dial_port(run: &Run<'_>, addr: SocketAddr) -> Option<SamplePort> {
    let started = Instant::now();
    let tap = run.timeline.data("sample");
    let via = run.proxy.as_deref();
    let (dialled, _) = run
        .budget
        .run(super::proxy::dial(
            via,
            addr,
            run.budget.step,
            &tap,
            "sample",
        ))
        .await
        .ok()?;
    Some(SamplePort {
        port: addr.port(),
        addr,
        outcome: dial_result(dialled.outcome),
        elapsed: started.elapsed(),
    })
}
