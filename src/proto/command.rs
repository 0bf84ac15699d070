//! FTP commands: `Display` is the wire text (without CRLF), `parse` reads a line a
//! client sent. The lab server and the probe share this one definition.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use super::passive::{format_eprt_arg, format_port_arg};

/// Longest command line the lab accepts, CRLF excluded. RFC 959 sets no limit;
/// path arguments in a lab are short, and the cap bounds what one client can make
/// the server buffer.
pub const MAX_COMMAND_LEN: usize = 1024;

/// The argument of `TYPE`: how the data connection's bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// `TYPE A`: text, line ends converted.
    Ascii,
    /// `TYPE I`: bytes as they are.
    Binary,
}

/// The argument of `EPSV`: none, a network protocol (1 = IPv4, 2 = IPv6), or `ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsvArg {
    /// `EPSV`: the control connection's protocol.
    None,
    /// `EPSV 1` or `EPSV 2`.
    Protocol(u8),
    /// `EPSV ALL`: from now on only EPSV sets up data connections (RFC 2428 section 4).
    All,
}

/// Whether `user` is the anonymous login of RFC 1635: `anonymous`, or its usual alias
/// `ftp`, in any case (servers compare them so). Such a login needs no real password.
pub fn is_anonymous(user: &str) -> bool {
    user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp")
}

/// A password: sent on the wire, but masked in `Debug` so that no log line, assertion
/// message or report built with `{:?}` can show it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Password {
        Password(secret.into())
    }

    /// The secret itself, for the wire and for comparing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

impl From<&str> for Password {
    fn from(secret: &str) -> Password {
        Password::new(secret)
    }
}

/// One FTP command, as the probe sends it and the lab reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name`.
    User(String),
    /// `PASS secret`, masked in every output.
    Pass(Password),
    /// `SYST`: the server's operating system type.
    Syst,
    /// `FEAT`: the extensions the server supports (RFC 2389).
    Feat,
    /// `PWD`: the current directory.
    Pwd,
    /// `CWD path`.
    Cwd(String),
    /// `TYPE A` or `TYPE I`.
    Type(TransferType),
    /// `PASV`: the server listens and says where, IPv4 only (RFC 959).
    Pasv,
    /// `EPSV`: the server listens and says on which port (RFC 2428).
    Epsv(EpsvArg),
    /// `PORT h1,h2,h3,h4,p1,p2`: the client listens there, IPv4 only.
    Port(SocketAddrV4),
    /// `EPRT |proto|addr|port|`: the client listens there (RFC 2428).
    Eprt(SocketAddr),
    /// `LIST [path]`: a directory listing over the data connection.
    List(Option<String>),
    /// `NLST [path]`: names only, over the data connection.
    Nlst(Option<String>),
    /// `RETR path`: a file over the data connection.
    Retr(String),
    /// `SIZE path` (RFC 3659).
    Size(String),
    /// `MLSD [path]`: a machine-readable listing over the data connection (RFC 3659).
    Mlsd(Option<String>),
    /// `STOR path`: a file from the client over the data connection (writes!).
    Stor(String),
    /// `DELE path`: delete a file (writes!).
    Dele(String),
    /// `AUTH TLS` (RFC 4217): the argument names the mechanism.
    Auth(String),
    /// `PBSZ 0`: TLS has no protection buffer, but RFC 4217 wants one before PROT.
    Pbsz(u32),
    /// `PROT P` (private) or `PROT C` (clear) for the data connections.
    Prot(char),
    /// `STAT` without an argument: the server's view of the session.
    Stat,
    /// `NOOP`.
    Noop,
    /// `QUIT`.
    Quit,
    /// A command this crate does not model, kept as sent (verb upper-cased).
    Other {
        /// The verb, upper-cased.
        verb: String,
        /// Everything after the first space, if anything.
        arg: Option<String>,
    },
}

