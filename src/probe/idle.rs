//! `--idle D`: how long the path keeps an idle control connection. [`IDLE_CONNECTIONS`]
//! more control connections log in at once and stay idle for D, D/2, D/4 … D/128; then
//! each sends NOOP, and how it fares (an answer, a 421, a RST, a FIN, or silence within
//! --timeout) says whether the path (or the server) still knew it.

use std::net::SocketAddr;
use std::time::Duration;

use super::attempt::Working;
use super::context::Run;
use super::from_net::cause;
use super::record::{
    ControlOutcome, ErrorKind, IdleCheck, IdleLoss, IdleTry, Login, ReplyRecord, StepError,
    cause_words,
};
use super::runner::{Sessions, same_as_first};
use super::session::{Fail, Role, Session, establish};
use crate::net::ControlError;
use crate::proto::Command;

/// Extra control connections `--idle` holds at once: one per halving of D down to D/128,
/// few enough for any server's per-client limit worth having.
pub const IDLE_CONNECTIONS: usize = 8;

/// The idle times tried: D, D/2 … D/128.
pub fn idle_times(asked: Duration) -> [Duration; IDLE_CONNECTIONS] {
    std::array::from_fn(|i| asked / (1u32 << i))
}

/// Measures when asked; the connections' results land in `out.idle`.
pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    let Some(asked) = run.options.idle else {
        return;
    };
    if run.budget.ended_by().is_some() {
        return;
    }
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        return;
    };
    let run = &same_as_first(run, out);
    let check = out.idle.insert(IdleCheck {
        survived_s: None,
        lost_s: None,
        how: None,
        asked_s: asked.as_secs_f64(),
        tries: Vec::new(),
        error: None,
        login_refused: None,
    });
    // All at once on this task: each wait is within the probe's budget.
    let mut slots: [Option<Session>; IDLE_CONNECTIONS] = Default::default();
    let [t0, t1, t2, t3, t4, t5, t6, t7] = idle_times(asked);
    let [s0, s1, s2, s3, s4, s5, s6, s7] = &mut slots;
    let results = tokio::join!(
        Box::pin(connection(peer, run, t0, s0)),
        Box::pin(connection(peer, run, t1, s1)),
        Box::pin(connection(peer, run, t2, s2)),
        Box::pin(connection(peer, run, t3, s3)),
        Box::pin(connection(peer, run, t4, s4)),
        Box::pin(connection(peer, run, t5, s5)),
        Box::pin(connection(peer, run, t6, s6)),
        Box::pin(connection(peer, run, t7, s7)),
    );
    let (r0, r1, r2, r3, r4, r5, r6, r7) = results;
    for result in [r0, r1, r2, r3, r4, r5, r6, r7] {
        match result {
            Ok(Some(tried)) => check.tries.push(tried),
            // Cut by the deadline or Ctrl-C: neither kept nor lost, so not a try.
            Ok(None) => {}
            Err(Some(err)) if err.kind == ErrorKind::Refused => {
                check.login_refused = err.reply.clone();
            }
            Err(err) => {
                if check.error.is_none() {
                    check.error = err;
                }
            }
        }
    }
    for session in slots.into_iter().flatten() {
        sessions.retired.extend(session.transcript());
    }
    check.conclude();
}

/// One idle connection set up in `slot`, then tried; `Ok(None)` when the probe's time
/// ended first, `Err(None)` when no session came.
async fn connection(
    peer: SocketAddr,
    run: &Run<'_>,
    idle: Duration,
    slot: &mut Option<Session>,
) -> Result<Option<IdleTry>, Option<StepError>> {
    let mut scratch = ControlOutcome::new(&run.credentials.user);
    establish(peer, run, Role::Extra("idle"), &mut scratch, slot)
        .await
        .map_err(Some)?;
    match slot.as_mut() {
        Some(session) => Ok(one(session, idle).await),
        None => Err(None),
    }
}

/// One idle connection: wait (within the budget), NOOP, and what came back; `None`
/// when the deadline or the user cut the wait or the NOOP.
async fn one(session: &mut Session, idle: Duration) -> Option<IdleTry> {
    let mut tried = IdleTry {
        idle_s: idle.as_secs_f64(),
        lost: None,
        reply: None,
        error: None,
    };
    let budget = session.budget.clone();
    budget.run(tokio::time::sleep(idle)).await.ok()?;
    match session.command(&Command::Noop).await {
        Ok(reply) => {
            if reply.code == 421 {
                tried.lost = Some(IdleLoss::Server421);
            } else if !reply.is_positive_completion() {
                tried.error = Some(format!("NOOP answered {}", ReplyRecord::from(&reply)));
            }
            tried.reply = Some(ReplyRecord::from(&reply));
        }
        Err(Fail::Control(e)) => {
            tried.lost = Some(loss(&e));
            // In the record's words: "reset (RST)", not the system's text and number.
            tried.error = Some(cause_words(&cause(&e)));
        }
        Err(Fail::Cut { .. }) => return None,
    }
    Some(tried)
}

/// How a connection that did not answer NOOP was lost.
fn loss(err: &ControlError) -> IdleLoss {
    match err {
        ControlError::Timeout { .. } | ControlError::SendTimeout { .. } => IdleLoss::Silent,
        ControlError::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            IdleLoss::Reset
        }
        _ => IdleLoss::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_idle_times_halving_from_d() {
        let times = idle_times(Duration::from_secs(256));
        assert_eq!(times.len(), 8);
        assert_eq!(times[0], Duration::from_secs(256));
        assert_eq!(times[7], Duration::from_secs(2));
    }
}
