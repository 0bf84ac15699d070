//! The probe runner: resolve, connect, log in, then try each data-connection mode with a
//! real transfer. Every step has a timeout and the whole probe a deadline; outcomes are
//! data ([`ProbeOutcome`]), never printed here.
//!
//! Modes run concurrently, one control connection each, so that a server whose data
//! ports are all blackholed costs about one --timeout rather than four. The first mode
//! reuses the connection that logged in; a server that refuses the extra connections
//! gets the remaining modes in turn on that one.

mod attempt;
mod from_net;
mod interrupt;
mod mode;
mod plaintext;
pub mod record;
mod resolve;
mod sample;
mod session;
mod tls;
mod transfer;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::time::sleep_until;

/// What a [`ProbeConfig`] is built from, so that whoever builds one (the command line,
/// the exporter's config) needs no layer below the probe.
pub use crate::net::{Trust, resolve::Family};
pub use crate::proto::Password;
use attempt::{Attempt, Working};
use interrupt::{mark_interrupted, skip_all};
pub use record::*;
pub use resolve::{Resolution, resolve_target, resolve_with};
pub use sample::MAX_SAMPLE_PORTS;
pub use watch::{Interrupt, Interrupter, Watch};

use crate::net::Recorder;
use crate::proto::Command;
use crate::target::Target;
use crate::timeline::Event;
use session::{Session, establish};

/// Who to log in as.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Password,
}

impl Credentials {
    /// RFC 1635's convention: user `anonymous`, an e-mail-like password.
    pub fn anonymous() -> Credentials {
        Credentials {
            user: "anonymous".to_string(),
            password: Password::new("ftpdoctor@"),
        }
    }
}

/// One probe of one target, validated.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    pub target: Target,
    pub credentials: Credentials,
    pub modes: Vec<Mode>,
    /// Each step: connect, reply, data connect, accept, each read of a transfer.
    pub step_timeout: Duration,
    /// The whole probe.
    pub deadline: Duration,
    pub follow_advertised: bool,
    /// The address put in PORT/EPRT instead of the control connection's local one.
    pub active_addr: Option<IpAddr>,
    pub sequential: bool,
    /// Bytes a transfer may move before the probe stops reading.
    pub max_transfer_bytes: u64,
    pub tls: TlsMode,
    /// Whom certificates must chain to (--ca-file), or --insecure.
    pub trust: Trust,
    /// Data connections resume the control connection's TLS session (default), as
    /// servers with vsftpd's require_ssl_reuse demand; off to see if one does.
    pub tls_reuse: bool,
    /// Ask this DNS server instead of the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    pub address_family: Family,
    /// Probe every resolved address (the runner makes one probe per address).
    pub all_addresses: bool,
    /// Passive requests to sample the passive port range with (0: none).
    pub sample_ports: u16,
    /// Probe only this address, resolved beforehand (set by the runner for
    /// --all-addresses, so that every address's probe reports the same resolution).
    pub pinned: Option<Pinned>,
    /// Where every connection records its events; [`probe`] starts a fresh one per run.
    pub timeline: Recorder,
    /// When the whole probe must end (set by [`probe`]): a greeting is awaited until
    /// then, not only --timeout, to learn how late it comes. `None`: --timeout only.
    pub deadline_at: Option<Instant>,
    /// Where the caller follows the probe under way (the status line on a terminal).
    pub watch: Option<Watch>,
    /// Ends the probe early, as its deadline would, when the user interrupts.
    pub interrupt: Interrupt,
}

/// One address of an already resolved target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// `None` when the resolution failed: the probe then reports that failure.
    pub address: Option<IpAddr>,
    pub resolution: Resolution,
}

impl ProbeConfig {
    pub fn new(target: Target) -> ProbeConfig {
        ProbeConfig {
            target,
            credentials: Credentials::anonymous(),
            modes: Mode::ALL.to_vec(),
            step_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            follow_advertised: false,
            active_addr: None,
            sequential: false,
            max_transfer_bytes: transfer::MAX_TRANSFER_BYTES,
            tls: TlsMode::Auto,
            trust: Trust::WebPki,
            tls_reuse: true,
            dns_server: None,
            address_family: Family::Any,
            all_addresses: false,
            sample_ports: 0,
            pinned: None,
            timeline: Recorder::new(),
            deadline_at: None,
            watch: None,
            interrupt: Interrupt::default(),
        }
    }
}

