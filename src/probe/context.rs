//! One run of a probe: what was asked (borrowed from the [`ProbeConfig`]) and the state
//! that exists only while it runs, made by [`super::probe`] and by nothing else.

use std::time::{Duration, Instant};

use super::budget::Budget;
use super::config::{Credentials, Pinned, ProbeConfig, ProbeOptions};
use super::record::TlsMode;
use super::watch::Interrupt;
use crate::net::Recorder;
use crate::target::Target;

/// A probe under way. Every step of the runner reads what was asked and where to record
/// from here.
#[derive(Debug, Clone)]
pub(super) struct Run<'a> {
    /// What to probe.
    pub(super) target: &'a Target,
    /// Who to log in as.
    pub(super) credentials: &'a Credentials,
    /// What was asked.
    pub(super) options: &'a ProbeOptions,
    /// The TLS the next session gets: the target's at first; once the first session is
    /// set up, what it got (so that no later session falls back to plaintext on its
    /// own); `Off` for a deliberate plaintext session.
    pub(super) tls: TlsMode,
    /// Where every connection records its events: a fresh log per run.
    pub(super) timeline: Recorder,
    /// When the whole probe must end: a greeting is awaited until shortly before then,
    /// not only --timeout, to learn how late it comes.
    pub(super) deadline_at: Instant,
    /// Ends the probe early, as its deadline would (Ctrl-C).
    pub(super) interrupt: Interrupt,
    /// Probe only this address, resolved beforehand (--all-addresses).
    pub(super) pinned: Option<Pinned>,
    /// What every wait may spend: its step, within the deadline, unless interrupted.
    pub(super) budget: Budget,
    /// `--proxy`, resolved: every connection goes through it.
    pub(super) proxy: Option<std::sync::Arc<crate::net::proxy::Proxy>>,
}

impl<'a> Run<'a> {
    /// A run of `config` starting now that must end by `deadline_at`.
    pub(super) fn new(
        config: &'a ProbeConfig,
        deadline_at: Instant,
        interrupt: Interrupt,
        pinned: Option<Pinned>,
    ) -> Run<'a> {
        let timeline = Recorder::new();
        let budget = Budget::new(
            config.options.step_timeout,
            deadline_at,
            interrupt.clone(),
            timeline.probe(),
        );
        Run {
            target: &config.target,
            credentials: &config.credentials,
            options: &config.options,
            tls: config.tls,
            timeline,
            deadline_at,
            interrupt,
            pinned,
            budget,
            proxy: None,
        }
    }

    /// Each step's own limit (--timeout).
    pub(super) fn step(&self) -> Duration {
        self.options.step_timeout
    }

    /// The same run, its next sessions with `tls` (same log, same deadline).
    pub(super) fn with_tls(&self, tls: TlsMode) -> Run<'a> {
        Run {
            tls,
            ..self.clone()
        }
    }
}
