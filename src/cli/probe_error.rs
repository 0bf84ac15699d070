//! Why a `probe` invocation cannot run, and how a bad URL is quoted in that message
//! without a piece of its password.

use std::net::IpAddr;
use std::path::PathBuf;

use super::targets_file::{MAX_TARGET_LINE, MAX_TARGETS, MAX_TARGETS_FILE_BYTES};
use crate::net::TrustError;

/// Why a probe invocation cannot run; never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum ProbeArgsError {
    /// A target that does not parse.
    #[error("target {input:?}: {source}")]
    Target {
        /// The target as given.
        input: String,
        /// Why it does not parse.
        source: crate::target::TargetError,
    },
    /// A URL with a password that does not parse: the parser's own message could quote
    /// a piece of the password (a `/` in it ends the host part early), so none is shown.
    #[error(
        "target {input:?} is not a valid URL; in a password write '/' as %2F, ':' as %3A and '@' as %40 (or use --password-env)"
    )]
    TargetWithPassword {
        /// The target as given (the message quotes it whole, never a piece of it).
        input: String,
    },
    /// One bad line of a --targets-file: that target's error; the others still run.
    #[error("--targets-file {} line {line}: {source}", path.display())]
    TargetsFileTarget {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
        /// What is wrong with the target on that line.
        source: Box<ProbeArgsError>,
    },
    /// The --ca-file cannot be used.
    #[error("--ca-file: {0}")]
    CaFile(#[from] TrustError),
    /// The --password-env variable is not set.
    #[error("--password-env {var}: the variable is not set (or not UTF-8)")]
    PasswordEnvUnset {
        /// The variable's name.
        var: String,
    },
    /// A password without a user to go with it.
    #[error("--password-env needs a user: --user NAME, or ftp://NAME@host/")]
    PasswordWithoutUser,
    /// The netrc file cannot be used.
    #[error("--netrc: {0}")]
    Netrc(#[from] crate::target::NetrcError),
    /// --netrc without a file to read.
    #[error("--netrc: no netrc file ($NETRC and $HOME are both unset)")]
    NoNetrcPath,
    /// --user without a password.
    #[error("--user {user}: no password given (use --password-env VAR or --netrc)")]
    NoPassword {
        /// The user given.
        user: String,
    },
    /// A --deadline too short for --idle.
    #[error(
        "--deadline {deadline} is shorter than --idle {idle} plus {margin}: the idle \
         connections need D and the probe itself about {margin}; raise --deadline or leave it out"
    )]
    DeadlineBelowIdle {
        /// --deadline as given.
        deadline: String,
        /// --idle as given.
        idle: String,
        /// What the probe needs besides the idle time.
        margin: String,
    },
    /// A --proxy that cannot be used (a password in it, a scheme we do not speak).
    #[error("--proxy: {0}")]
    Proxy(#[from] crate::probe::ProxyUrlError),
    /// --proxy-password-env without a user.
    #[error("--proxy-password-env needs a user: --proxy-user NAME")]
    ProxyPasswordWithoutUser,
    /// --proxy-user or --proxy-password-env without --proxy.
    #[error(
        "--proxy-user and --proxy-password-env need --proxy socks5://HOST:PORT or http://HOST:PORT"
    )]
    ProxyLoginWithoutProxy,
    /// An IPv6 --active-addr while PORT is among the modes.
    #[error("--active-addr {addr}: PORT needs an IPv4 address (select --modes without port)")]
    ActiveAddrNotV4 {
        /// The address given.
        addr: IpAddr,
    },
    /// The --targets-file cannot be read.
    #[error("--targets-file {}: {source}", path.display())]
    TargetsFile {
        /// The file as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A --targets-file line longer than any target.
    #[error("--targets-file {} line {line}: longer than {MAX_TARGET_LINE} bytes", path.display())]
    TargetsFileLine {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
    },
    /// A --targets-file larger than one run should probe.
    #[error(
        "--targets-file {}: more than {MAX_TARGETS} targets or {MAX_TARGETS_FILE_BYTES} bytes; split the fleet",
        path.display()
    )]
    TargetsFileTooLarge {
        /// The file as given.
        path: PathBuf,
    },
    /// Nothing to probe.
    #[error("no targets: give TARGET arguments or a --targets-file with at least one")]
    NoTargets,
    /// The --allow-file cannot be read.
    #[error("--allow-file {}: {source}", path.display())]
    AllowFile {
        /// The file as given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line of the --allow-file that names no finding (a typo would waive nothing).
    #[error("--allow-file {} line {line}: {source}", path.display())]
    AllowFileLine {
        /// The file as given.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
        /// What is wrong with the entry.
        source: crate::diagnose::AllowError,
    },
    /// The reports of every other format already carry their own summary; a counts object
    /// among them would break the one-report-per-element (per-line) shape readers rely on.
    #[error(
        "--summary is for --format table; {format} reports carry each target's verdict and \
         summary (count them with e.g. jq 'group_by(.verdict)')"
    )]
    SummaryNeedsTable {
        /// The format given with --summary.
        format: &'static str,
    },
    /// A man page could not be written (`ftpdoctor man`).
    #[error("writing the man page: {0}")]
    Docs(std::io::Error),
    /// -w/-c are Nagios thresholds: another format has no state for them to set.
    #[error(
        "-w/--warning and -c/--critical are thresholds for --format nagios; this run writes --format {format}"
    )]
    ThresholdsNeedNagios {
        /// The format given with them.
        format: &'static str,
    },
}

