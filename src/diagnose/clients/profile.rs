//! Each client profile as data: how it picks a data mode, what it does with the PASV
//! address, whether it speaks TLS and resumes sessions, its default timeouts, and how it
//! reacts to each kind of failure. docs/clients.md gives the source of every value.

use std::net::IpAddr;

use super::ClientId;
use crate::addr::{AddrClass, classify};
use crate::probe::record::Mode;

/// How long a client waits at a step before it gives up on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The client's own default, in seconds.
    Secs(u32),
    /// No timeout of its own: a connect ends when the OS stops resending the SYN, any
    /// other wait never ends.
    Unlimited,
}

/// Where the client runs, for how long its OS keeps resending an unanswered SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// `net.ipv4.tcp_syn_retries` = 6, with `tcp_syn_linear_timeouts` = 4 (Linux 6.5 and
    /// later): measured 134.9 s on Linux 6.18 (127 s on older kernels).
    Linux,
    /// `TcpMaxConnectRetransmissions` = 2: 3+6+12 s.
    Windows,
}

impl Platform {
    /// Seconds until the OS reports an unanswered connect as timed out.
    pub fn syn_give_up_s(self) -> u32 {
        match self {
            Platform::Linux => 135,
            Platform::Windows => 21,
        }
    }
}

/// What the client does with the address in a 227 reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasvAddress {
    /// Dials the advertised address as it is.
    Follow,
    /// Dials the control connection's peer with the advertised port.
    Ignore,
    /// Dials the control peer instead when the rule says the address is bogus.
    Fix(FixRule),
    /// Refuses to dial an address other than the control peer (an error, not a dial).
    RefuseOther,
}

/// When a client replaces the PASV address with the control peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixRule {
    /// lftp `ftp:fix-pasv-address`: the address is reserved (0/8, 240/4) or multicast, or
    /// differs from the control peer in being private, or in being loopback.
    Lftp,
    /// ncftp: an RFC 1918 address while the control peer is not one.
    PrivateOnly,
    /// FileZilla and WinSCP: an address they consider unroutable (RFC 1918, loopback,
    /// link-local) while the control peer is routable. Their list misses 0/8, 100.64/10,
    /// 198.18/15, 240/4 and multicast.
    Unroutable,
}

impl FixRule {
    /// Whether the client swaps `advertised` for `peer`.
    pub fn replaces(self, advertised: IpAddr, peer: IpAddr) -> bool {
        let (adv, ctl) = (classify(advertised), classify(peer));
        let private = |c: AddrClass| c == AddrClass::Private;
        let loopback = |c: AddrClass| c == AddrClass::Loopback;
        match self {
            FixRule::Lftp => {
                let reserved = match advertised {
                    IpAddr::V4(v4) => v4.octets()[0] == 0 || v4.octets()[0] >= 240,
                    IpAddr::V6(_) => false,
                };
                reserved
                    || adv == AddrClass::Multicast
                    || private(adv) != private(ctl)
                    || loopback(adv) != loopback(ctl)
            }
            FixRule::PrivateOnly => private(adv) && !private(ctl),
            FixRule::Unroutable => adv_unroutable(adv) && !adv_unroutable(ctl),
        }
    }
}

impl FixRule {
    /// Why the rule keeps or replaces `advertised` next to the control `peer`, in words
    /// for a client's reason (`replaced` is what [`FixRule::replaces`] said).
    pub fn why(self, advertised: IpAddr, peer: IpAddr, replaced: bool) -> String {
        let (adv, ctl) = (classify(advertised), classify(peer));
        match (self, replaced) {
            (FixRule::Unroutable, true) => format!(
                "it replaces an unroutable PASV address when the server's own address is \
                 routable: {peer} is {ctl}"
            ),
            (FixRule::Unroutable, false) if adv_unroutable(adv) => format!(
                "it replaces an unroutable PASV address only when the server's own address is \
                 routable, and {peer} is {ctl}"
            ),
            (FixRule::Unroutable, false) => {
                format!("it replaces only an unroutable PASV address, and {adv} is not on its list")
            }
            (FixRule::Lftp, true) => {
                format!("ftp:fix-pasv-address replaces it: {adv}, where the control peer is {ctl}")
            }
            (FixRule::Lftp, false) => format!(
                "ftp:fix-pasv-address keeps an address of the control peer's kind ({adv} and {ctl})"
            ),
            (FixRule::PrivateOnly, true) => {
                format!("it replaces an RFC 1918 address where the control peer is {ctl}")
            }
            (FixRule::PrivateOnly, false) => format!(
                "it replaces only an RFC 1918 address from a control peer that is not one \
                 ({adv} from {ctl})"
            ),
        }
    }
}