/// How long a session waits for the 221 to its QUIT. Politeness, not diagnosis: a server
/// that does not answer costs at most this (all sessions say goodbye at once).
const QUIT_WAIT: Duration = Duration::from_secs(1);

/// The wait before one more try when a reconnect (after a mode left its session out of
/// step) is refused with 421: servers count a closed session until its process exits.
const RECONNECT_PAUSE: Duration = Duration::from_millis(250);

/// The control connection each mode runs on, owned outside the deadline's reach so
/// that their transcripts survive it.
#[derive(Default)]
struct Sessions {
    /// The first session while it is being set up; it then moves to its mode's slot.
    main: Option<Session>,
    slots: [Option<Session>; 4],
    /// The plaintext session compared with a TLS one.
    plaintext: Option<Session>,
    /// Transcripts of sessions that were replaced.
    retired: Vec<TranscriptEntry>,
    /// --sample-ports' own session, when no mode's session was left usable.
    sample: Option<Session>,
}

impl Sessions {
    fn retire(&mut self, session: Option<Session>) {
        if let Some(session) = session {
            self.retired.extend(session.transcript());
        }
    }

    /// QUIT on every session still in step, all at once, so that the server logs a clean
    /// end rather than a dropped connection.
    async fn quit_all(&mut self, step_timeout: Duration) {
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
        );
    }

    fn into_transcript(self) -> Vec<TranscriptEntry> {
        let mut all = self.retired;
        for session in self
            .main
            .into_iter()
            .chain(self.slots.into_iter().flatten())
            .chain(self.sample)
            .chain(self.plaintext)
        {
            all.extend(session.transcript());
        }
        all
    }
}

/// Probes one target. Never fails: whatever happened is in the outcome.
pub async fn probe(config: &ProbeConfig) -> ProbeOutcome {
    let started = Instant::now();
    // Each run its own clock and log, even when one config is probed twice.
    let config = &ProbeConfig {
        timeline: Recorder::new(),
        deadline_at: Some(started + config.deadline),
        ..config.clone()
    };
    if let Some(watch) = &config.watch {
        watch.started(&config.timeline);
    }
    let target = &config.target;
    let record = ProbeOutcome {
        target: TargetInfo {
            input: target.display_input(),
            host: target.host_string(),
            port: target.port,
            resolved: Vec::new(),
            path: target.path.clone(),
            dns: None,
            address: None,
        },
        control: ControlOutcome::new(&config.credentials.user),
        modes: Mode::ALL
            .iter()
            .map(|&m| match config.modes.contains(&m) {
                true => ModeOutcome::new(m),
                false => ModeOutcome::skipped(m, SkipReason::NotSelected, "not selected (--modes)"),
            })
            .collect(),
        strategy: if config.sequential {
            Strategy::Sequential
        } else {
            Strategy::Concurrent
        },
        fallback_reply: None,
        fallback_error: None,
        plaintext_check: None,
        deadline_hit: false,
        interrupted: false,
        deadline: config.deadline,
        transcript: Vec::new(),
        timeline: Vec::new(),
        timeline_dropped: 0,
        elapsed: Duration::ZERO,
        sample: None,
        reuse_check: None,
    };
    let mut out = Working::new(record);
    let mut sessions = Sessions::default();
    let deadline = tokio::time::Instant::from_std(started + config.deadline);
    (out.deadline_hit, out.interrupted) = tokio::select! {
        _ = async {
            run(config, &mut out, &mut sessions).await;
            plaintext::check(config, &mut out, &mut sessions.plaintext).await;
            sample::run(config, &mut out, &mut sessions).await;
        } => (false, false),
        _ = sleep_until(deadline) => (true, false),
        // Cut short as by the deadline; the report says by whom.
        _ = config.interrupt.wait() => (true, true),
    };
    if out.deadline_hit {
        config.timeline.probe().record(Event::Deadline);
        mark_interrupted(&mut out);
    } else {
        // Past the deadline the probe ends at once; the connections close without QUIT.
        sessions.quit_all(config.step_timeout).await;
    }
    out.transcript = sessions.into_transcript();
    // After the sessions are dropped, so that our closes are in it.
    out.timeline = config.timeline.events();
    out.timeline_dropped = config.timeline.dropped();
    out.elapsed = started.elapsed();
    out.into_record()
}

