//! `ftpdoctor probe` end to end: probe each target (a fleet of them at once, up to
//! --concurrency) through the [`pipeline`](crate::pipeline), print the reports in input
//! order and, for several, a summary; and the exit code they add up to.

mod print;
mod status;

use std::io::{self, Write};

use tokio::task::JoinSet;

use crate::diagnose::{Allow, Severity};
use crate::pipeline::{ReportOptions, report_target};
use crate::probe::{Hooks, Interrupt, ProbeConfig, Watch};
use crate::report::nagios::State;
use crate::report::nagios::Thresholds;
use crate::report::table::{SummaryRow, TableStyle, write_summary};
use crate::report::timeline::TimelineView;
use crate::report::{Report, Verdict};
use print::Printer;
pub use print::{PrintOptions, write_reports};
pub(crate) use status::StatusLine;
use status::{Drawing, progress_bar};

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
pub(crate) struct RunConfig {
    /// One probe per target.
    pub probes: Vec<ProbeConfig>,
    /// What each report carries: the client profiles, the transcript.
    pub report: ReportOptions,
    /// How the table prints the timeline under --transcript (`--transcript=grouped`).
    pub timeline_view: TimelineView,
    /// Table format: the conversation as curl -v shows it (`-vv`).
    pub conversation: bool,
    /// The output format (--format).
    pub format: Format,
    /// Exit 1 when a finding is at least this severe (--fail-on).
    pub fail_on: Severity,
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
    /// Table format: every finding in full (`-v`).
    pub verbose: bool,
    /// Findings accepted with --allow / --allow-file: waived for the exit code.
    pub allow: Vec<Allow>,
    /// `--format nagios`: -w/-c on the probe's total time.
    pub thresholds: Thresholds,
}

/// Exit code when a finding is at or above --fail-on.
pub(crate) const EXIT_FINDINGS: u8 = 1;
/// Exit code when the tool itself could not run: bad arguments, internal error (docs/cli.md).
pub const EXIT_CANNOT_RUN: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT, as a shell reports a process it interrupted).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// What the reports of a run add up to, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Finished {
    /// Some report has a finding at or above --fail-on (exit 1).
    pub failed: bool,
    /// The worst plugin state of the reports (`--format nagios` exits with its code).
    pub state: State,
    /// The user interrupted the run (Ctrl-C): the reports are partial (exit 130).
    pub interrupted: bool,
}

impl Finished {
    /// The process's exit code: 130 after Ctrl-C; with some targets refused before the
    /// run (`rejected`), 2 (UNKNOWN for nagios); the plugin state for nagios; else 1 when
    /// a finding is at or above --fail-on, 0 otherwise.
    pub fn exit_code(&self, format: Format, rejected: bool) -> u8 {
        let nagios = format == Format::Nagios;
        match () {
            _ if self.interrupted => EXIT_INTERRUPTED,
            _ if nagios && rejected => State::Unknown.exit_code(),
            _ if rejected => EXIT_CANNOT_RUN,
            _ if nagios => self.state.exit_code(),
            _ if self.failed => EXIT_FINDINGS,
            _ => 0,
        }
    }
}

/// What a person running the probes can see and do while they run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Live {
    /// Set by Ctrl-C: probes under way end with what they saw, no more begin.
    pub interrupt: Interrupt,
    /// A single probe's status line on stderr (a terminal only).
    pub status: Option<StatusLine>,
}

/// What the run keeps of one target until every target is done and they are printed in
/// input order: the reports, or with --summary only their rows (memory that does not
/// grow with a fleet's reports).
enum Kept {
    Reports(Vec<Report>),
    Rows(Vec<SummaryRow>),
}

impl Kept {
    fn of(reports: Vec<Report>, run: &RunConfig) -> Kept {
        match run.summary {
            true => Kept::Rows(reports.iter().map(SummaryRow::of).collect()),
            false => Kept::Reports(reports),
        }
    }
}

/// What the finished reports add up to so far.
#[derive(Debug, Default)]
struct Tally {
    failed: bool,
    failing: usize,
    state: Option<State>,
}

