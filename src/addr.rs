//! Classify IP addresses by the IANA IPv4 and IPv6 special-purpose address registries.
//!
//! A server that advertises `10.0.0.5` in its 227 reply is the classic NAT mistake, and
//! the finding has to say *what kind* of address it is. The tables below are our own
//! rather than std's `is_private`/`is_global`: those are partly unstable, lump classes
//! together that the findings keep apart, and change meaning between Rust releases.
//! docs/field-notes.md lists the blocks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is, as far as reaching it across the Internet is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrClass {
    /// In no special-purpose block: reachable unless filtered.
    Public,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// RFC 6598, 100.64/10: the ISP's private space behind carrier-grade NAT.
    Shared,
    /// 127/8, ::1: this very host.
    Loopback,
    /// 169.254/16, fe80::/10: this link only.
    LinkLocal,
    /// 0.0.0.0 (and 0/8), ::: no host at all.
    Unspecified,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20: for examples.
    Documentation,
    /// 198.18/15: for benchmarking between networks.
    Benchmarking,
    /// 224/4, ff00::/8: groups, not hosts.
    Multicast,
    /// 240/4 and other blocks not allocated, or reserved for protocols.
    Reserved,
    /// 255.255.255.255.
    Broadcast,
    /// fc00::/7: IPv6's private space.
    UniqueLocal,
    /// ::ffff:0:0/96: an IPv4 address written as IPv6.
    Ipv4Mapped,
    /// 64:ff9b::/96 and 64:ff9b:1::/48: IPv4 reached through a NAT64 translator.
    Nat64,
}

impl AddrClass {
    /// Every class, in declaration order.
    pub const ALL: [AddrClass; 14] = [
        AddrClass::Public,
        AddrClass::Private,
        AddrClass::Shared,
        AddrClass::Loopback,
        AddrClass::LinkLocal,
        AddrClass::Unspecified,
        AddrClass::Documentation,
        AddrClass::Benchmarking,
        AddrClass::Multicast,
        AddrClass::Reserved,
        AddrClass::Broadcast,
        AddrClass::UniqueLocal,
        AddrClass::Ipv4Mapped,
        AddrClass::Nat64,
    ];

    /// The kebab-case name used in findings and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrClass::Public => "public",
            AddrClass::Private => "private",
            AddrClass::Shared => "shared",
            AddrClass::Loopback => "loopback",
            AddrClass::LinkLocal => "link-local",
            AddrClass::Unspecified => "unspecified",
            AddrClass::Documentation => "documentation",
            AddrClass::Benchmarking => "benchmarking",
            AddrClass::Multicast => "multicast",
            AddrClass::Reserved => "reserved",
            AddrClass::Broadcast => "broadcast",
            AddrClass::UniqueLocal => "unique-local",
            AddrClass::Ipv4Mapped => "ipv4-mapped",
            AddrClass::Nat64 => "nat64",
        }
    }

    /// The "private-like" bucket of the `pasv-private-address` finding: addresses that
    /// make sense only from the server's own side of a NAT, site or host. Documentation,
    /// reserved, multicast and the like cannot be reached from elsewhere either, but for a
    /// different reason (a bogus configuration rather than a missing NAT rewrite), so they
    /// stay out.
    pub fn is_local_scope(self) -> bool {
        match self {
            AddrClass::Private
            | AddrClass::Shared
            | AddrClass::LinkLocal
            | AddrClass::Loopback
            | AddrClass::Unspecified
            | AddrClass::UniqueLocal => true,
            AddrClass::Public
            | AddrClass::Documentation
            | AddrClass::Benchmarking
            | AddrClass::Multicast
            | AddrClass::Reserved
            | AddrClass::Broadcast
            | AddrClass::Ipv4Mapped
            | AddrClass::Nat64 => false,
        }
    }
}

impl fmt::Display for AddrClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One registry entry. `why` is what a finding can quote to justify the class.
struct Row<A> {
    net: A,
    len: u8,
    class: AddrClass,
    why: &'static str,
}

const fn v4(net: [u8; 4], len: u8, class: AddrClass, why: &'static str) -> Row<Ipv4Addr> {
    let [a, b, c, d] = net;
    Row {
        net: Ipv4Addr::new(a, b, c, d),
        len,
        class,
        why,
    }
}

/// `lead` is the leading segments, the rest zero, as `2001:db8::` is written.
const fn v6(lead: &[u16], len: u8, class: AddrClass, why: &'static str) -> Row<Ipv6Addr> {
    let mut seg = [0u16; 8];
    let mut i = 0;
    while i < lead.len() {
        seg[i] = lead[i];
        i += 1;
    }
    let [a, b, c, d, e, f, g, h] = seg;
    Row {
        net: Ipv6Addr::new(a, b, c, d, e, f, g, h),
        len,
        class,
        why,
    }
}

