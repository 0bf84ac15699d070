//! FTPS on a session (RFC 4217): TLS on the control connection, from the first byte or
//! after `AUTH TLS`; `PBSZ 0` and `PROT P` after login; and each data connection's own
//! handshake, resuming the control connection's session as servers may require.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::context::Run;
use super::from_net::{cause, cert_record, note_handshake, tls_failure, tls_reason};
use super::record::{
    Cause, ControlOutcome, DataTlsRecord, ErrorKind, ReplyRecord, Stage, StepError, Tls, TlsMode,
    TlsRecord,
};
use super::session::{Session, step_error, unexpected};
use crate::net::{Handshake, MaybeTls, Tap, TlsClient, TlsError, Trust};
use crate::proto::Command;
use crate::timeline::Event;

type ClientTls = tokio_rustls::client::TlsStream<crate::net::Watched>;

/// The control connection: TCP, then perhaps TLS.
pub(super) type ControlStream = MaybeTls<ClientTls>;
/// A data connection: TCP, or TLS under PROT P.
pub(super) type DataStream = MaybeTls<ClientTls>;

/// The reply to AUTH TLS that starts the handshake (RFC 4217 section 4).
const AUTH_OK: u16 = 234;

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
    let trust = handshake_trust(&run.options.trust, is_anonymous(&run.credentials.user));
    TlsClient::new(&trust, &server_name(run), resume).map_err(|e| tls_step_error(&e))
}

/// The user names servers treat as anonymous FTP (RFC 1635).
fn is_anonymous(user: &str) -> bool {
    user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
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

/// Makes the control connection TLS as --tls asks: the handshake at once (implicit), or
/// `AUTH TLS` and the handshake on 234 (explicit; auto goes on in plaintext when refused).
/// Call right after connecting for implicit TLS, after the banner otherwise.
pub(super) async fn secure_control(
    session: &mut Session,
    run: &Run<'_>,
    rec: &mut ControlOutcome,
) -> Result<(), StepError> {
    if run.tls == TlsMode::Off {
        return Ok(());
    }
    let tls_rec = rec.tls_details.insert(TlsRecord::new(run.tls));
    if run.tls != TlsMode::Implicit {
        let reply = match session
            .conn
            .command(&Command::Auth("TLS".to_string()))
            .await
        {
            Ok(reply) => reply,
            Err(e) => {
                // Strict FTP-inspecting firewalls drop verbs they do not know: the runner
                // may try again in plaintext (--tls auto).
                tls_rec.auth_error = Some(e.to_string());
                tls_rec.auth_cause = Some(cause(&e));
                return Err(step_error(Stage::Tls, &e));
            }
        };
        tls_rec.auth_reply = Some(ReplyRecord::from(&reply));
        if reply.code != AUTH_OK {
            if run.tls == TlsMode::Explicit {
                return Err(unexpected(Stage::Tls, &reply, "234 to AUTH TLS"));
            }
            // --tls auto: the diagnosis reports tls-unavailable; plaintext goes on.
            return Ok(());
        }
    }
    let client = new_client(run, true)?;
    let result = handshake_control(session, &client, run.step()).await;
    let tls_rec = rec
        .tls_details
        .get_or_insert_with(|| TlsRecord::new(run.tls));
    tls_rec.verify_error = client.verification_complaint();
    match result {
        Ok(handshake) => {
            note_handshake(tls_rec, &handshake, &run.options.trust);
            if !matches!(run.options.trust, Trust::Insecure(_)) && tls_rec.verify_error.is_some() {
                // An anonymous login went on past a certificate the check refused.
                tls_rec.verified = false;
                tls_rec.went_on_unverified = true;
            }
            rec.tls = match run.tls {
                TlsMode::Implicit => Tls::Implicit,
                _ => Tls::Explicit,
            };
            session.tls = Some(client);
            Ok(())
        }
        Err(err) => {
            tls_rec.error = Some(tls_failure(err.failure, err.detail.clone()));
            tls_rec.certificate = err.certificate.as_deref().map(cert_record);
            session.conn.mark_out_of_step("the TLS handshake failed");
            Err(tls_step_error(&err))
        }
    }
}

async fn handshake_control(
    session: &mut Session,
    client: &TlsClient,
    limit: Duration,
) -> Result<crate::net::Handshake, TlsError> {
    let tap = session.conn.tap_mut().map(|t| t.clone());
    let stream = session.conn.stream_for_tls().map_err(|e| TlsError {
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
    session.conn.note(format!("TLS handshake: {handshake}"));
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

/// `PBSZ 0` and `PROT P` on a TLS session: data connections are private only after a
/// 2yz to PROT P. A server that refuses keeps them in clear, which the report shows.
pub(super) async fn protect_data(
    session: &mut Session,
    run: &Run<'_>,
    rec: &mut ControlOutcome,
) -> Result<(), StepError> {
    let Some(client) = session.tls.clone() else {
        return Ok(());
    };
    session
        .conn
        .command(&Command::Pbsz(0))
        .await
        .map_err(|e| step_error(Stage::Tls, &e))?;
    let reply = session
        .conn
        .command(&Command::Prot('P'))
        .await
        .map_err(|e| step_error(Stage::Tls, &e))?;
    let protected = reply.is_positive_completion();
    if let Some(tls_rec) = rec.tls_details.as_mut() {
        tls_rec.prot_reply = Some(ReplyRecord::from(&reply));
        tls_rec.data_protected = protected;
    }
    session.data_tls = match (protected, run.options.tls_reuse) {
        (false, _) => None,
        (true, true) => Some(client),
        // Like a client without session reuse: each data connection starts afresh.
        (true, false) => Some(new_client(run, false)?),
    };
    Ok(())
}

/// The data connection's handshake when the session asked for PROT P; the plain stream
/// otherwise. `None` (with the record saying why) when the handshake failed.
pub(super) async fn secure_data(
    session: &Session,
    tcp: TcpStream,
    limit: Duration,
) -> (Option<DataStream>, Option<DataTlsRecord>) {
    let Some(client) = &session.data_tls else {
        return (Some(MaybeTls::Plain(tcp)), None);
    };
    let started = Instant::now();
    let tap = session.data_tap.clone().unwrap_or_else(Tap::detached);
    tap.record(Event::TlsStart);
    let result = client.handshake(tcp, limit).await;
    tap.record(handshake_event(&result));
    match result {
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
    }
}
