//! Which targets a module may probe. An exporter dials whatever a URL names, so anyone
//! who can reach it could use it as a port scanner (SSRF); every module therefore lists
//! what it may probe, and the list is checked before any socket is opened.
//!
//! Entries: a host name (`ftp.example.com`), an address (`192.0.2.10`, `2001:db8::1`),
//! a network (`10.0.0.0/8`, `2001:db8::/32`), each optionally with a port (`:2121`,
//! `[2001:db8::/32]:21`) or any port (`:*`). Without a port an entry allows the FTP
//! ports only: 21, and 990 for implicit FTPS. Names match names: a name is not resolved
//! to be compared with a network (DNS could point it anywhere), so a module that probes
//! `ftp.example.com` lists that name. Everything is allowed only with `targets: any`.

use std::fmt;
use std::net::IpAddr;

use crate::target::{Host, Target};

/// The ports an entry without a port allows: FTP (21) and implicit FTPS (990).
pub const DEFAULT_PORTS: [u16; 2] = [21, 990];

/// A module's allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    /// `targets: any`, spelled out in the config.
    Any,
    /// Only these.
    Only(Vec<Entry>),
}

/// One allowed host, address or network, with its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What the entry allows.
    pub host: AllowedHost,
    /// Which ports on it.
    pub ports: Ports,
}

/// The host part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHost {
    /// A DNS name, lower case, without a trailing dot.
    Name(String),
    /// A network (an address is a /32 or /128).
    Net {
        /// The network's address, host bits cleared.
        addr: IpAddr,
        /// Prefix length.
        prefix: u8,
    },
}

/// The port part of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// No port given: [`DEFAULT_PORTS`].
    Ftp,
    /// `:PORT`.
    One(u16),
    /// `:*`.
    Any,
}

/// Why an allowlist entry does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Neither a name, an address nor a network.
    #[error(
        "{0:?} is not a host name, address or network (e.g. ftp.example.com, 192.0.2.10, 10.0.0.0/8, [2001:db8::/32]:21)"
    )]
    Unreadable(String),
    /// A prefix longer than the address.
    #[error("{0:?}: prefix length out of range")]
    Prefix(String),
    /// A /0 network: everything, without saying so.
    #[error("{0:?} allows every address: write `targets: any` if that is meant")]
    Everything(String),
    /// Port 0 or past 65535.
    #[error("{0:?}: the port must be 1-65535 or *")]
    Port(String),
}

impl Entry {
    /// Parses one entry of a module's `targets` list.
    pub fn parse(text: &str) -> Result<Entry, EntryError> {
        let text = text.trim();
        let unreadable = || EntryError::Unreadable(text.to_string());
        let (host, port) = split_port(text).ok_or_else(unreadable)?;
        let ports = match port {
            None => Ports::Ftp,
            Some("*") => Ports::Any,
            Some(p) => match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(EntryError::Port(text.to_string())),
                Ok(p) => Ports::One(p),
            },
        };
        let host = parse_host(host).map_err(|e| match e {
            HostError::Unreadable => unreadable(),
            HostError::Prefix => EntryError::Prefix(text.to_string()),
        })?;
        if let AllowedHost::Net { prefix: 0, .. } = host {
            return Err(EntryError::Everything(text.to_string()));
        }
        Ok(Entry { host, ports })
    }

    fn allows(&self, host: &Host, port: u16) -> bool {
        let port_ok = match self.ports {
            Ports::Ftp => DEFAULT_PORTS.contains(&port),
            Ports::One(p) => p == port,
            Ports::Any => true,
        };
        port_ok
            && match (&self.host, host) {
                (AllowedHost::Name(allowed), Host::Name(name)) => *allowed == normal_name(name),
                (AllowedHost::Net { addr, prefix }, Host::Ip(ip)) => in_net(*ip, *addr, *prefix),
                _ => false,
            }
    }
}

/// Most entries a 403 lists: a long allowlist would make a page, not a line.
const MAX_PATTERNS_SHOWN: usize = 20;

impl Allow {
    /// The patterns as a 403 and the landing page show them: `any`, or the entries
    /// (`ftp.example.com, 10.0.0.0/8:2121`), with what an entry without a port means.
    pub fn patterns(&self) -> String {
        let Allow::Only(entries) = self else {
            return "any".to_string();
        };
        let shown: Vec<String> = entries
            .iter()
            .take(MAX_PATTERNS_SHOWN)
            .map(ToString::to_string)
            .collect();
        let mut text = shown.join(", ");
        if entries.len() > MAX_PATTERNS_SHOWN {
            text.push_str(&format!(
                " (and {} more)",
                entries.len() - MAX_PATTERNS_SHOWN
            ));
        }
        if entries.iter().any(|e| e.ports == Ports::Ftp) {
            text.push_str(" (without a port: 21 and 990)");
        }
        text
    }

    /// Whether the target may be probed.
    pub fn allows(&self, target: &Target) -> bool {
        match self {
            Allow::Any => true,
            Allow::Only(entries) => entries.iter().any(|e| e.allows(&target.host, target.port)),
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            AllowedHost::Name(name) => name.clone(),
            AllowedHost::Net { addr, prefix } => {
                let full = if addr.is_ipv4() { 32 } else { 128 };
                match (*prefix == full, addr) {
                    (true, IpAddr::V4(_)) => addr.to_string(),
                    (true, IpAddr::V6(_)) => format!("[{addr}]"),
                    (false, IpAddr::V4(_)) => format!("{addr}/{prefix}"),
                    (false, IpAddr::V6(_)) => format!("[{addr}/{prefix}]"),
                }
            }
        };
        match self.ports {
            Ports::Ftp => write!(f, "{host}"),
            Ports::One(p) => write!(f, "{host}:{p}"),
            Ports::Any => write!(f, "{host}:*"),
        }
    }
}

enum HostError {
    Unreadable,
    Prefix,
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, `[v6/len]:port`; a bare IPv6 address or
/// network (several colons, no brackets) has no port.
fn split_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match text.matches(':').count() {
        0 => Some((text, None)),
        1 => text.split_once(':').map(|(h, p)| (h, Some(p))),
        _ => Some((text, None)),
    }
}

fn parse_host(host: &str) -> Result<AllowedHost, HostError> {
    if let Some((addr, len)) = host.split_once('/') {
        let addr: IpAddr = addr.parse().map_err(|_| HostError::Unreadable)?;
        let prefix: u8 = len.parse().map_err(|_| HostError::Prefix)?;
        let full = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > full {
            return Err(HostError::Prefix);
        }
        return Ok(AllowedHost::Net {
            addr: mask(addr, prefix),
            prefix,
        });
    }
    if let Ok(addr) = host.parse::<IpAddr>() {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(AllowedHost::Net { addr, prefix });
    }
    let name = normal_name(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok) {
        true => Ok(AllowedHost::Name(name)),
        false => Err(HostError::Unreadable),
    }
}

fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a) & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(bits.into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a) & u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(bits.into())
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    // An IPv4-mapped IPv6 target is the IPv4 address it maps, for IPv4 entries.
    let ip = match (ip, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => return false,
        },
        _ => ip,
    };
    ip.is_ipv4() == net.is_ipv4() && mask(ip, prefix) == net
}

#[cfg(test)]
mod tests;
