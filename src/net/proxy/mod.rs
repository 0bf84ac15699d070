//! Reaching the server through a proxy: a SOCKS5 or HTTP CONNECT tunnel for the control
//! connection and each passive data connection, and SOCKS5 BIND for the active modes.
//! The protocols themselves are pure codecs ([`socks5`], [`http`]); this module only
//! moves their bytes, every read bounded by them and every step within the caller's
//! limit. The probe resolves the server itself and asks the proxy for an IP address, so
//! the proxy's own DNS cannot pick another server.

mod bind;
pub mod http;
pub mod socks5;
pub mod spec;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::net::dial::{Dial, DialOutcome};
use crate::timeline::{Event, Tap};
pub use bind::{BindWait, bind_via};
pub use socks5::Bound;
pub use spec::{ProxyKind, ProxySpec, ProxyUrlError, printable};

/// A proxy ready to dial through: what was asked, and the address its host resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// As asked.
    pub spec: ProxySpec,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// The step of a proxy conversation a failure happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The TCP connect to the proxy.
    Connect,
    /// SOCKS5's method choice.
    Greeting,
    /// SOCKS5's RFC 1929 login.
    Login,
    /// The answer to CONNECT (or BIND's first reply).
    Answer,
    /// BIND's second reply: the server's connection.
    Accept,
}

impl Step {
    fn words(self) -> &'static str {
        match self {
            Step::Connect => "connecting to the proxy",
            Step::Greeting => "the proxy's greeting",
            Step::Login => "the proxy's answer to the login",
            Step::Answer => "the proxy's answer",
            Step::Accept => "the proxy's report of the server's connection",
        }
    }
}

/// What the proxy answered when it would not (or could not) make the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its rules forbid it (SOCKS5 2, HTTP 403 and the like).
    Denied,
    /// It wants a login, or refused the one given (SOCKS5 0xFF or RFC 1929, HTTP 407).
    Login,
    /// The target refused the proxy's connect.
    TargetRefused,
    /// The proxy's connect to the target timed out.
    TargetTimeout,
    /// The proxy could not reach the target.
    TargetUnreachable,
    /// It does not do what was asked (BIND on most small SOCKS5 proxies).
    Unsupported,
}

/// Why a connection through the proxy was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// The proxy itself could not be reached.
    #[error("the proxy {proxy} could not be reached: {}{}", outcome_words(*.outcome), .error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Unreachable {
        /// The proxy's address.
        proxy: SocketAddr,
        /// How the connect ended.
        outcome: DialOutcome,
        /// What the system said.
        error: Option<String>,
    },
    /// No (complete) answer within the limit.
    #[error("no answer from the proxy within {} ({})", crate::wire::human(*.after), .during.words())]
    Silent {
        /// Where it went silent.
        during: Step,
        /// The limit.
        after: Duration,
    },
    /// The proxy closed the connection mid-way.
    #[error("the proxy closed the connection during {}{}", .during.words(), if *.got > 0 { format!(" after {} bytes", .got) } else { String::new() })]
    Closed {
        /// Where.
        during: Step,
        /// Bytes of the answer that had come.
        got: usize,
    },
    /// Its bytes were not SOCKS5.
    #[error("{0}")]
    Socks5(#[from] socks5::Socks5Error),
    /// Its bytes were not an HTTP answer.
    #[error("{0}")]
    Http(#[from] http::HttpError),
    /// It answered, and said no.
    #[error("the proxy answered {answer}")]
    Refused {
        /// What the answer means.
        refusal: Refusal,
        /// The answer, quoted (escaped): `SOCKS5 reply 2 (connection not allowed by
        /// ruleset)`, `HTTP/1.0 403 Access violation`.
        answer: String,
    },
    /// The socket failed.
    #[error("socket error talking to the proxy: {0}")]
    Io(String),
}

fn outcome_words(outcome: DialOutcome) -> &'static str {
    match outcome {
        DialOutcome::Connected => "connected",
        DialOutcome::Refused => "connection refused",
        DialOutcome::Timeout => "no answer (timeout)",
        DialOutcome::Unreachable => "unreachable",
    }
}

impl ProxyError {
    /// How the dial to the target reads in the report's terms: a proxy whose connect to
    /// the target was refused is a refused dial; one that is silent, a timeout.
    pub fn dial_outcome(&self) -> DialOutcome {
        match self {
            ProxyError::Refused {
                refusal: Refusal::TargetRefused | Refusal::Denied,
                ..
            } => DialOutcome::Refused,
            ProxyError::Refused {
                refusal: Refusal::TargetTimeout,
                ..
            }
            | ProxyError::Silent { .. } => DialOutcome::Timeout,
            _ => DialOutcome::Unreachable,
        }
    }

