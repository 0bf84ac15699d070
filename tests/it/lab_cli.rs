//! Black-box: the built binary's `lab` subcommand.

use crate::common;

use std::net::SocketAddr;
use std::process::Output;

use common::bin::{Ftpdoctor, LabProcess};
use common::{RawFtp, dial, epsv_port, read_all};
use ftpdoctor::lab::Scenario;
use ftpdoctor::lab::fs::README_TEXT;

/// Runs to completion and shows the command, stdout and stderr if an assertion fails.
fn run(args: &[&str]) -> (Output, String) {
    let output = Ftpdoctor::new(args)
        .command()
        .output()
        .unwrap_or_else(|e| panic!("running ftpdoctor: {e}"));
    let shown = format!(
        "ftpdoctor {}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, shown)
}

#[tokio::test]
async fn lab_binary_prints_its_url_first_and_serves_a_file() {
    let lab = LabProcess::spawn(&["lab", "--scenario", "healthy"]);
    assert!(
        lab.url.starts_with("ftp://127.0.0.1:") && lab.url.ends_with('/'),
        "{}",
        lab.url
    );
    let addr = lab.addr();
    assert_ne!(addr.port(), 0);
    let mut ftp = RawFtp::login(addr).await;
    let data = dial(SocketAddr::new(
        addr.ip(),
        epsv_port(&ftp.cmd("EPSV").await[0]),
    ))
    .await;
    ftp.send("RETR /pub/readme.txt").await;
    assert!(ftp.reply().await[0].starts_with("150 "));
    assert_eq!(read_all(data, 1 << 20).await, README_TEXT.as_bytes());
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    assert_eq!(ftp.cmd("QUIT").await, ["221 Goodbye."]);
    let status = lab.terminate();
    assert!(status.success(), "exit after SIGTERM: {status}");
}

#[tokio::test]
async fn lab_verbose_logs_each_sessions_commands_and_data_connections_with_pass_masked() {
    let lab = LabProcess::spawn_logged(&["lab", "--scenario", "healthy", "-v"]);
    let addr = lab.addr();
    let (mut ftp, _banner) = RawFtp::connect(addr).await;
    assert_eq!(
        ftp.cmd("USER student").await,
        ["331 Please specify the password."]
    );
    assert_eq!(
        ftp.cmd("PASS lab-password").await,
        ["230 Login successful."]
    );
    let data = dial(SocketAddr::new(
        addr.ip(),
        epsv_port(&ftp.cmd("EPSV").await[0]),
    ))
    .await;
    let data_local = data.local_addr().unwrap_or_else(|e| panic!("{e}"));
    ftp.send("RETR /pub/readme.txt").await;
    assert!(ftp.reply().await[0].starts_with("150 "));
    assert_eq!(read_all(data, 1 << 20).await, README_TEXT.as_bytes());
    assert_eq!(ftp.reply().await, ["226 Transfer complete."]);
    // A hostile client's escape sequence must reach the log escaped.
    ftp.cmd("SITE \u{1b}[2J").await;
    assert_eq!(ftp.cmd("QUIT").await, ["221 Goodbye."]);
    let log = lab.stderr_after_exit();
    let peer = ftp.local_addr();
    let session: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("lab #1 {peer}: ")))
        .collect();
    for expected in [
        "connected",
        "> USER student",
        "> PASS ****",
        "< 230 Login successful.",
        "> EPSV",
        "> RETR /pub/readme.txt",
        &format!("data: accepted {data_local} -> "),
        &format!("data: {} bytes sent, closed", README_TEXT.len()),
        "< 226 Transfer complete.",
        "> QUIT",
        "closed",
    ] {
        assert!(
            session.iter().any(|l| l.starts_with(expected)),
            "no {expected:?} in the log:\n{log}"
        );
    }
    assert!(session.iter().all(|l| !l.contains("lab-password")), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "an escape reached the terminal:\n{log}"
    );
}

