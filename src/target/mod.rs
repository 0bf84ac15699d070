//! Probe targets: `ftp://[user[:pass]@]host[:port][/path]`, `ftps://…` or a bare
//! `host[:port]`, parsed without I/O; and credentials from a netrc file.
//!
//! A password never reaches `Display` or `Debug`: the target keeps a redacted copy of its
//! input for reports, and errors say what was wrong without quoting any part of the input
//! that could be (part of) a password.

mod netrc;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use netrc::{MAX_NETRC_BYTES, Netrc, NetrcError};

use crate::proto::Password;
use crate::wire::wire_enum;

/// What `display_input` shows in place of a password.
const PASSWORD_MASK: &str = "***";

/// Host names longer than this cannot be resolved (RFC 1035), so they are refused here
/// rather than after a resolver round trip.
const MAX_HOST_NAME_LEN: usize = 253;

wire_enum! {
    /// The URL scheme.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Scheme {
        Ftp = "ftp",
        /// Implicit TLS: the TLS handshake comes first, before any FTP reply (as curl's
        /// `ftps://`); explicit `AUTH TLS` on port 21 is `Ftp`.
        Ftps = "ftps",
    }
}

impl Scheme {
    /// 21 or 990.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Ftp => 21,
            Scheme::Ftps => 990,
        }
    }
}

/// The host part of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An address literal (IPv6 given in brackets): no DNS needed.
    Ip(IpAddr),
    /// A DNS name, as given (case preserved; DNS ignores case).
    Name(String),
}

/// The parts of a target that are percent-decoded and checked, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Before `:` or `@` in the authority.
    User,
    /// Between `:` and `@`.
    Password,
    /// The host name or address.
    Host,
    /// Everything after the authority.
    Path,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::User => "user name",
            Part::Password => "password",
            Part::Host => "host",
            Part::Path => "path",
        })
    }
}

/// Why a target was refused. No variant carries text that could hold a password: the
/// strings kept are the scheme, the host and an all-digit port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// A scheme other than `ftp://` and `ftps://`.
    #[error("unsupported scheme {scheme:?}: ftpdoctor probes ftp:// and ftps:// targets")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
    /// Nothing where the host belongs.
    #[error("no host given")]
    EmptyHost,
    /// `ftp://:pass@host/` or `ftp://@host/`.
    #[error("empty user name before ':' or '@'")]
    EmptyUser,
    /// A port of digits outside 1–65535.
    #[error("port {port:?} is not a number from 1 to 65535")]
    BadPort {
        /// The port given (digits only, so never part of a password).
        port: String,
    },
    // The text is not echoed: a '/' in a password ends the authority early, and what
    // follows the password's ':' is then taken for the port.
    #[error(
        "the port after ':' is not a decimal number (a '/' in a user name or password \
         must be written %2F)"
    )]
    /// Something other than digits after the host's `:`.
    PortNotNumber,
    /// A host that cannot be a DNS name (too long, an empty label, ...).
    #[error("host {host:?} {reason}")]
    BadHost {
        /// The host given.
        host: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Brackets around something that is not an IPv6 address.
    #[error(
        "{literal:?} is not a valid bracketed IPv6 address (expected e.g. [2001:db8::1]:21; \
         zone IDs are not supported)"
    )]
    BadIpv6Literal {
        /// The text in brackets.
        literal: String,
    },
    /// An IPv6 address without brackets: its `:`s cannot be told from the port's.
    #[error(
        "{host_port:?} has several ':'; an IPv6 address needs brackets, e.g. [2001:db8::1]:2121"
    )]
    UnbracketedIpv6 {
        /// The host and port given.
        host_port: String,
    },
    /// A `%` not followed by two hex digits.
    #[error("malformed percent-encoding in the {part} (expected '%' and two hex digits)")]
    BadPercentEncoding {
        /// Where.
        part: Part,
    },
    /// Percent-decoded bytes that are not UTF-8.
    #[error("the {part} is not UTF-8 once percent-decoded")]
    NotUtf8 {
        /// Where.
        part: Part,
    },
    /// A control character, which could end an FTP command early and start another.
    #[error("control character in the {part} (a CR or LF there would inject FTP commands)")]
    ControlCharacter {
        /// Where.
        part: Part,
    },
    /// `?` or `#`, which FTP URLs do not have.
    #[error(
        "{found:?} starts a URL query or fragment, which FTP URLs do not have; if it is part \
         of a name, password or path, write '?' as %3F and '#' as %23"
    )]
    QueryOrFragment {
        /// The character found.
        found: char,
    },
}

