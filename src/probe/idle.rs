//! `--idle D`: how long the path keeps an idle control connection. [`IDLE_CONNECTIONS`]
//! more control connections log in at once and stay idle for D, D/2, D/4 … D/128; then
//! each sends NOOP, and how it fares (an answer, a 421, a RST, a FIN, or silence within
//! --timeout) says whether the path (or the server) still knew it.

use std::time::Duration;

use tokio::task::JoinSet;

use super::ProbeConfig;
use super::attempt::Working;
use super::record::{ControlOutcome, ErrorKind, IdleCheck, IdleLoss, IdleTry, Login, ReplyRecord};
use super::runner::{Sessions, same_as_first};
use super::session::{Role, Session, establish};
use crate::net::ControlError;
use crate::proto::Command;

/// Extra control connections `--idle` holds at once: one per halving of D down to D/128,
/// few enough for any server's per-client limit worth having.
pub const IDLE_CONNECTIONS: u32 = 8;

/// The idle times tried: D, D/2 … D/128.
pub fn idle_times(asked: Duration) -> Vec<Duration> {
    (0..IDLE_CONNECTIONS).map(|i| asked / (1 << i)).collect()
}

/// Measures when asked; each connection's result lands in `out.idle` as it comes.
pub(super) async fn run(config: &ProbeConfig, out: &mut Working, sessions: &mut Sessions) {
    let Some(asked) = config.transfers.idle else {
        return;
    };
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        return;
    };
    let config = same_as_first(config, out);
    let check = out.idle.insert(IdleCheck {
        survived_s: None,
        lost_s: None,
        how: None,
        asked_s: asked.as_secs_f64(),
        tries: Vec::new(),
        error: None,
        login_refused: None,
    });
    let mut tasks = JoinSet::new();
    for idle in idle_times(asked) {
        let config = config.clone();
        tasks.spawn(async move {
            let mut slot = None;
            let mut scratch = ControlOutcome::new(&config.credentials.user);
            let set_up = establish(peer, &config, Role::Extra("idle"), &mut scratch, &mut slot);
            let result = match set_up.await {
                Ok(()) => match slot.as_mut() {
                    Some(session) => Ok(one(session, idle).await),
                    None => Err(None),
                },
                Err(err) => Err(Some(err)),
            };
            (result, slot)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((result, slot)) = joined else { continue };
        match result {
            Ok(tried) => check.tries.push(tried),
            Err(Some(err)) if err.kind == ErrorKind::Refused => {
                check.login_refused = err.reply.clone();
            }
            Err(err) => {
                if check.error.is_none() {
                    check.error = err;
                }
            }
        }
        if let Some(session) = slot {
            sessions.retired.extend(session.transcript());
        }
    }
    check.conclude();
}

/// One idle connection: wait, NOOP, and what came back.
async fn one(session: &mut Session, idle: Duration) -> IdleTry {
    tokio::time::sleep(idle).await;
    let mut tried = IdleTry {
        idle_s: idle.as_secs_f64(),
        lost: None,
        reply: None,
        error: None,
    };
    let answered = match session.conn.send(&Command::Noop).await {
        Ok(()) => session.conn.read_reply("NOOP").await,
        Err(e) => Err(e),
    };
    match answered {
        Ok(reply) => {
            if reply.code == 421 {
                tried.lost = Some(IdleLoss::Server421);
            } else if !reply.is_positive_completion() {
                tried.error = Some(format!("NOOP answered {}", ReplyRecord::from(&reply)));
            }
            tried.reply = Some(ReplyRecord::from(&reply));
        }
        Err(e) => {
            tried.lost = Some(loss(&e));
            tried.error = Some(e.to_string());
        }
    }
    tried
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
