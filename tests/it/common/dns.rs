//! A DNS server of our own on loopback, so that no test ever asks the system resolver
//! about a made-up name: each name answers as the test says (records, NXDOMAIN,
//! SERVFAIL, REFUSED, or silence). Built on hickory-proto's message codec; UDP only
//! (answers are small, never truncated).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA};
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// How the server answers for one name.
#[derive(Debug, Clone)]
pub enum Answer {
    Records(Vec<IpAddr>),
    NxDomain,
    ServFail,
    Refused,
    /// Never answers: the resolver times out.
    Silent,
}

/// Largest query read: a DNS query over UDP without EDNS is at most 512 bytes; EDNS
/// queries from hickory stay far below this.
const MAX_QUERY: usize = 4096;

pub struct DnsServer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DnsServer {
    /// Serves `zone` (names without the trailing dot, any case) on 127.0.0.1:0.
    /// Names not in the zone get NXDOMAIN.
    pub async fn start(zone: &[(&str, Answer)]) -> DnsServer {
        let zone: Arc<HashMap<String, Answer>> = Arc::new(
            zone.iter()
                .map(|(name, answer)| (name.to_ascii_lowercase(), answer.clone()))
                .collect(),
        );
        let socket = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding the test DNS server: {e}"));
        let addr = socket
            .local_addr()
            .unwrap_or_else(|e| panic!("test DNS server address: {e}"));
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; MAX_QUERY];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                if let Some(reply) = answer(&zone, &buf[..n]) {
                    let _ = socket.send_to(&reply, from).await;
                }
            }
        });
        DnsServer { addr, task }
    }
}

fn answer(zone: &HashMap<String, Answer>, query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let q = request.queries.first()?.clone();
    let name = q
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut reply = Message::response(request.metadata.id, request.metadata.op_code);
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_query(q.clone());
    match zone.get(&name).unwrap_or(&Answer::NxDomain) {
        Answer::Silent => return None,
        Answer::NxDomain => reply.metadata.response_code = ResponseCode::NXDomain,
        Answer::ServFail => reply.metadata.response_code = ResponseCode::ServFail,
        Answer::Refused => reply.metadata.response_code = ResponseCode::Refused,
        Answer::Records(ips) => {
            for ip in ips {
                let rdata = match (ip, q.query_type()) {
                    (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                    (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                    _ => continue,
                };
                reply.add_answer(Record::from_rdata(q.name().clone(), 60, rdata));
            }
        }
    }
    reply.to_vec().ok()
}