/// One thing to probe.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ftp` or `ftps`.
    pub scheme: Scheme,
    /// The host as given.
    pub host: Host,
    /// The port given, or the scheme's default.
    pub port: u16,
    /// Percent-decoded; `None` means the caller's default (anonymous, `--user`, netrc).
    pub user: Option<String>,
    /// Percent-decoded; only what the URL itself carried.
    pub password: Option<Password>,
    /// Percent-decoded, `""` when absent. A leading '/' is kept: `ftp://h/pub/` gives
    /// `/pub/`, and what it means relative to the login directory is the probe's call.
    pub path: String,
    redacted_input: String,
}

impl Target {
    /// Parses `ftp://[user[:pass]@]host[:port][/path]`, `ftps://…`, `host[:port][/path]`
    /// (taken as `ftp://`), or a bare IPv6 address without port (`::1`).
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let (scheme, rest) = split_scheme(input)?;
        if let Some(found) = rest.chars().find(|&c| c == '?' || c == '#') {
            return Err(TargetError::QueryOrFragment { found });
        }
        // Without brackets "::1" cannot be split into host and port; it is accepted only
        // when the whole text is one address, and only where there is no URL syntax to honour.
        if scheme.is_none()
            && let Ok(ip) = rest.parse::<Ipv6Addr>()
        {
            return Ok(Target {
                scheme: Scheme::Ftp,
                host: Host::Ip(IpAddr::V6(ip)),
                port: Scheme::Ftp.default_port(),
                user: None,
                password: None,
                path: String::new(),
                redacted_input: input.to_string(),
            });
        }
        let scheme = scheme.unwrap_or(Scheme::Ftp);

