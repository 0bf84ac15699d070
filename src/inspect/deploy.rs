//! What container and Kubernetes manifests publish, in one shape: each service's published
//! ports (host side and container side), whether it shares the host's network, and the
//! FTP image settings its environment carries (PASV_ADDRESS, PASV_MIN_PORT, ...).

use super::model::{At, Loc, PortRange, ServerConfig, ServerKind};

/// Ports published from a container (or a Service) to the host (or the node, or the load
/// balancer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The host side; `None` when the engine picks one (`- "21"`).
    pub host: Option<PortRange>,
    /// The container side.
    pub container: PortRange,
    /// Where.
    pub loc: Loc,
}

/// One service, container or Kubernetes object.
#[derive(Debug, Clone)]
pub struct Deploy {
    /// `compose`, `k8s` or `docker-inspect`.
    pub kind: &'static str,
    /// Its name (compose service, container, Service or Deployment).
    pub name: String,
    /// Uses the host's network (network_mode: host, hostNetwork: true): nothing is published.
    pub host_network: bool,
    /// TCP ports published.
    pub published: Vec<Published>,
    /// Unquoted port mappings YAML 1.1 reads as base-60 numbers: text, value, where.
    pub base60: Vec<(String, u64, Loc)>,
    /// The FTP settings its environment carries.
    pub env: ServerConfig,
    /// Whether the environment names an FTP image's settings at all.
    pub env_seen: bool,
    /// The container's own address (docker inspect), which a 227 carries without PASV_ADDRESS.
    pub container_ip: Option<String>,
    /// A Service's sessionAffinity.
    pub session_affinity: Option<At<String>>,
}

impl Deploy {
    /// An empty one.
    pub fn new(kind: &'static str, file: &str, name: &str) -> Deploy {
        Deploy {
            kind,
            name: name.to_string(),
            host_network: false,
            published: Vec::new(),
            base60: Vec::new(),
            env: ServerConfig::new(ServerKind::Container, file),
            env_seen: false,
            container_ip: None,
            session_affinity: None,
        }
    }

    /// Whether it publishes the control port 21 (host side or container side).
    pub fn publishes_control(&self) -> Option<&Published> {
        self.published
            .iter()
            .find(|p| p.container.contains(21) || p.host.is_some_and(|h| h.contains(21)))
    }

    /// Reads one environment variable of an FTP image.
    pub fn env_var(&mut self, name: &str, value: &str, loc: Loc) {
        let value = value.trim();
        if value.contains('$') {
            return;
        }
        let port = || value.parse::<u16>().ok();
        match name {
            "PASV_ADDRESS" | "PUBLICHOST" | "ADDRESS" | "FTP_PASV_ADDRESS" => {
                self.env_seen = true;
                if !value.is_empty() {
                    self.env.public_address = Some(At::new(value.to_string(), loc));
                }
            }
            "PASV_MIN_PORT" | "MIN_PORT" => {
                self.env_seen = true;
                let hi = self.env.range.as_ref().map_or(u16::MAX, |r| r.value.hi);
                if let Some(lo) = port() {
                    self.env.range = PortRange::new(lo, hi.max(lo)).map(|r| At::new(r, loc));
                }
            }
            "PASV_MAX_PORT" | "MAX_PORT" => {
                self.env_seen = true;
                let lo = self.env.range.as_ref().map(|r| r.value.lo);
                if let (Some(lo), Some(hi)) = (lo, port()) {
                    let at = self
                        .env
                        .range
                        .as_ref()
                        .map(|r| r.loc.clone())
                        .unwrap_or(loc);
                    self.env.range = PortRange::new(lo, hi).map(|r| At::new(r, at));
                }
            }
            "FTP_PASSIVE_PORTS" | "PASSIVE_PORTS" => {
                self.env_seen = true;
                self.env.range = PortRange::parse(value).map(|r| At::new(r, loc));
            }
            "PASV_ENABLE" => {
                self.env_seen = true;
                let on = !matches!(value.to_ascii_uppercase().as_str(), "NO" | "FALSE" | "0");
                self.env.passive = Some(At::new(on, loc));
            }
            _ => {}
        }
    }
}

/// A port or range with an optional `/tcp`; `None` for `/udp` (not FTP's business).
pub fn tcp_range(text: &str) -> Option<Option<PortRange>> {
    let (ports, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    if !proto.eq_ignore_ascii_case("tcp") {
        return None;
    }
    Some(PortRange::parse(ports))
}
