//! The runner's course through one probe: the first session (each address in turn,
//! plaintext when --tls auto allows), then the modes, all at once on a session each or
//! in turn on one, and every session's QUIT at the end.

use std::net::SocketAddr;
use std::time::Duration;

use super::attempt::{MODES, Working};
use super::budget::struck;
use super::context::Run;
use super::mode;
use super::record::SessionView;
use super::record::{
    ControlOutcome, ErrorKind, ModeOutcome, SkipReason, Stage, StepError, Strategy, Tls,
    TlsFailureReason, TlsMode, TranscriptEntry,
};
use super::resolve::{self, Resolution, resolve_host};
use super::session::{self, Role, Session, establish};
use crate::proto::Command;

/// How long a session waits for the 221 to its QUIT. Politeness, not diagnosis: a server
/// that does not answer costs at most this (all sessions say goodbye at once).
const QUIT_WAIT: Duration = Duration::from_secs(1);

/// The wait before one more try when a reconnect (after a mode left its session out of
/// step) is refused with 421: servers count a closed session until its process exits.
const RECONNECT_PAUSE: Duration = Duration::from_millis(250);

/// The control connection each mode runs on, owned outside the deadline's reach so
/// that their transcripts survive it.
#[derive(Default)]
pub(super) struct Sessions {
    /// The first session while it is being set up; it then moves to its mode's slot.
    pub(super) main: Option<Session>,
    /// Each mode's session, in [`Mode::ALL`]'s order.
    pub(super) slots: [Option<Session>; MODES],
    /// The plaintext session compared with a TLS one.
    pub(super) plaintext: Option<Session>,
    /// Transcripts of sessions that were replaced.
    pub(super) retired: Vec<TranscriptEntry>,
    /// --sample-ports' own session, when no mode's session was left usable.
    pub(super) sample: Option<Session>,
    /// The session of the size check, the upload or the idle measurement under way.
    pub(super) transfer: Option<Session>,
    /// The modes ran on one connection at a time (--sequential, one mode, or a server
    /// that admits one): the checks after them keep to that.
    pub(super) one_at_a_time: bool,
}

impl Sessions {
    pub(super) fn retire(&mut self, session: Option<Session>) {
        if let Some(session) = session {
            self.retired.extend(session.transcript());
        }
    }

    /// QUIT on every session still in step, all at once, so that the server logs a clean
    /// end rather than a dropped connection.
    pub(super) async fn quit_all(&mut self, step_timeout: Duration) {
        let wait = step_timeout.min(QUIT_WAIT);
        let [s0, s1, s2, s3] = &mut self.slots;
        tokio::join!(
            quit(&mut self.main, wait),
            quit(s0, wait),
            quit(s1, wait),
            quit(s2, wait),
            quit(s3, wait),
            quit(&mut self.plaintext, wait),
            quit(&mut self.sample, wait),
            quit(&mut self.transfer, wait),
        );
    }

    pub(super) fn into_transcript(self) -> Vec<TranscriptEntry> {
        let mut all = self.retired;
        for session in self
            .main
            .into_iter()
            .chain(self.slots.into_iter().flatten())
            .chain(self.sample)
            .chain(self.transfer)
            .chain(self.plaintext)
        {
            all.extend(session.transcript());
        }
        all
    }
}

pub(super) async fn quit(slot: &mut Option<Session>, wait: Duration) {
    if let Some(session) = slot.as_mut().filter(|s| s.usable()) {
        if session.conn.send(&Command::Quit).await.is_ok() {
            // The 221 goes into the transcript; its absence changes nothing.
            let _ = session.conn.read_reply_within(wait, "QUIT").await;
        }
        session.conn.mark_out_of_step("the session ended with QUIT");
    }
}

