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

/// Most bytes one reply may hold, all its lines together as kept (invalid UTF-8 counts
/// as the three-byte U+FFFD it becomes). Real replies stay far below (Pure-FTPd's
/// six-line banner is 330 bytes, a FEAT list under 1 KiB); a long MOTD banner fits. The
/// line limits alone would allow 256 lines of 4096 bytes, 3 MiB once decoded, for every
/// reply; a probe keeps each reply in its transcript and report, and a server answering
/// every command that way took one probe past 150 MiB (the fault lab's `huge-replies`).
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// One complete reply: a three-digit code and its lines as sent (line ends removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code (RFC 959 4.2).
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

    /// 1yz: more is to come (150 before a transfer).
    pub fn is_positive_preliminary(&self) -> bool {
        self.class() == 1
    }

    /// 2yz: done.
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

/// Why the bytes from a server are not a reply the parser will keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A line over [`MAX_LINE_LEN`].
    #[error("reply line longer than {limit} bytes")]
    LineTooLong {
        /// The limit it broke, in bytes.
        limit: usize,
    },
    /// A multi-line reply over [`MAX_REPLY_LINES`].
    #[error("multi-line reply longer than {limit} lines")]
    TooManyLines {
        /// The limit it broke, in lines.
        limit: usize,
    },
    /// A multi-line reply over [`MAX_REPLY_BYTES`].
    #[error("multi-line reply larger than {limit} bytes")]
    TooLarge {
        /// The limit it broke, in bytes.
        limit: usize,
    },
    /// A line that does not start with a three-digit code.
    #[error("not an FTP reply line: {line:?}")]
    Malformed {
        /// The line as it came (lossily decoded).
        line: String,
    },
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
    /// An over-long line is being skipped until its line end.
    skipping: bool,
    /// A multi-line reply in progress: its code and lines so far.
    open: Option<Reply>,
    /// Bytes of the lines in `open`, against [`MAX_REPLY_BYTES`].
    open_bytes: usize,
    /// The code of a reply cut off by an error (too many lines, an over-long line): its
    /// remaining lines are dropped up to its last line, so they are not taken for new
    /// replies.
    discarding: Option<u16>,
    /// Replies and errors in the order their last byte arrived. Holds no more than one
    /// `feed` brought: feed what one read returned and drain with `next_reply`.
    out: std::collections::VecDeque<Result<Reply, ReplyError>>,
}

impl ReplyParser {
    /// A parser with nothing buffered.
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    /// Takes bytes as they came off the wire. However much comes without a line end, at
    /// most [`MAX_LINE_LEN`] bytes of it are kept: an over-long line is dropped and
    /// reported as an error in its place.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (chunk, rest, complete) = match newline {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if self.skipping {
                self.skipping = !complete;
                continue;
            }
            // Room for a trailing CR beyond the limit: it is not part of the line.
            if self.partial.len() + chunk.len() > MAX_LINE_LEN + 1 {
                let head: Vec<u8> = self.partial.iter().chain(chunk).take(4).copied().collect();
                self.partial.clear();
                self.skipping = !complete;
                self.line_too_long(&head);
                continue;
            }
            self.partial.extend_from_slice(chunk);
            if complete {
                let mut line = std::mem::take(&mut self.partial);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > MAX_LINE_LEN {
                    self.line_too_long(&line[..4]);
                } else {
                    self.take_line(String::from_utf8_lossy(&line).into_owned());
                }
            }
        }
    }

    /// Nothing fed is left over: no part of a reply, no reply not yet taken.
    pub fn is_drained(&self) -> bool {
        !self.has_partial_input() && self.out.is_empty()
    }

    /// How many bytes of a reply not yet whole have arrived (a greeting trickling in one
    /// byte at a time, cut by a timeout, says how far it got).
    pub fn partial_len(&self) -> usize {
        let open = match self.open {
            Some(_) => self.open_bytes,
            None => 0,
        };
        self.partial.len() + open
    }

    /// Input that has not yet made a whole reply (for "closed mid-reply" reports).
    pub fn has_partial_input(&self) -> bool {
        !self.partial.is_empty()
            || self.skipping
            || self.open.is_some()
            || self.discarding.is_some()
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed. After an error the
    /// offending line (or the rest of its reply) is dropped and parsing goes on.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        self.out.pop_front().transpose()
    }

    /// An over-long line, of which `head` is the start: reported in its place. Inside a
    /// multi-line reply the reply is lost, and unless the long line was its last, the
    /// rest of it is skipped.
    fn line_too_long(&mut self, head: &[u8]) {
        let head = String::from_utf8_lossy(head);
        if let Some(code) = self.discarding {
            if ends_reply(&head, code) {
                self.discarding = None;
            }
            return;
        }
        match self.open.take() {
            Some(open) if !ends_reply(&head, open.code) => self.discarding = Some(open.code),
            Some(_) => {}
            // The long line opens a multi-line reply: skip that reply to its end too.
            None => {
                if let Some((code, Some(b'-'))) = parse_code(&head) {
                    self.discarding = Some(code);
                }
            }
        }
        self.out.push_back(Err(ReplyError::LineTooLong {
            limit: MAX_LINE_LEN,
        }));
    }

    fn take_line(&mut self, line: String) {
        if let Some(code) = self.discarding {
            if ends_reply(&line, code) {
                self.discarding = None;
            }
            return;
        }
        let Some(mut reply) = self.open.take() else {
            // Blank lines between replies carry nothing; clients skip them.
            if line.trim().is_empty() {
                return;
            }
            let result = match parse_code(&line) {
                None => Err(ReplyError::Malformed { line }),
                Some((code, sep)) => {
                    let reply = Reply {
                        code,
                        lines: vec![line],
                    };
                    if sep == Some(b'-') {
                        self.open_bytes = reply.lines[0].len();
                        self.open = Some(reply);
                        return;
                    }
                    Ok(reply)
                }
            };
            self.out.push_back(result);
            return;
        };
        let ends = ends_reply(&line, reply.code);
        self.open_bytes += line.len();
        reply.lines.push(line);
        if self.open_bytes > MAX_REPLY_BYTES {
            if !ends {
                self.discarding = Some(reply.code);
            }
            self.out.push_back(Err(ReplyError::TooLarge {
                limit: MAX_REPLY_BYTES,
            }));
        } else if ends {
            self.out.push_back(Ok(reply));
        } else if reply.lines.len() >= MAX_REPLY_LINES {
            self.discarding = Some(reply.code);
            self.out.push_back(Err(ReplyError::TooManyLines {
                limit: MAX_REPLY_LINES,
            }));
        } else {
            self.open = Some(reply);
        }
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
