//! Carrying out what the command line asked (`Action`): the async runtime, stdout and
//! stderr, signals, and the exit code. `main` parses, calls [`execute`], and exits.

mod labs;
mod terminal;

use std::io::{self, IsTerminal, Write};

use crate::cli::{self, Action};
use crate::demo::DemoOptions;
use crate::probe::Interrupt;
use crate::run::{Live, RunConfig, run_probes};
use crate::serve::{ServeError, ServeOptions};
use terminal::{catch_interrupt, fit_file_limit, status_line, terminal};

/// Why an action could not be carried out (exit 2, or UNKNOWN for nagios).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The arguments do not make a run (exit 2).
    #[error("{0}")]
    Args(#[from] cli::ProbeArgsError),
    /// The exporter could not start or stopped with an error.
    #[error("{0}")]
    Serve(#[from] ServeError),
    /// `serve --check-config`: the config cannot be used.
    #[error("{0}")]
    Config(#[from] crate::serve::config::ConfigError),

    /// A system call failed while doing something.
    #[error("{doing}: {source}")]
    Io {
        /// What ftpdoctor was doing, as a phrase (`starting the lab server on …`).
        doing: String,
        /// What the system said.
        source: io::Error,
    },
}

/// Adds what was being done to an I/O error.
trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, ExecError>;
}

impl<T> Doing<T> for io::Result<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, ExecError> {
        self.map_err(|source| ExecError::Io {
            doing: what(),
            source,
        })
    }
}

/// Carries out what the command line asks; returns the process's exit code.
pub fn execute(cli: cli::Cli) -> Result<u8, ExecError> {
    match cli.into_action()? {
        Action::Probe {
            run,
            notices,
            color,
        } => probe(run, notices, color),
        Action::Answers { seed, count } => {
            print_stdout(&cli::answers(seed, count)).doing(|| "writing the answers".into())?;
            Ok(0)
        }
        Action::Mystery {
            seed,
            chosen,
            count,
            data_timeout,
            contain,
        } => {
            let drawn = labs::MysteryDraw {
                seed,
                chosen,
                count,
                data_timeout,
                contain,
            };
            let labs = labs::serve_mystery(drawn);
            runtime()?.block_on(labs)?;
            Ok(0)
        }
        Action::CheckConfig(path) => check_config(&path),
        Action::Print(text) => {
            let mut out = io::stdout().lock();
            match out.write_all(&text).and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    Err(e).doing(|| "writing stdout".into())
                }
                _ => Ok(0),
            }
        }
        Action::Inspect(options) => {
            cli::run_inspect(&options).doing(|| "writing the inspect report".into())
        }
        Action::ListScenarios => {
            print_stdout(&cli::scenario_list()).doing(|| "writing the list".into())?;
            Ok(0)
        }
        Action::Lab { config, ca_out } => {
            runtime()?.block_on(labs::serve_lab(config, ca_out))?;
            Ok(0)
        }
        Action::Fault { fault, listen } => {
            runtime()?.block_on(labs::serve_fault(fault, listen))?;
            Ok(0)
        }
        Action::Serve(options) => {
            runtime()?.block_on(serve(options))?;
            Ok(0)
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
            let options = DemoOptions {
                step: step_timeout,
                scenarios,
                format,
                style: terminal(&out).table_style(color, ascii, false),
                explain,
            };
            let written = runtime()?.block_on(crate::demo::run(&options, &mut out));
            match written.and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    Err(e).doing(|| "writing the demo".into())
                }
                // The demo shows findings on purpose; they are not a failure.
                _ => Ok(0),
            }
        }
    }
}

/// `probe`: the warnings and refused targets on stderr first, then the run.
fn probe(mut run: RunConfig, notices: cli::Notices, color: cli::ColorArg) -> Result<u8, ExecError> {
    // A fleet's progress bar is for a person watching, never for a log.
    run.progress = io::stderr().is_terminal();
    for warning in &notices.warnings {
        eprintln!("ftpdoctor: warning: {warning}");
    }
    // Said before the probes start, so a watcher need not wait for a typo.
    for err in &notices.rejected {
        eprintln!("ftpdoctor: error: {err}; the other targets are probed");
    }
    fit_file_limit(&mut run);
    let mut out = io::stdout().lock();
    let style = terminal(&out).table_style(color, !run.unicode, run.verbose);
    let runtime = runtime()?;
    let format = run.format;
    let (interrupter, interrupt) = Interrupt::channel();
    let live = Live {
        interrupt,
        status: status_line(),
    };
    let finished = runtime.block_on(async {
        catch_interrupt(interrupter)?;
        run_probes(run, style, live, &mut out).await
    });
    // The resolver's background tasks (a query that outlived its timeout) may still
    // be running; waiting for them would delay the exit past --deadline.
    runtime.shutdown_background();
    let finished = finished.doing(|| "writing the report".into())?;
    Ok(finished.exit_code(format, !notices.rejected.is_empty()))
}

/// `serve --check-config FILE`: the modules it defines, or why it cannot be used.
fn check_config(path: &std::path::Path) -> Result<u8, ExecError> {
    let config = crate::serve::config::Config::load(path)?;
    let names: Vec<&str> = config.modules.keys().map(String::as_str).collect();
    let count = match names.len() {
        1 => "1 module".to_string(),
        n => format!("{n} modules"),
    };
    let good = format!("{}: good ({count}: {})\n", path.display(), names.join(", "));
    print_stdout(&good).doing(|| "writing stdout".into())?;
    Ok(0)
}

async fn serve(options: ServeOptions) -> Result<(), ExecError> {
    let signals = labs::Signals::install()?;
    let config = options.config.clone();
    let ready = |addr: std::net::SocketAddr| {
        // The address first, on stdout, as `lab` prints its URL: port 0 picks one.
        let _ = print_stdout(&format!("http://{addr}/\n"));
        eprintln!(
            "ftpdoctor serve: listening on {addr} with modules from {}",
            config.display()
        );
        if !addr.ip().is_loopback() {
            eprintln!(
                "ftpdoctor serve: warning: {addr} is reachable beyond this machine; every \
                 module's targets list limits what it may probe"
            );
        }
    };
    crate::serve::run(options, ready, signals.wait()).await?;
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, ExecError> {
    tokio::runtime::Runtime::new().doing(|| "starting the async runtime".into())
}

/// Writes to stdout and flushes; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
