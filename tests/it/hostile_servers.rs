//! Black-box: `ftpdoctor probe` against broken and hostile servers (the fault lab, and
//! one lab knob). Whatever the server does, the probe must finish within --deadline,
//! never panic, dial nothing but the control peer, and say in its report at which stage
//! and how the server misbehaved.

use crate::common;

use std::time::Duration;

use serde_json::Value;

use common::cli::{Run, findings, ftpdoctor, mode, statuses};
use ftpdoctor::lab::{Fault, FaultServer, LabConfig, LabServer, Scenario};

/// --deadline for every run here: short, so the suite stays fast, and longer than one
/// --timeout (1 s) so that step timeouts, not the deadline, end most runs.
const DEADLINE: Duration = Duration::from_secs(2);

/// The product contract: a probe ends within --deadline plus 10 %.
fn deadline_bound() -> Duration {
    DEADLINE + DEADLINE / 10
}

/// Process start-up and report printing on a loaded 2-core machine, on top of the
/// probe's own bound; the report's `elapsed_ms` is held to the bound itself.
const WALL_SLACK: Duration = Duration::from_secs(2);

/// Starts `fault` on 127.0.0.1:0 and probes it (EPSV and PASV: the fault lab serves no
/// active mode) with `--timeout 1s --deadline 2s`, then `extra`, which may override.
async fn probe_fault(fault: Fault, extra: &[&str]) -> (Run, Value) {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = FaultServer::start(fault, listen)
        .await
        .unwrap_or_else(|e| panic!("starting fault {fault}: {e}"));
    let run = probe(&server.url(), &["--modes", "epsv,pasv"], extra).await;
    let report = checked(&run);
    (run, report)
}

async fn probe(url: &str, modes: &[&str], extra: &[&str]) -> Run {
    let deadline = format!("{}s", DEADLINE.as_secs());
    // Plain FTP: the faults are in the FTP conversation, not in TLS (which the fault lab
    // does not offer: AUTH TLS gets 502).
    let mut args = vec![
        "probe",
        url,
        "--format",
        "json",
        "--timeout",
        "1s",
        "--tls",
        "off",
    ];
    args.extend(["--deadline", &deadline]);
    args.extend_from_slice(modes);
    args.extend_from_slice(extra);
    ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await
}

/// What every run must satisfy, whatever the server did: no panic, a report in time,
/// and no dial anywhere but the control peer.
fn checked(run: &Run) -> Value {
    assert!(!run.stderr.contains("panicked"), "{}", run.shown);
    assert!(
        run.elapsed < deadline_bound() + WALL_SLACK,
        "wall time {:?}:\n{}",
        run.elapsed,
        run.shown
    );
    let report = run.json();
    let elapsed_ms = report["elapsed_ms"].as_f64().unwrap_or(f64::MAX);
    assert!(
        elapsed_ms <= deadline_bound().as_secs_f64() * 1000.0,
        "elapsed_ms {elapsed_ms}:\n{}",
        run.shown
    );
    let peer = report["control"]["peer"].as_str().unwrap_or_default();
    let peer_ip = peer.rsplit_once(':').map(|(ip, _)| ip).unwrap_or(peer);
    for m in report["modes"].as_array().into_iter().flatten() {
        for dial in m["dials"].as_array().into_iter().flatten() {
            let addr = dial["addr"].as_str().unwrap_or_default();
            let dialled = dial["outcome"] != "skipped-policy";
            assert!(
                !dialled || addr.rsplit_once(':').map(|(ip, _)| ip) == Some(peer_ip),
                "dialled {addr}, not the control peer {peer}:\n{}",
                run.shown
            );
        }
    }
    report
}

fn control_error(report: &Value) -> (String, String, String) {
    let err = &report["control"]["error"];
    let field = |name: &str| err[name].as_str().unwrap_or_default().to_string();
    (field("stage"), field("kind"), field("detail"))
}

