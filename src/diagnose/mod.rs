//! Observations → findings. Pure functions over the probe's outcome types: no I/O, no
//! clocks, so every rule is tested with hand-built outcomes.

mod finding;

pub use finding::{Finding, FindingId, Severity};

use crate::probe::ProbeOutcome;

/// Every finding the outcome supports, control-connection findings first, then by mode.
pub fn diagnose(outcome: &ProbeOutcome) -> Vec<Finding> {
    let _ = outcome;
    Vec::new()
}
