//! A finding: what is wrong (or worth knowing), the evidence, and the setting that fixes it.

use serde::Serialize;

use crate::probe::record::Mode;
use crate::wire::wire_enum;

wire_enum! {
    /// How severe a finding is; ordered, so that the worst is the maximum.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Severity {
        Info = "info",
        Warn = "warn",
        Error = "error",
    }
}

wire_enum! {
    /// The stable finding ids: the catalogue in docs/findings.md, which a test keeps in step.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum FindingId {
        DnsFailure = "dns-failure",
        ControlUnreachable = "control-unreachable",
        BannerTimeout = "banner-timeout",
        LoginFailed = "login-failed",
        PasvPrivateAddress = "pasv-private-address",
        PasvAddressMismatch = "pasv-address-mismatch",
        PasvUnparseable = "pasv-unparseable",
        SubstituteAddressWorks = "substitute-address-works",
        DataConnectTimeout = "data-connect-timeout",
        DataConnectRefused = "data-connect-refused",
        EpsvUnsupported = "epsv-unsupported",
        PortRejected = "port-rejected",
        ActiveConnectTimeout = "active-connect-timeout",
        ActiveUnexpectedSource = "active-unexpected-source",
        ClientBehindNat = "client-behind-nat",
        TransferFailed = "transfer-failed",
        TransferTimeout = "transfer-timeout",
        /// The control connection broke outside a transfer: closed, timed out, or an
        /// unexpected or unframable reply (banner 421, PASV never answered, ...).
        ControlFailed = "control-failed",
        /// PASV answered 4xx/5xx (EPSV has its own warning: epsv-unsupported).
        PasvRejected = "pasv-rejected",
        /// The server refused extra control connections; modes ran on one connection.
        ConnectionLimit = "connection-limit",
        /// --deadline struck before the probe finished.
        DeadlineExceeded = "deadline-exceeded",
        TlsUnavailable = "tls-unavailable",
        TlsHandshakeFailed = "tls-handshake-failed",
        AlgRewrite = "alg-rewrite",
        /// The server certificate expires within 14 days, or has expired.
        TlsCertificateExpiring = "tls-certificate-expiring",
        /// --insecure: the certificate was not checked.
        TlsUnverified = "tls-unverified",
        /// PROT P refused: the data connections are not encrypted.
        TlsDataClear = "tls-data-clear",
        /// The resolver answered SERVFAIL or REFUSED: the name's DNS is broken, not absent.
        DnsServfail = "dns-servfail",
        /// No DNS answer within --timeout.
        DnsTimeout = "dns-timeout",
        /// --sample-ports: part of the passive port range cannot be reached.
        PassivePortsFiltered = "passive-ports-filtered",
        /// The control connection runs over an IPv4-mapped or NAT64 address: IPv4 underneath.
        Ipv6TranslatedPath = "ipv6-translated-path",
        // Found against real servers behind a real NAT router.
        /// The greeting came, but late: a reverse-DNS lookup of the client, usually.
        BannerSlow = "banner-slow",
        /// PORT/EPRT answered "not implemented": the server has no active mode.
        ActiveUnsupported = "active-unsupported",
        /// The probe stopped reading a transfer at its byte cap.
        TransferCapped = "transfer-capped",
        /// The resolver's port answered ICMP unreachable (refused) at once.
        DnsRefused = "dns-refused",
        /// After 234 the server read our TLS ClientHello as a command and answered in plaintext.
        TlsStarttlsRace = "tls-starttls-race",
        /// The server waits for the data connection's TLS handshake before its 1yz, while the
        /// client waits for the 1yz before handshaking.
        DataTlsDeadlock = "data-tls-deadlock",
        /// The server's greeting names its own address, a local-scope one the client does not
        /// reach it at: the server sits behind a NAT.
        ServerBehindNat = "server-behind-nat",
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
