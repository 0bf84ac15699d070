//! Black-box: `--format nagios` and `--format junit` against the lab and against every
//! fault of the fault lab (hostile replies: NUL, ESC, invalid UTF-8, `|`, `<`, quotes,
//! endless lines). Whatever the server sends, the Nagios output stays one status line
//! with one `|` plus detail lines, the JUnit output stays XML a parser accepts, and the
//! JSON report stays JSON that carries the server's text as strings.
//! CI also reads the JUnit files with junitparser (.ci/stage-junit.sh).

use crate::common;

use common::cli::{Run, ftpdoctor};
use ftpdoctor::lab::{Fault, FaultServer, Scenario};

/// Faults probed at once: each run is a process with a 2 s deadline.
const AT_ONCE: usize = 6;

async fn probe(url: &str, format: &str, modes: &str) -> Run {
    let args = [
        "probe",
        url,
        "--format",
        format,
        "--modes",
        modes,
        "--timeout",
        "1s",
        "--deadline",
        "2s",
        "--tls",
        "off",
    ];
    ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await
}

/// Probes every fault in `format`, a few at once, and hands each run to `check`.
async fn every_fault(format: &'static str, check: fn(Fault, &Run)) {
    for chunk in Fault::ALL.chunks(AT_ONCE) {
        let mut running = tokio::task::JoinSet::new();
        for &fault in chunk {
            running.spawn(async move {
                let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
                let server = FaultServer::start(fault, listen)
                    .await
                    .unwrap_or_else(|e| panic!("starting {fault}: {e}"));
                let run = probe(&server.url(), format, "epsv,pasv").await;
                server.shutdown().await;
                (fault, run)
            });
        }
        for (fault, run) in running.join_all().await {
            check(fault, &run);
        }
    }
}

/// The plugin-output contract: a status line `FTP STATE - text | perfdata` whose state
/// matches the exit code, exactly one `|` in the whole output, no control character, and
/// after it only mode lines and finding lines.
fn check_nagios(what: &str, run: &Run) {
    let mut lines = run.stdout.lines();
    let first = lines.next().unwrap_or_default();
    let state = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
        .iter()
        .position(|s| first.starts_with(&format!("FTP {s} - ")))
        .unwrap_or_else(|| panic!("{what}: status line {first:?}\n{}", run.shown));
    assert_eq!(run.code, state as i32, "{what}: exit code\n{}", run.shown);
    assert_eq!(run.stdout.matches('|').count(), 1, "{what}:\n{}", run.shown);
    assert!(
        !run.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: control character:\n{}",
        run.shown
    );
    for line in lines {
        let mode_line = ["epsv: ", "pasv: ", "eprt: ", "port: "]
            .iter()
            .any(|m| line.starts_with(m));
        let finding_line = ["[INFO] ", "[WARNING] ", "[CRITICAL] "]
            .iter()
            .any(|s| line.starts_with(s));
        assert!(
            mode_line || finding_line,
            "{what}: stray line {line:?}\n{}",
            run.shown
        );
    }
}

#[tokio::test]
async fn nagios_output_survives_every_fault_of_the_fault_lab() {
    every_fault("nagios", |fault, run| {
        check_nagios(fault.name(), run);
        // Faults that break the conversation are CRITICAL (endless-data and trickle-data
        // only meet the probe's read cap, and nul-utf8 only garbles text).
        if [
            Fault::SilentBanner,
            Fault::All421,
            Fault::RstAfter227,
            Fault::No226,
        ]
        .contains(&fault)
        {
            assert_eq!(run.code, 2, "{fault}:\n{}", run.shown);
        }
    })
    .await;
}

