//! SOCKS5 BIND (RFC 1928 4): the proxy listens for the server's active-mode connection,
//! and its second reply says when it came.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use super::{Proxy, ProxyError, Step, open, socks5, socks5_granted};

/// A SOCKS5 BIND under way: the proxy listens for the server (at `bound`), and its
/// second reply says when the server connected. Reads are cancel-safe: the reply's
/// bytes so far live here, so a wait cut short loses nothing.
#[derive(Debug)]
pub struct BindWait {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where the proxy listens, as its first reply said.
    pub bound: socks5::Bound,
}

/// Asks `proxy` (SOCKS5) to listen for a connection from `server`'s address, within
/// `limit`. The first reply's address is in the result.
pub async fn bind_via(
    proxy: &Proxy,
    server: IpAddr,
    limit: Duration,
) -> Result<BindWait, ProxyError> {
    let (stream, bound) = open(
        proxy,
        socks5::Command::Bind,
        SocketAddr::new(server, 0),
        limit,
    )
    .await?;
    Ok(BindWait {
        stream,
        buf: Vec::new(),
        bound,
    })
}

impl BindWait {
    /// The second reply: who connected (`Ok`), or the proxy's failure. Not bounded in
    /// time here: the caller's accept limit and budget bound it, and cancelling it
    /// loses no byte.
    pub async fn connection(&mut self) -> Result<socks5::Bound, ProxyError> {
        loop {
            let want = socks5::reply_len(&self.buf)?;
            if want == self.buf.len() {
                break;
            }
            let mut chunk = [0u8; socks5::MAX_REPLY];
            let room = (want - self.buf.len()).min(chunk.len());
            let n = self
                .stream
                .read(&mut chunk[..room])
                .await
                .map_err(|e| ProxyError::Io(e.to_string()))?;
            if n == 0 {
                return Err(ProxyError::Closed {
                    during: Step::Accept,
                    got: self.buf.len(),
                });
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let reply = socks5::parse_reply(&self.buf)?;
        socks5_granted(&reply)?;
        Ok(reply.bound)
    }

    /// The data connection, once [`BindWait::connection`] said it came.
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }
}
