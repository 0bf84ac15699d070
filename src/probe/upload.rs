//! `--upload`: the other direction. On a session of its own and a mode whose transfer
//! worked, STOR a small file and then one of [`LARGE_BYTES`] under a name of our own
//! (`ftpdoctor-<16 hex digits>.tmp`, never a dot-file: Pure-FTPd refuses those to
//! anonymous users), check each 226 and size, then DELE it. The name is asked with SIZE
//! first, and nothing is sent if a file may be there. A stalled upload is tried again with
//! a lowered MSS: the client now sends the full-size segments.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::AsyncWriteExt;
use tokio::time::timeout;

use super::attempt::Working;
use super::bulk::{connection, failed, open_session, request, secure, working_mode};
use super::context::Run;
use super::record::{
    DeleOutcome, Login, Mode, MssTry, ReplyRecord, StoreTry, TryError, TryOutcome, UploadCheck,
};
use super::runner::{Sessions, same_as_first};
use super::session::Session;
use super::tls::DataStream;
use crate::net::mss::{LOWERED_MSS, read_mss};
use crate::proto::Command;

/// The session's and data connections' label in the timeline and transcript.
const LABEL: &str = "upload";

/// The small file: fits in one packet on any path.
const SMALL_BYTES: usize = 64;

/// The large file: as much as the size check reads, enough to fill full-size segments.
pub(super) const LARGE_BYTES: usize = 256 * 1024;

/// A name no one else uses: 64 random bits from the standard library's hasher keys.
fn fresh_name() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("ftpdoctor-{:016x}.tmp", h.finish())
}

/// The file's bytes: a pattern whose every byte depends on its offset.
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Uploads when asked and a mode worked; the record grows in `out.upload`.
pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    if !run.options.upload || run.budget.ended_by().is_some() {
        return;
    }
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        return;
    };
    let mode = working_mode(&out.modes);
    let run = &same_as_first(run, out);
    let path = upload_path(run);
    let check = out.upload.insert(UploadCheck {
        name: path.clone(),
        small: None,
        large: None,
        dele: None,
        dele_reply: None,
        left_behind: false,
        mode,
        skipped_why: None,
    });
    let Some(mode) = mode else {
        check.skipped_why = Some("no mode moved data".to_string());
        return;
    };
    let session = match open_session(peer, run, LABEL, sessions).await {
        Ok(s) => s,
        Err(e) => {
            check.skipped_why = Some(format!("no control connection: {}", e.detail));
            return;
        }
    };
    if let Err(why) = name_is_free(session, &path).await {
        check.skipped_why = Some(why);
        return;
    }
    let small = store(peer, run, mode, &path, SMALL_BYTES, sessions).await;
    let stored = small.tries.iter().any(|t| t.outcome == TryOutcome::Ok);
    // A stalled STOR may have left a partial file: DELE it too.
    let maybe_stored = stored || small.tries.iter().any(|t| t.outcome == TryOutcome::Stalled);
    check.small = Some(small);
    let mut any = maybe_stored;
    if stored {
        dele(peer, run, &path, sessions, check).await;
        if check.left_behind {
            // The same name again would be refused: the small file is still there.
            return;
        }
        let large = store(peer, run, mode, &path, LARGE_BYTES, sessions).await;
        any = large
            .tries
            .iter()
            .any(|t| t.outcome != TryOutcome::Failed || t.bytes > 0);
        check.large = Some(large);
    }
    if any {
        dele(peer, run, &path, sessions, check).await;
    }
}

/// A fresh name in the URL's directory (beside the file, for a file URL).
fn upload_path(run: &Run<'_>) -> String {
    let dir = run
        .target
        .path
        .strip_prefix('/')
        .unwrap_or(&run.target.path);
    let dir = match run.target.path_is_file() {
        true => dir.rsplit_once('/').map_or("", |(d, _)| d),
        false => dir.trim_end_matches('/'),
    };
    let name = fresh_name();
    match dir {
        "" => name,
        d => format!("{d}/{name}"),
    }
}

/// SIZE must say 550: anything else means a file may be there, and it is never
/// overwritten. The refusal in words, for `skipped_why`.
async fn name_is_free(session: &mut Session, path: &str) -> Result<(), String> {
    match session.command(&Command::Size(path.to_string())).await {
        Ok(reply) if reply.code == 550 => Ok(()),
        Ok(reply) => Err(format!(
            "SIZE {path} answered {}: a file may exist there, and is never overwritten",
            ReplyRecord::from(&reply)
        )),
        Err(e) => Err(failed(&format!("SIZE {path}"), e).to_string()),
    }
}

