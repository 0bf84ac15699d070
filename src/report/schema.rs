//! The types of schema v1 (docs/report-schema.md), in one place: the report itself with
//! each mode's status and the verdict, and, re-exported, the probe's plain records and
//! the findings it carries. Every printer reads these and nothing else.
//!
//! Field names, renames and omissions are the `serde` attributes on each type; enum
//! names on the wire come from each enum's one table (`crate::wire::wire_enum`).

use serde::Serialize;

use crate::diagnose::clients::ClientPrediction;
use crate::diagnose::{Allow, by_cause, refusal, summarize};
pub use crate::diagnose::{Finding, FindingId, Severity, Summary};
pub use crate::probe::record::{
    AcceptRecord, AcceptResult, Advertised, CertRecord, ConnectRecord, ControlOutcome,
    DataTlsRecord, DialRecord, DialResult, DialWhy, DnsRecord, ErrorKind, Login, Mode, ModeOutcome,
    PlaintextCheck, ProbeOutcome, QueryOutcome, QueryRecord, QueryType, ReplyRecord, ReuseCheck,
    SampleOutcome, SamplePort, ServerView, SkipReason, Skipped, Stage, StepError, Strategy,
    TargetInfo, Tls, TlsFailureReason, TlsFailureRecord, TlsMode, TlsRecord, TranscriptEntry,
    TransferRecord, TransferResult,
};
pub use crate::probe::record::{
    DeleOutcome, IdleCheck, IdleLoss, IdleTry, MssTry, SizeCheck, SizeOutcome, StoreTry,
    TryOutcome, UploadCheck,
};
pub use crate::timeline::{CloseHow, Closer, Conn, Event, Stamped};
use crate::wire::{ms, wire_enum};

/// The schema name every report carries.
pub const SCHEMA: &str = "ftpdoctor.report/v1";

wire_enum! {
    /// One mode's status, from the findings about it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        /// It worked; no warning or error concerns it.
        Ok = "ok",
        /// It worked, with warnings.
        Warn = "warn",
        /// It failed: an error-level finding concerns it.
        Fail = "fail",
        /// The server does not offer it (502/504, "not implemented"): no data connection was
        /// made, and none of its findings is an error. Precedence: skipped > fail > refused >
        /// warn > ok.
        Refused = "refused",
        /// It was not attempted (`skipped` says why).
        Skipped = "skipped",
    }
}

wire_enum! {
    /// The whole report's verdict: the most severe finding's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Verdict {
        /// No findings above info.
        Ok = "ok",
        /// A warning, no error.
        Warn = "warn",
        /// At least one error.
        Fail = "fail",
    }
}

/// One mode's record with its status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeReport {
    /// The mode's record, its fields at the top level of the JSON object.
    #[serde(flatten)]
    pub outcome: ModeOutcome,
    /// The mode's status, from the findings about it.
    pub status: Status,
    /// --repeat N: in how many rounds the mode's status was ok or warn (absent when N is 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok_rounds: Option<u32>,
}

