//! LIST or RETR once the data connection is open (or about to be) as a pure machine: the
//! opening 1yz, the data connection's TLS under PROT P, the data, and the 226 — what each
//! means for the transfer's record, and when the session is left out of step. No I/O:
//! `transfer.rs` reads the replies and the data and reports here.

use std::time::Duration;

use crate::probe::record::{
    CAPPED_REPLY_WAIT, Cause, Cut, ReplyRecord, Stage, TransferRecord, TransferResult, TransferVerb,
};
use crate::proto::{Command, Reply};

/// What the first reply after LIST/RETR means for the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    /// 1yz: data follows, then the completion reply.
    Preliminary,
    /// 2yz with no 1yz before it (some servers skip it): data, and done.
    Complete,
    /// 4yz/5yz (or 3yz, which makes no sense here): the transfer will not happen.
    Refused,
}

/// A transfer's record before anything happened: a timeout at its start until the
/// conversation says otherwise.
pub(crate) fn new_record(command: &Command) -> TransferRecord {
    TransferRecord {
        command: command.redacted(),
        verb: match command {
            Command::Retr(_) => TransferVerb::Retr,
            _ => TransferVerb::List,
        },
        outcome: TransferResult::Timeout,
        bytes: 0,
        elapsed: std::time::Duration::ZERO,
        preliminary_reply: None,
        final_reply: None,
        stalled_at: Some(Stage::TransferStart),
        error: None,
        cause: None,
        truncated: false,
        tls: None,
        cut: None,
    }
}

/// Files the first reply after LIST/RETR into the record.
pub(crate) fn note_opening(rec: &mut TransferRecord, reply: &Reply) -> Opening {
    if reply.is_positive_preliminary() {
        rec.preliminary_reply = Some(ReplyRecord::from(reply));
        Opening::Preliminary
    } else if reply.is_positive_completion() {
        rec.final_reply = Some(ReplyRecord::from(reply));
        Opening::Complete
    } else {
        rec.final_reply = Some(ReplyRecord::from(reply));
        rec.outcome = TransferResult::Failed;
        rec.stalled_at = None;
        Opening::Refused
    }
}

/// Who ended the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataEnd {
    /// The server closed it (or reset it): the data has ended.
    ByPeer,
    /// We stopped reading: the cap, or an error that was not the server's close.
    ByUs,
    /// No data for --timeout: we gave up (and closed it).
    Stalled,
    /// The deadline or the user cut the wait for more data.
    Cut(Cut),
}

/// What the driver is to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Read the next control reply within --timeout, or within `within` when set.
    Await {
        /// A shorter wait than --timeout (the reply after we hung up at the cap).
        within: Option<Duration>,
    },
    /// Start the data connection's TLS (a no-op without PROT P) and report how it ended.
    Secure,
    /// Read the data until it ends and report how.
    ReadData,
    /// The reply awaited did not come: file the failure at this stage, and stop.
    Stalled(Stage),
    /// The transfer is over; its record says how.
    Done,
}

/// Where the transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Opening,
    Secure(Opening),
    Data(Opening),
    Completion,
    Capped,
    RefusedHandshake,
    Finished,
}

/// One transfer, from its opening reply to its completion reply.
#[derive(Debug)]
pub(crate) struct TransferMachine<'a> {
    step: Step,
    /// Why the session is out of step once the transfer is over, if it is: the server
    /// still owes a reply, or said something out of turn.
    pub(crate) out_of_step: Option<String>,
    /// The transfer's record, filled in as it goes.
    pub(crate) rec: &'a mut TransferRecord,
}

