//! What the fuzz targets check, shared with the corpus replay test
//! (`tests/it/fuzz_corpus.rs`) so that stable `cargo test` runs the same checks on the
//! committed corpus. Each function panics when a property fails; the fuzzer reports a
//! panic as a crash.

use ftpdoctor::proto::passive::{
    format_227, format_229, format_eprt_arg, format_port_arg, parse_227, parse_227_text, parse_229,
    parse_229_text, parse_eprt_arg, parse_port_arg,
};
use ftpdoctor::proto::reply::{
    MAX_LINE_LEN, MAX_REPLY_BYTES, MAX_REPLY_LINES, Reply, ReplyError, ReplyParser,
};

/// Every reply and error the parser yields for `wire` cut into chunks of `sizes`
/// (cycled; a size of 0 counts as 1).
pub fn parse_chunked(wire: &[u8], sizes: &[usize]) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::new();
    let mut out = Vec::new();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        parser.feed(chunk);
        drain(&mut parser, &mut out);
        rest = tail;
        i += 1;
    }
    out
}

fn drain(parser: &mut ReplyParser, out: &mut Vec<Result<Reply, ReplyError>>) {
    loop {
        match parser.next_reply() {
            Ok(Some(reply)) => out.push(Ok(reply)),
            Ok(None) => return,
            Err(e) => out.push(Err(e)),
        }
    }
}

/// The reply parser target. The first byte picks chunk sizes, the rest is the wire:
/// fed in chunks it must give what it gives fed whole, within the limits, and every
/// reply must survive the code that reads replies (text, 227, 229) and, when its lines
/// fit the limit, re-encode to itself.
pub fn reply_parser(data: &[u8]) {
    let Some((&seed, wire)) = data.split_first() else {
        return;
    };
    let whole = parse_chunked(wire, &[wire.len()]);
    let chunked = parse_chunked(wire, &chunk_sizes(seed));
    assert_eq!(whole, chunked, "chunking changed the replies (seed {seed})");
    for reply in whole.iter().flatten() {
        check_reply(reply);
    }
}

/// Chunk sizes from one byte: 0 feeds byte by byte; otherwise a short cycle of sizes
/// around the seed, so line ends land at every offset of a chunk.
pub fn chunk_sizes(seed: u8) -> Vec<usize> {
    let s = usize::from(seed);
    if s == 0 {
        return vec![1];
    }
    vec![s, 1, s * 17 % 251 + 1, 2, s * 31 + 1]
}

fn check_reply(reply: &Reply) {
    assert!((100..=599).contains(&reply.code), "code {}", reply.code);
    assert!(!reply.lines.is_empty());
    assert!(
        reply.lines.len() <= MAX_REPLY_LINES,
        "{} lines",
        reply.lines.len()
    );
    for line in &reply.lines {
        // Invalid UTF-8 becomes U+FFFD (three bytes for one): count characters.
        assert!(
            line.chars().count() <= MAX_LINE_LEN,
            "line of {} chars",
            line.len()
        );
    }
    let kept: usize = reply.lines.iter().map(String::len).sum();
    assert!(kept <= MAX_REPLY_BYTES, "reply of {kept} bytes");
    let _ = reply.text();
    if let Ok(addr) = parse_227(reply) {
        assert_ne!(addr.port(), 0, "227 gave port 0 from {reply:?}");
    }
    if let Ok(port) = parse_229(reply) {
        assert_ne!(port, 0, "229 gave port 0 from {reply:?}");
    }
    if reply.lines.iter().all(|l| l.len() <= MAX_LINE_LEN) {
        let again = parse_chunked(reply.to_string().as_bytes(), &[usize::MAX]);
        assert_eq!(
            again,
            vec![Ok(reply.clone())],
            "re-encoding changed {reply:?}"
        );
    }
}

/// The passive/active address target: the same text through every address parser.
/// Whatever one accepts must not be port 0 and must survive its own encoder.
pub fn passive(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(addr) = parse_227_text(&text) {
        assert_ne!(addr.port(), 0);
        assert_eq!(
            parse_227_text(&format_227(addr)),
            Ok(addr),
            "227 from {text:?}"
        );
    }
    if let Ok(port) = parse_229_text(&text) {
        assert_ne!(port, 0);
        assert_eq!(
            parse_229_text(&format_229(port)),
            Ok(port),
            "229 from {text:?}"
        );
    }
    if let Ok(addr) = parse_port_arg(&text) {
        assert_ne!(addr.port(), 0);
        assert_eq!(
            parse_port_arg(&format_port_arg(addr)),
            Ok(addr),
            "PORT {text:?}"
        );
    }
    if let Ok(addr) = parse_eprt_arg(&text) {
        assert_ne!(addr.port(), 0);
        assert_eq!(
            parse_eprt_arg(&format_eprt_arg(addr)),
            Ok(addr),
            "EPRT {text:?}"
        );
    }
    // Built from the input's first bytes, a 229 and an EPRT that are well-formed by
    // RFC 2428, with any delimiter it allows: they must parse to what was put in.
    if let [d, hi, lo, rest @ ..] = data {
        let port = u16::from_be_bytes([*hi, *lo]);
        let delim = char::from(*d);
        if (33..=126).contains(d) && !d.is_ascii_digit() && port != 0 {
            let text =
                format!("Entering Extended Passive Mode ({delim}{delim}{delim}{port}{delim})");
            assert_eq!(parse_229_text(&text), Ok(port), "{text:?}");
            if let [a, b, c, e, ..] = rest {
                let ip = std::net::Ipv4Addr::new(*a, *b, *c, *e);
                if !ip.to_string().contains(delim) {
                    let arg = format!("{delim}1{delim}{ip}{delim}{port}{delim}");
                    let want = std::net::SocketAddr::from((ip, port));
                    assert_eq!(parse_eprt_arg(&arg), Ok(want), "{arg:?}");
                }
            }
        }
    }
    // The same text as a whole reply line, as the probe sees it.
    for code in [227u16, 229] {
        let reply = Reply::new(code, text.as_ref());
        let _ = (parse_227(&reply), parse_229(&reply));
    }
    // The lab reads commands from whoever connects.
    if let Ok(cmd) = ftpdoctor::proto::Command::parse(&text) {
        let _ = (cmd.to_wire(), cmd.redacted());
    }
}
