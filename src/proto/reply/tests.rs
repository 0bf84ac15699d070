use super::*;

/// Feeds `wire` whole and returns every reply (or error) it yields.
fn parse_all(wire: &[u8]) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::new();
    parser.feed(wire);
    let mut out = Vec::new();
    loop {
        match parser.next_reply() {
            Ok(Some(reply)) => out.push(Ok(reply)),
            Ok(None) => return out,
            Err(e) => out.push(Err(e)),
        }
    }
}

fn one(wire: &[u8]) -> Reply {
    let mut all = parse_all(wire);
    assert_eq!(all.len(), 1, "expected one reply from {wire:?}: {all:?}");
    match all.remove(0) {
        Ok(reply) => reply,
        Err(e) => panic!("{e}"),
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/replies/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn single_line_reply() {
    let reply = one(b"220 Service ready\r\n");
    assert_eq!(reply.code, 220);
    assert_eq!(reply.text(), "Service ready");
    assert_eq!(reply.lines, ["220 Service ready"]);
}

#[test]
fn pureftpd_six_line_banner() {
    let reply = one(&fixture("pureftpd-banner-six-lines.txt"));
    assert_eq!(reply.code, 220);
    assert_eq!(reply.lines.len(), 6);
    assert!(reply.text().starts_with("--------- Welcome to Pure-FTPd"));
    assert!(reply.text().ends_with("15 minutes of inactivity."));
}

#[test]
fn multiline_banner_with_digits_inside() {
    // Middle lines may start with digits, even a different code followed by a space.
    let wire =
        b"220-Welcome\r\n123 is not the end\r\n220-still not\r\n2201 nor this\r\n220 done\r\n";
    let reply = one(wire);
    assert_eq!(reply.lines.len(), 5);
    assert_eq!(
        reply.text(),
        "Welcome\n123 is not the end\nstill not\n2201 nor this\ndone"
    );
}

#[test]
fn multiline_middle_lines_without_code_prefix() {
    // ProFTPD's FEAT: middle lines start with a space.
    let reply = one(b"211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n");
    assert_eq!(reply.code, 211);
    assert_eq!(reply.text(), "Features:\n EPSV\n MDTM\nEnd");
}

#[test]
fn bare_lf_line_ends_are_tolerated() {
    let replies = parse_all(b"220-a\n220 b\n331 c\n");
    assert_eq!(replies.len(), 2);
    assert_eq!(
        replies[0].as_ref().map(|r| r.text()),
        Ok("a\nb".to_string())
    );
    assert_eq!(replies[1].as_ref().map(|r| r.code), Ok(331));
}

#[test]
fn bare_code_line_has_empty_text() {
    let reply = one(b"220\r\n");
    assert_eq!(reply.code, 220);
    assert_eq!(reply.text(), "");
}

#[test]
fn reply_split_across_reads_byte_by_byte() {
    let wire = fixture("pureftpd-banner-six-lines.txt");
    let mut parser = ReplyParser::new();
    let mut got = None;
    for (i, b) in wire.iter().enumerate() {
        parser.feed(std::slice::from_ref(b));
        let next = parser.next_reply();
        assert!(next.is_ok(), "byte {i}: {next:?}");
        if let Ok(Some(reply)) = next {
            assert_eq!(i, wire.len() - 1, "reply completed early");
            got = Some(reply);
        }
    }
    assert_eq!(got, Some(one(&wire)));
}

#[test]
fn several_replies_in_one_read() {
    let replies = parse_all(b"331 Password required\r\n230 Login ok\r\n");
    let codes: Vec<u16> = replies
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, [331, 230]);
}

#[test]
fn incomplete_reply_waits_for_more() {
    let mut parser = ReplyParser::new();
    parser.feed(b"220-first\r\n220 las");
    assert_eq!(parser.next_reply(), Ok(None));
    assert!(parser.has_partial_input());
    parser.feed(b"t\r\n");
    assert_eq!(
        parser.next_reply().map(|r| r.map(|r| r.text())),
        Ok(Some("first\nlast".into()))
    );
    assert!(!parser.has_partial_input());
}

#[test]
fn line_over_limit_without_crlf_is_an_error_and_memory_stays_bounded() {
    let mut parser = ReplyParser::new();
    // 10 MiB with no line end, in pieces small enough to accumulate before the limit.
    let piece = [b'x'; 100];
    for _ in 0..(10 * 1024 * 1024 / piece.len()) {
        parser.feed(&piece);
        assert!(parser.partial.len() <= MAX_LINE_LEN + 1);
    }
    assert_eq!(
        parser.next_reply(),
        Err(ReplyError::LineTooLong {
            limit: MAX_LINE_LEN
        })
    );
    assert_eq!(parser.next_reply(), Ok(None), "one error for one long line");
    // The rest of the long line is skipped; the next reply parses.
    parser.feed(b"yyy\r\n421 bye\r\n");
    assert_eq!(
        parser.next_reply().map(|r| r.map(|r| r.code)),
        Ok(Some(421))
    );
}

/// `before`, then a line of 5000 'x' (over the limit) and its CRLF, then `after`.
fn around_long_line(before: &[u8], after: &[u8]) -> Vec<u8> {
    let mut wire = before.to_vec();
    wire.extend(std::iter::repeat_n(b'x', 5000));
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(after);
    wire
}

const TOO_LONG: ReplyError = ReplyError::LineTooLong {
    limit: MAX_LINE_LEN,
};

fn codes(results: &[Result<Reply, ReplyError>]) -> Vec<Result<u16, ReplyError>> {
    results
        .iter()
        .map(|r| r.as_ref().map(|r| r.code).map_err(Clone::clone))
        .collect()
}

#[test]
fn long_line_error_comes_in_stream_order() {
    let wire = around_long_line(b"331 first\r\n", b"230 second\r\n");
    assert_eq!(codes(&parse_all(&wire)), [Ok(331), Err(TOO_LONG), Ok(230)]);
}

#[test]
fn long_line_inside_multiline_reply_drops_that_reply_only() {
    let wire = around_long_line(b"211-Features:\r\n ", b" PASV\r\n211 End\r\n200 next\r\n");
    let want = [Err(TOO_LONG), Ok(200)];
    // Whole, and split inside the long line: the same outcome, and " PASV" and "211 End"
    // are never taken for replies of their own.
    assert_eq!(codes(&parse_all(&wire)), want);
    let mut parser = ReplyParser::new();
    let mut got = Vec::new();
    for piece in wire.chunks(1000) {
        parser.feed(piece);
        while let Some(r) = parser.next_reply().transpose() {
            got.push(r);
        }
    }
    assert_eq!(codes(&got), want);
}

#[test]
fn long_first_line_of_multiline_reply_skips_that_whole_reply() {
    for code in ["211", "220"] {
        let rest = format!(" EPSV\r\n{code}-more\r\n{code} End\r\n331 next\r\n");
        let wire = around_long_line(format!("{code}-").as_bytes(), rest.as_bytes());
        assert_eq!(codes(&parse_all(&wire)), [Err(TOO_LONG), Ok(331)], "{code}");
    }
}

#[test]
fn blank_lines_between_replies_are_skipped() {
    let replies = parse_all(b"\r\n\r\n  \n220 hi\r\n\r\n331 next\r\n");
    assert_eq!(codes(&replies), [Ok(220), Ok(331)]);
    // A flood of line ends costs nothing and yields nothing.
    assert!(parse_all(&[b'\n'; 100_000]).is_empty());
}

#[test]
fn long_last_line_of_multiline_reply_does_not_swallow_the_next() {
    let wire = around_long_line(b"220-hello\r\n220 ", b"331 next\r\n");
    assert_eq!(codes(&parse_all(&wire)), [Err(TOO_LONG), Ok(331)]);
}

#[test]
fn line_at_limit_is_accepted() {
    let mut wire = b"220 ".to_vec();
    wire.extend(std::iter::repeat_n(b'a', MAX_LINE_LEN - 4));
    wire.extend_from_slice(b"\r\n");
    assert_eq!(one(&wire).lines[0].len(), MAX_LINE_LEN);
    let mut too_long = b"220 ".to_vec();
    too_long.extend(std::iter::repeat_n(b'a', MAX_LINE_LEN - 3));
    too_long.extend_from_slice(b"\r\n");
    assert_eq!(
        parse_all(&too_long),
        [Err(ReplyError::LineTooLong {
            limit: MAX_LINE_LEN
        })]
    );
}

#[test]
fn multiline_reply_that_never_ends_is_cut_at_the_line_limit() {
    let mut parser = ReplyParser::new();
    parser.feed(b"220-start\r\n");
    for _ in 0..MAX_REPLY_LINES * 4 {
        parser.feed(b"220-more\r\n");
    }
    assert_eq!(
        parser.next_reply(),
        Err(ReplyError::TooManyLines {
            limit: MAX_REPLY_LINES
        })
    );
    // The rest of that reply is dropped, not read as new replies.
    assert_eq!(parser.next_reply(), Ok(None));
    parser.feed(b"220 end\r\n230 ok\r\n");
    assert_eq!(
        parser.next_reply().map(|r| r.map(|r| r.code)),
        Ok(Some(230))
    );
}

#[test]
fn multiline_reply_of_long_invalid_utf8_lines_is_cut_at_the_byte_limit() {
    // Each 4000-byte line of 0xff is kept as 12000 bytes of U+FFFD: six of them pass
    // the byte limit long before the line-count limit.
    let mut line = b"220-".to_vec();
    line.resize(4000, 0xff);
    line.extend_from_slice(b"\r\n");
    let mut parser = ReplyParser::new();
    for _ in 0..6 {
        parser.feed(&line);
    }
    assert_eq!(
        parser.next_reply(),
        Err(ReplyError::TooLarge {
            limit: MAX_REPLY_BYTES
        })
    );
    // The rest of that reply is dropped, not read as new replies.
    parser.feed(&line);
    parser.feed(b"220 end\r\n331 next\r\n");
    assert_eq!(
        parser.next_reply().map(|r| r.map(|r| r.code)),
        Ok(Some(331))
    );
}

#[test]
fn multiline_reply_just_under_the_byte_limit_is_whole() {
    let middle = "x".repeat(1000);
    let texts: Vec<&str> = std::iter::repeat_n(middle.as_str(), 60).collect();
    let reply = Reply::multiline(220, &texts);
    assert!(reply.lines.iter().map(String::len).sum::<usize>() <= MAX_REPLY_BYTES);
    assert_eq!(one(reply.to_string().as_bytes()), reply);
}

#[test]
fn nul_and_invalid_utf8_do_not_break_parsing() {
    let reply = one(b"220 caf\xe9 \x00 ok\r\n");
    assert_eq!(reply.code, 220);
    assert_eq!(reply.text(), "caf\u{fffd} \u{0} ok");
}

#[test]
fn garbage_line_is_malformed() {
    let replies = parse_all(b"HTTP/1.1 400 Bad Request\r\n220 ok\r\n");
    assert!(matches!(replies[0], Err(ReplyError::Malformed { .. })));
    assert_eq!(replies[1].as_ref().map(|r| r.code), Ok(220));
}

#[test]
fn code_outside_100_to_599_is_malformed() {
    assert!(matches!(
        parse_all(b"099 no\r\n")[0],
        Err(ReplyError::Malformed { .. })
    ));
    assert!(matches!(
        parse_all(b"600 no\r\n")[0],
        Err(ReplyError::Malformed { .. })
    ));
    assert!(matches!(
        parse_all(b"22 short\r\n")[0],
        Err(ReplyError::Malformed { .. })
    ));
    assert!(matches!(
        parse_all(b"220x glued\r\n")[0],
        Err(ReplyError::Malformed { .. })
    ));
}

#[test]
fn encoder_round_trips_through_parser() {
    let replies = [
        Reply::new(220, "ftpdoctor lab"),
        Reply::multiline(211, &["Features:", " EPSV", "End"]),
        Reply::with_raw_middle(211, "Features:", &[" EPSV", " PASV"], "End"),
        Reply::multiline(230, &["only line"]),
    ];
    for reply in replies {
        assert_eq!(one(reply.to_string().as_bytes()), reply);
    }
}

#[test]
fn every_fixture_is_exactly_one_reply() {
    let dir = format!("{}/fixtures/replies", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        let wire = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let replies = parse_all(&wire);
        assert!(
            matches!(replies.as_slice(), [Ok(_)]),
            "{}: {replies:?}",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 20, "fixtures missing: {count}");
}
