//! The control addresses of a target: a literal as it is, `localhost` without DNS, a
//! name through the resolver (A and AAAA), filtered by `--address-family`.

use std::net::{IpAddr, SocketAddr};

use super::ProbeConfig;
use super::outcome::{ErrorKind, Stage, StepError};
use crate::net::resolve::{self, DnsRecord, HickoryResolver, QueryOutcome, Resolve};
use crate::target::Host;

/// What resolution gave, kept for the report even when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// In the resolver's order (A first), the family filter applied.
    pub addrs: Vec<IpAddr>,
    /// The queries, when DNS was asked.
    pub dns: Option<DnsRecord>,
    pub error: Option<StepError>,
}

/// Resolves the target's host with a resolver made from the config (`--dns-server` or
/// the system's); see [`resolve_with`].
pub async fn resolve_target(config: &ProbeConfig) -> Resolution {
    if let Host::Name(name) = &config.target.host
        && resolve::localhost(name).is_none()
    {
        return match HickoryResolver::new(config.dns_server, config.step_timeout) {
            Ok(resolver) => resolve_with(config, &resolver).await,
            Err(err) => Resolution {
                addrs: Vec::new(),
                dns: None,
                error: Some(StepError::new(
                    Stage::Resolve,
                    ErrorKind::Io,
                    err.to_string(),
                )),
            },
        };
    }
    local(config)
}

/// Literals and `localhost`: no DNS at all.
fn local(config: &ProbeConfig) -> Resolution {
    let all = match &config.target.host {
        Host::Ip(ip) => vec![*ip],
        Host::Name(name) => resolve::localhost(name).map(Vec::from).unwrap_or_default(),
    };
    let addrs: Vec<IpAddr> = all
        .iter()
        .copied()
        .filter(|ip| config.address_family.allows(*ip))
        .collect();
    let error = addrs.is_empty().then(|| {
        StepError::new(
            Stage::Resolve,
            ErrorKind::Io,
            format!(
                "{} has no address of the family asked for (--address-family)",
                config.target.host_string()
            ),
        )
    });
    Resolution {
        addrs,
        dns: None,
        error,
    }
}

/// Resolves a host name with `resolver`. Literals and `localhost` never reach it.
pub async fn resolve_with(config: &ProbeConfig, resolver: &dyn Resolve) -> Resolution {
    let Host::Name(name) = &config.target.host else {
        return local(config);
    };
    if resolve::localhost(name).is_some() {
        return local(config);
    }
    let dns = resolve::resolve(resolver, name, config.address_family, config.step_timeout).await;
    let addrs = dns.addresses();
    let error = dns.failure().map(|why| {
        let kind = match why {
            QueryOutcome::Timeout => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        let asked: Vec<String> = dns
            .queries
            .iter()
            .map(|q| match &q.error {
                Some(e) => format!("{} {}: {e}", q.qtype, outcome_word(q.outcome)),
                None => format!("{} {}", q.qtype, outcome_word(q.outcome)),
            })
            .collect();
        StepError::new(
            Stage::Resolve,
            kind,
            format!(
                "{name}: {} (resolver {}; {})",
                outcome_word(why),
                dns.server,
                asked.join("; ")
            ),
        )
    });
    Resolution {
        addrs,
        dns: Some(dns),
        error,
    }
}

/// How the report's words name a query's outcome.
pub fn outcome_word(o: QueryOutcome) -> &'static str {
    match o {
        QueryOutcome::Ok => "answered",
        QueryOutcome::Nxdomain => "NXDOMAIN (no such name)",
        QueryOutcome::NoRecords => "no records",
        QueryOutcome::Servfail => "SERVFAIL",
        QueryOutcome::Refused => "REFUSED",
        QueryOutcome::Timeout => "no answer in time",
        QueryOutcome::Unreachable => "port unreachable (refused)",
        QueryOutcome::Error => "error",
    }
}

/// The control addresses to try, with the target's port.
pub fn control_addrs(addrs: &[IpAddr], port: u16) -> Vec<SocketAddr> {
    addrs.iter().map(|&ip| SocketAddr::new(ip, port)).collect()
}
