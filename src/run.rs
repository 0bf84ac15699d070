//! `ftpdoctor probe` end to end: probe each target (a fleet of them at once, up to
//! --concurrency), diagnose, print the reports and, for several, a summary.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;

use crate::diagnose::clients::{ClientId, predict};
use crate::diagnose::{Allow, Severity, diagnose};
use crate::probe::{
    ErrorKind, Hooks, Interrupt, Pinned, ProbeConfig, Resolution, Stage, StepError, Watch,
    probe_with, resolve_target,
};
use crate::report::explain::{ExplainStyle, write_explain};
use crate::report::html::write_html;
use crate::report::json::{write_json, write_jsonl};
use crate::report::junit::write_junit;
use crate::report::mermaid::write_mermaid;
use crate::report::nagios::{State, Thresholds, write_nagios};
use crate::report::table::{TableStyle, write_summary, write_table};
use crate::report::timeline::TimelineView;
use crate::report::{Report, Verdict};

/// Which printer writes the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: a header, the mode table, findings, the verdict.
    Table,
    /// Schema v1 as one document (an array for several targets).
    Json,
    /// Schema v1, one compact line per target, as each finishes.
    Jsonl,
    /// Nagios/Icinga plugin output; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    Nagios,
    /// JUnit XML: one testsuite per target, one testcase per mode
    Junit,
    /// One self-contained HTML page: verdict, ladder diagrams (SVG), findings, timeline
    Html,
    /// Each mode's ladder diagram as Mermaid sequenceDiagram text, in Markdown
    Mermaid,
}

impl Format {
    /// The name --format takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Nagios => "nagios",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Mermaid => "mermaid",
        }
    }
}

/// One `ftpdoctor probe` run, validated (the command line builds it).
#[derive(Debug)]
pub struct RunConfig {
    /// One probe per target.
    pub probes: Vec<ProbeConfig>,
    /// The output format (--format).
    pub format: Format,
    /// Exit 1 when a finding is at least this severe (--fail-on).
    pub fail_on: Severity,
    /// Include each control conversation (--transcript).
    pub transcript: bool,
    /// How the table prints the timeline under --transcript (`--transcript=grouped`).
    pub timeline_view: TimelineView,
    /// Table format: the conversation as curl -v shows it (`-vv`).
    pub conversation: bool,
    /// Table format: ladder diagrams and notes after each report.
    pub explain: bool,
    /// Diagrams in Unicode box drawing (else ASCII).
    pub unicode: bool,
    /// Targets probed at once.
    pub concurrency: usize,
    /// Table format: only the summary table.
    pub summary: bool,
    /// Show a progress bar on stderr (set by the caller when stderr is a terminal).
    pub progress: bool,
    /// The client profiles each report predicts (`--clients`).
    pub clients: Vec<ClientId>,
    /// Table format: every finding in full (`-v`).
    pub verbose: bool,
    /// Findings accepted with --allow / --allow-file: waived for the exit code.
    pub allow: Vec<Allow>,
    /// `--format nagios`: -w/-c on the probe's total time.
    pub thresholds: crate::report::nagios::Thresholds,
}

/// Longest --timeout or --deadline (or a `serve` module's): a day is past any sane
/// probe, and far enough below the clock's range that adding it to "now" cannot overflow.
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A step timeout or deadline as written, such as `5s` or `500ms` (the flags' and the
/// exporter's config's), or a bare number of seconds (`2`, as curl's --max-time and most
/// timeouts take it); zero would time every step out at once.
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    let seconds;
    let s = match !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        true => {
            seconds = format!("{s}s");
            seconds.as_str()
        }
        false => s,
    };
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be greater than zero".to_string()),
        Ok(d) if d > MAX_DURATION => Err("must be at most 24h".to_string()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (examples: 5s, 500ms, 1m)")),
    }
}

/// Probes, diagnoses and reports one target, predicting the default client profiles.
pub async fn probe_and_report(config: &ProbeConfig, with_transcript: bool) -> Report {
    probe_and_report_for(
        config,
        with_transcript,
        &ClientId::DEFAULT,
        Hooks::default(),
    )
    .await
}

/// Probes, diagnoses and reports one target, predicting the fate of each of `clients`.
pub async fn probe_and_report_for(
    config: &ProbeConfig,
    with_transcript: bool,
    clients: &[ClientId],
    hooks: Hooks,
) -> Report {
    let outcome = probe_with(config, hooks).await;
    let findings = diagnose(&outcome);
    let predictions = predict(&outcome, &findings, clients);
    let mut report = Report::new(outcome, findings, with_transcript);
    report.clients = predictions;
    report
}