        let (authority, raw_path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        // The last '@' splits, so that a raw '@' in a password still works (as in curl).
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let (host, port) = parse_host_port(host_port, scheme)?;

        let mut user = None;
        let mut password = None;
        let mut redacted_input = input.to_string();
        if let Some(userinfo) = userinfo {
            let (raw_user, raw_password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if raw_user.is_empty() {
                return Err(TargetError::EmptyUser);
            }
            user = Some(decode(raw_user, Part::User)?);
            if let Some(raw_password) = raw_password {
                password = Some(Password::new(decode(raw_password, Part::Password)?));
                // `rest`, `authority` and `userinfo` are prefixes/suffixes of `input`, so
                // offsets carry over.
                let start = (input.len() - rest.len()) + raw_user.len() + 1;
                let end = start + raw_password.len();
                redacted_input.replace_range(start..end, PASSWORD_MASK);
            }
        }

        Ok(Target {
            scheme,
            host,
            port,
            user,
            password,
            path: decode(raw_path, Part::Path)?,
            redacted_input,
        })
    }

    /// The input as given, with the password (if the URL had one) replaced by `***`:
    /// what a report may show.
    pub fn display_input(&self) -> String {
        self.redacted_input.clone()
    }

    /// The host without brackets (`127.0.0.1`, `::1`, `example.com`), as `(host, port)`
    /// resolvers expect it.
    pub fn host_string(&self) -> String {
        match &self.host {
            Host::Ip(ip) => ip.to_string(),
            Host::Name(name) => name.clone(),
        }
    }

    /// Whether the path names a file: non-empty and not ending in '/'.
    ///
    /// This is a guess from the spelling only: `ftp://h/pub` may well be a directory. The
    /// probe fetches such a path with RETR, and a 550 then says it was not a file.
    pub fn path_is_file(&self) -> bool {
        !self.path.is_empty() && !self.path.ends_with('/')
    }
}

/// The scheme, if the input has one, and the text after `scheme://`.
fn split_scheme(input: &str) -> Result<(Option<Scheme>, &str), TargetError> {
    match input.split_once("://") {
        Some((name, rest)) if is_scheme_name(name) => {
            let scheme = if name.eq_ignore_ascii_case("ftp") {
                Scheme::Ftp
            } else if name.eq_ignore_ascii_case("ftps") {
                Scheme::Ftps
            } else {
                return Err(TargetError::UnsupportedScheme {
                    scheme: name.to_string(),
                });
            };
            Ok((Some(scheme), rest))
        }
        // Text before "://" that is no scheme name (it has ':', '@', …) may be credentials:
        // it is parsed as a bare target, whose errors do not quote it.
        _ => Ok((None, input)),
    }
}

/// RFC 3986: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn parse_host_port(text: &str, scheme: Scheme) -> Result<(Host, u16), TargetError> {
    if let Some(bracketed) = text.strip_prefix('[') {
        let bad = || TargetError::BadIpv6Literal {
            literal: text.to_string(),
        };
        let (literal, after) = bracketed.split_once(']').ok_or_else(bad)?;
        let ip = literal.parse::<Ipv6Addr>().map_err(|_| bad())?;
        let port = match after {
            "" => scheme.default_port(),
            _ => parse_port(after.strip_prefix(':').ok_or_else(bad)?)?,
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), port));
    }
    let (host, port) = match text.split_once(':') {
        Some((_, port)) if port.contains(':') => {
            return Err(TargetError::UnbracketedIpv6 {
                host_port: text.to_string(),
            });
        }
        Some((host, port)) => (host, parse_port(port)?),
        None => (text, scheme.default_port()),
    };
    Ok((parse_host(host)?, port))
}

fn parse_port(text: &str) -> Result<u16, TargetError> {
    // Checked before `parse`, which would accept "+21".
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TargetError::PortNotNumber);
    }
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(TargetError::BadPort {
            port: text.to_string(),
        }),
    }
}

fn parse_host(text: &str) -> Result<Host, TargetError> {
    let bad = |reason| TargetError::BadHost {
        host: text.to_string(),
        reason,
    };
    if text.is_empty() {
        return Err(TargetError::EmptyHost);
    }
    if text.chars().any(char::is_control) {
        return Err(TargetError::ControlCharacter { part: Part::Host });
    }
    if let Ok(ip) = text.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    // The resolver would read "10.1" as 10.0.0.1 (inet_aton); nobody means that.
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad("is not a valid IPv4 address"));
    }
    if text.len() > MAX_HOST_NAME_LEN {
        return Err(bad("is longer than 253 characters"));
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(bad(
            "may contain only ASCII letters, digits, '-', '.' and '_' \
             (percent-encoded and non-ASCII names are not supported)",
        ));
    }
    Ok(Host::Name(text.to_string()))
}

/// Percent-decodes one part and refuses control characters in the result: CR and LF
/// would end the FTP command the part is sent in and start another, NUL truncates it in
/// C servers, and the rest never belong in a name someone means.
fn decode(raw: &str, part: Part) -> Result<String, TargetError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = |i: usize| tail.get(i).and_then(|&d| char::from(d).to_digit(16));
            let (Some(hi), Some(lo)) = (hex(0), hex(1)) else {
                return Err(TargetError::BadPercentEncoding { part });
            };
            // Two hex digits are at most 0xff.
            bytes.push((hi * 16 + lo) as u8);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    let text = String::from_utf8(bytes).map_err(|_| TargetError::NotUtf8 { part })?;
    if text.chars().any(char::is_control) {
        return Err(TargetError::ControlCharacter { part });
    }
    Ok(text)
}

#[cfg(test)]
mod tests;
