//! `docker inspect CONTAINER` JSON (an array of containers): the environment, the network
//! mode, the published ports (HostConfig.PortBindings, NetworkSettings.Ports) and the
//! container's own addresses.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::deploy::{Deploy, Published, tcp_range};
use super::model::{Loc, PortRange};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Container {
    name: String,
    config: Config,
    host_config: HostConfig,
    network_settings: NetworkSettings,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Config {
    env: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct HostConfig {
    network_mode: String,
    port_bindings: Option<BTreeMap<String, Option<Vec<Binding>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct NetworkSettings {
    ports: Option<BTreeMap<String, Option<Vec<Binding>>>>,
    #[serde(rename = "IPAddress")]
    ip_address: String,
    networks: Option<BTreeMap<String, Network>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Network {
    #[serde(rename = "IPAddress")]
    ip_address: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Binding {
    host_port: String,
}

/// Every container in `docker inspect` output read from `file`. JSON has no useful lines:
/// each container's settings are located at `file:N`, N its place in the array.
pub fn parse(file: &str, text: &str) -> Result<Vec<Deploy>, String> {
    let containers: Vec<Container> =
        serde_json::from_str(text).map_err(|e| format!("not `docker inspect` JSON: {e}"))?;
    let mut out = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let loc = Loc::at(file, i + 1);
        let mut d = Deploy::new("docker-inspect", file, c.name.trim_start_matches('/'));
        d.host_network = c.host_config.network_mode == "host";
        for var in c.config.env.iter().flatten() {
            if let Some((k, v)) = var.split_once('=') {
                d.env_var(k, v, loc.clone());
            }
        }
        let ports = c
            .network_settings
            .ports
            .as_ref()
            .or(c.host_config.port_bindings.as_ref());
        for (spec, bindings) in ports.into_iter().flatten() {
            let Some(Some(container)) = tcp_range(spec) else {
                continue;
            };
            for b in bindings.iter().flatten() {
                let host = b.host_port.parse::<u16>().ok().map(PortRange::single);
                let p = Published {
                    host,
                    container,
                    loc: loc.clone(),
                };
                if !d.published.contains(&p) {
                    d.published.push(p);
                }
            }
        }
        let ip = std::iter::once(&c.network_settings.ip_address)
            .chain(
                c.network_settings
                    .networks
                    .iter()
                    .flat_map(|n| n.values().map(|n| &n.ip_address)),
            )
            .find(|ip| !ip.is_empty());
        d.container_ip = ip.cloned();
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_inspect_ports_env_and_address() {
        let text = r#"[{"Name":"/ftp","Config":{"Env":["PASV_MIN_PORT=21100","PASV_MAX_PORT=21110"]},
            "HostConfig":{"NetworkMode":"bridge"},
            "NetworkSettings":{"IPAddress":"","Networks":{"bridge":{"IPAddress":"172.17.0.2"}},
              "Ports":{"21/tcp":[{"HostIp":"0.0.0.0","HostPort":"21"},{"HostIp":"::","HostPort":"21"}],"20/tcp":null}}}]"#;
        let d = &parse("d.json", text).expect("inspect")[0];
        assert_eq!(d.name, "ftp");
        assert_eq!(d.published.len(), 1);
        assert_eq!(d.container_ip.as_deref(), Some("172.17.0.2"));
        assert_eq!(
            d.env.range.as_ref().map(|r| r.value),
            PortRange::new(21100, 21110)
        );
    }
}
