//! The full-size packet check (`--size-check auto`): after the modes, one mode that
//! worked (passive preferred) fetches a file big enough to fill full-size packets, reading
//! at most [`SIZE_CHECK_BYTES`]. A listing moves a few small packets and passes a path-MTU
//! black hole; this does not. When it stalls, the same transfer is tried again with the
//! MSS lowered ([`LOWERED_MSS`]): if that passes, the black hole is proven.
//!
//! The file: the URL's own, or the largest regular file of the URL's directory (MLSD when
//! FEAT lists MLST, else the `ls -l` lines of LIST), or of the first directories one level
//! below when the directory has no file.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use super::attempt::Working;
use super::bulk::{connection, failed, open_session, refusal, request, secure, working_mode};
use super::context::Run;
use super::record::{
    Login, Mode, MssTry, ReplyRecord, SIZE_CHECK_BYTES, SizeCheck, TryError, TryOutcome,
};
use super::runner::{Sessions, same_as_first};
use super::session::Session;
use super::tls::DataStream;
use crate::net::mss::{LOWERED_MSS, read_mss};
use crate::proto::Command;
use crate::proto::listing::{Entry, EntryKind, largest_file, parse_listing};
use crate::timeline::Event;

/// The session's and data connections' label in the timeline and transcript.
const LABEL: &str = "size-check";

/// A file smaller than this cannot show a black hole: three full-size Ethernet segments
/// (3 × 1460 bytes) are the least that proves full-size packets pass.
pub(super) const MIN_FILE_BYTES: u64 = 4096;

/// Most directories one level below that are listed when the URL's directory has no
/// file: a few listings, not a crawl.
const MAX_SUBDIRS: usize = 4;

/// Most bytes of one listing kept for parsing.
const MAX_LISTING_BYTES: u64 = 256 * 1024;

/// Runs the check when asked and a mode worked; the record goes into `out.size_check`
/// as it grows, so that a deadline leaves what was seen.
pub(super) async fn run(run: &Run<'_>, out: &mut Working, sessions: &mut Sessions) {
    if !run.options.size_check || run.budget.ended_by().is_some() {
        return;
    }
    let (Some(peer), Login::Ok) = (out.control.peer, out.control.login) else {
        out.size_check = Some(SizeCheck::skipped(None, "no logged-in control connection"));
        return;
    };
    if run.proxy.is_some() {
        let why = "through a proxy: a lowered MSS would apply only to the link to the proxy";
        out.size_check = Some(SizeCheck::skipped(None, why));
        return;
    }
    let Some(mode) = working_mode(&out.modes) else {
        out.size_check = Some(SizeCheck::skipped(None, "no mode moved data"));
        return;
    };
    let mlst = out
        .control
        .features
        .iter()
        .any(|f| f.to_ascii_uppercase().starts_with("MLST"));
    // Sessions like the modes' (TLS as the first one had it).
    let run = &same_as_first(run, out);
    let check = out.size_check.insert(SizeCheck::skipped(
        Some(mode),
        "cut short before a file was found",
    ));
    let session = match open_session(peer, run, LABEL, sessions).await {
        Ok(session) => session,
        // Cut by the deadline or Ctrl-C: the record already says so.
        Err(_) if run.budget.was_cut().is_some() => return,
        Err(err) => {
            check.skipped_why = Some(format!("no control connection: {}", err.detail));
            return;
        }
    };
    let (path, size) = match find_file(session, run, mode, mlst).await {
        Ok(found) => found,
        Err(_) if run.budget.was_cut().is_some() => return,
        Err(why) => {
            check.skipped_why = Some(why);
            return;
        }
    };
    check.path = Some(path.clone());
    check.size = size;
    check.skipped_why = None;
    let first = match session.usable() {
        true => try_retr(session, run, mode, &path, None).await,
        // A listing cut at its limit left its session out of step: a fresh one.
        false => match open_session(peer, run, LABEL, sessions).await {
            Ok(session) => try_retr(session, run, mode, &path, None).await,
            Err(err) => {
                let mut lost = MssTry::new(None);
                lost.fail(TryError::NoSession(err.detail));
                lost
            }
        },
    };
    let stalled = first.outcome == TryOutcome::Stalled;
    check.push(first);
    if !stalled {
        return;
    }
    lowered_tries(peer, run, mode, &path, sessions, check).await;
}