/// --tls auto, and AUTH TLS went unanswered (a firewall that drops verbs it does not
/// know), or the server said 234 and then failed the handshake (no usable certificate,
/// a late switch to TLS): a client that falls back to plaintext would get on, so the
/// probe does too, and the diagnosis reports the TLS failure. Not after a certificate
/// that did not verify: that is the one failure an attacker in the path would cause.
fn retry_in_plaintext(run: &Run<'_>, control: &ControlOutcome, err: &StepError) -> bool {
    run.tls == TlsMode::Auto
        && err.stage == Stage::Tls
        && err.cut.is_none()
        && control.tls_details.as_ref().is_some_and(|t| {
            t.auth_error.is_some()
                || t.error
                    .as_ref()
                    .is_some_and(|e| e.reason != TlsFailureReason::Certificate)
        })
}

pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    let Some(addrs) = where_to_connect(run, out).await else {
        return out.skip_all(SkipReason::NoSession, "the name did not resolve");
    };
    let Some(main) = first_session(run, out, sessions, &addrs).await else {
        let why = match out.control.error.as_ref().and_then(|e| e.cut) {
            Some(cut) => format!("{} before the session was set up", struck(cut.by)),
            None => "the control session was not set up".to_string(),
        };
        return out.skip_all(SkipReason::NoSession, &why);
    };
    let same_as_first = same_as_first(run, out);
    let run = &same_as_first;
    // An IPv4-mapped peer is IPv4 on the wire: PASV and PORT work there.
    if main.peer.ip().to_canonical().is_ipv6() {
        skip_ipv4_only(out);
    }
    let selected: Vec<usize> = (0..MODES)
        .filter(|&i| out.modes[i].skipped.is_none())
        .collect();
    let Some(&first) = selected.first() else {
        return;
    };
    if main.usable() {
        sessions.slots[first] = Some(main);
    } else {
        // FEAT left it out of step: the first mode opens a session of its own.
        sessions.retire(Some(main));
    }
    if run.options.sequential || selected.len() == 1 {
        return run_in_turn(run, out, sessions, first, &selected).await;
    }
    run_concurrently(run, out, sessions, first).await;
}

/// The control connection's addresses: the pinned one (--all-addresses), else the
/// name resolved; `None` when it did not resolve (the control's error says why).
async fn where_to_connect(run: &Run<'_>, out: &mut Working) -> Option<Vec<SocketAddr>> {
    let resolution = match &run.pinned {
        Some(pinned) => {
            out.target.address = pinned.address;
            Resolution {
                addrs: pinned.address.into_iter().collect(),
                ..pinned.resolution.clone()
            }
        }
        None => match run.budget.run(resolve_host(run.target, run.options)).await {
            Ok(resolution) => resolution,
            Err(cut) => {
                let why = format!("the name was not resolved when {} cut it", cut.by.words());
                out.control.error = Some(StepError::cut(Stage::Resolve, cut, why));
                return None;
            }
        },
    };
    out.target.dns = resolution.dns;
    if let Some(err) = resolution.error {
        out.control.error = Some(err);
        return None;
    }
    out.target.resolved = match &run.pinned {
        Some(pinned) => pinned.resolution.addrs.clone(),
        None => resolution.addrs.clone(),
    };
    Some(resolve::control_addrs(&resolution.addrs, run.target.port))
}

/// The first session, logged in: each address in turn until one connects (past the TCP
/// connect another address would meet the same server), once more in plaintext when
/// --tls auto allows it. `None` when none was set up (the control's error says why).
async fn first_session(
    run: &Run<'_>,
    out: &mut Working,
    sessions: &mut Sessions,
    addrs: &[SocketAddr],
) -> Option<Session> {
    for &addr in addrs {
        let main = &mut sessions.main;
        let result = establish(addr, run, Role::First, &mut out.control, main).await;
        match result {
            Ok(()) => {
                out.control.error = None;
                break;
            }
            Err(err) if retry_in_plaintext(run, &out.control, &err) => {
                let failed = sessions.main.take();
                sessions.retire(failed);
                let plain = run.with_tls(TlsMode::Off);
                let main = &mut sessions.main;
                let first = Role::First;
                out.control.error = establish(addr, &plain, first, &mut out.control, main)
                    .await
                    .err();
                if out.control.error.is_some() {
                    let failed = sessions.main.take();
                    sessions.retire(failed);
                }
                break;
            }
            Err(err) => {
                // Past a cut, no other address gets its turn.
                let connected = err.stage != Stage::Connect || err.cut.is_some();
                out.control.error = Some(err);
                let failed = sessions.main.take();
                sessions.retire(failed);
                if connected {
                    break;
                }
            }
        }
    }
    sessions.main.take()
}

