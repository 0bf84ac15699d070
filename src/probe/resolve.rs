//! The control addresses of a target: a literal as it is, `localhost` without DNS, a
//! name through the resolver (A and AAAA), filtered by `--address-family`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::record::{DnsRecord, ErrorKind, QueryOutcome, QueryRecord, QueryType, Stage, StepError};
use super::{ProbeConfig, ProbeOptions};
use crate::net::resolve::{self, Family, HickoryResolver, QueryError, Resolve};
use crate::target::{Host, Target};

/// What resolution gave, kept for the report even when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// In the resolver's order (A first), the family filter applied.
    pub addrs: Vec<IpAddr>,
    /// The queries, when DNS was asked.
    pub dns: Option<DnsRecord>,
    /// Why resolution failed, when it did.
    pub error: Option<StepError>,
}

/// Resolves the target's host with a resolver made from the config (`--dns-server` or
/// the system's); see [`resolve_with`].
pub async fn resolve_target(config: &ProbeConfig) -> Resolution {
    resolve_host(&config.target, &config.options).await
}

/// [`resolve_target`] from the parts a run holds.
pub(super) async fn resolve_host(target: &Target, options: &ProbeOptions) -> Resolution {
    if let Host::Name(name) = &target.host
        && resolve::localhost(name).is_none()
    {
        return match HickoryResolver::new(options.dns_server, options.step_timeout) {
            Ok(resolver) => ask_resolver(target, options, &resolver).await,
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
    local(target, options)
}

/// Literals and `localhost`: no DNS at all.
fn local(target: &Target, options: &ProbeOptions) -> Resolution {
    let all = match &target.host {
        Host::Ip(ip) => vec![*ip],
        Host::Name(name) => resolve::localhost(name).map(Vec::from).unwrap_or_default(),
    };
    let addrs: Vec<IpAddr> = all
        .iter()
        .copied()
        .filter(|ip| options.address_family.allows(*ip))
        .collect();
    let error = addrs.is_empty().then(|| {
        StepError::new(
            Stage::Resolve,
            ErrorKind::Io,
            format!(
                "{} has no address of the family asked for (--address-family)",
                target.host_string()
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
    ask_resolver(&config.target, &config.options, resolver).await
}

async fn ask_resolver(
    target: &Target,
    options: &ProbeOptions,
    resolver: &dyn Resolve,
) -> Resolution {
    let Host::Name(name) = &target.host else {
        return local(target, options);
    };
    if resolve::localhost(name).is_some() {
        return local(target, options);
    }
    let dns = ask(resolver, name, options.address_family, options.step_timeout).await;
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

/// Asks for `name`'s addresses of `family`, the queries at once, each within `limit`.
async fn ask(resolver: &dyn Resolve, name: &str, family: Family, limit: Duration) -> DnsRecord {
    let one = |qtype: resolve::QueryType| async move {
        let started = Instant::now();
        let answer = tokio::time::timeout(limit, resolver.query(name, qtype)).await;
        let (outcome, addresses, error) = match answer {
            Ok(Ok(ips)) if ips.is_empty() => (QueryOutcome::NoRecords, ips, None),
            Ok(Ok(ips)) => (QueryOutcome::Ok, ips, None),
            Ok(Err(f)) => (outcome_of(f.error), Vec::new(), Some(f.detail)),
            Err(_) => (
                QueryOutcome::Timeout,
                Vec::new(),
                Some(format!("no answer within {}", crate::wire::human(limit))),
            ),
        };
        QueryRecord {
            qtype: record_type(qtype),
            outcome,
            addresses,
            elapsed: started.elapsed(),
            error,
        }
    };
    let queries = match family.queries() {
        [q] => vec![one(*q).await],
        _ => {
            let (a, aaaa) = tokio::join!(one(resolve::QueryType::A), one(resolve::QueryType::Aaaa));
            vec![a, aaaa]
        }
    };
    DnsRecord {
        server: resolver.server(),
        queries,
    }
}

fn record_type(qtype: resolve::QueryType) -> QueryType {
    match qtype {
        resolve::QueryType::A => QueryType::A,
        resolve::QueryType::Aaaa => QueryType::Aaaa,
    }
}

fn outcome_of(error: QueryError) -> QueryOutcome {
    match error {
        QueryError::Nxdomain => QueryOutcome::Nxdomain,
        QueryError::NoRecords => QueryOutcome::NoRecords,
        QueryError::Servfail => QueryOutcome::Servfail,
        QueryError::Refused => QueryOutcome::Refused,
        QueryError::Timeout => QueryOutcome::Timeout,
        QueryError::Unreachable => QueryOutcome::Unreachable,
        QueryError::Other => QueryOutcome::Error,
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