/// The retries after a stall, each on a fresh session: 1200, then 536, until one passes.
async fn lowered_tries(
    peer: SocketAddr,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    sessions: &mut Sessions,
    check: &mut SizeCheck,
) {
    for mss in LOWERED_MSS {
        let session = match open_session(peer, run, LABEL, sessions).await {
            Ok(session) => session,
            Err(err) => {
                let mut lost = MssTry::new(Some(mss));
                lost.fail(TryError::NoSession(err.detail));
                check.push(lost);
                return;
            }
        };
        let done = try_retr(session, run, mode, path, Some(mss)).await;
        let passed = done.outcome == TryOutcome::Ok;
        check.push(done);
        if passed {
            return;
        }
    }
}

/// The file to fetch and its size, or why there is none.
async fn find_file(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    mlst: bool,
) -> Result<(String, Option<u64>), String> {
    let target = &run.target.path;
    let dir = target.strip_prefix('/').unwrap_or(target);
    if run.target.path_is_file() {
        let size = match session.command(&Command::Size(dir.to_string())).await {
            Ok(reply) if reply.code == 213 => reply.text().trim().parse().ok(),
            _ => None,
        };
        return match size {
            Some(size) if size < MIN_FILE_BYTES => Err(format!(
                "the URL's file, {dir}, has {size} bytes: too few to fill full-size packets"
            )),
            _ => Ok((dir.to_string(), size)),
        };
    }
    let dir = dir.trim_end_matches('/');
    let (entries, cut) = list(session, run, mode, dir, mlst)
        .await
        .map_err(|e| e.to_string())?;
    let mut best = largest_file(&entries).map(|e| (join(dir, &e.name), e.size));
    if best.is_none() {
        let below: Vec<String> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Dir)
            .take(MAX_SUBDIRS)
            .map(|e| join(dir, &e.name))
            .collect();
        for sub in below {
            let Ok((entries, _)) = list(session, run, mode, &sub, mlst).await else {
                continue;
            };
            if let Some(e) = largest_file(&entries)
                && best.as_ref().is_none_or(|(_, size)| e.size > *size)
            {
                best = Some((join(&sub, &e.name), e.size));
            }
        }
    }
    let shown = if dir.is_empty() { "/" } else { dir };
    // Only the first MAX_LISTING_BYTES of a longer listing were read: say so.
    let read = match cut {
        true => format!(
            " (in the first {} KiB of its listing)",
            MAX_LISTING_BYTES / 1024
        ),
        false => String::new(),
    };
    match best {
        None => Err(format!(
            "no regular file in {shown} or one level below{read}"
        )),
        Some((path, Some(size))) if size < MIN_FILE_BYTES => Err(format!(
            "the largest file, {path}, has {size} bytes{read}: too few to fill full-size packets"
        )),
        Some(found) => Ok(found),
    }
}

fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

/// MLSD or LIST of `dir` ("" for the login directory), parsed, and whether it was cut. A
/// listing longer than [`MAX_LISTING_BYTES`] is cut there: its complete lines are parsed,
/// and the session, whose server is still sending or about to say 426, is left out of
/// step rather than waited on (a large directory is no reason to skip the check).
async fn list(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    dir: &str,
    mlst: bool,
) -> Result<(Vec<Entry>, bool), TryError> {
    let arg = (!dir.is_empty()).then(|| dir.to_string());
    let cmd = match mlst {
        true => Command::Mlsd(arg),
        false => Command::List(arg),
    };
    let verb = cmd.verb().to_string();
    let verb = verb.as_str();
    let pending = request(session, run, mode, None, LABEL).await?;
    session.send(&cmd).await.map_err(|e| failed(verb, e))?;
    let tcp = connection(session, pending, run.step()).await?;
    let opening = session
        .read_reply(verb)
        .await
        .map_err(|e| failed(verb, e))?;
    if !opening.is_positive_preliminary() && !opening.is_positive_completion() {
        return Err(refusal(&cmd, &opening));
    }
    let mut data = secure(session, tcp, run.step()).await?;
    let mut text = Vec::new();
    let read = session
        .budget
        .run(timeout(
            run.step(),
            (&mut data).take(MAX_LISTING_BYTES).read_to_end(&mut text),
        ))
        .await
        .map_err(|cut| TryError::Cut(cut.by))?;
    drop(data);
    match read {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return Err(TryError::DataBroken {
                bytes: text.len() as u64,
                kind: e.kind(),
            });
        }
        Err(_) => {
            return Err(TryError::Stalled {
                after: run.step(),
                bytes: text.len() as u64,
            });
        }
    }
    let cut = text.len() as u64 >= MAX_LISTING_BYTES;
    if cut {
        session
            .conn
            .mark_out_of_step("the size check cut a long listing");
        let whole_lines = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        text.truncate(whole_lines);
    } else if opening.is_positive_preliminary() {
        let done = session
            .read_reply(verb)
            .await
            .map_err(|e| failed(verb, e))?;
        if !done.is_positive_completion() {
            return Err(refusal(&cmd, &done));
        }
    }
    Ok((parse_listing(&String::from_utf8_lossy(&text), mlst), cut))
}

