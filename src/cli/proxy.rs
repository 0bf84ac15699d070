//! `--proxy URL --proxy-user NAME --proxy-password-env VAR` into one [`ProxySpec`]: the
//! password only ever from the environment, never from argv.

use super::probe_error::ProbeArgsError;
use crate::probe::ProxySpec;
use crate::proto::Password;

/// The proxy asked for, with its login; `None` without --proxy.
pub(super) fn proxy_spec(
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
