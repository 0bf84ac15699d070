//! LIST or RETR over a data connection that is open (or about to be): the 1yz, the data,
//! the 226, each within --timeout.

use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::context::Run;
use super::record::{Cause, Cut, ReplyRecord, Stage, TransferRecord, TransferResult, TransferVerb};
use super::session::{Fail, Session};
use super::tls::{DataStream, secure_data};
use crate::net::{ControlError, Tap};
use crate::proto::{Command, Reply};
use crate::timeline::{CloseHow, Closer, Event};

/// Default for [`ProbeConfig::max_transfer_bytes`]: enough to prove the data
/// path (and to read any listing); beyond it a probe of `/big.iso` would become four
/// parallel downloads that only the deadline ends.
pub const MAX_TRANSFER_BYTES: u64 = 4 * 1024 * 1024;

/// Bytes per read of the data connection. Only the count is kept, never the data, so a
/// server that sends without end costs this much memory and is stopped by the deadline.
const DATA_CHUNK: usize = 16 * 1024;

/// The command that moves data: RETR when the target path names a file, else LIST.
/// The URL's path is relative to the login directory (RFC 1738 3.2.2), as curl reads it:
/// `ftp://host/pub/` lists `pub`, and `ftp://host/%2Fetc/` the absolute `/etc`.
pub(super) fn transfer_command(run: &Run<'_>) -> Command {
    let path = run
        .target
        .path
        .strip_prefix('/')
        .unwrap_or(&run.target.path);
    if run.target.path_is_file() {
        Command::Retr(path.to_string())
    } else if path.is_empty() {
        Command::List(None)
    } else {
        Command::List(Some(path.to_string()))
    }
}