    /// Whether the proxy answered for the target (it tried and failed), rather than
    /// failing or refusing by itself.
    pub fn target_failed(&self) -> bool {
        matches!(
            self,
            ProxyError::Refused {
                refusal: Refusal::TargetRefused
                    | Refusal::TargetTimeout
                    | Refusal::TargetUnreachable,
                ..
            }
        )
    }
}

/// A connection through a proxy: the dial in the report's terms (its `addr` is the
/// target, its `error` the proxy's words) and, when it failed at the proxy, why.
#[derive(Debug)]
pub struct ProxiedDial {
    /// The dial, as a direct one would read.
    pub dial: Dial,
    /// Why not, when not.
    pub failure: Option<ProxyError>,
}

/// Opens a tunnel to `target` through `proxy` within `limit` (the connect to the proxy
/// and every answer), recorded on `tap` as a connect to the target.
pub async fn dial_via(
    proxy: &Proxy,
    target: SocketAddr,
    limit: Duration,
    tap: &Tap,
    purpose: &'static str,
) -> ProxiedDial {
    let started = Instant::now();
    tap.record(Event::Connect {
        to: target,
        purpose,
    });
    let result = open(proxy, socks5::Command::Connect, target, limit).await;
    let (stream, failure) = match result {
        Ok((stream, _)) => (Some(stream), None),
        Err(err) => (None, Some(err)),
    };
    let local = stream.as_ref().and_then(|s| s.local_addr().ok());
    let outcome = match (&failure, local) {
        (None, Some(local)) => {
            tap.record(Event::Connected { local });
            DialOutcome::Connected
        }
        (Some(err), _) => {
            record_failure(tap, err, limit);
            err.dial_outcome()
        }
        (None, None) => DialOutcome::Unreachable,
    };
    ProxiedDial {
        dial: Dial {
            addr: target,
            outcome,
            elapsed: started.elapsed(),
            error: failure
                .as_ref()
                .map(|e| format!("through the proxy {}: {e}", proxy.addr)),
            stream: stream.filter(|_| outcome == DialOutcome::Connected),
        },
        failure,
    }
}

fn record_failure(tap: &Tap, err: &ProxyError, limit: Duration) {
    let words = Some(format!("proxy: {err}"));
    tap.record(match err.dial_outcome() {
        DialOutcome::Refused => Event::Refused { os_error: words },
        DialOutcome::Timeout => Event::Timeout { after: limit },
        _ => Event::Unreachable { os_error: words },
    });
}

/// Where a proxy conversation is, for the words of a timeout that cuts it.
struct StepCell(std::sync::Mutex<Step>);

impl StepCell {
    fn set(&self, step: Step) {
        if let Ok(mut at) = self.0.lock() {
            *at = step;
        }
    }

    fn get(&self) -> Step {
        self.0.lock().map(|at| *at).unwrap_or(Step::Answer)
    }
}

/// Connects to the proxy and has it CONNECT (or BIND) `target`, all within `limit`.
async fn open(
    proxy: &Proxy,
    command: socks5::Command,
    target: SocketAddr,
    limit: Duration,
) -> Result<(TcpStream, socks5::Bound), ProxyError> {
    let step = StepCell(std::sync::Mutex::new(Step::Connect));
    let talk = async {
        let mut stream = match TcpStream::connect(proxy.addr).await {
            Ok(s) => s,
            Err(err) => {
                return Err(ProxyError::Unreachable {
                    proxy: proxy.addr,
                    outcome: match err.kind() {
                        std::io::ErrorKind::ConnectionRefused => DialOutcome::Refused,
                        std::io::ErrorKind::TimedOut => DialOutcome::Timeout,
                        _ => DialOutcome::Unreachable,
                    },
                    error: Some(err.to_string()),
                });
            }
        };
        let _ = stream.set_nodelay(true);
        let bound = match proxy.spec.kind {
            ProxyKind::Socks5 => socks5_talk(&mut stream, proxy, command, target, &step).await?,
            ProxyKind::Http => {
                http_talk(&mut stream, proxy, target, &step).await?;
                socks5::Bound::Ip(target)
            }
        };
        Ok((stream, bound))
    };
    match timeout(limit, talk).await {
        Ok(result) => result,
        Err(_) if step.get() == Step::Connect => Err(ProxyError::Unreachable {
            proxy: proxy.addr,
            outcome: DialOutcome::Timeout,
            error: None,
        }),
        Err(_) => Err(ProxyError::Silent {
            during: step.get(),
            after: limit,
        }),
    }
}

async fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), ProxyError> {
    stream
        .write_all(bytes)
        .await
        .map_err(|e| ProxyError::Io(e.to_string()))
}

