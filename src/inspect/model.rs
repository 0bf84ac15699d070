//! What the parsers hand over: settings with the file and line they came from, a
//! server's passive-mode configuration, and port ranges.

use std::fmt;

use serde::Serialize;

/// Where a setting was read: the file, and the line (1-based) when the setting has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loc {
    /// The file (or `/proc/PID/cmdline`, or `-` for stdin).
    pub file: String,
    /// The line, 1-based; `None` when the setting is absent and its default applies.
    pub line: Option<usize>,
}

impl Loc {
    /// `file:line`.
    pub fn at(file: &str, line: usize) -> Loc {
        Loc {
            file: file.to_string(),
            line: Some(line),
        }
    }

    /// A whole file (a default that no line sets).
    pub fn file(file: &str) -> Loc {
        Loc {
            file: file.to_string(),
            line: None,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// An inclusive TCP port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    /// First port.
    pub lo: u16,
    /// Last port (inclusive).
    pub hi: u16,
}

impl PortRange {
    /// `lo..=hi`, or `None` when `lo > hi` or `lo` is 0.
    pub fn new(lo: u16, hi: u16) -> Option<PortRange> {
        (lo > 0 && lo <= hi).then_some(PortRange { lo, hi })
    }

    /// One port.
    pub fn single(port: u16) -> PortRange {
        PortRange { lo: port, hi: port }
    }

    /// Whether `port` is inside.
    pub fn contains(&self, port: u16) -> bool {
        (self.lo..=self.hi).contains(&port)
    }

    /// How many ports.
    pub fn len(&self) -> u32 {
        u32::from(self.hi) - u32::from(self.lo) + 1
    }

    /// Never: a range holds at least one port.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Parses `30000-30099`, `30000:30099` or `30000`.
    pub fn parse(text: &str) -> Option<PortRange> {
        let text = text.trim();
        match text.split_once(['-', ':']) {
            Some((a, b)) => PortRange::new(a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => text.parse().ok().and_then(|p| PortRange::new(p, p)),
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// Which FTP server a configuration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// vsftpd.conf.
    Vsftpd,
    /// proftpd.conf and its includes.
    Proftpd,
    /// Pure-FTPd's conf directory or command line.
    PureFtpd,
    /// An FTP container image configured through its environment (compose, docker inspect).
    Container,
}

impl ServerKind {
    /// The name used in `sources[].kind`.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Vsftpd => "vsftpd",
            ServerKind::Proftpd => "proftpd",
            ServerKind::PureFtpd => "pure-ftpd",
            ServerKind::Container => "container-env",
        }
    }
}

/// A value and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub loc: Loc,
}

impl<T> At<T> {
    /// `value` set at `loc`.
    pub fn new(value: T, loc: Loc) -> At<T> {
        At { value, loc }
    }
}

/// A setting the server does not know, and the nearest one it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The name as written.
    pub name: String,
    /// The known setting it most likely meant.
    pub suggestion: Option<String>,
    /// Where.
    pub loc: Loc,
}

/// One server's passive-mode configuration as its files declare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Which server.
    pub kind: ServerKind,
    /// The main file (or directory, or command line).
    pub file: String,
    /// Whether passive mode is on, and the line that says so (absent: the default, on).
    pub passive: Option<At<bool>>,
    /// The fixed passive range, if one is set.
    pub range: Option<At<PortRange>>,
    /// The address the 227 carries, if one is set (pasv_address, MasqueradeAddress, -P).
    pub public_address: Option<At<String>>,
    /// Settings that accept data connections from anyone (`setting=value` as written).
    pub promiscuous: Vec<At<String>>,
    /// Reverse lookups of clients: the setting as written, or a default that turns them on.
    pub reverse_dns: Option<At<String>>,
    /// Settings the server does not know.
    pub unknown: Vec<Unknown>,
    /// The control port, if set.
    pub listen_port: Option<At<u16>>,
    /// Problems that are not settings (an Include loop, a bad value), for the sources list.
    pub problems: Vec<At<String>>,
}

impl ServerConfig {
    /// An empty configuration of `kind` read from `file`.
    pub fn new(kind: ServerKind, file: &str) -> ServerConfig {
        ServerConfig {
            kind,
            file: file.to_string(),
            passive: None,
            range: None,
            public_address: None,
            promiscuous: Vec::new(),
            reverse_dns: None,
            unknown: Vec::new(),
            listen_port: None,
            problems: Vec::new(),
        }
    }

    /// Whether passive mode is on (the default for every server).
    pub fn passive_on(&self) -> bool {
        self.passive.as_ref().is_none_or(|p| p.value)
    }
}

/// Splits text into lines numbered from 1, without line ends.
pub fn numbered(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l))
}
