//! Data-connection addresses on the wire: 227 (PASV) and 229 (EPSV) replies, and the
//! arguments of PORT and EPRT. Parsing is lenient where real servers differ and strict
//! where a value would be wrong: it never guesses an address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use super::reply::Reply;

/// Why a 227, a 229 or a PORT/EPRT argument names no usable address. The texts are
/// kept so that a finding can quote what the server sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// A reply with another code than the one asked for (a 229 in answer to PASV).
    #[error("expected reply {expected}, got {got}")]
    WrongCode {
        /// The code the parser reads.
        expected: u16,
        /// The code that came.
        got: u16,
    },
    /// No six numbers (227) or no delimited port (229) anywhere in the text.
    #[error("no address found in {text:?}")]
    NotFound {
        /// The reply text.
        text: String,
    },
    /// A number over 255 where a byte belongs.
    #[error("number {value} is out of range 0-255")]
    OutOfRange {
        /// The number as sent.
        value: String,
    },
    /// A port over 65535 where a 229 or EPRT carries one port number.
    #[error("port {value} is out of range 1-65535")]
    PortOutOfRange {
        /// The number as sent.
        value: String,
    },
    /// A minus sign before one of the numbers.
    #[error("negative number in {text:?}")]
    Negative {
        /// The reply text.
        text: String,
    },
    /// Port 0: nothing can be dialled there.
    #[error("port 0 is not a usable data port")]
    PortZero,
    /// A 229 or EPRT whose four delimiters are not the same character.
    #[error("delimiters do not match in {text:?}")]
    MismatchedDelimiters {
        /// The text as sent.
        text: String,
    },
    /// EPRT naming a network protocol other than 1 or 2.
    #[error("unknown network protocol {proto:?} (1 = IPv4, 2 = IPv6)")]
    UnknownProtocol {
        /// The protocol as sent.
        proto: String,
    },
    /// EPRT whose address is not of the protocol it names (`|1|::1|...|`).
    #[error("address {addr:?} does not match network protocol {proto}")]
    BadAddress {
        /// The address as sent.
        addr: String,
        /// The protocol it named.
        proto: u8,
    },
}

/// The address and port a 227 reply advertises.
pub fn parse_227(reply: &Reply) -> Result<SocketAddrV4, AddressError> {
    expect_code(reply, 227)?;
    parse_227_text(&reply.text())
}

/// The port a 229 reply advertises (RFC 2428: `(|||port|)`, any delimiter 33-126).
pub fn parse_229(reply: &Reply) -> Result<u16, AddressError> {
    expect_code(reply, 229)?;
    parse_229_text(&reply.text())
}

fn expect_code(reply: &Reply, expected: u16) -> Result<(), AddressError> {
    if reply.code == expected {
        Ok(())
    } else {
        Err(AddressError::WrongCode {
            expected,
            got: reply.code,
        })
    }
}

/// RFC 1123 4.1.2.6: a client should scan the 227 text for the six numbers rather than
/// expect parentheses. We take the first run of six comma-separated numbers.
///
/// ```
/// use ftpdoctor::proto::passive::parse_227_text;
///
/// let addr = parse_227_text("Entering Passive Mode (10,77,0,2,195,82).").unwrap();
/// assert_eq!(addr.to_string(), "10.77.0.2:50002");
/// assert!(parse_227_text("Entering Passive Mode (10,77,0,256,195,82).").is_err());
/// ```
pub fn parse_227_text(text: &str) -> Result<SocketAddrV4, AddressError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit());
        if !starts_number {
            i += 1;
            continue;
        }
        let (numbers, end) = number_run(bytes, i);
        // Seven or more numbers are not an address and a part of them is not one either.
        if numbers.len() != 6 {
            i = end;
            continue;
        }
        // A '-' right before the first number is a minus sign, unless it joins a word
        // (`ready-10,...`): then it is a hyphen.
        let minus_before =
            i > 0 && bytes[i - 1] == b'-' && (i < 2 || !bytes[i - 2].is_ascii_alphanumeric());
        if minus_before || numbers.iter().any(|n| n.starts_with('-')) {
            return Err(AddressError::Negative {
                text: text.to_string(),
            });
        }
        return sockaddr_from_six(&numbers);
    }
    Err(AddressError::NotFound {
        text: text.to_string(),
    })
}

