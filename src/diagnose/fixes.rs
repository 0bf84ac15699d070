//! The fix that applies to what was seen. The catalogue holds each id's whole fix (every
//! branch, for docs/findings.md); a finding that knows its branch (a refused connect, a
//! data handshake the server refused for want of session reuse) carries only that one,
//! and the headline names the one setting that matters most.

use super::{Finding, FindingId};

/// The one fix that matters most for `id`, naming the setting: the last line of the
/// table's headline and `summary.fix` in JSON.
pub(super) fn short(id: FindingId) -> &'static str {
    use FindingId::*;
    match id {
        DnsFailure => "publish an A/AAAA record for the name (or check it for typos)",
        ControlUnreachable => {
            "make the server listen on this address and port, and open it in every firewall"
        }
        BannerTimeout => {
            "turn off the server's reverse-DNS lookup (vsftpd reverse_lookup_enable=NO, ProFTPD \
             UseReverseDNS off, Pure-FTPd -H)"
        }
        LoginFailed => "check the user and password (--user NAME --password-env VAR)",
        PasvPrivateAddress | PasvAddressMismatch | SubstituteAddressWorks => {
            "set the address clients connect to: vsftpd pasv_address, ProFTPD MasqueradeAddress, \
             Pure-FTPd -P, pyftpdlib masquerade_address"
        }
        PasvUnparseable => {
            "make the 227 standard (check a proxy or FTP helper that rewrites it); clients: use EPSV"
        }
        DataConnectTimeout | DataConnectRefused => {
            "open the passive port range in every firewall in front of the server (vsftpd \
             pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd -p)"
        }
        EpsvUnsupported => {
            "clients: fall back to PASV (curl --disable-epsv); server: upgrade it or relax the \
             firewall's FTP inspection"
        }
        PortRejected => {
            "use passive mode (curl's default), or send the public address with --active-addr \
             PUBLIC_IP and forward the port"
        }
        ActiveConnectTimeout => {
            "use passive mode, or let the server connect in through the client's firewall/NAT"
        }
        ActiveUnexpectedSource => {
            "make data connections leave from the control address (ProFTPD SocketBindTight on)"
        }
        ClientBehindNat => {
            "use passive mode; for active mode send --active-addr PUBLIC_IP and forward the port"
        }
        TransferFailed => "read the quoted reply; --transcript shows the exchange",
        TransferTimeout => {
            "see the stage it stalled at: a firewall's idle timeout or a path-MTU black hole"
        }
        ControlFailed => "read the quoted reply; --transcript shows the exchange",
        PasvRejected => {
            "enable passive mode with a port range (vsftpd pasv_enable=YES, \
             pasv_min_port/pasv_max_port)"
        }
        ConnectionLimit => {
            "allow a few connections per client (vsftpd max_per_ip, ProFTPD MaxClientsPerHost)"
        }
        DeadlineExceeded => "look at the step named; raise --deadline if the server is slow",
        TlsUnavailable => {
            "turn FTPS on (vsftpd ssl_enable=YES, ProFTPD TLSEngine on, Pure-FTPd -Y 1), or \
             --tls off where plain FTP is intended"
        }
        TlsHandshakeFailed => "see the reason: certificate, protocol or session reuse",
        AlgRewrite => {
            "set vsftpd pasv_address (ProFTPD MasqueradeAddress, Pure-FTPd -P) and forward the \
             passive range: the router's FTP helper cannot read FTPS"
        }
        TlsCertificateExpiring => "renew the certificate and reload the server",
        TlsUnverified => "give the probe the private CA with --ca-file",
        TlsDataClear => "accept PROT P (vsftpd ssl_enable=YES, ProFTPD TLSRequired on)",
        DnsServfail => "fix the zone's DNS (dig NAME A @EACH-NS), or try --dns-server IP",
        DnsTimeout => "check the resolvers are reachable, or try --dns-server IP",
        PassivePortsFiltered => {
            "open the whole passive range in every firewall (vsftpd pasv_min_port/pasv_max_port, \
             ProFTPD PassivePorts)"
        }
        Ipv6TranslatedPath => "clients must use EPSV over this path; publish a real AAAA record",
        BannerSlow => {
            "turn off the server's reverse-DNS lookup (vsftpd reverse_lookup_enable=NO, ProFTPD \
             UseReverseDNS off, Pure-FTPd -H)"
        }
        ActiveUnsupported => "use passive mode: the server has no active mode",
        TransferCapped => "nothing to fix: probe a directory or a smaller file to see the 226",
        DnsRefused => "fix the nameserver in /etc/resolv.conf, or try --dns-server IP",
        TlsStarttlsRace => {
            "fix or upgrade the server: it must switch to TLS right after its 234 (or use \
             implicit FTPS)"
        }
        DataTlsDeadlock => {
            "fix or upgrade the server: it must send 150 before the data TLS handshake; \
             FileZilla and curl work meanwhile"
        }
        ServerBehindNat => {
            "make passive replies carry the public address (vsftpd pasv_address, ProFTPD \
             MasqueradeAddress) and forward the passive range"
        }
        EgressAddressVaries | DataSourceRejected => {
            "pin the FTP server's destination to one egress IP on the NAT or gateway"
        }
        LbNoAffinity => {
            "give each backend its own passive range, forwarded to it, or balance by source \
             hash on every port"
        }
        ModeIntermittent => "read what the failing rounds saw and fix that",
        ProxyRefused => "allow this destination and port in the proxy, or probe without it",
        ProxyBlocksDataPort => {
            "allow the passive port range in the proxy (tinyproxy ConnectPort, squid SSL_ports)"
        }
        ProxyNoBind => "use passive mode, or a SOCKS5 proxy with BIND (dante-server)",
        PathNotFound => "check the path in the URL (relative to the login directory)",
        PlaintextLoginRefused => {
            "use FTPS (curl --ssl-reqd; lftp does for user logins, for anonymous ones set \
             ftp:ssl-allow-anonymous yes)"
        }
        MtuBlackhole | UploadStalled => {
            "let ICMP fragmentation-needed through, or clamp the MSS on the router \
             (tcp option maxseg size set rt mtu)"
        }
        ControlIdleTimeout => {
            "raise the idle timeout of the balancer, NAT or firewall on the path, or use a \
             client that keeps the control connection alive"
        }
        UploadRefused => "nothing: the login may not write (grant write access to test uploads)",
        ConfigPassiveDisabled => "turn passive mode on (vsftpd pasv_enable=YES)",
        ConfigNoPassiveRange => {
            "set a fixed passive range (vsftpd pasv_min_port/pasv_max_port, ProFTPD \
             PassivePorts, Pure-FTPd -p) and open it"
        }
        ConfigNoPublicAddress => {
            "set the public address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P)"
        }
        ConfigPromiscuous => "turn the source check back on (vsftpd pasv_promiscuous=NO)",
        ConfigReverseDns => "turn off reverse lookups (ProFTPD UseReverseDNS off, Pure-FTPd -H)",
        ConfigUnknownSetting => "fix the misspelt setting: the server will not start with it",
        FirewallPassiveRangeClosed => "accept the whole passive range in the firewall",
        FirewallHelperMissing => {
            "assign the FTP conntrack helper explicitly (ct helper set), or open the passive range"
        }
        DeployYamlBase60 => "quote every port mapping in the compose file (\"21:21\")",
        DeployRangeRemapped => "publish the passive range to the same host port numbers",
        DeployRangeMismatch => "make the published range equal the server's passive range",
        DeployPassivePortsUnpublished => "publish the passive port range, not only port 21",
        ProbeContradictsConfig => {
            "check what rewrites the 227 (a NAT helper, a proxy) or which server really answers"
        }
    }
}