#[tokio::test]
async fn junit_output_parses_for_every_fault_of_the_fault_lab() {
    every_fault("junit", |fault, run| {
        let doc = roxmltree::Document::parse(&run.stdout)
            .unwrap_or_else(|e| panic!("{fault}: not XML: {e}\n{}", run.shown));
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        // Modes not selected are there too, as skipped cases.
        assert_eq!(
            names,
            ["control", "epsv", "pasv", "eprt", "port"],
            "{fault}:\n{}",
            run.shown
        );
        if fault == Fault::NulUtf8 {
            // The banner's NUL and ESC, which XML cannot carry, are spelled out.
            let out = doc
                .descendants()
                .find(|n| n.has_tag_name("system-out"))
                .and_then(|n| n.text())
                .unwrap_or_default();
            assert!(
                out.contains("\\u{0}") && out.contains("\\u{1b}[2J"),
                "{out:?}"
            );
        }
        // JUnit output keeps the usual exit codes (0/1/2).
        assert!(run.code == 0 || run.code == 1, "{fault}:\n{}", run.shown);
    })
    .await;
}

#[tokio::test]
async fn json_report_stays_valid_json_for_every_fault_of_the_fault_lab() {
    every_fault("json", |fault, run| {
        // One JSON document and nothing after it (a raw line break from a reply would
        // end the string; a raw control byte is invalid JSON).
        let report: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{fault}: not one JSON document: {e}\n{}", run.shown));
        assert_eq!(
            report["schema"], "ftpdoctor.report/v1",
            "{fault}:\n{}",
            run.shown
        );
        assert!(
            !run.stdout.chars().any(|c| c.is_control() && c != '\n'),
            "{fault}: raw control character in the JSON text:\n{}",
            run.shown
        );
        let modes: Vec<&str> = report["modes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["mode"].as_str())
            .collect();
        assert!(
            modes.contains(&"epsv") && modes.contains(&"pasv"),
            "{fault}: modes {modes:?}\n{}",
            run.shown
        );
        if fault == Fault::NulUtf8 {
            // The banner's NUL and ESC arrive as characters of a string, not raw bytes.
            let banner = report["control"]["banner"].to_string();
            assert!(
                banner.contains("\\u0000") || banner.contains("\\u{0}"),
                "{fault}: banner {banner}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn nagios_states_follow_the_lab_scenarios() {
    for (scenario, expected) in [
        (Scenario::Healthy, 0),
        (Scenario::NoEpsv, 1),
        (Scenario::BlockedData, 2),
    ] {
        let server = common::start(scenario).await;
        let run = probe(&server.url(), "nagios", "epsv,pasv,eprt,port").await;
        check_nagios(scenario.name(), &run);
        assert_eq!(run.code, expected, "{scenario}:\n{}", run.shown);
        let perf = run.stdout.lines().next().unwrap_or_default();
        for mode in ["epsv", "pasv", "eprt", "port"] {
            assert!(perf.contains(&format!("'{mode}'=")), "{perf}");
        }
    }
}

#[tokio::test]
async fn unreachable_server_is_critical_not_unknown() {
    // A port the kernel just handed out and that nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let run = probe(&format!("ftp://127.0.0.1:{port}/"), "nagios", "epsv").await;
    check_nagios("unreachable", &run);
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stdout.contains("control-unreachable"), "{}", run.shown);
}

#[tokio::test]
async fn ftpdoctor_that_cannot_run_is_unknown_exit_3_only_for_nagios() {
    let cases: [&[&str]; 3] = [
        &[
            "probe",
            "--format",
            "nagios",
            "--no-such-flag",
            "ftp://127.0.0.1/",
        ],
        &[
            "probe",
            "--format=nagios",
            "--targets-file",
            "/nonexistent/ftpdoctor-targets",
        ],
        &[
            "probe",
            "--format",
            "nagios",
            "--modes",
            "bogus",
            "ftp://127.0.0.1/",
        ],
    ];
    for args in cases {
        let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
        assert_eq!(run.code, 3, "{}", run.shown);
        assert!(run.stdout.starts_with("FTP UNKNOWN - "), "{}", run.shown);
        assert_eq!(run.stdout.lines().count(), 1, "{}", run.shown);
    }
    let json = [
        "probe",
        "--format",
        "json",
        "--no-such-flag",
        "ftp://127.0.0.1/",
    ];
    let run = ftpdoctor(json.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert_eq!(run.code, 2, "{}", run.shown);
}
