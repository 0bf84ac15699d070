use super::*;

/// What a successful parse must give; `host` is compared through `host_string`, and its
/// kind (address or name) by whether it parses as an IP address.
struct Want {
    scheme: Scheme,
    host: &'static str,
    port: u16,
    user: Option<&'static str>,
    password: Option<&'static str>,
    path: &'static str,
}

const FTP: Want = Want {
    scheme: Scheme::Ftp,
    host: "h",
    port: 21,
    user: None,
    password: None,
    path: "",
};

fn parse(input: &str) -> Target {
    Target::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn assert_parses(input: &str, want: Want) {
    let t = parse(input);
    assert_eq!(t.scheme, want.scheme, "{input}: scheme");
    assert_eq!(t.host_string(), want.host, "{input}: host");
    let want_host = match want.host.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(want.host.to_string()),
    };
    assert_eq!(t.host, want_host, "{input}: host kind");
    assert_eq!(t.port, want.port, "{input}: port");
    assert_eq!(t.user.as_deref(), want.user, "{input}: user");
    assert_eq!(
        t.password.as_ref().map(Password::expose),
        want.password,
        "{input}: password"
    );
    assert_eq!(t.path, want.path, "{input}: path");
}

macro_rules! parses {
    ($($name:ident: $input:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_parses($input, $want);
        }
    )*};
}

parses! {
    ipv4_with_port_and_directory_path: "ftp://127.0.0.1:2121/pub/" =>
        Want { host: "127.0.0.1", port: 2121, path: "/pub/", ..FTP };
    percent_encoded_at_in_password: "ftp://user:p%40ss@host/" =>
        Want { host: "host", user: Some("user"), password: Some("p@ss"), path: "/", ..FTP };
    raw_at_in_password_splits_at_last_at: "ftp://user:p@ss@host/" =>
        Want { host: "host", user: Some("user"), password: Some("p@ss"), path: "/", ..FTP };
    user_without_password: "ftp://alice@h" => Want { user: Some("alice"), ..FTP };
    empty_password_is_kept: "ftp://alice:@h" =>
        Want { user: Some("alice"), password: Some(""), ..FTP };
    uppercase_hex_in_user_and_path: "ftp://a%2Db%3A@h/x%2Fy%20z" =>
        Want { user: Some("a-b:"), path: "/x/y z", ..FTP };
    bracketed_ipv6_with_port_and_file: "ftp://[::1]:21/x" =>
        Want { host: "::1", path: "/x", ..FTP };
    bracketed_ipv6_without_port: "ftp://[2001:db8::1]/" =>
        Want { host: "2001:db8::1", path: "/", ..FTP };
    bare_host_and_port: "host:2121" => Want { host: "host", port: 2121, ..FTP };
    bare_host: "host" => Want { host: "host", ..FTP };
    bare_host_with_path: "host/pub/" => Want { host: "host", path: "/pub/", ..FTP };
    bare_bracketed_ipv6_with_port: "[::1]:2121" => Want { host: "::1", port: 2121, ..FTP };
    bare_unbracketed_ipv6_without_port: "::1" => Want { host: "::1", ..FTP };
    bare_unbracketed_ipv6_takes_all_groups_as_address: "fe80::1:21" =>
        Want { host: "fe80::1:21", ..FTP };
    scheme_is_case_insensitive_and_host_case_kept: "FTP://HOST/" =>
        Want { host: "HOST", path: "/", ..FTP };
    ftps_defaults_to_port_990: "ftps://h/" => Want { scheme: Scheme::Ftps, port: 990, path: "/", ..FTP };
    ftps_with_explicit_port: "FtPs://h:2990" => Want { scheme: Scheme::Ftps, port: 2990, ..FTP };
    port_with_leading_zeros: "ftp://h:021" => Want { port: 21, ..FTP };
    host_name_with_dash_underscore_and_trailing_dot: "ftp://my-ftp_01.example.com./" =>
        Want { host: "my-ftp_01.example.com.", path: "/", ..FTP };
    path_keeps_double_slash: "ftp://h//etc/motd" => Want { path: "//etc/motd", ..FTP };
    raw_space_in_path_is_literal: "ftp://h/my file.txt" => Want { path: "/my file.txt", ..FTP };
}

fn parse_err(input: &str) -> TargetError {
    match Target::parse(input) {
        Ok(t) => panic!("{input}: parsed as {t:?}"),
        Err(e) => e,
    }
}

macro_rules! refuses {
    ($($name:ident: $input:expr => $pat:pat,)*) => {$(
        #[test]
        fn $name() {
            let err = parse_err($input);
            assert!(matches!(err, $pat), "{}: {err:?}", $input);
        }
    )*};
}

