//! The probe as a library, against the lab: what needs settings the CLI does not offer.

use crate::common;

use common::start;
use ftpdoctor::lab::Scenario;
use ftpdoctor::lab::fs::BIG_FILE_SIZE;
use ftpdoctor::probe::{Credentials, ProbeConfig, ProbeOptions, Strategy, TransferResult, probe};
use ftpdoctor::target::Target;

#[tokio::test(flavor = "multi_thread")]
async fn transfer_cap_stops_reading_and_keeps_the_session_in_step() {
    let server = start(Scenario::Healthy).await;
    let url = format!("{}pub/1MiB.bin", server.url());
    let target = Target::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let options = ProbeOptions {
        sequential: true,
        max_transfer_bytes: 64 * 1024,
        // The full-size packet check has a session of its own; this test is about the modes'.
        size_check: false,
        ..ProbeOptions::default()
    };
    let config = ProbeConfig::new(target, Credentials::anonymous(), options);
    let outcome = probe(&config).await;
    assert_eq!(outcome.strategy, Strategy::Sequential);
    for m in &outcome.modes {
        let t = m
            .transfer
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no transfer: {m:?}", m.mode));
        assert_eq!(t.outcome, TransferResult::Ok, "{m:?}");
        assert!(t.truncated, "{m:?}");
        assert!(
            t.bytes >= 64 * 1024 && t.bytes < BIG_FILE_SIZE as u64,
            "{m:?}"
        );
        // The server's answer to our hang-up was read, so the next mode could follow.
        assert!(t.final_reply.is_some(), "{m:?}");
    }
    // One session for all four: the cap never forced a reconnect.
    assert!(
        outcome.transcript.iter().all(|l| l.session == "control"),
        "{:?}",
        outcome.transcript
    );
    let logins = outcome
        .transcript
        .iter()
        .filter(|l| l.line.starts_with("USER"))
        .count();
    assert_eq!(logins, 1, "{:?}", outcome.transcript);
}
