//! The whole probe's record while it runs: the modes held apart from the rest, one per
//! [`Mode`] in [`Mode::ALL`]'s order, so that the runner can lend each to its own task.
//! [`super::probe`] hands over the plain record.

use std::ops::{Deref, DerefMut};

use super::record::{Mode, ModeOutcome, ProbeOutcome, SkipReason};

/// How many modes a probe has: one per [`Mode`], each with its own control session slot.
pub(super) const MODES: usize = Mode::ALL.len();

/// The probe's record with its modes beside it (the record's own `modes` stays empty
/// until [`Working::into_record`]).
#[derive(Debug)]
pub(super) struct Working {
    record: ProbeOutcome,
    pub(super) modes: [ModeOutcome; MODES],
}

impl Working {
    /// `record` without its modes, and the modes.
    pub(super) fn new(record: ProbeOutcome, modes: [ModeOutcome; MODES]) -> Working {
        Working { record, modes }
    }

    pub(super) fn into_record(self) -> ProbeOutcome {
        ProbeOutcome {
            modes: self.modes.into_iter().collect(),
            ..self.record
        }
    }

    /// Every mode not yet skipped is skipped, for `reason`, with the sentence `why`.
    pub(super) fn skip_all(&mut self, reason: SkipReason, why: &str) {
        for m in &mut self.modes {
            if m.skipped.is_none() {
                *m = ModeOutcome::skipped(m.mode, reason, why);
            }
        }
    }

    /// Every mode that was never begun (no request, no error) is skipped: the probe's
    /// time ran out before it.
    pub(super) fn skip_unstarted(&mut self, why: &str) {
        for m in &mut self.modes {
            if m.skipped.is_none() && m.request.is_none() && m.error.is_none() {
                *m = ModeOutcome::skipped(m.mode, SkipReason::Deadline, why);
            }
        }
    }
}

impl Deref for Working {
    type Target = ProbeOutcome;

    fn deref(&self) -> &ProbeOutcome {
        &self.record
    }
}

impl DerefMut for Working {
    fn deref_mut(&mut self) -> &mut ProbeOutcome {
        &mut self.record
    }
}
