//! `--sample-ports`: the passive port range as sampled, port by port.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::{DialResult, StepError};
use crate::wire::{serialize_display, serialize_ms};

/// One sampled passive port and how its dial ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplePort {
    /// What the reply advertised.
    pub port: u16,
    /// What was dialled: the control peer with that port.
    #[serde(serialize_with = "serialize_display")]
    pub addr: SocketAddr,
    pub outcome: DialResult,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
}

/// The passive port range as --sample-ports saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleOutcome {
    /// `EPSV` or `PASV`.
    pub request: &'static str,
    /// Requests asked for (--sample-ports).
    pub requested: u16,
    /// One entry per answered request, in order.
    pub ports: Vec<SamplePort>,
    /// Lowest and highest port seen: the likely configured range.
    pub lowest: Option<u16>,
    pub highest: Option<u16>,
    /// Dials that connected.
    pub reachable: usize,
    /// `12 of 16 sampled ports reachable; 50010–50019 filtered`.
    pub summary: String,
    /// Why sampling stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
}

impl SampleOutcome {
    /// Nothing sampled yet: `request` is `EPSV` or `PASV`, `requested` the N asked for.
    pub fn new(request: &'static str, requested: u16) -> SampleOutcome {
        SampleOutcome {
            request,
            requested,
            ports: Vec::new(),
            lowest: None,
            highest: None,
            reachable: 0,
            summary: String::new(),
            error: None,
        }
    }

    /// Records one dialled port and brings the range and summary up to date.
    pub fn push(&mut self, port: SamplePort) {
        self.lowest = Some(self.lowest.map_or(port.port, |p| p.min(port.port)));
        self.highest = Some(self.highest.map_or(port.port, |p| p.max(port.port)));
        if port.outcome == DialResult::Connected {
            self.reachable += 1;
        }
        self.ports.push(port);
        self.summary = summarise(self);
    }

    /// Distinct ports whose dials ended in `outcome`, as ranges (`50010–50019, 50030`).
    pub fn ranges(&self, outcome: DialResult) -> String {
        let mut ports: Vec<u16> = self
            .ports
            .iter()
            .filter(|p| p.outcome == outcome)
            .map(|p| p.port)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        let mut runs: Vec<(u16, u16)> = Vec::new();
        for p in ports {
            match runs.last_mut() {
                Some((_, hi)) if hi.checked_add(1) == Some(p) => *hi = p,
                _ => runs.push((p, p)),
            }
        }
        runs.iter()
            .map(|&(lo, hi)| match lo == hi {
                true => lo.to_string(),
                false => format!("{lo}–{hi}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether any sampled port could not be reached.
    pub fn has_unreachable(&self) -> bool {
        self.reachable < self.ports.len()
    }
}

fn summarise(s: &SampleOutcome) -> String {
    let mut text = format!(
        "{} of {} sampled ports reachable",
        s.reachable,
        s.ports.len()
    );
    for (outcome, word) in [
        (DialResult::Timeout, "filtered"),
        (DialResult::Refused, "refused"),
        (DialResult::Unreachable, "unreachable"),
    ] {
        let ranges = s.ranges(outcome);
        if !ranges.is_empty() {
            text.push_str(&format!("; {ranges} {word}"));
        }
    }
    if let (Some(lo), Some(hi)) = (s.lowest, s.highest) {
        text.push_str(&format!(" (ports seen {lo}–{hi})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(port: u16, outcome: DialResult) -> SamplePort {
        SamplePort {
            port,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            outcome,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn summary_groups_filtered_ports_into_ranges() {
        let mut s = SampleOutcome::new("EPSV", 6);
        for (p, o) in [
            (50001, DialResult::Connected),
            (50010, DialResult::Timeout),
            (50011, DialResult::Timeout),
            (50012, DialResult::Timeout),
            (50020, DialResult::Refused),
            (50011, DialResult::Timeout),
        ] {
            s.push(port(p, o));
        }
        assert_eq!(
            s.summary,
            "1 of 6 sampled ports reachable; 50010–50012 filtered; 50020 refused (ports seen 50001–50020)"
        );
        assert!(s.has_unreachable());
    }

    #[test]
    fn all_reachable_says_only_the_count_and_range() {
        let mut s = SampleOutcome::new("PASV", 2);
        s.push(port(40000, DialResult::Connected));
        s.push(port(40001, DialResult::Connected));
        assert_eq!(
            s.summary,
            "2 of 2 sampled ports reachable (ports seen 40000–40001)"
        );
        assert!(!s.has_unreachable());
    }

    #[test]
    fn highest_port_does_not_overflow_a_range() {
        let mut s = SampleOutcome::new("EPSV", 2);
        s.push(port(65535, DialResult::Timeout));
        s.push(port(65534, DialResult::Timeout));
        assert_eq!(s.ranges(DialResult::Timeout), "65534–65535");
    }
}
