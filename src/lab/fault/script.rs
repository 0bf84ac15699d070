//! What a fault server says and does on one control connection.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};

use super::Fault;
use crate::proto::reply::{MAX_LINE_LEN, MAX_REPLY_BYTES, MAX_REPLY_LINES};
use crate::proto::{CommandFramer, Framed};

/// The banner's length for `endless-line`: far past any sane reply line (and the probe's
/// 4096-byte cap), to show that what the probe keeps does not grow with what is sent.
const ENDLESS_LINE_BYTES: usize = 10 * 1024 * 1024;

/// Bytes per read of the control connection: a few command lines.
const READ_CHUNK: usize = 1024;

/// Bytes per write of the endless faults; the data is the same every time, so the
/// server's own memory stays this small whatever it sends.
const WRITE_CHUNK: usize = 64 * 1024;

/// How long the server waits for the client's passive data connection, as the lab's
/// default data timeout.
const DATA_ACCEPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The pause before `rst-after-227` resets the connection: long enough for the 227 to
/// be read, so that the fault is the reset and not a lost reply.
const RST_PAUSE: Duration = Duration::from_millis(250);

/// `huge-replies`: room left in the probe's reply limit for the real last line.
const LAST_LINE_ALLOWANCE: usize = 256;

/// `trickle-data`: one byte of listing per this, well inside any --timeout.
const TRICKLE_EVERY: Duration = Duration::from_millis(200);

/// `slow-greeting`: the wait before the 220, as a server whose reverse-DNS lookup of the
/// client times out (5 s in the field; short here, past the probe's 1 s warning).
const GREETING_DELAY: Duration = Duration::from_millis(1500);

/// `tls-race`: bytes of the ClientHello echoed in the plaintext 502, as the server that
/// read it as a command does.
const ECHOED_HELLO_BYTES: usize = 8;

/// `tls-broken`: a TLS 1.2 record holding a fatal handshake_failure alert (RFC 8446 6),
/// what a server with no usable certificate sends ("no shared cipher").
const HANDSHAKE_FAILURE_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

/// `trickle-banner`: one byte per this.
const SLOW_BYTE_EVERY: Duration = Duration::from_secs(1);

const LISTING: &str = "-rw-r--r--    1 ftp      ftp           120 Nov 24 04:00 readme.txt\r\n";

/// Serves one client until the fault's script ends, the client leaves, or an I/O error.
pub(super) async fn serve(fault: Fault, stream: TcpStream) {
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        local,
        fault,
        commands: CommandFramer::new(),
        passive: None,
        held: None,
    };
    if let Ok(Next::Reset) = conn.run().await {
        let Conn {
            stream, passive, ..
        } = conn;
        // SO_LINGER 0: closing sends an RST instead of a FIN.
        let _ = stream.set_zero_linger();
        drop(stream);
        // The data port stays open meanwhile: the reset is the only fault.
        sleep(DATA_ACCEPT_TIMEOUT).await;
        drop(passive);
    }
}

/// What a handler wants next.
#[derive(PartialEq, Eq)]
enum Next {
    Continue,
    /// Drop the connection (a FIN).
    Close,
    /// Reset the connection (an RST).
    Reset,
}

struct Conn {
    stream: TcpStream,
    local: SocketAddr,
    fault: Fault,
    /// Command bytes not yet a full line.
    commands: CommandFramer,
    /// The listener of the last PASV/EPSV.
    passive: Option<TcpListener>,
    /// A data connection kept open on purpose (`silent-data`).
    held: Option<TcpStream>,
}

impl Conn {
    /// Runs the script; how it ended (a close or a reset) is for the caller to carry out.
    async fn run(&mut self) -> io::Result<Next> {
        let mut next = self.banner().await?;
        while next == Next::Continue {
            let line = match self.read_command().await? {
                None => return Ok(Next::Close),
                Some(Framed::TooLong) => {
                    // As the lab: answer and go on with the next line.
                    self.send("500 Command line too long.").await?;
                    continue;
                }
                Some(Framed::Line(line)) => line,
            };
            let verb = line
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            next = self.handle(&verb).await?;
        }
        Ok(next)
    }

    async fn banner(&mut self) -> io::Result<Next> {
        let banner = format!("220 ftpdoctor fault lab: {}.\r\n", self.fault);
        match self.fault {
            Fault::SilentBanner => {
                self.drain_until_closed().await?;
                return Ok(Next::Close);
            }
            Fault::SlowGreeting => {
                sleep(GREETING_DELAY).await;
                self.stream.write_all(banner.as_bytes()).await?;
            }
            Fault::TrickleBanner => {
                for byte in banner.as_bytes() {
                    self.stream.write_all(&[*byte]).await?;
                    sleep(SLOW_BYTE_EVERY).await;
                }
            }
            Fault::EndlessLine => {
                self.stream.write_all(b"220 ").await?;
                self.write_repeated(b'A', ENDLESS_LINE_BYTES).await?;
                self.drain_until_closed().await?;
                return Ok(Next::Close);
            }
            Fault::EndlessMultiline => {
                let mut n: u64 = 0;
                // Ends when the client stops reading and closes (a write error).
                loop {
                    n += 1;
                    let line = format!("220-line {n} of a banner that never ends\r\n");
                    self.stream.write_all(line.as_bytes()).await?;
                }
            }
            Fault::NulUtf8 => {
                self.stream
                    .write_all(b"220 caf\xe9 \x00 fault lab \x1b[2J\xff\xfe ready\r\n")
                    .await?
            }
            Fault::HugeReplies => self.send(banner.trim_end()).await?,
            Fault::OversizedReply => {
                self.send_padding("220", MAX_REPLY_LINES - 1).await?;
                self.stream.write_all(banner.as_bytes()).await?;
            }
            _ => self.stream.write_all(banner.as_bytes()).await?,
        }
        Ok(Next::Continue)
    }

