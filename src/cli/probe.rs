//! `ftpdoctor probe`: flags, and their validation into one [`RunConfig`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::output::{ColorArg, utf8_locale};
use super::positive_duration;
use super::targets_file::{
    MAX_TARGET_LINE, MAX_TARGETS, MAX_TARGETS_FILE_BYTES, read_targets_file, strip_comment,
};
use crate::diagnose::clients::ClientId;
use crate::diagnose::{Allow, Severity};
use crate::net::resolve::Family;
use crate::net::{Trust, TrustError};
use crate::probe::{
    Credentials, CredentialsError, IDLE_DEADLINE_MARGIN, MAX_SAMPLE_PORTS, Mode, ProbeConfig,
    ProbeOptions, TlsMode,
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

/// --deadline's default.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// `--size-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SizeCheckArg {
    /// After the modes, when one worked.
    Auto,
    /// Never.
    Off,
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

fn parse_allow(s: &str) -> Result<Allow, String> {
    s.parse()
        .map_err(|e: crate::diagnose::AllowError| e.to_string())
}

/// Largest --allow-file read: a few hundred accepted findings with their comments.
const MAX_ALLOW_FILE_BYTES: u64 = 64 * 1024;

/// The entries of an --allow-file: one per line, blank lines and `#` comments skipped; a
/// bad line is refused with its number, as a typo would otherwise waive nothing.
fn read_allow_file(path: &std::path::Path) -> Result<Vec<Allow>, ProbeArgsError> {
    use std::io::Read as _;
    let unreadable = |source| ProbeArgsError::AllowFile {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_ALLOW_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_ALLOW_FILE_BYTES {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_ALLOW_FILE_BYTES} bytes"),
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    let mut allow = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        allow.push(
            line.parse()
                .map_err(|source| ProbeArgsError::AllowFileLine {
                    path: path.to_path_buf(),
                    line: n + 1,
                    source,
                })?,
        );
    }
    Ok(allow)
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

/// `IP` (port 53) or `IP:PORT`, `[v6]:PORT`.
fn parse_dns_server(s: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| format!("{s:?} is not IP or IP:PORT (e.g. 192.0.2.53, [2001:db8::53]:5353)"))
}

fn parse_family(s: &str) -> Result<Family, String> {
    match s {
        "4" => Ok(Family::V4),
        "6" => Ok(Family::V6),
        "any" => Ok(Family::Any),
        _ => Err("expected 4, 6 or any".to_string()),
    }
}

/// What the command line has to say besides the run itself, on stderr.
#[derive(Debug, Default)]
pub struct Notices {
    /// Bad lines of a --targets-file, each that target's error (the other targets are
    /// probed; exit 2 afterwards).
    pub rejected: Vec<ProbeArgsError>,
    /// Flags that are accepted but may not do what was meant.
    pub warnings: Vec<String>,
}

/// Why a probe invocation cannot run; never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum ProbeArgsError {
    /// A target that does not parse.
    #[error("target {input:?}: {source}")]
    Target {
        /// The target as given.
        input: String,
        /// Why it does not parse.
        source: crate::target::TargetError,
    },
    /// A URL with a password that does not parse: the parser's own message could quote
    /// a piece of the password (a `/` in it ends the host part early), so none is shown.
    #[error(
        "target {input:?} is not a valid URL; in a password write '/' as %2F, ':' as %3A and '@' as %40 (or use --password-env)"
    )]
    TargetWithPassword {
        /// The target as given (the message quotes it whole, never a piece of it).
        input: String,
    },
    /// One bad line of a --targets-file: that target's error; the others still run.
    #[error("--targets-file {} line {line}: {source}", path.display())]
    TargetsFileTarget {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
        /// What is wrong with the target on that line.
        source: Box<ProbeArgsError>,
    },
    /// The --ca-file cannot be used.
    #[error("--ca-file: {0}")]
    CaFile(#[from] TrustError),
    /// The --password-env variable is not set.
    #[error("--password-env {var}: the variable is not set (or not UTF-8)")]
    PasswordEnvUnset {
        /// The variable's name.
        var: String,
    },
    /// A password without a user to go with it.
    #[error("--password-env needs a user: --user NAME, or ftp://NAME@host/")]
    PasswordWithoutUser,
    /// The netrc file cannot be used.
    #[error("--netrc: {0}")]
    Netrc(#[from] crate::target::NetrcError),
    /// --netrc without a file to read.
    #[error("--netrc: no netrc file ($NETRC and $HOME are both unset)")]
    NoNetrcPath,
    /// --user without a password.
    #[error("--user {user}: no password given (use --password-env VAR or --netrc)")]
    NoPassword {
        /// The user given.
        user: String,
    },
    /// A --deadline too short for --idle.
    #[error(
        "--deadline {deadline} is shorter than --idle {idle} plus {margin}: the idle \
         connections need D and the probe itself about {margin}; raise --deadline or leave it out"
    )]
    DeadlineBelowIdle {
        /// --deadline as given.
        deadline: String,
        /// --idle as given.
        idle: String,
        /// What the probe needs besides the idle time.
        margin: String,
    },
    /// An IPv6 --active-addr while PORT is among the modes.
    #[error("--active-addr {addr}: PORT needs an IPv4 address (select --modes without port)")]
    ActiveAddrNotV4 {
        /// The address given.
        addr: IpAddr,
    },
    /// The --targets-file cannot be read.
    #[error("--targets-file {}: {source}", path.display())]
    TargetsFile {
        /// The file as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A --targets-file line longer than any target.
    #[error("--targets-file {} line {line}: longer than {MAX_TARGET_LINE} bytes", path.display())]
    TargetsFileLine {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
    },
    /// A --targets-file larger than one run should probe.
    #[error(
        "--targets-file {}: more than {MAX_TARGETS} targets or {MAX_TARGETS_FILE_BYTES} bytes; split the fleet",
        path.display()
    )]
    TargetsFileTooLarge {
        /// The file as given.
        path: PathBuf,
    },
    /// Nothing to probe.
    #[error("no targets: give TARGET arguments or a --targets-file with at least one")]
    NoTargets,
    /// The --allow-file cannot be read.
    #[error("--allow-file {}: {source}", path.display())]
    AllowFile {
        /// The file as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line of the --allow-file that names no finding (a typo would waive nothing).
    #[error("--allow-file {} line {line}: {source}", path.display())]
    AllowFileLine {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
        /// What is wrong with the entry.
        source: crate::diagnose::AllowError,
    },
    /// The reports of every other format already carry their own summary; a counts object
    /// among them would break the one-report-per-element (per-line) shape readers rely on.
    #[error(
        "--summary is for --format table; {format} reports carry each target's verdict and \
         summary (count them with e.g. jq 'group_by(.verdict)')"
    )]
    SummaryNeedsTable {
        /// The format given with --summary.
        format: &'static str,
    },
    /// A man page could not be written (`ftpdoctor man`).
    #[error("writing the man page: {0}")]
    Docs(std::io::Error),
    /// -w/-c are Nagios thresholds: another format has no state for them to set.
    #[error(
        "-w/--warning and -c/--critical are thresholds for --format nagios; this run writes --format {format}"
    )]
    ThresholdsNeedNagios {
        /// The format given with them.
        format: &'static str,
    },
}

