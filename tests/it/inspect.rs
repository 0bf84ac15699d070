//! `ftpdoctor inspect` run as a user runs it: the fixtures under fixtures/inspect (one case
//! per finding), bad input of every kind (each a clear error within seconds, never a
//! panic), and `--with` against a probe report.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::bin::Ftpdoctor;
use crate::common::cli::Run;

/// The finding ids of a JSON run.
fn ids(run: &Run) -> Vec<String> {
    let report = run.json();
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(String::from))
        .collect()
}

/// `ftpdoctor inspect ARGS` from the repository's top directory (cargo runs tests there).
fn inspect(args: &[&str]) -> Run {
    Ftpdoctor::new(&["inspect"]).args(args).run()
}

fn json(args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    inspect(&all)
}

fn fx(rel: &str) -> String {
    format!("fixtures/inspect/{rel}")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ftpdoctor-inspect-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn every_finding_fires_on_its_fixture_with_a_location() {
    let cases: &[(&[&str], &str, Option<u64>)] = &[
        (
            &["--config", "vsftpd/passive-disabled.conf"],
            "config-passive-disabled",
            Some(4),
        ),
        (
            &["--config", "proftpd/limit-pasv.conf"],
            "config-passive-disabled",
            Some(3),
        ),
        (
            &["--config", "vsftpd/no-range.conf"],
            "config-no-passive-range",
            None,
        ),
        (
            &["--docker-inspect", "docker/bridge.json"],
            "config-no-public-address",
            None,
        ),
        (
            &["--config", "vsftpd/promiscuous.conf"],
            "config-promiscuous",
            Some(6),
        ),
        (
            &["--config", "proftpd/reverse-dns.conf"],
            "config-reverse-dns",
            Some(4),
        ),
        (&["--config", "pureftpd/conf"], "config-reverse-dns", None),
        (
            &["--config", "vsftpd/typo.conf"],
            "config-unknown-setting",
            Some(4),
        ),
        (
            &[
                "--config",
                "vsftpd/good.conf",
                "--ruleset",
                "nft/range-closed.json",
            ],
            "firewall-passive-range-closed",
            None,
        ),
        (
            &[
                "--config",
                "vsftpd/good.conf",
                "--ruleset",
                "iptables/range-closed.rules",
            ],
            "firewall-passive-range-closed",
            None,
        ),
        (
            &[
                "--config",
                "vsftpd/good.conf",
                "--ruleset",
                "nft/helper-missing.json",
            ],
            "firewall-helper-missing",
            Some(4),
        ),
        (
            &[
                "--config",
                "vsftpd/good.conf",
                "--ruleset",
                "nft/helper-prio.json",
            ],
            "firewall-helper-missing",
            Some(7),
        ),
        (
            &[
                "--config",
                "vsftpd/good.conf",
                "--ruleset",
                "iptables/helper-missing.rules",
            ],
            "firewall-helper-missing",
            Some(7),
        ),
        (
            &["--compose", "compose/base60.yml"],
            "deploy-yaml-base60",
            Some(6),
        ),
        (
            &["--compose", "compose/remapped.yml"],
            "deploy-range-remapped",
            Some(7),
        ),
        (
            &["--compose", "compose/mismatch.yml"],
            "deploy-range-mismatch",
            Some(7),
        ),
        (
            &["--compose", "compose/unpublished.yml"],
            "deploy-passive-ports-unpublished",
            Some(6),
        ),
        (
            &["--k8s", "k8s/service.yaml"],
            "deploy-passive-ports-unpublished",
            Some(10),
        ),
    ];
    for (args, id, line) in cases {
        let args: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, a)| if i % 2 == 1 { fx(a) } else { a.to_string() })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = json(&args);
        let report = out.json();
        let found = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["id"] == *id);
        let f = found.unwrap_or_else(|| panic!("{id} not found:\n{}", out.shown));
        assert_eq!(
            f["location"]["line"].as_u64(),
            *line,
            "{id} line:\n{}",
            out.shown
        );
        assert!(
            f["location"]["file"]
                .as_str()
                .is_some_and(|p| p.starts_with("fixtures/inspect/")),
            "{}",
            out.shown
        );
        for field in ["summary", "evidence", "fix", "reference"] {
            assert!(
                f[field].as_str().is_some_and(|t| !t.is_empty()),
                "{id}: {field}\n{}",
                out.shown
            );
        }
        assert_eq!(report["schema"], "ftpdoctor.inspect/v1");
        let want = if f["severity"] == "error" { 1 } else { 0 };
        assert_eq!(out.code, want, "{}", out.shown);
    }
}

