//! HTTP CONNECT (RFC 9110 9.3.6) as bytes: the request, and the status of the proxy's
//! answer. No I/O: [`wanted`] tells the dialer how many bytes it may read without
//! passing the end of the answer's head, so that the FTP server's first bytes, which
//! may come in the same segment, stay in the stream.

use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::spec::printable;

/// Longest answer head read: a status line and a few headers. squid and tinyproxy put
/// their error pages in the body, which is never read; a proxy that sends more than this
/// before the blank line is not answering CONNECT.
pub const MAX_HEAD: usize = 8 * 1024;
/// The end of an answer's head.
const HEAD_END: &[u8] = b"\r\n\r\n";

/// An answer that is not an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The first line is not `HTTP/1.x NNN ...`.
    #[error("the proxy's answer is not HTTP: {}", printable(.got))]
    NotHttp {
        /// The first line (or what came of it), escaped when shown.
        got: Vec<u8>,
    },
    /// No blank line within [`MAX_HEAD`] bytes.
    #[error("the proxy's answer head is longer than {MAX_HEAD} bytes")]
    TooLong,
}

/// `CONNECT 192.0.2.1:21 HTTP/1.1` with its Host header (RFC 9110 9.3.6: the
/// authority form, brackets for IPv6), and Basic credentials when given (RFC 7617).
pub fn request(target: SocketAddr, credentials: Option<(&str, &str)>) -> String {
    let mut out = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some((user, password)) = credentials {
        let token = STANDARD.encode(format!("{user}:{password}"));
        out.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    out.push_str("\r\n");
    out
}

/// How many more bytes may be read without passing the head's end: 0 once `buf` ends
/// with the blank line, else between 1 and 4 (what the longest partial match of
/// `\r\n\r\n` at its end leaves).
pub fn wanted(buf: &[u8]) -> usize {
    (0..=HEAD_END.len())
        .rev()
        .find(|&n| buf.ends_with(&HEAD_END[..n]))
        .map_or(HEAD_END.len(), |matched| HEAD_END.len() - matched)
}

/// The status of a CONNECT answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The status code.
    pub code: u16,
    /// The status line as sent (printable-escaped), for the report.
    pub line: String,
}

/// The status line of a complete head (or of what came before the proxy closed).
pub fn parse_status(head: &[u8]) -> Result<Status, HttpError> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let not_http = || HttpError::NotHttp { got: line.to_vec() };
    let rest = line.strip_prefix(b"HTTP/1.").ok_or_else(not_http)?;
    let code = match rest {
        [b'0' | b'1', b' ', a, b, c, ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(not_http()),
    };
    Ok(Status {
        code,
        line: printable(line),
    })
}

/// What a status means for the tunnel asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: the tunnel is open.
    Granted,
    /// 407: the proxy wants a login (or refused the one given).
    AuthRequired,
    /// 502, 503, 500: the proxy could not connect to the target (squid answers 503 for
    /// a refused connect, tinyproxy 500 "Unable to connect").
    TargetFailed,
    /// 504: the proxy's own connect timed out.
    TargetTimeout,
    /// Any other: the proxy will not open this tunnel (403: its rules, such as
    /// tinyproxy's ConnectPort or squid's CONNECT ACL).
    Denied,
}

/// What `code` means for a CONNECT.
pub fn verdict(code: u16) -> Verdict {
    match code {
        200..=299 => Verdict::Granted,
        407 => Verdict::AuthRequired,
        500 | 502 | 503 => Verdict::TargetFailed,
        504 => Verdict::TargetTimeout,
        _ => Verdict::Denied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn connect_request_names_the_ip_and_port_in_authority_form() {
        assert_eq!(
            request(addr("192.0.2.1:21"), None),
            "CONNECT 192.0.2.1:21 HTTP/1.1\r\nHost: 192.0.2.1:21\r\n\r\n"
        );
        assert_eq!(
            request(addr("[2001:db8::1]:50000"), None),
            "CONNECT [2001:db8::1]:50000 HTTP/1.1\r\nHost: [2001:db8::1]:50000\r\n\r\n"
        );
    }

    #[test]
    fn connect_request_with_basic_credentials() {
        // RFC 7617's own example.
        let req = request(addr("192.0.2.1:21"), Some(("Aladdin", "open sesame")));
        assert!(req.contains("Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
        assert!(req.ends_with("\r\n\r\n"));
    }

    #[test]
    fn wanted_never_reads_past_the_blank_line() {
        let cases: &[(&[u8], usize)] = &[
            (b"", 4),
            (b"HTTP/1.1 200 OK", 4),
            (b"HTTP/1.1 200 OK\r", 3),
            (b"HTTP/1.1 200 OK\r\n", 2),
            (b"HTTP/1.1 200 OK\r\n\r", 1),
            (b"HTTP/1.1 200 OK\r\n\r\n", 0),
            (b"HTTP/1.1 200 OK\r\nVia: x\r\n", 2),
            (b"\r\r", 3),
        ];
        for (buf, want) in cases {
            assert_eq!(wanted(buf), *want, "{:?}", String::from_utf8_lossy(buf));
        }
    }

    #[test]
    fn status_lines_as_proxies_send_them() {
        let cases: &[(&[u8], u16)] = &[
            (b"HTTP/1.1 200 Connection established\r\n\r\n", 200),
            (
                b"HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n",
                200,
            ),
            (
                b"HTTP/1.0 403 Access violation\r\nServer: tinyproxy/1.11.1\r\n\r\n",
                403,
            ),
            (b"HTTP/1.1 503 Service Unavailable\r\n\r\n", 503),
            (b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", 407),
            (b"HTTP/1.1 200\r\n\r\n", 200),
        ];
        for (head, code) in cases {
            assert_eq!(parse_status(head).map(|s| s.code), Ok(*code));
        }
    }

    #[test]
    fn garbage_instead_of_a_status_is_not_http() {
        for head in [
            &b"220 ProFTPD Server ready.\r\n\r\n"[..],
            b"\x05\x00",
            b"HTTP/2 200\r\n\r\n",
            b"HTTP/1.1 2x0 OK\r\n\r\n",
            b"",
        ] {
            assert!(
                matches!(parse_status(head), Err(HttpError::NotHttp { .. })),
                "{head:?}"
            );
        }
    }

    #[test]
    fn hostile_status_line_is_escaped() {
        let status = parse_status(b"HTTP/1.1 403 \x1b[31mno\x07\r\n\r\n");
        assert_eq!(
            status.map(|s| s.line),
            Ok("HTTP/1.1 403 \\x1b[31mno\\x07".to_string())
        );
        let err = parse_status(b"\x1b]0;pwned\x07\r\n").map(|s| s.code);
        let words = err.map_err(|e| e.to_string());
        assert_eq!(
            words,
            Err("the proxy's answer is not HTTP: \\x1b]0;pwned\\x07".to_string())
        );
    }

    #[test]
    fn status_codes_say_who_failed() {
        assert_eq!(verdict(200), Verdict::Granted);
        assert_eq!(verdict(403), Verdict::Denied);
        assert_eq!(verdict(407), Verdict::AuthRequired);
        assert_eq!(verdict(503), Verdict::TargetFailed);
        assert_eq!(verdict(500), Verdict::TargetFailed);
        assert_eq!(verdict(504), Verdict::TargetTimeout);
        assert_eq!(verdict(405), Verdict::Denied);
    }
}
