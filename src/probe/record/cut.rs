//! A wait that something other than its own timeout ended: the whole probe's deadline, or
//! the user (Ctrl-C). The wait records it itself, so nothing has to be pieced together
//! after the fact.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::ProbeOutcome;
use crate::wire::wire_enum;

wire_enum! {
    /// Who cut a wait short.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum CutBy {
        /// --deadline: the whole probe's time ran out.
        Deadline = "deadline",
        /// The user interrupted the probe (Ctrl-C).
        Interrupt = "interrupt",
    }
}

impl CutBy {
    /// As the table and the findings say it: `--deadline` or `Ctrl-C`.
    pub fn words(self) -> &'static str {
        match self {
            CutBy::Deadline => "--deadline",
            CutBy::Interrupt => "Ctrl-C",
        }
    }
}

/// How a wait was cut short: by whom, and after how long it had waited in silence. In the
/// report it is `"cut_by"` beside `"outcome": "timeout"` (the time is the record's `ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Who cut it.
    pub by: CutBy,
    /// How long it had waited.
    pub after: Duration,
}

impl Serialize for Cut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.by.serialize(s)
    }
}

impl ProbeOutcome {
    /// Who cut the probe short, if anyone did.
    pub fn cut_by(&self) -> Option<CutBy> {
        match (self.deadline_hit, self.interrupted) {
            (_, true) => Some(CutBy::Interrupt),
            (true, false) => Some(CutBy::Deadline),
            (false, false) => None,
        }
    }
}
