//! Passwords in a module: the login's (`password_file` / `password_env`) and the
//! proxy's (`proxy_password_file` / `proxy_password_env`), read from a file or the
//! environment, never from the config itself, which is often world-readable and kept
//! in git.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::config::Invalid;
use crate::probe::{Password, ProxySpec, ProxyUrlError};

/// Largest password file read: a password, not a file to slurp.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// The password from `<prefix>password_file` or `<prefix>password_env`, with the line
/// that named it; `None` when neither is given.
pub(super) fn password(
    file: Option<Spanned<PathBuf>>,
    env: Option<Spanned<String>>,
    base: &Path,
    prefix: &str,
) -> Result<Option<(Option<u64>, Password)>, Invalid> {
    match (file, env) {
        (Some(_), Some(env)) => Err((
            Some(env.referenced.line()),
            format!("{prefix}password_file and {prefix}password_env: give one"),
        )),
        (Some(file), None) => {
            let line = Some(file.referenced.line());
            let path = base.join(&file.value);
            let name = format!("{prefix}password_file {}", path.display());
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .and_then(|f| f.take(MAX_PASSWORD_BYTES + 1).read_to_end(&mut bytes))
                .map_err(|e| (line, format!("{name}: {e}")))?;
            if bytes.len() as u64 > MAX_PASSWORD_BYTES {
                return Err((line, format!("{name}: too large")));
            }
            let text =
                String::from_utf8(bytes).map_err(|_| (line, format!("{name}: not UTF-8")))?;
            // One line, as `echo secret > file` writes it.
            Ok(Some((
                line,
                Password::new(text.trim_end_matches(['\r', '\n'])),
            )))
        }
        (None, Some(env)) => {
            let line = Some(env.referenced.line());
            let value = std::env::var(&env.value).map_err(|_| {
                (
                    line,
                    format!(
                        "{prefix}password_env {}: the variable is not set (or not UTF-8)",
                        env.value
                    ),
                )
            })?;
            Ok(Some((line, Password::new(value))))
        }
        (None, None) => Ok(None),
    }
}

/// A module's `proxy` with `proxy_user` and its password: what `--proxy` with
/// `--proxy-user` and `--proxy-password-env` is on the command line. The exporter still
/// dials only the targets the module allows; the proxy is the admin's, from the config.
pub(super) fn proxy(
    url: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    (file, env): (Option<Spanned<PathBuf>>, Option<Spanned<String>>),
    base: &Path,
) -> Result<Option<ProxySpec>, Invalid> {
    let password = password(file, env, base, "proxy_")?;
    let Some(url) = url else {
        if user.is_some() || password.is_some() {
            return Err((None, "proxy_user and proxy_password_*: no `proxy`".into()));
        }
        return Ok(None);
    };
    let line = Some(url.referenced.line());
    let mut spec = ProxySpec::parse(&url.value).map_err(|e| match e {
        ProxyUrlError::PasswordInUrl => (
            line,
            "proxy: the URL carries a password: give `proxy_user` and the password in \
             `proxy_password_file` or `proxy_password_env`"
                .to_string(),
        ),
        e => (line, format!("proxy: {e}")),
    })?;
    let user = user.map(|u| u.value).or(spec.login.take().map(|l| l.0));
    spec.login = match (user, password) {
        (None, None) => None,
        (None, Some((line, _))) => {
            return Err((line, "a proxy password needs `proxy_user`".into()));
        }
        (Some(user), password) => {
            Some((user, password.map_or_else(|| Password::new(""), |(_, p)| p)))
        }
    };
    Ok(Some(spec))
}