#[test]
fn good_configs_give_no_findings_and_exit_0() {
    for args in [
        vec![
            "--config".to_string(),
            fx("vsftpd/good.conf"),
            "--ruleset".into(),
            fx("nft/range-open.json"),
        ],
        vec![
            "--config".to_string(),
            fx("proftpd/proftpd.conf"),
            "--ruleset".into(),
            fx("nft/helper-on.json"),
        ],
        vec![
            "--config".to_string(),
            fx("pureftpd/cmdline.txt"),
            "--ruleset".into(),
            fx("iptables/helper-on.rules"),
        ],
        vec!["--compose".to_string(), fx("compose/good.yml")],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = json(&args);
        assert_eq!(ids(&out), Vec::<String>::new(), "{}", out.shown);
        assert_eq!(out.code, 0, "{}", out.shown);
        assert_eq!(out.json()["verdict"], "ok");
    }
}

#[test]
fn fail_on_warn_makes_a_warning_exit_1() {
    let f = fx("vsftpd/no-range.conf");
    assert_eq!(json(&["--config", &f]).code, 0);
    assert_eq!(json(&["--config", &f, "--fail-on", "warn"]).code, 1);
}

#[test]
fn proftpd_include_loop_is_reported_not_followed() {
    let out = json(&["--config", &fx("proftpd/loop-a.conf")]);
    let report = out.json();
    let err = report["sources"][0]["error"].as_str().unwrap_or("");
    assert!(err.contains("Include loop"), "{}", out.shown);
    assert!(out.elapsed < Duration::from_secs(5));
}

#[test]
fn nft_list_text_is_refused_with_the_json_command() {
    let out = json(&["--ruleset", &fx("nft/range-open.nft")]);
    let source = &out.json()["sources"][0];
    assert_eq!(source["read"], false);
    assert!(
        source["error"]
            .as_str()
            .is_some_and(|e| e.contains("nft -j list ruleset")),
        "{}",
        out.shown
    );
}

