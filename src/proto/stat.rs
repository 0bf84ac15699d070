//! What a STAT reply says about the connection: the client address as the server sees
//! it, which differs from ours when a NAT sits in between.

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
