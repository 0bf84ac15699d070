//! What ended one try of a bulk transfer (the size check, the upload) before its data or
//! a reply said so: a value until the record is written. `MssTry.error` holds its words
//! (the JSON's), `MssTry.cause` the value, as `StepError` keeps `detail` and `cause`.
//! The words name what happened on the network (refused, timed out, reset) as the dial
//! records do, never the operating system's own text and error number.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::{Cause, CutBy, DialResult, ReplyRecord};
use crate::wire::human;

/// Why a try ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryError {
    /// No logged-in session to try on; the session's failure in words.
    NoSession(String),
    /// A command could not be sent, or its reply did not come.
    Control {
        /// The command's verb.
        verb: String,
        /// What the control connection said.
        cause: Cause,
    },
    /// The server refused a command.
    Refused {
        /// The command's verb.
        verb: String,
        /// Its reply.
        reply: ReplyRecord,
    },
    /// The passive reply named no usable port; the parser's words.
    BadAddress {
        /// EPSV or PASV.
        verb: String,
        /// Why the reply could not be read.
        why: String,
    },
    /// The data connection could not be made.
    Dial {
        /// Where to.
        to: SocketAddr,
        /// How the dial ended (never `connected`).
        outcome: DialResult,
        /// The system's kind of error, when it gave one.
        kind: Option<io::ErrorKind>,
    },
    /// The probe could not listen for the server's connection.
    Listen {
        /// The local address.
        on: IpAddr,
        /// The system's kind of error.
        kind: io::ErrorKind,
    },
    /// PORT carries only IPv4 addresses.
    PortNeedsIpv4,
    /// Through --proxy the server cannot connect back: only passive modes carry bulk
    /// transfers.
    ActiveThroughProxy,
    /// Accepting the server's data connection failed.
    Accept(io::ErrorKind),
    /// The server did not connect within the step's limit.
    NoConnectBack {
        /// The limit.
        within: Duration,
    },
    /// The data connection's TLS handshake failed.
    DataTls,
    /// The deadline or the user cut the wait.
    Cut(CutBy),
    /// The data connection broke after `bytes`.
    DataBroken {
        /// Bytes moved before.
        bytes: u64,
        /// The system's kind of error.
        kind: io::ErrorKind,
    },
    /// Nothing moved for `after`, `bytes` into the transfer.
    Stalled {
        /// The step's limit.
        after: Duration,
        /// Bytes moved before.
        bytes: u64,
    },
    /// The data was all there, and then no completion reply.
    NoReplyAfterData(Cause),
    /// An upload's data did not drain into the network within the step's limit.
    NotDrained {
        /// The limit.
        after: Duration,
    },
    /// An upload got its 226, and SIZE then said another size.
    SizeMismatch {
        /// What SIZE said.
        got: u64,
        /// What was sent.
        sent: u64,
    },
}

impl fmt::Display for TryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryError::NoSession(why) => write!(f, "no control connection: {why}"),
            TryError::Control { verb, cause } => write!(f, "{verb}: {}", cause_words(cause)),
            TryError::Refused { verb, reply } => write!(f, "{verb} answered {reply}"),
            TryError::BadAddress { verb, why } => write!(f, "{verb}: {why}"),
            TryError::Dial { to, outcome, kind } => {
                write!(f, "data connection to {to}: {}", dial_words(*outcome))?;
                match kind {
                    Some(kind) if *outcome == DialResult::Unreachable => write!(f, " ({kind})"),
                    _ => Ok(()),
                }
            }
            TryError::Listen { on, kind } => write!(f, "listening on {on}: {kind}"),
            TryError::PortNeedsIpv4 => f.write_str("PORT carries only IPv4"),
            TryError::ActiveThroughProxy => {
                f.write_str("through a proxy, only the passive modes carry bulk transfers")
            }
            TryError::Accept(kind) => write!(f, "accepting the server's data connection: {kind}"),
            TryError::NoConnectBack { within } => {
                write!(f, "the server did not connect within {}", human(*within))
            }
            TryError::DataTls => f.write_str("the data connection's TLS handshake failed"),
            TryError::Cut(by) => write!(f, "cut by {}", by.words()),
            TryError::DataBroken { bytes, kind } => {
                write!(f, "data connection after {bytes} bytes: {kind}")
            }
            TryError::Stalled { after, bytes } => {
                write!(f, "no data for {} after {bytes} bytes", human(*after))
            }
            TryError::NoReplyAfterData(cause) => {
                write!(f, "no reply after the data: {}", cause_words(cause))
            }
            TryError::NotDrained { after } => {
                write!(f, "the data did not drain within {}", human(*after))
            }
            TryError::SizeMismatch { got, sent } => {
                write!(f, "226, but SIZE says {got} bytes of {sent}")
            }
        }
    }
}

/// A dial that did not connect, in the words of the modes' dial lines.
fn dial_words(outcome: DialResult) -> &'static str {
    match outcome {
        DialResult::Connected => "connected",
        DialResult::Refused => "refused (nothing listens there, or a firewall rejects it)",
        DialResult::Timeout => "timed out (a firewall drops the packets)",
        DialResult::Unreachable => "unreachable",
        DialResult::SkippedPolicy => "not dialled (the safety policy forbids it)",
    }
}

/// A control connection's failure in words: the system's kind of error, not its text.
pub fn cause_words(cause: &Cause) -> String {
    match cause {
        Cause::NoReply { waiting_for, after } => format!(
            "no reply within {} (waiting for the reply to {waiting_for})",
            human(*after)
        ),
        Cause::SendTimeout { after } => {
            format!("the server took no command within {}", human(*after))
        }
        Cause::Closed { mid_reply: true } => "closed by the server in the middle of a reply".into(),
        Cause::Closed { mid_reply: false } => "closed by the server".into(),
        Cause::Io(io::ErrorKind::ConnectionReset) => "reset (RST)".into(),
        Cause::Io(kind) => kind.to_string(),
        Cause::Frame(e) => format!("bad reply: {e}"),
        Cause::Unsendable => "the command cannot be sent (a CR or LF in it)".into(),
        Cause::PlaintextBeforeTls => "plaintext came before the TLS handshake".into(),
        Cause::OutOfStep => "an earlier step left the connection out of step".into(),
        Cause::Tls(reason) => format!("TLS handshake failed ({})", reason.as_str()),
        Cause::DataStalled { after, bytes } => {
            format!("no data for {} after {bytes} bytes", human(*after))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_errors_name_the_outcome_never_the_os_error_number() {
        let refused = TryError::Dial {
            to: "127.0.0.1:50000".parse().expect("literal"),
            outcome: DialResult::Refused,
            kind: Some(io::ErrorKind::ConnectionRefused),
        };
        let text = refused.to_string();
        assert_eq!(
            text,
            "data connection to 127.0.0.1:50000: refused (nothing listens there, or a \
             firewall rejects it)"
        );
        assert!(!text.contains("os error"), "{text}");
        let unreachable = TryError::Dial {
            to: "[::1]:21".parse().expect("literal"),
            outcome: DialResult::Unreachable,
            kind: Some(io::ErrorKind::NetworkUnreachable),
        };
        assert_eq!(
            unreachable.to_string(),
            "data connection to [::1]:21: unreachable (network unreachable)"
        );
    }

    #[test]
    fn a_reset_control_connection_says_rst_not_the_system_text() {
        let e = TryError::Control {
            verb: "RETR".to_string(),
            cause: Cause::Io(io::ErrorKind::ConnectionReset),
        };
        assert_eq!(e.to_string(), "RETR: reset (RST)");
    }
}
