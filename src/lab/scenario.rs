//! The lab's scenarios: one classic misconfiguration each.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    Healthy,
    PrivatePasv,
    ZeroPasv,
    MismatchPasv,
    BlockedData,
    RefusedData,
    NoEpsv,
    PortRejected,
    ActiveBlocked,
    GarbledPasv,
    MultilineBanner,
    Tls,
    TlsImplicit,
    TlsReuseRequired,
    AlgRewrite,
    TlsRequired,
    PartialRange,
}

/// How a scenario offers FTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsOffer {
    /// `AUTH TLS` (RFC 4217).
    Explicit,
    /// TLS from the first byte, as on port 990.
    Implicit,
}

impl Scenario {
    pub const ALL: [Scenario; 17] = [
        Scenario::Healthy,
        Scenario::PrivatePasv,
        Scenario::ZeroPasv,
        Scenario::MismatchPasv,
        Scenario::BlockedData,
        Scenario::RefusedData,
        Scenario::NoEpsv,
        Scenario::PortRejected,
        Scenario::ActiveBlocked,
        Scenario::GarbledPasv,
        Scenario::MultilineBanner,
        Scenario::Tls,
        Scenario::TlsImplicit,
        Scenario::TlsReuseRequired,
        Scenario::AlgRewrite,
        Scenario::TlsRequired,
        Scenario::PartialRange,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::PrivatePasv => "private-pasv",
            Scenario::ZeroPasv => "zero-pasv",
            Scenario::MismatchPasv => "mismatch-pasv",
            Scenario::BlockedData => "blocked-data",
            Scenario::RefusedData => "refused-data",
            Scenario::NoEpsv => "no-epsv",
            Scenario::PortRejected => "port-rejected",
            Scenario::ActiveBlocked => "active-blocked",
            Scenario::GarbledPasv => "garbled-pasv",
            Scenario::MultilineBanner => "multiline-banner",
            Scenario::Tls => "tls",
            Scenario::TlsImplicit => "tls-implicit",
            Scenario::TlsReuseRequired => "tls-reuse-required",
            Scenario::AlgRewrite => "alg-rewrite",
            Scenario::TlsRequired => "tls-required",
            Scenario::PartialRange => "partial-range",
        }
    }

    /// One line for `lab --list` and the demo's headings.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Healthy => "everything right: all four data modes work",
            Scenario::PrivatePasv => {
                "227 advertises private 10.0.0.5 (server behind NAT, no pasv_address set); EPSV works"
            }
            Scenario::ZeroPasv => {
                "227 advertises 0,0,0,0 (a docker image shipped with pasv_address=0.0.0.0)"
            }
            Scenario::MismatchPasv => {
                "227 advertises public-looking 198.51.100.7, not the control peer (stale masquerade address)"
            }
            Scenario::BlockedData => {
                "the passive data port never answers: a firewall silently drops the passive range"
            }
            Scenario::RefusedData => "the passive data port is closed: connects are refused (RST)",
            Scenario::NoEpsv => {
                "EPSV answered 502 and missing from FEAT (old server or helper-less firewall)"
            }
            Scenario::PortRejected => {
                "PORT/EPRT answered '500 Illegal PORT command.' (vsftpd when the client is behind NAT)"
            }
            Scenario::ActiveBlocked => {
                "PORT/EPRT accepted, but the server never connects back (client firewall)"
            }
            Scenario::GarbledPasv => "227 carries no usable address: (ftp,example,com,1,2)",
            Scenario::MultilineBanner => {
                "Pure-FTPd style: six-line 220 banner, anonymous login without PASS, 125 before transfers"
            }
            Scenario::PartialRange => {
                "passive range of 10 ports, firewall opened only 7: 2 refused, 1 dropped (try --sample-ports 10)"
            }
            Scenario::Tls => {
                "explicit FTPS (AUTH TLS, PROT P) with a certificate from the lab's own CA"
            }
            Scenario::TlsImplicit => "implicit FTPS: TLS from the first byte, as on port 990",
            Scenario::TlsReuseRequired => {
                "FTPS whose data connections must resume the control session (vsftpd require_ssl_reuse)"
            }
            Scenario::AlgRewrite => {
                "behind a NAT's FTP helper: only plaintext 227/PORT rewritten; inside TLS 10.77.0.2, PORT refused"
            }
            Scenario::TlsRequired => {
                "FTPS only: a plaintext login is refused with 530 (vsftpd force_anon_logins_ssl)"
            }
        }
    }

    /// How the scenario offers TLS, if it does.
    pub fn tls(self) -> Option<TlsOffer> {
        match self {
            Scenario::Tls
            | Scenario::TlsReuseRequired
            | Scenario::AlgRewrite
            | Scenario::TlsRequired => Some(TlsOffer::Explicit),
            Scenario::TlsImplicit => Some(TlsOffer::Implicit),
            _ => None,
        }
    }

    /// The address a 227 reply claims instead of the real one, where the scenario lies.
    pub(crate) fn pasv_lie(self) -> Option<Ipv4Addr> {
        match self {
            Scenario::PrivatePasv => Some(Ipv4Addr::new(10, 0, 0, 5)),
            Scenario::ZeroPasv => Some(Ipv4Addr::UNSPECIFIED),
            Scenario::MismatchPasv => Some(Ipv4Addr::new(198, 51, 100, 7)),
            _ => None,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario {given:?}; valid scenarios: {}", Scenario::ALL.map(Scenario::name).join(", "))]
pub struct UnknownScenario {
    pub given: String,
}

impl FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(s: &str) -> Result<Scenario, UnknownScenario> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| UnknownScenario {
                given: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for sc in Scenario::ALL {
            assert_eq!(sc.name().parse::<Scenario>(), Ok(sc));
            assert!(!sc.description().is_empty());
        }
        let mut names: Vec<_> = Scenario::ALL.map(Scenario::name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Scenario::ALL.len());
    }

    #[test]
    fn unknown_scenario_error_lists_the_valid_ones() {
        let err = "nope"
            .parse::<Scenario>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("\"nope\""), "{err}");
        for sc in Scenario::ALL {
            assert!(err.contains(sc.name()), "{err}");
        }
    }
}