/// The comma-separated numbers starting at `start`, and the index after the last one.
/// Spaces after commas and a `-` before a number are taken in (so a negative number is
/// reported, not skipped).
fn number_run(bytes: &[u8], start: usize) -> (Vec<String>, usize) {
    let mut numbers = Vec::new();
    let mut i = start;
    loop {
        let begin = i;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == digits_start {
            // Not a number after all: the run ended at the comma before.
            return (numbers, begin.max(start + 1));
        }
        numbers.push(String::from_utf8_lossy(&bytes[begin..i]).into_owned());
        let run_end = i;
        if bytes.get(i) != Some(&b',') {
            return (numbers, run_end);
        }
        i += 1;
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        if !bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
        {
            return (numbers, run_end);
        }
    }
}

/// A run of ASCII digits as a number. Leading zeros are decimal padding, not octal;
/// more than nine significant digits is out of any range we use, so it is `None`
/// rather than an overflow.
fn decimal(digits: &str) -> Option<u32> {
    let significant = digits.trim_start_matches('0');
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() || significant.len() > 9 {
        return None;
    }
    Some(significant.parse().unwrap_or(0))
}

fn octet(number: &str) -> Result<u8, AddressError> {
    decimal(number)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| AddressError::OutOfRange {
            value: number.to_string(),
        })
}

fn sockaddr_from_six<S: AsRef<str>>(numbers: &[S]) -> Result<SocketAddrV4, AddressError> {
    let mut values = [0u8; 6];
    for (slot, number) in values.iter_mut().zip(numbers) {
        *slot = octet(number.as_ref())?;
    }
    let ip = Ipv4Addr::new(values[0], values[1], values[2], values[3]);
    let port = u16::from(values[4]) << 8 | u16::from(values[5]);
    if port == 0 {
        return Err(AddressError::PortZero);
    }
    Ok(SocketAddrV4::new(ip, port))
}

/// The port in a 229 text. Parentheses are optional (lftp tolerates their absence).
///
/// ```
/// use ftpdoctor::proto::passive::parse_229_text;
///
/// assert_eq!(parse_229_text("Entering Extended Passive Mode (|||50010|)."), Ok(50010));
/// assert_eq!(parse_229_text("Entering Extended Passive Mode (!!!50010!)"), Ok(50010));
/// ```
pub fn parse_229_text(text: &str) -> Result<u16, AddressError> {
    // The RFC form right after '(' first, so stray punctuation in the words cannot win;
    // then anywhere.
    match find_229(text, true) {
        Some(Ok(port)) => Ok(port),
        in_parens => find_229(text, false).or(in_parens).unwrap_or_else(|| {
            Err(AddressError::NotFound {
                text: text.to_string(),
            })
        }),
    }
}

/// The first `d d d port d` (exactly three equal delimiters, digits, the same delimiter)
/// in `text`, only right after a '(' when `after_paren`. `None` when nothing there even
/// starts like one.
fn find_229(text: &str, after_paren: bool) -> Option<Result<u16, AddressError>> {
    let bytes = text.as_bytes();
    let is_delim = |b: u8| (33..=126).contains(&b) && !b.is_ascii_digit();
    let mut saw_candidate = false;
    for i in 0..bytes.len() {
        let d = bytes[i];
        let before = i.checked_sub(1).map(|j| bytes[j]);
        if after_paren && before != Some(b'(') {
            continue;
        }
        // A fourth delimiter before the three means we are not at the start of them,
        // unless that byte is the opening parenthesis and `(` is the delimiter itself.
        if !is_delim(d)
            || (before == Some(d) && !after_paren)
            || bytes.get(i + 1) != Some(&d)
            || bytes.get(i + 2) != Some(&d)
        {
            continue;
        }
        let digits_start = i + 3;
        let mut end = digits_start;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == digits_start {
            continue;
        }
        saw_candidate = true;
        if bytes.get(end) != Some(&d) {
            continue;
        }
        // Both ends sit next to ASCII bytes, so the slice is on char boundaries.
        let port = &text[digits_start..end];
        let result = match decimal(port).and_then(|v| u16::try_from(v).ok()) {
            None => Err(AddressError::PortOutOfRange {
                value: port.to_string(),
            }),
            Some(0) => Err(AddressError::PortZero),
            Some(port) => Ok(port),
        };
        return Some(result);
    }
    saw_candidate.then(|| {
        Err(AddressError::MismatchedDelimiters {
            text: text.to_string(),
        })
    })
}

