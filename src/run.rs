//! `ftpdoctor probe` end to end: probe each target, diagnose, print the reports.

use std::io::{self, Write};

use tokio::task::JoinSet;

use crate::cli::{Format, ProbeRun};
use crate::diagnose::diagnose;
use crate::probe::{ProbeConfig, probe};
use crate::report::Report;
use crate::report::json::{write_json, write_jsonl};
use crate::report::table::{TableStyle, write_table};

/// Targets probed at once. Each probe holds up to four control connections, so this
/// keeps a handful of targets from opening hundreds of sockets (fleets are issue 6).
const MAX_CONCURRENT_TARGETS: usize = 8;

/// Probes, diagnoses and reports one target.
pub async fn probe_and_report(config: &ProbeConfig, with_transcript: bool) -> Report {
    let outcome = probe(config).await;
    let findings = diagnose(&outcome);
    Report::new(outcome, findings, with_transcript)
}

/// Runs every probe of `run` and prints the reports to `out`; returns whether any report
/// has a finding at or above --fail-on (exit 1). A reader that goes away (`| head`)
/// stops the printing, not the verdict: CI with `pipefail` still sees the failure.
pub async fn run_probes(run: ProbeRun, color: bool, out: &mut impl Write) -> io::Result<bool> {
    let threshold = run.fail_on.threshold();
    let mut failed = false;
    let mut pending = run.probes.into_iter().enumerate();
    let mut running = JoinSet::new();
    let mut done: Vec<Option<Report>> = Vec::new();
    let mut out = Printer { out, closed: false };
    loop {
        while running.len() < MAX_CONCURRENT_TARGETS {
            let Some((i, config)) = pending.next() else {
                break;
            };
            done.push(None);
            let transcript = run.transcript;
            running.spawn(async move { (i, probe_and_report(&config, transcript).await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, report) = joined.map_err(io::Error::other)?;
        failed |= report.worst().is_some_and(|worst| worst >= threshold);
        if run.format == Format::Jsonl {
            // Streamed as each target finishes, so a fleet's first answers come early.
            out.print(|w| write_jsonl(&report, w).and_then(|()| w.flush()))?;
        } else if let Some(slot) = done.get_mut(i) {
            *slot = Some(report);
        }
    }
    let reports: Vec<Report> = done.into_iter().flatten().collect();
    match run.format {
        Format::Jsonl => {}
        Format::Json => out.print(|w| write_json(&reports, w))?,
        Format::Table => {
            let style = TableStyle {
                color,
                ..TableStyle::default()
            };
            for (i, report) in reports.iter().enumerate() {
                out.print(|w| {
                    if i > 0 {
                        writeln!(w)?;
                    }
                    write_table(report, &style, w)
                })?;
            }
        }
    }
    out.print(|w| w.flush())?;
    Ok(failed)
}

/// Stops writing once the reader has gone; other write errors still count.
struct Printer<'a, W: Write> {
    out: &'a mut W,
    closed: bool,
}

impl<W: Write> Printer<'_, W> {
    fn print(&mut self, f: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match f(self.out) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}
