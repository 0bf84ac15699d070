//! Name resolution behind a small trait: A and AAAA asked separately, each failure kept
//! apart (NXDOMAIN, no records, SERVFAIL, REFUSED, timeout), so that the diagnosis can
//! say which one happened. [`HickoryResolver`] asks the system's resolvers
//! (/etc/resolv.conf) or one given server (`--dns-server`). The probe times the queries
//! and records them.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ProtocolConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

mod refused;

/// Which address family a probe asks for (`--address-family 4|6|any`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// A records only (`--address-family 4`).
    V4,
    /// AAAA records only (`--address-family 6`).
    V6,
    /// Both, A first.
    #[default]
    Any,
}

impl Family {
    /// Whether an address of this family may be used.
    pub fn allows(self, ip: IpAddr) -> bool {
        match self {
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
            Family::Any => true,
        }
    }

    /// The queries to send, A first: most FTP servers' passive modes are IPv4-only.
    pub fn queries(self) -> &'static [QueryType] {
        match self {
            Family::V4 => &[QueryType::A],
            Family::V6 => &[QueryType::Aaaa],
            Family::Any => &[QueryType::A, QueryType::Aaaa],
        }
    }
}

/// The record type to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    /// IPv4 address records.
    A,
    /// IPv6 address records.
    Aaaa,
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
        })
    }
}

/// Why a query gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// NXDOMAIN: the name does not exist at all.
    Nxdomain,
    /// The name exists but has no record of this type (NOERROR, empty answer).
    NoRecords,
    /// The resolver failed to answer for the name: its DNS is broken, not absent.
    Servfail,
    /// The resolver refused the query.
    Refused,
    /// No answer within the resolver's timeout.
    Timeout,
    /// The resolver's port answered ICMP port unreachable: nothing listens there.
    Unreachable,
    /// Anything else: the resolver could not be asked, a malformed answer, ...
    Other,
}

/// A failed query: its outcome and what the resolver said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFailure {
    /// How the query failed.
    pub error: QueryError,
    /// What the resolver said.
    pub detail: String,
}

type Answer<'a> = Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, QueryFailure>> + Send + 'a>>;

/// Something that answers A and AAAA queries.
pub trait Resolve: Send + Sync {
    /// Asks for the `qtype` records of `name`.
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> Answer<'a>;
    /// Who is asked, for the report: `system` or the server's address.
    fn server(&self) -> String;
}

/// Why a resolver could not be set up (an unreadable /etc/resolv.conf, say).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the DNS resolver: {0}")]
pub struct ResolverSetupError(String);

/// hickory-resolver, with the system's configuration or one given server.
pub struct HickoryResolver {
    inner: TokioResolver,
    server: Option<SocketAddr>,
    /// Every server asked over UDP, watched for a closed port (refused.rs).
    udp_servers: Vec<SocketAddr>,
}

impl HickoryResolver {
    /// `server`: ask only this one (UDP, then TCP for a truncated answer), ignoring
    /// /etc/hosts, so that the answer is that server's. `None`: the system's resolvers.
    /// Each query gets one try within `limit`, so a timeout costs `limit` and not a
    /// resolver's default retries.
    pub fn new(server: Option<SocketAddr>, limit: Duration) -> Result<Self, ResolverSetupError> {
        let setup = |e: NetError| ResolverSetupError(e.to_string());
        let mut builder = match server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                ns.connections = vec![ConnectionConfig::udp(), ConnectionConfig::tcp()];
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Resolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => TokioResolver::builder_tokio().map_err(setup)?,
        };
        let opts = builder.options_mut();
        opts.timeout = limit;
        opts.attempts = 1;
        // A probe asks each name once; a cache only costs memory in a fleet.
        opts.cache_size = 0;
        if server.is_some() {
            opts.use_hosts_file = ResolveHosts::Never;
        }
        let udp_servers = match server {
            Some(addr) => vec![addr],
            None => system_udp_servers(),
        };
        Ok(HickoryResolver {
            inner: builder.build().map_err(setup)?,
            server,
            udp_servers,
        })
    }
}

impl Resolve for HickoryResolver {
    fn query<'a>(&'a self, name: &'a str, qtype: QueryType) -> Answer<'a> {
        Box::pin(async move {
            let rtype = match qtype {
                QueryType::A => RecordType::A,
                QueryType::Aaaa => RecordType::AAAA,
            };
            let lookup = tokio::select! {
                answer = self.inner.lookup(name, rtype) => answer.map_err(failure)?,
                why = refused::everywhere(&self.udp_servers, name, qtype) => {
                    return Err(QueryFailure {
                        error: QueryError::Unreachable,
                        detail: why,
                    });
                }
            };
            Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })
                .collect())
        })
    }

    fn server(&self) -> String {
        self.server
            .map_or_else(|| "system".to_string(), |s| s.to_string())
    }
}

/// The system's name servers (/etc/resolv.conf) that are asked over UDP; none when it
/// cannot be read (hickory then reports that itself).
fn system_udp_servers() -> Vec<SocketAddr> {
    let Ok((config, _)) = hickory_resolver::system_conf::read_system_conf() else {
        return Vec::new();
    };
    config
        .name_servers()
        .iter()
        .flat_map(|ns| {
            ns.connections
                .iter()
                .filter(|c| matches!(c.protocol, ProtocolConfig::Udp))
                .map(|c| SocketAddr::new(ns.ip, c.port))
        })
        .collect()
}

fn failure(err: NetError) -> QueryFailure {
    let error = match &err {
        NetError::Dns(DnsError::NoRecordsFound(nr))
            if nr.response_code == ResponseCode::NXDomain =>
        {
            QueryError::Nxdomain
        }
        NetError::Dns(DnsError::NoRecordsFound(_)) => QueryError::NoRecords,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => QueryError::Servfail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => QueryError::Refused,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => QueryError::Nxdomain,
        NetError::Timeout => QueryError::Timeout,
        _ => QueryError::Other,
    };
    // The typed outcomes in words: hickory's own text quotes its query structs
    // (`no records found for Query { name: Name("sec."), … }`).
    let detail = match error {
        QueryError::Nxdomain => "the name does not exist (NXDOMAIN)".to_string(),
        QueryError::NoRecords => "the name has no record of this type".to_string(),
        QueryError::Servfail => "the resolver could not answer for the name (SERVFAIL)".to_string(),
        QueryError::Refused => "the resolver refused the query (REFUSED)".to_string(),
        QueryError::Timeout => "no answer in time".to_string(),
        QueryError::Unreachable | QueryError::Other => err.to_string(),
    };
    QueryFailure { error, detail }
}

/// `localhost` and names under it are this host by definition (RFC 6761 6.3): they
/// need no DNS. IPv4 first, as the lab listens there by default.
pub fn localhost(name: &str) -> Option<[IpAddr; 2]> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    (name == "localhost" || name.ends_with(".localhost")).then_some([
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_its_subdomains_need_no_dns() {
        assert!(localhost("LocalHost.").is_some());
        assert!(localhost("ftp.localhost").is_some());
        assert!(localhost("localhost.example.com").is_none());
        assert!(localhost("notlocalhost").is_none());
    }
}
