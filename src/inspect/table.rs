//! The report for people: the host, what was read, the server's passive setup, then each
//! finding with its file and line, evidence and fix. Config and server text goes through
//! the table printer's own cleaner (no terminal escapes get through) and wrapper.

use std::io::{self, Write};

use crate::diagnose::Severity;
use crate::report::text::{CYAN, GREEN, RED, YELLOW, clean, paint, wrap};

use super::output::InspectReport;

/// Writes the table, `width` columns wide, coloured when `color`.
pub fn write_table(
    report: &InspectReport,
    width: usize,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let width = width.max(40);
    let paint = |word: &str, code: &str| {
        if color {
            paint(word, code)
        } else {
            word.to_string()
        }
    };
    write_head(report, width, &paint, out)?;
    write_findings(report, width, &paint, out)
}

fn write_head(
    report: &InspectReport,
    width: usize,
    paint: &dyn Fn(&str, &str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    let host = &report.host;
    if !host.addresses.is_empty() || host.kernel.is_some() {
        let addrs: Vec<String> = host.addresses.iter().map(|a| a.to_string()).collect();
        writeln!(
            out,
            "Host      kernel {}; addresses {}",
            clean(host.kernel.as_deref().unwrap_or("?")),
            if addrs.is_empty() {
                "(not read)".into()
            } else {
                addrs.join(", ")
            }
        )?;
        for l in &host.listeners {
            let who = l.process.as_deref().map_or("?".to_string(), |p| {
                format!("{} (pid {})", clean(p), l.pid.unwrap_or(0))
            });
            writeln!(out, "          port {} listened on by {who}", l.port)?;
        }
    }
    writeln!(out, "Sources")?;
    for s in &report.sources {
        let mark = if s.read {
            paint("read", GREEN)
        } else {
            paint("NOT READ", RED)
        };
        writeln!(out, "  {mark:<8} {:<14} {}", s.kind, clean(&s.path))?;
        for line in s.error.iter().chain(&s.notes) {
            for l in wrap(&clean(line), width, "             ", "             ") {
                writeln!(out, "{l}")?;
            }
        }
    }
    let srv = &report.server;
    let range = srv
        .range
        .map_or("none".to_string(), |[lo, hi]| format!("{lo}-{hi}"));
    let passive = match srv.passive {
        Some(true) => "on",
        Some(false) => "OFF",
        None => "?",
    };
    writeln!(
        out,
        "Server    passive {passive}; range {range}; public address {}{}",
        clean(srv.public_address.as_deref().unwrap_or("not set")),
        srv.from
            .as_deref()
            .map(|f| format!(" ({})", clean(f)))
            .unwrap_or_default()
    )?;
    Ok(())
}

fn write_findings(
    report: &InspectReport,
    width: usize,
    paint: &dyn Fn(&str, &str) -> String,
    out: &mut impl Write,
) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out)?;
        let (word, code) = match f.severity {
            Severity::Error => ("ERROR", RED),
            Severity::Warn => ("WARN", YELLOW),
            Severity::Info => ("INFO", CYAN),
        };
        writeln!(
            out,
            "{} {}  {}",
            paint(word, code),
            f.id,
            clean(&f.location.to_string())
        )?;
        for (label, text) in [
            ("", &f.summary),
            ("evidence: ", &f.evidence),
            ("fix: ", &f.fix),
            ("see: ", &f.reference),
        ] {
            let first = format!("  {label}");
            for l in wrap(&clean(text), width, &first, "    ") {
                writeln!(out, "{l}")?;
            }
        }
    }
    let verdict = match report.verdict {
        "fail" => paint("FAIL", RED),
        "warn" => paint("WARN", YELLOW),
        _ => paint("OK", GREEN),
    };
    let n = report.findings.len();
    writeln!(
        out,
        "Verdict: {verdict} ({n} finding{})",
        if n == 1 { "" } else { "s" }
    )
}
