//! Black-box: what the report says is true and agrees with itself across formats (issue
//! 20): a mode the server does not offer is `refused`, not working; client predictions
//! follow each client's own profile; one statement per fact, in every format.

use crate::common;

use common::cli::{ftpdoctor, mode, probe_json, statuses};
use common::exporter::{Exporter, temp_dir, value};
use common::start;
use ftpdoctor::lab::Scenario;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// `probe URL --timeout 1s` in a format, `extra` appended.
async fn probe_as(url: &str, format: &str, extra: &[&str]) -> common::cli::Run {
    let mut list = vec!["probe", url, "--format", format, "--timeout", "1s"];
    list.extend_from_slice(extra);
    ftpdoctor(args(&list), vec![("COLUMNS", "100".to_string())]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn active_mode_answered_502_is_refused_not_working_in_every_format() {
    let server = start(Scenario::NoActive).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    let report = run.json();
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=refused", "port=refused"],
        "{}",
        run.shown
    );
    assert_eq!(report["summary"]["refused"][0], "eprt", "{}", run.shown);
    let headline = report["summary"]["headline"].as_str().unwrap_or_default();
    assert!(
        headline.starts_with("EPSV and PASV work; EPRT and PORT are not offered (502)"),
        "{}",
        run.shown
    );
    assert!(!headline.contains("work with a warning"), "{headline}");

    let table = probe_as(&server.url(), "table", &["--tls", "off"]).await;
    assert!(
        table
            .stdout
            .contains("modes: EPSV and PASV work; EPRT and PORT are not offered (502)"),
        "{}",
        table.shown
    );
    assert!(table.stdout.contains("┆ refused │"), "{}", table.shown);

    let nagios = probe_as(&server.url(), "nagios", &["--tls", "off"]).await;
    assert!(
        nagios
            .stdout
            .contains("\neprt: refused, not offered by the server (502 Command not implemented.)"),
        "{}",
        nagios.shown
    );
    let junit = probe_as(&server.url(), "junit", &["--tls", "off"]).await;
    assert!(
        junit
            .stdout
            .contains("<skipped message=\"refused: the server does not offer PORT: 502"),
        "{}",
        junit.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn epsv_answered_502_is_refused_and_its_metric_says_it_did_not_work() {
    let server = start(Scenario::NoEpsv).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    let report = run.json();
    assert_eq!(mode(&report, "epsv")["status"], "refused", "{}", run.shown);
    assert!(
        report["summary"]["headline"]
            .as_str()
            .unwrap_or_default()
            .starts_with("PASV, EPRT and PORT work; EPSV is not offered (502)"),
        "{}",
        run.shown
    );
    let port = server.addr().port();
    let config = format!(
        "modules:\n  lab:\n    timeout: 1s\n    deadline: 5s\n    tls: off\n    targets: [\"127.0.0.1:{port}\"]\n"
    );
    let exporter = Exporter::start(&temp_dir("refused"), &config, &[]);
    let scrape = exporter
        .get(&format!("/probe?target=127.0.0.1:{port}&module=lab"))
        .await;
    let body = &scrape.body;
    assert_eq!(
        value(body, "probe_ftp_mode_success{mode=\"epsv\"}"),
        Some(0.0),
        "{body}"
    );
    assert_eq!(
        value(
            body,
            "probe_ftp_mode_status{mode=\"epsv\",status=\"refused\"}"
        ),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        value(body, "probe_ftp_mode_success{mode=\"pasv\"}"),
        Some(1.0),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn vsftpd_illegal_port_500_is_an_address_refusal_that_fails_not_refused() {
    let server = start(Scenario::PortRejected).await;
    let run = probe_json(&server.url(), &["--tls", "off"]).await;
    assert_eq!(
        statuses(&run.json()),
        ["epsv=ok", "pasv=ok", "eprt=fail", "port=fail"],
        "{}",
        run.shown
    );
}

/// The `clients` entry for `id`.
fn client(report: &serde_json::Value, id: &str) -> serde_json::Value {
    report["clients"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_tls_reuse_reveals_the_server_and_does_not_make_resuming_or_plain_clients_fail() {
    let server = start(Scenario::TlsReuseRequired).await;
    let ca = common::ca_file(&server).unwrap_or_default();
    let ca = ca.to_string_lossy().into_owned();
    let run = probe_json(
        &server.url(),
        &["--no-tls-reuse", "--ca-file", &ca, "--clients", "all"],
    )
    .await;
    let report = run.json();
    // The probe's own data connections did not resume: they fail.
    assert_eq!(mode(&report, "epsv")["status"], "fail", "{}", run.shown);
    // curl on ftp:// never starts TLS: its plaintext transfer gets its 226.
    assert_eq!(
        client(&report, "curl")["prediction"],
        "works",
        "{}",
        run.shown
    );
    // curl --ssl-reqd resumes the session, as the server requires.
    assert_eq!(
        client(&report, "curl-ssl-reqd")["prediction"],
        "works",
        "{}",
        run.shown
    );
    // Python's FTP_TLS does not resume: the server refuses it.
    assert_eq!(
        client(&report, "ftplib-tls")["prediction"],
        "fails",
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_failure_is_not_a_tls_step_for_clients_that_never_use_tls() {
    let server = start(Scenario::Tls).await;
    // No --ca-file: the lab's private CA is not trusted.
    let run = probe_json(&server.url(), &["--clients", "curl,wget,windows-ftp"]).await;
    let report = run.json();
    for id in ["curl", "wget", "windows-ftp"] {
        let c = client(&report, id);
        assert_ne!(c["step"], "tls", "{id}: {}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filezilla_is_said_to_substitute_only_when_the_server_address_is_routable_everywhere() {
    let server = start(Scenario::PrivatePasv).await;
    let rule = "when the server's own address is routable";
    let run = probe_json(&server.url(), &["--tls", "off", "--clients", "filezilla"]).await;
    let report = run.json();
    let fz = client(&report, "filezilla");
    let reason = fz["reason"].as_str().unwrap_or_default();
    // The lab is reached at 127.0.0.1: FileZilla keeps 10.0.0.5, and says why.
    assert!(
        reason.contains("follows the PASV address 10.0.0.5")
            && reason.contains("only when the server's own address is routable")
            && reason.contains("127.0.0.1 is loopback"),
        "{}",
        run.shown
    );
    for f in report["findings"].as_array().into_iter().flatten() {
        for field in ["summary", "fix"] {
            let text = f[field].as_str().unwrap_or_default();
            if text.replace("FileZilla Server", "").contains("FileZilla") {
                assert!(text.contains(rule), "{}: {text}", f["id"]);
            }
        }
    }
    let explain = probe_as(&server.url(), "table", &["--tls", "off", "--explain"]).await;
    assert!(
        explain
            .stdout
            .contains("(FileZilla does it only when the server's own address is")
            || explain
                .stdout
                .contains("FileZilla when the server's own address is routable"),
        "{}",
        explain.shown
    );
    assert!(
        !explain.stdout.contains("as curl and FileZilla do"),
        "{}",
        explain.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn untrusted_certificate_anonymous_goes_on_with_the_modes_and_says_rejected() {
    let server = start(Scenario::Tls).await;
    // No --ca-file and no --insecure: the lab's private CA is not trusted.
    let run = probe_json(&server.url(), &[]).await;
    let report = run.json();
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(report["control"]["tls"], "explicit", "{}", run.shown);
    assert_eq!(
        report["control"]["tls_details"]["went_on_unverified"], true,
        "{}",
        run.shown
    );
    let cert = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == "tls-handshake-failed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(cert["severity"], "error", "{}", run.shown);
    assert_eq!(report["verdict"], "fail", "{}", run.shown);
    let table = probe_as(&server.url(), "table", &[]).await;
    assert!(
        table
            .stdout
            .contains("cert      REJECTED: invalid peer certificate"),
        "{}",
        table.shown
    );
    assert!(!table.stdout.contains("--insecure)"), "{}", table.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn untrusted_certificate_with_a_password_stops_before_pass_and_says_how_to_rerun() {
    let server = start(Scenario::Tls).await;
    let run = ftpdoctor(
        args(&[
            "probe",
            &server.url(),
            "--timeout",
            "1s",
            "--user",
            "student",
            "--password-env",
            "LAB_PW",
        ]),
        vec![
            ("LAB_PW", "lab-password".to_string()),
            ("COLUMNS", "100".to_string()),
        ],
    )
    .await;
    let out = &run.stdout;
    assert!(out.contains("login     not attempted"), "{}", run.shown);
    assert!(out.contains("cert      REJECTED: "), "{}", run.shown);
    assert!(!out.contains("(--insecure),"), "{}", run.shown);
    let verdict = out.split("\nverdict:").nth(1).unwrap_or_default();
    let flat = verdict.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("--ca-file FILE (or --insecure)") && flat.contains("was not sent"),
        "{}",
        run.shown
    );
    // No fallback to plaintext after the failed handshake: no USER was ever sent.
    let json = ftpdoctor(
        args(&[
            "probe",
            &server.url(),
            "--timeout",
            "1s",
            "--format",
            "json",
            "--transcript",
            "--user",
            "student",
            "--password-env",
            "LAB_PW",
        ]),
        vec![("LAB_PW", "lab-password".to_string())],
    )
    .await;
    let report = json.json();
    let sent: Vec<String> = report["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["event"] == "send")
        .map(|e| e.to_string())
        .collect();
    assert!(
        !sent
            .iter()
            .any(|s| s.contains("USER") || s.contains("PASS")),
        "{sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn passive_ports_note_only_when_a_passive_mode_failed() {
    let healthy = start(Scenario::Healthy).await;
    let run = probe_as(&healthy.url(), "table", &["--tls", "off"]).await;
    assert!(!run.stdout.contains("passive ports tried"), "{}", run.shown);
    let json = probe_json(&healthy.url(), &["--tls", "off"]).await;
    // JSON keeps the note for machines.
    assert!(
        json.json()["summary"]["notes"][0]
            .as_str()
            .is_some_and(|n| n.starts_with("passive ports tried")),
        "{}",
        json.shown
    );
    let refused = start(Scenario::PrivatePasv).await;
    let run = probe_as(&refused.url(), "table", &["--tls", "off"]).await;
    assert!(run.stdout.contains("passive ports tried"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn blocked_passive_data_gives_the_active_workaround_meanwhile() {
    let server = start(Scenario::BlockedData).await;
    let run = probe_as(&server.url(), "table", &["--tls", "off"]).await;
    let flat = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("meanwhile: EPRT and PORT work: use active mode — curl -P -")
            && flat.contains("FileZilla Transfer mode \"Active\""),
        "{}",
        run.shown
    );
    let healthy = start(Scenario::Healthy).await;
    let run = probe_as(&healthy.url(), "table", &["--tls", "off"]).await;
    assert!(!run.stdout.contains("meanwhile:"), "{}", run.shown);
}
