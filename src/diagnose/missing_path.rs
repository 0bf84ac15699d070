//! A mistyped path is not a firewall: when the server answers the transfer "no such file"
//! (550, or a 450 that says so) while the data connections themselves opened, the probe
//! reports one `path-not-found` (`mode: null`) instead of a `transfer-failed` per mode.
//!
//! What can be proved, and what cannot:
//! - passive modes: the data connection was open when the 550 came, so their data path
//!   works;
//! - active modes: servers answer 550 before they connect back, so their data path was
//!   not exercised ([`not_exercised`]: the report shows them `skipped`);
//! - a 450 counts only when its text says the path is missing (ProFTPD's "No files
//!   found"): a bare 450 is "busy, try later" (RFC 959 4.2) and stays `transfer-failed`;
//! - an empty listing with 226 (vsftpd lists a missing directory that way) proves the
//!   data path works and nothing about the path: no finding.

use super::context::new_finding;
use super::finding::{Finding, FindingId};
use crate::probe::record::{
    AcceptResult, DialResult, ModeOutcome, ProbeOutcome, ReplyRecord, TransferResult,
};

/// Words of a 450 that name a missing path rather than a busy file.
const MISSING_WORDS: [&str; 5] = [
    "no such file",
    "no files found",
    "not found",
    "does not exist",
    "cannot find",
];

/// The "no such path" reply that ended `m`'s transfer, if that is how it ended.
fn missing_reply(m: &ModeOutcome) -> Option<&ReplyRecord> {
    let t = m.transfer.as_ref()?;
    if t.outcome != TransferResult::Failed || m.error.is_some() {
        return None;
    }
    let reply = t.final_reply.as_ref()?;
    let text = reply.text.to_ascii_lowercase();
    let says_missing = match reply.code {
        550 => true,
        450 => MISSING_WORDS.iter().any(|w| text.contains(w)),
        _ => false,
    };
    says_missing.then_some(reply)
}

/// Whether `m` answered "no such path" before its data connection was ever made: an
/// active mode whose server refused the transfer before connecting back.
pub fn not_exercised(m: &ModeOutcome) -> bool {
    !m.mode.is_passive()
        && missing_reply(m).is_some()
        && m.accept
            .as_ref()
            .is_none_or(|a| a.outcome != AcceptResult::Accepted)
}

/// Whether `m`'s data connection opened before the server said "no such path".
fn connected_then_missing(m: &ModeOutcome) -> bool {
    missing_reply(m).is_some()
        && if m.mode.is_passive() {
            m.dials.iter().any(|d| d.outcome == DialResult::Connected)
        } else {
            m.accept
                .as_ref()
                .is_some_and(|a| a.outcome == AcceptResult::Accepted)
        }
}

/// `path-not-found` when every mode that reached its transfer was told the path is
/// missing, and at least one of them had its data connection open: then the modes'
/// `transfer-failed` findings are that one finding's echoes and are left out.
pub(super) fn path_not_found(outcome: &ProbeOutcome, findings: &mut Vec<Finding>) {
    let reached: Vec<&ModeOutcome> = outcome
        .modes
        .iter()
        .filter(|m| m.transfer.is_some())
        .collect();
    let Some(first) = reached
        .first()
        .and_then(|m| missing_reply(m).map(|r| (m, r)))
    else {
        return;
    };
    if !reached.iter().all(|m| missing_reply(m).is_some())
        || !reached.iter().any(|m| connected_then_missing(m))
    {
        return;
    }
    let (m, reply) = first;
    let command = m.transfer.as_ref().map_or("", |t| t.command.as_str());
    let upper = |m: &ModeOutcome| m.mode.as_str().to_uppercase();
    let opened: Vec<String> = reached
        .iter()
        .filter(|m| connected_then_missing(m))
        .map(|m| upper(m))
        .collect();
    let untested: Vec<String> = reached
        .iter()
        .filter(|m| not_exercised(m))
        .map(|m| upper(m))
        .collect();
    let mut evidence = format!(
        "\"{command}\" answered {}; the data connection of {} was open when it came",
        super::words::quote(reply),
        and_list(&opened)
    );
    if !untested.is_empty() {
        evidence.push_str(&format!(
            "; {} answered before the server connected back: their data path was not exercised",
            and_list(&untested)
        ));
    }
    let summary = format!(
        "The path in the URL does not exist ({}): the data connections work, this is not a \
         firewall.",
        reply.code
    );
    findings.retain(|f| {
        f.id != FindingId::TransferFailed
            || !f
                .mode
                .is_some_and(|mode| reached.iter().any(|m| m.mode == mode))
    });
    findings.push(new_finding(
        FindingId::PathNotFound,
        None,
        summary,
        evidence,
    ));
}

/// `EPSV, PASV and EPRT`.
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{FindingId, diagnose};
    use crate::probe::record::Mode;

    fn ids(o: &crate::probe::record::ProbeOutcome) -> Vec<(FindingId, Option<Mode>)> {
        diagnose(o).iter().map(|f| (f.id, f.mode)).collect()
    }

    #[test]
    fn mistyped_path_550_on_every_mode_is_one_path_not_found() {
        let mut o = healthy();
        for m in Mode::ALL {
            transfer_fails(&mut o, m, 550, "Failed to open file.");
        }
        assert_eq!(ids(&o), [(FindingId::PathNotFound, None)]);
    }

    #[test]
    fn proftpd_450_no_files_found_is_a_missing_path_but_a_bare_450_is_not() {
        let mut o = healthy();
        for m in Mode::ALL {
            transfer_fails(&mut o, m, 450, "nope: No files found");
        }
        assert_eq!(ids(&o), [(FindingId::PathNotFound, None)]);
        let mut busy = healthy();
        transfer_fails(&mut busy, Mode::Pasv, 450, "Requested action not taken.");
        assert_eq!(ids(&busy), [(FindingId::TransferFailed, Some(Mode::Pasv))]);
    }

    #[test]
    fn a_550_on_one_mode_while_another_transferred_stays_transfer_failed() {
        let mut o = healthy();
        transfer_fails(&mut o, Mode::Epsv, 550, "Permission denied.");
        assert_eq!(ids(&o), [(FindingId::TransferFailed, Some(Mode::Epsv))]);
    }
}
