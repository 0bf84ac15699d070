//! The maximum segment size (TCP_MAXSEG) of data sockets: set before the handshake, so
//! that the SYN offers it, and read back after, as the kernel settled it. The full-size
//! packet check lowers it to tell a path-MTU black hole from other stalls.
//!
//! Linux reads back the MSS less the TCP options in use: 1200 set reads back as 1188
//! with timestamps on. Both numbers go into the report.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::timeout;

/// The segment sizes the full-size packet check tries after a stall, in turn: 1200 fits
/// every tunnel and overlay seen in practice (a 1280-byte IPv6 minimum MTU less headers);
/// 536 is IPv4's default MSS (RFC 879), which every path must carry.
pub const LOWERED_MSS: [u32; 2] = [1200, 536];

/// Backlog of a listener made for one active-mode data connection.
const LISTEN_BACKLOG: u32 = 1;

fn socket_for(addr: SocketAddr) -> io::Result<TcpSocket> {
    match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
}

fn set_mss(socket: &TcpSocket, mss: u32) -> io::Result<()> {
    socket2::SockRef::from(socket).set_tcp_mss(mss)
}

/// Connects to `addr` within `limit`, with TCP_MAXSEG set to `mss` before the SYN.
pub async fn connect_with_mss(
    addr: SocketAddr,
    mss: u32,
    limit: Duration,
) -> io::Result<TcpStream> {
    let socket = socket_for(addr)?;
    set_mss(&socket, mss)?;
    match timeout(limit, socket.connect(addr)).await {
        Ok(connected) => connected,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// A listener on `at` whose connections offer `mss` in their SYN-ACK: the active modes'
/// side of a lowered MSS (accepted sockets inherit it).
pub fn listen_with_mss(at: SocketAddr, mss: u32) -> io::Result<TcpListener> {
    let socket = socket_for(at)?;
    set_mss(&socket, mss)?;
    socket.bind(at)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The MSS the kernel uses on a connected socket (TCP_MAXSEG read back).
pub fn read_mss(stream: &TcpStream) -> io::Result<u32> {
    socket2::SockRef::from(stream).tcp_mss()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lowered_mss_is_offered_and_read_back_on_both_sides() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(
            connect_with_mss(addr, 1200, Duration::from_secs(5)),
            listener.accept()
        );
        let (client, (server, _)) = (client.unwrap(), accepted.unwrap());
        let (ours, theirs) = (read_mss(&client).unwrap(), read_mss(&server).unwrap());
        assert!((1100..=1200).contains(&ours), "{ours}");
        assert!((1100..=1200).contains(&theirs), "{theirs}");
    }

    #[tokio::test]
    async fn a_listener_with_a_lowered_mss_lowers_the_connections_it_accepts() {
        let listener = listen_with_mss("127.0.0.1:0".parse().unwrap(), 536).unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (client, (server, _)) = (client.unwrap(), accepted.unwrap());
        assert!(read_mss(&client).unwrap() <= 536);
        assert!(read_mss(&server).unwrap() <= 536);
    }

    #[tokio::test]
    async fn loopback_default_mss_is_far_above_the_lowered_ones() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, _accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        assert!(read_mss(&client.unwrap()).unwrap() > 1200);
    }
}
