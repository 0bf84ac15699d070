//! Golden tests of the table's layout as a person sees it: the binary runs in a real
//! terminal (tmux) at 80 and 120 columns, colour on, and is captured with its escapes
//! (`tmux capture-pane -e`); also piped, under NO_COLOR and under LANG=C.
//!
//! Each capture must fit its width with every table line exactly as wide as the table
//! (no row broken, no border pushed out by colour codes), and must match its golden file
//! in tests/golden/layout/ once ports and times are masked (digit runs become `#`, runs
//! of blanks and of border strokes one). `FTPDOCTOR_BLESS=1` rewrites the golden files.
//! Without tmux the tmux cases say SKIPPED and why; .ci/run installs tmux so CI runs them.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::cli::ftpdoctor;
use common::start;
use ftpdoctor::lab::Scenario;

/// How long a probe of a loopback lab may take inside tmux, start-up included.
const CAPTURE_WAIT: Duration = Duration::from_secs(30);
/// Lines of the tmux window: more than any report here, so nothing scrolls away.
const ROWS: u16 = 300;
/// Printed after the probe, so the capture knows it is complete.
const DONE: &str = "__ftpdoctor_done__";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/layout")
}

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `ftpdoctor ARGS` in a fresh tmux server at `cols` columns with `env`, and returns
/// the screen with its escape sequences.
fn in_tmux(cols: u16, env: &[(&str, &str)], args: &[&str]) -> String {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let socket = format!("ftpdoctor-test-{}-{run}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_ftpdoctor");
    let mut command =
        String::from("env -u COLUMNS -u LC_ALL -u LC_CTYPE -u NO_COLOR TERM=xterm-256color");
    for (k, v) in env {
        command.push_str(&format!(" {k}={v}"));
    }
    command.push_str(&format!(" {bin}"));
    for a in args {
        command.push_str(&format!(" '{a}'"));
    }
    command.push_str(&format!("; echo {DONE}; sleep 60"));
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"))
    };
    let (c, r) = (cols.to_string(), ROWS.to_string());
    let started = tmux(&["new-session", "-d", "-x", &c, "-y", &r, &command]);
    assert!(started.status.success(), "tmux: {started:?}");
    let deadline = Instant::now() + CAPTURE_WAIT;
    let screen = loop {
        let shot = tmux(&["capture-pane", "-p", "-e", "-J", "-S", "-", "-E", "-"]);
        let text = String::from_utf8_lossy(&shot.stdout).into_owned();
        if text.contains(DONE) || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = tmux(&["kill-server"]);
    assert!(
        screen.contains(DONE),
        "the probe did not finish in tmux:\n{screen}"
    );
    let screen = screen.split(DONE).next().unwrap_or_default();
    // `-J` joins wrapped lines: a line wider than the window would show up as such.
    screen.trim_end().to_string() + "\n"
}

/// The text without ANSI escape sequences (CSI ... letter).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Every line fits `cols`, and every line of a table is exactly as wide as its first
/// border: a row that broke or a border moved by colour codes shows as another width.
fn assert_layout(name: &str, screen: &str, cols: usize) {
    let plain = strip_ansi(screen);
    let mut table_width = None;
    for line in plain.lines() {
        let width = line.chars().count();
        assert!(
            width <= cols,
            "{name}: a line of {width} > {cols}:\n{line}\n\n{plain}"
        );
        let is_table = line.starts_with(['┌', '│', '├', '╞', '└', '+', '|']);
        match (is_table, table_width) {
            (true, None) => table_width = Some(width),
            (true, Some(w)) => assert_eq!(
                width, w,
                "{name}: a table line out of line:\n{line}\n\n{plain}"
            ),
            (false, _) => table_width = None,
        }
    }
}

/// Ports, times and counts masked (digit runs become `#`): what stays is the words, their
/// order, the cells and the escapes.
fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '0'..='9' if out.ends_with('#') => {}
            '0'..='9' => out.push('#'),
            other => out.push(other),
        }
    }
    out
}

/// The capture in a form that does not depend on where a port's digits made a line
/// wrap: prose is one line per paragraph (blank-line separated), each row of a Unicode
/// table one line of its cells joined (`│ PASV | PASV → # (#,#,#,#,#,#) | ...`), an ASCII
/// table its row count (its layout is checked by `assert_layout`).
fn canonical(text: &str) -> String {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    let mut paragraph = String::new();
    let mut row: Vec<String> = Vec::new();
    let mut ascii_rows = 0;
    let flush_row = |row: &mut Vec<String>, out: &mut Vec<String>| {
        if !row.is_empty() {
            let cells: Vec<String> = row.iter().map(|c| words(c)).collect();
            out.push(format!("│ {}", cells.join(" | ")));
            row.clear();
        }
    };
    for line in text.lines() {
        let plain = strip_ansi(line);
        if plain.starts_with('│') {
            let inner = line
                .trim_end()
                .trim_start_matches('│')
                .trim_end_matches('│');
            for (i, cell) in inner.split('┆').enumerate() {
                if row.len() <= i {
                    row.push(String::new());
                }
                row[i].push(' ');
                row[i].push_str(cell);
            }
            continue;
        }
        if plain.starts_with(['┌', '├', '╞', '└']) {
            flush_row(&mut row, &mut out);
            continue;
        }
        if plain.starts_with('+') || plain.starts_with('|') {
            ascii_rows += usize::from(plain.starts_with('+') || plain.starts_with("|-"));
            continue;
        }
        if ascii_rows > 0 {
            out.push(format!("(ASCII table, {ascii_rows} rules)"));
            ascii_rows = 0;
        }
        if line.trim().is_empty() {
            if !paragraph.is_empty() {
                out.push(words(&paragraph));
                paragraph.clear();
            }
        } else {
            paragraph.push(' ');
            paragraph.push_str(line);
        }
    }
    if !paragraph.is_empty() {
        out.push(words(&paragraph));
    }
    masked(&out.join("\n")) + "\n"
}

