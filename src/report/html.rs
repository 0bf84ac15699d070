//! `--format html`: one self-contained page for a ticket or a lab report — the verdict and
//! a summary, each mode's ladder diagram as inline SVG with notes, the findings with
//! evidence, fix and reference, the client matrix, the certificate, and the timeline. Several targets make
//! one page with a summary table on top.
//!
//! The page makes no request of any kind: the CSS is inline, the diagrams are inline SVG,
//! there is no script, and a Content-Security-Policy of `default-src 'none'` says so to
//! the browser. Everything that came from the server (or the user) goes through [`esc`],
//! so a banner of `<script>` is text on the page.

mod clients;
mod svg;

use std::fmt::Write as _;
use std::io::{self, Write};

use super::Report;
use super::ladder::ladders;
use super::table::{header_fields, mode_cells, verdict_text};
use super::timeline::{describe, session_label};
use crate::diagnose::Severity;

/// The page's policy: nothing may load, only the inline style applies.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS: &str = r#"
:root { --ok:#047857; --ok-bg:#ecfdf5; --warn:#b45309; --warn-bg:#fffbeb; --fail:#b91c1c;
  --fail-bg:#fef2f2; --skip:#6b7280; --line:#e5e7eb; --ink:#111827; --muted:#6b7280; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
header.page h1 { font-size: 22px; margin: 0 0 2px; }
header.page p { margin: 0 0 20px; color: var(--muted); }
section.target, section.overview { background: #fff; border: 1px solid var(--line);
  border-radius: 10px; padding: 20px 24px; margin: 0 0 24px; }
h2 { font-size: 19px; margin: 0; word-break: break-all; }
h3 { font-size: 15px; margin: 26px 0 10px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--muted); }
.verdict { display: flex; align-items: center; gap: 14px; padding: 14px 16px; border-radius: 8px;
  margin: 0 0 16px; }
