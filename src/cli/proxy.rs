//! `--proxy URL --proxy-user NAME --proxy-password-env VAR` into one [`ProxySpec`]: the
//! password only ever from the environment, never from argv.

use clap::Args;

use super::probe_error::ProbeArgsError;
use crate::probe::ProxySpec;
use crate::proto::Password;

/// The proxy flags of `probe`.
#[derive(Debug, Args)]
pub(super) struct ProxyArgs {
    /// Every connection through this proxy: socks5://HOST[:PORT] (active modes by
    /// BIND) or http://HOST:PORT (CONNECT; active modes skipped). No password in the URL
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// The proxy's login name
    #[arg(long, value_name = "NAME", requires = "proxy")]
    proxy_user: Option<String>,
    /// Read the proxy's password from this environment variable
    #[arg(long, value_name = "VAR", requires = "proxy")]
    proxy_password_env: Option<String>,
}

impl ProxyArgs {
    /// The proxy asked for, with its login; `None` without --proxy.
    pub(super) fn spec(&self) -> Result<Option<ProxySpec>, ProbeArgsError> {
        proxy_spec(
            self.proxy.as_deref(),
            self.proxy_user.as_deref(),
            self.proxy_password_env.as_deref(),
        )
    }
}

/// The proxy asked for, with its login; `None` without --proxy.
fn proxy_spec(
    url: Option<&str>,
    user: Option<&str>,
    password_env: Option<&str>,
) -> Result<Option<ProxySpec>, ProbeArgsError> {
    let Some(url) = url else {
        if user.is_some() || password_env.is_some() {
            return Err(ProbeArgsError::ProxyLoginWithoutProxy);
        }
        return Ok(None);
    };
    let mut spec = ProxySpec::parse(url)?;
    let user = user
        .map(str::to_string)
        .or_else(|| spec.login.take().map(|(user, _)| user));
    spec.login = match (user, password_env) {
        (None, None) => None,
        (None, Some(_)) => return Err(ProbeArgsError::ProxyPasswordWithoutUser),
        (Some(user), None) => Some((user, Password::new(""))),
        (Some(user), Some(var)) => {
            let password = std::env::var(var).map_err(|_| ProbeArgsError::PasswordEnvUnset {
                var: var.to_string(),
            })?;
            Some((user, Password::new(password)))
        }
    };
    Ok(Some(spec))
}
