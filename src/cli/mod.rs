//! Command-line flags (clap derive). Raw flags become one validated `Action`; nothing
//! after this module sees them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::lab::{Fault, LabConfig, Scenario};
use crate::probe::positive_duration;

mod docs;
mod inspect;
mod output;
mod probe;
mod probe_error;
mod proxy;
mod serve;
mod targets_file;
mod values;

pub use crate::run::Format;
pub(crate) use crate::run::RunConfig;
pub use inspect::{FailOn, InspectFormat, InspectOptions, run_inspect};
pub use output::ColorArg;
pub(crate) use output::{Terminal, utf8_locale};
pub use probe::Notices;
pub use probe_error::ProbeArgsError;

const EXAMPLES: &str = "\
Examples:
  ftpdoctor probe ftp.example.com                  try every data-connection mode, explain
  ftpdoctor probe ftp://HOST/pub/ --format json    the same, as a JSON report (schema v1)
  ftpdoctor demo                                   every lab scenario, probed and explained
  ftpdoctor lab --list                             the lab's misconfiguration scenarios
  ftpdoctor lab --scenario private-pasv            serve one on 127.0.0.1 (URL on stdout)
  ftpdoctor probe ftp://127.0.0.1:PORT/            ...and probe it";

const LAB_EXAMPLES: &str = "\
Examples:
  ftpdoctor lab --list
  ftpdoctor lab --scenario healthy
  ftpdoctor lab --scenario blocked-data --listen 127.0.0.1:2121 --data-timeout 3s
  ftpdoctor lab --scenario no-epsv --listen [::1]:0
  ftpdoctor lab --fault endless-multiline           a broken or hostile server (loopback only)
  ftpdoctor lab --scenario healthy --also-ipv6     127.0.0.1 and [::1], one port

The first line on stdout is the server's URL (ftp://127.0.0.1:PORT/); the server runs
until SIGINT or SIGTERM. Logins: anonymous (any password), or student / lab-password.
Files: /pub/readme.txt and /pub/1MiB.bin. The lab connects back (PORT/EPRT) only to
the client's own loopback address.";

#[derive(Debug, Parser)]
#[command(
    name = "ftpdoctor",
    version,
    about = "Diagnose FTP data connections through firewalls and NAT",
    after_help = EXAMPLES
)]
/// The command line as clap parses it; `Cli::into_action` validates it.
pub struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

const DEMO_EXAMPLES: &str = "\
Examples:
  ftpdoctor demo
  ftpdoctor demo --timeout 500ms
  ftpdoctor demo --scenario tls-required,multiline-banner
  ftpdoctor demo --scenario blocked-data --format html > demo.html

Starts every lab scenario on 127.0.0.1, probes each one as `ftpdoctor probe` would
(EPSV, PASV, EPRT and PORT, each with a real LIST) and prints each report: the mode table,
the findings with their fixes, the verdict. Exits 0: the findings are the lesson. Nothing
outside loopback is ever dialled: an advertised address that is not the control peer is
reported, not used.";

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Try every data-connection mode against a server and explain what breaks
    // A later --timeout overrides an earlier one, so wrappers can add defaults.
    #[command(after_help = probe::PROBE_EXAMPLES, args_override_self = true)]
    Probe(Box<probe::ProbeArgs>),
    /// Start every lab scenario on loopback, probe each, and print the reports
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Run the embedded lab FTP server with a classic misconfiguration
    #[command(after_help = LAB_EXAMPLES)]
    Lab(LabArgs),
    /// Serve probes to Prometheus: a multi-target exporter (GET /probe?target=&module=)
    #[command(after_help = serve::SERVE_EXAMPLES)]
    Serve(serve::ServeArgs),
    /// Read the server's config, firewall and container files; say which line breaks FTP
    #[command(after_help = inspect::INSPECT_EXAMPLES)]
    Inspect(inspect::InspectArgs),
    /// Print a shell completion script on stdout
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: docs::Shell,
    },
    /// Print a manual page (roff) on stdout: ftpdoctor's, or one subcommand's
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// The subcommand whose page to print (its flags are on its own page)
        #[arg(value_parser = docs::PAGES)]
        subcommand: Option<String>,
    },
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  ftpdoctor completions bash > /etc/bash_completion.d/ftpdoctor
  ftpdoctor completions zsh > \"${fpath[1]}/_ftpdoctor\"
  ftpdoctor completions fish > ~/.config/fish/completions/ftpdoctor.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  ftpdoctor man | man -l -
  ftpdoctor man probe > ftpdoctor-probe.1";

