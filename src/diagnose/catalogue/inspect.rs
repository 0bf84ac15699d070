//! The catalogue's entries for what `inspect` finds in the server's own files: its config,
//! the firewall ruleset and the container or Kubernetes manifests. `inspect`'s findings name
//! the exact line; these texts hold each id's whole fix.

use super::super::{FindingId, Severity};

/// `(severity, fix, reference)` for the ids of this topic; `None` for every other id.
pub(super) fn entry(id: FindingId) -> Option<(Severity, &'static str, &'static str)> {
    use FindingId::*;
    use Severity::*;
    Some(match id {
        ConfigPassiveDisabled => (
            Error,
            "Turn passive mode on: vsftpd pasv_enable=YES; ProFTPD: remove the <Limit PASV EPSV> \
             block that denies it. Nearly every client uses passive mode by default.",
            "RFC 959 4.1.2 (PASV); RFC 2428 3 (EPSV)",
        ),
        ConfigNoPassiveRange => (
            Warn,
            "Set a fixed passive port range and open exactly that range in every firewall and \
             port-forward: vsftpd pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd \
             -p 30000:30099 (Debian: /etc/pure-ftpd/conf/PassivePortRange), pyftpdlib \
             passive_ports.",
            "RFC 1579 (firewall-friendly FTP)",
        ),
        ConfigNoPublicAddress => (
            Error,
            "The host has only private addresses and clients come through a NAT, so the 227 \
             must carry the public address: vsftpd pasv_address=PUBLIC_IP (pasv_addr_resolve=YES \
             for a name, resolved once at start), ProFTPD MasqueradeAddress, Pure-FTPd -P \
             (Debian: /etc/pure-ftpd/conf/ForcePassiveIP), pyftpdlib masquerade_address.",
            "RFC 959 4.1.2 (PASV); RFC 1918; RFC 2663 (NAT)",
        ),
        ConfigPromiscuous => (
            Warn,
            "The server accepts data connections from (or connects to) any address: data- \
             connection theft and FTP bounce become possible. Turn it off: vsftpd \
             pasv_promiscuous=NO and port_promiscuous=NO, ProFTPD AllowForeignAddress off, \
             pyftpdlib permit_foreign_addresses=False. Fix the NAT pool that made it look \
             necessary instead (egress-address-varies).",
            "RFC 2577 3 (FTP bounce) and 5 (port stealing)",
        ),
        ConfigReverseDns => (
            Info,
            "The server looks up each client's name before greeting it: when DNS is slow or \
             dropped, the greeting comes 5 to 10 s late. Turn it off: ProFTPD UseReverseDNS off \
             (and IdentLookups off), Pure-FTPd -H (--dontresolve), Red Hat's vsftpd \
             reverse_lookup_enable=NO.",
            "RFC 959 5.4 (220 on connection)",
        ),
        ConfigUnknownSetting => (
            Error,
            "The server does not know this setting and will refuse to start (vsftpd: \"500 OOPS: \
             unrecognised variable in config file\"; ProFTPD: \"unknown configuration \
             directive\"). Fix the spelling (see the did-you-mean), or remove the line.",
            "vsftpd.conf(5); ProFTPD configuration directives",
        ),
        FirewallPassiveRangeClosed => (
            Error,
            "Accept the whole configured passive range in the input (or forward) path: nftables \
             tcp dport 30000-30099 accept; iptables -A INPUT -p tcp --dport 30000:30099 -j \
             ACCEPT; and forward it on every NAT in front (DNAT to the server for the same \
             ports).",
            "RFC 1579 (firewall-friendly FTP); nft(8)",
        ),
        FirewallHelperMissing => (
            Error,
            "The ruleset accepts data connections only as ct state related, but no FTP conntrack \
             helper is assigned, and since Linux 4.7 the kernel does not assign one by itself \
             (6.0 removed nf_conntrack_helper). Assign it explicitly: nftables ct helper \
             \"ftp-standard\" { type \"ftp\" protocol tcp; } with tcp dport 21 ct helper set \
             \"ftp-standard\" in a chain at priority above -200; iptables -t raw -A PREROUTING -p \
             tcp --dport 21 -j CT --helper ftp. Or open the passive range explicitly instead: \
             the helper cannot read TLS sessions anyway.",
            "nft(8) ct helper; Linux commit 3bb398d925ec (nf_conntrack_helper default off)",
        ),
        DeployYamlBase60 => (
            Error,
            "YAML 1.1 reads an unquoted NN:NN with both parts under 60 as a base-60 number \
             (21:21 is 1281), so the port mapping is wrong. Quote every port mapping in \
             compose files: \"21:21\", \"30000-30099:30000-30099\".",
            "YAML 1.1 int type (sexagesimal); Compose file reference, ports",
        ),
        DeployRangeRemapped => (
            Error,
            "The passive range is published to other host ports, but the server advertises its \
             own ports in 227/229, so clients dial ports nobody forwards. Publish the range to \
             the same port numbers (\"30000-30099:30000-30099\").",
            "RFC 959 4.1.2 (PASV carries the server's port); Compose file reference, ports",
        ),
        DeployRangeMismatch => (
            Error,
            "The range published (or opened in the firewall, or exposed by the Service) differs \
             from the server's configured passive range: make them the same \
             (pasv_min_port/pasv_max_port, PASV_MIN_PORT/PASV_MAX_PORT, FTP_PASSIVE_PORTS).",
            "RFC 1579 (firewall-friendly FTP)",
        ),
        DeployPassivePortsUnpublished => (
            Error,
            "Port 21 is published but the passive range is not, so every passive data connection \
             fails. Publish the range (compose ports \"30000-30099:30000-30099\"; Kubernetes: one \
             Service port per passive port, since Services have no port ranges, or \
             hostNetwork: true); keep the range small.",
            "Kubernetes Service ports (no ranges, kubernetes#23864); Compose file reference, ports",
        ),
        ProbeContradictsConfig => (
            Error,
            "What the outside probe saw cannot come from this config: something between rewrites \
             the 227 (a NAT's FTP helper, a proxy), or another server answers on that address. \
             Check the port-forward's target, the NAT's FTP helper and that the config read is \
             the one the running server uses.",
            "RFC 959 4.1.2 (PASV); RFC 2663 (NAT)",
        ),
        _ => return None,
    })
}