/// The parser's own reason, whenever it cannot hold a piece of the password: always
/// without one; with one, when the authority still ends at its last '@' (so host and
/// port come from after it) or the scheme was the trouble. A '/' in a password ends
/// the authority early instead, and the rest of the password is read as host and port.
pub(super) fn target_error(input: &str, source: crate::target::TargetError) -> ProbeArgsError {
    use crate::target::TargetError;
    if !has_password(input) {
        return ProbeArgsError::Target {
            input: input.to_string(),
            source,
        };
    }
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    match source {
        TargetError::UnsupportedScheme { .. } | TargetError::SchemeWithoutSlashes { .. } => {}
        _ if authority.contains('@') => {}
        _ => {
            return ProbeArgsError::TargetWithPassword {
                input: redact(input),
            };
        }
    }
    ProbeArgsError::Target {
        input: redact(input),
        source,
    }
}

/// Whether the argument carries `user:password@` (judged loosely: it did not parse).
fn has_password(input: &str) -> bool {
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    rest.rfind('@').is_some_and(|at| rest[..at].contains(':'))
}

/// A URL with a password as an error may show it: the user's name kept, everything from
/// its ':' to the last `@` masked (a password may hold '/', ':' or '@'), the rest kept.
fn redact(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), input),
    };
    match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{scheme}{user}:***{}", &rest[at..])
        }
        None => input.to_string(),
    }
}

impl From<crate::probe::DeadlineBelowIdle> for ProbeArgsError {
    fn from(e: crate::probe::DeadlineBelowIdle) -> ProbeArgsError {
        ProbeArgsError::DeadlineBelowIdle {
            deadline: crate::wire::human(e.deadline),
            idle: crate::wire::human(e.idle),
            margin: crate::wire::human(crate::probe::IDLE_DEADLINE_MARGIN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;

    #[test]
    fn unparseable_url_with_a_password_is_shown_masked() {
        for input in [
            "ftp://alice:se:cr/et@127.0.0.1/",
            "ftp://alice:123456/x@127.0.0.1/",
            "alice:se:cr/et@127.0.0.1",
        ] {
            assert!(has_password(input), "{input}");
            let shown = redact(input);
            for secret in ["se:cr", "123456", "cr/et"] {
                assert!(!shown.contains(secret), "{input} -> {shown}");
            }
        }
        assert!(!has_password("ftp://127.0.0.1:99999/"));
    }

    #[test]
    fn url_with_credentials_keeps_the_specific_reason_and_masks_the_password() {
        for (input, reason) in [
            (
                "ftp://alice:s3cret@127.0.0.1:99999/",
                "port \"99999\" is not a number",
            ),
            (
                "sftp://alice:s3cret@127.0.0.1/",
                "unsupported scheme \"sftp\"",
            ),
            (
                "ftp:/alice:s3cret@127.0.0.1/",
                "did you mean ftp://alice:***@127.0.0.1/",
            ),
        ] {
            let source = Target::parse(input).unwrap_err();
            let shown = target_error(input, source).to_string();
            assert!(shown.contains(reason), "{input} -> {shown}");
            assert!(
                !shown.contains("s3cret") && !shown.contains("%2F"),
                "{shown}"
            );
        }
        // A '/' in the password: what follows could be quoted, so only the advice.
        let input = "ftp://alice:123456/x@127.0.0.1/";
        let shown = target_error(input, Target::parse(input).unwrap_err()).to_string();
        assert!(
            shown.contains("%2F") && !shown.contains("123456"),
            "{shown}"
        );
    }
}
