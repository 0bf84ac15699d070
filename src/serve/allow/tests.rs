use super::*;

fn only(entries: &[&str]) -> Allow {
    Allow::Only(
        entries
            .iter()
            .map(|e| Entry::parse(e).unwrap_or_else(|err| panic!("{e}: {err}")))
            .collect(),
    )
}

fn target(text: &str) -> Target {
    Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn network_allows_its_addresses_on_the_ftp_ports_only() {
    let allow = only(&["10.0.0.0/8"]);
    assert!(allow.allows(&target("10.1.2.3")));
    assert!(allow.allows(&target("ftps://10.1.2.3/")));
    assert!(
        !allow.allows(&target("10.1.2.3:22")),
        "port scanning the network"
    );
    assert!(!allow.allows(&target("11.0.0.1")));
}

#[test]
fn port_in_an_entry_allows_that_port_and_star_any() {
    let allow = only(&["192.0.2.10:2121", "127.0.0.0/8:*", "[2001:db8::/32]:21"]);
    assert!(allow.allows(&target("192.0.2.10:2121")));
    assert!(!allow.allows(&target("192.0.2.10")), "21 is not 2121");
    assert!(allow.allows(&target("ftp://127.0.0.1:40000/")));
    assert!(allow.allows(&target("[2001:db8::5]:21")));
    assert!(!allow.allows(&target("[2001:db9::5]:21")));
}

#[test]
fn names_match_names_case_and_trailing_dot_aside_and_never_addresses() {
    let allow = only(&["FTP.example.com.", "10.0.0.0/8"]);
    assert!(allow.allows(&target("ftp.example.com")));
    assert!(allow.allows(&target("ftp://Ftp.Example.Com./pub/")));
    assert!(!allow.allows(&target("other.example.com")));
    assert!(!allow.allows(&target("ftp.example.com.evil.test")));
    // A name that DNS may point into 10/8 is not allowed by the network.
    assert!(!only(&["10.0.0.0/8"]).allows(&target("inside.example.com")));
    // And an address is not allowed by a name.
    assert!(!only(&["localhost"]).allows(&target("127.0.0.1")));
}

#[test]
fn ipv4_mapped_target_is_checked_as_its_ipv4_address() {
    let allow = only(&["127.0.0.0/8:*"]);
    assert!(allow.allows(&target("[::ffff:127.0.0.1]:2121")));
    assert!(!allow.allows(&target("[::ffff:10.0.0.1]:2121")));
}

#[test]
fn everything_must_be_said_in_words() {
    for everything in ["0.0.0.0/0", "[::/0]:*", "0.0.0.0/0:21"] {
        assert!(
            matches!(Entry::parse(everything), Err(EntryError::Everything(_))),
            "{everything}"
        );
    }
    assert!(Allow::Any.allows(&target("203.0.113.9:4444")));
}

#[test]
fn bad_entries_are_errors_that_quote_them() {
    for (bad, want) in [
        ("10.0.0.0/33", "prefix"),
        ("10.0.0.1:0", "port"),
        ("10.0.0.1:99999", "port"),
        ("ftp example", "not a host"),
        ("", "not a host"),
        ("[::1", "not a host"),
    ] {
        let err = Entry::parse(bad).map(|e| e.to_string()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(want), "{bad}: {text}");
    }
}

#[test]
fn entries_display_as_written() {
    for text in [
        "ftp.example.com",
        "10.0.0.0/8:*",
        "192.0.2.10:2121",
        "[2001:db8::/32]:21",
        "[::1]",
    ] {
        let entry = Entry::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entry.to_string(), text);
    }
}
