//! idle-timeout and idle-reset: the path between client and server forgets a control
//! connection that stayed idle, as a NAT or load balancer forgets an idle flow. The server
//! never learns of it; the client's next command meets silence or a RST.

use std::io;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use super::tls::LabStream;
use super::{READ_CHUNK, Session};
use crate::lab::scenario::{Forget, IdlePath};
use crate::stream::MaybeTls;

impl Session {
    /// How long to wait for the next command, and whether running out of it means the
    /// path forgot the connection (rather than the server's own idle timeout).
    pub(super) fn command_wait(&self) -> (Duration, Option<Forget>) {
        let config = &self.shared.config;
        match self.profile().idle {
            IdlePath::Forgets(how) if config.idle_after < config.idle_timeout => {
                (config.idle_after, Some(how))
            }
            _ => (config.idle_timeout, None),
        }
    }

    /// The path has forgotten this connection: whatever the client sends next never
    /// reaches the server. Silent: nothing comes back until the client gives up (or the
    /// server's own idle timeout). Reset: the next command is answered with a RST.
    pub(super) async fn forgotten(&mut self, how: Forget) -> io::Result<()> {
        self.log(&format!(
            "the path forgot this control connection after {} idle",
            humantime::format_duration(self.shared.config.idle_after)
        ));
        let limit = self.shared.config.idle_timeout;
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match timeout(limit, self.stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => {
                    if how == Forget::Reset {
                        self.log("the next command gets a RST");
                        reset_on_close(&self.stream);
                        return Ok(());
                    }
                    self.log("(the next command vanishes on the way)");
                }
                // The client gave up, or the server's own timeout: either way it ends.
                _ => return Ok(()),
            }
        }
    }
}

/// Makes the coming close a RST (SO_LINGER 0) instead of a FIN.
fn reset_on_close(stream: &LabStream) {
    let tcp = match stream {
        MaybeTls::Plain(tcp) => tcp,
        MaybeTls::Tls(tls) => tls.get_ref().0,
        MaybeTls::Gone => return,
    };
    // Nothing to do if the socket refuses: the close is then a FIN, which the client
    // reports as "closed".
    let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
}