/// Most addresses of one name that --all-addresses probes: each is a full probe (up to
/// four control connections), all at once, and a DNS answer can hold dozens. The report
/// of each still lists every resolved address in `target.resolved`.
pub const MAX_ADDRESSES: usize = 16;

/// One target's reports: one, or with --all-addresses one per resolved address (the
/// name resolved once, the addresses probed at once, all within one --deadline).
pub async fn probe_target(
    config: ProbeConfig,
    with_transcript: bool,
    clients: &[ClientId],
    hooks: Hooks,
) -> Vec<Report> {
    if !config.options().all_addresses {
        return vec![probe_and_report_for(&config, with_transcript, clients, hooks).await];
    }
    // The deadline covers the whole target: the shared resolution too.
    let ends_by = Instant::now() + config.options().deadline;
    let deadline = config.options().deadline;
    // The deadline struck during DNS: a resolver silent for the whole deadline is a DNS
    // timeout (dns-timeout), the same finding a single probe gives, and the one report
    // that follows from the pinned failure says so without asking again.
    let resolution = tokio::time::timeout(deadline, resolve_target(&config))
        .await
        .unwrap_or_else(|_| Resolution {
            addrs: Vec::new(),
            dns: None,
            error: Some(StepError::new(
                Stage::Resolve,
                ErrorKind::Timeout,
                format!(
                    "no answer from the resolver within the --deadline ({:.1} s)",
                    deadline.as_secs_f64()
                ),
            )),
        });
    let addresses: Vec<_> = match resolution.error {
        Some(_) => vec![None],
        None => resolution
            .addrs
            .iter()
            .copied()
            .take(MAX_ADDRESSES)
            .map(Some)
            .collect(),
    };
    let config = std::sync::Arc::new(config);
    let mut running = JoinSet::new();
    for (i, address) in addresses.into_iter().enumerate() {
        let one = Hooks {
            pinned: Some(Pinned {
                address,
                resolution: resolution.clone(),
            }),
            ends_by: Some(ends_by),
            ..hooks.clone()
        };
        let clients = clients.to_vec();
        let config = config.clone();
        running.spawn(async move {
            let report = probe_and_report_for(&config, with_transcript, &clients, one).await;
            (i, report)
        });
    }
    let mut reports: Vec<(usize, Report)> = running.join_all().await;
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// What the reports of a run add up to, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// Some report has a finding at or above --fail-on (exit 1).
    pub failed: bool,
    /// The worst plugin state of the reports (`--format nagios` exits with its code).
    pub state: State,
    /// The user interrupted the run (Ctrl-C): the reports are partial (exit 130).
    pub interrupted: bool,
}

/// What a person running the probes can see and do while they run.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Set by Ctrl-C: probes under way end with what they saw, no more begin.
    pub interrupt: Interrupt,
    /// A single probe's status line on stderr (a terminal only).
    pub status: Option<StatusLine>,
}

/// How to draw the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusLine {
    /// The terminal's width.
    pub width: usize,
    /// `ESC[K` to clear the line; off under TERM=dumb or NO_COLOR (a carriage return only).
    pub escapes: bool,
}

/// How often the status line is redrawn: often enough to see a wait grow.
const STATUS_EVERY: Duration = Duration::from_millis(250);

/// Draws `watch`'s status line on stderr until aborted; the caller clears it.
async fn draw_status(watch: Watch, status: StatusLine, drawn: std::sync::Arc<AtomicUsize>) {
    loop {
        tokio::time::sleep(STATUS_EVERY).await;
        let Some((now, events)) = watch.events() else {
            continue;
        };
        let line = crate::report::waiting::status_line(&events, now, status.width);
        let previous = drawn.swap(line.chars().count(), Ordering::Relaxed);
        let frame = crate::report::waiting::frame(&line, previous, status.escapes);
        let mut err = io::stderr().lock();
        let _ = err.write_all(frame.as_bytes()).and_then(|()| err.flush());
    }
}

