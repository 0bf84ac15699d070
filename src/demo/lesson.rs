//! What three scenarios teach beyond their own report, which says "ok" because the probe
//! does what their server demands: the client that does not.

use std::io::{self, Write};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::lab::Scenario;
use crate::pipeline::probe_and_report;
use crate::probe::{ProbeConfig, ProbeOptions, TlsMode};
use crate::report::Report;

/// A scenario's lesson, once seen.
pub(super) enum Lesson {
    /// The same server probed as the naive client would: its report.
    Probe {
        intro: &'static str,
        report: Box<Report>,
    },
    /// What a client that reads one line per reply meets.
    NaiveBanner(Result<NaiveExchange, String>),
}

/// The lines the naive client took for the greeting and for the answer to USER.
pub(super) struct NaiveExchange {
    greeting: String,
    answer_to_user: String,
}

/// Longest line the naive client reads; the lab's lines are well under this.
const MAX_LINE: usize = 512;

/// The second look `scenario` needs, if any: `config` is how its own report probed it.
pub(super) async fn learn(scenario: Scenario, config: &ProbeConfig) -> Option<Lesson> {
    match scenario {
        Scenario::TlsReuseRequired => {
            let config = config.with_options(ProbeOptions {
                tls_reuse: false,
                ..config.options().clone()
            });
            Some(Lesson::Probe {
                intro: "a client whose data connections do not resume the TLS session\n   \
                        (probe --no-tls-reuse) meets:",
                report: Box::new(probe_and_report(&config).await),
            })
        }
        Scenario::TlsRequired => {
            let config = config.with_options(ProbeOptions {
                tls: Some(TlsMode::Off),
                ..config.options().clone()
            });
            Some(Lesson::Probe {
                intro: "a client that logs in in plaintext (probe --tls off) meets:",
                report: Box::new(probe_and_report(&config).await),
            })
        }
        Scenario::MultilineBanner => {
            let target = config.target();
            let addr = (target.host_string(), target.port);
            Some(Lesson::NaiveBanner(
                naive_login(addr, config.options().step_timeout).await,
            ))
        }
        _ => None,
    }
}

/// A client that takes the first line of a reply for all of it: it reads one line of
/// the greeting, sends USER, and reads one line as the answer.
async fn naive_login(addr: (String, u16), step: Duration) -> Result<NaiveExchange, String> {
    let mut stream = timeout(step, TcpStream::connect((addr.0.as_str(), addr.1)))
        .await
        .map_err(|_| "no connection in time".to_string())?
        .map_err(|e| format!("could not connect: {e}"))?;
    let greeting = read_line(&mut stream, step).await?;
    timeout(step, stream.write_all(b"USER anonymous\r\n"))
        .await
        .map_err(|_| "USER could not be sent in time".to_string())?
        .map_err(|e| format!("sending USER: {e}"))?;
    let answer_to_user = read_line(&mut stream, step).await?;
    Ok(NaiveExchange {
        greeting,
        answer_to_user,
    })
}

/// One line, byte by byte so that nothing after it is consumed (as the naive client
/// would read it), at most [`MAX_LINE`] bytes and one step's time.
async fn read_line(stream: &mut TcpStream, step: Duration) -> Result<String, String> {
    let read = async {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while line.len() < MAX_LINE {
            match stream.read(&mut byte).await {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) => line.push(byte[0]),
                Err(e) => return Err(format!("reading: {e}")),
            }
        }
        Ok(line)
    };
    let line = timeout(step, read)
        .await
        .map_err(|_| "no line in time".to_string())??;
    // Shown on a terminal: no control characters from the server.
    Ok(String::from_utf8_lossy(&line)
        .trim_end_matches('\r')
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect())
}

/// Writes the lesson under the scenario's own report, in the table's words.
pub(super) fn write(
    lesson: &Lesson,
    write_report: &mut dyn FnMut(&Report, &mut dyn Write) -> io::Result<()>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match lesson {
        Lesson::Probe { intro, report } => {
            writeln!(out, "-- the lesson: {intro}")?;
            write_report(report, out)
        }
        Lesson::NaiveBanner(Ok(seen)) if !seen.answer_to_user.starts_with("220") => writeln!(
            out,
            "-- a client that reads one line per reply read {:?}, then {:?} after USER",
            seen.greeting, seen.answer_to_user
        ),
        Lesson::NaiveBanner(Ok(seen)) => writeln!(
            out,
            "-- the lesson: a client that reads one line per reply takes\n     \
             {:?}\n   for the whole greeting, sends USER, and reads the banner's next line\n     \
             {:?}\n   as the answer to USER. From then on every reply it reads is one behind:\n   \
             a banner of several lines must be read up to the line \"220 \" (code, space).",
            seen.greeting, seen.answer_to_user
        ),
        Lesson::NaiveBanner(Err(why)) => {
            writeln!(out, "-- the lesson could not be shown: {why}")
        }
    }
}
