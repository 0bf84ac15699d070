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

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use super::server::{ServerTask, WhenFull};
use super::table::lab_table;

/// Sessions served at once, as the lab ([`super::MAX_SESSIONS`]): the probe opens one
/// per mode; the cap keeps a client loop from exhausting file descriptors.
const MAX_FAULT_SESSIONS: usize = 64;

/// A fault session ends after this long whatever it is doing: several faults hold a
/// connection open or write until the client stops reading, and such a session must not
/// pin a task (and its buffers) for the life of the server.
const FAULT_SESSION_LIMIT: Duration = Duration::from_secs(120);

lab_table! {
    /// A fault server: broken or hostile on purpose, one fault each.
    pub enum Fault;
    /// A `--fault` name that is not in the table.
    error UnknownFault, "fault";

    SilentBanner "silent-banner"
        "accepts the connection and never sends a banner";
    TrickleBanner "trickle-banner"
        "sends its banner one byte per second (slowloris; old name slow-banner)";
    EndlessLine "endless-line"
        "banner is a 10 MiB line with no CRLF, then silence";
    EndlessMultiline "endless-multiline"
        "banner is a multi-line 220 that never ends";
    NulUtf8 "nul-utf8"
        "replies carry NUL, ESC and invalid UTF-8; otherwise works";
    CloseMidReply "close-mid-reply"
        "closes the connection in the middle of the PASV/EPSV reply";
    RstAfter227 "rst-after-227"
        "resets the control connection right after a good 227/229";
    CloseAfterPass "close-after-pass"
        "closes the connection after PASS without a reply";
    PasvOver255 "pasv-over-255"
        "227 carries a number over 255: (127,0,0,300,...)";
    PasvNegative "pasv-negative"
        "227 carries a negative number: (127,0,0,-1,...)";
    PasvPortZero "pasv-port-zero"
        "227 advertises port 0: (127,0,0,1,0,0)";
    PasvZeroAddress "pasv-zero-address"
        "227 advertises 0,0,0,0 with a working port";
    PasvHostname "pasv-hostname"
        "227 carries host-name labels: (ftp,example,com,1,2)";
    PasvEmpty "pasv-empty"
        "227 ends at an empty '(': Entering Passive Mode (";
    PasvAnswered229 "pasv-answered-229"
        "PASV answered with a 229 (|||port|)";
    EpsvMismatched "epsv-mismatched"
        "229 with mismatched delimiters: (|||port!)";
    EpsvOver65535 "epsv-over-65535"
        "229 carries a port past 65535: (|||1000000|), the reply of curl's test suite";
    EndlessData "endless-data"
        "LIST sends data without end";
    SilentData "silent-data"
        "LIST opens the data connection, sends nothing, never closes";
    No226 "no-226"
        "LIST sends its data and closes, but the 226 never comes";
    All421 "all-421"
        "answers every command 421 and closes";
    HugeReplies "huge-replies"
        "every reply is as large as a probe accepts: 64 KiB of invalid UTF-8 in 4 KiB lines";
    OversizedReply "oversized-reply"
        "banner of 256 lines of 4 KiB invalid UTF-8 (3 MiB decoded): past the reply limit";
    TrickleData "trickle-data"
        "LIST sends one byte every 200 ms, forever: no read ever times out";
    CappedNoReply "capped-no-reply"
        "LIST sends data without end; once the client hangs up, no final reply ever comes";
    SlowGreeting "slow-greeting"
        "greets 1.5 s after the connect (a reverse-DNS lookup timing out); otherwise works";
    TlsRace "tls-race"
        "234 to AUTH TLS, then reads the ClientHello as a command: plaintext 502 echoing it";
    TlsBroken "tls-broken"
        "234 to AUTH TLS, then fails every handshake (fatal handshake_failure alert)";
}

impl Fault {
    /// Old names still taken: `slow-banner` was too close to `slow-greeting` (a late
    /// greeting) and the finding `banner-slow`, which are other things.
    fn alias(name: &str) -> Option<Fault> {
        match name {
            "slow-banner" => Some(Fault::TrickleBanner),
            _ => None,
        }
    }
}

/// A running fault server. Dropping it stops the server and every session at once.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    fault: Fault,
    task: ServerTask,
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
        let serve = move |stream| async move {
            let _ = tokio::time::timeout(FAULT_SESSION_LIMIT, script::serve(fault, stream)).await;
        };
        let task = ServerTask::spawn(listener, None, MAX_FAULT_SESSIONS, WhenFull::Close, serve);
        Ok(FaultServer { addr, fault, task })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault it serves.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// `ftp://127.0.0.1:PORT/` (IPv6 addresses in brackets).
    pub fn url(&self) -> String {
        super::server::url("ftp", self.addr)
    }

    /// Stops accepting, ends every session, and waits until all of it is gone.
    pub async fn shutdown(self) {
        self.task.shutdown().await;
    }
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
    fn slow_banner_is_the_old_name_of_trickle_banner() {
        assert_eq!("slow-banner".parse::<Fault>(), Ok(Fault::TrickleBanner));
        assert_eq!(Fault::TrickleBanner.name(), "trickle-banner");
        let err = "slow-greting".parse::<Fault>().err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("did you mean slow-greeting?")),
            "{err:?}"
        );
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

    #[tokio::test]
    async fn overlong_command_line_is_refused_and_skipped_as_in_the_lab() {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listen: SocketAddr = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
        let server = FaultServer::start(Fault::PasvPortZero, listen)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let stream = tokio::net::TcpStream::connect(server.addr())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut next = async || lines.next_line().await.ok().flatten().unwrap_or_default();
        assert_eq!(next().await, "220 ftpdoctor fault lab: pasv-port-zero.");
        let long = format!("USER {}\r\nNOOP\r\n", "x".repeat(100_000));
        write
            .write_all(long.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next().await, "500 Command line too long.");
        assert_eq!(next().await, "200 NOOP ok.");
    }
}
