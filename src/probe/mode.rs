//! One data-connection mode on a logged-in session: the request, the data connection
//! (dialled or accepted), and the transfer.

use std::time::Instant;

use tokio::net::TcpStream;

use super::context::Run;
use super::data_mode::{Action, Dialled, PassiveMachine, Plan};
pub(super) use super::data_mode::{note_cut, note_error_cut};
use super::from_net::dial_result;
use super::record::{ModeOutcome, ReplyRecord, Stage, TransferResult};
use super::session::{Session, step_error};

mod active;
mod listener;
use super::transfer::{finish, new_record, transfer_command};
use crate::proto::Command;
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

/// A transfer whose wait was cut: the mode says where.
fn note_transfer_cut(out: &mut ModeOutcome) {
    if let Some(t) = &out.transfer
        && let Some(cut) = t.cut
    {
        note_cut(out, t.stalled_at.unwrap_or(Stage::TransferStart), cut);
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

/// Drives the passive machine (data_mode.rs): sends its request, dials where it says,
/// and runs the transfer on the data connection it settles on.
async fn passive(session: &mut Session, run: &Run<'_>, out: &mut ModeOutcome) {
    let plan = Plan {
        mode: out.mode,
        peer: session.peer.ip(),
        follow_advertised: run.options.follow_advertised,
    };
    let mut machine = PassiveMachine::new(plan, out);
    let mut action = machine.start();
    let data = loop {
        action = match action {
            Action::Send(cmd) => match session.command(&cmd).await {
                Ok(reply) => machine.on_reply(&reply),
                Err(fail) => machine.on_failure(step_error(Stage::Request, &fail)),
            },
            Action::Dial {
                addr,
                why: _,
                substitute,
            } => {
                let tap = run.timeline.data(plan.mode.as_str());
                if let Some(event) = substitute {
                    tap.record(event);
                }
                let budget = &session.budget;
                let via = run.proxy.as_deref();
                let mode = plan.mode.as_str();
                let dialled = budget
                    .run(super::proxy::dial(via, addr, budget.step, &tap, mode))
                    .await;
                match dialled {
                    Ok((d, proxy)) => {
                        let next = machine.on_dial(Dialled::Ended {
                            outcome: dial_result(d.outcome),
                            elapsed: d.elapsed,
                            error: d.error.clone(),
                            proxy,
                        });
                        if next == Action::Transfer {
                            session.data_tap = Some(tap);
                            break d.stream;
                        }
                        next
                    }
                    Err(cut) => machine.on_dial(Dialled::Cut(cut)),
                }
            }
            Action::Abandon(why) => {
                session.conn.mark_out_of_step(why);
                break None;
            }
            Action::Transfer | Action::Done => break None,
        };
    };
    if let Some(data) = data {
        transfer_passive(session, run, out, data).await;
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
