//! Long and large transfers against the lab: the full-size packet check finds the
//! mtu-blackhole scenario's black hole and passes the healthy lab; --size-check off leaves
//! it out; --upload and --idle (below).

use crate::common;

use serde_json::Value;

use common::bin::Ftpdoctor;
use common::start;
use ftpdoctor::lab::Scenario;

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn probe_json(scenario: Scenario, extra: &[&str]) -> (Value, common::cli::Run) {
    let lab = start(scenario).await;
    let run = Ftpdoctor::probe(&lab.url())
        .args(&["--tls", "off", "--format", "json"])
        .args(extra)
        .run_async()
        .await;
    let report = run.json();
    lab.shutdown().await;
    (report, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtu_blackhole_is_proven_by_a_stall_at_full_mss_and_a_pass_at_1200() {
    let (r, run) = probe_json(Scenario::MtuBlackhole, &[]).await;
    assert_eq!(run.code, 1, "{}", run.shown);
    assert_eq!(ids(&r), ["mtu-blackhole"], "{}", run.shown);
    let check = &r["size_check"];
    assert_eq!(check["outcome"], "stalled", "{check}");
    assert_eq!(check["mode"], "epsv");
    assert_eq!(check["path"], "pub/1MiB.bin");
    assert_eq!(check["stalled_at_bytes"], 1024);
    assert_eq!(check["mss_set"], serde_json::json!([null, 1200]));
    let back = check["mss_read_back"][1].as_u64().unwrap_or(0);
    assert!((1100..=1200).contains(&back), "{check}");
    assert!(
        check["mss_read_back"][0].as_u64().unwrap_or(0) > 1200,
        "{check}"
    );
    let modes_ok = r["modes"]
        .as_array()
        .is_some_and(|m| m.iter().all(|m| m["status"] == "ok"));
    assert!(modes_ok, "the listing works in every mode: {}", run.shown);
    let finding = &r["findings"][0];
    assert_eq!(finding["mode"], Value::Null);
    let summary = finding["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("1024 bytes") && summary.contains("TCP_MAXSEG 1200"),
        "{summary}"
    );
    let curl = r["clients"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "curl"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(curl["prediction"], "hangs", "{curl}");
    assert_eq!(curl["step"], "transfer", "{curl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_size_check_reads_256_kib_of_the_largest_file_one_level_below() {
    let (r, run) = probe_json(Scenario::Healthy, &[]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let check = &r["size_check"];
    assert_eq!(check["outcome"], "ok", "{check}");
    assert_eq!(check["path"], "pub/1MiB.bin");
    assert_eq!(check["size"], 1_048_576);
    let bytes = check["bytes"].as_u64().unwrap_or(0);
    assert!((256 * 1024..1024 * 1024).contains(&bytes), "{check}");
    assert_eq!(check["mss_set"], serde_json::json!([null]));
    assert!(
        !ids(&r).iter().any(|id| id == "transfer-capped"),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_size_check_keeps_to_the_one_control_connection() {
    // A server that admits one connection would refuse a second session; --sequential
    // promises one control connection, and the size check keeps that promise.
    let (r, run) = probe_json(Scenario::Healthy, &["--sequential", "--transcript"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert_eq!(r["size_check"]["outcome"], "ok", "{}", r["size_check"]);
    let mut sessions: Vec<&str> = r["transcript"]
        .as_array()
        .map(|t| t.iter().filter_map(|e| e["session"].as_str()).collect())
        .unwrap_or_default();
    sessions.dedup();
    assert_eq!(sessions, ["control"], "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_check_off_leaves_it_out_and_a_file_url_is_fetched_itself() {
    let (r, _) = probe_json(Scenario::MtuBlackhole, &["--size-check", "off"]).await;
    assert!(r.get("size_check").is_none(), "{r}");
    assert_eq!(r["verdict"], "ok");
    let lab = start(Scenario::Healthy).await;
    let url = format!("{}pub/readme.txt", lab.url());
    let run = Ftpdoctor::probe(&url)
        .args(&["--tls", "off", "--format", "json", "--modes", "epsv"])
        .run_async()
        .await;
    let check = &run.json()["size_check"];
    assert_eq!(check["outcome"], "skipped", "{check}");
    let why = check["skipped_why"].as_str().unwrap_or("");
    assert!(
        why.contains("pub/readme.txt") || why.contains("too few"),
        "{why}"
    );
    lab.shutdown().await;
}

async fn probe_lab(lab: &ftpdoctor::lab::LabServer, extra: &[&str]) -> (Value, common::cli::Run) {
    let run = Ftpdoctor::probe(&lab.url())
        .args(&["--tls", "off", "--format", "json"])
        .args(extra)
        .run_async()
        .await;
    (run.json(), run)
}

async fn lab_with(
    scenario: Scenario,
    change: impl FnOnce(&mut ftpdoctor::lab::LabConfig),
) -> ftpdoctor::lab::LabServer {
    let mut config = ftpdoctor::lab::LabConfig::new(scenario);
    config.data_timeout = common::LAB_DATA_TIMEOUT;
    change(&mut config);
    ftpdoctor::lab::LabServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writable_upload_stores_both_files_checks_their_size_and_deletes_them() {
    let lab = start(Scenario::Writable).await;
    let (r, run) = probe_lab(&lab, &["--upload"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let up = &r["upload"];
    let name = up["name"].as_str().unwrap_or("");
    assert!(
        name.starts_with("ftpdoctor-") && name.ends_with(".tmp"),
        "{up}"
    );
    assert!(!name.contains('/') && !name.starts_with('.'), "{up}");
    assert_eq!(up["small"]["size_after"], 64, "{up}");
    assert_eq!(up["large"]["size_after"], 262_144, "{up}");
    assert_eq!(up["dele"], "ok");
    assert_eq!(up["left_behind"], false);
    assert_eq!(
        lab.uploaded_size(&format!("/{name}")),
        None,
        "left on the lab"
    );
    assert!(
        !ids(&r).iter().any(|id| id.starts_with("upload")),
        "{}",
        run.shown
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_write_permission_is_upload_refused_info_not_a_fault() {
    let (r, run) = probe_json(Scenario::Healthy, &["--upload"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        ids(&r).contains(&"upload-refused".to_string()),
        "{}",
        run.shown
    );
    assert_eq!(r["upload"]["dele"], Value::Null);
    assert_eq!(r["upload"]["large"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_dele_is_reported_loudly_with_the_name_left_behind() {
    let lab = lab_with(Scenario::Writable, |c| c.refuse_dele = true).await;
    let (r, run) = probe_lab(&lab, &["--upload"]).await;
    let up = &r["upload"];
    assert_eq!(up["dele"], "failed", "{up}");
    assert_eq!(up["left_behind"], true, "{up}");
    let name = up["name"].as_str().unwrap_or("");
    let left = r["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "upload-refused"))
        .and_then(|f| f["summary"].as_str())
        .unwrap_or("");
    assert!(
        left.contains(&format!("{name} IS LEFT BEHIND")),
        "{}",
        run.shown
    );
    assert_eq!(lab.uploaded_size(&format!("/{name}")), Some(64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtu_blackhole_upload_passes_small_and_proves_the_hole_in_the_other_direction() {
    let (r, run) = probe_json(Scenario::MtuBlackhole, &["--upload"]).await;
    assert_eq!(ids(&r), ["mtu-blackhole"], "{}", run.shown);
    let up = &r["upload"];
    assert_eq!(up["small"]["tries"][0]["outcome"], "ok", "{up}");
    assert_eq!(up["large"]["tries"][0]["outcome"], "stalled", "{up}");
    assert_eq!(up["large"]["tries"][1]["mss_set"], 1200, "{up}");
    assert_eq!(up["large"]["tries"][1]["outcome"], "ok", "{up}");
    assert_eq!(up["dele"], "ok");
}

async fn idle_on(scenario: Scenario) -> (Value, common::cli::Run) {
    let lab = lab_with(scenario, |c| {
        c.idle_after = std::time::Duration::from_millis(300)
    })
    .await;
    // 8 connections idle 1 s, 500 ms … 7.8 ms: the lab forgets those over 300 ms.
    let out = probe_lab(&lab, &["--idle", "1s", "--size-check", "off"]).await;
    lab.shutdown().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_is_measured_between_the_idle_times_that_survived_and_were_lost() {
    let (r, run) = idle_on(Scenario::IdleTimeout).await;
    assert_eq!(run.code, 0, "a warning only: {}", run.shown);
    let idle = &r["idle"];
    assert_eq!(idle["survived_s"], 0.25, "{idle}");
    assert_eq!(idle["lost_s"], 0.5, "{idle}");
    assert_eq!(idle["how"], "silent", "{idle}");
    assert_eq!(idle["tries"].as_array().map(Vec::len), Some(8));
    assert!(
        ids(&r).contains(&"control-idle-timeout".to_string()),
        "{}",
        run.shown
    );
    assert_eq!(
        r["deadline_ms"], 31_000.0,
        "--idle 1s raises the deadline to 31 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_reset_is_told_apart_from_a_silent_loss() {
    let (r, run) = idle_on(Scenario::IdleReset).await;
    assert_eq!(r["idle"]["how"], "reset", "{}", run.shown);
    let (r, run) = idle_on(Scenario::Healthy).await;
    assert_eq!(r["idle"]["lost_s"], Value::Null, "{}", run.shown);
    assert_eq!(r["idle"]["survived_s"], 1.0, "{}", run.shown);
    assert!(!ids(&r).contains(&"control-idle-timeout".to_string()));
}

#[test]
fn a_deadline_shorter_than_idle_plus_its_margin_is_refused() {
    let run = Ftpdoctor::new(&[
        "probe",
        "ftp://127.0.0.1:9/",
        "--idle",
        "10s",
        "--deadline",
        "20s",
    ])
    .run();
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.stderr
            .contains("--deadline 20.0 s is shorter than --idle 10.0 s plus 30.0 s"),
        "{}",
        run.shown
    );
}