/// One target's report, in the shape of schema `ftpdoctor.report/v1`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`], so that a reader can tell the version.
    pub schema: &'static str,
    /// The target as given and as resolved.
    pub target: TargetInfo,
    /// The first control session.
    pub control: ControlOutcome,
    /// One entry per mode, in --modes order.
    pub modes: Vec<ModeReport>,
    /// Root causes first, each followed by the findings it explains, then by severity.
    pub findings: Vec<Finding>,
    /// Findings `--allow` accepted: still in `findings` and in the verdict, not counted
    /// for the exit code (absent when none were).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<Waived>,
    /// The worst finding's severity, as the verdict.
    pub verdict: Verdict,
    /// The answer at a glance: modes that work, the root cause, the one fix.
    pub summary: Summary,
    /// How the modes shared control connections.
    pub strategy: Strategy,
    /// The reply that refused an extra control connection, when the runner fell back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reply: Option<ReplyRecord>,
    /// The plaintext session compared with the TLS one (FTPS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext_check: Option<PlaintextCheck>,
    /// FTPS: one more data connection without resuming the TLS session, after one that
    /// resumed (absent when not made): whether the server requires reuse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_reuse_check: Option<ReuseCheck>,
    /// --deadline struck before the probe finished.
    pub deadline_hit: bool,
    /// The user interrupted the probe (Ctrl-C); absent otherwise. `deadline_hit` is
    /// then set too: the probe ended as at its deadline, with what it had seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// The --deadline that applied, in ms.
    pub deadline_ms: f64,
    /// How long the whole probe took, in ms.
    pub elapsed_ms: f64,
    /// --repeat N: the rounds run (absent when N is 1). Each mode's `ok_rounds` says in
    /// how many it worked; its details are from its last failing round, or the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u32>,
    /// Only with --transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<TranscriptEntry>>,
    /// Only with --sample-ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleOutcome>,
    /// The full-size packet check (absent with --size-check off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_check: Option<SizeCheck>,
    /// Only with --idle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle: Option<IdleCheck>,
    /// Only with --upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadCheck>,
    /// What each client profile would do (`--clients`); docs/clients.md.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientPrediction>,
    /// Every event of the probe, in time order.
    pub timeline: Vec<Stamped>,
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
                ModeReport {
                    outcome: m,
                    status,
                    ok_rounds: None,
                }
            })
            .collect();
        Report {
            schema: SCHEMA,
            target: outcome.target,
            control: outcome.control,
            modes,
            verdict: verdict(&findings),
            findings,
            waived: Vec::new(),
            summary,
            strategy: outcome.strategy,
            fallback_reply: outcome.fallback_reply,
            plaintext_check: outcome.plaintext_check,
            tls_reuse_check: outcome.reuse_check,
            deadline_hit: outcome.deadline_hit,
            interrupted: outcome.interrupted,
            deadline_ms: ms(&outcome.deadline),
            elapsed_ms: ms(&outcome.elapsed),
            rounds: None,
            transcript: with_transcript.then_some(outcome.transcript),
            sample: outcome.sample,
            size_check: outcome.size_check,
            idle: outcome.idle,
            upload: outcome.upload,
            clients: Vec::new(),
            timeline: outcome.timeline,
            timeline_dropped: outcome.timeline_dropped,
        }
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The most severe finding `--allow` did not waive: what `--fail-on` compares against.
    pub fn worst_counted(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| !self.is_waived(f))
            .map(|f| f.severity)
            .max()
    }

    /// Whether `--allow` waived `finding`.
    pub fn is_waived(&self, finding: &Finding) -> bool {
        self.waived
            .iter()
            .any(|w| w.id == finding.id && w.mode == finding.mode)
    }

    /// Marks every finding an entry of `allow` covers as waived, once each.
    pub fn waive(&mut self, allow: &[Allow]) {
        for f in &self.findings {
            let Some(by) = allow.iter().find(|a| a.covers(f)) else {
                continue;
            };
            if !self.is_waived(f) {
                self.waived.push(Waived {
                    id: f.id,
                    mode: f.mode,
                    severity: f.severity,
                    allowed_by: by.to_string(),
                });
            }
        }
    }
}

/// A finding `--allow` accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// The finding's id.
    pub id: FindingId,
    /// The mode of the finding (`null`: the control connection).
    pub mode: Option<Mode>,
    /// The finding's severity, which no longer counts for the exit code.
    pub severity: Severity,
    /// The `--allow` entry that covers it, as `ID` or `ID@MODE`.
    pub allowed_by: String,
}

/// skipped > fail > refused > warn > ok: a mode the server does not offer (see
/// [`crate::diagnose::refusal`]) is `refused` unless an error finding concerns it.
fn mode_status(mode: &ModeOutcome, findings: &[Finding]) -> Status {
    // An active mode told "no such path" before the server connected back never
    // exercised its data path: `skipped` (the session never got that far), not `ok`.
    let path_not_found = findings
        .iter()
        .any(|f| f.id == crate::diagnose::FindingId::PathNotFound);
    if mode.skipped.is_some() || (path_not_found && crate::diagnose::not_exercised(mode)) {
        return Status::Skipped;
    }
    let worst = findings
        .iter()
        .filter(|f| f.mode == Some(mode.mode))
        .map(|f| f.severity)
        .max();
    match worst {
        Some(Severity::Error) => Status::Fail,
        _ if refusal(mode).is_some() => Status::Refused,
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