impl Tally {
    /// Waives what --allow accepts in `reports`, and counts them.
    fn count(&mut self, reports: &mut [Report], run: &RunConfig) {
        for report in reports.iter_mut() {
            report.waive(&run.allow);
            self.failed |= report
                .worst_counted()
                .is_some_and(|worst| worst >= run.fail_on);
            self.failing += usize::from(report.verdict == Verdict::Fail);
        }
        let worst = State::worst_within(reports, &run.thresholds);
        self.state = Some(self.state.map_or(worst, |s| s.max(worst)));
    }
}

/// Runs every probe of `run` and prints the reports to `out`; says whether any report
/// has a finding at or above --fail-on (exit 1). A reader that goes away (`| head`)
/// stops the printing, not the verdict: CI with `pipefail` still sees the failure.
pub(crate) async fn run_probes(
    mut run: RunConfig,
    style: TableStyle,
    live: Live,
    out: &mut impl Write,
) -> io::Result<Finished> {
    let style = TableStyle {
        timeline: run.timeline_view,
        conversation: run.conversation,
        ..style
    };
    let total = run.probes.len();
    let progress = progress_bar(run.progress && total > 1, total);
    let mut hooks = Hooks {
        interrupt: live.interrupt.clone(),
        ..Hooks::default()
    };
    // One probe's steps fit on one line; a fleet has its progress bar instead, and
    // --all-addresses probes each address at once: no one line for them all.
    let drawing = match (live.status, run.probes.as_slice()) {
        (Some(status), [only]) if !only.options().all_addresses => {
            let watch = Watch::new();
            hooks.watch = Some(watch.clone());
            Some(Drawing::start(watch, status))
        }
        _ => None,
    };
    let mut out = Printer::new(out);
    let mut tally = Tally::default();
    let mut done: Vec<Option<Kept>> = Vec::new();
    let mut pending = std::mem::take(&mut run.probes).into_iter().enumerate();
    let mut running = JoinSet::new();
    loop {
        while running.len() < run.concurrency.max(1) && !live.interrupt.is_set() {
            let Some((i, config)) = pending.next() else {
                break;
            };
            done.push(None);
            let (asked, hooks) = (run.report.clone(), hooks.clone());
            running.spawn(async move { (i, report_target(config, &asked, hooks).await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, mut reports) = joined.map_err(io::Error::other)?;
        tally.count(&mut reports, &run);
        progress.inc(1);
        progress.set_message(format!("{} failing", tally.failing));
        if run.format == Format::Jsonl {
            // Streamed as each target finishes, so a fleet's first answers come early.
            progress.suspend(|| {
                out.print(|w| {
                    write_reports(Format::Jsonl, &reports, &PrintOptions::default(), w)
                        .and_then(|()| w.flush())
                })
            })?;
        } else if let Some(slot) = done.get_mut(i) {
            *slot = Some(Kept::of(reports, &run));
        }
    }
    progress.finish_and_clear();
    if let Some(drawing) = drawing {
        drawing.stop().await;
    }
    print_at_end(&run, done.into_iter().flatten(), total, style, &mut out)?;
    out.print(|w| w.flush())?;
    Ok(Finished {
        failed: tally.failed,
        state: tally.state.unwrap_or(State::Ok),
        interrupted: live.interrupt.is_set(),
    })
}

/// Everything but jsonl, once every target is done: the reports in input order, and
/// for the table the summary (alone with --summary, after them for several).
fn print_at_end<W: Write>(
    run: &RunConfig,
    kept: impl Iterator<Item = Kept>,
    total: usize,
    style: TableStyle,
    out: &mut Printer<'_, W>,
) -> io::Result<()> {
    let (mut reports, mut rows) = (Vec::new(), Vec::new());
    for k in kept {
        match k {
            Kept::Reports(r) => reports.extend(r),
            Kept::Rows(r) => rows.extend(r),
        }
    }
    let table = run.format == Format::Table;
    let print = PrintOptions {
        thresholds: run.thresholds,
        ..PrintOptions::new(style, run.explain.then_some(run.unicode))
    };
    if run.format != Format::Jsonl && !(table && run.summary) {
        out.print(|w| write_reports(run.format, &reports, &print, w))?;
    }
    if table && !run.summary && reports.len() > 1 {
        rows = reports.iter().map(SummaryRow::of).collect();
    }
    if table && (run.summary || rows.len() > 1) {
        out.print(|w| {
            if !run.summary {
                writeln!(w)?;
            }
            write_summary(&rows, total, &style, w)
        })?;
    }
    Ok(())
}
