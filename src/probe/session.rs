//! One logged-in control connection: connect, banner, USER/PASS, FEAT.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::context::Run;
use super::from_net::dial_result;
use super::record::{
    ConnectRecord, ControlOutcome, ErrorKind, Login, ReplyRecord, ServerView, Stage, StepError,
    TlsMode, TranscriptEntry,
};
use super::tls::{ControlStream, protect_data, secure_control};
use crate::net::{ControlConn, ControlError, DialOutcome, MaybeTls, Speaker, Tap, TlsClient, dial};
use crate::proto::stat::client_address;
use crate::proto::{Command, Reply, TransferType};

/// How long before the deadline the wait for a late greeting gives up, so that the
/// probe itself reports the greeting missing (banner-timeout) rather than the deadline.
const BANNER_DEADLINE_MARGIN: Duration = Duration::from_millis(100);

/// Banner replies: 220 ready; 120 "ready in nnn minutes" comes before the 220 (RFC 959
/// 5.4), so at most this many 120s are waited through.
const MAX_BANNER_DELAYS: usize = 2;

pub(super) struct Session {
    pub conn: ControlConn<ControlStream>,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// Whose connection this is in the transcript: `control` or a mode.
    pub label: String,
    /// The control connection's TLS, once it has some.
    pub tls: Option<TlsClient>,
    /// What data connections handshake with, under PROT P.
    pub data_tls: Option<TlsClient>,
    /// The timeline tap of the data connection open now, if one is.
    pub data_tap: Option<Tap>,
}

impl Session {
    pub fn usable(&self) -> bool {
        self.conn.is_usable()
    }

    pub fn transcript(&self) -> Vec<TranscriptEntry> {
        self.conn
            .transcript()
            .iter()
            .map(|line| TranscriptEntry {
                session: self.label.clone(),
                dir: match line.speaker {
                    Speaker::Client => ">",
                    Speaker::Server => "<",
                    Speaker::Note => "*",
                },
                line: line.text.clone(),
            })
            .collect()
    }
}

/// Turns a control-connection error at `stage` into the report's terms.
pub(super) fn step_error(stage: Stage, err: &ControlError) -> StepError {
    let kind = match err {
        ControlError::Timeout { .. } | ControlError::SendTimeout { .. } => ErrorKind::Timeout,
        ControlError::Closed { .. } => ErrorKind::Closed,
        ControlError::Reply(_) => ErrorKind::BadReply,
        ControlError::PlaintextBeforeTls => ErrorKind::Tls,
        ControlError::Io(_) | ControlError::Command(_) | ControlError::Unusable { .. } => {
            ErrorKind::Io
        }
    };
    StepError {
        frame: match err {
            ControlError::Reply(frame) => Some(frame.clone()),
            _ => None,
        },
        cause: Some(Box::new(super::from_net::cause(err))),
        ..StepError::new(stage, kind, err.to_string())
    }
}

/// A reply this step cannot go on from. 421 is the server shedding load, which the
/// runner treats as "no more connections" rather than as a broken server.
pub(super) fn unexpected(stage: Stage, reply: &Reply, expected: &str) -> StepError {
    StepError {
        stage,
        kind: if reply.code == 421 {
            ErrorKind::Refused
        } else {
            ErrorKind::UnexpectedReply
        },
        detail: format!("expected {expected}, got {}", ReplyRecord::from(reply)),
        reply: Some(ReplyRecord::from(reply)),
        frame: None,
        cause: None,
    }
}

/// Which session [`establish`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The probe's first session (labelled `control`): it alone asks FEAT and STAT, what
    /// the report says of the server.
    First,
    /// Any later one, labelled for the timeline: a mode's own, a replacement, the
    /// plaintext comparison, the port sample. It logs in and no more.
    Extra(&'static str),
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::First => "control",
            Role::Extra(label) => label,
        }
    }
}

