//! Credentials from a netrc file, in the format ftp(1) and curl read:
//!
//! ```text
//! # comment
//! machine ftp.example.com login alice password "two words"
//! machine [::1] login bob password s3cret account acct
//! default login anonymous password guest@
//! macdef init
//! binary
//!
//! ```
//!
//! Tokens are separated by any whitespace, newlines included. A token may be quoted
//! (`"..."`, with `\"` and `\\` escapes, as curl allows) to hold spaces. An unquoted token
//! that starts with `#` begins a comment to the end of the line, so a password starting
//! with `#` must be quoted. A `macdef` body runs to the next blank line and is skipped.

use std::env;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::proto::Password;

/// Largest netrc file `load` reads: real ones are a few hundred bytes, and the cap keeps
/// a wrong path (a log file, a device) from being read whole into memory.
pub const MAX_NETRC_BYTES: u64 = 1024 * 1024;

/// Why a netrc file was refused. Parse errors name the line, never a token's text: in a
/// malformed line any token could be a password.
#[derive(Debug, thiserror::Error)]
pub enum NetrcError {
    /// The file could not be read.
    #[error("cannot read netrc file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Over [`MAX_NETRC_BYTES`].
    #[error("netrc file {} is larger than {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Not text.
    #[error("netrc file {} is not UTF-8", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// `login`, `password` or the like at the end of the file.
    #[error("netrc line {line}: {keyword:?} has no value after it")]
    MissingValue {
        /// The keyword.
        keyword: &'static str,
        /// Its line, from 1.
        line: usize,
    },
    /// `login` or `password` before any entry began.
    #[error("netrc line {line}: {keyword:?} before any \"machine\" or \"default\"")]
    OutsideEntry {
        /// The keyword.
        keyword: &'static str,
        /// Its line, from 1.
        line: usize,
    },
    /// A word where a keyword belongs.
    #[error(
        "netrc line {line}: unexpected word (expected machine, default, login, password, \
         account or macdef; a value with spaces needs \"quotes\")"
    )]
    UnexpectedToken {
        /// Its line, from 1.
        line: usize,
    },
    /// A `"` with no closing one on its line.
    #[error("netrc line {line}: quoted value not closed before the end of the line")]
    UnterminatedQuote {
        /// Its line, from 1.
        line: usize,
    },
}

/// A parsed netrc file.
#[derive(Debug, Clone, Default)]
pub struct Netrc {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// `None` for the `default` entry.
    machine: Option<String>,
    login: Option<String>,
    password: Option<Password>,
}

impl Netrc {
    /// Parses a netrc file's text (the format of inetutils' ftp and curl).
    pub fn parse(text: &str) -> Result<Netrc, NetrcError> {
        let mut lexer = Lexer {
            text,
            pos: 0,
            line: 1,
        };
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(token) = lexer.next_token()? {
            let keyword = match token.text.as_str() {
                "machine" => "machine",
                "default" => "default",
                "login" => "login",
                "password" => "password",
                "account" => "account",
                "macdef" => "macdef",
                _ => return Err(NetrcError::UnexpectedToken { line: token.line }),
            };
            match keyword {
                "default" => entries.push(Entry {
                    machine: None,
                    login: None,
                    password: None,
                }),
                "machine" => {
                    let name = lexer.value(keyword, token.line)?;
                    entries.push(Entry {
                        machine: Some(name),
                        login: None,
                        password: None,
                    });
                }
                "macdef" => {
                    lexer.value(keyword, token.line)?;
                    lexer.skip_macro_body();
                }
                _ => {
                    let value = lexer.value(keyword, token.line)?;
                    let entry = entries.last_mut().ok_or(NetrcError::OutsideEntry {
                        keyword,
                        line: token.line,
                    })?;
                    match keyword {
                        "login" => entry.login = Some(value),
                        "password" => entry.password = Some(Password::new(value)),
                        // FTP's ACCT is for mainframe-era servers; the probe never sends it.
                        _ => {}
                    }
                }
            }
        }
        Ok(Netrc { entries })
    }

