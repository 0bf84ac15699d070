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
mod tests {
    use super::*;

    const TWO_MACHINES: &str = "\
# work and home
machine ftp.example.com login alice password a-secret
machine ftp.example.com login bob password b-secret
machine HOME.example.org
    login carol
    password \"with two spaces\"
default login anonymous password guest@
";

    fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<(String, String)> {
        let netrc = Netrc::parse(text).unwrap_or_else(|e| panic!("{e}"));
        netrc
            .lookup(host, user)
            .map(|(login, password)| (login, password.expose().to_string()))
    }

    fn found(login: &str, password: &str) -> Option<(String, String)> {
        Some((login.to_string(), password.to_string()))
    }

    macro_rules! lookup_case {
        ($($name:ident: $text:expr, $host:expr, $user:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(lookup($text, $host, $user), $want);
            }
        )*};
    }

    lookup_case! {
        lookup_without_user_takes_first_matching_machine:
            TWO_MACHINES, "ftp.example.com", None => found("alice", "a-secret");
        lookup_with_user_takes_that_users_entry:
            TWO_MACHINES, "ftp.example.com", Some("bob") => found("bob", "b-secret");
        lookup_ignores_host_case_and_reads_across_newlines:
            TWO_MACHINES, "home.EXAMPLE.org", None => found("carol", "with two spaces");
        lookup_unknown_host_falls_back_to_default:
            TWO_MACHINES, "elsewhere.net", None => found("anonymous", "guest@");
        lookup_unknown_user_does_not_take_another_users_entry:
            TWO_MACHINES, "ftp.example.com", Some("dave") => None;
        lookup_without_default_finds_nothing:
            "machine a login u password p", "b", None => None;
        lookup_entry_without_password_gives_nothing:
            "machine a login u\ndefault login x password y", "a", None => None;
        lookup_entry_without_login_uses_given_user:
            "machine a password p", "a", Some("u") => found("u", "p");
        lookup_skips_macdef_body_until_blank_line:
            "machine a login u password p\nmacdef init\nmachine evil login e password e\nbinary\n\n\
             machine b login v password q",
            "evil", None => None;
        lookup_after_macdef_continues:
            "macdef init\ncd /pub\n \nmachine b login v password q", "b", None => found("v", "q");
        lookup_comment_runs_to_end_of_line:
            "# machine a login x password x\nmachine a login u password p # old: hunter2\n",
            "a", None => found("u", "p");
        lookup_hash_inside_token_is_not_a_comment:
            "machine a login u password ab#cd", "a", None => found("u", "ab#cd");
        lookup_quoted_password_with_escapes:
            r#"machine a login u password "say \"hi\" \\ ok""#, "a", None => found("u", r#"say "hi" \ ok"#);
        lookup_quoted_hash_is_not_a_comment:
            r##"machine a login u password "#x""##, "a", None => found("u", "#x");
        lookup_in_empty_file_finds_nothing:
            "", "a", None => None;
    }

    #[test]
    fn parse_missing_password_value_names_its_line() {
        let err = Netrc::parse("machine a\n  login u\n  password").unwrap_err();
        assert!(
            matches!(
                err,
                NetrcError::MissingValue {
                    keyword: "password",
                    line: 3
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn parse_unquoted_password_with_space_is_refused_without_echo() {
        let err = Netrc::parse("machine a login u\npassword hunter2 xyzzy\n").unwrap_err();
        assert!(
            matches!(err, NetrcError::UnexpectedToken { line: 2 }),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("xyzzy"), "{err}");
    }

    #[test]
    fn parse_login_before_machine_is_refused() {
        let err = Netrc::parse("login u password p").unwrap_err();
        assert!(
            matches!(
                err,
                NetrcError::OutsideEntry {
                    keyword: "login",
                    line: 1
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn parse_unterminated_quote_names_its_line() {
        let err = Netrc::parse("machine a\nlogin u password \"abc\nmachine b").unwrap_err();
        assert!(
            matches!(err, NetrcError::UnterminatedQuote { line: 2 }),
            "{err:?}"
        );
    }

    #[test]
    fn line_numbers_count_macdef_bodies_and_comments() {
        let text = "# c\nmacdef m\nline one\nline two\n\nmachine\n";
        let err = Netrc::parse(text).unwrap_err();
        assert!(
            matches!(
                err,
                NetrcError::MissingValue {
                    keyword: "machine",
                    line: 6
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn debug_of_parsed_netrc_masks_passwords() {
        let netrc = Netrc::parse(TWO_MACHINES).unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{netrc:?}");
        assert!(shown.contains("alice"), "{shown}");
        assert!(!shown.contains("a-secret"), "{shown}");
    }

    #[test]
    fn default_path_prefers_netrc_variable_then_home() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            default_path_from(os("/etc/n"), os("/home/u")),
            Some(PathBuf::from("/etc/n"))
        );
        assert_eq!(
            default_path_from(os(""), os("/home/u")),
            Some(PathBuf::from("/home/u/.netrc"))
        );
        assert_eq!(
            default_path_from(None, os("/home/u")),
            Some(PathBuf::from("/home/u/.netrc"))
        );
        assert_eq!(default_path_from(None, None), None);
    }

    /// A file in the temp dir, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, contents: &[u8]) -> TempFile {
            let path =
                env::temp_dir().join(format!("ftpdoctor-netrc-{}-{name}", std::process::id()));
            std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn load_reads_a_file() {
        let file = TempFile::new("ok", b"machine h login u password p\n");
        let netrc = Netrc::load(&file.0).unwrap_or_else(|e| panic!("{e}"));
        let (login, password) = netrc.lookup("h", None).expect("entry for h");
        assert_eq!((login.as_str(), password.expose()), ("u", "p"));
    }

    #[test]
    fn load_refuses_a_file_over_the_limit() {
        let size = usize::try_from(MAX_NETRC_BYTES + 1).expect("limit fits in memory");
        let file = TempFile::new("big", &vec![b'\n'; size]);
        let err = Netrc::load(&file.0).unwrap_err();
        assert!(matches!(err, NetrcError::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn load_missing_file_is_an_io_error() {
        let path = env::temp_dir().join(format!("ftpdoctor-netrc-{}-absent", std::process::id()));
        let err = Netrc::load(&path).unwrap_err();
        assert!(
            matches!(&err, NetrcError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound),
            "{err:?}"
        );
    }
}
