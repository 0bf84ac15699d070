//! The lab's scenarios: one classic misconfiguration each, as one table. Every row names
//! the scenario, describes it in one line, and gives the [`Profile`] the session reads;
//! nothing else in the lab asks which scenario it is serving.

use std::net::Ipv4Addr;

use super::port_range::RANGE_LEN;
use super::table::lab_table;

lab_table! {
    /// A lab scenario: a well-behaved FTP server with one classic misconfiguration.
    pub enum Scenario;
    /// A `--scenario` name that is not in the table.
    error UnknownScenario, "scenario";
    data Profile;

    Healthy "healthy"
        "everything right: all four data modes work"
        => Profile::HEALTHY;
    PrivatePasv "private-pasv"
        "227 advertises private 10.0.0.5 (server behind NAT, no pasv_address set); EPSV works"
        => Profile { pasv: PasvAddress::Claims(Ipv4Addr::new(10, 0, 0, 5)), ..Profile::HEALTHY };
    ZeroPasv "zero-pasv"
        "227 advertises 0,0,0,0 (a docker image shipped with pasv_address=0.0.0.0)"
        => Profile { pasv: PasvAddress::Claims(Ipv4Addr::UNSPECIFIED), ..Profile::HEALTHY };
    MismatchPasv "mismatch-pasv"
        "227 advertises public-looking 198.51.100.7, not the control peer (stale masquerade address)"
        => Profile { pasv: PasvAddress::Claims(Ipv4Addr::new(198, 51, 100, 7)), ..Profile::HEALTHY };
    BlockedData "blocked-data"
        "the passive data port never answers: a firewall silently drops the passive range"
        => Profile { passive_ports: PassivePorts::Blackholed, ..Profile::HEALTHY };
    RefusedData "refused-data"
        "the passive data port is closed: connects are refused (RST)"
        => Profile { passive_ports: PassivePorts::Closed, ..Profile::HEALTHY };
    NoEpsv "no-epsv"
        "EPSV answered 502 and missing from FEAT (old server or helper-less firewall)"
        => Profile { epsv: Epsv::NotImplemented, ..Profile::HEALTHY };
    PortRejected "port-rejected"
        "PORT/EPRT answered '500 Illegal PORT command.' (vsftpd when the client is behind NAT)"
        => Profile { active: Active::Illegal, ..Profile::HEALTHY };
    ActiveBlocked "active-blocked"
        "PORT/EPRT accepted, but the server never connects back (client firewall)"
        => Profile { active: Active::NeverConnects, ..Profile::HEALTHY };
    NoActive "no-active"
        "PORT/EPRT answered '502 Command not implemented.': a server without active mode"
        => Profile { active: Active::NotImplemented, ..Profile::HEALTHY };
    GarbledPasv "garbled-pasv"
        "227 carries no usable address: (ftp,example,com,1,2)"
        => Profile {
            pasv: PasvAddress::Garbled("Entering Passive Mode (ftp,example,com,1,2)"),
            ..Profile::HEALTHY
        };
    MultilineBanner "multiline-banner"
        "Pure-FTPd style: six-line 220 banner, anonymous login without PASS, 125 before transfers"
        => Profile {
            banner: Banner::PureFtpd,
            anonymous: Anonymous::NoPassword,
            transfer_start: TransferStart::Reply125,
            ..Profile::HEALTHY
        };
    Tls "tls"
        "explicit FTPS (AUTH TLS, PROT P) with a certificate from the lab's own CA"
        => Profile { tls: Some(TlsOffer::Explicit), ..Profile::HEALTHY };
    TlsImplicit "tls-implicit"
        "implicit FTPS: TLS from the first byte, as on port 990"
        => Profile { tls: Some(TlsOffer::Implicit), ..Profile::HEALTHY };
    TlsReuseRequired "tls-reuse-required"
        "FTPS whose data connections must resume the control session (vsftpd require_ssl_reuse)"
        => Profile {
            tls: Some(TlsOffer::Explicit),
            data_tls: DataTls::MustResume,
            ..Profile::HEALTHY
        };
    AlgRewrite "alg-rewrite"
        "behind a NAT's FTP helper: only plaintext 227/PORT rewritten; inside TLS 10.77.0.2, PORT refused"
        => Profile {
            tls: Some(TlsOffer::Explicit),
            alg: Some(AlgHelper {
                server_private: Ipv4Addr::new(10, 77, 0, 2),
                // Documentation range: nothing dials it.
                nat_outside: Ipv4Addr::new(198, 51, 100, 20),
            }),
            ..Profile::HEALTHY
        };
    TlsDataDeadlock "tls-data-deadlock"
        "FTPS whose 150 comes only after the data TLS handshake: clients that wait for the 150 hang"
        => Profile {
            tls: Some(TlsOffer::Explicit),
            transfer_start: TransferStart::AfterDataTls,
            ..Profile::HEALTHY
        };
    TlsRequired "tls-required"
        "FTPS only: a plaintext login is refused with 530 (vsftpd force_anon_logins_ssl)"
        => Profile {
            tls: Some(TlsOffer::Explicit),
            login: LoginOver::TlsOnly,
            ..Profile::HEALTHY
        };
    PartialRange "partial-range"
        "passive range of 10 ports, firewall opened only 7: 2 refused, 1 dropped (try --sample-ports 10)"
        => Profile { passive_ports: PassivePorts::PartialRange, ..Profile::HEALTHY };
    MtuBlackhole "mtu-blackhole"
        "path-MTU black hole: data at an MSS over 1200 stalls after 1 KiB; LIST and a lower MSS pass"
        => Profile { path_mtu: PathMtu::BlackHole, uploads: Uploads::Allowed, ..Profile::HEALTHY };
    IdleTimeout "idle-timeout"
        "a firewall forgets a control connection idle over --idle-after (4 s): next command unanswered"
        => Profile { idle: IdlePath::Forgets(Forget::Silent), ..Profile::HEALTHY };
    IdleReset "idle-reset"
        "a firewall forgets a control connection idle over --idle-after (4 s): next command gets RST"
        => Profile { idle: IdlePath::Forgets(Forget::Reset), ..Profile::HEALTHY };
    Writable "writable"
        "uploads allowed (STOR, DELE) in a temporary directory the lab deletes"
        => Profile { uploads: Uploads::Allowed, ..Profile::HEALTHY };
    LbSplit "lb-split"
        "two backends behind one address, no affinity: each data connection goes to the next in turn"
        => Profile { backends: Backends::TwoInTurn, ..Profile::HEALTHY };
}

