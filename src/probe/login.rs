//! The login conversation as a pure machine: banner, AUTH TLS, USER/PASS, PBSZ/PROT, FEAT,
//! STAT and TYPE, with no I/O and no clock of its own (quinn-proto's shape: time is passed
//! in, every wait is a value it returns). `session.rs` drives it over a real connection;
//! the tests below drive it with replies captured from real servers.
//!
//! The driver asks [`LoginMachine::on_connected`] what to do first, then does each
//! [`Action`] and reports back: a reply ([`LoginMachine::on_reply`]), a handshake's end
//! ([`LoginMachine::on_handshake`]), or a wait that brought no reply
//! ([`LoginMachine::on_failure`]), each time for the next action, until `Done` or `Fail`.
//! What the conversation showed goes into the machine's [`ControlOutcome`].

use std::time::{Duration, Instant};

use crate::probe::record::{
    ControlOutcome, ErrorKind, Login, ReplyRecord, ServerView, Stage, StepError, Tls, TlsMode,
    TlsRecord,
};
use crate::proto::stat::client_address;
use crate::proto::{Command, Password, Reply, TransferType};

/// Banner replies: 220 ready; 120 "ready in nnn minutes" comes before the 220 (RFC 959
/// 5.4), so at most this many 120s are waited through.
const MAX_BANNER_DELAYS: usize = 2;

/// The reply to AUTH TLS that starts the handshake (RFC 4217 section 4).
const AUTH_OK: u16 = 234;

/// What the login is to do: the choices made before the connection was opened.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// TLS as --tls (or the scheme) asks.
    pub tls: TlsMode,
    /// The login name.
    pub user: String,
    /// Its password.
    pub password: Password,
    /// The probe's first session asks FEAT and STAT, what the report says of the server.
    pub first: bool,
    /// `TYPE I` before the data (RETR of a file: ASCII mode would change the bytes).
    pub binary: bool,
    /// Each reply's own timeout (--timeout).
    pub step: Duration,
    /// Until when the greeting is awaited: shortly before the deadline, not --timeout,
    /// so that a late greeting is seen (banner-slow) rather than cut.
    pub greeting_until: Instant,
}

/// What the driver is to do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Send this command, then read its reply.
    Send(Command),
    /// Read the next reply (the greeting) without sending anything.
    Await,
    /// Start TLS on the control connection and report how the handshake ended.
    StartTls,
    /// The session is set up.
    Done,
    /// The session cannot be set up: why.
    Fail(StepError),
}

/// Where the conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Greeting { delays: usize },
    Auth,
    Handshake,
    User,
    Pass,
    Pbsz,
    Prot,
    Feat,
    Stat,
    Type,
    Finished,
}

/// One session's login, from the TCP connect to a session ready for the modes.
#[derive(Debug)]
pub(crate) struct LoginMachine {
    plan: Plan,
    step: Step,
    /// When the connection was made: the greeting's time counts from here.
    connected_at: Instant,
    /// When the wait under way began.
    waiting_since: Instant,
    /// What the conversation showed, for the report.
    pub(crate) rec: ControlOutcome,
}

impl LoginMachine {
    /// A login that goes on from what `rec` already holds (the connects).
    pub(crate) fn new(plan: Plan, rec: ControlOutcome, now: Instant) -> LoginMachine {
        LoginMachine {
            plan,
            step: Step::Greeting { delays: 0 },
            connected_at: now,
            waiting_since: now,
            rec,
        }
    }

    /// The first action once the TCP connection is up: the handshake at once for
    /// implicit TLS, else wait for the greeting.
    pub(crate) fn on_connected(&mut self, now: Instant) -> Action {
        self.connected_at = now;
        self.waiting_since = now;
        if self.plan.tls == TlsMode::Implicit {
            self.rec.tls_details = Some(TlsRecord::new(TlsMode::Implicit));
            self.step = Step::Handshake;
            return Action::StartTls;
        }
        Action::Await
    }

    /// When the wait under way must end by its own timeout.
    pub(crate) fn next_deadline(&self) -> Instant {
        match self.step {
            Step::Greeting { .. } => self.plan.greeting_until,
            _ => self.waiting_since + self.plan.step,
        }
    }

