//! Black-box: `ftpdoctor demo` starts every scenario and shows what a client sees.

use std::process::Command;

use ftpdoctor::lab::Scenario;

/// The section of the demo's output for one scenario.
fn section(stdout: &str, scenario: Scenario) -> &str {
    let heading = format!("== {}: ", scenario.name());
    let start = stdout
        .find(&heading)
        .unwrap_or_else(|| panic!("no section for {scenario}:\n{stdout}"));
    let rest = &stdout[start..];
    let end = rest[1..].find("\n== ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn demo_shows_each_scenario_misbehaving_as_described() {
    let output = Command::new(env!("CARGO_BIN_EXE_ftpdoctor"))
        // The default step timeout: long enough that loopback never misses it.
        .arg("demo")
        .output()
        .unwrap_or_else(|e| panic!("running ftpdoctor demo: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "status {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );

    // What must show in each section: the quirk the scenario is about.
    let expectations: &[(Scenario, &[&str])] = &[
        (
            Scenario::Healthy,
            &[
                "EPSV   229 ",
                "PASV   227 Entering Passive Mode (127,0,0,1,",
                "226 Directory send OK. (5 bytes)",
                "server connected back from 127.0.0.1:",
            ],
        ),
        (
            Scenario::PrivatePasv,
            &[
                "(10,0,0,5,",
                "advertised 10.0.0.5:",
                "is not the control peer: not dialled",
            ],
        ),
        (Scenario::ZeroPasv, &["(0,0,0,0,", "advertised 0.0.0.0:"]),
        (
            Scenario::MismatchPasv,
            &["(198,51,100,7,", "advertised 198.51.100.7:"],
        ),
        (Scenario::BlockedData, &[": timeout in "]),
        (Scenario::RefusedData, &[": refused in "]),
        (Scenario::NoEpsv, &["EPSV   502 Command not implemented."]),
        (
            Scenario::PortRejected,
            &[
                "EPRT   500 Illegal EPRT command.",
                "PORT   500 Illegal PORT command.",
            ],
        ),
        (
            Scenario::ActiveBlocked,
            &[
                "server never connected back",
                "NLST   425 Failed to establish connection.",
            ],
        ),
        (
            Scenario::GarbledPasv,
            &["(ftp,example,com,1,2)", "no usable address"],
        ),
        (
            Scenario::MultilineBanner,
            &[
                "Welcome to Pure-FTPd",
                "(+5 more lines)",
                "USER   230 Anonymous user logged in",
                "NLST: 125 ",
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
    }
    // Only the scenarios that break the data ports show dial failures.
    for scenario in [
        Scenario::Healthy,
        Scenario::PrivatePasv,
        Scenario::MultilineBanner,
    ] {
        let text = section(&stdout, scenario);
        assert!(
            !text.contains("timeout in") && !text.contains("refused in"),
            "{scenario}:\n{text}"
        );
    }
}
