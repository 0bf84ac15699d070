//! Long and large transfers: the full-size packet check (mtu-blackhole), `--idle`
//! (control-idle-timeout) and `--upload` (upload-refused, upload-stalled, and mtu-blackhole
//! in the client-to-server direction). All about the path, so `mode: null`, except a stall
//! that a lowered MSS did not cure: that one is the mode's transfer-timeout.

use super::context::new_finding;
use super::fixes::for_what_was_seen;
use super::{Finding, FindingId};
use crate::probe::record::{
    DeleOutcome, IdleCheck, IdleLoss, MssTry, ProbeOutcome, SizeCheck, SizeOutcome, StoreTry,
    TryOutcome, UploadCheck,
};

/// Every finding of the size check, the idle measurement and the upload.
pub(super) fn findings(outcome: &ProbeOutcome) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(check) = &outcome.size_check {
        out.extend(size_check(check));
    }
    if let Some(upload) = &outcome.upload {
        out.extend(upload_findings(upload));
    }
    if let Some(idle) = &outcome.idle {
        out.extend(idle_timeout(idle, outcome));
    }
    merged(out)
}

/// One finding per id: a black hole seen both ways, or an upload refused and then a DELE,
/// is one finding with both summaries (a report, and a metric series, per id and mode).
fn merged(found: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in found {
        match out.iter_mut().find(|o| o.id == f.id && o.mode == f.mode) {
            Some(first) => {
                first.summary = format!("{} {}", first.summary, f.summary);
                first.evidence = format!("{}; {}", first.evidence, f.evidence);
            }
            None => out.push(f),
        }
    }
    out
}

/// `MSS 1188 (TCP_MAXSEG 1200 set)` or `MSS 32741 (the system's)`.
fn mss_words(t: &MssTry) -> String {
    let read = t
        .mss_read_back
        .map_or("unknown".to_string(), |m| m.to_string());
    match t.mss_set {
        Some(set) => format!("MSS {read} (TCP_MAXSEG {set} set)"),
        None => format!("MSS {read} (the system's)"),
    }
}