/// A Nagios threshold in plain seconds, as check_ftp and check_tcp take them (`5`, `0.5`).
fn threshold_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("expected a number of seconds, such as 5 or 0.5".to_string()),
    }
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
        self.deadline()?;
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
        // Arguments first (line 0), then the file's lines with their numbers.
        let mut inputs: Vec<(usize, String)> =
            self.targets.iter().map(|t| (0, t.clone())).collect();
        if let Some(path) = &self.targets_file {
            inputs.extend(read_targets_file(path)?);
        }
        if inputs.is_empty() {
            return Err(ProbeArgsError::NoTargets);
        }
        let shared = Shared {
            options: self.options(modes)?,
            env_password,
            netrc,
        };
        let mut probes = Vec::new();
        let mut rejected = Vec::new();
        for (line, input) in &inputs {
            match (self.probe_config(input, &shared), &self.targets_file) {
                (Ok(config), _) => probes.push(config),
                // A typo on one line of a fleet is that target's error, not the fleet's.
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
        let deadline = self.deadline()?;
        if deadline < self.timeout {
            warnings.push(format!(
                "--deadline {} is shorter than --timeout {}: a silent step is cut by the \
                 deadline before its own timeout, and its finding rests on less waiting",
                humantime::format_duration(deadline),
                humantime::format_duration(self.timeout)
            ));
        }
        let mut allow = self.allow.clone();
        if let Some(path) = &self.allow_file {
            allow.extend(read_allow_file(path)?);
        }
        let run = RunConfig {
            probes,
            allow,
            format: self.format,
            fail_on: self.fail_on.threshold(),
            transcript: self.transcript.is_some(),
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
            clients: self
                .clients
                .clone()
                .map_or_else(|| ClientId::DEFAULT.to_vec(), |list| list.0),
            verbose: self.verbose >= 1,
            thresholds: crate::report::nagios::Thresholds {
                warning: self.warning,
                critical: self.critical,
            },
        };
        Ok((run, Notices { rejected, warnings }))
    }

    /// What every target's probe is asked to do.
    fn options(&self, modes: Vec<Mode>) -> Result<ProbeOptions, ProbeArgsError> {
        Ok(ProbeOptions {
            modes,
            step_timeout: self.timeout,
            deadline: self.deadline()?,
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

    /// --deadline, or its default: 30 s, or D + 30 s with --idle D; a --deadline below
    /// that with --idle is refused.
    fn deadline(&self) -> Result<Duration, ProbeArgsError> {
        let Some(idle) = self.idle else {
            return Ok(self.deadline.unwrap_or(DEFAULT_DEADLINE));
        };
        let needed = idle + IDLE_DEADLINE_MARGIN;
        match self.deadline {
            None => Ok(needed),
            Some(given) if given >= needed => Ok(given),
            Some(given) => Err(ProbeArgsError::DeadlineBelowIdle {
                deadline: humantime::format_duration(given).to_string(),
                idle: humantime::format_duration(idle).to_string(),
                margin: humantime::format_duration(IDLE_DEADLINE_MARGIN).to_string(),
            }),
        }
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

/// The parser's own reason, whenever it cannot hold a piece of the password: always
/// without one; with one, when the authority still ends at its last '@' (so host and
/// port come from after it) or the scheme was the trouble. A '/' in a password ends
/// the authority early instead, and the rest of the password is read as host and port.
fn target_error(input: &str, source: crate::target::TargetError) -> ProbeArgsError {
    use crate::target::TargetError;
    if !has_password(input) {
        return ProbeArgsError::Target {
            input: input.to_string(),
            source,
        };
    }
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    match source {
        TargetError::UnsupportedScheme { .. } | TargetError::SchemeWithoutSlashes { .. } => {}
        _ if authority.contains('@') => {}
        _ => {
            return ProbeArgsError::TargetWithPassword {
                input: redact(input),
            };
        }
    }
    ProbeArgsError::Target {
        input: redact(input),
        source,
    }
}

/// Whether the argument carries `user:password@` (judged loosely: it did not parse).
fn has_password(input: &str) -> bool {
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    rest.rfind('@').is_some_and(|at| rest[..at].contains(':'))
}

/// A URL with a password as an error may show it: the user's name kept, everything from
/// its ':' to the last `@` masked (a password may hold '/', ':' or '@'), the rest kept.
fn redact(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), input),
    };
    match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{scheme}{user}:***{}", &rest[at..])
        }
        None => input.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparseable_url_with_a_password_is_shown_masked() {
        for input in [
            "ftp://alice:se:cr/et@127.0.0.1/",
            "ftp://alice:123456/x@127.0.0.1/",
            "alice:se:cr/et@127.0.0.1",
        ] {
            assert!(has_password(input), "{input}");
            let shown = redact(input);
            for secret in ["se:cr", "123456", "cr/et"] {
                assert!(!shown.contains(secret), "{input} -> {shown}");
            }
        }
        assert!(!has_password("ftp://127.0.0.1:99999/"));
    }

    #[test]
    fn url_with_credentials_keeps_the_specific_reason_and_masks_the_password() {
        for (input, reason) in [
            (
                "ftp://alice:s3cret@127.0.0.1:99999/",
                "port \"99999\" is not a number",
            ),
            (
                "sftp://alice:s3cret@127.0.0.1/",
                "unsupported scheme \"sftp\"",
            ),
            (
                "ftp:/alice:s3cret@127.0.0.1/",
                "did you mean ftp://alice:***@127.0.0.1/",
            ),
        ] {
            let source = Target::parse(input).unwrap_err();
            let shown = target_error(input, source).to_string();
            assert!(shown.contains(reason), "{input} -> {shown}");
            assert!(
                !shown.contains("s3cret") && !shown.contains("%2F"),
                "{shown}"
            );
        }
        // A '/' in the password: what follows could be quoted, so only the advice.
        let input = "ftp://alice:123456/x@127.0.0.1/";
        let shown = target_error(input, Target::parse(input).unwrap_err()).to_string();
        assert!(
            shown.contains("%2F") && !shown.contains("123456"),
            "{shown}"
        );
    }

    /// The probe options of `ftpdoctor probe ARGS 127.0.0.1`.
    fn cli_options(args: &[&str]) -> ProbeOptions {
        use clap::Parser as _;
        let argv = ["ftpdoctor", "probe"]
            .iter()
            .chain(args)
            .chain(&["127.0.0.1"]);
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{e}"));
        match cli.into_action() {
            Ok(crate::cli::Action::Probe { run, .. }) => run.probes[0].options().clone(),
            Ok(_) => panic!("not a probe"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn flags_and_serve_module_keys_ask_for_the_same_probe() {
        let flags = cli_options(&[
            "--modes=pasv,epsv",
            "--timeout=2s",
            "--deadline=9s",
            "--tls=explicit",
            "--insecure",
            "--no-tls-reuse",
            "--follow-advertised",
            "--active-addr=192.0.2.1",
            "--sequential",
            "--dns-server=192.0.2.53",
            "--address-family=4",
            "--sample-ports=8",
            // A serve module never runs the full-size packet check.
            "--size-check=off",
        ]);
        let yaml = "modules:\n  m:\n    modes: [pasv, epsv]\n    timeout: 2s\n    deadline: 9s\n    \
                    tls: explicit\n    insecure: true\n    tls_reuse: false\n    \
                    follow_advertised: true\n    active_addr: 192.0.2.1\n    sequential: true\n    \
                    dns_server: 192.0.2.53:53\n    address_family: 4\n    sample_ports: 8\n    \
                    targets: any\n";
        let config = crate::serve::config::Config::parse(yaml, std::path::Path::new("m.yml"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.modules["m"].options(), &flags);
        assert_eq!(
            flags,
            ProbeOptions {
                modes: vec![Mode::Epsv, Mode::Pasv],
                step_timeout: Duration::from_secs(2),
                deadline: Duration::from_secs(9),
                tls: Some(TlsMode::Explicit),
                trust: Trust::Insecure(Box::new(Trust::WebPki)),
                tls_reuse: false,
                follow_advertised: true,
                active_addr: Some([192, 0, 2, 1].into()),
                sequential: true,
                dns_server: Some(([192, 0, 2, 53], 53).into()),
                address_family: Family::V4,
                sample_ports: 8,
                size_check: false,
                ..ProbeOptions::default()
            }
        );
        assert_eq!(cli_options(&[]), ProbeOptions::default());
    }

    #[test]
    fn dns_server_takes_port_53_unless_given_and_brackets_for_ipv6() {
        assert_eq!(
            parse_dns_server("192.0.2.53"),
            Ok("192.0.2.53:53".parse().unwrap())
        );
        assert_eq!(parse_dns_server("::1"), Ok("[::1]:53".parse().unwrap()));
        assert_eq!(
            parse_dns_server("[::1]:5353"),
            Ok("[::1]:5353".parse().unwrap())
        );
        assert!(parse_dns_server("dns.example").is_err());
        assert!(parse_family("5").is_err());
    }
}
