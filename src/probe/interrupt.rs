//! What the report says when the deadline strikes mid-probe: where each unfinished step
//! stood, and which modes were never reached.

use super::attempt::Working;
use super::record::{
    ControlOutcome, ErrorKind, Login, ModeOutcome, SkipReason, Stage, StepError, Tls, TlsMode,
    TransferResult,
};

/// Records where each unfinished step stood when the deadline struck. A mode it struck
/// before it was tried is `skipped` (docs/report-schema.md: the session never got that far).
pub(super) fn mark_interrupted(out: &mut Working) {
    let interrupted = out.interrupted;
    let by = match interrupted {
        true => "the probe was interrupted (Ctrl-C)",
        false => "the deadline struck",
    };
    if out.control.login != Login::Ok {
        // Replaces any earlier address's error: that one is still in `connects`.
        let stage = match (out.control.peer, &out.control.banner) {
            _ if out.target.resolved.is_empty() && out.control.connects.is_empty() => {
                Stage::Resolve
            }
            (Some(_), _) if tls_handshake_pending(&out.control) => Stage::Tls,
            (None, _) => Stage::Connect,
            (Some(_), None) => Stage::Banner,
            (Some(_), Some(_)) => Stage::Login,
        };
        let why = format!("{by} before the session was set up");
        out.control.error = Some(StepError::new(stage, ErrorKind::Timeout, &why));
        return skip_all(out, &why);
    }
    for m in &mut out.modes {
        if m.skipped.is_some() {
            continue;
        }
        match m.in_progress {
            // Finished, or failed before its request (a refused reconnect): as recorded.
            None if m.request.is_some() || m.error.is_some() => {}
            None | Some(Stage::Login) => {
                m.replace(ModeOutcome::skipped(
                    m.mode,
                    SkipReason::Deadline,
                    format!("{by} before this mode was tried"),
                ));
            }
            Some(stage) => {
                // The transfer knows better than the mode how far it got.
                let stalled = m.transfer.as_ref().and_then(|t| t.stalled_at);
                m.interrupted = Some(stalled.unwrap_or(stage));
                if let Some(t) = &mut m.transfer
                    && t.stalled_at.is_some()
                {
                    t.outcome = TransferResult::Timeout;
                }
                if let Some(started) = m.started {
                    m.elapsed = started.elapsed();
                }
                if let (Some(stage_started), Some(dial)) = (m.step_started, m.dials.last_mut())
                    && stage == Stage::DataConnect
                {
                    dial.elapsed = stage_started.elapsed();
                    if interrupted {
                        dial.error = Some("cut short by Ctrl-C".to_string());
                    }
                }
            }
        }
    }
}

/// A control handshake was under way: implicit TLS, or after a 234, and neither done nor
/// failed yet.
fn tls_handshake_pending(control: &ControlOutcome) -> bool {
    control.tls == Tls::None
        && control.tls_details.as_ref().is_some_and(|t| {
            t.version.is_none()
                && t.error.is_none()
                && (t.requested == TlsMode::Implicit
                    || t.auth_reply.as_ref().is_some_and(|r| r.code == 234))
        })
}

pub(super) fn skip_all(out: &mut Working, why: &str) {
    for m in &mut out.modes {
        if m.skipped.is_none() {
            m.replace(ModeOutcome::skipped(m.mode, SkipReason::NoSession, why));
        }
    }
}