/// An IPv6 control connection: PASV and PORT cannot name an address on it.
fn skip_ipv4_only(out: &mut Working) {
    for m in &mut out.modes {
        if m.mode.is_ipv4_only() && m.skipped.is_none() {
            *m = ModeOutcome::skipped(
                m.mode,
                SkipReason::Ipv4Only,
                "carries only IPv4 addresses (RFC 959); EPSV/EPRT serve IPv6",
            );
        }
    }
}

/// Every selected mode at once, each on its own session (`first` on the one that logged
/// in); the modes whose extra session the server refused then run in turn on `first`'s.
async fn run_concurrently(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions, first: usize) {
    let peer = out.control.peer;
    // The first session's view is the first mode's; the others ask STAT on their own
    // sessions, when the server answered it on the first (one that does not, or a
    // firewall that drops it, is not asked again).
    let first_view = SessionView {
        banner: out.control.banner.clone(),
        server_view: out.control.server_view.clone(),
    };
    out.modes[first].session = Some(first_view);
    let stat = out.control.server_view.is_some();
    let refused = {
        let [m0, m1, m2, m3] = &mut out.modes;
        let [s0, s1, s2, s3] = &mut sessions.slots;
        let (r0, r1, r2, r3) = tokio::join!(
            mode_on_own_session(run, peer, stat, m0, s0),
            mode_on_own_session(run, peer, stat, m1, s1),
            mode_on_own_session(run, peer, stat, m2, s2),
            mode_on_own_session(run, peer, stat, m3, s3),
        );
        [r0, r1, r2, r3]
    };
    let fallback: Vec<usize> = (0..MODES).filter(|&i| refused[i].is_some()).collect();
    if let Some(err) = refused.into_iter().flatten().next() {
        out.strategy = Strategy::SequentialFallback;
        out.fallback_reply = err.reply.clone();
        out.fallback_error = Some(err.clone());
        for &i in &fallback {
            let mode = out.modes[i].mode;
            out.modes[i] = ModeOutcome::new(mode);
        }
        run_in_turn(run, out, sessions, first, &fallback).await;
    }
}

/// Runs one mode on the session in its slot, opening one if the slot is empty. Returns
/// the error when the server would not give this mode a session of its own.
async fn mode_on_own_session(
    run: &Run<'_>,
    peer: Option<SocketAddr>,
    stat: bool,
    out: &mut ModeOutcome,
    slot: &mut Option<Session>,
) -> Option<StepError> {
    if out.skipped.is_some() {
        return None;
    }
    if let Some(by) = run.budget.ended_by() {
        let why = format!("{} before this mode was tried", struck(by));
        *out = ModeOutcome::skipped(out.mode, SkipReason::Deadline, why);
        return None;
    }
    if slot.is_none() {
        let peer = peer?;
        let mut scratch = ControlOutcome::new(&run.credentials.user);
        let role = Role::Extra(out.mode.as_str());
        let result = establish(peer, run, role, &mut scratch, slot).await;
        out.greeting = scratch.greeting;
        if let Err(err) = result {
            if let Some(cut) = err.cut {
                // Cut while opening its session: the mode was not tried.
                let why = format!("{} before this mode was tried", struck(cut.by));
                *out = ModeOutcome::skipped(out.mode, SkipReason::Deadline, why);
                return None;
            }
            // A session that was refused (421 greeting) is no session: whoever looks at
            // this slot next must open a new one.
            if let Some(refused) = slot.as_mut() {
                refused
                    .conn
                    .mark_out_of_step("the server refused this session");
            }
            return Some(err);
        }
        let server_view = match slot.as_mut().filter(|s| stat && s.usable()) {
            Some(session) => session::stat(session).await,
            None => None,
        };
        out.session = Some(SessionView {
            banner: scratch.banner.clone(),
            server_view,
        });
    }
    let session = slot.as_mut()?;
    mode::run_mode(session, run, out).await;
    None
}

