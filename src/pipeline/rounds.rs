//! `--repeat N`: the probe run N rounds, each within its own --deadline, put together in
//! one report. The rounds before the last try the modes only; the size check, the upload,
//! the idle measurement and the port sample run once, in the last.
//!
//! A round is ok for a mode when the mode's status in it is ok or warn. The mode's
//! details (request, dials, transfer) come from its last failing round, or from the last
//! round if none failed; the control session, the timeline and the transcript are the last
//! round's. The failed rounds' error findings stay, and a mode that worked in some rounds
//! only gets `mode-intermittent`.

use std::time::{Duration, Instant};

use crate::diagnose::rounds::{ModeRound, kept_errors, mode_intermittent};
use crate::diagnose::{Finding, diagnose};
use crate::probe::{Hooks, ProbeConfig, ProbeOutcome, probe_with};
use crate::report::{Report, Status};

/// One round: what the probe saw, its findings, and each mode's status in it.
struct Round {
    outcome: ProbeOutcome,
    findings: Vec<Finding>,
    statuses: Vec<Status>,
}

/// Runs the rounds of `config` (`repeat` of its options, at least one); the last one in
/// the vector is the last round run (fewer than asked when the user interrupted).
pub(super) async fn run_rounds(
    config: &ProbeConfig,
    hooks: &Hooks,
) -> Vec<(ProbeOutcome, Vec<Finding>)> {
    let asked = config.options().repeat.max(1);
    let earlier = config.with_options(config.options().earlier_round());
    let mut out = Vec::new();
    for round in 1..=asked {
        let this = if round == asked { config } else { &earlier };
        let hooks = Hooks {
            // A fan-out's shared end bounds the first round; each later one gets its own
            // --deadline, as every round does.
            ends_by: match round {
                1 => hooks.ends_by,
                _ => hooks
                    .ends_by
                    .map(|_| Instant::now() + this.options().deadline),
            },
            ..hooks.clone()
        };
        // Boxed: a probe's future is large (see `report_one`).
        let outcome = Box::pin(probe_with(this, hooks)).await;
        let findings = diagnose(&outcome);
        let interrupted = outcome.interrupted;
        out.push((outcome, findings));
        if interrupted {
            break;
        }
    }
    out
}

/// The rounds put together: the outcome the report shows, its findings (with the failed
/// rounds' errors and mode-intermittent), and each mode's ok rounds in the outcome's
/// mode order. `None` when no round ran.
pub(super) fn merge(
    rounds: Vec<(ProbeOutcome, Vec<Finding>)>,
) -> Option<(ProbeOutcome, Vec<Finding>, Vec<u32>)> {
    let rounds: Vec<Round> = rounds
        .into_iter()
        .map(|(outcome, findings)| {
            let statuses = statuses(&outcome, &findings);
            Round {
                outcome,
                findings,
                statuses,
            }
        })
        .collect();
    let last = rounds.last()?;
    let mut merged = last.outcome.clone();
    let mut ok_rounds = Vec::new();
    for (i, mode) in merged.modes.iter_mut().enumerate() {
        let ok = |r: &Round| r.statuses.get(i).is_some_and(|s| worked(*s));
        ok_rounds.push(rounds.iter().filter(|r| ok(r)).count() as u32);
        if let Some(failed) = rounds.iter().rev().find(|r| !ok(r))
            && let Some(m) = failed.outcome.modes.get(i)
        {
            *mode = m.clone();
        }
    }
    merged.elapsed = rounds.iter().map(|r| r.outcome.elapsed).sum::<Duration>();
    merged.deadline_hit = rounds.iter().any(|r| r.outcome.deadline_hit);
    let mut findings = diagnose(&merged);
    let numbered: Vec<(u32, &[Finding])> = rounds
        .iter()
        .enumerate()
        .map(|(k, r)| (k as u32 + 1, r.findings.as_slice()))
        .collect();
    findings.extend(kept_errors(&findings, &numbered));
    for (i, mode) in merged.modes.iter().enumerate() {
        let per_round: Vec<ModeRound<'_>> = rounds
            .iter()
            .enumerate()
            .map(|(k, r)| ModeRound {
                round: k as u32 + 1,
                ok: r.statuses.get(i).is_some_and(|s| worked(*s)),
                findings: &r.findings,
            })
            .collect();
        findings.extend(mode_intermittent(mode.mode, &per_round));
    }
    Some((merged, findings, ok_rounds))
}

/// A round counts as ok for a mode whose status in it was ok or warn.
fn worked(status: Status) -> bool {
    matches!(status, Status::Ok | Status::Warn)
}

/// Each mode's status in one round, in the outcome's mode order: the report's own rule.
fn statuses(outcome: &ProbeOutcome, findings: &[Finding]) -> Vec<Status> {
    Report::new(outcome.clone(), findings.to_vec(), false)
        .modes
        .iter()
        .map(|m| m.status)
        .collect()
}

/// Marks `report` as N rounds: `rounds` and each mode's `ok_rounds`.
pub(super) fn mark(report: &mut Report, rounds: u32, ok_rounds: &[u32]) {
    report.rounds = Some(rounds);
    for (m, ok) in report.modes.iter_mut().zip(ok_rounds) {
        m.ok_rounds = Some(*ok);
    }
}
