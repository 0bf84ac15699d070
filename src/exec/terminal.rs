//! What the probe's run needs of the terminal and the process: the table's width and
//! colours, the status line, Ctrl-C, and enough file descriptors.

use std::io::{self, IsTerminal};

use crate::cli;
use crate::pipeline::MAX_ADDRESSES;
use crate::probe::Interrupter;
use crate::run::{EXIT_INTERRUPTED, RunConfig, StatusLine};

/// File descriptors one probe may hold at once: four control connections, their data
/// connections and listeners, the plaintext comparison, with room to spare.
const FDS_PER_PROBE: u64 = 16;

/// Descriptors for everything else: stdio, the runtime, the resolver.
const FD_RESERVE: u64 = 64;

/// Raises the soft limit on open files (up to the hard limit) to what --concurrency
/// needs, or runs fewer targets at once if it cannot: running out would show up as
/// failures of the servers (refused, unreachable) that are really ours.
pub(super) fn fit_file_limit(run: &mut RunConfig) {
    let per_target = match run.probes.iter().any(|p| p.options().all_addresses) {
        true => FDS_PER_PROBE * MAX_ADDRESSES as u64,
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
pub(super) fn catch_interrupt(interrupter: Interrupter) -> io::Result<()> {
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
pub(super) fn status_line() -> Option<StatusLine> {
    let stderr = console::Term::stderr();
    if !io::stderr().is_terminal() {
        return None;
    }
    let plain = std::env::var("TERM").is_ok_and(|t| t == "dumb")
        || std::env::var("NO_COLOR").is_ok_and(|v| !v.is_empty());
    Some(StatusLine {
        width: stderr
            .size_checked()
            .map_or(80, |(_rows, cols)| usize::from(cols)),
        escapes: !plain,
    })
}

/// What the table needs to know of stdout and the environment (cli::Terminal decides).
pub(super) fn terminal(out: &impl IsTerminal) -> cli::Terminal {
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
