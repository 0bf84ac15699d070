use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use ftpdoctor::cli::{self, Action, Cli};
use ftpdoctor::lab::{Fault, FaultServer, LAB_PASSWORD, LAB_USER, LabConfig, LabServer};
use ftpdoctor::report::nagios::State;

/// Exit code when the tool itself could not run: bad arguments, internal error (docs/cli.md).
const EXIT_CANNOT_RUN: u8 = 2;
/// Exit code when a finding is at or above --fail-on.
const EXIT_FINDINGS: u8 = 1;
/// Exit code after Ctrl-C (128 + SIGINT, as a shell reports a process it interrupted).
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let nagios = wants_nagios(std::env::args_os().skip(1));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A monitoring core reads stdout and the exit code: bad arguments are UNKNOWN (3)
        // there, in its own words. --help and --version stay clap's.
        Err(err) if nagios && err.use_stderr() => {
            let shown = err.render().to_string();
            let first = shown.lines().next().unwrap_or("bad arguments");
            let why = first.strip_prefix("error: ").unwrap_or(first);
            return nagios_unknown(&format!("{why}; see ftpdoctor probe --help"));
        }
        // clap prints its own errors and exits 2 for bad arguments.
        Err(err) => err.exit(),
    };
    let action = match cli.into_action() {
        Ok(action) => action,
        Err(err) if nagios => return nagios_unknown(&err.to_string()),
        Err(err) => {
            eprintln!("ftpdoctor: error: {err}");
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    match run(action) {
        Ok(code) => code,
        Err(err) if nagios => nagios_unknown(&format!("{err:#}")),
        Err(err) => {
            eprintln!("ftpdoctor: error: {err:#}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Whether the arguments ask for `--format nagios`, looked at before clap so that even
/// an argument error can be answered as a plugin answers one.
fn wants_nagios(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.collect();
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--format=nagios"
            || (arg == "--format" && args.get(i + 1).is_some_and(|next| next == "nagios"))
    })
}

/// `FTP UNKNOWN - why` on stdout (where Nagios reads it), exit 3.
fn nagios_unknown(why: &str) -> ExitCode {
    let state = State::Unknown;
    let mut out = io::stdout().lock();
    let _ = ftpdoctor::report::nagios::write_unknown(why, &mut out).and_then(|()| out.flush());
    ExitCode::from(state.exit_code())
}

fn run(action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::Probe {
            run: mut probe_run,
            notices,
            color,
        } => {
            // A fleet's progress bar is for a person watching, never for a log.
            probe_run.progress = io::stderr().is_terminal();
            for warning in &notices.warnings {
                eprintln!("ftpdoctor: warning: {warning}");
            }
            // Said before the probes start, so a watcher need not wait for a typo.
            let rejected = notices.rejected;
            for err in &rejected {
                eprintln!("ftpdoctor: error: {err}; the other targets are probed");
            }
            fit_file_limit(&mut probe_run);
            let mut out = io::stdout().lock();
            let style = terminal(&out).table_style(color, !probe_run.unicode, probe_run.verbose);
            let runtime = runtime()?;
            let nagios = probe_run.format == cli::Format::Nagios;
            let (interrupter, interrupt) = ftpdoctor::probe::Interrupt::channel();
            let live = ftpdoctor::run::Live {
                interrupt,
                status: status_line(),
            };
            let finished = runtime.block_on(async {
                catch_interrupt(interrupter)?;
                ftpdoctor::run::run_probes(probe_run, style, live, &mut out).await
            });
            // The resolver's background tasks (a query that outlived its timeout) may still
            // be running; waiting for them would delay the exit past --deadline.
            runtime.shutdown_background();
            match finished {
                Ok(done) if done.interrupted => Ok(ExitCode::from(EXIT_INTERRUPTED)),
                Ok(_) if nagios && !rejected.is_empty() => {
                    Ok(ExitCode::from(State::Unknown.exit_code()))
                }
                Ok(_) if !rejected.is_empty() => Ok(ExitCode::from(EXIT_CANNOT_RUN)),
                Ok(done) if nagios => Ok(ExitCode::from(done.state.exit_code())),
                Ok(done) if done.failed => Ok(ExitCode::from(EXIT_FINDINGS)),
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e).context("writing the report"),
            }
        }
        Action::Answers { seed, count } => {
            print_stdout(&cli::answers(seed, count))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Mystery {
            seed,
            chosen,
            count,
            data_timeout,
        } => {
            runtime()?.block_on(serve_mystery(seed, chosen, count, data_timeout))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::CheckConfig(path) => {
            let config = ftpdoctor::serve::config::Config::load(&path)?;
            let names: Vec<&str> = config.modules.keys().map(String::as_str).collect();
            let count = match names.len() {
                1 => "1 module".to_string(),
                n => format!("{n} modules"),
            };
            print_stdout(&format!(
                "{}: good ({count}: {})\n",
                path.display(),
                names.join(", ")
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Print(text) => {
            let mut out = io::stdout().lock();
            match out.write_all(&text).and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("writing stdout"),
                _ => Ok(ExitCode::SUCCESS),
            }
        }
        Action::ListScenarios => {
            print_stdout(&cli::scenario_list())?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Lab { config, ca_out } => {
            runtime()?.block_on(serve_lab(config, ca_out))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Fault { fault, listen } => {
            runtime()?.block_on(serve_fault(fault, listen))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Inspect(options) => Ok(ExitCode::from(cli::run_inspect(&options)?)),
        Action::Serve(options) => {
            runtime()?.block_on(serve(options))?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Demo {
            step_timeout,
            color,
            ascii,
            explain,
            scenarios,
            format,
        } => {
            let mut out = io::stdout().lock();
            let options = ftpdoctor::demo::DemoOptions {
                step: step_timeout,
                scenarios,
                format,
                style: terminal(&out).table_style(color, ascii, false),
                explain,
            };
            let demo = ftpdoctor::demo::run(&options, &mut out);
            let written = runtime()?.block_on(demo);
            match written.and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    Err(e).context("writing the demo")
                }
                // The demo shows findings on purpose; they are not a failure.
                _ => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

/// File descriptors one probe may hold at once: four control connections, their data
/// connections and listeners, the plaintext comparison, with room to spare.
const FDS_PER_PROBE: u64 = 16;

/// Descriptors for everything else: stdio, the runtime, the resolver.
const FD_RESERVE: u64 = 64;

/// Raises the soft limit on open files (up to the hard limit) to what --concurrency
/// needs, or runs fewer targets at once if it cannot: running out would show up as
/// failures of the servers (refused, unreachable) that are really ours.
fn fit_file_limit(run: &mut ftpdoctor::run::RunConfig) {
    let per_target = match run.probes.iter().any(|p| p.options().all_addresses) {
        true => FDS_PER_PROBE * ftpdoctor::run::MAX_ADDRESSES as u64,
        false => FDS_PER_PROBE,
    };
    let want = run.concurrency as u64 * per_target + FD_RESERVE;
    let Ok(got) = rlimit::increase_nofile_limit(want) else {
        return;
    };
    if got < want {
        let fit = (got.saturating_sub(FD_RESERVE) / per_target).max(1) as usize;
        if fit < run.concurrency {
            eprintln!(
                "ftpdoctor: only {got} open files allowed (ulimit -n): {fit} targets at once \
                 instead of --concurrency {}",
                run.concurrency
            );
            run.concurrency = fit;
        }
    }
}

/// Ctrl-C ends the probes under way with what they saw (a partial report); a second
/// one, for a user who will not wait for it, ends the process at once.
fn catch_interrupt(interrupter: ftpdoctor::probe::Interrupter) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        sigint.recv().await;
        interrupter.interrupt();
        sigint.recv().await;
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
    Ok(())
}

/// The single probe's status line: on stderr when it is a terminal, plain (a carriage
/// return, no escapes) under TERM=dumb or NO_COLOR.
fn status_line() -> Option<ftpdoctor::run::StatusLine> {
    let stderr = console::Term::stderr();
    if !io::stderr().is_terminal() {
        return None;
    }
    let plain = std::env::var("TERM").is_ok_and(|t| t == "dumb")
        || std::env::var("NO_COLOR").is_ok_and(|v| !v.is_empty());
    Some(ftpdoctor::run::StatusLine {
        width: stderr
            .size_checked()
            .map_or(80, |(_rows, cols)| usize::from(cols)),
        escapes: !plain,
    })
}

/// What the table needs to know of stdout and the environment (cli::Terminal decides).
fn terminal(out: &impl IsTerminal) -> cli::Terminal {
    let is_tty = out.is_terminal();
    let var = |name: &str| std::env::var(name).ok();
    cli::Terminal {
        is_tty,
        tty_width: is_tty
            .then(|| console::Term::stdout().size_checked())
            .flatten()
            .map(|(_rows, cols)| cols),
        columns: var("COLUMNS"),
        term: var("TERM"),
        no_color: var("NO_COLOR").is_some_and(|v| !v.is_empty()),
        utf8: cli::utf8_locale(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("starting the async runtime")
}

/// Writes to stdout and flushes; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

async fn serve_lab(config: LabConfig, ca_out: Option<PathBuf>) -> anyhow::Result<()> {
    let listen = config.listen;
    // Handlers first: a caller may signal as soon as it has read the URL.
    let signals = Signals::install()?;
    let server = LabServer::start(config)
        .await
        .with_context(|| format!("starting the lab server on {listen}"))?;
    // Written before the URL goes out: a caller may use the file as soon as it has that.
    if let (Some(pem), Some(path)) = (server.ca_pem(), &ca_out) {
        std::fs::write(path, pem)
            .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
    }
    print_stdout(&format!("{}\n", server.url()))?;
    eprintln!(
        "ftpdoctor lab: scenario {} — {}\nlogins: anonymous (any password) or {LAB_USER} / {LAB_PASSWORD}; \
         files under /pub; stop with Ctrl-C",
        server.scenario(),
        server.scenario().description()
    );
    match (server.ca_pem(), ca_out) {
        (Some(_), Some(path)) => eprintln!(
            "TLS: certificate from the lab's own CA, written to {0}; probe with --ca-file {0}",
            path.display()
        ),
        (Some(_), None) => eprintln!(
            "TLS: certificate from the lab's own CA; get it with --ca-out FILE for probe --ca-file, \
             or probe with --insecure"
        ),
        (None, Some(_)) => eprintln!("ftpdoctor lab: --ca-out ignored: this scenario has no TLS"),
        (None, None) => {}
    }
    if let Some(v6) = server.v6_addr() {
        eprintln!(
            "also listening on {v6} (ftp://localhost:{}/ reaches both)",
            v6.port()
        );
    }
    if !server.addr().ip().is_loopback() {
        eprintln!(
            "ftpdoctor lab: warning: listening on {}, reachable beyond this machine",
            server.addr()
        );
    }
    signals.wait().await;
    server.shutdown().await;
    Ok(())
}

async fn serve(options: ftpdoctor::serve::ServeOptions) -> anyhow::Result<()> {
    let signals = Signals::install()?;
    let config = options.config.clone();
    ftpdoctor::serve::run(
        options,
        |addr| {
            // The address first, on stdout, as `lab` prints its URL: port 0 picks one.
            let _ = print_stdout(&format!("http://{addr}/\n"));
            eprintln!("ftpdoctor serve: listening on {addr} with modules from {}", config.display());
            if !addr.ip().is_loopback() {
                eprintln!("ftpdoctor serve: warning: {addr} is reachable beyond this machine; every module's targets list limits what it may probe");
            }
        },
        signals.wait(),
    )
    .await?;
    Ok(())
}

async fn serve_fault(fault: Fault, listen: std::net::SocketAddr) -> anyhow::Result<()> {
    let signals = Signals::install()?;
    let server = FaultServer::start(fault, listen)
        .await
        .with_context(|| format!("starting the fault lab on {listen}"))?;
    print_stdout(&format!("{}\n", server.url()))?;
    eprintln!(
        "ftpdoctor lab: fault {fault} — {}\nserves EPSV and PASV only (probe with --modes epsv,pasv); stop with Ctrl-C",
        fault.description()
    );
    signals.wait().await;
    server.shutdown().await;
    Ok(())
}

/// `lab --mystery`: every drawn server on loopback, their URLs on stdout in the draw's
/// order (what `lab --answers` names), nothing else there.
async fn serve_mystery(
    seed: u64,
    chosen: bool,
    count: usize,
    data_timeout: std::time::Duration,
) -> anyhow::Result<()> {
    use ftpdoctor::lab::mystery::{Pick, draw};
    let signals = Signals::install()?;
    let listen: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut labs = Vec::new();
    let mut faults = Vec::new();
    let mut urls = String::new();
    for pick in draw(seed, count) {
        match pick {
            Pick::Scenario(scenario) => {
                let mut config = LabConfig::new(scenario);
                config.listen = listen;
                config.data_timeout = data_timeout;
                let server = LabServer::start(config)
                    .await
                    .with_context(|| format!("starting a mystery server ({pick})"))?;
                urls.push_str(&format!("{}\n", server.url()));
                labs.push(server);
            }
            Pick::Fault(fault) => {
                let server = FaultServer::start(fault, listen)
                    .await
                    .with_context(|| format!("starting a mystery server ({pick})"))?;
                urls.push_str(&format!("{}\n", server.url()));
                faults.push(server);
            }
        }
    }
    print_stdout(&urls)?;
    let seed_note = if chosen {
        String::new()
    } else {
        format!(
            " (seed {seed}: `ftpdoctor lab --answers --seed {seed} --count {count}` names them)"
        )
    };
    eprintln!(
        "ftpdoctor lab: {count} mystery servers on loopback{seed_note}\nlogins: anonymous (any \
         password) or {LAB_USER} / {LAB_PASSWORD}; TLS ones have a certificate from the lab's own \
         CA (probe with --insecure); stop with Ctrl-C"
    );
    signals.wait().await;
    for server in labs {
        server.shutdown().await;
    }
    for server in faults {
        server.shutdown().await;
    }
    Ok(())
}

/// SIGINT and SIGTERM, listened for from the moment of `install`.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
