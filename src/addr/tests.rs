use super::*;
use std::collections::HashSet;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// One test per registry range: the address just below it, its first and last
/// address, and the one just above, each row failing with its own address.
macro_rules! boundaries {
    ($($name:ident: [$($addr:literal => $class:ident),+ $(,)?];)+) => {$(
        #[test]
        fn $name() {
            $(
                let got = classify(ip($addr));
                assert_eq!(got, AddrClass::$class, "{}", $addr);
            )+
        }
    )+};
}

boundaries! {
    v4_this_network: [
        "0.0.0.0" => Unspecified,
        "0.255.255.255" => Unspecified,
        "1.0.0.0" => Public,
    ];
    v4_rfc1918_10: [
        "9.255.255.255" => Public,
        "10.0.0.0" => Private,
        "10.255.255.255" => Private,
        "11.0.0.0" => Public,
    ];
    v4_shared_cgnat: [
        "100.63.255.255" => Public,
        "100.64.0.0" => Shared,
        "100.127.255.255" => Shared,
        "100.128.0.0" => Public,
    ];
    v4_loopback: [
        "126.255.255.255" => Public,
        "127.0.0.0" => Loopback,
        "127.255.255.255" => Loopback,
        "128.0.0.0" => Public,
    ];
    v4_link_local: [
        "169.253.255.255" => Public,
        "169.254.0.0" => LinkLocal,
        "169.254.255.255" => LinkLocal,
        "169.255.0.0" => Public,
    ];
    v4_rfc1918_172: [
        "172.15.255.255" => Public,
        "172.16.0.0" => Private,
        "172.31.255.255" => Private,
        "172.32.0.0" => Public,
    ];
    v4_ietf_protocol_assignments: [
        "191.255.255.255" => Public,
        "192.0.0.0" => Reserved,
        "192.0.0.255" => Reserved,
        "192.0.1.0" => Public,
    ];
    v4_test_net_1: [
        "192.0.1.255" => Public,
        "192.0.2.0" => Documentation,
        "192.0.2.255" => Documentation,
        "192.0.3.0" => Public,
    ];
    v4_6to4_relay_anycast: [
        "192.88.98.255" => Public,
        "192.88.99.0" => Reserved,
        "192.88.99.255" => Reserved,
        "192.88.100.0" => Public,
    ];
    v4_rfc1918_192_168: [
        "192.167.255.255" => Public,
        "192.168.0.0" => Private,
        "192.168.255.255" => Private,
        "192.169.0.0" => Public,
    ];
    v4_benchmarking: [
        "198.17.255.255" => Public,
        "198.18.0.0" => Benchmarking,
        "198.19.255.255" => Benchmarking,
        "198.20.0.0" => Public,
    ];
    v4_test_net_2: [
        "198.51.99.255" => Public,
        "198.51.100.0" => Documentation,
        "198.51.100.255" => Documentation,
        "198.51.101.0" => Public,
    ];
    v4_test_net_3: [
        "203.0.112.255" => Public,
        "203.0.113.0" => Documentation,
        "203.0.113.255" => Documentation,
        "203.0.114.0" => Public,
    ];
    v4_multicast: [
        "223.255.255.255" => Public,
        "224.0.0.0" => Multicast,
        "239.255.255.255" => Multicast,
        "240.0.0.0" => Reserved,
    ];
    v4_reserved_and_broadcast: [
        "240.0.0.0" => Reserved,
        "255.255.255.254" => Reserved,
        "255.255.255.255" => Broadcast,
    ];
    v4_public_samples: [
        "1.1.1.1" => Public,
        "8.8.8.8" => Public,
    ];
    v4_globally_reachable_anycast_stays_in_reserved_parent: [
        "192.0.0.9" => Reserved,
        "192.0.0.10" => Reserved,
    ];
    v6_unspecified_and_loopback: [
        "::" => Unspecified,
        "::1" => Loopback,
        "::2" => Public,
    ];
    v6_ipv4_mapped: [
        "::fffe:ffff:ffff" => Public,
        "::ffff:0.0.0.0" => Ipv4Mapped,
        "::ffff:255.255.255.255" => Ipv4Mapped,
        "::1:0:0:0" => Public,
    ];
    v6_ipv4_mapped_private_stays_mapped: [
        "::ffff:10.0.0.1" => Ipv4Mapped,
        "::ffff:127.0.0.1" => Ipv4Mapped,
    ];
    v6_nat64_well_known: [
        "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "64:ff9b::" => Nat64,
        "64:ff9b::ffff:ffff" => Nat64,
        "64:ff9b::1:0:0" => Public,
    ];
    v6_nat64_local_use: [
        "64:ff9b:0:ffff:ffff:ffff:ffff:ffff" => Public,
        "64:ff9b:1::" => Nat64,
        "64:ff9b:1:ffff:ffff:ffff:ffff:ffff" => Nat64,
        "64:ff9b:2::" => Public,
    ];
    v6_discard_only: [
        "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "100::" => Reserved,
        "100::ffff:ffff:ffff:ffff" => Reserved,
        "100:0:0:1::" => Public,
    ];
    v6_ietf_protocol_assignments: [
        "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "2001::" => Reserved,
        "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff" => Reserved,
        "2001:200::" => Public,
    ];
    v6_documentation_2001_db8: [
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "2001:db8::" => Documentation,
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" => Documentation,
        "2001:db9::" => Public,
    ];
    v6_6to4_counts_as_public: [
        "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "2002::" => Public,
        "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "2003::" => Public,
    ];
    v6_documentation_3fff: [
        "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "3fff::" => Documentation,
        "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff" => Documentation,
        "3fff:1000::" => Public,
    ];
    v6_unique_local: [
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "fc00::" => UniqueLocal,
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => UniqueLocal,
        "fe00::" => Public,
    ];
    v6_link_local_and_deprecated_site_local: [
        "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "fe80::" => LinkLocal,
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => LinkLocal,
        "fec0::" => Public,
    ];
    v6_multicast: [
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Public,
        "ff00::" => Multicast,
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" => Multicast,
    ];
    v6_public_samples: [
        "2606:4700:4700::1111" => Public,
        "2a00:1450:4001::1" => Public,
    ];
}