/// One RETR of `path` at `mss` (the system's when `None`), read up to the check's limit.
async fn try_retr(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    mss: Option<u32>,
) -> MssTry {
    let started = Instant::now();
    let mut done = MssTry::new(mss);
    if let Err(why) = retr(session, run, mode, path, &mut done).await {
        done.fail(why);
    }
    done.elapsed = started.elapsed();
    done
}

/// The RETR's steps up to its data; `done` records what they saw.
async fn retr(
    session: &mut Session,
    run: &Run<'_>,
    mode: Mode,
    path: &str,
    done: &mut MssTry,
) -> Result<(), TryError> {
    let pending = request(session, run, mode, done.mss_set, LABEL).await?;
    let cmd = Command::Retr(path.to_string());
    session.send(&cmd).await.map_err(|e| failed("RETR", e))?;
    let tcp = connection(session, pending, run.step()).await?;
    done.mss_read_back = read_mss(&tcp).ok();
    let opening = session
        .read_reply("RETR")
        .await
        .map_err(|e| failed("RETR", e))?;
    if !opening.is_positive_preliminary() && !opening.is_positive_completion() {
        done.reply = Some(ReplyRecord::from(&opening));
        return Ok(());
    }
    let data = secure(session, tcp, run.step()).await?;
    if !read_capped(session, run, data, done).await? {
        return Ok(());
    }
    // The whole file came: the completion reply says whether the server agrees.
    let end = match opening.is_positive_preliminary() {
        true => session.read_reply("RETR").await,
        false => Ok(opening),
    };
    let reply = end.map_err(|e| match failed("RETR", e) {
        TryError::Control { cause, .. } => TryError::NoReplyAfterData(cause),
        other => other,
    })?;
    done.outcome = match reply.is_positive_completion() {
        true => TryOutcome::Ok,
        false => TryOutcome::Failed,
    };
    done.reply = Some(ReplyRecord::from(&reply));
    Ok(())
}

/// Bytes per read of the data connection.
const DATA_CHUNK: usize = 16 * 1024;

/// The data up to [`SIZE_CHECK_BYTES`] exactly; `true` when the file ended first (its
/// completion reply is then due). At the limit the check closes the data connection and
/// does not wait for the server's word on it (226 or 426, whichever its writes reached):
/// the session is left, out of step, for the next try's fresh one.
async fn read_capped(
    session: &mut Session,
    run: &Run<'_>,
    mut data: DataStream,
    done: &mut MssTry,
) -> Result<bool, TryError> {
    let tap = session.data_tap.clone();
    let record = |event| {
        if let Some(tap) = &tap {
            tap.record(event);
        }
    };
    let mut chunk = vec![0u8; DATA_CHUNK];
    loop {
        let left = usize::try_from(SIZE_CHECK_BYTES - done.bytes).unwrap_or(DATA_CHUNK);
        let want = left.min(DATA_CHUNK);
        if want == 0 {
            record(Event::DataCut { bytes: done.bytes });
            session
                .conn
                .mark_out_of_step("the size check stops at its limit");
            done.outcome = TryOutcome::Ok;
            return Ok(false);
        }
        let read = session
            .budget
            .run(timeout(run.step(), data.read(&mut chunk[..want])))
            .await;
        let read = read.inspect_err(|_| {
            session.conn.mark_out_of_step("a transfer cut short");
        });
        match read.map_err(|cut| TryError::Cut(cut.by))? {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                if done.bytes == 0 {
                    record(Event::DataFirst);
                }
                done.bytes += n as u64;
            }
            Ok(Err(e)) => {
                session.conn.mark_out_of_step("a broken transfer");
                return Err(TryError::DataBroken {
                    bytes: done.bytes,
                    kind: e.kind(),
                });
            }
            Err(_) => {
                record(Event::StepTimeout {
                    waiting_for: "data".to_string(),
                    after: run.step(),
                });
                done.outcome = TryOutcome::Stalled;
                session
                    .conn
                    .mark_out_of_step("abandoned a stalled transfer");
                return Err(TryError::Stalled {
                    after: run.step(),
                    bytes: done.bytes,
                });
            }
        }
    }
    record(Event::DataLast { bytes: done.bytes });
    Ok(true)
}
