//! The findings: each from what the files say, located at the line that says it, with the
//! catalogue's severity and reference and a fix that names the setting to change.

use std::net::IpAddr;

use serde::Serialize;

use crate::addr::{AddrClass, classify};
use crate::diagnose::{FindingId, Severity, catalogue_entry};

use super::Scene;
use super::deploy::Deploy;
use super::firewall::{Cond, Fate, Ruleset, pieces};
use super::model::{At, Loc, PortRange, ServerConfig, ServerKind};

/// One finding of `inspect`.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The catalogue id.
    pub id: FindingId,
    /// From the catalogue.
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// What was read, quoting `file:line`.
    pub evidence: String,
    /// The setting to change.
    pub fix: String,
    /// From the catalogue.
    pub reference: String,
    /// The file and line to change.
    pub location: Loc,
}

/// A finding of `id` at `location`.
pub fn found(
    id: FindingId,
    summary: String,
    evidence: String,
    fix: String,
    location: Loc,
) -> Found {
    let (severity, _, reference) = catalogue_entry(id);
    Found {
        id,
        severity,
        summary,
        evidence,
        fix,
        reference: reference.to_string(),
        location,
    }
}

/// Every finding the scene supports: configs, then firewalls, then deployments, then the
/// outside probe.
pub fn findings(scene: &Scene) -> (Vec<Found>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let env_configs = scene.deploys.iter().filter(|d| d.env_seen).map(|d| &d.env);
    for cfg in scene.servers.iter().chain(env_configs) {
        config(cfg, &mut out);
    }
    no_public_address(scene, &mut out);
    if let Some(range) = server_range(scene) {
        for rs in &scene.rulesets {
            firewall(scene, rs, &range, &mut out, &mut notes);
        }
    }
    for d in &scene.deploys {
        deploy(scene, d, &mut out);
        notes.extend(deploy_notes(d));
    }
    super::reconcile::findings(scene, &mut out);
    (out, notes)
}

/// The configured passive range: a server config's, else a container environment's.
pub fn server_range(scene: &Scene) -> Option<At<PortRange>> {
    let envs = scene.deploys.iter().map(|d| &d.env);
    scene
        .servers
        .iter()
        .chain(envs)
        .find_map(|c| c.range.clone())
}

/// The configured public address (pasv_address, MasqueradeAddress, -P, PASV_ADDRESS).
pub fn public_address(scene: &Scene) -> Option<At<String>> {
    let envs = scene.deploys.iter().map(|d| &d.env);
    scene
        .servers
        .iter()
        .chain(envs)
        .find_map(|c| c.public_address.clone())
}

fn range_setting(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Vsftpd => "pasv_min_port=30000 and pasv_max_port=30099",
        ServerKind::Proftpd => "PassivePorts 30000 30099",
        ServerKind::PureFtpd => {
            "-p 30000:30099 (Debian: echo '30000 30099' > /etc/pure-ftpd/conf/PassivePortRange)"
        }
        ServerKind::Container => {
            "PASV_MIN_PORT=30000 and PASV_MAX_PORT=30099 (FTP_PASSIVE_PORTS=30000:30099 for pure-ftpd images)"
        }
    }
}

fn address_setting(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Vsftpd => "pasv_address=PUBLIC_IP",
        ServerKind::Proftpd => "MasqueradeAddress PUBLIC_IP",
        ServerKind::PureFtpd => "-P PUBLIC_IP (Debian: /etc/pure-ftpd/conf/ForcePassiveIP)",
        ServerKind::Container => "PASV_ADDRESS=PUBLIC_IP (PUBLICHOST for pure-ftpd images)",
    }
}

