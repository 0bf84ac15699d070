//! Large files: a client that gets the listing through may still hang on a large file
//! when full-size packets vanish on the path (mtu-blackhole). Whatever its mode order, it
//! reads a stalled data connection until its own data timeout, if it has one
//! (docs/clients.md, "Large files and long transfers").

use super::fate::Fate;
use super::{ClientId, ClientStep, Prediction};
use crate::diagnose::{Finding, FindingId};

/// Seconds a client waits on a data connection that stopped moving before it gives up,
/// `None` when it has no such timeout by default and waits for ever.
pub(super) fn data_stall_wait_s(id: ClientId) -> Option<u32> {
    match id {
        // No default: only --speed-limit/--speed-time or --max-time end it.
        ClientId::Curl
        | ClientId::CurlDisableEpsv
        | ClientId::CurlActive
        | ClientId::CurlSslReqd => None,
        // net:timeout.
        ClientId::Lftp | ClientId::LftpActive => Some(300),
        // --read-timeout.
        ClientId::Wget | ClientId::WgetActive => Some(900),
        // No timeout unless the caller gives one; commons-net the same (setDataTimeout).
        ClientId::Ftplib | ClientId::FtplibTls | ClientId::CommonsNet => None,
        // new Client(timeout = 30000).
        ClientId::BasicFtp => Some(30),
        // libncftp's transfer timeout.
        ClientId::Ncftp | ClientId::NcftpActive => Some(600),
        ClientId::Tnftp | ClientId::TnftpActive | ClientId::WindowsFtp => None,
        // Settings > Connection > Timeout: 20 s.
        ClientId::Filezilla => Some(20),
        // Preferences > Connection > Timeout: 15 s.
        ClientId::Winscp => Some(15),
    }
}

/// A client predicted to work on the listing hangs on large files behind a proven
/// black hole.
pub(super) fn large_files(id: ClientId, fate: Fate, findings: &[Finding]) -> Fate {
    let black_hole = findings.iter().any(|f| f.id == FindingId::MtuBlackhole);
    if !black_hole || fate.prediction != Prediction::Works {
        return fate;
    }
    let wait_s = data_stall_wait_s(id);
    let gives_up = match wait_s {
        Some(s) => format!("until its data timeout ({s} s)"),
        None => "for ever (no data timeout by default)".to_string(),
    };
    Fate {
        prediction: Prediction::Hangs,
        step: Some(ClientStep::Transfer),
        wait_s,
        reason: format!(
            "the listing works, but a large file stalls: full-size packets vanish on the path \
             (mtu-blackhole); it waits {gives_up}"
        ),
    }
}
