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

#[test]
fn pasv_text_edge_cases() {
    let cases: &[(&str, Result<&str, ()>)] = &[
        ("(127,0,0,1,4,1)", Ok("127.0.0.1:1025")),
        ("(127, 0, 0, 1, 4, 1)", Ok("127.0.0.1:1025")),
        ("-127,0,0,1,4,1", Err(())),
        ("Mode 1,2 then (127,0,0,1,4,1)", Ok("127.0.0.1:1025")),
        ("(127,0,0,1,4)", Err(())),
        ("(99999999999999999999,0,0,1,4,1)", Err(())),
        ("(0000000000000000127,0,0,1,4,1)", Ok("127.0.0.1:1025")),
        ("(255,255,255,255,255,255)", Ok("255.255.255.255:65535")),
        ("", Err(())),
    ];
    for (text, want) in cases {
        let got = parse_227_text(text).map_err(|_| ());
        assert_eq!(got, want.map(addr), "{text:?}");
    }
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
    Err(AddressError::OutOfRange { .. })
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
    let cases: &[(&str, Result<u16, ()>)] = &[
        ("(~~~2121~)", Ok(2121)),
        ("(|||0|)", Err(())),
        ("(||||)", Err(())),
        ("(|||65535|)", Ok(65535)),
        ("(|||65536|)", Err(())),
        ("(111211)", Err(())),
        ("Entering Extended Passive Mode...", Err(())),
        ("(|||999999999999999999999|)", Err(())),
        ("", Err(())),
    ];
    for (text, want) in cases {
        assert_eq!(parse_229_text(text).map_err(|_| ()), *want, "{text:?}");
    }
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
        Err(AddressError::OutOfRange { .. })
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
