//! `ftpdoctor`: parse the command line, carry out what it asks, exit with its code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use ftpdoctor::cli::{Cli, wants_nagios};
use ftpdoctor::exec::execute;
use ftpdoctor::report::nagios::{State, write_unknown};
use ftpdoctor::run::EXIT_CANNOT_RUN;

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
    match execute(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) if nagios => nagios_unknown(&err.to_string()),
        Err(err) => {
            eprintln!("ftpdoctor: error: {err}");
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// `FTP UNKNOWN - why` on stdout (where Nagios reads it), exit 3.
fn nagios_unknown(why: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = write_unknown(why, &mut out).and_then(|()| out.flush());
    ExitCode::from(State::Unknown.exit_code())
}
