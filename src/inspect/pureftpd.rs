//! Pure-FTPd: Debian's one-file-per-option directory (/etc/pure-ftpd/conf/, read by
//! pure-ftpd-wrapper), or the command line of a running pure-ftpd.

use super::model::{At, Loc, PortRange, ServerConfig, ServerKind};

/// Parses the conf directory: `entries` are (file path, text), one option each.
pub fn parse_dir(dir: &str, entries: &[(String, String)]) -> ServerConfig {
    let mut cfg = ServerConfig::new(ServerKind::PureFtpd, dir);
    let mut dont_resolve = false;
    for (path, text) in entries {
        let name = path.rsplit('/').next().unwrap_or(path);
        let value = text.lines().next().unwrap_or("").trim();
        let loc = Loc::at(path, 1);
        let yes = value.eq_ignore_ascii_case("yes");
        match name {
            "PassivePortRange" => {
                let mut parts = value.split_whitespace().map(|p| p.parse::<u16>().ok());
                match (parts.next().flatten(), parts.next().flatten()) {
                    (Some(lo), Some(hi)) => {
                        cfg.range = PortRange::new(lo, hi).map(|r| At::new(r, loc));
                    }
                    _ => cfg.problems.push(At::new(
                        format!(
                            "PassivePortRange needs two ports (\"30000 30099\"), found {value:?}"
                        ),
                        loc,
                    )),
                }
            }
            "ForcePassiveIP" if !value.is_empty() => {
                cfg.public_address = Some(At::new(value.to_string(), loc));
            }
            "DontResolve" => dont_resolve = yes,
            "Bind" => {
                let port = value.rsplit(',').next().and_then(|p| p.trim().parse().ok());
                cfg.listen_port = port.map(|p| At::new(p, loc));
            }
            _ => {}
        }
    }
    if !dont_resolve {
        cfg.reverse_dns = Some(At::new(
            "no DontResolve file saying yes (-H is off)".into(),
            Loc::file(dir),
        ));
    }
    cfg
}

/// Parses a pure-ftpd command line (`args` without the program name); `file` names where
/// it came from (`/proc/PID/cmdline`), and each argument's position stands in for a line.
pub fn parse_args(file: &str, args: &[String]) -> ServerConfig {
    let mut cfg = ServerConfig::new(ServerKind::PureFtpd, file);
    let mut dont_resolve = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let loc = Loc::at(file, i + 1);
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ if arg.len() > 2 && arg.starts_with('-') && !arg.starts_with("--") => {
                (&arg[..2], Some(arg[2..].to_string()))
            }
            _ => (arg, None),
        };
        let takes = matches!(
            flag,
            "-p" | "--passiveportrange" | "-P" | "--forcepassiveip" | "-S" | "--bind"
        );
        let value = match (takes, inline) {
            (true, Some(v)) => Some(v),
            (true, None) => {
                i += 1;
                args.get(i).cloned()
            }
            _ => None,
        };
        match flag {
            "-p" | "--passiveportrange" => {
                cfg.range = value
                    .as_deref()
                    .and_then(PortRange::parse)
                    .map(|r| At::new(r, loc));
            }
            "-P" | "--forcepassiveip" => cfg.public_address = value.map(|v| At::new(v, loc)),
            "-H" | "--dontresolve" => dont_resolve = true,
            "-S" | "--bind" => {
                let port = value
                    .as_deref()
                    .and_then(|v| v.rsplit(',').next()?.parse().ok());
                cfg.listen_port = port.map(|p| At::new(p, loc));
            }
            _ => {}
        }
        i += 1;
    }
    if !dont_resolve {
        cfg.reverse_dns = Some(At::new(
            "started without -H (--dontresolve)".into(),
            Loc::file(file),
        ));
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pureftpd_conf_dir_one_file_per_option() {
        let entries = vec![
            (
                "/c/PassivePortRange".to_string(),
                "30000 30099\n".to_string(),
            ),
            ("/c/ForcePassiveIP".to_string(), "203.0.113.7\n".to_string()),
            ("/c/DontResolve".to_string(), "yes\n".to_string()),
        ];
        let cfg = parse_dir("/c", &entries);
        assert_eq!(cfg.range.map(|r| r.value), PortRange::new(30000, 30099));
        assert_eq!(
            cfg.public_address.map(|a| a.loc),
            Some(Loc::at("/c/ForcePassiveIP", 1))
        );
        assert!(cfg.reverse_dns.is_none());
    }

    #[test]
    fn pureftpd_command_line_short_long_and_glued_flags() {
        let args: Vec<String> = [
            "-S",
            "0.0.0.0,2121",
            "-p30000:30009",
            "--forcepassiveip=198.51.100.4",
        ]
        .map(String::from)
        .to_vec();
        let cfg = parse_args("/proc/1/cmdline", &args);
        assert_eq!(cfg.range.map(|r| r.value), PortRange::new(30000, 30009));
        assert_eq!(
            cfg.public_address.map(|a| a.value),
            Some("198.51.100.4".into())
        );
        assert_eq!(cfg.listen_port.map(|p| p.value), Some(2121));
        assert!(cfg.reverse_dns.is_some(), "no -H: reverse lookups on");
    }
}