/// FileZilla's and WinSCP's list of unroutable addresses.
fn adv_unroutable(c: AddrClass) -> bool {
    matches!(
        c,
        AddrClass::Private | AddrClass::Loopback | AddrClass::LinkLocal
    )
}

/// Whether and how the client uses TLS on an `ftp://` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsUse {
    /// Plain FTP only.
    Never,
    /// AUTH TLS when the server offers it, for named users only (lftp's
    /// `ftp:ssl-allow-anonymous` is off): anonymous sessions stay plaintext.
    OfferedNamedOnly,
    /// AUTH TLS when the server offers it, plaintext otherwise.
    Offered,
    /// AUTH TLS or give up.
    Required,
}

/// What the client does after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Stops with an error.
    Fail,
    /// Tries the next mode of its list (fails after the last).
    Next,
    /// Switches to the first active mode of its list (fails if it has none left).
    Active,
    /// Starts over, by its retry policy.
    Retry,
    /// Goes on as if nothing happened and waits for the server's reply (ncftp sends the
    /// RETR without a data connection): hangs until the server gives up.
    WaitServer,
    /// `Active` when the server's FEAT does not list PASV, else `WaitServer`: ncftp falls
    /// back to PORT only while it does not know PASV to be supported (libncftp `hasPASV`).
    WaitServerOrPort,
}

/// The failures a client meets on the way to its data, each with its own reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reactions {
    /// A 4xx/5xx to PASV/EPSV/PORT/EPRT, or a 227/229 it cannot parse.
    pub rejected: Reaction,
    /// The data connect refused (RST) or unreachable.
    pub refused: Reaction,
    /// The data connect unanswered until the client's connect timeout.
    pub dropped: Reaction,
    /// USER/PASS answered 530.
    pub login_refused: Reaction,
}

/// How a client retries a whole attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Attempts in all; `None` when there are so many that it never visibly stops.
    pub tries: Option<u32>,
    /// Seconds of pauses between all those attempts together.
    pub pauses_s: u32,
    /// How the client's docs name it.
    pub setting: &'static str,
}

/// What a client does when the active data connection comes from an address other than
/// the control peer (a server that connects from another interface, or an FTP bounce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveSource {
    /// Takes it.
    Accept,
    /// Refuses it with an error (commons-net `remoteVerificationEnabled`).
    Fail,
    /// Refuses it and keeps waiting for the right one (ncftp "did not originate from
    /// remote server"): hangs until its accept timeout.
    Wait,
}