.verdict p { margin: 2px 0 0; }
.v-ok { background: var(--ok-bg); } .v-warn { background: var(--warn-bg); }
.v-fail { background: var(--fail-bg); }
.badge { display: inline-block; min-width: 64px; text-align: center; font-weight: 700;
  font-size: 13px; letter-spacing: .05em; padding: 4px 10px; border-radius: 999px; color: #fff; }
.b-ok { background: var(--ok); } .b-warn { background: var(--warn); }
.b-fail, .b-error, .b-fails { background: var(--fail); } .b-skipped, .b-info { background: var(--skip); }
.b-refused { background: #7e22ce; }
.b-works { background: var(--ok); } .b-hangs { background: var(--warn); } .b-depends { background: #1d4ed8; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px;
  padding: 0 4px; margin-left: 4px; white-space: nowrap; }
table.clients .profile { color: var(--muted); font-size: 12px; }
table.clients th:first-child { width: 30%; } table.clients th:last-child { width: 44%; }
svg.ladder text { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
dl.headline { display: grid; grid-template-columns: 60px 1fr; gap: 2px 10px; margin: 8px 0 0;
  font-size: 14px; }
dl.headline dt { color: var(--muted); } dl.headline dd { margin: 0; }
dl.facts { display: grid; grid-template-columns: 110px 1fr; gap: 4px 12px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td pre, .mono { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td pre { margin: 0; white-space: pre-wrap; overflow-wrap: break-word; }
tr.skipped td { color: var(--muted); }
td.step, span.id { white-space: nowrap; }
td.cause { font-size: 13px; } td.cause .ids { color: var(--muted); margin-top: 2px; }
figure.ladder { margin: 0 0 22px; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  break-inside: avoid; }
figure.ladder figcaption { font-weight: 600; margin: 0 0 6px; }
figure.ladder svg { width: 100%; height: auto; display: block; }
ol.notes { margin: 8px 0 0; padding-left: 22px; font-size: 14px; color: #374151; }
.finding { border-left: 4px solid var(--skip); padding: 8px 14px; margin: 0 0 14px; background: #fafafa;
  border-radius: 0 6px 6px 0; break-inside: avoid; }
.finding.s-error { border-color: var(--fail); } .finding.s-warn { border-color: var(--warn); }
.finding h4 { margin: 0 0 4px; font-size: 15px; }
.finding p { margin: 0 0 6px; }
.finding dl { display: grid; grid-template-columns: 90px 1fr; gap: 2px 10px; margin: 0; font-size: 14px; }
.finding dt { color: var(--muted); } .finding dd { margin: 0; word-break: break-word; }
details summary { cursor: pointer; color: var(--muted); }
table.timeline td { padding: 3px 8px; font-size: 13px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 13px; text-align: center; }
@media (max-width: 760px), print {
  td pre, .mono { font-size: 11px; }
  td pre, td.cause, dl.facts dd { overflow-wrap: anywhere; }
  th, td { padding: 5px 4px; }
  td.step, span.id { white-space: normal; }
  .badge { min-width: 0; padding: 2px 7px; font-size: 11px; }
}
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  section.target, section.overview { border: none; padding: 0; break-before: page; }
  section.overview + section.target, header.page + section.target { break-before: auto; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  a { color: inherit; text-decoration: none; }
  .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"#;

pub use crate::report::text::html as esc;

/// The most of one header value (banner, features) the page shows: a reply of many
/// kilobytes from a hostile server would push everything else off the page. The JSON
/// report keeps it whole.
const FIELD_CHARS: usize = 400;
/// The most of one finding's evidence: it quotes replies, which may be as long.
const EVIDENCE_CHARS: usize = 1500;

/// [`esc`] of at most `max` characters, saying how many were left out.
fn esc_cut(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return esc(text);
    }
    let head: String = text.chars().take(max).collect();
    format!(
        "{}… <span class=\"muted\">({} more characters; the JSON report has them all)</span>",
        esc(&head),
        n - max
    )
}

/// Writes one page for all `reports`.
///
/// ```
/// use ftpdoctor::report::html::write_html;
/// let mut out = Vec::new();
/// write_html(&[], &mut out)?;
/// let page = String::from_utf8(out).unwrap_or_default();
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("default-src 'none'"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_html(reports: &[Report], out: &mut impl Write) -> io::Result<()> {
    let mut page = String::new();
    let title = match reports {
        [one] => format!("ftpdoctor: {} — {}", one.target.input, one.verdict.as_str()),
        _ => format!("ftpdoctor: {} targets", reports.len()),
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    let _ = writeln!(
        page,
        "<header class=\"page\"><h1>ftpdoctor report</h1><p>FTP data connections through \
         firewalls and NAT · schema {} · {} target{}</p></header>",
        super::SCHEMA,
        reports.len(),
        if reports.len() == 1 { "" } else { "s" }
    );
    if reports.len() > 1 {
        overview(&mut page, reports);
    }
    for (i, report) in reports.iter().enumerate() {
        target(&mut page, i, report);
    }
    page.push_str(
        "<footer>Made by ftpdoctor. This page is self-contained: it loads nothing and runs \
         no script.</footer>\n</main>\n</body>\n</html>\n",
    );
    out.write_all(page.as_bytes())
}

fn badge(word: &str) -> String {
    format!(
        "<span class=\"badge b-{word}\">{}</span>",
        word.to_uppercase()
    )
}

fn overview(page: &mut String, reports: &[Report]) {
    page.push_str(
        "<section class=\"overview\"><h2>Summary</h2><table><thead><tr><th>Target</th>\
         <th>Verdict</th><th>EPSV</th><th>PASV</th><th>EPRT</th><th>PORT</th><th>Cause</th>\
         </tr></thead><tbody>\n",
    );
    for (i, r) in reports.iter().enumerate() {
        let _ = write!(
            page,
            "<tr><td><a href=\"#target-{i}\">{}</a></td><td>{}</td>",
            esc(&r.target.input),
            badge(r.verdict.as_str())
        );
        for m in &r.modes {
            let _ = write!(page, "<td>{}</td>", badge(m.status.as_str()));
        }
        let _ = writeln!(
            page,
            "<td class=\"cause\">{}<div class=\"ids mono\">{}</div></td></tr>",
            esc(r.summary.cause.as_deref().unwrap_or("")),
            finding_ids(r)
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// Each finding id once, with the modes it concerns: `data-connect-refused (epsv, pasv)`.
fn finding_ids(r: &Report) -> String {
    let mut ids: Vec<(String, Vec<String>)> = Vec::new();
    for f in &r.findings {
        let id = f.id.to_string();
        let at = match ids.iter().position(|(known, _)| *known == id) {
            Some(at) => at,
            None => {
                ids.push((id, Vec::new()));
                ids.len() - 1
            }
        };
        if let (Some(m), Some((_, modes))) = (f.mode, ids.get_mut(at)) {
            modes.push(m.to_string());
        }
    }
    let shown: Vec<String> = ids
        .iter()
        .map(|(id, modes)| match modes.is_empty() {
            true => format!("<span class=\"id\">{}</span>", esc(id)),
            false => format!(
                "<span class=\"id\">{}</span> ({})",
                esc(id),
                esc(&modes.join(", "))
            ),
        })
        .collect();
    shown.join(", ")
}

fn target(page: &mut String, i: usize, r: &Report) {
    let v = r.verdict.as_str();
    let _ = write!(
        page,
        "<section class=\"target\" id=\"target-{i}\">\n<div class=\"verdict v-{v}\">{}<div>\
         <h2>{}</h2><p class=\"verdict-text\">{}</p>",
        badge(v),
        esc(&r.target.input),
        esc(&verdict_text(r))
    );
    let s = &r.summary;
    let mut said = vec![("Modes", s.modes_sentence())];
    if let Some(cause) = &s.cause {
        said.push(("Cause", cause.clone()));
    }
    if let Some(fix) = &s.fix {
        said.push(("Fix", fix.clone()));
    }
    said.extend(s.notes.iter().map(|n| ("Note", n.clone())));
    page.push_str("<dl class=\"headline\">");
    for (label, text) in said {
        let _ = write!(page, "<dt>{label}</dt><dd>{}</dd>", esc(&text));
    }
    page.push_str("</dl></div></div>\n");
    page.push_str("<dl class=\"facts\">");
    for (label, value) in header_fields(r) {
        if label == "cert" {
            continue;
        }
        let _ = write!(
            page,
            "<dt>{}</dt><dd>{}</dd>",
            esc(&label),
            esc_cut(&value, FIELD_CHARS)
        );
    }
    page.push_str("</dl>\n");
    modes(page, r);
    diagrams(page, r);
    findings(page, r);
    clients::clients(page, &r.clients);
    certificate(page, r);
    timeline(page, r);
    page.push_str("</section>\n");
}

fn modes(page: &mut String, r: &Report) {
    page.push_str(
        "<h3>Modes</h3><table class=\"modes\"><thead><tr><th>Mode</th><th>Request → reply</th>\
         <th>Advertised</th><th>Data connection</th><th>Transfer</th><th>ms</th><th>Status</th>\
         </tr></thead><tbody>\n",
    );
    for m in &r.modes {
        let c = mode_cells(m).map(|cell| glue(&cell));
        let skipped = m.status == super::Status::Skipped;
        let _ = writeln!(
            page,
            "<tr{}><td><b>{}</b></td><td><pre>{}</pre></td><td><pre>{}</pre></td><td><pre>{}</pre></td>\
             <td><pre>{}</pre></td><td class=\"num\">{}</td><td>{}</td></tr>",
            if skipped { " class=\"skipped\"" } else { "" },
            esc(&c[0]),
            esc(&c[1]),
            esc(&c[2]),
            esc(&c[3]),
            esc(&c[4]),
            if skipped {
                "—".to_string()
            } else {
                esc(&c[5])
            },
            badge(m.status.as_str())
        );
    }
    page.push_str("</tbody></table>\n");
}

/// Keeps `LIST → 226`, `0.2 ms` and `63 B` whole when a narrow column wraps its cell.
fn glue(cell: &str) -> String {
    cell.replace(" → ", "\u{a0}→\u{a0}")
        .replace(" ms", "\u{a0}ms")
        .replace(" B", "\u{a0}B")
}

fn diagrams(page: &mut String, r: &Report) {
    let all = ladders(r);
    if all.is_empty() {
        return;
    }
    page.push_str("<h3>What happened</h3>\n");
    for ladder in &all {
        let _ = write!(
            page,
            "<figure class=\"ladder\" data-mode=\"{}\"><figcaption>{} {}</figcaption>\n{}\n",
            esc(&ladder.title.to_ascii_lowercase()),
            esc(&ladder.title),
            badge(ladder.status.as_str()),
            svg::ladder_svg(ladder)
        );
        if !ladder.notes.is_empty() {
            page.push_str("<ol class=\"notes\">");
            for note in &ladder.notes {
                let _ = write!(page, "<li>{}</li>", esc(note));
            }
            page.push_str("</ol>");
        }
        page.push_str("</figure>\n");
    }
}

fn findings(page: &mut String, r: &Report) {
    page.push_str("<h3>Findings</h3>\n");
    if r.findings.is_empty() {
        page.push_str("<p class=\"muted\">None: every selected mode works.</p>\n");
        return;
    }
    let mut sorted: Vec<_> = r.findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    // A fix already shown (the same dropped range on EPSV and PASV) is named, not repeated.
    let mut shown: Vec<&crate::diagnose::Finding> = Vec::new();
    for f in sorted {
        let fix = match shown.iter().find(|e| !f.fix.is_empty() && e.fix == f.fix) {
            Some(earlier) => format!("as for {}", super::repeats::finding_name(earlier)),
            None => {
                shown.push(f);
                f.fix.clone()
            }
        };
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info => "info",
        };
        let mode = f.mode.map(|m| format!(" ({m})")).unwrap_or_default();
        let _ = writeln!(
            page,
            "<div class=\"finding s-{sev}\" data-id=\"{}\"><h4>{} <span class=\"mono\">{}{}</span></h4>\
             <p>{}</p><dl><dt>Evidence</dt><dd>{}</dd><dt>Fix</dt><dd>{}</dd><dt>Reference</dt>\
             <dd>{}</dd></dl></div>",
            esc(&f.id.to_string()),
            badge(sev),
            esc(&f.id.to_string()),
            esc(&mode),
            esc(&f.summary),
            esc_cut(&f.evidence, EVIDENCE_CHARS),
            esc(&fix).replace('\n', "<br>"),
            esc(&f.reference)
        );
    }
}

fn certificate(page: &mut String, r: &Report) {
    let Some(tls) = &r.control.tls_details else {
        return;
    };
    let Some(cert) = &tls.certificate else {
        return;
    };
    let _ = writeln!(
        page,
        "<h3>Certificate</h3><dl class=\"facts\"><dt>subject</dt><dd>{}</dd><dt>issuer</dt>\
         <dd>{}</dd><dt>names</dt><dd>{}</dd><dt>expires</dt><dd>in {} days</dd>\
         <dt>verified</dt><dd>{}</dd><dt>TLS</dt><dd>{} {}</dd></dl>",
        esc(&cert.subject),
        esc(&cert.issuer),
        esc(&cert.names.join(", ")),
        cert.days_left,
        if tls.verified {
            "yes".to_string()
        } else {
            match (
                &tls.verify_error,
                tls.error.is_some() || tls.went_on_unverified,
            ) {
                (Some(why), true) => format!("REJECTED: {}", esc(why)),
                (Some(why), false) => format!("no (--insecure), would fail: {}", esc(why)),
                (None, _) => "no (--insecure)".to_string(),
            }
        },
        esc(tls.version.as_deref().unwrap_or("")),
        esc(tls.cipher.as_deref().unwrap_or(""))
    );
}

fn timeline(page: &mut String, r: &Report) {
    if r.timeline.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<h3>Timeline</h3><details><summary>{} events on every connection, in time order \
         (PASS masked)</summary><table class=\"timeline\"><thead><tr><th>ms</th><th>Connection</th>\
         <th>Event</th></tr></thead><tbody>",
        r.timeline.len()
    );
    for e in &r.timeline {
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{:.1}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            crate::wire::ms(&e.at),
            esc(&session_label(&r.timeline, e)),
            esc(&describe(&e.event))
        );
    }
    page.push_str("</tbody></table></details>\n");
}

#[cfg(test)]
mod tests;
