//! The probe runner: resolve, connect, log in, then try each data-connection mode with a
//! real transfer. Every step has a timeout and the whole probe a deadline; outcomes are
//! data ([`ProbeOutcome`]), never printed here.
//!
//! Modes run concurrently, one control connection each, so that a server whose data
//! ports are all blackholed costs about one --timeout rather than four. The first mode
//! reuses the connection that logged in; a server that refuses the extra connections
//! gets the remaining modes in turn on that one.

mod attempt;
mod budget;
mod bulk;
mod config;
mod context;
mod data_mode;
mod from_net;
mod idle;
mod login;
#[cfg(test)]
mod login_tests;
mod mode;
mod plaintext;
mod proxy;
pub mod record;
mod resolve;
mod runner;
mod sample;
mod session;
mod size_check;
mod tls;
mod transfer;
mod upload;
mod watch;

use std::time::{Duration, Instant};

use tokio::time::{sleep, sleep_until};

/// What a [`ProbeConfig`] is built from, so that whoever builds one (the command line,
/// the exporter's config, the demo) needs no layer below the probe.
pub use crate::net::proxy::{ProxySpec, ProxyUrlError};
pub use crate::net::{Trust, TrustError, resolve::Family};
pub use crate::proto::Password;
use attempt::Working;
use budget::struck;
pub use config::{
    Credentials, CredentialsError, DeadlineBelowIdle, Hooks, IDLE_DEADLINE_MARGIN, Pinned,
    ProbeConfig, ProbeOptions, idle_deadline, positive_duration, tls_for,
};
use context::Run;
pub use record::*;
pub use resolve::{Resolution, resolve_target, resolve_with};
pub use sample::MAX_SAMPLE_PORTS;
pub(crate) use watch::Interrupter;
pub use watch::{Interrupt, Watch};

use runner::Sessions;

/// How long past the deadline (or the user's Ctrl-C) the probe may run before the
/// backstop drops whatever is still under way. Every wait is handed the probe's
/// [`budget::Budget`] and ends by itself at the deadline; this only catches one that
/// does not.
const BACKSTOP_GRACE: Duration = Duration::from_millis(500);

/// Probes one target. Never fails: whatever happened is in the outcome.
pub async fn probe(config: &ProbeConfig) -> ProbeOutcome {
    probe_with(config, Hooks::default()).await
}

/// Probes one target, followed, interrupted or pinned as `hooks` say.
pub async fn probe_with(config: &ProbeConfig, hooks: Hooks) -> ProbeOutcome {
    let started = Instant::now();
    // Each run its own clock and log, even when one config is probed twice.
    let deadline = match hooks.ends_by {
        Some(at) => config
            .options
            .deadline
            .min(at.saturating_duration_since(started)),
        None => config.options.deadline,
    };
    let run = &Run::new(config, started + deadline, hooks.interrupt, hooks.pinned);
    if let Some(watch) = &hooks.watch {
        watch.started(&run.timeline);
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
        modes: Vec::new(),
        strategy: if config.options.sequential {
            Strategy::Sequential
        } else {
            Strategy::Concurrent
        },
        fallback_reply: None,
        fallback_error: None,
        plaintext_check: None,
        deadline_hit: false,
        interrupted: false,
        deadline,
        transcript: Vec::new(),
        timeline: Vec::new(),
        timeline_dropped: 0,
        elapsed: Duration::ZERO,
        sample: None,
        reuse_check: None,
        size_check: None,
        idle: None,
        upload: None,
    };
    let modes = Mode::ALL.map(|m| match config.options.modes.contains(&m) {
        true => ModeOutcome::new(m),
        false => ModeOutcome::skipped(m, SkipReason::NotSelected, "not selected (--modes)"),
    });
    let mut out = Working::new(record, modes);
    let mut sessions = Sessions::default();
    if !run_all(run, &mut out, &mut sessions).await {
        let by = run.budget.note_backstop();
        out.skip_unstarted(&format!("{} before this mode was tried", struck(by)));
    }
    proxy::settle_bind(&mut out);
    let cut = run.budget.was_cut();
    out.deadline_hit = cut.is_some();
    out.interrupted = cut == Some(CutBy::Interrupt);
    if cut.is_none() {
        // Past the deadline the probe ends at once; the connections close without QUIT.
        sessions.quit_all(run.step()).await;
    }
    out.transcript = sessions.into_transcript();
    // After the sessions are dropped, so that our closes are in it.
    out.timeline = run.timeline.events();
    out.timeline_dropped = run.timeline.dropped();
    out.elapsed = started.elapsed();
    out.into_record()
}

/// Every step of the probe, each wait within the run's budget; `false` when the backstop
/// had to drop what was still under way, past the deadline or Ctrl-C.
async fn run_all(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) -> bool {
    let backstop = tokio::time::Instant::from_std(run.deadline_at + BACKSTOP_GRACE);
    tokio::select! {
        _ = async {
            let Ok(proxied) = proxy::attach(run, out).await else {
                return out.skip_all(SkipReason::NoSession, "the proxy's name did not resolve");
            };
            let run = &proxied;
            runner::run(run, out, sessions).await;
            plaintext::check(run, out, &mut sessions.plaintext).await;
            sample::run(run, out, sessions).await;
            // Boxed: their sessions' futures would make the probe's own future (and the
            // stack of a debug build) several times larger.
            Box::pin(size_check::run(run, out, sessions)).await;
            Box::pin(upload::run(run, out, sessions)).await;
            Box::pin(idle::run(run, out, sessions)).await;
        } => true,
        _ = sleep_until(backstop) => false,
        _ = async {
            run.interrupt.wait().await;
            sleep(BACKSTOP_GRACE).await;
        } => false,
    }
}