impl Scenario {
    /// Old names still taken: none yet.
    fn alias(_name: &str) -> Option<Scenario> {
        None
    }

    /// How the scenario offers TLS, if it does.
    pub fn tls(self) -> Option<TlsOffer> {
        self.profile().tls
    }

    /// The number of passive ports the scenario hands out in turn, where it has a range
    /// whose flaw shows only when all of it is sampled (`--sample-ports N`).
    pub fn passive_range(self) -> Option<u16> {
        match self.profile().passive_ports {
            PassivePorts::PartialRange => Some(RANGE_LEN),
            _ => None,
        }
    }

    /// Everything the server does differently in this scenario.
    pub(crate) fn profile(self) -> &'static Profile {
        self.data()
    }
}

/// How a scenario's server behaves, knob by knob. [`Profile::HEALTHY`] is a server with
/// nothing wrong; each scenario changes the knobs its misconfiguration is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The 220 greeting.
    pub banner: Banner,
    /// Whether anonymous users are asked for a password.
    pub anonymous: Anonymous,
    /// Whether a plaintext control connection may log in.
    pub login: LoginOver,
    /// What a 227 reply claims as the data address.
    pub pasv: PasvAddress,
    /// How the passive data ports behave.
    pub passive_ports: PassivePorts,
    /// What EPSV does (and whether FEAT lists it).
    pub epsv: Epsv,
    /// What PORT and EPRT do.
    pub active: Active,
    /// The reply that opens a transfer.
    pub transfer_start: TransferStart,
    /// How the scenario offers FTPS, if it does.
    pub tls: Option<TlsOffer>,
    /// What the data connections' TLS must be.
    pub data_tls: DataTls,
    /// A NAT's FTP helper (ALG) between client and server, which rewrites plaintext 227
    /// and PORT but cannot read them inside TLS.
    pub alg: Option<AlgHelper>,
    /// Whether full-size data segments get through.
    pub path_mtu: PathMtu,
    /// Whether the path keeps an idle control connection.
    pub idle: IdlePath,
    /// Whether STOR and DELE are allowed.
    pub uploads: Uploads,
    /// How many servers stand behind the lab's one address, and how connections reach them.
    pub backends: Backends,
}