fn config(cfg: &ServerConfig, out: &mut Vec<Found>) {
    let server = cfg.kind.name();
    if let Some(p) = cfg.passive.as_ref().filter(|p| !p.value) {
        let fix = match cfg.kind {
            ServerKind::Proftpd => format!(
                "Remove the <Limit PASV EPSV> ... DenyAll block at {}",
                p.loc
            ),
            ServerKind::Container => format!("Set PASV_ENABLE=YES at {}", p.loc),
            _ => format!("Set pasv_enable=YES at {}", p.loc),
        };
        out.push(found(
            FindingId::ConfigPassiveDisabled,
            format!("{server}: passive mode is off"),
            format!(
                "{} turns PASV/EPSV off: every client in its default (passive) mode fails",
                p.loc
            ),
            fix,
            p.loc.clone(),
        ));
    }
    if cfg.passive_on() && cfg.range.is_none() {
        out.push(found(FindingId::ConfigNoPassiveRange, format!("{server}: no fixed passive port range"), format!("{} sets no passive range, so the server picks any free port and no firewall can be opened for exactly the range", cfg.file), format!("Add {}, and open that range in every firewall in front", range_setting(cfg.kind)), Loc::file(&cfg.file)));
    }
    for p in &cfg.promiscuous {
        out.push(found(FindingId::ConfigPromiscuous, format!("{server}: {} accepts data connections from any address", p.value.trim()), format!("{}: {}", p.loc, p.value.trim()), format!("Turn it off at {}: vsftpd pasv_promiscuous=NO / port_promiscuous=NO, ProFTPD AllowForeignAddress off", p.loc), p.loc.clone()));
    }
    if let Some(r) = &cfg.reverse_dns {
        let fix = match cfg.kind {
            ServerKind::Proftpd => "UseReverseDNS off (and IdentLookups off)",
            ServerKind::PureFtpd => "-H (Debian: echo yes > /etc/pure-ftpd/conf/DontResolve)",
            _ => {
                "reverse_lookup_enable=NO (Red Hat's vsftpd only; Debian's refuses to start on the name)"
            }
        };
        out.push(found(
            FindingId::ConfigReverseDns,
            format!("{server}: reverse DNS lookups of clients are on"),
            format!(
                "{}: {}: the greeting waits for the resolver, 5-10 s when DNS is slow",
                r.loc, r.value
            ),
            format!("Set {fix}"),
            r.loc.clone(),
        ));
    }
    for u in &cfg.unknown {
        let meant = u
            .suggestion
            .as_deref()
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        let spaced = if u.name != u.name.trim() {
            "; vsftpd allows no spaces around '='"
        } else {
            ""
        };
        let fix = match &u.suggestion {
            Some(s) => format!("Write {s} at {}{spaced}, or remove the line", u.loc),
            None => format!("Remove the line at {}", u.loc),
        };
        out.push(found(
            FindingId::ConfigUnknownSetting,
            format!(
                "{server} does not know {:?}{meant}: it will not start",
                u.name
            ),
            format!("{}: {:?} is not a {server} setting{meant}", u.loc, u.name),
            fix,
            u.loc.clone(),
        ));
    }
}

fn public_class(ip: IpAddr) -> bool {
    matches!(
        classify(ip),
        AddrClass::Public | AddrClass::Documentation | AddrClass::Benchmarking
    )
}

fn no_public_address(scene: &Scene, out: &mut Vec<Found>) {
    if public_address(scene).is_some() {
        return;
    }
    let host = &scene.host.addresses;
    let why = if !host.is_empty() && !host.iter().any(|a| public_class(*a)) {
        let list: Vec<String> = host
            .iter()
            .filter(|a| !a.is_loopback())
            .map(|a| a.to_string())
            .collect();
        Some(format!(
            "the host's addresses are all private ({})",
            list.join(", ")
        ))
    } else if let Some(public) = scene
        .public_addr
        .or_else(|| scene.seen.as_ref()?.1.peer_ip()?.parse().ok())
        .filter(|p| !host.is_empty() && !host.contains(p))
    {
        Some(format!(
            "clients use {public}, which is not one of the host's addresses: a NAT is in front"
        ))
    } else {
        scene
            .deploys
            .iter()
            .find(|d| !d.host_network && d.publishes_control().is_some() && d.kind != "k8s")
            .map(|d| {
                let ip = d
                    .container_ip
                    .clone()
                    .unwrap_or_else(|| "its bridge address, 172.17.x.x by default".into());
                format!(
                    "{} {} publishes port 21 from a container, whose 227 carries {ip}",
                    d.kind, d.name
                )
            })
    };
    let Some(why) = why else { return };
    let Some(cfg) = scene.servers.first().or_else(|| {
        scene
            .deploys
            .iter()
            .find(|d| d.env_seen || d.publishes_control().is_some())
            .map(|d| &d.env)
    }) else {
        return;
    };
    if !cfg.passive_on() {
        return;
    }
    out.push(found(
        FindingId::ConfigNoPublicAddress,
        format!(
            "{}: the server sits behind NAT and no public address is set for the 227",
            cfg.kind.name()
        ),
        format!("{why}, and {} sets no passive address", cfg.file),
        format!("Add {} to {}", address_setting(cfg.kind), cfg.file),
        Loc::file(&cfg.file),
    ));
}