fn check_golden(name: &str, screen: &str) {
    let path = golden_dir().join(format!("{name}.txt"));
    let got = canonical(screen);
    if std::env::var_os("FTPDOCTOR_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, &got).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (FTPDOCTOR_BLESS=1 writes it)", path.display()));
    assert!(
        got == want,
        "{name}: the layout changed (FTPDOCTOR_BLESS=1 rewrites tests/golden/layout/):\n--- got\n{got}\n--- want\n{want}\n--- screen\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn private_pasv_in_a_terminal_at_80_and_120_columns_with_colour() {
    if !have_tmux() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    for cols in [80u16, 120] {
        let screen = tokio::task::spawn_blocking({
            let url = url.clone();
            move || {
                in_tmux(
                    cols,
                    &[("LANG", "C.UTF-8")],
                    &["probe", &url, "--tls", "off"],
                )
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            screen.contains("\u{1b}["),
            "colour on a terminal:\n{screen}"
        );
        assert_layout(&format!("tty-{cols}"), &screen, usize::from(cols));
        check_golden(&format!("private-pasv-tty-{cols}"), &screen);
    }
}

/// The `ports` line of `--sample-ports` ends with the range the server really uses, the
/// number the line is there for: it wraps with a hanging indent, never cut with `…`.
#[tokio::test(flavor = "multi_thread")]
async fn sampled_ports_header_line_wraps_instead_of_cutting_the_range_at_80_and_120() {
    if !have_tmux() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    for cols in [80u16, 120] {
        // A fresh server each time: its first passive ports are the open ones, so the
        // modes' own transfers and the sample's counts are the same on every run.
        let server = start(Scenario::PartialRange).await;
        let url = server.url();
        let screen = tokio::task::spawn_blocking(move || {
            in_tmux(
                cols,
                &[("LANG", "C.UTF-8")],
                &[
                    "probe",
                    &url,
                    "--tls",
                    "off",
                    "--timeout",
                    "1s",
                    "--sample-ports",
                    "10",
                ],
            )
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let plain = strip_ansi(&screen);
        assert_layout(&format!("sample-{cols}"), &screen, usize::from(cols));
        let ports: Vec<&str> = plain
            .lines()
            .skip_while(|l| !l.starts_with("ports "))
            .take_while(|l| l.starts_with("ports ") || l.starts_with("          "))
            .collect();
        let joined = ports.join(" ");
        assert!(
            joined.contains("(ports seen") && !joined.contains('…'),
            "{cols}: {ports:?}\n{plain}"
        );
        check_golden(&format!("partial-range-sample-{cols}"), &screen);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_ladders_at_80_columns_put_the_words_above_the_arrows() {
    if !have_tmux() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let screen = tokio::task::spawn_blocking(move || {
        in_tmux(
            80,
            &[("LANG", "C.UTF-8")],
            &[
                "probe",
                &url,
                "--tls",
                "off",
                "--modes",
                "pasv",
                "--explain",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // They were always 100 columns wide and wrapped into noise at 80.
    assert_layout("explain-80", &screen, 80);
    let plain = strip_ansi(&screen);
    assert!(
        plain.contains("227 Entering Passive Mode ("),
        "the 227's words whole on a line of their own:\n{plain}"
    );
    check_golden("private-pasv-explain-80", &screen);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_color_and_lang_c_in_a_terminal() {
    if !have_tmux() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("no-color-80", &[("LANG", "C.UTF-8"), ("NO_COLOR", "1")]),
        ("lang-c-80", &[("LANG", "C")]),
        ("term-dumb-80", &[("LANG", "C.UTF-8"), ("TERM", "dumb")]),
    ];
    for (name, env) in cases {
        let screen = tokio::task::spawn_blocking({
            let url = url.clone();
            move || in_tmux(80, env, &["probe", &url, "--tls", "off"])
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_layout(name, &screen, 80);
        match name {
            // A terminal, so colour; but only ASCII characters.
            "lang-c-80" => assert!(strip_ansi(&screen).is_ascii(), "{name}:\n{screen}"),
            _ => assert!(!screen.contains('\u{1b}'), "{name}: no colour:\n{screen}"),
        }
        check_golden(&format!("private-pasv-{name}"), &screen);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fleet_summary_with_colour_keeps_its_borders_in_line() {
    if !have_tmux() {
        println!("SKIPPED: tmux is not installed (.ci/run installs it)");
        return;
    }
    let (a, b) = (
        start(Scenario::Healthy).await,
        start(Scenario::BlockedData).await,
    );
    let (a, b) = (a.url(), b.url());
    let screen = tokio::task::spawn_blocking(move || {
        in_tmux(
            100,
            &[("LANG", "C.UTF-8")],
            &[
                "probe",
                &a,
                &b,
                "--summary",
                "--tls",
                "off",
                "--timeout",
                "500ms",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(screen.contains("\u{1b}["), "colour:\n{screen}");
    assert_layout("summary-tty", &screen, 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn piped_output_is_100_columns_without_colour() {
    let server = start(Scenario::PrivatePasv).await;
    let args = ["probe", &server.url(), "--tls", "off"]
        .map(String::from)
        .to_vec();
    let run = ftpdoctor(args, Vec::new()).await;
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.shown);
    assert_layout("piped", &run.stdout, 100);
    check_golden("private-pasv-piped", &run.stdout);
}