#[test]
fn table_networks_have_no_host_bits_and_own_their_ends() {
    // An end may belong to a more specific row (255.255.255.255 inside 240/4), never
    // to a wider one, which would mean the wider row shadows this one.
    for row in V4 {
        assert!(row.len <= 32, "{}/{}", row.net, row.len);
        assert!(in_v4(row.net, row), "{}/{} has host bits", row.net, row.len);
        let host = u32::MAX.checked_shr(row.len.into()).unwrap_or(0);
        let last = Ipv4Addr::from_bits(row.net.to_bits() | host);
        for end in [row.net, last] {
            let owner = lookup_v4(end).map_or(0, |r| r.len);
            assert!(owner >= row.len, "{end} in {}/{}", row.net, row.len);
        }
    }
    for row in V6 {
        assert!(row.len <= 128, "{}/{}", row.net, row.len);
        assert!(in_v6(row.net, row), "{}/{} has host bits", row.net, row.len);
        let host = u128::MAX.checked_shr(row.len.into()).unwrap_or(0);
        let last = Ipv6Addr::from_bits(row.net.to_bits() | host);
        for end in [row.net, last] {
            let owner = lookup_v6(end).map_or(0, |r| r.len);
            assert!(owner >= row.len, "{end} in {}/{}", row.net, row.len);
        }
    }
}

#[test]
fn more_specific_rows_come_first() {
    // Row i shadows a later, overlapping row j only if i is at least as specific.
    for (i, a) in V4.iter().enumerate() {
        for b in &V4[i + 1..] {
            let overlap = in_v4(a.net, b) || in_v4(b.net, a);
            assert!(
                !overlap || a.len >= b.len,
                "{}/{} before {}/{}",
                a.net,
                a.len,
                b.net,
                b.len
            );
        }
    }
    for (i, a) in V6.iter().enumerate() {
        for b in &V6[i + 1..] {
            let overlap = in_v6(a.net, b) || in_v6(b.net, a);
            assert!(
                !overlap || a.len >= b.len,
                "{}/{} before {}/{}",
                a.net,
                a.len,
                b.net,
                b.len
            );
        }
    }
}

#[test]
fn every_row_has_a_reason_naming_an_rfc() {
    let reasons = V4.iter().map(|r| (r.net.to_string(), r.why));
    for (net, why) in reasons.chain(V6.iter().map(|r| (r.net.to_string(), r.why))) {
        assert!(why.contains("RFC "), "{net}: {why}");
    }
    assert_eq!(reason(ip("10.1.2.3")), Some("private-use, RFC 1918"));
    assert_eq!(reason(ip("fe80::1")), Some("link-local unicast, RFC 4291"));
    assert_eq!(reason(ip("8.8.8.8")), None);
}

#[test]
fn as_str_is_distinct_kebab_case_and_display() {
    let names: HashSet<_> = AddrClass::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names.len(), AddrClass::ALL.len());
    for class in AddrClass::ALL {
        let s = class.as_str();
        let kebab = !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(kebab, "{class:?}: {s:?}");
        assert_eq!(class.to_string(), s);
    }
}

#[test]
fn local_scope_is_the_private_like_set_only() {
    use AddrClass::*;
    let want = [
        (Public, false),
        (Private, true),
        (Shared, true),
        (Loopback, true),
        (LinkLocal, true),
        (Unspecified, true),
        (Documentation, false),
        (Benchmarking, false),
        (Multicast, false),
        (Reserved, false),
        (Broadcast, false),
        (UniqueLocal, true),
        (Ipv4Mapped, false),
        (Nat64, false),
    ];
    assert_eq!(want.map(|w| w.0), AddrClass::ALL);
    for (class, local) in want {
        assert_eq!(class.is_local_scope(), local, "{class} is_local_scope");
    }
}

#[test]
fn embedded_v4_unwraps_mapped_and_well_known_nat64_only() {
    let v6 = |s: &str| -> Ipv6Addr { s.parse().unwrap_or_else(|e| panic!("{s}: {e}")) };
    let v4 =
        |s: &str| -> Option<Ipv4Addr> { Some(s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))) };
    assert_eq!(embedded_v4(v6("::ffff:10.0.0.5")), v4("10.0.0.5"));
    assert_eq!(
        embedded_v4(v6("::ffff:255.255.255.255")),
        v4("255.255.255.255")
    );
    assert_eq!(embedded_v4(v6("64:ff9b::198.51.100.7")), v4("198.51.100.7"));
    assert_eq!(embedded_v4(v6("64:ff9b::")), v4("0.0.0.0"));
    // Local-use NAT64 prefixes may be shorter than /96, so the v4 position is unknown.
    assert_eq!(embedded_v4(v6("64:ff9b:1::c000:201")), None);
    // IPv4-compatible addresses were deprecated by RFC 4291 and are not a path to v4.
    assert_eq!(embedded_v4(v6("::192.0.2.1")), None);
    assert_eq!(embedded_v4(v6("2002:c000:201::1")), None);
    assert_eq!(embedded_v4(v6("2001:db8::1")), None);
}
