//! Black-box: `ftpdoctor demo` probes every scenario and prints a report for each.

use std::process::Command;
use std::time::{Duration, Instant};

use ftpdoctor::lab::Scenario;

/// The section of the demo's output for one scenario.
fn section(stdout: &str, scenario: Scenario) -> &str {
    let heading = format!("== {}\n", scenario.name());
    let start = stdout
        .find(&heading)
        .unwrap_or_else(|| panic!("no section for {scenario}:\n{stdout}"));
    let rest = &stdout[start..];
    let end = rest[1..].find("\n== ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn demo_probes_every_scenario_and_names_what_is_wrong() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_ftpdoctor"))
        .arg("demo")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("running ftpdoctor demo: {e}"));
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!(
        "status {} after {elapsed:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    // The findings are the point of the demo, not a failure.
    assert!(output.status.success(), "{shown}");
    // Every wait in the demo is bounded by its 1 s step timeout and 5 s deadline; this
    // bound catches a hang, not a slow machine.
    assert!(elapsed < Duration::from_secs(15), "{shown}");
    assert!(!stdout.contains('\x1b'), "colour in a pipe:\n{shown}");

    // What each section must name: the finding the scenario exists to show.
    let expectations: &[(Scenario, &[&str])] = &[
        (Scenario::Healthy, &["verdict: ok"]),
        (
            Scenario::PrivatePasv,
            &[
                "pasv-private-address",
                "substitute-address-works",
                "10.0.0.5",
            ],
        ),
        (Scenario::ZeroPasv, &["pasv-private-address", "0.0.0.0"]),
        (
            Scenario::MismatchPasv,
            &["pasv-address-mismatch", "198.51.100.7"],
        ),
        (Scenario::BlockedData, &["data-connect-timeout"]),
        (Scenario::RefusedData, &["data-connect-refused"]),
        (Scenario::NoEpsv, &["epsv-unsupported", "verdict: warn"]),
        (
            Scenario::PortRejected,
            &["port-rejected", "500 Illegal PORT command."],
        ),
        (Scenario::ActiveBlocked, &["active-connect-timeout"]),
        (
            Scenario::NoActive,
            &["active-unsupported", "502 Command not implemented."],
        ),
        (
            Scenario::GarbledPasv,
            &["pasv-unparseable", "(ftp,example,com,1,2)"],
        ),
        (
            Scenario::MultilineBanner,
            &["Welcome to Pure-FTPd", "verdict: ok"],
        ),
        (
            Scenario::Tls,
            &[
                "explicit (AUTH TLS), TLSv1.3",
                "data private",
                "CN=ftpdoctor lab server",
                "resumed",
                "verdict: ok",
            ],
        ),
        (
            Scenario::TlsImplicit,
            &["tls       implicit", "verdict: ok"],
        ),
        (Scenario::TlsReuseRequired, &["verdict: ok"]),
        (
            Scenario::AlgRewrite,
            &[
                "alg-rewrite",
                "10.77.0.2",
                "client-behind-nat",
                "198.51.100.20",
            ],
        ),
        (
            Scenario::TlsDataDeadlock,
            &["data-tls-deadlock", "FileZilla", "verdict: fail"],
        ),
        (Scenario::TlsRequired, &["verdict: ok"]),
        (
            Scenario::PartialRange,
            &[
                "passive-ports-filtered",
                "7 of 10 sampled ports reachable",
                "filtered",
                "refused",
            ],
        ),
    ];
    assert_eq!(expectations.len(), Scenario::ALL.len());
    for (scenario, wanted) in expectations {
        let text = section(&stdout, *scenario);
        for want in *wanted {
            assert!(
                text.contains(want),
                "{scenario}: missing {want:?} in\n{text}"
            );
        }
        // Every line fits the 100 columns the table promises.
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{scenario}: too wide: {line}");
        }
    }
}