    /// The stage a failure now would be reported at.
    pub(crate) fn stage(&self) -> Stage {
        match self.step {
            Step::Greeting { .. } => Stage::Banner,
            Step::Auth | Step::Handshake | Step::Pbsz | Step::Prot => Stage::Tls,
            Step::User | Step::Pass | Step::Type | Step::Finished => Stage::Login,
            Step::Feat | Step::Stat => Stage::Features,
        }
    }

    /// What the reply awaited answers, for a timeout's words.
    pub(crate) fn waiting_for(&self) -> &'static str {
        match self.step {
            Step::Greeting { .. } => "the banner",
            Step::Auth => "AUTH",
            Step::Handshake => "the TLS handshake",
            Step::User => "USER",
            Step::Pass => "PASS",
            Step::Pbsz => "PBSZ",
            Step::Prot => "PROT",
            Step::Feat => "FEAT",
            Step::Stat => "STAT",
            Step::Type => "TYPE",
            Step::Finished => "nothing",
        }
    }

    /// A complete reply came at `now`.
    pub(crate) fn on_reply(&mut self, reply: &Reply, now: Instant) -> Action {
        self.waiting_since = now;
        match self.step {
            Step::Greeting { delays } => self.greeting(reply, delays, now),
            Step::Auth => self.auth(reply),
            Step::User => match reply.code {
                // Pure-FTPd logs anonymous users in right after USER.
                230 => self.logged_in(),
                331 => self.send(Step::Pass, Command::Pass(self.plan.password.clone())),
                _ => self.refused(reply, "331 or 230 to USER"),
            },
            Step::Pass => match reply.code {
                230 | 202 => self.logged_in(),
                _ => self.refused(reply, "230 to PASS"),
            },
            // A refused PBSZ is for PROT to settle.
            Step::Pbsz => self.send(Step::Prot, Command::Prot('P')),
            Step::Prot => {
                if let Some(tls) = self.rec.tls_details.as_mut() {
                    tls.prot_reply = Some(ReplyRecord::from(reply));
                    tls.data_protected = reply.is_positive_completion();
                }
                self.after_protection()
            }
            Step::Feat => {
                self.features(reply);
                self.send(Step::Stat, Command::Stat)
            }
            Step::Stat => {
                self.rec.server_view = Some(ServerView {
                    client: client_address(reply),
                    reply: Some(ReplyRecord::from(reply)),
                });
                self.typed()
            }
            Step::Type if reply.is_positive_completion() => self.finish(),
            Step::Type => self.fail(unexpected(Stage::Login, reply, "200 to TYPE I")),
            Step::Handshake | Step::Finished => {
                self.fail(unexpected(self.stage(), reply, "no reply"))
            }
        }
    }

    /// The control handshake ended: `Err` with the step's error when it failed.
    pub(crate) fn on_handshake(&mut self, result: Result<(), StepError>) -> Action {
        if let Err(err) = result {
            return self.fail(err);
        }
        match self.plan.tls {
            TlsMode::Implicit => {
                self.rec.tls = Tls::Implicit;
                self.step = Step::Greeting { delays: 0 };
                Action::Await
            }
            _ => {
                self.rec.tls = Tls::Explicit;
                self.user()
            }
        }
    }

    /// The wait under way brought no reply: `err` says why (a timeout, a cut, a close).
    /// FEAT and STAT are optional: a server (or a firewall that drops verbs it does not
    /// know) that leaves them unanswered costs their records, and the runner replaces
    /// the session it left out of step.
    pub(crate) fn on_failure(&mut self, err: StepError) -> Action {
        match self.step {
            Step::Auth => {
                // Strict FTP-inspecting firewalls drop verbs they do not know: the
                // runner may try again in plaintext (--tls auto).
                if let Some(tls) = self.rec.tls_details.as_mut() {
                    tls.auth_error = Some(err.detail.clone());
                    tls.auth_cause = err.cause.as_deref().cloned();
                }
                self.fail(err)
            }
            Step::Feat | Step::Stat => {
                if self.step == Step::Feat && err.cut.is_none() {
                    self.rec.features_error = Some(err.detail);
                }
                self.finish()
            }
            // Logged in when the deadline or the user struck: the session was set up, and
            // the runner skips the modes it has no time for.
            _ if err.cut.is_some() && self.rec.login == Login::Ok => self.finish(),
            _ => self.fail(err),
        }
    }

    fn greeting(&mut self, reply: &Reply, delays: usize, now: Instant) -> Action {
        self.rec.banner = Some(reply.text());
        match reply.code {
            220 => {
                self.rec.greeting = Some(now.saturating_duration_since(self.connected_at));
                match self.plan.tls {
                    TlsMode::Auto | TlsMode::Explicit => {
                        self.rec.tls_details = Some(TlsRecord::new(self.plan.tls));
                        self.send(Step::Auth, Command::Auth("TLS".to_string()))
                    }
                    TlsMode::Implicit | TlsMode::Off => self.user(),
                }
            }
            120 if delays < MAX_BANNER_DELAYS => {
                self.step = Step::Greeting { delays: delays + 1 };
                Action::Await
            }
            120 => self.fail(StepError::new(
                Stage::Banner,
                ErrorKind::UnexpectedReply,
                "the server kept answering 120 (not ready yet)",
            )),
            _ => self.fail(unexpected(Stage::Banner, reply, "220")),
        }
    }

    fn auth(&mut self, reply: &Reply) -> Action {
        if let Some(tls) = self.rec.tls_details.as_mut() {
            tls.auth_reply = Some(ReplyRecord::from(reply));
        }
        if reply.code == AUTH_OK {
            self.step = Step::Handshake;
            return Action::StartTls;
        }
        match self.plan.tls {
            TlsMode::Explicit => self.fail(unexpected(Stage::Tls, reply, "234 to AUTH TLS")),
            // --tls auto: the diagnosis reports tls-unavailable; plaintext goes on.
            _ => self.user(),
        }
    }

    fn user(&mut self) -> Action {
        self.send(Step::User, Command::User(self.plan.user.clone()))
    }

    fn logged_in(&mut self) -> Action {
        self.rec.login = Login::Ok;
        match self.rec.tls {
            // Data connections are private only after a 2yz to PROT P.
            Tls::Explicit | Tls::Implicit => self.send(Step::Pbsz, Command::Pbsz(0)),
            Tls::None => self.after_protection(),
        }
    }

    fn after_protection(&mut self) -> Action {
        match self.plan.first {
            true => self.send(Step::Feat, Command::Feat),
            false => self.typed(),
        }
    }

    fn typed(&mut self) -> Action {
        match self.plan.binary {
            true => self.send(Step::Type, Command::Type(TransferType::Binary)),
            false => self.finish(),
        }
    }

    /// FEAT's 211 lists one feature a line between its first and last; a server without
    /// FEAT (502) simply lists nothing.
    fn features(&mut self, reply: &Reply) {
        if reply.code != 211 {
            return;
        }
        let last = reply.lines.len().saturating_sub(1);
        self.rec.features = reply
            .lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 0 && *i != last)
            .map(|(_, line)| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect();
    }

    fn refused(&mut self, reply: &Reply, expected: &str) -> Action {
        self.rec.login = Login::Failed;
        self.rec.login_reply = Some(ReplyRecord::from(reply));
        self.fail(unexpected(Stage::Login, reply, expected))
    }

    fn send(&mut self, step: Step, command: Command) -> Action {
        self.step = step;
        Action::Send(command)
    }

    fn finish(&mut self) -> Action {
        self.step = Step::Finished;
        Action::Done
    }

    fn fail(&mut self, err: StepError) -> Action {
        self.step = Step::Finished;
        Action::Fail(err)
    }
}

/// A reply this step cannot go on from. 421 is the server shedding load, which the
/// runner treats as "no more connections" rather than as a broken server.
pub(crate) fn unexpected(stage: Stage, reply: &Reply, expected: &str) -> StepError {
    StepError {
        kind: if reply.code == 421 {
            ErrorKind::Refused
        } else {
            ErrorKind::UnexpectedReply
        },
        reply: Some(ReplyRecord::from(reply)),
        ..StepError::new(
            stage,
            ErrorKind::UnexpectedReply,
            format!("expected {expected}, got {}", ReplyRecord::from(reply)),
        )
    }
}
