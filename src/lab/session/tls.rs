//! The lab's FTPS (RFC 4217): AUTH TLS or implicit TLS on the control connection, PBSZ
//! and PROT, STAT, and the server side of each data connection's handshake.

use std::io;
use std::net::IpAddr;

use rustls::HandshakeKind;
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::{Login, Session};
use crate::lab::TlsOffer;
use crate::lab::scenario::DataTls;
use crate::proto::Reply;
use crate::stream::MaybeTls;

pub(super) type LabStream = MaybeTls<tokio_rustls::server::TlsStream<TcpStream>>;

impl Session {
    /// The control connection's handshake; `false` when it failed and the session ends.
    pub(super) async fn start_tls(&mut self) -> bool {
        let Some(tls) = self.shared.tls.clone() else {
            return false;
        };
        let Some(tcp) = self.stream.take_plain() else {
            return false;
        };
        // Anything sent after AUTH TLS and before the handshake was plaintext: it must
        // not count as a command of the protected session.
        self.commands.clear();
        let wait = self.shared.config.data_timeout;
        match timeout(wait, tls.acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => {
                self.stream = MaybeTls::Tls(Box::new(stream));
                self.log("control TLS handshake done");
                true
            }
            _ => {
                self.log("control TLS handshake failed");
                false
            }
        }
    }

    /// `AUTH TLS`: 234 and the handshake, in the scenarios that offer it.
    pub(super) async fn auth(&mut self, mechanism: &str) -> io::Result<bool> {
        let refused_here = self.shared.config.tls_first_session_only && self.index > 0;
        if self.profile().tls != Some(TlsOffer::Explicit) || refused_here {
            self.send(&Reply::new(502, "Command not implemented."))
                .await?;
            return Ok(true);
        }
        if self.stream.is_tls() {
            self.send(&Reply::new(503, "Already using TLS.")).await?;
            return Ok(true);
        }
        if !matches!(
            mechanism.to_ascii_uppercase().as_str(),
            "TLS" | "TLS-C" | "SSL"
        ) {
            self.send(&Reply::new(504, "Unknown AUTH type.")).await?;
            return Ok(true);
        }
        self.send(&Reply::new(234, "Proceed with negotiation."))
            .await?;
        Ok(self.start_tls().await)
    }

    pub(super) fn pbsz(&mut self, size: u32) -> Reply {
        if !self.stream.is_tls() {
            return Reply::new(503, "PBSZ not allowed on insecure control connection.");
        }
        self.pbsz = true;
        // TLS has no protection buffer; RFC 4217 says to answer 0 whatever was asked.
        match size {
            0 => Reply::new(200, "PBSZ set to 0."),
            _ => Reply::new(200, "PBSZ=0"),
        }
    }

    pub(super) fn prot(&mut self, level: char) -> Reply {
        if !self.stream.is_tls() {
            return Reply::new(503, "PROT not allowed on insecure control connection.");
        }
        if !self.pbsz {
            return Reply::new(503, "PROT needs PBSZ first.");
        }
        match level {
            'P' => {
                self.protect_data = true;
                Reply::new(200, "PROT now Private.")
            }
            'C' => {
                self.protect_data = false;
                Reply::new(200, "PROT now Clear.")
            }
            _ => Reply::new(536, "PROT level not supported."),
        }
    }

    /// vsftpd's STAT: the client address it sees, among the rest. Behind a NAT's FTP
    /// helper that is the NAT's outside address, not the client's own.
    pub(super) fn stat(&self) -> Reply {
        let client = match self.profile().alg {
            Some(alg) => IpAddr::V4(alg.nat_outside),
            None => self.peer.ip(),
        };
        let user = match self.login {
            Login::Done => "Logged in",
            _ => "Not logged in",
        };
        let lines = [
            format!("     Connected to {client}"),
            format!("     {user}"),
            format!(
                "     Control connection is {}",
                if self.stream.is_tls() {
                    "encrypted"
                } else {
                    "plain text"
                }
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        Reply::with_raw_middle(211, "FTP server status:", &lines, "End of status")
    }

    /// The data connection as the transfer uses it: TLS under PROT P, its handshake awaited
    /// for `wait`. A failed handshake, or one that did not resume the control session
    /// where that is required, gets the reply that ends the transfer instead.
    pub(super) async fn secure_data(
        &self,
        tcp: TcpStream,
        wait: std::time::Duration,
    ) -> Result<LabStream, Reply> {
        let tls = match (&self.shared.tls, self.protect_data) {
            (Some(tls), true) => tls,
            _ => return Ok(MaybeTls::Plain(tcp)),
        };
        let stream = match timeout(wait, tls.acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => stream,
            _ => {
                self.log("data: TLS handshake failed");
                return Err(Reply::new(522, "SSL connection failed."));
            }
        };
        let resumed = stream.get_ref().1.handshake_kind() == Some(HandshakeKind::Resumed);
        self.log(match resumed {
            true => "data: TLS handshake done, resuming the control session",
            false => "data: TLS handshake done, a new session (no reuse)",
        });
        if self.profile().data_tls == DataTls::MustResume && !resumed {
            // vsftpd's words by default (it then ends the session, vsf_cmdio_write_exit);
            // ProFTPD's 425 with `reuse_refusal`.
            let (code, text) = self.shared.config.reuse_refusal;
            return Err(Reply::new(code, text));
        }
        Ok(MaybeTls::Tls(Box::new(stream)))
    }
}
