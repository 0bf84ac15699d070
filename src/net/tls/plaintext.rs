//! A server that reads our ClientHello as an FTP command (it sent 234 to AUTH TLS but
//! switches its socket to TLS only a moment later) answers it in plaintext:
//! `502 Command not allowed: \x16\x03\x01...`. rustls would see a record type of `5` and
//! say only "corrupt message"; [`Watched`] looks at the server's first bytes before the
//! handshake reads them, and turns such a reply into an error that carries it.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bytes of the server's first answer looked at (and quoted): one reply line's worth.
const PEEK_BYTES: usize = 256;

/// A TCP stream whose first read is checked for a plaintext FTP reply (three digits,
/// then a space or a dash) where a TLS record should be; every later read goes straight
/// through.
#[derive(Debug)]
pub struct Watched {
    tcp: TcpStream,
    checked: bool,
}

impl Watched {
    /// Watches `tcp`'s first read.
    pub fn new(tcp: TcpStream) -> Watched {
        Watched {
            tcp,
            checked: false,
        }
    }

    /// The TCP stream underneath.
    pub fn get_ref(&self) -> &TcpStream {
        &self.tcp
    }
}

/// The error the first read fails with when the server answered in plaintext: the reply's
/// bytes, up to the first line end.
#[derive(Debug)]
pub struct PlaintextReply(pub Vec<u8>);

impl fmt::Display for PlaintextReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server answered the ClientHello in plaintext: \"{}\"",
            escaped(&self.0)
        )
    }
}

impl std::error::Error for PlaintextReply {}

fn looks_like_reply(head: &[u8]) -> bool {
    head.len() >= 4 && head[..3].iter().all(u8::is_ascii_digit) && matches!(head[3], b' ' | b'-')
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.checked {
            let mut head = [0u8; PEEK_BYTES];
            let mut peeked = ReadBuf::new(&mut head);
            match this.tcp.poll_peek(cx, &mut peeked) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(_)) => {}
            }
            // A first segment shorter than a reply code is let through unjudged: a TLS
            // record header alone is five bytes.
            this.checked = true;
            let got = peeked.filled();
            if looks_like_reply(got) {
                let end = got
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(got.len(), |i| i + 1);
                let reply = PlaintextReply(got[..end].to_vec());
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, reply)));
            }
        }
        Pin::new(&mut this.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// The reply's bytes as text a terminal, a report or a log can carry: printable ASCII as
/// it is, everything else (the echoed ClientHello, CR LF) as `\xNN`.
pub fn escaped(bytes: &[u8]) -> String {
    let trimmed = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .unwrap_or(bytes);
    trimmed
        .iter()
        .map(|&b| match b {
            b'\\' => "\\\\".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clienthello_echoed_in_a_502_is_escaped() {
        let wire = b"502 Command not allowed: \x16\x03\x01\x02\x00\x01\r\n";
        assert_eq!(
            escaped(wire),
            "502 Command not allowed: \\x16\\x03\\x01\\x02\\x00\\x01"
        );
        assert_eq!(escaped(b"a\\b\x1b[2J"), "a\\\\b\\x1b[2J");
    }

    #[test]
    fn a_reply_code_is_not_a_tls_record() {
        assert!(looks_like_reply(b"502 Command not allowed"));
        assert!(looks_like_reply(b"220-multi"));
        // A TLS handshake record: type 22, version 3.3.
        assert!(!looks_like_reply(&[0x16, 0x03, 0x03, 0x00, 0x7a]));
        assert!(!looks_like_reply(b"50"));
    }
}
