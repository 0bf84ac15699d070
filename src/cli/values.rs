//! Flag values that clap cannot parse alone: a resolver address, an address family, a
//! Nagios threshold; and `--size-check`'s choices.

use std::net::{IpAddr, SocketAddr};

use crate::net::resolve::Family;

/// `IP` (port 53) or `IP:PORT`, `[v6]:PORT`.
pub(super) fn parse_dns_server(s: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| format!("{s:?} is not IP or IP:PORT (e.g. 192.0.2.53, [2001:db8::53]:5353)"))
}

pub(super) fn parse_family(s: &str) -> Result<Family, String> {
    match s {
        "4" => Ok(Family::V4),
        "6" => Ok(Family::V6),
        "any" => Ok(Family::Any),
        _ => Err("expected 4, 6 or any".to_string()),
    }
}

/// A Nagios threshold in plain seconds, as check_ftp and check_tcp take them (`5`, `0.5`).
pub(super) fn threshold_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("expected a number of seconds, such as 5 or 0.5".to_string()),
    }
}

/// `--size-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SizeCheckArg {
    /// After the modes, when one worked.
    Auto,
    /// Never.
    Off,
}