#[test]
fn lab_without_arguments_names_scenario_fault_and_mystery() {
    let (output, shown) = run(&["lab"]);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for flag in ["--scenario", "--fault", "--mystery", "--list"] {
        assert!(stderr.contains(flag), "{flag} not named:\n{shown}");
    }
}

#[test]
fn lab_list_names_every_scenario_with_a_description() {
    let (output, shown) = run(&["lab", "--list"]);
    assert!(output.status.success(), "{shown}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The scenarios come first; the fault lab's list follows a blank line.
    let scenarios = stdout.split("\n\n").next().unwrap_or_default();
    assert_eq!(scenarios.lines().count(), Scenario::ALL.len(), "{shown}");
    for scenario in Scenario::ALL {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(scenario.name()));
        assert!(
            line.is_some_and(|l| l.contains(scenario.description())),
            "{scenario}: {shown}"
        );
    }
}

#[test]
fn readme_shows_the_lab_list_as_the_binary_prints_it() {
    let (output, shown) = run(&["lab", "--list"]);
    assert!(output.status.success(), "{shown}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed = stdout.split("\n\n").next().unwrap_or_default();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let shown_there = readme
        .split("$ ftpdoctor lab --list\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    assert_eq!(shown_there, printed, "README's `lab --list` block is stale");
    // The demo paragraph counts them in words.
    const WORDS: [&str; 31] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "twenty-one",
        "twenty-two",
        "twenty-three",
        "twenty-four",
        "twenty-five",
        "twenty-six",
        "twenty-seven",
        "twenty-eight",
        "twenty-nine",
        "thirty",
    ];
    let count = WORDS.get(Scenario::ALL.len()).copied().unwrap_or("many");
    assert!(
        readme.contains(&format!("starts all {count} lab scenarios")),
        "README's demo paragraph should say \"starts all {count} lab scenarios\""
    );
}

#[test]
fn unknown_scenario_is_exit_2_listing_the_valid_ones() {
    let (output, shown) = run(&["lab", "--scenario", "no-such-thing"]);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-thing"), "{shown}");
    for scenario in Scenario::ALL {
        assert!(
            stderr.contains(scenario.name()),
            "{scenario} missing: {shown}"
        );
    }
}

#[test]
fn help_texts_carry_examples() {
    for args in [&["--help"][..], &["lab", "--help"][..]] {
        let (output, shown) = run(args);
        assert!(output.status.success(), "{shown}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Examples:"),
            "{shown}"
        );
    }
}

#[test]
fn listen_address_in_use_is_a_clear_error_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = taken
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let (output, shown) = run(&["lab", "--scenario", "healthy", "--listen", &addr]);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&addr),
        "{shown}"
    );
}

#[tokio::test]
async fn lab_listening_on_every_address_prints_a_dialable_loopback_url() {
    let lab = LabProcess::spawn(&["lab", "--scenario", "healthy", "--listen", "0.0.0.0:0"]);
    assert!(lab.url.starts_with("ftp://127.0.0.1:"), "{}", lab.url);
    let (_ftp, banner) = RawFtp::connect(lab.addr()).await;
    assert_eq!(banner, ["220 ftpdoctor lab FTP server ready."]);
}

#[test]
fn tls_lab_writes_its_ca_for_probe_ca_file() {
    let ca = std::env::temp_dir().join(format!("ftpdoctor-lab-cli-ca-{}.pem", std::process::id()));
    let ca_arg = ca.display().to_string();
    let lab = LabProcess::spawn(&["lab", "--scenario", "tls", "--ca-out", &ca_arg]);
    let pem = std::fs::read_to_string(&ca).unwrap_or_else(|e| panic!("{ca_arg}: {e}"));
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let (output, shown) = run(&[
        "probe",
        &lab.url,
        "--ca-file",
        &ca_arg,
        "--format",
        "json",
        "--timeout",
        "2s",
    ]);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}\n{shown}"));
    assert_eq!(report["control"]["tls"], "explicit", "{shown}");
    assert_eq!(
        report["control"]["tls_details"]["verified"], true,
        "{shown}"
    );
    let _ = std::fs::remove_file(&ca);
}