// First match wins, so a row must come before any wider row it sits inside; a test
// checks that. Globally reachable sub-entries of 192.0.0.0/24 and 2001::/23 (PCP and
// TURN anycast, AMT, AS112, ORCHIDv2) are left inside their reserved parents: no FTP
// server advertises them, and one row per block keeps the tables auditable.
#[rustfmt::skip]
const V4: &[Row<Ipv4Addr>] = {
    use AddrClass::*;
    &[
        v4([255, 255, 255, 255], 32, Broadcast, "limited broadcast, RFC 919/RFC 8190"),
        v4([0, 0, 0, 0], 8, Unspecified, "\"this network\" (0.0.0.0/32 \"this host\"), RFC 791"),
        v4([10, 0, 0, 0], 8, Private, "private-use, RFC 1918"),
        v4([100, 64, 0, 0], 10, Shared, "shared address space (carrier-grade NAT), RFC 6598"),
        v4([127, 0, 0, 0], 8, Loopback, "loopback, RFC 1122"),
        v4([169, 254, 0, 0], 16, LinkLocal, "link-local, RFC 3927"),
        v4([172, 16, 0, 0], 12, Private, "private-use, RFC 1918"),
        v4([192, 0, 0, 0], 24, Reserved, "IETF protocol assignments, RFC 6890"),
        v4([192, 0, 2, 0], 24, Documentation, "TEST-NET-1, RFC 5737"),
        v4([192, 88, 99, 0], 24, Reserved, "deprecated 6to4 relay anycast, RFC 7526"),
        v4([192, 168, 0, 0], 16, Private, "private-use, RFC 1918"),
        v4([198, 18, 0, 0], 15, Benchmarking, "benchmarking, RFC 2544"),
        v4([198, 51, 100, 0], 24, Documentation, "TEST-NET-2, RFC 5737"),
        v4([203, 0, 113, 0], 24, Documentation, "TEST-NET-3, RFC 5737"),
        v4([224, 0, 0, 0], 4, Multicast, "multicast, RFC 5771"),
        v4([240, 0, 0, 0], 4, Reserved, "reserved for future use, RFC 1112"),
    ]
};

// fec0::/10 (site-local) has no row and so is public: RFC 3879 deprecated it and
// RFC 4291 §2.5.7 tells new implementations to treat it as global unicast.
#[rustfmt::skip]
const V6: &[Row<Ipv6Addr>] = {
    use AddrClass::*;
    &[
        v6(&[], 128, Unspecified, "unspecified, RFC 4291"),
        v6(&[0, 0, 0, 0, 0, 0, 0, 1], 128, Loopback, "loopback, RFC 4291"),
        v6(&[0, 0, 0, 0, 0, 0xffff], 96, Ipv4Mapped, "IPv4-mapped, RFC 4291"),
        v6(&[0x64, 0xff9b], 96, Nat64, "NAT64 well-known prefix, RFC 6052"),
        v6(&[0x64, 0xff9b, 1], 48, Nat64, "NAT64 local-use, RFC 8215"),
        v6(&[0x100], 64, Reserved, "discard-only, RFC 6666"),
        v6(&[0x2001, 0xdb8], 32, Documentation, "documentation, RFC 3849"),
        v6(&[0x2001], 23, Reserved, "IETF protocol assignments, RFC 2928"),
        // In the registry, but 6to4 hosts are reachable wherever a relay exists, and
        // calling them unroutable would blame the server for the client's missing relay.
        v6(&[0x2002], 16, Public, "6to4, RFC 3056"),
        v6(&[0x3fff], 20, Documentation, "documentation, RFC 9637"),
        v6(&[0xfc00], 7, UniqueLocal, "unique-local, RFC 4193"),
        v6(&[0xfe80], 10, LinkLocal, "link-local unicast, RFC 4291"),
        v6(&[0xff00], 8, Multicast, "multicast, RFC 4291"),
    ]
};

// `checked_shl` rather than `<<` because a /0 would shift by the full width.
fn in_v4(ip: Ipv4Addr, row: &Row<Ipv4Addr>) -> bool {
    let mask = u32::MAX
        .checked_shl(32u32.saturating_sub(row.len.into()))
        .unwrap_or(0);
    ip.to_bits() & mask == row.net.to_bits()
}

fn in_v6(ip: Ipv6Addr, row: &Row<Ipv6Addr>) -> bool {
    let mask = u128::MAX
        .checked_shl(128u32.saturating_sub(row.len.into()))
        .unwrap_or(0);
    ip.to_bits() & mask == row.net.to_bits()
}

fn lookup_v4(ip: Ipv4Addr) -> Option<&'static Row<Ipv4Addr>> {
    V4.iter().find(|row| in_v4(ip, row))
}

fn lookup_v6(ip: Ipv6Addr) -> Option<&'static Row<Ipv6Addr>> {
    V6.iter().find(|row| in_v6(ip, row))
}

/// The class of an address, from the IANA special-purpose registries.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

/// The class of an IPv4 address.
pub fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    lookup_v4(ip).map_or(AddrClass::Public, |row| row.class)
}

/// An IPv4-mapped or NAT64 address gets its wrapper's class, not the embedded
/// address's: which of the two matters is the caller's call (see [`embedded_v4`]).
pub fn classify_v6(ip: Ipv6Addr) -> AddrClass {
    lookup_v6(ip).map_or(AddrClass::Public, |row| row.class)
}

/// The registry entry behind `ip`'s class, e.g. "private-use, RFC 1918", for a finding
/// to quote; `None` when no special-purpose entry applies.
pub fn reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => lookup_v4(ip).map(|row| row.why),
        IpAddr::V6(ip) => lookup_v6(ip).map(|row| row.why),
    }
}

/// The IPv4 address inside `::ffff:0:0/96` or `64:ff9b::/96`, so a finding can say
/// "mapped/NAT64 path to X". The NAT64 local-use /48 is left out: its operators pick
/// the prefix length (RFC 6052 §2.2), so where the IPv4 bits sit is not knowable here.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    match classify_v6(ip) {
        AddrClass::Ipv4Mapped => ip.to_ipv4_mapped(),
        AddrClass::Nat64 if ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
            let [.., a, b, c, d] = ip.octets();
            Some(Ipv4Addr::new(a, b, c, d))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
