//! Black-box: the control connection as `ftpdoctor probe` sees it — unreachable and
//! silent servers, logins and where credentials come from, names, IPv6, bad arguments.

use crate::common;

use std::io::Write as _;
use std::net::SocketAddr;

use common::cli::{findings, ftpdoctor, mode, probe_json, statuses};
use common::start;
use ftpdoctor::lab::{LAB_PASSWORD, LAB_USER, LabConfig, LabServer, Scenario};

#[tokio::test(flavor = "multi_thread")]
async fn password_appears_in_no_output_format() {
    let server = start(Scenario::Healthy).await;
    let url = server.url();
    let with_user = format!("ftp://{LAB_USER}:{LAB_PASSWORD}@{}/pub/", server.addr());
    let wrong = "wrong-s3cret-pw";
    let from_env: Vec<String> = [
        &url,
        "--user",
        LAB_USER,
        "--password-env",
        "FTPDOCTOR_TEST_PW",
    ]
    .map(String::from)
    .to_vec();
    for format in ["table", "json", "jsonl"] {
        let runs = [
            (from_env.clone(), LAB_PASSWORD),
            (vec![with_user.clone()], LAB_PASSWORD),
            (from_env.clone(), wrong),
        ];
        for (target_args, password) in runs {
            let mut args = vec!["probe".to_string()];
            args.extend(target_args);
            args.extend(["--format", format, "--transcript", "--timeout", "2s"].map(String::from));
            let run = ftpdoctor(args, vec![("FTPDOCTOR_TEST_PW", password.to_string())]).await;
            // Not `shown`: the command line itself carries the URL's password.
            let output = format!("{}{}", run.stdout, run.stderr);
            assert!(
                !output.contains(password),
                "password leaked:\n{}",
                run.shown
            );
            assert!(
                output.contains("PASS ****"),
                "no masked PASS in the transcript:\n{}",
                run.shown
            );
        }
    }
    // The wrong password was refused: the report says so, without it.
    let run = ftpdoctor(
        [
            "probe",
            &url,
            "--format",
            "json",
            "--user",
            LAB_USER,
            "--password-env",
            "FTPDOCTOR_TEST_PW",
        ]
        .map(String::from)
        .to_vec(),
        vec![("FTPDOCTOR_TEST_PW", wrong.to_string())],
    )
    .await;
    assert_eq!(
        findings(&run.json()),
        ["login-failed@-", "tls-unavailable@-"],
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_control_port_is_control_unreachable() {
    let port = {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding: {e}"));
        listener.local_addr().map(|a| a.port()).unwrap_or(0)
    };
    let run = probe_json(&format!("127.0.0.1:{port}"), &[]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["control-unreachable@-"],
        "{}",
        run.shown
    );
    assert_eq!(
        report["control"]["connects"][0]["outcome"], "refused",
        "{}",
        run.shown
    );
    assert_eq!(
        statuses(&report),
        [
            "epsv=skipped",
            "pasv=skipped",
            "eprt=skipped",
            "port=skipped"
        ]
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_arguments_exit_2() {
    for args in [
        vec!["probe", "http://example.invalid/"],
        vec!["probe", "127.0.0.1:0"],
        vec![
            "probe",
            "127.0.0.1:21",
            "--user",
            "u",
            "--password-env",
            "FTPDOCTOR_UNSET_VAR",
        ],
        vec!["probe", "127.0.0.1:21", "--modes", "carrier-pigeon"],
        vec!["probe", "127.0.0.1:21", "--deadline", "300000000000y"],
    ] {
        let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
        assert_eq!(run.code, 2, "{}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_accepts_but_never_greets_is_banner_timeout() {
    // The kernel completes the handshake for a listener nobody accepts on.
    let silent =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding: {e}"));
    let addr = silent.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let run = probe_json(&format!("ftp://{addr}/"), &[]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["banner-timeout@-"], "{}", run.shown);
    assert_eq!(report["control"]["login"], "not-attempted", "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
    drop(silent);
}

#[tokio::test(flavor = "multi_thread")]
async fn localhost_resolves_without_dns_and_every_address_is_tried() {
    let server = start(Scenario::Healthy).await;
    let url = format!("ftp://localhost:{}/", server.addr().port());
    let run = probe_json(&url, &["--tls", "off"]).await;
    let report = run.json();
    let resolved = report["target"]["resolved"].to_string();
    assert!(resolved.contains("127.0.0.1"), "{}", run.shown);
    // If localhost also names ::1 (and it came first), that connect was refused and
    // the next address was tried.
    assert_eq!(
        report["control"]["peer"],
        server.addr().to_string(),
        "{}",
        run.shown
    );
    assert_eq!(report["verdict"], "ok", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn netrc_supplies_the_login() {
    let server = start(Scenario::Healthy).await;
    let mut netrc = tempfile_in_target("netrc");
    let text = format!(
        "machine 10.9.9.9 login other password nope\nmachine 127.0.0.1 login {LAB_USER} password {LAB_PASSWORD}\n"
    );
    netrc
        .1
        .write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("writing netrc: {e}"));
    let args = [
        "probe",
        &server.url(),
        "--netrc",
        "--format",
        "json",
        "--transcript",
    ]
    .map(String::from)
    .to_vec();
    let run = ftpdoctor(args, vec![("NETRC", netrc.0.display().to_string())]).await;
    let report = run.json();
    assert_eq!(report["control"]["login"], "ok", "{}", run.shown);
    assert_eq!(report["control"]["user"], LAB_USER, "{}", run.shown);
    assert!(!run.stdout.contains(LAB_PASSWORD), "{}", run.shown);
    let _ = std::fs::remove_file(&netrc.0);
}

/// A file of our own under the target directory (no temp-file crate needed).
fn tempfile_in_target(name: &str) -> (std::path::PathBuf, std::fs::File) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{name}-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, file)
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_uses_epsv_and_eprt_and_skips_pasv_and_port() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.listen = SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], 0));
    let Ok(server) = LabServer::start(config).await else {
        eprintln!("no ::1 on this machine; skipping");
        return;
    };
    let run = probe_json(&server.url(), &[]).await;
    let report = run.json();
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=skipped", "eprt=ok", "port=skipped"],
        "{}",
        run.shown
    );
    assert!(
        mode(&report, "eprt")["request"]
            .as_str()
            .unwrap_or("")
            .starts_with("EPRT |2|::1|")
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn url_with_credentials_keeps_the_specific_reason_and_masks_the_password() {
    for (url, reason) in [
        (
            "ftp://alice:s3cret@127.0.0.1:99999/",
            "target \"ftp://alice:***@127.0.0.1:99999/\": port \"99999\" is not a number",
        ),
        (
            "sftp://alice:s3cret@127.0.0.1/",
            "unsupported scheme \"sftp\"",
        ),
        ("ftp:/127.0.0.1/", "did you mean ftp://127.0.0.1/?"),
    ] {
        let run = ftpdoctor(vec!["probe".into(), url.into()], Vec::new()).await;
        assert_eq!(run.code, 2, "{}", run.shown);
        assert!(run.stderr.contains(reason), "{}", run.shown);
        assert!(!run.stderr.contains("s3cret"), "{}", run.shown);
        assert!(!run.stderr.contains("%2F"), "{}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unparseable_url_never_echoes_its_password() {
    for url in [
        "ftp://alice:se:cr/et@127.0.0.1/",
        "ftp://alice:123456/x@127.0.0.1/",
    ] {
        let run = ftpdoctor(vec!["probe".into(), url.into()], Vec::new()).await;
        assert_eq!(run.code, 2, "{}", run.shown);
        for secret in ["se:cr", "cr/et", "123456"] {
            assert!(!run.stderr.contains(secret), "{}", run.shown);
        }
        assert!(run.stderr.contains("%2F"), "{}", run.shown);
    }
}
