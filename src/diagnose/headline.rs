//! The answer at a glance: which modes work, the root cause, and the one fix that
//! matters most, naming the setting — "EPSV works; PASV advertises 10.0.0.5 → set
//! pasv_address". The table ends with it, JSON carries it as `summary`.

use serde::Serialize;

use super::cause::ByCause;
use super::{Finding, FindingId, Severity, fixes, refusal};
use crate::probe::record::{DialResult, Mode, ModeOutcome, ProbeOutcome};

/// A finding named by id and mode, as `summary.root_cause` points at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    /// The finding's id.
    pub id: FindingId,
    /// Its mode; `None` for the control connection.
    pub mode: Option<Mode>,
}

/// The short diagnosis of one report (JSON `summary`, the table's last lines).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Modes attempted with no warning or error.
    pub works: Vec<Mode>,
    /// Modes that transferred but carry a warning (a wrong PASV address worked around).
    pub warns: Vec<Mode>,
    /// Modes with an error.
    pub fails: Vec<Mode>,
    /// Modes the server does not offer (502/504, "not implemented"), with no error:
    /// status `refused` (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Mode>,
    /// The reply codes that refused them, in order, for the modes sentence.
    #[serde(skip)]
    pub refused_codes: Vec<u16>,
    /// Modes not attempted (not selected, not applicable, never reached).
    pub skipped: Vec<Mode>,
    /// The skipped modes whose data path was never exercised: active modes told "no such
    /// path" before the server connected back (path-not-found).
    #[serde(skip)]
    pub untested: Vec<Mode>,
    /// `(reachable, sampled)` when --sample-ports found part of the passive range
    /// unreachable: the passive modes then work for that share of ports only.
    #[serde(skip)]
    pub sampled: Option<(usize, usize)>,
    /// The finding that leads the most severe group of findings (warn or worse).
    pub root_cause: Option<FindingRef>,
    /// What is wrong, in a few words.
    pub cause: Option<String>,
    /// The one fix that matters most, naming the setting.
    pub fix: Option<String>,
    /// Where the result could differ on another run, and the flag that settles it.
    pub notes: Vec<String>,
    /// While the server-side fix waits: the client-side workaround, when the other family
    /// of modes (passive or active) works (`curl -P -`, FileZilla "Active").
    #[serde(skip)]
    pub meanwhile: Option<String>,
    /// Whether the first note, the passive ports tried, can stay out of the table: every
    /// passive mode worked, so the range did not matter (JSON keeps the note).
    #[serde(skip)]
    pub ports_note_idle: bool,
    /// Parallel to the report's `findings`: the index of the finding that explains each
    /// one (`null` for a root cause).
    pub explained_by: Vec<Option<usize>>,
    /// All of it on one line: modes; cause → fix.
    pub headline: String,
}

impl Summary {
    /// `EPSV works; PASV fails`: the modes part of the headline.
    pub fn modes_sentence(&self) -> String {
        modes_sentence(&Lists {
            works: &self.works,
            warns: &self.warns,
            fails: &self.fails,
            refused: &self.refused,
            codes: &self.refused_codes,
            untested: &self.untested,
            sampled: self.sampled,
        })
    }
}

/// The modes by what they did, as the modes sentence names them.
#[derive(Clone, Copy)]
struct Lists<'a> {
    works: &'a [Mode],
    warns: &'a [Mode],
    fails: &'a [Mode],
    refused: &'a [Mode],
    /// The codes that refused the `refused` modes.
    codes: &'a [u16],
    /// Skipped modes whose data path was never exercised (path-not-found).
    untested: &'a [Mode],
    /// `(reachable, sampled)` ports of a partly unreachable passive range.
    sampled: Option<(usize, usize)>,
}

impl Lists<'_> {
    fn tried(&self) -> usize {
        self.works.len() + self.warns.len() + self.fails.len() + self.refused.len()
    }
}