#[test]
fn bad_inputs_are_each_a_clear_error_within_seconds() {
    let dir = temp("bad");
    let binary = dir.join("binary.conf");
    std::fs::write(&binary, [0x7fu8, b'E', b'L', b'F', 0, 0, 1, 2, 0xff])
        .unwrap_or_else(|e| panic!("{e}"));
    let huge = dir.join("huge.json");
    let file = std::fs::File::create(&huge).unwrap_or_else(|e| panic!("{e}"));
    file.set_len(100 * 1024 * 1024)
        .unwrap_or_else(|e| panic!("{e}"));
    let latin1 = dir.join("vsftpd.conf");
    std::fs::write(&latin1, b"# caf\xe9\npast_address=1.2.3.4\n").unwrap_or_else(|e| panic!("{e}"));
    let bomb = dir.join("bomb.yml");
    let mut text = String::from("services:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 1..12u8 {
        let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        text.push_str(&format!(
            "  {c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    std::fs::write(&bomb, text).unwrap_or_else(|e| panic!("{e}"));
    let p = |f: &Path| f.to_string_lossy().into_owned();
    let cases = [
        (vec!["--config".to_string(), p(&binary)], "binary"),
        (vec!["--ruleset".to_string(), p(&huge)], "64 MiB"),
        (vec!["--compose".to_string(), p(&bomb)], "alias"),
        (
            vec!["--config".to_string(), p(&dir.join("missing.conf"))],
            "cannot read",
        ),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = json(&args);
        assert!(
            out.elapsed < Duration::from_secs(10),
            "{:?}\n{}",
            out.elapsed,
            out.shown
        );
        let source = &out.json()["sources"][0];
        assert_eq!(source["read"], false, "{}", out.shown);
        assert!(
            source["error"].as_str().is_some_and(|e| e.contains(says)),
            "{says}:\n{}",
            out.shown
        );
    }
    let out = json(&["--config", &p(&latin1)]);
    assert!(
        ids(&out).contains(&"config-unknown-setting".to_string()),
        "{}",
        out.shown
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ruleset_of_100000_rules_is_answered_in_seconds() {
    let dir = temp("big");
    let path = dir.join("big.rules");
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
    for i in 0..100_000u32 {
        text.push_str(&format!(
            "-A INPUT -p tcp -m tcp --dport {} -j ACCEPT\n",
            1024 + i % 28_000
        ));
    }
    text.push_str("COMMIT\n");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let out = json(&[
        "--config",
        &fx("vsftpd/good.conf"),
        "--ruleset",
        &path.to_string_lossy(),
    ]);
    assert!(out.elapsed < Duration::from_secs(20), "{:?}", out.elapsed);
    assert_eq!(out.json()["sources"][1]["read"], true, "{}", out.shown);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_text_in_the_table_is_escaped() {
    let dir = temp("esc");
    let conf = dir.join("vsftpd.conf");
    std::fs::write(&conf, "pasv_\x1b[31maddress=1.2.3.4\n").unwrap_or_else(|e| panic!("{e}"));
    let out = inspect(&["--config", &conf.to_string_lossy(), "--color", "never"]);
    assert!(!out.stdout.contains('\x1b'), "{}", out.shown);
    assert!(out.stdout.contains("\\u{1b}"), "{}", out.shown);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_report_contradicting_the_config_is_a_finding() {
    let out = json(&[
        "--config",
        &fx("vsftpd/good.conf"),
        "--ruleset",
        &fx("nft/range-open.json"),
        "--with",
        &fx("reports/probe.json"),
    ]);
    let report = out.json();
    let contradictions: Vec<&Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"] == "probe-contradicts-config")
        .collect();
    // The 227's address, a port outside the range, and a timeout to a port the firewall opens.
    assert_eq!(contradictions.len(), 3, "{}", out.shown);
    assert!(
        report["sources"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["kind"] == "report" && s["read"] == true))
    );
    let wrong = json(&[
        "--config",
        &fx("vsftpd/good.conf"),
        "--with",
        &fx("compose/good.yml"),
    ]);
    let source = &wrong.json()["sources"][1];
    assert_eq!(source["read"], false, "{}", wrong.shown);
}

#[test]
fn ruleset_dash_reads_stdin() {
    let rules = std::fs::File::open(fx("nft/range-closed.json")).unwrap_or_else(|e| panic!("{e}"));
    let good = fx("vsftpd/good.conf");
    let output = Ftpdoctor::new(&[
        "inspect",
        "--config",
        &good,
        "--ruleset",
        "-",
        "--format",
        "json",
    ])
    .command()
    .stdin(rules)
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["firewall-passive-range-closed"], "{report}");
}

#[test]
fn with_report_the_address_clients_use_against_the_config() {
    let report = fx("reports/probe.json");
    let out = json(&[
        "--config",
        &fx("vsftpd/wrong-address.conf"),
        "--with",
        &report,
    ]);
    let summaries: Vec<String> = out.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"] == "probe-contradicts-config")
        .filter_map(|f| f["summary"].as_str().map(String::from))
        .collect();
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("clients reach the server at 203.0.113.10")),
        "{}",
        out.shown
    );
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("227 carried 10.77.0.2")),
        "{}",
        out.shown
    );
    // No passive address at all: the address clients use is not this host's, so NAT is in front.
    let out = json(&["--config", &fx("vsftpd/behind-nat.conf"), "--with", &report]);
    assert!(
        ids(&out).contains(&"config-no-public-address".to_string()),
        "{}",
        out.shown
    );
}
