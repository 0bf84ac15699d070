//! A server that requires TLS before the login. Probed over TLS the modes work, yet every
//! client that logs in in plaintext fails: `plaintext-login-refused` says so, so that the
//! verdict and the client matrix agree. Probed with `--tls off` the login itself fails:
//! `login-failed` then carries the "use FTPS" branch of its fix, not "check the password".

use super::context::new_finding;
use super::finding::{Finding, FindingId};
use crate::probe::record::{ProbeOutcome, Tls};

/// `plaintext-login-refused` (`mode: null`) when the probe logged in over TLS and the
/// plaintext comparison session's login was refused.
pub(super) fn plaintext_login_refused(outcome: &ProbeOutcome) -> Option<Finding> {
    let c = &outcome.control;
    if c.tls == Tls::None {
        return None;
    }
    let reply = outcome.plaintext_check.as_ref()?.login_refused.as_ref()?;
    let anonymous = crate::proto::command::is_anonymous(&c.user);
    let lftp = if anonymous {
        ", and lftp for anonymous logins (ftp:ssl-allow-anonymous is off by default)"
    } else {
        ""
    };
    Some(new_finding(
        FindingId::PlaintextLoginRefused,
        None,
        format!(
            "The server refuses a plaintext login ({}): clients that do not use FTPS fail at \
             login.",
            reply.code
        ),
        format!(
            "this probe logged in over TLS; a plaintext session's login as \"{}\" was answered \
             {}: curl without --ssl-reqd, wget, Python's ftplib.FTP and Windows ftp.exe fail \
             there{lftp}",
            c.user,
            super::words::quote(reply)
        ),
    ))
}

/// The key of the "use FTPS" branch of `login-failed`'s fix.
pub(super) const TLS_REQUIRED: &str = "tls-required";

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{FindingId, diagnose};
    use crate::probe::record::{PlaintextCheck, Tls};

    #[test]
    fn tls_required_probed_over_tls_warns_that_plaintext_logins_are_refused() {
        let mut o = healthy();
        o.control.tls = Tls::Explicit;
        o.plaintext_check = Some(PlaintextCheck {
            login_refused: reply(530, "Anonymous sessions must use encryption."),
            ..PlaintextCheck::default()
        });
        let f = only(&o, FindingId::PlaintextLoginRefused);
        assert_eq!(f.mode, None);
        assert!(f.evidence.contains("lftp for anonymous"), "{}", f.evidence);
        assert!(
            f.evidence.contains("530 Anonymous sessions"),
            "{}",
            f.evidence
        );
        assert!(f.fix.contains("ftp:ssl-allow-anonymous") && !f.fix.contains("ssl-force"));
        // Over plain FTP there was no comparison to make.
        o.control.tls = Tls::None;
        assert!(
            diagnose(&o)
                .iter()
                .all(|f| f.id != FindingId::PlaintextLoginRefused)
        );
    }
}
