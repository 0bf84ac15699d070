//! FTP replies (RFC 959 4.2): a parser fed bytes that yields complete replies, and
//! the encoder the lab server uses to send them.

use std::fmt;

/// Longest reply line we keep, CRLF excluded. Real lines are short (FEAT entries and
/// banners stay under 200 bytes); the cap means a server that never sends a line end
/// costs us at most this much memory, not whatever it chooses to send.
pub const MAX_LINE_LEN: usize = 4096;

/// Most lines in one multi-line reply. FEAT and HELP, the longest replies a probe asks
/// for, run to a few dozen lines; a reply that never ends must not grow without bound.
pub const MAX_REPLY_LINES: usize = 256;

/// One complete reply: a three-digit code and its lines as sent (line ends removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// Raw lines, code prefixes included, so a transcript can show exactly what came.
    pub lines: Vec<String>,
}

impl Reply {
    /// A one-line reply, as a server sends it.
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![format!("{code} {}", text.into())],
        }
    }

    /// A multi-line reply: the first and middle lines get `NNN-`, the last `NNN `.
    /// With a single text line it is the same as [`Reply::new`].
    pub fn multiline<S: AsRef<str>>(code: u16, texts: &[S]) -> Reply {
        let last = texts.len().saturating_sub(1);
        let lines = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let sep = if i == last { ' ' } else { '-' };
                format!("{code}{sep}{}", t.as_ref())
            })
            .collect();
        Reply { code, lines }
    }

    /// A reply whose middle lines go out exactly as given, without a code prefix
    /// (as ProFTPD sends FEAT: ` EPSV`, ` MDTM`, ...).
    pub fn with_raw_middle<S: AsRef<str>>(
        code: u16,
        first: &str,
        middle: &[S],
        last: &str,
    ) -> Reply {
        let mut lines = vec![format!("{code}-{first}")];
        lines.extend(middle.iter().map(|m| m.as_ref().to_string()));
        lines.push(format!("{code} {last}"));
        Reply { code, lines }
    }

    /// The class digit: 1 preliminary, 2 completion, 3 intermediate, 4 transient, 5 permanent.
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    pub fn is_positive_preliminary(&self) -> bool {
        self.class() == 1
    }

    pub fn is_positive_completion(&self) -> bool {
        self.class() == 2
    }

    /// The reply text without code prefixes, lines joined with `\n`. Middle lines that
    /// repeat the code as `NNN-` (Pure-FTPd does) lose that prefix too.
    pub fn text(&self) -> String {
        let prefix_dash = format!("{}-", self.code);
        let prefix_space = format!("{} ", self.code);
        let last = self.lines.len().saturating_sub(1);
        let parts: Vec<&str> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let stripped = if i == last {
                    line.strip_prefix(&prefix_space)
                        .or_else(|| line.strip_prefix(&prefix_dash))
                } else {
                    line.strip_prefix(&prefix_dash)
                };
                match stripped {
                    Some(rest) => rest,
                    // A bare "220" line has no text at all.
                    None if line.len() == 3 && i == last => "",
                    None => line.as_str(),
                }
            })
            .collect();
        parts.join("\n")
    }
}

/// The wire text: every line with CRLF.
impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            write!(f, "{line}\r\n")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("reply line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("multi-line reply longer than {limit} lines")]
    TooManyLines { limit: usize },
    #[error("not an FTP reply line: {line:?}")]
    Malformed { line: String },
}

