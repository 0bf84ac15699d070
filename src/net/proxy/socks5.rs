//! SOCKS5 (RFC 1928) and its username/password sub-negotiation (RFC 1929) as bytes: what
//! the client sends, and what each of the proxy's answers means. No I/O: the dialer
//! (`super`) reads exactly as many bytes as [`reply_len`] asks for, so nothing past a
//! reply is ever taken from the stream (the FTP server's 220, or the data, may follow
//! at once in the same segment).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::spec::printable;

/// The protocol version, first byte of every SOCKS5 message (RFC 1928 3).
pub const VERSION: u8 = 5;
/// The username/password sub-negotiation's own version byte (RFC 1929 2).
const AUTH_VERSION: u8 = 1;
/// Authentication methods (RFC 1928 3).
const METHOD_NONE: u8 = 0x00;
const METHOD_USER_PASSWORD: u8 = 0x02;
const METHOD_NO_ACCEPTABLE: u8 = 0xff;
/// Address types (RFC 1928 5).
const ATYP_IPV4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_IPV6: u8 = 4;
/// The fixed head of a reply: VER REP RSV ATYP (RFC 1928 6).
pub const REPLY_HEAD: usize = 4;
/// RFC 1929 gives the user name and the password one length byte each.
pub const MAX_AUTH_FIELD: usize = 255;
/// The longest reply there is: the head, a domain name of 255 bytes with its length
/// byte, and the port. [`reply_len`] never asks for more.
pub const MAX_REPLY: usize = REPLY_HEAD + 1 + 255 + 2;

/// What the client asks the proxy to do (RFC 1928 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Open a TCP connection to the address.
    Connect = 1,
    /// Listen for one connection from the address (active-mode FTP, RFC 1928 4).
    Bind = 2,
}

/// The authentication method the proxy chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// No authentication.
    None,
    /// Username and password (RFC 1929).
    UserPassword,
}

/// Bytes that are not the SOCKS5 the client expected, or credentials that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Socks5Error {
    /// The first byte is not 5: not a SOCKS5 proxy (an HTTP proxy answers `H`).
    #[error("the proxy answered {}: not SOCKS5 (an HTTP proxy, or another service, on that port?)", printable(.got))]
    NotSocks5 {
        /// The bytes it answered with.
        got: Vec<u8>,
    },
    /// The proxy wants authentication and none we offered suits it (0xFF).
    #[error("the proxy accepts none of the offered authentication methods ({offered})")]
    NoAcceptableMethod {
        /// What was offered, in words.
        offered: &'static str,
    },
    /// The proxy chose a method that was not offered.
    #[error("the proxy chose authentication method {got:#04x}, which was not offered")]
    MethodNotOffered {
        /// The method byte.
        got: u8,
    },
    /// The sub-negotiation's answer is not RFC 1929's.
    #[error("the proxy's answer to the user name and password is not RFC 1929's: {}", printable(.got))]
    BadAuthReply {
        /// The bytes it answered with.
        got: Vec<u8>,
    },
    /// The reply names an address type RFC 1928 does not have.
    #[error("the proxy's reply has address type {got:#04x}, which RFC 1928 does not define")]
    BadAddressType {
        /// The ATYP byte.
        got: u8,
    },
    /// A user name or password longer than RFC 1929's 255 bytes.
    #[error("the proxy {which} is longer than SOCKS5's 255 bytes")]
    CredentialTooLong {
        /// `user name` or `password`.
        which: &'static str,
    },
}

/// The greeting: version and the methods offered (username/password only with
/// credentials, so that a proxy that needs them says so with 0xFF).
pub fn greeting(with_credentials: bool) -> Vec<u8> {
    match with_credentials {
        true => vec![VERSION, 2, METHOD_NONE, METHOD_USER_PASSWORD],
        false => vec![VERSION, 1, METHOD_NONE],
    }
}

/// The proxy's choice of method (two bytes).
pub fn parse_method(bytes: [u8; 2], with_credentials: bool) -> Result<Method, Socks5Error> {
    if bytes[0] != VERSION {
        return Err(Socks5Error::NotSocks5 {
            got: bytes.to_vec(),
        });
    }
    match bytes[1] {
        METHOD_NONE => Ok(Method::None),
        METHOD_USER_PASSWORD if with_credentials => Ok(Method::UserPassword),
        METHOD_NO_ACCEPTABLE => Err(Socks5Error::NoAcceptableMethod {
            offered: match with_credentials {
                true => "none, or user name and password",
                false => "none; give --proxy-user and --proxy-password-env if it needs a login",
            },
        }),
        got => Err(Socks5Error::MethodNotOffered { got }),
    }
}

/// RFC 1929's request: version, user name, password, each with a length byte.
pub fn auth_request(user: &str, password: &str) -> Result<Vec<u8>, Socks5Error> {
    let field = |s: &str, which| match u8::try_from(s.len()) {
        Ok(len) => Ok(len),
        Err(_) => Err(Socks5Error::CredentialTooLong { which }),
    };
    let ulen = field(user, "user name")?;
    let plen = field(password, "password")?;
    let mut out = vec![AUTH_VERSION, ulen];
    out.extend_from_slice(user.as_bytes());
    out.push(plen);
    out.extend_from_slice(password.as_bytes());
    Ok(out)
}

