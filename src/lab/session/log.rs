//! `lab -v`: what each session did, one line per event on stderr, for an instructor
//! watching a student's client. Client text is shown escaped: a hostile client must
//! not be able to drive the instructor's terminal.

use super::Session;
use crate::proto::{Command, CommandError, Reply};

/// Characters of client or reply text shown per line; a command line may be far longer.
const MAX_SHOWN: usize = 200;

impl Session {
    /// Writes `what` on stderr as this session's line, when the lab is verbose.
    pub(super) fn log(&self, what: &str) {
        if self.shared.config.verbose {
            eprintln!("lab #{} {}: {}", self.index + 1, self.peer, what);
        }
    }

    /// A command as received; PASS masked, and an unparseable line shown by its verb
    /// only, since its argument may be a password that did not parse.
    pub(super) fn log_command(&self, cmd: &Result<Command, CommandError>, line: &str) {
        if !self.shared.config.verbose {
            return;
        }
        let shown = match cmd {
            Ok(cmd) => cmd.redacted(),
            Err(_) => {
                let verb = line.split(' ').next().unwrap_or_default();
                format!("{verb} … (not understood)")
            }
        };
        self.log(&format!("> {}", printable(&shown)));
    }

    /// A reply as sent: its first line, and how many more there were.
    pub(super) fn log_reply(&self, reply: &Reply) {
        if !self.shared.config.verbose {
            return;
        }
        let text = reply.to_string();
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        let more = lines.count();
        let tail = match more {
            0 => String::new(),
            n => format!(" (+{n} lines)"),
        };
        self.log(&format!("< {}{tail}", printable(first)));
    }
}

/// `text` with every control character escaped (`\u{1b}`), cut to [`MAX_SHOWN`].
pub(super) fn printable(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN {
            out.push('…');
            break;
        }
        match c.is_control() {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn a_client_cannot_send_escapes_to_the_instructors_terminal() {
        assert_eq!(printable("LIST \u{1b}[2J\r"), "LIST \\u{1b}[2J\\r");
        assert_eq!(printable(&"A".repeat(300)).chars().count(), 201);
    }
}
