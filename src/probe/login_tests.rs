//! The login machine fed the replies of real servers (fixtures/captured/sessions/, one
//! probe each of vsftpd 3.0.3, ProFTPD 1.3.8, Pure-FTPd 1.0.50 and pyftpdlib 2.2.0) line
//! by line, asserting the commands it sends back; then the quirks no capture has.

use std::time::{Duration, Instant};

use super::login::*;
use crate::probe::record::{ControlOutcome, Login, ReplyRecord, Stage, StepError, Tls, TlsMode};
use crate::probe::record::{CutBy, ErrorKind};
use crate::proto::ReplyParser;
use crate::proto::{Command, Password, Reply, TransferType};

const STEP: Duration = Duration::from_secs(5);

fn plan(tls: TlsMode, now: Instant) -> Plan {
    Plan {
        tls,
        user: "anonymous".to_string(),
        password: Password::new("ftpdoctor@"),
        first: true,
        binary: false,
        step: STEP,
        greeting_until: now + Duration::from_secs(30),
    }
}

fn machine(tls: TlsMode) -> (LoginMachine, Instant) {
    let now = Instant::now();
    let m = LoginMachine::new(plan(tls, now), ControlOutcome::new("anonymous"), now);
    (m, now)
}

/// The replies of a captured session, in order, through the probe's own parser.
fn captured(name: &str) -> Vec<Reply> {
    let path = format!(
        "{}/fixtures/captured/sessions/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut parser = ReplyParser::new();
    let mut replies = Vec::new();
    for line in text.lines() {
        parser.feed(format!("{line}\r\n").as_bytes());
        while let Some(reply) = parser
            .next_reply()
            .unwrap_or_else(|e| panic!("{line}: {e}"))
        {
            replies.push(reply);
        }
    }
    replies
}

/// Drives the machine with `replies` until it is done, returning what it sent.
fn replay(m: &mut LoginMachine, now: Instant, replies: &[Reply]) -> (Vec<String>, Action) {
    let mut sent = Vec::new();
    let mut replies = replies.iter();
    let mut action = m.on_connected(now);
    loop {
        action = match action {
            Action::Send(cmd) => {
                sent.push(cmd.redacted());
                let reply = replies
                    .next()
                    .unwrap_or_else(|| panic!("no reply to {sent:?}"));
                m.on_reply(reply, now)
            }
            Action::Await => {
                let reply = replies.next().unwrap_or_else(|| panic!("no greeting"));
                m.on_reply(reply, now)
            }
            done => return (sent, done),
        }
    }
}

fn replayed(name: &str) -> (Vec<String>, LoginMachine) {
    let (mut m, now) = machine(TlsMode::Off);
    let (sent, end) = replay(&mut m, now, &captured(name));
    assert_eq!(end, Action::Done, "{name}: {sent:?}");
    assert_eq!(m.rec.login, Login::Ok, "{name}");
    assert!(m.rec.features.iter().any(|f| f == "EPSV"), "{name}");
    (sent, m)
}

#[test]
fn vsftpd_logs_anonymous_in_without_pass_then_feat_and_stat() {
    let (sent, m) = replayed("vsftpd-3.0.3");
    assert_eq!(sent, ["USER anonymous", "FEAT", "STAT"]);
    assert_eq!(m.rec.banner.as_deref(), Some("(vsFTPd 3.0.3)"));
    let view = m.rec.server_view.unwrap_or_else(|| panic!("no STAT"));
    assert_eq!(
        view.client,
        Some("127.0.0.1".parse().unwrap_or_else(|e| panic!("{e}")))
    );
}

#[test]
fn proftpd_asks_the_password_and_names_the_client_in_stat() {
    let (sent, m) = replayed("proftpd-1.3.8");
    assert_eq!(sent, ["USER anonymous", "PASS ****", "FEAT", "STAT"]);
    assert!(m.rec.server_view.and_then(|v| v.client).is_some());
}

#[test]
fn pureftpd_multiline_banner_and_login_right_after_user() {
    let (sent, m) = replayed("pureftpd-1.0.50");
    assert_eq!(sent, ["USER anonymous", "FEAT", "STAT"]);
    let banner = m.rec.banner.unwrap_or_default();
    assert_eq!(banner.lines().count(), 5, "{banner}");
    assert!(banner.contains("Welcome to Pure-FTPd"), "{banner}");
    // Pure-FTPd's STAT names no address.
    assert_eq!(m.rec.server_view.and_then(|v| v.client), None);
}

#[test]
fn pyftpdlib_user_pass_feat_stat() {
    let (sent, _) = replayed("pyftpdlib-2.2.0");
    assert_eq!(sent, ["USER anonymous", "PASS ****", "FEAT", "STAT"]);
}

#[test]
fn multiline_banner_with_digits_inside_is_one_greeting() {
    let (mut m, now) = machine(TlsMode::Off);
    assert_eq!(m.on_connected(now), Action::Await);
    let banner = Reply::multiline(220, &["Welcome", "220 users max", "ready"]);
    assert_eq!(
        m.on_reply(&banner, now),
        Action::Send(Command::User("anonymous".to_string()))
    );
}

#[test]
fn greeting_421_is_a_refusal_not_a_broken_server() {
    let (mut m, now) = machine(TlsMode::Auto);
    m.on_connected(now);
    match m.on_reply(
        &Reply::new(421, "Too many connections (1) from this IP"),
        now,
    ) {
        Action::Fail(err) => {
            assert_eq!((err.stage, err.kind), (Stage::Banner, ErrorKind::Refused));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn greeting_120_then_220_waits_through_the_delay() {
    let (mut m, now) = machine(TlsMode::Off);
    m.on_connected(now);
    assert_eq!(
        m.on_reply(&Reply::new(120, "ready in 1 minute"), now),
        Action::Await
    );
    assert!(matches!(
        m.on_reply(&Reply::new(220, "ready"), now),
        Action::Send(_)
    ));
}

#[test]
fn greeting_is_awaited_to_the_deadline_and_each_reply_after_for_its_step() {
    let (mut m, now) = machine(TlsMode::Off);
    m.on_connected(now);
    assert_eq!(m.next_deadline(), now + Duration::from_secs(30));
    let later = now + Duration::from_millis(1500);
    m.on_reply(&Reply::new(220, "late"), later);
    assert_eq!(m.rec.greeting, Some(Duration::from_millis(1500)));
    assert_eq!(m.next_deadline(), later + STEP);
}

#[test]
fn explicit_tls_auth_handshake_then_login_and_private_data() {
    let (mut m, now) = machine(TlsMode::Explicit);
    let mut sent = Vec::new();
    m.on_connected(now);
    let mut action = m.on_reply(&Reply::new(220, "ready"), now);
    for reply in [
        (234, "AUTH TLS ok"),
        (331, "pass"),
        (230, "in"),
        (200, "PBSZ=0"),
    ] {
        if let Action::Send(cmd) = &action {
            sent.push(cmd.redacted());
        }
        action = m.on_reply(&Reply::new(reply.0, reply.1), now);
        if action == Action::StartTls {
            action = m.on_handshake(Ok(()));
        }
    }
    assert_eq!(sent, ["AUTH TLS", "USER anonymous", "PASS ****", "PBSZ 0"]);
    assert_eq!(action, Action::Send(Command::Prot('P')));
    assert_eq!(
        m.on_reply(&Reply::new(200, "PROT now Private"), now),
        Action::Send(Command::Feat)
    );
    assert_eq!(m.rec.tls, Tls::Explicit);
    assert!(m.rec.tls_details.as_ref().is_some_and(|t| t.data_protected));
}

#[test]
fn implicit_tls_handshakes_before_the_greeting() {
    let (mut m, now) = machine(TlsMode::Implicit);
    assert_eq!(m.on_connected(now), Action::StartTls);
    assert_eq!(m.on_handshake(Ok(())), Action::Await);
    assert!(matches!(
        m.on_reply(&Reply::new(220, "ready"), now),
        Action::Send(_)
    ));
    assert_eq!(m.rec.tls, Tls::Implicit);
}

#[test]
fn auth_tls_refused_under_auto_goes_on_in_plaintext_but_not_under_explicit() {
    let (mut m, now) = machine(TlsMode::Auto);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    let refused = Reply::new(500, "AUTH not understood");
    assert_eq!(
        m.on_reply(&refused, now),
        Action::Send(Command::User("anonymous".to_string()))
    );
    let (mut m, now) = machine(TlsMode::Explicit);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    assert!(matches!(m.on_reply(&refused, now), Action::Fail(e) if e.stage == Stage::Tls));
}

#[test]
fn a_234_answered_late_fails_the_auth_step_for_the_runner_to_retry_in_plaintext() {
    let (mut m, now) = machine(TlsMode::Auto);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    // The 234 did not come within the step: the driver's read timed out.
    assert_eq!(m.next_deadline(), now + STEP);
    let late = StepError::new(Stage::Tls, ErrorKind::Timeout, "no reply within 5s");
    assert!(matches!(m.on_failure(late), Action::Fail(e) if e.stage == Stage::Tls));
    let auth_error = m.rec.tls_details.and_then(|t| t.auth_error);
    assert_eq!(auth_error.as_deref(), Some("no reply within 5s"));
}

#[test]
fn tls_race_plaintext_reply_to_the_client_hello_fails_the_handshake() {
    let (mut m, now) = machine(TlsMode::Auto);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    assert_eq!(
        m.on_reply(&Reply::new(234, "AUTH TLS ok"), now),
        Action::StartTls
    );
    let race = StepError {
        reply: Some(ReplyRecord {
            code: 502,
            text: "Command not allowed: \\x16\\x03\\x01".to_string(),
        }),
        ..StepError::new(
            Stage::Tls,
            ErrorKind::Tls,
            "plaintext reply to the ClientHello",
        )
    };
    match m.on_handshake(Err(race)) {
        Action::Fail(err) => assert_eq!(err.reply.map(|r| r.code), Some(502)),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.rec.login, Login::NotAttempted);
}

#[test]
fn login_refused_is_recorded_with_its_reply() {
    let (mut m, now) = machine(TlsMode::Off);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    m.on_reply(&Reply::new(331, "pass"), now);
    assert!(matches!(
        m.on_reply(&Reply::new(530, "Login incorrect."), now),
        Action::Fail(_)
    ));
    assert_eq!(m.rec.login, Login::Failed);
    assert_eq!(m.rec.login_reply.map(|r| r.code), Some(530));
}

#[test]
fn unanswered_feat_is_recorded_and_the_session_is_handed_over() {
    let (mut m, now) = machine(TlsMode::Off);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    assert_eq!(
        m.on_reply(&Reply::new(230, "in"), now),
        Action::Send(Command::Feat)
    );
    let silent = StepError::new(Stage::Features, ErrorKind::Timeout, "no reply within 5s");
    assert_eq!(m.on_failure(silent), Action::Done);
    assert!(m.rec.features_error.is_some());
}

#[test]
fn file_path_asks_type_i_after_stat() {
    let now = Instant::now();
    let plan = Plan {
        binary: true,
        ..plan(TlsMode::Off, now)
    };
    let mut m = LoginMachine::new(plan, ControlOutcome::new("anonymous"), now);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    m.on_reply(&Reply::new(230, "in"), now);
    m.on_reply(&Reply::new(211, "no features"), now);
    assert_eq!(
        m.on_reply(&Reply::new(211, "status"), now),
        Action::Send(Command::Type(TransferType::Binary))
    );
    assert_eq!(m.on_reply(&Reply::new(200, "Binary"), now), Action::Done);
}

#[test]
fn cut_after_login_hands_the_session_over_for_the_runner_to_skip_the_modes() {
    let (mut m, now) = machine(TlsMode::Off);
    m.on_connected(now);
    m.on_reply(&Reply::new(220, "ready"), now);
    m.on_reply(&Reply::new(230, "in"), now);
    m.on_reply(&Reply::new(211, "no features"), now);
    let cut = crate::probe::record::Cut {
        by: CutBy::Interrupt,
        after: Duration::from_millis(20),
    };
    let err = StepError::cut(Stage::Features, cut, "cut");
    assert_eq!(m.on_failure(err), Action::Done);
    assert_eq!(m.rec.features_error, None);
}
