//! FTPS handshakes on streams (RFC 4217): the control connection's, once the login
//! machine (`login.rs`) says so (from the first byte, or after the 234 to `AUTH TLS`), and
//! each data connection's own, resuming the control connection's session as servers may
//! require. The conversation around them (AUTH, PBSZ, PROT) is the login machine's.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::budget::Budget;
use super::context::Run;
use super::from_net::{cert_record, note_handshake, tls_failure, tls_reason};
use super::record::Cut;
use super::record::{Cause, DataTlsRecord, ErrorKind, ReplyRecord, Stage, StepError, TlsRecord};
use crate::net::{ControlConn, Handshake, MaybeTls, Tap, TlsClient, TlsError, Trust};
use crate::timeline::Event;

type ClientTls = tokio_rustls::client::TlsStream<crate::net::Watched>;

/// The control connection: TCP, then perhaps TLS.
pub(super) type ControlStream = MaybeTls<ClientTls>;
/// A data connection: TCP, or TLS under PROT P.
pub(super) type DataStream = MaybeTls<ClientTls>;

/// The handshake's failure as the step's error; a plaintext reply to the ClientHello is
/// kept as the reply that ended the step (code and escaped text).
fn tls_step_error(err: &TlsError) -> StepError {
    let reply = err.plaintext_reply.as_deref().and_then(|bytes| {
        let text = crate::net::tls_escaped(bytes);
        let code = text.get(..3)?.parse().ok()?;
        Some(ReplyRecord {
            code,
            text: text.get(4..).unwrap_or_default().to_string(),
        })
    });
    StepError {
        reply,
        cause: Some(Box::new(Cause::Tls(tls_reason(err.failure)))),
        ..StepError::new(Stage::Tls, ErrorKind::Tls, err.detail.clone())
    }
}

/// The name certificates are checked against: the target's host name, or its address.
fn server_name(run: &Run<'_>) -> String {
    run.target.host_string()
}

/// This control connection's TLS client (its own session cache), unless --tls off.
fn new_client(run: &Run<'_>, resume: bool) -> Result<TlsClient, StepError> {
    let trust = handshake_trust(&run.options.trust, run.credentials.is_anonymous());
    TlsClient::new(&trust, &server_name(run), resume).map_err(|e| tls_step_error(&e))
}

/// A data connections' client that never resumes a session, as clients without session
/// reuse handshake (the reuse check).
pub(super) fn fresh_data_client(run: &Run<'_>) -> Result<TlsClient, StepError> {
    new_client(run, false)
}

/// Whom the handshakes trust. An anonymous login has no secret to protect: the
/// certificate check is made and recorded but not enforced, so the data modes are still
/// probed and an untrusted certificate is reported as an error. A named login keeps the
/// check: its password is never sent over a session whose certificate failed it. Never a
/// fallback to plaintext either way.
pub(super) fn handshake_trust(trust: &Trust, anonymous: bool) -> Trust {
    match trust {
        Trust::Insecure(_) => trust.clone(),
        _ if anonymous => Trust::Insecure(Box::new(trust.clone())),
        _ => trust.clone(),
    }
}

/// The control connection's handshake, within the budget, recorded in `tls_rec`: the
/// client that made it (its session is what data connections resume), or why not.
pub(super) async fn secure_control(
    conn: &mut ControlConn<ControlStream>,
    budget: &Budget,
    run: &Run<'_>,
    tls_rec: &mut TlsRecord,
) -> Result<TlsClient, StepError> {
    let client = new_client(run, true)?;
    let result = match budget
        .run(handshake_control(conn, &client, budget.step))
        .await
    {
        Ok(result) => result,
        Err(cut) => return Err(handshake_cut(conn, cut)),
    };
    tls_rec.verify_error = client.verification_complaint();
    match result {
        Ok(handshake) => {
            note_handshake(tls_rec, &handshake, &run.options.trust);
            if !matches!(run.options.trust, Trust::Insecure(_)) && tls_rec.verify_error.is_some() {
                // An anonymous login went on past a certificate the check refused.
                tls_rec.verified = false;
                tls_rec.went_on_unverified = true;
            }
            Ok(client)
        }
        Err(err) => {
            tls_rec.error = Some(tls_failure(err.failure, err.detail.clone()));
            tls_rec.certificate = err.certificate.as_deref().map(cert_record);
            conn.mark_out_of_step("the TLS handshake failed");
            Err(tls_step_error(&err))
        }
    }
}