/// One client with its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The stable id this profile answers to.
    pub id: ClientId,
    /// The program's own name, as reasons use it.
    pub name: &'static str,
    /// One line: version range, mode order, PASV-address policy.
    pub describes: &'static str,
    /// The data modes in the order the client tries them, on IPv4 (PASV and PORT turn into
    /// EPSV and EPRT on IPv6, as every one of these clients does).
    pub modes: &'static [Mode],
    /// What it dials after a 227.
    pub pasv_address: PasvAddress,
    /// Whether it asks for AUTH TLS.
    pub tls: TlsUse,
    /// Data connections resume the control connection's TLS session.
    pub tls_resume: bool,
    /// Under PROT P, the data connection's handshake starts as soon as it is open, not
    /// after the 150 (RFC 4217's order): such a client never meets a server that waits
    /// for the handshake before its 150.
    pub data_tls_at_once: bool,
    /// Control and data connects.
    pub connect: Wait,
    /// Passive data connects tried (each with the connect timeout) before the client
    /// reacts to the failure: ncftp asks PASV again twice.
    pub passive_tries: u32,
    /// After a failed data connection it asks PASV/EPSV again in the same session (lftp;
    /// ncftp, see `passive_tries`): behind a NAT pool or a load balancer that alternates,
    /// every other try works.
    pub retries_data_in_session: bool,
    /// The greeting and each reply.
    pub reply: Wait,
    /// Active modes: waiting for the server to connect back.
    pub accept: Wait,
    /// What it does after each kind of failure.
    pub on: Reactions,
    /// How it retries, where a reaction says `Retry`.
    pub retries: Retries,
    /// Active modes: what it does with a connect-back from another address than the
    /// control peer.
    pub active_source: ActiveSource,
    /// The OS it usually runs on, for when an unanswered connect ends.
    pub platform: Platform,
    /// Whether CI runs the real client against the lab to prove its predictions.
    pub runs_in_ci: bool,
}

const NO_RETRIES: Retries = Retries {
    tries: Some(1),
    pauses_s: 0,
    setting: "",
};

