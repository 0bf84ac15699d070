//! LIST or RETR over a data connection that is open (or about to be): the 1yz, the data,
//! the 226, each within --timeout.

use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::context::Run;
use super::data_mode::transfer::{DataEnd, Next, TransferMachine};
pub(super) use super::data_mode::transfer::{Opening, new_record, note_opening};
use super::record::{Cause, Stage, TransferRecord, TransferResult};
use super::session::{Fail, Session};
use super::tls::{DataStream, secure_data};
use crate::net::{ControlError, Tap};
use crate::proto::Command;
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

/// Drives the transfer machine (data_mode/transfer.rs): reads the opening reply (unless
/// the caller already has), secures and reads the data, reads the completion reply.
/// Every outcome lands in `rec`; nothing here fails the probe.
pub(super) async fn finish(
    session: &mut Session,
    run: &Run<'_>,
    data: TcpStream,
    opening: Option<Opening>,
    rec: &mut TransferRecord,
    started: Instant,
) {
    let verb = rec.verb.as_str();
    let mut machine = TransferMachine::new(rec);
    let mut next = machine.start(opening);
    let (mut tcp, mut stream) = (Some(data), None);
    loop {
        next = match next {
            Next::Await { within } => {
                let read = match within {
                    Some(wait) => {
                        let wait = wait.min(session.budget.step);
                        session.read_reply_within(wait, verb).await
                    }
                    None => session.read_reply(verb).await,
                };
                match read {
                    Ok(reply) => machine.on_reply(&reply),
                    Err(fail) => match machine.on_failure() {
                        Next::Stalled(stage) => {
                            stalled(machine.rec, stage, &fail);
                            break;
                        }
                        next => next,
                    },
                }
            }
            Next::Secure => {
                let Some(tcp) = tcp.take() else { break };
                let client = session.data_tls.as_ref();
                let tap = session.data_tap.clone();
                match secure_data(client, tap, &session.budget, tcp, run.step()).await {
                    Err(cut) => machine.on_cut(cut),
                    Ok((secured, tls)) => {
                        machine.rec.tls = tls;
                        let ok = secured.is_some();
                        stream = secured;
                        machine.on_secured(ok)
                    }
                }
            }
            Next::ReadData => {
                let Some(mut data) = stream.take() else { break };
                let tap = session.data_tap.clone().unwrap_or_else(Tap::detached);
                let end = read_data(session, run, &mut data, machine.rec, &tap).await;
                drop(data);
                if end == DataEnd::ByUs {
                    tap.record(Event::Close {
                        by: Closer::Us,
                        how: CloseHow::Fin,
                    });
                }
                machine.on_data_end(end)
            }
            Next::Stalled(_) | Next::Done => break,
        };
    }
    if let Some(why) = machine.out_of_step.take() {
        session.conn.mark_out_of_step(why);
    }
    rec.elapsed = started.elapsed();
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
                return DataEnd::Stalled;
            }
        }
    }
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

/// The control connection let the transfer down at `stage`: silence is a timeout (its
/// own, or cut short), anything else (closed, garbled) a failure.
fn stalled(rec: &mut TransferRecord, stage: Stage, fail: &Fail) {
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
}
