//! What every wait of a probe may spend: its own step timeout, within what is left of the
//! whole probe's deadline, unless the user interrupts. A wait handed a [`Budget`] ends by
//! itself and says how: done, its own timeout (the future's business), or a [`Cut`] it
//! records where the step's record is kept. Nothing has to be rebuilt after a dropped
//! future; the select in [`super::probe`] is only a backstop.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::time::sleep_until;

use super::record::{Cut, CutBy};
use super::watch::Interrupt;
use crate::timeline::{Event, Tap};

/// How long before the deadline the wait for a late greeting gives up, so that the
/// probe itself reports the greeting missing (banner-timeout) rather than the deadline.
const GREETING_MARGIN: Duration = Duration::from_millis(100);

/// Who ended the probe's time, as the subject of a sentence: "the deadline struck before
/// this mode was tried".
pub(super) fn struck(by: CutBy) -> &'static str {
    match by {
        CutBy::Deadline => "the deadline struck",
        CutBy::Interrupt => "the probe was interrupted (Ctrl-C)",
    }
}

/// One probe's limits, shared by all its waits (a clone is the same budget).
#[derive(Debug, Clone)]
pub(super) struct Budget {
    /// Each step's own timeout (--timeout).
    pub(super) step: Duration,
    /// When the whole probe must end.
    pub(super) deadline_at: Instant,
    /// The user's Ctrl-C.
    pub(super) interrupt: Interrupt,
    /// Who cut the first wait, once one was cut: every later wait ends at once.
    ended: Arc<OnceLock<CutBy>>,
    /// Where the first cut is recorded (`deadline` in the timeline).
    probe_tap: Tap,
}

impl Budget {
    pub(super) fn new(
        step: Duration,
        deadline_at: Instant,
        interrupt: Interrupt,
        probe_tap: Tap,
    ) -> Budget {
        Budget {
            step,
            deadline_at,
            interrupt,
            ended: Arc::new(OnceLock::new()),
            probe_tap,
        }
    }

    /// Who ended the probe's time, if anyone has: a wait was cut, the deadline has
    /// passed, or the user interrupted. Nothing new should start then.
    pub(super) fn ended_by(&self) -> Option<CutBy> {
        if let Some(by) = self.ended.get() {
            return Some(*by);
        }
        if self.interrupt.is_set() {
            return Some(CutBy::Interrupt);
        }
        (Instant::now() >= self.deadline_at).then_some(CutBy::Deadline)
    }

    /// Records that `by` cut a wait that had run `after`; the first cut of a probe goes
    /// into its timeline.
    pub(super) fn cut(&self, by: CutBy, after: Duration) -> Cut {
        if self.ended.set(by).is_ok() {
            self.probe_tap.record(Event::Deadline);
        }
        Cut { by, after }
    }

    /// Whether the probe's time ran out with nothing cut (the backstop struck), and notes
    /// who ended it.
    pub(super) fn note_backstop(&self) -> CutBy {
        let by = match self.interrupt.is_set() {
            true => CutBy::Interrupt,
            false => CutBy::Deadline,
        };
        *self.ended.get_or_init(|| {
            self.probe_tap.record(Event::Deadline);
            by
        })
    }

    /// Who ended the probe's time early, counting only cuts (and the backstop).
    pub(super) fn was_cut(&self) -> Option<CutBy> {
        self.ended.get().copied()
    }

    /// Runs `wait`, which carries its own step timeout, unless the deadline or the user
    /// ends it first: then it is dropped and the [`Cut`] says who and when. A wait that
    /// starts after the probe's time ran out is cut at once.
    pub(super) async fn run<F: Future>(&self, wait: F) -> Result<F::Output, Cut> {
        let started = Instant::now();
        if let Some(by) = self.ended_by() {
            return Err(self.cut(by, Duration::ZERO));
        }
        let deadline = tokio::time::Instant::from_std(self.deadline_at);
        tokio::select! {
            // A wait that is done (or whose own timeout struck) at the same instant as
            // the deadline ended by itself.
            biased;
            out = wait => Ok(out),
            _ = self.interrupt.wait() => Err(self.cut(CutBy::Interrupt, started.elapsed())),
            _ = sleep_until(deadline) => Err(self.cut(CutBy::Deadline, started.elapsed())),
        }
    }

    /// How long the greeting may take: until shortly before the deadline, so that a server
    /// that greets late (a reverse-DNS lookup timing out) is seen greeting, and when; its
    /// end is the greeting's own timeout (banner-timeout, or banner-slow when it came).
    pub(super) fn greeting_limit(&self) -> Duration {
        self.deadline_at
            .saturating_duration_since(Instant::now())
            .saturating_sub(GREETING_MARGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Recorder;

    fn budget(deadline_in: Duration) -> (Budget, Recorder) {
        let rec = Recorder::new();
        let b = Budget::new(
            Duration::from_secs(5),
            Instant::now() + deadline_in,
            Interrupt::default(),
            rec.probe(),
        );
        (b, rec)
    }

    #[tokio::test]
    async fn wait_cut_by_the_deadline_records_itself_once() {
        let (b, rec) = budget(Duration::from_millis(50));
        let cut = b.run(std::future::pending::<()>()).await;
        let cut = cut.err().unwrap_or_else(|| panic!("not cut"));
        assert_eq!(cut.by, CutBy::Deadline);
        assert!(cut.after >= Duration::from_millis(40), "{cut:?}");
        // Later waits end at once, with nothing more in the timeline.
        let again = b.run(std::future::pending::<()>()).await;
        assert_eq!(again.err().map(|c| c.after), Some(Duration::ZERO));
        assert_eq!(rec.events().len(), 1);
        assert_eq!(b.was_cut(), Some(CutBy::Deadline));
    }

    #[tokio::test]
    async fn wait_cut_by_ctrl_c_says_so() {
        let (interrupter, interrupt) = Interrupt::channel();
        let rec = Recorder::new();
        let b = Budget::new(
            Duration::from_secs(5),
            Instant::now() + Duration::from_secs(60),
            interrupt,
            rec.probe(),
        );
        let wait = b.run(std::future::pending::<()>());
        let cut = tokio::join!(wait, async { interrupter.interrupt() }).0;
        assert_eq!(cut.err().map(|c| c.by), Some(CutBy::Interrupt));
    }

    #[tokio::test]
    async fn wait_done_in_time_is_no_cut() {
        let (b, rec) = budget(Duration::from_secs(5));
        assert_eq!(b.run(async { 7 }).await.ok(), Some(7));
        assert_eq!(b.was_cut(), None);
        assert!(rec.events().is_empty());
    }

    #[test]
    fn greeting_waits_to_the_deadline_less_a_margin_even_past_the_step() {
        let (b, _) = budget(Duration::from_secs(20));
        let limit = b.greeting_limit();
        assert!(
            limit > b.step && limit < Duration::from_secs(20),
            "{limit:?}"
        );
    }
}
