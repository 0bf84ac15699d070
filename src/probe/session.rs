//! One logged-in control connection: the TCP connect, then the login machine
//! (`login.rs`: banner, AUTH TLS, USER/PASS, PBSZ/PROT, FEAT, STAT, TYPE) driven over it,
//! each of its waits within the probe's [`Budget`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::budget::Budget;
use super::context::Run;
use super::from_net::dial_result;
use super::login::{Action, LoginMachine, Plan};
use super::record::{
    ConnectRecord, ControlOutcome, Cut, DialResult, ErrorKind, Stage, StepError, TlsRecord,
    TranscriptEntry,
};
use super::tls::{ControlStream, data_client, secure_control};
use crate::net::{ControlConn, ControlError, DialOutcome, MaybeTls, Speaker, Tap, TlsClient};
use crate::proto::{Command, Reply};

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
    /// What each wait on this session may spend.
    pub budget: Budget,
}

/// Why a wait on the control connection brought no reply.
#[derive(Debug)]
pub(super) enum Fail {
    /// The connection failed or the step's own timeout struck.
    Control(ControlError),
    /// The deadline or the user cut the wait for `waiting_for`.
    Cut {
        /// Who, and after how long.
        cut: Cut,
        /// What the wait was for (a command's verb, the banner).
        waiting_for: String,
    },
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Control(err) => err.fmt(f),
            Fail::Cut { cut, waiting_for } => write!(
                f,
                "no reply in {:?} (waiting for the reply to {waiting_for}) when {} cut the wait",
                cut.after,
                cut.by.words()
            ),
        }
    }
}

impl Session {
    pub fn usable(&self) -> bool {
        self.conn.is_usable()
    }

    /// Sends a command and reads its reply, within the budget.
    pub async fn command(&mut self, cmd: &Command) -> Result<Reply, Fail> {
        self.send(cmd).await?;
        self.read_reply(cmd.verb()).await
    }

    /// Sends a command without reading its reply (a transfer's 1yz comes later).
    pub async fn send(&mut self, cmd: &Command) -> Result<(), Fail> {
        let budget = self.budget.clone();
        match budget.run(self.conn.send(cmd)).await {
            Ok(sent) => sent.map_err(Fail::Control),
            Err(cut) => Err(self.cut(cut, &format!("sending {}", cmd.verb()))),
        }
    }

    /// The next reply, within the step timeout and the budget.
    pub async fn read_reply(&mut self, waiting_for: &str) -> Result<Reply, Fail> {
        self.read_reply_within(self.budget.step, waiting_for).await
    }

    /// As [`Session::read_reply`], with a step limit of the caller's choosing.
    pub async fn read_reply_within(
        &mut self,
        limit: Duration,
        waiting_for: &str,
    ) -> Result<Reply, Fail> {
        let budget = self.budget.clone();
        match budget
            .run(self.conn.read_reply_within(limit, waiting_for))
            .await
        {
            Ok(reply) => reply.map_err(Fail::Control),
            Err(cut) => Err(self.cut(cut, waiting_for)),
        }
    }

    /// A wait the budget cut: whatever the server says next would answer it.
    fn cut(&mut self, cut: Cut, waiting_for: &str) -> Fail {
        self.conn
            .mark_out_of_step(format!("{} cut the wait for {waiting_for}", cut.by.words()));
        Fail::Cut {
            cut,
            waiting_for: waiting_for.to_string(),
        }
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

/// Turns a failed wait at `stage` into the report's terms.
pub(super) fn step_error(stage: Stage, fail: &Fail) -> StepError {
    match fail {
        Fail::Control(err) => control_error(stage, err),
        Fail::Cut { cut, .. } => StepError::cut(stage, *cut, fail.to_string()),
    }
}

/// Turns a control-connection error at `stage` into the report's terms.
pub(super) fn control_error(stage: Stage, err: &ControlError) -> StepError {
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
    let budget = &run.budget;
    let via = run.proxy.as_deref();
    let stream = connect(addr, via, budget, &tap, label, rec).await?;
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
        budget: budget.clone(),
    });
    let now = Instant::now();
    let plan = Plan {
        tls: run.tls,
        user: run.credentials.user.clone(),
        password: run.credentials.password.clone(),
        first: role == Role::First,
        // RETR in ASCII mode would convert line ends and change the byte count.
        binary: run.target.path_is_file(),
        step: budget.step,
        greeting_until: now + budget.greeting_limit(),
    };
    let so_far = std::mem::replace(rec, ControlOutcome::new(&run.credentials.user));
    let mut machine = LoginMachine::new(plan, so_far, now);
    let result = converse(session, run, &mut machine).await;
    *rec = machine.rec;
    result?;
    let protected = rec.tls_details.as_ref().is_some_and(|t| t.data_protected);
    session.data_tls = data_client(run, session.tls.as_ref(), protected)?;
    Ok(())
}

