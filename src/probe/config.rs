//! What a probe is asked to do ([`ProbeOptions`]), for whom ([`Credentials`]) and of which
//! target ([`ProbeConfig`]); and what a caller hands one run besides ([`Hooks`]).
//!
//! The options are what a person chose (flags, an exporter module's keys, the demo's
//! choices), comparable and cloneable; nothing that exists only while a probe runs is
//! in them. The probe makes its per-run state (event log, deadline instant) itself.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::record::{Mode, TlsMode};
use super::resolve::Resolution;
use super::transfer::MAX_TRANSFER_BYTES;
use super::watch::{Interrupt, Watch};
use crate::net::{Trust, resolve::Family};
use crate::proto::{Password, is_anonymous};
use crate::target::{Scheme, Target};

/// Who to log in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The login name.
    pub user: String,
    /// The password, masked in every output.
    pub password: Password,
}

/// Why a user and a password do not make a login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// A password without a user to go with it.
    #[error("a password needs a user")]
    PasswordWithoutUser,
    /// A named user (not anonymous) without a password.
    #[error("user {user}: no password given")]
    NoPassword {
        /// The user given.
        user: String,
    },
}

impl Credentials {
    /// RFC 1635's convention: user `anonymous`, an e-mail-like password.
    pub fn anonymous() -> Credentials {
        Credentials {
            user: "anonymous".to_string(),
            password: Password::new("ftpdoctor@"),
        }
    }

    /// The login for what was given: nothing is anonymous; a user with a password logs
    /// in with it; `anonymous` or `ftp` alone (any case) is anonymous under that name.
    /// Any other user needs a password, and a password needs a user.
    pub fn resolve(
        user: Option<String>,
        password: Option<Password>,
    ) -> Result<Credentials, CredentialsError> {
        match (user, password) {
            (None, None) => Ok(Credentials::anonymous()),
            (None, Some(_)) => Err(CredentialsError::PasswordWithoutUser),
            (Some(user), Some(password)) => Ok(Credentials { user, password }),
            (Some(user), None) if is_anonymous(&user) => Ok(Credentials {
                user,
                ..Credentials::anonymous()
            }),
            (Some(user), None) => Err(CredentialsError::NoPassword { user }),
        }
    }

    /// Whether this is an anonymous login (RFC 1635), whose password is no secret.
    pub fn is_anonymous(&self) -> bool {
        is_anonymous(&self.user)
    }
}

/// What a probe with an idle measurement of D needs besides D: the modes, the size check
/// and the NOOPs, as much as a probe without one gets by default (`--deadline`'s 30 s).
pub const IDLE_DEADLINE_MARGIN: Duration = Duration::from_secs(30);

/// A deadline too short for an idle measurement of `idle`: it must leave
/// [`IDLE_DEADLINE_MARGIN`] besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineBelowIdle {
    /// The deadline given.
    pub deadline: Duration,
    /// The idle time asked for.
    pub idle: Duration,
}

/// A probe's deadline (`--deadline`, a module's `deadline`): as given, or the default 30 s;
/// with an idle measurement of D (`--idle`, a module's `idle`), D plus
/// [`IDLE_DEADLINE_MARGIN`] by default, and one given below that refused.
pub fn idle_deadline(
    given: Option<Duration>,
    idle: Option<Duration>,
) -> Result<Duration, DeadlineBelowIdle> {
    let Some(idle) = idle else {
        return Ok(given.unwrap_or(ProbeOptions::default().deadline));
    };
    let needed = idle + IDLE_DEADLINE_MARGIN;
    match given {
        None => Ok(needed),
        Some(deadline) if deadline >= needed => Ok(deadline),
        Some(deadline) => Err(DeadlineBelowIdle { deadline, idle }),
    }
}