/// What the probe's modes did, judged by the findings as the report's statuses are:
/// works, warns, fails, skipped, refused (skipped > fail > refused > warn > ok).
fn mode_lists(outcome: &ProbeOutcome, findings: &[Finding]) -> [Vec<Mode>; 5] {
    let mut lists: [Vec<Mode>; 5] = Default::default();
    for mode in Mode::ALL {
        let Some(m) = outcome.modes.iter().find(|m| m.mode == mode) else {
            continue;
        };
        let worst = findings
            .iter()
            .filter(|f| f.mode == Some(mode))
            .map(|f| f.severity)
            .max();
        let path_not_found = findings.iter().any(|f| f.id == FindingId::PathNotFound);
        let skipped = m.skipped.is_some() || (path_not_found && super::not_exercised(m));
        let list = match (skipped, worst) {
            (true, _) => 3,
            (false, Some(Severity::Error)) => 2,
            _ if refusal(m).is_some() => 4,
            (false, Some(Severity::Warn)) => 1,
            _ => 0,
        };
        lists[list].push(mode);
    }
    lists
}

/// `EPSV, EPRT and PORT`.
fn names(modes: &[Mode]) -> String {
    let upper: Vec<String> = modes
        .iter()
        .map(|m| m.as_str().to_ascii_uppercase())
        .collect();
    match upper.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `EPSV works; PASV fails` — the modes sentence of the headline.
fn modes_sentence(l: &Lists) -> String {
    let verb = |modes: &[Mode], one: &str, many: &str| {
        format!(
            "{} {}",
            names(modes),
            if modes.len() == 1 { one } else { many }
        )
    };
    let tried = l.tried();
    if tried == 0 {
        return "no mode could be tried".to_string();
    }
    if let Some((n, total)) = l.sampled {
        // Each passive mode worked on its own port; the sample says how often they would.
        let (passive, active): (Vec<Mode>, Vec<Mode>) =
            l.works.iter().partition(|m| m.is_passive());
        if !passive.is_empty() {
            let part = format!(
                "{} for {n} of {total} sampled ports",
                verb(&passive, "works", "work")
            );
            let rest = Lists {
                works: &active,
                sampled: None,
                ..*l
            };
            return match rest.tried() {
                0 => part,
                _ => format!("{}; {part}", modes_sentence(&rest)),
            };
        }
    }
    if !l.untested.is_empty() {
        // The modes that worked, then the ones the refused path kept from being tried.
        let mut parts = vec![modes_sentence(&Lists {
            untested: &[],
            ..*l
        })];
        parts.push(format!(
            "{} not exercised (the path was refused before the server connected back)",
            names(l.untested)
        ));
        return parts.join("; ");
    }
    if l.works.len() == tried {
        return match tried {
            1 => format!("{} works", names(l.works)),
            4 => "all four modes work".to_string(),
            _ => format!("{} work", names(l.works)),
        };
    }
    let mut parts = Vec::new();
    if !l.works.is_empty() {
        parts.push(verb(l.works, "works", "work"));
    }
    if !l.warns.is_empty() {
        parts.push(verb(l.warns, "works with a warning", "work with a warning"));
    }
    if !l.refused.is_empty() {
        let mut codes: Vec<String> = Vec::new();
        for code in l.codes.iter().map(u16::to_string) {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        let not_offered = verb(l.refused, "is not offered", "are not offered");
        parts.push(match codes.is_empty() {
            true => not_offered,
            false => format!("{not_offered} ({})", codes.join(", ")),
        });
    }
    if !l.fails.is_empty() {
        parts.push(verb(l.fails, "fails", "fail"));
    }
    parts.join("; ")
}

fn mode_of(outcome: &ProbeOutcome, mode: Option<Mode>) -> Option<&ModeOutcome> {
    outcome.modes.iter().find(|m| Some(m.mode) == mode)
}

/// What is wrong, in a few words, from the finding and what the probe saw.
fn cause_words(outcome: &ProbeOutcome, f: &Finding) -> String {
    use FindingId::*;
    let advertised = mode_of(outcome, f.mode)
        .or_else(|| mode_of(outcome, Some(Mode::Pasv)))
        .and_then(|m| m.advertised.as_ref());
    match (f.id, advertised) {
        (PasvPrivateAddress, Some(a)) => {
            format!(
                "PASV advertises {} ({}), not the server's address",
                a.ip, a.class
            )
        }
        (PasvAddressMismatch, Some(a)) => match outcome.control.peer {
            Some(peer) => format!("PASV advertises {}, not the server's {}", a.ip, peer.ip()),
            None => format!("PASV advertises {}, not the server's address", a.ip),
        },
        (AlgRewrite, Some(a)) if f.mode == Some(Mode::Pasv) => format!(
            "a NAT's FTP helper rewrites plaintext FTP; inside TLS PASV advertises {}",
            a.ip
        ),
        (AlgRewrite, _) => {
            "a NAT's FTP helper rewrites plaintext FTP (PORT/EPRT refused inside TLS)".to_string()
        }
        (DataConnectTimeout, _) => "a firewall drops the passive data ports".to_string(),
        (DataConnectRefused, _) => "the passive data ports refuse connections".to_string(),
        (PassivePortsFiltered, _) => "part of the passive port range is blocked".to_string(),
        (LbNoAffinity, _) => {
            "a load balancer sends data connections to a backend that did not open the port"
                .to_string()
        }
        (EgressAddressVaries, _) => {
            "the server sees this client from more than one address (a NAT pool)".to_string()
        }
        (PortRejected, _) => "the server refuses the address sent in PORT/EPRT".to_string(),
        (ClientBehindNat, _) => {
            "this client is behind NAT: the server refuses or cannot reach its PORT/EPRT address"
                .to_string()
        }
        (ActiveConnectTimeout, _) => {
            "the server never connects back for PORT/EPRT (a firewall in front of the client)"
                .to_string()
        }
        (EpsvUnsupported, _) => "the server (or a firewall) refuses EPSV".to_string(),
        (TlsUnavailable, _) => "the server offers no TLS (AUTH TLS refused)".to_string(),
        _ => f.summary.trim_end_matches('.').to_string(),
    }
}

/// Where one run's answer may not be the next one's, and the flag that settles it.
fn notes(outcome: &ProbeOutcome) -> Vec<String> {
    let mut notes = Vec::new();
    let passive_ports: Vec<u16> = outcome
        .modes
        .iter()
        .filter(|m| m.mode.is_passive())
        .flat_map(|m| &m.dials)
        .filter(|d| d.outcome == DialResult::Connected)
        .map(|d| d.addr.port())
        .collect();
    if outcome.sample.is_none() && !passive_ports.is_empty() {
        let ports: Vec<String> = passive_ports.iter().map(u16::to_string).collect();
        notes.push(format!(
            "passive port{} tried: {}; a partly blocked range shows only with --sample-ports 16",
            if ports.len() == 1 { "" } else { "s" },
            ports.join(", ")
        ));
    }
    if let Some(note) = rerun_for_certificate(outcome) {
        notes.push(note);
    }
    let resumed = outcome
        .modes
        .iter()
        .filter_map(|m| m.transfer.as_ref()?.tls.as_ref())
        .any(|t| t.ok && t.resumed);
    if resumed {
        notes.push(
            "data connections resumed the TLS session; whether the server requires that \
             shows with --no-tls-reuse"
                .to_string(),
        );
    }
    notes
}

/// A named login stopped at a certificate the check refused: the password was not sent,
/// and the flag that lets the probe go on.
fn rerun_for_certificate(outcome: &ProbeOutcome) -> Option<String> {
    let c = &outcome.control;
    let rec = c.tls_details.as_ref()?;
    let certificate =
        rec.error.as_ref()?.reason == crate::probe::record::TlsFailureReason::Certificate;
    let anonymous = c.user.eq_ignore_ascii_case("anonymous") || c.user.eq_ignore_ascii_case("ftp");
    (certificate && !anonymous && c.login != crate::probe::record::Login::Ok).then(|| {
        let input = &outcome.target.input;
        format!(
            "the password of {} was not sent over an unverified session; rerun with the \
             server's CA or without the check: ftpdoctor probe {input} --ca-file FILE (or \
             --insecure), with your other options",
            c.user
        )
    })
}

/// The client-side workaround for a data path blocked in one family of modes while the
/// other family works.
fn meanwhile(root: &Finding, works: &[Mode], warns: &[Mode]) -> Option<String> {
    use FindingId::*;
    // The sampled range and a load balancer without affinity (mode: null) are about the
    // passive modes: the server's own connect-back reaches this client whichever backend
    // makes it.
    let mode = root
        .mode
        .or(matches!(root.id, PassivePortsFiltered | LbNoAffinity).then_some(Mode::Epsv))?;
    let blocked_data = matches!(
        root.id,
        DataConnectTimeout
            | DataConnectRefused
            | PassivePortsFiltered
            | LbNoAffinity
            | ActiveConnectTimeout
            | PortRejected
            | ClientBehindNat
    );
    let working: Vec<Mode> = works
        .iter()
        .chain(warns)
        .copied()
        .filter(|m| m.is_passive() != mode.is_passive())
        .collect();
    if !blocked_data || root.severity < Severity::Error || working.is_empty() {
        return None;
    }
    let work = match working.len() {
        1 => "works",
        _ => "work",
    };
    Some(match mode.is_passive() {
        true => format!(
            "{} {work}: use active mode — curl -P - (--ftp-port -), lftp set \
             ftp:passive-mode off, FileZilla Transfer mode \"Active\"",
            names(&working)
        ),
        false => format!(
            "{} {work}: use passive mode — curl's default (no -P), lftp set \
             ftp:passive-mode on, FileZilla Transfer mode \"Passive\"",
            names(&working)
        ),
    })
}

/// The passive-ports note leads the notes, and every passive mode tried worked with no
/// warning: a healthy probe need not list its ports.
fn ports_note_idle(outcome: &ProbeOutcome, findings: &[Finding]) -> bool {
    let leads = notes(outcome)
        .first()
        .is_some_and(|n| n.starts_with("passive port"));
    let passive_fine = outcome
        .modes
        .iter()
        .filter(|m| m.mode.is_passive() && m.skipped.is_none())
        .all(|m| {
            !findings
                .iter()
                .any(|f| f.mode == Some(m.mode) && f.severity >= Severity::Warn)
        });
    leads && passive_fine
}

/// The short diagnosis: `by_cause` is the report's findings grouped by cause.
pub fn summarize(outcome: &ProbeOutcome, by_cause: &ByCause) -> Summary {
    let findings = &by_cause.findings;
    let [works, warns, fails, skipped, refused] = mode_lists(outcome, findings);
    let refused_codes: Vec<u16> = refused
        .iter()
        .filter_map(|mode| mode_of(outcome, Some(*mode)))
        .filter_map(|m| refusal(m).map(|r| r.code))
        .collect();
    let sampled = outcome
        .sample
        .as_ref()
        .filter(|s| s.has_unreachable())
        .map(|s| (s.reachable, s.ports.len()));
    let untested: Vec<Mode> = skipped
        .iter()
        .filter(|mode| mode_of(outcome, Some(**mode)).is_some_and(super::not_exercised))
        .copied()
        .collect();
    // The first root is the most severe group's cause (cause::by_cause orders them so).
    let root = findings
        .iter()
        .zip(&by_cause.explained_by)
        .enumerate()
        .find(|(_, (_, by))| by.is_none())
        .filter(|(i, _)| group_worst(by_cause, *i) >= Severity::Warn)
        .map(|(_, (f, _))| f);
    let cause = root.map(|f| cause_words(outcome, f));
    let fix = root.map(|f| fixes::short_for(f).to_string());
    let meanwhile = root.and_then(|f| meanwhile(f, &works, &warns));
    let mut headline = modes_sentence(&Lists {
        works: &works,
        warns: &warns,
        fails: &fails,
        refused: &refused,
        codes: &refused_codes,
        untested: &untested,
        sampled,
    });
    if let (Some(cause), Some(fix)) = (&cause, &fix) {
        headline.push_str(&format!("; {cause} → {fix}"));
    }
    Summary {
        works,
        warns,
        fails,
        refused,
        refused_codes,
        skipped,
        untested,
        sampled,
        root_cause: root.map(|f| FindingRef {
            id: f.id,
            mode: f.mode,
        }),
        cause,
        fix,
        meanwhile,
        ports_note_idle: ports_note_idle(outcome, findings),
        notes: notes(outcome),
        explained_by: by_cause.explained_by.clone(),
        headline,
    }
}

/// The most severe finding of the group that `root` leads.
fn group_worst(by_cause: &ByCause, root: usize) -> Severity {
    let mut worst = by_cause.findings[root].severity;
    // Members follow their root until the next root.
    for (f, by) in by_cause.findings[root + 1..]
        .iter()
        .zip(&by_cause.explained_by[root + 1..])
    {
        if by.is_none() {
            break;
        }
        worst = worst.max(f.severity);
    }
    worst
}

#[cfg(test)]
#[path = "headline_tests.rs"]
mod tests;
