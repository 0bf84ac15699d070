//! A module's counts, each checked as it is read: `repeat` and `sample_ports`.

use serde::de::{self, Deserialize, Deserializer};

use std::time::Duration;

use super::Invalid;
use crate::probe::{MAX_REPEAT, MAX_SAMPLE_PORTS};

/// `repeat`: rounds of the modes per scrape, 1 to [`MAX_REPEAT`].
pub(super) struct Repeat(pub(super) u32);

impl<'de> Deserialize<'de> for Repeat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Repeat, D::Error> {
        match u32::deserialize(d)? {
            n @ 1..=MAX_REPEAT => Ok(Repeat(n)),
            n => Err(de::Error::custom(format!(
                "repeat {n}: expected 1 to {MAX_REPEAT}"
            ))),
        }
    }
}

/// `sample_ports`: passive requests to sample the range with, 1 to [`MAX_SAMPLE_PORTS`].
pub(super) struct SamplePorts(pub(super) u16);

impl<'de> Deserialize<'de> for SamplePorts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SamplePorts, D::Error> {
        match u16::deserialize(d)? {
            n @ 1..=MAX_SAMPLE_PORTS => Ok(SamplePorts(n)),
            n => Err(de::Error::custom(format!(
                "sample_ports {n}: expected 1 to {MAX_SAMPLE_PORTS}"
            ))),
        }
    }
}

/// The rounds a module asks for (1 without `repeat`); refused with `idle`, which needs
/// its round's whole deadline.
pub(super) fn rounds(repeat: Option<Repeat>, idle: Option<Duration>) -> Result<u32, Invalid> {
    let repeat = repeat.map_or(1, |r| r.0);
    if repeat > 1 && idle.is_some() {
        return Err((
            None,
            "repeat and idle: the idle measurement needs its round's whole deadline; give \
             them to two modules"
                .into(),
        ));
    }
    Ok(repeat)
}
