//! Black-box: the TLS session-reuse check. After a data connection that resumed the
//! control connection's TLS session, one more without resumption says whether the server
//! requires reuse (vsftpd `require_ssl_reuse`), and clients that never resume (Python's
//! `FTP_TLS`) are predicted from it.

use crate::common;

use serde_json::Value;

use common::cli::probe_json;
use common::{ca_file, start};
use ftpdoctor::lab::Scenario;

async fn probe(scenario: Scenario, extra: &[&str]) -> (Value, String) {
    let server = start(scenario).await;
    let ca = ca_file(&server).map(|p| p.display().to_string());
    let mut args: Vec<&str> = vec!["--clients", "ftplib-tls,curl-ssl-reqd"];
    if let Some(ca) = &ca {
        args.extend(["--ca-file", ca.as_str()]);
    }
    args.extend_from_slice(extra);
    let run = probe_json(&server.url(), &args).await;
    (run.json(), run.shown)
}

fn prediction(report: &Value, id: &str) -> String {
    report["clients"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == id))
        .map(|c| c["prediction"].as_str().unwrap_or("?").to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn server_requiring_reuse_refuses_the_unresumed_connection_and_ftplib_tls_fails() {
    let (report, shown) = probe(Scenario::TlsReuseRequired, &[]).await;
    let check = &report["tls_reuse_check"];
    assert_eq!(check["accepted"], false, "{shown}");
    assert_eq!(check["reply"]["code"], 522, "{shown}");
    // The modes themselves resumed, and worked.
    assert_eq!(report["verdict"], "ok", "{shown}");
    assert_eq!(prediction(&report, "ftplib-tls"), "fails", "{shown}");
    assert_eq!(prediction(&report, "curl-ssl-reqd"), "works", "{shown}");
}

#[tokio::test]
async fn server_without_reuse_accepts_the_unresumed_connection_and_ftplib_tls_works() {
    let (report, shown) = probe(Scenario::Tls, &[]).await;
    assert_eq!(report["tls_reuse_check"]["accepted"], true, "{shown}");
    assert_eq!(prediction(&report, "ftplib-tls"), "works", "{shown}");
}

#[tokio::test]
async fn no_check_without_tls_or_when_the_modes_never_resumed() {
    let (plain, shown) = probe(Scenario::Healthy, &[]).await;
    assert!(plain.get("tls_reuse_check").is_none(), "{shown}");
    // --no-tls-reuse: no data connection resumed, so there is nothing to compare.
    let (fresh, shown) = probe(Scenario::Tls, &["--no-tls-reuse"]).await;
    assert!(fresh.get("tls_reuse_check").is_none(), "{shown}");
}