#[derive(Debug, Args)]
// With none of these, clap's error names them all, not only --scenario.
#[command(group(clap::ArgGroup::new("serves")
    .required(true)
    .args(["scenario", "fault", "mystery", "answers", "list"])))]
struct LabArgs {
    /// Scenario to serve (see --list)
    #[arg(long, value_name = "NAME", value_parser = parse_scenario)]
    scenario: Option<Scenario>,
    /// Serve a broken or hostile server instead (see --list); passive modes only,
    /// loopback only
    #[arg(long, value_name = "NAME", value_parser = parse_fault, conflicts_with_all = ["scenario", "data_timeout", "ca_out"])]
    fault: Option<Fault>,
    /// List the scenarios and faults with one line each, then exit
    #[arg(long, conflicts_with_all = ["scenario", "fault"])]
    list: bool,
    /// Address to listen on; port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// How long the server waits for a data connection before answering 425
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    data_timeout: Duration,
    /// TLS scenarios: write the lab's CA certificate here, for `probe --ca-file`
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// idle-timeout, idle-reset: how long a control connection may stay idle before the
    /// path forgets it
    #[arg(long, value_name = "DURATION", default_value = "4s", value_parser = positive_duration)]
    idle_after: Duration,
    /// Also listen on [::1] with the same port (with an IPv4 --listen), so that both of
    /// localhost's addresses answer
    #[arg(long)]
    also_ipv6: bool,
    /// Log each session's commands (PASS masked), replies and data connections to stderr
    #[arg(short, long, requires = "scenario")]
    verbose: bool,
    /// Move every wrong advertised address into 127.0.0.0/8, where nothing listens: a
    /// client that follows it fails at once and nothing leaves the machine
    #[arg(long, conflicts_with_all = ["fault", "list", "answers"])]
    contain: bool,
    /// Serve --count scenarios and faults drawn by --seed, printing only their URLs
    #[arg(long, conflicts_with_all = ["scenario", "fault", "list", "answers", "ca_out"])]
    mystery: bool,
    /// Say which scenario each URL of `--mystery --seed N` was, in order, and exit
    #[arg(long, requires = "seed", conflicts_with_all = ["scenario", "fault", "list"])]
    answers: bool,
    /// The draw of --mystery / --answers (the same seed draws the same on every machine)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// How many servers --mystery draws
    #[arg(long, value_name = "K", default_value_t = crate::lab::mystery::DEFAULT_COUNT as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    count: u16,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Limit for each step of each probe (the lab waits as long for data connections)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = positive_duration)]
    timeout: Duration,
    /// Colour the tables (auto: on a terminal without NO_COLOR or TERM=dumb)
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    color: ColorArg,
    /// Draw each scenario's ladder diagrams, with notes for learners
    #[arg(long)]
    explain: bool,
    /// Draw with ASCII only (the default when the locale is not UTF-8)
    #[arg(long)]
    ascii: bool,
    /// Only these scenarios, in this order (see `lab --list`)
    #[arg(long, value_name = "NAME", num_args = 1.., value_delimiter = ',', value_parser = parse_scenario)]
    scenario: Vec<Scenario>,
    /// Output format: the table has a section per scenario; the others are one document
    /// of every report, as `probe` writes for several targets
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
    format: Format,
}

/// A fault by name (or old name); a scenario's name says which flag it belongs to.
fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse()
        .map_err(|e: crate::lab::UnknownFault| match s.parse::<Scenario>() {
            Ok(_) => format!("that is a scenario: `lab --scenario {s}`"),
            Err(_) => e.to_string(),
        })
}

/// A scenario by name; a fault's name says which flag it belongs to.
fn parse_scenario(s: &str) -> Result<Scenario, String> {
    s.parse()
        .map_err(|e: crate::lab::UnknownScenario| match s.parse::<Fault>() {
            Ok(_) => format!("that is a fault: `lab --fault {s}`"),
            Err(_) => e.to_string(),
        })
}

