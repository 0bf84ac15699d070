//! `serve --config modules.yml`: the modules a scrape may name, in YAML as Prometheus
//! users write blackbox.yml. A module holds the probe's options by the flags' names and
//! the targets it may probe (docs/monitoring.md shows every key).
//!
//! YAML is read with serde-saphyr: it is maintained (serde_yaml and serde_yml are not),
//! pure Rust without unsafe, built not to panic on any input, with limits against alias
//! bombs, and its errors carry the line and column, which every error here names.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::allow::{Allow, Entry};
use crate::diagnose::Severity;
use crate::probe::{
    Credentials, CredentialsError, Family, IDLE_DEADLINE_MARGIN, MAX_SAMPLE_PORTS, Mode,
    ProbeConfig, ProbeOptions, TlsMode, Trust, idle_deadline,
};
use crate::target::Target;
use crate::wire::human;

/// Largest config file read: a few hundred modules fit in far less, and anything
/// bigger (or `/dev/zero`) is refused before it is read into memory.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The validated config: modules by name.
#[derive(Debug)]
pub struct Config {
    /// Where it was read from, for messages.
    pub path: PathBuf,
    /// Every module, by the name `/probe?module=` uses.
    pub modules: BTreeMap<String, Module>,
}

/// One module: a probe's options and the targets it may probe.
#[derive(Debug, Clone)]
pub struct Module {
    /// The name `/probe?module=` uses.
    pub name: String,
    /// What it may probe.
    pub allow: Allow,
    /// Findings at or above this make `probe_success` 0.
    pub fail_on: Severity,
    /// Who each probe logs in as.
    credentials: Credentials,
    /// What each probe is asked to do; a scrape's timeout may shorten the deadline.
    options: ProbeOptions,
}

impl Module {
    /// The whole probe's limit by this module (a scrape's timeout may shorten it).
    pub fn deadline(&self) -> Duration {
        self.options.deadline
    }

    /// What each probe of this module is asked to do.
    pub fn options(&self) -> &ProbeOptions {
        &self.options
    }

    /// The probe of `target` with this module's options, ending within `deadline`.
    pub fn probe_config(&self, target: Target, deadline: Duration) -> ProbeConfig {
        let options = ProbeOptions {
            deadline,
            step_timeout: self.options.step_timeout.min(deadline),
            ..self.options.clone()
        };
        ProbeConfig::new(target, self.credentials.clone(), options)
    }

    /// The module as the debug output shows it (no password, only where it comes from).
    pub fn describe(&self) -> String {
        let o = &self.options;
        let modes: Vec<&str> = o.modes.iter().map(|m| m.as_str()).collect();
        let targets = match &self.allow {
            Allow::Any => "any".to_string(),
            Allow::Only(entries) => entries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        };
        format!(
            "module {}:\n  modes: [{}]\n  timeout: {}\n  deadline: {}\n  tls: {}\n  tls_reuse: {}\n  \
             fail_on: {}\n  user: {}\n  follow_advertised: {}\n  sequential: {}\n  \
             sample_ports: {}\n  targets: [{targets}]\n",
            self.name,
            modes.join(", "),
            crate::wire::human(o.step_timeout),
            crate::wire::human(o.deadline),
            o.tls.map_or("auto (implicit for ftps://)", TlsMode::as_str),
            o.tls_reuse,
            self.fail_on,
            self.credentials.user,
            o.follow_advertised,
            o.sequential,
            o.sample_ports,
        )
    }
}

/// Why the config cannot be used: the file, the line when one is to blame, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<u64>,
    /// What is wrong, in one line.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates the config at `path`: password files, environment variables
    /// and CA files included, so that a module that loads is a module that can probe.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let error = |line: Option<u64>, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| error(None, format!("cannot read it: {e}")))?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(error(None, format!("larger than {MAX_CONFIG_BYTES} bytes")));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            error(
                None,
                format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
            )
        })?;
        Config::parse(&text, path)
    }

    /// Validates config text; `path` names the file in errors and anchors relative
    /// password and CA file names.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let error = |line: Option<u64>, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            error(line, yaml_message(&e.to_string()))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut modules = BTreeMap::new();
        for (name, raw) in raw.modules {
            let line = raw.referenced.line();
            let module = raw.value.validate(&name, base).map_err(|(at, message)| {
                error(
                    Some(at.unwrap_or(line)),
                    format!("module {name}: {message}"),
                )
            })?;
            modules.insert(name, module);
        }
        if modules.is_empty() {
            return Err(error(
                None,
                "no modules: a config needs `modules:` with at least one".into(),
            ));
        }
        Ok(Config {
            path: path.to_path_buf(),
            modules,
        })
    }
}

