//! Every note a ladder diagram gives a learner, in one table: each kind of note and its
//! words, with the RFC section that says so. The diagram numbers them as they first
//! appear.

use std::net::IpAddr;

use crate::addr::AddrClass;

/// A note a step of the diagram may point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Note {
    /// What a mode's request (or the transfer's) asks for; the verb as sent.
    Request(&'static str),
    /// A 227 that advertised a private or shared address.
    PasvPrivate { ip: IpAddr, class: AddrClass },
    /// A 227 that advertised some other address than the server's.
    PasvOther { ip: IpAddr, class: AddrClass },
    /// A 227 that advertised the server's own address.
    PasvOwn { port: u16 },
    /// The 229's shape.
    Epsv,
    /// A 500–504 refusal of the command.
    NotAccepted(u16),
    /// 425: no data connection.
    NoDataConnection,
    /// A SYN nobody answered.
    Dropped,
    /// A connect refused.
    Refused,
    /// The server connected back (active mode).
    ConnectedBack,
    /// The server never connected back.
    NeverConnectedBack,
    /// The data connection's own TLS handshake, resumed or not.
    DataTls { resumed: bool },
    /// The advertised address was not dialled.
    NotDialled,
    /// The server's own address was dialled with the advertised port.
    Substitute,
}

impl Note {
    /// The note's words.
    pub(super) fn text(&self) -> String {
        match self {
            Note::Request("PASV") => "PASV asks the server to listen on a new port and to say \
                where, as h1,h2,h3,h4,p1,p2 in a 227 reply (RFC 959 4.1.2)."
                .to_string(),
            Note::Request("EPSV") => "EPSV asks the same, but the 229 reply carries only the \
                port: the client connects to the address it already uses for the control \
                connection (RFC 2428 3)."
                .to_string(),
            Note::Request("PORT") => "PORT tells the server the client's address and a port it \
                listens on; the server connects back to it for the data (RFC 959 4.1.2, active \
                mode)."
                .to_string(),
            Note::Request("EPRT") => {
                "EPRT is PORT for any address family, IPv6 included (RFC 2428 2).".to_string()
            }
            Note::Request(verb) => format!(
                "{verb} asks for the data; the server answers 150 (or 125), moves the data over \
                 the data connection and says 226 when it is done (RFC 959 4.1.3, 5.4)."
            ),
            Note::PasvPrivate { ip, class } => format!(
                "The 227 carried {ip}, a {class} address ({}): the server sits behind NAT and \
                 was not told its public address. A client that follows it hangs here.",
                if *class == AddrClass::Private {
                    "RFC 1918"
                } else {
                    "RFC 6598"
                }
            ),
            Note::PasvOther { ip, class } => format!(
                "The 227 carried {ip} ({class}), not the address the client reached the server \
                 on: a stale or wrong masquerade address (RFC 959 4.1.2)."
            ),
            Note::PasvOwn { port } => format!(
                "The 227 carried the server's own address and port {port} (p1×256+p2, \
                 RFC 959 4.1.2)."
            ),
            Note::Epsv => {
                "229 gives only the port, between delimiters: (|||port|) (RFC 2428 3).".to_string()
            }
            Note::NotAccepted(code) => {
                format!("{code}: the server does not accept this command here (RFC 959 4.2).")
            }
            Note::NoDataConnection => {
                "425: the server could not open the data connection (RFC 959 4.2).".to_string()
            }
            Note::Dropped => "Nothing answered the SYN: a firewall drops packets to this port \
                without a word, so the client waits its whole timeout (RFC 9293 3.5; RFC 1579 on \
                firewall-friendly FTP)."
                .to_string(),
            Note::Refused => "The connect was refused at once: a RST (nothing listens on that \
                port, or a firewall rule `reject with tcp reset` / `-j REJECT --reject-with \
                tcp-reset`) or an ICMP port-unreachable (what iptables' and nftables' reject \
                send by default). Both read as \"connection refused\"; only a packet capture \
                tells them apart (RFC 9293 3.5.2; RFC 1122 4.2.3.9)."
                .to_string(),
            Note::ConnectedBack => "The server opened the data connection to the client: in \
                active mode the server connects back (RFC 959 3.2)."
                .to_string(),
            Note::NeverConnectedBack => "The server never connected back. A firewall or NAT in \
                front of the client does not let the server's connection in; passive mode \
                avoids this (RFC 959 3.2; RFC 1579)."
                .to_string(),
            Note::DataTls { resumed: true } => "The data connection has its own TLS handshake \
                and resumed the control connection's session, which servers such as vsftpd \
                (require_ssl_reuse) demand (RFC 4217 7)."
                .to_string(),
            Note::DataTls { resumed: false } => "The data connection has its own TLS \
                handshake, here a new session (RFC 4217 7)."
                .to_string(),
            Note::NotDialled => "ftpdoctor does not dial an advertised address other than the \
                server's own (curl CVE-2020-8284): it dials the server's address with the \
                advertised port instead, as curl does (FileZilla does it only when the \
                server's own address is routable)."
                .to_string(),
            Note::Substitute => "The client dialled the server's own address with the \
                advertised port: what curl (--ftp-skip-pasv-ip, the default since 7.74) does, \
                and FileZilla when the server's own address is routable."
                .to_string(),
        }
    }

    /// The note a request verb gets, if any.
    pub(super) fn for_request(line: &str) -> Option<Note> {
        let verb = line.split_whitespace().next()?;
        ["PASV", "EPSV", "PORT", "EPRT", "LIST", "RETR"]
            .into_iter()
            .find(|v| v.eq_ignore_ascii_case(verb))
            .map(Note::Request)
    }
}