/// Drives the login machine over the session: each action done, each outcome reported,
/// until the machine is done or gives up.
async fn converse(
    session: &mut Session,
    run: &Run<'_>,
    machine: &mut LoginMachine,
) -> Result<(), StepError> {
    let mut action = machine.on_connected(Instant::now());
    loop {
        action = match action {
            Action::Send(cmd) => match session.send(&cmd).await {
                Ok(()) => read(session, machine).await,
                Err(fail) => machine.on_failure(step_error(machine.stage(), &fail)),
            },
            Action::Await => read(session, machine).await,
            Action::StartTls => {
                let tls_rec = machine
                    .rec
                    .tls_details
                    .get_or_insert_with(|| TlsRecord::new(run.tls));
                let budget = session.budget.clone();
                let result = secure_control(&mut session.conn, &budget, run, tls_rec).await;
                machine.on_handshake(result.map(|client| {
                    session.tls = Some(client);
                }))
            }
            Action::Done => return Ok(()),
            Action::Fail(err) => return Err(err),
        }
    }
}

/// The reply the machine waits for, until its own deadline (and within the budget).
async fn read(session: &mut Session, machine: &mut LoginMachine) -> Action {
    let limit = machine
        .next_deadline()
        .saturating_duration_since(Instant::now());
    match session
        .read_reply_within(limit, machine.waiting_for())
        .await
    {
        Ok(reply) => machine.on_reply(&reply, Instant::now()),
        Err(fail) => machine.on_failure(step_error(machine.stage(), &fail)),
    }
}

/// STAT on a mode's own session, as the first session's login records it; `None` when
/// it went unanswered. One client seen from several addresses (a NAT pool) shows only
/// when the sessions are compared.
pub(super) async fn stat(session: &mut Session) -> Option<super::record::ServerView> {
    let reply = session.command(&Command::Stat).await.ok()?;
    Some(super::record::ServerView {
        client: crate::proto::stat::client_address(&reply),
        reply: Some(super::record::ReplyRecord::from(&reply)),
    })
}

/// The control connection's TCP connect, recorded in `rec.connects`.
async fn connect(
    addr: SocketAddr,
    via: Option<&crate::net::proxy::Proxy>,
    budget: &Budget,
    tap: &Tap,
    label: &'static str,
    rec: &mut ControlOutcome,
) -> Result<tokio::net::TcpStream, StepError> {
    let dialled = match budget
        .run(super::proxy::dial(via, addr, budget.step, tap, label))
        .await
    {
        Ok((dialled, answer)) => {
            if let Some(record) = rec.proxy.as_mut() {
                record.failure = answer;
            }
            dialled
        }
        Err(cut) => {
            rec.connects.push(ConnectRecord {
                addr,
                outcome: DialResult::Timeout,
                elapsed: cut.after,
                error: None,
                cut: Some(cut),
            });
            let detail = format!(
                "connect to {addr}: no answer when {} cut it",
                cut.by.words()
            );
            return Err(StepError::cut(Stage::Connect, cut, detail));
        }
    };
    rec.connects.push(ConnectRecord {
        addr,
        outcome: dial_result(dialled.outcome),
        elapsed: dialled.elapsed,
        error: dialled.error.clone(),
        cut: None,
    });
    match (dialled.outcome, dialled.stream) {
        (DialOutcome::Connected, Some(stream)) => Ok(stream),
        (outcome, _) => {
            let kind = match outcome {
                DialOutcome::Timeout => ErrorKind::Timeout,
                _ => ErrorKind::Io,
            };
            let why = dialled.error.map(|e| format!(" ({e})")).unwrap_or_default();
            let detail = format!("connect to {addr}: {}{why}", dial_result(outcome));
            Err(StepError::new(Stage::Connect, kind, detail))
        }
    }
}
