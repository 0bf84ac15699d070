//! Which clients will work: from one probe's records, predict what each popular FTP
//! client would do fetching the same target with its defaults — works, fails (at once,
//! with the error it shows), hangs (at which step, for how long given its timeouts), or
//! depends (on something the probe cannot know, such as which passive port it is given).
//!
//! - `prediction`: the words of a prediction (client ids, fates, steps, the report's row).
//! - `profile`: each client as data (mode order, PASV-address policy, TLS, timeouts,
//!   reactions to failures); docs/clients.md gives the source of every value.
//! - `facts`: what the probe saw, per data mode, as a client with a given policy meets it.
//! - `events`: what a client meets in one data mode, from those facts.
//! - `walk`: one profile walked through those facts, step by step.
//!
//! Pure, like the rest of `diagnose`: the same records always give the same predictions.

mod events;
mod facts;
mod large;
mod prediction;
mod profile;
mod walk;

pub use prediction::{ClientId, ClientPrediction, ClientStep, Prediction, UnknownClient};
pub use profile::{
    ActiveSource, FixRule, PasvAddress, Platform, Profile, Reaction, Reactions, Retries, TlsUse,
    Wait, profile,
};

use super::Finding;
use crate::probe::record::ProbeOutcome;

/// Predicts each of `ids` (in that order) from the probe's records and its findings.
pub fn predict(
    outcome: &ProbeOutcome,
    findings: &[Finding],
    ids: &[ClientId],
) -> Vec<ClientPrediction> {
    let facts = facts::Facts::new(outcome, findings);
    ids.iter()
        .map(|&id| {
            let p = profile(id);
            let fate = large::large_files(id, walk::walk(&p, &facts), findings);
            ClientPrediction {
                id,
                profile: p.describes,
                prediction: fate.prediction,
                step: fate.step,
                expected_wait_s: fate.wait_s.map(f64::from),
                reason: fate.reason,
                verified: p.runs_in_ci,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
