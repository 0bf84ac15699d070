//! `ftpdoctor probe`: flags, and their validation into one [`RunConfig`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::output::{ColorArg, utf8_locale};
use super::positive_duration;
use super::probe_error::{ProbeArgsError, target_error};
use super::targets_file::{parse_allow, read_allow_file, read_targets_file};
use super::values::{SizeCheckArg, parse_dns_server, parse_family, threshold_seconds};
use crate::diagnose::clients::ClientId;
use crate::diagnose::{Allow, Severity};
use crate::net::Trust;
use crate::net::resolve::Family;
use crate::pipeline::ReportOptions;
use crate::probe::{
    Credentials, CredentialsError, MAX_SAMPLE_PORTS, Mode, ProbeConfig, ProbeOptions, TlsMode,
    idle_deadline,
};
use crate::proto::Password;
use crate::report::timeline::TimelineView;
use crate::run::{Format, RunConfig};
use crate::target::{Netrc, Scheme, Target};

pub(super) const PROBE_EXAMPLES: &str = "\
Examples:
  ftpdoctor probe ftp.example.com
  ftpdoctor probe ftp://ftp.example.com/pub/ --format json
  ftpdoctor probe ftp://127.0.0.1:2121/pub/readme.txt --modes pasv,epsv --timeout 2s
  FTP_PASS=secret ftpdoctor probe ftp://files.example.com/ --user alice --password-env FTP_PASS
  ftpdoctor probe ftp://files.example.com/ --netrc --transcript
  ftpdoctor probe ftp.example.com --all-addresses --dns-server 192.0.2.53
  ftpdoctor probe ftp.example.com --sample-ports 16
  ftpdoctor probe --targets-file servers.txt --concurrency 64 --summary
  ftpdoctor probe ftps://ftp.example.com/ --ca-file company-ca.pem
  ftpdoctor probe ftp://ftp.example.com/ --tls explicit --insecure
  ftpdoctor probe ftp://ftp.example.com/ --proxy socks5://127.0.0.1:1080
  P=secret ftpdoctor probe ftp.example.com --proxy http://proxy.example:3128 --proxy-user alice --proxy-password-env P

Each mode (EPSV, PASV, EPRT, PORT) gets a real transfer: LIST of the URL's path, or RETR
when the path names a file. An advertised PASV address other than the control peer is
reported and not dialled (the control peer with the advertised port is tried instead)
unless --follow-advertised. TLS: --tls auto (the default) tries AUTH TLS and goes on in
plaintext if refused; ftps:// is implicit TLS on port 990. Exit 0: no finding at or above --fail-on; 1: at least one;
2: ftpdoctor could not run.";

/// --tls: how to use TLS on the control connection.
/// How `--transcript` lays out the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TranscriptArg {
    /// Every event in time order, labelled with its session.
    Time,
    /// Each session's events together.
    Grouped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsArg {
    /// Try AUTH TLS; go on in plaintext (and warn) if the server refuses
    Auto,
    /// AUTH TLS, and a refusal is an error
    Explicit,
    /// TLS from the first byte (what ftps:// means)
    Implicit,
    /// Plain FTP only
    Off,
}

impl TlsArg {
    fn mode(self) -> TlsMode {
        match self {
            TlsArg::Auto => TlsMode::Auto,
            TlsArg::Explicit => TlsMode::Explicit,
            TlsArg::Implicit => TlsMode::Implicit,
            TlsArg::Off => TlsMode::Off,
        }
    }
}

/// --fail-on: the severity from which a finding makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warn,
}

impl FailOn {
    pub(crate) fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warn => Severity::Warn,
        }
    }
}

