//! The proxy the probe went through (`--proxy`), as the report carries it
//! (`control.proxy`), and what the proxy answered when it would not connect.

use std::net::SocketAddr;

use serde::Serialize;

use crate::wire::wire_enum;

wire_enum! {
    /// Which protocol the proxy speaks.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ProxyKind {
        /// SOCKS5 (RFC 1928).
        Socks5 = "socks5",
        /// HTTP CONNECT (RFC 9110 9.3.6).
        Http = "http",
    }
}

wire_enum! {
    /// Whether the proxy can carry an active-mode data connection (SOCKS5 BIND).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum BindSupport {
        /// It granted a BIND.
        Supported = "supported",
        /// It answered BIND "command not supported", or it is an HTTP proxy (no inbound
        /// connections at all).
        Unsupported = "unsupported",
        /// No active mode asked (not selected, or the probe ended first).
        Untested = "untested",
    }
}

wire_enum! {
    /// What a proxy's refusal means.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ProxyVerdict {
        /// Its rules forbid the destination or port (SOCKS5 2, HTTP 403).
        Denied = "denied",
        /// It wants a login, or refused ours.
        Login = "login",
        /// It tried and the target refused, timed out or was unreachable.
        TargetFailed = "target-failed",
        /// It does not do what was asked (BIND).
        Unsupported = "unsupported",
        /// It could not be reached, went silent, closed mid-way or answered garbage.
        Broken = "broken",
    }
}

/// What the proxy said when a connection through it was not made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyAnswer {
    /// What it means.
    pub verdict: ProxyVerdict,
    /// In words, the proxy's own text escaped: `the proxy answered HTTP/1.0 403 Access
    /// violation`.
    pub answer: String,
}

/// The proxy of `--proxy`, in `control.proxy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyRecord {
    /// `socks5://host:port` or `http://host:port`, never with a login.
    pub url: String,
    /// Its protocol.
    pub kind: ProxyKind,
    /// Whether it carries active mode.
    pub bind: BindSupport,
    /// The address the proxy's host resolved to, once it did.
    #[serde(skip)]
    pub addr: Option<SocketAddr>,
    /// Why the first control connection failed at the proxy, when it did.
    #[serde(skip)]
    pub failure: Option<ProxyAnswer>,
    /// BIND's answer when it refused (the proxy's words).
    #[serde(skip)]
    pub bind_answer: Option<String>,
}
