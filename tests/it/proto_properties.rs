//! Property tests of the protocol layer: the reply parser does not care how the bytes
//! are cut, and every address format we write, we read back as the same address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use proptest::prelude::*;

use ftpdoctor::proto::passive::{
    format_227, format_229, format_eprt_arg, format_port_arg, parse_227_text, parse_229_text,
    parse_eprt_arg, parse_port_arg,
};
use ftpdoctor::proto::reply::MAX_LINE_LEN;
use ftpdoctor::proto::{Command, Reply, ReplyError, ReplyParser};

/// Longest stream also fed one byte at a time (a debug build feeds some 10 MB/s so).
const BYTE_BY_BYTE_MAX: usize = 16 * 1024;

/// Feeds `wire` in pieces of `sizes` (cycled, each at least 1 byte), draining after
/// every feed as the control connection does.
fn parse_in_chunks(wire: &[u8], sizes: &[usize]) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::new();
    let mut out = Vec::new();
    let mut rest = wire;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).clamp(1, rest.len()));
        parser.feed(chunk);
        rest = tail;
        loop {
            match parser.next_reply() {
                Ok(Some(reply)) => out.push(Ok(reply)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

/// Pieces of a control-channel byte stream: mostly reply-shaped, with the awkward
/// cases mixed in — any bytes, bare line ends, lines around the length limit, and
/// multi-line openers whose end may never come.
fn wire_piece() -> impl Strategy<Value = Vec<u8>> {
    let code = 100u16..=599;
    prop_oneof![
        4 => (code.clone(), "[ -~]{0,40}").prop_map(|(c, t)| format!("{c} {t}\r\n").into_bytes()),
        3 => (code.clone(), "[ -~]{0,40}").prop_map(|(c, t)| format!("{c}-{t}\r\n").into_bytes()),
        2 => proptest::collection::vec(any::<u8>(), 0..48),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(b"\n".to_vec()),
        // Around the byte limit of a whole reply: 10 to 23 lines of 4000 bytes, ASCII
        // or invalid UTF-8, with or without the last line.
        1 => (code.clone(), 10usize..24, any::<bool>(), any::<bool>()).prop_map(|(c, n, ascii, end)| {
            let mut line = format!("{c}-").into_bytes();
            line.resize(4000, if ascii { b'a' } else { 0xff });
            line.extend_from_slice(b"\r\n");
            let mut block = line.repeat(n);
            if end {
                block.extend_from_slice(format!("{c} end\r\n").as_bytes());
            }
            block
        }),
        1 => (code, MAX_LINE_LEN - 8..MAX_LINE_LEN + 8, any::<bool>()).prop_map(|(c, n, crlf)| {
            let mut line = format!("{c} ").into_bytes();
            line.resize(n, b'x');
            if crlf {
                line.extend_from_slice(b"\r\n");
            }
            line
        }),
    ]
}

fn wire() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(wire_piece(), 0..24).prop_map(|pieces| pieces.concat())
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(1usize..600, 1..16)
}

fn socket_v4() -> impl Strategy<Value = SocketAddrV4> {
    (any::<u32>(), 1u16..=u16::MAX)
        .prop_map(|(ip, port)| SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

fn socket_any() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        socket_v4().prop_map(SocketAddr::V4),
        (any::<u128>(), 1u16..=u16::MAX)
            .prop_map(|(ip, port)| SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port)),
    ]
}

/// RFC 2428: any printable ASCII but digits may delimit EPRT and 229 fields.
fn delimiter() -> impl Strategy<Value = char> {
    (33u8..=126)
        .prop_filter("not a digit", |b| !b.is_ascii_digit())
        .prop_map(char::from)
}

proptest! {
    #[test]
    fn reply_parser_gives_the_same_replies_however_the_bytes_are_chunked(
        wire in wire(),
        sizes in chunk_sizes(),
    ) {
        let whole = parse_in_chunks(&wire, &[wire.len()]);
        prop_assert_eq!(&parse_in_chunks(&wire, &sizes), &whole);
        // Byte by byte too, where that stays quick in a debug build.
        if wire.len() <= BYTE_BY_BYTE_MAX {
            prop_assert_eq!(&parse_in_chunks(&wire, &[1]), &whole);
        }
    }

    #[test]
    fn reply_parser_chunking_does_not_matter_for_arbitrary_bytes(
        wire in proptest::collection::vec(any::<u8>(), 0..2048),
        sizes in chunk_sizes(),
    ) {
        let whole = parse_in_chunks(&wire, &[wire.len()]);
        prop_assert_eq!(parse_in_chunks(&wire, &sizes), whole);
    }

    #[test]
    fn multiline_reply_encodes_and_parses_back_to_itself(
        code in 100u16..=599,
        texts in proptest::collection::vec("[ -~]{0,60}", 1..12),
        sizes in chunk_sizes(),
    ) {
        let reply = Reply::multiline(code, &texts);
        let parsed = parse_in_chunks(reply.to_string().as_bytes(), &sizes);
        prop_assert_eq!(parsed, vec![Ok(reply)]);
    }

    #[test]
    fn pasv_227_text_round_trips(addr in socket_v4()) {
        prop_assert_eq!(parse_227_text(&format_227(addr)), Ok(addr));
    }

    #[test]
    fn pasv_227_round_trips_in_the_forms_servers_send(
        addr in socket_v4(),
        form in 0usize..5,
    ) {
        let six = format_port_arg(addr);
        // vsftpd/ProFTPD; Pure-FTPd (no dot); pyftpdlib (lowercase); no parentheses; `=`.
        let text = match form {
            0 => format!("Entering Passive Mode ({six})."),
            1 => format!("Entering Passive Mode ({six})"),
            2 => format!("Entering passive mode ({six})."),
            3 => six,
            _ => format!("={six}"),
        };
        prop_assert_eq!(parse_227_text(&text), Ok(addr));
    }

    #[test]
    fn epsv_229_round_trips_with_any_delimiter(port in 1u16..=u16::MAX, d in delimiter()) {
        prop_assert_eq!(parse_229_text(&format_229(port)), Ok(port));
        let text = format!("Entering Extended Passive Mode ({d}{d}{d}{port}{d}).");
        prop_assert_eq!(parse_229_text(&text), Ok(port));
    }

    #[test]
    fn port_argument_round_trips(addr in socket_v4()) {
        prop_assert_eq!(parse_port_arg(&format_port_arg(addr)), Ok(addr));
        let cmd = Command::Port(addr);
        prop_assert_eq!(Command::parse(&cmd.to_string()), Ok(cmd));
    }

    #[test]
    fn port_argument_with_a_value_over_255_is_refused(
        values in proptest::array::uniform6(0u32..1000),
    ) {
        prop_assume!(values.iter().any(|&v| v > 255));
        let arg = values.map(|v| v.to_string()).join(",");
        prop_assert!(parse_port_arg(&arg).is_err());
        let text = format!("Entering Passive Mode ({arg}).");
        prop_assert!(parse_227_text(&text).is_err());
    }

    #[test]
    fn eprt_argument_round_trips(addr in socket_any(), d in delimiter()) {
        prop_assert_eq!(parse_eprt_arg(&format_eprt_arg(addr)), Ok(addr));
        // Any delimiter that does not occur inside the address itself (RFC 2428 2:
        // hex digits, ':' and '.' are taken).
        prop_assume!(!addr.ip().to_string().contains(d));
        let proto = if addr.is_ipv4() { 1 } else { 2 };
        let arg = format!("{d}{proto}{d}{}{d}{}{d}", addr.ip(), addr.port());
        prop_assert_eq!(parse_eprt_arg(&arg), Ok(addr));
        let cmd = Command::Eprt(addr);
        prop_assert_eq!(Command::parse(&cmd.to_string()), Ok(cmd));
    }
}
