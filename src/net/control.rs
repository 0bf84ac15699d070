//! The client side of an FTP control connection, generic over the byte stream so that a
//! TLS stream can take the place of TCP. Every read is bounded by the reply parser's
//! limits and every step by a timeout.

use crate::wire::human;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

use crate::proto::{Command, CommandError, Reply, ReplyError, ReplyParser};
use crate::timeline::{CloseHow, Closer, Event, Tap};

/// Transcript kept per control connection. Each reply is bounded (64 KiB), but a session
/// that sends many commands (--sample-ports 256) against a server with huge replies would
/// otherwise keep megabytes of them, whether or not --transcript prints them.
pub const MAX_TRANSCRIPT_BYTES: usize = 1024 * 1024;

/// Bytes asked of the stream per read. Replies are small; this only sets how many reads
/// a long multi-line reply takes.
const READ_CHUNK: usize = 4096;

/// `; 4 bytes of it had arrived` when part of a reply came before the wait ended.
fn arrived_note(arrived: usize) -> String {
    match arrived {
        0 => String::new(),
        1 => "; 1 byte of it had arrived".to_string(),
        n => format!("; {n} bytes of it had arrived"),
    }
}

/// Why a step on the control connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No complete reply within the step timeout.
    #[error("no reply within {} (waiting for the reply to {waiting_for}){}", human(*.after), arrived_note(*.arrived))]
    Timeout {
        /// The step whose reply was due (a command's verb, the banner, ...).
        waiting_for: String,
        /// The step timeout.
        after: Duration,
        /// Bytes of the reply that had arrived when the wait ended (a trickle).
        arrived: usize,
    },
    /// The server closed the connection.
    #[error("server closed the connection{}", if *.mid_reply { " in the middle of a reply" } else { "" })]
    Closed {
        /// Part of a reply had come.
        mid_reply: bool,
    },
    /// The server did not take the command within the step timeout.
    #[error("sending {command} timed out after {}", human(*.after))]
    SendTimeout {
        /// The command (PASS masked).
        command: String,
        /// The step timeout.
        after: Duration,
    },
    /// The socket failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The bytes were not a reply within the limits.
    #[error("bad reply: {0}")]
    Reply(#[from] ReplyError),
    /// A command that cannot go on the wire (a CR or LF in its argument).
    #[error("refusing to send: {0}")]
    Command(#[from] CommandError),
    /// Bytes came after the reply that starts TLS, before the handshake: they were sent
    /// in plaintext, and reading them as replies of the protected session would let
    /// anyone on the path inject replies (the STARTTLS injection of CVE-2011-0411).
    #[error("the server sent more plaintext before the TLS handshake")]
    PlaintextBeforeTls,
    /// An earlier step timed out or failed mid-way: a late reply, or half a command on
    /// the wire, would pair the next reply with the wrong command.
    #[error("control connection no longer usable after {after}")]
    Unusable {
        /// What put it out of step.
        after: String,
    },
}

/// Who said a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// What we sent.
    Client,
    /// What the server sent.
    Server,
    /// Not on the wire: what happened on the connection (a TLS handshake, say).
    Note,
}

/// One line of the control-channel conversation; PASS is already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    /// Who said it.
    pub speaker: Speaker,
    /// The line, without its line end.
    pub text: String,
}

/// A client's control connection over any stream (plain TCP or TLS): commands out,
/// bounded replies in, each step under the step timeout, and a transcript.
pub struct ControlConn<S> {
    stream: S,
    /// Lives with the connection, so a read cut short by a timeout loses no bytes.
    parser: ReplyParser,
    step_timeout: Duration,
    transcript: Vec<TranscriptLine>,
    transcript_bytes: usize,
    /// Why the conversation is out of step, once it is.
    broken: Option<String>,
    /// Where this connection's events go, when someone keeps a timeline.
    tap: Option<Tap>,
    /// Set once the peer closed, so that dropping the connection records no close of ours.
    peer_closed: bool,
}

