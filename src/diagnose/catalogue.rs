//! The fixed part of every finding: its severity, the settings that fix it and the
//! reference behind it. One place, so a fix reads the same wherever the finding fires and
//! docs/findings.md has one text to mirror. The match is exhaustive on purpose: a new id
//! does not compile until it has all three.

use super::{FindingId, Severity};

pub(super) struct Entry {
    pub severity: Severity,
    pub fix: &'static str,
    pub reference: &'static str,
}

/// Server side first (the lasting fix), then what a client can do meanwhile.
const PASV_ADDRESS_FIX: &str = "Server: make the 227 carry the address clients connect to — \
vsftpd pasv_address=PUBLIC_IP (pasv_addr_resolve=YES to give a host name), ProFTPD \
MasqueradeAddress, Pure-FTPd -P PUBLIC_IP (--forcepassiveip), pyftpdlib masquerade_address \
(masquerade_address_map for clients on the server's own LAN), FileZilla Server: Passive mode \
settings → \"Use the following IP\". Client: ignore the PASV address and use the server's — \
curl --ftp-skip-pasv-ip (the default since 7.74), lftp set ftp:fix-pasv-address yes (or \
ftp:ignore-pasv-address yes), FileZilla does it by itself when the server's own address is \
routable (it keeps a private PASV address from a server it reaches at a private or loopback \
address); better, prefer EPSV, whose 229 \
carries no address (curl's default, lftp set ftp:prefer-epsv yes).";

const PASSIVE_PORTS_FIX: &str = "Server: give passive mode a fixed port range and open exactly \
that range in every firewall and port-forward in front of the server — vsftpd \
pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd -p 30000:30099 \
(--passiveportrange), pyftpdlib passive_ports, FileZilla Server's passive port range. A NAT's \
FTP helper (nf_conntrack_ftp) cannot open the ports under TLS, so forward the range explicitly. \
Client: try active mode instead — curl -P - (--ftp-port -), lftp set ftp:passive-mode off, \
FileZilla Transfer mode \"Active\".";

mod inspect;
mod path;

