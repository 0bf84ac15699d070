//! A finding: what is wrong (or worth knowing), the evidence, and the setting that fixes it.

use serde::Serialize;

use crate::probe::record::Mode;
use crate::wire::wire_enum;

wire_enum! {
    /// How severe a finding is; ordered, so that the worst is the maximum.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Severity {
        /// Worth knowing; nothing is broken.
        Info = "info",
        /// Something works but is fragile or less safe than it should be.
        Warn = "warn",
        /// Something does not work.
        Error = "error",
    }
}

wire_enum! {
    /// The stable finding ids: the catalogue in docs/findings.md, which a test keeps in step.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum FindingId {
        /// The target's host name does not resolve (NXDOMAIN, or no record of the family asked for).
        DnsFailure = "dns-failure",
        /// No TCP connection to the control port could be made, on any resolved address.
        ControlUnreachable = "control-unreachable",
        /// TCP connected, but no 220 greeting came within --timeout.
        BannerTimeout = "banner-timeout",
        /// USER/PASS was rejected.
        LoginFailed = "login-failed",
        /// The 227 advertises an address of a class that cannot serve a client elsewhere (private, ...).
        PasvPrivateAddress = "pasv-private-address",
        /// The 227 advertises an address other than the control peer's, not covered by pasv-private-address.
        PasvAddressMismatch = "pasv-address-mismatch",
        /// The 227 or 229 cannot be parsed.
        PasvUnparseable = "pasv-unparseable",
        /// The control peer's address with the advertised port accepted the data connection.
        SubstituteAddressWorks = "substitute-address-works",
        /// No passive data dial connected, and the last one timed out: a firewall drops the range.
        DataConnectTimeout = "data-connect-timeout",
        /// No passive data dial connected, and the last one was refused or unreachable.
        DataConnectRefused = "data-connect-refused",
        /// EPSV was answered 4yz/5yz.
        EpsvUnsupported = "epsv-unsupported",
        /// EPRT or PORT was answered 4yz/5yz, often because a NAT changed the client's address.
        PortRejected = "port-rejected",
        /// EPRT/PORT was accepted, but the server never connected back.
        ActiveConnectTimeout = "active-connect-timeout",
        /// The active data connection came from an address other than the control peer.
        ActiveUnexpectedSource = "active-unexpected-source",
        /// The server sees the client at another address than the client's own: a NAT in between.
        ClientBehindNat = "client-behind-nat",
        /// The data connection was made but LIST/RETR did not complete.
        TransferFailed = "transfer-failed",
        /// The transfer stalled for --timeout (at its start, in the data, or at its end).
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
        /// TLS was asked for, but the server does not offer AUTH TLS.
        TlsUnavailable = "tls-unavailable",
        /// The TLS handshake failed on the control connection.
        TlsHandshakeFailed = "tls-handshake-failed",
        /// Something on the way rewrites FTP: the plaintext session differs from the TLS one.
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
        // The data connection's true path: who made it, and what it carries.
        /// The server saw this client from more than one address (a NAT pool, several egress IPs).
        EgressAddressVaries = "egress-address-varies",
        /// A data connection was made, and the server rejected or ignored it for its source address.
        DataSourceRejected = "data-source-rejected",
        /// Control and data connections land on different servers behind one address.
        LbNoAffinity = "lb-no-affinity",
        /// A mode works in some rounds of --repeat only.
        ModeIntermittent = "mode-intermittent",
        /// The proxy refused the control connection.
        ProxyRefused = "proxy-refused",
        /// The proxy allows the control port but not the data port.
        ProxyBlocksDataPort = "proxy-blocks-data-port",
        /// A SOCKS proxy without BIND: no active mode through it.
        ProxyNoBind = "proxy-no-bind",
        /// The URL's path does not exist (550) while the data connections worked.
        PathNotFound = "path-not-found",
        /// The server refuses a plaintext login (TLS required): clients without FTPS fail.
        PlaintextLoginRefused = "plaintext-login-refused",
        /// Full-size packets vanish on the path, and a lowered MSS passes.
        MtuBlackhole = "mtu-blackhole",
        /// The path (or the server) forgets an idle control connection.
        ControlIdleTimeout = "control-idle-timeout",
        /// The login may not write: not a network fault.
        UploadRefused = "upload-refused",
        /// An upload stalled or never got its 226.
        UploadStalled = "upload-stalled",
        // Found by `inspect` in the server's own files.
        /// The server config turns passive mode off.
        ConfigPassiveDisabled = "config-passive-disabled",
        /// The server config sets no fixed passive port range.
        ConfigNoPassiveRange = "config-no-passive-range",
        /// Behind NAT with only private addresses, and no public address configured.
        ConfigNoPublicAddress = "config-no-public-address",
        /// The config disables the data connection's source check (RFC 2577).
        ConfigPromiscuous = "config-promiscuous",
        /// The config has reverse lookups on: a slow greeting when DNS is slow.
        ConfigReverseDns = "config-reverse-dns",
        /// A setting the server does not know: it will not start.
        ConfigUnknownSetting = "config-unknown-setting",
        /// The firewall ruleset does not accept all of the configured passive range.
        FirewallPassiveRangeClosed = "firewall-passive-range-closed",
        /// The ruleset relies on `ct state related` for FTP data, but no FTP helper is assigned.
        FirewallHelperMissing = "firewall-helper-missing",
        /// An unquoted `NN:NN` port mapping in compose YAML, read by YAML 1.1 as a base-60 number.
        DeployYamlBase60 = "deploy-yaml-base60",
        /// The passive range is published to different host ports.
        DeployRangeRemapped = "deploy-range-remapped",
        /// The published, firewall or Service range differs from the server's configured range.
        DeployRangeMismatch = "deploy-range-mismatch",
        /// A Service or container publishes 21 but not the passive range.
        DeployPassivePortsUnpublished = "deploy-passive-ports-unpublished",
        /// `inspect --with`: the outside probe saw what this config cannot produce.
        ProbeContradictsConfig = "probe-contradicts-config",
    }
}

/// One finding as the report lists it: what is wrong, the evidence, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which finding it is: the stable id from docs/findings.md.
    pub id: FindingId,
    /// How severe it is.
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
