//! The proxy as asked (`--proxy socks5://HOST:PORT`, a module's `proxy`): its kind,
//! address and login, parsed with no I/O; and how a proxy's bytes are quoted.

use crate::proto::Password;

/// Longest stretch of a proxy's text kept for the report: a status line or a reply
/// quoted as evidence, not a page of HTML.
pub const MAX_QUOTED: usize = 200;

/// The port RFC 1928 assigns SOCKS, used when a socks5:// URL names none.
pub const SOCKS_PORT: u16 = 1080;

/// A proxy's bytes as printable ASCII: `\xNN` for anything else (escape sequences,
/// NULs, UTF-8), a backslash doubled, at most [`MAX_QUOTED`] bytes (then `...`).
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(MAX_QUOTED) {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > MAX_QUOTED {
        out.push_str("...");
    }
    out
}

/// Which protocol the proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5 (RFC 1928): CONNECT, and BIND for active mode when the proxy has it.
    Socks5,
    /// HTTP CONNECT (RFC 9110 9.3.6): outgoing tunnels only.
    Http,
}

impl ProxyKind {
    /// The URL scheme.
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Http => "http",
        }
    }
}

/// A proxy to reach the server through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySpec {
    /// What it speaks.
    pub kind: ProxyKind,
    /// Its host: a name or an IP literal (without brackets).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The login (--proxy-user, --proxy-password-env), when it needs one.
    pub login: Option<(String, Password)>,
}

/// Why a proxy URL cannot be used. Never quotes a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// `user:password@` in the URL: it would show in the process list and the shell's
    /// history.
    #[error(
        "the proxy URL carries a password, which would show in the process list and shell \
         history: give the user with --proxy-user NAME and the password in an environment \
         variable named by --proxy-password-env VAR"
    )]
    PasswordInUrl,
    /// Not `socks5://` or `http://`.
    #[error("proxy URL {url:?}: {why}")]
    Scheme {
        /// The URL as given (it has no password: that is checked first).
        url: String,
        /// What is wrong with the scheme, and what to use.
        why: String,
    },
    /// No host, a bad port, a path.
    #[error("proxy URL {url:?}: {why}")]
    Malformed {
        /// The URL as given (it has no password).
        url: String,
        /// What is wrong.
        why: &'static str,
    },
}

impl ProxySpec {
    /// `socks5://HOST[:PORT]` (port 1080 by default) or `http://HOST:PORT`; a user name
    /// alone (`socks5://alice@host:1080`) is allowed, a password never.
    pub fn parse(url: &str) -> Result<ProxySpec, ProxyUrlError> {
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((user, hostport)) => (Some(user), hostport),
            None => (None, authority),
        };
        if userinfo.is_some_and(|u| u.contains(':')) {
            return Err(ProxyUrlError::PasswordInUrl);
        }
        let malformed = |why| ProxyUrlError::Malformed {
            url: url.to_string(),
            why,
        };
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "socks5" => ProxyKind::Socks5,
            "http" => ProxyKind::Http,
            other => {
                let why = match other {
                    "" => "say which kind: socks5://HOST:PORT or http://HOST:PORT".to_string(),
                    "socks5h" => "ftpdoctor resolves the server's name itself (honouring \
                                  --dns-server) and asks the proxy for its address: use \
                                  socks5://"
                        .to_string(),
                    "https" => "TLS to the proxy itself is not supported: use http:// (the \
                                tunnel carries FTPS as it is)"
                        .to_string(),
                    other => format!("unsupported scheme {other:?}: use socks5:// or http://"),
                };
                return Err(ProxyUrlError::Scheme {
                    url: url.to_string(),
                    why,
                });
            }
        };
        if hostport.contains('/') {
            return Err(malformed("a proxy URL has no path"));
        }
        let (host, port) = split_host_port(hostport).ok_or_else(|| malformed("bad port"))?;
        if host.is_empty() {
            return Err(malformed("no host"));
        }
        let port = match (port, kind) {
            (Some(port), _) => port,
            (None, ProxyKind::Socks5) => SOCKS_PORT,
            (None, ProxyKind::Http) => {
                return Err(malformed("an HTTP proxy has no standard port: give one"));
            }
        };
        Ok(ProxySpec {
            kind,
            host: host.to_string(),
            port,
            login: userinfo
                .filter(|u| !u.is_empty())
                .map(|u| (u.to_string(), Password::new(""))),
        })
    }

    /// The URL without any login, as the report shows it: `socks5://127.0.0.1:1080`.
    pub fn url(&self) -> String {
        match self.host.contains(':') {
            true => format!("{}://[{}]:{}", self.kind.scheme(), self.host, self.port),
            false => format!("{}://{}:{}", self.kind.scheme(), self.host, self.port),
        }
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; `None` for a port that is no number (or 0).
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match s.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        }
        None => match s.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        },
    };
    match port {
        None => Some((host, None)),
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => None,
            Ok(port) => Some((host, Some(port))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_as_given() {
        let spec = ProxySpec::parse("socks5://127.0.0.1:1080").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.kind, ProxyKind::Socks5);
        assert_eq!((spec.host.as_str(), spec.port), ("127.0.0.1", 1080));
        let spec = ProxySpec::parse("socks5://proxy.example").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.port, SOCKS_PORT);
        let spec = ProxySpec::parse("http://[::1]:3128/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((spec.kind, spec.host.as_str()), (ProxyKind::Http, "::1"));
        assert_eq!(spec.url(), "http://[::1]:3128");
        let spec = ProxySpec::parse("HTTP://alice@h:8080").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.login.map(|l| l.0), Some("alice".to_string()));
    }

    #[test]
    fn proxy_url_with_password_is_refused_without_quoting_it() {
        for url in ["socks5://alice:s3cret@h:1080", "http://:s3cret@h:3128"] {
            let err = ProxySpec::parse(url).map(|_| ()).unwrap_err();
            assert_eq!(err, ProxyUrlError::PasswordInUrl);
            assert!(!err.to_string().contains("s3cret"));
        }
    }

    #[test]
    fn proxy_url_mistakes_say_what_to_write() {
        for (url, says) in [
            ("127.0.0.1:1080", "socks5://HOST:PORT"),
            ("socks5h://h:1080", "resolves the server's name itself"),
            ("https://h:3128", "not supported"),
            ("socks4://h:1080", "unsupported scheme"),
            ("http://h", "no standard port"),
            ("http://h:99999", "bad port"),
            ("http://h:0", "bad port"),
            ("socks5://:1080", "no host"),
            ("http://h:3128/path", "no path"),
        ] {
            let err = ProxySpec::parse(url).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
        }
    }

    #[test]
    fn printable_escapes_and_caps() {
        assert_eq!(printable(b"ok \x1b[2J\\"), "ok \\x1b[2J\\\\");
        let long = vec![b'a'; MAX_QUOTED + 10];
        assert_eq!(printable(&long).len(), MAX_QUOTED + 3);
    }
}
