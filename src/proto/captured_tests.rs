//! The parsers against replies captured byte for byte from real servers (vsftpd 3.0.3,
//! ProFTPD 1.3.8, Pure-FTPd 1.0.50, pyftpdlib 2.2.0) on loopback and through the netns NAT
//! router: fixtures/captured/, written by tests/harness/tools/capture.py (see fixtures/README.md).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};

use super::passive::{parse_227, parse_229};
use super::reply::{Reply, ReplyError, ReplyParser};
use super::stat::client_address;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/captured")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    out.sort();
    out
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every reply in `wire`, fed in chunks of `chunk` bytes (the parser keeps partial input).
fn parse(wire: &[u8], chunk: usize) -> Result<Vec<Reply>, ReplyError> {
    let mut parser = ReplyParser::new();
    let mut out = Vec::new();
    for piece in wire.chunks(chunk) {
        parser.feed(piece);
        while let Some(reply) = parser.next_reply()? {
            out.push(reply);
        }
    }
    assert!(!parser.has_partial_input(), "bytes left over");
    Ok(out)
}

fn one(name: &str) -> Reply {
    let path = dir().join(name);
    match parse(&read(&path), usize::MAX).as_deref() {
        Ok([reply]) => reply.clone(),
        other => panic!("{}: {other:?}", path.display()),
    }
}

fn named(fragment: &str) -> Vec<PathBuf> {
    let all: Vec<PathBuf> = files(&dir())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(fragment))
        .collect();
    assert!(!all.is_empty(), "no captured file ends with {fragment}");
    all
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_captured_file_is_one_reply_whole_or_byte_by_byte() {
    let all = files(&dir());
    assert!(all.len() >= 80, "captured fixtures missing: {}", all.len());
    for path in all {
        let wire = read(&path);
        let whole = parse(&wire, usize::MAX);
        assert!(
            matches!(whole.as_deref(), Ok([_])),
            "{}: {whole:?}",
            path.display()
        );
        assert_eq!(parse(&wire, 1), whole, "{}", path.display());
    }
}

#[test]
fn captured_file_names_give_the_reply_code_they_hold() {
    // `...-list-150.txt`, `...-user-331.txt`: the code in the name is the code parsed.
    for path in files(&dir()) {
        let name = name_of(&path);
        let stem = name.trim_end_matches(".txt");
        let Some(code) = stem.rsplit('-').next().and_then(|c| c.parse::<u16>().ok()) else {
            continue;
        };
        if !(100..600).contains(&code) {
            continue;
        }
        assert_eq!(one(&name).code, code, "{name}");
    }
}

#[test]
fn every_captured_session_parses_whole_and_in_odd_chunks() {
    for path in files(&dir().join("sessions")) {
        let wire = read(&path);
        let whole = parse(&wire, usize::MAX).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let codes: Vec<u16> = whole.iter().map(|r| r.code).collect();
        assert_eq!(codes.first(), Some(&220), "{}: {codes:?}", path.display());
        assert_eq!(codes.last(), Some(&221), "{}: {codes:?}", path.display());
        assert!(codes.contains(&227) && codes.contains(&229), "{codes:?}");
        for chunk in [1, 2, 7, 64] {
            assert_eq!(
                parse(&wire, chunk).as_ref(),
                Ok(&whole),
                "{path:?} by {chunk}"
            );
        }
    }
}

