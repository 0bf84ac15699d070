//! Black-box: the report's `timeline` against the lab — what each connection did, in
//! time order, as the JSON report and `--transcript` show it.

use crate::common;

use serde_json::Value;

use common::cli::{ftpdoctor, probe_json};
use common::start;
use ftpdoctor::lab::{Fault, FaultServer, Scenario};

fn timeline(report: &Value) -> Vec<Value> {
    report["timeline"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no timeline: {report}"))
}

fn s<'a>(event: &'a Value, field: &str) -> &'a str {
    event[field].as_str().unwrap_or_default()
}

/// The events of one connection, by name.
fn names_on(events: &[Value], conn: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| s(e, "conn") == conn)
        .map(|e| s(e, "event").to_string())
        .collect()
}

async fn report_of(scenario: Scenario, extra: &[&str]) -> Value {
    let server = start(scenario).await;
    let mut args = vec!["--tls", "off"];
    args.extend_from_slice(extra);
    let run = probe_json(&server.url(), &args).await;
    assert!(run.code == 0 || run.code == 1, "{}", run.shown);
    run.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn blackholed_data_port_shows_a_connect_that_never_got_an_answer() {
    let report = report_of(Scenario::BlockedData, &["--modes", "pasv"]).await;
    let events = timeline(&report);
    assert_eq!(
        names_on(&events, "data-pasv"),
        ["connect", "timeout"],
        "{events:#?}"
    );
    let connect = events
        .iter()
        .find(|e| s(e, "conn") == "data-pasv")
        .unwrap_or_else(|| panic!("{events:#?}"));
    assert_eq!(s(connect, "mode"), "pasv");
    let timeout = &events
        .iter()
        .filter(|e| s(e, "conn") == "data-pasv")
        .nth(1)
        .cloned()
        .unwrap_or_default();
    let waited =
        timeout["t_ms"].as_f64().unwrap_or_default() - connect["t_ms"].as_f64().unwrap_or_default();
    assert!(waited >= 900.0, "the dial waited --timeout 1s: {waited} ms");
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_data_port_shows_the_connect_refused() {
    let report = report_of(Scenario::RefusedData, &["--modes", "epsv"]).await;
    let events = timeline(&report);
    assert_eq!(
        names_on(&events, "data-epsv"),
        ["connect", "refused"],
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn password_is_masked_and_events_are_in_time_order() {
    let server = start(Scenario::Healthy).await;
    let url = format!("ftp://student:lab-password@{}/", server.addr());
    let run = probe_json(&url, &["--tls", "off"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(!run.stdout.contains("lab-password"), "{}", run.shown);
    let events = timeline(&run.json());
    let sends: Vec<&str> = events
        .iter()
        .filter(|e| s(e, "event") == "send")
        .map(|e| s(e, "line"))
        .collect();
    assert!(sends.contains(&"PASS ****"), "{sends:?}");
    let times: Vec<f64> = events.iter().filter_map(|e| e["t_ms"].as_f64()).collect();
    assert_eq!(times.len(), events.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_shows_accept_data_and_the_servers_close() {
    let report = report_of(Scenario::Healthy, &["--modes", "port"]).await;
    let events = timeline(&report);
    let data = names_on(&events, "data-port");
    assert_eq!(
        data,
        ["listen", "accepted", "data-first", "data-last", "close"],
        "{events:#?}"
    );
    let close = events
        .iter()
        .rfind(|e| s(e, "conn") == "data-port")
        .cloned()
        .unwrap_or_default();
    assert_eq!((s(&close, "by"), s(&close, "how")), ("peer", "fin"));
    let last = events
        .iter()
        .find(|e| s(e, "event") == "data-last")
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["bytes"], mode_bytes(&report, "port"), "{last}");
    // The control session's commands during the mode carry the mode's name.
    let port = events
        .iter()
        .find(|e| s(e, "event") == "send" && s(e, "line").starts_with("PORT "))
        .cloned()
        .unwrap_or_default();
    assert_eq!(s(&port, "mode"), "port", "{port}");
    assert!(s(&port, "conn").starts_with("control-"), "{port}");
}

fn mode_bytes(report: &Value, mode: &str) -> Value {
    report["modes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["mode"] == mode)
        .map(|m| m["transfer"]["bytes"].clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn server_that_resets_after_227_shows_a_close_by_the_peer() {
    let listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let server = FaultServer::start(Fault::RstAfter227, listen)
        .await
        .unwrap_or_else(|e| panic!("starting the fault: {e}"));
    let url = format!("ftp://{}/", server.addr());
    let run = probe_json(&url, &["--tls", "off", "--modes", "pasv"]).await;
    let events = timeline(&run.json());
    let closes: Vec<&Value> = events
        .iter()
        .filter(|e| s(e, "event") == "close" && s(e, "by") == "peer")
        .collect();
    assert!(
        closes.iter().any(|e| s(e, "conn").starts_with("control-")),
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transcript_prints_the_timeline_with_session_labels() {
    let server = start(Scenario::Healthy).await;
    let args = [
        "probe",
        &server.url(),
        "--tls",
        "off",
        "--transcript",
        "--modes",
        "epsv,pasv",
    ];
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let tail = run
        .stdout
        .split("timeline (ms from the start of the probe):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no timeline:\n{}", run.shown));
    assert!(tail.contains("[control-1 control] > PASS ****"), "{tail}");
    assert!(tail.contains("[control-1 epsv] > EPSV"), "{tail}");
    assert!(tail.contains("[control-2 pasv] > PASV"), "{tail}");
    assert!(tail.contains("[data-pasv] connect → 127.0.0.1:"), "{tail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_handshakes_are_events_and_data_connections_say_resumed() {
    let server = start(Scenario::Tls).await;
    let ca = common::ca_file(&server).unwrap_or_else(|| panic!("the tls lab has a CA"));
    let ca = ca.display().to_string();
    let run = probe_json(&server.url(), &["--ca-file", &ca, "--modes", "epsv"]).await;
    assert_eq!(run.code, 0, "{}", run.shown);
    let events = timeline(&run.json());
    let done: Vec<&Value> = events
        .iter()
        .filter(|e| s(e, "event") == "tls-done")
        .collect();
    assert!(
        done.iter()
            .any(|e| s(e, "conn") == "control-1" && e["resumed"] == false),
        "{events:#?}"
    );
    assert!(
        done.iter()
            .any(|e| s(e, "conn") == "data-epsv" && e["resumed"] == true),
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn private_pasv_address_not_dialled_is_a_substitute_event_with_its_reason() {
    let report = report_of(Scenario::PrivatePasv, &["--modes", "pasv"]).await;
    let events = timeline(&report);
    let names = names_on(&events, "data-pasv");
    assert_eq!(
        names.get(..3),
        Some(&["substitute", "connect", "connected"].map(String::from)[..]),
        "{events:#?}"
    );
    let sub = events
        .iter()
        .find(|e| s(e, "event") == "substitute")
        .unwrap_or_else(|| panic!("{events:#?}"));
    let port = s(sub, "to").rsplit(':').next().unwrap_or_default();
    assert_eq!(s(sub, "advertised"), format!("10.0.0.5:{port}"), "{sub}");
    assert_eq!(s(sub, "to"), format!("127.0.0.1:{port}"), "{sub}");
    assert_eq!(s(sub, "why"), "advertised-differs", "{sub}");
    assert_eq!(s(sub, "mode"), "pasv", "{sub}");
}

#[tokio::test(flavor = "multi_thread")]
async fn double_v_prints_the_conversation_as_curl_does_and_says_why_an_address_was_skipped() {
    let server = start(Scenario::PrivatePasv).await;
    let args = [
        "probe",
        &server.url(),
        "--tls",
        "off",
        "--modes",
        "pasv",
        "-vv",
    ];
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert_eq!(run.code, 1, "{}", run.shown);
    let tail = run
        .stdout
        .split("conversation (-vv")
        .nth(1)
        .unwrap_or_else(|| panic!("no conversation:\n{}", run.shown));
    assert!(tail.contains("* session control-1 control"), "{tail}");
    assert!(tail.contains("> PASS ****"), "{tail}");
    assert!(
        tail.contains("< 227 Entering Passive Mode (10,0,0,5,"),
        "{tail}"
    );
    assert!(
        tail.contains("* Skip 10.0.0.5 for data connection (advertised-differs"),
        "{tail}"
    );
    assert!(tail.contains("connect to 127.0.0.1:"), "{tail}");
    // -v alone keeps its meaning: findings in full, no conversation.
    let args = [
        "probe",
        &server.url(),
        "--tls",
        "off",
        "--modes",
        "pasv",
        "-v",
    ];
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    assert!(!run.stdout.contains("conversation (-vv"), "{}", run.shown);
    assert!(run.stdout.contains("reference:"), "{}", run.shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn transcript_grouped_prints_each_session_together() {
    let server = start(Scenario::PrivatePasv).await;
    let args = [
        "probe",
        &server.url(),
        "--tls",
        "off",
        "--modes",
        "epsv,pasv",
        "--transcript=grouped",
    ];
    let run = ftpdoctor(args.iter().map(ToString::to_string).collect(), Vec::new()).await;
    let tail = run
        .stdout
        .split("timeline by session (ms from the start of the probe):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no grouped timeline:\n{}", run.shown));
    let headers: Vec<&str> = tail.lines().filter(|l| l.starts_with('[')).collect();
    // Each session once, in the order it began.
    let mut unique = headers.clone();
    unique.dedup();
    assert_eq!(headers, unique, "{tail}");
    assert!(headers.contains(&"[data-pasv]"), "{tail}");
    assert!(
        tail.contains("10.0.0.5 not dialled: it is not the server's address"),
        "{tail}"
    );
}
