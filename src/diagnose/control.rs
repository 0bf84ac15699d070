//! Findings about the control connection as a whole (`mode: None`): name resolution,
//! the TCP connect, banner and login, the deadline, the connection limit and our NAT.

use super::words::{
    attempt_line, capitalise, dial_outcome, failure_clause, failure_evidence, quote,
    sock_with_class,
};
use std::time::Duration;

use super::context::new_finding;
use super::{Finding, FindingId};
use crate::probe::record::{
    ControlOutcome, Cut, CutBy, DialResult, ErrorKind, Login, ProbeOutcome, SkipReason, Stage,
    StepError, Strategy,
};

pub(super) fn findings(outcome: &ProbeOutcome) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(err) = &outcome.control.error {
        out.push(setup_failed(outcome, err));
    }
    out.extend(super::tls::control_findings(outcome));
    out.extend(super::nat::client_behind_nat(outcome));
    out.extend(super::nat::server_behind_nat(&outcome.control));
    out.extend(banner_slow(outcome));
    let refused = outcome.fallback_error.as_ref().is_none_or(is_refusal);
    if (outcome.strategy == Strategy::SequentialFallback && refused)
        || not_tried_refused(outcome) > 0
    {
        out.push(connection_limit(outcome));
    } else if outcome.strategy == Strategy::SequentialFallback
        && let Some(err) = &outcome.fallback_error
    {
        out.extend(extra_session_failed(err));
    }
    if let Some(by) = outcome.cut_by()
        && outcome.control.error.is_none()
    {
        let untried: Vec<&str> = outcome
            .modes
            .iter()
            .filter(|m| m.skip_reason() == Some(SkipReason::Deadline))
            .map(|m| m.mode.as_str())
            .collect();
        if !untried.is_empty() {
            out.push(cut_finding(
                by,
                None,
                format!(
                    "{} before {} could be tried.",
                    super::words::cut_short_by(by, outcome.deadline),
                    untried.join(", ")
                ),
                format!(
                    "{} after login; not tried: {}",
                    super::words::cut_short_evidence(by, outcome.deadline),
                    untried.join(", ")
                ),
            ));
        }
    }
    out
}

/// The deadline-exceeded finding for a probe that `by` cut short, with the branch of its
/// fix that fits who did.
pub(super) fn cut_finding(
    by: CutBy,
    mode: Option<crate::probe::record::Mode>,
    summary: String,
    evidence: String,
) -> Finding {
    let f = new_finding(FindingId::DeadlineExceeded, mode, summary, evidence);
    super::fixes::for_what_was_seen(f, by.as_str())
}

/// A greeting later than this is worth a warning: a healthy server greets within
/// milliseconds, and one that waits seconds is almost always resolving the client's name.
pub const SLOW_GREETING: Duration = Duration::from_secs(1);

/// Late greetings, on the first control connection and on each mode's own: one warning
/// that lists them (a server's reverse-DNS lookup delays every connection).
fn banner_slow(outcome: &ProbeOutcome) -> Option<Finding> {
    let first = outcome
        .control
        .greeting
        .map(|d| ("the first control connection".to_string(), d));
    let modes = outcome.modes.iter().filter_map(|m| {
        m.greeting.map(|d| {
            (
                format!("{}'s own connection", m.mode.as_str().to_uppercase()),
                d,
            )
        })
    });
    let slow: Vec<(String, Duration)> = first
        .into_iter()
        .chain(modes)
        .filter(|(_, d)| *d > SLOW_GREETING)
        .collect();
    let worst = slow.iter().map(|(_, d)| *d).max()?;
    let listed: Vec<String> = slow
        .iter()
        .map(|(on, d)| format!("{} on {on}", seconds(d)))
        .collect();
    Some(finding(
        FindingId::BannerSlow,
        format!(
            "The server greeted late, after up to {}: it most likely looks up each client's \
             name (reverse DNS) and waits for its resolver to time out. Clients with short \
             timeouts give up before the 220.",
            seconds(&worst)
        ),
        format!(
            "220 after {} (ftpdoctor keeps listening for a greeting until --deadline)",
            listed.join("; ")
        ),
    ))
}