impl<S> Drop for ControlConn<S> {
    fn drop(&mut self) {
        if let Some(tap) = &self.tap
            && !self.peer_closed
        {
            tap.record(Event::Close {
                by: Closer::Us,
                how: CloseHow::Fin,
            });
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> ControlConn<S> {
    /// Wraps a connected stream; every later step gets `step_timeout`.
    pub fn new(stream: S, step_timeout: Duration) -> ControlConn<S> {
        ControlConn {
            stream,
            parser: ReplyParser::new(),
            step_timeout,
            transcript: Vec::new(),
            transcript_bytes: 0,
            broken: None,
            tap: None,
            peer_closed: false,
        }
    }

    /// Records this connection's commands, replies, timeouts and close on `tap`.
    pub fn with_tap(mut self, tap: Tap) -> ControlConn<S> {
        self.tap = Some(tap);
        self
    }

    /// The connection's tap, to record on it (a TLS handshake) or to tag it with a mode.
    pub fn tap_mut(&mut self) -> Option<&mut Tap> {
        self.tap.as_mut()
    }

    fn emit(&self, event: Event) {
        if let Some(tap) = &self.tap {
            tap.record(event);
        }
    }

    fn check_usable(&self) -> Result<(), ControlError> {
        match &self.broken {
            Some(after) => Err(ControlError::Unusable {
                after: after.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Records an error; those that leave the conversation out of step break it for good.
    fn note_error(&mut self, err: &ControlError) {
        match err {
            ControlError::Timeout {
                waiting_for, after, ..
            } => self.emit(Event::StepTimeout {
                waiting_for: waiting_for.clone(),
                after: *after,
            }),
            ControlError::SendTimeout { command, after } => self.emit(Event::StepTimeout {
                waiting_for: format!("sending {command}"),
                after: *after,
            }),
            ControlError::Closed { .. } => self.closed_by_peer(CloseHow::Fin),
            ControlError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                self.closed_by_peer(CloseHow::Rst)
            }
            _ => {}
        }
        match err {
            // The reply the garbage stood for may still be on its way: whatever comes
            // next could belong to this command, not the next one.
            ControlError::Reply(e) => {
                self.record(Speaker::Server, format!("<{e}>"));
                self.broken.get_or_insert_with(|| e.to_string());
            }
            ControlError::Command(_) | ControlError::Unusable { .. } => {}
            other => {
                self.broken.get_or_insert_with(|| other.to_string());
            }
        }
    }

    /// The limit each step gets (--timeout).
    pub fn step_timeout(&self) -> Duration {
        self.step_timeout
    }

    /// The next complete reply; `waiting_for` names the step for a timeout error.
    pub async fn read_reply(&mut self, waiting_for: &str) -> Result<Reply, ControlError> {
        self.read_reply_within(self.step_timeout, waiting_for).await
    }

    /// As [`read_reply`](Self::read_reply), with a limit of the caller's choosing. The
    /// future may be dropped (raced against an accept, say) without losing bytes.
    pub async fn read_reply_within(
        &mut self,
        after: Duration,
        waiting_for: &str,
    ) -> Result<Reply, ControlError> {
        self.check_usable()?;
        let result = match timeout(after, self.read_reply_unbounded()).await {
            Ok(result) => result,
            Err(_) => Err(ControlError::Timeout {
                waiting_for: waiting_for.to_string(),
                after,
                arrived: self.parser.partial_len(),
            }),
        };
        if let Err(err) = &result {
            self.note_error(err);
        }
        result
    }

    async fn read_reply_unbounded(&mut self) -> Result<Reply, ControlError> {
        // Spare capacity, never zeroed: a zeroed buffer per reply was 6% of a scrape's
        // instructions under callgrind.
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        loop {
            if let Some(reply) = self.parser.next_reply()? {
                for line in &reply.lines {
                    self.record(Speaker::Server, line.clone());
                }
                self.emit(Event::Reply {
                    code: reply.code,
                    text: reply.text(),
                });
                return Ok(reply);
            }
            chunk.clear();
            let n = self.stream.read_buf(&mut chunk).await?;
            if n == 0 {
                return Err(ControlError::Closed {
                    mid_reply: self.parser.has_partial_input(),
                });
            }
            self.parser.feed(&chunk);
        }
    }

    /// Sends a command and reads its reply. A 1yz preliminary reply is returned as is;
    /// the caller reads the completion reply that follows.
    pub async fn command(&mut self, cmd: &Command) -> Result<Reply, ControlError> {
        self.send(cmd).await?;
        self.read_reply(cmd.verb()).await
    }

    /// Sends a command without reading its reply (for a reply that comes later, as the
    /// 1yz of a transfer).
    pub async fn send(&mut self, cmd: &Command) -> Result<(), ControlError> {
        self.check_usable()?;
        let wire = cmd.to_wire()?;
        self.record(Speaker::Client, cmd.redacted());
        self.emit(Event::Send {
            line: cmd.redacted(),
        });
        let after = self.step_timeout;
        // A TLS stream may hold the record back until flushed.
        let write = async {
            self.stream.write_all(&wire).await?;
            self.stream.flush().await
        };
        let result = match timeout(after, write).await {
            Ok(result) => result.map_err(ControlError::from),
            Err(_) => Err(ControlError::SendTimeout {
                command: cmd.verb().to_string(),
                after,
            }),
        };
        if let Err(err) = &result {
            self.note_error(err);
        }
        result
    }

    /// The stream itself, for a TLS handshake (after 234 to AUTH TLS).
    pub fn stream_for_tls(&mut self) -> Result<&mut S, ControlError> {
        self.check_usable()?;
        if !self.parser.is_drained() {
            let err = ControlError::PlaintextBeforeTls;
            self.note_error(&err);
            return Err(err);
        }
        Ok(&mut self.stream)
    }

    /// Adds a line to the transcript that no one sent (a TLS handshake's result, say).
    pub fn note(&mut self, text: impl Into<String>) {
        self.record(Speaker::Note, text.into());
    }

    fn closed_by_peer(&mut self, how: CloseHow) {
        if !self.peer_closed {
            self.peer_closed = true;
            self.emit(Event::Close {
                by: Closer::Peer,
                how,
            });
        }
    }

    /// The caller abandoned a command whose reply is still to come: whatever arrives next
    /// would be paired with the wrong command.
    pub fn mark_out_of_step(&mut self, why: impl Into<String>) {
        self.broken.get_or_insert_with(|| why.into());
    }

    /// Whether the conversation is still in step (see [`ControlError::Unusable`]).
    pub fn is_usable(&self) -> bool {
        self.broken.is_none()
    }

    /// Keeps a transcript line, up to [`MAX_TRANSCRIPT_BYTES`]; past that, one line says
    /// the rest was dropped.
    fn record(&mut self, speaker: Speaker, text: String) {
        if self.transcript_bytes > MAX_TRANSCRIPT_BYTES {
            return;
        }
        self.transcript_bytes += text.len();
        let text = if self.transcript_bytes > MAX_TRANSCRIPT_BYTES {
            format!("<transcript cut: more than {MAX_TRANSCRIPT_BYTES} bytes on this connection>")
        } else {
            text
        };
        self.transcript.push(TranscriptLine { speaker, text });
    }

    /// The conversation so far.
    pub fn transcript(&self) -> &[TranscriptLine] {
        &self.transcript
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
}
