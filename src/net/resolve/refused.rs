//! A resolver whose DNS port is closed answers with ICMP port unreachable at once, but
//! hickory's UDP sockets are unconnected, and Linux reports ICMP errors only on connected
//! ones: the query would sit out the whole --timeout. One query of our own on a connected
//! socket per server hears the refusal as it happens.

use std::future::pending;
use std::io::ErrorKind;
use std::net::SocketAddr;

use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use super::QueryType;

/// Bytes of the one reply read from a live server: only "it answered" matters.
const REPLY_PEEK: usize = 512;

/// Longest DNS label (RFC 1035 2.3.4); a longer one makes no query at all.
const MAX_LABEL: usize = 63;

/// Resolves, with what the OS said, once every server in `servers` refused the query
/// on its UDP port; never resolves while one of them might answer (or when there are
/// none): the caller races it against the real lookup.
pub(super) async fn everywhere(servers: &[SocketAddr], name: &str, qtype: QueryType) -> String {
    let Some(query) = query(name, qtype) else {
        return pending().await;
    };
    if servers.is_empty() {
        return pending().await;
    }
    let mut asked = JoinSet::new();
    for &server in servers {
        let query = query.clone();
        asked.spawn(async move { (server, refused(server, &query).await) });
    }
    let mut why = Vec::new();
    while let Some(done) = asked.join_next().await {
        match done {
            Ok((server, Some(err))) => why.push(format!("{server}: {err}")),
            _ => return pending().await,
        }
    }
    format!(
        "port unreachable (ICMP), refused at once: {}",
        why.join("; ")
    )
}

/// The OS's refusal when `server`'s port is closed; `None` when it answered or the
/// socket failed for another reason.
async fn refused(server: SocketAddr, query: &[u8]) -> Option<std::io::Error> {
    let local: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local).await.ok()?;
    socket.connect(server).await.ok()?;
    let sent = socket.send(query).await;
    let err = match sent {
        Err(e) => e,
        Ok(_) => {
            let mut buf = [0u8; REPLY_PEEK];
            socket.recv(&mut buf).await.err()?
        }
    };
    (err.kind() == ErrorKind::ConnectionRefused).then_some(err)
}

/// A standard query for `name` (RFC 1035 4.1), recursion desired.
fn query(name: &str, qtype: QueryType) -> Option<Vec<u8>> {
    // ID, flags (RD), QDCOUNT 1, no other sections.
    let mut q = vec![0x46, 0x44, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > MAX_LABEL {
            return None;
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    let code: u16 = match qtype {
        QueryType::A => 1,
        QueryType::Aaaa => 28,
    };
    q.extend_from_slice(&code.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_rfc1035_wire_format() {
        let q = query("ftp.example.com.", QueryType::Aaaa).unwrap_or_default();
        assert_eq!(&q[..12], &[0x46, 0x44, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x03ftp\x07example\x03com\x00\x00\x1c\x00\x01");
        assert_eq!(query("a..b", QueryType::A), None);
    }

    #[tokio::test]
    async fn closed_loopback_port_is_refused_at_once() {
        // A port that was free a moment ago: nothing listens there now.
        let closed = {
            let s = UdpSocket::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            s.local_addr().unwrap_or_else(|e| panic!("{e}"))
        };
        let started = std::time::Instant::now();
        let why = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            everywhere(&[closed], "ftp.example.com", QueryType::A),
        )
        .await
        .unwrap_or_else(|_| panic!("no refusal within 2 s"));
        assert!(why.contains(&closed.to_string()), "{why}");
        assert!(started.elapsed() < std::time::Duration::from_millis(500));
    }

    #[tokio::test]
    async fn a_server_that_answers_is_never_refused() {
        let server = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = server.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            if let Ok((n, from)) = server.recv_from(&mut buf).await {
                let _ = server.send_to(&buf[..n], from).await;
            }
        });
        let servers = [addr];
        let watched = everywhere(&servers, "ftp.example.com", QueryType::A);
        let got = tokio::time::timeout(std::time::Duration::from_millis(300), watched).await;
        assert!(got.is_err(), "a live server read as refused: {got:?}");
    }
}