/// Why a command line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Nothing but the line end.
    #[error("empty command line")]
    Empty,
    /// Over [`MAX_COMMAND_LEN`].
    #[error("command line longer than {limit} bytes")]
    TooLong {
        /// The limit it broke, in bytes.
        limit: usize,
    },
    /// A verb that needs an argument came without one.
    #[error("{verb} needs an argument")]
    MissingArgument {
        /// The verb.
        verb: &'static str,
    },
    /// An argument that does not parse (a PORT with five numbers, say).
    #[error("bad argument for {verb}: {arg:?}")]
    BadArgument {
        /// The verb.
        verb: &'static str,
        /// The argument as sent.
        arg: String,
    },
    /// EPRT naming a network protocol other than 1 (IPv4) or 2 (IPv6): RFC 2428 asks
    /// for reply 522.
    #[error("{verb} names unsupported network protocol {proto:?}")]
    UnsupportedProtocol {
        /// The verb.
        verb: &'static str,
        /// The protocol number as sent.
        proto: String,
    },
    /// CR, LF or NUL inside an argument would end the command early on the wire and
    /// smuggle in another (a path from a URL with %0d%0a, say).
    #[error("{verb} argument contains a control character (CR, LF or NUL)")]
    ControlCharacter {
        /// The verb whose argument it was.
        verb: String,
    },
}