/// Each try in a line of evidence.
fn tries_words(tries: &[MssTry]) -> String {
    tries
        .iter()
        .map(|t| {
            let end = match (t.outcome, &t.reply) {
                (TryOutcome::Ok, _) => "passed".to_string(),
                (TryOutcome::Stalled, _) => format!("stalled after {} bytes", t.bytes),
                (TryOutcome::Failed, Some(r)) => format!("failed: {} {}", r.code, r.text),
                (TryOutcome::Failed, None) => format!(
                    "failed: {}",
                    t.error.as_deref().unwrap_or("no data connection")
                ),
            };
            format!("{}: {end}", mss_words(t))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn size_check(check: &SizeCheck) -> Option<Finding> {
    if check.outcome != SizeOutcome::Stalled {
        return None;
    }
    let path = check.path.as_deref().unwrap_or("?");
    let mode = check.mode.map_or("?", |m| m.as_str());
    let evidence = format!(
        "RETR {path} over {mode}, read up to 256 KiB; the listing passed. {}",
        tries_words(&check.tries)
    );
    if let Some((stalled, passed)) = check.proven_black_hole() {
        let summary = format!(
            "Full-size packets vanish on the path: RETR {path} stalled after {} bytes at {}, \
             and passed at {}. The listing worked because it fits in small packets; every \
             client will hang on large files.",
            stalled.bytes,
            mss_words(stalled),
            mss_words(passed)
        );
        return Some(new_finding(
            FindingId::MtuBlackhole,
            None,
            summary,
            evidence,
        ));
    }
    let lowered = check.tries.len() > 1;
    let below = check
        .tries
        .first()
        .is_some_and(MssTry::stalled_below_one_segment);
    let summary = match (lowered, below) {
        (true, _) => format!(
            "RETR {path} stalled after {} bytes, and also with a lowered MSS: not a path-MTU \
             black hole, something else stops the data (a firewall, the server).",
            check.bytes
        ),
        (false, false) => format!(
            "RETR {path} stalled after {} bytes, more than one full-size segment: not a \
             path-MTU black hole, the data flow itself stops.",
            check.bytes
        ),
        (false, true) => format!(
            "RETR {path} stalled after {} bytes; the lowered-MSS tries did not run.",
            check.bytes
        ),
    };
    let finding = new_finding(FindingId::TransferTimeout, check.mode, summary, evidence);
    Some(for_what_was_seen(finding, "transfer-data"))
}

fn upload_findings(upload: &UploadCheck) -> Vec<Finding> {
    let mut out = Vec::new();
    let stores = [("small", &upload.small), ("256 KiB", &upload.large)];
    for (what, store) in stores {
        let Some(store) = store else { continue };
        out.extend(store_finding(upload, what, store));
    }
    if upload.dele == Some(DeleOutcome::Failed) {
        let reply = upload
            .dele_reply
            .as_ref()
            .map_or("no reply".to_string(), |r| format!("{} {}", r.code, r.text));
        out.push(new_finding(
            FindingId::UploadRefused,
            None,
            format!(
                "The upload worked but DELE was refused ({reply}): {} IS LEFT BEHIND on the \
                 server; delete it by hand. Not a network fault (vsftpd lets anonymous users \
                 delete only with anon_other_write_enable=YES).",
                upload.name
            ),
            format!("DELE {} answered {reply}", upload.name),
        ));
    }
    out
}

/// What one STOR says: refused (not a network fault), stalled, or a proven black hole in
/// the client-to-server direction.
fn store_finding(upload: &UploadCheck, what: &str, store: &StoreTry) -> Option<Finding> {
    let first = store.tries.first()?;
    let name = &upload.name;
    let evidence = format!(
        "STOR {name} ({} bytes): {}",
        store.size,
        tries_words(&store.tries)
    );
    if let (TryOutcome::Failed, Some(reply)) = (first.outcome, &first.reply)
        && matches!(reply.code, 450 | 532 | 550 | 552 | 553)
    {
        return Some(new_finding(
            FindingId::UploadRefused,
            None,
            format!(
                "The login may not write here: STOR of the {what} file answered {} {}. Not a \
                 network fault.",
                reply.code, reply.text
            ),
            evidence,
        ));
    }
    if first.outcome == TryOutcome::Ok {
        return None;
    }
    let passed = store
        .tries
        .iter()
        .skip(1)
        .find(|t| t.outcome == TryOutcome::Ok);
    if let Some(passed) = passed.filter(|_| first.outcome == TryOutcome::Stalled) {
        let summary = format!(
            "Full-size packets from this client vanish on the path: the {what} upload got no \
             226 at {}, and passed at {}.",
            mss_words(first),
            mss_words(passed)
        );
        return Some(new_finding(
            FindingId::MtuBlackhole,
            None,
            summary,
            evidence,
        ));
    }
    let summary = match first.outcome {
        TryOutcome::Stalled => format!(
            "The {what} upload stalled: no 226 within --timeout{}.",
            match store.tries.len() {
                1 => "",
                _ => ", also with a lowered MSS",
            }
        ),
        _ => format!(
            "The {what} upload failed: {}.",
            first.error.as_deref().unwrap_or("see the evidence")
        ),
    };
    Some(new_finding(
        FindingId::UploadStalled,
        None,
        summary,
        evidence,
    ))
}

fn idle_timeout(idle: &IdleCheck, outcome: &ProbeOutcome) -> Option<Finding> {
    let lost = idle.lost_s?;
    let how = idle.how?;
    let survived = idle.survived_s.map_or(
        "none of the shorter ones survived either".to_string(),
        |s| format!("{s:.1} s survived"),
    );
    let who = match how {
        IdleLoss::Server421 => {
            "the server's own idle timeout said 421 (vsftpd idle_session_timeout, ProFTPD \
             TimeoutIdle, Pure-FTPd -I), not a firewall"
        }
        IdleLoss::Reset => "its NOOP was answered with a RST, as AWS NLB and routers do",
        IdleLoss::Silent => {
            "its NOOP got no answer, as behind Azure Load Balancer or a firewall that drops \
             flows it forgot"
        }
        IdleLoss::Closed => "it was closed (FIN, no 421), as HAProxy's timeout client does",
    };
    let longest = outcome
        .modes
        .iter()
        .filter_map(|m| m.transfer.as_ref())
        .map(|t| t.elapsed.as_secs_f64())
        .fold(0.0, f64::max);
    let linked = match idle.survived_s {
        Some(s) if longest > s => format!(
            " This probe's own transfer took {longest:.1} s, longer than that: it would lose \
             its 226."
        ),
        _ => String::new(),
    };
    let summary = format!(
        "An idle control connection is lost after {lost:.1} s ({survived}): {who}. A \
         transfer longer than that loses its 226.{linked}"
    );
    let evidence = idle
        .tries
        .iter()
        .map(|t| match t.lost {
            None => format!("idle {:.1} s: NOOP answered", t.idle_s),
            Some(l) => format!("idle {:.1} s: lost ({l})", t.idle_s),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(new_finding(
        FindingId::ControlIdleTimeout,
        None,
        summary,
        evidence,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::diagnose;
    use crate::diagnose::testkit::{healthy, reply};
    use crate::probe::record::{IdleTry, Mode};

    fn tried(mss_set: Option<u32>, read: u32, bytes: u64, outcome: TryOutcome) -> MssTry {
        MssTry {
            mss_read_back: Some(read),
            bytes,
            outcome,
            ..MssTry::new(mss_set)
        }
    }

    fn check(tries: Vec<MssTry>) -> SizeCheck {
        let mut c = SizeCheck::skipped(Some(Mode::Epsv), "");
        c.skipped_why = None;
        c.path = Some("pub/1MiB.bin".into());
        for t in tries {
            c.push(t);
        }
        c
    }

    fn ids_of(size: SizeCheck) -> Vec<(FindingId, Option<Mode>)> {
        let mut o = healthy();
        o.size_check = Some(size);
        diagnose(&o).into_iter().map(|f| (f.id, f.mode)).collect()
    }

    #[test]
    fn stall_below_one_segment_then_a_pass_at_1200_is_a_proven_black_hole() {
        let c = check(vec![
            tried(None, 1448, 0, TryOutcome::Stalled),
            tried(Some(1200), 1188, 262_144, TryOutcome::Ok),
        ]);
        assert_eq!(ids_of(c), [(FindingId::MtuBlackhole, None)]);
    }

    #[test]
    fn a_stall_that_a_lowered_mss_does_not_cure_is_no_black_hole() {
        let c = check(vec![
            tried(None, 1448, 0, TryOutcome::Stalled),
            tried(Some(1200), 1188, 0, TryOutcome::Stalled),
            tried(Some(536), 524, 0, TryOutcome::Stalled),
        ]);
        assert_eq!(ids_of(c), [(FindingId::TransferTimeout, Some(Mode::Epsv))]);
    }

    #[test]
    fn a_stall_after_more_than_one_segment_is_not_called_mtu() {
        let c = check(vec![
            tried(None, 1448, 100_000, TryOutcome::Stalled),
            tried(Some(1200), 1188, 262_144, TryOutcome::Ok),
        ]);
        assert_eq!(ids_of(c), [(FindingId::TransferTimeout, Some(Mode::Epsv))]);
    }

    #[test]
    fn a_size_check_that_passed_or_was_skipped_says_nothing() {
        let ok = check(vec![tried(None, 1448, 262_144, TryOutcome::Ok)]);
        assert_eq!(ids_of(ok), []);
        assert_eq!(ids_of(SizeCheck::skipped(None, "no mode moved data")), []);
    }

    fn idle(tries: &[(f64, Option<IdleLoss>)]) -> IdleCheck {
        let mut c = IdleCheck {
            survived_s: None,
            lost_s: None,
            how: None,
            asked_s: 8.0,
            tries: tries
                .iter()
                .map(|&(idle_s, lost)| IdleTry {
                    idle_s,
                    lost,
                    reply: None,
                    error: None,
                })
                .collect(),
            error: None,
            login_refused: None,
        };
        c.conclude();
        c
    }

    #[test]
    fn idle_connections_lost_between_two_times_give_control_idle_timeout() {
        let c = idle(&[(8.0, Some(IdleLoss::Silent)), (4.0, None), (2.0, None)]);
        assert_eq!(
            (c.survived_s, c.lost_s, c.how),
            (Some(4.0), Some(8.0), Some(IdleLoss::Silent))
        );
        let mut o = healthy();
        o.idle = Some(c);
        let found = diagnose(&o);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, FindingId::ControlIdleTimeout);
        assert!(found[0].summary.contains("8.0 s"), "{}", found[0].summary);
        let survived = idle(&[(8.0, None), (4.0, None)]);
        assert_eq!((survived.survived_s, survived.lost_s), (Some(8.0), None));
        let mut o = healthy();
        o.idle = Some(survived);
        assert!(diagnose(&o).is_empty());
    }

    #[test]
    fn a_refused_stor_is_upload_refused_and_a_failed_dele_names_the_file_left_behind() {
        let refused = MssTry {
            reply: reply(553, "Could not create file."),
            ..MssTry::new(None)
        };
        let upload = UploadCheck {
            name: "ftpdoctor-0a1b.tmp".into(),
            small: Some(StoreTry {
                size: 64,
                tries: vec![refused],
                size_after: None,
            }),
            large: None,
            dele: Some(DeleOutcome::Failed),
            dele_reply: reply(550, "Permission denied."),
            left_behind: true,
            mode: Some(Mode::Epsv),
            skipped_why: None,
        };
        let mut o = healthy();
        o.upload = Some(upload);
        let found = diagnose(&o);
        let ids: Vec<FindingId> = found.iter().map(|f| f.id).collect();
        assert_eq!(ids, [FindingId::UploadRefused]);
        assert!(
            found[0]
                .summary
                .contains("STOR of the small file answered 553")
        );
        assert!(
            found[0]
                .summary
                .contains("ftpdoctor-0a1b.tmp IS LEFT BEHIND")
        );
    }
}
