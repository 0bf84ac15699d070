//! The words of a prediction: which client ([`ClientId`]), its fate ([`Prediction`]),
//! the step it meets it at ([`ClientStep`]), and the report's row ([`ClientPrediction`]).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A client profile's stable id, as `--clients` and the report spell it (docs/clients.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientId {
    /// curl 7.74 and later: EPSV, then PASV; ignores the PASV address.
    Curl,
    /// `curl --disable-epsv`: PASV only.
    CurlDisableEpsv,
    /// `curl -P -`: active, EPRT then PORT.
    CurlActive,
    /// `curl --ssl-reqd`: as `curl`, with AUTH TLS required.
    CurlSslReqd,
    /// lftp 4.x: PASV, fixing a bogus PASV address.
    Lftp,
    /// lftp with `ftp:passive-mode off`: PORT.
    LftpActive,
    /// GNU wget 1.x: PASV on IPv4, following the PASV address.
    Wget,
    /// `wget --no-passive-ftp`: PORT.
    WgetActive,
    /// Python `ftplib.FTP`: PASV on IPv4, ignoring the PASV address.
    Ftplib,
    /// Python `ftplib.FTP_TLS`: as `ftplib`, with TLS that never resumes on data connections.
    FtplibTls,
    /// Node basic-ftp: EPSV, then PASV; refuses a PASV address other than the control host.
    BasicFtp,
    /// ncftp / ncftpget 3.2: PASV, fixing an RFC 1918 address.
    Ncftp,
    /// `ncftpget -E`: PORT.
    NcftpActive,
    /// tnftp (NetBSD ftp): EPSV/EPRT first, falling back to active.
    Tnftp,
    /// `tnftp -A`: active, EPRT then PORT.
    TnftpActive,
    /// Apache commons-net `FTPClient`: active (PORT) unless told otherwise.
    CommonsNet,
    /// FileZilla 3.x: PASV, replacing an unroutable address; falls back to active.
    Filezilla,
    /// WinSCP: PASV, replacing an unroutable address.
    Winscp,
    /// Windows ftp.exe: active only.
    WindowsFtp,
}

impl ClientId {
    /// Every profile, in the order the report lists them.
    pub const ALL: [ClientId; 19] = [
        ClientId::Curl,
        ClientId::CurlDisableEpsv,
        ClientId::CurlActive,
        ClientId::CurlSslReqd,
        ClientId::Lftp,
        ClientId::LftpActive,
        ClientId::Wget,
        ClientId::WgetActive,
        ClientId::Ftplib,
        ClientId::FtplibTls,
        ClientId::BasicFtp,
        ClientId::Ncftp,
        ClientId::NcftpActive,
        ClientId::Tnftp,
        ClientId::TnftpActive,
        ClientId::CommonsNet,
        ClientId::Filezilla,
        ClientId::Winscp,
        ClientId::WindowsFtp,
    ];

    /// What `--clients` predicts when not given: the most used client of each kind —
    /// curl, wget and lftp on the command line, Python in scripts, FileZilla on desktops,
    /// ftp.exe on every Windows machine — which between them cover each way of meeting a
    /// broken server: EPSV first, following, fixing or ignoring the PASV address, and
    /// active only. docs/clients.md says the same.
    pub const DEFAULT: [ClientId; 6] = [
        ClientId::Curl,
        ClientId::Lftp,
        ClientId::Wget,
        ClientId::Ftplib,
        ClientId::Filezilla,
        ClientId::WindowsFtp,
    ];

    /// The id as `--clients` and the JSON report spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientId::Curl => "curl",
            ClientId::CurlDisableEpsv => "curl-disable-epsv",
            ClientId::CurlActive => "curl-active",
            ClientId::CurlSslReqd => "curl-ssl-reqd",
            ClientId::Lftp => "lftp",
            ClientId::LftpActive => "lftp-active",
            ClientId::Wget => "wget",
            ClientId::WgetActive => "wget-active",
            ClientId::Ftplib => "ftplib",
            ClientId::FtplibTls => "ftplib-tls",
            ClientId::BasicFtp => "basic-ftp",
            ClientId::Ncftp => "ncftp",
            ClientId::NcftpActive => "ncftp-active",
            ClientId::Tnftp => "tnftp",
            ClientId::TnftpActive => "tnftp-active",
            ClientId::CommonsNet => "commons-net",
            ClientId::Filezilla => "filezilla",
            ClientId::Winscp => "winscp",
            ClientId::WindowsFtp => "windows-ftp",
        }
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ClientId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An id `--clients` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown client {given:?}; known: all, {}", ClientId::ALL.map(ClientId::as_str).join(", "))]
pub struct UnknownClient {
    /// What was given.
    pub given: String,
}

impl FromStr for ClientId {
    type Err = UnknownClient;

    fn from_str(s: &str) -> Result<ClientId, UnknownClient> {
        ClientId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownClient {
                given: s.to_string(),
            })
    }
}

/// What a client would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Prediction {
    /// The transfer completes.
    Works,
    /// The client stops soon with an error.
    Fails,
    /// The client waits (or retries) for a long time, perhaps for ever.
    Hangs,
    /// The outcome depends on something the probe cannot know (which passive port the
    /// server hands out, a step the probe did not try).
    Depends,
}

impl Prediction {
    /// The word the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Prediction::Works => "works",
            Prediction::Fails => "fails",
            Prediction::Hangs => "hangs",
            Prediction::Depends => "depends",
        }
    }
}

/// The client's step that the prediction is about (where it fails, hangs or depends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientStep {
    /// Looking the host name up.
    Resolve,
    /// The control connection's TCP connect.
    Connect,
    /// Waiting for the 220 greeting.
    Banner,
    /// AUTH TLS and the control handshake.
    Tls,
    /// USER and PASS.
    Login,
    /// The reply to PASV/EPSV/PORT/EPRT.
    Request,
    /// Dialling the passive data port.
    DataConnect,
    /// Active modes: waiting for the server to connect back.
    Accept,
    /// The data connection's TLS handshake.
    DataTls,
    /// LIST/RETR, the data, and the final reply.
    Transfer,
}

impl ClientStep {
    /// The step as the report spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientStep::Resolve => "resolve",
            ClientStep::Connect => "connect",
            ClientStep::Banner => "banner",
            ClientStep::Tls => "tls",
            ClientStep::Login => "login",
            ClientStep::Request => "request",
            ClientStep::DataConnect => "data-connect",
            ClientStep::Accept => "accept",
            ClientStep::DataTls => "data-tls",
            ClientStep::Transfer => "transfer",
        }
    }
}

/// One client's predicted fate, as the report's `clients` array carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientPrediction {
    /// The stable profile id.
    pub id: ClientId,
    /// One line naming the client, its version range and the defaults that matter.
    pub profile: &'static str,
    /// Works, fails, hangs or depends.
    pub prediction: Prediction,
    /// Where it fails, hangs or depends; `None` when it works.
    pub step: Option<ClientStep>,
    /// Hangs: seconds until the client gives up on its own; `None` when it never does
    /// (or for any other prediction).
    pub expected_wait_s: Option<f64>,
    /// One line, tied to the findings.
    pub reason: String,
    /// CI runs this client against every lab scenario and checks the prediction;
    /// false for clients predicted from their documentation alone.
    pub verified: bool,
}