/// The text of a 227 reply for `addr`, in the common vsftpd/ProFTPD form.
pub fn format_227(addr: SocketAddrV4) -> String {
    format!("Entering Passive Mode ({}).", format_port_arg(addr))
}

/// The text of a 229 reply for `port`.
pub fn format_229(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}

/// `h1,h2,h3,h4,p1,p2`, the argument of PORT and the inside of a 227.
pub fn format_port_arg(addr: SocketAddrV4) -> String {
    let [a, b, c, d] = addr.ip().octets();
    let port = addr.port();
    format!("{a},{b},{c},{d},{},{}", port >> 8, port & 0xff)
}

/// The argument of PORT: exactly six numbers, nothing else.
pub fn parse_port_arg(arg: &str) -> Result<SocketAddrV4, AddressError> {
    let parts: Vec<&str> = arg.trim().split(',').map(str::trim).collect();
    if parts.len() != 6 || parts.iter().any(|p| p.is_empty()) {
        return Err(AddressError::NotFound {
            text: arg.to_string(),
        });
    }
    if parts.iter().any(|p| p.starts_with('-')) {
        return Err(AddressError::Negative {
            text: arg.to_string(),
        });
    }
    if parts.iter().any(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(AddressError::NotFound {
            text: arg.to_string(),
        });
    }
    sockaddr_from_six(&parts)
}

/// `|1|addr|port|` or `|2|addr|port|` (RFC 2428 section 2).
pub fn format_eprt_arg(addr: SocketAddr) -> String {
    let proto = if addr.is_ipv4() { 1 } else { 2 };
    format!("|{proto}|{}|{}|", addr.ip(), addr.port())
}

/// The argument of EPRT, with any delimiter 33-126 used four times.
pub fn parse_eprt_arg(arg: &str) -> Result<SocketAddr, AddressError> {
    let arg = arg.trim();
    let delim = arg
        .chars()
        .next()
        .filter(|c| (33..=126).contains(&(*c as u32)) && !c.is_ascii_digit())
        .ok_or_else(|| AddressError::NotFound {
            text: arg.to_string(),
        })?;
    let fields: Vec<&str> = arg.split(delim).collect();
    // "|1|a|p|" splits into ["", "1", "a", "p", ""].
    if fields.len() != 5 || !fields[0].is_empty() || !fields[4].is_empty() {
        return Err(AddressError::MismatchedDelimiters {
            text: arg.to_string(),
        });
    }
    let (proto, host, port) = (fields[1], fields[2], fields[3]);
    let ip: IpAddr = match proto {
        "1" => host
            .parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| AddressError::BadAddress {
                addr: host.to_string(),
                proto: 1,
            })?,
        "2" => host
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| AddressError::BadAddress {
                addr: host.to_string(),
                proto: 2,
            })?,
        other => {
            return Err(AddressError::UnknownProtocol {
                proto: other.to_string(),
            });
        }
    };
    if port.starts_with('-') {
        return Err(AddressError::Negative {
            text: arg.to_string(),
        });
    }
    let port = decimal(port)
        .and_then(|v| u16::try_from(v).ok())
        .ok_or_else(|| AddressError::PortOutOfRange {
            value: port.to_string(),
        })?;
    if port == 0 {
        return Err(AddressError::PortZero);
    }
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests;