/// Turns a byte stream into replies. Holds partial input between calls, so a caller can
/// feed whatever a read returned, and a read cancelled by a timeout loses nothing.
///
/// ```
/// use ftpdoctor::proto::ReplyParser;
///
/// let mut parser = ReplyParser::new();
/// parser.feed(b"220-Welcome\r\n220 rea");
/// assert_eq!(parser.next_reply(), Ok(None)); // not complete yet
/// parser.feed(b"dy\r\n");
/// let reply = parser.next_reply().unwrap().unwrap();
/// assert_eq!((reply.code, reply.text().as_str()), (220, "Welcome\nready"));
/// ```
#[derive(Debug, Default)]
pub struct ReplyParser {
    /// Bytes of the current, unfinished line.
    partial: Vec<u8>,
    /// Complete lines waiting to be assembled into a reply.
    ready: std::collections::VecDeque<String>,
    /// A multi-line reply in progress: its code and lines so far.
    open: Option<Reply>,
    /// An over-long line is being skipped until its line end.
    skipping: bool,
    /// An error found while splitting lines, reported by the next `next_reply`.
    pending_error: Option<ReplyError>,
    /// The code of a reply that went over [`MAX_REPLY_LINES`]: its remaining lines are
    /// dropped up to its last line, so they are not mistaken for new replies.
    discarding: Option<u16>,
}

impl ReplyParser {
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    /// Takes bytes as they came off the wire. Memory stays bounded however much comes
    /// without a line end: an over-long line is dropped and reported as an error.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (chunk, rest, complete) = match newline {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if self.skipping {
                if complete {
                    self.skipping = false;
                }
                continue;
            }
            // Room for a trailing CR beyond the limit: it is not part of the line.
            if self.partial.len() + chunk.len() > MAX_LINE_LEN + 1 {
                self.partial.clear();
                self.skipping = !complete;
                self.pending_error.get_or_insert(ReplyError::LineTooLong {
                    limit: MAX_LINE_LEN,
                });
                continue;
            }
            self.partial.extend_from_slice(chunk);
            if complete {
                let mut line = std::mem::take(&mut self.partial);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > MAX_LINE_LEN {
                    self.pending_error.get_or_insert(ReplyError::LineTooLong {
                        limit: MAX_LINE_LEN,
                    });
                    continue;
                }
                self.ready
                    .push_back(String::from_utf8_lossy(&line).into_owned());
            }
        }
    }

    /// Bytes fed but not yet part of a returned reply (for "closed mid-reply" reports).
    pub fn has_partial_input(&self) -> bool {
        !self.partial.is_empty() || !self.ready.is_empty() || self.open.is_some()
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed. After an error the
    /// offending line (or reply) is dropped and parsing can go on.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        if let Some(err) = self.pending_error.take() {
            self.open = None;
            return Err(err);
        }
        while let Some(line) = self.ready.pop_front() {
            if let Some(code) = self.discarding {
                if ends_reply(&line, code) {
                    self.discarding = None;
                }
                continue;
            }
            match self.open.take() {
                None => {
                    let (code, sep) = parse_code(&line)
                        .ok_or_else(|| ReplyError::Malformed { line: line.clone() })?;
                    let reply = Reply {
                        code,
                        lines: vec![line],
                    };
                    if sep == Some(b'-') {
                        self.open = Some(reply);
                    } else {
                        return Ok(Some(reply));
                    }
                }
                Some(mut reply) => {
                    let ends = ends_reply(&line, reply.code);
                    reply.lines.push(line);
                    if ends {
                        return Ok(Some(reply));
                    }
                    if reply.lines.len() >= MAX_REPLY_LINES {
                        self.discarding = Some(reply.code);
                        return Err(ReplyError::TooManyLines {
                            limit: MAX_REPLY_LINES,
                        });
                    }
                    self.open = Some(reply);
                }
            }
        }
        Ok(None)
    }
}

/// The last line of a multi-line reply: the same code, then a space (or nothing).
fn ends_reply(line: &str, code: u16) -> bool {
    matches!(parse_code(line), Some((c, sep)) if c == code && sep != Some(b'-'))
}

/// `NNN` followed by space, dash or the end of the line; the code in 100..=599.
/// Returns the code and the separator (None for a bare code).
fn parse_code(line: &str) -> Option<(u16, Option<u8>)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = bytes[..3]
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    if !(100..=599).contains(&code) {
        return None;
    }
    match bytes.get(3) {
        None => Some((code, None)),
        Some(&sep @ (b' ' | b'-')) => Some((code, Some(sep))),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests;