/// Exactly `N` bytes, or how the proxy failed to send them.
async fn read_exact<const N: usize>(
    stream: &mut TcpStream,
    during: Step,
) -> Result<[u8; N], ProxyError> {
    let mut buf = [0u8; N];
    let mut got = 0;
    while got < N {
        match stream.read(&mut buf[got..]).await {
            Ok(0) => return Err(ProxyError::Closed { during, got }),
            Ok(n) => got += n,
            Err(e) => return Err(ProxyError::Io(e.to_string())),
        }
    }
    Ok(buf)
}

async fn socks5_talk(
    stream: &mut TcpStream,
    proxy: &Proxy,
    command: socks5::Command,
    target: SocketAddr,
    step: &StepCell,
) -> Result<socks5::Bound, ProxyError> {
    let login = proxy.spec.login.as_ref();
    step.set(Step::Greeting);
    send(stream, &socks5::greeting(login.is_some())).await?;
    let method = socks5::parse_method(read_exact(stream, Step::Greeting).await?, login.is_some())
        .map_err(|e| match e {
        socks5::Socks5Error::NoAcceptableMethod { .. } => ProxyError::Refused {
            refusal: Refusal::Login,
            answer: format!("SOCKS5 method 0xff: {e}"),
        },
        e => e.into(),
    })?;
    if let (socks5::Method::UserPassword, Some((user, password))) = (method, login) {
        step.set(Step::Login);
        send(stream, &socks5::auth_request(user, password.expose())?).await?;
        if !socks5::parse_auth_reply(read_exact(stream, Step::Login).await?)? {
            return Err(ProxyError::Refused {
                refusal: Refusal::Login,
                answer: format!("that the login as {user:?} failed (RFC 1929)"),
            });
        }
    }
    step.set(Step::Answer);
    send(stream, &socks5::request(command, target)).await?;
    let mut buf = Vec::new();
    loop {
        let want = socks5::reply_len(&buf)?;
        if want == buf.len() {
            break;
        }
        let mut chunk = [0u8; socks5::MAX_REPLY];
        let n = stream
            .read(&mut chunk[..want - buf.len()])
            .await
            .map_err(|e| ProxyError::Io(e.to_string()))?;
        if n == 0 {
            return Err(ProxyError::Closed {
                during: Step::Answer,
                got: buf.len(),
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let reply = socks5::parse_reply(&buf)?;
    socks5_granted(&reply)?;
    Ok(reply.bound)
}

fn socks5_granted(reply: &socks5::Reply) -> Result<(), ProxyError> {
    let (verdict, words) = socks5::meaning(reply.code);
    let refusal = match verdict {
        socks5::Verdict::Granted => return Ok(()),
        socks5::Verdict::Denied | socks5::Verdict::Other => Refusal::Denied,
        socks5::Verdict::TargetRefused => Refusal::TargetRefused,
        socks5::Verdict::TargetTimeout => Refusal::TargetTimeout,
        socks5::Verdict::TargetUnreachable => Refusal::TargetUnreachable,
        socks5::Verdict::Unsupported => Refusal::Unsupported,
    };
    Err(ProxyError::Refused {
        refusal,
        answer: format!("SOCKS5 reply {} ({words})", reply.code),
    })
}

async fn http_talk(
    stream: &mut TcpStream,
    proxy: &Proxy,
    target: SocketAddr,
    step: &StepCell,
) -> Result<(), ProxyError> {
    let login = proxy
        .spec
        .login
        .as_ref()
        .map(|(user, password)| (user.as_str(), password.expose()));
    step.set(Step::Answer);
    send(stream, http::request(target, login).as_bytes()).await?;
    let mut head = Vec::new();
    loop {
        let want = http::wanted(&head);
        if want == 0 {
            break;
        }
        if head.len() + want > http::MAX_HEAD {
            return Err(http::HttpError::TooLong.into());
        }
        let mut chunk = [0u8; 4];
        let n = stream
            .read(&mut chunk[..want])
            .await
            .map_err(|e| ProxyError::Io(e.to_string()))?;
        if n == 0 {
            // What came may still say why (a status line, then the close).
            if let Ok(status) = http::parse_status(&head)
                && http::verdict(status.code) != http::Verdict::Granted
            {
                break;
            }
            return Err(ProxyError::Closed {
                during: Step::Answer,
                got: head.len(),
            });
        }
        head.extend_from_slice(&chunk[..n]);
        // A first line that is no HTTP status ends the wait at once.
        if head.contains(&b'\n') {
            http::parse_status(&head)?;
        }
    }
    let status = http::parse_status(&head)?;
    let refusal = match http::verdict(status.code) {
        http::Verdict::Granted => return Ok(()),
        http::Verdict::AuthRequired => Refusal::Login,
        http::Verdict::TargetFailed => Refusal::TargetRefused,
        http::Verdict::TargetTimeout => Refusal::TargetTimeout,
        http::Verdict::Denied => Refusal::Denied,
    };
    Err(ProxyError::Refused {
        refusal,
        answer: status.line,
    })
}
