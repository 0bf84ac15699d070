//! `ftpdoctor demo`: starts every lab scenario on loopback, probes each one, and prints
//! a heading and the report table per scenario.
//!
//! Only loopback is ever dialled: the probe's safety rules keep it off any advertised
//! address that is not the control peer (10.0.0.5, 198.51.100.7 and 0.0.0.0 here).

use std::io::{self, Write};
use std::time::Duration;

use crate::lab::{LabConfig, LabServer, Scenario};
use crate::net::Trust;
use crate::probe::{ProbeConfig, TlsMode};
use crate::report::explain::{ExplainStyle, write_explain};
use crate::report::table::{TableStyle, write_table};
use crate::run::probe_and_report;
use crate::target::Target;

/// The whole demo must end in a few seconds even if a scenario misbehaves beyond its
/// design: each probe gets this many step timeouts at most.
const DEADLINE_STEPS: u32 = 5;

/// Probes every scenario concurrently and writes the sections in scenario order. A
/// scenario whose server cannot start gets a line saying so; the others still run.
/// `explain` adds each scenario's ladder diagrams: `Some(unicode)`.
pub async fn run(
    step: Duration,
    color: bool,
    explain: Option<bool>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut servers = Vec::new();
    for scenario in Scenario::ALL {
        let mut config = LabConfig::new(scenario);
        // The lab gives up on a data connection when the client does.
        config.data_timeout = step;
        servers.push((scenario, LabServer::start(config).await));
    }
    let probes: Vec<_> = servers
        .iter()
        .map(|(scenario, server)| {
            server
                .as_ref()
                .map_err(ToString::to_string)
                .and_then(|server| {
                    let target = Target::parse(&server.url()).map_err(|e| e.to_string())?;
                    let mut config = ProbeConfig::new(target);
                    config.step_timeout = step;
                    config.deadline = step * DEADLINE_STEPS;
                    // The broken part of the range shows only when the whole range is
                    // sampled; a single request would most likely get a good port.
                    if let Some(range) = scenario.passive_range() {
                        config.sample_ports = range;
                    }
                    // Each scenario shows its own quirk: those without TLS would all
                    // add tls-unavailable, and the TLS ones trust the lab's CA.
                    match server.ca_pem() {
                        Some(pem) => {
                            config.trust = Trust::from_pem(pem).map_err(|e| e.to_string())?;
                            if config.target.scheme == crate::target::Scheme::Ftps {
                                config.tls = TlsMode::Implicit;
                            }
                        }
                        None => config.tls = TlsMode::Off,
                    }
                    Ok(tokio::spawn(async move {
                        probe_and_report(&config, false).await
                    }))
                })
        })
        .collect();
    let style = TableStyle {
        color,
        ..TableStyle::default()
    };
    writeln!(
        out,
        "Every lab scenario on loopback, probed as `ftpdoctor probe` would: scenarios without \
         TLS\nwith --tls off (each would also warn tls-unavailable), TLS ones with the lab's CA \
         (--ca-file).\n"
    )?;
    for ((scenario, _), probe) in servers.iter().zip(probes) {
        writeln!(out, "== {scenario}\n   {}", scenario.description())?;
        match probe {
            Ok(task) => match task.await {
                Ok(report) => {
                    write_table(&report, &style, out)?;
                    if let Some(unicode) = explain {
                        let style = ExplainStyle {
                            unicode,
                            color,
                            ..ExplainStyle::default()
                        };
                        write_explain(&report, &style, out)?;
                    }
                }
                Err(err) => writeln!(out, "   the probe failed: {err}")?,
            },
            Err(err) => writeln!(out, "   could not start the lab server: {err}")?,
        }
        writeln!(out)?;
    }
    for server in servers.into_iter().filter_map(|(_, server)| server.ok()) {
        server.shutdown().await;
    }
    Ok(())
}
