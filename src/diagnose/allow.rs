//! `--allow ID[@MODE]`: findings a team has looked at and accepted. A waived finding
//! stays in the report (marked as waived); it only stops counting for the exit code.

use std::fmt;
use std::str::FromStr;

use super::{Finding, FindingId};
use crate::probe::record::Mode;

/// One accepted finding: an id, for every mode or for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allow {
    /// The finding accepted.
    pub id: FindingId,
    /// `None`: the id in any mode, and on the control connection.
    pub mode: Option<Mode>,
}

impl Allow {
    /// Whether this entry waives `finding`.
    pub fn covers(&self, finding: &Finding) -> bool {
        finding.id == self.id && (self.mode.is_none() || self.mode == finding.mode)
    }
}

/// Why an --allow entry was refused: a typo would otherwise waive nothing, silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowError {
    /// The entry's id is not in the catalogue.
    #[error("{0:?} is no finding id (docs/findings.md lists them, e.g. pasv-private-address)")]
    UnknownId(String),
    /// The entry's `@MODE` names no mode.
    #[error("{0:?} after '@' is no mode (epsv, pasv, eprt or port)")]
    UnknownMode(String),
}

impl FromStr for Allow {
    type Err = AllowError;

    fn from_str(s: &str) -> Result<Allow, AllowError> {
        let s = s.trim();
        let (name, mode) = match s.split_once('@') {
            Some((name, mode)) => (name, Some(mode)),
            None => (s, None),
        };
        let id = FindingId::from_wire(&name.to_ascii_lowercase())
            .ok_or_else(|| AllowError::UnknownId(name.to_string()))?;
        let mode = match mode {
            None => None,
            Some(text) => Some(
                Mode::ALL
                    .into_iter()
                    .find(|m| m.as_str().eq_ignore_ascii_case(text))
                    .ok_or_else(|| AllowError::UnknownMode(text.to_string()))?,
            ),
        };
        Ok(Allow { id, mode })
    }
}

impl fmt::Display for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Some(mode) => write!(f, "{}@{}", self.id, mode.as_str()),
            None => write!(f, "{}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Severity;

    fn finding(id: FindingId, mode: Option<Mode>) -> Finding {
        Finding {
            id,
            severity: Severity::Error,
            mode,
            summary: String::new(),
            evidence: String::new(),
            fix: String::new(),
            reference: String::new(),
        }
    }

    #[test]
    fn allow_with_a_mode_waives_only_that_mode() {
        let allow: Allow = "pasv-private-address@pasv".parse().unwrap();
        let pasv = finding(FindingId::PasvPrivateAddress, Some(Mode::Pasv));
        let eprt = finding(FindingId::PasvPrivateAddress, Some(Mode::Eprt));
        assert!(allow.covers(&pasv) && !allow.covers(&eprt));
        assert_eq!(allow.to_string(), "pasv-private-address@pasv");
    }

    #[test]
    fn allow_without_a_mode_waives_every_mode_and_the_control_connection() {
        let allow: Allow = "TLS-unavailable".parse().unwrap();
        assert!(allow.covers(&finding(FindingId::TlsUnavailable, None)));
        assert!(!allow.covers(&finding(FindingId::TlsUnverified, None)));
        let allow: Allow = "port-rejected".parse().unwrap();
        for mode in [Mode::Eprt, Mode::Port] {
            assert!(allow.covers(&finding(FindingId::PortRejected, Some(mode))));
        }
    }

    #[test]
    fn allow_typo_is_refused_not_silently_waiving_nothing() {
        assert_eq!(
            "pasv-private-adress".parse::<Allow>(),
            Err(AllowError::UnknownId("pasv-private-adress".to_string()))
        );
        assert_eq!(
            "port-rejected@active".parse::<Allow>(),
            Err(AllowError::UnknownMode("active".to_string()))
        );
    }
}