    /// The login and password for `host`: the first `machine` entry whose name matches
    /// (ignoring case) and, when `user` is given, whose login is `user` or absent; else the
    /// first such `default` entry. The entry found decides: if it lacks a password (or a
    /// login, with no `user` to stand in), there are no credentials, as another entry's
    /// would be for some other account.
    pub fn lookup(&self, host: &str, user: Option<&str>) -> Option<(String, Password)> {
        let user_fits = |entry: &&Entry| match (user, &entry.login) {
            (Some(user), Some(login)) => user == login,
            _ => true,
        };
        let entry = self
            .entries
            .iter()
            .filter(user_fits)
            .find(|e| {
                e.machine
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(host))
            })
            .or_else(|| {
                self.entries
                    .iter()
                    .filter(user_fits)
                    .find(|e| e.machine.is_none())
            })?;
        let login = entry.login.clone().or_else(|| user.map(str::to_string))?;
        Some((login, entry.password.clone()?))
    }

    /// Reads and parses the file at `path`, refusing files over [`MAX_NETRC_BYTES`].
    pub fn load(path: &Path) -> Result<Netrc, NetrcError> {
        let io_error = |source| NetrcError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let mut bytes = Vec::new();
        // `take`, not the file's metadata: a FIFO or /proc file reports length 0.
        file.take(MAX_NETRC_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_NETRC_BYTES {
            return Err(NetrcError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_NETRC_BYTES,
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| NetrcError::NotUtf8 {
            path: path.to_path_buf(),
        })?;
        Netrc::parse(&text)
    }

    /// `$NETRC` if set, else `$HOME/.netrc` (curl's order).
    pub fn default_path() -> Option<PathBuf> {
        default_path_from(env::var_os("NETRC"), env::var_os("HOME"))
    }
}

/// `default_path` without the environment, so that tests need not set variables.
fn default_path_from(netrc: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match netrc {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => home
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".netrc")),
    }
}

struct Token {
    text: String,
    line: usize,
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn next_token(&mut self) -> Result<Option<Token>, NetrcError> {
        loop {
            let Some(c) = self.rest().chars().next() else {
                return Ok(None);
            };
            if c == '\n' {
                self.line += 1;
                self.pos += 1;
            } else if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else if c == '#' {
                self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
            } else if c == '"' {
                return self.quoted().map(Some);
            } else {
                let len = self
                    .rest()
                    .find(char::is_whitespace)
                    .unwrap_or(self.rest().len());
                let text = self.rest()[..len].to_string();
                self.pos += len;
                return Ok(Some(Token {
                    text,
                    line: self.line,
                }));
            }
        }
    }

    /// A `"..."` token, the opening quote at `pos`.
    fn quoted(&mut self) -> Result<Token, NetrcError> {
        let line = self.line;
        let unterminated = NetrcError::UnterminatedQuote { line };
        let mut text = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(Token { text, line });
                }
                '\n' => return Err(unterminated),
                '\\' => match chars.next() {
                    Some((_, 'n')) => text.push('\n'),
                    Some((_, 'r')) => text.push('\r'),
                    Some((_, 't')) => text.push('\t'),
                    Some((_, '\n')) | None => return Err(unterminated),
                    Some((_, other)) => text.push(other),
                },
                _ => text.push(c),
            }
        }
        Err(unterminated)
    }

    /// The token after `keyword`, which was on `line`.
    fn value(&mut self, keyword: &'static str, line: usize) -> Result<String, NetrcError> {
        match self.next_token()? {
            Some(token) => Ok(token.text),
            None => Err(NetrcError::MissingValue { keyword, line }),
        }
    }

    /// Skips the rest of the `macdef` line, then the body up to and including the next
    /// blank (or whitespace-only) line.
    fn skip_macro_body(&mut self) {
        let mut first = true;
        while !self.rest().is_empty() {
            let len = self.rest().find('\n').map_or(self.rest().len(), |i| i + 1);
            let chunk = &self.rest()[..len];
            let blank = chunk.trim().is_empty();
            if chunk.ends_with('\n') {
                self.line += 1;
            }
            self.pos += len;
            if blank && !first {
                return;
            }
            first = false;
        }
    }
}

#[cfg(test)]
#[path = "netrc_tests.rs"]
mod tests;