/// One file stored: at the system's MSS, and after a stall at each lowered MSS in turn.
async fn store(
    peer: SocketAddr,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    len: usize,
    sessions: &mut Sessions,
) -> StoreTry {
    let bytes = content(len);
    let mut done = StoreTry {
        size: len as u64,
        tries: Vec::new(),
        size_after: None,
    };
    for mss in std::iter::once(None).chain(LOWERED_MSS.map(Some)) {
        let session = match open_session(peer, run, LABEL, sessions).await {
            Ok(s) => s,
            Err(e) => {
                let mut lost = MssTry::new(mss);
                lost.fail(TryError::NoSession(e.detail));
                done.tries.push(lost);
                return done;
            }
        };
        let attempt = stor(session, run, mode, path, mss, &bytes).await;
        let outcome = attempt.outcome;
        done.tries.push(attempt);
        if outcome == TryOutcome::Ok {
            if let Ok(reply) = session.command(&Command::Size(path.to_string())).await
                && reply.code == 213
            {
                done.size_after = reply.text().trim().parse().ok();
            }
            if let (Some(after), Some(last)) = (done.size_after, done.tries.last_mut())
                && after != len as u64
            {
                last.outcome = TryOutcome::Failed;
                last.fail(TryError::SizeMismatch {
                    got: after,
                    sent: len as u64,
                });
            }
            return done;
        }
        if outcome != TryOutcome::Stalled {
            return done;
        }
    }
    done
}

/// One STOR at `mss`: the data, then the 226 within --timeout.
async fn stor(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    mss: Option<u32>,
    bytes: &[u8],
) -> MssTry {
    let started = Instant::now();
    let mut done = MssTry::new(mss);
    if let Err(why) = stor_steps(session, run, mode, path, bytes, &mut done).await {
        done.fail(why);
    }
    done.elapsed = started.elapsed();
    done
}

/// STOR's steps; `done` records what they saw.
async fn stor_steps(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    bytes: &[u8],
    done: &mut MssTry,
) -> Result<(), TryError> {
    let pending = request(session, run, mode, done.mss_set, LABEL).await?;
    session
        .send(&Command::Stor(path.to_string()))
        .await
        .map_err(|e| failed("STOR", e))?;
    let tcp = match connection(session, pending, run.step()).await {
        Ok(tcp) => tcp,
        Err(e) => {
            // The refusal (550, 553) says why no connection came.
            if let Ok(reply) = session.read_reply_within(run.step(), "STOR").await {
                done.reply = Some(ReplyRecord::from(&reply));
            }
            return Err(e);
        }
    };
    done.mss_read_back = read_mss(&tcp).ok();
    let opening = session
        .read_reply("STOR")
        .await
        .map_err(|e| failed("STOR", e))?;
    if !opening.is_positive_preliminary() {
        done.reply = Some(ReplyRecord::from(&opening));
        return Ok(());
    }
    let data = secure(session, tcp, run.step()).await?;
    send_data(session, run, data, bytes, done).await?;
    match session.read_reply("STOR").await {
        Ok(reply) => {
            done.outcome = match reply.is_positive_completion() {
                true => TryOutcome::Ok,
                false => TryOutcome::Failed,
            };
            done.reply = Some(ReplyRecord::from(&reply));
            Ok(())
        }
        Err(e) => {
            done.outcome = TryOutcome::Stalled;
            session.conn.mark_out_of_step("no reply after an upload");
            Err(match failed("STOR", e) {
                TryError::Control { cause, .. } => TryError::NoReplyAfterData(cause),
                other => other,
            })
        }
    }
}

/// The upload's bytes, then the data connection's end. Writes that fill the socket's
/// buffers block as a stall does: --timeout for the whole.
async fn send_data(
    session: &mut Session,
    run: &Run<'_>,
    mut data: DataStream,
    bytes: &[u8],
    done: &mut MssTry,
) -> Result<(), TryError> {
    let sent = session
        .budget
        .run(timeout(run.step(), async {
            data.write_all(bytes).await?;
            data.shutdown().await
        }))
        .await;
    drop(data);
    let sent = sent.map_err(|cut| {
        session.conn.mark_out_of_step("an upload cut short");
        TryError::Cut(cut.by)
    })?;
    match sent {
        Ok(Ok(())) => {
            done.bytes = bytes.len() as u64;
            Ok(())
        }
        Ok(Err(e)) => {
            session.conn.mark_out_of_step("a broken upload");
            Err(TryError::DataBroken {
                bytes: 0,
                kind: e.kind(),
            })
        }
        Err(_) => {
            done.outcome = TryOutcome::Stalled;
            session.conn.mark_out_of_step("a stalled upload");
            Err(TryError::NotDrained { after: run.step() })
        }
    }
}

/// DELE on a session in step: the last one if usable, else a fresh one.
async fn dele(
    peer: SocketAddr,
    run: &Run<'_>,
    path: &str,
    sessions: &mut Sessions,
    check: &mut UploadCheck,
) {
    let usable = sessions.transfer.as_ref().is_some_and(Session::usable);
    let session = match usable {
        true => sessions.transfer.as_mut(),
        false => open_session(peer, run, LABEL, sessions).await.ok(),
    };
    let Some(session) = session else {
        check.dele = Some(DeleOutcome::Failed);
        check.left_behind = true;
        return;
    };
    match session.command(&Command::Dele(path.to_string())).await {
        Ok(reply) => {
            let ok = reply.is_positive_completion();
            check.dele = Some(if ok {
                DeleOutcome::Ok
            } else {
                DeleOutcome::Failed
            });
            check.left_behind = !ok;
            check.dele_reply = Some(ReplyRecord::from(&reply));
        }
        Err(_) => {
            check.dele = Some(DeleOutcome::Failed);
            check.left_behind = true;
        }
    }
}
