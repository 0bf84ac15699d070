//! Observations → findings. Pure functions over the probe's outcome types: no I/O, no
//! clocks, so every rule is tested with hand-built outcomes.
//!
//! - `context`: what every rule shares: `new_finding` (a finding filled from the
//!   catalogue) and `Cx` (one mode of one outcome).
//! - `control`: the control connection as a whole (`mode: None`).
//! - `modes`: one data-connection mode, step by step, and its second data connection.
//! - `tls`: FTPS only (AUTH TLS, handshakes, certificate, PROT).
//! - `nat`: every NAT and ALG rule: a NAT in front of the client or the server, from
//!   every piece of evidence, and a middlebox that rewrites plaintext FTP.
//! - `source`: who really made the data connection (a NAT pool, a load balancer), and
//!   the known replies of servers that reject a data connection for its source.
//! - [`rounds`]: `--repeat`, the rounds put together (mode-intermittent, the failed
//!   rounds' errors kept).
//! - `missing_path`: a URL path the server says does not exist (550) while the data
//!   connections worked: one `path-not-found`, not a failed transfer per mode.
//! - `tls_login`: a server that requires TLS before the login (`plaintext-login-refused`).
//! - `catalogue`: each id's severity, fix and reference, in one place.
//! - `fixes`: the branch of a fix that applies to what was seen, and each id's short fix.
//! - `cause`: findings grouped by cause, root causes first.
//! - `headline`: the answer at a glance — modes that work, root cause, the one fix.
//! - `words`: how replies, addresses and dials are quoted in evidence.
//! - [`allow`]: `--allow ID[@MODE]`, findings accepted for the exit code.
//! - [`clients`]: which clients will work — each client profile's predicted fate from the
//!   same records and findings (docs/clients.md).
//!
//! Imports among these files form a tree (no circle): leaves (`finding`, `words`,
//! `catalogue`, `context`) below the topic files, `modes` above the topics it calls,
//! `mod.rs` on top. tests/it/diagnose_tree.rs checks it.
//!
//! docs/findings.md describes every id; a test keeps the two in step.

pub mod allow;
mod catalogue;
mod cause;
pub mod clients;
mod context;
mod control;
mod finding;
mod fixes;
mod headline;
mod missing_path;
mod modes;
mod nat;
mod paths;
mod proxy;
pub mod rounds;
mod source;
mod tls;
mod tls_login;
mod transfers;
mod words;

pub use allow::{Allow, AllowError};
pub use cause::{ByCause, by_cause};
pub use finding::{Finding, FindingId, Severity};
pub use headline::{FindingRef, Summary, summarize};
pub use missing_path::not_exercised;
pub use modes::refusal;

use crate::probe::record::{Mode, ProbeOutcome};

/// Every finding the outcome supports, control-connection findings first, then by mode
/// in [`Mode::ALL`] order (whatever order the outcome lists its modes in).
pub fn diagnose(outcome: &ProbeOutcome) -> Vec<Finding> {
    let mut findings = control::findings(outcome);
    findings.extend(tls_login::plaintext_login_refused(outcome));
    findings.extend(paths::translated_path(outcome));
    findings.extend(source::egress_address_varies(outcome));
    findings.extend(source::lb_no_affinity(outcome));
    for mode in Mode::ALL {
        for m in outcome.modes.iter().filter(|m| m.mode == mode) {
            findings.extend(modes::findings(outcome, m));
            findings.extend(modes::second_connection(outcome, m));
        }
    }
    findings.extend(paths::sampled_range(outcome));
    findings.extend(transfers::findings(outcome));
    proxy::adjust(outcome, &mut findings);
    missing_path::path_not_found(outcome, &mut findings);
    findings
}

/// The one fix that matters most for `f`, naming the setting (the branch that applies
/// to what was seen, when its fix has branches).
pub fn short_fix(f: &Finding) -> &'static str {
    fixes::short_for(f)
}

/// The catalogue's severity, fix and reference for `id`, for the layers that build
/// findings of their own from files rather than from a probe (`inspect`).
pub fn catalogue_entry(id: FindingId) -> (Severity, &'static str, &'static str) {
    let entry = catalogue::entry(id);
    (entry.severity, entry.fix, entry.reference)
}

#[cfg(test)]
mod field_tests;
#[cfg(test)]
mod mode_tests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;