/// Ports as `30000-30009, 30050`.
pub fn list(ranges: &[PortRange]) -> String {
    let v: Vec<String> = ranges.iter().map(|r| r.to_string()).collect();
    v.join(", ")
}

/// The ruleset against the passive range: closed pieces, pieces open only through a helper
/// that is not there, and (as notes on the source) pieces it cannot judge.
fn firewall(
    scene: &Scene,
    rs: &Ruleset,
    range: &At<PortRange>,
    out: &mut Vec<Found>,
    notes: &mut Vec<(String, String)>,
) {
    let helper = rs.helpers.iter().any(|h| h.counts) || scene.helper_auto == Some(true);
    let (mut closed, mut via_helper, open, drop_at) = judge(rs, range, helper, notes);
    // A ruleset that accepts part of the range itself does not rely on a helper for the
    // rest: the rest is closed.
    if open {
        closed.append(&mut via_helper);
        closed.sort();
    }
    let fw = rs.kind;
    let path = match rs.dnat(range.value.lo) {
        Some((at, to, _)) => format!(" on the forward path (DNAT to {to} at {at})"),
        None => String::new(),
    };
    if !closed.is_empty() {
        let by = drop_at.map_or("the chain's policy (drop)".to_string(), |l| {
            format!("the rule at {l}")
        });
        let accept = if fw == "nftables" {
            format!("tcp dport {} accept", range.value)
        } else {
            format!(
                "-A INPUT -p tcp --dport {} -j ACCEPT",
                range.value.to_string().replace('-', ":")
            )
        };
        out.push(found(
            FindingId::FirewallPassiveRangeClosed,
            format!("{fw}: passive ports {} are not accepted", list(&closed)),
            format!(
                "{} drops new connections to {} ({}); the server's range is {} ({})",
                rs.file,
                list(&closed),
                by,
                range.value,
                range.loc
            ),
            format!(
                "Add `{accept}` to the input chain (forward, after a DNAT) in {}",
                rs.file
            ),
            Loc::file(&rs.file),
        ));
    }
    if !via_helper.is_empty() {
        let related = related_rule(rs).unwrap_or_else(|| Loc::file(&rs.file));
        let ignored: Vec<String> = rs
            .helpers
            .iter()
            .filter(|h| !h.counts)
            .map(|h| format!("{} ({})", h.note, h.loc))
            .collect();
        let ignored = if ignored.is_empty() {
            String::new()
        } else {
            format!("; ignored: {}", ignored.join(", "))
        };
        let fix = if fw == "nftables" {
            "ct helper \"ftp-standard\" { type \"ftp\" protocol tcp; } and `tcp dport 21 ct helper set \"ftp-standard\"` in a chain at priority above -200 (filter, 0)"
        } else {
            "-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp"
        };
        out.push(found(FindingId::FirewallHelperMissing, format!("{fw}: passive ports {} are accepted only as ct state related, with no FTP helper", list(&via_helper)), format!("{related} accepts related connections{path}, but no FTP conntrack helper is assigned{ignored}, and the kernel (nf_conntrack_helper off; gone since 6.0) does not assign one by itself"), format!("Add {fix}, or accept {} explicitly", range.value), related));
    }
}

fn related_rule(rs: &Ruleset) -> Option<Loc> {
    rs.chains
        .iter()
        .flat_map(|c| &c.rules)
        .find(|r| {
            r.conds
                .iter()
                .any(|c| matches!(c, Cond::State(s, false) if s.iter().any(|s| s == "related")))
        })
        .map(|r| r.loc.clone())
}