/// RFC 1929's answer: `true` when the login was accepted (status 0).
pub fn parse_auth_reply(bytes: [u8; 2]) -> Result<bool, Socks5Error> {
    // Some servers answer with 5 instead of 1 here (a common mistake): accepted as well.
    if bytes[0] != AUTH_VERSION && bytes[0] != VERSION {
        return Err(Socks5Error::BadAuthReply {
            got: bytes.to_vec(),
        });
    }
    Ok(bytes[1] == 0)
}

/// A CONNECT or BIND request for an IP address (the probe resolves names itself).
pub fn request(command: Command, addr: SocketAddr) -> Vec<u8> {
    let mut out = vec![VERSION, command as u8, 0];
    match addr.ip() {
        IpAddr::V4(ip) => {
            out.push(ATYP_IPV4);
            out.extend_from_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            out.push(ATYP_IPV6);
            out.extend_from_slice(&ip.octets());
        }
    }
    out.extend_from_slice(&addr.port().to_be_bytes());
    out
}

/// How many bytes the reply in `buf` has in all, as far as `buf` tells: the head first
/// (with the domain's length byte when ATYP says a name follows), then the whole reply.
/// Read up to this many and ask again; done when it equals `buf.len()`.
pub fn reply_len(buf: &[u8]) -> Result<usize, Socks5Error> {
    if let Some(&version) = buf.first()
        && version != VERSION
    {
        return Err(Socks5Error::NotSocks5 { got: buf.to_vec() });
    }
    let Some(&atyp) = buf.get(3) else {
        return Ok(REPLY_HEAD);
    };
    Ok(match atyp {
        ATYP_IPV4 => REPLY_HEAD + 4 + 2,
        ATYP_IPV6 => REPLY_HEAD + 16 + 2,
        ATYP_DOMAIN => match buf.get(REPLY_HEAD) {
            Some(&len) => REPLY_HEAD + 1 + usize::from(len) + 2,
            None => REPLY_HEAD + 1,
        },
        got => return Err(Socks5Error::BadAddressType { got }),
    })
}

/// The address in a reply: what the proxy bound (BIND's first reply, CONNECT's), or who
/// connected (BIND's second reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// An IP address and port.
    Ip(SocketAddr),
    /// A name and port (printable-escaped): allowed by RFC 1928, useless in a PORT command.
    Name(String, u16),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Ip(addr) => addr.fmt(f),
            Bound::Name(name, port) => write!(f, "{name}:{port}"),
        }
    }
}

/// A whole reply: its code and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// REP: 0 is success (RFC 1928 6).
    pub code: u8,
    /// BND.ADDR and BND.PORT.
    pub bound: Bound,
}

/// A complete reply (`buf.len() == reply_len(buf)`).
pub fn parse_reply(buf: &[u8]) -> Result<Reply, Socks5Error> {
    let len = reply_len(buf)?;
    let Some(body) = buf.get(REPLY_HEAD..len) else {
        return Err(Socks5Error::NotSocks5 { got: buf.to_vec() });
    };
    let (addr, port) = body.split_at(body.len() - 2);
    let port = u16::from_be_bytes([port[0], port[1]]);
    let bound = match (buf[3], addr.len()) {
        (ATYP_IPV4, 4) => Bound::Ip(SocketAddr::new(
            Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).into(),
            port,
        )),
        (ATYP_IPV6, 16) => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(addr);
            Bound::Ip(SocketAddr::new(Ipv6Addr::from(octets).into(), port))
        }
        _ => Bound::Name(printable(addr.get(1..).unwrap_or_default()), port),
    };
    Ok(Reply {
        code: buf[1],
        bound,
    })
}

/// What a reply code means for the connection asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 0: done.
    Granted,
    /// 2: the proxy's rules forbid it.
    Denied,
    /// 5: the target refused the connection.
    TargetRefused,
    /// 6: the target did not answer in time (TTL expired is what proxies send for a
    /// connect that timed out).
    TargetTimeout,
    /// 1, 3, 4: the proxy could not reach the target.
    TargetUnreachable,
    /// 7: the proxy does not do this command (BIND, on most small proxies).
    Unsupported,
    /// 8, or a code RFC 1928 does not define.
    Other,
}

/// The verdict and RFC 1928's words for a reply code.
pub fn meaning(code: u8) -> (Verdict, &'static str) {
    match code {
        0 => (Verdict::Granted, "succeeded"),
        1 => (Verdict::TargetUnreachable, "general SOCKS server failure"),
        2 => (Verdict::Denied, "connection not allowed by ruleset"),
        3 => (Verdict::TargetUnreachable, "network unreachable"),
        4 => (Verdict::TargetUnreachable, "host unreachable"),
        5 => (Verdict::TargetRefused, "connection refused"),
        6 => (Verdict::TargetTimeout, "TTL expired"),
        7 => (Verdict::Unsupported, "command not supported"),
        8 => (Verdict::Other, "address type not supported"),
        _ => (Verdict::Other, "a reply code RFC 1928 does not define"),
    }
}

#[cfg(test)]
mod tests;