/// What the user asked for, validated.
#[derive(Debug)]
pub(crate) enum Action {
    /// `probe`: the targets and how to probe them.
    Probe {
        /// The run itself.
        run: RunConfig,
        /// Bad targets-file lines and warnings, for stderr.
        notices: Notices,
        /// `--color`, for the table (the terminal decides `auto`).
        color: ColorArg,
    },
    /// `demo`.
    Demo {
        /// `--timeout`: each step of each probe.
        step_timeout: Duration,
        /// --color.
        color: ColorArg,
        /// --ascii (or a locale that is not UTF-8).
        ascii: bool,
        /// Diagrams too: `Some(unicode)`.
        explain: Option<bool>,
        /// --scenario, or every one.
        scenarios: Vec<Scenario>,
        /// --format.
        format: Format,
    },
    /// `lab --list`.
    ListScenarios,
    /// `lab --scenario`.
    Lab {
        /// The server to run.
        config: LabConfig,
        /// `--ca-out`: where to write the lab's CA certificate.
        ca_out: Option<PathBuf>,
    },
    /// `lab --mystery`: serve the drawn servers.
    Mystery {
        /// The seed, and whether the user chose it (else it is printed for --answers).
        seed: u64,
        /// Whether the user chose the seed (a drawn one is printed, for --answers).
        chosen: bool,
        /// How many servers to serve (--count).
        count: usize,
        /// How long each server waits for a data connection before answering 425 (--data-timeout).
        data_timeout: Duration,
        /// --contain: the scenarios' wrong addresses moved into 127.0.0.0/8.
        contain: bool,
    },
    /// `lab --answers`: name the drawn servers.
    Answers {
        /// The seed the servers were drawn with.
        seed: u64,
        /// How many were drawn (--count).
        count: usize,
    },
    /// `lab --fault`.
    Fault {
        /// The fault to serve.
        fault: Fault,
        /// Where (loopback only).
        listen: SocketAddr,
    },
    /// `serve`: the Prometheus exporter.
    Serve(crate::serve::ServeOptions),
    /// `inspect`: the server's own files, checked.
    Inspect(InspectOptions),
    /// `serve --check-config FILE`.
    CheckConfig(PathBuf),
    /// `completions`, `man`: text to print on stdout, and nothing else to do.
    Print(Vec<u8>),
}

impl Cli {
    /// Validates the flags; an error means exit 2.
    pub(crate) fn into_action(self) -> Result<Action, ProbeArgsError> {
        Ok(match self.command {
            CliCommand::Probe(args) => {
                let color = args.color();
                let (run, notices) = (*args).into_run()?;
                Action::Probe {
                    run,
                    notices,
                    color,
                }
            }
            CliCommand::Inspect(args) => Action::Inspect(args.into_options()),
            CliCommand::Serve(args) => match args.into_serve() {
                serve::Serve::Run(options) => Action::Serve(options),
                serve::Serve::Check(path) => Action::CheckConfig(path),
            },
            CliCommand::Completions { shell } => Action::Print(docs::completions(shell)),
            CliCommand::Man { subcommand } => {
                Action::Print(docs::man_page(subcommand.as_deref()).map_err(ProbeArgsError::Docs)?)
            }
            CliCommand::Demo(args) => Action::Demo {
                step_timeout: args.timeout,
                color: args.color,
                ascii: args.ascii,
                explain: args.explain.then(|| !args.ascii && utf8_locale()),
                scenarios: match args.scenario.is_empty() {
                    true => Scenario::ALL.to_vec(),
                    false => args.scenario,
                },
                format: args.format,
            },
            CliCommand::Lab(args) if args.answers => Action::Answers {
                seed: args.seed.unwrap_or_default(),
                count: usize::from(args.count),
            },
            CliCommand::Lab(args) if args.mystery => Action::Mystery {
                seed: args.seed.unwrap_or_else(fresh_seed),
                chosen: args.seed.is_some(),
                count: usize::from(args.count),
                data_timeout: args.data_timeout,
                contain: args.contain,
            },
            CliCommand::Lab(args) => match (args.scenario, args.fault) {
                (_, Some(fault)) if !args.list => Action::Fault {
                    fault,
                    listen: args.listen,
                },
                (Some(scenario), _) if !args.list => {
                    let mut config = LabConfig::new(scenario);
                    config.listen = args.listen;
                    config.data_timeout = args.data_timeout;
                    config.idle_after = args.idle_after;
                    config.also_ipv6 = args.also_ipv6;
                    config.verbose = args.verbose;
                    config.contain = args.contain;
                    Action::Lab {
                        config,
                        ca_out: args.ca_out,
                    }
                }
                _ => Action::ListScenarios,
            },
        })
    }
}

