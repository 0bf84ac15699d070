//! The lanes of one mode's diagram: the client, the NAT or firewall a finding points at,
//! the server, and the address a 227 advertised when it is not the server's.

use std::net::IpAddr;

use super::{Lane, LaneKind};
use crate::diagnose::FindingId;
use crate::probe::record::ModeOutcome;
use crate::report::{ModeReport, Report};

/// Lane indexes of one diagram.
pub(super) struct Lanes {
    pub(super) client: usize,
    pub(super) middlebox: Option<usize>,
    pub(super) server: usize,
    pub(super) advertised: Option<usize>,
    pub(super) server_ip: Option<IpAddr>,
    pub(super) advertised_ip: Option<IpAddr>,
}

pub(super) fn lanes(report: &Report, m: &ModeReport) -> (Vec<Lane>, Lanes) {
    let mode = &m.outcome;
    let mut out = vec![Lane {
        kind: LaneKind::Client,
        title: "client".to_string(),
        addr: report
            .control
            .local
            .map(|a| a.ip().to_string())
            .unwrap_or_default(),
    }];
    let middlebox = middlebox_title(report, mode).map(|title| {
        out.push(Lane {
            kind: LaneKind::Middlebox,
            title: title.to_string(),
            addr: String::new(),
        });
        out.len() - 1
    });
    let server_ip = report.control.peer.map(|p| p.ip());
    out.push(Lane {
        kind: LaneKind::Server,
        title: "server".to_string(),
        addr: server_ip.map(|ip| ip.to_string()).unwrap_or_default(),
    });
    let server = out.len() - 1;
    let advertised_ip = mode
        .advertised
        .as_ref()
        .map(|a| a.ip)
        .filter(|ip| Some(*ip) != server_ip.map(|s| s.to_canonical()));
    let advertised = advertised_ip.map(|ip| {
        out.push(Lane {
            kind: LaneKind::Advertised,
            title: "advertised".to_string(),
            addr: ip.to_string(),
        });
        out.len() - 1
    });
    let idx = Lanes {
        client: 0,
        middlebox,
        server,
        advertised,
        server_ip,
        advertised_ip,
    };
    (out, idx)
}

/// The NAT or firewall a finding of this mode (or the session) points at.
fn middlebox_title(report: &Report, mode: &ModeOutcome) -> Option<&'static str> {
    let concerns = |id: FindingId| {
        report
            .findings
            .iter()
            .any(|f| f.id == id && (f.mode.is_none() || f.mode == Some(mode.mode)))
    };
    if concerns(FindingId::AlgRewrite) {
        Some("NAT (FTP ALG)")
    } else if concerns(FindingId::PasvPrivateAddress) || concerns(FindingId::ClientBehindNat) {
        Some("NAT")
    } else if concerns(FindingId::DataConnectTimeout) || concerns(FindingId::ActiveConnectTimeout) {
        Some("firewall")
    } else {
        None
    }
}
