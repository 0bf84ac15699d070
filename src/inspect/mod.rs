//! `ftpdoctor inspect`: the server's side. Reads the FTP server's config, the firewall
//! ruleset and the container or Kubernetes manifests (given, or found on the host), and
//! says which line of them breaks passive FTP; with `--with`, checks them against what an
//! outside probe saw. It only reads: nothing on the host is changed.
//!
//! Every parser is pure (text in, settings with their file and line out); [`discover`]
//! and [`load`] are the only parts that touch the file system or run a command.

pub mod compose;
pub mod deploy;
pub mod directives;
pub mod discover;
pub mod docker_inspect;
pub mod firewall;
#[cfg(test)]
mod firewall_tests;
pub mod iptables;
pub mod k8s;
pub mod load;
pub mod model;
pub mod nft;
pub mod output;
pub mod probe_report;
pub mod proftpd;
pub mod pureftpd;
mod reconcile;
pub mod rules;
pub mod source;
mod table;
pub mod vsftpd;
pub mod yaml;

use std::net::IpAddr;

use serde::Serialize;

pub use load::{Inputs, load};
pub use output::{InspectReport, write_json};
pub use table::write_table;

/// Why a file could not be read. Each becomes a source with `read: false`, never a stop.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The OS refused (missing, permission, a directory, ...).
    #[error("cannot read {path}: {why}")]
    Io {
        /// The file.
        path: String,
        /// The OS's words.
        why: String,
    },
    /// Over [`source::MAX_FILE_BYTES`].
    #[error("{path} is {bytes} bytes, over the {} MiB inspect reads: no config, ruleset or manifest is that large", source::MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        bytes: u64,
    },
    /// It holds NUL bytes.
    #[error("{path} is a binary file (it holds NUL bytes), not a config, ruleset or manifest")]
    Binary {
        /// The file.
        path: String,
    },
    /// It was read but is not what it should be.
    #[error("{path}: {why}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

impl InspectError {
    fn io(path: &str, e: &std::io::Error) -> InspectError {
        InspectError::Io {
            path: path.to_string(),
            why: e.to_string(),
        }
    }
}

/// What was read about the host itself (discovery only; empty with files given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Host {
    /// Its addresses.
    pub addresses: Vec<IpAddr>,
    /// `uname -r`.
    pub kernel: Option<String>,
    /// Who listens on 21 and 990.
    pub listeners: Vec<Listener>,
}

/// A listening socket on an FTP port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listener {
    /// The port.
    pub port: u16,
    /// The process name, when its /proc entry could be read.
    pub process: Option<String>,
    /// Its pid.
    pub pid: Option<u32>,
}

/// One input, read or not.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// vsftpd, proftpd, pure-ftpd, nftables, iptables, compose, k8s, docker-inspect, report.
    pub kind: &'static str,
    /// The file (or command).
    pub path: String,
    /// Whether it was read and parsed.
    pub read: bool,
    /// Why not, or what was wrong inside it.
    pub error: Option<String>,
    /// What else to know about it (rules inspect could not judge, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Source {
    /// A source read without trouble.
    pub fn ok(kind: &'static str, path: &str) -> Source {
        Source {
            kind,
            path: path.to_string(),
            read: true,
            error: None,
            notes: Vec::new(),
        }
    }

    /// A source that could not be read.
    pub fn failed(kind: &'static str, path: &str, why: String) -> Source {
        Source {
            error: Some(why),
            read: false,
            ..Source::ok(kind, path)
        }
    }
}

/// Everything read: the host, the files, and the outside probe's report.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    /// The host (discovery).
    pub host: Host,
    /// Every input, read or not.
    pub sources: Vec<Source>,
    /// Server configurations.
    pub servers: Vec<model::ServerConfig>,
    /// Firewall rulesets.
    pub rulesets: Vec<firewall::Ruleset>,
    /// Containers, services and workloads.
    pub deploys: Vec<deploy::Deploy>,
    /// The outside probe's report, and its file.
    pub seen: Option<(String, probe_report::Seen)>,
    /// `--public-addr`: the address clients use.
    pub public_addr: Option<IpAddr>,
    /// Whether the kernel attaches the FTP helper by itself (nf_conntrack_helper=1, or a
    /// kernel before 4.7); `None` when unknown.
    pub helper_auto: Option<bool>,
}
