//! Black-box: what a person at a terminal sees and does while a probe waits. A single
//! probe on a terminal shows on stderr which step each mode waits on (tmux, a real pty),
//! never in a pipe, and under TERM=dumb with carriage returns only (`script`, a raw pty
//! capture); Ctrl-C (SIGINT) mid-probe prints the partial report and exits 130.
//!
//! The server is the lab's blocked-data scenario, whose passive data port never answers:
//! EPSV and PASV wait their whole --timeout there. Without tmux or script the cases that
//! need them say SKIPPED and why.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::bin::{BIN, LabProcess};

/// Long enough that the probe is still waiting whenever the test looks.
const PROBE_TIMEOUT: &str = "20s";

/// How long the tests give the probe to reach its data connects.
const SETTLE: Duration = Duration::from_millis(1500);

/// A bound on anything here that should take a second, to fail rather than hang.
const BOUND: Duration = Duration::from_secs(15);

/// `ftpdoctor lab --scenario blocked-data`, killed when dropped.
fn blocked_data() -> LabProcess {
    LabProcess::spawn(&["lab", "--scenario", "blocked-data", "--data-timeout", "30s"])
}

fn have(tool: &str, version_arg: &str) -> bool {
    Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Waits (bounded) for `child` and returns its stdout and stderr.
fn finish(mut child: Child) -> (std::process::ExitStatus, String, String) {
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < BOUND => std::thread::sleep(Duration::from_millis(20)),
            other => {
                let _ = child.kill();
                panic!("the probe did not end: {other:?}")
            }
        }
    };
    let join = |h: std::thread::JoinHandle<String>| h.join().unwrap_or_default();
    (status, join(out), join(err))
}

fn sigint(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT");
}

fn probe_piped(url: &str, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["probe", "--tls", "off", "--timeout", PROBE_TIMEOUT])
        .args(extra)
        .arg(url)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning the probe: {e}"))
}

#[test]
fn ctrl_c_mid_probe_prints_the_partial_report_and_exits_130() {
    let lab = blocked_data();
    let started = Instant::now();
    let probe = probe_piped(&lab.url, &[]);
    std::thread::sleep(SETTLE);
    sigint(&probe);
    let (status, stdout, stderr) = finish(probe);
    let shown = format!("{status}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(status.code(), Some(130), "{shown}");
    assert!(started.elapsed() < Duration::from_secs(10), "{shown}");
    assert!(
        stdout.contains("stopped   interrupted (Ctrl-C) after"),
        "{shown}"
    );
    // Every mode's state so far: EPSV was dialling the dead port, the active modes had
    // worked (the lab connects back at once).
    let row = |mode: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("│ {mode}")))
            .unwrap_or_else(|| panic!("no {mode} row:\n{shown}"))
            .to_string()
    };
    assert!(row("EPRT").ends_with("ok     │"), "{shown}");
    assert!(row("PORT").ends_with("ok     │"), "{shown}");
    // EPSV's dial had been silent for longer than one retransmission timeout when the user
    // gave up: the silence is the evidence, so the finding is the firewall's, cut by Ctrl-C.
    let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("data-connect-timeout (epsv)") && flat.contains("until Ctrl-C cut the wait"),
        "{shown}"
    );
    // The dial's cell says how long it went unanswered and who ended it: not a timeout.
    assert!(
        flat.contains("no answer in") && flat.contains("(cut by Ctrl-C)"),
        "{shown}"
    );
    assert!(!flat.contains("timeout after"), "{shown}");
    assert!(!stdout.contains("--deadline of"), "{shown}");
    assert!(!stdout.contains("until --deadline cut"), "{shown}");
    assert!(!stdout.contains("raise --deadline"), "{shown}");
}

#[test]
fn ctrl_c_json_report_says_interrupted() {
    let lab = blocked_data();
    let probe = probe_piped(&lab.url, &["--format", "json"]);
    std::thread::sleep(SETTLE);
    sigint(&probe);
    let (status, stdout, stderr) = finish(probe);
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    // One target: one report object.
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(
        report["interrupted"],
        serde_json::Value::Bool(true),
        "{stdout}"
    );
    assert_eq!(
        report["deadline_hit"],
        serde_json::Value::Bool(true),
        "{stdout}"
    );
    let epsv = &report["modes"][0];
    assert_eq!(epsv["mode"], "epsv", "{stdout}");
    assert_eq!(epsv["interrupted"], "data-connect", "{stdout}");
    // The cut dial recorded itself: a timeout, cut by the user.
    assert_eq!(epsv["dials"][0]["outcome"], "timeout", "{stdout}");
    assert_eq!(epsv["dials"][0]["cut_by"], "interrupt", "{stdout}");
}

#[test]
fn status_line_never_reaches_a_pipe() {
    let lab = blocked_data();
    let probe = probe_piped(&lab.url, &["--timeout", "1s"]);
    let (status, stdout, stderr) = finish(probe);
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("data-connect-timeout"), "{stdout}");
    assert!(
        !stderr.contains("waiting") && !stderr.contains('\r'),
        "{stderr:?}"
    );
}

/// The screen of `command` in a tmux window `cols` wide, `after` it started.
fn tmux_screen(cols: u16, command: &str, after: Duration) -> String {
    let socket = format!("ftpdoctor-interactive-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"))
    };
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        &cols.to_string(),
        "-y",
        "50",
        command,
    ]);
    assert!(started.status.success(), "tmux: {started:?}");
    std::thread::sleep(after);
    let shot = tmux(&["capture-pane", "-p", "-e"]);
    let _ = tmux(&["kill-server"]);
    String::from_utf8_lossy(&shot.stdout).into_owned()
}

#[test]
fn single_probe_on_a_terminal_shows_which_step_each_mode_waits_on() {
    if !have("tmux", "-V") {
        eprintln!("SKIPPED: tmux is not installed");
        return;
    }
    let lab = blocked_data();
    let command = format!(
        "env -u NO_COLOR TERM=xterm-256color {BIN} probe --tls off --timeout {PROBE_TIMEOUT} {}; \
         sleep 30",
        lab.url
    );
    let screen = tmux_screen(120, &command, SETTLE + Duration::from_millis(500));
    let port = lab
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let line = screen
        .lines()
        .find(|l| l.contains("waiting: "))
        .unwrap_or_else(|| panic!("no status line on the screen:\n{screen}"));
    // EPSV and PASV both dial the blackholed port; the line names it, and how long.
    assert!(
        line.contains("EPSV on the data connect to 127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains(" s)"), "{line}");
    assert!(
        !line.contains(&format!(":{port} ")),
        "the control port is not the wait: {line}"
    );
    assert!(line.chars().count() < 120, "{line}");
}

#[test]
fn dumb_terminal_status_line_is_carriage_returns_without_escapes() {
    if !have("script", "--version") {
        eprintln!("SKIPPED: script (util-linux) is not installed");
        return;
    }
    let lab = blocked_data();
    // script gives the probe a pty and writes every byte it sends there to stdout.
    let command = format!(
        "{BIN} probe --tls off --timeout 2s --modes epsv --format json {}",
        lab.url
    );
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("TERM", "dumb")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("script: {e}"));
    let raw = String::from_utf8_lossy(&output.stdout);
    assert!(
        raw.contains("\rwaiting: EPSV on the data connect to"),
        "{raw:?}"
    );
    assert!(!raw.contains('\x1b'), "an escape under TERM=dumb: {raw:?}");
    assert!(raw.contains("data-connect-timeout"), "{raw:?}");
}
