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
