//! Discovery, when no file is given: the server configs in their usual places, who listens
//! on 21 and 990 (/proc/net/tcp{,6} and /proc/*/fd), the host's addresses
//! (/proc/net/fib_trie, /proc/net/if_inet6), the kernel, and the firewall (`nft -j list
//! ruleset`, else `iptables-save`). Everything only read; what cannot be read is a source
//! with its reason, and the rest goes on.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::source::{MAX_FILE_BYTES, text_of};
use super::{Listener, Scene, Source, load, pureftpd};

/// The configs looked for, in order.
pub const CONFIG_PATHS: &[&str] = &[
    "/etc/vsftpd.conf",
    "/etc/vsftpd/vsftpd.conf",
    "/etc/proftpd/proftpd.conf",
    "/etc/proftpd.conf",
    "/etc/pure-ftpd/conf",
];
/// FTP's control ports: plain and implicit TLS.
const FTP_PORTS: [u16; 2] = [21, 990];
/// Longest a firewall dump may take: `nft -j list ruleset` of a big ruleset takes well
/// under a second; a wedged one must not hang inspect.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// Most processes looked at for sockets and command lines.
const MAX_PROCS: usize = 20_000;

/// The kernel release and whether it attaches the FTP helper by itself.
pub fn kernel() -> (Option<String>, Option<bool>) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string());
    let sysctl = std::fs::read_to_string("/proc/sys/net/netfilter/nf_conntrack_helper").ok();
    let auto = match sysctl.as_deref().map(str::trim) {
        Some("1") => Some(true),
        Some(_) => Some(false),
        None => release.as_deref().map(before_4_7),
    };
    (release, auto)
}

/// Whether a release (`6.1.0-18-amd64`) is older than 4.7, when the default changed.
pub fn before_4_7(release: &str) -> bool {
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) < (4, 7)
}

/// Fills the host part and every source discovery finds.
pub fn host(scene: &mut Scene) {
    scene.host.addresses = addresses();
    scene.host.listeners = listeners();
    for path in CONFIG_PATHS {
        if std::path::Path::new(path).exists() {
            load::config(scene, path);
        }
    }
    for (pid, args) in processes() {
        let argv0 = args.first().map_or("", String::as_str);
        let file = format!("/proc/{pid}/cmdline");
        if argv0.starts_with("pure-ftpd (") {
            // pure-ftpd sets its process title over its arguments ("pure-ftpd (SERVER)").
            let why = format!(
                "pure-ftpd rewrote its command line to {argv0:?}, so its flags cannot be read back: give them with --config FILE (a file holding the command line), or keep them in /etc/pure-ftpd/conf"
            );
            scene.sources.push(Source::failed("pure-ftpd", &file, why));
        } else if argv0.ends_with("pure-ftpd") {
            let cfg = pureftpd::parse_args(&file, &args[1..]);
            scene.sources.push(Source::ok("pure-ftpd", &cfg.file));
            scene.servers.push(cfg);
        }
    }
    if scene.servers.is_empty() {
        scene.sources.push(Source::failed(
            "vsftpd",
            &CONFIG_PATHS.join(", "),
            "no FTP server config found in the usual places".into(),
        ));
    }
    firewall(scene);
}

fn firewall(scene: &mut Scene) {
    match run(&["nft", "-j", "list", "ruleset"]) {
        Ok(text) => {
            load::ruleset(scene, "nft -j list ruleset", &text);
            let opaque = scene.rulesets.last().is_some_and(|r| !r.opaque.is_empty());
            if !opaque {
                return;
            }
        }
        Err(why) => scene
            .sources
            .push(Source::failed("nftables", "nft -j list ruleset", why)),
    }
    match run(&["iptables-save"]) {
        Ok(text) if text.trim().is_empty() => {}
        Ok(text) => load::ruleset(scene, "iptables-save", &text),
        Err(why) => scene
            .sources
            .push(Source::failed("iptables", "iptables-save", why)),
    }
}