fn deploy(scene: &Scene, d: &Deploy, out: &mut Vec<Found>) {
    for (text, value, loc) in &d.base60 {
        out.push(found(FindingId::DeployYamlBase60, format!("{}: unquoted port mapping {text} is the number {value} in YAML 1.1", d.name), format!("{loc}: `- {text}` is not quoted; a YAML 1.1 reader (docker-compose v1, PyYAML) reads it as base 60: {value}"), format!("Quote it at {loc}: - \"{text}\""), loc.clone()));
    }
    if d.host_network {
        return;
    }
    let range = server_range(scene);
    let passive: Vec<_> = d
        .published
        .iter()
        .filter(|p| match &range {
            Some(r) => p.container.hi >= r.value.lo && p.container.lo <= r.value.hi,
            None => p.container.lo > 1023,
        })
        .collect();
    for p in &passive {
        if let Some(host) = p.host.filter(|h| *h != p.container) {
            out.push(found(FindingId::DeployRangeRemapped, format!("{}: passive ports {} are published as host ports {host}", d.name, p.container), format!("{}: host {host} -> container {}; the server advertises its own port numbers ({}), which the host does not publish", p.loc, p.container, p.container), format!("Publish the same numbers on both sides at {}: \"{}:{}\"", p.loc, p.container, p.container), p.loc.clone()));
        }
    }
    let Some(control) = d.publishes_control() else {
        return;
    };
    match (&range, passive.is_empty()) {
        (_, true) => {
            let want = range.as_ref().map_or("the passive range".to_string(), |r| {
                format!("{} ({})", r.value, r.loc)
            });
            out.push(found(FindingId::DeployPassivePortsUnpublished, format!("{}: port 21 is published but not the passive ports", d.name), format!("{} publishes 21, and no port of {want}{}", control.loc, if d.kind == "k8s" { "; a Service has no port ranges (kubernetes#23864): one entry per port, or hostNetwork: true" } else { "" }), format!("Publish {want} next to {}", control.loc), control.loc.clone()));
        }
        (Some(r), false) => {
            let covered: u32 = passive
                .iter()
                .map(|p| {
                    let lo = p.container.lo.max(r.value.lo);
                    let hi = p.container.hi.min(r.value.hi);
                    u32::from(hi) - u32::from(lo) + 1
                })
                .sum();
            let published: Vec<PortRange> = passive.iter().map(|p| p.container).collect();
            if covered < r.value.len()
                || published
                    .iter()
                    .any(|p| p.lo < r.value.lo || p.hi > r.value.hi)
            {
                let first = &passive[0].loc;
                out.push(found(FindingId::DeployRangeMismatch, format!("{}: published {} but the server's range is {}", d.name, list(&published), r.value), format!("{first} publishes {}; {} configures {}", list(&published), r.loc, r.value), format!("Make them equal: publish {} at {first}, or set the server's range to what is published", r.value), first.clone()));
            }
        }
        (None, false) => {}
    }
}

/// The range's pieces by their fate: (closed, open only through the missing helper,
/// whether some piece is accepted as new, the first dropping rule).
fn judge(
    rs: &Ruleset,
    range: &At<PortRange>,
    helper: bool,
    notes: &mut Vec<(String, String)>,
) -> (Vec<PortRange>, Vec<PortRange>, bool, Option<Loc>) {
    let mut steps = 0u64;
    let (mut closed, mut via_helper, mut open) = (Vec::new(), Vec::new(), false);
    let mut drop_at: Option<Loc> = None;
    for piece in pieces(rs, range.value) {
        let at = match rs.fate(piece.lo, "new", &mut steps) {
            Fate::Drop(at) => at,
            Fate::Accept => {
                open = true;
                continue;
            }
            Fate::Unknown(why) => {
                notes.push((
                    rs.file.clone(),
                    format!("passive ports {piece}: cannot tell whether they are accepted: {why}"),
                ));
                continue;
            }
        };
        match rs.fate(piece.lo, "related", &mut steps) {
            Fate::Accept if helper => {}
            // Accepted as related by a `ct state related` rule: that rule relies on a helper.
            Fate::Accept if related_rule(rs).is_some() => via_helper.push(piece),
            _ => {
                closed.push(piece);
                drop_at = drop_at.or(at);
            }
        }
    }
    (closed, via_helper, open, drop_at)
}

/// Published ranges past this many ports start as many docker-proxy processes (unless the
/// daemon runs with `"userland-proxy": false`).
const PROXY_PORTS_NOTE: u32 = 1000;

/// What a manifest does that is worth knowing but is no finding.
fn deploy_notes(d: &Deploy) -> Vec<(String, String)> {
    let mut notes = Vec::new();
    let file = d.env.file.clone();
    for p in d
        .published
        .iter()
        .filter(|p| d.kind == "compose" && p.container.len() > PROXY_PORTS_NOTE)
    {
        notes.push((file.clone(), format!("{}: {} publishes {} ports: Docker starts one docker-proxy process per port unless the daemon has \"userland-proxy\": false; a range of about 100 ports is plenty", p.loc, d.name, p.container.len())));
    }
    if let Some(a) = d
        .session_affinity
        .as_ref()
        .filter(|a| a.value != "ClientIP")
    {
        notes.push((file, format!("{}: sessionAffinity {}: with more than one pod, a passive data connection may reach another pod than the control connection; use sessionAffinity: ClientIP", a.loc, a.value)));
    }
    notes
}
