//! The data connection's records: each dial (passive), the accept (active), and the
//! transfer over it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

use super::DataTlsRecord;
use super::{Cut, ReplyRecord, Stage};
use crate::addr::AddrClass;
use crate::wire::{serialize_display, serialize_display_opt, serialize_ms, wire_enum};

wire_enum! {
    /// Why a data dial was made.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DialWhy {
        /// The address the 227 advertised (it is the control peer, or --follow-advertised).
        Advertised = "advertised",
        /// The control peer with the advertised port, in place of an address we may not dial.
        ControlPeerSubstitute = "control-peer-substitute",
        /// The control peer with the 229's port.
        Epsv = "epsv",
    }
}

wire_enum! {
    /// How a dial ended; `SkippedPolicy` means the safety rules forbade dialling at all.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DialResult {
        /// The TCP handshake completed.
        Connected = "connected",
        /// The connect was refused: a RST (nothing listens) or an ICMP port-unreachable
        /// (a firewall's reject), which the system reports alike.
        Refused = "refused",
        /// No answer to the SYN within --timeout: a firewall drops.
        Timeout = "timeout",
        /// No route (ICMP unreachable).
        Unreachable = "unreachable",
        /// Not dialled: the address is one the safety rules keep us from (see `error`).
        SkippedPolicy = "skipped-policy",
    }
}

/// One dial of a passive data port.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DialRecord {
    /// The address dialled.
    #[serde(serialize_with = "serialize_display")]
    pub addr: SocketAddr,
    /// Why this address was dialled.
    pub why: DialWhy,
    /// How the dial ended.
    pub outcome: DialResult,
    /// How long the dial took.
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// What the system said (or why policy forbade it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set when the deadline or the user, not --timeout, ended the wait.
    #[serde(rename = "cut_by", skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
    /// Through a proxy that would not connect: what it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<super::ProxyAnswer>,
}

/// The control connection's own TCP connect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectRecord {
    /// The address dialled.
    #[serde(serialize_with = "serialize_display")]
    pub addr: SocketAddr,
    /// How the connect ended.
    pub outcome: DialResult,
    /// How long the connect took.
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// What the system said, when the connect failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set when the deadline or the user, not --timeout, ended the wait.
    #[serde(rename = "cut_by", skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}

/// What a 227 advertised, and what kind of address it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Advertised {
    /// The address as advertised.
    #[serde(serialize_with = "serialize_display")]
    pub ip: IpAddr,
    /// The port as advertised.
    pub port: u16,
    /// What kind of address it is (private, public, loopback, ...): the diagnosis hinges on it.
    #[serde(serialize_with = "serialize_display")]
    pub class: AddrClass,
}

wire_enum! {
    /// How waiting for the server's data connection ended (active modes).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AcceptResult {
        /// The server connected.
        Accepted = "accepted",
        /// The server did not connect within --timeout.
        Timeout = "timeout",
        /// Our own listener failed: not the server's doing.
        Failed = "failed",
    }
}

/// The wait for the server's data connection (active modes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptRecord {
    /// Where we listened, and what PORT/EPRT told the server.
    #[serde(serialize_with = "serialize_display")]
    pub listen: SocketAddr,
    /// Where the server's connection came from; the diagnosis compares it with the control peer.
    #[serde(serialize_with = "serialize_display_opt")]
    pub from: Option<SocketAddr>,
    /// How the wait ended.
    pub outcome: AcceptResult,
    /// How long we waited.
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// The server connected before we sent LIST/RETR (pyftpdlib does, during PORT).
    pub during_request: bool,
    /// Set when the deadline or the user, not --timeout, ended the wait.
    #[serde(rename = "cut_by", skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}

wire_enum! {
    /// How a transfer ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TransferResult {
        /// The data arrived and the server confirmed it (2yz).
        Ok = "ok",
        /// The server refused the transfer or the data connection broke.
        Failed = "failed",
        /// A stage waited --timeout (`error.stage` says which).
        Timeout = "timeout",
    }
}

/// How long the final reply may take once we hung up at the size limit. A server answers
/// a hang-up at once (426, or 226 if it was done writing); a whole --timeout more per mode
/// would be spent on a server that never does, for nothing the report needs. Here beside
/// the record because the diagnosis quotes it when the reply did not come.
pub const CAPPED_REPLY_WAIT: Duration = Duration::from_secs(1);

/// The command that moves data, kept typed beside its text so that the replies it is
/// waiting for are named without taking the text apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferVerb {
    /// A directory listing.
    List,
    /// A file's contents.
    Retr,
}

impl TransferVerb {
    /// The command's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferVerb::List => "LIST",
            TransferVerb::Retr => "RETR",
        }
    }
}

/// One LIST or RETR over a data connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferRecord {
    /// `LIST /pub/` or `RETR /pub/readme.txt`.
    pub command: String,
    /// LIST or RETR, kept typed so no one splits it back out of `command`.
    #[serde(skip)]
    pub verb: TransferVerb,
    /// How the transfer ended.
    pub outcome: TransferResult,
    /// Data bytes read, up to the transfer cap.
    pub bytes: u64,
    /// From sending LIST/RETR to the final reply (or the failure).
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    /// The 1yz, when the server sent one (some send none).
    pub preliminary_reply: Option<ReplyRecord>,
    /// The 226 (or the refusal) that ended it.
    pub final_reply: Option<ReplyRecord>,
    /// Where it stopped, when it did not finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled_at: Option<Stage>,
    /// What went wrong, in words, when no reply says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What went wrong, typed, beside `error`'s words.
    #[serde(skip)]
    pub cause: Option<super::Cause>,
    /// The probe stopped reading at its size limit: the data path works, and the rest
    /// of the file is not the probe's business.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The data connection's own handshake, under PROT P.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<DataTlsRecord>,
    /// Set when the deadline or the user, not --timeout, ended the wait.
    #[serde(rename = "cut_by", skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}
