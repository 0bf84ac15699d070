//! One target from probe to report: probe, diagnose, predict the clients, and with
//! `--all-addresses` the same for every address of the name at once. `run` (the
//! command line's scheduler), `serve` (a scrape) and `demo` (a lab scenario) all go
//! through here, so a report means the same thing whoever asked for it.

use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use crate::diagnose::clients::{ClientId, predict};
use crate::diagnose::diagnose;
use crate::probe::{
    ErrorKind, Hooks, Pinned, ProbeConfig, Resolution, Stage, StepError, probe_with, resolve_target,
};
use crate::report::Report;

#[path = "pipeline/rounds.rs"]
mod rounds;

/// What a report is asked to carry besides the probe's own findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The client profiles whose fate to predict (`--clients`).
    pub clients: Vec<ClientId>,
    /// Keep each control conversation in the report (`--transcript`).
    pub transcript: bool,
}

impl Default for ReportOptions {
    /// The default client profiles, no transcript.
    fn default() -> ReportOptions {
        ReportOptions {
            clients: ClientId::DEFAULT.to_vec(),
            transcript: false,
        }
    }
}

/// Most addresses of one name that --all-addresses probes: each is a full probe (up to
/// four control connections), all at once, and a DNS answer can hold dozens. The report
/// of each still lists every resolved address in `target.resolved`.
pub const MAX_ADDRESSES: usize = 16;

/// Probes, diagnoses and reports one target with the default report options.
pub async fn probe_and_report(config: &ProbeConfig) -> Report {
    report_one(config, &ReportOptions::default(), Hooks::default()).await
}

/// Probes, diagnoses and reports one target (one address of it), as `asked` says.
pub async fn report_one(config: &ProbeConfig, asked: &ReportOptions, hooks: Hooks) -> Report {
    if config.options().repeat > 1 {
        return report_rounds(config, asked, hooks).await;
    }
    // Boxed: a probe's future is large (its sessions, TLS handshakes and transfer checks),
    // and a spawned task's worker thread has a 2 MiB stack.
    let outcome = Box::pin(probe_with(config, hooks)).await;
    let findings = diagnose(&outcome);
    let predictions = predict(&outcome, &findings, &asked.clients);
    let mut report = Report::new(outcome, findings, asked.transcript);
    report.clients = predictions;
    report
}

/// `--repeat N`: N rounds put together ([`rounds`]), predicted from the rounds' outcome.
async fn report_rounds(config: &ProbeConfig, asked: &ReportOptions, hooks: Hooks) -> Report {
    let all = rounds::run_rounds(config, &hooks).await;
    let run = all.len() as u32;
    let Some((outcome, findings, ok_rounds)) = rounds::merge(all) else {
        // No round ran (none is asked for below 1): one probe, as without --repeat.
        let outcome = Box::pin(probe_with(config, hooks)).await;
        let findings = diagnose(&outcome);
        return Report::new(outcome, findings, asked.transcript);
    };
    let predictions = predict(&outcome, &findings, &asked.clients);
    let mut report = Report::new(outcome, findings, asked.transcript);
    report.clients = predictions;
    rounds::mark(&mut report, run, &ok_rounds);
    report
}

/// One target's reports: one, or with --all-addresses one per resolved address (the
/// name resolved once, the addresses probed at once, all within one --deadline).
pub async fn report_target(
    config: ProbeConfig,
    asked: &ReportOptions,
    hooks: Hooks,
) -> Vec<Report> {
    if !config.options().all_addresses {
        return vec![report_one(&config, asked, hooks).await];
    }
    // The deadline covers the whole target: the shared resolution too.
    let deadline = config.options().deadline;
    let ends_by = Instant::now() + deadline;
    // The deadline struck during DNS: a resolver silent for the whole deadline is a DNS
    // timeout (dns-timeout), the same finding a single probe gives, and the one report
    // that follows from the pinned failure says so without asking again.
    let resolution = tokio::time::timeout(deadline, resolve_target(&config))
        .await
        .unwrap_or_else(|_| Resolution {
            addrs: Vec::new(),
            dns: None,
            error: Some(StepError::new(
                Stage::Resolve,
                ErrorKind::Timeout,
                format!(
                    "no answer from the resolver within the --deadline ({})",
                    crate::wire::human(deadline)
                ),
            )),
        });
    let addresses: Vec<_> = match resolution.error {
        Some(_) => vec![None],
        None => resolution
            .addrs
            .iter()
            .copied()
            .take(MAX_ADDRESSES)
            .map(Some)
            .collect(),
    };
    let config = Arc::new(config);
    let mut running = JoinSet::new();
    for (i, address) in addresses.into_iter().enumerate() {
        let one = Hooks {
            pinned: Some(Pinned {
                address,
                resolution: resolution.clone(),
            }),
            ends_by: Some(ends_by),
            ..hooks.clone()
        };
        let (config, asked) = (config.clone(), asked.clone());
        running.spawn(async move { (i, report_one(&config, &asked, one).await) });
    }
    let mut reports: Vec<(usize, Report)> = running.join_all().await;
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}
