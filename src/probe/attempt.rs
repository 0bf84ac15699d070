//! The runner's working state beside the records it fills in: which step is under way and
//! when it began, so that a deadline striking at any await can say where each mode stood.
//! None of it reaches the report; [`super::probe`] hands over the plain records.
//!
//! Both wrappers deref to their record, so that the runner writes `out.request = ...`
//! as on the record itself; the working fields sit beside it.

use std::ops::{Deref, DerefMut};
use std::time::Instant;

use super::record::{Mode, ModeOutcome, ProbeOutcome, Stage};

/// One mode's record while the runner works on it.
#[derive(Debug)]
pub(super) struct Attempt {
    pub(super) record: ModeOutcome,
    /// The step under way; what `interrupted` becomes if the deadline strikes.
    pub(super) in_progress: Option<Stage>,
    /// When the mode began, so that an interrupted one still reports its time.
    pub(super) started: Option<Instant>,
    /// When the step under way began (a dial the deadline cuts short reports its time).
    pub(super) step_started: Option<Instant>,
}

impl Attempt {
    pub(super) fn new(record: ModeOutcome) -> Attempt {
        Attempt {
            record,
            in_progress: None,
            started: None,
            step_started: None,
        }
    }

    /// Starts this mode's record afresh (a retry, a skip): the working state goes too.
    pub(super) fn replace(&mut self, record: ModeOutcome) {
        *self = Attempt::new(record);
    }

    pub(super) fn into_record(self) -> ModeOutcome {
        self.record
    }
}

impl Deref for Attempt {
    type Target = ModeOutcome;

    fn deref(&self) -> &ModeOutcome {
        &self.record
    }
}

impl DerefMut for Attempt {
    fn deref_mut(&mut self) -> &mut ModeOutcome {
        &mut self.record
    }
}

/// How many modes a probe has: one per [`Mode`], each with its own control session slot.
pub(super) const MODES: usize = Mode::ALL.len();

/// The whole probe's record while it runs: the modes as [`Attempt`]s, one per [`Mode`]
/// in [`Mode::ALL`]'s order (the record's own `modes` stays empty until
/// [`Working::into_record`]).
#[derive(Debug)]
pub(super) struct Working {
    record: ProbeOutcome,
    pub(super) modes: [Attempt; MODES],
}

impl Working {
    /// `record` without its modes, and the modes.
    pub(super) fn new(record: ProbeOutcome, modes: [ModeOutcome; MODES]) -> Working {
        Working {
            record,
            modes: modes.map(Attempt::new),
        }
    }

    pub(super) fn into_record(self) -> ProbeOutcome {
        ProbeOutcome {
            modes: self.modes.into_iter().map(Attempt::into_record).collect(),
            ..self.record
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
