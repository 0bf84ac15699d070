//! The header above the mode table: one labelled line each for the target, the control
//! connection, banner, TLS, certificate, login and features, and the lines that only some
//! probes have (the address pinned by --all-addresses, a fallback strategy, the sampled
//! ports, the deadline). Every line but the banner and the features wraps at the width with a
//! hanging indent; each decision is one function.

use super::cells::{reply_text, step_error_within};
use super::{TableStyle, join_host_port, tls};
use crate::probe::record::{ControlOutcome, Login, Strategy, TargetInfo};
use crate::report::Report;
use crate::report::text::{clean, comma_list, human_ms, wrap};

/// Width of the header's labels ("features  "), so the values line up.
const LABEL: usize = 10;

/// The header's lines as (label, value) pairs, uncut (the HTML page shows the same).
pub(crate) fn header_fields(report: &Report) -> Vec<(String, String)> {
    fields(report, usize::MAX / 2)
        .into_iter()
        .map(|(label, value)| (label.to_string(), value))
        .collect()
}

/// The header's lines, each at most the style's width.
pub(super) fn header(report: &Report, style: &TableStyle) -> Vec<String> {
    let width = usize::from(style.width);
    let lines = fields(report, width);
    let mut out = Vec::new();
    for (label, value) in lines {
        match !CUT.contains(&label) {
            // What a line says matters to its end (the certificate's "not verified", the
            // sampled ports' range, the time a Ctrl-C stopped at): wrapped with a hanging
            // indent rather than cut.
            true => {
                let first = format!("{label:<LABEL$}");
                let mut wrapped = wrap(&style.prose(&value), width, &first, &" ".repeat(LABEL));
                if wrapped.len() > WRAPPED_LINES {
                    // Say that the rest was left out rather than stop mid-sentence silently.
                    wrapped.truncate(WRAPPED_LINES);
                    if let Some(last) = wrapped.last_mut() {
                        *last = style.cut(&format!("{last} …"), width);
                    }
                }
                out.extend(wrapped);
            }
            false => out.push(style.cut(&format!("{label:<LABEL$}{value}"), width)),
        }
    }
    out
}

/// The labelled values: `width` bounds only the feature list, which says how many it
/// left out.
fn fields(report: &Report, width: usize) -> Vec<(&'static str, String)> {
    let mut lines = target_lines(&report.target);
    lines.extend(control_lines(&report.control, width));
    lines.extend(strategy_line(report));
    lines.extend(rounds_line(report));
    lines.extend(reuse_line(report));
    if let Some(sample) = &report.sample {
        lines.push(("ports", clean(&sample.summary).into_owned()));
    }
    lines.extend(super::transfers::lines(report));
    if report.interrupted {
        lines.push((
            "stopped",
            format!(
                "interrupted (Ctrl-C) after {}: unfinished steps are marked in the table",
                human_ms(report.elapsed_ms)
            ),
        ));
    } else if report.deadline_hit {
        lines.push((
            "deadline",
            format!(
                "hit after {}: unfinished steps are marked in the table",
                human_ms(report.elapsed_ms)
            ),
        ));
    }
    lines
}

/// `rounds`: --repeat N, and in how many rounds each mode worked.
fn rounds_line(report: &Report) -> Option<(&'static str, String)> {
    let rounds = report.rounds?;
    let each: Vec<String> = report
        .modes
        .iter()
        .filter(|m| m.outcome.skipped.is_none() || m.ok_rounds.is_some_and(|n| n > 0))
        .filter_map(|m| {
            let ok = m.ok_rounds?;
            Some(format!(
                "{} {ok}/{rounds}",
                m.outcome.mode.as_str().to_uppercase()
            ))
        })
        .collect();
    Some((
        "rounds",
        format!(
            "{rounds} (--repeat); worked in: {}; each mode's row is its last failing round",
            each.join(", ")
        ),
    ))
}

/// `reuse`: what a data connection without TLS session resumption met (FTPS).
fn reuse_line(report: &Report) -> Option<(&'static str, String)> {
    let check = report.tls_reuse_check.as_ref()?;
    let mode = check.mode.as_str().to_uppercase();
    let met = match (&check.reply, &check.error) {
        (Some(reply), _) => reply_text(reply),
        (None, Some(error)) => clean(error).into_owned(),
        (None, None) => "no reply".to_string(),
    };
    Some((
        "reuse",
        match check.accepted {
            true => format!(
                "not required: a data connection without TLS session resumption worked ({mode}, {met})"
            ),
            false => format!(
                "required: a data connection without TLS session resumption was refused ({mode}: \
                 {met}); clients that never resume (Python ftplib) fail"
            ),
        },
    ))
}

