//! mtu-blackhole: full-size segments of a data connection vanish on the path. The lab
//! cannot shrink loopback's MTU, so it does what the client would see: a data connection
//! whose MSS (TCP_MAXSEG on the lab's socket: the smaller of both sides' offers, less TCP
//! options) is above [`HOLE_MAX_MSS`] passes its first [`HOLE_PASSES_BYTES`] and then
//! nothing more; a client that lowered its MSS gets everything.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Session;
use crate::lab::scenario::{HOLE_MAX_MSS, HOLE_PASSES_BYTES, PathMtu};

/// How many bytes one read of a stalled data connection takes while waiting for the
/// client to give up.
const DRAIN_CHUNK: usize = 16 * 1024;

impl Session {
    /// Whether this data connection's full-size segments vanish: read before any TLS.
    pub(super) fn hole_stalls(&self, tcp: &TcpStream) -> bool {
        if self.profile().path_mtu != PathMtu::BlackHole {
            return false;
        }
        match socket2::SockRef::from(tcp).tcp_mss() {
            Ok(mss) if mss > HOLE_MAX_MSS => {
                self.log(&format!(
                    "data: MSS {mss} is over {HOLE_MAX_MSS}: full-size segments vanish after the first {HOLE_PASSES_BYTES} bytes"
                ));
                true
            }
            Ok(mss) => {
                self.log(&format!("data: MSS {mss} crosses the path"));
                false
            }
            // Unknown: let it through rather than invent a hole.
            Err(_) => false,
        }
    }
}

/// Sends what a black hole lets through of `payload`, then nothing, until the client
/// closes the data connection or `limit` passes; always an error: the transfer failed.
pub(super) async fn send_into_hole<S>(
    data: &mut S,
    payload: &[u8],
    limit: Duration,
) -> std::io::Error
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let passed = &payload[..payload.len().min(HOLE_PASSES_BYTES)];
    let _ = tokio::time::timeout(limit, async {
        data.write_all(passed).await?;
        data.flush().await?;
        // A download's client sends nothing: the read ends when it closes.
        let mut sink = [0u8; DRAIN_CHUNK];
        while data.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
    std::io::ErrorKind::TimedOut.into()
}

/// Takes what a black hole lets through of an upload: a file that fits in the first
/// [`HOLE_PASSES_BYTES`] arrives whole; of a larger one the rest is discarded as if it never
/// arrived, until `limit` passes, and the server never sees the whole file.
pub(super) async fn receive_from_hole<S>(data: &mut S, limit: Duration) -> std::io::Result<Vec<u8>>
where
    S: AsyncRead + Unpin,
{
    let small = tokio::time::timeout(limit, async {
        let mut got = Vec::new();
        (&mut *data)
            .take(HOLE_PASSES_BYTES as u64 + 1)
            .read_to_end(&mut got)
            .await?;
        Ok::<Vec<u8>, std::io::Error>(got)
    })
    .await;
    match small {
        Ok(Ok(got)) if got.len() <= HOLE_PASSES_BYTES => return Ok(got),
        Ok(Err(e)) => return Err(e),
        _ => {}
    }
    let _ = tokio::time::timeout(limit, async {
        let mut sink = [0u8; DRAIN_CHUNK];
        // Reading keeps the client's writes from piling up; after its FIN the server
        // still waits, as it never got the bytes.
        while data.read(&mut sink).await? > 0 {}
        std::future::pending::<()>().await;
        Ok::<(), std::io::Error>(())
    })
    .await;
    Err(std::io::ErrorKind::TimedOut.into())
}