/// Runs a read-only command, bounded in time and output.
fn run(argv: &[&str]) -> Result<String, String> {
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", argv[0]))?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut out).take(MAX_FILE_BYTES + 1).read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{} took over {COMMAND_TIMEOUT:?}", argv[0]));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let bytes = reader.join().map_err(|_| "reader failed")?;
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = (&mut e).take(4096).read_to_string(&mut err);
        }
        return Err(format!(
            "{} failed ({status}): {} (root needed?)",
            argv.join(" "),
            err.trim()
        ));
    }
    text_of(argv[0], bytes)
        .map(|t| t.text)
        .map_err(|e| e.to_string())
}

/// The host's addresses: local IPv4 from /proc/net/fib_trie, IPv6 from /proc/net/if_inet6.
pub fn addresses() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    if let Ok(trie) = std::fs::read_to_string("/proc/net/fib_trie") {
        out.extend(fib_trie_locals(&trie).into_iter().map(IpAddr::V4));
    }
    if let Ok(v6) = std::fs::read_to_string("/proc/net/if_inet6") {
        out.extend(if_inet6(&v6).into_iter().map(IpAddr::V6));
    }
    out.sort();
    out.dedup();
    out
}

/// The `/32 host LOCAL` entries of /proc/net/fib_trie.
pub fn fib_trie_locals(text: &str) -> Vec<Ipv4Addr> {
    let mut last: Option<Ipv4Addr> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.parse().ok();
        } else if t == "/32 host LOCAL"
            && let Some(a) = last
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// The addresses of /proc/net/if_inet6 (32 hex digits first on each line).
pub fn if_inet6(text: &str) -> Vec<Ipv6Addr> {
    text.lines()
        .filter_map(|l| u128::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .map(Ipv6Addr::from)
        .collect()
}

/// Listening sockets on [`FTP_PORTS`] in /proc/net/tcp and tcp6: (port, inode).
pub fn listening(text: &str) -> Vec<(u16, u64)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let port = u16::from_str_radix(f.get(1)?.rsplit(':').next()?, 16).ok()?;
            let listen = *f.get(3)? == "0A";
            (listen && FTP_PORTS.contains(&port)).then_some((port, f.get(9)?.parse().ok()?))
        })
        .collect()
}

fn listeners() -> Vec<Listener> {
    let mut socks = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(t) = std::fs::read_to_string(file) {
            socks.extend(listening(&t));
        }
    }
    let mut out: Vec<Listener> = socks
        .iter()
        .map(|(port, _)| Listener {
            port: *port,
            process: None,
            pid: None,
        })
        .collect();
    for pid in pids() {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(link) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let link = link.to_string_lossy();
            for (i, (_, inode)) in socks.iter().enumerate() {
                if link == format!("socket:[{inode}]") {
                    out[i].pid = Some(pid);
                    out[i].process = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                        .ok()
                        .map(|s| s.trim().to_string());
                }
            }
        }
    }
    out.sort_by_key(|l| (l.port, l.pid));
    out.dedup();
    out
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .take(MAX_PROCS)
        .collect()
}

/// Each process's command line, split at NULs.
fn processes() -> Vec<(u32, Vec<String>)> {
    pids()
        .into_iter()
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (!args.is_empty()).then_some((pid, args))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_listeners_on_ftp_ports() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0015 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1\n   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1\n";
        assert_eq!(listening(text), vec![(21, 12345)]);
    }

    #[test]
    fn fib_trie_and_if_inet6_addresses() {
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.77.0.2\n        /32 host LOCAL\n     |-- 10.77.0.255\n        /32 link BROADCAST\n";
        assert_eq!(fib_trie_locals(trie), vec![Ipv4Addr::new(10, 77, 0, 2)]);
        let v6 = "00000000000000000000000000000001 01 80 10 80       lo\n";
        assert_eq!(if_inet6(v6), vec![Ipv6Addr::LOCALHOST]);
    }

    #[test]
    fn kernel_helper_default_changed_in_4_7() {
        assert!(before_4_7("4.4.0-210-generic"));
        assert!(!before_4_7("4.9.0"));
        assert!(!before_4_7("6.1.0-18-amd64"));
    }
}