/// A seed for a --mystery without --seed: from the clock, which is all it needs to be.
fn fresh_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64 % 1_000_000)
}

/// Whether the arguments ask for `--format nagios`, looked at before clap so that even
/// an argument error can be answered as a plugin answers one.
pub fn wants_nagios(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.collect();
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--format=nagios"
            || (arg == "--format" && args.get(i + 1).is_some_and(|next| next == "nagios"))
    })
}

/// `lab --answers`: which server each line of `lab --mystery` was, in order.
pub(crate) fn answers(seed: u64, count: usize) -> String {
    crate::lab::mystery::draw(seed, count)
        .iter()
        .enumerate()
        .map(|(i, pick)| format!("{}  {pick}  — {}\n", i + 1, pick.description()))
        .collect()
}

/// `lab --list`: the scenarios, then the faults; name and description, aligned.
pub(crate) fn scenario_list() -> String {
    let scenarios = Scenario::ALL.map(|s| (s.name(), s.description()));
    let faults = Fault::ALL.map(|f| (f.name(), f.description()));
    let width = scenarios
        .iter()
        .chain(&faults)
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let lines = |list: &[(&str, &str)]| -> String {
        list.iter()
            .map(|(name, what)| format!("{name:<width$}  {what}\n"))
            .collect()
    };
    format!(
        "{}\nFaults: broken or hostile servers (lab --fault NAME; passive modes only)\n{}",
        lines(&scenarios),
        lines(&faults)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn lab_flags_become_a_config() {
        let cli = Cli::parse_from([
            "ftpdoctor",
            "lab",
            "--scenario",
            "zero-pasv",
            "--data-timeout",
            "2s",
        ]);
        match cli.into_action() {
            Ok(Action::Lab { config, .. }) => {
                assert_eq!(config.scenario, Scenario::ZeroPasv);
                assert_eq!(config.data_timeout, Duration::from_secs(2));
                assert!(config.listen.ip().is_loopback());
                assert_eq!(config.listen.port(), 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn durations_must_be_positive_and_well_formed() {
        for bad in ["0s", "0", "soon", "-1s"] {
            assert!(
                Cli::try_parse_from(["ftpdoctor", "demo", "--timeout", bad]).is_err(),
                "{bad}"
            );
        }
        assert!(Cli::try_parse_from(["ftpdoctor", "demo", "--timeout", "250ms"]).is_ok());
    }

    #[test]
    fn bare_number_timeout_is_seconds() {
        assert_eq!(positive_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(positive_duration("90"), Ok(Duration::from_secs(90)));
        assert!(positive_duration("0").is_err());
        assert!(positive_duration("86401").is_err());
        assert!(positive_duration("").is_err());
        assert!(Cli::try_parse_from(["ftpdoctor", "probe", "h", "--timeout", "2"]).is_ok());
    }

    #[test]
    fn scenario_is_required_without_list() {
        assert!(Cli::try_parse_from(["ftpdoctor", "lab"]).is_err());
        assert!(Cli::try_parse_from(["ftpdoctor", "lab", "--list"]).is_ok());
    }

    #[test]
    fn list_names_every_scenario() {
        let list = scenario_list();
        // Scenarios, a blank line, the faults' heading, the faults.
        assert_eq!(
            list.lines().count(),
            Scenario::ALL.len() + 2 + Fault::ALL.len()
        );
        for s in Scenario::ALL {
            assert!(list.contains(s.name()) && list.contains(s.description()));
        }
        for f in Fault::ALL {
            assert!(list.contains(f.name()) && list.contains(f.description()));
        }
    }

    #[test]
    fn lab_fault_flag_becomes_a_fault_action() {
        let cli = Cli::parse_from(["ftpdoctor", "lab", "--fault", "all-421"]);
        match cli.into_action() {
            Ok(Action::Fault { fault, listen }) => {
                assert_eq!(fault, Fault::All421);
                assert!(listen.ip().is_loopback());
            }
            other => panic!("{other:?}"),
        }
        for clash in [
            &["lab", "--fault", "all-421", "--scenario", "healthy"][..],
            &["lab", "--fault", "all-421", "--list"],
            &["lab", "--fault", "no-such-fault"],
        ] {
            let args = std::iter::once("ftpdoctor").chain(clash.iter().copied());
            assert!(Cli::try_parse_from(args).is_err(), "{clash:?}");
        }
    }
}
