//! Black-box: `ftpdoctor demo` probes every scenario and prints a report for each.

use crate::common::bin::Ftpdoctor;
use std::time::Duration;

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
    let run = Ftpdoctor::new(&["demo"]).env("NO_COLOR", "1").run();
    let (elapsed, stdout, shown) = (run.elapsed, run.stdout.as_str(), &run.shown);
    // The findings are the point of the demo, not a failure.
    assert_eq!(run.code, 0, "{shown}");
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
            &[
                "Welcome to Pure-FTPd",
                "verdict: ok",
                "-- the lesson: a client that reads one line per reply",
                "\"220-You are user number 1 of 50 allowed.\"\n   as the answer to USER",
            ],
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
        (
            Scenario::TlsReuseRequired,
            &[
                "verdict: ok",
                "(probe --no-tls-reuse) meets:",
                "522 SSL connection failed: session reuse required",
                "verdict: fail",
            ],
        ),
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
        (
            Scenario::TlsRequired,
            &[
                "verdict: warn",
                "plaintext-login-refused",
                "a client that logs in in plaintext (probe --tls off) meets:",
                "fix:   use FTPS",
                "530 Anonymous sessions must use encryption.",
                "login-failed",
            ],
        ),
        (
            Scenario::PartialRange,
            &[
                "passive-ports-filtered",
                "7 of 10 sampled ports reachable",
                "filtered",
                "refused",
            ],
        ),
        (
            Scenario::MtuBlackhole,
            &[
                "mtu-blackhole",
                "MTU black hole: RETR pub/1MiB.bin",
                "verdict: fail",
            ],
        ),
        (Scenario::IdleTimeout, &["verdict: ok"]),
        (Scenario::IdleReset, &["verdict: ok"]),
        (Scenario::Writable, &["verdict: ok"]),
        (
            Scenario::LbSplit,
            &[
                "lb-no-affinity",
                "ftpdoctor lab backend B ready.",
                "so the first was luck",
                "verdict: fail",
            ],
        ),
    ];
    assert_eq!(expectations.len(), Scenario::ALL.len());
    for (scenario, wanted) in expectations {
        let text = section(stdout, *scenario);
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

/// Runs `ftpdoctor demo ARGS` piped and returns stdout, asserting exit 0.
fn demo(args: &[&str]) -> String {
    let run = Ftpdoctor::new(&["demo"])
        .args(args)
        .env("NO_COLOR", "1")
        .run();
    assert_eq!(run.code, 0, "{}", run.shown);
    run.stdout
}

#[test]
fn demo_scenario_shows_only_the_named_scenarios_in_the_order_given() {
    let stdout = demo(&[
        "--scenario",
        "no-epsv,healthy",
        "--scenario",
        "blocked-data",
    ]);
    let headings: Vec<&str> = stdout.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        headings,
        ["== no-epsv", "== healthy", "== blocked-data"],
        "{stdout}"
    );
    assert!(section(&stdout, Scenario::NoEpsv).contains("epsv-unsupported"));
}

#[test]
fn demo_unknown_scenario_is_exit_2_naming_it() {
    let run = Ftpdoctor::new(&["demo", "--scenario", "no-such-thing"]).run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("no-such-thing"), "{}", run.shown);
}

#[test]
fn demo_speaks_every_probe_format_with_one_report_per_scenario() {
    let scenarios = "healthy,refused-data";
    let json = demo(&["--scenario", scenarios, "--format", "json"]);
    let parsed: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let reports = parsed
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {json}"));
    assert_eq!(reports.len(), 2, "{json}");
    assert!(json.contains("data-connect-refused"), "{json}");
    let jsonl = demo(&["--scenario", scenarios, "--format", "jsonl"]);
    assert_eq!(jsonl.lines().count(), 2, "{jsonl}");
    for line in jsonl.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let nagios = demo(&["--scenario", scenarios, "--format", "nagios"]);
    assert!(nagios.starts_with("FTP CRITICAL"), "{nagios}");
    let junit = demo(&["--scenario", scenarios, "--format", "junit"]);
    let doc = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{e}: {junit}"));
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .count(),
        2,
        "{junit}"
    );
    let html = demo(&["--scenario", scenarios, "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("data-connect-refused"));
    let mermaid = demo(&["--scenario", scenarios, "--format", "mermaid"]);
    assert!(mermaid.contains("sequenceDiagram"), "{mermaid}");
    // The machine formats carry no headings or lessons of the table's.
    for text in [&json, &jsonl, &nagios, &junit, &html, &mermaid] {
        assert!(!text.contains("== healthy") && !text.contains("-- the lesson"));
    }
}
