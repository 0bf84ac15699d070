//! Long and large transfers: the full-size packet check (`size_check`), the idle
//! measurement (`--idle`, `idle`) and the upload (`--upload`, `upload`).

use std::time::Duration;

use serde::Serialize;

use super::{Mode, ReplyRecord, StepError, TryError};
use crate::wire::{serialize_ms, wire_enum};

/// Most bytes the full-size packet check reads: a few hundred full-size segments on any
/// path, enough to fill a congestion window past the first packets; stopping here is the
/// check's own limit, not `transfer-capped`.
pub const SIZE_CHECK_BYTES: u64 = 256 * 1024;

wire_enum! {
    /// How the full-size packet check ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SizeOutcome {
        /// The first try (the system's MSS) read the file or the check's limit.
        Ok = "ok",
        /// The first try stalled: no byte for --timeout.
        Stalled = "stalled",
        /// Not run; `skipped_why` says why.
        Skipped = "skipped",
    }
}

wire_enum! {
    /// How one try of a transfer ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryOutcome {
        /// The file, or the check's limit, arrived (for an upload: 226 and the right size).
        Ok = "ok",
        /// No byte for --timeout (for an upload: no 226 within --timeout).
        Stalled = "stalled",
        /// The server refused, or the connection failed before any data.
        Failed = "failed",
    }
}

/// One try of a transfer at one MSS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MssTry {
    /// The TCP_MAXSEG set before the handshake; `null`: the system's own.
    pub mss_set: Option<u32>,
    /// TCP_MAXSEG read back once connected (Linux reads back 1188 for 1200 with TCP
    /// timestamps); `null` when no data connection was made.
    pub mss_read_back: Option<u32>,
    /// Bytes moved.
    pub bytes: u64,
    /// How the try ended.
    pub outcome: TryOutcome,
    /// The completion reply, or the refusal, when one came.
    pub reply: Option<ReplyRecord>,
    /// What went wrong, in words, when no reply says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The same, typed (not in the JSON: the words are the schema's).
    #[serde(skip)]
    pub cause: Option<TryError>,
    /// How long the try took.
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
}

impl MssTry {
    /// A try under way: nothing moved yet.
    pub fn new(mss_set: Option<u32>) -> MssTry {
        MssTry {
            mss_set,
            mss_read_back: None,
            bytes: 0,
            outcome: TryOutcome::Failed,
            reply: None,
            error: None,
            cause: None,
            elapsed: Duration::ZERO,
        }
    }

    /// Ends the try with `why`: its words for the report, the value for a reader.
    pub fn fail(&mut self, why: TryError) {
        self.error = Some(why.to_string());
        self.cause = Some(why);
    }

    /// Stalled before one segment of its own MSS came through: only small packets
    /// passed, which is what a path-MTU black hole looks like.
    pub fn stalled_below_one_segment(&self) -> bool {
        self.outcome == TryOutcome::Stalled
            && self
                .mss_read_back
                .is_none_or(|mss| self.bytes < u64::from(mss))
    }
}

/// The full-size packet check: one transfer big enough to fill full-size packets, and
/// after a stall the same with a lowered MSS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeCheck {
    /// The mode it ran on (passive preferred); `null` when skipped before choosing.
    pub mode: Option<Mode>,
    /// The file fetched.
    pub path: Option<String>,
    /// Its size, when a listing or SIZE said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Bytes the first try read.
    pub bytes: u64,
    /// How it ended.
    pub outcome: SizeOutcome,
    /// Why it did not run.
    pub skipped_why: Option<String>,
    /// Each try's TCP_MAXSEG set (`null`: the system's).
    pub mss_set: Vec<Option<u32>>,
    /// Each try's TCP_MAXSEG read back.
    pub mss_read_back: Vec<Option<u32>>,
    /// Bytes read when the first try stalled.
    pub stalled_at_bytes: Option<u64>,
    /// Each try in full.
    pub tries: Vec<MssTry>,
}

impl SizeCheck {
    /// A check that did not run, and why.
    pub fn skipped(mode: Option<Mode>, why: impl Into<String>) -> SizeCheck {
        SizeCheck {
            mode,
            path: None,
            size: None,
            bytes: 0,
            outcome: SizeOutcome::Skipped,
            skipped_why: Some(why.into()),
            mss_set: Vec::new(),
            mss_read_back: Vec::new(),
            stalled_at_bytes: None,
            tries: Vec::new(),
        }
    }

