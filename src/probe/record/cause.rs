//! Why a step failed, kept typed beside the words the report shows (`StepError.detail`,
//! `TransferRecord.error`, `TlsRecord.auth_error`): a reader that needs to know what
//! happened matches on this instead of taking the words apart. Not in the JSON: the
//! words are the schema's.

use std::io;
use std::time::Duration;

use super::TlsFailureReason;
use crate::proto::ReplyError;

/// What ended a step, as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// No complete reply within the step's limit.
    NoReply {
        /// What the step waited for (a command's verb, the banner, ...).
        waiting_for: String,
        /// The limit that ran out.
        after: Duration,
    },
    /// The server did not take a command within the step's limit.
    SendTimeout {
        /// The limit that ran out.
        after: Duration,
    },
    /// The server (or something on the path) closed the connection.
    Closed {
        /// Part of a reply had come.
        mid_reply: bool,
    },
    /// The socket failed; the system's kind of error.
    Io(io::ErrorKind),
    /// The server's bytes were no reply within the limits.
    Frame(ReplyError),
    /// A command that cannot go on the wire (a CR or LF in its argument).
    Unsendable,
    /// Plaintext bytes came after 234, before the TLS handshake.
    PlaintextBeforeTls,
    /// An earlier step left the control connection out of step.
    OutOfStep,
    /// A TLS handshake failed.
    Tls(TlsFailureReason),
    /// The data stopped coming: nothing for `after`, `bytes` into the transfer.
    DataStalled {
        /// The step's limit that ran out.
        after: Duration,
        /// Data bytes read before it stalled.
        bytes: u64,
    },
}