/// Header lines cut at the width instead of wrapped: the banner is the server's text
/// (quoted whole in JSON and `-v`), the feature list says itself how many it left out.
const CUT: [&str; 2] = ["banner", "features"];
/// The control problem's detail in the header: about [`WRAPPED_LINES`] lines at 80
/// columns (a DNS failure names each query's fate; JSON has the whole text).
const PROBLEM_CHARS: usize = 260;
/// Lines a wrapped header value may take: enough for a DNS failure's words or a sampled
/// range with refused and filtered runs at 60 columns, short enough that the header
/// stays a header.
const WRAPPED_LINES: usize = 4;

/// `target` (with what the name resolved to, unless it is a literal) and `address`.
fn target_lines(target: &TargetInfo) -> Vec<(&'static str, String)> {
    let host_port = join_host_port(&target.host, target.port);
    let resolved: Vec<String> = target.resolved.iter().map(ToString::to_string).collect();
    // A literal address resolves to itself; saying so again is noise.
    let resolved = if resolved.is_empty() {
        " (not resolved)".to_string()
    } else if resolved == [target.host.as_str()] {
        String::new()
    } else {
        format!(" ({})", resolved.join(", "))
    };
    let mut lines = vec![(
        "target",
        format!("{} → {host_port}{resolved}", clean(&target.input)),
    )];
    if let Some(ip) = target.address {
        lines.push((
            "address",
            format!("{ip} only (--all-addresses: one report per resolved address)"),
        ));
    }
    lines
}

/// `control`, `banner`, `tls`, `cert`, `login`, `features` and the control `problem`.
fn control_lines(control: &ControlOutcome, width: usize) -> Vec<(&'static str, String)> {
    let mut lines = vec![(
        "control",
        match (control.peer, control.local) {
            (Some(peer), Some(local)) => format!("peer {peer}, local {local}"),
            (Some(peer), None) => format!("peer {peer}"),
            _ => "not connected".to_string(),
        },
    )];
    if let Some(proxy) = &control.proxy {
        lines.push((
            "proxy",
            format!("{} (every connection; BIND {})", proxy.url, proxy.bind),
        ));
    }
    if let Some(banner) = &control.banner {
        let first = banner.lines().next().unwrap_or("");
        lines.push(("banner", clean(first).into_owned()));
    }
    lines.push(("tls", tls::tls_line(control)));
    if let Some(cert) = tls::cert_line(control) {
        lines.push(("cert", cert));
    }
    lines.push(("login", login_words(control)));
    if control.login == Login::Ok {
        let features = comma_list(&control.features, width.saturating_sub(LABEL));
        lines.push(("features", features));
    }
    if let Some(err) = &control.error {
        lines.push(("problem", step_error_within(err, PROBLEM_CHARS)));
    }
    lines
}

/// `ok as anonymous`, `failed as alice (530 Login incorrect.)`, `not attempted`.
fn login_words(control: &ControlOutcome) -> String {
    let user = clean(&control.user);
    match (control.login, &control.login_reply) {
        (Login::Ok, _) => format!("ok as {user}"),
        (Login::Failed, Some(reply)) => format!("failed as {user} ({})", reply_text(reply)),
        (Login::Failed, None) => format!("failed as {user}"),
        (Login::NotAttempted, _) => "not attempted".to_string(),
    }
}

/// `strategy`, only when the modes did not run at once on their own connections.
fn strategy_line(report: &Report) -> Option<(&'static str, String)> {
    let words = match (report.strategy, &report.fallback_reply) {
        (Strategy::Concurrent, _) => return None,
        (Strategy::Sequential, _) => {
            "modes ran in turn on one connection (--sequential)".to_string()
        }
        (Strategy::SequentialFallback, Some(reply)) => format!(
            "modes ran in turn on one connection: the server refused more ({})",
            reply_text(reply)
        ),
        (Strategy::SequentialFallback, None) => {
            "modes ran in turn on one connection: the server refused more".to_string()
        }
    };
    Some(("strategy", words))
}
