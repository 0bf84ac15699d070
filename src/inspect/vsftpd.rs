//! vsftpd.conf: `name=value` lines, `#` comments. vsftpd does not trim: `pasv_enable = NO`
//! is a setting named `pasv_enable ` that it does not know, and it stops at start.

use super::directives::{VSFTPD, did_you_mean};
use super::model::{At, Loc, PortRange, ServerConfig, ServerKind, Unknown, numbered};

/// vsftpd's booleans: YES/TRUE/1 and NO/FALSE/0, any case.
fn boolean(value: &str) -> Option<bool> {
    match value.to_ascii_uppercase().as_str() {
        "YES" | "TRUE" | "1" => Some(true),
        "NO" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// Parses vsftpd.conf text read from `file`.
pub fn parse(file: &str, text: &str) -> ServerConfig {
    let mut cfg = ServerConfig::new(ServerKind::Vsftpd, file);
    let (mut min, mut max) = (None, None);
    for (n, line) in numbered(text) {
        if line.is_empty() || line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let loc = Loc::at(file, n);
        let Some((name, value)) = line.split_once('=') else {
            cfg.problems.push(At::new(
                format!("no '=' in {line:?}: vsftpd stops with \"missing value in config file\""),
                loc,
            ));
            continue;
        };
        if !VSFTPD.contains(&name) {
            let suggestion = did_you_mean(name.trim(), VSFTPD);
            cfg.unknown.push(Unknown {
                name: name.to_string(),
                suggestion,
                loc,
            });
            continue;
        }
        setting(&mut cfg, name, value, loc, &mut min, &mut max);
    }
    if let (Some(At { value: lo, loc }), Some(At { value: hi, .. })) = (min, max)
        && let Some(range) = PortRange::new(lo, hi)
    {
        cfg.range = Some(At::new(range, loc));
    }
    cfg
}

fn setting(
    cfg: &mut ServerConfig,
    name: &str,
    value: &str,
    loc: Loc,
    min: &mut Option<At<u16>>,
    max: &mut Option<At<u16>>,
) {
    let port = || value.trim().parse::<u16>().ok();
    match name {
        "pasv_enable" => cfg.passive = boolean(value).map(|on| At::new(on, loc)),
        "pasv_min_port" => *min = port().map(|p| At::new(p, loc)),
        "pasv_max_port" => *max = port().map(|p| At::new(p, loc)),
        "pasv_address" => cfg.public_address = Some(At::new(value.trim().to_string(), loc)),
        "listen_port" => cfg.listen_port = port().map(|p| At::new(p, loc)),
        "pasv_promiscuous" | "port_promiscuous" if boolean(value) == Some(true) => {
            cfg.promiscuous
                .push(At::new(format!("{name}={value}"), loc));
        }
        "reverse_lookup_enable" if boolean(value) == Some(true) => {
            cfg.reverse_dns = Some(At::new(format!("{name}={value}"), loc));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vsftpd_settings_keep_their_lines() {
        let cfg = parse(
            "v.conf",
            "# c\npasv_enable=NO\npasv_min_port=30000\npasv_max_port=30099\npasv_address=203.0.113.5\npasv_promiscuous=YES\n",
        );
        assert_eq!(cfg.passive, Some(At::new(false, Loc::at("v.conf", 2))));
        assert_eq!(
            cfg.range.map(|r| (r.value.to_string(), r.loc.line)),
            Some(("30000-30099".into(), Some(3)))
        );
        assert_eq!(cfg.public_address.map(|a| a.loc.line), Some(Some(5)));
        assert_eq!(cfg.promiscuous.len(), 1);
    }

    #[test]
    fn vsftpd_typo_past_address_is_unknown_with_suggestion() {
        let cfg = parse("v.conf", "listen=YES\npast_address=1.2.3.4\n");
        assert_eq!(cfg.unknown.len(), 1);
        assert_eq!(cfg.unknown[0].suggestion.as_deref(), Some("pasv_address"));
        assert_eq!(cfg.unknown[0].loc.line, Some(2));
    }

    #[test]
    fn vsftpd_spaces_around_equals_make_an_unknown_setting() {
        let cfg = parse("v.conf", "pasv_enable = NO\n");
        assert_eq!(cfg.unknown[0].name, "pasv_enable ");
        assert_eq!(cfg.unknown[0].suggestion.as_deref(), Some("pasv_enable"));
        assert!(cfg.passive_on());
    }

    #[test]
    fn vsftpd_range_needs_both_ends() {
        assert!(parse("v", "pasv_min_port=30000\n").range.is_none());
        assert!(
            parse("v", "pasv_min_port=30100\npasv_max_port=30000\n")
                .range
                .is_none()
        );
    }
}