pub(super) fn new_record(command: &Command) -> TransferRecord {
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

/// What the first reply after LIST/RETR means for the transfer.
pub(super) enum Opening {
    /// 1yz: data follows, then the completion reply.
    Preliminary,
    /// 2yz with no 1yz before it (some servers skip it): data, and done.
    Complete,
    /// 4yz/5yz (or 3yz, which makes no sense here): the transfer will not happen.
    Refused,
}

/// Files the first reply after LIST/RETR into the record.
pub(super) fn note_opening(rec: &mut TransferRecord, reply: &Reply) -> Opening {
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

/// Reads the opening reply (unless the caller already has), the data and the completion
/// reply. Every outcome lands in `rec`; nothing here fails the probe.
pub(super) async fn finish(
    session: &mut Session,
    run: &Run<'_>,
    data: TcpStream,
    opening: Option<Opening>,
    rec: &mut TransferRecord,
    started: Instant,
) {
    let verb = rec.verb.as_str();
    let opening = match opening {
        Some(o) => o,
        None => {
            rec.stalled_at = Some(Stage::TransferStart);
            match session.read_reply(verb).await {
                Ok(reply) => note_opening(rec, &reply),
                Err(e) => return stalled(rec, Stage::TransferStart, started, &e),
            }
        }
    };
    if let Opening::Refused = opening {
        rec.elapsed = started.elapsed();
        return;
    }
    // Under PROT P the data connection has a handshake of its own, once the server has
    // said (1yz) that it is ready for it.
    rec.stalled_at = Some(Stage::DataTls);
    let client = session.data_tls.as_ref();
    let tap = session.data_tap.clone();
    let secured = secure_data(client, tap, &session.budget, data, run.step()).await;
    let (data, tls) = match secured {
        Ok(secured) => secured,
        Err(cut) => return cut_short(session, rec, cut, started),
    };
    rec.tls = tls;
    let Some(mut data) = data else {
        return refused_handshake(session, verb, opening, rec, started).await;
    };
    rec.stalled_at = Some(Stage::TransferData);
    let tap = session.data_tap.clone().unwrap_or_else(Tap::detached);
    let end = read_data(session, run, &mut data, rec, &tap).await;
    drop(data);
    match end {
        DataEnd::Cut(cut) => return cut_short(session, rec, cut, started),
        DataEnd::Stalled => {
            // The server still owes a 226: the session is out of step.
            session
                .conn
                .mark_out_of_step("abandoned a stalled transfer");
            rec.elapsed = started.elapsed();
            return;
        }
        DataEnd::ByUs => tap.record(Event::Close {
            by: Closer::Us,
            how: CloseHow::Fin,
        }),
        DataEnd::ByPeer => {}
    }
    if rec.truncated && matches!(opening, Opening::Preliminary) {
        return after_the_cap(session, verb, rec, started).await;
    }
    if let Opening::Preliminary = opening
        && let Err(e) = completion(session, verb, rec).await
    {
        return stalled(rec, Stage::TransferEnd, started, &e);
    }
    if rec.outcome != TransferResult::Failed {
        rec.outcome = TransferResult::Ok;
    }
    rec.stalled_at = None;
    rec.elapsed = started.elapsed();
}

/// Who ended the data connection.
enum DataEnd {
    /// The server closed it (or reset it): the data has ended.
    ByPeer,
    /// We stopped reading: the cap, or an error that was not the server's close.
    ByUs,
    /// No data for --timeout: we gave up (and closed it).
    Stalled,
    /// The deadline or the user cut the wait for more data.
    Cut(Cut),
}

/// Reads the data until it ends, the cap or a stall, counting bytes into `rec`.
async fn read_data(
    session: &Session,
    run: &Run<'_>,
    data: &mut DataStream,
    rec: &mut TransferRecord,
    tap: &Tap,
) -> DataEnd {
    // Spare capacity, never zeroed: most listings are a few hundred bytes.
    let mut chunk = Vec::with_capacity(DATA_CHUNK);
    loop {
        chunk.clear();
        let read = session
            .budget
            .run(timeout(run.step(), data.read_buf(&mut chunk)))
            .await;
        let read = match read {
            Ok(read) => read,
            Err(cut) => return DataEnd::Cut(cut),
        };
        match read {
            Ok(Ok(0)) => {
                data_ended(tap, rec.bytes, CloseHow::Fin);
                return DataEnd::ByPeer;
            }
            // A TLS data connection closed without close_notify: the data has ended,
            // and the completion reply says whether all of it came.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof && data.is_tls() => {
                data_ended(tap, rec.bytes, CloseHow::Fin);
                return DataEnd::ByPeer;
            }
            Ok(Ok(n)) => {
                if rec.bytes == 0 {
                    tap.record(Event::DataFirst);
                }
                rec.bytes += n as u64;
                if rec.bytes >= run.options.max_transfer_bytes {
                    rec.truncated = true;
                    tap.record(Event::DataCut { bytes: rec.bytes });
                    return DataEnd::ByUs;
                }
            }
            Ok(Err(e)) => {
                // Reset mid-transfer: the completion reply (426, usually) says why.
                rec.outcome = TransferResult::Failed;
                rec.error = Some(format!("data connection: {e}"));
                rec.cause = Some(Cause::Io(e.kind()));
                rec.cause = Some(Cause::Io(e.kind()));
                if e.kind() == std::io::ErrorKind::ConnectionReset {
                    data_ended(tap, rec.bytes, CloseHow::Rst);
                    return DataEnd::ByPeer;
                }
                return DataEnd::ByUs;
            }
            Err(_) => {
                tap.record(Event::StepTimeout {
                    waiting_for: "data".to_string(),
                    after: run.step(),
                });
                tap.record(Event::Close {
                    by: Closer::Us,
                    how: CloseHow::Fin,
                });
                rec.outcome = TransferResult::Timeout;
                rec.stalled_at = Some(Stage::TransferData);
                rec.error = Some(format!(
                    "no data for {} after {} bytes",
                    crate::wire::human(run.step()),
                    rec.bytes
                ));
                rec.cause = Some(Cause::DataStalled {
                    after: run.step(),
                    bytes: rec.bytes,
                });
                rec.cause = Some(Cause::DataStalled {
                    after: run.step(),
                    bytes: rec.bytes,
                });
                return DataEnd::Stalled;
            }
        }
    }
}

/// After a 1yz and the data: the completion reply, into `rec`.
async fn completion(
    session: &mut Session,
    verb: &str,
    rec: &mut TransferRecord,
) -> Result<(), Fail> {
    rec.stalled_at = Some(Stage::TransferEnd);
    let reply = session.read_reply(verb).await?;
    if !reply.is_positive_completion() {
        rec.outcome = TransferResult::Failed;
        // vsftpd ends the session after refusing a data connection's TLS (522, session
        // reuse required): the next mode gets a fresh one.
        if rec.tls.is_some() {
            session
                .conn
                .mark_out_of_step("the server refused the data connection's TLS");
        }
    }
    rec.final_reply = Some(ReplyRecord::from(&reply));
    Ok(())
}

/// The server ended the data: the last byte (if any came), then its close.
fn data_ended(tap: &Tap, bytes: u64, how: CloseHow) {
    if bytes > 0 {
        tap.record(Event::DataLast { bytes });
    }
    tap.record(Event::Close {
        by: Closer::Peer,
        how,
    });
}

/// The data connection's handshake failed: the server says why in its completion reply
/// (vsftpd: `522 SSL connection failed: session reuse required`), which keeps the session
/// in step when read.
async fn refused_handshake(
    session: &mut Session,
    verb: &str,
    opening: Opening,
    rec: &mut TransferRecord,
    started: Instant,
) {
    rec.outcome = TransferResult::Failed;
    rec.stalled_at = None;
    let why = rec
        .tls
        .as_ref()
        .and_then(|t| t.error.as_ref())
        .map(|e| e.detail.clone())
        .unwrap_or_default();
    rec.error = Some(format!(
        "TLS handshake on the data connection failed: {why}"
    ));
    rec.cause = rec
        .tls
        .as_ref()
        .and_then(|t| t.error.as_ref())
        .map(|e| Cause::Tls(e.reason));
    rec.cause = rec
        .tls
        .as_ref()
        .and_then(|t| t.error.as_ref())
        .map(|e| Cause::Tls(e.reason));
    if let Opening::Preliminary = opening
        && let Ok(reply) = session.read_reply(verb).await
    {
        rec.final_reply = Some(ReplyRecord::from(&reply));
    }
    // vsftpd closes the whole session after such a refusal: the next mode gets a new one.
    session
        .conn
        .mark_out_of_step("the server refused the data connection's TLS");
    rec.elapsed = started.elapsed();
}

/// We hung up at the size limit: the server answers that with 426 (or 226 if it was done
/// writing). Reading it keeps the session in step; the transfer counts as ok either way,
/// and the diagnosis says it was capped (transfer-capped) and whether the reply came.
async fn after_the_cap(
    session: &mut Session,
    verb: &str,
    rec: &mut TransferRecord,
    started: Instant,
) {
    rec.outcome = TransferResult::Ok;
    rec.stalled_at = None;
    let wait = super::record::CAPPED_REPLY_WAIT.min(session.budget.step);
    match session.read_reply_within(wait, verb).await {
        Ok(reply) if !reply.is_positive_preliminary() => {
            rec.final_reply = Some(ReplyRecord::from(&reply));
        }
        _ => session
            .conn
            .mark_out_of_step("no reply after the transfer size limit"),
    }
    rec.elapsed = started.elapsed();
}

/// The control connection let the transfer down at `stage`: silence is a timeout (its
/// own, or cut short), anything else (closed, garbled) a failure.
fn stalled(rec: &mut TransferRecord, stage: Stage, started: Instant, fail: &Fail) {
    rec.outcome = match fail {
        Fail::Control(ControlError::Timeout { .. }) | Fail::Cut { .. } => TransferResult::Timeout,
        Fail::Control(_) => TransferResult::Failed,
    };
    match fail {
        Fail::Cut { cut, .. } => rec.cut = Some(*cut),
        Fail::Control(err) => rec.cause = Some(super::from_net::cause(err)),
    }
    rec.stalled_at = Some(stage);
    rec.error = Some(fail.to_string());
    rec.elapsed = started.elapsed();
}

/// The deadline or the user cut the transfer where `rec.stalled_at` says: the server
/// still owes its replies, so the session is out of step.
fn cut_short(session: &mut Session, rec: &mut TransferRecord, cut: Cut, started: Instant) {
    session
        .conn
        .mark_out_of_step(format!("{} cut the transfer short", cut.by.words()));
    rec.outcome = TransferResult::Timeout;
    rec.cut = Some(cut);
    rec.elapsed = started.elapsed();
}