#[derive(Debug, Args)]
pub(super) struct ProbeArgs {
    /// ftp://[user[:pass]@]host[:port][/path], or host[:port]
    #[arg(value_name = "TARGET", required_unless_present = "targets_file")]
    targets: Vec<String>,
    /// Modes to try, comma-separated
    #[arg(
        long,
        value_name = "MODES",
        value_delimiter = ',',
        default_value = "epsv,pasv,eprt,port"
    )]
    modes: Vec<Mode>,
    /// Log in as this user (default: anonymous)
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Read the password from this environment variable
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// Look the login up in $NETRC or ~/.netrc
    #[arg(long)]
    netrc: bool,
    /// Limit for each step: connect, reply, data connect, accept, each transfer read
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = positive_duration)]
    timeout: Duration,
    /// Limit for the whole probe of one target; the report still comes out
    /// [default: 30s; with --idle D, D + 30s]
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    deadline: Option<Duration>,
    /// After the modes, one transfer big enough to fill full-size packets (at most
    /// 256 KiB read), retried with a lowered MSS if it stalls: finds path-MTU black holes
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    size_check: SizeCheckArg,
    /// Measure how long the path keeps an idle control connection: 8 more connections
    /// idle D, D/2, D/4 down to D/128, then NOOP
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    idle: Option<Duration>,
    /// STOR a small and a 256 KiB file as ftpdoctor-<random>.tmp in the URL's directory,
    /// then DELE them (writes to the server!)
    #[arg(long)]
    upload: bool,
    /// Also dial an advertised PASV address that differs from the control peer
    #[arg(long)]
    follow_advertised: bool,
    #[command(flatten)]
    proxy: super::proxy::ProxyArgs,
    /// Address to put in PORT/EPRT (default: the control connection's local address)
    #[arg(long, value_name = "IP")]
    active_addr: Option<IpAddr>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Exit 1 when a finding is at least this severe
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// --format nagios: WARNING when the probe takes longer than SECONDS (as check_ftp -w)
    #[arg(short = 'w', long = "warning", value_name = "SECONDS", value_parser = threshold_seconds)]
    warning: Option<f64>,
    /// --format nagios: CRITICAL when the probe takes longer than SECONDS (as check_ftp -c)
    #[arg(short = 'c', long = "critical", value_name = "SECONDS", value_parser = threshold_seconds)]
    critical: Option<f64>,
    /// Print the timeline: every event on every connection (connects, the address not
    /// dialled and why, TLS, commands, replies, data, closes), PASS masked, in time order;
    /// --transcript=grouped: each session's events together. JSON also gets the
    /// control-channel lines (`transcript`)
    #[arg(
        long,
        value_enum,
        value_name = "HOW",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "time"
    )]
    transcript: Option<TranscriptArg>,
    /// Table format: draw each mode's ladder diagram, with notes for learners
    #[arg(long)]
    explain: bool,
    /// Draw with ASCII only (the default when the locale is not UTF-8)
    #[arg(long)]
    ascii: bool,
    /// One control connection, modes in turn (default: one connection per mode, at once)
    #[arg(long)]
    sequential: bool,
    /// TLS on the control connection [default: auto; implicit for ftps://]
    #[arg(long, value_enum, value_name = "MODE")]
    tls: Option<TlsArg>,
    /// Do not check the server's certificate (the report says so, and what the check
    /// would have said)
    #[arg(long)]
    insecure: bool,
    /// Trust this PEM file's CA certificates instead of the public roots
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Data connections do not resume the control connection's TLS session, as some
    /// clients do not: shows whether the server requires reuse
    #[arg(long)]
    no_tls_reuse: bool,
    // Names and addresses, the passive port range, fleets.
    /// Ask this DNS server, IP or IP:PORT (default: the system's resolvers)
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_dns_server)]
    dns_server: Option<SocketAddr>,
    /// Which resolved addresses to use
    #[arg(long, value_name = "4|6|any", default_value = "any", value_parser = parse_family)]
    address_family: Family,
    /// Probe every resolved address, one report each (default: the first that connects)
    #[arg(long)]
    all_addresses: bool,
    /// Infer the passive port range from N passive requests, dialling each port
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_SAMPLE_PORTS as i64))]
    sample_ports: Option<u16>,
    /// Read more targets from FILE, one per line (# starts a comment)
    #[arg(long, value_name = "FILE")]
    targets_file: Option<PathBuf>,
    /// Targets probed at once
    #[arg(long, value_name = "N", default_value = "16", value_parser = clap::value_parser!(u16).range(1..=MAX_CONCURRENCY as i64))]
    concurrency: u16,
    /// Table format: print only the summary table, one row per target
    #[arg(long)]
    summary: bool,
    /// Client profiles whose fate to predict, comma-separated, or `all`
    /// [default: curl,lftp,wget,ftplib,filezilla,windows-ftp]
    #[arg(long, value_name = "LIST", value_parser = parse_clients)]
    clients: Option<ClientList>,
    /// Table format: -v every finding in full (evidence, whole fix, reference), symptoms
    /// too; -vv also the conversation of every session as curl -v shows it (`> ` sent,
    /// `< ` received, `* ` what happened: connects, an address not dialled and why)
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Table format: colour the table (auto: on a terminal without NO_COLOR or TERM=dumb)
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    color: ColorArg,
    /// Accept a known finding: it stays in the report, marked waived, and no longer
    /// counts for the exit code (ID, or ID@MODE for one mode; comma-separated, repeatable)
    #[arg(long, value_name = "ID[@MODE]", value_delimiter = ',', value_parser = parse_allow)]
    allow: Vec<Allow>,
    /// Read more --allow entries from FILE, one per line (# starts a comment)
    #[arg(long, value_name = "FILE")]
    allow_file: Option<PathBuf>,
}

