//! Behind a load balancer with no source affinity (lb-no-affinity) each passive data
//! connection lands on one of the backends by chance: on the one whose session opened the
//! port it works, on another it is refused. A single-session client's fate is a draw, so
//! each client is walked twice, once winning every draw and once losing it: where both
//! walks end alike (a fallback to active mode, a client that asks again) the prediction
//! holds either way, otherwise it is "depends".

use super::facts::{Draw, Event, Facts, Path, request_name};
use super::fate::Fate;
use super::profile::Profile;
use super::{ClientStep, Prediction};
use crate::diagnose::FindingId;
use crate::probe::record::{DialResult, Mode, ModeOutcome, TransferResult};

impl Facts<'_> {
    /// Whether the probe found control and data connections landing on different
    /// servers (lb-no-affinity): passive data connections are draws.
    pub fn lb_draws(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.id == FindingId::LbNoAffinity)
    }

    /// Whether --repeat found a mode working in some rounds only (mode-intermittent):
    /// each client's try of it is a draw too.
    fn intermittent(&self, mode: Option<Mode>) -> bool {
        self.findings
            .iter()
            .any(|f| f.id == FindingId::ModeIntermittent && (mode.is_none() || f.mode == mode))
    }

    /// Whether any data connection is a draw: walk each client winning and losing it.
    pub fn draws(&self) -> bool {
        self.lb_draws() || self.intermittent(None)
    }

    /// What the walk's reason says a draw is about.
    pub fn draw_words(&self) -> &'static str {
        match self.lb_draws() {
            true => {
                "a draw between the backends behind one address (lb-no-affinity): when its \
                     data connection lands on the backend that opened the port the transfer works"
            }
            false => {
                "a mode that worked in some rounds of --repeat only (mode-intermittent): \
                      in a round like those the transfer works"
            }
        }
    }

    /// What a client meets on a mode whose data connection is a draw, `None` when it is
    /// not one (no load balancer, an active mode, a request refused) or when losing it
    /// is what the record shows (the mode's last failing round).
    pub(super) fn draw_event(&self, m: &ModeOutcome) -> Option<Event> {
        let draw = self.draw?;
        let lb = self.lb_draws() && m.mode.is_passive();
        if !lb && self.intermittent(Some(m.mode)) {
            let rounds = self
                .findings
                .iter()
                .find(|f| f.id == FindingId::ModeIntermittent && f.mode == Some(m.mode))
                .map(|f| f.summary.split(';').next().unwrap_or_default().to_string())
                .unwrap_or_default();
            return match draw {
                Draw::Win => Some(Event::Works(Some(format!("{rounds} (mode-intermittent)")))),
                Draw::Lose => None,
            };
        }
        if !lb || m.reply.as_ref().is_none_or(|r| r.code >= 400) {
            return None;
        }
        let name = request_name(m.mode);
        let attempts: Vec<&ModeOutcome> = std::iter::once(m)
            .chain(m.second_connection.as_deref())
            .collect();
        let worked = attempts.iter().filter(|a| transferred(a)).count();
        let refused = attempts.iter().filter(|a| refused(a)).count();
        let seen = format!(
            "the probe's {name} data connections: {worked} worked, {refused} refused \
             (lb-no-affinity)"
        );
        Some(match draw {
            Draw::Win => Event::Works(Some(format!(
                "its data connection lands on the backend that opened the port; {seen}"
            ))),
            Draw::Lose => Event::Refused(
                "the data connection lands on another backend, which refuses it (lb-no-affinity)"
                    .to_string(),
            ),
        })
    }

    /// The same facts, every draw going `draw`'s way.
    pub(super) fn drawn(&self, draw: Draw) -> Facts<'_> {
        Facts {
            outcome: self.outcome,
            findings: self.findings,
            draw: Some(draw),
        }
    }
}

/// The data modes walked as `data` (the walk's) does; behind a load balancer with no affinity, or
/// with a mode that worked in some rounds only, once winning every draw and once losing
/// it: "depends" where the two differ.
pub(super) fn drawn(
    p: &Profile,
    facts: &Facts,
    path: Path,
    data: fn(&Profile, &Facts, Path) -> Fate,
) -> Fate {
    if !facts.draws() {
        return data(p, facts, path);
    }
    let win = data(p, &facts.drawn(Draw::Win), path);
    let lose = data(p, &facts.drawn(Draw::Lose), path);
    if win.prediction == lose.prediction || lose.prediction == Prediction::Depends {
        return lose;
    }
    Fate::depends(
        lose.step.unwrap_or(ClientStep::DataConnect),
        format!(
            "{}, otherwise {}: {}",
            facts.draw_words(),
            lose.prediction.as_str(),
            lose.reason
        ),
    )
}

fn transferred(m: &ModeOutcome) -> bool {
    m.transfer
        .as_ref()
        .is_some_and(|t| t.outcome == TransferResult::Ok)
}

fn refused(m: &ModeOutcome) -> bool {
    m.dials.iter().any(|d| d.outcome == DialResult::Refused)
        && !m.dials.iter().any(|d| d.outcome == DialResult::Connected)
}

#[cfg(test)]
#[path = "draw_tests.rs"]
mod tests;
