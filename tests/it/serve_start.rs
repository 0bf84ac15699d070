//! Black-box: `serve` start-up and `serve --check-config`. Every start-up error is one
//! message, said once; a good config checks without opening a socket.

use crate::common;

use common::exporter::temp_dir;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// The message after `ftpdoctor: error: ` appears exactly once on stderr.
fn said_once(stderr: &str, needle: &str) {
    assert_eq!(
        stderr.matches(needle).count(),
        1,
        "{needle:?} should appear once in:\n{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

#[tokio::test]
async fn missing_config_error_is_printed_once() {
    let run = common::cli::ftpdoctor(
        args(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            "/nonexistent/modules.yml",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    said_once(&run.stderr, "cannot read it");
}

#[tokio::test]
async fn unknown_config_key_error_is_printed_once() {
    let dir = temp_dir("once-key");
    let path = dir.join("modules.yml");
    std::fs::write(&path, "modules:\n  a:\n    targets: any\n    bogus: 1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = common::cli::ftpdoctor(
        args(&["serve", "--listen", "127.0.0.1:0", "--config"])
            .into_iter()
            .chain([path.display().to_string()])
            .collect(),
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    said_once(&run.stderr, "unknown field `bogus`");
}

#[tokio::test]
async fn listen_address_in_use_error_is_printed_once() {
    let dir = temp_dir("once-listen");
    let path = dir.join("modules.yml");
    std::fs::write(&path, "modules:\n  a:\n    targets: any\n").unwrap_or_else(|e| panic!("{e}"));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = taken.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let run = common::cli::ftpdoctor(
        vec![
            "serve".into(),
            "--listen".into(),
            addr.to_string(),
            "--config".into(),
            path.display().to_string(),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    said_once(&run.stderr, &format!("listening on {addr}"));
    assert_eq!(run.stderr.matches("in use").count(), 1, "{}", run.shown);
}

#[tokio::test]
async fn check_config_says_good_for_the_shipped_example_and_listens_nowhere() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/ftpdoctor.yml");
    let run = common::cli::ftpdoctor(args(&["serve", "--check-config", shipped]), Vec::new()).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        run.stdout.contains("good (1 module: default)"),
        "{}",
        run.shown
    );
    assert!(!run.stdout.contains("http://"), "{}", run.shown);
}

#[tokio::test]
async fn check_config_of_a_bad_file_is_exit_2_said_once() {
    let dir = temp_dir("check-bad");
    let path = dir.join("modules.yml");
    std::fs::write(&path, "modules:\n  a:\n    targets: [\"10.0.0.0/33\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = common::cli::ftpdoctor(
        vec![
            "serve".into(),
            "--check-config".into(),
            path.display().to_string(),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    said_once(&run.stderr, "prefix length out of range");
    assert!(run.stdout.is_empty(), "{}", run.shown);
}

/// The unit as shipped: sandboxed, loopback, the config checked before start.
#[test]
fn the_systemd_unit_is_sandboxed_and_listens_on_loopback() {
    let unit = include_str!("../../packaging/ftpdoctor.service");
    let lines: Vec<&str> = unit.lines().map(str::trim).collect();
    for want in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=",
        "NoNewPrivileges=yes",
        "ExecStartPre=/usr/bin/ftpdoctor serve --check-config /etc/ftpdoctor/ftpdoctor.yml",
    ] {
        assert!(lines.contains(&want), "{want} missing from the unit");
    }
    let start = lines
        .iter()
        .find(|l| l.starts_with("ExecStart="))
        .unwrap_or_else(|| panic!("no ExecStart"));
    assert!(start.contains("--listen 127.0.0.1:"), "{start}");
    assert!(
        unit.contains("LoadCredential="),
        "the unit says how to pass a password file"
    );
    let manifest = include_str!("../../Cargo.toml");
    assert!(
        manifest.contains("enable = false, start = false"),
        "the package installs the unit disabled and stopped"
    );
}
