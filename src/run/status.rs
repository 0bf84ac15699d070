//! What a person watching sees on stderr while the probes run: one probe's status line,
//! or a fleet's progress bar. Neither ever reaches stdout, a pipe or a log.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use crate::probe::Watch;
use crate::report::waiting;

/// How to draw the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusLine {
    /// The terminal's width.
    pub width: usize,
    /// `ESC[K` to clear the line; off under TERM=dumb or NO_COLOR (a carriage return only).
    pub escapes: bool,
}

/// How often the status line is redrawn: often enough to see a wait grow.
const STATUS_EVERY: Duration = Duration::from_millis(250);

/// A status line being drawn for one probe; [`Drawing::stop`] clears it.
pub(super) struct Drawing {
    task: JoinHandle<()>,
    status: StatusLine,
    drawn: Arc<AtomicUsize>,
}

impl Drawing {
    /// Starts drawing what `watch` shows.
    pub(super) fn start(watch: Watch, status: StatusLine) -> Drawing {
        let drawn = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(draw_status(watch, status, drawn.clone()));
        Drawing {
            task,
            status,
            drawn,
        }
    }

    /// Stops drawing and clears the line, before the report is printed.
    pub(super) async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        let drawn = self.drawn.load(Ordering::Relaxed);
        if drawn > 0 {
            let clear = waiting::clear(drawn, self.status.escapes);
            let mut err = io::stderr().lock();
            let _ = err.write_all(clear.as_bytes()).and_then(|()| err.flush());
        }
    }
}

/// Draws `watch`'s status line on stderr until aborted; the caller clears it.
async fn draw_status(watch: Watch, status: StatusLine, drawn: Arc<AtomicUsize>) {
    loop {
        tokio::time::sleep(STATUS_EVERY).await;
        let Some((now, events)) = watch.events() else {
            continue;
        };
        let line = waiting::status_line(&events, now, status.width);
        let previous = drawn.swap(line.chars().count(), Ordering::Relaxed);
        let frame = waiting::frame(&line, previous, status.escapes);
        let mut err = io::stderr().lock();
        let _ = err.write_all(frame.as_bytes()).and_then(|()| err.flush());
    }
}

/// A bar on stderr for a person watching a fleet; hidden otherwise (pipes, CI logs).
pub(super) fn progress_bar(show: bool, total: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} targets, {msg}, {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}