refuses! {
    port_zero: "ftp://h:0/" => TargetError::BadPort { .. },
    port_65536: "h:65536" => TargetError::BadPort { .. },
    port_not_a_number: "ftp://h:abc/" => TargetError::PortNotNumber,
    port_with_plus_sign: "h:+21" => TargetError::PortNotNumber,
    port_empty_after_colon: "ftp://h:/" => TargetError::BadPort { .. },
    empty_host_in_url: "ftp:///pub/" => TargetError::EmptyHost,
    empty_host_after_userinfo: "ftp://u:p@:21/" => TargetError::EmptyHost,
    empty_input: "" => TargetError::EmptyHost,
    empty_user_with_password: "ftp://:p@h/" => TargetError::EmptyUser,
    crlf_in_path_would_smuggle_a_command: "ftp://h/%0d%0aDELE x" =>
        TargetError::ControlCharacter { part: Part::Path },
    nul_in_user: "ftp://a%00b@h/" => TargetError::ControlCharacter { part: Part::User },
    lf_in_password: "ftp://a:b%0Ac@h/" => TargetError::ControlCharacter { part: Part::Password },
    raw_cr_in_host: "ftp://h\r/" => TargetError::ControlCharacter { part: Part::Host },
    http_is_unsupported: "http://h/" => TargetError::UnsupportedScheme { .. },
    sftp_is_unsupported: "sftp://h/" => TargetError::UnsupportedScheme { .. },
    invalid_hex_in_percent_encoding: "ftp://h/%zz" =>
        TargetError::BadPercentEncoding { part: Part::Path },
    truncated_percent_encoding: "ftp://h/a%4" => TargetError::BadPercentEncoding { part: Part::Path },
    percent_encoding_not_utf8: "ftp://h/%ff" => TargetError::NotUtf8 { part: Part::Path },
    query: "ftp://h:21/path?query" => TargetError::QueryOrFragment { found: '?' },
    fragment: "ftp://h:21/path#frag" => TargetError::QueryOrFragment { found: '#' },
    ipv6_in_url_without_brackets: "ftp://::1/" => TargetError::UnbracketedIpv6 { .. },
    bare_ipv6_with_path_needs_brackets: "::1/pub" => TargetError::UnbracketedIpv6 { .. },
    unclosed_bracket: "ftp://[::1/" => TargetError::BadIpv6Literal { .. },
    ipv4_in_brackets: "[127.0.0.1]:21" => TargetError::BadIpv6Literal { .. },
    ipv6_zone_id: "ftp://[fe80::1%25eth0]/" => TargetError::BadIpv6Literal { .. },
    junk_after_bracket: "[::1]21" => TargetError::BadIpv6Literal { .. },
    short_dotted_number_host: "ftp://10.1/" => TargetError::BadHost { .. },
    ipv4_octet_out_of_range: "256.1.1.1" => TargetError::BadHost { .. },
    space_in_host: "ftp://my host/" => TargetError::BadHost { .. },
    percent_encoded_host: "ftp://h%41/" => TargetError::BadHost { .. },
    scheme_with_one_slash: "ftp:/h/" => TargetError::SchemeWithoutSlashes { .. },
    scheme_with_no_slash: "FTPS:h" => TargetError::SchemeWithoutSlashes { .. },
}

#[test]
fn scheme_with_one_slash_suggests_the_url_meant() {
    assert_eq!(
        parse_err("ftp:/host/pub/").to_string(),
        "\"ftp:\" is not followed by \"//\": did you mean ftp://host/pub/?"
    );
    let shown = parse_err("ftp:/u:s3cret@host/").to_string();
    assert!(
        shown.contains("ftp://u:***@host/") && !shown.contains("s3cret"),
        "{shown}"
    );
    // A host named ftp with a port is still that.
    assert_eq!(parse("ftp:2121").port, 2121);
    assert!(matches!(
        parse_err("ftp:/127.0.0.1/"),
        TargetError::SchemeWithoutSlashes { .. }
    ));
}

/// Errors that arise after the password was read must not quote it, in `Display` or in
/// `Debug`.
#[test]
fn errors_never_show_the_password() {
    let cases = [
        "ftp://u:s3cret@host:99999/",
        "ftp://u:s3cret@host:0/",
        "ftp://u:s3cret@/",
        "ftp://u:s3cret@host/%zz",
        "ftp://u:s3cret@host/%0d%0a",
        "ftp://u:s3cret@ho st/",
        "ftp://u:s3cret@[::1/",
        "ftp://u:s3cret@::1/",
        "ftp://u:s3cret%zz@host/",
        "ftp://u:s3cret%0a@host/",
        // A raw '/' in the password: what follows the ':' is taken for the port.
        "ftp://u:s3cret/x@host/",
        "ftp://u:s3cret?x@host/",
        "ftp://u:s3cret#x@host/",
        "u:s3cret@h://x",
        "gopher://u:s3cret@host/",
        "ftp:/u:s3cret@host/",
        "ftp:u:s3cret/x@host/",
    ];
    for input in cases {
        let err = parse_err(input);
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains("s3cret"), "{input}: {shown}");
    }
}

#[test]
fn debug_of_target_masks_the_password() {
    let shown = format!("{:?}", parse("ftp://u:s3cret@h/"));
    assert!(shown.contains("Password(****)"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[test]
fn display_input_masks_only_the_password() {
    let cases = [
        (
            "ftp://user:p%40ss@host:2121/pub/",
            "ftp://user:***@host:2121/pub/",
        ),
        ("ftp://user:p@ss@host/", "ftp://user:***@host/"),
        ("FTP://user:x:y@host", "FTP://user:***@host"),
        ("user:secret@host:21", "user:***@host:21"),
        ("ftp://user@host/", "ftp://user@host/"),
        ("ftp://host/a:b@c", "ftp://host/a:b@c"),
        ("::1", "::1"),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).display_input(), want, "{input}");
    }
}

#[test]
fn path_is_file_guesses_from_trailing_slash() {
    let cases = [
        ("ftp://h", false),
        ("ftp://h/", false),
        ("ftp://h/pub/", false),
        ("ftp://h/pub/readme.txt", true),
        ("ftp://h/pub", true),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).path_is_file(), want, "{input}");
    }
}

#[test]
fn host_string_has_no_brackets() {
    assert_eq!(parse("[2001:db8::1]:21").host_string(), "2001:db8::1");
    assert_eq!(parse("ftp://127.0.0.1/").host_string(), "127.0.0.1");
    assert_eq!(parse("example.com").host_string(), "example.com");
}