/// Runs every probe of `run` and prints the reports to `out`; says whether any report
/// has a finding at or above --fail-on (exit 1). A reader that goes away (`| head`)
/// stops the printing, not the verdict: CI with `pipefail` still sees the failure.
pub async fn run_probes(
    run: RunConfig,
    style: TableStyle,
    live: Live,
    out: &mut impl Write,
) -> io::Result<Finished> {
    let style = TableStyle {
        timeline: run.timeline_view,
        conversation: run.conversation,
        ..style
    };
    let threshold = run.fail_on;
    let total = run.probes.len();
    let progress = progress_bar(run.progress && total > 1, total);
    let probes = run.probes;
    let mut hooks = Hooks {
        interrupt: live.interrupt.clone(),
        ..Hooks::default()
    };
    // One probe's steps fit on one line; a fleet has its progress bar instead.
    let drawn = std::sync::Arc::new(AtomicUsize::new(0));
    let status = match (live.status, probes.as_slice()) {
        // --all-addresses probes each address at once: no one line for them all.
        (Some(status), [only]) if !only.options().all_addresses => {
            let watch = Watch::new();
            hooks.watch = Some(watch.clone());
            Some((
                tokio::spawn(draw_status(watch, status, drawn.clone())),
                status,
            ))
        }
        _ => None,
    };
    let mut failed = false;
    let mut pending = probes.into_iter().enumerate();
    let mut running = JoinSet::new();
    let mut done: Vec<Option<Vec<Report>>> = Vec::new();
    let mut out = Printer { out, closed: false };
    let mut fails = 0;
    loop {
        while running.len() < run.concurrency.max(1) && !live.interrupt.is_set() {
            let Some((i, config)) = pending.next() else {
                break;
            };
            done.push(None);
            let transcript = run.transcript;
            let clients = run.clients.clone();
            let hooks = hooks.clone();
            running
                .spawn(async move { (i, probe_target(config, transcript, &clients, hooks).await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, mut reports) = joined.map_err(io::Error::other)?;
        for report in &mut reports {
            report.waive(&run.allow);
            failed |= report
                .worst_counted()
                .is_some_and(|worst| worst >= threshold);
            fails += usize::from(report.verdict == Verdict::Fail);
        }
        progress.inc(1);
        progress.set_message(format!("{fails} failing"));
        if run.format == Format::Jsonl {
            // Streamed as each target finishes, so a fleet's first answers come early.
            progress.suspend(|| {
                out.print(|w| {
                    for report in &reports {
                        write_jsonl(report, w)?;
                    }
                    w.flush()
                })
            })?;
        } else if let Some(slot) = done.get_mut(i) {
            *slot = Some(reports);
        }
    }
    progress.finish_and_clear();
    if let Some((task, status)) = status {
        task.abort();
        let _ = task.await;
        let drawn = drawn.load(Ordering::Relaxed);
        if drawn > 0 {
            let clear = crate::report::waiting::clear(drawn, status.escapes);
            let mut err = io::stderr().lock();
            let _ = err.write_all(clear.as_bytes()).and_then(|()| err.flush());
        }
    }
    let reports: Vec<Report> = done.into_iter().flatten().flatten().collect();
    let state = State::worst_within(&reports, &run.thresholds);
    match run.format {
        Format::Jsonl => {}
        Format::Json => out.print(|w| write_json(&reports, w))?,
        Format::Nagios => out.print(|w| write_nagios(&reports, &run.thresholds, w))?,
        Format::Junit => out.print(|w| write_junit(&reports, w))?,
        Format::Mermaid => out.print(|w| write_mermaid(&reports, w))?,
        Format::Html => out.print(|w| write_html(&reports, w))?,
        Format::Table => {
            if !run.summary {
                for (i, report) in reports.iter().enumerate() {
                    out.print(|w| {
                        if i > 0 {
                            writeln!(w)?;
                        }
                        write_table(report, &style, w)?;
                        if run.explain {
                            let style = ExplainStyle {
                                unicode: run.unicode,
                                color: style.color,
                                width: style.width,
                            };
                            write_explain(report, &style, w)?;
                        }
                        Ok(())
                    })?;
                }
            }
            if run.summary || reports.len() > 1 {
                out.print(|w| {
                    if !run.summary {
                        writeln!(w)?;
                    }
                    write_summary(&reports, total, &style, w)
                })?;
            }
        }
    }
    out.print(|w| w.flush())?;
    Ok(Finished {
        failed,
        state,
        interrupted: live.interrupt.is_set(),
    })
}

/// A bar on stderr for a person watching a fleet; hidden otherwise (pipes, CI logs).
fn progress_bar(show: bool, total: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} targets, {msg}, {elapsed}")
    {
        bar.set_style(style);
    }
    bar
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

/// Writes `reports` in `format`, as `probe` would for a run of them: the table's reports
/// one after another, every other format as one document (or one line each, jsonl).
pub fn write_reports(
    format: Format,
    reports: &[Report],
    style: &TableStyle,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => {
            for (i, report) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write_table(report, style, out)?;
            }
            Ok(())
        }
        Format::Json => write_json(reports, out),
        Format::Jsonl => reports.iter().try_for_each(|r| write_jsonl(r, out)),
        Format::Nagios => write_nagios(reports, &Thresholds::default(), out),
        Format::Junit => write_junit(reports, out),
        Format::Mermaid => write_mermaid(reports, out),
        Format::Html => write_html(reports, out),
    }
}