/// What was asked of a probe: every setting a user can choose, by the command line's
/// names. The defaults are the command line's: every mode, TLS if offered, 5 s steps
/// within a 30 s deadline, advertised addresses reported and not dialled, the full-size
/// packet check on, no idle measurement, no upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    /// The modes to try (--modes), in [`Mode::ALL`]'s order.
    pub modes: Vec<Mode>,
    /// Each step: connect, reply, data connect, accept, each read of a transfer (--timeout).
    pub step_timeout: Duration,
    /// The whole probe (--deadline).
    pub deadline: Duration,
    /// The TLS chosen (--tls); `None`: auto. An ftps:// target is implicit TLS whatever
    /// this says ([`tls_for`]).
    pub tls: Option<TlsMode>,
    /// Whom certificates must chain to (--ca-file), or --insecure.
    pub trust: Trust,
    /// Data connections resume the control connection's TLS session (default), as
    /// servers with vsftpd's require_ssl_reuse demand; off (--no-tls-reuse) to see if
    /// one does.
    pub tls_reuse: bool,
    /// Dial the address a 227 advertises even when it is not the control peer (--follow-advertised).
    pub follow_advertised: bool,
    /// The address put in PORT/EPRT instead of the control connection's local one (--active-addr).
    pub active_addr: Option<IpAddr>,
    /// One control connection for all modes, in turn (--sequential), instead of one each.
    pub sequential: bool,
    /// Ask this DNS server instead of the system's resolvers (--dns-server).
    pub dns_server: Option<SocketAddr>,
    /// Which address family to resolve and use (--address-family).
    pub address_family: Family,
    /// Probe every resolved address, one report each (--all-addresses): the pipeline
    /// above the probe fans out; one probe always probes one address.
    pub all_addresses: bool,
    /// Passive requests to sample the passive port range with (--sample-ports; 0: none).
    pub sample_ports: u16,
    /// Bytes a transfer may move before the probe stops reading.
    pub max_transfer_bytes: u64,
    /// One transfer big enough to fill full-size packets after the modes (--size-check
    /// auto, the probe's default; `serve` modules have it off).
    pub size_check: bool,
    /// How long the path keeps an idle control connection, tried up to this (--idle D).
    pub idle: Option<Duration>,
    /// STOR a small and a 256 KiB file, then DELE them (--upload: writes!).
    pub upload: bool,
    /// Every connection through this proxy (--proxy), with its login.
    pub proxy: Option<crate::net::proxy::ProxySpec>,
}

impl Default for ProbeOptions {
    fn default() -> ProbeOptions {
        ProbeOptions {
            modes: Mode::ALL.to_vec(),
            step_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            tls: None,
            trust: Trust::WebPki,
            tls_reuse: true,
            follow_advertised: false,
            active_addr: None,
            sequential: false,
            dns_server: None,
            address_family: Family::Any,
            all_addresses: false,
            sample_ports: 0,
            max_transfer_bytes: MAX_TRANSFER_BYTES,
            size_check: true,
            idle: None,
            upload: false,
            proxy: None,
        }
    }
}

/// The TLS a target gets: `ftps://` is implicit TLS whatever was chosen for the run (a
/// fleet may mix schemes); `ftp://` takes the chosen mode, or `auto`.
pub fn tls_for(scheme: Scheme, chosen: Option<TlsMode>) -> TlsMode {
    match (scheme, chosen) {
        (Scheme::Ftps, _) => TlsMode::Implicit,
        (Scheme::Ftp, Some(tls)) => tls,
        (Scheme::Ftp, None) => TlsMode::Auto,
    }
}

/// Longest --timeout or --deadline (or a `serve` module's): a day is past any sane
/// probe, and far enough below the clock's range that adding it to "now" cannot overflow.
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A step timeout or deadline as written, such as `5s` or `500ms` (the flags' and the
/// exporter's config's), or a bare number of seconds (`2`, as curl's --max-time and most
/// timeouts take it); zero would time every step out at once.
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    let seconds;
    let s = match !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        true => {
            seconds = format!("{s}s");
            seconds.as_str()
        }
        false => s,
    };
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be greater than zero".to_string()),
        Ok(d) if d > MAX_DURATION => Err("must be at most 24h".to_string()),
        Ok(d) => Ok(d),
        Err(_) => Err(format!(
            "{s:?} is not a duration: write a number with a unit, such as 5s, 500ms or 1m"
        )),
    }
}

/// One probe of one target: the target, the login and the options, with the target's
/// TLS settled once ([`tls_for`]). Built only by [`ProbeConfig::new`], so that the TLS
/// always matches the target and the options.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    pub(super) target: Target,
    pub(super) credentials: Credentials,
    pub(super) options: ProbeOptions,
    /// [`tls_for`] the target's scheme and the options' choice.
    pub(super) tls: TlsMode,
}

