//! A walk's end: what a client is predicted to do, at which step, for how long, and why.

use super::{ClientStep, Prediction};

/// A walk's end: the prediction with its step, wait and reason.
pub(super) struct Fate {
    pub prediction: Prediction,
    pub step: Option<ClientStep>,
    pub wait_s: Option<u32>,
    pub reason: String,
}

impl Fate {
    pub(super) fn works(reason: String) -> Fate {
        Fate {
            prediction: Prediction::Works,
            step: None,
            wait_s: None,
            reason,
        }
    }

    pub(super) fn fails(step: ClientStep, reason: String) -> Fate {
        Fate {
            prediction: Prediction::Fails,
            step: Some(step),
            wait_s: None,
            reason,
        }
    }

    pub(super) fn hangs(step: ClientStep, wait_s: Option<u32>, reason: String) -> Fate {
        Fate {
            prediction: Prediction::Hangs,
            step: Some(step),
            wait_s,
            reason,
        }
    }

    pub(super) fn depends(step: ClientStep, reason: String) -> Fate {
        Fate {
            prediction: Prediction::Depends,
            step: Some(step),
            wait_s: None,
            reason,
        }
    }
}
