//! A raw FTP client for tests: it sends exactly the lines given and returns replies as
//! the raw lines that came, so tests assert the wire text, not our parser's view of it.
#![allow(dead_code)] // each test binary uses a different part

pub mod bin;
pub mod cli;
pub mod dns;
pub mod exporter;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

use ftpdoctor::lab::{LabConfig, LabServer, Scenario};

/// Every read and connect in a test: long enough for a loaded CI machine, short enough
/// that a hang fails the test quickly.
pub const STEP: Duration = Duration::from_secs(5);

/// The lab's own wait for data connections in tests: short, so 425s come quickly.
pub const LAB_DATA_TIMEOUT: Duration = Duration::from_millis(400);

/// Longest reply line the test client reads.
const MAX_LINE: u64 = 8192;

pub async fn start(scenario: Scenario) -> LabServer {
    let mut config = LabConfig::new(scenario);
    config.data_timeout = LAB_DATA_TIMEOUT;
    match LabServer::start(config).await {
        Ok(server) => server,
        Err(e) => panic!("starting {scenario}: {e}"),
    }
}

/// The lab's CA in a file of its own, for `--ca-file`; `None` for scenarios without TLS.
/// Named after the server's port, so tests running at once do not share one.
pub fn ca_file(server: &LabServer) -> Option<std::path::PathBuf> {
    let pem = server.ca_pem()?;
    let path = std::env::temp_dir().join(format!(
        "ftpdoctor-test-ca-{}-{}.pem",
        std::process::id(),
        server.addr().port()
    ));
    std::fs::write(&path, pem).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    Some(path)
}

pub struct RawFtp {
    stream: BufReader<TcpStream>,
}

impl RawFtp {
    /// Connects and returns the client with the banner read.
    pub async fn connect(addr: SocketAddr) -> (RawFtp, Vec<String>) {
        let stream = match timeout(STEP, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            other => panic!("connect {addr}: {other:?}"),
        };
        let mut ftp = RawFtp {
            stream: BufReader::new(stream),
        };
        let banner = ftp.reply().await;
        (ftp, banner)
    }

    /// Connects, checks the banner is a 220, logs in anonymously.
    pub async fn login(addr: SocketAddr) -> RawFtp {
        let (mut ftp, banner) = RawFtp::connect(addr).await;
        assert!(
            banner.last().is_some_and(|l| l.starts_with("220 ")),
            "{banner:?}"
        );
        let user = ftp.cmd("USER anonymous").await;
        if user[0].starts_with("331") {
            assert_eq!(ftp.cmd("PASS guest@").await, ["230 Login successful."]);
        } else {
            assert_eq!(user, ["230 Anonymous user logged in"]);
        }
        ftp
    }

    pub async fn line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        let read = timeout(
            STEP,
            (&mut self.stream)
                .take(MAX_LINE)
                .read_until(b'\n', &mut buf),
        )
        .await;
        match read {
            Ok(Ok(0)) => None,
            Ok(Ok(_)) => Some(
                String::from_utf8_lossy(&buf)
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            ),
            other => panic!("reading a reply line: {other:?}"),
        }
    }

    /// One whole reply, multi-line replies included (RFC 959 4.2).
    pub async fn reply(&mut self) -> Vec<String> {
        let first = self
            .line()
            .await
            .unwrap_or_else(|| panic!("connection closed before a reply"));
        let mut lines = vec![first.clone()];
        if first.as_bytes().get(3) == Some(&b'-') {
            let end = format!("{} ", &first[..3]);
            loop {
                let next = self
                    .line()
                    .await
                    .unwrap_or_else(|| panic!("closed inside {lines:?}"));
                let done = next.starts_with(&end);
                lines.push(next);
                if done {
                    break;
                }
            }
        }
        lines
    }

    pub async fn send(&mut self, line: &str) {
        let wire = format!("{line}\r\n");
        match timeout(STEP, self.stream.get_mut().write_all(wire.as_bytes())).await {
            Ok(Ok(())) => {}
            other => panic!("sending {line:?}: {other:?}"),
        }
    }

    pub async fn cmd(&mut self, line: &str) -> Vec<String> {
        self.send(line).await;
        self.reply().await
    }

    /// Sends each command and checks its one-line reply, word for word.
    pub async fn converse(&mut self, exchanges: &[(&str, &str)]) {
        for (command, reply) in exchanges {
            assert_eq!(self.cmd(command).await, [*reply], "reply to {command:?}");
        }
    }

    /// Waits for the server to close the control connection.
    pub async fn expect_closed(&mut self) {
        assert_eq!(self.line().await, None, "server kept the connection open");
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.stream
            .get_ref()
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The (h1..h4, port) in a 227 reply line, parsed here by hand so tests do not lean on
/// the code under test.
pub fn pasv_port(line: &str) -> u16 {
    let inside = line
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inside, _)| inside)
        .unwrap_or_else(|| panic!("no parentheses in {line:?}"));
    let nums: Vec<u16> = inside
        .split(',')
        .map(|n| n.parse().unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect();
    assert_eq!(nums.len(), 6, "{line:?}");
    nums[4] * 256 + nums[5]
}

/// The port in a `229 ... (|||port|)` line.
pub fn epsv_port(line: &str) -> u16 {
    let inside = line
        .split_once("(|||")
        .and_then(|(_, rest)| rest.split_once("|)"))
        .map(|(port, _)| port)
        .unwrap_or_else(|| panic!("not a 229 reply: {line:?}"));
    inside.parse().unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

/// Reads a data connection to its end (bounded by `limit` bytes).
pub async fn read_all(mut data: TcpStream, limit: u64) -> Vec<u8> {
    let mut out = Vec::new();
    match timeout(STEP, (&mut data).take(limit).read_to_end(&mut out)).await {
        Ok(Ok(_)) => out,
        other => panic!("reading data: {other:?}"),
    }
}

pub async fn dial(addr: SocketAddr) -> TcpStream {
    match timeout(STEP, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        other => panic!("data connect {addr}: {other:?}"),
    }
}