impl Profile {
    /// A server with nothing wrong: every scenario starts here.
    pub const HEALTHY: Profile = Profile {
        banner: Banner::Lab,
        anonymous: Anonymous::AsksPassword,
        login: LoginOver::Any,
        pasv: PasvAddress::Local,
        passive_ports: PassivePorts::Ephemeral,
        epsv: Epsv::Supported,
        active: Active::ConnectsBack,
        transfer_start: TransferStart::Reply150,
        tls: None,
        data_tls: DataTls::Any,
        alg: None,
        path_mtu: PathMtu::Clear,
        idle: IdlePath::Kept,
        uploads: Uploads::Refused,
        backends: Backends::One,
    };
}

/// The servers behind the lab's one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backends {
    /// One server: every connection reaches it.
    One,
    /// Two servers (A and B) behind a load balancer with no affinity: control connections
    /// go to A and B in turn (each greets with its own name), and so does every data
    /// connection, on a turn of its own. A data connection that reaches the backend which
    /// did not advertise its port is refused, as that backend has no listener there. The
    /// lab cannot steer a SYN, so it decides at the passive request which backend the
    /// coming data connection meets, and advertises a closed port when it is the other.
    TwoInTurn,
}

/// How a scenario offers FTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsOffer {
    /// `AUTH TLS` (RFC 4217).
    Explicit,
    /// TLS from the first byte, as on port 990.
    Implicit,
}

/// The 220 greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Banner {
    /// One line: `220 ftpdoctor lab FTP server ready.`
    Lab,
    /// Pure-FTPd's six-line banner (docs/field-notes.md, replies).
    PureFtpd,
}

/// Whether `USER anonymous` is followed by PASS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anonymous {
    /// `331`, then PASS with any password.
    AsksPassword,
    /// `230` right after USER, as Pure-FTPd does.
    NoPassword,
}

/// Which control connections may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginOver {
    /// Plaintext or TLS.
    Any,
    /// TLS only: USER on plaintext gets vsftpd's 530 (force_anon_logins_ssl).
    TlsOnly,
}

/// The address a 227 reply names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasvAddress {
    /// The control connection's local address: the truth.
    Local,
    /// This address instead, while the port is real and on the lab's own address.
    Claims(Ipv4Addr),
    /// This reply text, with no usable address in it; no port is opened.
    Garbled(&'static str),
}

/// How the passive data ports behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PassivePorts {
    /// A fresh listener per request, as most servers.
    Ephemeral,
    /// One port whose connects time out, as through a firewall that drops packets.
    Blackholed,
    /// One port whose connects are refused.
    Closed,
    /// A range handed out in turn, of which a firewall opened only a part.
    PartialRange,
}

/// What EPSV does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Epsv {
    /// RFC 2428, listed in FEAT.
    Supported,
    /// `502 Command not implemented.`, and missing from FEAT.
    NotImplemented,
}

/// What PORT and EPRT do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Active {
    /// Accepted; the server connects back for the transfer.
    ConnectsBack,
    /// `500 Illegal PORT command.`: vsftpd refusing an address other than the peer's.
    Illegal,
    /// Accepted, but the connection back never arrives (a client firewall drops it).
    NeverConnects,
    /// `502 Command not implemented.`, and EPRT missing from FEAT: no active mode, as some
    /// servers in the wild (docs/field-notes.md, replies).
    NotImplemented,
}