/// The deadline or the user cut the control handshake: the stream is gone with it.
fn handshake_cut(conn: &mut ControlConn<ControlStream>, cut: Cut) -> StepError {
    conn.mark_out_of_step("the TLS handshake was cut short");
    let detail = format!(
        "the TLS handshake had not finished after {:?} when {} cut it",
        cut.after,
        cut.by.words()
    );
    StepError::cut(Stage::Tls, cut, detail)
}

async fn handshake_control(
    conn: &mut ControlConn<ControlStream>,
    client: &TlsClient,
    limit: Duration,
) -> Result<crate::net::Handshake, TlsError> {
    let tap = conn.tap_mut().map(|t| t.clone());
    let stream = conn.stream_for_tls().map_err(|e| TlsError {
        failure: crate::net::TlsFailure::Protocol,
        detail: e.to_string(),
        certificate: None,
        plaintext_reply: None,
    })?;
    let Some(tcp) = stream.take_plain() else {
        return Err(TlsError {
            failure: crate::net::TlsFailure::Other,
            detail: "the control connection is already TLS".to_string(),
            certificate: None,
            plaintext_reply: None,
        });
    };
    if let Some(tap) = &tap {
        tap.record(Event::TlsStart);
    }
    let result = client.handshake(tcp, limit).await;
    if let Some(tap) = &tap {
        tap.record(handshake_event(&result));
    }
    let (tls, handshake) = result?;
    *stream = MaybeTls::Tls(Box::new(tls));
    conn.note(format!("TLS handshake: {handshake}"));
    Ok(handshake)
}

/// How a handshake ended, for the timeline.
fn handshake_event<T>(result: &Result<(T, Handshake), TlsError>) -> Event {
    match result {
        Ok((_, h)) => Event::TlsDone {
            version: h.version.clone(),
            resumed: h.resumed,
        },
        Err(e) => Event::TlsFailed {
            why: e.detail.clone(),
        },
    }
}

/// What data connections handshake with once PROT P is in force: the control
/// connection's client (resuming its session), or with --tls-reuse off a fresh one, as
/// clients without session reuse do. `None` when data stays in clear.
pub(super) fn data_client(
    run: &Run<'_>,
    control: Option<&TlsClient>,
    protected: bool,
) -> Result<Option<TlsClient>, StepError> {
    match (control, protected, run.options.tls_reuse) {
        (None, _, _) | (_, false, _) => Ok(None),
        (Some(client), true, true) => Ok(Some(client.clone())),
        (Some(_), true, false) => new_client(run, false).map(Some),
    }
}

/// The data connection's handshake when the session asked for PROT P; the plain stream
/// otherwise. `None` (with the record saying why) when the handshake failed; `Err` when
/// the deadline or the user cut it.
pub(super) async fn secure_data(
    client: Option<&TlsClient>,
    tap: Option<Tap>,
    budget: &Budget,
    tcp: TcpStream,
    limit: Duration,
) -> Result<(Option<DataStream>, Option<DataTlsRecord>), Cut> {
    let Some(client) = client else {
        return Ok((Some(MaybeTls::Plain(tcp)), None));
    };
    let started = Instant::now();
    let tap = tap.unwrap_or_else(Tap::detached);
    tap.record(Event::TlsStart);
    let result = budget.run(client.handshake(tcp, limit)).await?;
    tap.record(handshake_event(&result));
    Ok(match result {
        Ok((tls, handshake)) => (
            Some(MaybeTls::Tls(Box::new(tls))),
            Some(DataTlsRecord {
                ok: true,
                version: Some(handshake.version),
                resumed: handshake.resumed,
                elapsed: started.elapsed(),
                error: None,
            }),
        ),
        Err(err) => (
            None,
            Some(DataTlsRecord {
                ok: false,
                version: None,
                resumed: false,
                elapsed: started.elapsed(),
                error: Some(tls_failure(err.failure, err.detail)),
            }),
        ),
    })
}
