//! How findings say things: quoted replies, addresses with their class, dials and times.
//! Shared by the control and mode rules so the same fact reads the same everywhere.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::addr::{classify, reason};
use crate::probe::record::{
    Cut, CutBy, DialRecord, DialResult, DialWhy, ErrorKind, Mode, ModeOutcome, ReplyRecord, Stage,
    StepError,
};
use crate::wire::ms;

/// A reply as the server sent it, in quotes. Multi-line replies keep every line (joined
/// with " | "): a banner or 227 may say the telling part on any of them.
pub(super) fn quote(reply: &ReplyRecord) -> String {
    format!("\"{} {}\"", reply.code, reply.text.replace('\n', " | "))
}

/// `10.0.0.5 (private: private-use, RFC 1918)`, `127.0.0.1 (loopback, RFC 1122)`, or
/// `8.8.8.8 (public)`: the class by its report name, and the registry entry behind it.
pub(super) fn ip_with_class(ip: IpAddr) -> String {
    format!("{ip} ({})", class_words(ip))
}

pub(super) fn sock_with_class(addr: SocketAddr) -> String {
    format!("{addr} ({})", class_words(addr.ip()))
}

fn class_words(ip: IpAddr) -> String {
    let class = classify(ip);
    match reason(ip) {
        // "loopback, RFC 1122" already starts with the class name.
        Some(why) if why.starts_with(&format!("{class},")) => why.to_string(),
        Some(why) => format!("{class}: {why}"),
        None => class.to_string(),
    }
}

pub(super) fn millis(d: &Duration) -> String {
    format!("{:.1} ms", ms(d))
}

/// A duration as every text shows it (`30.0 s`, `1.5 s`): [`crate::wire::human`].
pub(super) fn secs(d: &Duration) -> String {
    crate::wire::human(*d)
}

/// What cut the probe short, as a sentence's subject: the user, or --deadline (of
/// `deadline`).
pub(super) fn cut_short_by(by: CutBy, deadline: Duration) -> String {
    match by {
        CutBy::Interrupt => "The probe was interrupted (Ctrl-C)".to_string(),
        CutBy::Deadline => format!("The --deadline of {} struck", secs(&deadline)),
    }
}

/// The same, as evidence: `interrupted (Ctrl-C)` or `deadline 30 s reached`.
pub(super) fn cut_short_evidence(by: CutBy, deadline: Duration) -> String {
    match by {
        CutBy::Interrupt => "interrupted (Ctrl-C)".to_string(),
        CutBy::Deadline => format!("deadline {} reached", secs(&deadline)),
    }
}

pub(super) fn upper(mode: Mode) -> String {
    mode.as_str().to_ascii_uppercase()
}

/// The verb of the command a mode sent (`PORT` of `PORT 127,0,0,1,4,1`), or the mode's.
pub(super) fn request_verb(m: &ModeOutcome) -> String {
    m.request
        .as_deref()
        .and_then(|r| r.split_whitespace().next())
        .map_or_else(|| upper(m.mode), str::to_string)
}

/// `LIST` or `RETR`: what the transfer sent, or LIST when it never got that far.
pub(super) fn transfer_verb(m: &ModeOutcome) -> String {
    m.transfer
        .as_ref()
        .and_then(|t| t.command.split_whitespace().next())
        .unwrap_or("LIST")
        .to_string()
}

/// A dial or connect outcome as a word, and what it means on the network.
pub(super) fn dial_outcome(outcome: DialResult) -> (&'static str, &'static str) {
    match outcome {
        DialResult::Connected => ("connected", ""),
        DialResult::Refused => ("refused", "nothing listens there, or a firewall rejects it"),
        DialResult::Timeout => ("timed out", "a firewall drops the packets"),
        DialResult::Unreachable => ("unreachable", "no route to the address"),
        DialResult::SkippedPolicy => ("not dialled", "the safety policy forbids it"),
    }
}

/// `127.0.0.1:2121: refused after 0.2 ms — nothing listens there, ... (os error 111)`.
pub(super) fn attempt_line(
    label: &dyn fmt::Display,
    outcome: DialResult,
    elapsed: &Duration,
    error: Option<&str>,
) -> String {
    let (word, meaning) = dial_outcome(outcome);
    let mut line = match outcome {
        // Never attempted, so no time; the recorded reason replaces the generic one.
        DialResult::SkippedPolicy => format!("{label}: {word}"),
        _ => format!("{label}: {word} after {}", millis(elapsed)),
    };
    match (outcome, error) {
        (DialResult::SkippedPolicy, Some(why)) => line.push_str(&format!(" — {why}")),
        (_, err) => {
            if !meaning.is_empty() {
                line.push_str(&format!(" — {meaning}"));
            }
            if let Some(err) = err {
                line.push_str(&format!(" ({err})"));
            }
        }
    }
    line
}

fn dial_why(why: DialWhy) -> &'static str {
    match why {
        DialWhy::Advertised => "the advertised address",
        DialWhy::ControlPeerSubstitute => "control peer + advertised port",
        DialWhy::Epsv => "control peer + EPSV port",
    }
}