#[tokio::test(flavor = "multi_thread")]
async fn banner_never_sent_is_banner_timeout() {
    let (run, report) = probe_fault(Fault::SilentBanner, &[]).await;
    assert_eq!(findings(&report), ["banner-timeout@-"], "{}", run.shown);
    assert_eq!(control_error(&report).0, "banner", "{}", run.shown);
    assert_eq!(statuses(&report)[..2], ["epsv=skipped", "pasv=skipped"]);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn slowloris_banner_trickle_does_not_reset_the_reply_timeout() {
    // A byte a second keeps the socket busy, but a reply must be whole within --timeout.
    let (run, report) = probe_fault(Fault::TrickleBanner, &[]).await;
    assert_eq!(findings(&report), ["banner-timeout@-"], "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn slowloris_banner_under_a_long_timeout_is_banner_timeout_at_the_deadline() {
    // The greeting is awaited until shortly before the deadline whatever --timeout says:
    // its wait ends by itself there, and a greeting that never came whole is the server's.
    let (run, report) = probe_fault(Fault::TrickleBanner, &["--timeout", "30s"]).await;
    assert_eq!(findings(&report), ["banner-timeout@-"], "{}", run.shown);
    assert_eq!(report["deadline_hit"], false, "{}", run.shown);
    assert_eq!(control_error(&report).0, "banner", "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_mib_reply_line_without_crlf_is_cut_at_the_line_limit() {
    let (run, report) = probe_fault(Fault::EndlessLine, &[]).await;
    assert_eq!(findings(&report), ["control-failed@-"], "{}", run.shown);
    let (stage, kind, detail) = control_error(&report);
    assert_eq!((stage.as_str(), kind.as_str()), ("banner", "bad-reply"));
    assert!(detail.contains("longer than 4096 bytes"), "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn multiline_banner_that_never_ends_stops_at_the_line_count_limit() {
    let (run, report) = probe_fault(Fault::EndlessMultiline, &[]).await;
    assert_eq!(findings(&report), ["control-failed@-"], "{}", run.shown);
    let (stage, kind, detail) = control_error(&report);
    assert_eq!((stage.as_str(), kind.as_str()), ("banner", "bad-reply"));
    assert!(detail.contains("longer than 256 lines"), "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_esc_and_invalid_utf8_in_replies_are_reported_not_fatal() {
    let (run, report) = probe_fault(Fault::NulUtf8, &[]).await;
    assert_eq!(findings(&report), Vec::<String>::new(), "{}", run.shown);
    assert_eq!(run.code, 0, "{}", run.shown);
    // JSON keeps what came (escaped by serde), invalid bytes as U+FFFD.
    let banner = report["control"]["banner"].as_str().unwrap_or_default();
    assert!(
        banner.contains("caf\u{fffd} \u{0} fault lab \u{1b}[2J"),
        "{banner:?}"
    );
    let final_reply = &mode(&report, "pasv")["transfer"]["final_reply"]["text"];
    assert_eq!(
        final_reply, "Directory send \u{0}OK \u{fffd}.",
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_and_esc_from_the_server_never_reach_the_terminal_raw() {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = FaultServer::start(Fault::NulUtf8, listen)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = probe(&server.url(), &["--modes", "pasv"], &["--format", "table"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        !run.stdout.contains(['\u{0}', '\u{1b}']),
        "raw control characters in the table:\n{}",
        run.shown
    );
    assert!(run.stdout.contains("\\u{1b}[2J"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_closed_in_the_middle_of_a_reply_says_so() {
    let (run, report) = probe_fault(Fault::CloseMidReply, &[]).await;
    assert_eq!(
        findings(&report),
        ["control-failed@epsv", "control-failed@pasv"],
        "{}",
        run.shown
    );
    for name in ["epsv", "pasv"] {
        let err = &mode(&report, name)["error"];
        assert_eq!(
            (&err["stage"], &err["kind"]),
            (&"request".into(), &"closed".into())
        );
        let detail = err["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("in the middle of a reply"), "{}", run.shown);
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_right_after_227_fails_the_transfer_with_the_reset() {
    let (run, report) = probe_fault(Fault::RstAfter227, &[]).await;
    assert_eq!(
        statuses(&report)[..2],
        ["epsv=fail", "pasv=fail"],
        "{}",
        run.shown
    );
    for name in ["epsv", "pasv"] {
        // The 227/229 arrived and was dialled; the reset came while LIST was under way.
        let m = mode(&report, name);
        assert_eq!(m["dials"][0]["outcome"], "connected", "{}", run.shown);
        let said = format!("{}{}", m["transfer"]["error"], m["error"]["detail"]);
        assert!(said.contains("reset"), "{name}: {}", run.shown);
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_closing_after_pass_is_a_login_stage_failure() {
    let (run, report) = probe_fault(Fault::CloseAfterPass, &[]).await;
    assert_eq!(findings(&report), ["control-failed@-"], "{}", run.shown);
    let (stage, kind, _) = control_error(&report);
    assert_eq!((stage.as_str(), kind.as_str()), ("login", "closed"));
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_227_variants_are_pasv_unparseable_and_never_dialled() {
    let variants = [
        (Fault::PasvOver255, "300"),
        (Fault::PasvNegative, "-1"),
        (Fault::PasvPortZero, "0,0)"),
        (Fault::PasvHostname, "ftp,example,com"),
        (Fault::PasvEmpty, "Mode ("),
        (Fault::PasvAnswered229, "229"),
    ];
    for (fault, quoted) in variants {
        let (run, report) = probe_fault(fault, &[]).await;
        assert_eq!(
            findings(&report),
            ["pasv-unparseable@pasv"],
            "{fault}: {}",
            run.shown
        );
        assert_eq!(statuses(&report)[..2], ["epsv=ok", "pasv=fail"], "{fault}");
        let pasv = mode(&report, "pasv");
        assert_eq!(
            pasv["dials"],
            Value::Array(Vec::new()),
            "{fault}: {}",
            run.shown
        );
        let evidence = report["findings"][0]["evidence"]
            .as_str()
            .unwrap_or_default();
        assert!(
            evidence.contains(quoted),
            "{fault}: the reply is quoted: {evidence}"
        );
        assert_eq!(run.code, 1, "{fault}: {}", run.shown);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn all_zero_227_is_not_dialled_but_its_port_is_tried_on_the_peer() {
    let (run, report) = probe_fault(Fault::PasvZeroAddress, &[]).await;
    assert_eq!(
        findings(&report),
        ["pasv-private-address@pasv", "substitute-address-works@pasv"],
        "{}",
        run.shown
    );
    let dials = &mode(&report, "pasv")["dials"];
    assert_eq!(dials[0]["outcome"], "skipped-policy", "{}", run.shown);
    assert!(
        dials[0]["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("0.0.0.0:"))
    );
    assert_eq!(dials[1]["outcome"], "connected", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn epsv_with_mismatched_delimiters_is_unparseable_not_guessed() {
    let (run, report) = probe_fault(Fault::EpsvMismatched, &[]).await;
    assert_eq!(
        findings(&report),
        ["pasv-unparseable@epsv"],
        "{}",
        run.shown
    );
    assert_eq!(statuses(&report)[..2], ["epsv=fail", "pasv=ok"]);
    assert_eq!(mode(&report, "epsv")["dials"], Value::Array(Vec::new()));
}

/// curl's test suite answers EPSV `229 Entering Passive Mode (|||1000000|)`: the finding
/// and both fixes speak of that 229 and send clients to PASV, the mode that works, never
/// to "use EPSV" or "make the 227 standard".
#[tokio::test(flavor = "multi_thread")]
async fn epsv_port_past_65535_gets_the_229_fix_not_the_227_one() {
    let (run, report) = probe_fault(Fault::EpsvOver65535, &[]).await;
    assert_eq!(
        findings(&report),
        ["pasv-unparseable@epsv"],
        "{}",
        run.shown
    );
    assert_eq!(statuses(&report)[..2], ["epsv=fail", "pasv=ok"]);
    let f = &report["findings"][0];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let (summary, evidence, fix) = (text(&f["summary"]), text(&f["evidence"]), text(&f["fix"]));
    assert!(
        summary.contains("229") && summary.contains("EPSV"),
        "{summary}"
    );
    assert!(
        evidence.contains("(|||1000000|)") && evidence.contains("1-65535"),
        "{evidence}"
    );
    assert!(!evidence.contains("0-255"), "{evidence}");
    assert!(
        fix.contains("229") && fix.contains("--disable-epsv") && !fix.contains("227"),
        "{fix}"
    );
    let short = text(&report["summary"]["fix"]);
    assert!(
        short.contains("229") && short.contains("use PASV") && !short.contains("use EPSV"),
        "{short}\n{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_listing_is_counted_up_to_the_transfer_cap_and_dropped() {
    let (run, report) = probe_fault(Fault::EndlessData, &[]).await;
    assert_eq!(
        findings(&report),
        ["transfer-capped@epsv", "transfer-capped@pasv"],
        "{}",
        run.shown
    );
    let capped = &report["findings"][0];
    assert_eq!(capped["severity"], "info", "{}", run.shown);
    let evidence = capped["evidence"].as_str().unwrap_or_default();
    assert!(
        evidence.contains("final reply: \"426 Connection closed; transfer aborted.\""),
        "{evidence}"
    );
    for name in ["epsv", "pasv"] {
        let transfer = &mode(&report, name)["transfer"];
        assert_eq!(transfer["truncated"], true, "{}", run.shown);
        let bytes = transfer["bytes"].as_u64().unwrap_or(u64::MAX);
        // The cap (4 MiB) plus at most one read's worth (16 KiB).
        assert!(
            (4 << 20..=(4 << 20) + (16 << 10)).contains(&bytes),
            "{bytes}"
        );
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn transfer_capped_with_no_final_reply_says_so_and_costs_no_extra_timeout() {
    // --timeout 3s: waiting a whole step for the missing reply would show in the time.
    let (run, report) = probe_fault(Fault::CappedNoReply, &["--timeout", "3s"]).await;
    assert_eq!(
        findings(&report),
        ["transfer-capped@epsv", "transfer-capped@pasv"],
        "{}",
        run.shown
    );
    for f in report["findings"].as_array().cloned().unwrap_or_default() {
        let summary = f["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("no final reply came within 1000"),
            "{summary}"
        );
        assert!(
            f["evidence"]
                .as_str()
                .unwrap_or_default()
                .contains("final reply: none")
        );
    }
    for name in ["epsv", "pasv"] {
        let transfer = &mode(&report, name)["transfer"];
        assert_eq!(transfer["outcome"], "ok", "{}", run.shown);
        assert!(transfer["final_reply"].is_null(), "{}", run.shown);
        // 4 MiB on loopback, then at most the 1 s wait for the reply, not 3 s.
        let ms = transfer["ms"].as_f64().unwrap_or(f64::MAX);
        assert!(ms < 2500.0, "{name}: {ms} ms\n{}", run.shown);
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn size_check_cuts_an_endless_listing_and_waits_for_no_reply_it_will_not_get() {
    // The size check's own LIST of the endless directory: cut at its 256 KiB, its whole
    // lines parsed, and no wait for the reply (a 426, or nothing at all here) that would
    // spend the rest of the probe's time: --deadline 3s as the golden file runs it.
    let (run, report) = probe_fault(Fault::CappedNoReply, &["--deadline", "3s"]).await;
    let check = &report["size_check"];
    assert_eq!(check["outcome"], "skipped", "{}", run.shown);
    assert_eq!(
        check["skipped_why"],
        "no regular file in / or one level below (in the first 256 KiB of its listing)",
        "{}",
        run.shown
    );
    assert_eq!(report["deadline_hit"], false, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn data_connection_that_never_sends_is_transfer_timeout_at_data() {
    let (run, report) = probe_fault(Fault::SilentData, &[]).await;
    assert_eq!(
        findings(&report),
        ["transfer-timeout@epsv", "transfer-timeout@pasv"],
        "{}",
        run.shown
    );
    assert_eq!(
        mode(&report, "pasv")["transfer"]["stalled_at"],
        "transfer-data"
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_data_under_a_long_timeout_is_cut_by_the_deadline() {
    let (run, report) = probe_fault(Fault::SilentData, &["--timeout", "30s"]).await;
    assert_eq!(
        findings(&report),
        ["deadline-exceeded@epsv", "deadline-exceeded@pasv"],
        "{}",
        run.shown
    );
    for name in ["epsv", "pasv"] {
        assert_eq!(
            mode(&report, name)["interrupted"],
            "transfer-data",
            "{}",
            run.shown
        );
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn data_trickling_inside_every_read_timeout_is_cut_by_the_deadline() {
    let (run, report) = probe_fault(Fault::TrickleData, &[]).await;
    assert_eq!(
        findings(&report),
        ["deadline-exceeded@epsv", "deadline-exceeded@pasv"],
        "{}",
        run.shown
    );
    for name in ["epsv", "pasv"] {
        let m = mode(&report, name);
        assert_eq!(m["interrupted"], "transfer-data", "{}", run.shown);
        assert!(
            m["transfer"]["bytes"].as_u64().is_some_and(|b| b > 0),
            "{}",
            run.shown
        );
    }
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_226_is_transfer_timeout_at_the_end_with_the_bytes_counted() {
    let (run, report) = probe_fault(Fault::No226, &[]).await;
    assert_eq!(
        findings(&report),
        ["transfer-timeout@epsv", "transfer-timeout@pasv"],
        "{}",
        run.shown
    );
    let transfer = &mode(&report, "pasv")["transfer"];
    assert_eq!(transfer["stalled_at"], "transfer-end", "{}", run.shown);
    assert!(
        transfer["bytes"].as_u64().is_some_and(|b| b > 0),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_answering_everything_421_is_a_refused_login() {
    let (run, report) = probe_fault(Fault::All421, &[]).await;
    assert_eq!(findings(&report), ["control-failed@-"], "{}", run.shown);
    let (stage, kind, detail) = control_error(&report);
    assert_eq!((stage.as_str(), kind.as_str()), ("login", "refused"));
    assert!(detail.contains("421"), "{}", run.shown);
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_as_large_as_the_reply_limit_still_work() {
    let (run, report) = probe_fault(Fault::HugeReplies, &[]).await;
    assert_eq!(findings(&report), Vec::<String>::new(), "{}", run.shown);
    assert_eq!(statuses(&report)[..2], ["epsv=ok", "pasv=ok"]);
    // Five 4 KiB lines of invalid UTF-8, kept as U+FFFD, and the real last line.
    let banner = report["control"]["banner"].as_str().unwrap_or_default();
    assert!(banner.len() > 60_000, "banner of {} bytes", banner.len());
    assert!(
        banner.ends_with("fault lab: huge-replies."),
        "{}",
        run.shown
    );
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn reply_past_the_byte_limit_is_refused_not_kept() {
    let (run, report) = probe_fault(Fault::OversizedReply, &[]).await;
    assert_eq!(findings(&report), ["control-failed@-"], "{}", run.shown);
    let (stage, kind, detail) = control_error(&report);
    assert_eq!((stage.as_str(), kind.as_str()), ("banner", "bad-reply"));
    assert!(detail.contains("larger than 65536 bytes"), "{}", run.shown);
    // What the report shows of the server stays small: nothing of the 3 MiB banner.
    assert!(
        run.stdout.len() < 64 * 1024,
        "report of {} bytes",
        run.stdout.len()
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn active_connection_from_another_loopback_address_is_active_unexpected_source() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.active_source = Some("127.0.0.2".parse().unwrap_or_else(|e| panic!("{e}")));
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = probe(&server.url(), &["--modes", "eprt,port"], &[]).await;
    let report = checked(&run);
    assert_eq!(
        findings(&report),
        [
            "active-unexpected-source@eprt",
            "active-unexpected-source@port"
        ],
        "{}",
        run.shown
    );
    for name in ["eprt", "port"] {
        let from = mode(&report, name)["accept"]["from"].clone();
        assert!(
            from.as_str().is_some_and(|f| f.starts_with("127.0.0.2:")),
            "{from}"
        );
    }
    assert_eq!(statuses(&report)[2..], ["eprt=warn", "port=warn"]);
    // A warning is below the default --fail-on error.
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn lab_on_another_loopback_address_connects_back_from_it() {
    let mut config = LabConfig::new(Scenario::Healthy);
    config.listen = "127.0.0.2:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = probe(&server.url(), &["--modes", "eprt,port"], &[]).await;
    let report = checked(&run);
    // From the control connection's address, as a real server: no unexpected source.
    assert_eq!(findings(&report), Vec::<String>::new(), "{}", run.shown);
    for name in ["eprt", "port"] {
        let from = mode(&report, name)["accept"]["from"].clone();
        assert!(
            from.as_str().is_some_and(|f| f.starts_with("127.0.0.2:")),
            "{from}"
        );
    }
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_lab_refuses_to_listen_beyond_loopback() {
    let args = ["lab", "--fault", "all-421", "--listen", "0.0.0.0:0"];
    let run = ftpdoctor(args.map(String::from).to_vec(), Vec::new()).await;
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.stderr.contains("loopback only"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn lab_fault_binary_prints_its_url_and_serves_the_fault() {
    let lab = common::bin::LabProcess::spawn(&["lab", "--fault", "pasv-negative"]);
    let url = lab.url.clone();
    let run = if url.starts_with("ftp://127.0.0.1:") {
        Some(probe(&url, &["--modes", "pasv"], &[]).await)
    } else {
        None
    };
    drop(lab);
    let run = run.unwrap_or_else(|| panic!("no ftp://127.0.0.1 URL first: {url:?}"));
    let report = checked(&run);
    assert_eq!(
        findings(&report),
        ["pasv-unparseable@pasv"],
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sequential_probe_replaces_broken_sessions_within_the_deadline() {
    // One connection, modes in turn: a mode that leaves it out of step makes the next
    // one reconnect. A 600 ms --timeout lets both modes time out well inside the 2 s
    // deadline, so which of the two ends a mode never depends on the machine's load.
    let cases: [(Fault, &[&str]); 4] = [
        (
            Fault::SilentData,
            &["transfer-timeout@epsv", "transfer-timeout@pasv"],
        ),
        (
            Fault::CloseMidReply,
            &["control-failed@epsv", "control-failed@pasv"],
        ),
        (
            Fault::RstAfter227,
            &["transfer-failed@epsv", "transfer-failed@pasv"],
        ),
        // EPSV's data trickles until the deadline; PASV is never reached.
        (
            Fault::TrickleData,
            &["deadline-exceeded@-", "deadline-exceeded@epsv"],
        ),
    ];
    for (fault, want) in cases {
        let (run, report) = probe_fault(fault, &["--sequential", "--timeout", "600ms"]).await;
        assert_eq!(findings(&report), want, "{fault}: {}", run.shown);
        assert_eq!(run.code, 1, "{fault}: {}", run.shown);
    }
}

/// A fault server probed with `args` after the URL (EPSV and PASV only).
async fn probe_fault_with(fault: Fault, args: &[&str]) -> (Run, Value) {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = FaultServer::start(fault, listen)
        .await
        .unwrap_or_else(|e| panic!("starting fault {fault}: {e}"));
    let url = server.url();
    let mut all = vec![
        "probe",
        url.as_str(),
        "--format",
        "json",
        "--modes",
        "epsv,pasv",
    ];
    all.extend_from_slice(args);
    let run = ftpdoctor(all.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert!(!run.stderr.contains("panicked"), "{}", run.shown);
    let report = run.json();
    (run, report)
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_greeting_is_banner_slow_never_a_refusal() {
    // Greeted after 1.5 s, past --timeout 1s, on every connection: the probe keeps
    // listening, and the concurrent modes' own connections are not "refused".
    let args = ["--tls", "off", "--timeout", "1s", "--deadline", "8s"];
    let (run, report) = probe_fault_with(Fault::SlowGreeting, &args).await;
    assert_eq!(findings(&report), ["banner-slow@-"], "{}", run.shown);
    assert_eq!(
        statuses(&report)[..2],
        ["epsv=ok", "pasv=ok"],
        "{}",
        run.shown
    );
    assert_eq!(report["strategy"], "concurrent", "{}", run.shown);
    let f = &report["findings"][0];
    assert_eq!(f["severity"], "warn");
    let evidence = f["evidence"].as_str().unwrap_or_default();
    assert!(
        evidence.contains("1.5 s on the first control connection"),
        "{evidence}"
    );
    assert!(evidence.contains("on PASV's own connection"), "{evidence}");
    let fix = f["fix"].as_str().unwrap_or_default();
    for setting in ["reverse_lookup_enable=NO", "UseReverseDNS off", "-H"] {
        assert!(fix.contains(setting), "{fix}");
    }
    let greeting = report["control"]["greeting_ms"].as_f64().unwrap_or(0.0);
    assert!((1400.0..3000.0).contains(&greeting), "{greeting}");
    // A warning is under the default --fail-on error.
    assert_eq!(run.code, 0, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_race_after_234_is_named_with_the_plaintext_reply_quoted() {
    let args = ["--tls", "explicit", "--timeout", "1s", "--deadline", "4s"];
    let (run, report) = probe_fault_with(Fault::TlsRace, &args).await;
    assert_eq!(findings(&report), ["tls-starttls-race@-"], "{}", run.shown);
    let evidence = report["findings"][0]["evidence"]
        .as_str()
        .unwrap_or_default();
    assert!(
        evidence.contains("\"502 Command not allowed: \\x16\\x03\\x01"),
        "{evidence}"
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_race_with_tls_auto_goes_on_in_plaintext_and_tests_the_modes() {
    let args = ["--timeout", "1s", "--deadline", "4s"];
    let (run, report) = probe_fault_with(Fault::TlsRace, &args).await;
    assert_eq!(findings(&report), ["tls-starttls-race@-"], "{}", run.shown);
    assert_eq!(
        statuses(&report)[..2],
        ["epsv=ok", "pasv=ok"],
        "{}",
        run.shown
    );
    assert_eq!(report["control"]["tls"], "none", "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_tls_with_tls_auto_reports_the_failure_then_tests_the_modes() {
    // 234, then a fatal handshake_failure alert: reported, and plaintext goes on.
    let args = ["--timeout", "1s", "--deadline", "4s"];
    let (run, report) = probe_fault_with(Fault::TlsBroken, &args).await;
    assert_eq!(
        findings(&report),
        ["tls-handshake-failed@-"],
        "{}",
        run.shown
    );
    assert_eq!(
        statuses(&report)[..2],
        ["epsv=ok", "pasv=ok"],
        "{}",
        run.shown
    );
    let summary = report["findings"][0]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(summary.contains("HandshakeFailure"), "{summary}");
    assert!(summary.contains("went on in plaintext"), "{summary}");
    assert_eq!(
        report["control"]["tls_details"]["error"]["reason"], "protocol",
        "{}",
        run.shown
    );
    assert_eq!(run.code, 1, "{}", run.shown);
}