/// Connects to `addr`, reads the banner, starts TLS as --tls asks and logs in, recording
/// each step in `rec`; the first session also asks FEAT and STAT. The session goes into
/// `slot` as soon as it is connected, so that its transcript outlives a failed login or
/// a deadline.
pub(super) async fn establish(
    addr: SocketAddr,
    run: &Run<'_>,
    role: Role,
    rec: &mut ControlOutcome,
    slot: &mut Option<Session>,
) -> Result<(), StepError> {
    let label = role.label();
    let tap = run.timeline.control();
    let dialled = dial(addr, run.step(), &tap, label).await;
    rec.connects.push(ConnectRecord {
        addr,
        outcome: dial_result(dialled.outcome),
        elapsed: dialled.elapsed,
        error: dialled.error.clone(),
    });
    let stream = match (dialled.outcome, dialled.stream) {
        (DialOutcome::Connected, Some(stream)) => stream,
        (outcome, _) => {
            let kind = match outcome {
                DialOutcome::Timeout => ErrorKind::Timeout,
                _ => ErrorKind::Io,
            };
            let why = dialled.error.map(|e| format!(" ({e})")).unwrap_or_default();
            let detail = format!("connect to {addr}: {}{why}", dial_result(outcome));
            return Err(StepError::new(Stage::Connect, kind, detail));
        }
    };
    // Commands are small writes; none should wait on a delayed ACK.
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .map_err(|e| StepError::new(Stage::Connect, ErrorKind::Io, e.to_string()))?;
    rec.peer = Some(addr);
    rec.local = Some(local);
    let session = slot.insert(Session {
        conn: ControlConn::new(MaybeTls::Plain(stream), run.step()).with_tap(tap),
        peer: addr,
        local,
        label: label.to_string(),
        tls: None,
        data_tls: None,
        data_tap: None,
    });
    if run.tls == TlsMode::Implicit {
        secure_control(session, run, rec).await?;
    }
    banner(session, rec, banner_limit(run)).await?;
    if matches!(run.tls, TlsMode::Auto | TlsMode::Explicit) {
        secure_control(session, run, rec).await?;
    }
    login(session, run, rec).await?;
    protect_data(session, run, rec).await?;
    if role == Role::First {
        if let Err(err) = features(session, rec).await {
            // Strict FTP-inspecting firewalls drop commands they do not know; the session
            // may be out of step now, which the runner sees and replaces it.
            rec.features_error = Some(err.detail);
        } else if session.usable() {
            server_view(session, rec).await;
        }
    }
    // After a FEAT that broke the session the runner opens a fresh one, which sends it.
    if run.target.path_is_file() && session.usable() {
        // RETR in ASCII mode would convert line ends and change the byte count.
        let reply = session
            .conn
            .command(&Command::Type(TransferType::Binary))
            .await
            .map_err(|e| step_error(Stage::Login, &e))?;
        if !reply.is_positive_completion() {
            return Err(unexpected(Stage::Login, &reply, "200 to TYPE I"));
        }
    }
    Ok(())
}

/// How long to wait for the greeting: until shortly before the deadline, so that a server
/// that greets late (a reverse-DNS lookup timing out) is seen greeting, and when.
fn banner_limit(run: &Run<'_>) -> Duration {
    run.deadline_at
        .saturating_duration_since(Instant::now())
        .saturating_sub(BANNER_DEADLINE_MARGIN)
        .max(run.step())
}

async fn banner(
    session: &mut Session,
    rec: &mut ControlOutcome,
    limit: Duration,
) -> Result<(), StepError> {
    let connected = Instant::now();
    for _ in 0..=MAX_BANNER_DELAYS {
        let left = limit.saturating_sub(connected.elapsed());
        let reply = session
            .conn
            .read_reply_within(left, "the banner")
            .await
            .map_err(|e| step_error(Stage::Banner, &e))?;
        rec.banner = Some(reply.text());
        match reply.code {
            220 => {
                rec.greeting = Some(connected.elapsed());
                return Ok(());
            }
            120 => continue,
            _ => return Err(unexpected(Stage::Banner, &reply, "220")),
        }
    }
    Err(StepError::new(
        Stage::Banner,
        ErrorKind::UnexpectedReply,
        "the server kept answering 120 (not ready yet)",
    ))
}

async fn login(
    session: &mut Session,
    run: &Run<'_>,
    rec: &mut ControlOutcome,
) -> Result<(), StepError> {
    let creds = &run.credentials;
    let failed = |rec: &mut ControlOutcome, reply: &Reply, expected: &str| {
        rec.login = Login::Failed;
        rec.login_reply = Some(ReplyRecord::from(reply));
        unexpected(Stage::Login, reply, expected)
    };
    let reply = session
        .conn
        .command(&Command::User(creds.user.clone()))
        .await
        .map_err(|e| step_error(Stage::Login, &e))?;
    match reply.code {
        // Pure-FTPd logs anonymous users in right after USER.
        230 => {}
        331 => {
            let reply = session
                .conn
                .command(&Command::Pass(creds.password.clone()))
                .await
                .map_err(|e| step_error(Stage::Login, &e))?;
            if !matches!(reply.code, 230 | 202) {
                return Err(failed(rec, &reply, "230 to PASS"));
            }
        }
        _ => return Err(failed(rec, &reply, "331 or 230 to USER")),
    }
    rec.login = Login::Ok;
    Ok(())
}

async fn features(session: &mut Session, rec: &mut ControlOutcome) -> Result<(), StepError> {
    let reply = session
        .conn
        .command(&Command::Feat)
        .await
        .map_err(|e| step_error(Stage::Features, &e))?;
    // A server without FEAT (502) simply lists nothing.
    if reply.code == 211 {
        let last = reply.lines.len().saturating_sub(1);
        rec.features = reply
            .lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 0 && *i != last)
            .map(|(_, line)| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect();
    }
    Ok(())
}

/// STAT, for the client address the server sees. Optional: a server that refuses it
/// (or a firewall that drops it) costs nothing but this record, and a session left out
/// of step is replaced by the runner as after FEAT.
async fn server_view(session: &mut Session, rec: &mut ControlOutcome) {
    if let Ok(reply) = session.conn.command(&Command::Stat).await {
        rec.server_view = Some(ServerView {
            client: client_address(&reply),
            reply: Some(ReplyRecord::from(&reply)),
        });
    }
}
