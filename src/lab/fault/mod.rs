//! The fault lab: scripted servers that are broken or hostile on purpose, one fault
//! each, to prove that a probe finishes within its deadline, stays within its memory
//! bound and still says what the server did. Unlike the [scenarios](super::Scenario),
//! which are well-behaved servers with one misconfiguration, these break the protocol
//! itself: replies that never end, never come, or lie about their own format.
//!
//! A fault server speaks just enough FTP to reach its fault: a login, FEAT, PASV and
//! EPSV with a real data port, LIST/NLST/RETR with a short listing. Active mode (PORT,
//! EPRT) is answered 502: probe it with `--modes epsv,pasv`. It listens on loopback
//! only and never connects out.

mod script;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Sessions served at once, as the lab ([`super::MAX_SESSIONS`]): the probe opens one
/// per mode; the cap keeps a client loop from exhausting file descriptors.
const MAX_FAULT_SESSIONS: usize = 64;

/// A fault session ends after this long whatever it is doing: several faults hold a
/// connection open or write until the client stops reading, and such a session must not
/// pin a task (and its buffers) for the life of the server.
const FAULT_SESSION_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    SilentBanner,
    SlowBanner,
    EndlessLine,
    EndlessMultiline,
    NulUtf8,
    CloseMidReply,
    RstAfter227,
    CloseAfterPass,
    PasvOver255,
    PasvNegative,
    PasvPortZero,
    PasvZeroAddress,
    PasvHostname,
    PasvEmpty,
    PasvAnswered229,
    EpsvMismatched,
    EndlessData,
    SilentData,
    No226,
    All421,
    HugeReplies,
    OversizedReply,
    TrickleData,
}

impl Fault {
    pub const ALL: [Fault; 23] = [
        Fault::SilentBanner,
        Fault::SlowBanner,
        Fault::EndlessLine,
        Fault::EndlessMultiline,
        Fault::NulUtf8,
        Fault::CloseMidReply,
        Fault::RstAfter227,
        Fault::CloseAfterPass,
        Fault::PasvOver255,
        Fault::PasvNegative,
        Fault::PasvPortZero,
        Fault::PasvZeroAddress,
        Fault::PasvHostname,
        Fault::PasvEmpty,
        Fault::PasvAnswered229,
        Fault::EpsvMismatched,
        Fault::EndlessData,
        Fault::SilentData,
        Fault::No226,
        Fault::All421,
        Fault::HugeReplies,
        Fault::OversizedReply,
        Fault::TrickleData,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::SilentBanner => "silent-banner",
            Fault::SlowBanner => "slow-banner",
            Fault::EndlessLine => "endless-line",
            Fault::EndlessMultiline => "endless-multiline",
            Fault::NulUtf8 => "nul-utf8",
            Fault::CloseMidReply => "close-mid-reply",
            Fault::RstAfter227 => "rst-after-227",
            Fault::CloseAfterPass => "close-after-pass",
            Fault::PasvOver255 => "pasv-over-255",
            Fault::PasvNegative => "pasv-negative",
            Fault::PasvPortZero => "pasv-port-zero",
            Fault::PasvZeroAddress => "pasv-zero-address",
            Fault::PasvHostname => "pasv-hostname",
            Fault::PasvEmpty => "pasv-empty",
            Fault::PasvAnswered229 => "pasv-answered-229",
            Fault::EpsvMismatched => "epsv-mismatched",
            Fault::EndlessData => "endless-data",
            Fault::SilentData => "silent-data",
            Fault::No226 => "no-226",
            Fault::All421 => "all-421",
            Fault::HugeReplies => "huge-replies",
            Fault::OversizedReply => "oversized-reply",
            Fault::TrickleData => "trickle-data",
        }
    }

    /// One line for `lab --list`.
    pub fn description(self) -> &'static str {
        match self {
            Fault::SilentBanner => "accepts the connection and never sends a banner",
            Fault::SlowBanner => "sends its banner one byte per second (slowloris)",
            Fault::EndlessLine => "banner is a 10 MiB line with no CRLF, then silence",
            Fault::EndlessMultiline => "banner is a multi-line 220 that never ends",
            Fault::NulUtf8 => "replies carry NUL, ESC and invalid UTF-8; otherwise works",
            Fault::CloseMidReply => "closes the connection in the middle of the PASV/EPSV reply",
            Fault::RstAfter227 => "resets the control connection right after a good 227/229",
            Fault::CloseAfterPass => "closes the connection after PASS without a reply",
            Fault::PasvOver255 => "227 carries a number over 255: (127,0,0,300,...)",
            Fault::PasvNegative => "227 carries a negative number: (127,0,0,-1,...)",
            Fault::PasvPortZero => "227 advertises port 0: (127,0,0,1,0,0)",
            Fault::PasvZeroAddress => "227 advertises 0,0,0,0 with a working port",
            Fault::PasvHostname => "227 carries host-name labels: (ftp,example,com,1,2)",
            Fault::PasvEmpty => "227 ends at an empty '(': Entering Passive Mode (",
            Fault::PasvAnswered229 => "PASV answered with a 229 (|||port|)",
            Fault::EpsvMismatched => "229 with mismatched delimiters: (|||port!)",
            Fault::EndlessData => "LIST sends data without end",
            Fault::SilentData => "LIST opens the data connection, sends nothing, never closes",
            Fault::No226 => "LIST sends its data and closes, but the 226 never comes",
            Fault::All421 => "answers every command 421 and closes",
            Fault::HugeReplies => {
                "every reply is as large as a probe accepts: 64 KiB of invalid UTF-8 in 4 KiB lines"
            }
            Fault::OversizedReply => {
                "banner of 256 lines of 4 KiB invalid UTF-8 (3 MiB decoded): past the reply limit"
            }
            Fault::TrickleData => {
                "LIST sends one byte every 200 ms, forever: no read ever times out"
            }
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {given:?}; valid faults: {}", Fault::ALL.map(Fault::name).join(", "))]
pub struct UnknownFault {
    pub given: String,
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Fault, UnknownFault> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault {
                given: s.to_string(),
            })
    }
}