fn pasv_ip(fragment: &str, want: Ipv4Addr) {
    for path in named(fragment) {
        let name = name_of(&path);
        let got = parse_227(&one(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(*got.ip(), want, "{name}");
        assert_ne!(got.port(), 0, "{name}");
    }
}

#[test]
fn real_227_replies_on_loopback_name_loopback() {
    for server in [
        "vsftpd-3.0.3",
        "proftpd-1.3.8",
        "pureftpd-1.0.50",
        "pyftpdlib-2.2.0",
    ] {
        pasv_ip(&format!("{server}-pasv.txt"), Ipv4Addr::LOCALHOST);
    }
}

/// The passive range the netns router forwards (tests/harness/nat.py PASV_PORTS).
fn in_lab_range(addr: SocketAddrV4) -> bool {
    (50000..=50019).contains(&addr.port())
}

#[test]
fn real_227_behind_nat_without_masquerade_names_the_private_server() {
    pasv_ip("-nat-private-pasv.txt", Ipv4Addr::new(10, 77, 0, 2));
    for path in named("-nat-private-pasv.txt") {
        let got = parse_227(&one(&name_of(&path)));
        assert!(got.is_ok_and(in_lab_range), "{path:?}");
    }
}

#[test]
fn alg_rewritten_227_names_the_router_not_the_server() {
    // The same servers, same config, with nf_conntrack_ftp on the router: the kernel
    // rewrote the plaintext 227 on its way out, every server's punctuation kept.
    pasv_ip("-nat-alg-pasv.txt", Ipv4Addr::new(203, 0, 113, 1));
    let pure = one("pureftpd-1.0.50-nat-alg-pasv.txt").text();
    assert!(pure.ends_with(')'), "{pure}");
    let vsftpd = one("vsftpd-3.0.3-nat-alg-pasv.txt").text();
    assert!(vsftpd.ends_with(")."), "{vsftpd}");
}

#[test]
fn real_229_replies_parse_whatever_the_words_around_them() {
    for path in named("-epsv.txt") {
        let name = name_of(&path);
        let port = parse_229(&one(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_ne!(port, 0, "{name}");
    }
    // Pure-FTPd's own words and pyftpdlib's trailing dot.
    assert!(
        one("pureftpd-1.0.50-epsv.txt")
            .text()
            .starts_with("Extended Passive mode OK")
    );
    assert!(one("pyftpdlib-2.2.0-epsv.txt").text().ends_with(")."));
}

#[test]
fn pureftpd_real_banner_is_one_reply_of_five_lines() {
    for name in [
        "pureftpd-1.0.50-banner.txt",
        "pureftpd-1.0.50-nat-private-banner.txt",
    ] {
        let banner = one(name);
        assert_eq!(banner.code, 220);
        assert_eq!(banner.lines.len(), 5, "{name}: {:?}", banner.lines);
        assert!(banner.lines[0].starts_with("220---------- Welcome to Pure-FTPd"));
    }
}

#[test]
fn pureftpd_real_anonymous_login_needs_no_pass() {
    assert_eq!(
        one("pureftpd-1.0.50-user-230.txt").text(),
        "Anonymous user logged in"
    );
}

#[test]
fn proftpd_real_banner_ends_with_the_servers_own_address() {
    assert!(
        one("proftpd-1.3.8-banner.txt")
            .text()
            .ends_with("[127.0.0.1]")
    );
    let behind_nat = one("proftpd-1.3.8-nat-private-banner.txt").text();
    assert!(behind_nat.ends_with("[10.77.0.2]"), "{behind_nat}");
}

#[test]
fn pyftpdlib_real_125_and_connect_back_during_port() {
    for case in ["eprt", "port"] {
        let reply = one(&format!("pyftpdlib-2.2.0-{case}.txt"));
        assert_eq!(reply.text(), "Active data connection established.");
        assert!(one(&format!("pyftpdlib-2.2.0-{case}-list-125.txt")).is_positive_preliminary());
    }
}

#[test]
fn real_port_and_eprt_refusals_from_behind_nat_are_5xx() {
    // What each server answers a PORT/EPRT naming 192.168.50.2 when it sees 10.77.0.1.
    for path in named("-nat-client-port.txt")
        .into_iter()
        .chain(named("-nat-client-eprt.txt"))
    {
        let reply = one(&name_of(&path));
        assert_eq!(reply.class(), 5, "{path:?}: {reply:?}");
    }
    assert_eq!(
        one("vsftpd-3.0.3-nat-client-port.txt").text(),
        "Illegal PORT command."
    );
    assert_eq!(
        one("pureftpd-1.0.50-nat-client-eprt.txt").text(),
        "I won't open a connection to 192.168.50.2 (only to 10.77.0.1)"
    );
}

#[test]
fn real_connection_limit_refusals_are_421_or_530_at_login() {
    for server in ["vsftpd-3.0.3", "pureftpd-1.0.50", "pyftpdlib-2.2.0"] {
        assert_eq!(
            one(&format!("{server}-limit-second-connection.txt")).code,
            421
        );
    }
    // ProFTPD greets the extra connection and refuses it only once it logs in.
    assert_eq!(one("proftpd-1.3.8-limit-second-connection.txt").code, 220);
    assert_eq!(
        one("proftpd-1.3.8-limit-second-connection-pass.txt").code,
        530
    );
}

#[test]
fn real_stat_names_the_client_the_server_sees_or_nothing() {
    // Behind the router's masquerade: vsftpd and ProFTPD name the router's inside address;
    // pyftpdlib names its own address (not taken) and Pure-FTPd names nothing.
    let nat = std::net::IpAddr::V4(Ipv4Addr::new(10, 77, 0, 1));
    for (name, want) in [
        ("vsftpd-3.0.3-nat-client-stat.txt", Some(nat)),
        ("proftpd-1.3.8-nat-client-stat.txt", Some(nat)),
        ("pureftpd-1.0.50-nat-client-stat.txt", None),
        ("pyftpdlib-2.2.0-nat-client-stat.txt", None),
    ] {
        assert_eq!(client_address(&one(name)), want, "{name}");
    }
    let loopback = std::net::IpAddr::V4(Ipv4Addr::LOCALHOST);
    for server in ["vsftpd-3.0.3", "proftpd-1.3.8"] {
        let name = format!("{server}-stat.txt");
        assert_eq!(client_address(&one(&name)), Some(loopback), "{name}");
    }
}