/// serde-saphyr's message without its `error: line L column C:` prefix and source
/// snippet (the caller names the line itself, in one line).
fn yaml_message(shown: &str) -> String {
    let first = shown.lines().next().unwrap_or(shown);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.split_once(": ") {
        Some((at, rest)) if at.starts_with("line ") => rest.to_string(),
        _ => first.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    modules: BTreeMap<String, Spanned<RawModule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    modes: Option<Vec<ModeName>>,
    timeout: Option<Positive>,
    deadline: Option<Positive>,
    tls: Option<TlsName>,
    fail_on: Option<FailOnName>,
    user: Option<Spanned<String>>,
    password_file: Option<Spanned<PathBuf>>,
    password_env: Option<Spanned<String>>,
    ca_file: Option<Spanned<PathBuf>>,
    insecure: Option<bool>,
    sample_ports: Option<SamplePorts>,
    follow_advertised: Option<bool>,
    sequential: Option<bool>,
    tls_reuse: Option<bool>,
    address_family: Option<FamilyName>,
    dns_server: Option<SocketAddr>,
    active_addr: Option<IpAddr>,
    idle: Option<Positive>,
    proxy: Option<Spanned<String>>,
    proxy_user: Option<Spanned<String>>,
    proxy_password_file: Option<Spanned<PathBuf>>,
    proxy_password_env: Option<Spanned<String>>,
    targets: Option<Spanned<Targets>>,
}

/// A validation error: the line to blame (the module's own when `None`) and what.
pub(super) type Invalid = (Option<u64>, String);

impl RawModule {
    fn validate(self, name: &str, base: &Path) -> Result<Module, Invalid> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            return Err((
                None,
                "a module name is letters, digits, '_', '-' and '.'".into(),
            ));
        }
        let allow = match self.targets {
            None => {
                return Err((
                    None,
                    "no `targets`: list what it may probe, or write `targets: any`".into(),
                ));
            }
            Some(t) => match t.value {
                Targets::Any => Allow::Any,
                Targets::Only(entries) if entries.is_empty() => {
                    return Err((Some(t.referenced.line()), "`targets` is empty".into()));
                }
                Targets::Only(entries) => Allow::Only(entries),
            },
        };
        let credentials = credentials(self.user, self.password_file, self.password_env, base)?;
        let proxy = super::logins::proxy(
            self.proxy,
            self.proxy_user,
            (self.proxy_password_file, self.proxy_password_env),
            base,
        )?;
        let checked = match self.ca_file {
            Some(ca) => {
                let file = base.join(&ca.value);
                Trust::from_ca_file(&file)
                    .map_err(|e| (Some(ca.referenced.line()), format!("ca_file: {e}")))?
            }
            None => Trust::WebPki,
        };
        let trust = match self.insecure.unwrap_or(false) {
            true => Trust::Insecure(Box::new(checked)),
            false => checked,
        };
        let mut modes: Vec<Mode> = match self.modes {
            Some(modes) => modes.into_iter().map(|m| m.0).collect(),
            None => Mode::ALL.to_vec(),
        };
        modes.sort();
        modes.dedup();
        if modes.is_empty() {
            return Err((None, "`modes` is empty".into()));
        }
        let defaults = ProbeOptions::default();
        let idle = self.idle.map(|t| t.0);
        let deadline = idle_deadline(self.deadline.map(|t| t.0), idle).map_err(|e| {
            let (d, i) = (human(e.deadline), human(e.idle));
            let margin = human(IDLE_DEADLINE_MARGIN);
            (
                None,
                format!(
                    "deadline {d} is shorter than idle {i} plus {margin} for the rest of the probe"
                ),
            )
        })?;
        Ok(Module {
            name: name.to_string(),
            allow,
            fail_on: self.fail_on.map_or(Severity::Error, |f| f.0),
            credentials,
            options: ProbeOptions {
                modes,
                step_timeout: self.timeout.map_or(defaults.step_timeout, |t| t.0),
                deadline,
                tls: self.tls.map(|t| t.0),
                trust,
                tls_reuse: self.tls_reuse.unwrap_or(defaults.tls_reuse),
                follow_advertised: self.follow_advertised.unwrap_or(false),
                sequential: self.sequential.unwrap_or(false),
                sample_ports: self.sample_ports.map_or(0, |s| s.0),
                address_family: self.address_family.map_or(Family::Any, |f| f.0),
                dns_server: self.dns_server,
                active_addr: self.active_addr,
                // A scrape pays for every transfer: the full-size packet check is off.
                size_check: false,
                idle,
                proxy,
                ..defaults
            },
        })
    }
}

