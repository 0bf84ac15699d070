use super::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn greeting_offers_a_login_only_with_credentials() {
    assert_eq!(greeting(false), [5, 1, 0]);
    assert_eq!(greeting(true), [5, 2, 0, 2]);
}

#[test]
fn method_choices() {
    assert_eq!(parse_method([5, 0], false), Ok(Method::None));
    assert_eq!(parse_method([5, 2], true), Ok(Method::UserPassword));
    assert!(matches!(
        parse_method([5, 0xff], false),
        Err(Socks5Error::NoAcceptableMethod { .. })
    ));
    assert_eq!(
        parse_method([5, 2], false),
        Err(Socks5Error::MethodNotOffered { got: 2 })
    );
    // An HTTP proxy on the SOCKS port answers "HT".
    assert!(matches!(
        parse_method(*b"HT", false),
        Err(Socks5Error::NotSocks5 { .. })
    ));
}

#[test]
fn rfc1929_login_request_and_answer() {
    assert_eq!(
        auth_request("bob", "pw"),
        Ok(vec![1, 3, b'b', b'o', b'b', 2, b'p', b'w'])
    );
    let long = "x".repeat(MAX_AUTH_FIELD + 1);
    assert_eq!(
        auth_request("bob", &long),
        Err(Socks5Error::CredentialTooLong { which: "password" })
    );
    assert_eq!(parse_auth_reply([1, 0]), Ok(true));
    assert_eq!(parse_auth_reply([1, 1]), Ok(false));
    assert!(parse_auth_reply([0x48, 0x54]).is_err());
}

#[test]
fn connect_and_bind_requests_carry_the_ip() {
    assert_eq!(
        request(Command::Connect, addr("192.0.2.1:21")),
        [5, 1, 0, 1, 192, 0, 2, 1, 0, 21]
    );
    let bind = request(Command::Bind, addr("[2001:db8::1]:0"));
    assert_eq!(&bind[..4], [5, 2, 0, 4]);
    assert_eq!(bind.len(), 4 + 16 + 2);
}

#[test]
fn reply_len_asks_for_no_byte_past_the_reply() {
    let cases: &[(&[u8], usize)] = &[
        (&[], 4),
        (&[5, 0], 4),
        (&[5, 0, 0, 1], 10),
        (&[5, 0, 0, 4], 22),
        (&[5, 0, 0, 3], 5),
        (&[5, 0, 0, 3, 7], 14),
    ];
    for (buf, want) in cases {
        assert_eq!(reply_len(buf), Ok(*want), "{buf:?}");
    }
    assert_eq!(
        reply_len(&[5, 0, 0, 9]),
        Err(Socks5Error::BadAddressType { got: 9 })
    );
    assert!(matches!(
        reply_len(b"HTTP"),
        Err(Socks5Error::NotSocks5 { .. })
    ));
}

#[test]
fn replies_with_each_address_type() {
    let v4 = [5, 0, 0, 1, 203, 0, 113, 1, 0xc3, 0x50];
    assert_eq!(
        parse_reply(&v4),
        Ok(Reply {
            code: 0,
            bound: Bound::Ip(addr("203.0.113.1:50000"))
        })
    );
    // dante's BIND on an unspecified external address.
    let any = [5, 0, 0, 1, 0, 0, 0, 0, 0x04, 0x00];
    assert_eq!(
        parse_reply(&any).map(|r| r.bound),
        Ok(Bound::Ip(addr("0.0.0.0:1024")))
    );
    let name = [5, 2, 0, 3, 3, b'a', 0x1b, b'c', 0, 80];
    assert_eq!(
        parse_reply(&name),
        Ok(Reply {
            code: 2,
            bound: Bound::Name("a\\x1bc".to_string(), 80)
        })
    );
}

#[test]
fn reply_codes_say_who_failed() {
    assert_eq!(meaning(0).0, Verdict::Granted);
    assert_eq!(meaning(2).0, Verdict::Denied);
    assert_eq!(meaning(5).0, Verdict::TargetRefused);
    assert_eq!(meaning(6).0, Verdict::TargetTimeout);
    assert_eq!(meaning(4).0, Verdict::TargetUnreachable);
    assert_eq!(meaning(7), (Verdict::Unsupported, "command not supported"));
    assert_eq!(meaning(200).0, Verdict::Other);
}
