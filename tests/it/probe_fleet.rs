//! Black-box: fleets of targets (--targets-file, several TARGETs, --concurrency, the
//! summary table, jsonl streaming) and the passive port range (--sample-ports).

use crate::common;

use std::io::Write as _;

use common::cli::{findings, ftpdoctor, probe_json};
use common::start;
use ftpdoctor::lab::{RANGE_LEN, Scenario};

/// The arguments, plus `--tls off` for probes: the lab's scenarios here offer no TLS,
/// and tls-unavailable is not what these tests pin.
fn args(list: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = list.iter().map(ToString::to_string).collect();
    if list.first() == Some(&"probe") && !list.contains(&"--tls") {
        all.extend(["--tls".to_string(), "off".to_string()]);
    }
    all
}

fn targets_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{name}-{}.txt", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    file.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn targets_file_and_arguments_end_in_a_summary_table() {
    let healthy = start(Scenario::Healthy).await;
    let refused = start(Scenario::RefusedData).await;
    let file = targets_file(
        "fleet",
        &format!("# our servers\n\n{}   # the good one\n", healthy.url()),
    );
    let path = file.display().to_string();
    let run = ftpdoctor(
        args(&[
            "probe",
            &refused.url(),
            "--targets-file",
            &path,
            "--timeout",
            "1s",
        ]),
        Vec::new(),
    )
    .await;
    let out = &run.stdout;
    // Both per-target tables, then the summary after them.
    let summary_at = out
        .find("│ Target")
        .unwrap_or_else(|| panic!("{}", run.shown));
    assert!(
        out[..summary_at].matches("verdict:").count() == 2,
        "{}",
        run.shown
    );
    let summary = &out[summary_at..];
    assert!(
        summary.contains(&healthy.url()) && summary.contains(&refused.url()),
        "{}",
        run.shown
    );
    assert!(summary.contains("data-connect-refused"), "{}", run.shown);
    assert!(
        out.trim_end().ends_with("2 targets: 1 ok, 0 warn, 1 fail"),
        "{}",
        run.shown
    );
    // No progress bar when stderr is not a terminal.
    assert_eq!(run.stderr, "", "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_flag_prints_only_the_summary() {
    let healthy = start(Scenario::Healthy).await;
    let no_epsv = start(Scenario::NoEpsv).await;
    let run = ftpdoctor(
        args(&[
            "probe",
            &healthy.url(),
            &no_epsv.url(),
            "--summary",
            "--tls",
            "off",
        ]),
        Vec::new(),
    )
    .await;
    assert!(!run.stdout.contains("verdict:"), "{}", run.shown);
    assert!(run.stdout.contains("epsv-unsupported"), "{}", run.shown);
    assert!(
        run.stdout
            .trim_end()
            .ends_with("2 targets: 1 ok, 1 warn, 0 fail"),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn jsonl_streams_one_report_per_target_with_limited_concurrency() {
    let lab = start(Scenario::Healthy).await;
    let list: String = (0..6).map(|_| format!("{}\n", lab.url())).collect();
    let file = targets_file("jsonl", &list);
    let path = file.display().to_string();
    let run = ftpdoctor(
        args(&[
            "probe",
            "--targets-file",
            &path,
            "--format",
            "jsonl",
            "--concurrency",
            "2",
        ]),
        Vec::new(),
    )
    .await;
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", run.shown);
    for line in lines {
        let report: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(report["verdict"], "ok", "{line}");
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_targets_file_and_empty_fleet_cannot_run() {
    let run = ftpdoctor(
        args(&["probe", "--targets-file", "/nonexistent/targets.txt"]),
        Vec::new(),
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("--targets-file"), "{}", run.shown);
    let empty = targets_file("empty", "# nothing here\n\n");
    let path = empty.display().to_string();
    let run = ftpdoctor(args(&["probe", "--targets-file", &path]), Vec::new()).await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("no targets"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_ports_finds_the_filtered_end_of_a_partly_open_range() {
    let lab = start(Scenario::PartialRange).await;
    let n = RANGE_LEN.to_string();
    let run = probe_json(
        &lab.url(),
        &["--sample-ports", &n, "--timeout", "500ms", "--tls", "off"],
    )
    .await;
    let report = run.json();
    let sample = &report["sample"];
    assert_eq!(
        sample["ports"].as_array().map(Vec::len),
        Some(10),
        "{}",
        run.shown
    );
    assert_eq!(sample["reachable"], 7, "{}", run.shown);
    let lo = sample["lowest"].as_u64().unwrap_or(0);
    let hi = sample["highest"].as_u64().unwrap_or(0);
    assert_eq!(
        hi - lo,
        9,
        "the range's ten consecutive ports: {}",
        run.shown
    );
    let summary = sample["summary"].as_str().unwrap_or("");
    assert_eq!(
        summary,
        format!(
            "7 of 10 sampled ports reachable; {} filtered; {}–{} refused (ports seen {lo}–{hi})",
            hi,
            lo + 7,
            lo + 8
        ),
        "{}",
        run.shown
    );
    // Only the control peer was dialled.
    for p in sample["ports"].as_array().cloned().unwrap_or_default() {
        assert!(
            p["addr"].as_str().unwrap_or("").starts_with("127.0.0.1:"),
            "{p}"
        );
    }
    assert!(
        findings(&report).contains(&"passive-ports-filtered@-".to_string()),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_ports_uses_pasv_when_epsv_is_refused_and_a_healthy_range_is_no_finding() {
    let lab = start(Scenario::NoEpsv).await;
    let run = probe_json(&lab.url(), &["--sample-ports", "4", "--tls", "off"]).await;
    let report = run.json();
    assert_eq!(report["sample"]["request"], "PASV", "{}", run.shown);
    assert_eq!(report["sample"]["reachable"], 4, "{}", run.shown);
    assert_eq!(
        findings(&report),
        ["epsv-unsupported@epsv"],
        "{}",
        run.shown
    );
}

/// `script` (util-linux) gives the probe a terminal; skipped where it is missing.
#[tokio::test(flavor = "multi_thread")]
async fn progress_bar_shows_only_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no script(1) on this machine; skipping");
        return;
    }
    let lab = start(Scenario::Healthy).await;
    let list: String = (0..3).map(|_| format!("{}\n", lab.url())).collect();
    let file = targets_file("tty", &list);
    let cmd = format!(
        "{} probe --targets-file {} --tls off --summary >/dev/null",
        env!("CARGO_BIN_EXE_ftpdoctor"),
        file.display()
    );
    let on_tty = ftpdoctor_in_script(cmd).await;
    assert!(
        on_tty.contains("/3 targets"),
        "no progress bar on a terminal:\n{on_tty}"
    );
    // The same run with stderr to a file (not a terminal) draws nothing.
    let run = ftpdoctor(
        args(&[
            "probe",
            "--targets-file",
            &file.display().to_string(),
            "--summary",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(run.stderr, "", "{}", run.shown);
}

/// Runs `cmd` under script(1) and returns what the terminal showed.
async fn ftpdoctor_in_script(cmd: String) -> String {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .unwrap_or_else(|e| panic!("running script: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap_or_else(|e| panic!("the runner thread died: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_ports_follows_modes_pasv_only() {
    let lab = start(Scenario::Healthy).await;
    let run = probe_json(
        &lab.url(),
        &["--modes", "pasv", "--sample-ports", "3", "--tls", "off"],
    )
    .await;
    let report = run.json();
    assert_eq!(report["sample"]["request"], "PASV", "{}", run.shown);
    assert_eq!(report["sample"]["reachable"], 3, "{}", run.shown);
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_sampling_without_a_login() {
    let lab = start(Scenario::Healthy).await;
    let url = format!("ftp://student:not-the-password@{}/", lab.addr());
    let run = probe_json(&url, &["--sample-ports", "4", "--tls", "off"]).await;
    let report = run.json();
    assert_eq!(findings(&report), ["login-failed@-"], "{}", run.shown);
    assert!(report["sample"].is_null(), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn hash_in_a_password_in_a_targets_file_is_not_cut_off_and_shown() {
    // Port 99999 does not parse: the error names the target, masked.
    let file = targets_file(
        "secret",
        "ftp://alice:s3cr#etpw@127.0.0.1:99999/  # broken\n",
    );
    let path = file.display().to_string();
    let run = ftpdoctor(args(&["probe", "--targets-file", &path]), Vec::new()).await;
    assert_eq!(run.code, 2, "{}", run.shown);
    for piece in ["s3cr", "etpw"] {
        assert!(
            !run.stderr.contains(piece),
            "password shown: {}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("***@127.0.0.1:99999"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_open_file_limit_runs_fewer_targets_at_once_not_false_findings() {
    let lab = start(Scenario::Healthy).await;
    let list = format!("{}\n", lab.url()).repeat(12);
    let file = targets_file("ulimit", &list);
    // 80 open files (soft and hard) cannot hold 12 targets at once.
    let cmd = format!(
        "ulimit -n 80 && exec {} probe --targets-file {} --concurrency 12 --tls off --format jsonl --timeout 2s",
        env!("CARGO_BIN_EXE_ftpdoctor"),
        file.display()
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .args(["-c", &cmd])
            .output()
            .unwrap_or_else(|e| panic!("running sh: {e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("the runner thread died: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("targets at once"), "{stderr}");
    assert_eq!(stdout.lines().count(), 12, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.contains("\"verdict\":\"ok\"")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ftps_line_in_a_fleet_follows_its_scheme_under_tls_off_or_explicit_auto() {
    let implicit = start(Scenario::TlsImplicit).await;
    let healthy = start(Scenario::Healthy).await;
    assert!(implicit.url().starts_with("ftps://"), "{}", implicit.url());
    let file = targets_file(
        "mixed-tls",
        &format!("{}\n{}\n", healthy.url(), implicit.url()),
    );
    let path = file.display().to_string();
    for tls in ["off", "auto"] {
        let run = ftpdoctor(
            args(&[
                "probe",
                "--targets-file",
                &path,
                "--tls",
                tls,
                "--insecure",
                "--format",
                "jsonl",
                "--modes",
                "epsv,pasv",
                "--timeout",
                "2s",
            ]),
            Vec::new(),
        )
        .await;
        assert_eq!(run.code, 0, "--tls {tls}: {}", run.shown);
        let tls_of: Vec<String> = run
            .stdout
            .lines()
            .map(|line| {
                let report: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                report["control"]["tls"].as_str().unwrap_or("?").to_string()
            })
            .collect();
        // The healthy lab refuses AUTH TLS: plaintext under auto as under off.
        let mut sorted = tls_of.clone();
        sorted.sort();
        assert_eq!(sorted, ["implicit", "none"], "--tls {tls}: {}", run.shown);
        // --tls off was overridden for the ftps:// line, and said so; auto needs no word.
        assert_eq!(
            run.stderr.contains("ftps:// target(s) use implicit TLS"),
            tls == "off",
            "{}",
            run.shown
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_line_in_targets_file_is_that_targets_error_with_its_line_number() {
    let healthy = start(Scenario::Healthy).await;
    let file = targets_file(
        "bad-lines",
        &format!(
            "# fleet\n{}\nftp:/127.0.0.1/\nftp://bob:s3cret@127.0.0.1:99999/\n",
            healthy.url()
        ),
    );
    let path = file.display().to_string();
    let run = ftpdoctor(
        args(&["probe", "--targets-file", &path, "--format", "jsonl"]),
        Vec::new(),
    )
    .await;
    // The good target is probed and reported; the run still says it could not do all.
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.shown);
    assert!(run.stdout.contains("\"verdict\":\"ok\""), "{}", run.shown);
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr.contains("line 3: target \"ftp:/127.0.0.1/\"")
            && run.stderr.contains("did you mean ftp://127.0.0.1/?"),
        "{}",
        run.shown
    );
    assert!(
        run.stderr
            .contains("line 4: target \"ftp://bob:***@127.0.0.1:99999/\": port \"99999\""),
        "{}",
        run.shown
    );
    assert!(!run.stderr.contains("s3cret"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_with_json_is_refused_with_a_reason() {
    let healthy = start(Scenario::Healthy).await;
    for format in ["json", "jsonl", "nagios"] {
        let run = ftpdoctor(
            args(&["probe", &healthy.url(), "--summary", "--format", format]),
            Vec::new(),
        )
        .await;
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            said.contains("--summary is for --format table"),
            "{}",
            run.shown
        );
        assert_eq!(
            run.code,
            if format == "nagios" { 3 } else { 2 },
            "{}",
            run.shown
        );
    }
}