/// The branch of `id`'s fix for what was seen (`key`: a connect outcome, a TLS failure
/// reason, a transfer stage), or `None` when the whole fix applies.
fn branch(id: FindingId, key: &str) -> Option<(&'static str, &'static str)> {
    use FindingId::*;
    Some(match (id, key) {
        (ControlUnreachable, "refused") => (
            "Server: start the FTP server or make it listen on this address and port (vsftpd \
             listen=YES / listen_port / listen_address, ProFTPD Port / DefaultAddress, \
             Pure-FTPd -S host,port, pyftpdlib FTPServer((host, port), ...)), or stop the \
             firewall rejecting it (iptables -j REJECT and nftables reject answer with an ICMP \
             port-unreachable, or a RST with --reject-with tcp-reset / reject with tcp reset: \
             both read as \"connection refused\").",
            "start the server or make it listen on this port (vsftpd listen_port, ProFTPD Port)",
        ),
        (ControlUnreachable, "timeout") => (
            "A firewall drops the control port: open TCP 21 (or the port used) in the host \
             firewall, the cloud security group and the NAT's port-forward. Client: check an \
             outbound firewall or proxy.",
            "open the control port in the host firewall, security group and port-forward",
        ),
        (ControlUnreachable, "unreachable") => (
            "No route to the server: check the address, the client's default route and VPN, \
             and probe the IPv4 and IPv6 addresses one by one when only one family is broken.",
            "check the address and the route to it (default route, VPN)",
        ),
        (BannerTimeout, "implicit-tls") => (
            "This port looks like implicit FTPS (990 and its kind greet only after a TLS \
             handshake): probe it as ftps://HOST:PORT/. Otherwise: a reverse-DNS or ident \
             lookup on every connection (vsftpd reverse_lookup_enable=NO, ProFTPD \
             UseReverseDNS off and IdentLookups off, Pure-FTPd -H), or a load balancer with no \
             live backend.",
            "probe it as ftps://HOST:PORT/ (implicit TLS)",
        ),
        (TlsHandshakeFailed, "certificate") => (
            "Install a certificate for the name clients use, with its whole chain (vsftpd \
             rsa_cert_file holding the chain, ProFTPD TLSRSACertificateFile and \
             TLSCertificateChainFile, Pure-FTPd's pem file); for a private CA give clients the \
             CA (--ca-file here, curl --cacert, lftp set ssl:ca-file).",
            "install a certificate for the name clients use, chain included (or --ca-file)",
        ),
        (TlsHandshakeFailed, "protocol") => (
            "No TLS version or cipher in common: enable TLS 1.2 and 1.3 (vsftpd \
             ssl_tlsv1_2=YES, ProFTPD TLSProtocol TLSv1.2 TLSv1.3).",
            "enable TLS 1.2 and 1.3 (vsftpd ssl_tlsv1_2=YES, ProFTPD TLSProtocol)",
        ),
        (TlsHandshakeFailed, "session-reuse") => (
            "The server wants each data connection to resume the control connection's TLS \
             session (vsftpd require_ssl_reuse=YES, ProFTPD by default, FileZilla Server): use \
             a client that resumes (curl, lftp and FileZilla do), or set vsftpd \
             require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired.",
            "use a client that resumes TLS sessions, or vsftpd require_ssl_reuse=NO",
        ),
        (TlsHandshakeFailed, "closed" | "timeout" | "refused") => (
            "A firewall or FTP helper breaks TLS on that port (an FTP inspection that expects \
             plaintext), or the server has no usable certificate: turn the helper off for this \
             server and check the server's TLS log.",
            "turn off FTP inspection for this server; check the server's TLS log",
        ),
        (TransferTimeout, "transfer-start") => (
            "No 150/125: the server waits for a data connection it believes never arrived (a \
             NAT or ALG pointed it elsewhere) or lists a huge directory — probe a small path.",
            "probe a small path; check a NAT or FTP helper between client and server",
        ),
        (TransferTimeout, "transfer-data") => (
            "The data stopped: a firewall that drops the established data flow, or a path-MTU \
             black hole (clamp the TCP MSS on the router).",
            "clamp the TCP MSS on the router; check firewalls on the data path",
        ),
        (TransferTimeout, "transfer-end") => (
            "No 226: a firewall or NAT timed out the idle control connection during the \
             transfer — raise its TCP idle timeout; the server's own limits are vsftpd \
             data_connection_timeout, ProFTPD TimeoutStalled / TimeoutNoTransfer.",
            "raise the firewall's/NAT's TCP idle timeout for the control connection",
        ),
        (DeadlineExceeded, "interrupt") => (
            "The probe was waiting at the step named when it was interrupted: look there first \
             (a server or firewall that goes silent at that step). To see how the wait ends, \
             let it run: each step gives up after --timeout.",
            "look at the step named: the probe was waiting there when interrupted",
        ),
        _ => return said_branch(id, key),
    })
}

