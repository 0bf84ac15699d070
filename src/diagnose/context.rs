//! What every rule shares: [`new_finding`], which fills a finding from the catalogue, and
//! [`Cx`], one mode of one outcome with the helpers its rules use.

use std::net::SocketAddr;

use super::catalogue;
use super::finding::{Finding, FindingId};
use super::words::quote;
use crate::probe::record::{Mode, ModeOutcome, ProbeOutcome};

/// A finding whose severity, fix and reference come from the catalogue, so that only
/// what was observed (summary, evidence) varies between occurrences.
pub(super) fn new_finding(
    id: FindingId,
    mode: Option<Mode>,
    summary: String,
    evidence: String,
) -> Finding {
    let entry = catalogue::entry(id);
    Finding {
        id,
        severity: entry.severity,
        mode,
        summary,
        evidence,
        fix: entry.fix.to_string(),
        reference: entry.reference.to_string(),
    }
}

/// What every rule of one mode needs to look at.
#[derive(Clone, Copy)]
pub(super) struct Cx<'a> {
    pub outcome: &'a ProbeOutcome,
    pub m: &'a ModeOutcome,
}

impl Cx<'_> {
    pub fn finding(&self, id: FindingId, summary: String, evidence: String) -> Finding {
        new_finding(id, Some(self.m.mode), summary, evidence)
    }

    pub fn peer(&self) -> Option<SocketAddr> {
        self.outcome.control.peer
    }

    /// `PASV was answered "227 ..."`, for evidence that starts from the request.
    pub fn exchange(&self) -> String {
        let sent = self.m.request.as_deref().unwrap_or("(nothing sent)");
        match &self.m.reply {
            Some(r) => format!("\"{sent}\" was answered {}", quote(r)),
            None => format!("\"{sent}\" got no reply"),
        }
    }
}