/// The login: anonymous, or `user` with a password from a file or the environment
/// (never from the config itself, which is often world-readable and kept in git).
fn credentials(
    user: Option<Spanned<String>>,
    file: Option<Spanned<PathBuf>>,
    env: Option<Spanned<String>>,
    base: &Path,
) -> Result<Credentials, Invalid> {
    let password = super::logins::password(file, env, base, "")?;
    let user_line = user.as_ref().map(|u| u.referenced.line());
    let password_line = password.as_ref().and_then(|(line, _)| *line);
    Credentials::resolve(user.map(|u| u.value), password.map(|(_, p)| p)).map_err(|e| match e {
        CredentialsError::PasswordWithoutUser => {
            (password_line, "a password needs a `user`".into())
        }
        CredentialsError::NoPassword { user } => (
            user_line,
            format!("user {user}: no password_file or password_env"),
        ),
    })
}

/// `targets: any`, or a list of entries.
enum Targets {
    Any,
    Only(Vec<Entry>),
}

impl<'de> Deserialize<'de> for Targets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Targets, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Targets;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of host names, addresses and networks, or `any`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Targets, E> {
                match s {
                    "any" => Ok(Targets::Any),
                    _ => Err(E::custom(format!(
                        "targets: {s:?}: write a list (targets: [\"{s}\"]) or `any`"
                    ))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Targets, A::Error> {
                let mut entries = Vec::new();
                while let Some(text) = seq.next_element::<String>()? {
                    entries.push(Entry::parse(&text).map_err(de::Error::custom)?);
                }
                Ok(Targets::Only(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserializes a value from its text with `parse`, the error naming what was expected.
macro_rules! from_text {
    ($name:ident, $ty:ty, $parse:expr) => {
        struct $name($ty);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let text = String::deserialize(d)?;
                let parse: fn(&str) -> Result<$ty, String> = $parse;
                parse(&text).map($name).map_err(de::Error::custom)
            }
        }
    };
}

from_text!(ModeName, Mode, |s| s.parse());
from_text!(Positive, Duration, |s| crate::probe::positive_duration(s)
    .map_err(|e| format!("{s:?}: {e}")));
from_text!(TlsName, TlsMode, |s| match s {
    "auto" => Ok(TlsMode::Auto),
    "explicit" => Ok(TlsMode::Explicit),
    "implicit" => Ok(TlsMode::Implicit),
    "off" => Ok(TlsMode::Off),
    _ => Err(format!(
        "tls {s:?}: expected auto, explicit, implicit or off"
    )),
});
from_text!(FailOnName, Severity, |s| match s {
    "error" => Ok(Severity::Error),
    "warn" => Ok(Severity::Warn),
    _ => Err(format!("fail_on {s:?}: expected error or warn")),
});
/// `address_family: 4`, `6` or `any` (a number or a string, as YAML has it).
struct FamilyName(Family);

impl<'de> Deserialize<'de> for FamilyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FamilyName, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FamilyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("4, 6 or any")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<FamilyName, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FamilyName, E> {
                match s {
                    "4" => Ok(FamilyName(Family::V4)),
                    "6" => Ok(FamilyName(Family::V6)),
                    "any" => Ok(FamilyName(Family::Any)),
                    _ => Err(E::custom(format!(
                        "address_family {s:?}: expected 4, 6 or any"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

struct SamplePorts(u16);

impl<'de> Deserialize<'de> for SamplePorts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SamplePorts, D::Error> {
        match u16::deserialize(d)? {
            n @ 1..=MAX_SAMPLE_PORTS => Ok(SamplePorts(n)),
            n => Err(de::Error::custom(format!(
                "sample_ports {n}: expected 1 to {MAX_SAMPLE_PORTS}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
