//! The JSON report, schema `ftpdoctor.inspect/v1` (docs/report-schema.md).

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnose::Severity;

use super::rules::{self, Found};
use super::{Host, Scene, Source};

/// The schema name; fields are added within v1, never renamed or removed.
pub const INSPECT_SCHEMA: &str = "ftpdoctor.inspect/v1";

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// Always [`INSPECT_SCHEMA`].
    pub schema: &'static str,
    /// The host.
    pub host: Host,
    /// Every input.
    pub sources: Vec<Source>,
    /// The server's passive setup as configured.
    pub server: Server,
    /// Findings, in the order configs, firewalls, deployments, probe.
    pub findings: Vec<Found>,
    /// ok, warn or fail.
    pub verdict: &'static str,
}

/// `server`: what the configuration declares.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// Whether passive mode is on (`null` with no config).
    pub passive: Option<bool>,
    /// The passive range, `[lo, hi]`.
    pub range: Option<[u16; 2]>,
    /// The address the 227 carries, if one is set.
    pub public_address: Option<String>,
    /// `file:line` of the range (else the config file).
    pub from: Option<String>,
}

impl InspectReport {
    /// The report of `scene`.
    pub fn new(scene: Scene) -> InspectReport {
        let (findings, notes) = rules::findings(&scene);
        let mut scene = scene;
        for (path, note) in notes {
            if let Some(source) = scene.sources.iter_mut().find(|s| s.path == path) {
                source.notes.push(note);
            }
        }
        let cfg = scene.servers.first().or_else(|| {
            scene
                .deploys
                .iter()
                .map(|d| &d.env)
                .find(|e| e.range.is_some() || e.public_address.is_some())
        });
        let range = rules::server_range(&scene);
        let server = Server {
            passive: cfg.map(|c| c.passive_on()),
            range: range.as_ref().map(|r| [r.value.lo, r.value.hi]),
            public_address: rules::public_address(&scene).map(|a| a.value),
            from: range
                .map(|r| r.loc.to_string())
                .or_else(|| cfg.map(|c| c.file.clone())),
        };
        let worst = findings.iter().map(|f| f.severity).max();
        InspectReport {
            schema: INSPECT_SCHEMA,
            host: scene.host,
            sources: scene.sources,
            server,
            verdict: match worst {
                Some(Severity::Error) => "fail",
                Some(Severity::Warn) => "warn",
                _ => "ok",
            },
            findings,
        }
    }

    /// Whether a finding at or above `level` exists (exit 1).
    pub fn fails(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }
}

/// The report as pretty JSON, with a final newline.
pub fn write_json(report: &InspectReport, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}
