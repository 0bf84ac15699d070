//! The data connection's records: each dial (passive), the accept (active), and the
//! transfer over it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

use super::DataTlsRecord;
use super::{ReplyRecord, Stage, serialize_display, serialize_display_opt, serialize_ms};
use crate::addr::AddrClass;
use crate::net::DialOutcome;

/// Why a data dial was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DialWhy {
    /// The address the 227 advertised (it is the control peer, or --follow-advertised).
    Advertised,
    /// The control peer with the advertised port, in place of an address we may not dial.
    ControlPeerSubstitute,
    /// The control peer with the 229's port.
    Epsv,
}

/// How a dial ended; `SkippedPolicy` means the safety rules forbade dialling at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DialResult {
    Connected,
    Refused,
    Timeout,
    Unreachable,
    SkippedPolicy,
}

impl From<DialOutcome> for DialResult {
    fn from(outcome: DialOutcome) -> DialResult {
        match outcome {
            DialOutcome::Connected => DialResult::Connected,
            DialOutcome::Refused => DialResult::Refused,
            DialOutcome::Timeout => DialResult::Timeout,
            DialOutcome::Unreachable => DialResult::Unreachable,
        }
    }
}

impl DialResult {
    pub fn as_str(self) -> &'static str {
        match self {
            DialResult::Connected => "connected",
            DialResult::Refused => "refused",
            DialResult::Timeout => "timeout",
            DialResult::Unreachable => "unreachable",
            DialResult::SkippedPolicy => "skipped-policy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DialRecord {
    #[serde(serialize_with = "serialize_display")]
    pub addr: SocketAddr,
    pub why: DialWhy,
    pub outcome: DialResult,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// What the system said (or why policy forbade it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The control connection's own TCP connect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectRecord {
    #[serde(serialize_with = "serialize_display")]
    pub addr: SocketAddr,
    pub outcome: DialResult,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Advertised {
    #[serde(serialize_with = "serialize_display")]
    pub ip: IpAddr,
    pub port: u16,
    #[serde(serialize_with = "serialize_display")]
    pub class: AddrClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptResult {
    Accepted,
    Timeout,
    /// Our own listener failed: not the server's doing.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptRecord {
    /// Where we listened, and what PORT/EPRT told the server.
    #[serde(serialize_with = "serialize_display")]
    pub listen: SocketAddr,
    #[serde(serialize_with = "serialize_display_opt")]
    pub from: Option<SocketAddr>,
    pub outcome: AcceptResult,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// The server connected before we sent LIST/RETR (pyftpdlib does, during PORT).
    pub during_request: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferResult {
    Ok,
    Failed,
    Timeout,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferRecord {
    /// `LIST /pub/` or `RETR /pub/readme.txt`.
    pub command: String,
    pub outcome: TransferResult,
    pub bytes: u64,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// The 1yz, when the server sent one (some send none).
    pub preliminary_reply: Option<ReplyRecord>,
    pub final_reply: Option<ReplyRecord>,
    /// Where it stopped, when it did not finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled_at: Option<Stage>,
    /// What went wrong, in words, when no reply says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The probe stopped reading at its size limit: the data path works, and the rest
    /// of the file is not the probe's business.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The data connection's own handshake, under PROT P.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<DataTlsRecord>,
}
