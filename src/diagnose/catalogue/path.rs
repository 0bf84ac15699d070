//! The catalogue's entries about the data connection's true path: who made it (a NAT pool,
//! a load balancer, a proxy), what it carries (full-size packets, long idle spells, uploads)
//! and what the server says about the URL and the login.

use super::super::{FindingId, Severity};

/// `(severity, fix, reference)` for the ids of this topic; `None` for every other id.
pub(super) fn entry(id: FindingId) -> Option<(Severity, &'static str, &'static str)> {
    use FindingId::*;
    use Severity::*;
    Some(match id {
        EgressAddressVaries => (
            Warn,
            "The client's connections leave from more than one public address: a NAT pool, or a \
             cloud NAT gateway with several public IPs, hands each connection the next address. \
             Pin the FTP server's destination to one egress IP (a NAT rule or route for that \
             destination, one public IP on the NAT gateway). Servers that check the data \
             connection's source (vsftpd pasv_promiscuous=NO, pyftpdlib permit_foreign_addresses \
             False, both the default) then accept it. Turning that check off (vsftpd \
             pasv_promiscuous=YES) allows data-connection theft: a last resort only.",
            "RFC 2577 5 (protecting against port stealing); RFC 4787 4.1 (NAT address pooling)",
        ),
        DataSourceRejected => (
            Error,
            "The data connection reached the server from another address than the control \
             connection, and the server refused it (vsftpd \"425 Security: Bad IP connecting\", \
             pyftpdlib \"425 Rejected data connection from foreign address\", Pure-FTPd answering \
             nothing). Make both connections leave from one address: pin the FTP server's \
             destination to one egress IP on the NAT or gateway. Only as a last resort disable \
             the check (vsftpd pasv_promiscuous=YES, pyftpdlib permit_foreign_addresses=True): \
             it allows data-connection theft.",
            "RFC 2577 5 (port stealing); RFC 959 3.2 (data connection establishment)",
        ),
        LbNoAffinity => (
            Error,
            "A load balancer or NodePort spreads connections over several servers with no source \
             affinity, so the data connection lands on a server that did not open that passive \
             port. Give each backend its own passive range and forward each range to its own \
             backend (vsftpd pasv_min_port/pasv_max_port and pasv_address per backend), or \
             balance by source hash on every port alike (HAProxy balance source with identical \
             server lists, IPVS persistence across all ports). Kubernetes sessionAffinity: \
             ClientIP and AWS NLB stickiness are per port or per target group: they do not keep \
             port 21 and a passive port on one backend.",
            "RFC 959 3.2 (data connections); Kubernetes Service sessionAffinity docs",
        ),
        ModeIntermittent => (
            Warn,
            "The mode works in some rounds only: a partly blocked passive range, a NAT pool or \
             a load balancer without affinity, or an overloaded server. Read what the failing \
             rounds saw (their error findings) and fix that; --repeat N with a larger N shows \
             the share of failures.",
            "RFC 959 3.2 (data connections)",
        ),
        ProxyRefused => (
            Error,
            "The proxy refused to connect to the FTP server: allow the destination and port in \
             the proxy (tinyproxy Allow/ConnectPort, squid http_access and the CONNECT ACL, \
             dante client pass / socks pass rules), check the proxy's credentials \
             (--proxy-user with --proxy-password-env), or probe without the proxy.",
            "RFC 1928 6 (SOCKS5 replies); RFC 9110 9.3.6 (CONNECT)",
        ),
        ProxyBlocksDataPort => (
            Error,
            "The proxy lets the control port through but not the passive data port. Allow the \
             server's passive range: tinyproxy ConnectPort (one line per port; with none listed \
             every port is allowed), squid's CONNECT ACL (http_access deny CONNECT !SSL_ports: \
             add the range to SSL_ports), dante's socks pass rules. Meanwhile, a client may use \
             active mode only through a SOCKS proxy with BIND.",
            "RFC 9110 9.3.6 (CONNECT); RFC 1928 4 (SOCKS5 CONNECT)",
        ),
        ProxyNoBind => (
            Warn,
            "The SOCKS proxy has no BIND (microsocks, shadowsocks), so no active-mode data \
             connection can come back through it: use passive mode, or a SOCKS5 server with BIND \
             (dante-server).",
            "RFC 1928 4 (BIND)",
        ),
        PathNotFound => (
            Error,
            "The path in the URL does not exist for this login (550): the data connections \
             themselves worked, so this is not a firewall. Check the path (relative to the login \
             directory, as curl reads URLs; a leading %2F makes it absolute) and the login's \
             chroot (vsftpd chroot_local_user, ProFTPD DefaultRoot).",
            "RFC 959 4.2 (550 requested action not taken); RFC 1738 3.2.2 (FTP URL paths)",
        ),
        PlaintextLoginRefused => (
            Warn,
            "The server requires TLS before the login (vsftpd force_local_logins_ssl / \
             force_anon_logins_ssl, ProFTPD TLSRequired on, Pure-FTPd -Y 2): clients without \
             FTPS fail. Use FTPS: curl --ssl-reqd; lftp uses TLS for user logins already \
             (ftp:ssl-allow, on by default), for anonymous logins set \
             ftp:ssl-allow-anonymous yes; FileZilla \"Require explicit FTP over \
             TLS\", Python ftplib.FTP_TLS.",
            "RFC 4217 6 (AUTH TLS before USER); RFC 959 5.4 (530)",
        ),
        MtuBlackhole => (
            Error,
            "Full-size packets vanish on the path while small ones pass, and the ICMP that would \
             tell the sender to shrink them is dropped: a path-MTU black hole. Let ICMP \
             \"fragmentation needed\" (IPv4 type 3 code 4) and ICMPv6 \"packet too big\" through \
             every firewall; or clamp the MSS on the router (nftables: tcp flags syn tcp option \
             maxseg size set rt mtu, in the forward chain; iptables: -t mangle -A FORWARD -p tcp \
             --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu); or lower the MTU of the \
             interface in front of the tunnel or overlay.",
            "RFC 1191 (path MTU discovery); RFC 4821 (packetization layer PMTUD); RFC 2923 3 (black holes)",
        ),
        ControlIdleTimeout => (
            Warn,
            "Something on the path forgets an idle control connection, so a transfer longer than \
             that loses its 226. Raise the idle timeout (AWS NLB TCP idle timeout, Azure Load \
             Balancer idle timeout with TCP reset on, conntrack \
             nf_conntrack_tcp_timeout_established, a firewall's TCP session timeout), or use a \
             client that keeps the control connection alive during transfers (docs/clients.md). \
             With how=421 it is the server's own timeout: vsftpd idle_session_timeout, ProFTPD \
             TimeoutIdle, Pure-FTPd -I.",
            "RFC 5382 5 (NAT TCP established idle timeout of at least 2 h 4 min); RFC 959 4.1.3 (NOOP)",
        ),
        UploadRefused => (
            Info,
            "The login may not write here: not a network fault. To test uploads, give the login \
             write permission in a scratch directory (vsftpd write_enable=YES and \
             anon_upload_enable=YES for anonymous, ProFTPD <Limit WRITE>, Pure-FTPd without -i).",
            "RFC 959 4.1.3 (STOR) and 5.4 (550, 553)",
        ),
        UploadStalled => (
            Error,
            "An upload stalled or never got its 226 while small transfers work: usually a \
             path-MTU black hole in the client-to-server direction (allow ICMP fragmentation \
             needed / packet too big, or clamp the MSS on the router) or a firewall that limits \
             the data flow. See mtu-blackhole for the exact settings.",
            "RFC 959 4.1.3 (STOR); RFC 2923 3 (PMTUD black holes)",
        ),
        _ => return None,
    })
}