impl<'a> TransferMachine<'a> {
    /// A transfer that records into `rec`.
    pub(crate) fn new(rec: &'a mut TransferRecord) -> TransferMachine<'a> {
        TransferMachine {
            step: Step::Opening,
            out_of_step: None,
            rec,
        }
    }

    /// The first step: read the opening reply, unless the caller already has.
    pub(crate) fn start(&mut self, opening: Option<Opening>) -> Next {
        match opening {
            Some(opening) => self.opened(opening),
            None => {
                self.rec.stalled_at = Some(Stage::TransferStart);
                self.step = Step::Opening;
                Next::Await { within: None }
            }
        }
    }

    /// A control reply came.
    pub(crate) fn on_reply(&mut self, reply: &Reply) -> Next {
        match self.step {
            Step::Opening => {
                let opening = note_opening(self.rec, reply);
                self.opened(opening)
            }
            Step::Completion => {
                if !reply.is_positive_completion() {
                    self.rec.outcome = TransferResult::Failed;
                    // vsftpd ends the session after refusing a data connection's TLS (522,
                    // session reuse required): the next mode gets a fresh one.
                    if self.rec.tls.is_some() {
                        self.leave("the server refused the data connection's TLS");
                    }
                }
                self.rec.final_reply = Some(ReplyRecord::from(reply));
                self.completed()
            }
            Step::Capped if !reply.is_positive_preliminary() => {
                self.rec.final_reply = Some(ReplyRecord::from(reply));
                self.finish()
            }
            Step::Capped => self.on_failure(),
            Step::RefusedHandshake => {
                self.rec.final_reply = Some(ReplyRecord::from(reply));
                self.finish()
            }
            Step::Secure(_) | Step::Data(_) | Step::Finished => self.finish(),
        }
    }

    /// The reply awaited did not come (silence, a cut, a close).
    pub(crate) fn on_failure(&mut self) -> Next {
        match self.step {
            Step::Opening => self.stalled(Stage::TransferStart),
            Step::Completion => self.stalled(Stage::TransferEnd),
            Step::Capped => {
                self.leave("no reply after the transfer size limit");
                self.finish()
            }
            _ => self.finish(),
        }
    }

    /// The data connection's TLS ended (or there was none): `secured` when a data stream
    /// came out of it. The driver has filed the handshake's record in `rec.tls`.
    pub(crate) fn on_secured(&mut self, secured: bool) -> Next {
        let Step::Secure(opening) = self.step else {
            return self.finish();
        };
        if secured {
            self.rec.stalled_at = Some(Stage::TransferData);
            self.step = Step::Data(opening);
            return Next::ReadData;
        }
        self.refused_handshake(opening)
    }

    /// The deadline or the user cut a wait: the server still owes its replies, so the
    /// session is out of step.
    pub(crate) fn on_cut(&mut self, cut: Cut) -> Next {
        self.leave(format!("{} cut the transfer short", cut.by.words()));
        self.rec.outcome = TransferResult::Timeout;
        self.rec.cut = Some(cut);
        self.finish()
    }

    /// The data ended as `end` says.
    pub(crate) fn on_data_end(&mut self, end: DataEnd) -> Next {
        let Step::Data(opening) = self.step else {
            return self.finish();
        };
        match end {
            DataEnd::Cut(cut) => return self.on_cut(cut),
            // The server still owes a 226: the session is out of step.
            DataEnd::Stalled => {
                self.leave("abandoned a stalled transfer");
                return self.finish();
            }
            DataEnd::ByUs | DataEnd::ByPeer => {}
        }
        match opening {
            // We hung up at the size limit: the server answers that with 426 (or 226 if
            // it was done writing). Reading it keeps the session in step; the transfer
            // counts as ok either way, and the diagnosis says it was capped.
            Opening::Preliminary if self.rec.truncated => {
                self.rec.outcome = TransferResult::Ok;
                self.rec.stalled_at = None;
                self.step = Step::Capped;
                Next::Await {
                    within: Some(CAPPED_REPLY_WAIT),
                }
            }
            Opening::Preliminary => {
                self.rec.stalled_at = Some(Stage::TransferEnd);
                self.step = Step::Completion;
                Next::Await { within: None }
            }
            _ => self.completed(),
        }
    }

    fn opened(&mut self, opening: Opening) -> Next {
        if opening == Opening::Refused {
            return self.finish();
        }
        // Under PROT P the data connection has a handshake of its own, once the server
        // has said (1yz) that it is ready for it.
        self.rec.stalled_at = Some(Stage::DataTls);
        self.step = Step::Secure(opening);
        Next::Secure
    }

    /// The data connection's handshake failed: the server says why in its completion
    /// reply (vsftpd: `522 SSL connection failed: session reuse required`), which keeps
    /// the session in step when read. vsftpd closes the whole session after such a
    /// refusal all the same: the next mode gets a new one.
    fn refused_handshake(&mut self, opening: Opening) -> Next {
        let rec = &mut *self.rec;
        rec.outcome = TransferResult::Failed;
        rec.stalled_at = None;
        let failure = rec.tls.as_ref().and_then(|t| t.error.as_ref());
        let why = failure.map(|e| e.detail.clone()).unwrap_or_default();
        rec.cause = failure.map(|e| Cause::Tls(e.reason));
        rec.error = Some(format!(
            "TLS handshake on the data connection failed: {why}"
        ));
        self.leave("the server refused the data connection's TLS");
        if opening == Opening::Preliminary {
            self.step = Step::RefusedHandshake;
            return Next::Await { within: None };
        }
        self.finish()
    }

    fn completed(&mut self) -> Next {
        if self.rec.outcome != TransferResult::Failed {
            self.rec.outcome = TransferResult::Ok;
        }
        self.rec.stalled_at = None;
        self.finish()
    }

    fn stalled(&mut self, stage: Stage) -> Next {
        self.step = Step::Finished;
        Next::Stalled(stage)
    }

    fn leave(&mut self, why: impl Into<String>) {
        self.out_of_step.get_or_insert_with(|| why.into());
    }

    fn finish(&mut self) -> Next {
        self.step = Step::Finished;
        Next::Done
    }
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