pub(super) fn entry(id: FindingId) -> Entry {
    use FindingId::*;
    use Severity::*;
    let (severity, fix, reference) = match id {
        DnsFailure => (
            Error,
            "Server side: publish an A (and/or AAAA) record for the name. Client: check the \
             name for typos, ask another resolver (ftpdoctor --dns-server IP; dig NAME A / dig \
             NAME AAAA @RESOLVER shows what each says), or probe the address directly (ftpdoctor probe 203.0.113.1:21).",
            "RFC 1034 / RFC 1035 (DNS)",
        ),
        ControlUnreachable => (
            Error,
            "refused: start the FTP server or make it listen on this address and port (vsftpd \
             listen=YES / listen_port / listen_address, ProFTPD Port / DefaultAddress, Pure-FTPd \
             -S host,port, pyftpdlib FTPServer((host, port), ...)), or stop the firewall \
             rejecting it. timeout: a firewall drops the control port — open TCP 21 (or the \
             port used) in the host firewall, the cloud security group and the NAT's \
             port-forward. unreachable: no route — check the address, the client's default \
             route and VPN. Client: check the port in the target, an outbound firewall or proxy, \
             and probe the IPv4 and IPv6 addresses one by one when only one family is broken.",
            "RFC 959 5.2 (the server listens on port L); RFC 9293 (TCP)",
        ),
        BannerTimeout => (
            Error,
            "Server: something accepted TCP but no FTP server answered. Usual causes: a \
             reverse-DNS or ident lookup on every connection (vsftpd reverse_lookup_enable=NO, \
             ProFTPD UseReverseDNS off and IdentLookups off, Pure-FTPd -H), an overloaded or \
             hung server, or a load balancer or port-forward with no live backend. \
             Client: raise --timeout when the server is merely slow.",
            "RFC 959 5.4 (220 on connection, 120 before it)",
        ),
        LoginFailed => (
            Error,
            "Client: check the user name and password (--user NAME with --password-env VAR or \
             --netrc; never put a password on the command line). Server: for anonymous logins \
             vsftpd anonymous_enable=YES, ProFTPD an <Anonymous> block, Pure-FTPd without -E \
             (--noanonymous), pyftpdlib authorizer.add_anonymous(); for local users vsftpd \
             local_enable=YES, ProFTPD RequireValidShell (the user's shell must be in \
             /etc/shells), the PAM service, and any per-user connection limit.",
            "RFC 959 4.1.1 (USER, PASS) and 5.4 (530)",
        ),
        PasvPrivateAddress => (
            Error,
            PASV_ADDRESS_FIX,
            "RFC 959 4.1.2 (PASV); RFC 1918; RFC 1123 4.1.2.6",
        ),
        PasvAddressMismatch => (
            Warn,
            PASV_ADDRESS_FIX,
            "RFC 959 4.1.2; RFC 1123 4.1.2.6; CVE-2020-8284 (curl trusting the PASV address)",
        ),
        PasvUnparseable => (
            Error,
            "Server: send the standard form, \"227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).\" \
             or \"229 Entering Extended Passive Mode (|||port|)\", with every number in 0-255 \
             (vsftpd, ProFTPD, Pure-FTPd and pyftpdlib all do unless patched or fronted by a \
             proxy that rewrites replies — check the FTP helper/ALG of a firewall in between, \
             e.g. a Cisco ASA inspect ftp or a broken nf_conntrack_ftp). Client: use the other \
             passive command (curl --disable-epsv or --ftp-pasv, lftp set ftp:prefer-epsv \
             yes/no) or active mode (curl -P -, lftp set ftp:passive-mode off).",
            "RFC 959 4.1.2 and RFC 1123 4.1.2.6 (227); RFC 2428 3 (229)",
        ),
        SubstituteAddressWorks => (
            Info,
            PASV_ADDRESS_FIX,
            "CVE-2020-8284 (curl --ftp-skip-pasv-ip); CVE-2021-4189 (Python ftplib)",
        ),
        DataConnectTimeout => (
            Error,
            PASSIVE_PORTS_FIX,
            "RFC 959 3.2 and 4.1.2 (PASV); RFC 2428 3 (EPSV); RFC 1579 (firewall-friendly FTP)",
        ),
        DataConnectRefused => (
            Error,
            PASSIVE_PORTS_FIX,
            "RFC 959 3.2 and 4.1.2 (PASV); RFC 2428 3 (EPSV); RFC 1579 (firewall-friendly FTP)",
        ),
        EpsvUnsupported => (
            Warn,
            "Server: vsftpd, ProFTPD, Pure-FTPd and pyftpdlib all support EPSV, so an old server \
             or a firewall that passes only the commands it knows (an FTP inspection engine in \
             strict mode) is the usual cause — upgrade it or relax the inspection. Client: fall \
             back to PASV — curl --disable-epsv, lftp set ftp:prefer-epsv no; FileZilla falls \
             back by itself.",
            "RFC 2428 3 (EPSV); RFC 959 5.4 (500/502)",
        ),
        PortRejected => (
            Error,
            "Servers compare the address in PORT/EPRT with the control connection's peer and \
             refuse a different one (the FTP bounce defence): vsftpd port_promiscuous, ProFTPD \
             AllowForeignAddress, pyftpdlib permit_foreign_addresses, Pure-FTPd \"I won't open a \
             connection to ...\". Behind NAT the client's private address differs from the one \
             the server sees. Client: use passive mode (curl's default, lftp set \
             ftp:passive-mode on, FileZilla Transfer mode \"Passive\"), or send the public \
             address with --active-addr PUBLIC_IP (curl -P PUBLIC_IP) and forward the port, or \
             fix the NAT's FTP helper so it rewrites PORT (plaintext only). Server: allow \
             foreign addresses only if you accept the bounce risk.",
            "RFC 959 4.1.2 (PORT); RFC 2428 2 (EPRT); RFC 2577 (bounce attack)",
        ),
        ActiveConnectTimeout => (
            Error,
            "Client: the firewall or NAT in front of this machine must let the server connect \
             in to the address and port sent (often from source port 20): forward the port and \
             send the public address with --active-addr PUBLIC_IP, or let the NAT's FTP helper \
             do it (plaintext only) — or simply use passive mode (curl's default, lftp set \
             ftp:passive-mode on, FileZilla Transfer mode \"Passive\"). Server: its own outbound \
             firewall must allow the data connection out (vsftpd connect_from_port_20 / \
             ftp_data_port, ProFTPD and Pure-FTPd connect from port 20 as root); a server that \
             refuses foreign addresses (vsftpd port_promiscuous, ProFTPD AllowForeignAddress, \
             pyftpdlib permit_foreign_addresses) may silently never connect.",
            "RFC 959 3.2 and 4.1.2 (PORT); RFC 2428 2 (EPRT); RFC 1579",
        ),
        ActiveUnexpectedSource => (
            Warn,
            "Server: make active data connections leave from the address clients use for the \
             control connection — ProFTPD SocketBindTight on, one outbound (SNAT) address on \
             the server's router for both control and data. Client: a firewall that admits only \
             the control peer drops these connections; allow the server's other address too, or \
             use passive mode (curl's default, lftp set ftp:passive-mode on).",
            "RFC 959 3.2; RFC 2577 (verify who opens the data connection)",
        ),
        ClientBehindNat => (
            Info,
            "Nothing to fix while passive modes work. For active mode through the NAT: send the \
             public address with --active-addr PUBLIC_IP (curl -P PUBLIC_IP) and forward the \
             port, or rely on the NAT's FTP helper (plaintext only); otherwise use passive mode \
             (curl's default, lftp set ftp:passive-mode on, FileZilla Transfer mode \
             \"Passive\"). Server: accepting foreign PORT addresses (vsftpd port_promiscuous, \
             ProFTPD AllowForeignAddress) is not the answer: it reopens the bounce attack.",
            "RFC 1918; RFC 2663 (NAT and the FTP ALG)",
        ),
        TransferFailed => (
            Error,
            "Read the quoted reply. 550: the path does not exist or is not readable — probe \
             another path (ftp://host/pub/). 425/426 once the data connection was open: the \
             server refused or lost it — vsftpd pasv_promiscuous=NO rejects a data connection \
             from an address other than the control client's (a NAT with several public \
             addresses), require_ssl_reuse needs TLS session reuse; a firewall resetting data \
             connections shows the same. 451: a server-side error, see its log. Client: \
             --transcript shows the exchange; try the other mode family (passive/active).",
            "RFC 959 4.2 and 5.4 (replies to LIST/RETR)",
        ),
        TransferTimeout => (
            Error,
            "transfer-start (no 150/125): the server waits for a data connection it believes \
             never arrived (a NAT or ALG pointed it elsewhere) or lists a huge directory — \
             probe a small path. transfer-data (data stopped): a firewall that drops the \
             established data flow, or a path-MTU black hole (clamp the TCP MSS on the \
             router). transfer-end (no 226): a firewall or NAT timed out the idle control \
             connection during the transfer — raise its TCP idle timeout; the server's own \
             limits are vsftpd data_connection_timeout, ProFTPD TimeoutStalled / \
             TimeoutNoTransfer. Client: raise --timeout if the server is merely slow.",
            "RFC 959 3.2 and 5.4 (1yz, data, then 226)",
        ),
        ControlFailed => (
            Error,
            "Read the quoted reply or error. 421 at connect or login: the server sheds load — \
             vsftpd max_clients / max_per_ip, ProFTPD MaxClients / MaxClientsPerHost, Pure-FTPd \
             -c / -C, pyftpdlib max_cons / max_cons_per_ip. A closed connection or silence \
             after a command: a firewall or FTP inspection (ALG) that breaks the control \
             channel — turn the helper off (Linux nf_conntrack_ftp, an ASA's inspect ftp) — or \
             an idle limit (vsftpd idle_session_timeout, ProFTPD TimeoutIdle). Client: \
             --transcript shows the exchange, --sequential uses a single control connection, \
             and --timeout gives a slow server longer.",
            "RFC 959 4.2 and 5.4 (replies, 421)",
        ),
        PasvRejected => (
            Error,
            "Server: passive mode is off or out of ports — vsftpd pasv_enable=YES and a wide \
             enough pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd -p, pyftpdlib \
             passive_ports, FileZilla Server's passive port range; an \"EPSV ALL\" earlier in \
             the session also forbids PASV. Client: use EPSV (curl's default, lftp set \
             ftp:prefer-epsv yes) or active mode (curl -P -, lftp set ftp:passive-mode off).",
            "RFC 959 4.1.2 (PASV) and 5.4; RFC 2428 4 (EPSV ALL)",
        ),
        ConnectionLimit => (
            Info,
            "Server: allow a few connections per client address — vsftpd max_per_ip / \
             max_clients, ProFTPD MaxClientsPerHost, Pure-FTPd -c (max clients) / -C (per IP), \
             pyftpdlib max_cons_per_ip. Client: run with --sequential to use one control \
             connection from the start.",
            "RFC 959 5.4 (421)",
        ),
        DeadlineExceeded => (
            Error,
            "The step named is where the probe hung: look there first (a server or firewall \
             that goes silent at that step). Client: raise --deadline (default 30s), lower \
             --timeout so each silent step gives up sooner, or probe fewer modes with --modes.",
            "ftpdoctor --deadline: every step has a timeout, the whole probe a deadline",
        ),
        TlsUnavailable => (
            Warn,
            "Server: turn FTPS on — vsftpd ssl_enable=YES with rsa_cert_file and \
             rsa_private_key_file (allow_anon_ssl=YES for anonymous users; \
             force_local_logins_ssl / force_local_data_ssl to require it), ProFTPD mod_tls \
             (TLSEngine on, TLSRSACertificateFile, TLSRequired on), Pure-FTPd -Y 1 (-Y 2 to \
             require it) with /etc/ssl/private/pure-ftpd.pem, pyftpdlib TLS_FTPHandler with \
             certfile, FileZilla Server's FTP over TLS settings. Client: where plain FTP is \
             intended, --tls off says so; curl --ssl-reqd and lftp set ftp:ssl-force true \
             refuse to go on without TLS.",
            "RFC 4217 4 (AUTH TLS) and 15 (security considerations)",
        ),
        TlsHandshakeFailed => (
            Error,
            "certificate: install a certificate for the name clients use, with its whole chain \
             (vsftpd rsa_cert_file holding the chain, ProFTPD TLSRSACertificateFile and \
             TLSCertificateChainFile, Pure-FTPd's pem file); for a private CA give clients \
             the CA (--ca-file here, curl --cacert, lftp set ssl:ca-file). protocol: no TLS \
             version or cipher in common — enable TLS 1.2 and 1.3 (vsftpd ssl_tlsv1_2=YES, \
             ProFTPD TLSProtocol TLSv1.2 TLSv1.3). session-reuse (data connection): the server \
             wants each data connection to resume the control connection's TLS session \
             (vsftpd require_ssl_reuse=YES, ProFTPD by default, FileZilla Server) — use a \
             client that resumes (curl, lftp and FileZilla do) or set vsftpd \
             require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired. closed or timeout: a \
             firewall or FTP helper that breaks TLS on that port.",
            "RFC 4217 7 (data connection TLS) and 10; RFC 8446 (TLS 1.3)",
        ),
        AlgRewrite => (
            Warn,
            "Server: advertise the address clients use so that no helper has to fix the 227 — \
             vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P, pyftpdlib \
             masquerade_address, FileZilla Server \"Use the following IP\" — and forward the \
             passive port range explicitly (vsftpd pasv_min_port/pasv_max_port, ProFTPD \
             PassivePorts, Pure-FTPd -p): a router's FTP helper cannot read TLS, so it neither \
             rewrites nor opens anything for FTPS. Client: ignore the PASV address (curl \
             --ftp-skip-pasv-ip, the default since 7.74; lftp set ftp:fix-pasv-address yes; \
             FileZilla does it by itself when the server's own address is routable) or use EPSV, whose 229 carries no address.",
            "RFC 2663 (NAT and the FTP ALG); RFC 4217 (TLS hides the 227 from middleboxes)",
        ),
        TlsCertificateExpiring => (
            Warn,
            "Renew the certificate and reload the server (vsftpd rsa_cert_file, ProFTPD \
             TLSRSACertificateFile, Pure-FTPd's pem file, pyftpdlib certfile); automate the \
             renewal (certbot, acme.sh) with a hook that reloads the FTP server, which reads \
             its certificate only at start-up.",
            "RFC 5280 4.1.2.5 (validity)",
        ),
        TlsUnverified => (
            Info,
            "Check the certificate instead of skipping the check: give the probe the private \
             CA with --ca-file, or install a certificate from a public CA on the server.",
            "RFC 6125 (checking a server's identity)",
        ),
        TlsDataClear => (
            Warn,
            "Server: accept PROT P — vsftpd ssl_enable=YES (force_local_data_ssl=YES to \
             require it; allow_anon_ssl=YES for anonymous users), ProFTPD TLSRequired on, \
             Pure-FTPd -Y. Client: curl --ssl-reqd and lftp set ftp:ssl-protect-data true \
             refuse clear data connections.",
            "RFC 4217 9 (PROT) and 8 (PBSZ)",
        ),
        DnsServfail => (
            Error,
            "Server side (the name's DNS): SERVFAIL usually means the zone's authoritative \
             servers are unreachable or broken, or its DNSSEC signatures do not validate — \
             check the zone's NS records answer (dig NAME A @EACH-NS) and that the DS record \
             matches the keys; REFUSED means the resolver asked will not serve this client. \
             Client: ask another resolver (ftpdoctor --dns-server IP, dig NAME A @IP) to tell \
             a broken zone from a broken local resolver, or probe the address directly.",
            "RFC 1035 4.1.1 (RCODE 2 SERVFAIL, 5 REFUSED); RFC 4035 5.5 (bogus DNSSEC)",
        ),
        DnsTimeout => (
            Error,
            "Client: the resolver did not answer within --timeout — check that the resolvers \
             in /etc/resolv.conf are reachable (UDP and TCP 53 allowed out), try another one \
             with --dns-server IP, or raise --timeout for a slow one. Server side: an \
             authoritative server that drops queries makes every resolver time out — check \
             each NS answers (dig NAME A @EACH-NS).",
            "RFC 1035 4.2 (UDP and TCP transport); RFC 1536 (common DNS implementation errors)",
        ),
        PassivePortsFiltered => (
            Error,
            "Server: open exactly the configured passive range, all of it, in every firewall, \
             security group and port-forward in front of the server — and make the range the \
             server uses match it: vsftpd pasv_min_port/pasv_max_port, ProFTPD PassivePorts, \
             Pure-FTPd -p 30000:30099 (--passiveportrange), pyftpdlib passive_ports, \
             FileZilla Server's passive port range. The sampled lowest–highest ports show the \
             range the server really uses. Client: retrying a failed transfer usually gets \
             another port; active mode avoids the range (curl -P -, lftp set \
             ftp:passive-mode off).",
            "RFC 959 4.1.2 (PASV); RFC 2428 3 (EPSV); RFC 1579 (firewall-friendly FTP)",
        ),
        Ipv6TranslatedPath => (
            Info,
            "Nothing to fix if it works: the connection is IPv4 underneath. An IPv4-mapped \
             address (::ffff:a.b.c.d) is the IPv4 server reached through a dual-stack socket; \
             a NAT64 address (64:ff9b::/96) means a DNS64 resolver synthesised the AAAA and a \
             NAT64 gateway translates — PASV's IPv4 address is then unreachable from an \
             IPv6-only client, so clients must use EPSV (curl's default, lftp set \
             ftp:prefer-epsv yes). Server: publish a real AAAA record and enable EPSV for \
             IPv6 clients.",
            "RFC 4291 2.5.5.2 (IPv4-mapped); RFC 6052 and RFC 6146 (NAT64); RFC 2428 (EPSV)",
        ),
        BannerSlow => (
            Warn,
            "Server: a greeting that waits seconds is almost always the server looking up the \
             client's name (reverse DNS, or ident) and waiting for its resolver to time out — \
             vsftpd reverse_lookup_enable=NO, ProFTPD UseReverseDNS off and IdentLookups off, \
             Pure-FTPd -H (--dontresolve); or make the server's resolver answer PTR queries \
             for its clients' addresses quickly (a reachable resolver in /etc/resolv.conf). \
             Client: raise the connect/reply timeout meanwhile (curl --connect-timeout and \
             --ftp-response-timeout, lftp set net:timeout, ftpdoctor --timeout).",
            "RFC 959 5.4 (220 on connection); RFC 1413 (ident)",
        ),
        ActiveUnsupported => (
            Warn,
            "Nothing wrong with the address: the server has no active mode (some embedded and \
             cloud FTP servers, and gateways that allow passive only). Clients must use passive \
             mode — curl's default (not -P/--ftp-port), lftp set ftp:passive-mode on, wget \
             without --no-passive-ftp, FileZilla Transfer mode \"Passive\", commons-net \
             enterLocalPassiveMode(); Windows ftp.exe, which knows only active mode, cannot \
             transfer. Server: enable active mode where the software has it (vsftpd \
             port_enable=YES, pyftpdlib permit_privileged_ports/FTPHandler.active_dtp).",
            "RFC 959 4.1.2 (PORT) and 5.4 (502, 504); RFC 2428 2 (EPRT)",
        ),
        TransferCapped => (
            Info,
            "Nothing to fix: the probe reads at most 4 MiB of a listing or file (a probe is \
             not a download), then closes the data connection. Point the target at a smaller file or a directory \
             (ftp://host/pub/) to see the transfer complete with its 226.",
            "RFC 959 4.1.3 (RETR, LIST) and 5.4 (226)",
        ),
        DnsRefused => (
            Error,
            "The resolver asked is not running a DNS service on that address: its port answered \
             ICMP port unreachable at once. Fix /etc/resolv.conf (nameserver lines) or the \
             resolver itself (systemd-resolved, dnsmasq, unbound listening on port 53), or ask \
             another one (ftpdoctor --dns-server IP; dig NAME @RESOLVER).",
            "RFC 1035 4.2.1 (UDP usage); RFC 1122 4.1.3.1 (ICMP port unreachable)",
        ),
        TlsStarttlsRace => (
            Error,
            "Server: after sending 234 to AUTH TLS the server must switch the socket to TLS \
             before it reads another byte; this one reads on in plaintext for a moment, so a \
             client whose ClientHello arrives at once (every TLS library sends it straight after \
             the 234) gets a plaintext error instead of a handshake. Fix or upgrade the server \
             (or the FTPS proxy in front of it); where possible use implicit FTPS (port 990: \
             vsftpd implicit_ssl=YES, ProFTPD TLSOptions UseImplicitSSL). Client: a retry may \
             win the race; nothing configures a delay before the handshake in curl or lftp.",
            "RFC 4217 4 (AUTH TLS, 234 then the handshake); RFC 8446 4.1.2 (ClientHello)",
        ),
        DataTlsDeadlock => (
            Error,
            "Server: under PROT P a server must send its 150/125 before (or regardless of) the \
             data connection's TLS handshake, as vsftpd, ProFTPD and Pure-FTPd do. This one waits \
             for the client's handshake first. Clients that handshake as soon as the data \
             connection opens work (FileZilla; curl 7.88 in passive mode); clients that wait for \
             the 1yz first hang until their timeout (Python ftplib FTP_TLS, ftpdoctor). Fix or \
             upgrade the server; meanwhile use such a client, or PROT C (clear data) where that \
             is acceptable.",
            "RFC 4217 7 and 9 (data connection protection); RFC 959 5.4 (150 before data)",
        ),
        ServerBehindNat => (
            Info,
            "Nothing to fix while passive transfers work: the server's greeting names a private \
             address of its own, so it sits behind a NAT and clients reach it through a port \
             forward. Its passive replies must then carry the public address (vsftpd \
             pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P, pyftpdlib \
             masquerade_address) and the passive port range must be forwarded (vsftpd \
             pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd -p).",
            "RFC 2663 (NAT terminology); RFC 1918; RFC 959 4.1.2 (PASV)",
        ),
        // Each topic file answers for its own ids; a test checks that none is left empty.
        EgressAddressVaries
        | DataSourceRejected
        | LbNoAffinity
        | ModeIntermittent
        | ProxyRefused
        | ProxyBlocksDataPort
        | ProxyNoBind
        | PathNotFound
        | PlaintextLoginRefused
        | MtuBlackhole
        | ControlIdleTimeout
        | UploadRefused
        | UploadStalled => path::entry(id).unwrap_or((Error, "", "")),
        ConfigPassiveDisabled
        | ConfigNoPassiveRange
        | ConfigNoPublicAddress
        | ConfigPromiscuous
        | ConfigReverseDns
        | ConfigUnknownSetting
        | FirewallPassiveRangeClosed
        | FirewallHelperMissing
        | DeployYamlBase60
        | DeployRangeRemapped
        | DeployRangeMismatch
        | DeployPassivePortsUnpublished
        | ProbeContradictsConfig => inspect::entry(id).unwrap_or((Error, "", "")),
    };
    Entry {
        severity,
        fix,
        reference,
    }
}