    /// Adds a finished try and brings the summary fields up to date.
    pub fn push(&mut self, done: MssTry) {
        if self.tries.is_empty() {
            self.bytes = done.bytes;
            self.outcome = match done.outcome {
                TryOutcome::Stalled => SizeOutcome::Stalled,
                _ => SizeOutcome::Ok,
            };
            self.stalled_at_bytes = (done.outcome == TryOutcome::Stalled).then_some(done.bytes);
        }
        self.mss_set.push(done.mss_set);
        self.mss_read_back.push(done.mss_read_back);
        self.tries.push(done);
    }

    /// The first try stalled below one segment and a lowered MSS then passed: the
    /// black hole is proven. Returns (the stalled try, the try that passed).
    pub fn proven_black_hole(&self) -> Option<(&MssTry, &MssTry)> {
        let first = self.tries.first()?;
        if !first.stalled_below_one_segment() {
            return None;
        }
        let passed = self
            .tries
            .iter()
            .skip(1)
            .find(|t| t.outcome == TryOutcome::Ok)?;
        Some((first, passed))
    }
}

wire_enum! {
    /// How an idle control connection was lost.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IdleLoss {
        /// The NOOP was answered with a RST (AWS NLB; a router answering a forgotten flow).
        Reset = "reset",
        /// The NOOP got no answer within --timeout (Azure LB by default; a firewall that
        /// drops what it no longer knows).
        Silent = "silent",
        /// A FIN without a 421 (HAProxy's `timeout client`).
        Closed = "closed",
        /// The server's own idle timeout said 421 (vsftpd idle_session_timeout).
        Server421 = "421",
    }
}

/// One idle control connection: how long it stayed idle and what its NOOP met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleTry {
    /// How long it stayed idle before the NOOP, in seconds.
    pub idle_s: f64,
    /// `null` when the NOOP was answered: the connection survived.
    pub lost: Option<IdleLoss>,
    /// The reply to the NOOP (or the 421 that came unasked).
    pub reply: Option<ReplyRecord>,
    /// What went wrong, in words, when no reply says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `--idle D`: how long the path keeps an idle control connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleCheck {
    /// The longest idle time that survived, in seconds; `null` when none did.
    pub survived_s: Option<f64>,
    /// The shortest idle time that was lost, in seconds; `null` when none was.
    pub lost_s: Option<f64>,
    /// How the shortest lost one was lost; `null` when none was.
    pub how: Option<IdleLoss>,
    /// The longest idle time asked for (--idle), in seconds.
    pub asked_s: f64,
    /// Each connection, shortest idle time first.
    pub tries: Vec<IdleTry>,
    /// A connection that could not be opened or logged in, when one could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// A 421 at login on the extra connections: a per-IP connection limit (vsftpd
    /// max_per_ip, Pure-FTPd -C), not an idle timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_refused: Option<ReplyRecord>,
}

impl IdleCheck {
    /// Fills in `survived_s`, `lost_s` and `how` from the tries.
    pub fn conclude(&mut self) {
        self.tries.sort_by(|a, b| {
            a.idle_s
                .partial_cmp(&b.idle_s)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        self.survived_s = self
            .tries
            .iter()
            .filter(|t| t.lost.is_none())
            .map(|t| t.idle_s)
            .reduce(f64::max);
        let first_lost = self.tries.iter().find(|t| t.lost.is_some());
        self.lost_s = first_lost.map(|t| t.idle_s);
        self.how = first_lost.and_then(|t| t.lost);
    }
}

wire_enum! {
    /// How the DELE after an upload went.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DeleOutcome {
        /// Deleted.
        Ok = "ok",
        /// Refused or not answered: the file is left behind.
        Failed = "failed",
    }
}

/// One STOR: what was sent and what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreTry {
    /// Bytes of the file.
    pub size: u64,
    /// Each try at one MSS; the first at the system's.
    pub tries: Vec<MssTry>,
    /// SIZE after the 226, when the server answered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_after: Option<u64>,
}

/// `--upload`: a small and a 256 KiB file stored under a unique name, then deleted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadCheck {
    /// The name used (`ftpdoctor-<random>.tmp`), in the URL's directory.
    pub name: String,
    /// The small file.
    pub small: Option<StoreTry>,
    /// The 256 KiB file (not sent when the small one failed).
    pub large: Option<StoreTry>,
    /// How the DELE went; `null` when nothing was stored.
    pub dele: Option<DeleOutcome>,
    /// The DELE's reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dele_reply: Option<ReplyRecord>,
    /// A file by this name is still on the server.
    pub left_behind: bool,
    /// The mode the uploads used.
    pub mode: Option<Mode>,
    /// Why the upload did not run, or stopped before a STOR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_why: Option<String>,
}
