//! What resolving the target's name gave: each A and AAAA query, timed, with its outcome
//! kept apart (NXDOMAIN, no records, SERVFAIL, REFUSED, timeout), so that the diagnosis
//! can say which one happened.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use crate::wire::{serialize_ips, serialize_ms, wire_enum};

wire_enum! {
    /// The record type asked for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum QueryType {
        A = "A",
        Aaaa = "AAAA",
    }
}

wire_enum! {
    /// How one query ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum QueryOutcome {
        Ok = "ok",
        /// NXDOMAIN: the name does not exist at all.
        Nxdomain = "nxdomain",
        /// The name exists but has no record of this type (NOERROR, empty answer).
        NoRecords = "no-records",
        Servfail = "servfail",
        Refused = "refused",
        /// No answer within the step timeout.
        Timeout = "timeout",
        /// The resolver's port answered ICMP port unreachable: nothing listens there.
        Unreachable = "unreachable",
        /// Anything else: the resolver could not be asked, a malformed answer, ...
        Error = "error",
    }
}

/// One A or AAAA query, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryRecord {
    #[serde(rename = "type")]
    pub qtype: QueryType,
    pub outcome: QueryOutcome,
    #[serde(serialize_with = "serialize_ips")]
    pub addresses: Vec<IpAddr>,
    #[serde(rename = "ms", serialize_with = "serialize_ms")]
    pub elapsed: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What resolving one name gave: every query, and the addresses in order (A first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    /// `system`, or the `--dns-server` asked.
    pub server: String,
    pub queries: Vec<QueryRecord>,
}

impl DnsRecord {
    /// Every address the queries gave, each once, in query order.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut all: Vec<IpAddr> = Vec::new();
        for ip in self.queries.iter().flat_map(|q| &q.addresses) {
            if !all.contains(ip) {
                all.push(*ip);
            }
        }
        all
    }

    /// Why no address came back, judged over all queries: a timeout or a server
    /// failure says more than the NXDOMAIN another query may have got.
    pub fn failure(&self) -> Option<QueryOutcome> {
        if !self.addresses().is_empty() {
            return None;
        }
        let has = |o: QueryOutcome| self.queries.iter().any(|q| q.outcome == o);
        [
            QueryOutcome::Unreachable,
            QueryOutcome::Timeout,
            QueryOutcome::Servfail,
            QueryOutcome::Refused,
            QueryOutcome::Error,
            QueryOutcome::Nxdomain,
        ]
        .into_iter()
        .find(|&o| has(o))
        .or(Some(QueryOutcome::NoRecords))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(outcomes: &[QueryOutcome]) -> DnsRecord {
        DnsRecord {
            server: "test".to_string(),
            queries: outcomes
                .iter()
                .map(|&outcome| QueryRecord {
                    qtype: QueryType::A,
                    outcome,
                    addresses: Vec::new(),
                    elapsed: Duration::ZERO,
                    error: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_timeout_on_one_query_outranks_nxdomain_on_the_other() {
        use QueryOutcome::*;
        assert_eq!(record(&[Nxdomain, Timeout]).failure(), Some(Timeout));
        assert_eq!(record(&[Nxdomain, Nxdomain]).failure(), Some(Nxdomain));
        assert_eq!(record(&[NoRecords, Servfail]).failure(), Some(Servfail));
        assert_eq!(record(&[NoRecords, NoRecords]).failure(), Some(NoRecords));
    }
}