/// `--clients`: the profiles, in the order given (`all`: every one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientList(
    /// The ids, without repeats.
    pub Vec<ClientId>,
);

fn parse_clients(s: &str) -> Result<ClientList, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(ClientList(ClientId::ALL.to_vec()));
    }
    let mut ids: Vec<ClientId> = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let id = part.parse::<ClientId>().map_err(|e| e.to_string())?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ClientList(ids))
}

/// Most targets probed at once: each holds up to four control connections and their
/// data connections, so 1024 targets already need several thousand file descriptors.
pub const MAX_CONCURRENCY: u16 = 1024;

/// What the command line has to say besides the run itself, on stderr.
#[derive(Debug, Default)]
pub struct Notices {
    /// Bad lines of a --targets-file, each that target's error (the other targets are
    /// probed; exit 2 afterwards).
    pub rejected: Vec<ProbeArgsError>,
    /// Flags that are accepted but may not do what was meant.
    pub warnings: Vec<String>,
}

/// What every target's probe shares: the options, where passwords come from.
struct Shared {
    options: ProbeOptions,
    env_password: Option<Password>,
    netrc: Option<Netrc>,
}

impl ProbeArgs {
    pub(super) fn into_run(self) -> Result<(RunConfig, Notices), ProbeArgsError> {
        if self.summary && self.format != Format::Table {
            return Err(ProbeArgsError::SummaryNeedsTable {
                format: self.format.as_str(),
            });
        }
        if (self.warning.is_some() || self.critical.is_some()) && self.format != Format::Nagios {
            return Err(ProbeArgsError::ThresholdsNeedNagios {
                format: self.format.as_str(),
            });
        }
        let (probes, rejected) = self.probes(&self.shared()?)?;
        let warnings = self.warnings(&probes);
        let mut allow = self.allow.clone();
        if let Some(path) = &self.allow_file {
            allow.extend(read_allow_file(path)?);
        }
        let run = RunConfig {
            probes,
            allow,
            format: self.format,
            fail_on: self.fail_on.threshold(),
            report: ReportOptions {
                clients: self
                    .clients
                    .clone()
                    .map_or_else(|| ClientId::DEFAULT.to_vec(), |list| list.0),
                transcript: self.transcript.is_some(),
            },
            timeline_view: match self.transcript {
                Some(TranscriptArg::Grouped) => TimelineView::Grouped,
                _ => TimelineView::Time,
            },
            conversation: self.verbose >= 2,
            explain: self.explain,
            unicode: !self.ascii && utf8_locale(),
            concurrency: usize::from(self.concurrency),
            summary: self.summary,
            progress: false,
            verbose: self.verbose >= 1,
            thresholds: crate::report::nagios::Thresholds {
                warning: self.warning,
                critical: self.critical,
            },
        };
        Ok((run, Notices { rejected, warnings }))
    }

    /// What every target shares: the options, the password from the environment, the
    /// netrc file.
    fn shared(&self) -> Result<Shared, ProbeArgsError> {
        let mut modes = self.modes.clone();
        modes.sort();
        modes.dedup();
        if let Some(addr @ IpAddr::V6(_)) = self.active_addr
            && modes.contains(&Mode::Port)
        {
            return Err(ProbeArgsError::ActiveAddrNotV4 { addr });
        }
        let netrc = match self.netrc {
            true => {
                let path = Netrc::default_path().ok_or(ProbeArgsError::NoNetrcPath)?;
                Some(Netrc::load(&path)?)
            }
            false => None,
        };
        let env_password = match &self.password_env {
            Some(var) => {
                Some(Password::new(std::env::var(var).map_err(|_| {
                    ProbeArgsError::PasswordEnvUnset { var: var.clone() }
                })?))
            }
            None => None,
        };
        Ok(Shared {
            options: self.options(modes)?,
            env_password,
            netrc,
        })
    }

    /// Every target's probe, arguments first, then the --targets-file's; a bad line of
    /// the file is that target's error (returned beside the probes), not the fleet's.
    fn probes(
        &self,
        shared: &Shared,
    ) -> Result<(Vec<ProbeConfig>, Vec<ProbeArgsError>), ProbeArgsError> {
        // Arguments first (line 0), then the file's lines with their numbers.
        let mut inputs: Vec<(usize, String)> =
            self.targets.iter().map(|t| (0, t.clone())).collect();
        if let Some(path) = &self.targets_file {
            inputs.extend(read_targets_file(path)?);
        }
        if inputs.is_empty() {
            return Err(ProbeArgsError::NoTargets);
        }
        let mut probes = Vec::new();
        let mut rejected = Vec::new();
        for (line, input) in &inputs {
            match (self.probe_config(input, shared), &self.targets_file) {
                (Ok(config), _) => probes.push(config),
                (Err(source), Some(path)) if *line > 0 => {
                    rejected.push(ProbeArgsError::TargetsFileTarget {
                        path: path.clone(),
                        line: *line,
                        source: Box::new(source),
                    });
                }
                (Err(err), _) => return Err(err),
            }
        }
        if probes.is_empty() && !rejected.is_empty() {
            return Err(rejected.swap_remove(0));
        }
        Ok((probes, rejected))
    }

