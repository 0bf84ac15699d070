//! `--repeat N`: the findings of several rounds of the same probe put together. A mode
//! that works in some rounds only is `mode-intermittent`, naming what the failed rounds
//! saw; the error findings of a failed round stay in the report, so that the verdict does
//! not forget a failure the last round happened not to meet.

use std::collections::BTreeSet;

use super::context::new_finding;
use super::finding::{Finding, FindingId, Severity};
use super::words::upper;
use crate::probe::record::Mode;

/// One mode in one round: whether it worked (its status ok or warn) and the findings
/// about it in that round.
#[derive(Debug, Clone, Copy)]
pub struct ModeRound<'a> {
    /// The round, counted from 1.
    pub round: u32,
    /// Its status in that round was ok or warn.
    pub ok: bool,
    /// Every finding of that round (the mode's are picked out here).
    pub findings: &'a [Finding],
}

/// mode-intermittent for `mode` when it worked in some of `rounds` and not in others.
pub fn mode_intermittent(mode: Mode, rounds: &[ModeRound<'_>]) -> Option<Finding> {
    let ok = rounds.iter().filter(|r| r.ok).count();
    let failed: Vec<&ModeRound<'_>> = rounds.iter().filter(|r| !r.ok).collect();
    if ok == 0 || failed.is_empty() {
        return None;
    }
    let saw: Vec<String> = failed
        .iter()
        .map(|r| format!("round {}: {}", r.round, what_it_saw(mode, r.findings)))
        .collect();
    let numbers: Vec<String> = failed.iter().map(|r| r.round.to_string()).collect();
    let last = failed.last().map_or_else(String::new, |r| {
        worst(mode, r.findings).map_or_else(String::new, |f| format!(": {}", f.summary))
    });
    Some(new_finding(
        FindingId::ModeIntermittent,
        Some(mode),
        format!(
            "{} worked in {ok} of {} rounds; it failed in round{} {}{last}",
            upper(mode),
            rounds.len(),
            if failed.len() == 1 { "" } else { "s" },
            numbers.join(", ")
        ),
        saw.join("; "),
    ))
}

/// The ids of a failed round's findings about `mode` (and about no mode), worst first.
fn what_it_saw(mode: Mode, findings: &[Finding]) -> String {
    let mut about: Vec<&Finding> = findings
        .iter()
        .filter(|f| (f.mode == Some(mode) || f.mode.is_none()) && f.severity > Severity::Info)
        .collect();
    about.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let ids: Vec<String> = about.iter().map(|f| f.id.to_string()).collect();
    match ids.is_empty() {
        true => "no finding (the mode was skipped or refused)".to_string(),
        false => ids.join(", "),
    }
}

/// The most severe finding about `mode` in one round.
fn worst(mode: Mode, findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .filter(|f| f.mode == Some(mode) && f.severity > Severity::Info)
        .max_by_key(|f| f.severity)
}

/// The error findings of earlier rounds that `kept` lacks (by id and mode), each marked
/// with its round: what a failed round saw stays in the report.
pub fn kept_errors(kept: &[Finding], rounds: &[(u32, &[Finding])]) -> Vec<Finding> {
    let mut seen: BTreeSet<(FindingId, Option<Mode>)> =
        kept.iter().map(|f| (f.id, f.mode)).collect();
    let mut out = Vec::new();
    for (round, findings) in rounds {
        for f in findings.iter().filter(|f| f.severity == Severity::Error) {
            if seen.insert((f.id, f.mode)) {
                let mut f = f.clone();
                f.evidence = format!("round {round}: {}", f.evidence);
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::testkit::*;
    use crate::diagnose::{FindingId, diagnose};
    use crate::probe::record::DialResult;

    #[test]
    fn a_mode_refused_in_one_round_of_three_is_intermittent_naming_that_round() {
        let good = diagnose(&healthy());
        let mut broken = healthy();
        passive_dial_fails(&mut broken, Mode::Epsv, DialResult::Refused);
        let bad = diagnose(&broken);
        let rounds = [
            ModeRound {
                round: 1,
                ok: true,
                findings: &good,
            },
            ModeRound {
                round: 2,
                ok: false,
                findings: &bad,
            },
            ModeRound {
                round: 3,
                ok: true,
                findings: &good,
            },
        ];
        let f = mode_intermittent(Mode::Epsv, &rounds).expect("intermittent");
        assert_eq!((f.severity, f.mode), (Severity::Warn, Some(Mode::Epsv)));
        assert!(
            f.summary
                .starts_with("EPSV worked in 2 of 3 rounds; it failed in round 2")
        );
        assert!(
            f.evidence.contains("round 2: data-connect-refused"),
            "{}",
            f.evidence
        );
    }

    #[test]
    fn every_round_alike_is_not_intermittent() {
        let good = diagnose(&healthy());
        let all = |ok| {
            (1..=3)
                .map(|round| ModeRound {
                    round,
                    ok,
                    findings: &good,
                })
                .collect::<Vec<_>>()
        };
        assert!(mode_intermittent(Mode::Pasv, &all(true)).is_none());
        assert!(mode_intermittent(Mode::Pasv, &all(false)).is_none());
    }

    #[test]
    fn an_earlier_rounds_error_is_kept_once_with_its_round() {
        let mut broken = healthy();
        passive_dial_fails(&mut broken, Mode::Pasv, DialResult::Refused);
        let bad = diagnose(&broken);
        let kept = kept_errors(&[], &[(1, &bad), (2, &bad)]);
        let refused: Vec<&Finding> = kept
            .iter()
            .filter(|f| f.id == FindingId::DataConnectRefused)
            .collect();
        assert_eq!(refused.len(), 1);
        assert!(refused[0].evidence.starts_with("round 1: "));
        assert!(kept_errors(&bad, &[(1, &bad)]).is_empty());
    }
}
