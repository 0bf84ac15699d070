//! A client's command stream cut into lines, with a bound: the server side's framer, as
//! [`ReplyParser`](super::ReplyParser) is the client side's. Bytes in, lines out; the
//! connection reads, [`CommandFramer::push`]es what it read and takes lines until
//! [`CommandFramer::next_line`] says it needs more.
//!
//! A line longer than [`MAX_COMMAND_LEN`] is reported once as [`Framed::TooLong`] and the
//! rest of it, up to its line end, is thrown away as it arrives: the server answers `500`
//! and goes on with the next line, and nothing of the long line is ever taken as a
//! command (docs/cli.md, `lab`).

use super::command::MAX_COMMAND_LEN;

/// What the framer found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// One command line, CR LF removed; invalid UTF-8 replaced by U+FFFD.
    Line(String),
    /// A line over [`MAX_COMMAND_LEN`]: answer it once; its bytes are gone.
    TooLong,
}

/// Cuts a command stream into bounded lines. It holds at most [`MAX_COMMAND_LEN`] plus
/// CR LF plus one `push` worth of bytes, whatever the client sends.
#[derive(Debug, Default)]
pub struct CommandFramer {
    /// Bytes received but not yet a full line. It lives here, not in the read loop, so a
    /// read cancelled by a timeout loses nothing.
    buf: Vec<u8>,
    /// The rest of an over-long line is being thrown away, up to its `\n`.
    skipping: bool,
}

impl CommandFramer {
    /// An empty framer.
    pub fn new() -> CommandFramer {
        CommandFramer::default()
    }

    /// Takes bytes as read from the connection. While the rest of an over-long line is
    /// being skipped, they are dropped here, up to its line end.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.skipping {
            match bytes.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.skipping = false;
                    bytes = &bytes[end + 1..];
                }
                None => return,
            }
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next line, `TooLong` once for an over-long one, or `None` until more bytes come.
    pub fn next_line(&mut self) -> Option<Framed> {
        match self.buf.iter().position(|&b| b == b'\n') {
            Some(end) => {
                let raw: Vec<u8> = self.buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&raw);
                let line = text.trim_end_matches(['\r', '\n']);
                // Counted in bytes as received, as the limit is, not as decoded.
                let sent = raw.len() - (text.len() - line.len());
                if sent > MAX_COMMAND_LEN {
                    return Some(Framed::TooLong);
                }
                Some(Framed::Line(line.to_string()))
            }
            // Room for the longest line and its CR: anything more cannot end in time.
            None if self.buf.len() > MAX_COMMAND_LEN + 1 => {
                self.buf.clear();
                self.skipping = true;
                Some(Framed::TooLong)
            }
            None => None,
        }
    }

    /// Forgets what is buffered. After `AUTH TLS`, bytes sent before the handshake were
    /// plaintext and must not count as commands of the protected session.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.skipping = false;
    }
}

#[cfg(test)]
mod tests;
