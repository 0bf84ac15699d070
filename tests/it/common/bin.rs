//! The built binary, one way for every test: a builder for a run ([`Ftpdoctor`]) and a
//! running `ftpdoctor lab` that is killed when dropped ([`LabProcess`]).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::STEP;
use super::cli::Run;

/// The binary cargo built for these tests; never one found on PATH.
pub const BIN: &str = env!("CARGO_BIN_EXE_ftpdoctor");

/// The most lines a test reads of a lab's stdout, and the longest line.
const MAX_LINES: usize = 64;
const MAX_LINE: u64 = 4096;

/// One run of the binary: arguments and environment, then [`Ftpdoctor::run`].
#[derive(Debug, Clone, Default)]
pub struct Ftpdoctor {
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Ftpdoctor {
    /// `ftpdoctor ARGS...`
    pub fn new<S: AsRef<str>>(args: &[S]) -> Ftpdoctor {
        Ftpdoctor::default().args(args)
    }

    /// `ftpdoctor probe URL --timeout 1s`: every target in these tests is on loopback.
    pub fn probe(url: &str) -> Ftpdoctor {
        Ftpdoctor::new(&["probe", url, "--timeout", "1s"])
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Ftpdoctor {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Ftpdoctor {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Ftpdoctor {
        self.env.push((key.to_string(), value.into()));
        self
    }

    /// The command with the table's width and characters pinned, so a test sees what it
    /// asks for (its own `env` comes after and wins).
    pub fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(&self.args)
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env_remove("COLUMNS")
            .env("LANG", "C.UTF-8")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs to the end; the [`Run`] shows command, stdout and stderr when an assertion fails.
    pub fn run(self) -> Run {
        let started = Instant::now();
        let output = self
            .command()
            .output()
            .unwrap_or_else(|e| panic!("running ftpdoctor: {e}"));
        let elapsed = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let shown = format!(
            "ftpdoctor {}\nstatus: {} after {elapsed:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            self.args.join(" "),
            output.status,
        );
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout,
            stderr,
            shown,
            elapsed,
        }
    }

    /// Runs off the async runtime (the lab under test may live on it).
    pub async fn run_async(self) -> Run {
        tokio::task::spawn_blocking(move || self.run())
            .await
            .unwrap_or_else(|e| panic!("the runner thread died: {e}"))
    }

    /// Adds `--format json` and runs: [`Run::json`] reads the report.
    pub fn json(self) -> Run {
        self.args(&["--format", "json"]).run()
    }
}

/// A running `ftpdoctor lab ...` (or `lab --fault ...`), killed when dropped.
pub struct LabProcess {
    child: Child,
    /// The first line it printed: its URL.
    pub url: String,
    /// The lines it printed after the first.
    lines: mpsc::Receiver<String>,
    /// Everything it wrote on stderr, once it has exited (with `spawn_logged`).
    stderr: Option<mpsc::Receiver<String>>,
}

impl LabProcess {
    pub fn spawn<S: AsRef<str>>(args: &[S]) -> LabProcess {
        LabProcess::start(args, false)
    }

    /// Also collects stderr, for [`LabProcess::stderr_after_exit`].
    pub fn spawn_logged<S: AsRef<str>>(args: &[S]) -> LabProcess {
        LabProcess::start(args, true)
    }

    fn start<S: AsRef<str>>(args: &[S], logged: bool) -> LabProcess {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(if logged {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap_or_else(|e| panic!("spawning ftpdoctor {args:?}: {e}"));
        let stderr = child.stderr.take().map(|mut pipe| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                let _ = tx.send(text);
            });
            rx
        });
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        // Read stdout on a thread so a silent child fails the test, not hangs it.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            for _ in 0..MAX_LINES {
                let mut line = String::new();
                match (&mut out).take(MAX_LINE).read_line(&mut line) {
                    Ok(n) if n > 0 && tx.send(line).is_ok() => {}
                    _ => break,
                }
            }
        });
        let url = rx
            .recv_timeout(STEP)
            .unwrap_or_else(|_| panic!("ftpdoctor {args:?}: no first line within {STEP:?}"));
        LabProcess {
            child,
            url: url.trim_end().to_string(),
            lines: rx,
            stderr,
        }
    }

    /// The next line it printed (`lab --mystery` prints one URL per server).
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(STEP)
            .map(|line| line.trim_end().to_string())
            .unwrap_or_else(|_| panic!("no further line within {STEP:?} after {:?}", self.url))
    }

    /// The address in its `ftp://HOST:PORT/` URL.
    pub fn addr(&self) -> SocketAddr {
        let hostport = self
            .url
            .strip_prefix("ftp://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("not an ftp:// URL: {:?}", self.url));
        hostport
            .parse()
            .unwrap_or_else(|e| panic!("{hostport:?}: {e}"))
    }

    /// SIGTERM, then what the lab wrote on stderr.
    pub fn stderr_after_exit(mut self) -> String {
        let stderr = self.stderr.take();
        let status = self.terminate();
        assert!(status.success(), "exit after SIGTERM: {status}");
        stderr
            .and_then(|rx| rx.recv_timeout(STEP).ok())
            .unwrap_or_else(|| panic!("no stderr from the lab"))
    }

    /// The process id, for signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let started = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if started.elapsed() < STEP => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                other => panic!("lab did not exit after SIGTERM: {other:?}"),
            }
        }
    }
}

impl Drop for LabProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
