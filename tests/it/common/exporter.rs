//! `ftpdoctor serve` as a process, and a raw HTTP/1.1 client for it: tests see the
//! status line, headers and body exactly as sent.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Longest answer a test waits for (a probe with a short deadline, on a loaded machine).
pub const ANSWER: Duration = Duration::from_secs(20);

/// Largest answer read.
const MAX_ANSWER: u64 = 4 * 1024 * 1024;

/// A running `ftpdoctor serve`; killed when dropped.
pub struct Exporter {
    pub child: Child,
    pub addr: SocketAddr,
    pub dir: PathBuf,
}

/// A directory of the test's own for config files.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ftpdoctor-serve-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

impl Exporter {
    /// Writes `config` to DIR/modules.yml and starts `serve` on 127.0.0.1:0 with `extra`.
    pub fn start(dir: &Path, config: &str, extra: &[&str]) -> Exporter {
        let path = dir.join("modules.yml");
        std::fs::write(&path, config).unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ftpdoctor"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&path)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting serve: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let addr = line
            .trim()
            .strip_prefix("http://")
            .and_then(|a| a.strip_suffix('/'))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("serve printed {line:?}; stderr: {err}")
            });
        Exporter {
            child,
            addr,
            dir: dir.to_path_buf(),
        }
    }

    /// Stops the exporter and returns what it wrote on stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }

    pub async fn get(&self, path: &str) -> Answer {
        request(
            self.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
        )
        .await
    }

    pub async fn get_with(&self, path: &str, headers: &str) -> Answer {
        request(
            self.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n"),
        )
        .await
    }

    pub async fn post(&self, path: &str) -> Answer {
        request(self.addr, &format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).await
    }

    /// The value of an unlabelled metric of the exporter's own.
    pub async fn own(&self, name: &str) -> Option<f64> {
        value(&self.get("/metrics").await.body, name)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer as it came.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }
}

/// Sends `raw` and reads the whole answer (the request asks the server to close).
pub async fn request(addr: SocketAddr, raw: &str) -> Answer {
    let read = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(raw.as_bytes()).await?;
        let mut bytes = Vec::new();
        stream.take(MAX_ANSWER).read_to_end(&mut bytes).await?;
        Ok::<_, std::io::Error>(bytes)
    };
    let bytes = match timeout(ANSWER, read).await {
        Ok(Ok(b)) => b,
        other => panic!("{raw:?}: {other:?}"),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    // Chunked bodies (hyper's for streamed ones) are not used by the exporter's fixed answers.
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// The value of the sample named exactly `series` (name and labels as printed).
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}