    /// Flags that are accepted but may not do what was meant.
    fn warnings(&self, probes: &[ProbeConfig]) -> Vec<String> {
        let mut warnings = Vec::new();
        let overridden = probes
            .iter()
            .filter(|p| p.target().scheme == Scheme::Ftps)
            .count();
        if let (true, Some(given @ (TlsArg::Off | TlsArg::Explicit))) = (overridden > 0, self.tls) {
            warnings.push(format!(
                "--tls {} applies to ftp:// targets; {overridden} ftps:// target(s) use \
                 implicit TLS, as their scheme says",
                given.mode().as_str()
            ));
        }
        // A --deadline refused with --idle is an error of its own (`options`).
        if let Ok(deadline) = idle_deadline(self.deadline, self.idle)
            && deadline < self.timeout
        {
            warnings.push(format!(
                "--deadline {} is shorter than --timeout {}: a silent step is cut by the \
                 deadline before its own timeout, and its finding rests on less waiting",
                crate::wire::human(deadline),
                crate::wire::human(self.timeout)
            ));
        }
        warnings
    }

    /// What every target's probe is asked to do.
    fn options(&self, modes: Vec<Mode>) -> Result<ProbeOptions, ProbeArgsError> {
        Ok(ProbeOptions {
            modes,
            step_timeout: self.timeout,
            // --deadline, or 30 s, or D + 30 s with --idle D (a shorter one is refused).
            deadline: idle_deadline(self.deadline, self.idle)?,
            tls: self.tls.map(TlsArg::mode),
            trust: self.trust()?,
            tls_reuse: !self.no_tls_reuse,
            follow_advertised: self.follow_advertised,
            active_addr: self.active_addr,
            sequential: self.sequential,
            dns_server: self.dns_server,
            address_family: self.address_family,
            all_addresses: self.all_addresses,
            sample_ports: self.sample_ports.unwrap_or(0),
            size_check: self.size_check == SizeCheckArg::Auto,
            idle: self.idle,
            upload: self.upload,
            proxy: self.proxy.spec()?,
            ..ProbeOptions::default()
        })
    }

    /// One target's probe: its URL parsed, its credentials, the shared options.
    fn probe_config(&self, input: &str, shared: &Shared) -> Result<ProbeConfig, ProbeArgsError> {
        let target = Target::parse(input).map_err(|source| target_error(input, source))?;
        let credentials =
            self.credentials(&target, shared.env_password.as_ref(), shared.netrc.as_ref())?;
        Ok(ProbeConfig::new(
            target,
            credentials,
            shared.options.clone(),
        ))
    }

    /// `--color`: the table's, decided with the terminal by `main` (not part of the run).
    pub(super) fn color(&self) -> ColorArg {
        self.color
    }

    /// The public roots, or --ca-file's; wrapped by --insecure.
    fn trust(&self) -> Result<Trust, ProbeArgsError> {
        let checked = match &self.ca_file {
            Some(path) => Trust::from_ca_file(path)?,
            None => Trust::WebPki,
        };
        Ok(match self.insecure {
            true => Trust::Insecure(Box::new(checked)),
            false => checked,
        })
    }

    /// The URL's own user and password first, then --user with --password-env, then the
    /// netrc entry for the host, else anonymous ([`Credentials::resolve`]).
    fn credentials(
        &self,
        target: &Target,
        env_password: Option<&Password>,
        netrc: Option<&Netrc>,
    ) -> Result<Credentials, ProbeArgsError> {
        let user = target.user.clone().or_else(|| self.user.clone());
        let password = target.password.clone().or_else(|| env_password.cloned());
        if password.is_none()
            && let Some((user, password)) =
                netrc.and_then(|n| n.lookup(&target.host_string(), user.as_deref()))
        {
            return Ok(Credentials { user, password });
        }
        Credentials::resolve(user, password).map_err(|e| match e {
            CredentialsError::PasswordWithoutUser => ProbeArgsError::PasswordWithoutUser,
            CredentialsError::NoPassword { user } => ProbeArgsError::NoPassword { user },
        })
    }
}

#[cfg(test)]
mod tests;
