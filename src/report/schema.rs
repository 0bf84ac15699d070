//! The types of schema v1 (docs/report-schema.md), in one place: the report itself with
//! each mode's status and the verdict, and, re-exported, the probe's plain records and
//! the findings it carries. Every printer reads these and nothing else.
//!
//! Field names, renames and omissions are the `serde` attributes on each type; enum
//! names on the wire come from each enum's one table (`crate::wire::wire_enum`).

use serde::Serialize;

pub use super::timeline::{TimelineEntry, TimelineEvent};
use crate::diagnose::clients::ClientPrediction;
pub use crate::diagnose::{Finding, FindingId, Severity, Summary};
use crate::diagnose::{by_cause, summarize};
pub use crate::probe::record::{
    AcceptRecord, AcceptResult, Advertised, CertRecord, ConnectRecord, ControlOutcome,
    DataTlsRecord, DialRecord, DialResult, DialWhy, DnsRecord, ErrorKind, Login, Mode, ModeOutcome,
    PlaintextCheck, ProbeOutcome, QueryOutcome, QueryRecord, QueryType, ReplyRecord, SampleOutcome,
    SamplePort, ServerView, SkipReason, Skipped, Stage, StepError, Strategy, TargetInfo, Tls,
    TlsFailureReason, TlsFailureRecord, TlsMode, TlsRecord, TranscriptEntry, TransferRecord,
    TransferResult,
};
use crate::wire::{ms, wire_enum};

/// The schema name every report carries.
pub const SCHEMA: &str = "ftpdoctor.report/v1";

wire_enum! {
    /// One mode's status, from the findings about it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        Ok = "ok",
        Warn = "warn",
        Fail = "fail",
        Skipped = "skipped",
    }
}

wire_enum! {
    /// The whole report's verdict: the most severe finding's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Verdict {
        Ok = "ok",
        Warn = "warn",
        Fail = "fail",
    }
}

/// One mode's record with its status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeReport {
    #[serde(flatten)]
    pub outcome: ModeOutcome,
    pub status: Status,
}

/// One target's report, in the shape of schema `ftpdoctor.report/v1`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub target: TargetInfo,
    pub control: ControlOutcome,
    pub modes: Vec<ModeReport>,
    /// Root causes first, each followed by the findings it explains, then by severity.
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    /// The answer at a glance: modes that work, the root cause, the one fix.
    pub summary: Summary,
    pub strategy: Strategy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reply: Option<ReplyRecord>,
    /// The plaintext session compared with the TLS one (FTPS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext_check: Option<PlaintextCheck>,
    pub deadline_hit: bool,
    /// The user interrupted the probe (Ctrl-C); absent otherwise. `deadline_hit` is
    /// then set too: the probe ended as at its deadline, with what it had seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    pub deadline_ms: f64,
    pub elapsed_ms: f64,
    /// Only with --transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<TranscriptEntry>>,
    /// Only with --sample-ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleOutcome>,
    /// What each client profile would do (`--clients`); docs/clients.md.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientPrediction>,
    /// Every event of the probe, in time order.
    pub timeline: Vec<TimelineEntry>,
    /// Events past the timeline's cap, not kept (absent when none were dropped).
    #[serde(skip_serializing_if = "is_zero")]
    pub timeline_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Report {
    /// The report of one probe: statuses and verdict from the findings.
    pub fn new(outcome: ProbeOutcome, findings: Vec<Finding>, with_transcript: bool) -> Report {
        let grouped = by_cause(findings);
        let summary = summarize(&outcome, &grouped);
        let findings = grouped.findings;
        let modes = outcome
            .modes
            .into_iter()
            .map(|m| {
                let status = mode_status(&m, &findings);
                ModeReport { outcome: m, status }
            })
            .collect();
        Report {
            schema: SCHEMA,
            target: outcome.target,
            control: outcome.control,
            modes,
            verdict: verdict(&findings),
            findings,
            summary,
            strategy: outcome.strategy,
            fallback_reply: outcome.fallback_reply,
            plaintext_check: outcome.plaintext_check,
            deadline_hit: outcome.deadline_hit,
            interrupted: outcome.interrupted,
            deadline_ms: ms(&outcome.deadline),
            elapsed_ms: ms(&outcome.elapsed),
            transcript: with_transcript.then_some(outcome.transcript),
            sample: outcome.sample,
            clients: Vec::new(),
            timeline: outcome.timeline.iter().map(TimelineEntry::from).collect(),
            timeline_dropped: outcome.timeline_dropped,
        }
    }

    /// The most severe finding, if any: what `--fail-on` compares against.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

fn mode_status(mode: &ModeOutcome, findings: &[Finding]) -> Status {
    if mode.skipped.is_some() {
        return Status::Skipped;
    }
    let worst = findings
        .iter()
        .filter(|f| f.mode == Some(mode.mode))
        .map(|f| f.severity)
        .max();
    match worst {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warn) => Status::Warn,
        _ => Status::Ok,
    }
}

fn verdict(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error) => Verdict::Fail,
        Some(Severity::Warn) => Verdict::Warn,
        _ => Verdict::Ok,
    }
}