/// A running fault server. Dropping it stops the server and every session at once.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    fault: Fault,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Binds `listen`, which must be a loopback address: these servers misbehave on
    /// purpose and have no business being reachable from elsewhere.
    pub async fn start(fault: Fault, listen: SocketAddr) -> io::Result<FaultServer> {
        if !listen.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the fault lab listens on loopback only, not {}",
                    listen.ip()
                ),
            ));
        }
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, fault, stopped));
        Ok(FaultServer {
            addr,
            fault,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// `ftp://127.0.0.1:PORT/` (IPv6 addresses in brackets).
    pub fn url(&self) -> String {
        format!("ftp://{}/", self.addr)
    }

    /// Stops accepting, ends every session, and waits until all of it is gone.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, fault: Fault, mut stopped: oneshot::Receiver<()>) {
    // Sessions live in the set, so they end with the server (see lab::accept_loop).
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    while sessions.try_join_next().is_some() {}
                    if sessions.len() < MAX_FAULT_SESSIONS {
                        sessions.spawn(async move {
                            let _ = tokio::time::timeout(
                                FAULT_SESSION_LIMIT,
                                script::serve(fault, stream),
                            )
                            .await;
                        });
                    }
                    // Over the cap the stream is simply dropped (closed).
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    sessions.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_names_round_trip_and_are_unique() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(f));
            assert!(!f.description().is_empty());
        }
        let mut names: Vec<_> = Fault::ALL.map(Fault::name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Fault::ALL.len());
    }

    #[test]
    fn fault_names_do_not_collide_with_scenarios() {
        for f in Fault::ALL {
            assert!(f.name().parse::<super::super::Scenario>().is_err(), "{f}");
        }
    }

    #[tokio::test]
    async fn fault_server_refuses_to_listen_beyond_loopback() {
        let listen: SocketAddr = "0.0.0.0:0".parse().unwrap_or_else(|e| panic!("{e}"));
        let err = FaultServer::start(Fault::All421, listen).await.err();
        assert_eq!(err.map(|e| e.kind()), Some(io::ErrorKind::InvalidInput));
    }
}
