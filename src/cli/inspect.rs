//! `ftpdoctor inspect`: flags, validated into [`InspectOptions`], and the run itself
//! (read, check, print; nothing on the host is changed).

use std::io::{self, IsTerminal, Write};
use std::net::IpAddr;

use clap::{Args, ValueEnum};

use crate::diagnose::Severity;
use crate::inspect::{Inputs, InspectReport, load, write_json, write_table};

use super::ColorArg;

pub(super) const INSPECT_EXAMPLES: &str = "\
Examples:
  ftpdoctor inspect                                   on the server: find and read everything
  ftpdoctor inspect --config /etc/vsftpd.conf --ruleset <(nft -j list ruleset)
  ftpdoctor inspect --compose docker-compose.yml --public-addr 203.0.113.10
  ftpdoctor inspect --k8s service.yaml --k8s deployment.yaml --format json
  ftpdoctor probe ftp://ftp.example.com/ --format json > outside.json
  ftpdoctor inspect --config /etc/proftpd/proftpd.conf --with outside.json

Reads the FTP server's config (vsftpd, ProFTPD with its Includes, Pure-FTPd's conf dir or
command line), the firewall (nft -j list ruleset JSON or iptables-save text; for `nft list
ruleset` text, use `nft -j`), and docker-compose, Kubernetes or `docker inspect` files, and
says which line breaks passive FTP. With no file it looks on this host. It never changes
anything. Exit 0: no finding at or above --fail-on; 1: at least one; 2: could not run.
Files over 64 MiB are refused. Details: docs/inspect.md.";

/// inspect's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// For people.
    Table,
    /// `ftpdoctor.inspect/v1`.
    Json,
}

/// The least severe finding that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
}

#[derive(Debug, Args)]
pub(super) struct InspectArgs {
    /// A server config: vsftpd.conf, proftpd.conf, Pure-FTPd's conf dir, or a file
    /// holding a pure-ftpd command line (repeatable)
    #[arg(long, value_name = "FILE")]
    config: Vec<String>,
    /// A firewall ruleset: `nft -j list ruleset` JSON or iptables-save text; - reads stdin
    #[arg(long, value_name = "FILE|-")]
    ruleset: Option<String>,
    /// A docker-compose file
    #[arg(long, value_name = "FILE")]
    compose: Option<String>,
    /// A Kubernetes manifest: Services, Deployments, ... (repeatable)
    #[arg(long, value_name = "FILE")]
    k8s: Vec<String>,
    /// `docker inspect CONTAINER` output
    #[arg(long, value_name = "FILE")]
    docker_inspect: Option<String>,
    /// The address clients connect to, when it is not this host's own (a NAT in front)
    #[arg(long, value_name = "IP")]
    public_addr: Option<IpAddr>,
    /// An outside probe's report (probe --format json or jsonl) to check against
    #[arg(long, value_name = "REPORT.json")]
    with: Option<String>,
    /// Which target's report to use when --with holds several
    #[arg(long, value_name = "T", requires = "with")]
    target: Option<String>,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
    format: InspectFormat,
    /// Exit 1 when a finding is at least this severe
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "error")]
    fail_on: FailOn,
    /// Colour the table (auto: on a terminal without NO_COLOR)
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    color: ColorArg,
}

/// `inspect`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectOptions {
    /// The files (none: discovery).
    pub inputs: Inputs,
    /// --format.
    pub format: InspectFormat,
    /// --fail-on.
    pub fail_on: FailOn,
    /// --color.
    pub color: ColorArg,
}

impl InspectArgs {
    pub(super) fn into_options(self) -> InspectOptions {
        InspectOptions {
            inputs: Inputs {
                configs: self.config,
                ruleset: self.ruleset,
                compose: self.compose,
                k8s: self.k8s,
                docker_inspect: self.docker_inspect,
                public_addr: self.public_addr,
                with: self.with,
                target: self.target,
            },
            format: self.format,
            fail_on: self.fail_on,
            color: self.color,
        }
    }
}

/// Table width when stdout is not a terminal and COLUMNS is unset.
const DEFAULT_WIDTH: usize = 100;

/// Runs `inspect` and prints the report on stdout; returns the exit code (0 or 1). A
/// broken pipe on stdout is not an error.
pub fn run_inspect(options: &InspectOptions) -> io::Result<u8> {
    let report = InspectReport::new(load(&options.inputs));
    let stdout = io::stdout();
    let color = match options.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(DEFAULT_WIDTH);
    let mut out = stdout.lock();
    let written = match options.format {
        InspectFormat::Json => write_json(&report, &mut out),
        InspectFormat::Table => write_table(&report, width, color, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    let level = match options.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warn => Severity::Warn,
    };
    Ok(u8::from(report.fails(level)))
}
