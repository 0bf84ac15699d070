//! How a caller follows a probe under way, and stops it: the [`Watch`] shows its event
//! log as it grows (the live status line), the [`Interrupt`] ends it as its deadline
//! would (Ctrl-C), keeping what was seen.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::watch;

use crate::net::Recorder;
use crate::timeline::Stamped;

/// Where a probe puts its event log as it starts, for the caller to read while it runs.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    current: Arc<Mutex<Option<(Instant, Recorder)>>>,
}

impl Watch {
    /// A watch on no probe yet; the probe it is handed to registers itself.
    pub fn new() -> Watch {
        Watch::default()
    }

    /// Called by the probe with its fresh recorder.
    pub(super) fn started(&self, recorder: &Recorder) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some((Instant::now(), recorder.clone()));
        }
    }

    /// The events so far and the time since the probe started; nothing before it has.
    pub fn events(&self) -> Option<(std::time::Duration, Vec<Stamped>)> {
        let current = self.current.lock().ok()?;
        let (started, recorder) = current.as_ref()?;
        Some((started.elapsed(), recorder.events()))
    }
}

/// Set once, by the user (Ctrl-C): every probe under way ends at once as if its
/// deadline had struck, and reports what it saw, marked interrupted.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    flag: Option<watch::Receiver<bool>>,
}

/// The side that sets an [`Interrupt`].
#[derive(Debug)]
pub(crate) struct Interrupter(watch::Sender<bool>);

impl Interrupter {
    /// Ends every probe holding the matching [`Interrupt`] (a closed channel means they
    /// have all finished, which is what was wanted).
    pub fn interrupt(&self) {
        let _ = self.0.send(true);
    }
}

impl Interrupt {
    /// An interrupt and the handle that sets it.
    pub(crate) fn channel() -> (Interrupter, Interrupt) {
        let (tx, rx) = watch::channel(false);
        (Interrupter(tx), Interrupt { flag: Some(rx) })
    }

    /// Whether the user has interrupted the run.
    pub fn is_set(&self) -> bool {
        self.flag.as_ref().is_some_and(|rx| *rx.borrow())
    }

    /// Returns once set; never for an interrupt nobody can set.
    pub async fn wait(&self) {
        match &self.flag {
            Some(rx) => {
                let mut rx = rx.clone();
                // An error means the setter is gone without setting it: wait forever.
                if rx.wait_for(|set| *set).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    }
}
