//! FTPS: does the server require data connections to resume the control connection's TLS
//! session (vsftpd `require_ssl_reuse`, FileZilla Server)? When the control connection is
//! TLS and a data connection resumed, one more passive data connection is made on a
//! session still in step, with a fresh TLS client that does not resume: what Python's
//! `FTP_TLS` and other clients without session reuse meet. Its result is the record's
//! `reuse_check`.

use super::attempt::Working;
use super::context::Run;
use super::mode::passive;
use super::record::{DialResult, Mode, ModeOutcome, ReplyRecord, ReuseCheck, Tls, TransferResult};
use super::runner::Sessions;
use super::tls::fresh_data_client;

/// Runs the check when it can tell something: a TLS control connection (not
/// `--no-tls-reuse`, whose data connections never resumed), a passive mode whose data
/// connection resumed and transferred, and a session still in step under PROT P.
pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    if !run.options.tls_reuse || out.control.tls == Tls::None || run.budget.ended_by().is_some() {
        return;
    }
    let Some(mode) = resumed_mode(&out.modes) else {
        return;
    };
    let Some(session) = sessions
        .slots
        .iter_mut()
        .flatten()
        .find(|s| s.usable() && s.data_tls.is_some())
    else {
        return;
    };
    let fresh = match fresh_data_client(run) {
        Ok(client) => client,
        Err(err) => {
            out.reuse_check = Some(ReuseCheck {
                mode,
                accepted: false,
                reply: None,
                error: Some(err.detail),
            });
            return;
        }
    };
    let resuming = session.data_tls.replace(fresh);
    let mut attempt = ModeOutcome::new(mode);
    passive(session, run, &mut attempt).await;
    session.data_tls = resuming;
    session.data_tap = None;
    // No data connection (a refused or dropped port, a draw lost behind a load balancer):
    // nothing was learnt about the TLS session, so no record rather than a wrong one.
    let connected = attempt
        .dials
        .iter()
        .any(|d| d.outcome == DialResult::Connected);
    if connected {
        out.reuse_check = Some(record(mode, &attempt));
    }
}

/// The first passive mode whose data connection resumed the TLS session and transferred.
fn resumed_mode(modes: &[ModeOutcome]) -> Option<Mode> {
    modes
        .iter()
        .filter(|m| m.mode.is_passive())
        .find(|m| {
            m.transfer.as_ref().is_some_and(|t| {
                t.outcome == TransferResult::Ok && t.tls.as_ref().is_some_and(|tls| tls.resumed)
            })
        })
        .map(|m| m.mode)
}

/// What the unresumed data connection met: accepted when its transfer completed.
fn record(mode: Mode, attempt: &ModeOutcome) -> ReuseCheck {
    let transfer = attempt.transfer.as_ref();
    let accepted = transfer.is_some_and(|t| t.outcome == TransferResult::Ok);
    let refused_request = attempt.reply.clone().filter(|r| r.code >= 400);
    let reply: Option<ReplyRecord> = transfer
        .and_then(|t| t.final_reply.clone())
        .or(refused_request);
    let error = match (accepted, transfer) {
        (true, _) => None,
        (false, Some(t)) => t
            .tls
            .as_ref()
            .and_then(|tls| tls.error.as_ref().map(|e| e.detail.clone()))
            .or_else(|| t.error.clone()),
        (false, None) => attempt
            .error
            .as_ref()
            .map(|e| e.detail.clone())
            .or_else(|| Some("no data connection was made".to_string())),
    };
    ReuseCheck {
        mode,
        accepted,
        reply,
        error,
    }
}