impl ProbeConfig {
    /// A probe of `target`, logged in with `credentials`, as `options` ask.
    pub fn new(target: Target, credentials: Credentials, options: ProbeOptions) -> ProbeConfig {
        let tls = tls_for(target.scheme, options.tls);
        ProbeConfig {
            target,
            credentials,
            options,
            tls,
        }
    }

    /// An anonymous probe of `target` with the default options.
    pub fn anonymous(target: Target) -> ProbeConfig {
        ProbeConfig::new(target, Credentials::anonymous(), ProbeOptions::default())
    }

    /// The same target and login with other options (a second look with one thing changed).
    pub fn with_options(&self, options: ProbeOptions) -> ProbeConfig {
        ProbeConfig::new(self.target.clone(), self.credentials.clone(), options)
    }

    /// What to probe.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Who to log in as.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// What was asked.
    pub fn options(&self) -> &ProbeOptions {
        &self.options
    }

    /// The TLS this target gets: [`tls_for`] its scheme and the options.
    pub fn tls(&self) -> TlsMode {
        self.tls
    }
}

/// One address of an already resolved target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// `None` when the resolution failed: the probe then reports that failure.
    pub address: Option<IpAddr>,
    /// The resolution the address came from.
    pub resolution: Resolution,
}

/// What a caller hands one run of a probe besides its config: how to follow it, how to
/// end it early, and, for a fan-out over a name's addresses, which address and when the
/// whole fan-out ends. None of it is an option: it exists only while the probe runs.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// Ends the probe early, as its deadline would, when the user interrupts.
    pub interrupt: Interrupt,
    /// Where the caller follows the probe under way (the status line on a terminal).
    pub watch: Option<Watch>,
    /// Probe only this address, resolved beforehand (--all-addresses: every address's
    /// probe reports the same resolution).
    pub pinned: Option<Pinned>,
    /// End by then at the latest, even if --deadline is longer (a fan-out's shared deadline).
    pub ends_by: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_or_ftp_needs_no_password_any_other_user_does() {
        assert_eq!(
            Credentials::resolve(None, None),
            Ok(Credentials::anonymous())
        );
        for user in ["anonymous", "FTP", "Anonymous"] {
            let login = Credentials::resolve(Some(user.into()), None);
            assert_eq!(login.map(|c| c.user), Ok(user.to_string()));
        }
        assert_eq!(
            Credentials::resolve(Some("alice".into()), None),
            Err(CredentialsError::NoPassword {
                user: "alice".into()
            })
        );
        assert_eq!(
            Credentials::resolve(None, Some(Password::new("x"))),
            Err(CredentialsError::PasswordWithoutUser)
        );
        let alice = Credentials::resolve(Some("alice".into()), Some(Password::new("pw")));
        assert_eq!(alice.map(|c| c.is_anonymous()), Ok(false));
    }

    #[test]
    fn idle_raises_the_default_deadline_and_refuses_a_shorter_one() {
        let s = Duration::from_secs;
        assert_eq!(idle_deadline(None, None), Ok(s(30)));
        assert_eq!(idle_deadline(Some(s(5)), None), Ok(s(5)));
        assert_eq!(idle_deadline(None, Some(s(60))), Ok(s(90)));
        assert_eq!(idle_deadline(Some(s(90)), Some(s(60))), Ok(s(90)));
        assert_eq!(
            idle_deadline(Some(s(89)), Some(s(60))),
            Err(DeadlineBelowIdle {
                deadline: s(89),
                idle: s(60)
            })
        );
    }

    #[test]
    fn the_scheme_settles_tls_once_for_the_config() {
        let off = ProbeOptions {
            tls: Some(TlsMode::Off),
            ..ProbeOptions::default()
        };
        let parse = |url: &str| Target::parse(url).unwrap_or_else(|e| panic!("{e}"));
        let ftps = ProbeConfig::new(
            parse("ftps://127.0.0.1/"),
            Credentials::anonymous(),
            off.clone(),
        );
        assert_eq!(ftps.tls(), TlsMode::Implicit);
        let ftp = ProbeConfig::new(parse("ftp://127.0.0.1/"), Credentials::anonymous(), off);
        assert_eq!(ftp.tls(), TlsMode::Off);
        assert_eq!(
            ProbeConfig::anonymous(parse("127.0.0.1")).tls(),
            TlsMode::Auto
        );
    }
}