/// The branches that depend on what the server said: a login refused for want of TLS,
/// and which passive reply could not be parsed (a bad 229, a 229 to PASV, a bad 227).
fn said_branch(id: FindingId, key: &str) -> Option<(&'static str, &'static str)> {
    use FindingId::*;
    Some(match (id, key) {
        (LoginFailed, "tls-required") => (
            "The server requires TLS before the login (vsftpd force_anon_logins_ssl / \
             force_local_logins_ssl, ProFTPD TLSRequired on, Pure-FTPd -Y 2): use FTPS, not \
             another password. Here: probe without --tls off. Clients: curl --ssl-reqd; lftp \
             uses TLS for user logins already (ftp:ssl-allow, on by default), and for anonymous \
             logins needs set ftp:ssl-allow-anonymous yes; FileZilla \"Require explicit FTP \
             over TLS\"; Python ftplib.FTP_TLS.",
            "use FTPS: probe without --tls off; curl --ssl-reqd; lftp for anonymous logins: \
             set ftp:ssl-allow-anonymous yes",
        ),
        (PasvUnparseable, "bad-229") => (
            "Server: answer EPSV with the standard \"229 Entering Extended Passive Mode \
             (|||port|)\": four equal delimiters and one port in 1-65535 (vsftpd, ProFTPD, \
             Pure-FTPd and pyftpdlib all do unless patched or fronted by a proxy that rewrites \
             replies: check the FTP helper/ALG of a firewall in between). Client: use PASV \
             instead (curl --disable-epsv; lftp does by default, ftp:prefer-epsv no) or active \
             mode (curl -P -, lftp set ftp:passive-mode off).",
            "make the 229 standard (|||port|, port 1-65535; check a proxy or FTP helper that \
             rewrites it); clients: use PASV (curl --disable-epsv)",
        ),
        (PasvUnparseable, "229-to-pasv") => (
            "Server: answer PASV with a 227, \"227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).\" \
             (a 229 answers EPSV only, RFC 2428): check a proxy or firewall FTP helper that \
             rewrites replies. Client: use EPSV (curl's default, lftp set ftp:prefer-epsv yes) \
             or active mode (curl -P -, lftp set ftp:passive-mode off).",
            "answer PASV with a 227, not a 229 (check a proxy or FTP helper that rewrites it); \
             clients: use EPSV",
        ),
        (PasvUnparseable, "bad-227") => (
            "Server: send the standard 227, \"227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).\", \
             with every number in 0-255 (vsftpd, ProFTPD, Pure-FTPd and pyftpdlib all do unless \
             patched or fronted by a proxy that rewrites replies: check the FTP helper/ALG of a \
             firewall in between, e.g. a Cisco ASA inspect ftp or a broken nf_conntrack_ftp). \
             Client: use EPSV (curl's default, lftp set ftp:prefer-epsv yes) or active mode \
             (curl -P -, lftp set ftp:passive-mode off).",
            "make the 227 standard (check a proxy or FTP helper that rewrites it); clients: use \
             EPSV",
        ),
        _ => return None,
    })
}