const CURL: Profile = Profile {
    id: ClientId::Curl,
    name: "curl",
    describes: "curl 7.74+ default (EPSV, then PASV; PASV address ignored)",
    modes: &[Mode::Epsv, Mode::Pasv],
    pasv_address: PasvAddress::Ignore,
    tls: TlsUse::Never,
    tls_resume: true,
    // Observed (curl 7.88.1 against tls-data-deadlock): the passive data connection's
    // handshake runs as soon as it is connected, before the 150.
    data_tls_at_once: true,
    connect: Wait::Secs(300),
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Secs(120),
    accept: Wait::Secs(60),
    on: Reactions {
        // An EPSV that fails in any way, its connect included, turns EPSV off and the
        // same transfer goes on with PASV (lib/ftp.c); after PASV there is nothing left.
        rejected: Reaction::Next,
        refused: Reaction::Next,
        dropped: Reaction::Next,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const LFTP: Profile = Profile {
    id: ClientId::Lftp,
    name: "lftp",
    describes: "lftp 4.x default (PASV; ftp:fix-pasv-address on; retries net:max-retries 1000)",
    modes: &[Mode::Pasv],
    pasv_address: PasvAddress::Fix(FixRule::Lftp),
    tls: TlsUse::OfferedNamedOnly,
    tls_resume: true,
    data_tls_at_once: false,
    connect: Wait::Secs(300),
    passive_tries: 1,
    retries_data_in_session: true,
    reply: Wait::Secs(300),
    accept: Wait::Secs(300),
    on: Reactions {
        rejected: Reaction::Retry,
        refused: Reaction::Retry,
        dropped: Reaction::Retry,
        login_refused: Reaction::Fail,
    },
    retries: Retries {
        tries: None,
        pauses_s: 0,
        setting: "net:max-retries 1000, net:reconnect-interval-base 15 s growing to 300 s",
    },
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const WGET: Profile = Profile {
    id: ClientId::Wget,
    name: "wget",
    describes: "GNU wget 1.x default (PASV on IPv4, follows the PASV address; 20 tries)",
    modes: &[Mode::Pasv],
    pasv_address: PasvAddress::Follow,
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Unlimited,
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Secs(900),
    accept: Wait::Unlimited,
    on: Reactions {
        rejected: Reaction::Retry,
        // ECONNREFUSED is retried only with --retry-connrefused.
        refused: Reaction::Fail,
        dropped: Reaction::Retry,
        login_refused: Reaction::Retry,
    },
    retries: Retries {
        tries: Some(20),
        // --waitretry 10: 1, 2, ... 10 s, then 10 s for each of the remaining pauses.
        pauses_s: 145,
        setting: "--tries 20, --waitretry 10",
    },
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const FTPLIB: Profile = Profile {
    id: ClientId::Ftplib,
    name: "ftplib",
    describes: "Python ftplib.FTP 3.9.3+ default (PASV on IPv4, PASV address ignored; no timeout)",
    modes: &[Mode::Pasv],
    pasv_address: PasvAddress::Ignore,
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Unlimited,
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Unlimited,
    accept: Wait::Unlimited,
    on: Reactions {
        rejected: Reaction::Fail,
        refused: Reaction::Fail,
        dropped: Reaction::Fail,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const BASIC_FTP: Profile = Profile {
    id: ClientId::BasicFtp,
    name: "basic-ftp",
    describes: "Node basic-ftp 5.x/6.x new Client() (EPSV, then PASV to the control host only; 30 s per step)",
    modes: &[Mode::Epsv, Mode::Pasv],
    pasv_address: PasvAddress::RefuseOther,
    tls: TlsUse::Never,
    tls_resume: true,
    data_tls_at_once: false,
    connect: Wait::Secs(30),
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Secs(30),
    accept: Wait::Secs(30),
    on: Reactions {
        rejected: Reaction::Next,
        refused: Reaction::Next,
        dropped: Reaction::Next,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const NCFTP: Profile = Profile {
    id: ClientId::Ncftp,
    name: "ncftp",
    describes: "ncftp/ncftpget 3.2 default (PASV; fixes an RFC 1918 PASV address, follows others)",
    // PORT only as the fallback of `WaitServerOrPort`.
    modes: &[Mode::Pasv, Mode::Port],
    pasv_address: PasvAddress::Fix(FixRule::PrivateOnly),
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Secs(20),
    passive_tries: 3,
    retries_data_in_session: true,
    reply: Wait::Secs(135),
    accept: Wait::Secs(135),
    on: Reactions {
        rejected: Reaction::Fail,
        refused: Reaction::WaitServerOrPort,
        dropped: Reaction::Fail,
        login_refused: Reaction::Retry,
    },
    retries: Retries {
        tries: None,
        pauses_s: 0,
        setting: "redials every 20 s",
    },
    active_source: ActiveSource::Wait,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const TNFTP: Profile = Profile {
    id: ClientId::Tnftp,
    name: "tnftp",
    describes: "tnftp 2021x (NetBSD ftp) default (EPSV, then PASV; falls back to EPRT/PORT)",
    modes: &[Mode::Epsv, Mode::Pasv, Mode::Eprt, Mode::Port],
    pasv_address: PasvAddress::Follow,
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Unlimited,
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Unlimited,
    accept: Wait::Unlimited,
    on: Reactions {
        rejected: Reaction::Next,
        refused: Reaction::Active,
        dropped: Reaction::Active,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const COMMONS_NET: Profile = Profile {
    id: ClientId::CommonsNet,
    name: "commons-net",
    describes: "Apache commons-net FTPClient 3.x defaults (active: PORT on IPv4; no timeouts)",
    modes: &[Mode::Port],
    pasv_address: PasvAddress::Ignore,
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Unlimited,
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Unlimited,
    accept: Wait::Unlimited,
    on: Reactions {
        rejected: Reaction::Fail,
        refused: Reaction::Fail,
        dropped: Reaction::Fail,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Fail,
    platform: Platform::Linux,
    runs_in_ci: true,
};

const FILEZILLA: Profile = Profile {
    id: ClientId::Filezilla,
    name: "FileZilla",
    describes: "FileZilla 3.x defaults (PASV, unroutable address replaced; falls back to active; TLS if offered)",
    modes: &[Mode::Pasv, Mode::Port],
    pasv_address: PasvAddress::Fix(FixRule::Unroutable),
    tls: TlsUse::Offered,
    tls_resume: true,
    data_tls_at_once: true,
    connect: Wait::Secs(20),
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Secs(20),
    accept: Wait::Secs(20),
    on: Reactions {
        rejected: Reaction::Next,
        refused: Reaction::Next,
        dropped: Reaction::Next,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Windows,
    runs_in_ci: false,
};

const WINSCP: Profile = Profile {
    id: ClientId::Winscp,
    name: "WinSCP",
    describes: "WinSCP 5.x/6.x FTP defaults (passive, unroutable address replaced; no TLS)",
    modes: &[Mode::Pasv],
    pasv_address: PasvAddress::Fix(FixRule::Unroutable),
    tls: TlsUse::Never,
    tls_resume: true,
    data_tls_at_once: false,
    connect: Wait::Secs(15),
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Secs(15),
    accept: Wait::Secs(15),
    on: Reactions {
        rejected: Reaction::Fail,
        refused: Reaction::Fail,
        dropped: Reaction::Fail,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Windows,
    runs_in_ci: false,
};

const WINDOWS_FTP: Profile = Profile {
    id: ClientId::WindowsFtp,
    name: "ftp.exe",
    describes: "Windows ftp.exe (active only: PORT on IPv4; no TLS)",
    modes: &[Mode::Port],
    pasv_address: PasvAddress::Follow,
    tls: TlsUse::Never,
    tls_resume: false,
    data_tls_at_once: false,
    connect: Wait::Unlimited,
    passive_tries: 1,
    retries_data_in_session: false,
    reply: Wait::Unlimited,
    accept: Wait::Unlimited,
    on: Reactions {
        rejected: Reaction::Fail,
        refused: Reaction::Fail,
        dropped: Reaction::Fail,
        login_refused: Reaction::Fail,
    },
    retries: NO_RETRIES,
    active_source: ActiveSource::Accept,
    platform: Platform::Windows,
    runs_in_ci: false,
};

/// The profile of `id`: the base clients above, and their variants as changes to them.
pub fn profile(id: ClientId) -> Profile {
    match id {
        ClientId::Curl => CURL,
        ClientId::CurlDisableEpsv => Profile {
            id,
            describes: "curl 7.74+ --disable-epsv (PASV only; PASV address ignored)",
            modes: &[Mode::Pasv],
            ..CURL
        },
        ClientId::CurlActive => Profile {
            id,
            describes: "curl -P - (EPRT, then PORT; waits 60 s for the connect-back)",
            modes: &[Mode::Eprt, Mode::Port],
            ..CURL
        },
        ClientId::CurlSslReqd => Profile {
            id,
            describes: "curl 7.74+ --ssl-reqd (AUTH TLS required; EPSV, then PASV; resumes TLS)",
            tls: TlsUse::Required,
            ..CURL
        },
        ClientId::Lftp => LFTP,
        ClientId::LftpActive => Profile {
            id,
            describes: "lftp 4.x, set ftp:passive-mode off (PORT; retries)",
            modes: &[Mode::Port],
            ..LFTP
        },
        ClientId::Wget => WGET,
        ClientId::WgetActive => Profile {
            id,
            describes: "GNU wget 1.x --no-passive-ftp (PORT on IPv4; waits for the connect-back)",
            modes: &[Mode::Port],
            ..WGET
        },
        ClientId::Ftplib => FTPLIB,
        ClientId::FtplibTls => Profile {
            id,
            describes: "Python ftplib.FTP_TLS 3.9.3+ (AUTH TLS, PROT P; data connections do not resume)",
            tls: TlsUse::Required,
            ..FTPLIB
        },
        ClientId::BasicFtp => BASIC_FTP,
        ClientId::Ncftp => NCFTP,
        ClientId::NcftpActive => Profile {
            id,
            describes: "ncftpget 3.2 -E (PORT; checks the connect-back's source)",
            modes: &[Mode::Port],
            ..NCFTP
        },
        ClientId::Tnftp => TNFTP,
        ClientId::TnftpActive => Profile {
            id,
            describes: "tnftp 2021x -A (EPRT, then PORT)",
            modes: &[Mode::Eprt, Mode::Port],
            ..TNFTP
        },
        ClientId::CommonsNet => COMMONS_NET,
        ClientId::Filezilla => FILEZILLA,
        ClientId::Winscp => WINSCP,
        ClientId::WindowsFtp => WINDOWS_FTP,
    }
}
