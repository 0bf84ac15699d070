//! Where a probe's step went wrong and how: the stage, the kind, and the step error the
//! report carries (its words, the reply, and the typed cause beside them).

use serde::Serialize;

use super::{Cause, Cut, ReplyRecord};
use crate::proto::ReplyError;
use crate::wire::wire_enum;

wire_enum! {
    /// The step of a probe, for errors, timeouts and a deadline that struck mid-way.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Stage {
        /// Resolving the target's name.
        Resolve = "resolve",
        /// The TCP connect to the control port.
        Connect = "connect",
        /// Waiting for the 220 greeting.
        Banner = "banner",
        /// AUTH TLS and the handshake (or the handshake at once, for implicit FTPS).
        Tls = "tls",
        /// USER and PASS.
        Login = "login",
        /// FEAT.
        Features = "features",
        /// Waiting for the reply to PASV/EPSV/PORT/EPRT.
        Request = "request",
        /// Dialling the passive data port.
        DataConnect = "data-connect",
        /// Waiting for the server to connect back (active modes).
        Accept = "accept",
        /// Sending LIST/RETR and waiting for its 1yz.
        TransferStart = "transfer-start",
        /// The data connection's TLS handshake (PROT P).
        DataTls = "data-tls",
        /// Reading the data connection.
        TransferData = "transfer-data",
        /// Waiting for the 226 after the data.
        TransferEnd = "transfer-end",
    }
}

wire_enum! {
    /// How a step failed when it failed on the control connection rather than with a reply.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ErrorKind {
        /// No answer within --timeout.
        Timeout = "timeout",
        /// The server closed the control connection.
        Closed = "closed",
        /// The server answered with a code this step cannot go on from.
        UnexpectedReply = "unexpected-reply",
        /// The reply could not be framed (line too long, too many lines, not a reply).
        BadReply = "bad-reply",
        /// A socket error, or the connection was already out of step.
        Io = "io",
        /// The server refused this extra connection (421): the runner fell back to one.
        Refused = "refused",
        /// The TLS handshake failed.
        Tls = "tls",
    }
}

/// A step that went wrong, with the stage and what happened in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepError {
    /// Where it went wrong.
    pub stage: Stage,
    /// How it went wrong.
    pub kind: ErrorKind,
    /// What happened, in words, for the report's evidence.
    pub detail: String,
    /// The reply that ended the step, when one did.
    pub reply: Option<ReplyRecord>,
    /// Why the server's bytes were no reply, when that ended the step: `detail` then
    /// reads "bad reply: ..." for the report, and the diagnosis, which names the kind
    /// itself, quotes this instead of taking the words apart.
    #[serde(skip)]
    pub frame: Option<ReplyError>,
    /// What ended the step, typed, when something other than a reply did (`detail`
    /// says it in words). Boxed: a step error travels in every `Result` of the probe.
    #[serde(skip)]
    pub cause: Option<Box<Cause>>,
    /// Set when the deadline or the user, not the step's own timeout, ended the wait
    /// (`kind` is then `timeout`).
    #[serde(rename = "cut_by", skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}

impl StepError {
    /// A failure no reply stands for (a timeout, a socket error, a local problem).
    pub fn new(stage: Stage, kind: ErrorKind, detail: impl Into<String>) -> StepError {
        StepError {
            stage,
            kind,
            detail: detail.into(),
            reply: None,
            frame: None,
            cause: None,
            cut: None,
        }
    }

    /// A wait at `stage` that `cut` ended.
    pub fn cut(stage: Stage, cut: Cut, detail: impl Into<String>) -> StepError {
        StepError {
            cut: Some(cut),
            ..StepError::new(stage, ErrorKind::Timeout, detail)
        }
    }
}
