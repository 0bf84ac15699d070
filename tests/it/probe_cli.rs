//! Black-box: `ftpdoctor probe --format json` against every lab scenario, and the
//! safety rules (advertised addresses, passwords, deadline) seen from outside.

use crate::common;

use std::time::Duration;

use serde_json::Value;

use common::cli::{findings, ftpdoctor, mode, modes, probe_json, statuses};
use common::{ca_file, start};
use ftpdoctor::lab::{LabConfig, LabServer, Scenario};

struct Expect {
    scenario: Scenario,
    statuses: [&'static str; 4],
    findings: &'static [&'static str],
    verdict: &'static str,
    code: i32,
}

const EXPECTED: &[Expect] = &[
    Expect {
        scenario: Scenario::Healthy,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    },
    Expect {
        scenario: Scenario::PrivatePasv,
        statuses: ["ok", "fail", "ok", "ok"],
        findings: &[
            "pasv-private-address@pasv",
            "substitute-address-works@pasv",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::ZeroPasv,
        statuses: ["ok", "fail", "ok", "ok"],
        findings: &[
            "pasv-private-address@pasv",
            "substitute-address-works@pasv",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::MismatchPasv,
        statuses: ["ok", "warn", "ok", "ok"],
        findings: &[
            "pasv-address-mismatch@pasv",
            "substitute-address-works@pasv",
            "tls-unavailable@-",
        ],
        verdict: "warn",
        code: 0,
    },
    Expect {
        scenario: Scenario::BlockedData,
        statuses: ["fail", "fail", "ok", "ok"],
        findings: &[
            "data-connect-timeout@epsv",
            "data-connect-timeout@pasv",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::RefusedData,
        statuses: ["fail", "fail", "ok", "ok"],
        findings: &[
            "data-connect-refused@epsv",
            "data-connect-refused@pasv",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::NoEpsv,
        statuses: ["refused", "ok", "ok", "ok"],
        findings: &["epsv-unsupported@epsv", "tls-unavailable@-"],
        verdict: "warn",
        code: 0,
    },
    Expect {
        scenario: Scenario::PortRejected,
        statuses: ["ok", "ok", "fail", "fail"],
        findings: &[
            "port-rejected@eprt",
            "port-rejected@port",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::ActiveBlocked,
        statuses: ["ok", "ok", "fail", "fail"],
        findings: &[
            "active-connect-timeout@eprt",
            "active-connect-timeout@port",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    // A server without active mode: a missing mode, not a refused address.
    Expect {
        scenario: Scenario::NoActive,
        statuses: ["ok", "ok", "refused", "refused"],
        findings: &[
            "active-unsupported@eprt",
            "active-unsupported@port",
            "tls-unavailable@-",
        ],
        verdict: "warn",
        code: 0,
    },
    Expect {
        scenario: Scenario::GarbledPasv,
        statuses: ["ok", "fail", "ok", "ok"],
        findings: &["pasv-unparseable@pasv", "tls-unavailable@-"],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::MultilineBanner,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    },
    // FTPS: probed with the lab's CA (--ca-file).
    Expect {
        scenario: Scenario::Tls,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &[],
        verdict: "ok",
        code: 0,
    },
    Expect {
        scenario: Scenario::TlsImplicit,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &[],
        verdict: "ok",
        code: 0,
    },
    Expect {
        scenario: Scenario::TlsReuseRequired,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &[],
        verdict: "ok",
        code: 0,
    },
    Expect {
        scenario: Scenario::TlsDataDeadlock,
        statuses: ["fail", "fail", "fail", "fail"],
        findings: &[
            "data-tls-deadlock@eprt",
            "data-tls-deadlock@epsv",
            "data-tls-deadlock@pasv",
            "data-tls-deadlock@port",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::AlgRewrite,
        statuses: ["ok", "fail", "fail", "fail"],
        findings: &[
            "alg-rewrite@eprt",
            "alg-rewrite@pasv",
            "alg-rewrite@port",
            "client-behind-nat@-",
            "pasv-private-address@pasv",
            "port-rejected@eprt",
            "port-rejected@port",
            "substitute-address-works@pasv",
        ],
        verdict: "fail",
        code: 1,
    },
    Expect {
        scenario: Scenario::TlsRequired,
        statuses: ["ok", "ok", "ok", "ok"],
        // The modes work over TLS; clients that log in in plaintext fail (issue 20, 6).
        findings: &["plaintext-login-refused@-"],
        verdict: "warn",
        code: 0,
    }, // A single request per passive mode gets one of the range's first, open ports; the
    // filtered end shows only with --sample-ports (tests/probe_fleet.rs).
    Expect {
        scenario: Scenario::PartialRange,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    }, // Each passive mode's first data connection reaches its session's backend, its second
    // the other one, which refuses it: the first was luck.
    Expect {
        scenario: Scenario::LbSplit,
        statuses: ["fail", "fail", "ok", "ok"],
        findings: &[
            "data-connect-refused@epsv",
            "data-connect-refused@pasv",
            "lb-no-affinity@-",
            "tls-unavailable@-",
        ],
        verdict: "fail",
        code: 1,
    },
    // The listing passes in every mode; the full-size packet check does not.
    Expect {
        scenario: Scenario::MtuBlackhole,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["mtu-blackhole@-", "tls-unavailable@-"],
        verdict: "fail",
        code: 1,
    },
    // Without --idle nothing stays idle long enough to be forgotten.
    Expect {
        scenario: Scenario::IdleTimeout,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    },
    Expect {
        scenario: Scenario::IdleReset,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    },
    // Without --upload nothing is written.
    Expect {
        scenario: Scenario::Writable,
        statuses: ["ok", "ok", "ok", "ok"],
        findings: &["tls-unavailable@-"],
        verdict: "ok",
        code: 0,
    },
];

#[test]
fn every_scenario_has_an_expectation() {
    for scenario in Scenario::ALL {
        assert!(
            EXPECTED.iter().any(|e| e.scenario == scenario),
            "{scenario} has no expected report"
        );
    }
}

async fn check(expect: &Expect) {
    let server = start(expect.scenario).await;
    let ca = ca_file(&server);
    let extra: Vec<&str> = match &ca {
        Some(path) => vec!["--ca-file", path.to_str().unwrap_or_default()],
        None => Vec::new(),
    };
    let run = probe_json(&server.url(), &extra).await;
    let report = run.json();
    let want: Vec<String> = ["epsv", "pasv", "eprt", "port"]
        .iter()
        .zip(expect.statuses)
        .map(|(m, s)| format!("{m}={s}"))
        .collect();
    assert_eq!(statuses(&report), want, "{}", run.shown);
    assert_eq!(findings(&report), expect.findings, "{}", run.shown);
    assert_eq!(report["verdict"], expect.verdict, "{}", run.shown);
    assert_eq!(report["schema"], "ftpdoctor.report/v1", "{}", run.shown);
    assert_eq!(run.code, expect.code, "{}", run.shown);
    // Every mode that worked moved real bytes and read the 226.
    for m in modes(&report).iter().filter(|m| m["status"] == "ok") {
        assert_eq!(m["transfer"]["outcome"], "ok", "{}", run.shown);
        assert!(
            m["transfer"]["bytes"].as_u64().unwrap_or(0) > 0,
            "{}",
            run.shown
        );
        assert_eq!(m["transfer"]["final_reply"]["code"], 226, "{}", run.shown);
    }
}

macro_rules! scenario_tests {
    ($($name:ident => $scenario:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            let expect = EXPECTED
                .iter()
                .find(|e| e.scenario == $scenario)
                .unwrap_or_else(|| panic!("no expectation for {}", $scenario));
            check(expect).await;
        }
    )*};
}

scenario_tests! {
    healthy_server_passes_every_mode => Scenario::Healthy;
    private_pasv_address_fails_pasv_but_substitute_works => Scenario::PrivatePasv;
    zero_pasv_address_is_a_private_address_error => Scenario::ZeroPasv;
    foreign_public_pasv_address_is_a_mismatch_warning => Scenario::MismatchPasv;
    blackholed_passive_ports_time_out => Scenario::BlockedData;
    closed_passive_ports_are_refused => Scenario::RefusedData;
    epsv_502_is_refused_with_a_warning_only => Scenario::NoEpsv;
    port_500_is_port_rejected => Scenario::PortRejected;
    server_that_never_connects_back => Scenario::ActiveBlocked;
    port_502_not_implemented_is_active_unsupported_not_port_rejected => Scenario::NoActive;
    unparseable_227_is_reported_with_the_reply => Scenario::GarbledPasv;
    six_line_banner_and_125_are_fine => Scenario::MultilineBanner;
    explicit_ftps_with_private_data_connections => Scenario::Tls;
    implicit_ftps_from_the_first_byte => Scenario::TlsImplicit;
    data_connections_resume_the_control_session => Scenario::TlsReuseRequired;
    alg_rewriting_only_the_plaintext_227 => Scenario::AlgRewrite;
    server_requiring_tls_is_probed_over_tls => Scenario::TlsRequired;
    server_waiting_for_the_data_handshake_before_its_150 => Scenario::TlsDataDeadlock;
    listing_passes_but_full_size_packets_vanish => Scenario::MtuBlackhole;
    idle_timeout_path_is_healthy_without_idle => Scenario::IdleTimeout;
    idle_reset_path_is_healthy_without_idle => Scenario::IdleReset;
    writable_server_is_not_written_without_upload => Scenario::Writable;
}

#[tokio::test(flavor = "multi_thread")]
async fn private_pasv_address_is_reported_with_its_class_and_never_dialled() {
    let server = start(Scenario::PrivatePasv).await;
    let run = probe_json(&server.url(), &["--modes", "pasv"]).await;
    let pasv = mode(&run.json(), "pasv");
    assert_eq!(pasv["advertised"]["ip"], "10.0.0.5", "{}", run.shown);
    assert_eq!(pasv["advertised"]["class"], "private", "{}", run.shown);
    let dials = pasv["dials"].as_array().cloned().unwrap_or_default();
    assert_eq!(dials.len(), 2, "{}", run.shown);
    assert_eq!(dials[0]["outcome"], "skipped-policy", "{}", run.shown);
    assert!(
        dials[0]["addr"]
            .as_str()
            .unwrap_or("")
            .starts_with("10.0.0.5:")
    );
    assert_eq!(dials[1]["why"], "control-peer-substitute", "{}", run.shown);
    assert_eq!(dials[1]["outcome"], "connected", "{}", run.shown);
}

async fn start_advertising(ip: [u8; 4]) -> LabServer {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.pasv_address = Some(ip.into());
    LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn advertised_address_other_than_the_peer_is_not_dialled_by_default() {
    let server = start_advertising([127, 0, 0, 2]).await;
    let run = probe_json(&server.url(), &["--modes", "pasv"]).await;
    let pasv = mode(&run.json(), "pasv");
    assert_eq!(server.advertised_accepts(), 0, "{}", run.shown);
    assert_eq!(
        pasv["dials"][0]["outcome"], "skipped-policy",
        "{}",
        run.shown
    );
    assert_eq!(pasv["dials"][1]["outcome"], "connected", "{}", run.shown);
    assert_eq!(pasv["transfer"]["outcome"], "ok", "{}", run.shown);
    assert_eq!(
        findings(&run.json()),
        [
            "pasv-address-mismatch@pasv",
            "substitute-address-works@pasv",
            "tls-unavailable@-"
        ],
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_advertised_dials_the_advertised_address() {
    let server = start_advertising([127, 0, 0, 2]).await;
    let run = probe_json(&server.url(), &["--modes", "pasv", "--follow-advertised"]).await;
    let pasv = mode(&run.json(), "pasv");
    // The mode's data connection and its second one (a passive mode that worked makes two).
    assert_eq!(server.advertised_accepts(), 2, "{}", run.shown);
    assert_eq!(pasv["dials"][0]["why"], "advertised", "{}", run.shown);
    assert!(
        pasv["dials"][0]["addr"]
            .as_str()
            .unwrap_or("")
            .starts_with("127.0.0.2:")
    );
    assert_eq!(pasv["dials"][0]["outcome"], "connected", "{}", run.shown);
    assert_eq!(pasv["transfer"]["outcome"], "ok", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_advertised_still_refuses_to_dial_0_0_0_0() {
    let server = start(Scenario::ZeroPasv).await;
    let run = probe_json(&server.url(), &["--modes", "pasv", "--follow-advertised"]).await;
    let pasv = mode(&run.json(), "pasv");
    assert_eq!(
        pasv["dials"][0]["outcome"], "skipped-policy",
        "{}",
        run.shown
    );
    assert_eq!(
        pasv["dials"][1]["why"], "control-peer-substitute",
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deadline_shorter_than_timeout_keeps_data_connect_timeout() {
    let server = start(Scenario::BlockedData).await;
    let run = probe_json(&server.url(), &["--timeout", "10s", "--deadline", "2s"]).await;
    let report = run.json();
    assert_eq!(report["deadline_hit"], true, "{}", run.shown);
    // Each dial went unanswered for most of 2 s before the deadline cut it: that silence
    // is the firewall's finding, with its fix, not "raise --deadline".
    assert_eq!(
        findings(&report),
        [
            "data-connect-timeout@epsv",
            "data-connect-timeout@pasv",
            "tls-unavailable@-"
        ],
        "{}",
        run.shown
    );
    assert_eq!(
        report["summary"]["root_cause"]["id"], "data-connect-timeout",
        "{}",
        run.shown
    );
    assert!(
        run.stderr
            .contains("warning: --deadline 2.0 s is shorter than --timeout 10.0 s"),
        "{}",
        run.shown
    );
    assert_eq!(
        mode(&report, "pasv")["interrupted"],
        "data-connect",
        "{}",
        run.shown
    );
    assert_eq!(mode(&report, "port")["status"], "ok", "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
    // Generous against a loaded machine; without the deadline this takes 10 s.
    assert!(run.elapsed < Duration::from_secs(5), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_refusing_extra_connections_gets_the_modes_in_turn() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.max_sessions = 1;
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let run = probe_json(&server.url(), &[]).await;
    let report = run.json();
    assert_eq!(report["strategy"], "sequential-fallback", "{}", run.shown);
    assert_eq!(report["fallback_reply"]["code"], 421, "{}", run.shown);
    assert_eq!(
        findings(&report),
        ["connection-limit@-", "tls-unavailable@-"],
        "{}",
        run.shown
    );
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn sequential_runs_every_mode_on_one_connection() {
    let server = start(Scenario::ActiveBlocked).await;
    let run = probe_json(&server.url(), &["--sequential"]).await;
    let report = run.json();
    assert_eq!(report["strategy"], "sequential", "{}", run.shown);
    // The abandoned LIST of EPRT must not leave PORT reading EPRT's late 425.
    assert_eq!(
        statuses(&report),
        ["epsv=ok", "pasv=ok", "eprt=fail", "port=fail"],
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn file_path_is_fetched_with_retr_and_every_byte_counted() {
    let server = start(Scenario::Healthy).await;
    let url = format!("{}pub/1MiB.bin", server.url());
    let run = probe_json(&url, &[]).await;
    for m in modes(&run.json()) {
        assert_eq!(
            m["transfer"]["command"], "RETR pub/1MiB.bin",
            "{}",
            run.shown
        );
        assert_eq!(m["transfer"]["bytes"], 1 << 20, "{}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_warn_turns_a_warning_into_exit_1() {
    let server = start(Scenario::NoEpsv).await;
    assert_eq!(probe_json(&server.url(), &[]).await.code, 0);
    let run = probe_json(&server.url(), &["--fail-on", "warn"]).await;
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn several_targets_give_an_array_and_jsonl_one_line_each() {
    let a = start(Scenario::Healthy).await;
    let b = start(Scenario::NoEpsv).await;
    let run = probe_json(&a.url(), &[&b.url()]).await;
    assert_eq!(
        run.json().as_array().map(Vec::len),
        Some(2),
        "{}",
        run.shown
    );
    let args = ["probe", &a.url(), &b.url(), "--format", "jsonl"]
        .map(String::from)
        .to_vec();
    let run = ftpdoctor(args, Vec::new()).await;
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.shown);
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["schema"], "ftpdoctor.report/v1");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_connects_back_during_port_like_pyftpdlib() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.connect_during_port = true;
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let run = probe_json(&server.url(), &["--modes", "eprt,port"]).await;
    let report = run.json();
    for name in ["eprt", "port"] {
        let m = mode(&report, name);
        assert_eq!(
            m["reply"]["text"], "Active data connection established.",
            "{}",
            run.shown
        );
        assert_eq!(m["accept"]["during_request"], true, "{}", run.shown);
        assert_eq!(m["status"], "ok", "{}", run.shown);
        assert_eq!(m["transfer"]["final_reply"]["code"], 226, "{}", run.shown);
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn deadline_in_turn_skips_the_modes_it_never_reached() {
    let server = start(Scenario::BlockedData).await;
    let run = probe_json(
        &server.url(),
        // Shorter than a second: the dial the deadline cuts has not been silent for 1 s,
        // but for most of the deadline, which under a deadline this short is the evidence.
        &["--sequential", "--timeout", "10s", "--deadline", "600ms"],
    )
    .await;
    let report = run.json();
    assert_eq!(
        statuses(&report),
        ["epsv=fail", "pasv=skipped", "eprt=skipped", "port=skipped"],
        "{}",
        run.shown
    );
    let epsv = mode(&report, "epsv");
    assert_eq!(epsv["interrupted"], "data-connect", "{}", run.shown);
    // The dial in flight when the deadline struck is still in the record.
    assert_eq!(
        epsv["dials"].as_array().map(Vec::len),
        Some(1),
        "{}",
        run.shown
    );
    // The dial's silence is EPSV's finding, and one deadline-exceeded for the modes the
    // deadline left untried.
    assert_eq!(
        findings(&report),
        [
            "data-connect-timeout@epsv",
            "deadline-exceeded@-",
            "tls-unavailable@-"
        ],
        "{}",
        run.shown
    );
    assert_eq!(
        mode(&report, "pasv")["skipped"],
        "the deadline struck before this mode was tried"
    );
    // The cut-short dial reports the time it ran, not zero, and who cut it.
    assert!(
        epsv["dials"][0]["ms"].as_f64().unwrap_or(0.0) > 500.0,
        "{}",
        run.shown
    );
    assert_eq!(epsv["dials"][0]["cut_by"], "deadline", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_stdout_still_exits_1_on_findings() {
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let code = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ftpdoctor"))
            .args(["probe", &url, "--timeout", "2s"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning: {e}"));
        // The reader goes away before a byte is written, as `| head -0` would.
        drop(child.stdout.take());
        child.wait().map(|s| s.code())
    })
    .await;
    assert!(matches!(code, Ok(Ok(Some(1)))), "{code:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_file_is_one_path_not_found_not_a_firewall() {
    // The lab, like vsftpd, answers 550 before connecting back in active mode.
    let server = start(Scenario::Healthy).await;
    let url = format!("{}pub/nope.txt", server.url());
    let run = probe_json(&url, &[]).await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        ["path-not-found@-", "tls-unavailable@-"],
        "{}",
        run.shown
    );
    for m in modes(&report) {
        assert_eq!(m["transfer"]["final_reply"]["code"], 550, "{}", run.shown);
    }
    assert_eq!(
        mode(&report, "port")["accept"],
        Value::Null,
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_never_answers_feat_is_still_probed() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.unanswered = vec!["FEAT"];
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("starting the lab: {e}"));
    let file = format!("{}pub/readme.txt", server.url());
    for extra in [&[][..], &["--sequential"][..]] {
        let run = probe_json(&file, extra).await;
        let report = run.json();
        assert_eq!(
            statuses(&report),
            ["epsv=ok", "pasv=ok", "eprt=ok", "port=ok"],
            "{}",
            run.shown
        );
        assert!(
            report["control"]["features_error"].is_string(),
            "{}",
            run.shown
        );
        assert_eq!(run.code, 0, "{}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn active_addr_other_than_what_the_server_sees_is_port_rejected() {
    // The lab, like vsftpd with port_promiscuous=NO, connects back only to the address
    // the control connection comes from: a NATed client's private address in PORT.
    let server = start(Scenario::Healthy).await;
    let run = probe_json(
        &server.url(),
        &["--modes", "eprt,port", "--active-addr", "127.0.0.2"],
    )
    .await;
    let report = run.json();
    assert_eq!(
        findings(&report),
        [
            "port-rejected@eprt",
            "port-rejected@port",
            "tls-unavailable@-"
        ],
        "{}",
        run.shown
    );
    assert!(
        mode(&report, "port")["request"]
            .as_str()
            .unwrap_or("")
            .starts_with("PORT 127,0,0,2,"),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_waives_a_known_finding_for_the_exit_code_and_says_so() {
    let server = start(Scenario::PrivatePasv).await;
    let url = server.url();
    let run = probe_json(
        &url,
        &["--tls", "off", "--allow", "pasv-private-address@pasv"],
    )
    .await;
    let report = run.json();
    assert_eq!(run.code, 0, "{}", run.shown);
    // Still reported, and still the verdict: only the exit code looks past it.
    assert_eq!(report["verdict"], "fail", "{}", run.shown);
    assert!(
        findings(&report).contains(&"pasv-private-address@pasv".to_string()),
        "{}",
        run.shown
    );
    assert_eq!(
        report["waived"][0]["id"], "pasv-private-address",
        "{}",
        run.shown
    );
    assert_eq!(report["waived"][0]["mode"], "pasv", "{}", run.shown);
    assert_eq!(
        report["waived"][0]["allowed_by"], "pasv-private-address@pasv",
        "{}",
        run.shown
    );

    // Another mode's waiver waives nothing here.
    let run = probe_json(
        &url,
        &["--tls", "off", "--allow", "pasv-private-address@eprt"],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.shown);
    assert!(run.json().get("waived").is_none(), "{}", run.shown);

    // A file of them, with comments; the table says what was waived.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("allow-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        "# known: the lab's NAT\npasv-private-address  # ticket 12\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let args = [
        "probe",
        &url,
        "--tls",
        "off",
        "--timeout",
        "1s",
        "--allow-file",
        &file.display().to_string(),
    ];
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        run.stdout
            .contains("allow: pasv-private-address (pasv) waived: not counted for the exit code"),
        "{}",
        run.shown
    );

    // A typo is refused with its line, not silently waiving nothing.
    std::fs::write(&file, "\npasv-private-adress\n").unwrap_or_else(|e| panic!("{e}"));
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr
            .contains("line 2: \"pasv-private-adress\" is no finding id"),
        "{}",
        run.shown
    );
}