/// The preliminary reply of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransferStart {
    /// `150 Here comes the directory listing.` and the like.
    Reply150,
    /// `125 Data connection already open. Transfer starting.`, as Pure-FTPd and pyftpdlib.
    Reply125,
    /// Under PROT P, the 150 only once the data connection's TLS handshake is done (a
    /// server seen in the wild): a client that waits for the 150 before its handshake, as
    /// RFC 4217 has it, waits with the server. Without PROT P, as `Reply150`.
    AfterDataTls,
}

/// What a data connection's TLS must be under PROT P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataTls {
    /// Any handshake that succeeds.
    Any,
    /// It must resume the control connection's session (vsftpd require_ssl_reuse,
    /// FileZilla Server), or the transfer is refused with `LabConfig::reuse_refusal`.
    MustResume,
}

/// A NAT router's FTP helper in front of the server: it rewrites the plaintext 227 to the
/// outside address and a plaintext PORT to the NAT's own, but sees nothing inside TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AlgHelper {
    /// What the server's own 227 says inside TLS: its private address.
    pub server_private: Ipv4Addr,
    /// Where the server sees the client come from (its STAT says so).
    pub nat_outside: Ipv4Addr,
}

/// The largest MSS that crosses the mtu-blackhole scenario's path: what a 1240-byte
/// bottleneck leaves after IPv4 and TCP headers, so that the probe's first retry (1200)
/// passes and the loopback default (about 65 000) does not.
pub const HOLE_MAX_MSS: u32 = 1200;

/// How many bytes of a data connection cross the mtu-blackhole path before it stalls: the
/// small segments that a real black hole lets through (the first, short writes).
pub const HOLE_PASSES_BYTES: usize = 1024;

/// Whether full-size data segments get through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathMtu {
    /// Everything gets through.
    Clear,
    /// A data connection whose MSS (TCP_MAXSEG, read on the lab's socket) is above
    /// [`HOLE_MAX_MSS`] stalls after [`HOLE_PASSES_BYTES`], in either direction: what a
    /// client sees behind a link with a small MTU whose ICMP "fragmentation needed" is
    /// dropped. A lowered MSS passes.
    BlackHole,
}

/// Whether the path keeps an idle control connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdlePath {
    /// For as long as the server does (`idle_timeout`).
    Kept,
    /// Forgotten after `LabConfig::idle_after` without a command, as a NAT or load
    /// balancer forgets an idle flow; the next command meets this.
    Forgets(Forget),
}

/// What meets the first command after a forgotten idle period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forget {
    /// Nothing at all (Azure Load Balancer by default, a firewall dropping invalid packets).
    Silent,
    /// A RST (AWS NLB, a router answering a packet of a flow it no longer knows).
    Reset,
}

/// Whether the login may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Uploads {
    /// STOR and DELE answer `550 Permission denied.` (vsftpd with write_enable=NO).
    Refused,
    /// STOR and DELE work, on files kept in a temporary directory.
    Allowed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for sc in Scenario::ALL {
            assert_eq!(sc.name().parse::<Scenario>(), Ok(sc));
            assert!(!sc.description().is_empty());
        }
        let mut names: Vec<_> = Scenario::ALL.map(Scenario::name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Scenario::ALL.len());
    }

    #[test]
    fn unknown_scenario_error_lists_the_valid_ones() {
        let err = "nope"
            .parse::<Scenario>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("unknown scenario \"nope\"; valid scenarios: "),
            "{err}"
        );
        for sc in Scenario::ALL {
            assert!(err.contains(sc.name()), "{err}");
        }
    }

    #[test]
    fn every_scenario_but_healthy_changes_its_profile() {
        for sc in Scenario::ALL {
            let changed = *sc.profile() != Profile::HEALTHY;
            assert_eq!(changed, sc != Scenario::Healthy, "{sc}");
        }
    }

    #[test]
    fn no_two_scenarios_share_a_profile() {
        for a in Scenario::ALL {
            for b in Scenario::ALL.into_iter().filter(|b| *b != a) {
                assert_ne!(a.profile(), b.profile(), "{a} and {b}");
            }
        }
    }
}