    async fn handle(&mut self, verb: &str) -> io::Result<Next> {
        if self.fault == Fault::All421 {
            self.send("421 Service not available, closing control connection.")
                .await?;
            return Ok(Next::Close);
        }
        match verb {
            "USER" => self.send("331 Please specify the password.").await?,
            "PASS" if self.fault == Fault::CloseAfterPass => return Ok(Next::Close),
            "PASS" => self.send("230 Login successful.").await?,
            "FEAT" => {
                self.send("211-Features:\r\n EPSV\r\n PASV\r\n211 End")
                    .await?
            }
            "SYST" => self.send("215 UNIX Type: L8").await?,
            "TYPE" => self.send("200 Type set.").await?,
            "PWD" => self.send("257 \"/\" is the current directory").await?,
            "NOOP" => self.send("200 NOOP ok.").await?,
            "QUIT" => {
                self.send("221 Goodbye.").await?;
                return Ok(Next::Close);
            }
            "PASV" | "EPSV" => return self.passive(verb).await,
            "LIST" | "NLST" | "RETR" => self.transfer().await?,
            "AUTH" if matches!(self.fault, Fault::TlsRace | Fault::TlsBroken) => {
                return self.broken_tls().await;
            }
            _ => {
                self.send("502 Command not implemented (the fault lab serves passive modes only).")
                    .await?
            }
        }
        Ok(Next::Continue)
    }

    /// PASV or EPSV: a real listener on the control connection's address, and a reply
    /// that tells the truth about it or not, as the fault says.
    async fn passive(&mut self, verb: &str) -> io::Result<Next> {
        let listener = TcpListener::bind(SocketAddr::new(self.local.ip(), 0)).await?;
        let port = listener.local_addr()?.port();
        self.passive = Some(listener);
        let (p1, p2) = (port >> 8, port & 0xff);
        let ip = match self.local.ip() {
            std::net::IpAddr::V4(v4) => v4.octets().map(|o| o.to_string()).join(","),
            std::net::IpAddr::V6(_) => "127,0,0,1".to_string(),
        };
        let good_227 = format!("227 Entering Passive Mode ({ip},{p1},{p2}).");
        let good_229 = format!("229 Entering Extended Passive Mode (|||{port}|)");
        let reply = match (self.fault, verb) {
            (Fault::CloseMidReply, _) => {
                // Half a line, no CRLF, then FIN.
                self.stream.write_all(b"227 Entering Passive Mo").await?;
                return Ok(Next::Close);
            }
            (Fault::RstAfter227, _) => {
                let good = if verb == "PASV" { good_227 } else { good_229 };
                self.send(&good).await?;
                sleep(RST_PAUSE).await;
                return Ok(Next::Reset);
            }
            (_, "EPSV") if self.fault == Fault::EpsvMismatched => {
                format!("229 Entering Extended Passive Mode (|||{port}!)")
            }
            (_, "EPSV") if self.fault == Fault::EpsvOver65535 => {
                "229 Entering Passive Mode (|||1000000|)".to_string()
            }
            (_, "EPSV") => good_229,
            (Fault::PasvOver255, _) => {
                format!("227 Entering Passive Mode (127,0,0,300,{p1},{p2}).")
            }
            (Fault::PasvNegative, _) => {
                format!("227 Entering Passive Mode (127,0,0,-1,{p1},{p2}).")
            }
            (Fault::PasvPortZero, _) => "227 Entering Passive Mode (127,0,0,1,0,0).".to_string(),
            (Fault::PasvZeroAddress, _) => {
                format!("227 Entering Passive Mode (0,0,0,0,{p1},{p2}).")
            }
            (Fault::PasvHostname, _) => {
                "227 Entering Passive Mode (ftp,example,com,1,2).".to_string()
            }
            (Fault::PasvEmpty, _) => "227 Entering Passive Mode (".to_string(),
            (Fault::PasvAnswered229, _) => good_229,
            _ => good_227,
        };
        self.send(&reply).await?;
        Ok(Next::Continue)
    }

