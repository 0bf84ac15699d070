//! A finding: what is wrong (or worth knowing), the evidence, and the setting that fixes it.

use std::fmt;

use serde::Serialize;

use crate::probe::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable finding ids: the catalogue in docs/findings.md, which a test keeps in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    DnsFailure,
    ControlUnreachable,
    BannerTimeout,
    LoginFailed,
    PasvPrivateAddress,
    PasvAddressMismatch,
    PasvUnparseable,
    SubstituteAddressWorks,
    DataConnectTimeout,
    DataConnectRefused,
    EpsvUnsupported,
    PortRejected,
    ActiveConnectTimeout,
    ActiveUnexpectedSource,
    ClientBehindNat,
    TransferFailed,
    TransferTimeout,
    /// The control connection broke outside a transfer: closed, timed out, or an
    /// unexpected or unframable reply (banner 421, PASV never answered, ...).
    ControlFailed,
    /// PASV answered 4xx/5xx (EPSV has its own warning: epsv-unsupported).
    PasvRejected,
    /// The server refused extra control connections; modes ran on one connection.
    ConnectionLimit,
    /// --deadline struck before the probe finished.
    DeadlineExceeded,
    TlsUnavailable,
    TlsHandshakeFailed,
    AlgRewrite,
    /// The server certificate expires within 14 days, or has expired.
    TlsCertificateExpiring,
    /// --insecure: the certificate was not checked.
    TlsUnverified,
    /// PROT P refused: the data connections are not encrypted.
    TlsDataClear,
    /// The resolver answered SERVFAIL or REFUSED: the name's DNS is broken, not absent.
    DnsServfail,
    /// No DNS answer within --timeout.
    DnsTimeout,
    /// --sample-ports: part of the passive port range cannot be reached.
    PassivePortsFiltered,
    /// The control connection runs over an IPv4-mapped or NAT64 address: IPv4 underneath.
    Ipv6TranslatedPath,
    // Found against real servers behind a real NAT router.
    /// The greeting came, but late: a reverse-DNS lookup of the client, usually.
    BannerSlow,
    /// PORT/EPRT answered "not implemented": the server has no active mode.
    ActiveUnsupported,
    /// The probe stopped reading a transfer at its byte cap.
    TransferCapped,
    /// The resolver's port answered ICMP unreachable (refused) at once.
    DnsRefused,
    /// After 234 the server read our TLS ClientHello as a command and answered in plaintext.
    TlsStarttlsRace,
    /// The server waits for the data connection's TLS handshake before its 1yz, while the
    /// client waits for the 1yz before handshaking.
    DataTlsDeadlock,
    /// The server's greeting names its own address, a local-scope one the client does not
    /// reach it at: the server sits behind a NAT.
    ServerBehindNat,
}

impl FindingId {
    /// Every id, in catalogue order (a test checks the list against the exhaustive
    /// match of the catalogue).
    pub const ALL: [FindingId; 38] = [
        FindingId::DnsFailure,
        FindingId::ControlUnreachable,
        FindingId::BannerTimeout,
        FindingId::LoginFailed,
        FindingId::PasvPrivateAddress,
        FindingId::PasvAddressMismatch,
        FindingId::PasvUnparseable,
        FindingId::SubstituteAddressWorks,
        FindingId::DataConnectTimeout,
        FindingId::DataConnectRefused,
        FindingId::EpsvUnsupported,
        FindingId::PortRejected,
        FindingId::ActiveConnectTimeout,
        FindingId::ActiveUnexpectedSource,
        FindingId::ClientBehindNat,
        FindingId::TransferFailed,
        FindingId::TransferTimeout,
        FindingId::ControlFailed,
        FindingId::PasvRejected,
        FindingId::ConnectionLimit,
        FindingId::DeadlineExceeded,
        FindingId::TlsUnavailable,
        FindingId::TlsHandshakeFailed,
        FindingId::AlgRewrite,
        FindingId::TlsCertificateExpiring,
        FindingId::TlsUnverified,
        FindingId::TlsDataClear,
        FindingId::DnsServfail,
        FindingId::DnsTimeout,
        FindingId::PassivePortsFiltered,
        FindingId::Ipv6TranslatedPath,
        FindingId::BannerSlow,
        FindingId::ActiveUnsupported,
        FindingId::TransferCapped,
        FindingId::DnsRefused,
        FindingId::TlsStarttlsRace,
        FindingId::DataTlsDeadlock,
        FindingId::ServerBehindNat,
    ];

    /// The id named `name`, as `as_str` spells it.
    pub fn from_name(name: &str) -> Option<FindingId> {
        FindingId::ALL.into_iter().find(|id| id.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FindingId::DnsFailure => "dns-failure",
            FindingId::ControlUnreachable => "control-unreachable",
            FindingId::BannerTimeout => "banner-timeout",
            FindingId::LoginFailed => "login-failed",
            FindingId::PasvPrivateAddress => "pasv-private-address",
            FindingId::PasvAddressMismatch => "pasv-address-mismatch",
            FindingId::PasvUnparseable => "pasv-unparseable",
            FindingId::SubstituteAddressWorks => "substitute-address-works",
            FindingId::DataConnectTimeout => "data-connect-timeout",
            FindingId::DataConnectRefused => "data-connect-refused",
            FindingId::EpsvUnsupported => "epsv-unsupported",
            FindingId::PortRejected => "port-rejected",
            FindingId::ActiveConnectTimeout => "active-connect-timeout",
            FindingId::ActiveUnexpectedSource => "active-unexpected-source",
            FindingId::ClientBehindNat => "client-behind-nat",
            FindingId::TransferFailed => "transfer-failed",
            FindingId::TransferTimeout => "transfer-timeout",
            FindingId::ControlFailed => "control-failed",
            FindingId::PasvRejected => "pasv-rejected",
            FindingId::ConnectionLimit => "connection-limit",
            FindingId::DeadlineExceeded => "deadline-exceeded",
            FindingId::TlsUnavailable => "tls-unavailable",
            FindingId::TlsHandshakeFailed => "tls-handshake-failed",
            FindingId::AlgRewrite => "alg-rewrite",
            FindingId::TlsCertificateExpiring => "tls-certificate-expiring",
            FindingId::TlsUnverified => "tls-unverified",
            FindingId::TlsDataClear => "tls-data-clear",
            FindingId::DnsServfail => "dns-servfail",
            FindingId::DnsTimeout => "dns-timeout",
            FindingId::PassivePortsFiltered => "passive-ports-filtered",
            FindingId::Ipv6TranslatedPath => "ipv6-translated-path",
            FindingId::BannerSlow => "banner-slow",
            FindingId::ActiveUnsupported => "active-unsupported",
            FindingId::TransferCapped => "transfer-capped",
            FindingId::DnsRefused => "dns-refused",
            FindingId::TlsStarttlsRace => "tls-starttls-race",
            FindingId::DataTlsDeadlock => "data-tls-deadlock",
            FindingId::ServerBehindNat => "server-behind-nat",
        }
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    /// The mode it concerns; `None` for the control connection as a whole.
    pub mode: Option<Mode>,
    /// One sentence: what is wrong.
    pub summary: String,
    /// What was seen: the reply quoted, the address and its class, the dial outcome.
    pub evidence: String,
    /// The settings that fix it, server side and client side.
    pub fix: String,
    /// RFC section, CVE or documentation that backs the finding.
    pub reference: String,
}