/// A measured wait, to a tenth of a second: `5.0 s`.
fn seconds(d: &Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// A refusal of an extra connection (421, or a 4yz/5yz greeting or login reply), as
/// opposed to a connection that broke on its own (a TLS failure, a reset).
fn is_refusal(err: &StepError) -> bool {
    // A TLS failure's reply is the plaintext answer to a ClientHello, not a refusal.
    err.kind == ErrorKind::Refused
        || (err.kind != ErrorKind::Tls && err.reply.as_ref().is_some_and(|r| r.code >= 400))
}

/// An extra control connection failed for a reason other than a refusal: the modes ran
/// in turn on the first one, and this says why, without calling it a connection limit.
fn extra_session_failed(err: &StepError) -> Option<Finding> {
    if let Some(race) = super::tls::starttls_race(err) {
        return Some(race);
    }
    Some(finding(
        FindingId::ControlFailed,
        format!(
            "An extra control connection failed ({}), so the modes ran one after another on \
             the first.",
            failure_clause(err, None)
        ),
        failure_evidence(err),
    ))
}

/// Modes skipped because the server refused yet another connection for them.
fn not_tried_refused(outcome: &ProbeOutcome) -> usize {
    outcome
        .modes
        .iter()
        .filter(|m| m.skip_reason() == Some(SkipReason::Refused))
        .count()
}

/// Which DNS failure: a broken or silent resolver is not a name that does not exist.
fn dns_failure(outcome: &ProbeOutcome, err: &StepError) -> Finding {
    use crate::probe::record::QueryOutcome;
    let host = &outcome.target.host;
    let why = outcome.target.dns.as_ref().and_then(|d| d.failure());
    let (id, summary) = match why {
        Some(QueryOutcome::Servfail | QueryOutcome::Refused) => (
            FindingId::DnsServfail,
            format!("The resolver failed to answer for {host} (SERVFAIL or REFUSED)."),
        ),
        // The deadline struck while the resolver was still being asked.
        None if err.kind == ErrorKind::Timeout => (
            FindingId::DnsTimeout,
            format!("The resolver did not answer for {host} before the deadline."),
        ),
        Some(QueryOutcome::Unreachable) => (
            FindingId::DnsRefused,
            format!(
                "The resolver refused the query for {host} at once: nothing listens on its DNS \
                 port (ICMP port unreachable)."
            ),
        ),
        Some(QueryOutcome::Timeout) => (
            FindingId::DnsTimeout,
            format!("The resolver did not answer for {host} in time."),
        ),
        _ => (
            FindingId::DnsFailure,
            format!("The host name {host} does not resolve to any address."),
        ),
    };
    finding(id, summary, err.detail.clone())
}

fn finding(id: FindingId, summary: String, evidence: String) -> Finding {
    new_finding(id, None, summary, evidence)
}

/// The session was never set up: say at which step and why.
fn setup_failed(outcome: &ProbeOutcome, err: &StepError) -> Finding {
    if let Some(f) = super::proxy::refused(outcome, err) {
        return f;
    }
    let c = &outcome.control;
    // A wait of the setup that the deadline or the user cut is no silent server. A
    // resolver that stayed silent until the deadline is still the name's failure
    // (dns-timeout): it says more than the deadline would.
    if let Some(cut) = err.cut
        && err.stage != Stage::Resolve
    {
        return deadline(outcome, err, cut);
    }
    match err.stage {
        Stage::Resolve => dns_failure(outcome, err),
        Stage::Connect => unreachable(c, err),
        Stage::Banner if err.kind == ErrorKind::Timeout => banner_timeout(outcome, err),
        Stage::Tls if let Some(f) = super::tls::setup_failed(c, err) => f,
        Stage::Login if c.login == Login::Failed && !server_fault(c) => login_failed(c, err),
        _ => {
            let mut evidence = with_peer(c, failure_evidence(err));
            // A greeting that is not 220 is the whole story of a banner failure.
            if err.stage == Stage::Banner
                && err.reply.is_none()
                && let Some(banner) = &c.banner
            {
                evidence.push_str(&format!("; greeting \"{}\"", banner.replace('\n', " | ")));
            }
            finding(
                FindingId::ControlFailed,
                capitalise(&format!("{}.", failure_clause(err, None))),
                evidence,
            )
        }
    }
}

/// The IANA port of FTP over implicit TLS (ftps).
const IMPLICIT_TLS_PORT: u16 = 990;

/// Connected, but no 220: a slow or hung server — or, on a port that looks like implicit
/// FTPS and was spoken to in plaintext, a server waiting for our TLS handshake.
fn banner_timeout(outcome: &ProbeOutcome, err: &StepError) -> Finding {
    let c = &outcome.control;
    let f = finding(
        FindingId::BannerTimeout,
        match c.peer {
            Some(peer) => {
                format!("{peer} accepted the TCP connection but sent no 220 greeting in time.")
            }
            None => "The server accepted the TCP connection but sent no 220 greeting in time."
                .to_string(),
        },
        with_peer(c, failure_evidence(err)),
    );
    let plaintext = c
        .tls_details
        .as_ref()
        .is_none_or(|t| t.requested != crate::probe::record::TlsMode::Implicit);
    if plaintext && outcome.target.port == IMPLICIT_TLS_PORT {
        return super::fixes::for_what_was_seen(f, "implicit-tls");
    }
    f
}

fn deadline(outcome: &ProbeOutcome, err: &StepError, cut: Cut) -> Finding {
    let c = &outcome.control;
    let step = match err.stage {
        Stage::Resolve => "resolving the name",
        Stage::Connect => "connecting to the control port",
        Stage::Banner => "waiting for the 220 greeting",
        Stage::Tls => "in the TLS handshake",
        _ => "logging in",
    };
    let mut evidence = format!(
        "{}; {}",
        super::words::cut_short_evidence(cut.by, outcome.deadline),
        failure_evidence(err)
    );
    if !c.connects.is_empty() {
        evidence.push_str(&format!("; connects: {}", connect_lines(c)));
    }
    cut_finding(
        cut.by,
        None,
        format!(
            "{} while {step}, before the control session was set up.",
            super::words::cut_short_by(cut.by, outcome.deadline)
        ),
        evidence,
    )
}

fn connect_lines(c: &ControlOutcome) -> String {
    c.connects
        .iter()
        .map(|r| {
            let cut = super::words::cut_words(r.cut);
            let error = r.error.as_deref().or(cut.as_deref());
            attempt_line(&r.addr, r.outcome, &r.elapsed, error)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn unreachable(c: &ControlOutcome, err: &StepError) -> Finding {
    let failed: Vec<DialResult> = c
        .connects
        .iter()
        .map(|r| r.outcome)
        .filter(|o| *o != DialResult::Connected)
        .collect();
    let summary = match failed.as_slice() {
        [] => format!("The control port could not be reached: {}.", err.detail),
        [one] => {
            let verb = match one {
                DialResult::Refused => "was refused",
                DialResult::Timeout => "timed out",
                _ => "failed, unreachable",
            };
            let meaning = dial_outcome(*one).1;
            match c.connects.iter().find(|r| r.outcome == *one) {
                Some(r) => format!(
                    "Connecting to the control port {} {verb}: {meaning}.",
                    r.addr
                ),
                None => format!("Connecting to the control port {verb}: {meaning}."),
            }
        }
        many => {
            let mut words: Vec<&str> = many.iter().map(|o| dial_outcome(*o).0).collect();
            words.dedup();
            format!(
                "The control port could not be reached on any of {} addresses ({}).",
                many.len(),
                words.join(", ")
            )
        }
    };
    let evidence = if c.connects.is_empty() {
        err.detail.clone()
    } else {
        connect_lines(c)
    };
    let f = finding(FindingId::ControlUnreachable, summary, evidence);
    // One kind of failure on every address: only that branch of the fix applies.
    match failed.split_first() {
        Some((first, rest)) if rest.iter().all(|o| o == first) => {
            let key = match first {
                DialResult::Refused => "refused",
                DialResult::Timeout => "timeout",
                _ => "unreachable",
            };
            super::fixes::for_what_was_seen(f, key)
        }
        _ => f,
    }
}

/// A refusal at login that is the server breaking, not the credentials: vsftpd reports
/// its own failures as `500 OOPS: ...` (a missing home directory, a bad chroot), and a
/// 421 closes the service. Blaming the password would send the admin the wrong way.
fn server_fault(c: &ControlOutcome) -> bool {
    c.login_reply
        .as_ref()
        .is_some_and(|r| r.code == 421 || r.text.trim_start().starts_with("OOPS"))
}

fn login_failed(c: &ControlOutcome, err: &StepError) -> Finding {
    // Only the user name: the outcome holds no password, and a finding must never
    // grow one.
    let reply = c.login_reply.as_ref().or(err.reply.as_ref());
    let summary = match reply {
        Some(r) if wants_tls(r) => format!(
            "The server refused a plaintext login as user \"{}\" ({}): it requires TLS \
             first (run without --tls off).",
            c.user, r.code
        ),
        Some(r) => format!(
            "The server rejected the login as user \"{}\" ({}).",
            c.user, r.code
        ),
        None => format!("The server rejected the login as user \"{}\".", c.user),
    };
    let evidence = match reply {
        Some(r) => format!("login as \"{}\" was answered {}", c.user, quote(r)),
        None => format!("login as \"{}\": {}", c.user, err.detail),
    };
    let f = finding(FindingId::LoginFailed, summary, with_peer(c, evidence));
    match reply {
        // Not the password: the server wants FTPS first.
        Some(r) if wants_tls(r) => {
            super::fixes::for_what_was_seen(f, super::tls_login::TLS_REQUIRED)
        }
        _ => f,
    }
}

/// A refusal that asks for TLS: 534 (RFC 4217 "policy requires TLS") or words to that
/// effect (vsftpd: `530 Anonymous sessions must use encryption.`).
fn wants_tls(r: &crate::probe::record::ReplyRecord) -> bool {
    let text = r.text.to_ascii_lowercase();
    r.code == 534 || ["encrypt", "tls", "ssl"].iter().any(|w| text.contains(w))
}

fn connection_limit(outcome: &ProbeOutcome) -> Finding {
    let evidence = match &outcome.fallback_reply {
        Some(r) => format!("an extra control connection was answered {}", quote(r)),
        None => "an extra control connection was refused (no reply recorded)".to_string(),
    };
    let summary = match not_tried_refused(outcome) {
        0 => "The server refused extra control connections, so the modes ran one after \
              another on a single connection."
            .to_string(),
        n => format!(
            "The server refused another control connection, so {n} mode{} could not be tried.",
            if n == 1 { "" } else { "s" }
        ),
    };
    finding(FindingId::ConnectionLimit, summary, evidence)
}

fn with_peer(c: &ControlOutcome, evidence: String) -> String {
    match c.peer {
        Some(peer) => format!("server {}; {evidence}", sock_with_class(peer)),
        None => evidence,
    }
}