impl Command {
    /// Parses one command line (CRLF already removed). The verb is case-insensitive.
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        if line.len() > MAX_COMMAND_LEN {
            return Err(CommandError::TooLong {
                limit: MAX_COMMAND_LEN,
            });
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, Some(a)),
            None => (line, None),
        };
        if verb.is_empty() {
            return Err(CommandError::Empty);
        }
        let verb = verb.to_ascii_uppercase();
        let arg = arg.filter(|a| !a.is_empty());
        let need = |name: &'static str| {
            arg.map(str::to_string)
                .ok_or(CommandError::MissingArgument { verb: name })
        };
        let bad = |name: &'static str, a: &str| CommandError::BadArgument {
            verb: name,
            arg: a.to_string(),
        };
        Ok(match verb.as_str() {
            "USER" => Command::User(need("USER")?),
            // An empty password is legal (anonymous clients send one).
            "PASS" => Command::Pass(Password::new(arg.unwrap_or_default())),
            "SYST" => Command::Syst,
            "FEAT" => Command::Feat,
            "PWD" | "XPWD" => Command::Pwd,
            "CWD" | "XCWD" => Command::Cwd(need("CWD")?),
            "CDUP" | "XCUP" => Command::Cwd("..".to_string()),
            "TYPE" => {
                let a = need("TYPE")?;
                match a
                    .split_whitespace()
                    .next()
                    .map(str::to_ascii_uppercase)
                    .as_deref()
                {
                    Some("A") => Command::Type(TransferType::Ascii),
                    Some("I") | Some("L") => Command::Type(TransferType::Binary),
                    _ => return Err(bad("TYPE", &a)),
                }
            }
            "PASV" => Command::Pasv,
            "EPSV" => Command::Epsv(match arg {
                None => EpsvArg::None,
                Some(a) if a.eq_ignore_ascii_case("ALL") => EpsvArg::All,
                Some(a) => EpsvArg::Protocol(a.trim().parse().map_err(|_| bad("EPSV", a))?),
            }),
            "PORT" => {
                let a = need("PORT")?;
                Command::Port(super::passive::parse_port_arg(&a).map_err(|_| bad("PORT", &a))?)
            }
            "EPRT" => {
                let a = need("EPRT")?;
                Command::Eprt(super::passive::parse_eprt_arg(&a).map_err(|e| match e {
                    super::passive::AddressError::UnknownProtocol { proto } => {
                        CommandError::UnsupportedProtocol {
                            verb: "EPRT",
                            proto,
                        }
                    }
                    _ => bad("EPRT", &a),
                })?)
            }
            "LIST" => Command::List(arg.map(str::to_string)),
            "NLST" => Command::Nlst(arg.map(str::to_string)),
            "RETR" => Command::Retr(need("RETR")?),
            "SIZE" => Command::Size(need("SIZE")?),
            "MLSD" => Command::Mlsd(arg.map(str::to_string)),
            "STOR" => Command::Stor(need("STOR")?),
            "DELE" => Command::Dele(need("DELE")?),
            "AUTH" => Command::Auth(need("AUTH")?),
            "PBSZ" => {
                let a = need("PBSZ")?;
                Command::Pbsz(a.trim().parse().map_err(|_| bad("PBSZ", &a))?)
            }
            "PROT" => {
                let a = need("PROT")?;
                let mut chars = a.trim().chars();
                match (chars.next(), chars.next()) {
                    (Some(level), None) if level.is_ascii_alphabetic() => {
                        Command::Prot(level.to_ascii_uppercase())
                    }
                    _ => return Err(bad("PROT", &a)),
                }
            }
            // STAT with a path is a listing over the control connection; only the
            // argument-less status is modelled.
            "STAT" if arg.is_none() => Command::Stat,
            "NOOP" => Command::Noop,
            "QUIT" => Command::Quit,
            _ => Command::Other {
                verb,
                arg: arg.map(str::to_string),
            },
        })
    }

    /// The verb alone, e.g. for a report row or a 502 reply.
    pub fn verb(&self) -> &str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Syst => "SYST",
            Command::Feat => "FEAT",
            Command::Pwd => "PWD",
            Command::Cwd(_) => "CWD",
            Command::Type(_) => "TYPE",
            Command::Pasv => "PASV",
            Command::Epsv(_) => "EPSV",
            Command::Port(_) => "PORT",
            Command::Eprt(_) => "EPRT",
            Command::List(_) => "LIST",
            Command::Nlst(_) => "NLST",
            Command::Retr(_) => "RETR",
            Command::Size(_) => "SIZE",
            Command::Mlsd(_) => "MLSD",
            Command::Stor(_) => "STOR",
            Command::Dele(_) => "DELE",
            Command::Auth(_) => "AUTH",
            Command::Pbsz(_) => "PBSZ",
            Command::Prot(_) => "PROT",
            Command::Stat => "STAT",
            Command::Noop => "NOOP",
            Command::Quit => "QUIT",
            Command::Other { verb, .. } => verb,
        }
    }

    /// The wire text with the password masked: what a transcript or log may show.
    pub fn redacted(&self) -> String {
        match self {
            Command::Pass(_) => "PASS ****".to_string(),
            other => other.to_string(),
        }
    }

    /// The bytes to send: the wire text and CRLF. Refuses an argument that would end
    /// the line early.
    pub fn to_wire(&self) -> Result<Vec<u8>, CommandError> {
        let text = self.to_string();
        if text.contains(['\r', '\n', '\0']) {
            return Err(CommandError::ControlCharacter {
                verb: self.verb().to_string(),
            });
        }
        Ok(format!("{text}\r\n").into_bytes())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = self.verb();
        match self {
            Command::Pass(p) => write!(f, "PASS {}", p.expose()),
            Command::User(a)
            | Command::Cwd(a)
            | Command::Retr(a)
            | Command::Size(a)
            | Command::Stor(a)
            | Command::Dele(a)
            | Command::Auth(a) => write!(f, "{verb} {a}"),
            Command::Pbsz(size) => write!(f, "PBSZ {size}"),
            Command::Prot(level) => write!(f, "PROT {level}"),
            Command::Type(TransferType::Ascii) => write!(f, "TYPE A"),
            Command::Type(TransferType::Binary) => write!(f, "TYPE I"),
            Command::Epsv(EpsvArg::None) => write!(f, "EPSV"),
            Command::Epsv(EpsvArg::Protocol(p)) => write!(f, "EPSV {p}"),
            Command::Epsv(EpsvArg::All) => write!(f, "EPSV ALL"),
            Command::Port(addr) => write!(f, "PORT {}", format_port_arg(*addr)),
            Command::Eprt(addr) => write!(f, "EPRT {}", format_eprt_arg(*addr)),
            Command::List(Some(a)) | Command::Nlst(Some(a)) | Command::Mlsd(Some(a)) => {
                write!(f, "{verb} {a}")
            }
            Command::Other { arg: Some(a), .. } => write!(f, "{verb} {a}"),
            _ => f.write_str(verb),
        }
    }
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