    async fn transfer(&mut self) -> io::Result<()> {
        let Some(listener) = self.passive.take() else {
            return self.send("425 Use PASV or EPSV first.").await;
        };
        let accepted = timeout(DATA_ACCEPT_TIMEOUT, listener.accept()).await;
        let Ok(Ok((mut data, _))) = accepted else {
            return self.send("425 Failed to establish connection.").await;
        };
        self.send("150 Here comes the directory listing.").await?;
        match self.fault {
            Fault::EndlessData => {
                // Ends when the client hangs up on the data connection.
                let sent = write_repeated(&mut data, b'x', usize::MAX).await;
                drop(data);
                if sent.is_err() {
                    self.send("426 Connection closed; transfer aborted.")
                        .await?;
                }
            }
            Fault::CappedNoReply => {
                // The hang-up goes unanswered: no 426, no 226, the session stays open.
                let _ = write_repeated(&mut data, b'x', usize::MAX).await;
                drop(data);
            }
            Fault::SilentData => self.held = Some(data),
            Fault::TrickleData => {
                // Ends when the client hangs up on the data connection.
                while data.write_all(b"x").await.is_ok() {
                    sleep(TRICKLE_EVERY).await;
                }
                self.send("426 Connection closed; transfer aborted.")
                    .await?;
            }
            Fault::No226 => {
                data.write_all(LISTING.as_bytes()).await?;
                drop(data);
            }
            Fault::NulUtf8 => {
                data.write_all(b"-rw-r--r-- 1 ftp ftp 3 Nov 24 04:00 caf\xe9\x00.txt\r\n")
                    .await?;
                drop(data);
                self.send("226 Directory send \x00OK \u{fffd}.").await?;
            }
            _ => {
                data.write_all(LISTING.as_bytes()).await?;
                drop(data);
                self.send("226 Directory send OK.").await?;
            }
        }
        Ok(())
    }

    async fn send(&mut self, reply: &str) -> io::Result<()> {
        if self.fault == Fault::HugeReplies {
            let kept = 4 + (MAX_LINE_LEN - 4) * 3;
            let lines = (MAX_REPLY_BYTES - LAST_LINE_ALLOWANCE) / kept;
            self.send_padding(reply.get(..3).unwrap_or("500"), lines)
                .await?;
        }
        self.stream
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
    }

    /// `lines` first lines of a multi-line reply with `code`, each as long as the
    /// probe's line limit and made of invalid UTF-8, which the probe keeps as three-byte
    /// U+FFFD. `huge-replies` sends as many as fit the probe's reply limit, for every
    /// reply: the largest a probe accepts; `oversized-reply` as many as the line-count
    /// limit allows.
    async fn send_padding(&mut self, code: &str, lines: usize) -> io::Result<()> {
        let mut line = format!("{code}-").into_bytes();
        line.resize(MAX_LINE_LEN, 0xff);
        line.extend_from_slice(b"\r\n");
        for _ in 0..lines {
            self.stream.write_all(&line).await?;
        }
        Ok(())
    }

    async fn write_repeated(&mut self, byte: u8, total: usize) -> io::Result<()> {
        write_repeated(&mut self.stream, byte, total).await
    }

    /// The next command line (or the news that one was too long), `None` when the
    /// client closed.
    async fn read_command(&mut self) -> io::Result<Option<Framed>> {
        loop {
            if let Some(line) = self.commands.next_line() {
                return Ok(Some(line));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            self.commands.push(&chunk[..n]);
        }
    }

    /// 234, then the ClientHello meets a server that is not ready for it: read as a
    /// command and answered in plaintext (`tls-race`), or refused with an alert
    /// (`tls-broken`). The session ends there, as the real servers' do.
    async fn broken_tls(&mut self) -> io::Result<Next> {
        self.send("234 Proceed with negotiation.").await?;
        let mut hello = [0u8; READ_CHUNK];
        let n = match timeout(DATA_ACCEPT_TIMEOUT, self.stream.read(&mut hello)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return Ok(Next::Close),
        };
        if self.fault == Fault::TlsRace {
            let mut reply = b"502 Command not allowed: ".to_vec();
            reply.extend_from_slice(&hello[..n.min(ECHOED_HELLO_BYTES)]);
            reply.extend_from_slice(b"\r\n");
            self.stream.write_all(&reply).await?;
        } else {
            self.stream.write_all(&HANDSHAKE_FAILURE_ALERT).await?;
        }
        // Whatever the client sends next (a TLS alert of its own) ends the session.
        let _ = timeout(RST_PAUSE, self.stream.read(&mut hello)).await;
        Ok(Next::Close)
    }

    /// Reads and throws away whatever the client sends, until it closes.
    async fn drain_until_closed(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 1024];
        while self.stream.read(&mut chunk).await? > 0 {}
        Ok(())
    }
}

/// Writes `total` copies of `byte` (or until an error) from one small buffer.
async fn write_repeated(to: &mut TcpStream, byte: u8, total: usize) -> io::Result<()> {
    let chunk = vec![byte; WRITE_CHUNK];
    let mut left = total;
    while left > 0 {
        let n = left.min(WRITE_CHUNK);
        to.write_all(&chunk[..n]).await?;
        left -= n;
    }
    Ok(())
}