/// One data dial: address, why it was made, outcome, time, and what the system said.
pub(super) fn dial_line(d: &DialRecord) -> String {
    let label = format!("{} ({})", d.addr, dial_why(d.why));
    let cut = cut_words(d.cut);
    attempt_line(
        &label,
        d.outcome,
        &d.elapsed,
        d.error.as_deref().or(cut.as_deref()),
    )
}

/// `cut by Ctrl-C` or `cut by --deadline`, for a wait that was cut short.
pub(super) fn cut_words(cut: Option<Cut>) -> Option<String> {
    cut.map(|c| format!("cut by {}", c.by.words()))
}

/// When in the conversation a stage falls, to finish a sentence: "... after PASV".
pub(super) fn stage_when(stage: Stage, m: Option<&ModeOutcome>) -> String {
    match stage {
        Stage::Resolve => "while resolving the host name".to_string(),
        Stage::Connect => "while connecting".to_string(),
        Stage::Banner => "before its 220 greeting".to_string(),
        Stage::Tls => "while setting up TLS".to_string(),
        Stage::Login => "during login".to_string(),
        Stage::Features => "after FEAT".to_string(),
        Stage::Request => match m {
            Some(m) => format!("after {}", request_verb(m)),
            None => "after the mode's request".to_string(),
        },
        Stage::DataConnect => "while the data port was dialled".to_string(),
        Stage::Accept => "while waiting for the server to connect back".to_string(),
        Stage::TransferStart => match m {
            Some(m) => format!("after {}", transfer_verb(m)),
            None => "after LIST/RETR".to_string(),
        },
        Stage::DataTls => "during the data connection's TLS handshake".to_string(),
        Stage::TransferData => "during the data transfer".to_string(),
        Stage::TransferEnd => "while waiting for the end-of-transfer reply".to_string(),
    }
}

/// One clause for a control-connection failure: "the server closed the control
/// connection after PORT".
pub(super) fn failure_clause(err: &StepError, m: Option<&ModeOutcome>) -> String {
    let when = match (err.stage, &err.reply) {
        // A greeting did come, just not a 220.
        (Stage::Banner, Some(_)) => "instead of its 220 greeting".to_string(),
        (stage, _) => stage_when(stage, m),
    };
    match err.kind {
        ErrorKind::Timeout => format!("no reply came within the step timeout {when}"),
        ErrorKind::Closed => format!("the server closed the control connection {when}"),
        ErrorKind::UnexpectedReply => match &err.reply {
            Some(r) => format!("the server answered {} {when}", quote(r)),
            None => format!("the server gave an unexpected answer {when}"),
        },
        ErrorKind::BadReply => format!("the server sent something that is not an FTP reply {when}"),
        ErrorKind::Io => format!("a socket error broke the control connection {when}"),
        ErrorKind::Refused => match &err.reply {
            Some(r) => format!("the server refused the session with {} {when}", quote(r)),
            None => format!("the server refused the session {when}"),
        },
        ErrorKind::Tls => format!("the TLS handshake failed {when}"),
    }
}

/// The evidence every control failure carries: stage, kind, the detail, the reply.
pub(super) fn failure_evidence(err: &StepError) -> String {
    let kind = kind_name(err.kind);
    // The detail of a framing error already names the kind; its cause alone does not.
    let detail = match &err.frame {
        Some(frame) => frame.to_string(),
        None => err.detail.clone(),
    };
    let mut ev = format!("stage {}, {kind}: {detail}", err.stage);
    if let Some(r) = &err.reply {
        ev.push_str(&format!("; reply {}", quote(r)));
    }
    ev
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Timeout => "timeout",
        ErrorKind::Closed => "closed",
        ErrorKind::UnexpectedReply => "unexpected reply",
        ErrorKind::BadReply => "bad reply",
        ErrorKind::Io => "i/o error",
        ErrorKind::Refused => "refused (421)",
        ErrorKind::Tls => "tls",
    }
}

/// Clauses are built to end a sentence; this starts one with them.
pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::failure_evidence;
    use crate::probe::{ErrorKind, Stage, StepError};
    use crate::proto::ReplyError;

    #[test]
    fn a_reply_line_that_itself_starts_with_bad_reply_keeps_its_words() {
        let frame = ReplyError::Malformed {
            line: "bad reply: 500 nope".to_string(),
        };
        let err = StepError {
            frame: Some(frame.clone()),
            ..StepError::new(
                Stage::Request,
                ErrorKind::BadReply,
                format!("bad reply: {frame}"),
            )
        };
        assert_eq!(
            failure_evidence(&err),
            "stage request, bad reply: not an FTP reply line: \"bad reply: 500 nope\""
        );
    }

    #[test]
    fn a_detail_that_starts_with_the_kind_name_is_quoted_whole() {
        // Only a framing error's detail is built from the kind's words; any other detail
        // (here a TLS library's message) is the cause itself, whatever it starts with.
        let err = StepError::new(Stage::Tls, ErrorKind::Tls, "tls: handshake alert 40");
        assert_eq!(
            failure_evidence(&err),
            "stage tls, tls: tls: handshake alert 40"
        );
    }
}
