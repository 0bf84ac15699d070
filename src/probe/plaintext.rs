//! The plaintext comparison. A NAT router's FTP helper (ALG) rewrites the address in a
//! 227 and a PORT it can read, and cannot read them inside TLS; so when the control
//! connection is TLS, the same PASV and PORT in a plaintext session show whether
//! something on the path rewrites FTP.

use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpListener;

use super::outcome::{Mode, PlaintextCheck, ProbeOutcome, ReplyRecord, Tls, TlsMode};
use super::session::{Session, establish};
use super::{ControlOutcome, ProbeConfig};
use crate::proto::Command;
use crate::proto::passive::parse_227;

/// The user anonymous logs in with (RFC 1635); ftp is its usual alias.
fn is_anonymous(user: &str) -> bool {
    user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
}

/// Runs the comparison when it can tell something, recording why not otherwise.
pub(super) async fn check(
    config: &ProbeConfig,
    out: &mut ProbeOutcome,
    slot: &mut Option<Session>,
) {
    if out.control.tls == Tls::None || config.tls == TlsMode::Implicit {
        return;
    }
    let Some(peer) = out.control.peer else { return };
    let tried = |mode: Mode| {
        out.modes
            .iter()
            .any(|m| m.mode == mode && m.skipped.is_none())
    };
    let (pasv, port) = (tried(Mode::Pasv), tried(Mode::Port));
    if !pasv && !port {
        return;
    }
    let record = out.plaintext_check.insert(PlaintextCheck::default());
    if !is_anonymous(&config.credentials.user) {
        // The whole point of TLS is that this password never crosses in clear.
        record.skipped = Some(format!(
            "would send the password of \"{}\" in plaintext; only anonymous logins are compared",
            config.credentials.user
        ));
        return;
    }
    let plain = ProbeConfig {
        tls: TlsMode::Off,
        ..config.clone()
    };
    let mut scratch = ControlOutcome::new(&config.credentials.user);
    if let Err(err) = establish(peer, &plain, "plaintext", &mut scratch, false, slot).await {
        record.skipped = Some(match &scratch.login_reply {
            Some(reply) => format!("the server refused a plaintext login ({reply})"),
            None => format!("no plaintext session: {}", err.detail),
        });
        return;
    }
    let Some(session) = slot.as_mut() else { return };
    if pasv {
        match session.conn.command(&Command::Pasv).await {
            Ok(reply) => {
                record.pasv_addr = parse_227(&reply)
                    .ok()
                    .map(|a| SocketAddr::new(IpAddr::V4(*a.ip()), a.port()));
                record.pasv_reply = Some(ReplyRecord::from(&reply));
            }
            Err(err) => record.error = Some(format!("PASV: {err}")),
        }
    }
    if port && session.usable() {
        port_check(session, record).await;
    }
    if session.usable() {
        // The reply does not matter: the session is over either way.
        let _ = session.conn.command(&Command::Quit).await;
    }
}

/// PORT with our own address and a listener of our own, which the server will not use:
/// no transfer follows.
async fn port_check(session: &mut Session, record: &mut PlaintextCheck) {
    let SocketAddr::V4(local) = session.local else {
        return;
    };
    let any_port = std::net::SocketAddrV4::new(*local.ip(), 0);
    let listener = match TcpListener::bind(any_port).await {
        Ok(l) => l,
        Err(err) => {
            record.error = Some(format!("could not listen for PORT: {err}"));
            return;
        }
    };
    let Ok(SocketAddr::V4(listen)) = listener.local_addr() else {
        return;
    };
    let cmd = Command::Port(std::net::SocketAddrV4::new(*local.ip(), listen.port()));
    record.port_request = Some(cmd.redacted());
    match session.conn.command(&cmd).await {
        Ok(reply) => record.port_reply = Some(ReplyRecord::from(&reply)),
        Err(err) => record.error = Some(format!("PORT: {err}")),
    }
}
