//! What a server says about the connection: the client address as it sees it (STAT, a
//! PORT refusal), which differs from ours when a NAT sits in between, and its own address
//! (a greeting), which differs from the one we dialled when the server sits behind one.

use std::net::IpAddr;

use super::Reply;

/// The client address in an argument-less STAT reply, where the server names it:
/// vsftpd `Connected to 192.0.2.5`, ProFTPD `Connected from 192.0.2.5 (192.0.2.5)`.
/// pyftpdlib's `Connected to: 127.0.0.1:21` names the server itself and is not taken,
/// nor is a host name (IIS names the client by its reverse DNS).
pub fn client_address(reply: &Reply) -> Option<IpAddr> {
    if reply.code != 211 && reply.code != 212 && reply.code != 213 {
        return None;
    }
    reply.lines.iter().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words
            .windows(2)
            .position(|w| w[0].eq_ignore_ascii_case("connected") && is_client_word(w[1]))?;
        let candidate = words.get(at + 2)?;
        let candidate = candidate.trim_matches(|c| matches!(c, '(' | ')' | '[' | ']' | ',' | '.'));
        candidate.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
    })
}

/// The client address a PORT/EPRT refusal says the server accepts, where it names one
/// other than the address sent: Pure-FTPd's `I won't open a connection to 10.88.0.2 (only
/// to 10.77.0.1)`. pyftpdlib's `Rejected data connection to foreign address
/// 192.168.50.2:43721.` names only what was sent, and yields nothing.
pub fn refusal_names_client(text: &str, sent: IpAddr) -> Option<IpAddr> {
    let sent = sent.to_canonical();
    addresses_in(text).find(|ip| *ip != sent)
}

/// The address in square brackets in a greeting: ProFTPD's `ProFTPD Server (name)
/// [10.77.0.2]` names the server's own address, as its host sees it.
pub fn greeting_names_server(text: &str) -> Option<IpAddr> {
    text.split('[')
        .skip(1)
        .filter_map(|rest| rest.split_once(']'))
        .find_map(|(inside, _)| inside.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// The first IP address (or address:port) a reply text names: the foreign address in
/// pyftpdlib's `425 Rejected data connection from foreign address 10.77.0.3:46844.`
pub fn first_address(text: &str) -> Option<IpAddr> {
    addresses_in(text).next()
}

/// Every IP address (or address:port) among the words of `text`, stripped of punctuation.
fn addresses_in(text: &str) -> impl Iterator<Item = IpAddr> + '_ {
    text.split_whitespace().filter_map(|word| {
        let word = word.trim_matches(|c| matches!(c, '(' | ')' | '[' | ']' | ',' | '.' | ';'));
        word.parse::<IpAddr>()
            .ok()
            .or_else(|| word.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
            .map(|ip| ip.to_canonical())
    })
}

/// `to` and `from`, but not `to:` (pyftpdlib's server address).
fn is_client_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("to") || word.eq_ignore_ascii_case("from")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply {
            code,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn pureftpd_refusal_names_the_address_it_would_accept() {
        let text = "I won't open a connection to 10.88.0.2 (only to 10.77.0.1)";
        let sent = "10.88.0.2".parse().unwrap();
        assert_eq!(
            refusal_names_client(text, sent),
            Some("10.77.0.1".parse().unwrap())
        );
    }

    #[test]
    fn pyftpdlib_425_names_the_foreign_source_with_its_port() {
        let text = "Rejected data connection from foreign address 10.77.0.3:46844.";
        assert_eq!(first_address(text), Some("10.77.0.3".parse().unwrap()));
        assert_eq!(first_address("Security: Bad IP connecting."), None);
    }

    #[test]
    fn pyftpdlib_refusal_names_only_the_address_sent() {
        let text = "Rejected data connection to foreign address 192.168.50.2:43721.";
        let sent = "192.168.50.2".parse().unwrap();
        assert_eq!(refusal_names_client(text, sent), None);
        assert_eq!(refusal_names_client("Illegal PORT command.", sent), None);
    }

    #[test]
    fn proftpd_greeting_names_the_servers_own_address_in_brackets() {
        let text = "ProFTPD Server (lab proftpd) [10.77.0.2]";
        assert_eq!(
            greeting_names_server(text),
            Some("10.77.0.2".parse().unwrap())
        );
        assert_eq!(greeting_names_server("[pub] FTP server ready"), None);
        assert_eq!(greeting_names_server("(vsFTPd 3.0.3)"), None);
    }

    #[test]
    fn vsftpd_names_the_client_after_connected_to() {
        let r = reply(
            211,
            &[
                "211-FTP server status:",
                "     Connected to 192.0.2.5",
                "     Logged in as ftp",
                "211 End of status",
            ],
        );
        assert_eq!(client_address(&r), Some("192.0.2.5".parse().unwrap()));
    }

    #[test]
    fn proftpd_names_the_client_after_connected_from() {
        let r = reply(
            211,
            &[
                "211-Status of 'ProFTPD Server'",
                " Connected from 10.1.2.3 (10.1.2.3)",
                "211 End of status",
            ],
        );
        assert_eq!(client_address(&r), Some("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn pyftpdlib_connected_to_colon_is_the_server_not_the_client() {
        let r = reply(
            211,
            &[
                "211-FTP server status:",
                " Connected to: 127.0.0.1:2121",
                "211 End of status.",
            ],
        );
        assert_eq!(client_address(&r), None);
    }

    #[test]
    fn host_names_and_refusals_give_no_address() {
        let iis = reply(
            211,
            &[
                "211-status:",
                "     Connected to client.example.com",
                "211 End",
            ],
        );
        assert_eq!(client_address(&iis), None);
        let refused = reply(502, &["502 Command not implemented."]);
        assert_eq!(client_address(&refused), None);
    }

    #[test]
    fn mapped_ipv4_is_shown_as_ipv4() {
        let r = reply(211, &["211-x", " Connected to ::ffff:192.0.2.9", "211 End"]);
        assert_eq!(client_address(&r), Some("192.0.2.9".parse().unwrap()));
    }
}
