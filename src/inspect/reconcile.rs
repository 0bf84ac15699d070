//! `--with`: the outside probe's report against the files. The declared view (the config),
//! the inside view (the host's firewall) and the outside view (what the probe saw) must
//! agree; where the probe saw what this config cannot produce, something in between
//! rewrites it, or another server answers.

use std::net::{IpAddr, SocketAddr};

use crate::diagnose::FindingId;

use super::Scene;
use super::firewall::Fate;
use super::model::Loc;
use super::rules::{Found, found, public_address, server_range};

/// The probe-contradicts-config findings.
pub fn findings(scene: &Scene, out: &mut Vec<Found>) {
    let Some((file, seen)) = &scene.seen else {
        return;
    };
    let loc = Loc::file(file);
    let configured = public_address(scene);
    let range = server_range(scene);
    peer(scene, file, seen, out);
    for m in &seen.modes {
        timeouts(scene, file, &m.mode, &m.dials, out);
        let Some(adv) = &m.advertised else { continue };
        let ip: Option<IpAddr> = adv.ip.as_deref().and_then(|i| i.parse().ok());
        match (&configured, ip) {
            (Some(cfg), Some(ip)) if cfg.value.parse::<IpAddr>().is_ok_and(|c| c != ip) => {
                out.push(found(FindingId::ProbeContradictsConfig, format!("the probe's 227 carried {ip}, but the config says {}", cfg.value), format!("{file}: {} advertised {ip}; {} sets {}", m.mode, cfg.loc, cfg.value), format!("Find what rewrites the 227 (a NAT's FTP helper, a proxy) or which other server answers {}; the config's address is at {}", seen.target.input, cfg.loc), loc.clone()));
            }
            (None, Some(ip))
                if !scene.host.addresses.is_empty()
                    && !scene.host.addresses.contains(&ip)
                    && !ip.is_unspecified() =>
            {
                out.push(found(FindingId::ProbeContradictsConfig, format!("the probe's 227 carried {ip}, which is none of this host's addresses"), format!("{file}: {} advertised {ip}; no passive address is configured and the host has {}", m.mode, scene.host.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")), format!("Another server answers {}, or a middlebox rewrites its 227: check the port-forward and the NAT's FTP helper", seen.target.input), loc.clone()));
            }
            _ => {}
        }
        if let (Some(r), Some(port)) = (&range, adv.port)
            && !r.value.contains(port)
        {
            out.push(found(FindingId::ProbeContradictsConfig, format!("the probe was given passive port {port}, outside the configured range {}", r.value), format!("{file}: {} advertised port {port}; {} sets {}", m.mode, r.loc, r.value), format!("Check that the probed server reads this config ({}), and that nothing rewrites the port", r.loc), loc.clone()));
        }
    }
}

/// A data dial that timed out to a port the host's firewall accepts: something in front
/// (a cloud security group, a router's port-forward) drops it.
fn timeouts(
    scene: &Scene,
    file: &str,
    mode: &str,
    dials: &[super::probe_report::Dial],
    out: &mut Vec<Found>,
) {
    for d in dials.iter().filter(|d| d.outcome == "timeout") {
        let Ok(addr) = d.addr.parse::<SocketAddr>() else {
            continue;
        };
        for rs in &scene.rulesets {
            let mut steps = 0;
            if rs.fate(addr.port(), "new", &mut steps) == Fate::Accept {
                out.push(found(FindingId::ProbeContradictsConfig, format!("the probe's data connection to port {} timed out, but {} accepts it", addr.port(), rs.kind), format!("{file}: {mode} dial to {} timed out; {} accepts new connections to {}", d.addr, rs.file, addr.port()), "Open the passive range in what sits in front of this host: the cloud security group, the router's port-forward, the NAT".to_string(), Loc::file(file)));
                return;
            }
        }
    }
}

/// The address the client reached against the configured passive address: a 227 that
/// names another address than the one clients come to sends them elsewhere.
fn peer(scene: &Scene, file: &str, seen: &super::probe_report::Seen, out: &mut Vec<Found>) {
    let (Some(cfg), Some(peer)) = (public_address(scene), seen.peer_ip()) else {
        return;
    };
    let (Ok(configured), Ok(used)) = (cfg.value.parse::<IpAddr>(), peer.parse::<IpAddr>()) else {
        return;
    };
    if configured != used && !scene.host.addresses.contains(&used) {
        out.push(found(
            FindingId::ProbeContradictsConfig,
            format!("clients reach the server at {used}, but the 227 is set to carry {configured}"),
            format!("{file}: the probe's control connection went to {used}; {} sets {configured}", cfg.loc),
            format!("Set the passive address at {} to {used}, the address clients use (or check which server answers {used})", cfg.loc),
            Loc::file(file),
        ));
    }
}
