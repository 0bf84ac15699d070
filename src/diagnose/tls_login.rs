//! A server that requires TLS before the login. Probed over TLS the modes work, yet every
//! client that logs in in plaintext fails: `plaintext-login-refused` says so, so that the
//! verdict and the client matrix agree. Probed with `--tls off` the login itself fails:
//! `login-failed` then carries the "use FTPS" branch of its fix, not "check the password".

use super::context::new_finding;
use super::finding::{Finding, FindingId};
use crate::probe::record::{ProbeOutcome, ReplyRecord, Strategy, Tls};

/// `plaintext-login-refused` (`mode: null`) when the probe logged in over TLS and the
/// plaintext comparison session's login was refused.
pub(super) fn plaintext_login_refused(outcome: &ProbeOutcome) -> Option<Finding> {
    let c = &outcome.control;
    if c.tls == Tls::None {
        return None;
    }
    let reply = outcome.plaintext_check.as_ref()?.login_refused.as_ref()?;
    // A server that admits one session refuses the plaintext one for that reason alone
    // (ProFTPD: "530 Sorry, the maximum number of clients (1) from your host are already
    // connected."): that says nothing about plaintext.
    if outcome.strategy == Strategy::SequentialFallback || names_a_session_limit(reply) {
        return None;
    }
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

/// A refusal for the number of sessions, not for plaintext: 421, or the words of the
/// servers' connection limits (ProFTPD MaxClientsPerHost, vsftpd max_per_ip, Pure-FTPd -C).
fn names_a_session_limit(reply: &ReplyRecord) -> bool {
    const LIMIT_WORDS: [&str; 3] = ["maximum number", "too many", "connection limit"];
    let text = reply.text.to_ascii_lowercase();
    reply.code == 421 || LIMIT_WORDS.iter().any(|w| text.contains(w))
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
        // A session limit is no plaintext refusal, whether the probe fell back or not.
        o.plaintext_check = Some(PlaintextCheck {
            login_refused: reply(
                530,
                "Sorry, the maximum number of clients (1) from your host are already connected.",
            ),
            ..PlaintextCheck::default()
        });
        assert!(
            diagnose(&o)
                .iter()
                .all(|f| f.id != FindingId::PlaintextLoginRefused)
        );
        // Over plain FTP there was no comparison to make.
        o.control.tls = Tls::None;
        assert!(
            diagnose(&o)
                .iter()
                .all(|f| f.id != FindingId::PlaintextLoginRefused)
        );
    }
}