async fn quit(slot: &mut Option<Session>, wait: Duration) {
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
fn retry_in_plaintext(config: &ProbeConfig, control: &ControlOutcome, err: &StepError) -> bool {
    config.tls == TlsMode::Auto
        && err.stage == Stage::Tls
        && control.tls_details.as_ref().is_some_and(|t| {
            t.auth_error.is_some()
                || t.error
                    .as_ref()
                    .is_some_and(|e| e.reason != TlsFailureReason::Certificate)
        })
}

async fn run(config: &ProbeConfig, out: &mut Working, sessions: &mut Sessions) {
    let resolution = match &config.pinned {
        Some(pinned) => {
            out.target.address = pinned.address;
            Resolution {
                addrs: pinned.address.into_iter().collect(),
                ..pinned.resolution.clone()
            }
        }
        None => resolve_target(config).await,
    };
    out.target.dns = resolution.dns;
    if let Some(err) = resolution.error {
        out.control.error = Some(err);
        return skip_all(out, "the name did not resolve");
    }
    out.target.resolved = match &config.pinned {
        Some(pinned) => pinned.resolution.addrs.clone(),
        None => resolution.addrs.clone(),
    };
    let addrs = resolve::control_addrs(&resolution.addrs, config.target.port);

    for &addr in &addrs {
        let result = establish(
            addr,
            config,
            "control",
            &mut out.control,
            true,
            &mut sessions.main,
        )
        .await;
        match result {
            Ok(()) => {
                out.control.error = None;
                break;
            }
            Err(err) if retry_in_plaintext(config, &out.control, &err) => {
                let failed = sessions.main.take();
                sessions.retire(failed);
                let plain = ProbeConfig {
                    tls: TlsMode::Off,
                    ..config.clone()
                };
                let main = &mut sessions.main;
                out.control.error =
                    establish(addr, &plain, "control", &mut out.control, true, main)
                        .await
                        .err();
                if out.control.error.is_some() {
                    let failed = sessions.main.take();
                    sessions.retire(failed);
                }
                break;
            }
            Err(err) => {
                let connected = err.stage != Stage::Connect;
                out.control.error = Some(err);
                let failed = sessions.main.take();
                sessions.retire(failed);
                // Past the TCP connect, another address would meet the same server.
                if connected {
                    break;
                }
            }
        }
    }
    let Some(main) = sessions.main.take() else {
        return skip_all(out, "the control session was not set up");
    };
    let same_as_first = same_as_first(config, out);
    let config = &same_as_first;
    // An IPv4-mapped peer is IPv4 on the wire: PASV and PORT work there.
    if main.peer.ip().to_canonical().is_ipv6() {
        for m in &mut out.modes {
            if m.mode.is_ipv4_only() && m.skipped.is_none() {
                m.replace(ModeOutcome::skipped(
                    m.mode,
                    SkipReason::Ipv4Only,
                    "carries only IPv4 addresses (RFC 959); EPSV/EPRT serve IPv6",
                ));
            }
        }
    }
    let selected: Vec<usize> = (0..out.modes.len())
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
    if config.sequential || selected.len() == 1 {
        return run_in_turn(config, out, sessions, first, &selected).await;
    }

    let peer = out.control.peer;
    let refused = {
        let [m0, m1, m2, m3] = &mut out.modes[..] else {
            return;
        };
        let [s0, s1, s2, s3] = &mut sessions.slots;
        let (r0, r1, r2, r3) = tokio::join!(
            mode_on_own_session(config, peer, m0, s0),
            mode_on_own_session(config, peer, m1, s1),
            mode_on_own_session(config, peer, m2, s2),
            mode_on_own_session(config, peer, m3, s3),
        );
        [r0, r1, r2, r3]
    };
    let fallback: Vec<usize> = (0..4).filter(|&i| refused[i].is_some()).collect();
    if let Some(err) = refused.into_iter().flatten().next() {
        out.strategy = Strategy::SequentialFallback;
        out.fallback_reply = err.reply.clone();
        out.fallback_error = Some(err.clone());
        for &i in &fallback {
            let mode = out.modes[i].mode;
            out.modes[i].replace(ModeOutcome::new(mode));
        }
        run_in_turn(config, out, sessions, first, &fallback).await;
    }
}

/// Runs one mode on the session in its slot, opening one if the slot is empty. Returns
/// the error when the server would not give this mode a session of its own.
async fn mode_on_own_session(
    config: &ProbeConfig,
    peer: Option<SocketAddr>,
    out: &mut Attempt,
    slot: &mut Option<Session>,
) -> Option<StepError> {
    if out.skipped.is_some() {
        return None;
    }
    if slot.is_none() {
        let peer = peer?;
        let mut scratch = ControlOutcome::new(&config.credentials.user);
        out.in_progress = Some(Stage::Login);
        let label = out.mode.as_str();
        let result = establish(peer, config, label, &mut scratch, false, slot).await;
        out.greeting = scratch.greeting;
        if let Err(err) = result {
            out.in_progress = None;
            // A session that was refused (421 greeting) is no session: whoever looks at
            // this slot next must open a new one.
            if let Some(refused) = slot.as_mut() {
                refused
                    .conn
                    .mark_out_of_step("the server refused this session");
            }
            return Some(err);
        }
    }
    let session = slot.as_mut()?;
    mode::run_mode(session, config, out).await;
    None
}

/// Runs `which` modes one after another on the session in slot `home`, replacing it
/// when a mode left it out of step.
async fn run_in_turn(
    config: &ProbeConfig,
    out: &mut Working,
    sessions: &mut Sessions,
    home: usize,
    which: &[usize],
) {
    for &i in which {
        let usable = sessions.slots[home].as_ref().is_some_and(Session::usable);
        if !usable {
            let old = sessions.slots[home].take();
            sessions.retire(old);
            let Some(peer) = out.control.peer else { return };
            out.modes[i].in_progress = Some(Stage::Login);
            let result = reconnect(config, peer, sessions, home).await;
            if let Err(err) = result {
                let mode = out.modes[i].mode;
                let record = match (&err.kind, &err.reply) {
                    // The previous mode's abandoned session may still hold the server's
                    // only slot for us: this mode was not tried, it did not fail.
                    (ErrorKind::Refused, Some(reply)) => {
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
                out.modes[i].replace(record);
                let failed = sessions.slots[home].take();
                sessions.retire(failed);
                continue;
            }
        }
        if let Some(session) = sessions.slots[home].as_mut() {
            mode::run_mode(session, config, &mut out.modes[i]).await;
        }
    }
}

/// A fresh session in slot `home`. A 421 gets one more try after [`RECONNECT_PAUSE`]:
/// the server may not have let go of the session just dropped.
async fn reconnect(
    config: &ProbeConfig,
    peer: SocketAddr,
    sessions: &mut Sessions,
    home: usize,
) -> Result<(), StepError> {
    let mut scratch = ControlOutcome::new(&config.credentials.user);
    let mut tries_left = 2;
    loop {
        tries_left -= 1;
        let slot = &mut sessions.slots[home];
        match establish(peer, config, "control", &mut scratch, false, slot).await {
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
fn same_as_first(config: &ProbeConfig, out: &Working) -> ProbeConfig {
    ProbeConfig {
        tls: match (config.tls, out.control.tls) {
            (TlsMode::Implicit, _) | (_, Tls::Implicit) => TlsMode::Implicit,
            (_, Tls::Explicit) => TlsMode::Explicit,
            (_, Tls::None) => TlsMode::Off,
        },
        ..config.clone()
    }
}
