use super::*;
use crate::proto::reply::ReplyParser;

fn fixture_reply(name: &str) -> Reply {
    let path = format!("{}/fixtures/replies/{name}", env!("CARGO_MANIFEST_DIR"));
    let wire = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut parser = ReplyParser::new();
    parser.feed(&wire);
    match parser.next_reply() {
        Ok(Some(reply)) => reply,
        other => panic!("{path}: {other:?}"),
    }
}

fn addr(s: &str) -> SocketAddrV4 {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// One test per 227 quirk: the fixture and what parsing it must give.
macro_rules! pasv_case {
    ($name:ident, $file:literal, Ok($want:literal)) => {
        #[test]
        fn $name() {
            assert_eq!(parse_227(&fixture_reply($file)), Ok(addr($want)));
        }
    };
    ($name:ident, $file:literal, Err($pat:pat)) => {
        #[test]
        fn $name() {
            let got = parse_227(&fixture_reply($file));
            assert!(matches!(got, Err($pat)), "{}: {got:?}", $file);
        }
    };
}

pasv_case!(
    pasv_reply_with_trailing_dot,
    "vsftpd-227-trailing-dot.txt",
    Ok("10.77.0.2:50002")
);
pasv_case!(
    pasv_reply_without_trailing_dot,
    "pureftpd-227-no-dot.txt",
    Ok("10.77.0.2:50011")
);
pasv_case!(
    pasv_reply_lowercase_words,
    "pyftpdlib-227-lowercase.txt",
    Ok("10.77.0.2:50018")
);
pasv_case!(
    pasv_reply_without_parentheses,
    "227-no-parentheses.txt",
    Ok("192.168.178.39:47348")
);
pasv_case!(
    pasv_reply_with_other_words,
    "227-other-words.txt",
    Ok("127.0.0.1:1075")
);
pasv_case!(
    pasv_reply_with_equals_sign,
    "227-equals-sign.txt",
    Ok("10.77.0.2:50002")
);
pasv_case!(
    pasv_reply_over_two_lines,
    "227-multiline.txt",
    Ok("10.77.0.2:50002")
);
pasv_case!(
    pasv_reply_with_leading_zeros_is_decimal,
    "227-leading-zeros.txt",
    Ok("10.77.0.2:50002")
);
pasv_case!(
    pasv_reply_all_zero_address_parses,
    "227-all-zero-address.txt",
    Ok("0.0.0.0:50002")
);
pasv_case!(
    pasv_reply_value_over_255_is_rejected,
    "227-value-over-255.txt",
    Err(AddressError::OutOfRange { .. })
);
pasv_case!(
    pasv_reply_negative_number_is_rejected,
    "227-negative-number.txt",
    Err(AddressError::Negative { .. })
);
pasv_case!(
    pasv_reply_port_zero_is_rejected,
    "227-port-zero.txt",
    Err(AddressError::PortZero)
);
pasv_case!(
    pasv_reply_empty_parenthesis,
    "227-empty-parenthesis.txt",
    Err(AddressError::NotFound { .. })
);
pasv_case!(
    pasv_reply_with_hostname_labels,
    "227-hostname-labels.txt",
    Err(AddressError::NotFound { .. })
);
pasv_case!(
    epsv_reply_sent_for_pasv_is_wrong_code,
    "229-sent-for-pasv.txt",
    Err(AddressError::WrongCode {
        expected: 227,
        got: 229
    })
);

/// What a parse must give: an address, or the error variant (by name).
#[derive(Debug, PartialEq)]
enum Want {
    Addr(&'static str),
    Port(u16),
    NotFound,
    OutOfRange,
    PortOutOfRange,
    Negative,
    PortZero,
    Mismatched,
}

fn kind(err: &AddressError) -> Want {
    match err {
        AddressError::NotFound { .. } => Want::NotFound,
        AddressError::OutOfRange { .. } => Want::OutOfRange,
        AddressError::PortOutOfRange { .. } => Want::PortOutOfRange,
        AddressError::Negative { .. } => Want::Negative,
        AddressError::PortZero => Want::PortZero,
        AddressError::MismatchedDelimiters { .. } => Want::Mismatched,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn pasv_text_edge_cases() {
    use Want::*;
    let cases: &[(&str, Want)] = &[
        ("(127,0,0,1,4,1)", Addr("127.0.0.1:1025")),
        ("(127, 0, 0, 1, 4, 1)", Addr("127.0.0.1:1025")),
        ("-127,0,0,1,4,1", Negative),
        ("(-127,0,0,1,4,1)", Negative),
        ("Mode 1,2 then (127,0,0,1,4,1)", Addr("127.0.0.1:1025")),
        ("(127,0,0,1,4)", NotFound),
        ("(99999999999999999999,0,0,1,4,1)", OutOfRange),
        ("(4294967296,0,0,1,4,1)", OutOfRange),
        ("(0000000000000000127,0,0,1,4,1)", Addr("127.0.0.1:1025")),
        ("(255,255,255,255,255,255)", Addr("255.255.255.255:65535")),
        ("(1,2,3,4,5,6,7)", NotFound),
        ("(1,2,3,4,5,6,)", Addr("1.2.3.4:1286")),
        ("ready-10,77,0,2,195,82", Addr("10.77.0.2:50002")),
        ("1\u{e9},2,3,4,5,6", NotFound),
        ("", NotFound),
    ];
    for (text, want) in cases {
        match (parse_227_text(text), want) {
            (Ok(got), Addr(w)) => assert_eq!(got, addr(w), "{text:?}"),
            (got, want) => assert_eq!(
                got.map_err(|e| kind(&e)).err().as_ref(),
                Some(want),
                "{text:?}"
            ),
        }
    }
}

#[test]
fn pasv_reply_with_seven_numbers_is_not_an_address() {
    assert!(matches!(
        parse_227_text("Entering Passive Mode (10,77,0,2,195,82,7)."),
        Err(AddressError::NotFound { .. })
    ));
}

#[test]
fn pasv_reply_hyphen_before_numbers_is_not_a_minus() {
    assert_eq!(
        parse_227_text("Entering-10,77,0,2,195,82"),
        Ok(addr("10.77.0.2:50002"))
    );
}

macro_rules! epsv_case {
    ($name:ident, $file:literal, Ok($want:literal)) => {
        #[test]
        fn $name() {
            assert_eq!(parse_229(&fixture_reply($file)), Ok($want));
        }
    };
    ($name:ident, $file:literal, Err($pat:pat)) => {
        #[test]
        fn $name() {
            let got = parse_229(&fixture_reply($file));
            assert!(matches!(got, Err($pat)), "{}: {got:?}", $file);
        }
    };
}

epsv_case!(epsv_reply_standard, "229-standard.txt", Ok(50010));
epsv_case!(
    epsv_reply_with_trailing_dot,
    "pyftpdlib-229-trailing-dot.txt",
    Ok(50010)
);
epsv_case!(
    epsv_reply_with_other_delimiter,
    "229-other-delimiter.txt",
    Ok(50010)
);
epsv_case!(
    epsv_reply_without_parentheses,
    "229-no-parentheses.txt",
    Ok(50010)
);
epsv_case!(
    epsv_reply_with_mismatched_delimiters,
    "229-mismatched-delimiters.txt",
    Err(AddressError::MismatchedDelimiters { .. })
);
epsv_case!(
    epsv_reply_port_over_65535,
    "229-port-out-of-range.txt",
    Err(AddressError::PortOutOfRange { .. })
);
epsv_case!(
    epsv_refused_with_522_is_wrong_code,
    "epsv-all-network-protocol-not-supported.txt",
    Err(AddressError::WrongCode {
        expected: 229,
        got: 522
    })
);

#[test]
fn epsv_text_edge_cases() {
    use Want::*;
    let cases: &[(&str, Want)] = &[
        ("(~~~2121~)", Port(2121)),
        ("(|||0|)", PortZero),
        ("(||||)", NotFound),
        ("(|||65535|)", Port(65535)),
        ("(|||65536|)", PortOutOfRange),
        ("(111211)", NotFound),
        ("Entering Extended Passive Mode...", NotFound),
        ("(|||999999999999999999999|)", PortOutOfRange),
        ("(|||5\u{e9}|)", Mismatched),
        ("(|||50010|\u{1f600})", Port(50010)),
        ("", NotFound),
    ];
    for (text, want) in cases {
        let got = match parse_229_text(text) {
            Ok(p) => Port(p),
            Err(e) => kind(&e),
        };
        assert_eq!(&got, want, "{text:?}");
    }
}

#[test]
fn epsv_reply_with_four_delimiters_is_rejected() {
    assert!(matches!(
        parse_229_text("Entering Extended Passive Mode (||||50010|)"),
        Err(AddressError::NotFound { .. })
    ));
}

#[test]
fn epsv_reply_punctuation_in_words_does_not_beat_the_parentheses() {
    assert_eq!(parse_229_text("Extended mode...1. (|||50010|)"), Ok(50010));
}

#[test]
fn epsv_reply_broken_parenthesised_form_does_not_hide_a_good_one_later() {
    assert_eq!(parse_229_text("(|||5x|) retry |||50010|"), Ok(50010));
}

#[test]
fn epsv_reply_digit_cannot_be_a_delimiter() {
    assert!(parse_229_text("(1115001)").is_err());
}

#[test]
fn server_replies_round_trip() {
    for a in [
        "127.0.0.1:1025",
        "10.0.0.5:65535",
        "0.0.0.0:1",
        "198.51.100.7:50002",
    ] {
        let sock = addr(a);
        assert_eq!(parse_227(&Reply::new(227, format_227(sock))), Ok(sock));
    }
    for port in [1, 21, 50010, 65535] {
        assert_eq!(parse_229(&Reply::new(229, format_229(port))), Ok(port));
    }
}

#[test]
fn port_argument_parsing() {
    assert_eq!(parse_port_arg("127,0,0,1,4,1"), Ok(addr("127.0.0.1:1025")));
    assert_eq!(
        parse_port_arg(" 127,0,0,1,4,1 "),
        Ok(addr("127.0.0.1:1025"))
    );
    assert!(matches!(
        parse_port_arg("127,0,0,1,4"),
        Err(AddressError::NotFound { .. })
    ));
    assert!(matches!(
        parse_port_arg("127,0,0,1,4,1,7"),
        Err(AddressError::NotFound { .. })
    ));
    assert!(matches!(
        parse_port_arg("127,0,0,x,4,1"),
        Err(AddressError::NotFound { .. })
    ));
    assert!(matches!(
        parse_port_arg("127,0,0,256,4,1"),
        Err(AddressError::OutOfRange { .. })
    ));
    assert!(matches!(
        parse_port_arg("127,0,0,-1,4,1"),
        Err(AddressError::Negative { .. })
    ));
    assert_eq!(parse_port_arg("127,0,0,1,0,0"), Err(AddressError::PortZero));
}

#[test]
fn eprt_argument_parsing() {
    let v4: SocketAddr = "203.0.113.2:34971"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let v6: SocketAddr = "[::1]:2121".parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse_eprt_arg("|1|203.0.113.2|34971|"), Ok(v4));
    assert_eq!(parse_eprt_arg("!1!203.0.113.2!34971!"), Ok(v4));
    assert_eq!(parse_eprt_arg("|2|::1|2121|"), Ok(v6));
    assert_eq!(parse_eprt_arg(&format_eprt_arg(v6)), Ok(v6));
    assert!(matches!(
        parse_eprt_arg("|3|1.2.3.4|1|"),
        Err(AddressError::UnknownProtocol { .. })
    ));
    assert!(matches!(
        parse_eprt_arg("|1|::1|1|"),
        Err(AddressError::BadAddress { proto: 1, .. })
    ));
    assert!(matches!(
        parse_eprt_arg("|2|1.2.3.4|1|"),
        Err(AddressError::BadAddress { proto: 2, .. })
    ));
    assert!(matches!(
        parse_eprt_arg("|1|1.2.3.4|1!"),
        Err(AddressError::MismatchedDelimiters { .. })
    ));
    assert!(matches!(
        parse_eprt_arg("|1|1.2.3.4|70000|"),
        Err(AddressError::PortOutOfRange { .. })
    ));
    assert!(matches!(
        parse_eprt_arg("|1|1.2.3.4|-1|"),
        Err(AddressError::Negative { .. })
    ));
    assert_eq!(parse_eprt_arg("|1|1.2.3.4|0|"), Err(AddressError::PortZero));
    assert!(matches!(
        parse_eprt_arg(""),
        Err(AddressError::NotFound { .. })
    ));
    assert!(matches!(
        parse_eprt_arg("1|1.2.3.4|1|"),
        Err(AddressError::NotFound { .. })
    ));
}

#[test]
fn epsv_reply_with_open_paren_as_delimiter() {
    // RFC 2428 allows any of ASCII 33-126 but digits, '(' included (found by proptest).
    assert_eq!(
        parse_229_text("Entering Extended Passive Mode ((((1()."),
        Ok(1)
    );
    assert_eq!(parse_229_text("((((50010()"), Ok(50010));
}