/// Runs `which` modes one after another on the session in slot `home`, replacing it
/// when a mode left it out of step.
async fn run_in_turn(
    run: &Run<'_>,
    out: &mut Working,
    sessions: &mut Sessions,
    home: usize,
    which: &[usize],
) {
    sessions.one_at_a_time = true;
    for &i in which {
        if let Some(by) = run.budget.ended_by() {
            let why = format!("{} before this mode was tried", struck(by));
            out.modes[i] = ModeOutcome::skipped(out.modes[i].mode, SkipReason::Deadline, why);
            continue;
        }
        let usable = sessions.slots[home].as_ref().is_some_and(Session::usable);
        if !usable {
            let old = sessions.slots[home].take();
            sessions.retire(old);
            let Some(peer) = out.control.peer else { return };
            let result = reconnect(run, peer, sessions, home).await;
            if let Err(err) = result {
                let mode = out.modes[i].mode;
                let record = match (&err.kind, &err.reply, err.cut) {
                    (_, _, Some(cut)) => ModeOutcome::skipped(
                        mode,
                        SkipReason::Deadline,
                        format!("{} before this mode was tried", struck(cut.by)),
                    ),
                    // The previous mode's abandoned session may still hold the server's
                    // only slot for us: this mode was not tried, it did not fail.
                    (ErrorKind::Refused, Some(reply), None) => {
                        out.fallback_reply.get_or_insert_with(|| reply.clone());
                        ModeOutcome::skipped(
                            mode,
                            SkipReason::Refused,
                            format!("the server refused another connection ({reply})"),
                        )
                    }
                    _ => ModeOutcome {
                        error: Some(err),
                        ..ModeOutcome::new(mode)
                    },
                };
                out.modes[i] = record;
                let failed = sessions.slots[home].take();
                sessions.retire(failed);
                continue;
            }
        }
        if let Some(session) = sessions.slots[home].as_mut() {
            mode::run_mode(session, run, &mut out.modes[i]).await;
        }
    }
}

/// A fresh session in slot `home`. A 421 gets one more try after [`RECONNECT_PAUSE`]:
/// the server may not have let go of the session just dropped.
async fn reconnect(
    run: &Run<'_>,
    peer: SocketAddr,
    sessions: &mut Sessions,
    home: usize,
) -> Result<(), StepError> {
    let mut scratch = ControlOutcome::new(&run.credentials.user);
    let mut tries_left = 2;
    loop {
        tries_left -= 1;
        let slot = &mut sessions.slots[home];
        let role = Role::Extra("control");
        match establish(peer, run, role, &mut scratch, slot).await {
            Err(err) if err.kind == ErrorKind::Refused && tries_left > 0 => {
                let refused = sessions.slots[home].take();
                sessions.retire(refused);
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
            result => return result,
        }
    }
}

/// The config for every session after the first: TLS once the first had TLS, so that no
/// session falls back to plaintext (and sends the password in clear) on its own.
pub(super) fn same_as_first<'a>(run: &Run<'a>, out: &Working) -> Run<'a> {
    run.with_tls(match (run.tls, out.control.tls) {
        (TlsMode::Implicit, _) | (_, Tls::Implicit) => TlsMode::Implicit,
        (_, Tls::Explicit) => TlsMode::Explicit,
        (_, Tls::None) => TlsMode::Off,
    })
}