/// The branch of `pasv-unparseable` for the reply that was sent: a bad 229 to EPSV, a
/// 229 to PASV, or a bad 227 (any other reply to PASV).
pub(super) fn unparseable_key(mode: crate::probe::record::Mode, code: u16) -> &'static str {
    use crate::probe::record::Mode;
    match (mode, code) {
        (Mode::Pasv, 229) => "229-to-pasv",
        (Mode::Pasv, _) => "bad-227",
        _ => "bad-229",
    }
}

/// `f` with only the branch of its fix that applies to `key`, when its fix has branches.
pub(super) fn for_what_was_seen(mut f: Finding, key: &str) -> Finding {
    if let Some((fix, _)) = branch(f.id, key) {
        f.fix = fix.to_string();
    }
    f
}

/// The short fix of a finding: its branch's when the finding carries one, else the id's.
pub(super) fn short_for(f: &Finding) -> &'static str {
    BRANCH_KEYS
        .iter()
        .filter_map(|key| branch(f.id, key))
        .find(|(fix, _)| *fix == f.fix)
        .map_or_else(|| short(f.id), |(_, s)| s.strip_prefix("").unwrap_or(s))
}

/// Every key [`branch`] knows, to find which one a finding carries.
const BRANCH_KEYS: [&str; 17] = [
    "interrupt",
    "refused",
    "timeout",
    "unreachable",
    "implicit-tls",
    "certificate",
    "protocol",
    "session-reuse",
    "closed",
    "transfer-start",
    "transfer-data",
    "transfer-end",
    "other",
    "bad-229",
    "229-to-pasv",
    "bad-227",
    "tls-required",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_branch_is_part_of_what_docs_and_catalogue_say_in_full() {
        for (id, key) in [
            (FindingId::TlsHandshakeFailed, "session-reuse"),
            (FindingId::ControlUnreachable, "refused"),
        ] {
            let (fix, short) = branch(id, key).unwrap();
            assert!(short.starts_with(""), "{id} {key}");
            assert!(!fix.is_empty());
        }
        // The session-reuse branch names the reuse settings and nothing about certificates.
        let (reuse, _) = branch(FindingId::TlsHandshakeFailed, "session-reuse").unwrap();
        assert!(reuse.contains("require_ssl_reuse") && !reuse.contains("cert"));
        let (refused, _) = branch(FindingId::ControlUnreachable, "refused").unwrap();
        assert!(refused.contains("listen") && !refused.contains("no route"));
    }

    #[test]
    fn every_branch_key_is_found_again_by_the_short_fix() {
        // An interrupted wait's short fix said "raise --deadline": its key was listed as
        // "interrupted" while the branch is keyed by CutBy's wire name, "interrupt".
        for (id, key) in [
            (FindingId::DeadlineExceeded, "interrupt"),
            (FindingId::DeadlineExceeded, "deadline"),
            (FindingId::TlsHandshakeFailed, "session-reuse"),
        ] {
            let Some((fix, short)) = branch(id, key) else {
                continue;
            };
            let f = super::super::context::new_finding(id, None, String::new(), String::new());
            let f = for_what_was_seen(f, key);
            assert_eq!(f.fix, fix, "{id} {key}");
            assert_eq!(short_for(&f), short, "{id} {key}");
            assert!(!fix.contains("  "), "a run of spaces in {id} {key}: {fix}");
        }
    }
}
