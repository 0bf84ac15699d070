//! `ftpdoctor demo`: starts lab scenarios on loopback (every one, or those named), probes
//! each one, and prints a heading and the report per scenario, or every report in one
//! of the probe's formats.
//!
//! Only loopback is ever dialled: the probe's safety rules keep it off any advertised
//! address that is not the control peer (10.0.0.5, 198.51.100.7 and 0.0.0.0 here).

mod lesson;

use std::io::{self, Write};
use std::time::Duration;

use crate::lab::{LabConfig, LabServer, Scenario};
use crate::pipeline::probe_and_report;
use crate::probe::{Credentials, ProbeConfig, ProbeOptions, TlsMode, Trust};
use crate::report::Report;
use crate::report::table::TableStyle;
use crate::run::{Format, PrintOptions, write_reports};
use crate::target::Target;

/// The whole demo must end in a few seconds even if a scenario misbehaves beyond its
/// design: each probe gets this many step timeouts at most.
const DEADLINE_STEPS: u32 = 5;

/// What `demo` was asked for.
#[derive(Debug, Clone)]
pub(crate) struct DemoOptions {
    /// Each step of each probe; the lab waits as long for data connections.
    pub step: Duration,
    /// The scenarios to show, in this order (`--scenario`; every one by default).
    pub scenarios: Vec<Scenario>,
    /// How each scenario's report is written (`--format`).
    pub format: Format,
    /// Width, colour and glyphs of the table format.
    pub style: TableStyle,
    /// Table format: each scenario's ladder diagrams too, `Some(unicode)`.
    pub explain: Option<bool>,
}

/// One scenario's part of the demo.
struct Shown {
    scenario: Scenario,
    /// Its report, or why there is none.
    report: Result<Report, String>,
    lesson: Option<lesson::Lesson>,
}

/// Probes the chosen scenarios concurrently and writes them in the order asked. A
/// scenario whose server cannot start gets a line saying so; the others still run.
pub(crate) async fn run(options: &DemoOptions, out: &mut impl Write) -> io::Result<()> {
    let mut servers = Vec::new();
    for &scenario in &options.scenarios {
        let mut config = LabConfig::new(scenario);
        // The lab gives up on a data connection when the client does.
        config.data_timeout = options.step;
        servers.push((scenario, LabServer::start(config).await));
    }
    let tasks: Vec<_> = servers
        .iter()
        .map(|(scenario, server)| {
            let scenario = *scenario;
            let config = server
                .as_ref()
                .map_err(ToString::to_string)
                .and_then(|server| probe_config(scenario, server, options.step));
            tokio::spawn(async move {
                let config = match config {
                    Ok(config) => config,
                    Err(why) => {
                        return Shown {
                            scenario,
                            report: Err(format!("could not start the lab server: {why}")),
                            lesson: None,
                        };
                    }
                };
                // Boxed: a probe's future is large, and a worker thread's stack is not.
                let report = Box::pin(probe_and_report(&config)).await;
                let lesson = Box::pin(lesson::learn(scenario, &config)).await;
                Shown {
                    scenario,
                    report: Ok(report),
                    lesson,
                }
            })
        })
        .collect();
    let mut shown = Vec::new();
    for (task, &scenario) in tasks.into_iter().zip(&options.scenarios) {
        shown.push(task.await.unwrap_or_else(|err| Shown {
            scenario,
            report: Err(format!("the probe failed: {err}")),
            lesson: None,
        }));
    }
    let print = PrintOptions::new(options.style, options.explain);
    let written = match options.format {
        Format::Table => write_sections(&shown, &print, out),
        // One document of every report; the lessons are prose, for the table only.
        format => {
            let reports: Vec<Report> = shown.into_iter().filter_map(|s| s.report.ok()).collect();
            write_reports(format, &reports, &print, out)
        }
    };
    for server in servers.into_iter().filter_map(|(_, server)| server.ok()) {
        server.shutdown().await;
    }
    written
}

/// How the demo probes one scenario's server: as `ftpdoctor probe` would, each scenario
/// showing its own quirk.
fn probe_config(
    scenario: Scenario,
    server: &LabServer,
    step: Duration,
) -> Result<ProbeConfig, String> {
    let target = Target::parse(&server.url()).map_err(|e| e.to_string())?;
    let options = ProbeOptions {
        step_timeout: step,
        deadline: step * DEADLINE_STEPS,
        // The broken part of the range shows only when the whole range is sampled; a
        // single request would most likely get a good port.
        sample_ports: scenario.passive_range().unwrap_or(0),
        // Those without TLS would all add tls-unavailable; the TLS ones trust the lab's
        // CA, with the TLS their scheme gives them (`--tls auto`, ftps:// implicit).
        tls: server.ca_pem().is_none().then_some(TlsMode::Off),
        trust: match server.ca_pem() {
            Some(pem) => Trust::from_pem(pem).map_err(|e| e.to_string())?,
            None => Trust::WebPki,
        },
        ..ProbeOptions::default()
    };
    Ok(ProbeConfig::new(target, Credentials::anonymous(), options))
}

/// The table format: a heading, the report and its lesson per scenario.
fn write_sections(shown: &[Shown], print: &PrintOptions, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "Lab scenarios on loopback, probed as `ftpdoctor probe` would: scenarios without \
         TLS\nwith --tls off (each would also warn tls-unavailable), TLS ones with the lab's CA \
         (--ca-file).\n"
    )?;
    let mut write_report = |report: &Report, mut out: &mut dyn Write| -> io::Result<()> {
        write_reports(Format::Table, std::slice::from_ref(report), print, &mut out)
    };
    for s in shown {
        writeln!(out, "== {}\n   {}", s.scenario, s.scenario.description())?;
        match &s.report {
            Ok(report) => write_report(report, out)?,
            Err(why) => writeln!(out, "   {why}")?,
        }
        if let Some(lesson) = &s.lesson {
            writeln!(out)?;
            lesson::write(lesson, &mut write_report, out)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
